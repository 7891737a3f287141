/* crm-outbox-window.h: conflicts to settle, refused changes, changes waiting
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_OUTBOX_WINDOW (crm_outbox_window_get_type ())

G_DECLARE_FINAL_TYPE (CrmOutboxWindow, crm_outbox_window, CRM, OUTBOX_WINDOW, AdwWindow)

GtkWindow *crm_outbox_window_new          (CrmContext      *context,
                                           GtkWindow       *parent);
/* For a conflicted field: keep this device's value (%TRUE) or the
 * server's, as the toggles in the window do */
gboolean   crm_outbox_window_choose       (CrmOutboxWindow *self,
                                           const char      *conflict_id,
                                           gboolean         keep_mine);
/* Settles every conflict of @record_id as chosen ("Apply" in the window) */
gboolean   crm_outbox_window_apply        (CrmOutboxWindow *self,
                                           const char      *record_id);

G_END_DECLS
