/* crm-store.c: the local SQLite store of one profile
 *
 * One database per profile, WAL, foreign keys on, schema migrated forward by
 * PRAGMA user_version. Every local edit writes its row and its outbox entry
 * in one transaction; the connection runs with synchronous=FULL so a commit
 * that returned is on disk. Reads never commit, so they never pay for that.
 * Only a pulled page that more pages follow commits with NORMAL (see
 * _crm_store_apply_pull_page()).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-store"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crm-quote-record.h"
#include "crm-resources.h"
#include "crm-store-private.h"

typedef struct
{
  const CrmEntity *entity;
  char            *id;
  CrmChangeKind    kind;
} Change;

typedef struct
{
  char *insert_sql;
  char *update_sql;
  char *select_sql;
} EntitySql;

struct _CrmStore
{
  GObject     parent_instance;

  char       *path;
  char       *owner_id;    /* the current_user_id setting, read once */
  gboolean    owner_loaded;
  sqlite3    *db;
  gboolean    read_only;   /* crm_store_open_reader() */
  GHashTable *statements;  /* SQL text → sqlite3_stmt */
  GHashTable *entity_sql;  /* CrmEntity* → EntitySql* */

  /* Transactions nest as savepoints; changes are announced on the
   * outermost commit and forgotten on rollback. */
  guint       depth;
  GArray     *pending_changes;
  GArray     *savepoint_marks;
};

G_DEFINE_FINAL_TYPE (CrmStore, crm_store, G_TYPE_OBJECT)
G_DEFINE_QUARK (crm-store-error-quark, crm_store_error)

/* How long a change waits for another connection's to finish */
#define BUSY_WAIT_MS 5000

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const struct {
  int         version;
  const char *resource;
} migrations[] = {
  { 1, "/org/example/Crm/libcrm/schema/0001-initial.sql" },
  { 2, "/org/example/Crm/libcrm/schema/0002-quotes.sql" },
  { 3, "/org/example/Crm/libcrm/schema/0003-forecast.sql" },
  { 4, "/org/example/Crm/libcrm/schema/0004-board.sql" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == CRM_STORE_SCHEMA_VERSION);

/* Indexes the rows the insert triggers queued in fts_pending (see the
 * schema), each as it is at commit; the same text the update triggers
 * give the index. */
static const char * const fts_flush[] = {
  "INSERT INTO accounts_fts (rowid, name, industry, website, phone) "
  "SELECT t.rid, t.name, t.industry, t.website, t.phone "
  "FROM fts_pending p JOIN accounts t ON t.rid = p.rid WHERE p.entity = 'accounts' AND t.deleted = 0",
  "INSERT INTO contacts_fts (rowid, first_name, last_name, title, emails, phones) "
  "SELECT t.rid, t.first_name, t.last_name, t.title, "
  "  (SELECT group_concat (json_extract (value, '$.value'), ' ') FROM json_each (t.emails)), "
  "  (SELECT group_concat (json_extract (value, '$.value'), ' ') FROM json_each (t.phones)) "
  "FROM fts_pending p JOIN contacts t ON t.rid = p.rid WHERE p.entity = 'contacts' AND t.deleted = 0",
  "INSERT INTO opportunities_fts (rowid, name, next_step) "
  "SELECT t.rid, t.name, t.next_step "
  "FROM fts_pending p JOIN opportunities t ON t.rid = p.rid WHERE p.entity = 'opportunities' AND t.deleted = 0",
  "INSERT INTO products_fts (rowid, sku, name, description) "
  "SELECT t.rid, t.sku, t.name, t.description "
  "FROM fts_pending p JOIN products t ON t.rid = p.rid WHERE p.entity = 'products' AND t.deleted = 0",
  "DELETE FROM fts_pending",
};

/* A cached statement in use: reset (and its read snapshot released) when
 * it goes out of scope. */
typedef sqlite3_stmt StmtUse;

static void
stmt_release (StmtUse *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StmtUse, stmt_release)

/* Helpers *************************************************************/

static void
change_clear (Change *change)
{
  g_clear_pointer (&change->id, g_free);
}

static void
entity_sql_free (EntitySql *sql)
{
  g_free (sql->insert_sql);
  g_free (sql->update_sql);
  g_free (sql->select_sql);
  g_free (sql);
}

static gboolean
set_sqlite_error (CrmStore    *self,
                  GError     **error,
                  int          rc,
                  const char  *doing)
{
  const char *detail = self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc);
  int system_errno = self->db ? sqlite3_system_errno (self->db) : 0;

  /* A write the file system refused for want of room surfaces as an I/O
   * error (growing the -shm file, say); it is a full disk all the same */
  if ((rc & 0xff) == SQLITE_IOERR && (system_errno == ENOSPC || system_errno == EDQUOT))
    rc = SQLITE_FULL;

  switch (rc & 0xff)
    {
    case SQLITE_FULL:
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_DISK_FULL,
                   _("The disk is full, so %s did not happen and nothing was changed. "
                     "Free some space and try again."), doing);
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_BUSY,
                   _("The database is busy (%s); try again"), doing);
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_CORRUPT,
                   _("%s is not a readable Crm database (%s)"), self->path, detail);
      break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_PERMISSION,
                   _("Cannot write %s (%s)"), self->path, detail);
      break;
    case SQLITE_CONSTRAINT:
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_CONSTRAINT,
                   _("%s was refused by the database: %s"), doing, detail);
      break;
    default:
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED,
                   _("Database error during %s: %s"), doing, detail);
      break;
    }
  return FALSE;
}

static gboolean
exec_sql (CrmStore    *self,
          const char  *sql,
          const char  *doing,
          GError     **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return set_sqlite_error (self, error, rc, doing);
  return TRUE;
}

static StmtUse *prepare (CrmStore *self, const char *sql, GError **error);

/* Runs one statement through the cache: for what runs on every edit */
static gboolean
exec_cached (CrmStore    *self,
             const char  *sql,
             const char  *doing,
             GError     **error)
{
  g_autoptr(StmtUse) stmt = prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  if ((rc = sqlite3_step (stmt)) != SQLITE_DONE && rc != SQLITE_ROW)
    return set_sqlite_error (self, error, rc, doing);
  return TRUE;
}

/* Returns a cached statement, ready to bind. Hold it in g_autoptr(StmtUse). */
static StmtUse *
prepare (CrmStore    *self,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);
  int rc;

  if (stmt != NULL)
    return stmt;

  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (self, error, rc, _("preparing a query"));
      return NULL;
    }
  g_hash_table_insert (self->statements, g_strdup (sql), stmt);
  return stmt;
}

static int
query_int (CrmStore    *self,
           const char  *sql,
           gint64      *out,
           GError     **error)
{
  g_autoptr(StmtUse) stmt = prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    return set_sqlite_error (self, error, rc, _("reading the database"));
  *out = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

static const char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  return (const char *) sqlite3_column_text (stmt, column);
}

static JsonNode *
string_node (const char *text)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, text);
  return node;
}

static const EntitySql *
entity_sql (CrmStore        *self,
            const CrmEntity *entity)
{
  EntitySql *sql = g_hash_table_lookup (self->entity_sql, entity);

  if (sql == NULL)
    {
      g_autoptr(GString) cols = g_string_new ("id, version, created_at, updated_at, owner_id, deleted");
      g_autoptr(GString) marks = g_string_new ("?, ?, ?, ?, ?, ?");
      g_autoptr(GString) sets = g_string_new ("version = ?, created_at = ?, updated_at = ?, "
                                              "owner_id = ?, deleted = ?");

      for (guint i = 0; i < entity->n_fields; i++)
        {
          g_string_append_printf (cols, ", %s", entity->fields[i].name);
          g_string_append (marks, ", ?");
          g_string_append_printf (sets, ", %s = ?", entity->fields[i].name);
        }
      sql = g_new0 (EntitySql, 1);
      sql->insert_sql = g_strdup_printf ("INSERT INTO %s (%s) VALUES (%s)",
                                         entity->name, cols->str, marks->str);
      sql->update_sql = g_strdup_printf ("UPDATE %s SET %s WHERE id = ?",
                                         entity->name, sets->str);
      sql->select_sql = g_strdup_printf ("SELECT %s FROM %s", cols->str, entity->name);
      g_hash_table_insert (self->entity_sql, (gpointer) entity, sql);
    }
  return sql;
}

/* Binds a record's fields from @first (1-based) on. */
static gboolean
bind_fields (CrmStore      *self,
             sqlite3_stmt  *stmt,
             CrmRecord     *record,
             int            first,
             GError       **error)
{
  const CrmEntity *entity = crm_record_get_entity (record);

  for (guint i = 0; i < entity->n_fields; i++)
    {
      const CrmField *field = &entity->fields[i];
      JsonNode *value = crm_record_get_field (record, field->name);
      int column = first + (int) i;

      if (value == NULL || JSON_NODE_HOLDS_NULL (value))
        {
          if (crm_field_stores_json (field))
            sqlite3_bind_text (stmt, column, "[]", -1, SQLITE_STATIC);
          else
            sqlite3_bind_null (stmt, column);
        }
      else if (crm_field_stores_integer (field))
        {
          const char *currency = NULL;
          gint64 scaled;

          if (field->type == CRM_FIELD_MONEY)
            currency = crm_record_get_string (record, field->related);
          if (!crm_field_to_sql_integer (field, value, currency, &scaled, error))
            return FALSE;
          sqlite3_bind_int64 (stmt, column, scaled);
        }
      else if (crm_field_stores_json (field))
        {
          char *text = json_to_string (value, FALSE);

          sqlite3_bind_text (stmt, column, text, -1, g_free);
        }
      else
        sqlite3_bind_text (stmt, column, json_node_get_string (value), -1, SQLITE_TRANSIENT);
    }

  return TRUE;
}

static void
bind_system (sqlite3_stmt *stmt,
             CrmRecord    *record,
             int           first)
{
  const char *owner = crm_record_get_owner_id (record);

  sqlite3_bind_int64 (stmt, first, crm_record_get_version (record));
  sqlite3_bind_text (stmt, first + 1, crm_record_get_created_at (record), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, first + 2, crm_record_get_updated_at (record), -1, SQLITE_TRANSIENT);
  if (owner)
    sqlite3_bind_text (stmt, first + 3, owner, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, first + 3);
  sqlite3_bind_int (stmt, first + 4, crm_record_get_deleted (record));
}

/* Reads one field's column as the record's JSON value; a money field
 * needs its row's @currency */
static JsonNode *
read_value (const CrmField *field,
            sqlite3_stmt   *stmt,
            int             column,
            const char     *currency)
{
  JsonNode *value;

  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    return json_node_new (JSON_NODE_NULL);
  if (crm_field_stores_integer (field))
    return crm_field_from_sql_integer (field, sqlite3_column_int64 (stmt, column), currency);
  if (crm_field_stores_json (field))
    {
      value = json_from_string (column_text (stmt, column), NULL);
      if (value == NULL)
        value = json_node_init_array (json_node_alloc (), json_array_new ());
      return value;
    }
  return string_node (column_text (stmt, column));
}

/* Reads a row selected with EntitySql.select_sql. */
static CrmRecord *
read_record (const CrmEntity *entity,
             sqlite3_stmt    *stmt)
{
  CrmRecord *record = crm_record_new (entity, column_text (stmt, 0));

  crm_record_set_version (record, sqlite3_column_int64 (stmt, 1));
  crm_record_set_timestamps (record, column_text (stmt, 2), column_text (stmt, 3));
  crm_record_set_owner_id (record, column_text (stmt, 4));
  crm_record_set_deleted (record, sqlite3_column_int (stmt, 5));

  /* Money needs its currency, so it comes after every other field */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < entity->n_fields; i++)
      {
        const CrmField *field = &entity->fields[i];

        if ((field->type == CRM_FIELD_MONEY) != (pass == 1))
          continue;
        crm_record_take_field (record, field->name,
                               read_value (field, stmt, 6 + (int) i,
                                           field->type == CRM_FIELD_MONEY
                                             ? crm_record_get_string (record, field->related)
                                             : NULL));
      }

  return record;
}

static CrmRecord *
load_record (CrmStore         *self,
             const CrmEntity  *entity,
             const char       *id,
             gboolean          include_deleted,
             GError          **error)
{
  g_autofree char *sql = g_strdup_printf ("%s WHERE id = ?", entity_sql (self, entity)->select_sql);
  g_autoptr(StmtUse) stmt = NULL;
  g_autofree char *lower = NULL;
  int rc;

  if (id == NULL || !crm_is_uuid (id))
    {
      g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE,
                   _("“%s” is not a record id"), id ? id : "");
      return NULL;
    }
  lower = g_ascii_strdown (id, -1);

  if (!(stmt = prepare (self, sql, error)))
    return NULL;
  sqlite3_bind_text (stmt, 1, lower, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      CrmRecord *record = read_record (entity, stmt);

      if (include_deleted || !crm_record_get_deleted (record))
        return record;
      g_object_unref (record);
    }
  else if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, rc, _("reading a record"));
      return NULL;
    }

  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
               _("No %s record with id %s"), entity->name, id);
  return NULL;
}

