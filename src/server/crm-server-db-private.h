/* crm-server-db-private.h: what a store backend implements
 *
 * crm-server-db.c picks the backend from the database location and
 * forwards each call of crm-server-db.h through this table. A backend's
 * handle starts with a CrmServerDb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "crm-server-db.h"

G_BEGIN_DECLS

typedef struct
{
  void          (*free)           (CrmServerDb *db);
  gboolean      (*begin)          (CrmServerDb *db, gboolean write, GError **error);
  gboolean      (*commit)         (CrmServerDb *db, GError **error);
  void          (*rollback)       (CrmServerDb *db);
  gboolean      (*savepoint)      (CrmServerDb *db, GError **error);
  void          (*release)        (CrmServerDb *db);
  void          (*rollback_to)    (CrmServerDb *db);
  CrmServerRow *(*get_row)        (CrmServerDb *db, const char *entity, const char *id, GError **error);
  gboolean      (*put_row)        (CrmServerDb *db, CrmServerRow *row, GError **error);
  gboolean      (*add_revocation) (CrmServerDb *db, const char *entity, const char *id,
                                   const char *subject_id, GError **error);
  gint64        (*get_horizon)    (CrmServerDb *db);
  gint64        (*get_last_seq)   (CrmServerDb *db);
  gboolean      (*prune)          (CrmServerDb *db, gint64 before_seq, guint *n_pruned, GError **error);
  gboolean      (*foreach_change) (CrmServerDb *db, gint64 after_seq, guint limit,
                                   const CrmServerFilter *filter, CrmServerRowFunc func,
                                   gpointer user_data, GError **error);
  gint64        (*count_visible)  (CrmServerDb *db, const CrmServerFilter *filter);
  gboolean      (*foreach_live)   (CrmServerDb *db, const char *entity, const char *after_id,
                                   guint limit, const CrmServerFilter *filter,
                                   CrmServerRowFunc func, gpointer user_data, GError **error);
  char         *(*get_mutation_row) (CrmServerDb *db, const char *key, const char *entity,
                                     const char *id, CrmServerRow **row, GError **error);
  gboolean      (*put_mutation)   (CrmServerDb *db, const char *key, const char *user_id,
                                   const char *result, GError **error);
  gboolean      (*get_login)      (CrmServerDb *db, const char *username, char **user_id,
                                   char **password_hash, GError **error);
  char         *(*get_username)   (CrmServerDb *db, const char *user_id);
  gboolean      (*put_login)      (CrmServerDb *db, const char *user_id, const char *username,
                                   const char *password_hash, GError **error);
  gboolean      (*put_token)      (CrmServerDb *db, const char *token_hash, const char *user_id,
                                   gint64 expires_at, GError **error);
  char         *(*get_token)      (CrmServerDb *db, const char *token_hash, gint64 *expires_at,
                                   gint64 *directory_stamp, GError **error);
  gboolean      (*get_failures)   (CrmServerDb *db, const char *username, guint *failures,
                                   gint64 *first_at, GError **error);
  gboolean      (*put_failures)   (CrmServerDb *db, const char *username, guint failures,
                                   gint64 first_at, GError **error);
  gint64        (*count_rows)     (CrmServerDb *db, const char *entity);
} CrmServerDbClass;

struct _CrmServerDb
{
  const CrmServerDbClass *klass;
  char                   *location;  /* as given to crm_server_db_open() */
};

CrmServerDb *_crm_server_db_sqlite_open (const char  *path,
                                         GError     **error);
CrmServerDb *_crm_server_db_pg_open     (const char  *url,
                                         GError     **error);

G_END_DECLS
