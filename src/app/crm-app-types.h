/* crm-app-types.h: forward declarations and enums of the application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _CrmContext CrmContext;

/* What the sync engine is doing; pending changes and conflicts are
 * counted apart */
typedef enum
{
  CRM_SYNC_STATE_IDLE,     /* the last sync succeeded, or none ran yet */
  CRM_SYNC_STATE_SYNCING,
  CRM_SYNC_STATE_OFFLINE,  /* no network, or the server did not answer */
  CRM_SYNC_STATE_FAILED,   /* the server answered with an error, e.g. an expired session */
  CRM_SYNC_STATE_LOCAL,    /* the profile is not connected to a server */
} CrmSyncState;

G_END_DECLS