static gboolean
check_references (CrmStore    *self,
                  CrmRecord   *record,
                  CrmRecord   *previous,
                  GError     **error)
{
  const CrmEntity *entity = crm_record_get_entity (record);

  for (guint i = 0; i < entity->n_fields; i++)
    {
      const CrmField *field = &entity->fields[i];
      g_autoptr(StmtUse) stmt = NULL;
      g_autofree char *sql = NULL;
      const char *target;

      if (field->type != CRM_FIELD_REF ||
          !(target = crm_record_get_string (record, field->name)))
        continue;
      /* Unchanged references were checked when they were set */
      if (previous && g_strcmp0 (target, crm_record_get_string (previous, field->name)) == 0)
        continue;

      sql = g_strdup_printf ("SELECT deleted FROM %s WHERE id = ?", field->related);
      if (!(stmt = prepare (self, sql, error)))
        return FALSE;
      sqlite3_bind_text (stmt, 1, target, -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) != SQLITE_ROW || sqlite3_column_int (stmt, 0) != 0)
        {
          g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE,
                       _("%s: no %s record with id %s"), field->name, field->related, target);
          return FALSE;
        }
    }

  return TRUE;
}

static void
add_field_change (JsonObject *changes,
                  const char *name,
                  JsonNode   *old_value,
                  JsonNode   *new_value)
{
  JsonObject *change = json_object_new ();

  json_object_set_member (change, "old",
                          old_value ? json_node_copy (old_value) : json_node_new (JSON_NODE_NULL));
  json_object_set_member (change, "new",
                          new_value ? json_node_copy (new_value) : json_node_new (JSON_NODE_NULL));
  json_object_set_object_member (changes, name, change);
}

/* An edit of a field in conflict settles the conflict: the user's new
 * value is what they want. The change is sent as made on top of the
 * server's value the conflict holds, so the server merges it. */
static gboolean
settle_conflicts_by_edit (CrmStore         *self,
                          const CrmEntity  *entity,
                          const char       *id,
                          JsonObject       *diff,
                          GError          **error)
{
  g_autoptr(StmtUse) select = prepare (self, "SELECT field, server FROM conflicts "
                                             "WHERE entity = ? AND record_id = ? AND field <> 'deleted'", error);
  g_autoptr(GPtrArray) settled = g_ptr_array_new_with_free_func (g_free);
  int rc;

  if (select == NULL)
    return FALSE;
  sqlite3_bind_text (select, 1, entity->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (select, 2, id, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (select)) == SQLITE_ROW)
    {
      const char *field = column_text (select, 0);
      JsonObject *change;
      JsonNode *server;

      if (!json_object_has_member (diff, field))
        continue;
      change = json_object_get_object_member (diff, field);
      server = json_from_string (column_text (select, 1), NULL);
      json_object_set_member (change, "old", server ? server : json_node_new (JSON_NODE_NULL));
      g_ptr_array_add (settled, g_strdup (field));
    }
  if (rc != SQLITE_DONE)
    return set_sqlite_error (self, error, rc, _("reading conflicts"));

  for (guint i = 0; i < settled->len; i++)
    {
      g_autoptr(StmtUse) drop = prepare (self, "DELETE FROM conflicts WHERE entity = ? AND record_id = ? AND field = ?",
                                         error);

      if (drop == NULL)
        return FALSE;
      sqlite3_bind_text (drop, 1, entity->name, -1, SQLITE_STATIC);
      sqlite3_bind_text (drop, 2, id, -1, SQLITE_STATIC);
      sqlite3_bind_text (drop, 3, g_ptr_array_index (settled, i), -1, SQLITE_STATIC);
      if ((rc = sqlite3_step (drop)) != SQLITE_DONE)
        return set_sqlite_error (self, error, rc, _("resolving a conflict"));
    }
  return TRUE;
}

static gboolean
write_outbox (CrmStore    *self,
              CrmRecord   *record,
              const char  *op,
              gint64       base_version,
              JsonObject  *changes,
              GError     **error)
{
  static const char sql[] =
    "INSERT INTO outbox (mutation_id, entity, record_id, op, base_version, fields, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)";
  g_autoptr(StmtUse) stmt = prepare (self, sql, error);
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), changes);
  g_autofree char *fields = json_to_string (node, FALSE);
  g_autofree char *mutation_id = g_uuid_string_random ();
  int rc;

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, mutation_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, crm_record_get_entity (record)->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, crm_record_get_id (record), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, op, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, base_version);
  sqlite3_bind_text (stmt, 6, fields, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, crm_record_get_updated_at (record), -1, SQLITE_STATIC);

  if ((rc = sqlite3_step (stmt)) != SQLITE_DONE)
    return set_sqlite_error (self, error, rc, _("queueing the change for sync"));
  return TRUE;
}

typedef struct
{
  gint64      seq;
  char       *op;
  gint64      attempts;
  JsonObject *fields;
} OutboxEntry;

static void
outbox_entry_free (OutboxEntry *entry)
{
  g_free (entry->op);
  g_clear_pointer (&entry->fields, json_object_unref);
  g_free (entry);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OutboxEntry, outbox_entry_free)

/* The newest queued entry of a record that no push has carried yet: the
 * only kind an edit may fold into, since a sent one may already be
 * applied under its mutation id. */
static OutboxEntry *
unsent_entry (CrmStore   *self,
              CrmRecord  *record,
              GError    **error)
{
  static const char sql[] =
    "SELECT seq, op, attempts, fields FROM outbox WHERE entity = ? AND record_id = ? "
    "AND state = 'pending' ORDER BY seq DESC LIMIT 1";
  g_autoptr(StmtUse) stmt = prepare (self, sql, error);
  g_autoptr(JsonNode) fields = NULL;
  OutboxEntry *entry;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, crm_record_get_entity (record)->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, crm_record_get_id (record), -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW || sqlite3_column_int64 (stmt, 2) != 0)
    return NULL;
  fields = json_from_string (column_text (stmt, 3), NULL);
  if (fields == NULL || !JSON_NODE_HOLDS_OBJECT (fields))
    return NULL;
  entry = g_new0 (OutboxEntry, 1);
  entry->seq = sqlite3_column_int64 (stmt, 0);
  entry->op = g_strdup (column_text (stmt, 1));
  entry->fields = json_object_ref (json_node_get_object (fields));
  return entry;
}

static gboolean
rewrite_entry (CrmStore     *self,
               OutboxEntry  *entry,
               GError      **error)
{
  g_autoptr(StmtUse) stmt = NULL;
  int rc;

  if (json_object_get_size (entry->fields) == 0 && g_str_equal (entry->op, "update"))
    {
      /* Every change was taken back: nothing is left to send */
      if (!(stmt = prepare (self, "DELETE FROM outbox WHERE seq = ?", error)))
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, entry->seq);
    }
  else
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), entry->fields);
      char *text = json_to_string (node, FALSE);

      if (!(stmt = prepare (self, "UPDATE outbox SET fields = ? WHERE seq = ?", error)))
        {
          g_free (text);
          return FALSE;
        }
      sqlite3_bind_text (stmt, 1, text, -1, g_free);
      sqlite3_bind_int64 (stmt, 2, entry->seq);
    }
  if ((rc = sqlite3_step (stmt)) != SQLITE_DONE)
    return set_sqlite_error (self, error, rc, _("queueing the change for sync"));
  return TRUE;
}

/* Queues an update, folded into the record's unsent entry when there is
 * one: create + update is one create, update + update one update. */
static gboolean
queue_update (CrmStore    *self,
              CrmRecord   *record,
              gint64       base_version,
              JsonObject  *diff,
              GError     **error)
{
  g_autoptr(OutboxEntry) entry = unsent_entry (self, record, error);
  g_autoptr(GList) members = NULL;

  if (error && *error)
    return FALSE;
  if (entry == NULL || g_str_equal (entry->op, "delete"))
    return write_outbox (self, record, "update", base_version, diff, error);

  members = json_object_get_members (diff);
  for (const GList *l = members; l; l = l->next)
    {
      JsonObject *change = json_object_get_object_member (diff, l->data);
      JsonNode *new_value = json_object_get_member (change, "new");
      JsonObject *earlier = json_object_get_member (entry->fields, l->data)
                              ? json_object_get_object_member (entry->fields, l->data) : NULL;

      if (g_str_equal (entry->op, "create"))
        {
          if (JSON_NODE_HOLDS_NULL (new_value))
            json_object_remove_member (entry->fields, l->data);
          else
            add_field_change (entry->fields, l->data, NULL, new_value);
        }
      else if (earlier && crm_values_equal (json_object_get_member (earlier, "old"), new_value))
        json_object_remove_member (entry->fields, l->data);
      else if (earlier)
        json_object_set_member (earlier, "new", json_node_copy (new_value));
      else
        json_object_set_object_member (entry->fields, l->data, json_object_ref (change));
    }
  return rewrite_entry (self, entry, error);
}

/* Queues a delete. Unsent entries go; if the server never heard of the
 * record (create + delete), nothing is queued at all. */
static gboolean
queue_delete (CrmStore    *self,
              CrmRecord   *record,
              GError     **error)
{
  g_autoptr(StmtUse) drop = NULL;
  g_autoptr(StmtUse) sent = NULL;
  g_autoptr(JsonObject) nothing = json_object_new ();
  gboolean known_to_server;
  int rc;

  if (!(sent = prepare (self, "SELECT count(*) FROM outbox WHERE entity = ?1 AND record_id = ?2 "
                              "AND (attempts > 0 OR state <> 'pending')", error)))
    return FALSE;
  sqlite3_bind_text (sent, 1, crm_record_get_entity (record)->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (sent, 2, crm_record_get_id (record), -1, SQLITE_STATIC);
  if ((rc = sqlite3_step (sent)) != SQLITE_ROW)
    return set_sqlite_error (self, error, rc, _("queueing the change for sync"));
  known_to_server = crm_record_get_version (record) > 0 || sqlite3_column_int64 (sent, 0) > 0;

  if (!(drop = prepare (self, "DELETE FROM outbox WHERE entity = ?1 AND record_id = ?2 "
                              "AND attempts = 0 AND state = 'pending'", error)))
    return FALSE;
  sqlite3_bind_text (drop, 1, crm_record_get_entity (record)->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (drop, 2, crm_record_get_id (record), -1, SQLITE_STATIC);
  if ((rc = sqlite3_step (drop)) != SQLITE_DONE)
    return set_sqlite_error (self, error, rc, _("queueing the change for sync"));

  if (!known_to_server)
    return TRUE;
  return write_outbox (self, record, "delete", crm_record_get_version (record), nothing, error);
}

static void
queue_change (CrmStore        *self,
              const CrmEntity *entity,
              const char      *id,
              CrmChangeKind    kind)
{
  Change change = { entity, g_strdup (id), kind };

  g_array_append_val (self->pending_changes, change);
}

static void
emit_pending_changes (CrmStore *self)
{
  g_autoptr(GArray) changes = self->pending_changes;

  self->pending_changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_array_set_clear_func (self->pending_changes, (GDestroyNotify) change_clear);

  for (guint i = 0; i < changes->len; i++)
    {
      const Change *change = &g_array_index (changes, Change, i);

      g_signal_emit (self, signals[CHANGED], 0,
                     change->entity->name, change->id, (int) change->kind);
    }
}

static gboolean
ensure_file (const char  *path,
             GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot create the folder %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }

  /* Created private before SQLite touches it; SQLite gives the -wal and
   * -shm files the same mode as the database. */
  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot open %s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  if (fchmod (fd, 0600) != 0)
    g_warning ("Cannot make %s private: %s", path, g_strerror (errno));
  close (fd);
  return TRUE;
}

static gboolean
migrate (CrmStore  *self,
         GError   **error)
{
  gint64 version;

  for (guint i = 0; i < G_N_ELEMENTS (migrations); i++)
    {
      g_autoptr(GBytes) bytes = NULL;
      g_autofree char *set_version = NULL;

      if (!crm_store_begin (self, error))
        return FALSE;
      /* Read inside the write lock: another process may have migrated */
      if (!query_int (self, "PRAGMA user_version", &version, error))
        goto failed;
      if (version >= migrations[i].version)
        {
          crm_store_rollback (self);
          continue;
        }

      bytes = g_resource_lookup_data (crm_libcrm_get_resource (), migrations[i].resource,
                                      G_RESOURCE_LOOKUP_FLAGS_NONE, error);
      if (bytes == NULL)
        goto failed;
      g_debug ("Migrating %s to schema %d", self->path, migrations[i].version);
      if (!exec_sql (self, g_bytes_get_data (bytes, NULL), _("upgrading the database"), error))
        goto failed;
      set_version = g_strdup_printf ("PRAGMA user_version = %d", migrations[i].version);
      if (!exec_sql (self, set_version, _("upgrading the database"), error))
        goto failed;
      if (!crm_store_commit (self, error))
        return FALSE;
      continue;

    failed:
      crm_store_rollback (self);
      return FALSE;
    }

  return TRUE;
}

/* GObject overrides ***************************************************/

static void
crm_store_finalize (GObject *object)
{
  CrmStore *self = (CrmStore *) object;

  if (self->depth > 0)
    {
      g_warning ("Store %s closed inside a transaction; rolling back", self->path);
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    }
  g_clear_pointer (&self->statements, g_hash_table_unref);
  g_clear_pointer (&self->entity_sql, g_hash_table_unref);
  g_clear_pointer (&self->db, sqlite3_close);
  g_clear_pointer (&self->pending_changes, g_array_unref);
  g_clear_pointer (&self->savepoint_marks, g_array_unref);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->owner_id, g_free);

  G_OBJECT_CLASS (crm_store_parent_class)->finalize (object);
}

