/* crm-sync-indicator.h: synced, syncing, offline, pending, conflicts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_SYNC_INDICATOR (crm_sync_indicator_get_type ())

G_DECLARE_FINAL_TYPE (CrmSyncIndicator, crm_sync_indicator, CRM, SYNC_INDICATOR, GtkWidget)

void        crm_sync_indicator_set_context (CrmSyncIndicator *self,
                                            CrmContext       *context);
/* What the button says, e.g. "Synced" or "3 pending" */
const char *crm_sync_indicator_get_label   (CrmSyncIndicator *self);

G_END_DECLS
