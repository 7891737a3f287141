/* crm-server-db-pg.c: the server's store on PostgreSQL (libpq)
 *
 * For teams: several crm-server instances may serve one database, since
 * the server keeps no state of its own between requests. What makes that
 * safe lives here:
 *
 * - The schema is versioned in crm_schema_version and created or migrated
 *   on start in one transaction that first takes a transaction-level
 *   advisory lock, so instances starting together migrate one at a time
 *   and the later ones find the work done.
 * - Writers serialize on the change-sequence counter: a write transaction
 *   locks the meta row next_seq FOR UPDATE as it begins and keeps it to
 *   its end, so seqs are handed out in commit order across instances and
 *   a reader whose snapshot (REPEATABLE READ) holds seq N holds every seq
 *   below it (see crm-server-db.h for why this and not a horizon of the
 *   oldest transaction in flight). It also gives read-modify-write (the
 *   merge of a push, idempotency lookups) what SQLite's BEGIN IMMEDIATE
 *   gives it: no other writer in between.
 * - Mutation ids live in the shared mutations table, read after the lock
 *   is taken, so a push retried on another instance gets the stored result.
 *
 * Connections: a CrmServerDb is one connection, used by one thread. A
 * server opens two, its pool: one for the reads on its main loop and one
 * for its writer thread (crm-server-writer.c); the way to use more cores
 * is more instances. Statements are prepared once per connection (the names are
 * forgotten with the connection). A connection that broke, as when the
 * database restarts, is replaced on the next call, at most once a second
 * while the database stays away; meanwhile every call fails with
 * CRM_SERVER_DB_ERROR_BUSY, which the API answers with 503 and
 * Retry-After. A transaction whose COMMIT did not come back as COMMIT is
 * reported as failed, so no write is acknowledged that was not committed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-server-db-pg"

#include "config.h"

#include <libpq-fe.h>
#include <string.h>

#include "crm-server-db-private.h"

#define SCHEMA_VERSION 2

/* pg_advisory_xact_lock key for migrations: "crm-sch" */
#define MIGRATION_LOCK "29949632836338536"

/* How long to wait before trying to reach an unreachable database again */
#define RECONNECT_INTERVAL_USEC (G_USEC_PER_SEC)

typedef struct
{
  CrmServerDb  parent;
  char        *url;
  PGconn      *conn;
  GHashTable  *statements;      /* SQL → name prepared on conn */
  guint        n_statements;
  gboolean     in_transaction;
  gint64       next_attempt;    /* monotonic time of the next connection attempt */
  /* A read transaction's horizon and next_seq, read with its BEGIN, or -1 */
  gint64       read_horizon;
  gint64       read_next_seq;
} PgDb;

#define SELF(db) ((PgDb *) (db))

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

/* Forward migrations; migrations[v - 1] takes the schema to version v */
static const char * const migrations[SCHEMA_VERSION] = {
  "CREATE TABLE meta (key TEXT COLLATE \"C\" PRIMARY KEY, value BIGINT NOT NULL);"
  "INSERT INTO meta VALUES ('next_seq', 1), ('horizon', 0);"
  /* The records and, through seq, the change feed. Ids compare bytewise,
   * as in SQLite, so list pages come in the same order on both stores. */
  "CREATE TABLE records ("
  "  entity     TEXT COLLATE \"C\" NOT NULL,"
  "  id         TEXT COLLATE \"C\" NOT NULL,"
  "  version    BIGINT NOT NULL CHECK (version > 0),"
  "  seq        BIGINT NOT NULL UNIQUE,"
  "  owner_id   TEXT COLLATE \"C\","
  "  subject_id TEXT COLLATE \"C\","
  "  deleted    BOOLEAN NOT NULL DEFAULT FALSE,"
  "  data       TEXT NOT NULL,"
  "  PRIMARY KEY (entity, id)"
  ");"
  "CREATE INDEX records_live ON records (entity, deleted, id);"
  /* A record that moved away from a subject: its old readers get a tombstone */
  "CREATE TABLE revocations ("
  "  seq        BIGINT PRIMARY KEY,"
  "  entity     TEXT COLLATE \"C\" NOT NULL,"
  "  id         TEXT COLLATE \"C\" NOT NULL,"
  "  subject_id TEXT COLLATE \"C\" NOT NULL"
  ");"
  /* Mutation ids and idempotency keys already answered, with the answer */
  "CREATE TABLE mutations ("
  "  key        TEXT COLLATE \"C\" PRIMARY KEY,"
  "  user_id    TEXT,"
  "  result     TEXT NOT NULL,"
  "  created_at BIGINT NOT NULL"
  ");"
  "CREATE TABLE logins ("
  "  user_id       TEXT COLLATE \"C\" PRIMARY KEY,"
  "  username      TEXT NOT NULL UNIQUE,"
  "  password_hash TEXT NOT NULL"
  ");"
  /* Tokens are kept as hashes: a copy of the database logs no one in */
  "CREATE TABLE tokens ("
  "  token_hash TEXT COLLATE \"C\" PRIMARY KEY,"
  "  user_id    TEXT NOT NULL,"
  "  expires_at BIGINT NOT NULL"
  ");"
  "CREATE INDEX tokens_expiry ON tokens (expires_at);"
  "CREATE TABLE login_failures ("
  "  username TEXT PRIMARY KEY,"
  "  failures INTEGER NOT NULL,"
  "  first_at BIGINT NOT NULL"
  ");",
  /* The feed by seq with whose each change is, so a pull passes over
   * the changes its reader may not see in the index */
  "CREATE INDEX records_feed ON records (seq, subject_id);",
};