static void
crm_store_class_init (CrmStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = crm_store_finalize;

  /**
   * CrmStore::changed:
   * @entity: the entity name
   * @id: the record id
   * @kind: a #CrmChangeKind
   *
   * A record was created, updated or deleted. Emitted once the change is
   * committed, on the thread that committed it.
   */
  signals[CHANGED] = g_signal_new ("changed",
                                   G_TYPE_FROM_CLASS (klass),
                                   G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 3,
                                   G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE,
                                   G_TYPE_STRING,
                                   G_TYPE_INT);
}

static void
crm_store_init (CrmStore *self)
{
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) sqlite3_finalize);
  self->entity_sql = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) entity_sql_free);
  self->pending_changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_array_set_clear_func (self->pending_changes, (GDestroyNotify) change_clear);
  self->savepoint_marks = g_array_new (FALSE, FALSE, sizeof (guint));
}

/* Public API **********************************************************/

/**
 * crm_store_dup_base_dir:
 * @data_dir: (nullable): an explicit folder (the --data-dir option)
 *
 * Returns: where profiles live: @data_dir, else $CRM_DATA_DIR, else
 *   $XDG_DATA_HOME/org.example.Crm
 */
char *
crm_store_dup_base_dir (const char *data_dir)
{
  const char *env;

  if (data_dir != NULL && *data_dir != '\0')
    return g_strdup (data_dir);
  if ((env = g_getenv ("CRM_DATA_DIR")) && *env != '\0')
    return g_strdup (env);
  return g_build_filename (g_get_user_data_dir (), CRM_SCHEMA_ID, NULL);
}

gboolean
crm_profile_name_is_valid (const char *name)
{
  if (name == NULL || *name == '\0' || strlen (name) > 64 || *name == '.')
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      return FALSE;
  return TRUE;
}

char *
crm_store_dup_profile_path (const char  *data_dir,
                            const char  *profile,
                            GError     **error)
{
  g_autofree char *base = NULL;

  if (!crm_profile_name_is_valid (profile))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a valid profile name (use letters, digits, - and _)"),
                   profile ? profile : "");
      return NULL;
    }
  base = crm_store_dup_base_dir (data_dir);
  return g_build_filename (base, profile, "crm.db", NULL);
}

/* Opens the file for the store's own use, or only to read it */
static CrmStore *
open_store (const char  *path,
            gboolean     read_only,
            GError     **error)
{
  g_autoptr(CrmStore) self = NULL;
  gint64 version = 0;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);

  if (!read_only && !ensure_file (path, error))
    return NULL;

  self = g_object_new (CRM_TYPE_STORE, NULL);
  self->path = g_strdup (path);
  self->read_only = read_only;

  rc = sqlite3_open_v2 (path, &self->db,
                        (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (self, error, rc, _("opening the database"));
      return NULL;
    }
  sqlite3_extended_result_codes (self->db, TRUE);
  sqlite3_busy_timeout (self->db, BUSY_WAIT_MS);
  /* Keep the -wal and -shm files when the last connection closes: opening
   * the database then needs no new disk space, so a full disk still lets
   * the user read everything and see what is queued */
  sqlite3_file_control (self->db, "main", SQLITE_FCNTL_PERSIST_WAL, &(int) { 1 });

  /* The version is read before anything could write to the file */
  if (!query_int (self, "PRAGMA user_version", &version, error))
    return NULL;
  if (version > CRM_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_TOO_NEW,
                   _("%s was written by a newer version of Crm (schema %" G_GINT64_FORMAT
                     ", this version knows up to %d). Update Crm to open it; "
                     "the file was left untouched."),
                   path, version, CRM_STORE_SCHEMA_VERSION);
      return NULL;
    }

  /* A reader takes no lock to write: it never upgrades the file, only
   * reads one the writer has */
  if (read_only)
    {
      if (version < CRM_STORE_SCHEMA_VERSION)
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_TOO_NEW,
                       _("%s has not been upgraded to schema %d yet; open it for writing first"),
                       path, CRM_STORE_SCHEMA_VERSION);
          return NULL;
        }
      /* A small cache: another connection's write empties it anyway, and
       * the pages come back from the system's file cache (2 MB against 16
       * took 14 MB off the window's memory, nothing off its speed) */
      if (!exec_sql (self,
                     "PRAGMA query_only = ON;"
                     "PRAGMA cache_size = -2000;"
                     "PRAGMA temp_store = MEMORY;",
                     _("opening the database"), error))
        return NULL;
      return g_steal_pointer (&self);
    }

  if (!exec_sql (self,
                 "PRAGMA journal_mode = WAL;"
                 "PRAGMA synchronous = FULL;"
                 "PRAGMA foreign_keys = ON;"
                 "PRAGMA cache_size = -64000;"
                 "PRAGMA temp_store = MEMORY;",
                 _("opening the database"), error))
    return NULL;

  if (!migrate (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * crm_store_open:
 * @path: the database file; it and its folder are created if missing
 *
 * Opens the store and migrates it to the current schema. A database from
 * a newer version of Crm is refused untouched.
 */
CrmStore *
crm_store_open (const char  *path,
                GError     **error)
{
  return open_store (path, FALSE, error);
}

/**
 * crm_store_open_reader:
 *
 * Opens a second connection to a store another connection keeps: one
 * that only reads, takes no write lock and never upgrades the file, for a
 * worker thread's reads (each connection is used by one thread at a time).
 *
 * Returns: (transfer full): the reader, or %NULL with @error set
 */
CrmStore *
crm_store_open_reader (const char  *path,
                       GError     **error)
{
  return open_store (path, TRUE, error);
}

const char *
crm_store_get_path (CrmStore *self)
{
  g_return_val_if_fail (CRM_IS_STORE (self), NULL);
  return self->path;
}

int
crm_store_get_schema_version (CrmStore *self)
{
  gint64 version = -1;

  g_return_val_if_fail (CRM_IS_STORE (self), -1);

  if (!query_int (self, "PRAGMA user_version", &version, NULL))
    return -1;
  return (int) version;
}

/**
 * crm_store_begin:
 *
 * Starts a transaction, or a savepoint inside the current one. Every
 * begin is matched by crm_store_commit() or crm_store_rollback().
 */
gboolean
crm_store_begin (CrmStore  *self,
                 GError   **error)
{
  g_autofree char *sql = NULL;
  guint mark;

  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);

  if (self->depth == 0)
    sql = g_strdup ("BEGIN IMMEDIATE");
  else
    sql = g_strdup_printf ("SAVEPOINT crm_%u", self->depth);
  if (self->depth == 0)
    {
      /* SQLite does not always wait out another connection's write: in
       * WAL mode it can answer BEGIN IMMEDIATE with SQLITE_BUSY at once
       * (seen while another connection commits with a reader open), so
       * the wait the busy timeout promises is kept here */
      gint64 give_up = g_get_monotonic_time () + BUSY_WAIT_MS * 1000;
      int rc;

      while (((rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL)) & 0xff) == SQLITE_BUSY &&
             g_get_monotonic_time () < give_up)
        g_usleep (2000);
      if (rc != SQLITE_OK)
        return set_sqlite_error (self, error, rc, _("starting a change"));
    }
  else if (!exec_cached (self, sql, _("starting a change"), error))
    return FALSE;

  mark = self->pending_changes->len;
  g_array_append_val (self->savepoint_marks, mark);
  self->depth++;
  return TRUE;
}

gboolean
crm_store_commit (CrmStore  *self,
                  GError   **error)
{
  g_autofree char *sql = NULL;

  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);
  g_return_val_if_fail (self->depth > 0, FALSE);

  if (self->depth == 1)
    {
      gint64 queued = 1;
      int rc;

      /* Nothing queued is nothing to index; and a migration commits
       * before the later ones add their indexes */
      if (!query_int (self, "SELECT EXISTS (SELECT 1 FROM fts_pending)", &queued, NULL))
        queued = 1;
      for (guint i = 0; queued && i < G_N_ELEMENTS (fts_flush); i++)
        if (!exec_cached (self, fts_flush[i], _("updating the search index"), error))
          {
            crm_store_rollback (self);
            return FALSE;
          }

      rc = sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL);
      if (rc != SQLITE_OK)
        {
          set_sqlite_error (self, error, rc, _("saving the change"));
          crm_store_rollback (self);
          return FALSE;
        }
      self->depth = 0;
      g_array_set_size (self->savepoint_marks, 0);
      emit_pending_changes (self);
      return TRUE;
    }

  sql = g_strdup_printf ("RELEASE crm_%u", self->depth - 1);
  if (!exec_cached (self, sql, _("saving the change"), error))
    {
      crm_store_rollback (self);
      return FALSE;
    }
  self->depth--;
  g_array_set_size (self->savepoint_marks, self->depth);
  return TRUE;
}

void
crm_store_rollback (CrmStore *self)
{
  guint mark;

  g_return_if_fail (CRM_IS_STORE (self));
  g_return_if_fail (self->depth > 0);

  self->depth--;
  mark = g_array_index (self->savepoint_marks, guint, self->depth);
  g_array_set_size (self->savepoint_marks, self->depth);
  g_array_set_size (self->pending_changes, mark);

  if (self->depth == 0)
    {
      /* A failed COMMIT may have ended the transaction already */
      if (!sqlite3_get_autocommit (self->db))
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    }
  else
    {
      g_autofree char *rollback = g_strdup_printf ("ROLLBACK TO crm_%u", self->depth);
      g_autofree char *release = g_strdup_printf ("RELEASE crm_%u", self->depth);

      exec_cached (self, rollback, "rolling back", NULL);
      exec_cached (self, release, "rolling back", NULL);
    }
}

/**
 * crm_store_create:
 * @entity: an entity name, such as "contacts"
 * @fields: the field values in JSON form; may hold an "id" (a UUID)
 *
 * Checks and writes a new record and its outbox entry in one transaction.
 *
 * Returns: (transfer full): the record as stored
 */
CrmRecord *
crm_store_create (CrmStore    *self,
                  const char  *entity_name,
                  JsonObject  *fields,
                  GError     **error)
{
  g_autoptr(CrmRecord) record = NULL;
  g_autoptr(JsonObject) changes = NULL;
  g_autoptr(GList) members = NULL;
  g_autofree char *now = NULL;
  const CrmEntity *entity;
  const char *id = NULL;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (self), NULL);
  g_return_val_if_fail (fields != NULL, NULL);

  if (!(entity = crm_entity_lookup_checked (entity_name, error)))
    return NULL;

  if (json_object_has_member (fields, "id"))
    {
      JsonNode *node = json_object_get_member (fields, "id");

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
          !crm_is_uuid ((id = json_node_get_string (node))))
        {
          g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE,
                       _("id: must be a UUID"));
          return NULL;
        }
    }

  record = crm_record_new (entity, id);
  members = json_object_get_members (fields);
  /* Values are checked once, all together, by crm_record_validate() */
  for (const GList *l = members; l; l = l->next)
    {
      if (g_str_equal (l->data, "id"))
        continue;
      if (!crm_entity_get_field_checked (entity, l->data, error))
        return NULL;
      crm_record_take_field (record, l->data, json_node_copy (json_object_get_member (fields, l->data)));
    }
  for (guint i = 0; i < entity->n_fields; i++)
    {
      const CrmField *field = &entity->fields[i];

      if (field->default_json && !json_object_has_member (fields, field->name))
        crm_record_take_field (record, field->name, json_from_string (field->default_json, NULL));
    }

  if (!crm_store_begin (self, error))
    return NULL;
  /* A quote's number comes from what this store holds, so it is made in
   * the transaction that saves it */
  if (g_str_equal (entity->name, "quotes") && !_crm_quote_record_prepare (self, NULL, record, error))
    goto failed;
  if (!crm_record_validate (record, error))
    goto failed;

  now = crm_timestamp_now ();
  crm_record_set_timestamps (record, now, now);
  if (!self->owner_loaded)
    {
      self->owner_id = crm_store_dup_setting (self, "current_user_id");
      self->owner_loaded = TRUE;
    }
  crm_record_set_owner_id (record, self->owner_id);

  changes = json_object_new ();
  for (guint i = 0; i < entity->n_fields; i++)
    {
      JsonNode *value = crm_record_get_field (record, entity->fields[i].name);

      if (value != NULL && !JSON_NODE_HOLDS_NULL (value))
        add_field_change (changes, entity->fields[i].name, NULL, value);
    }

  if (!check_references (self, record, NULL, error))
    goto failed;

  {
    g_autoptr(StmtUse) stmt = prepare (self, entity_sql (self, entity)->insert_sql, error);

    if (stmt == NULL)
      goto failed;
    sqlite3_bind_text (stmt, 1, crm_record_get_id (record), -1, SQLITE_STATIC);
    bind_system (stmt, record, 2);
    if (!bind_fields (self, stmt, record, 7, error))
      goto failed;
    rc = sqlite3_step (stmt);
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
      {
        g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_EXISTS,
                     _("A %s record with id %s already exists"),
                     entity->name, crm_record_get_id (record));
        goto failed;
      }
    if (rc != SQLITE_DONE)
      {
        set_sqlite_error (self, error, rc, _("saving the record"));
        goto failed;
      }
  }

  if (!write_outbox (self, record, "create", 0, changes, error))
    goto failed;

  queue_change (self, entity, crm_record_get_id (record), CRM_CHANGE_CREATED);
  if (!crm_store_commit (self, error))
    return NULL;

  return g_steal_pointer (&record);

