/* crm-forecast-view.h: quotas against deals won, per rep and period
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_FORECAST_VIEW (crm_forecast_view_get_type ())

G_DECLARE_FINAL_TYPE (CrmForecastView, crm_forecast_view, CRM, FORECAST_VIEW, GtkWidget)

void        crm_forecast_view_set_context (CrmForecastView *self,
                                           CrmContext      *context);
/* The quotas (CrmRecord) */
GListModel *crm_forecast_view_get_model   (CrmForecastView *self);
/* What the deals won against @quota add up to, in its currency; -1 when
 * they could not be converted */
gint64      crm_forecast_view_get_won     (CrmForecastView *self,
                                           CrmRecord       *quota);

G_END_DECLS
