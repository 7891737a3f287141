/* crm-quotes-view.h: the quotes in the profile, as a table
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_QUOTES_VIEW (crm_quotes_view_get_type ())

G_DECLARE_FINAL_TYPE (CrmQuotesView, crm_quotes_view, CRM, QUOTES_VIEW, GtkWidget)

void        crm_quotes_view_set_context (CrmQuotesView *self,
                                         CrmContext    *context);
/* The quotes (CrmRecord) */
GListModel *crm_quotes_view_get_model   (CrmQuotesView *self);

G_END_DECLS
