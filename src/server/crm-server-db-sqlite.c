/* crm-server-db-sqlite.c: the server's store on SQLite, the embedded default
 *
 * A connection per thread that uses it (the server reads on its main
 * loop and writes in its writer thread), WAL, synchronous=FULL. BEGIN
 * IMMEDIATE serializes the writers, within an instance and across
 * instances on one file, so the change sequence is allocated in commit
 * order.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-server-db-sqlite"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crm-server-db-private.h"

#define SCHEMA_VERSION 2

typedef struct
{
  CrmServerDb parent;
  char       *path;
  sqlite3    *db;
  GHashTable *statements;
} SqliteDb;

#define SELF(db) ((SqliteDb *) (db))

static const char schema_v1[] =
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
  "INSERT INTO meta VALUES ('next_seq', 1), ('horizon', 0);"
  /* The records and, through seq, the change feed */
  "CREATE TABLE records ("
  "  entity     TEXT NOT NULL,"
  "  id         TEXT NOT NULL,"
  "  version    INTEGER NOT NULL CHECK (version > 0),"
  "  seq        INTEGER NOT NULL UNIQUE,"
  "  owner_id   TEXT,"
  "  subject_id TEXT,"
  "  deleted    INTEGER NOT NULL DEFAULT 0,"
  "  data       TEXT NOT NULL,"
  "  PRIMARY KEY (entity, id)"
  ") WITHOUT ROWID;"
  "CREATE INDEX records_live ON records (entity, deleted, id);"
  /* A record that moved away from a subject: its old readers get a tombstone */
  "CREATE TABLE revocations ("
  "  seq        INTEGER PRIMARY KEY,"
  "  entity     TEXT NOT NULL,"
  "  id         TEXT NOT NULL,"
  "  subject_id TEXT NOT NULL"
  ");"
  /* Mutation ids and idempotency keys already answered, with the answer */
  "CREATE TABLE mutations ("
  "  key        TEXT PRIMARY KEY,"
  "  user_id    TEXT,"
  "  result     TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL"
  ") WITHOUT ROWID;"
  "CREATE TABLE logins ("
  "  user_id       TEXT PRIMARY KEY,"
  "  username      TEXT NOT NULL UNIQUE,"
  "  password_hash TEXT NOT NULL"
  ") WITHOUT ROWID;"
  /* Tokens are kept as hashes: a copy of the database logs no one in */
  "CREATE TABLE tokens ("
  "  token_hash TEXT PRIMARY KEY,"
  "  user_id    TEXT NOT NULL,"
  "  expires_at INTEGER NOT NULL"
  ") WITHOUT ROWID;"
  "CREATE TABLE login_failures ("
  "  username TEXT PRIMARY KEY,"
  "  failures INTEGER NOT NULL,"
  "  first_at INTEGER NOT NULL"
  ") WITHOUT ROWID;";

/* Version 2: the feed by seq with whose each change is, so a pull skips
 * the changes its reader may not see in the index, without reading
 * their records (in a team, most of the feed is other people's) */
static const char schema_v2[] =
  "CREATE INDEX records_feed ON records (seq, subject_id);";

/* Helpers *************************************************************/

typedef sqlite3_stmt StmtUse;

static void
stmt_release (StmtUse *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StmtUse, stmt_release)

static gboolean
set_error (CrmServerDb  *db,
           GError      **error,
           int           rc)
{
  int code = CRM_SERVER_DB_ERROR_FAILED;

  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
    code = CRM_SERVER_DB_ERROR_BUSY;
  else if ((rc & 0xff) == SQLITE_FULL)
    code = CRM_SERVER_DB_ERROR_DISK_FULL;
  g_set_error (error, CRM_SERVER_DB_ERROR, code, "%s: %s",
               SELF (db)->path, SELF (db)->db ? sqlite3_errmsg (SELF (db)->db) : sqlite3_errstr (rc));
  return FALSE;
}

static StmtUse *
prepare (CrmServerDb  *db,
         const char   *sql,
         GError      **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (SELF (db)->statements, sql);
  int rc;

  if (stmt)
    return stmt;
  if ((rc = sqlite3_prepare_v3 (SELF (db)->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL)) != SQLITE_OK)
    {
      set_error (db, error, rc);
      return NULL;
    }
  g_hash_table_insert (SELF (db)->statements, g_strdup (sql), stmt);
  return stmt;
}