failed:
  crm_store_rollback (self);
  return NULL;
}

/**
 * crm_store_update:
 * @changes: the fields to change, in JSON form
 *
 * Writes the changed fields and an outbox entry holding only them, with
 * their old and new values. Changing nothing writes nothing.
 *
 * Returns: (transfer full): the record as stored
 */
CrmRecord *
crm_store_update (CrmStore    *self,
                  const char  *entity_name,
                  const char  *id,
                  JsonObject  *changes,
                  GError     **error)
{
  g_autoptr(CrmRecord) current = NULL;
  g_autoptr(CrmRecord) record = NULL;
  g_autoptr(JsonObject) diff = NULL;
  g_autoptr(GList) members = NULL;
  g_autofree char *now = NULL;
  const CrmEntity *entity;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (self), NULL);
  g_return_val_if_fail (changes != NULL, NULL);

  if (!(entity = crm_entity_lookup_checked (entity_name, error)))
    return NULL;

  /* Check the request before looking anything up */
  members = json_object_get_members (changes);
  for (const GList *l = members; l; l = l->next)
    if (!crm_entity_get_field_checked (entity, l->data, error))
      return NULL;

  if (!crm_store_begin (self, error))
    return NULL;

  if (!(current = load_record (self, entity, id, FALSE, error)))
    goto failed;

  record = crm_record_copy (current);
  for (const GList *l = members; l; l = l->next)
    crm_record_take_field (record, l->data, json_node_copy (json_object_get_member (changes, l->data)));
  if (g_str_equal (entity->name, "quotes") && !_crm_quote_record_prepare (self, current, record, error))
    goto failed;
  if (!crm_record_validate (record, error))
    goto failed;

  diff = json_object_new ();
  for (guint i = 0; i < entity->n_fields; i++)
    {
      const char *name = entity->fields[i].name;
      JsonNode *before = crm_record_get_field (current, name);
      JsonNode *after = crm_record_get_field (record, name);

      if (!crm_values_equal (before, after))
        add_field_change (diff, name, before, after);
    }

  if (json_object_get_size (diff) == 0)
    {
      crm_store_rollback (self);
      return g_steal_pointer (&current);
    }

  if (!check_references (self, record, current, error))
    goto failed;

  now = crm_timestamp_now ();
  crm_record_set_timestamps (record, NULL, now);

  {
    g_autoptr(StmtUse) stmt = prepare (self, entity_sql (self, entity)->update_sql, error);

    if (stmt == NULL)
      goto failed;
    bind_system (stmt, record, 1);
    if (!bind_fields (self, stmt, record, 6, error))
      goto failed;
    sqlite3_bind_text (stmt, 6 + (int) entity->n_fields, crm_record_get_id (record), -1, SQLITE_STATIC);
    if ((rc = sqlite3_step (stmt)) != SQLITE_DONE)
      {
        set_sqlite_error (self, error, rc, _("saving the record"));
        goto failed;
      }
  }

  if (!settle_conflicts_by_edit (self, entity, crm_record_get_id (record), diff, error) ||
      !queue_update (self, record, crm_record_get_version (current), diff, error))
    goto failed;

  queue_change (self, entity, crm_record_get_id (record), CRM_CHANGE_UPDATED);
  if (!crm_store_commit (self, error))
    return NULL;

  return g_steal_pointer (&record);

failed:
  crm_store_rollback (self);
  return NULL;
}

/**
 * crm_store_delete:
 *
 * Marks the record deleted (a tombstone, kept until the server has it) and
 * queues the delete.
 */
gboolean
crm_store_delete (CrmStore    *self,
                  const char  *entity_name,
                  const char  *id,
                  GError     **error)
{
  static const char sql_fmt[] = "UPDATE %s SET deleted = 1, updated_at = ? WHERE id = ?";
  g_autoptr(CrmRecord) record = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *now = NULL;
  const CrmEntity *entity;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);

  if (!(entity = crm_entity_lookup_checked (entity_name, error)))
    return FALSE;

  if (!crm_store_begin (self, error))
    return FALSE;
  if (!(record = load_record (self, entity, id, FALSE, error)))
    goto failed;

  now = crm_timestamp_now ();
  crm_record_set_timestamps (record, NULL, now);
  crm_record_set_deleted (record, TRUE);

  sql = g_strdup_printf (sql_fmt, entity->name);
  {
    g_autoptr(StmtUse) stmt = prepare (self, sql, error);

    if (stmt == NULL)
      goto failed;
    sqlite3_bind_text (stmt, 1, now, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 2, crm_record_get_id (record), -1, SQLITE_STATIC);
    if ((rc = sqlite3_step (stmt)) != SQLITE_DONE)
      {
        set_sqlite_error (self, error, rc, _("deleting the record"));
        goto failed;
      }
  }

  if (!queue_delete (self, record, error))
    goto failed;

  queue_change (self, entity, crm_record_get_id (record), CRM_CHANGE_DELETED);
  return crm_store_commit (self, error);

failed:
  crm_store_rollback (self);
  return FALSE;
}

/**
 * crm_store_get:
 *
 * Returns: (transfer full): the record; %CRM_STORE_ERROR_NOT_FOUND when
 *   there is none or it was deleted
 */
CrmRecord *
crm_store_get (CrmStore    *self,
               const char  *entity_name,
               const char  *id,
               GError     **error)
{
  const CrmEntity *entity;

  g_return_val_if_fail (CRM_IS_STORE (self), NULL);

  if (!(entity = crm_entity_lookup_checked (entity_name, error)))
    return NULL;
  return load_record (self, entity, id, FALSE, error);
}

/**
 * _crm_fts_query:
 *
 * Turns what a user typed into an FTS5 query: every word must match as a
 * prefix. Returns %NULL when there is no word to look for.
 */
char *
_crm_fts_query (const char *text)
{
  g_autoptr(GString) query = g_string_new (NULL);
  g_autoptr(GString) word = g_string_new (NULL);

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return NULL;

  for (const char *p = text;; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c != 0 && g_unichar_isalnum (c))
        {
          g_string_append_unichar (word, c);
          continue;
        }
      if (word->len > 0)
        {
          /* Words hold only letters and digits, so quoting is enough */
          g_string_append_printf (query, "%s\"%s\"*", query->len ? " " : "", word->str);
          g_string_truncate (word, 0);
        }
      if (c == 0)
        break;
    }

  return query->len ? g_string_free (g_steal_pointer (&query), FALSE) : NULL;
}

static GPtrArray *
collect (const CrmEntity  *entity,
         sqlite3_stmt     *stmt,
         CrmStore         *self,
         GError          **error)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func (g_object_unref);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (records, read_record (entity, stmt));
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, rc, _("reading records"));
      return NULL;
    }
  return g_steal_pointer (&records);
}

/* Prepares "@select WHERE deleted = 0 AND <@query> @tail" with the
 * query's values bound; *@n_binds says how many, so the caller binds
 * what @tail needs after them */
static StmtUse *
prepare_query (CrmStore        *self,
               const CrmQuery  *query,
               const CrmEntity *entity,
               const char      *select,
               const char      *tail,
               guint           *n_binds,
               GError         **error)
{
  g_autoptr(GString) sql = g_string_new (select);
  g_autoptr(GPtrArray) binds = g_ptr_array_new_with_free_func (g_free);
  StmtUse *stmt;

  g_string_append (sql, " WHERE deleted = 0");
  if (!_crm_query_append_where (query, entity, sql, binds, error))
    return NULL;
  g_string_append_printf (sql, " %s", tail);
  if (!(stmt = prepare (self, sql->str, error)))
    return NULL;
  for (guint i = 0; i < binds->len; i++)
    sqlite3_bind_text (stmt, (int) i + 1, g_ptr_array_index (binds, i), -1, SQLITE_TRANSIENT);
  *n_binds = binds->len;
  return stmt;
}

/**
 * crm_store_query:
 * @limit: the most records to return, 0 for all
 * @offset: how many matching records to skip first
 *
 * Returns: (transfer container) (element-type CrmRecord): the live
 *   records @query matches, in the entity's order
 */
