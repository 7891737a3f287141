/* crm-window-private.h: what the UI tests reach inside the window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "crm-context.h"
#include "crm-window.h"

G_BEGIN_DECLS

/* "welcome", "loading" or "main" */
const char *_crm_window_get_page       (CrmWindow *self);
/* (nullable): the open profile */
CrmContext *_crm_window_get_context    (CrmWindow *self);
/* The view stack's pages: "pipeline", "contacts", "quotes", "forecast" */
GtkWidget  *_crm_window_get_view       (CrmWindow *self,
                                        const char *name);
const char *_crm_window_get_visible_view (CrmWindow *self);
GtkWidget  *_crm_window_get_welcome    (CrmWindow *self);
/* Shows a record: contacts and accounts in Contacts, others in a window */
void        _crm_window_show_record    (CrmWindow  *self,
                                        const char *entity,
                                        const char *id);

G_END_DECLS
