/* crm-search-window.h: type-ahead search over accounts, contacts and deals
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_SEARCH_WINDOW (crm_search_window_get_type ())

G_DECLARE_FINAL_TYPE (CrmSearchWindow, crm_search_window, CRM, SEARCH_WINDOW, AdwWindow)

GtkWindow  *crm_search_window_new        (CrmContext      *context,
                                          GtkWindow       *parent);
/* Searches at once, as typing does after its short delay */
void        crm_search_window_set_text   (CrmSearchWindow *self,
                                          const char      *text);
/* The hits (CrmRecord), best first */
GListModel *crm_search_window_get_model  (CrmSearchWindow *self);
/* Selects a hit, as Up and Down do */
void        crm_search_window_select     (CrmSearchWindow *self,
                                          guint            position);
/* Opens the selected hit, as Enter does */
void        crm_search_window_open_selected (CrmSearchWindow *self);

G_END_DECLS