GPtrArray *
crm_store_query (CrmStore        *self,
                 const CrmQuery  *query,
                 guint            limit,
                 guint            offset,
                 GError         **error)
{
  g_autoptr(StmtUse) stmt = NULL;
  g_autofree char *tail = NULL;
  g_autofree char *order = NULL;
  const CrmEntity *entity;
  guint n;

  g_return_val_if_fail (CRM_IS_STORE (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  if (!(entity = crm_entity_lookup_checked (crm_query_get_entity (query), error)))
    return NULL;
  if (!(order = _crm_query_dup_order_by (query, entity, error)))
    return NULL;
  tail = g_strdup_printf ("ORDER BY %s LIMIT ? OFFSET ?", order);
  if (!(stmt = prepare_query (self, query, entity, entity_sql (self, entity)->select_sql, tail, &n, error)))
    return NULL;
  sqlite3_bind_int64 (stmt, (int) n + 1, limit ? (gint64) limit : -1);
  sqlite3_bind_int64 (stmt, (int) n + 2, offset);
  return collect (entity, stmt, self, error);
}

/* Prepares and steps "SELECT @columns FROM <entity> WHERE <@query>",
 * which gives one row: the statement stands on it */
static StmtUse *
step_aggregate (CrmStore        *self,
                const CrmQuery  *query,
                const char      *columns,
                GError         **error)
{
  g_autofree char *select = NULL;
  const CrmEntity *entity;
  StmtUse *stmt;
  guint n;
  int rc;

  if (!(entity = crm_entity_lookup_checked (crm_query_get_entity (query), error)))
    return NULL;
  select = g_strdup_printf ("SELECT %s FROM %s", columns, entity->name);
  if (!(stmt = prepare_query (self, query, entity, select, "", &n, error)))
    return NULL;
  if ((rc = sqlite3_step (stmt)) != SQLITE_ROW)
    {
      stmt_release (stmt);
      set_sqlite_error (self, error, rc, _("reading the database"));
      return NULL;
    }
  return stmt;
}

/**
 * crm_store_get_many:
 * @ids: (array length=n_ids): record ids
 *
 * Returns: (transfer container) (element-type CrmRecord): the live
 *   records of @entity_name with those ids, in the order of @ids; an id
 *   with no live record is left out
 */
GPtrArray *
crm_store_get_many (CrmStore            *self,
                    const char          *entity_name,
                    const char * const  *ids,
                    guint                n_ids,
                    GError             **error)
{
  g_autoptr(CrmQuery) query = NULL;
  g_autoptr(GPtrArray) wanted = g_ptr_array_new ();
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *records;

  g_return_val_if_fail (CRM_IS_STORE (self), NULL);

  if (!crm_entity_lookup_checked (entity_name, error))
    return NULL;
  query = crm_query_new (entity_name);
  for (guint i = 0; i < n_ids; i++)
    g_ptr_array_add (wanted, (gpointer) ids[i]);
  g_ptr_array_add (wanted, NULL);
  crm_query_add_one_of (query, "id", (const char * const *) wanted->pdata);
  if (!(found = crm_store_query (self, query, 0, 0, error)))
    return NULL;
  for (guint i = 0; i < found->len; i++)
    g_hash_table_insert (by_id, (gpointer) crm_record_get_id (g_ptr_array_index (found, i)),
                         g_ptr_array_index (found, i));
  records = g_ptr_array_new_full (n_ids, g_object_unref);
  for (guint i = 0; i < n_ids; i++)
    {
      CrmRecord *record = g_hash_table_lookup (by_id, ids[i]);

      if (record)
        g_ptr_array_add (records, g_object_ref (record));
    }
  return records;
}

/**
 * crm_store_dup_titles:
 * @ids: (array length=n_ids): record ids; repeats are fine
 *
 * Returns: (transfer full) (element-type utf8 utf8): id → title of the
 *   live records of @entity_name among @ids, for a view to name the
 *   references on the rows it shows
 */
GHashTable *
crm_store_dup_titles (CrmStore            *self,
                      const char          *entity_name,
                      const char * const  *ids,
                      guint                n_ids,
                      GError             **error)
{
  g_autoptr(GPtrArray) records = crm_store_get_many (self, entity_name, ids, n_ids, error);
  GHashTable *titles;

  if (records == NULL)
    return NULL;
  titles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < records->len; i++)
    g_hash_table_replace (titles, g_strdup (crm_record_get_id (g_ptr_array_index (records, i))),
                          crm_record_dup_title (g_ptr_array_index (records, i)));
  return titles;
}

/**
 * crm_store_query_count:
 *
 * Returns: how many live records @query matches, or -1 on an error
 */
gint64
crm_store_query_count (CrmStore        *self,
                       const CrmQuery  *query,
                       GError         **error)
{
  g_autoptr(StmtUse) stmt = NULL;

  g_return_val_if_fail (CRM_IS_STORE (self), -1);
  g_return_val_if_fail (query != NULL, -1);

  if (!(stmt = step_aggregate (self, query, "count(*)", error)))
    return -1;
  return (gint64) sqlite3_column_int64 (stmt, 0);
}

/**
 * crm_store_query_dup_stamp:
 * @count: (out) (optional): how many live records @query matches
 *
 * A short text that changes whenever what @query matches changes: a
 * record added, removed or edited (each edit raises its version). A view
 * compares it with the one it last showed to skip reloading what did not
 * change.
 *
 * Returns: (transfer full): the stamp, or %NULL on an error
 */
char *
crm_store_query_dup_stamp (CrmStore        *self,
                           const CrmQuery  *query,
                           gint64          *count,
                           GError         **error)
{
  g_autoptr(StmtUse) stmt = NULL;

  g_return_val_if_fail (CRM_IS_STORE (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  /* A local edit keeps the version (the server's) and may not make its
   * record the latest changed one (a server clock ahead of this one), so
   * the sum of every record's last change, to the millisecond within its
   * month, is in the stamp too: exact, and cheap to read from text */
  if (!(stmt = step_aggregate (self, query,
                               "count(*), total(version), max(updated_at), total(rid), "
                               "sum(substr(updated_at, 9, 2) * 86400000 + substr(updated_at, 12, 2) * 3600000 + "
                               "substr(updated_at, 15, 2) * 60000 + substr(updated_at, 18, 2) * 1000 + "
                               "substr(updated_at, 21, 3))", error)))
    return NULL;
  if (count)
    *count = (gint64) sqlite3_column_int64 (stmt, 0);
  return g_strdup_printf ("%" G_GINT64_FORMAT "/%.0f/%s/%.0f/%" G_GINT64_FORMAT, (gint64) sqlite3_column_int64 (stmt, 0),
                          sqlite3_column_double (stmt, 1), column_text (stmt, 2) ? column_text (stmt, 2) : "",
                          sqlite3_column_double (stmt, 3), (gint64) sqlite3_column_int64 (stmt, 4));
}

/**
 * crm_store_begin_read:
 *
 * Starts a read transaction: every read until crm_store_end_read() sees
 * the database as it was at the first, whatever other connections write
 * meanwhile. For a connection that only reads, e.g. in a worker thread.
 */
gboolean
crm_store_begin_read (CrmStore  *self,
                      GError   **error)
{
  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);
  g_return_val_if_fail (self->depth == 0, FALSE);

  return exec_cached (self, "BEGIN DEFERRED", _("reading the database"), error);
}

void
crm_store_end_read (CrmStore *self)
{
  g_return_if_fail (CRM_IS_STORE (self));
  g_return_if_fail (self->depth == 0);

  /* Ending a transaction that only read cannot fail in a way to report */
  if (!exec_cached (self, "COMMIT", _("reading the database"), NULL))
    exec_cached (self, "ROLLBACK", _("reading the database"), NULL);
  /* A reader's cache is stale as soon as another connection writes, so
   * it is not worth the memory between reads */
  if (self->read_only)
    sqlite3_db_release_memory (self->db);
}

/* The text form of a value read with read_value() */
static char *
value_text (JsonNode *value)
{
  if (value == NULL || JSON_NODE_HOLDS_NULL (value))
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (value))
    return json_to_string (value, FALSE);
  switch (json_node_get_value_type (value))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (value));
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (value) ? "true" : "false");
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (value));
    default:
      return json_to_string (value, FALSE);
    }
}

/**
 * crm_store_query_foreach:
 * @fields: the fields to read: the entity's, or id, version, owner_id,
 *   created_at and updated_at
 * @func: called with each matching record's values, as text in the form
 *   crm_record_get_string() gives (%NULL for none), in @fields' order
 *
 * Reads a few fields of every record @query matches, in its order,
 * without making a record of each: for sums and counts over many records.
 */
gboolean
crm_store_query_foreach (CrmStore            *self,
                         const CrmQuery      *query,
                         const char * const  *fields,
                         CrmStoreRowFunc      func,
                         gpointer             user_data,
                         GError             **error)
{
  static const char * const system_columns[] = { "id", "version", "owner_id", "created_at", "updated_at", NULL };
  g_autoptr(GString) select = g_string_new ("SELECT ");
  g_autoptr(StmtUse) stmt = NULL;
  g_autoptr(GPtrArray) columns = g_ptr_array_new ();  /* const CrmField *, NULL for a system column */
  g_autoptr(GArray) currency_columns = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GPtrArray) values = NULL;
  g_autofree char *order = NULL;
  g_autofree char *tail = NULL;
  const CrmEntity *entity;
  guint n_fields, n;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);
  g_return_val_if_fail (query != NULL, FALSE);
  g_return_val_if_fail (fields != NULL && func != NULL, FALSE);

  if (!(entity = crm_entity_lookup_checked (crm_query_get_entity (query), error)))
    return FALSE;
  n_fields = g_strv_length ((char **) fields);
  for (guint i = 0; i < n_fields; i++)
    {
      const CrmField *field = NULL;

      if (!g_strv_contains (system_columns, fields[i]) &&
          !(field = crm_entity_get_field_checked (entity, fields[i], error)))
        return FALSE;
      g_string_append_printf (select, "%s%s", i ? ", " : "", fields[i]);
      g_ptr_array_add (columns, (gpointer) field);
    }
  /* Money is read in its row's currency, selected after the fields */
  for (guint i = 0, n_money = 0; i < n_fields; i++)
    {
      const CrmField *field = g_ptr_array_index (columns, i);
      int column = -1;

      if (field && field->type == CRM_FIELD_MONEY)
        {
          column = (int) (n_fields + n_money++);
          g_string_append_printf (select, ", %s", field->related);
        }
      g_array_append_val (currency_columns, column);
    }
  g_string_append_printf (select, " FROM %s", entity->name);
  if (!(order = _crm_query_dup_order_by (query, entity, error)))
    return FALSE;
  tail = g_strdup_printf ("ORDER BY %s", order);
  if (!(stmt = prepare_query (self, query, entity, select->str, tail, &n, error)))
    return FALSE;

  values = g_ptr_array_new_full (n_fields + 1, g_free);
  g_ptr_array_set_size (values, n_fields + 1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      for (guint i = 0; i < n_fields; i++)
        {
          const CrmField *field = g_ptr_array_index (columns, i);
          int currency = g_array_index (currency_columns, int, i);

          g_free (values->pdata[i]);
          if (field == NULL)
            values->pdata[i] = g_strdup (column_text (stmt, (int) i));
          else
            {
              g_autoptr(JsonNode) value = read_value (field, stmt, (int) i,
                                                      currency >= 0 ? column_text (stmt, currency) : NULL);

              values->pdata[i] = value_text (value);
            }
        }
      func ((const char * const *) values->pdata, user_data);
    }
  if (rc != SQLITE_DONE)
    return set_sqlite_error (self, error, rc, _("reading records"));
  return TRUE;
}

/**
 * crm_store_list:
 * @search: (nullable): words to look for: in accounts, contacts and
 *   opportunities each word matches the start of a word of the record; in
 *   the other entities each word must appear in the record's title
 * @limit: the most records to return, 0 for all
 *
 * Returns: (transfer container) (element-type CrmRecord): live records in
 *   the entity's order
 */
GPtrArray *
crm_store_list (CrmStore    *self,
                const char  *entity_name,
                const char  *search,
                guint        limit,
                guint        offset,
                GError     **error)
{
  g_autoptr(CrmQuery) query = NULL;

  g_return_val_if_fail (CRM_IS_STORE (self), NULL);

  if (!crm_entity_lookup_checked (entity_name, error))
    return NULL;
  query = crm_query_new (entity_name);
  crm_query_set_search (query, search, NULL);
  return crm_store_query (self, query, limit, offset, error);
}

/**
 * crm_store_search:
 * @text: what the user typed; every word is matched as a prefix
 * @limit: the most records to return from each searchable entity
 *
 * Searches accounts, contacts and opportunities, for type-ahead.
 *
 * Returns: (transfer container) (element-type CrmRecord): the hits
 */
GPtrArray *
crm_store_search (CrmStore    *self,
                  const char  *text,
                  guint        limit,
                  GError     **error)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *query = NULL;
  const CrmEntity * const *entities;
  guint n_entities;

  g_return_val_if_fail (CRM_IS_STORE (self), NULL);

  if (!(query = _crm_fts_query (text)))
    return g_steal_pointer (&all);

  entities = crm_entity_list_all (&n_entities);
  for (guint i = 0; i < n_entities; i++)
    {
      const CrmEntity *entity = entities[i];
      g_autoptr(StmtUse) stmt = NULL;
      g_autoptr(GPtrArray) hits = NULL;
      g_autofree char *sql = NULL;

      if (!entity->searchable)
        continue;
      /* No ranking: the first matches in index order come back at once,
       * however many rows match a short prefix. */
      sql = g_strdup_printf ("%s JOIN (SELECT rowid AS hit FROM %s_fts WHERE %s_fts MATCH ?1 "
                             "LIMIT ?2) ON rid = hit WHERE deleted = 0",
                             entity_sql (self, entity)->select_sql, entity->name, entity->name);
      if (!(stmt = prepare (self, sql, error)))
        return NULL;
      sqlite3_bind_text (stmt, 1, query, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, limit ? (gint64) limit : -1);
      if (!(hits = collect (entity, stmt, self, error)))
        return NULL;
      for (guint j = 0; j < hits->len; j++)
        g_ptr_array_add (all, g_object_ref (g_ptr_array_index (hits, j)));
    }

  return g_steal_pointer (&all);
}

gint64
crm_store_count (CrmStore    *self,
                 const char  *entity_name,
                 GError     **error)
{
  g_autoptr(CrmQuery) query = NULL;

  g_return_val_if_fail (CRM_IS_STORE (self), -1);

  if (!crm_entity_lookup_checked (entity_name, error))
    return -1;
  query = crm_query_new (entity_name);
  return crm_store_query_count (self, query, error);
}

gboolean
crm_store_get_status (CrmStore        *self,
                      CrmStoreStatus  *status,
                      GError         **error)
{
  gint64 pending, rejected, conflicts;

  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);
  g_return_val_if_fail (status != NULL, FALSE);

  if (!query_int (self, "SELECT count(*) FROM outbox WHERE state = 'pending'", &pending, error) ||
      !query_int (self, "SELECT count(*) FROM outbox WHERE state = 'rejected'", &rejected, error) ||
      !query_int (self, "SELECT count(*) FROM (SELECT DISTINCT entity, record_id FROM conflicts)",
                  &conflicts, error))
    return FALSE;

  status->pending = (guint) pending;
  status->rejected = (guint) rejected;
  status->conflicts = (guint) conflicts;
  return TRUE;
}

/**
 * crm_store_dup_outbox:
 *
 * Returns: (transfer full): the outbox in order, as a JSON array of
 *   {"mutation_id","entity","id","op","base_version","fields","state","error"}
 */
