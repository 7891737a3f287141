/* crm-server-db.c: the store interface, forwarded to a backend
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-server-db"

#include "config.h"

#include "crm-server-db-private.h"

G_DEFINE_QUARK (crm-server-db-error-quark, crm_server_db_error)

/**
 * crm_server_db_open:
 * @location: "postgresql://…" or "postgres://…" (a libpq URL),
 *   "sqlite:PATH", or a plain path to a SQLite file
 *
 * Opens the store and creates or migrates its schema.
 */
CrmServerDb *
crm_server_db_open (const char  *location,
                    GError     **error)
{
  const char *path = location;
  CrmServerDb *db;

  g_return_val_if_fail (location != NULL, NULL);

  if (g_str_has_prefix (location, "postgresql://") || g_str_has_prefix (location, "postgres://"))
    db = _crm_server_db_pg_open (location, error);
  else
    {
      if (g_str_has_prefix (path, "sqlite:"))
        path += strlen ("sqlite:");
      if (*path == '\0')
        {
          g_set_error (error, CRM_SERVER_DB_ERROR, CRM_SERVER_DB_ERROR_FAILED,
                       "sqlite: needs the path of the database file");
          return NULL;
        }
      db = _crm_server_db_sqlite_open (path, error);
    }
  if (db)
    db->location = g_strdup (location);
  return db;
}

void
crm_server_db_free (CrmServerDb *db)
{
  if (db == NULL)
    return;
  g_free (db->location);
  db->klass->free (db);
}

/**
 * crm_server_db_get_location:
 *
 * What the store was opened from, to open another connection to it
 */
const char *
crm_server_db_get_location (CrmServerDb *db)
{
  return db->location;
}

/**
 * crm_server_db_begin:
 * @write: a write transaction: it holds the change sequence until it
 *   ends, so writers commit one at a time in seq order
 *
 * A read transaction is one snapshot from its first statement on.
 */
gboolean
crm_server_db_begin (CrmServerDb  *db,
                     gboolean      write,
                     GError      **error)
{
  return db->klass->begin (db, write, error);
}

/* On failure the transaction is rolled back: nothing of it was kept */
gboolean
crm_server_db_commit (CrmServerDb  *db,
                      GError      **error)
{
  return db->klass->commit (db, error);
}

void
crm_server_db_rollback (CrmServerDb *db)
{
  db->klass->rollback (db);
}

gboolean
crm_server_db_savepoint (CrmServerDb  *db,
                         GError      **error)
{
  return db->klass->savepoint (db, error);
}

void
crm_server_db_release (CrmServerDb *db)
{
  db->klass->release (db);
}

void
crm_server_db_rollback_to (CrmServerDb *db)
{
  db->klass->rollback_to (db);
}

/**
 * crm_server_db_get_row:
 *
 * Returns: the row, tombstone or not; %NULL without an error when there
 *   is none
 */
CrmServerRow *
crm_server_db_get_row (CrmServerDb  *db,
                       const char   *entity,
                       const char   *id,
                       GError      **error)
{
  return db->klass->get_row (db, entity, id, error);
}

/**
 * crm_server_db_put_row:
 *
 * Inserts or replaces the row, giving it the next place in the feed
 * (written back to @row->seq). Call inside a write transaction.
 */
gboolean
crm_server_db_put_row (CrmServerDb   *db,
                       CrmServerRow  *row,
                       GError       **error)
{
  return db->klass->put_row (db, row, error);
}

gboolean
crm_server_db_add_revocation (CrmServerDb  *db,
                              const char   *entity,
                              const char   *id,
                              const char   *subject_id,
                              GError      **error)
{
  return db->klass->add_revocation (db, entity, id, subject_id, error);
}

gint64
crm_server_db_get_horizon (CrmServerDb *db)
{
  return db->klass->get_horizon (db);
}

/* The last seq handed out, as the current transaction sees it */
gint64
crm_server_db_get_last_seq (CrmServerDb *db)
{
  return db->klass->get_last_seq (db);
}

/**
 * crm_server_db_prune:
 *
 * Forgets tombstones and revocations from before @before_seq. A client
 * whose cursor is older must then resync.
 */
gboolean
crm_server_db_prune (CrmServerDb  *db,
                     gint64        before_seq,
                     guint        *n_pruned,
                     GError      **error)
{
  return db->klass->prune (db, before_seq, n_pruned, error);
}

/**
 * crm_server_db_foreach_change:
 * @limit: the most rows to hand to @func
 *
 * Calls @func for each change after @after_seq in feed order: live rows
 * and tombstones the reader may see, and (as rows with deleted set and no
 * data) records that moved out of the reader's sight. Stops early when
 * @func returns %FALSE.
 */
