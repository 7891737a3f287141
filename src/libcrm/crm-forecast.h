/* crm-forecast.h: periods, rollups, adjustments and submissions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

#define CRM_FORECAST_ERROR (crm_forecast_error_quark ())

typedef enum
{
  CRM_FORECAST_ERROR_INVALID_PERIOD,
  CRM_FORECAST_ERROR_UNKNOWN_USER,
  CRM_FORECAST_ERROR_NOT_ALLOWED,
  CRM_FORECAST_ERROR_INVALID,
  CRM_FORECAST_ERROR_OVERFLOW,
} CrmForecastError;

/* The company settings the forecast reads (crm_store_set_setting) */
#define CRM_SETTING_COMPANY_CURRENCY     "company_currency"
#define CRM_SETTING_FISCAL_YEAR_START    "fiscal_year_start_month"

typedef enum
{
  CRM_PERIOD_MONTH,    /* "2026-11": a calendar month */
  CRM_PERIOD_QUARTER,  /* "2026-Q4": the fourth quarter of fiscal year 2026 */
  CRM_PERIOD_YEAR,     /* "FY2026": the fiscal year that starts in 2026 */
} CrmPeriodKind;

/* A fiscal year is named for the calendar year it starts in: with a
 * February start, FY2026 runs from 2026-02-01 to 2027-01-31 and 2026-Q4
 * is November 2026 to January 2027. */
typedef struct
{
  CrmPeriodKind kind;
  int           year;        /* calendar year (month) or fiscal year */
  int           number;      /* month 1–12, quarter 1–4, 0 for a year */
  char          name[12];    /* canonical: "2026-11", "2026-Q4", "FY2026" */
  char          first_day[11];
  char          last_day[11]; /* inclusive, ISO 8601 */
} CrmPeriod;

typedef struct
{
  char     *user_id;
  char     *user_name;
  /* TRUE for the row of the viewer's own deals */
  gboolean  own;
  /* Minor units of the company currency; cumulative as the issue defines */
  gint64    quota;
  gint64    closed;
  gint64    commit;
  gint64    best_case;
  gint64    pipeline;
  gint64    weighted;
  /* The computed figure where no adjustment applies */
  gint64    adjusted_commit;
  gint64    adjusted_best_case;
  gboolean  commit_is_adjusted;
  gboolean  best_case_is_adjusted;
} CrmForecastRow;

typedef struct
{
  CrmPeriod       period;
  char            currency[4];
  char           *user_id;
  char           *user_name;
  /* One row per direct report (their subtree), then the viewer's own */
  GPtrArray      *rows;
  CrmForecastRow *total;
  /* Deals of the period left out because no rate converts their currency */
  guint           n_unconverted;
} CrmForecast;

GQuark       crm_forecast_error_quark       (void);

guint        crm_forecast_fiscal_start      (CrmStore        *store);
gboolean     crm_period_parse               (const char      *text,
                                             guint            fiscal_start_month,
                                             CrmPeriod       *out,
                                             GError         **error);
/* The period of @kind that holds @date ("2026-12-31") */
gboolean     crm_period_for_date            (CrmPeriodKind    kind,
                                             const char      *date,
                                             guint            fiscal_start_month,
                                             CrmPeriod       *out);

/* A user by name, e-mail address or the part of it before the @,
 * ignoring case; returns the id or NULL with UNKNOWN_USER. */
char        *crm_forecast_find_user         (CrmStore        *store,
                                             const char      *name,
                                             GError         **error);

CrmForecast *crm_forecast_compute           (CrmStore        *store,
                                             const CrmPeriod *period,
                                             const char      *user_id,
                                             GError         **error);
void         crm_forecast_free              (CrmForecast     *forecast);
JsonNode    *crm_forecast_to_json           (CrmForecast     *forecast);
char        *crm_forecast_format_amount     (CrmForecast     *forecast,
                                             gint64           minor);
/* closed ÷ quota to 4 decimals, or NULL without a quota */
char        *crm_forecast_row_attainment    (const CrmForecastRow *row);

gboolean     crm_forecast_can_adjust        (CrmStore        *store,
                                             const char      *author_id,
                                             const char      *user_id,
                                             GError         **error);
CrmRecord   *crm_forecast_adjust            (CrmStore        *store,
                                             const CrmPeriod *period,
                                             const char      *author_id,
                                             const char      *user_id,
                                             const char      *category,
                                             const char      *amount,
                                             const char      *note,
                                             GError         **error);
CrmRecord   *crm_forecast_revert            (CrmStore        *store,
                                             const char      *author_id,
                                             const char      *adjustment_id,
                                             GError         **error);
GPtrArray   *crm_forecast_dup_history       (CrmStore        *store,
                                             const CrmPeriod *period,
                                             const char      *user_id,
                                             GError         **error);

CrmRecord   *crm_forecast_submit            (CrmStore        *store,
                                             const CrmPeriod *period,
                                             const char      *user_id,
                                             GError         **error);
JsonObject  *crm_forecast_dup_submission    (CrmStore        *store,
                                             const CrmPeriod *period,
                                             const char      *user_id,
                                             GError         **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmForecast, crm_forecast_free)

G_END_DECLS
