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
  CRM_FORECAST_ERROR_NO_SNAPSHOT,
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

/* A person's own deal of a period, as the forecast counts it */
typedef struct
{
  char       *id;
  char       *name;
  char        close[11];
  const char *category;   /* closed, commit, best_case, pipeline, omitted, lost */
  gint64      amount;     /* minor units of the company currency */
  gboolean    converted;  /* FALSE: no rate into the company currency */
} CrmForecastDeal;

/* @user_id's own deals closing in @period, every category, by close date
 * then name: CrmForecastDeal*, freed with the array */
GPtrArray   *crm_forecast_dup_deals         (CrmStore        *store,
                                             const CrmPeriod *period,
                                             const char      *user_id,
                                             GError         **error);

/* Snapshots and the waterfall of what changed since one */

typedef struct
{
  gint64   id;
  char     taken_at[32];  /* UTC, as crm_timestamp_now() */
  char     taken_on[11];  /* the local day */
  guint    deals;         /* deals it saw */
  guint    changed;       /* deals it recorded as new, changed or gone */
  gboolean taken;         /* FALSE: a daily snapshot was already there */
} CrmForecastSnapshot;

/* The steps of the waterfall, in the order it walks them */
typedef enum
{
  CRM_FORECAST_STEP_NEW,          /* created (or given to the team) since */
  CRM_FORECAST_STEP_PULLED_IN,    /* close date moved into the period */
  CRM_FORECAST_STEP_WON,
  CRM_FORECAST_STEP_LOST,
  CRM_FORECAST_STEP_SLIPPED_OUT,  /* close date moved out of the period */
  CRM_FORECAST_STEP_REMOVED,      /* deleted, or given to someone outside the team */
  CRM_FORECAST_STEP_AMOUNT,       /* amount changed, at the category it had */
  CRM_FORECAST_STEP_CATEGORY,     /* forecast category changed, at its new amount */
  CRM_FORECAST_N_STEPS
} CrmForecastStepKind;

/* Cumulative rollups in minor units of the company currency */
typedef struct
{
  gint64 closed;
  gint64 commit;
  gint64 best_case;
  gint64 pipeline;
} CrmForecastFigures;

typedef struct
{
  char               *id;
  char               *name;
  char               *owner_name;  /* now, or then for a deal that is gone */
  /* Either side may be missing (a new deal, a deleted one) */
  gboolean            had_then;
  gboolean            has_now;
  char                then_close[11];
  char                now_close[11];
  const char         *then_category;  /* closed, commit, best_case, pipeline, omitted, lost */
  const char         *now_category;
  gint64              then_amount;    /* company currency */
  gint64              now_amount;
  CrmForecastFigures  effect;
} CrmForecastDealChange;

typedef struct
{
  CrmForecastStepKind kind;
  CrmForecastFigures  effect;
  GPtrArray          *deals;   /* CrmForecastDealChange*, biggest effect first */
} CrmForecastStep;

typedef struct
{
  char               *user_name;
  gboolean            own;
  CrmForecastFigures  start;
  CrmForecastFigures  end;
} CrmForecastChangeRow;

typedef struct
{
  CrmPeriod             period;
  char                  currency[4];
  char                 *user_id;
  char                 *user_name;
  char                  since[11];
  CrmForecastSnapshot   baseline;    /* the snapshot "then" is read from */
  char                 *now;         /* when "now" was read */
  CrmForecastFigures    start;       /* the total then … */
  CrmForecastStep       steps[CRM_FORECAST_N_STEPS];
  CrmForecastFigures    end;         /* … plus every step's effect, now */
  /* One row per direct report (their subtree), then the viewer's own */
  GPtrArray            *rows;
  guint                 n_unconverted;
} CrmForecastChanges;

gboolean            crm_forecast_snapshot          (CrmStore            *store,
                                                    GDateTime           *now,
                                                    gboolean             daily,
                                                    CrmForecastSnapshot *out,
                                                    GError             **error);
CrmForecastChanges *crm_forecast_changes           (CrmStore            *store,
                                                    const CrmPeriod     *period,
                                                    const char          *user_id,
                                                    const char          *since,
                                                    GError             **error);
void                crm_forecast_changes_free      (CrmForecastChanges  *changes);
JsonNode           *crm_forecast_changes_to_json   (CrmForecastChanges  *changes);
const char         *crm_forecast_step_name         (CrmForecastStepKind  kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmForecast, crm_forecast_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmForecastChanges, crm_forecast_changes_free)

G_END_DECLS
