/* crm-forecast-view.h: the team forecast, its adjustments and what changed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "crm-context.h"
#include "crm-forecast.h"

G_BEGIN_DECLS

#define CRM_TYPE_FORECAST_VIEW (crm_forecast_view_get_type ())

G_DECLARE_FINAL_TYPE (CrmForecastView, crm_forecast_view, CRM, FORECAST_VIEW, GtkWidget)

void         crm_forecast_view_set_context   (CrmForecastView *self,
                                              CrmContext      *context);
/* The forecast shown, as crm_forecast_compute() made it; %NULL before a
 * signed-in profile */
CrmForecast *crm_forecast_view_get_forecast  (CrmForecastView *self);
/* Drills into @user_id's forecast (someone below the one shown) */
void         crm_forecast_view_show_user     (CrmForecastView *self,
                                              const char      *user_id);
/* Computes again now, rather than at the next idle */
void         crm_forecast_view_reload        (CrmForecastView *self);

G_END_DECLS