gboolean
crm_server_db_foreach_change (CrmServerDb           *db,
                              gint64                 after_seq,
                              guint                  limit,
                              const CrmServerFilter *filter,
                              CrmServerRowFunc       func,
                              gpointer               user_data,
                              GError               **error)
{
  return db->klass->foreach_change (db, after_seq, limit, filter, func, user_data, error);
}

/* How many live records the reader may see: a first sync's total */
gint64
crm_server_db_count_visible (CrmServerDb           *db,
                             const CrmServerFilter *filter)
{
  return db->klass->count_visible (db, filter);
}

/**
 * crm_server_db_foreach_live:
 * @after_id: (nullable): list from the id after this one
 *
 * Live records of one entity the reader may see, in id order.
 */
gboolean
crm_server_db_foreach_live (CrmServerDb           *db,
                            const char            *entity,
                            const char            *after_id,
                            guint                  limit,
                            const CrmServerFilter *filter,
                            CrmServerRowFunc       func,
                            gpointer               user_data,
                            GError               **error)
{
  return db->klass->foreach_live (db, entity, after_id, limit, filter, func, user_data, error);
}

/**
 * crm_server_db_get_mutation_row:
 * @entity: (nullable): with @id, the record to read as well
 * @row: (out) (nullable): the record, tombstone or not, when there is
 *   one and no stored result
 *
 * The result stored for a mutation key, and the record (as
 * crm_server_db_get_row() reads it) the mutation is about, in one round
 * trip: a push makes one such lookup per mutation, and writers take
 * turns.
 *
 * Returns: the stored result, or %NULL
 */
char *
crm_server_db_get_mutation_row (CrmServerDb   *db,
                                const char    *key,
                                const char    *entity,
                                const char    *id,
                                CrmServerRow **row,
                                GError       **error)
{
  *row = NULL;
  return db->klass->get_mutation_row (db, key, entity, id, row, error);
}

gboolean
crm_server_db_put_mutation (CrmServerDb  *db,
                            const char   *key,
                            const char   *user_id,
                            const char   *result,
                            GError      **error)
{
  return db->klass->put_mutation (db, key, user_id, result, error);
}

gboolean
crm_server_db_get_login (CrmServerDb  *db,
                         const char   *username,
                         char        **user_id,
                         char        **password_hash,
                         GError      **error)
{
  return db->klass->get_login (db, username, user_id, password_hash, error);
}

char *
crm_server_db_get_username (CrmServerDb *db,
                            const char  *user_id)
{
  return db->klass->get_username (db, user_id);
}

gboolean
crm_server_db_put_login (CrmServerDb  *db,
                         const char   *user_id,
                         const char   *username,
                         const char   *password_hash,
                         GError      **error)
{
  return db->klass->put_login (db, user_id, username, password_hash, error);
}

gboolean
crm_server_db_put_token (CrmServerDb  *db,
                         const char   *token_hash,
                         const char   *user_id,
                         gint64        expires_at,
                         GError      **error)
{
  return db->klass->put_token (db, token_hash, user_id, expires_at, error);
}

/**
 * crm_server_db_get_token:
 * @directory_stamp: (out): a number that changes whenever a user record
 *   does (the last seq among them, tombstones included), read in the
 *   same query, so a request learns who holds the token and whether the
 *   user directory it may have kept is still current in one round trip
 *
 * Returns: the user id, or %NULL when there is no such token
 */
char *
crm_server_db_get_token (CrmServerDb  *db,
                         const char   *token_hash,
                         gint64       *expires_at,
                         gint64       *directory_stamp,
                         GError      **error)
{
  return db->klass->get_token (db, token_hash, expires_at, directory_stamp, error);
}

gboolean
crm_server_db_get_failures (CrmServerDb  *db,
                            const char   *username,
                            guint        *failures,
                            gint64       *first_at,
                            GError      **error)
{
  return db->klass->get_failures (db, username, failures, first_at, error);
}

gboolean
crm_server_db_put_failures (CrmServerDb  *db,
                            const char   *username,
                            guint         failures,
                            gint64        first_at,
                            GError      **error)
{
  return db->klass->put_failures (db, username, failures, first_at, error);
}

gint64
crm_server_db_count_rows (CrmServerDb *db,
                          const char  *entity)
{
  return db->klass->count_rows (db, entity);
}

void
crm_server_row_free (CrmServerRow *row)
{
  if (row == NULL)
    return;
  g_free (row->entity);
  g_free (row->id);
  g_free (row->owner_id);
  g_free (row->subject_id);
  g_free (row->data);
  g_free (row);
}