/* Helpers *************************************************************/

static void
notice_cb (G_GNUC_UNUSED void *user_data,
           const char         *message)
{
  g_debug ("%s", message);
}

static gboolean
set_unavailable (GError     **error,
                 const char  *detail)
{
  g_autofree char *text = g_strstrip (g_strdup (detail));

  g_set_error (error, CRM_SERVER_DB_ERROR, CRM_SERVER_DB_ERROR_BUSY,
               "PostgreSQL is unreachable: %s", text);
  return FALSE;
}

/* Maps a failed result to our error codes: what may succeed when tried
 * again (a lost connection, a lock wait that timed out, a serialization
 * failure, a database shutting down) is BUSY. */
static gboolean
set_error (PgDb            *self,
           GError         **error,
           const PGresult  *result)
{
  const char *state = result ? PQresultErrorField (result, PG_DIAG_SQLSTATE) : NULL;
  const char *message = result && *PQresultErrorMessage (result) ? PQresultErrorMessage (result)
                                                                  : PQerrorMessage (self->conn);
  g_autofree char *text = g_strstrip (g_strdup (message));
  int code = CRM_SERVER_DB_ERROR_FAILED;

  if (PQstatus (self->conn) != CONNECTION_OK || state == NULL ||
      g_str_has_prefix (state, "08") ||          /* connection exception */
      g_str_has_prefix (state, "57P") ||         /* shutting down, cannot connect now */
      g_str_equal (state, "40001") ||            /* serialization failure */
      g_str_equal (state, "40P01") ||            /* deadlock */
      g_str_equal (state, "55P03") ||            /* lock not available */
      g_str_equal (state, "53300"))              /* too many connections */
    code = CRM_SERVER_DB_ERROR_BUSY;
  else if (g_str_equal (state, "53100"))         /* disk full */
    code = CRM_SERVER_DB_ERROR_DISK_FULL;
  g_set_error (error, CRM_SERVER_DB_ERROR, code, "PostgreSQL: %s", text);
  return FALSE;
}

static PGconn *
connect_url (const char  *url,
             GError     **error)
{
  /* Ours first: anything the URL says wins over them */
  static const char * const keywords[] = {
    "connect_timeout", "application_name", "options", "dbname", NULL,
  };
  const char * const values[] = {
    "5", "crm-server",
    /* A write waiting on another instance's lock gives up and is retried
     * by the client (503) rather than holding the main loop forever */
    "-c lock_timeout=10s -c idle_in_transaction_session_timeout=60s",
    url, NULL,
  };
  PGconn *conn = PQconnectdbParams (keywords, values, TRUE);

  if (conn == NULL || PQstatus (conn) != CONNECTION_OK)
    {
      g_autofree char *text = g_strstrip (g_strdup (conn ? PQerrorMessage (conn) : "out of memory"));

      g_set_error (error, CRM_SERVER_DB_ERROR, CRM_SERVER_DB_ERROR_BUSY,
                   "PostgreSQL is unreachable: %s", text);
      g_clear_pointer (&conn, PQfinish);
      return NULL;
    }
  PQsetNoticeProcessor (conn, notice_cb, NULL);
  return conn;
}

/* Leaves in_transaction alone: a transaction that lost its connection
 * stays failed until it is rolled back */
static void
disconnect (PgDb *self)
{
  g_clear_pointer (&self->conn, PQfinish);
  g_hash_table_remove_all (self->statements);
}

/**
 * ensure_connected:
 *
 * A working connection, a new one if the last broke. Never inside a
 * transaction: what it did is gone with the connection, and a statement
 * on a new connection would run, and commit, on its own.
 */
