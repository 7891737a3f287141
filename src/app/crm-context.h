/* crm-context.h: an open profile: its store, settings, and sync
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "crm-app-enums.h"
#include "crm-app-types.h"
#include "crm-store.h"

G_BEGIN_DECLS

#define CRM_TYPE_CONTEXT (crm_context_get_type ())

G_DECLARE_FINAL_TYPE (CrmContext, crm_context, CRM, CONTEXT, GObject)

/* Opens @profile in @data_dir (nullable: the default data dir); a demo
 * profile gets its local server started again first */
void          crm_context_open_async        (const char           *data_dir,
                                             const char           *profile,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
CrmContext   *crm_context_open_finish       (GAsyncResult         *result,
                                             GError              **error);
/* @demo_server: (nullable): a crm-server the context stops when it goes */
CrmContext   *crm_context_new               (const char           *data_dir,
                                             const char           *profile,
                                             CrmStore             *store,
                                             GSubprocess          *demo_server);

CrmStore     *crm_context_get_store         (CrmContext           *self);
const char   *crm_context_get_profile       (CrmContext           *self);
GSettings    *crm_context_get_settings      (CrmContext           *self);
/* Whether amounts show a sign ("€") rather than a code ("EUR") */
gboolean      crm_context_get_use_symbols   (CrmContext           *self);

CrmSyncState  crm_context_get_sync_state    (CrmContext           *self);
/* Of the running sync, 0 to 1; -1 when the total is not known yet */
double        crm_context_get_sync_fraction (CrmContext           *self);
/* Why the last sync failed; %NULL after a good one */
const char   *crm_context_get_sync_message  (CrmContext           *self);
guint         crm_context_get_pending       (CrmContext           *self);
guint         crm_context_get_conflicts     (CrmContext           *self);
guint         crm_context_get_rejected      (CrmContext           *self);

/* Sends and fetches changes in a worker thread; a request while one runs
 * runs again after it */
void          crm_context_sync              (CrmContext           *self);
/* Deleting with an undo: the record leaves the views now and the store
 * after a few seconds, at a flush, or at shutdown */
void          crm_context_delete_later      (CrmContext           *self,
                                             const char           *entity,
                                             const char           *id);
gboolean      crm_context_undo_delete       (CrmContext           *self,
                                             const char           *entity,
                                             const char           *id);
gboolean      crm_context_is_deleting       (CrmContext           *self,
                                             const char           *entity,
                                             const char           *id);
void          crm_context_flush_deletes     (CrmContext           *self);
GStrv         crm_context_dup_deleting_ids  (CrmContext           *self,
                                             const char           *entity);
const char   *crm_context_lookup_title      (CrmContext           *self,
                                             const char           *entity,
                                             const char           *id);

/* Stops syncing and the demo server; the window calls it as it closes */
void          crm_context_shutdown          (CrmContext           *self);

G_END_DECLS
