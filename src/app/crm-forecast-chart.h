/* crm-forecast-chart.h: closed, commit and best case against quota, per person
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "crm-forecast.h"

G_BEGIN_DECLS

#define CRM_TYPE_FORECAST_CHART (crm_forecast_chart_get_type ())

G_DECLARE_FINAL_TYPE (CrmForecastChart, crm_forecast_chart, CRM, FORECAST_CHART, GtkWidget)

GtkWidget  *crm_forecast_chart_new          (void);
/* @forecast: (nullable): the rows to draw; copied */
void        crm_forecast_chart_set_forecast (CrmForecastChart *self,
                                             CrmForecast      *forecast);
/* The text alternative: every bar's figures, in words */
const char *crm_forecast_chart_get_summary  (CrmForecastChart *self);

G_END_DECLS
