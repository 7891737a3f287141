/* crm-store.h: the local SQLite store of one profile
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "crm-query.h"
#include "crm-record.h"

G_BEGIN_DECLS

#define CRM_STORE_ERROR (crm_store_error_quark ())

typedef enum
{
  CRM_STORE_ERROR_FAILED,
  CRM_STORE_ERROR_TOO_NEW,
  CRM_STORE_ERROR_NOT_FOUND,
  CRM_STORE_ERROR_EXISTS,
  CRM_STORE_ERROR_CONSTRAINT,
  CRM_STORE_ERROR_DISK_FULL,
  CRM_STORE_ERROR_BUSY,
  CRM_STORE_ERROR_CORRUPT,
  CRM_STORE_ERROR_PERMISSION,
} CrmStoreError;

/* The schema this build writes; newer databases are refused */
#define CRM_STORE_SCHEMA_VERSION 4

typedef struct
{
  guint pending;    /* outbox entries waiting to be sent */
  guint rejected;   /* outbox entries the server refused */
  guint conflicts;  /* records with fields waiting for the user */
} CrmStoreStatus;

#define CRM_TYPE_STORE (crm_store_get_type ())

G_DECLARE_FINAL_TYPE (CrmStore, crm_store, CRM, STORE, GObject)

GQuark      crm_store_error_quark        (void);

char       *crm_store_dup_base_dir       (const char      *data_dir);
char       *crm_store_dup_profile_path   (const char      *data_dir,
                                          const char      *profile,
                                          GError         **error);
gboolean    crm_profile_name_is_valid    (const char      *name);

CrmStore   *crm_store_open               (const char      *path,
                                          GError         **error);
CrmStore   *crm_store_open_reader        (const char      *path,
                                          GError         **error);
const char *crm_store_get_path           (CrmStore        *self);
int         crm_store_get_schema_version (CrmStore        *self);

gboolean    crm_store_begin              (CrmStore        *self,
                                          GError         **error);
gboolean    crm_store_commit             (CrmStore        *self,
                                          GError         **error);
void        crm_store_rollback           (CrmStore        *self);

CrmRecord  *crm_store_create             (CrmStore        *self,
                                          const char      *entity,
                                          JsonObject      *fields,
                                          GError         **error);
CrmRecord  *crm_store_update             (CrmStore        *self,
                                          const char      *entity,
                                          const char      *id,
                                          JsonObject      *changes,
                                          GError         **error);
gboolean    crm_store_delete             (CrmStore        *self,
                                          const char      *entity,
                                          const char      *id,
                                          GError         **error);
CrmRecord  *crm_store_get                (CrmStore        *self,
                                          const char      *entity,
                                          const char      *id,
                                          GError         **error);
GPtrArray  *crm_store_list               (CrmStore        *self,
                                          const char      *entity,
                                          const char      *search,
                                          guint            limit,
                                          guint            offset,
                                          GError         **error);
GPtrArray  *crm_store_search             (CrmStore        *self,
                                          const char      *text,
                                          guint            limit,
                                          GError         **error);
gint64      crm_store_count              (CrmStore        *self,
                                          const char      *entity,
                                          GError         **error);

/**
 * CrmStoreRowFunc:
 * @values: the fields crm_store_query_foreach() was asked for, as text
 */
typedef void (*CrmStoreRowFunc) (const char * const *values,
                                 gpointer            user_data);

GPtrArray  *crm_store_query              (CrmStore        *self,
                                          const CrmQuery  *query,
                                          guint            limit,
                                          guint            offset,
                                          GError         **error);
GPtrArray  *crm_store_get_many           (CrmStore        *self,
                                          const char      *entity,
                                          const char * const *ids,
                                          guint            n_ids,
                                          GError         **error);
GHashTable *crm_store_dup_titles         (CrmStore        *self,
                                          const char      *entity,
                                          const char * const *ids,
                                          guint            n_ids,
                                          GError         **error);
gint64      crm_store_query_count        (CrmStore        *self,
                                          const CrmQuery  *query,
                                          GError         **error);
char       *crm_store_query_dup_stamp    (CrmStore        *self,
                                          const CrmQuery  *query,
                                          gint64          *count,
                                          GError         **error);
gboolean    crm_store_begin_read         (CrmStore        *self,
                                          GError         **error);
void        crm_store_end_read           (CrmStore        *self);
gboolean    crm_store_query_foreach      (CrmStore        *self,
                                          const CrmQuery  *query,
                                          const char * const *fields,
                                          CrmStoreRowFunc  func,
                                          gpointer         user_data,
                                          GError         **error);

gboolean    crm_store_get_status         (CrmStore        *self,
                                          CrmStoreStatus  *status,
                                          GError         **error);
JsonNode   *crm_store_dup_outbox         (CrmStore        *self,
                                          GError         **error);

JsonNode   *crm_store_dup_conflicts      (CrmStore        *self,
                                          GError         **error);
guint       crm_store_resolve_conflict   (CrmStore        *self,
                                          const char      *id,
                                          gboolean         keep_mine,
                                          GError         **error);
gboolean    crm_store_retry_rejected     (CrmStore        *self,
                                          const char      *mutation_id,
                                          GError         **error);
gboolean    crm_store_discard_rejected   (CrmStore        *self,
                                          const char      *mutation_id,
                                          GError         **error);

char       *crm_store_dup_setting        (CrmStore        *self,
                                          const char      *key);
gboolean    crm_store_set_setting        (CrmStore        *self,
                                          const char      *key,
                                          const char      *value,
                                          GError         **error);
gboolean    crm_store_set_connection     (CrmStore        *self,
                                          const char      *server_url,
                                          const char      *username,
                                          const char      *user_id,
                                          const char      *tls_fingerprint,
                                          GError         **error);

G_END_DECLS