JsonNode *
crm_store_dup_outbox (CrmStore  *self,
                      GError   **error)
{
  static const char sql[] =
    "SELECT mutation_id, entity, record_id, op, base_version, fields, state, error "
    "FROM outbox ORDER BY seq";
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(StmtUse) stmt = NULL;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (self), NULL);

  if (!(stmt = prepare (self, sql, error)))
    return NULL;

  json_builder_begin_array (builder);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(JsonNode) fields = json_from_string (column_text (stmt, 5), NULL);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "mutation_id");
      json_builder_add_string_value (builder, column_text (stmt, 0));
      json_builder_set_member_name (builder, "entity");
      json_builder_add_string_value (builder, column_text (stmt, 1));
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, column_text (stmt, 2));
      json_builder_set_member_name (builder, "op");
      json_builder_add_string_value (builder, column_text (stmt, 3));
      json_builder_set_member_name (builder, "base_version");
      json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 4));
      json_builder_set_member_name (builder, "fields");
      json_builder_add_value (builder, fields ? g_steal_pointer (&fields)
                                              : json_node_init_object (json_node_alloc (), json_object_new ()));
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, column_text (stmt, 6));
      json_builder_set_member_name (builder, "error");
      if (column_text (stmt, 7))
        json_builder_add_string_value (builder, column_text (stmt, 7));
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, rc, _("reading the outbox"));
      return NULL;
    }
  return json_builder_get_root (builder);
}

char *
crm_store_dup_setting (CrmStore   *self,
                       const char *key)
{
  g_autoptr(StmtUse) stmt = NULL;

  g_return_val_if_fail (CRM_IS_STORE (self), NULL);

  if (!(stmt = prepare (self, "SELECT value FROM settings WHERE key = ?", NULL)))
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  return g_strdup (column_text (stmt, 0));
}

gboolean
crm_store_set_setting (CrmStore    *self,
                       const char  *key,
                       const char  *value,
                       GError     **error)
{
  g_autoptr(StmtUse) stmt = NULL;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  if (!(stmt = prepare (self, "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", error)))
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (value)
    sqlite3_bind_text (stmt, 2, value, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, 2);
  if ((rc = sqlite3_step (stmt)) != SQLITE_DONE)
    return set_sqlite_error (self, error, rc, _("saving a setting"));
  if (g_str_equal (key, "current_user_id"))
    {
      self->owner_loaded = FALSE;
      g_clear_pointer (&self->owner_id, g_free);
    }
  return TRUE;
}

/**
 * crm_store_set_connection:
 * @server_url: the server, without a trailing slash
 * @username: who signs in
 * @user_id: the server's id of that user
 * @tls_fingerprint: (nullable): the pinned SHA-256 of a certificate the
 *   user chose to trust
 *
 * Records in the profile where it syncs and as whom (never a secret).
 * Another server or another user than before makes the next pull a full
 * resync: the old cursor means nothing there, and records only the old
 * one had go (or stay as recovered copies where they hold local work).
 */
gboolean
crm_store_set_connection (CrmStore    *self,
                          const char  *server_url,
                          const char  *username,
                          const char  *user_id,
                          const char  *tls_fingerprint,
                          GError     **error)
{
  g_autofree char *old_server = NULL;
  g_autofree char *old_user = NULL;

  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);
  g_return_val_if_fail (server_url != NULL && username != NULL && user_id != NULL, FALSE);

  if (!crm_store_begin (self, error))
    return FALSE;
  old_server = crm_store_dup_setting (self, "server_url");
  old_user = crm_store_dup_setting (self, "current_user_id");
  if (!crm_store_set_setting (self, "server_url", server_url, error) ||
      !crm_store_set_setting (self, "username", username, error) ||
      !crm_store_set_setting (self, "current_user_id", user_id, error) ||
      !crm_store_set_setting (self, "tls_fingerprint", tls_fingerprint, error))
    goto failed;
  if (old_server != NULL && (g_strcmp0 (old_server, server_url) != 0 || g_strcmp0 (old_user, user_id) != 0) &&
      !_crm_store_request_resync (self, error))
    goto failed;
  return crm_store_commit (self, error);

failed:
  crm_store_rollback (self);
  return FALSE;
}

/* Writes a record as the server has it, inside the caller's transaction:
 * one statement, so it needs no savepoint of its own. @absent says that
 * no row has its id (the caller looked), which spares a first sync an
 * update that finds nothing before each insert. */
static gboolean
write_synced (CrmStore   *self,
              CrmRecord  *record,
              gboolean    absent,
              GError    **error)
{
  const CrmEntity *entity = crm_record_get_entity (record);
  const EntitySql *sql = entity_sql (self, entity);
  CrmChangeKind kind = CRM_CHANGE_UPDATED;
  int rc;

  g_assert (self->depth > 0);

  if (crm_record_get_created_at (record) == NULL || crm_record_get_updated_at (record) == NULL)
    {
      g_autofree char *now = crm_timestamp_now ();
      crm_record_set_timestamps (record,
                                 crm_record_get_created_at (record) ? NULL : now,
                                 crm_record_get_updated_at (record) ? NULL : now);
    }

  if (!absent)
    {
      g_autoptr(StmtUse) stmt = prepare (self, sql->update_sql, error);

      if (stmt == NULL)
        return FALSE;
      bind_system (stmt, record, 1);
      if (!bind_fields (self, stmt, record, 6, error))
        return FALSE;
      sqlite3_bind_text (stmt, 6 + (int) entity->n_fields, crm_record_get_id (record), -1, SQLITE_STATIC);
      if ((rc = sqlite3_step (stmt)) != SQLITE_DONE)
        return set_sqlite_error (self, error, rc, _("saving the record"));
      absent = sqlite3_changes (self->db) == 0;
    }

  if (absent)
    {
      g_autoptr(StmtUse) stmt = prepare (self, sql->insert_sql, error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, crm_record_get_id (record), -1, SQLITE_STATIC);
      bind_system (stmt, record, 2);
      if (!bind_fields (self, stmt, record, 7, error))
        return FALSE;
      if ((rc = sqlite3_step (stmt)) != SQLITE_DONE)
        return set_sqlite_error (self, error, rc, _("saving the record"));
      kind = CRM_CHANGE_CREATED;
    }

  if (crm_record_get_deleted (record))
    kind = CRM_CHANGE_DELETED;
  queue_change (self, entity, crm_record_get_id (record), kind);
  return TRUE;
}

/**
 * _crm_store_put_synced:
 * @record: a complete, checked record as the server has it
 *
 * Writes the record as it is, version and all, without an outbox entry:
 * for rows that come from the server (and demo data that stands for it).
 */
gboolean
_crm_store_put_synced (CrmStore   *self,
                       CrmRecord  *record,
                       GError    **error)
{
  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);
  g_return_val_if_fail (CRM_IS_RECORD (record), FALSE);

  if (!crm_store_begin (self, error))
    return FALSE;
  if (!write_synced (self, record, FALSE, error))
    {
      crm_store_rollback (self);
      return FALSE;
    }
  return crm_store_commit (self, error);
}

sqlite3 *
_crm_store_get_db (CrmStore *self)
{
  g_return_val_if_fail (CRM_IS_STORE (self), NULL);
  return self->db;
}

/* Sync: what the engine reads and writes *******************************/

/**
 * _crm_store_take_outbox_batch:
 *
 * The oldest pending entries, as push mutations, each with its "seq".
 * Their attempt counts go up first, in one transaction, so no later edit
 * folds into an entry that may already have reached the server.
 *
 * Returns: (transfer full): a JSON array, possibly empty
 */
JsonArray *
_crm_store_take_outbox_batch (CrmStore  *self,
                              guint      limit,
                              GError   **error)
{
  static const char select_sql[] =
    "SELECT seq, mutation_id, entity, record_id, op, base_version, fields "
    "FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT ?";
  g_autoptr(JsonArray) batch = json_array_new ();
  gint64 last_seq = 0;
  int rc;

  if (!crm_store_begin (self, error))
    return NULL;
  {
    g_autoptr(StmtUse) stmt = prepare (self, select_sql, error);

    if (stmt == NULL)
      goto failed;
    sqlite3_bind_int64 (stmt, 1, limit);
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      {
        JsonObject *mutation = json_object_new ();
        JsonNode *fields = json_from_string (column_text (stmt, 6), NULL);

        last_seq = sqlite3_column_int64 (stmt, 0);
        json_object_set_int_member (mutation, "seq", last_seq);
        json_object_set_string_member (mutation, "mutation_id", column_text (stmt, 1));
        json_object_set_string_member (mutation, "entity", column_text (stmt, 2));
        json_object_set_string_member (mutation, "id", column_text (stmt, 3));
        json_object_set_string_member (mutation, "op", column_text (stmt, 4));
        json_object_set_int_member (mutation, "base_version", sqlite3_column_int64 (stmt, 5));
        json_object_set_member (mutation, "fields",
                                fields ? fields : json_node_init_object (json_node_alloc (), json_object_new ()));
        json_array_add_object_element (batch, mutation);
      }
    if (rc != SQLITE_DONE)
      {
        set_sqlite_error (self, error, rc, _("reading the outbox"));
        goto failed;
      }
  }
  if (last_seq > 0)
    {
      g_autoptr(StmtUse) mark = prepare (self, "UPDATE outbox SET attempts = attempts + 1 "
                                               "WHERE state = 'pending' AND seq <= ?", error);

      if (mark == NULL)
        goto failed;
      sqlite3_bind_int64 (mark, 1, last_seq);
      if ((rc = sqlite3_step (mark)) != SQLITE_DONE)
        {
          set_sqlite_error (self, error, rc, _("reading the outbox"));
          goto failed;
        }
    }
  if (!crm_store_commit (self, error))
    return NULL;
  return g_steal_pointer (&batch);

failed:
  crm_store_rollback (self);
  return NULL;
}

/* The fields of a record that hold local work the server has not taken:
 * queued or refused edits, and conflicts waiting for the user. */
static GHashTable *
local_fields (CrmStore    *self,
              const char  *entity,
              const char  *id,
              gboolean    *has_entries,
              GError     **error)
{
  g_autoptr(GHashTable) fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(StmtUse) outbox = prepare (self, "SELECT fields, op FROM outbox WHERE entity = ? AND record_id = ?", error);
  g_autoptr(StmtUse) conflicts = NULL;
  int rc;

  *has_entries = FALSE;
  if (outbox == NULL)
    return NULL;
  sqlite3_bind_text (outbox, 1, entity, -1, SQLITE_STATIC);
  sqlite3_bind_text (outbox, 2, id, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (outbox)) == SQLITE_ROW)
    {
      g_autoptr(JsonNode) node = json_from_string (column_text (outbox, 0), NULL);
      g_autoptr(GList) members = NULL;

      *has_entries = TRUE;
      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        continue;
      members = json_object_get_members (json_node_get_object (node));
      for (const GList *l = members; l; l = l->next)
        g_hash_table_add (fields, g_strdup (l->data));
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, rc, _("reading the outbox"));
      return NULL;
    }

  if (!(conflicts = prepare (self, "SELECT field FROM conflicts WHERE entity = ? AND record_id = ?", error)))
    return NULL;
  sqlite3_bind_text (conflicts, 1, entity, -1, SQLITE_STATIC);
  sqlite3_bind_text (conflicts, 2, id, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (conflicts)) == SQLITE_ROW)
    g_hash_table_add (fields, g_strdup (column_text (conflicts, 0)));
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, rc, _("reading conflicts"));
      return NULL;
    }
  return g_steal_pointer (&fields);
}

static gboolean
save_conflict (CrmStore    *self,
               const char  *entity,
               const char  *id,
               const char  *field,
               JsonNode    *original,
               JsonNode    *mine,
               JsonNode    *server,
               gint64       server_version,
               GError     **error)
{
  static const char sql[] =
    "INSERT INTO conflicts (id, entity, record_id, field, original, mine, server, server_version, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (entity, record_id, field) DO UPDATE SET "
    "mine = excluded.mine, server = excluded.server, server_version = excluded.server_version";
  g_autoptr(StmtUse) stmt = prepare (self, sql, error);
  g_autofree char *conflict_id = g_uuid_string_random ();
  g_autofree char *now = crm_timestamp_now ();
  JsonNode *values[3] = { original, mine, server };
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, conflict_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, entity, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, field, -1, SQLITE_STATIC);
  for (guint i = 0; i < 3; i++)
    {
      if (values[i])
        sqlite3_bind_text (stmt, 5 + i, json_to_string (values[i], FALSE), -1, g_free);
      else
        sqlite3_bind_text (stmt, 5 + i, "null", -1, SQLITE_STATIC);
    }
  sqlite3_bind_int64 (stmt, 8, server_version);
  sqlite3_bind_text (stmt, 9, now, -1, SQLITE_STATIC);
  if ((rc = sqlite3_step (stmt)) != SQLITE_DONE)
    return set_sqlite_error (self, error, rc, _("keeping a conflict"));
  return TRUE;
}

