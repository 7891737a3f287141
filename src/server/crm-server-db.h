/* crm-server-db.h: the server's store
 *
 * One interface, two backends chosen by the database location given to
 * crm_server_db_open(): "sqlite:PATH" (or a bare path), the embedded
 * default, in crm-server-db-sqlite.c; "postgresql://…" (libpq), for teams
 * and for several crm-server instances over one database, in
 * crm-server-db-pg.c. Every caller sees the same behaviour.
 *
 * Records are kept whole, as the JSON the shared codec writes, one row per
 * record with its version and its place in the change feed (seq). The
 * feed is the table itself ordered by seq: a change moves the row to the
 * end. Who may see a row is decided by its subject: the owner, or for
 * quotas and forecast adjustments the user they are for; global entities
 * have none.
 *
 * The change sequence: seqs are handed out inside the write transaction
 * from one counter row that the transaction holds locked until it ends
 * (SQLite: BEGIN IMMEDIATE; PostgreSQL: the counter row is locked FOR
 * UPDATE at the transaction's start). Writers therefore commit in seq
 * order, one at a time, on every instance: once a reader's snapshot
 * holds seq N, every seq below N has committed or rolled back, so a pull
 * never skips a change that commits later with a smaller seq. The other
 * approach (hand out seqs freely, expose only those below the oldest
 * transaction in flight) lets writers overlap but needs a cross-instance
 * view of what is in flight and delays every reader behind the slowest
 * writer; our writes are short, so the lock costs less than it saves.
 *
 * Connections: a CrmServerDb is one connection, for one thread at a
 * time. The server opens a second from crm_server_db_get_location() for
 * its writer thread, which commits writes in groups (crm-server-writer.c);
 * its main loop reads on the first.
 *
 * Errors: CRM_SERVER_DB_ERROR_BUSY means try again shortly (locked, a
 * serialization failure, or the database unreachable); the HTTP layer
 * answers it with 503 and Retry-After.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CRM_SERVER_DB_ERROR (crm_server_db_error_quark ())

typedef enum
{
  CRM_SERVER_DB_ERROR_FAILED,
  CRM_SERVER_DB_ERROR_BUSY,
  CRM_SERVER_DB_ERROR_TOO_NEW,
  CRM_SERVER_DB_ERROR_DISK_FULL,
} CrmServerDbError;

typedef struct _CrmServerDb CrmServerDb;

typedef struct
{
  char    *entity;
  char    *id;
  gint64   version;
  gint64   seq;
  char    *owner_id;
  char    *subject_id;
  gboolean deleted;
  char    *data;      /* the record as JSON */
} CrmServerRow;

/* Who a reader is, for filtering the feed in SQL */
typedef struct
{
  gboolean    all;          /* an admin */
  const char *own_json;     /* JSON array: ids whose records this user reads */
  const char *shared_json;  /* JSON array: ids whose accounts and contacts this user reads */
} CrmServerFilter;

typedef gboolean (*CrmServerRowFunc) (const CrmServerRow *row,
                                      gpointer            user_data);

GQuark        crm_server_db_error_quark      (void);

CrmServerDb  *crm_server_db_open             (const char        *location,
                                              GError           **error);
void          crm_server_db_free             (CrmServerDb       *db);
const char   *crm_server_db_get_location     (CrmServerDb       *db);

gboolean      crm_server_db_begin            (CrmServerDb       *db,
                                              gboolean           write,
                                              GError           **error);
gboolean      crm_server_db_commit           (CrmServerDb       *db,
                                              GError           **error);
void          crm_server_db_rollback         (CrmServerDb       *db);
gboolean      crm_server_db_savepoint        (CrmServerDb       *db,
                                              GError           **error);
void          crm_server_db_release          (CrmServerDb       *db);
void          crm_server_db_rollback_to      (CrmServerDb       *db);

CrmServerRow *crm_server_db_get_row          (CrmServerDb       *db,
                                              const char        *entity,
                                              const char        *id,
                                              GError           **error);
gboolean      crm_server_db_put_row          (CrmServerDb       *db,
                                              CrmServerRow      *row,
                                              GError           **error);
gboolean      crm_server_db_add_revocation   (CrmServerDb       *db,
                                              const char        *entity,
                                              const char        *id,
                                              const char        *subject_id,
                                              GError           **error);
gint64        crm_server_db_get_horizon      (CrmServerDb       *db);
gint64        crm_server_db_get_last_seq     (CrmServerDb       *db);
gboolean      crm_server_db_prune            (CrmServerDb       *db,
                                              gint64             before_seq,
                                              guint             *n_pruned,
                                              GError           **error);
gboolean      crm_server_db_foreach_change   (CrmServerDb       *db,
                                              gint64             after_seq,
                                              guint              limit,
                                              const CrmServerFilter *filter,
                                              CrmServerRowFunc   func,
                                              gpointer           user_data,
                                              GError           **error);
gint64        crm_server_db_count_visible    (CrmServerDb       *db,
                                              const CrmServerFilter *filter);
gboolean      crm_server_db_foreach_live     (CrmServerDb       *db,
                                              const char        *entity,
                                              const char        *after_id,
                                              guint              limit,
                                              const CrmServerFilter *filter,
                                              CrmServerRowFunc   func,
                                              gpointer           user_data,
                                              GError           **error);

char         *crm_server_db_get_mutation_row (CrmServerDb       *db,
                                              const char        *key,
                                              const char        *entity,
                                              const char        *id,
                                              CrmServerRow     **row,
                                              GError           **error);
gboolean      crm_server_db_put_mutation     (CrmServerDb       *db,
                                              const char        *key,
                                              const char        *user_id,
                                              const char        *result,
                                              GError           **error);

gboolean      crm_server_db_get_login        (CrmServerDb       *db,
                                              const char        *username,
                                              char             **user_id,
                                              char             **password_hash,
                                              GError           **error);
char         *crm_server_db_get_username     (CrmServerDb       *db,
                                              const char        *user_id);
gboolean      crm_server_db_put_login        (CrmServerDb       *db,
                                              const char        *user_id,
                                              const char        *username,
                                              const char        *password_hash,
                                              GError           **error);
gboolean      crm_server_db_put_token        (CrmServerDb       *db,
                                              const char        *token_hash,
                                              const char        *user_id,
                                              gint64             expires_at,
                                              GError           **error);
char         *crm_server_db_get_token        (CrmServerDb       *db,
                                              const char        *token_hash,
                                              gint64            *expires_at,
                                              gint64            *directory_stamp,
                                              GError           **error);
gboolean      crm_server_db_get_failures     (CrmServerDb       *db,
                                              const char        *username,
                                              guint             *failures,
                                              gint64            *first_at,
                                              GError           **error);
gboolean      crm_server_db_put_failures     (CrmServerDb       *db,
                                              const char        *username,
                                              guint              failures,
                                              gint64             first_at,
                                              GError           **error);
gint64        crm_server_db_count_rows       (CrmServerDb       *db,
                                              const char        *entity);

void          crm_server_row_free            (CrmServerRow      *row);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmServerRow, crm_server_row_free)

G_END_DECLS