static gboolean
ensure_connected (PgDb    *self,
                  GError **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 now;

  if (self->conn && PQstatus (self->conn) == CONNECTION_OK)
    return TRUE;
  if (self->in_transaction)
    return set_unavailable (error, "the connection was lost during the transaction");
  disconnect (self);
  now = g_get_monotonic_time ();
  if (now < self->next_attempt)
    return set_unavailable (error, "waiting to reconnect");
  if (!(self->conn = connect_url (self->url, &local_error)))
    {
      self->next_attempt = now + RECONNECT_INTERVAL_USEC;
      g_warning ("%s", local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_message ("Connected to PostgreSQL database %s", PQdb (self->conn));
  return TRUE;
}

static gboolean
result_ok (const PGresult *result)
{
  ExecStatusType status = PQresultStatus (result);

  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

/* Runs a statement without parameters, unprepared (transaction control) */
static gboolean
exec (PgDb        *self,
      const char  *sql,
      GError     **error)
{
  g_autoptr(PGresult) result = NULL;

  if (!ensure_connected (self, error))
    return FALSE;
  result = PQexec (self->conn, sql);
  if (!result_ok (result))
    return set_error (self, error, result);
  return TRUE;
}

/**
 * query:
 * @values: @n_values parameters as text, %NULL for SQL NULL
 *
 * Runs @sql as a statement prepared on this connection. A read outside a
 * transaction that finds the connection broken (the database restarted
 * since the last call) is tried once more on a new connection; anything
 * else is not, since it may have been carried out.
 */
static PGresult *
query (PgDb               *self,
       const char         *sql,
       int                 n_values,
       const char * const *values,
       GError            **error)
{
  for (guint attempt = 0;; attempt++)
    {
      g_autoptr(PGresult) result = NULL;
      const char *name;
      gboolean retry;

      if (!ensure_connected (self, error))
        return NULL;
      if (!(name = g_hash_table_lookup (self->statements, sql)))
        {
          g_autofree char *new_name = g_strdup_printf ("crm_%u", ++self->n_statements);
          g_autoptr(PGresult) prepared = PQprepare (self->conn, new_name, sql, 0, NULL);

          if (result_ok (prepared))
            {
              g_hash_table_insert (self->statements, g_strdup (sql), g_strdup (new_name));
              name = g_hash_table_lookup (self->statements, sql);
            }
          else
            result = g_steal_pointer (&prepared);
        }
      if (name)
        {
          result = PQexecPrepared (self->conn, name, n_values, values, NULL, NULL, 0);
          if (result_ok (result))
            return g_steal_pointer (&result);
        }

      retry = attempt == 0 && !self->in_transaction && PQstatus (self->conn) != CONNECTION_OK &&
              g_str_has_prefix (sql, "SELECT");
      if (!retry)
        {
          set_error (self, error, result);
          if (PQstatus (self->conn) != CONNECTION_OK)
            disconnect (self);
          return NULL;
        }
      disconnect (self);
    }
}

static const char *
format_int (char   *buffer,
            gsize   size,
            gint64  value)
{
  g_snprintf (buffer, size, "%" G_GINT64_FORMAT, value);
  return buffer;
}

static char *
dup_value (const PGresult *result,
           int             row,
           int             column)
{
  return PQgetisnull (result, row, column) ? NULL : g_strdup (PQgetvalue (result, row, column));
}

static gint64
int_value (const PGresult *result,
           int             row,
           int             column)
{
  return g_ascii_strtoll (PQgetvalue (result, row, column), NULL, 10);
}

static const char *
text_value (const PGresult *result,
            int             row,
            int             column)
{
  return PQgetisnull (result, row, column) ? NULL : PQgetvalue (result, row, column);
}

static gboolean
bool_value (const PGresult *result,
            int             row,
            int             column)
{
  return PQgetvalue (result, row, column)[0] == 't';
}

static gboolean
command (PgDb               *self,
         const char         *sql,
         int                 n_values,
         const char * const *values,
         GError            **error)
{
  g_autoptr(PGresult) result = query (self, sql, n_values, values, error);

  return result != NULL;
}

static gint64
get_meta (PgDb       *self,
          const char *key)
{
  const char *values[] = { key };
  g_autoptr(PGresult) result = query (self, "SELECT value FROM meta WHERE key = $1", 1, values, NULL);

  if (result == NULL || PQntuples (result) != 1)
    return -1;
  return int_value (result, 0, 0);
}

/* Borrowed, valid while @result lives */
static CrmServerRow
borrow_row (const PGresult *result,
            int             i)
{
  return (CrmServerRow) {
    (char *) text_value (result, i, 0), (char *) text_value (result, i, 1),
    int_value (result, i, 2), int_value (result, i, 3),
    (char *) text_value (result, i, 4), (char *) text_value (result, i, 5),
    bool_value (result, i, 6), (char *) text_value (result, i, 7),
  };
}

static CrmServerRow *
read_row (const PGresult *result,
          int             i)
{
  CrmServerRow *row = g_new0 (CrmServerRow, 1);

  row->entity = dup_value (result, i, 0);
  row->id = dup_value (result, i, 1);
  row->version = int_value (result, i, 2);
  row->seq = int_value (result, i, 3);
  row->owner_id = dup_value (result, i, 4);
  row->subject_id = dup_value (result, i, 5);
  row->deleted = bool_value (result, i, 6);
  row->data = dup_value (result, i, 7);
  return row;
}

static gboolean
migrate (PgDb    *self,
         GError **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autofree char *set_version = NULL;
  gint64 version;

  if (!exec (self, "BEGIN; SELECT pg_advisory_xact_lock (" MIGRATION_LOCK ");"
                   "CREATE TABLE IF NOT EXISTS crm_schema_version (version INTEGER NOT NULL)", error))
    return FALSE;
  self->in_transaction = TRUE;
  result = PQexec (self->conn, "SELECT coalesce (max (version), 0) FROM crm_schema_version");
  if (!result_ok (result))
    goto failed;
  version = int_value (result, 0, 0);
  if (version > SCHEMA_VERSION)
    {
      g_set_error (error, CRM_SERVER_DB_ERROR, CRM_SERVER_DB_ERROR_TOO_NEW,
                   "PostgreSQL database %s was written by a newer crm-server (schema %" G_GINT64_FORMAT
                   ", this one knows %d)", PQdb (self->conn), version, SCHEMA_VERSION);
      exec (self, "ROLLBACK", NULL);
      self->in_transaction = FALSE;
      return FALSE;
    }
  for (gint64 v = version + 1; v <= SCHEMA_VERSION; v++)
    {
      g_clear_pointer (&result, PQclear);
      result = PQexec (self->conn, migrations[v - 1]);
      if (!result_ok (result))
        goto failed;
      g_message ("Migrated PostgreSQL database %s to schema %" G_GINT64_FORMAT, PQdb (self->conn), v);
    }
  g_clear_pointer (&result, PQclear);
  set_version = g_strdup_printf ("DELETE FROM crm_schema_version;"
                                 "INSERT INTO crm_schema_version VALUES (%d); COMMIT",
                                 SCHEMA_VERSION);
  result = PQexec (self->conn, set_version);
  if (!result_ok (result) || !g_str_equal (PQcmdStatus (result), "COMMIT"))
    goto failed;
  self->in_transaction = FALSE;
  return TRUE;

failed:
  set_error (self, error, result);
  exec (self, "ROLLBACK", NULL);
  self->in_transaction = FALSE;
  return FALSE;
}

/* Backend *************************************************************/

static void
pg_free (CrmServerDb *db)
{
  PgDb *self = SELF (db);

  g_clear_pointer (&self->conn, PQfinish);
  g_clear_pointer (&self->statements, g_hash_table_unref);
  g_free (self->url);
  g_free (self);
}

/* A read transaction reads the feed's bounds with its BEGIN, as its
 * first statement (which takes its snapshot): a pull needs them, and it
 * saves a round trip each */
static gboolean
pg_begin (CrmServerDb  *db,
          gboolean      write,
          GError      **error)
{
  PgDb *self = SELF (db);
  const char *sql = write
    ? "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT value FROM meta WHERE key = 'next_seq' FOR UPDATE"
    : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;"
      " SELECT (SELECT value FROM meta WHERE key = 'horizon'), (SELECT value FROM meta WHERE key = 'next_seq')";

  g_assert (!self->in_transaction);
  for (guint attempt = 0;; attempt++)
    {
      g_autoptr(PGresult) result = NULL;

      if (!ensure_connected (self, error))
        return FALSE;
      result = PQexec (self->conn, sql);
      if (result_ok (result))
        {
          if (!write && PQntuples (result) == 1)
            {
              self->read_horizon = int_value (result, 0, 0);
              self->read_next_seq = int_value (result, 0, 1);
            }
          break;
        }
      /* Nothing was done on a connection that broke: start over once */
      if (attempt == 0 && PQstatus (self->conn) != CONNECTION_OK)
        {
          disconnect (self);
          continue;
        }
      set_error (self, error, result);
      if (PQstatus (self->conn) == CONNECTION_OK)
        exec (self, "ROLLBACK", NULL);
      else
        disconnect (self);
      return FALSE;
    }
  self->in_transaction = TRUE;
  return TRUE;
}

static void
pg_rollback (CrmServerDb *db)
{
  PgDb *self = SELF (db);

  if (!self->in_transaction)
    return;
  self->in_transaction = FALSE;
  self->read_horizon = self->read_next_seq = -1;
  if (self->conn && PQstatus (self->conn) == CONNECTION_OK)
    {
      g_autoptr(PGresult) result = PQexec (self->conn, "ROLLBACK");

      if (PQstatus (self->conn) != CONNECTION_OK)
        disconnect (self);
    }
}

static gboolean
pg_commit (CrmServerDb  *db,
           GError      **error)
{
  PgDb *self = SELF (db);
  g_autoptr(PGresult) result = NULL;

  g_assert (self->in_transaction);
  if (!ensure_connected (self, error))
    {
      self->in_transaction = FALSE;
      self->read_horizon = self->read_next_seq = -1;
      return FALSE;
    }
  result = PQexec (self->conn, "COMMIT");
  self->in_transaction = FALSE;
  self->read_horizon = self->read_next_seq = -1;
  /* COMMIT of a transaction that failed answers ROLLBACK */
  if (result_ok (result) && g_str_equal (PQcmdStatus (result), "COMMIT"))
    return TRUE;
  if (result_ok (result))
    g_set_error (error, CRM_SERVER_DB_ERROR, CRM_SERVER_DB_ERROR_FAILED,
                 "PostgreSQL rolled the transaction back");
  else
    set_error (self, error, result);
  if (PQstatus (self->conn) != CONNECTION_OK)
    disconnect (self);
  return FALSE;
}

static gboolean
pg_savepoint (CrmServerDb  *db,
              GError      **error)
{
  return exec (SELF (db), "SAVEPOINT mutation", error);
}

static void
pg_release (CrmServerDb *db)
{
  exec (SELF (db), "RELEASE SAVEPOINT mutation", NULL);
}

static void
pg_rollback_to (CrmServerDb *db)
{
  exec (SELF (db), "ROLLBACK TO SAVEPOINT mutation; RELEASE SAVEPOINT mutation", NULL);
}

#define ROW_COLUMNS "entity, id, version, seq, owner_id, subject_id, deleted, data"
#define ROW_COLUMNS_R "entity, r.id, r.version, r.seq, r.owner_id, r.subject_id, r.deleted, r.data"

static CrmServerRow *
pg_get_row (CrmServerDb  *db,
            const char   *entity,
            const char   *id,
            GError      **error)
{
  const char *values[] = { entity, id };
  g_autoptr(PGresult) result = query (SELF (db), "SELECT " ROW_COLUMNS " FROM records WHERE entity = $1 AND id = $2",
                                      2, values, error);

  if (result == NULL || PQntuples (result) == 0)
    return NULL;
  return read_row (result, 0);
}

/* The seq comes from the counter row this transaction locked in begin */
static gboolean
pg_put_row (CrmServerDb   *db,
            CrmServerRow  *row,
            GError       **error)
{
  static const char sql[] =
    "WITH s AS (UPDATE meta SET value = value + 1 WHERE key = 'next_seq' RETURNING value - 1 AS seq)"
    " INSERT INTO records (" ROW_COLUMNS ")"
    " SELECT $1, $2, $3::bigint, s.seq, $4, $5, $6::boolean, $7 FROM s"
    " ON CONFLICT (entity, id) DO UPDATE SET version = EXCLUDED.version, seq = EXCLUDED.seq,"
    "   owner_id = EXCLUDED.owner_id, subject_id = EXCLUDED.subject_id,"
    "   deleted = EXCLUDED.deleted, data = EXCLUDED.data"
    " RETURNING seq";
  char version[24];
  const char *values[] = {
    row->entity, row->id, format_int (version, sizeof version, row->version),
    row->owner_id, row->subject_id, row->deleted ? "t" : "f", row->data,
  };
  g_autoptr(PGresult) result = query (SELF (db), sql, G_N_ELEMENTS (values), values, error);

  if (result == NULL)
    return FALSE;
  if (PQntuples (result) != 1)
    {
      g_set_error (error, CRM_SERVER_DB_ERROR, CRM_SERVER_DB_ERROR_FAILED, "no change sequence");
      return FALSE;
    }
  row->seq = int_value (result, 0, 0);
  return TRUE;
}

static gboolean
pg_add_revocation (CrmServerDb  *db,
                   const char   *entity,
                   const char   *id,
                   const char   *subject_id,
                   GError      **error)
{
  static const char sql[] =
    "WITH s AS (UPDATE meta SET value = value + 1 WHERE key = 'next_seq' RETURNING value - 1 AS seq)"
    " INSERT INTO revocations (seq, entity, id, subject_id) SELECT s.seq, $1, $2, $3 FROM s";
  const char *values[] = { entity, id, subject_id };

  return command (SELF (db), sql, G_N_ELEMENTS (values), values, error);
}

static gint64
pg_get_horizon (CrmServerDb *db)
{
  if (SELF (db)->read_horizon >= 0)
    return SELF (db)->read_horizon;
  return get_meta (SELF (db), "horizon");
}

static gint64
pg_get_last_seq (CrmServerDb *db)
{
  gint64 next = SELF (db)->read_next_seq >= 0 ? SELF (db)->read_next_seq : get_meta (SELF (db), "next_seq");

  return next < 0 ? -1 : next - 1;
}

static gboolean
pg_prune (CrmServerDb  *db,
          gint64        before_seq,
          guint        *n_pruned,
          GError      **error)
{
  PgDb *self = SELF (db);
  char seq[24];
  const char *values[] = { format_int (seq, sizeof seq, before_seq) };
  g_autoptr(PGresult) result = query (self, "DELETE FROM records WHERE deleted AND seq < $1", 1, values, error);

  if (result == NULL)
    return FALSE;
  *n_pruned = g_ascii_strtoull (PQcmdTuples (result), NULL, 10);
  return command (self, "DELETE FROM revocations WHERE seq < $1", 1, values, error) &&
         command (self, "UPDATE meta SET value = $1 WHERE key = 'horizon' AND value < $1", 1, values, error);
}

/* The rows a filtered reader may see; the subject decides. The id lists
 * come as JSON arrays, the same text the SQLite store reads. */
#define VISIBLE(all, own, shared) \
  "(" all "::boolean OR subject_id IS NULL" \
  " OR subject_id = ANY (ARRAY (SELECT jsonb_array_elements_text (" own "::jsonb)))" \
  " OR (entity IN ('accounts', 'contacts')" \
  "     AND subject_id = ANY (ARRAY (SELECT jsonb_array_elements_text (" shared "::jsonb)))))"

static gboolean
pg_foreach_change (CrmServerDb           *db,
                   gint64                 after_seq,
                   guint                  limit,
                   const CrmServerFilter *filter,
                   CrmServerRowFunc       func,
                   gpointer               user_data,
                   GError               **error)
{
  /* Two streams in seq order, each walking its own index and stopping at
   * the limit, merged by the database: one round trip. An admin reads
   * everything, so nothing is revoked from them. */
  static const char sql[] =
    "SELECT * FROM ("
    " (SELECT " ROW_COLUMNS " FROM records WHERE seq > $1 AND " VISIBLE ("$3", "$4", "$5")
    "  ORDER BY seq LIMIT $2)"
    " UNION ALL"
    " (SELECT r.entity, r.id,"
    "         coalesce ((SELECT v.version FROM records v WHERE v.entity = r.entity AND v.id = r.id), 0),"
    "         r.seq, NULL, r.subject_id, TRUE, NULL FROM revocations r"
    "  WHERE r.seq > $1 AND NOT $3::boolean"
    "    AND (r.subject_id = ANY (ARRAY (SELECT jsonb_array_elements_text ($4::jsonb)))"
    "         OR (r.entity IN ('accounts', 'contacts')"
    "             AND r.subject_id = ANY (ARRAY (SELECT jsonb_array_elements_text ($5::jsonb)))))"
    "    AND NOT EXISTS (SELECT 1 FROM records x WHERE x.entity = r.entity AND x.id = r.id"
    "                    AND (x.subject_id = ANY (ARRAY (SELECT jsonb_array_elements_text ($4::jsonb)))"
    "                         OR (x.entity IN ('accounts', 'contacts')"
    "                             AND x.subject_id = ANY (ARRAY (SELECT jsonb_array_elements_text ($5::jsonb))))))"
    "  ORDER BY r.seq LIMIT $2)"
    ") AS changes ORDER BY seq LIMIT $2";
  PgDb *self = SELF (db);
  char after[24];
  char count[24];
  const char *values[] = {
    format_int (after, sizeof after, after_seq), format_int (count, sizeof count, limit),
    filter->all ? "t" : "f",
    filter->own_json ? filter->own_json : "[]",
    filter->shared_json ? filter->shared_json : "[]",
  };
  g_autoptr(PGresult) result = query (self, sql, G_N_ELEMENTS (values), values, error);

  if (result == NULL)
    return FALSE;
  for (int i = 0; i < PQntuples (result); i++)
    {
      CrmServerRow row = borrow_row (result, i);

      if (!func (&row, user_data))
        break;
    }
  return TRUE;
}

static gint64
pg_count_visible (CrmServerDb           *db,
                  const CrmServerFilter *filter)
{
  const char *values[] = {
    filter->all ? "t" : "f",
    filter->own_json ? filter->own_json : "[]",
    filter->shared_json ? filter->shared_json : "[]",
  };
  g_autoptr(PGresult) result = query (SELF (db),
                                      "SELECT count(*) FROM records WHERE NOT deleted AND " VISIBLE ("$1", "$2", "$3"),
                                      G_N_ELEMENTS (values), values, NULL);

  if (result == NULL || PQntuples (result) != 1)
    return -1;
  return int_value (result, 0, 0);
}

static gboolean
pg_foreach_live (CrmServerDb           *db,
                 const char            *entity,
                 const char            *after_id,
                 guint                  limit,
                 const CrmServerFilter *filter,
                 CrmServerRowFunc       func,
                 gpointer               user_data,
                 GError               **error)
{
  static const char sql[] =
    "SELECT " ROW_COLUMNS " FROM records WHERE entity = $1 AND NOT deleted AND id > $6 AND "
    VISIBLE ("$3", "$4", "$5") " ORDER BY id LIMIT $2";
  char count[24];
  const char *values[] = {
    entity, format_int (count, sizeof count, limit), filter->all ? "t" : "f",
    filter->own_json ? filter->own_json : "[]",
    filter->shared_json ? filter->shared_json : "[]",
    after_id ? after_id : "",
  };
  g_autoptr(PGresult) result = query (SELF (db), sql, G_N_ELEMENTS (values), values, error);

  if (result == NULL)
    return FALSE;
  for (int i = 0; i < PQntuples (result); i++)
    {
      CrmServerRow row = borrow_row (result, i);

      if (!func (&row, user_data))
        break;
    }
  return TRUE;
}

static char *
pg_get_mutation_row (CrmServerDb   *db,
                     const char    *key,
                     const char    *entity,
                     const char    *id,
                     CrmServerRow **row,
                     GError       **error)
{
  static const char sql[] =
    "SELECT r." ROW_COLUMNS_R ", (SELECT result FROM mutations WHERE key = $1)"
    " FROM (SELECT 1) AS one LEFT JOIN records r ON r.entity = $2 AND r.id = $3";
  const char *values[] = { key, entity, id };
  g_autoptr(PGresult) result = query (SELF (db), sql, G_N_ELEMENTS (values), values, error);

  if (result == NULL || PQntuples (result) != 1)
    return NULL;
  if (!PQgetisnull (result, 0, 8))
    return dup_value (result, 0, 8);
  if (!PQgetisnull (result, 0, 0))
    *row = read_row (result, 0);
  return NULL;
}

static gboolean
pg_put_mutation (CrmServerDb  *db,
                 const char   *key,
                 const char   *user_id,
                 const char   *result,
                 GError      **error)
{
  static const char sql[] =
    "INSERT INTO mutations (key, user_id, result, created_at) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (key) DO UPDATE SET user_id = EXCLUDED.user_id, result = EXCLUDED.result,"
    "   created_at = EXCLUDED.created_at";
  char now[24];
  const char *values[] = {
    key, user_id, result, format_int (now, sizeof now, g_get_real_time () / G_USEC_PER_SEC),
  };

  return command (SELF (db), sql, G_N_ELEMENTS (values), values, error);
}

static gboolean
pg_get_login (CrmServerDb  *db,
              const char   *username,
              char        **user_id,
              char        **password_hash,
              GError      **error)
{
  const char *values[] = { username };
  g_autoptr(PGresult) result = NULL;

  *user_id = NULL;
  *password_hash = NULL;
  if (!(result = query (SELF (db), "SELECT user_id, password_hash FROM logins WHERE username = $1",
                        1, values, error)))
    return FALSE;
  if (PQntuples (result) > 0)
    {
      *user_id = dup_value (result, 0, 0);
      *password_hash = dup_value (result, 0, 1);
    }
  return TRUE;
}

static char *
pg_get_username (CrmServerDb *db,
                 const char  *user_id)
{
  const char *values[] = { user_id };
  g_autoptr(PGresult) result = query (SELF (db), "SELECT username FROM logins WHERE user_id = $1", 1, values, NULL);

  if (result == NULL || PQntuples (result) == 0)
    return NULL;
  return dup_value (result, 0, 0);
}

/* Replaces whatever login had this id or this name, as SQLite's
 * INSERT OR REPLACE does */
static gboolean
pg_put_login (CrmServerDb  *db,
              const char   *user_id,
              const char   *username,
              const char   *password_hash,
              GError      **error)
{
  const char *values[] = { user_id, username, password_hash };

  return command (SELF (db), "DELETE FROM logins WHERE user_id = $1 OR username = $2", 2, values, error) &&
         command (SELF (db), "INSERT INTO logins (user_id, username, password_hash) VALUES ($1, $2, $3)",
                  3, values, error);
}

static gboolean
pg_put_token (CrmServerDb  *db,
              const char   *token_hash,
              const char   *user_id,
              gint64        expires_at,
              GError      **error)
{
  char purge_before[24];
  char expires[24];
  const char *purge[] = {
    format_int (purge_before, sizeof purge_before, g_get_real_time () / G_USEC_PER_SEC - 7 * 24 * 3600),
  };
  const char *values[] = { token_hash, user_id, format_int (expires, sizeof expires, expires_at) };

  /* Long-expired tokens go as new ones come */
  return command (SELF (db), "DELETE FROM tokens WHERE expires_at < $1", 1, purge, error) &&
         command (SELF (db), "INSERT INTO tokens (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
                  3, values, error);
}

static char *
pg_get_token (CrmServerDb  *db,
              const char   *token_hash,
              gint64       *expires_at,
              gint64       *directory_stamp,
              GError      **error)
{
  static const char sql[] =
    "SELECT user_id, expires_at, (SELECT coalesce (max (seq), 0) FROM records WHERE entity = 'users')"
    " FROM tokens WHERE token_hash = $1";
  const char *values[] = { token_hash };
  g_autoptr(PGresult) result = query (SELF (db), sql, 1, values, error);

  if (result == NULL || PQntuples (result) == 0)
    return NULL;
  *expires_at = int_value (result, 0, 1);
  *directory_stamp = int_value (result, 0, 2);
  return dup_value (result, 0, 0);
}

static gboolean
pg_get_failures (CrmServerDb  *db,
                 const char   *username,
                 guint        *failures,
                 gint64       *first_at,
                 GError      **error)
{
  const char *values[] = { username };
  g_autoptr(PGresult) result = NULL;

  *failures = 0;
  *first_at = 0;
  if (!(result = query (SELF (db), "SELECT failures, first_at FROM login_failures WHERE username = $1",
                        1, values, error)))
    return FALSE;
  if (PQntuples (result) > 0)
    {
      *failures = int_value (result, 0, 0);
      *first_at = int_value (result, 0, 1);
    }
  return TRUE;
}

static gboolean
pg_put_failures (CrmServerDb  *db,
                 const char   *username,
                 guint         failures,
                 gint64        first_at,
                 GError      **error)
{
  char count[24];
  char first[24];
  const char *values[] = {
    username, format_int (count, sizeof count, failures), format_int (first, sizeof first, first_at),
  };

  if (failures == 0)
    return command (SELF (db), "DELETE FROM login_failures WHERE username = $1", 1, values, error);
  return command (SELF (db),
                  "INSERT INTO login_failures (username, failures, first_at) VALUES ($1, $2, $3)"
                  " ON CONFLICT (username) DO UPDATE SET failures = EXCLUDED.failures,"
                  "   first_at = EXCLUDED.first_at",
                  3, values, error);
}

static gint64
pg_count_rows (CrmServerDb *db,
               const char  *entity)
{
  const char *values[] = { entity };
  g_autoptr(PGresult) result = query (SELF (db), "SELECT count(*) FROM records WHERE entity = $1 AND NOT deleted",
                                      1, values, NULL);

  if (result == NULL || PQntuples (result) != 1)
    return -1;
  return int_value (result, 0, 0);
}

static const CrmServerDbClass pg_class = {
  pg_free,
  pg_begin,
  pg_commit,
  pg_rollback,
  pg_savepoint,
  pg_release,
  pg_rollback_to,
  pg_get_row,
  pg_put_row,
  pg_add_revocation,
  pg_get_horizon,
  pg_get_last_seq,
  pg_prune,
  pg_foreach_change,
  pg_count_visible,
  pg_foreach_live,
  pg_get_mutation_row,
  pg_put_mutation,
  pg_get_login,
  pg_get_username,
  pg_put_login,
  pg_put_token,
  pg_get_token,
  pg_get_failures,
  pg_put_failures,
  pg_count_rows,
};

/* Public API **********************************************************/

/**
 * _crm_server_db_pg_open:
 * @url: a libpq connection URL, postgresql://[user[:password]@][host][:port][/dbname][?param=value…]
 *
 * Connects and creates or migrates the schema. The database must exist;
 * unlike later calls, an unreachable database here is an error at once.
 */
CrmServerDb *
_crm_server_db_pg_open (const char  *url,
                        GError     **error)
{
  PgDb *self = g_new0 (PgDb, 1);

  self->parent.klass = &pg_class;
  self->url = g_strdup (url);
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->read_horizon = self->read_next_seq = -1;
  if (!(self->conn = connect_url (url, error)) || !migrate (self, error))
    {
      pg_free ((CrmServerDb *) self);
      return NULL;
    }
  return (CrmServerDb *) self;
}