static gboolean
drop_outbox_of (CrmStore    *self,
                const char  *entity,
                const char  *id,
                GError     **error)
{
  g_autoptr(StmtUse) stmt = prepare (self, "DELETE FROM outbox WHERE entity = ? AND record_id = ?", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, entity, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  if ((rc = sqlite3_step (stmt)) != SQLITE_DONE)
    return set_sqlite_error (self, error, rc, _("updating the outbox"));
  return TRUE;
}

/* The server deleted (or took out of sight) a record this device still
 * has work on: the work is kept whole in a conflict, for the user to
 * restore as a copy or let go. */
static gboolean
keep_recovered (CrmStore    *self,
                CrmRecord   *local,
                gint64       server_version,
                GError     **error)
{
  g_autoptr(JsonNode) mine = crm_record_to_json (local);
  g_autoptr(JsonNode) no = json_node_init_boolean (json_node_alloc (), FALSE);
  g_autoptr(JsonNode) yes = json_node_init_boolean (json_node_alloc (), TRUE);
  const char *entity = crm_record_get_entity (local)->name;
  const char *id = crm_record_get_id (local);

  return save_conflict (self, entity, id, "deleted", no, mine, yes, server_version, error) &&
         drop_outbox_of (self, entity, id, error);
}

static gboolean
refresh_conflict (CrmStore         *self,
                  const CrmEntity  *entity,
                  const char       *id,
                  const char       *field,
                  JsonNode         *server,
                  gint64            version,
                  GError          **error)
{
  g_autoptr(StmtUse) stmt = prepare (self, "UPDATE conflicts SET server = ?, server_version = ? "
                                           "WHERE entity = ? AND record_id = ? AND field = ? AND server_version < ?",
                                     error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, server ? json_to_string (server, FALSE) : g_strdup ("null"), -1, g_free);
  sqlite3_bind_int64 (stmt, 2, version);
  sqlite3_bind_text (stmt, 3, entity->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, field, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 6, version);
  if ((rc = sqlite3_step (stmt)) != SQLITE_DONE)
    return set_sqlite_error (self, error, rc, _("updating a conflict"));
  return TRUE;
}

/* Stores the server's version of a record, keeping the fields that hold
 * local work. A version the store already has changes nothing. */
static gboolean
rebase (CrmStore         *self,
        const CrmEntity  *entity,
        JsonNode         *data,
        gint64            version,
        gboolean          force,
        gboolean         *applied,
        GError          **error)
{
  g_autoptr(CrmRecord) incoming = NULL;
  g_autoptr(CrmRecord) local = NULL;
  g_autoptr(GHashTable) keep = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean has_entries = FALSE;
  GHashTableIter iter;
  gpointer field;

  if (!(incoming = crm_record_new_from_json (entity, data, &local_error)))
    {
      /* A record this build cannot read must not stop sync */
      g_warning ("Skipping a %s record from the server: %s", entity->name, local_error->message);
      return TRUE;
    }
  crm_record_set_version (incoming, version);

  local = load_record (self, entity, crm_record_get_id (incoming), TRUE, NULL);
  /* What this device already has, or sent itself, is no news */
  if (local && !force && crm_record_get_version (local) >= version)
    return TRUE;
  *applied = TRUE;
  if (local && !(keep = local_fields (self, entity->name, crm_record_get_id (incoming), &has_entries, error)))
    return FALSE;

  if (local && has_entries && crm_record_get_deleted (local))
    crm_record_set_deleted (incoming, TRUE);
  if (keep)
    {
      g_hash_table_iter_init (&iter, keep);
      while (g_hash_table_iter_next (&iter, &field, NULL))
        {
          JsonNode *value = crm_record_get_field (local, field);

          if (!crm_entity_get_field (entity, field))
            continue;
          /* A conflict shows, and "keep server" takes, the newest value */
          if (!refresh_conflict (self, entity, crm_record_get_id (incoming), field,
                                 crm_record_get_field (incoming, field), version, error))
            return FALSE;
          crm_record_take_field (incoming, field, value ? json_node_copy (value) : NULL);
        }
    }
  return write_synced (self, incoming, local == NULL, error);
}

static gboolean
apply_tombstone (CrmStore         *self,
                 const CrmEntity  *entity,
                 const char       *id,
                 gint64            version,
                 gboolean         *applied,
                 GError          **error)
{
  g_autoptr(CrmRecord) local = load_record (self, entity, id, TRUE, NULL);
  g_autoptr(GHashTable) keep = NULL;
  gboolean has_entries = FALSE;

  if (local == NULL || (crm_record_get_deleted (local) && crm_record_get_version (local) >= version))
    return TRUE;
  *applied = TRUE;
  if (!(keep = local_fields (self, entity->name, id, &has_entries, error)))
    return FALSE;
  if (has_entries && !crm_record_get_deleted (local))
    return keep_recovered (self, local, version, error);

  crm_record_set_deleted (local, TRUE);
  crm_record_set_version (local, MAX (version, crm_record_get_version (local)));
  return write_synced (self, local, FALSE, error);
}

static gboolean
apply_page (CrmStore    *self,
            JsonArray   *changes,
            const char  *cursor,
            guint       *n_applied,
            GError     **error)
{
  guint n = json_array_get_length (changes);

  *n_applied = 0;
  if (!crm_store_begin (self, error))
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      JsonObject *change = json_array_get_object_element (changes, i);
      const CrmEntity *entity;
      const char *id;
      JsonNode *data;
      gint64 version;
      gboolean applied = FALSE;

      if (change == NULL ||
          !(entity = crm_entity_lookup (json_object_get_string_member_with_default (change, "entity", NULL))) ||
          !(id = json_object_get_string_member_with_default (change, "id", NULL)) || !crm_is_uuid (id))
        {
          g_warning ("Skipping a malformed change from the server");
          continue;
        }
      version = json_object_get_int_member_with_default (change, "version", 0);
      data = json_object_get_member (change, "data");

      if (json_object_get_boolean_member_with_default (change, "deleted", FALSE) ||
          data == NULL || !JSON_NODE_HOLDS_OBJECT (data))
        {
          if (!apply_tombstone (self, entity, id, version, &applied, error))
            goto failed;
        }
      else if (!rebase (self, entity, data, version, FALSE, &applied, error))
        goto failed;
      if (applied)
        (*n_applied)++;
    }
  if (!crm_store_set_setting (self, "sync_cursor", cursor, error))
    goto failed;
  return crm_store_commit (self, error);

failed:
  crm_store_rollback (self);
  return FALSE;
}

/**
 * _crm_store_apply_pull_page:
 * @changes: the page's changes, in feed order
 * @cursor: where the page ends
 * @more: whether pages follow this one in the pass
 *
 * Applies one page and its cursor in one transaction. Pulled rows are
 * never queued for sending.
 *
 * A page that more pages follow commits without waiting for the disk
 * (synchronous=NORMAL; WAL keeps it atomic and in order): a power cut can
 * only take it with its cursor, and it is pulled again. The last page
 * commits with FULL, which puts every page before it on disk as well, as
 * does any commit of a local edit on another connection. Edits and the
 * outbox never commit on this setting.
 */
gboolean
_crm_store_apply_pull_page (CrmStore    *self,
                            JsonArray   *changes,
                            const char  *cursor,
                            gboolean     more,
                            guint       *n_applied,
                            GError     **error)
{
  gboolean ok;

  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);
  g_return_val_if_fail (self->depth == 0, FALSE);

  /* SQLite takes the setting only outside a transaction */
  if (more && !exec_cached (self, "PRAGMA synchronous = NORMAL", _("applying a page"), error))
    return FALSE;
  ok = apply_page (self, changes, cursor, n_applied, error);
  if (more && !exec_cached (self, "PRAGMA synchronous = FULL", _("applying a page"), ok ? error : NULL))
    return FALSE;
  return ok;
}

/**
 * _crm_store_request_resync:
 *
 * The next pull starts from an empty cursor and takes everything the
 * server has; when its last page is in, records the server no longer
 * has are removed (see _crm_store_sweep_unseen()). Kept in the store, so
 * a resync cut short starts over on the next pass rather than leaving
 * records the server deleted.
 */
gboolean
_crm_store_request_resync (CrmStore  *self,
                           GError   **error)
{
  if (!crm_store_begin (self, error))
    return FALSE;
  if (!crm_store_set_setting (self, "sync_cursor", "", error) ||
      !crm_store_set_setting (self, "resync_pending", "1", error))
    {
      crm_store_rollback (self);
      return FALSE;
    }
  return crm_store_commit (self, error);
}

gboolean
_crm_store_resync_pending (CrmStore *self)
{
  g_autofree char *pending = crm_store_dup_setting (self, "resync_pending");

  return pending != NULL && g_str_equal (pending, "1");
}

/**
 * _crm_store_sweep_unseen:
 * @seen: "entity/id" of every change a full pull brought
 *
 * Ends a full resync: a record that came from the server once (version
 * above 0) but was not in its full answer was deleted there, or is no
 * longer visible to this user, while the tombstone that would have said
 * so was pruned. It goes as a pulled tombstone would: removed, or, when
 * this device has work on it, kept as a recovered copy for the user.
 */
gboolean
_crm_store_sweep_unseen (CrmStore    *self,
                         GHashTable  *seen,
                         guint       *n_removed,
                         GError     **error)
{
  const CrmEntity * const *entities;
  guint n_entities;

  *n_removed = 0;
  if (!crm_store_begin (self, error))
    return FALSE;
  entities = crm_entity_list_all (&n_entities);
  for (guint i = 0; i < n_entities; i++)
    {
      const CrmEntity *entity = entities[i];
      g_autofree char *sql = g_strdup_printf ("SELECT id, version FROM %s WHERE version > 0 AND deleted = 0",
                                              entity->name);
      g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GArray) versions = g_array_new (FALSE, FALSE, sizeof (gint64));
      int rc;

      {
        g_autoptr(StmtUse) stmt = prepare (self, sql, error);

        if (stmt == NULL)
          goto failed;
        while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
          {
            g_autofree char *key = g_strconcat (entity->name, "/", column_text (stmt, 0), NULL);
            gint64 version = sqlite3_column_int64 (stmt, 1);

            if (g_hash_table_contains (seen, key))
              continue;
            g_ptr_array_add (gone, g_strdup (column_text (stmt, 0)));
            g_array_append_val (versions, version);
          }
        if (rc != SQLITE_DONE)
          {
            set_sqlite_error (self, error, rc, _("reading records"));
            goto failed;
          }
      }
      for (guint j = 0; j < gone->len; j++)
        {
          gboolean applied = FALSE;

          if (!apply_tombstone (self, entity, g_ptr_array_index (gone, j),
                                g_array_index (versions, gint64, j), &applied, error))
            goto failed;
          if (applied)
            (*n_removed)++;
        }
    }
  if (!crm_store_set_setting (self, "resync_pending", NULL, error))
    goto failed;
  return crm_store_commit (self, error);

failed:
  crm_store_rollback (self);
  return FALSE;
}

static gboolean
delete_outbox_seq (CrmStore  *self,
                   gint64     seq,
                   GError   **error)
{
  g_autoptr(StmtUse) stmt = prepare (self, "DELETE FROM outbox WHERE seq = ?", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  if ((rc = sqlite3_step (stmt)) != SQLITE_DONE)
    return set_sqlite_error (self, error, rc, _("updating the outbox"));
  return TRUE;
}

/**
 * _crm_store_apply_push_results:
 * @sent: the mutations as _crm_store_take_outbox_batch() gave them
 * @results: the server's results, matched by mutation id
 *
 * In one transaction: acknowledged entries leave the outbox and their
 * records take the server's version; conflicts are kept field by field;
 * rejected entries stay, marked, with the server's message.
 */
gboolean
_crm_store_apply_push_results (CrmStore    *self,
                               JsonArray   *sent,
                               JsonArray   *results,
                               CrmPushTally *tally,
                               GError     **error)
{
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);
  guint n = json_array_get_length (results);

  for (guint i = 0; i < json_array_get_length (sent); i++)
    {
      JsonObject *mutation = json_array_get_object_element (sent, i);
      g_hash_table_insert (by_id, (gpointer) json_object_get_string_member (mutation, "mutation_id"), mutation);
    }

  if (!crm_store_begin (self, error))
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      JsonObject *result = json_array_get_object_element (results, i);
      const char *mutation_id = result ? json_object_get_string_member_with_default (result, "mutation_id", NULL) : NULL;
      const char *status = result ? json_object_get_string_member_with_default (result, "status", "") : "";
      JsonObject *mutation = mutation_id ? g_hash_table_lookup (by_id, mutation_id) : NULL;
      JsonNode *record = result ? json_object_get_member (result, "record") : NULL;
      const CrmEntity *entity;
      const char *id;
      gint64 seq, version;
      gboolean ignored = FALSE;

      if (mutation == NULL)
        continue;
      entity = crm_entity_lookup (json_object_get_string_member (mutation, "entity"));
      id = json_object_get_string_member (mutation, "id");
      seq = json_object_get_int_member (mutation, "seq");
      version = json_object_get_int_member_with_default (result, "version", 0);
      if (record && !JSON_NODE_HOLDS_OBJECT (record))
        record = NULL;

      if (g_str_equal (status, "applied") || g_str_equal (status, "merged"))
        {
          if (!delete_outbox_seq (self, seq, error))
            goto failed;
          if (record && !rebase (self, entity, record, version, TRUE, &ignored, error))
            goto failed;
          tally->pushed++;
        }
      else if (g_str_equal (status, "conflict"))
        {
          JsonObject *fields = json_object_get_object_member (mutation, "fields");
          JsonArray *names = json_object_get_array_member (result, "conflicts");
          gboolean gone = record && json_object_get_boolean_member_with_default (json_node_get_object (record),
                                                                                   "deleted", FALSE);

          if (gone)
            {
              g_autoptr(CrmRecord) local = load_record (self, entity, id, TRUE, NULL);

              if (local && !keep_recovered (self, local, version, error))
                goto failed;
              if (local == NULL && !delete_outbox_seq (self, seq, error))
                goto failed;
            }
          else
            {
              for (guint j = 0; names && j < json_array_get_length (names); j++)
                {
                  const char *field = json_array_get_string_element (names, j);
                  JsonObject *change = fields && json_object_has_member (fields, field)
                                         ? json_object_get_object_member (fields, field) : NULL;

                  if (change == NULL)
                    continue;
                  if (!save_conflict (self, entity->name, id, field,
                                      json_object_get_member (change, "old"),
                                      json_object_get_member (change, "new"),
                                      json_object_get_member (json_node_get_object (record), field),
                                      version, error))
                    goto failed;
                }
              if (!delete_outbox_seq (self, seq, error))
                goto failed;
              if (record && !rebase (self, entity, record, version, TRUE, &ignored, error))
                goto failed;
            }
          tally->conflicts++;
        }
      else
        {
          g_autoptr(StmtUse) stmt = prepare (self, "UPDATE outbox SET state = 'rejected', error = ? WHERE seq = ?", error);
          int rc;

          if (stmt == NULL)
            goto failed;
          sqlite3_bind_text (stmt, 1, json_object_get_string_member_with_default (result, "error", _("Refused by the server")),
                             -1, SQLITE_TRANSIENT);
          sqlite3_bind_int64 (stmt, 2, seq);
          if ((rc = sqlite3_step (stmt)) != SQLITE_DONE)
            {
              set_sqlite_error (self, error, rc, _("updating the outbox"));
              goto failed;
            }
          tally->rejected++;
        }
    }
  return crm_store_commit (self, error);