static gboolean
exec (CrmServerDb  *db,
      const char   *sql,
      GError      **error)
{
  int rc = sqlite3_exec (SELF (db)->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return set_error (db, error, rc);
  return TRUE;
}

static gboolean
step_done (CrmServerDb   *db,
           sqlite3_stmt  *stmt,
           GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE)
    return set_error (db, error, rc);
  return TRUE;
}

static void
bind_text (sqlite3_stmt *stmt,
           int           i,
           const char   *text)
{
  if (text)
    sqlite3_bind_text (stmt, i, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, i);
}

static char *
dup_column (sqlite3_stmt *stmt,
            int           i)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, i));
}

static gint64
get_meta (CrmServerDb *db,
          const char  *key)
{
  g_autoptr(StmtUse) stmt = prepare (db, "SELECT value FROM meta WHERE key = ?", NULL);

  if (stmt == NULL)
    return -1;
  bind_text (stmt, 1, key);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int64 (stmt, 0);
}

static gboolean
set_meta (CrmServerDb  *db,
          const char   *key,
          gint64        value,
          GError      **error)
{
  g_autoptr(StmtUse) stmt = prepare (db, "UPDATE meta SET value = ? WHERE key = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, value);
  bind_text (stmt, 2, key);
  return step_done (db, stmt, error);
}

/* Hands out the next place in the feed. Called inside the write
 * transaction, so the order of seqs is the order of commits: a reader
 * never sees a later seq before an earlier one has committed. */
static gint64
allocate_seq (CrmServerDb  *db,
              GError      **error)
{
  gint64 seq = get_meta (db, "next_seq");

  if (seq < 0)
    {
      g_set_error (error, CRM_SERVER_DB_ERROR, CRM_SERVER_DB_ERROR_FAILED, "no change sequence");
      return -1;
    }
  if (!set_meta (db, "next_seq", seq + 1, error))
    return -1;
  return seq;
}

static CrmServerRow *
read_row (sqlite3_stmt *stmt)
{
  CrmServerRow *row = g_new0 (CrmServerRow, 1);

  row->entity = dup_column (stmt, 0);
  row->id = dup_column (stmt, 1);
  row->version = sqlite3_column_int64 (stmt, 2);
  row->seq = sqlite3_column_int64 (stmt, 3);
  row->owner_id = dup_column (stmt, 4);
  row->subject_id = dup_column (stmt, 5);
  row->deleted = sqlite3_column_int (stmt, 6);
  row->data = dup_column (stmt, 7);
  return row;
}

/* How long a writer waits for another (instance's) writer, in total */
#define BUSY_TIMEOUT_USEC (10 * G_USEC_PER_SEC)
#define BUSY_SLEEP_USEC 250

/* Instead of sqlite3_busy_timeout(), whose sleeps grow to 100 ms: writers
 * on one file take turns for a few milliseconds each, and a writer that
 * slept 100 ms past its turn kept every request of its group waiting */
static int
busy_cb (void *user_data,
         int   n_calls)
{
  if ((gint64) n_calls * BUSY_SLEEP_USEC >= BUSY_TIMEOUT_USEC)
    return 0;
  g_usleep (BUSY_SLEEP_USEC);
  return 1;
}

static gboolean
ensure_private_file (const char  *path,
                     GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create %s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  if ((fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot open %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

/* Backend *************************************************************/

static void sqlite_rollback (CrmServerDb *db);

static void
sqlite_free (CrmServerDb *db)
{
  if (db == NULL)
    return;
  g_clear_pointer (&SELF (db)->statements, g_hash_table_unref);
  g_clear_pointer (&SELF (db)->db, sqlite3_close);
  g_free (SELF (db)->path);
  g_free (db);
}

static gboolean
sqlite_begin (CrmServerDb  *db,
                     gboolean      write,
                     GError      **error)
{
  /* A read is one snapshot from its first statement on */
  return exec (db, write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED", error);
}

static gboolean
sqlite_commit (CrmServerDb  *db,
                      GError      **error)
{
  if (!exec (db, "COMMIT", error))
    {
      sqlite_rollback (db);
      return FALSE;
    }
  return TRUE;
}

static void
sqlite_rollback (CrmServerDb *db)
{
  if (!sqlite3_get_autocommit (SELF (db)->db))
    sqlite3_exec (SELF (db)->db, "ROLLBACK", NULL, NULL, NULL);
}

static gboolean
sqlite_savepoint (CrmServerDb  *db,
                         GError      **error)
{
  return exec (db, "SAVEPOINT mutation", error);
}

static void
sqlite_release (CrmServerDb *db)
{
  sqlite3_exec (SELF (db)->db, "RELEASE mutation", NULL, NULL, NULL);
}

static void
sqlite_rollback_to (CrmServerDb *db)
{
  sqlite3_exec (SELF (db)->db, "ROLLBACK TO mutation; RELEASE mutation", NULL, NULL, NULL);
}

#define ROW_COLUMNS "entity, id, version, seq, owner_id, subject_id, deleted, data"

/**
 * sqlite_get_row:
 *
 * Returns: the row, tombstone or not; %NULL without an error when there
 *   is none
 */
static CrmServerRow *
sqlite_get_row (CrmServerDb  *db,
                       const char   *entity,
                       const char   *id,
                       GError      **error)
{
  g_autoptr(StmtUse) stmt = prepare (db, "SELECT " ROW_COLUMNS " FROM records WHERE entity = ? AND id = ?", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, entity);
  bind_text (stmt, 2, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return read_row (stmt);
  if (rc != SQLITE_DONE)
    set_error (db, error, rc);
  return NULL;
}

/**
 * sqlite_put_row:
 *
 * Inserts or replaces the row, giving it the next place in the feed
 * (written back to @row->seq). Call inside a write transaction.
 */
static gboolean
sqlite_put_row (CrmServerDb   *db,
                       CrmServerRow  *row,
                       GError       **error)
{
  g_autoptr(StmtUse) stmt = NULL;
  gint64 seq;

  if ((seq = allocate_seq (db, error)) < 0)
    return FALSE;
  if (!(stmt = prepare (db, "INSERT OR REPLACE INTO records (" ROW_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)", error)))
    return FALSE;
  bind_text (stmt, 1, row->entity);
  bind_text (stmt, 2, row->id);
  sqlite3_bind_int64 (stmt, 3, row->version);
  sqlite3_bind_int64 (stmt, 4, seq);
  bind_text (stmt, 5, row->owner_id);
  bind_text (stmt, 6, row->subject_id);
  sqlite3_bind_int (stmt, 7, row->deleted);
  bind_text (stmt, 8, row->data);
  if (!step_done (db, stmt, error))
    return FALSE;
  row->seq = seq;
  return TRUE;
}

static gboolean
sqlite_add_revocation (CrmServerDb  *db,
                              const char   *entity,
                              const char   *id,
                              const char   *subject_id,
                              GError      **error)
{
  g_autoptr(StmtUse) stmt = NULL;
  gint64 seq;

  if ((seq = allocate_seq (db, error)) < 0)
    return FALSE;
  if (!(stmt = prepare (db, "INSERT INTO revocations (seq, entity, id, subject_id) VALUES (?, ?, ?, ?)", error)))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  bind_text (stmt, 2, entity);
  bind_text (stmt, 3, id);
  bind_text (stmt, 4, subject_id);
  return step_done (db, stmt, error);
}

/* The last seq handed out, as the current transaction sees it */
static gint64
sqlite_get_last_seq (CrmServerDb *db)
{
  return get_meta (db, "next_seq") - 1;
}

static gint64
sqlite_get_horizon (CrmServerDb *db)
{
  return get_meta (db, "horizon");
}

/**
 * sqlite_prune:
 *
 * Forgets tombstones and revocations from before @before_seq. A client
 * whose cursor is older must then resync.
 */
static gboolean
sqlite_prune (CrmServerDb  *db,
                     gint64        before_seq,
                     guint        *n_pruned,
                     GError      **error)
{
  g_autoptr(StmtUse) tombstones = NULL;
  g_autoptr(StmtUse) revocations = NULL;

  if (!(tombstones = prepare (db, "DELETE FROM records WHERE deleted = 1 AND seq < ?", error)))
    return FALSE;
  sqlite3_bind_int64 (tombstones, 1, before_seq);
  if (!step_done (db, tombstones, error))
    return FALSE;
  *n_pruned = sqlite3_changes (SELF (db)->db);
  if (!(revocations = prepare (db, "DELETE FROM revocations WHERE seq < ?", error)))
    return FALSE;
  sqlite3_bind_int64 (revocations, 1, before_seq);
  if (!step_done (db, revocations, error))
    return FALSE;
  if (before_seq > sqlite_get_horizon (db))
    return set_meta (db, "horizon", before_seq, error);
  return TRUE;
}

/* The rows a filtered reader may see; the subject decides */
#define VISIBLE \
  "(?3 OR subject_id IS NULL " \
  " OR subject_id IN (SELECT value FROM json_each (?4)) " \
  " OR (entity IN ('accounts', 'contacts') AND subject_id IN (SELECT value FROM json_each (?5))))"

/**
 * sqlite_foreach_change:
 * @limit: the most rows to hand to @func
 *
 * Calls @func for each change after @after_seq in feed order: live rows
 * and tombstones the reader may see, and (as rows with deleted set and no
 * data) records that moved out of the reader's sight. Stops early when
 * @func returns %FALSE.
 */
static gboolean
sqlite_foreach_change (CrmServerDb           *db,
                              gint64                 after_seq,
                              guint                  limit,
                              const CrmServerFilter *filter,
                              CrmServerRowFunc       func,
                              gpointer               user_data,
                              GError               **error)
{
  /* Two streams in seq order, each walking its own index and stopping at
   * the limit, merged here: a page costs its size, not the feed's. */
  static const char records_sql[] =
    "SELECT " ROW_COLUMNS " FROM records INDEXED BY records_feed WHERE seq > ?1 AND " VISIBLE
    " ORDER BY seq LIMIT ?2";
  static const char revocations_sql[] =
    "SELECT r.entity, r.id,"
    "       coalesce ((SELECT v.version FROM records v WHERE v.entity = r.entity AND v.id = r.id), 0),"
    "       r.seq, NULL, r.subject_id, 1, NULL FROM revocations r"
    " WHERE r.seq > ?1 AND NOT ?3"
    "   AND (r.subject_id IN (SELECT value FROM json_each (?4))"
    "        OR (r.entity IN ('accounts', 'contacts') AND r.subject_id IN (SELECT value FROM json_each (?5))))"
    "   AND NOT EXISTS (SELECT 1 FROM records x WHERE x.entity = r.entity AND x.id = r.id"
    "                   AND (x.subject_id IN (SELECT value FROM json_each (?4))"
    "                        OR (x.entity IN ('accounts', 'contacts') AND x.subject_id IN (SELECT value FROM json_each (?5)))))"
    " ORDER BY r.seq LIMIT ?2";
  g_autoptr(StmtUse) records = prepare (db, records_sql, error);
  g_autoptr(StmtUse) revocations = NULL;
  sqlite3_stmt *streams[2];
  int rc[2];

  if (records == NULL || !(revocations = prepare (db, revocations_sql, error)))
    return FALSE;
  streams[0] = records;
  streams[1] = revocations;
  for (guint i = 0; i < 2; i++)
    {
      sqlite3_bind_int64 (streams[i], 1, after_seq);
      sqlite3_bind_int64 (streams[i], 2, limit);
      sqlite3_bind_int (streams[i], 3, filter->all);
      bind_text (streams[i], 4, filter->own_json ? filter->own_json : "[]");
      bind_text (streams[i], 5, filter->shared_json ? filter->shared_json : "[]");
      rc[i] = sqlite3_step (streams[i]);
    }

  for (guint n = 0; n < limit && (rc[0] == SQLITE_ROW || rc[1] == SQLITE_ROW); n++)
    {
      guint next;
      sqlite3_stmt *stmt;
      CrmServerRow row;

      if (rc[0] != SQLITE_ROW)
        next = 1;
      else if (rc[1] != SQLITE_ROW)
        next = 0;
      else
        next = sqlite3_column_int64 (streams[1], 3) < sqlite3_column_int64 (streams[0], 3);
      stmt = streams[next];
      row = (CrmServerRow) {
        (char *) sqlite3_column_text (stmt, 0), (char *) sqlite3_column_text (stmt, 1),
        sqlite3_column_int64 (stmt, 2), sqlite3_column_int64 (stmt, 3),
        (char *) sqlite3_column_text (stmt, 4), (char *) sqlite3_column_text (stmt, 5),
        sqlite3_column_int (stmt, 6), (char *) sqlite3_column_text (stmt, 7),
      };
      if (!func (&row, user_data))
        return TRUE;
      rc[next] = sqlite3_step (stmt);
    }

  for (guint i = 0; i < 2; i++)
    if (rc[i] != SQLITE_ROW && rc[i] != SQLITE_DONE)
      return set_error (db, error, rc[i]);
  return TRUE;
}

/* How many live records the reader may see: a first sync's total */
static gint64
sqlite_count_visible (CrmServerDb           *db,
                             const CrmServerFilter *filter)
{
  static const char sql[] =
    "SELECT count(*) FROM records WHERE deleted = 0 AND seq > ?1 AND ?2 >= 0 AND " VISIBLE;
  g_autoptr(StmtUse) stmt = prepare (db, sql, NULL);

  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, 0);
  sqlite3_bind_int64 (stmt, 2, 0);
  sqlite3_bind_int (stmt, 3, filter->all);
  bind_text (stmt, 4, filter->own_json ? filter->own_json : "[]");
  bind_text (stmt, 5, filter->shared_json ? filter->shared_json : "[]");
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int64 (stmt, 0);
}

/**
 * sqlite_foreach_live:
 * @after_id: (nullable): list from the id after this one
 *
 * Live records of one entity the reader may see, in id order.
 */
static gboolean
sqlite_foreach_live (CrmServerDb           *db,
                            const char            *entity,
                            const char            *after_id,
                            guint                  limit,
                            const CrmServerFilter *filter,
                            CrmServerRowFunc       func,
                            gpointer               user_data,
                            GError               **error)
{
  static const char sql[] =
    "SELECT " ROW_COLUMNS " FROM records WHERE entity = ?1 AND deleted = 0 AND id > ?6 AND " VISIBLE
    " ORDER BY id LIMIT ?2";
  g_autoptr(StmtUse) stmt = prepare (db, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, entity);
  sqlite3_bind_int64 (stmt, 2, limit);
  sqlite3_bind_int (stmt, 3, filter->all);
  bind_text (stmt, 4, filter->own_json ? filter->own_json : "[]");
  bind_text (stmt, 5, filter->shared_json ? filter->shared_json : "[]");
  bind_text (stmt, 6, after_id ? after_id : "");

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(CrmServerRow) row = read_row (stmt);

      if (!func (row, user_data))
        return TRUE;
    }
  if (rc != SQLITE_DONE)
    return set_error (db, error, rc);
  return TRUE;
}

static char *
sqlite_get_mutation (CrmServerDb  *db,
                            const char   *key,
                            GError      **error)
{
  g_autoptr(StmtUse) stmt = prepare (db, "SELECT result FROM mutations WHERE key = ?", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, key);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return dup_column (stmt, 0);
  if (rc != SQLITE_DONE)
    set_error (db, error, rc);
  return NULL;
}

/* In process, two statements cost no more than one */
static char *
sqlite_get_mutation_row (CrmServerDb   *db,
                         const char    *key,
                         const char    *entity,
                         const char    *id,
                         CrmServerRow **row,
                         GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  char *stored = sqlite_get_mutation (db, key, &local_error);

  if (stored == NULL && local_error == NULL && entity && id)
    *row = sqlite_get_row (db, entity, id, &local_error);
  if (local_error)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return stored;
}

static gboolean
sqlite_put_mutation (CrmServerDb  *db,
                            const char   *key,
                            const char   *user_id,
                            const char   *result,
                            GError      **error)
{
  g_autoptr(StmtUse) stmt = prepare (db, "INSERT OR REPLACE INTO mutations (key, user_id, result, created_at) "
                                         "VALUES (?, ?, ?, ?)", error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, key);
  bind_text (stmt, 2, user_id);
  bind_text (stmt, 3, result);
  sqlite3_bind_int64 (stmt, 4, g_get_real_time () / G_USEC_PER_SEC);
  return step_done (db, stmt, error);
}

static gboolean
sqlite_get_login (CrmServerDb  *db,
                         const char   *username,
                         char        **user_id,
                         char        **password_hash,
                         GError      **error)
{
  g_autoptr(StmtUse) stmt = prepare (db, "SELECT user_id, password_hash FROM logins WHERE username = ?", error);
  int rc;

  *user_id = NULL;
  *password_hash = NULL;
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, username);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *user_id = dup_column (stmt, 0);
      *password_hash = dup_column (stmt, 1);
      return TRUE;
    }
  if (rc != SQLITE_DONE)
    return set_error (db, error, rc);
  return TRUE;
}

static char *
sqlite_get_username (CrmServerDb *db,
                            const char  *user_id)
{
  g_autoptr(StmtUse) stmt = prepare (db, "SELECT username FROM logins WHERE user_id = ?", NULL);

  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, user_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  return dup_column (stmt, 0);
}

static gboolean
sqlite_put_login (CrmServerDb  *db,
                         const char   *user_id,
                         const char   *username,
                         const char   *password_hash,
                         GError      **error)
{
  g_autoptr(StmtUse) stmt = prepare (db, "INSERT OR REPLACE INTO logins (user_id, username, password_hash) "
                                         "VALUES (?, ?, ?)", error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, user_id);
  bind_text (stmt, 2, username);
  bind_text (stmt, 3, password_hash);
  return step_done (db, stmt, error);
}

static gboolean
sqlite_put_token (CrmServerDb  *db,
                         const char   *token_hash,
                         const char   *user_id,
                         gint64        expires_at,
                         GError      **error)
{
  g_autoptr(StmtUse) purge = prepare (db, "DELETE FROM tokens WHERE expires_at < ?", error);
  g_autoptr(StmtUse) stmt = NULL;

  if (purge == NULL)
    return FALSE;
  /* Long-expired tokens go as new ones come */
  sqlite3_bind_int64 (purge, 1, g_get_real_time () / G_USEC_PER_SEC - 7 * 24 * 3600);
  if (!step_done (db, purge, error))
    return FALSE;
  if (!(stmt = prepare (db, "INSERT INTO tokens (token_hash, user_id, expires_at) VALUES (?, ?, ?)", error)))
    return FALSE;
  bind_text (stmt, 1, token_hash);
  bind_text (stmt, 2, user_id);
  sqlite3_bind_int64 (stmt, 3, expires_at);
  return step_done (db, stmt, error);
}

#define DIRECTORY_STAMP "(SELECT coalesce (max (seq), 0) FROM records WHERE entity = 'users')"

static char *
sqlite_get_token (CrmServerDb  *db,
                  const char   *token_hash,
                  gint64       *expires_at,
                  gint64       *directory_stamp,
                  GError      **error)
{
  g_autoptr(StmtUse) stmt = prepare (db, "SELECT user_id, expires_at, " DIRECTORY_STAMP
                                         " FROM tokens WHERE token_hash = ?", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, token_hash);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *expires_at = sqlite3_column_int64 (stmt, 1);
      *directory_stamp = sqlite3_column_int64 (stmt, 2);
      return dup_column (stmt, 0);
    }
  if (rc != SQLITE_DONE)
    set_error (db, error, rc);
  return NULL;
}

static gboolean
sqlite_get_failures (CrmServerDb  *db,
                            const char   *username,
                            guint        *failures,
                            gint64       *first_at,
                            GError      **error)
{
  g_autoptr(StmtUse) stmt = prepare (db, "SELECT failures, first_at FROM login_failures WHERE username = ?", error);
  int rc;

  *failures = 0;
  *first_at = 0;
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, username);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *failures = sqlite3_column_int (stmt, 0);
      *first_at = sqlite3_column_int64 (stmt, 1);
    }
  else if (rc != SQLITE_DONE)
    return set_error (db, error, rc);
  return TRUE;
}

static gboolean
sqlite_put_failures (CrmServerDb  *db,
                            const char   *username,
                            guint         failures,
                            gint64        first_at,
                            GError      **error)
{
  g_autoptr(StmtUse) stmt = NULL;

  if (failures == 0)
    {
      if (!(stmt = prepare (db, "DELETE FROM login_failures WHERE username = ?", error)))
        return FALSE;
      bind_text (stmt, 1, username);
      return step_done (db, stmt, error);
    }
  if (!(stmt = prepare (db, "INSERT OR REPLACE INTO login_failures (username, failures, first_at) "
                            "VALUES (?, ?, ?)", error)))
    return FALSE;
  bind_text (stmt, 1, username);
  sqlite3_bind_int (stmt, 2, failures);
  sqlite3_bind_int64 (stmt, 3, first_at);
  return step_done (db, stmt, error);
}

static gint64
sqlite_count_rows (CrmServerDb *db,
                          const char  *entity)
{
  g_autoptr(StmtUse) stmt = prepare (db, "SELECT count(*) FROM records WHERE entity = ? AND deleted = 0", NULL);

  if (stmt == NULL)
    return -1;
  bind_text (stmt, 1, entity);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int64 (stmt, 0);
}

static const CrmServerDbClass sqlite_class = {
  sqlite_free,
  sqlite_begin,
  sqlite_commit,
  sqlite_rollback,
  sqlite_savepoint,
  sqlite_release,
  sqlite_rollback_to,
  sqlite_get_row,
  sqlite_put_row,
  sqlite_add_revocation,
  sqlite_get_horizon,
  sqlite_get_last_seq,
  sqlite_prune,
  sqlite_foreach_change,
  sqlite_count_visible,
  sqlite_foreach_live,
  sqlite_get_mutation_row,
  sqlite_put_mutation,
  sqlite_get_login,
  sqlite_get_username,
  sqlite_put_login,
  sqlite_put_token,
  sqlite_get_token,
  sqlite_get_failures,
  sqlite_put_failures,
  sqlite_count_rows,
};

/* Public API **********************************************************/

CrmServerDb *
_crm_server_db_sqlite_open (const char  *path,
                            GError     **error)
{
  CrmServerDb *db;
  sqlite3_stmt *stmt = NULL;
  int version = 0;
  int rc;

  if (!ensure_private_file (path, error))
    return NULL;

  db = (CrmServerDb *) g_new0 (SqliteDb, 1);
  db->klass = &sqlite_class;
  SELF (db)->path = g_strdup (path);
  SELF (db)->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) sqlite3_finalize);
  if ((rc = sqlite3_open_v2 (path, &SELF (db)->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL)) != SQLITE_OK)
    goto failed;
  sqlite3_extended_result_codes (SELF (db)->db, TRUE);
  sqlite3_busy_handler (SELF (db)->db, busy_cb, NULL);

  if ((rc = sqlite3_prepare_v2 (SELF (db)->db, "PRAGMA user_version", -1, &stmt, NULL)) != SQLITE_OK ||
      (rc = sqlite3_step (stmt)) != SQLITE_ROW)
    goto failed;
  version = sqlite3_column_int (stmt, 0);
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (version > SCHEMA_VERSION)
    {
      g_set_error (error, CRM_SERVER_DB_ERROR, CRM_SERVER_DB_ERROR_TOO_NEW,
                   "%s was written by a newer crm-server (schema %d, this one knows %d)",
                   path, version, SCHEMA_VERSION);
      sqlite_free (db);
      return NULL;
    }

  /* Reads through a memory map: each commit of the writer's connection
   * (or another instance's) empties this connection's page cache, and
   * reading the pages again with read() cost pulls a copy of each.
   * Writes still go through the WAL with write() and fsync. */
  if (!exec (db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                 "PRAGMA foreign_keys = ON; PRAGMA cache_size = -64000; "
                 "PRAGMA mmap_size = 1073741824;", error))
    {
      sqlite_free (db);
      return NULL;
    }

  if (version < SCHEMA_VERSION)
    {
      if (!exec (db, "BEGIN IMMEDIATE", error))
        {
          sqlite_free (db);
          return NULL;
        }
      if ((rc = sqlite3_prepare_v2 (SELF (db)->db, "PRAGMA user_version", -1, &stmt, NULL)) != SQLITE_OK ||
          (rc = sqlite3_step (stmt)) != SQLITE_ROW)
        goto failed;
      version = sqlite3_column_int (stmt, 0);
      g_clear_pointer (&stmt, sqlite3_finalize);
      if ((version < 1 && !exec (db, schema_v1, error)) ||
          (version < 2 && !exec (db, schema_v2, error)) ||
          (version < SCHEMA_VERSION && !exec (db, "PRAGMA user_version = " G_STRINGIFY (SCHEMA_VERSION), error)))
        {
          exec (db, "ROLLBACK", NULL);
          sqlite_free (db);
          return NULL;
        }
      if (!exec (db, "COMMIT", error))
        {
          sqlite_free (db);
          return NULL;
        }
    }

  return db;

failed:
  g_clear_pointer (&stmt, sqlite3_finalize);
  set_error (db, error, rc);
  sqlite_free (db);
  return NULL;
}
