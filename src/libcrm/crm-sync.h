/* crm-sync.h: push the outbox, pull the change feed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CRM_SYNC_ERROR (crm_sync_error_quark ())

/* The setting holding when the last sync went through (UTC, ISO 8601) */
#define CRM_SYNC_LAST_SYNCED "last_synced_at"

typedef enum
{
  CRM_SYNC_ERROR_NOT_LOGGED_IN,
  CRM_SYNC_ERROR_SESSION_EXPIRED,
  CRM_SYNC_ERROR_UNREACHABLE,
  CRM_SYNC_ERROR_SERVER,
} CrmSyncError;

typedef struct
{
  guint pushed;     /* local changes the server took (applied or merged) */
  guint pulled;     /* changes from the server applied here */
  guint conflicts;  /* conflicts waiting for the user after this pass */
  guint rejected;   /* changes the server refused in this pass */
} CrmSyncStats;

/* Called from the sync thread: @done of @total records so far (total is
 * the server's count on a first sync, else a running estimate) */
typedef void (*CrmSyncProgressFunc) (guint    done,
                                     guint    total,
                                     gpointer user_data);

GQuark   crm_sync_error_quark (void);

gboolean crm_sync_run         (const char           *db_path,
                               CrmSyncProgressFunc   progress,
                               gpointer              progress_data,
                               CrmSyncStats         *stats,
                               GCancellable         *cancellable,
                               GError              **error);
void     crm_sync_run_async   (const char           *db_path,
                               GCancellable         *cancellable,
                               GAsyncReadyCallback   callback,
                               gpointer              user_data);
gboolean crm_sync_run_finish  (GAsyncResult         *result,
                               CrmSyncStats         *stats,
                               GError              **error);

G_END_DECLS