failed:
  crm_store_rollback (self);
  return FALSE;
}

/**
 * crm_store_dup_conflicts:
 *
 * Returns: (transfer full): the conflicts, as a JSON array of
 *   {"id","entity","record_id","field","original","mine","server","server_version"}
 */
JsonNode *
crm_store_dup_conflicts (CrmStore  *self,
                         GError   **error)
{
  static const char sql[] =
    "SELECT id, entity, record_id, field, original, mine, server, server_version "
    "FROM conflicts ORDER BY created_at, entity, record_id, field";
  g_autoptr(StmtUse) stmt = prepare (self, sql, error);
  g_autoptr(JsonArray) array = json_array_new ();
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *conflict = json_object_new ();
      static const char * const names[] = { "original", "mine", "server" };

      json_object_set_string_member (conflict, "id", column_text (stmt, 0));
      json_object_set_string_member (conflict, "entity", column_text (stmt, 1));
      json_object_set_string_member (conflict, "record_id", column_text (stmt, 2));
      json_object_set_string_member (conflict, "field", column_text (stmt, 3));
      for (guint i = 0; i < 3; i++)
        {
          JsonNode *value = json_from_string (column_text (stmt, 4 + i), NULL);
          json_object_set_member (conflict, names[i], value ? value : json_node_new (JSON_NODE_NULL));
        }
      json_object_set_int_member (conflict, "server_version", sqlite3_column_int64 (stmt, 7));
      json_array_add_object_element (array, conflict);
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, rc, _("reading conflicts"));
      return NULL;
    }
  return json_node_init_array (json_node_alloc (), array);
}

/**
 * crm_store_resolve_conflict:
 * @id: a conflict's id, or a record's id for all of its conflicts
 * @keep_mine: keep this device's value (sent again as a new change) or
 *   take the server's
 *
 * A record deleted on the server while edited here comes back, on
 * keep_mine, as a new record with the edited values.
 *
 * Returns: the number of conflicts resolved; 0 with NOT_FOUND when none
 */
guint
crm_store_resolve_conflict (CrmStore    *self,
                            const char  *id,
                            gboolean     keep_mine,
                            GError     **error)
{
  static const char sql[] =
    "SELECT id, entity, record_id, field, mine, server, server_version FROM conflicts "
    "WHERE id = ?1 OR record_id = ?1 ORDER BY record_id, field";
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autofree char *lower = NULL;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (self), 0);

  if (id == NULL || !crm_is_uuid (id))
    {
      g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE, _("“%s” is not a conflict or record id"), id ? id : "");
      return 0;
    }
  lower = g_ascii_strdown (id, -1);

  if (!crm_store_begin (self, error))
    return 0;
  {
    g_autoptr(StmtUse) stmt = prepare (self, sql, error);

    if (stmt == NULL)
      goto failed;
    sqlite3_bind_text (stmt, 1, lower, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      {
        char **row = g_new0 (char *, 8);

        for (guint i = 0; i < 7; i++)
          row[i] = g_strdup (column_text (stmt, i));
        g_ptr_array_add (rows, row);
      }
    if (rc != SQLITE_DONE)
      {
        set_sqlite_error (self, error, rc, _("reading conflicts"));
        goto failed;
      }
  }
  if (rows->len == 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND, _("No conflict with id %s"), id);
      goto failed;
    }

  for (guint i = 0; i < rows->len; i++)
    {
      char **row = g_ptr_array_index (rows, i);
      const CrmEntity *entity = crm_entity_lookup (row[1]);
      g_autoptr(CrmRecord) local = load_record (self, entity, row[2], TRUE, error);
      g_autoptr(StmtUse) drop = NULL;
      g_autoptr(JsonNode) mine = json_from_string (row[4], NULL);
      g_autoptr(JsonNode) server = json_from_string (row[5], NULL);
      const char *field = row[3];

      if (local == NULL)
        goto failed;

      if (g_str_equal (field, "deleted"))
        {
          /* Deleted on the server while edited here */
          if (keep_mine && mine && JSON_NODE_HOLDS_OBJECT (mine))
            {
              g_autoptr(JsonObject) copy = json_object_new ();
              g_autoptr(CrmRecord) recovered = NULL;

              for (guint j = 0; j < entity->n_fields; j++)
                {
                  JsonNode *value = json_object_get_member (json_node_get_object (mine), entity->fields[j].name);
                  if (value && !JSON_NODE_HOLDS_NULL (value))
                    json_object_set_member (copy, entity->fields[j].name, json_node_copy (value));
                }
              if (!(recovered = crm_store_create (self, entity->name, copy, error)))
                goto failed;
            }
          crm_record_set_deleted (local, TRUE);
          crm_record_set_version (local, MAX (crm_record_get_version (local), g_ascii_strtoll (row[6], NULL, 10)));
          if (!_crm_store_put_synced (self, local, error))
            goto failed;
        }
      else if (keep_mine)
        {
          /* Sent again as a change on top of the server's version */
          g_autoptr(JsonObject) change = json_object_new ();

          add_field_change (change, field, server, mine);
          if (!write_outbox (self, local, "update", g_ascii_strtoll (row[6], NULL, 10), change, error))
            goto failed;
        }
      else
        {
          crm_record_take_field (local, field, server ? json_node_copy (server) : NULL);
          if (!crm_record_validate (local, error) || !_crm_store_put_synced (self, local, error))
            goto failed;
        }

      if (!(drop = prepare (self, "DELETE FROM conflicts WHERE id = ?", error)))
        goto failed;
      sqlite3_bind_text (drop, 1, row[0], -1, SQLITE_STATIC);
      if ((rc = sqlite3_step (drop)) != SQLITE_DONE)
        {
          set_sqlite_error (self, error, rc, _("resolving a conflict"));
          goto failed;
        }
    }

  if (!crm_store_commit (self, error))
    return 0;
  return rows->len;

failed:
  crm_store_rollback (self);
  return 0;
}

/* Refused changes ******************************************************/

typedef struct
{
  gint64  seq;
  char   *entity;
  char   *record_id;
  char   *op;
  char   *fields;
} RejectedEntry;

static void
rejected_entry_clear (RejectedEntry *entry)
{
  g_free (entry->entity);
  g_free (entry->record_id);
  g_free (entry->op);
  g_free (entry->fields);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RejectedEntry, rejected_entry_clear)

static gboolean
load_rejected (CrmStore       *self,
               const char     *mutation_id,
               RejectedEntry  *entry,
               GError        **error)
{
  g_autoptr(StmtUse) stmt = prepare (self, "SELECT seq, entity, record_id, op, fields FROM outbox "
                                           "WHERE mutation_id = ? AND state = 'rejected'", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, mutation_id, -1, SQLITE_STATIC);
  if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      entry->seq = sqlite3_column_int64 (stmt, 0);
      entry->entity = g_strdup (column_text (stmt, 1));
      entry->record_id = g_strdup (column_text (stmt, 2));
      entry->op = g_strdup (column_text (stmt, 3));
      entry->fields = g_strdup (column_text (stmt, 4));
      return TRUE;
    }
  if (rc != SQLITE_DONE)
    return set_sqlite_error (self, error, rc, _("reading the outbox"));
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
               _("No refused change with id %s"), mutation_id);
  return FALSE;
}

/**
 * crm_store_retry_rejected:
 * @mutation_id: a refused outbox entry's mutation id
 *
 * Queues a change the server refused to be sent again, as it now stands
 * (fix the record first, e.g. with crm_store_update()). It goes under a
 * new mutation id: the server remembers its answer to the old one.
 */
gboolean
crm_store_retry_rejected (CrmStore    *self,
                          const char  *mutation_id,
                          GError     **error)
{
  g_auto(RejectedEntry) entry = { 0 };
  g_autoptr(StmtUse) stmt = NULL;
  g_autofree char *new_id = g_uuid_string_random ();
  const CrmEntity *entity;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);
  g_return_val_if_fail (mutation_id != NULL, FALSE);

  if (!crm_store_begin (self, error))
    return FALSE;
  if (!load_rejected (self, mutation_id, &entry, error) ||
      !(stmt = prepare (self, "UPDATE outbox SET state = 'pending', error = NULL, attempts = 0, "
                              "mutation_id = ? WHERE seq = ?", error)))
    goto failed;
  sqlite3_bind_text (stmt, 1, new_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, entry.seq);
  if ((rc = sqlite3_step (stmt)) != SQLITE_DONE)
    {
      set_sqlite_error (self, error, rc, _("queueing the change for sync"));
      goto failed;
    }
  if ((entity = crm_entity_lookup (entry.entity)))
    queue_change (self, entity, entry.record_id, CRM_CHANGE_UPDATED);
  return crm_store_commit (self, error);

failed:
  crm_store_rollback (self);
  return FALSE;
}

/**
 * crm_store_discard_rejected:
 * @mutation_id: a refused outbox entry's mutation id
 *
 * Gives up a change the server refused, and takes it back here: a refused
 * new record goes, a refused edit returns its fields to the values they
 * had before it, a refused delete brings the record back.
 */
gboolean
crm_store_discard_rejected (CrmStore    *self,
                            const char  *mutation_id,
                            GError     **error)
{
  g_auto(RejectedEntry) entry = { 0 };
  g_autoptr(CrmRecord) record = NULL;
  g_autoptr(JsonNode) fields = NULL;
  const CrmEntity *entity;

  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);
  g_return_val_if_fail (mutation_id != NULL, FALSE);

  if (!crm_store_begin (self, error))
    return FALSE;
  if (!load_rejected (self, mutation_id, &entry, error) ||
      !(entity = crm_entity_lookup_checked (entry.entity, error)) ||
      !(record = load_record (self, entity, entry.record_id, TRUE, error)))
    goto failed;

  if (g_str_equal (entry.op, "create"))
    crm_record_set_deleted (record, TRUE);
  else if (g_str_equal (entry.op, "delete"))
    crm_record_set_deleted (record, FALSE);
  else if ((fields = json_from_string (entry.fields, NULL)) && JSON_NODE_HOLDS_OBJECT (fields))
    {
      JsonObject *changes = json_node_get_object (fields);
      g_autoptr(GList) names = json_object_get_members (changes);

      for (const GList *l = names; l; l = l->next)
        {
          JsonNode *change = json_object_get_member (changes, l->data);
          JsonNode *old = JSON_NODE_HOLDS_OBJECT (change)
            ? json_object_get_member (json_node_get_object (change), "old") : NULL;

          if (crm_entity_get_field (entity, l->data))
            crm_record_take_field (record, l->data,
                                   old ? json_node_copy (old) : json_node_new (JSON_NODE_NULL));
        }
    }

  if (!delete_outbox_seq (self, entry.seq, error) ||
      !_crm_store_put_synced (self, record, error))
    goto failed;
  return crm_store_commit (self, error);

failed:
  crm_store_rollback (self);
  return FALSE;
}

