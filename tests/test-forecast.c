/* test-forecast.c: periods, rollups, adjustments, submissions, crm-cli forecast
 *
 * Every expected figure is worked out by hand in the comments next to the
 * data, never taken from the engine.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-test-forecast"

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "crm-forecast.h"
#include "crm-money.h"
#include "crm-store-private.h"
#include "crm-test-util.h"

/* The company *********************************************************
 *
 * vic (top) ── morgan (manager) ── riley, sam
 *          └── taylor (rep)
 *
 * Stages: Prospecting 10 % pipeline, Proposal 50 % best case,
 * Negotiation 75 % commit, Won 100 % closed, Lost 0 % omitted.
 * Company currency EUR. Rates: 1 USD = 0.90 EUR from 2026-01-01 and 0.95
 * from 2026-10-15; 1 EUR = 0.80 GBP from 2026-01-01 (stored the other
 * way round, so 1 GBP = 1.25 EUR). No rate for CHF.
 */

typedef struct
{
  CrmTestDir *dir;
  CrmStore   *store;
  char       *vic, *morgan, *riley, *sam, *taylor;
  char       *prospecting, *proposal, *negotiation, *won, *lost;
} Company;

static char *
put (CrmStore   *store,
     const char *entity,
     const char *owner,
     const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (json, &error);
  g_autoptr(CrmRecord) record = NULL;

  g_assert_no_error (error);
  if (owner)
    json_object_set_string_member (json_node_get_object (node), "owner_id", owner);
  record = crm_record_new_from_json (crm_entity_lookup (entity), node, &error);
  g_assert_no_error (error);
  crm_record_set_version (record, 1);
  g_assert_true (crm_record_validate (record, &error));
  g_assert_no_error (error);
  g_assert_true (_crm_store_put_synced (store, record, &error));
  g_assert_no_error (error);
  return g_strdup (crm_record_get_id (record));
}

static char *
put_user (CrmStore   *store,
          const char *login,
          const char *name,
          const char *role,
          const char *manager)
{
  g_autofree char *json = NULL;

  if (manager)
    json = g_strdup_printf ("{\"name\":\"%s\",\"email\":\"%s@example.com\",\"role\":\"%s\",\"manager_id\":\"%s\"}",
                            name, login, role, manager);
  else
    json = g_strdup_printf ("{\"name\":\"%s\",\"email\":\"%s@example.com\",\"role\":\"%s\"}",
                            name, login, role);
  return put (store, "users", NULL, json);
}

static char *
put_stage (CrmStore   *store,
           const char *name,
           const char *probability,
           const char *category,
           gboolean    won,
           gboolean    lost)
{
  g_autofree char *json = g_strdup_printf ("{\"name\":\"%s\",\"position\":1,\"probability\":\"%s\","
                                           "\"forecast_category\":\"%s\",\"is_won\":%s,\"is_lost\":%s}",
                                           name, probability, category,
                                           won ? "true" : "false", lost ? "true" : "false");
  return put (store, "stages", NULL, json);
}

/* A deal; @extra is more JSON members, such as ",\"probability\":\"60\"" */
static void
put_deal (Company    *c,
          const char *owner,
          const char *stage,
          const char *amount,
          const char *currency,
          const char *close,
          const char *extra)
{
  g_autofree char *json = g_strdup_printf ("{\"name\":\"Deal\",\"stage_id\":\"%s\",\"currency\":\"%s\","
                                           "\"amount\":\"%s\",\"expected_close_date\":\"%s\"%s}",
                                           stage, currency, amount, close, extra ? extra : "");
  g_autofree char *id = put (c->store, "opportunities", owner, json);
}

static void
put_quota (Company    *c,
           const char *user,
           const char *period,
           const char *amount)
{
  g_autofree char *json = g_strdup_printf ("{\"user_id\":\"%s\",\"period\":\"%s\",\"currency\":\"EUR\","
                                           "\"amount\":\"%s\"}", user, period, amount);
  g_autofree char *id = put (c->store, "quotas", NULL, json);
}

static void
put_rate (Company    *c,
          const char *currency,
          const char *base,
          const char *rate,
          const char *date)
{
  g_autofree char *json = g_strdup_printf ("{\"currency\":\"%s\",\"base_currency\":\"%s\",\"rate\":\"%s\","
                                           "\"effective_date\":\"%s\"}", currency, base, rate, date);
  g_autofree char *id = put (c->store, "exchange_rates", NULL, json);
}

static Company *
company_new (void)
{
  g_autoptr(GError) error = NULL;
  Company *c = g_new0 (Company, 1);

  c->dir = crm_test_dir_new ();
  c->store = crm_test_open_store (c->dir);
  g_assert_true (crm_store_set_setting (c->store, CRM_SETTING_COMPANY_CURRENCY, "EUR", &error));

  c->vic = put_user (c->store, "vic", "Vic Valdez", "manager", NULL);
  c->morgan = put_user (c->store, "morgan", "Morgan Reyes", "manager", c->vic);
  c->riley = put_user (c->store, "riley", "Riley Chen", "rep", c->morgan);
  c->sam = put_user (c->store, "sam", "Sam Okafor", "rep", c->morgan);
  c->taylor = put_user (c->store, "taylor", "Taylor Brooks", "rep", c->vic);

  c->prospecting = put_stage (c->store, "Prospecting", "10", "pipeline", FALSE, FALSE);
  c->proposal = put_stage (c->store, "Proposal", "50", "best_case", FALSE, FALSE);
  c->negotiation = put_stage (c->store, "Negotiation", "75", "commit", FALSE, FALSE);
  c->won = put_stage (c->store, "Won", "100", "closed", TRUE, FALSE);
  c->lost = put_stage (c->store, "Lost", "0", "omitted", FALSE, TRUE);

  put_rate (c, "USD", "EUR", "0.90", "2026-01-01");
  put_rate (c, "USD", "EUR", "0.95", "2026-10-15");
  put_rate (c, "EUR", "GBP", "0.80", "2026-01-01");
  return c;
}

static void
company_free (Company *c)
{
  g_clear_object (&c->store);
  crm_test_dir_free (c->dir);
  g_free (c->vic);
  g_free (c->morgan);
  g_free (c->riley);
  g_free (c->sam);
  g_free (c->taylor);
  g_free (c->prospecting);
  g_free (c->proposal);
  g_free (c->negotiation);
  g_free (c->won);
  g_free (c->lost);
  g_free (c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Company, company_free)

/* The deals of 2026-Q4 and around it, with what each one adds.
 *
 * Riley:
 *   r1 won 10000.00 EUR, 10-05                      closed 10000.00
 *   r2 commit 20000.00 EUR, 12-31 (last day of Q4)  commit 20000.00, weighted 75 % = 15000.00
 *   r3 best case 8000.00 USD, 10-14: rate 0.90      best 7200.00, weighted 50 % = 3600.00
 *   r4 pipeline 5000.00 USD, 10-15: rate 0.95       pipe 4750.00, weighted 10 % = 475.00
 *   r5 lost 99999.00 EUR, 11-01                     nowhere
 *   r6 pipeline stage, category omitted, 7777.00    nowhere
 *   r7 commit 30000.00 EUR, 2027-01-01              not in Q4
 *   r8 proposal stage, category commit, probability 60, 1000.00 GBP, 11-10:
 *      1000 ÷ 0.80 = 1250.00 EUR                    commit 1250.00, weighted 60 % = 750.00
 *   r9 won 2026-09-30                               not in Q4
 *   r10 pipeline 500.00 CHF, 11-11: no rate         left out, counted as unconverted
 *   → closed 10000.00; commit 10000 + 20000 + 1250 = 31250.00;
 *     best case 31250 + 7200 = 38450.00; pipeline 4750 + 7200 + 21250 = 33200.00;
 *     weighted 15000 + 3600 + 475 + 750 = 19825.00
 * Sam:
 *   s1 won 5000.00 EUR, 11-01                       closed 5000.00
 *   s2 pipeline 2000.00 EUR, 12-01                  pipe 2000.00, weighted 200.00
 *   s3 prospecting stage, category best case, 3333.33 EUR, 10-20:
 *                                                   best 3333.33, weighted 10 % = 333.333 → 333.33
 *   s4 pipeline, probability 15, 1000.10 EUR, 10-02 pipe 1000.10, weighted 150.015 → 150.02 (half up)
 *   → closed 5000.00; commit 5000.00; best case 5000 + 3333.33 = 8333.33;
 *     pipeline 2000 + 1000.10 + 3333.33 = 6333.43; weighted 200 + 333.33 + 150.02 = 683.35
 * Morgan's own:
 *   m1 commit 4000.00 EUR, 10-01 (first day of Q4)  commit 4000.00, weighted 3000.00
 *   → closed 0; commit 4000.00; best case 4000.00; pipeline 4000.00; weighted 3000.00
 * Taylor:
 *   t1 won 7000.00 EUR, 12-15                       closed 7000.00
 *   t2 won stage, category pipeline, 1000.00, 12-16 closed 1000.00 (a won stage wins)
 *   → closed 8000.00; commit 8000.00; best case 8000.00; pipeline 0; weighted 0
 *
 * Quotas for 2026-Q4: riley 40000.00; sam none for the quarter but
 * 3000 + 3000 + 4000 for its months = 10000.00; morgan 20000.00;
 * taylor 16000.00; vic none.
 */
static Company *
company_with_deals (void)
{
  Company *c = company_new ();

  put_deal (c, c->riley, c->won, "10000.00", "EUR", "2026-10-05", NULL);
  put_deal (c, c->riley, c->negotiation, "20000.00", "EUR", "2026-12-31", NULL);
  put_deal (c, c->riley, c->proposal, "8000.00", "USD", "2026-10-14", NULL);
  put_deal (c, c->riley, c->prospecting, "5000.00", "USD", "2026-10-15", NULL);
  put_deal (c, c->riley, c->lost, "99999.00", "EUR", "2026-11-01", NULL);
  put_deal (c, c->riley, c->prospecting, "7777.00", "EUR", "2026-11-01", ",\"forecast_category\":\"omitted\"");
  put_deal (c, c->riley, c->negotiation, "30000.00", "EUR", "2027-01-01", NULL);
  put_deal (c, c->riley, c->proposal, "1000.00", "GBP", "2026-11-10",
            ",\"forecast_category\":\"commit\",\"probability\":\"60\"");
  put_deal (c, c->riley, c->won, "4444.00", "EUR", "2026-09-30", NULL);
  put_deal (c, c->riley, c->prospecting, "500.00", "CHF", "2026-11-11", NULL);

  put_deal (c, c->sam, c->won, "5000.00", "EUR", "2026-11-01", NULL);
  put_deal (c, c->sam, c->prospecting, "2000.00", "EUR", "2026-12-01", NULL);
  put_deal (c, c->sam, c->prospecting, "3333.33", "EUR", "2026-10-20", ",\"forecast_category\":\"best_case\"");
  put_deal (c, c->sam, c->prospecting, "1000.10", "EUR", "2026-10-02", ",\"probability\":\"15\"");

  put_deal (c, c->morgan, c->negotiation, "4000.00", "EUR", "2026-10-01", NULL);

  put_deal (c, c->taylor, c->won, "7000.00", "EUR", "2026-12-15", NULL);
  put_deal (c, c->taylor, c->won, "1000.00", "EUR", "2026-12-16", ",\"forecast_category\":\"pipeline\"");

  put_quota (c, c->riley, "2026-Q4", "40000.00");
  put_quota (c, c->sam, "2026-10", "3000.00");
  put_quota (c, c->sam, "2026-11", "3000.00");
  put_quota (c, c->sam, "2026-12", "4000.00");
  put_quota (c, c->morgan, "2026-Q4", "20000.00");
  put_quota (c, c->taylor, "2026-Q4", "16000.00");
  return c;
}

static CrmForecast *
compute (Company    *c,
         const char *period_text,
         const char *user_id)
{
  g_autoptr(GError) error = NULL;
  CrmPeriod period;
  CrmForecast *forecast;

  g_assert_true (crm_period_parse (period_text, crm_forecast_fiscal_start (c->store), &period, &error));
  g_assert_no_error (error);
  forecast = crm_forecast_compute (c->store, &period, user_id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (forecast);
  return forecast;
}

/* Checks a row against "quota closed commit best_case pipeline weighted
 * attainment gap adjusted_commit adjusted_best_case" ("-" for no attainment) */
static void
assert_row (CrmForecast          *forecast,
            const CrmForecastRow *row,
            const char           *user_name,
            const char           *expected)
{
  g_auto(GStrv) want = g_strsplit (expected, " ", -1);
  gint64 figures[] = { row->quota, row->closed, row->commit, row->best_case, row->pipeline, row->weighted };
  g_autofree char *attainment = crm_forecast_row_attainment (row);
  g_autofree char *gap = crm_forecast_format_amount (forecast, row->quota - row->closed);
  g_autofree char *adj_commit = crm_forecast_format_amount (forecast, row->adjusted_commit);
  g_autofree char *adj_best = crm_forecast_format_amount (forecast, row->adjusted_best_case);

  g_assert_cmpuint (g_strv_length (want), ==, 10);
  g_assert_cmpstr (row->user_name, ==, user_name);
  for (guint i = 0; i < G_N_ELEMENTS (figures); i++)
    {
      g_autofree char *text = crm_forecast_format_amount (forecast, figures[i]);
      g_assert_cmpstr (text, ==, want[i]);
    }
  g_assert_cmpstr (attainment ? attainment : "-", ==, want[6]);
  g_assert_cmpstr (gap, ==, want[7]);
  g_assert_cmpstr (adj_commit, ==, want[8]);
  g_assert_cmpstr (adj_best, ==, want[9]);
}

/* Periods *************************************************************/

static void
assert_period (const char *text,
               guint       fiscal_start,
               const char *name,
               const char *first,
               const char *last)
{
  g_autoptr(GError) error = NULL;
  CrmPeriod period;

  g_assert_true (crm_period_parse (text, fiscal_start, &period, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (period.name, ==, name);
  g_assert_cmpstr (period.first_day, ==, first);
  g_assert_cmpstr (period.last_day, ==, last);
}

static void
test_period_parse (void)
{
  static const char * const bad[] = {
    "", "2026", "2026-13", "2026-00", "2026-Q0", "2026-Q5", "2026Q4", "2026-Q4x", "26-Q1",
    "FY26", "FY20266", "2026-1", "Q4-2026", "2026-q", "FY", "２０２６-Q1", "2026-1a", NULL
  };

  assert_period ("2026-11", 1, "2026-11", "2026-11-01", "2026-11-30");
  assert_period ("2028-02", 1, "2028-02", "2028-02-01", "2028-02-29");
  assert_period ("2026-Q4", 1, "2026-Q4", "2026-10-01", "2026-12-31");
  assert_period ("2026-q1", 1, "2026-Q1", "2026-01-01", "2026-03-31");
  assert_period ("FY2026", 1, "FY2026", "2026-01-01", "2026-12-31");
  assert_period ("fy2026", 1, "FY2026", "2026-01-01", "2026-12-31");
  /* A month is a calendar month whatever the fiscal year */
  assert_period ("2026-11", 2, "2026-11", "2026-11-01", "2026-11-30");

  for (guint i = 0; bad[i]; i++)
    {
      g_autoptr(GError) error = NULL;
      CrmPeriod period;

      g_assert_false (crm_period_parse (bad[i], 1, &period, &error));
      g_assert_error (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_INVALID_PERIOD);
      /* The message names what was given */
      g_assert_nonnull (strstr (error->message, bad[i]));
    }
}

static void
test_period_fiscal_february (void)
{
  CrmPeriod period;

  /* FY2026 starts 2026-02-01; its quarters are Feb–Apr, May–Jul, Aug–Oct, Nov–Jan */
  assert_period ("FY2026", 2, "FY2026", "2026-02-01", "2027-01-31");
  assert_period ("2026-Q1", 2, "2026-Q1", "2026-02-01", "2026-04-30");
  assert_period ("2026-Q2", 2, "2026-Q2", "2026-05-01", "2026-07-31");
  assert_period ("2026-Q4", 2, "2026-Q4", "2026-11-01", "2027-01-31");
  /* A December start: FY2026 is 2026-12-01 to 2027-11-30 */
  assert_period ("FY2026", 12, "FY2026", "2026-12-01", "2027-11-30");
  assert_period ("2026-Q2", 12, "2026-Q2", "2027-03-01", "2027-05-31");

  /* 2027-01-31 is the last day of FY2026 with a February start */
  g_assert_true (crm_period_for_date (CRM_PERIOD_YEAR, "2027-01-31", 2, &period));
  g_assert_cmpstr (period.name, ==, "FY2026");
  g_assert_true (crm_period_for_date (CRM_PERIOD_QUARTER, "2027-01-31", 2, &period));
  g_assert_cmpstr (period.name, ==, "2026-Q4");
  g_assert_true (crm_period_for_date (CRM_PERIOD_QUARTER, "2026-01-31", 2, &period));
  g_assert_cmpstr (period.name, ==, "2025-Q4");
  g_assert_true (crm_period_for_date (CRM_PERIOD_QUARTER, "2026-02-01", 2, &period));
  g_assert_cmpstr (period.name, ==, "2026-Q1");
  g_assert_true (crm_period_for_date (CRM_PERIOD_MONTH, "2026-02-01", 2, &period));
  g_assert_cmpstr (period.name, ==, "2026-02");
  g_assert_true (crm_period_for_date (CRM_PERIOD_QUARTER, "2026-12-31", 1, &period));
  g_assert_cmpstr (period.name, ==, "2026-Q4");
  g_assert_false (crm_period_for_date (CRM_PERIOD_QUARTER, "2026-02-30", 1, &period));
}

/* With the fiscal year starting in February, a deal closing on
 * 2027-01-31 counts in FY2026 and 2026-Q4; one on 2026-01-31 in FY2025. */
static void
test_rollup_fiscal_february (void)
{
  g_autoptr(Company) c = company_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmForecast) year = NULL;
  g_autoptr(CrmForecast) quarter = NULL;
  g_autoptr(CrmForecast) calendar_quarter = NULL;

  g_assert_true (crm_store_set_setting (c->store, CRM_SETTING_FISCAL_YEAR_START, "2", &error));
  g_assert_cmpuint (crm_forecast_fiscal_start (c->store), ==, 2);

  put_deal (c, c->riley, c->won, "100.00", "EUR", "2027-01-31", NULL);
  put_deal (c, c->riley, c->won, "20.00", "EUR", "2026-01-31", NULL);
  put_deal (c, c->riley, c->won, "3.00", "EUR", "2026-02-01", NULL);
  put_quota (c, c->riley, "2026-Q1", "10.00");
  put_quota (c, c->riley, "2026-Q4", "40.00");
  put_quota (c, c->riley, "2026-11", "999.00");

  /* FY2026 = 2026-02-01 … 2027-01-31: 100 + 3 = 103.00. No quota for the
   * year: its quarters' 10 + 40 (Q2 and Q3 have none; Q4's own record
   * wins over its month 2026-11) = 50.00; attainment 103 ÷ 50 = 2.0600 */
  year = compute (c, "FY2026", c->riley);
  assert_row (year, year->total, "Riley Chen",
              "50.00 103.00 103.00 103.00 0.00 0.00 2.0600 -53.00 103.00 103.00");

  /* 2026-Q4 = 2026-11-01 … 2027-01-31: 100.00 against 40.00 */
  quarter = compute (c, "2026-Q4", c->riley);
  assert_row (quarter, quarter->total, "Riley Chen",
              "40.00 100.00 100.00 100.00 0.00 0.00 2.5000 -60.00 100.00 100.00");

  /* Back to January: 2026-Q4 is October to December and holds none of them.
   * Its quota is still the 2026-Q4 record: 40.00 */
  g_assert_true (crm_store_set_setting (c->store, CRM_SETTING_FISCAL_YEAR_START, "1", &error));
  calendar_quarter = compute (c, "2026-Q4", c->riley);
  assert_row (calendar_quarter, calendar_quarter->total, "Riley Chen",
              "40.00 0.00 0.00 0.00 0.00 0.00 0.0000 40.00 0.00 0.00");
}

/* Rollups *************************************************************/

static void
test_rollup_rep (void)
{
  g_autoptr(Company) c = company_with_deals ();
  g_autoptr(CrmForecast) f = compute (c, "2026-Q4", c->riley);
  CrmForecastRow *own;

  g_assert_cmpstr (f->period.name, ==, "2026-Q4");
  g_assert_cmpstr (f->currency, ==, "EUR");
  g_assert_cmpstr (f->user_name, ==, "Riley Chen");
  /* A rep has only the row of their own deals */
  g_assert_cmpuint (f->rows->len, ==, 1);
  own = g_ptr_array_index (f->rows, 0);
  g_assert_true (own->own);
  /* attainment 10000 ÷ 40000 = 0.2500; gap 40000 − 10000 = 30000.00 */
  assert_row (f, own, "Riley Chen",
              "40000.00 10000.00 31250.00 38450.00 33200.00 19825.00 0.2500 30000.00 31250.00 38450.00");
  assert_row (f, f->total, "Riley Chen",
              "40000.00 10000.00 31250.00 38450.00 33200.00 19825.00 0.2500 30000.00 31250.00 38450.00");
  /* r10 in CHF has no rate */
  g_assert_cmpuint (f->n_unconverted, ==, 1);
}

static void
test_rollup_manager (void)
{
  g_autoptr(Company) c = company_with_deals ();
  g_autoptr(CrmForecast) f = compute (c, "2026-Q4", c->morgan);

  g_assert_cmpuint (f->rows->len, ==, 3);
  /* Reports by name, then the manager's own deals */
  assert_row (f, g_ptr_array_index (f->rows, 0), "Riley Chen",
              "40000.00 10000.00 31250.00 38450.00 33200.00 19825.00 0.2500 30000.00 31250.00 38450.00");
  /* attainment 5000 ÷ 10000 = 0.5000 */
  assert_row (f, g_ptr_array_index (f->rows, 1), "Sam Okafor",
              "10000.00 5000.00 5000.00 8333.33 6333.43 683.35 0.5000 5000.00 5000.00 8333.33");
  g_assert_true (((CrmForecastRow *) g_ptr_array_index (f->rows, 2))->own);
  assert_row (f, g_ptr_array_index (f->rows, 2), "Morgan Reyes",
              "20000.00 0.00 4000.00 4000.00 4000.00 3000.00 0.0000 20000.00 4000.00 4000.00");
  /* quota 40000 + 10000 + 20000 = 70000; closed 10000 + 5000 = 15000;
   * commit 31250 + 5000 + 4000 = 40250; best 38450 + 8333.33 + 4000 = 50783.33;
   * pipeline 33200 + 6333.43 + 4000 = 43533.43; weighted 19825 + 683.35 + 3000
   * = 23508.35; attainment 15000 ÷ 70000 = 0.214285… → 0.2143; gap 55000 */
  assert_row (f, f->total, "Morgan Reyes",
              "70000.00 15000.00 40250.00 50783.33 43533.43 23508.35 0.2143 55000.00 40250.00 50783.33");
}

static void
test_rollup_three_levels (void)
{
  g_autoptr(Company) c = company_with_deals ();
  g_autoptr(CrmForecast) f = compute (c, "2026-Q4", c->vic);

  g_assert_cmpuint (f->rows->len, ==, 3);
  /* Morgan's row is their whole team: the total of their own view */
  assert_row (f, g_ptr_array_index (f->rows, 0), "Morgan Reyes",
              "70000.00 15000.00 40250.00 50783.33 43533.43 23508.35 0.2143 55000.00 40250.00 50783.33");
  /* attainment 8000 ÷ 16000 = 0.5000 */
  assert_row (f, g_ptr_array_index (f->rows, 1), "Taylor Brooks",
              "16000.00 8000.00 8000.00 8000.00 0.00 0.00 0.5000 8000.00 8000.00 8000.00");
  /* Vic owns no deals and has no quota: no attainment */
  assert_row (f, g_ptr_array_index (f->rows, 2), "Vic Valdez",
              "0.00 0.00 0.00 0.00 0.00 0.00 - 0.00 0.00 0.00");
  /* quota 70000 + 16000 = 86000; closed 15000 + 8000 = 23000; commit 40250 +
   * 8000 = 48250; best 50783.33 + 8000 = 58783.33; pipeline 43533.43;
   * weighted 23508.35; attainment 23000 ÷ 86000 = 0.267441… → 0.2674 */
  assert_row (f, f->total, "Vic Valdez",
              "86000.00 23000.00 48250.00 58783.33 43533.43 23508.35 0.2674 63000.00 48250.00 58783.33");
}

/* A deal closing on the last day of the quarter is in it, one a day later
 * is in the next; likewise on the first day. */
static void
test_rollup_quarter_boundaries (void)
{
  g_autoptr(Company) c = company_with_deals ();
  g_autoptr(CrmForecast) next = compute (c, "2027-Q1", c->riley);
  g_autoptr(CrmForecast) previous = compute (c, "2026-Q3", c->riley);
  g_autoptr(CrmForecast) december = compute (c, "2026-12", c->riley);

  /* 2027-Q1: only r7, commit 30000.00 at 75 % = 22500.00; no quota */
  assert_row (next, next->total, "Riley Chen",
              "0.00 0.00 30000.00 30000.00 30000.00 22500.00 - 0.00 30000.00 30000.00");
  /* 2026-Q3: only r9, won 4444.00 */
  assert_row (previous, previous->total, "Riley Chen",
              "0.00 4444.00 4444.00 4444.00 0.00 0.00 - -4444.00 4444.00 4444.00");
  /* December: r2 (12-31) commit 20000.00, weighted 15000.00; no quota
   * for the month (the quarter's is not split) */
  assert_row (december, december->total, "Riley Chen",
              "0.00 0.00 20000.00 20000.00 20000.00 15000.00 - 0.00 20000.00 20000.00");
}

/* USD at the rate of the day before 10-15 and of 10-15 itself, GBP through
 * a rate stored the other way round, and deals before any rate. */
static void
test_currency_dated_rates (void)
{
  g_autoptr(Company) c = company_new ();
  g_autoptr(CrmForecast) f = NULL;

  /* 100.00 USD on 10-14 at 0.90 = 90.00; 100.00 USD on 10-15 at 0.95 = 95.00;
   * 100.00 USD on 12-31 at 0.95 = 95.00; 33.33 USD on 10-16 at 0.95 = 31.6635
   * → 31.66; 0.01 GBP at 1 ÷ 0.80 = 0.0125 → 0.01; 1.99 GBP → 2.4875 → 2.49
   * 50.00 USD on 2025-12-31, before the first rate: left out.
   * closed 90 + 95 + 95 + 31.66 + 0.01 + 2.49 = 314.16 */
  put_deal (c, c->sam, c->won, "100.00", "USD", "2026-10-14", NULL);
  put_deal (c, c->sam, c->won, "100.00", "USD", "2026-10-15", NULL);
  put_deal (c, c->sam, c->won, "100.00", "USD", "2026-12-31", NULL);
  put_deal (c, c->sam, c->won, "33.33", "USD", "2026-10-16", NULL);
  put_deal (c, c->sam, c->won, "0.01", "GBP", "2026-11-01", NULL);
  put_deal (c, c->sam, c->won, "1.99", "GBP", "2026-11-02", NULL);
  put_deal (c, c->sam, c->won, "50.00", "USD", "2025-12-31", NULL);

  f = compute (c, "2026-Q4", c->sam);
  assert_row (f, f->total, "Sam Okafor",
              "0.00 314.16 314.16 314.16 0.00 0.00 - -314.16 314.16 314.16");
  g_assert_cmpuint (f->n_unconverted, ==, 0);

  /* FY2025 holds only the deal without a rate */
  g_clear_pointer (&f, crm_forecast_free);
  f = compute (c, "FY2025", c->sam);
  g_assert_cmpuint (f->n_unconverted, ==, 1);
  assert_row (f, f->total, "Sam Okafor",
              "0.00 0.00 0.00 0.00 0.00 0.00 - 0.00 0.00 0.00");
}

/* Quotas in another currency convert at the period's last day; a year
 * without its own quota adds up its quarters, a quarter its months. */
static void
test_quota_parts (void)
{
  g_autoptr(Company) c = company_new ();
  g_autoptr(CrmForecast) year = NULL;
  g_autoptr(GError) error = NULL;

  put_quota (c, c->riley, "2026-Q1", "100.00");
  put_quota (c, c->riley, "2026-04", "10.00");
  put_quota (c, c->riley, "2026-05", "20.00");
  put_quota (c, c->riley, "2026-Q4", "1000.00");
  /* 2026-Q3 in USD: 200.00 at the rate on 2026-09-30, 0.90 = 180.00 */
  {
    g_autofree char *json = g_strdup_printf ("{\"user_id\":\"%s\",\"period\":\"2026-Q3\",\"currency\":\"USD\","
                                             "\"amount\":\"200.00\"}", c->riley);
    g_autofree char *id = put (c->store, "quotas", NULL, json);
  }
  /* FY2026: 100 + (10 + 20) + 180 + 1000 = 1310.00 */
  year = compute (c, "FY2026", c->riley);
  assert_row (year, year->total, "Riley Chen",
              "1310.00 0.00 0.00 0.00 0.00 0.00 0.0000 1310.00 0.00 0.00");
}

/* Adjustments *********************************************************/

static CrmRecord *
adjust (Company    *c,
        const char *author,
        const char *user,
        const char *category,
        const char *amount)
{
  g_autoptr(GError) error = NULL;
  CrmPeriod period;
  CrmRecord *record;

  g_assert_true (crm_period_parse ("2026-Q4", 1, &period, NULL));
  record = crm_forecast_adjust (c->store, &period, author, user, category, amount, "Call with the buyer", &error);
  g_assert_no_error (error);
  g_assert_nonnull (record);
  return record;
}

static void
assert_refused (Company    *c,
                const char *author,
                const char *user)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmRecord) record = NULL;
  CrmPeriod period;

  g_assert_true (crm_period_parse ("2026-Q4", 1, &period, NULL));
  record = crm_forecast_adjust (c->store, &period, author, user, "commit", "1.00", "Why not", &error);
  g_assert_null (record);
  g_assert_error (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_NOT_ALLOWED);
}

static void
test_adjust_permissions (void)
{
  g_autoptr(Company) c = company_with_deals ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmRecord) own = adjust (c, c->riley, c->riley, "commit", "1.00");
  g_autoptr(CrmRecord) report = adjust (c, c->morgan, c->riley, "best_case", "1.00");
  g_autoptr(CrmRecord) two_down = adjust (c, c->vic, c->sam, "commit", "1.00");
  g_autoptr(CrmRecord) record = NULL;
  g_autofree char *long_note = g_strnfill (256, 'x');
  CrmPeriod period;

  g_assert_cmpstr (crm_record_get_string (own, "author_id"), ==, c->riley);
  g_assert_cmpstr (crm_record_get_string (own, "period"), ==, "2026-Q4");
  g_assert_cmpstr (crm_record_get_string (own, "currency"), ==, "EUR");

  assert_refused (c, c->riley, c->morgan);   /* their manager */
  assert_refused (c, c->riley, c->vic);      /* their manager's manager */
  assert_refused (c, c->riley, c->sam);      /* a peer */
  assert_refused (c, c->morgan, c->vic);
  assert_refused (c, c->morgan, c->taylor);  /* another manager's report */
  assert_refused (c, c->taylor, c->riley);

  g_assert_true (crm_period_parse ("2026-Q4", 1, &period, NULL));
  record = crm_forecast_adjust (c->store, &period, c->riley, c->riley, "commit", "1.00", long_note, &error);
  g_assert_null (record);
  g_assert_error (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_INVALID);
  g_clear_error (&error);
  /* 255 characters of two bytes each are fine */
  {
    g_autoptr(GString) note = g_string_new (NULL);

    for (guint i = 0; i < 255; i++)
      g_string_append (note, "é");
    record = crm_forecast_adjust (c->store, &period, c->riley, c->riley, "commit", "1.00", note->str, &error);
    g_assert_no_error (error);
    g_assert_nonnull (record);
    g_clear_object (&record);
  }
  record = crm_forecast_adjust (c->store, &period, c->riley, c->riley, "commit", "1.00", "  ", &error);
  g_assert_error (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_INVALID);
  g_clear_error (&error);
  record = crm_forecast_adjust (c->store, &period, c->riley, c->riley, "pipeline", "1.00", "x", &error);
  g_assert_error (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_INVALID);
  g_clear_error (&error);
  record = crm_forecast_adjust (c->store, &period, c->riley, c->riley, "commit", "1.001", "x", &error);
  g_assert_error (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_INVALID);
  g_clear_error (&error);
  record = crm_forecast_adjust (c->store, &period, c->riley, c->riley, "commit", "-5", "x", &error);
  g_assert_error (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_INVALID);
  g_clear_error (&error);

  /* Adjustments go through the outbox, so they sync */
  g_assert_cmpint (crm_test_count_rows (c->store, "SELECT count(*) FROM outbox WHERE entity = 'forecast_adjustments'"),
                   ==, 4);
}

/* riley sets their own commit to 35000, morgan riley's to 28000, sam their
 * best case to 9000, and vic morgan's commit to 45000. */
static void
test_adjust_precedence (void)
{
  g_autoptr(Company) c = company_with_deals ();
  g_autoptr(CrmRecord) a = adjust (c, c->riley, c->riley, "commit", "35000");
  g_autoptr(CrmRecord) b = adjust (c, c->morgan, c->riley, "commit", "28000");
  g_autoptr(CrmRecord) d = adjust (c, c->sam, c->sam, "best_case", "9000");
  g_autoptr(CrmRecord) e = adjust (c, c->vic, c->morgan, "commit", "45000");
  g_autoptr(CrmForecast) riley = compute (c, "2026-Q4", c->riley);
  g_autoptr(CrmForecast) morgan = compute (c, "2026-Q4", c->morgan);
  g_autoptr(CrmForecast) vic = compute (c, "2026-Q4", c->vic);

  /* Riley's view: their own 35000 (morgan's is above them); the own-deals
   * row keeps the computed figure */
  assert_row (riley, g_ptr_array_index (riley->rows, 0), "Riley Chen",
              "40000.00 10000.00 31250.00 38450.00 33200.00 19825.00 0.2500 30000.00 31250.00 38450.00");
  assert_row (riley, riley->total, "Riley Chen",
              "40000.00 10000.00 31250.00 38450.00 33200.00 19825.00 0.2500 30000.00 35000.00 38450.00");
  g_assert_true (riley->total->commit_is_adjusted);
  g_assert_false (riley->total->best_case_is_adjusted);

  /* Morgan's view: morgan's 28000 wins over riley's 35000; vic's on morgan
   * is above this view. Total commit 28000 + 5000 + 4000 = 37000; best
   * case 38450 + 9000 + 4000 = 51450 */
  assert_row (morgan, g_ptr_array_index (morgan->rows, 0), "Riley Chen",
              "40000.00 10000.00 31250.00 38450.00 33200.00 19825.00 0.2500 30000.00 28000.00 38450.00");
  assert_row (morgan, g_ptr_array_index (morgan->rows, 1), "Sam Okafor",
              "10000.00 5000.00 5000.00 8333.33 6333.43 683.35 0.5000 5000.00 5000.00 9000.00");
  assert_row (morgan, g_ptr_array_index (morgan->rows, 2), "Morgan Reyes",
              "20000.00 0.00 4000.00 4000.00 4000.00 3000.00 0.0000 20000.00 4000.00 4000.00");
  assert_row (morgan, morgan->total, "Morgan Reyes",
              "70000.00 15000.00 40250.00 50783.33 43533.43 23508.35 0.2143 55000.00 37000.00 51450.00");
  g_assert_false (morgan->total->commit_is_adjusted);

  /* Vic's view: vic's 45000 stands for morgan's whole team; best case
   * rolls up 51450. Total commit 45000 + 8000 = 53000; best 51450 + 8000 = 59450 */
  assert_row (vic, g_ptr_array_index (vic->rows, 0), "Morgan Reyes",
              "70000.00 15000.00 40250.00 50783.33 43533.43 23508.35 0.2143 55000.00 45000.00 51450.00");
  assert_row (vic, vic->total, "Vic Valdez",
              "86000.00 23000.00 48250.00 58783.33 43533.43 23508.35 0.2674 63000.00 53000.00 59450.00");
}

static void
test_adjust_revert_history (void)
{
  g_autoptr(Company) c = company_with_deals ();
  g_autoptr(CrmRecord) own = adjust (c, c->riley, c->riley, "commit", "35000");
  g_autoptr(CrmRecord) first = adjust (c, c->morgan, c->riley, "commit", "28000");
  g_autoptr(CrmRecord) second = adjust (c, c->morgan, c->riley, "commit", "29000");
  g_autoptr(CrmRecord) reverted = NULL;
  g_autoptr(CrmForecast) f = NULL;
  g_autoptr(GPtrArray) history = NULL;
  g_autoptr(GError) error = NULL;
  CrmPeriod period;

  g_assert_true (crm_period_parse ("2026-Q4", 1, &period, NULL));

  /* The latest of morgan's: 29000 */
  f = compute (c, "2026-Q4", c->morgan);
  g_assert_cmpint (((CrmForecastRow *) g_ptr_array_index (f->rows, 0))->adjusted_commit, ==, 2900000);

  /* Riley may not revert their manager's adjustment */
  reverted = crm_forecast_revert (c->store, c->riley, crm_record_get_id (second), &error);
  g_assert_null (reverted);
  g_assert_error (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_NOT_ALLOWED);
  g_clear_error (&error);

  /* Reverting it brings back 28000 */
  reverted = crm_forecast_revert (c->store, c->morgan, crm_record_get_id (second), &error);
  g_assert_no_error (error);
  g_assert_nonnull (reverted);
  g_clear_pointer (&f, crm_forecast_free);
  f = compute (c, "2026-Q4", c->morgan);
  g_assert_cmpint (((CrmForecastRow *) g_ptr_array_index (f->rows, 0))->adjusted_commit, ==, 2800000);
  g_clear_object (&reverted);

  /* Twice is an error */
  reverted = crm_forecast_revert (c->store, c->morgan, crm_record_get_id (second), &error);
  g_assert_null (reverted);
  g_assert_error (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_INVALID);
  g_clear_error (&error);

  /* Vic, above morgan, reverts the other one: riley's own 35000 shows in
   * morgan's view; total 35000 + 5000 + 4000 = 44000 */
  reverted = crm_forecast_revert (c->store, c->vic, crm_record_get_id (first), &error);
  g_assert_no_error (error);
  g_clear_pointer (&f, crm_forecast_free);
  f = compute (c, "2026-Q4", c->morgan);
  g_assert_cmpint (((CrmForecastRow *) g_ptr_array_index (f->rows, 0))->adjusted_commit, ==, 3500000);
  g_assert_cmpint (f->total->adjusted_commit, ==, 4400000);

  /* The history keeps all three, oldest first, with who, why and when */
  history = crm_forecast_dup_history (c->store, &period, c->riley, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (history->len, ==, 3);
  g_assert_cmpstr (crm_record_get_id (g_ptr_array_index (history, 0)), ==, crm_record_get_id (own));
  g_assert_cmpstr (crm_record_get_id (g_ptr_array_index (history, 2)), ==, crm_record_get_id (second));
  g_assert_true (json_node_get_boolean (crm_record_get_field (g_ptr_array_index (history, 2), "reverted")));
  g_assert_false (json_node_get_boolean (crm_record_get_field (g_ptr_array_index (history, 0), "reverted")));
  g_assert_cmpstr (crm_record_get_string (g_ptr_array_index (history, 1), "author_id"), ==, c->morgan);
  g_assert_cmpstr (crm_record_get_string (g_ptr_array_index (history, 1), "note"), ==, "Call with the buyer");
  g_assert_nonnull (crm_record_get_created_at (g_ptr_array_index (history, 1)));
}

/* Submissions *********************************************************/

static void
test_submit (void)
{
  g_autoptr(Company) c = company_with_deals ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmRecord) first = NULL;
  g_autoptr(CrmRecord) second = NULL;
  g_autoptr(JsonObject) submission = NULL;
  g_autoptr(CrmRecord) adjustment = NULL;
  JsonObject *figures;
  CrmPeriod period;

  g_assert_true (crm_period_parse ("2026-Q4", 1, &period, NULL));
  g_assert_null (crm_forecast_dup_submission (c->store, &period, c->morgan, &error));
  g_assert_no_error (error);

  first = crm_forecast_submit (c->store, &period, c->morgan, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (crm_record_get_string (first, "kind"), ==, "note");

  /* Morgan's total as computed by hand above: commit 40250.00 */
  submission = crm_forecast_dup_submission (c->store, &period, c->morgan, &error);
  g_assert_no_error (error);
  g_assert_nonnull (submission);
  g_assert_cmpstr (json_object_get_string_member (submission, "period"), ==, "2026-Q4");
  g_assert_cmpstr (json_object_get_string_member (submission, "user_id"), ==, c->morgan);
  g_assert_nonnull (json_object_get_string_member (submission, "submitted_at"));
  figures = json_object_get_object_member (submission, "figures");
  g_assert_cmpstr (json_object_get_string_member (figures, "commit"), ==, "40250.00");
  g_assert_cmpstr (json_object_get_string_member (figures, "best_case"), ==, "50783.33");
  g_clear_pointer (&submission, json_object_unref);

  /* Morgan commits 41000 and submits again: the latest submission says so,
   * while the live computed commit stays 40250 */
  adjustment = adjust (c, c->morgan, c->morgan, "commit", "41000");
  second = crm_forecast_submit (c->store, &period, c->morgan, &error);
  g_assert_no_error (error);
  submission = crm_forecast_dup_submission (c->store, &period, c->morgan, &error);
  figures = json_object_get_object_member (submission, "figures");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (figures, "adjusted"), "commit"),
                   ==, "41000.00");
  g_assert_cmpstr (json_object_get_string_member (figures, "commit"), ==, "40250.00");

  /* Nothing for another period or person */
  g_clear_pointer (&submission, json_object_unref);
  submission = crm_forecast_dup_submission (c->store, &period, c->riley, &error);
  g_assert_null (submission);
  g_assert_no_error (error);

  /* Stored through the outbox, so it syncs */
  g_assert_cmpint (crm_test_count_rows (c->store, "SELECT count(*) FROM outbox WHERE entity = 'activities'"),
                   ==, 2);
}

static void
test_json (void)
{
  g_autoptr(Company) c = company_with_deals ();
  g_autoptr(CrmForecast) f = compute (c, "2026-Q4", c->vic);
  g_autoptr(JsonNode) node = crm_forecast_to_json (f);
  g_autofree char *text = json_to_string (node, FALSE);
  JsonObject *root = json_node_get_object (node);
  JsonArray *rows = json_object_get_array_member (root, "rows");
  JsonObject *own = json_array_get_object_element (rows, 2);
  JsonObject *total = json_object_get_object_member (root, "total");

  g_assert_cmpstr (json_object_get_string_member (root, "period"), ==, "2026-Q4");
  g_assert_cmpstr (json_object_get_string_member (root, "currency"), ==, "EUR");
  g_assert_cmpstr (json_object_get_string_member (root, "user"), ==, "Vic Valdez");
  g_assert_cmpuint (json_array_get_length (rows), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (total, "attainment"), ==, "0.2674");
  g_assert_cmpstr (json_object_get_string_member (total, "gap"), ==, "63000.00");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (total, "adjusted"), "best_case"),
                   ==, "58783.33");
  /* No quota: attainment is null, not a made-up number */
  g_assert_true (json_object_get_null_member (own, "attainment"));
  g_assert_cmpuint (json_object_get_size (own), ==, 10);
  g_assert_cmpuint (json_object_get_size (root), ==, 5);
  g_assert_nonnull (strstr (text, "\"user\":\"Taylor Brooks\",\"quota\":\"16000.00\",\"closed\":\"8000.00\""));
}

static void
test_find_user (void)
{
  g_autoptr(Company) c = company_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *by_login = crm_forecast_find_user (c->store, "morgan", &error);
  g_autofree char *by_name = crm_forecast_find_user (c->store, "riley chen", &error);
  g_autofree char *by_mail = crm_forecast_find_user (c->store, "Sam@Example.com", &error);
  g_autofree char *by_id = crm_forecast_find_user (c->store, c->vic, &error);
  g_autofree char *missing = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (by_login, ==, c->morgan);
  g_assert_cmpstr (by_name, ==, c->riley);
  g_assert_cmpstr (by_mail, ==, c->sam);
  g_assert_cmpstr (by_id, ==, c->vic);
  missing = crm_forecast_find_user (c->store, "nobody", &error);
  g_assert_null (missing);
  g_assert_error (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_UNKNOWN_USER);
  g_assert_nonnull (strstr (error->message, "nobody"));
}

/* crm-cli forecast ****************************************************/

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static void
cli (Company            *c,
     Run                *run,
     const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                      G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  const char *path = g_getenv ("CRM_CLI");

  if (path == NULL || !g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    g_error ("CRM_CLI must name the crm-cli binary to test");
  g_ptr_array_add (argv, (char *) path);
  g_ptr_array_add (argv, (char *) "--data-dir");
  g_ptr_array_add (argv, c->dir->path);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  run->status = g_subprocess_get_exit_status (process);
}

static void
test_cli_json (void)
{
  g_autoptr(Company) c = company_with_deals ();
  g_auto(Run) run = { 0 };
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *root, *row, *adjusted;
  JsonArray *rows;
  static const char * const members[] = {
    "user", "quota", "closed", "commit", "best_case", "pipeline", "weighted", "attainment", "gap", "adjusted", NULL
  };

  cli (c, &run, (const char * const[]) { "forecast", "--period", "2026-Q4", "--user", "morgan", "--json", NULL });
  g_assert_cmpint (run.status, ==, 0);
  node = json_from_string (run.out, &error);
  g_assert_no_error (error);
  root = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (root, "period"), ==, "2026-Q4");
  g_assert_cmpstr (json_object_get_string_member (root, "currency"), ==, "EUR");
  g_assert_cmpstr (json_object_get_string_member (root, "user"), ==, "Morgan Reyes");
  rows = json_object_get_array_member (root, "rows");
  g_assert_cmpuint (json_array_get_length (rows), ==, 3);
  for (guint i = 0; i <= json_array_get_length (rows); i++)
    {
      row = i < json_array_get_length (rows) ? json_array_get_object_element (rows, i)
                                             : json_object_get_object_member (root, "total");
      g_assert_cmpuint (json_object_get_size (row), ==, g_strv_length ((char **) members));
      for (guint j = 0; members[j]; j++)
        g_assert_true (json_object_has_member (row, members[j]));
      adjusted = json_object_get_object_member (row, "adjusted");
      g_assert_cmpuint (json_object_get_size (adjusted), ==, 2);
      g_assert_true (json_object_has_member (adjusted, "commit"));
      g_assert_true (json_object_has_member (adjusted, "best_case"));
    }
  row = json_array_get_object_element (rows, 1);
  g_assert_cmpstr (json_object_get_string_member (row, "user"), ==, "Sam Okafor");
  g_assert_cmpstr (json_object_get_string_member (row, "pipeline"), ==, "6333.43");
  row = json_object_get_object_member (root, "total");
  g_assert_cmpstr (json_object_get_string_member (row, "weighted"), ==, "23508.35");
  g_assert_cmpstr (json_object_get_string_member (row, "attainment"), ==, "0.2143");
  /* The CHF deal is reported as left out */
  g_assert_nonnull (strstr (run.err, "1 deal"));
}

static void
test_cli_bad_period (void)
{
  g_autoptr(Company) c = company_with_deals ();
  g_auto(Run) run = { 0 };

  cli (c, &run, (const char * const[]) { "forecast", "--period", "2026-Q5", "--user", "morgan", "--json", NULL });
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "2026-Q5"));
  g_assert_cmpstr (run.out, ==, "");
}

static void
test_cli_unknown_user (void)
{
  g_autoptr(Company) c = company_with_deals ();
  g_auto(Run) run = { 0 };
  g_auto(Run) no_user = { 0 };

  cli (c, &run, (const char * const[]) { "forecast", "--period", "2026-Q4", "--user", "quinn", NULL });
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "quinn"));
  g_assert_cmpstr (run.out, ==, "");

  /* Without a sign-in there is no "me" */
  cli (c, &no_user, (const char * const[]) { "forecast", "--period", "2026-Q4", NULL });
  g_assert_cmpint (no_user.status, ==, 2);
  g_assert_nonnull (strstr (no_user.err, "--user"));
}

static void
test_cli_adjust_submit (void)
{
  g_autoptr(Company) c = company_with_deals ();
  g_autoptr(GError) error = NULL;
  g_auto(Run) refused = { 0 };
  g_auto(Run) adjusted = { 0 };
  g_auto(Run) shown = { 0 };
  g_auto(Run) submitted = { 0 };
  g_auto(Run) history = { 0 };
  g_auto(Run) table = { 0 };
  g_autoptr(JsonNode) node = NULL;
  JsonObject *row;

  /* Signed in as riley, as `crm-cli login` would leave the profile */
  g_assert_true (crm_store_set_setting (c->store, "current_user_id", c->riley, &error));

  cli (c, &refused, (const char * const[]) { "forecast", "adjust", "--period", "2026-Q4", "--user", "morgan",
                                             "--commit", "1", "--note", "Mine now", NULL });
  g_assert_cmpint (refused.status, ==, 1);
  g_assert_nonnull (strstr (refused.err, "may not adjust"));

  cli (c, &adjusted, (const char * const[]) { "forecast", "adjust", "--period", "2026-Q4", "--user", "riley",
                                              "--best-case", "40000", "--note", "Big renewal likely", NULL });
  g_assert_cmpint (adjusted.status, ==, 0);

  /* "me" is riley: best case 38450.00 adjusted to 40000.00 */
  cli (c, &shown, (const char * const[]) { "forecast", "--period", "2026-Q4", "--json", NULL });
  g_assert_cmpint (shown.status, ==, 0);
  node = json_from_string (shown.out, &error);
  g_assert_no_error (error);
  row = json_object_get_object_member (json_node_get_object (node), "total");
  g_assert_cmpstr (json_object_get_string_member (row, "best_case"), ==, "38450.00");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (row, "adjusted"), "best_case"),
                   ==, "40000.00");

  cli (c, &submitted, (const char * const[]) { "forecast", "submit", "--period", "2026-Q4", NULL });
  g_assert_cmpint (submitted.status, ==, 0);
  g_assert_nonnull (strstr (submitted.out, "40000.00"));

  cli (c, &history, (const char * const[]) { "forecast", "history", "--period", "2026-Q4", NULL });
  g_assert_cmpint (history.status, ==, 0);
  g_assert_nonnull (strstr (history.out, "Big renewal likely"));
  g_assert_nonnull (strstr (history.out, "Riley Chen"));

  cli (c, &table, (const char * const[]) { "forecast", "--period", "2026-Q4", "--user", "morgan", NULL });
  g_assert_cmpint (table.status, ==, 0);
  g_assert_nonnull (strstr (table.out, "Riley Chen"));
  g_assert_nonnull (strstr (table.out, "Morgan Reyes (own deals)"));
  g_assert_nonnull (strstr (table.out, "50783.33"));
  g_assert_nonnull (strstr (table.out, "*40000.00"));
}

/* Snapshots and what changed ******************************************/

static char *
deal_id (Company    *c,
         const char *owner,
         const char *close,
         const char *amount_minor)
{
  g_autofree char *sql = g_strdup_printf ("SELECT id FROM opportunities WHERE owner_id = '%s' AND "
                                          "expected_close_date = '%s' AND amount = %s", owner, close, amount_minor);
  sqlite3_stmt *stmt = NULL;
  char *id;

  g_assert_cmpint (sqlite3_prepare_v2 (_crm_store_get_db (c->store), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  return id;
}

static void
update_deal (Company    *c,
             const char *id,
             const char *changes_json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) changes = crm_test_object (changes_json);
  g_autoptr(CrmRecord) record = crm_store_update (c->store, "opportunities", id, changes, &error);

  g_assert_no_error (error);
  g_assert_nonnull (record);
}

static CrmForecastSnapshot
snapshot_at (Company  *c,
             int       day,
             int       hour,
             gboolean  daily)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) when = g_date_time_new_local (2026, 11, day, hour, 0, 0);
  CrmForecastSnapshot snapshot;

  g_assert_true (crm_forecast_snapshot (c->store, when, daily, &snapshot, &error));
  g_assert_no_error (error);
  return snapshot;
}

static void
test_snapshot_deltas (void)
{
  g_autoptr(Company) c = company_with_deals ();
  g_autoptr(GError) error = NULL;
  g_autofree char *m1 = deal_id (c, c->morgan, "2026-10-01", "400000");
  g_autofree char *s2 = deal_id (c, c->sam, "2026-12-01", "200000");
  g_autofree char *r1 = deal_id (c, c->riley, "2026-10-05", "1000000");
  CrmForecastSnapshot first, again, on_demand, next;

  /* 17 deals in company_with_deals: the first snapshot records them all */
  first = snapshot_at (c, 2, 9, TRUE);
  g_assert_true (first.taken);
  g_assert_cmpstr (first.taken_on, ==, "2026-11-02");
  g_assert_cmpuint (first.deals, ==, 17);
  g_assert_cmpuint (first.changed, ==, 17);

  /* A daily one the same day is the one already there */
  again = snapshot_at (c, 2, 15, TRUE);
  g_assert_false (again.taken);
  g_assert_cmpint (again.id, ==, first.id);

  /* On demand it is taken, and stores nothing new for unchanged deals */
  on_demand = snapshot_at (c, 2, 16, FALSE);
  g_assert_true (on_demand.taken);
  g_assert_cmpint (on_demand.id, >, first.id);
  g_assert_cmpuint (on_demand.changed, ==, 0);

  /* The next day: one amount changed, one deal deleted, a name changed
   * (not forecast-relevant): two rows */
  update_deal (c, m1, "{\"amount\":\"4500.00\"}");
  g_assert_true (crm_store_delete (c->store, "opportunities", s2, &error));
  g_assert_no_error (error);
  update_deal (c, r1, "{\"name\":\"Renamed\"}");
  next = snapshot_at (c, 3, 9, TRUE);
  g_assert_true (next.taken);
  g_assert_cmpuint (next.deals, ==, 16);
  g_assert_cmpuint (next.changed, ==, 2);
  /* 17 first rows and m1's new one; m1's and s2's first rows are closed */
  g_assert_cmpint (crm_test_count_rows (c->store, "SELECT count(*) FROM forecast_snapshot_deals"), ==, 18);
  g_assert_cmpint (crm_test_count_rows (c->store, "SELECT count(*) FROM forecast_snapshot_deals "
                                                  "WHERE until IS NOT NULL"), ==, 2);
  g_assert_cmpint (crm_test_count_rows (c->store, "SELECT count(*) FROM forecast_snapshot_deals "
                                                  "WHERE category = 'lost'"), ==, 1);
  /* Snapshots stay on this client: nothing for the outbox */
  g_assert_cmpint (crm_test_count_rows (c->store, "SELECT count(*) FROM outbox WHERE entity LIKE 'forecast_snap%'"), ==, 0);
}

static void
assert_figures (CrmForecastChanges       *changes,
                const CrmForecastFigures *figures,
                const char               *expected)
{
  g_autofree char *closed = crm_money_format (&(CrmMoney) { figures->closed, "EUR" });
  g_autofree char *commit = crm_money_format (&(CrmMoney) { figures->commit, "EUR" });
  g_autofree char *best_case = crm_money_format (&(CrmMoney) { figures->best_case, "EUR" });
  g_autofree char *pipeline = crm_money_format (&(CrmMoney) { figures->pipeline, "EUR" });
  g_autofree char *got = g_strjoin (" ", closed, commit, best_case, pipeline, NULL);

  g_assert_cmpstr (changes->currency, ==, "EUR");
  g_assert_cmpstr (got, ==, expected);
}

static const CrmForecastDealChange *
only_deal (CrmForecastChanges  *changes,
           CrmForecastStepKind  kind,
           const char          *id)
{
  const CrmForecastStep *step = &changes->steps[kind];
  const CrmForecastDealChange *deal;

  g_assert_cmpuint (step->deals->len, ==, 1);
  deal = g_ptr_array_index (step->deals, 0);
  g_assert_cmpstr (deal->id, ==, id);
  return deal;
}

/* Morgan's 2026-Q4 from the snapshot of 2026-11-02 to now, each step
 * worked out from the deals of company_with_deals:
 *
 * Then (morgan's total): riley closed 10000, commit 31250, best 38450,
 * pipeline 33200; sam 5000, 5000, 8333.33, 6333.43; morgan's own 0, 4000,
 * 4000, 4000 → 15000.00 40250.00 50783.33 43533.43.
 *
 *   new        sam "Fresh deal", commit 6000.00, 12-10: commit, best case
 *              and pipeline +6000
 *   pulled in  riley r7 commit 30000.00 moved 2027-01-01 → 12-20: +30000
 *              on commit, best case, pipeline
 *   won        riley r2 commit 20000.00 → won stage: closed +20000,
 *              commit and best case unchanged (closed is in both),
 *              pipeline −20000 (open deals only)
 *   lost       sam s2 pipeline 2000.00 → lost stage: pipeline −2000
 *   slipped    riley r3 best case 8000 USD at 0.90 = 7200.00 moved 10-14 →
 *              2027-01-15: best case and pipeline −7200
 *   removed    sam s3 best case 3333.33 deleted: best case, pipeline −3333.33
 *   amount     morgan m1 commit 4000 → 5000: commit, best, pipe +1000;
 *              riley r4 pipeline 5000 USD → 6000 USD at 0.95 (10-15):
 *              4750 → 5700, at its old category pipeline +950
 *   category   riley r4 pipeline → commit at 5700: commit and best case
 *              +5700, pipeline unchanged (commit is in it);
 *              sam s4 pipeline → best case 1000.10: best case +1000.10
 *   taylor's deal changes too, outside morgan's team: no step.
 *
 * Now: closed 15000 + 20000 = 35000.00
 *      commit 40250 + 6000 + 30000 + 1000 + 5700 = 82950.00
 *      best   50783.33 + 6000 + 30000 − 7200 − 3333.33 + 1000 + 5700
 *             + 1000.10 = 83950.10
 *      pipe   43533.43 + 6000 + 30000 − 20000 − 2000 − 7200 − 3333.33
 *             + 1000 + 950 = 48950.10
 * Riley's row now: closed 30000.00; commit 31250 + 30000 + 5700 =
 * 66950.00; best 38450 + 30000 − 7200 + 5700 = 66950.00; pipeline
 * 33200 + 30000 − 20000 − 7200 + 950 = 36950.00.
 */
static void
test_changes_waterfall (void)
{
  g_autoptr(Company) c = company_with_deals ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmForecastChanges) changes = NULL;
  g_autoptr(CrmForecast) live = NULL;
  g_autofree char *r2 = deal_id (c, c->riley, "2026-12-31", "2000000");
  g_autofree char *r3 = deal_id (c, c->riley, "2026-10-14", "800000");
  g_autofree char *r4 = deal_id (c, c->riley, "2026-10-15", "500000");
  g_autofree char *r7 = deal_id (c, c->riley, "2027-01-01", "3000000");
  g_autofree char *s2 = deal_id (c, c->sam, "2026-12-01", "200000");
  g_autofree char *s3 = deal_id (c, c->sam, "2026-10-20", "333333");
  g_autofree char *s4 = deal_id (c, c->sam, "2026-10-02", "100010");
  g_autofree char *m1 = deal_id (c, c->morgan, "2026-10-01", "400000");
  g_autofree char *t1 = deal_id (c, c->taylor, "2026-12-15", "700000");
  g_autofree char *fresh = NULL;
  g_autofree char *fresh_json = NULL;
  g_autofree char *won_json = g_strdup_printf ("{\"stage_id\":\"%s\"}", c->won);
  g_autofree char *lost_json = g_strdup_printf ("{\"stage_id\":\"%s\"}", c->lost);
  const CrmForecastDealChange *deal;
  const CrmForecastChangeRow *row;
  CrmForecastSnapshot baseline = snapshot_at (c, 2, 9, TRUE);
  CrmPeriod period;

  fresh_json = g_strdup_printf ("{\"name\":\"Fresh deal\",\"stage_id\":\"%s\",\"currency\":\"EUR\","
                                "\"amount\":\"6000.00\",\"expected_close_date\":\"2026-12-10\"}", c->negotiation);
  fresh = put (c->store, "opportunities", c->sam, fresh_json);
  update_deal (c, r7, "{\"expected_close_date\":\"2026-12-20\"}");
  update_deal (c, r2, won_json);
  update_deal (c, s2, lost_json);
  update_deal (c, r3, "{\"expected_close_date\":\"2027-01-15\"}");
  g_assert_true (crm_store_delete (c->store, "opportunities", s3, &error));
  g_assert_no_error (error);
  update_deal (c, m1, "{\"amount\":\"5000.00\"}");
  update_deal (c, r4, "{\"amount\":\"6000.00\",\"forecast_category\":\"commit\"}");
  update_deal (c, s4, "{\"forecast_category\":\"best_case\"}");
  update_deal (c, t1, "{\"amount\":\"1.00\"}");

  g_assert_true (crm_period_parse ("2026-Q4", 1, &period, NULL));
  changes = crm_forecast_changes (c->store, &period, c->morgan, "2026-11-02", &error);
  g_assert_no_error (error);
  g_assert_nonnull (changes);
  g_assert_cmpint (changes->baseline.id, ==, baseline.id);
  g_assert_cmpstr (changes->user_name, ==, "Morgan Reyes");

  assert_figures (changes, &changes->start, "15000.00 40250.00 50783.33 43533.43");
  assert_figures (changes, &changes->steps[CRM_FORECAST_STEP_NEW].effect, "0.00 6000.00 6000.00 6000.00");
  deal = only_deal (changes, CRM_FORECAST_STEP_NEW, fresh);
  g_assert_cmpstr (deal->name, ==, "Fresh deal");
  g_assert_cmpstr (deal->owner_name, ==, "Sam Okafor");
  g_assert_false (deal->had_then);
  g_assert_true (deal->has_now);
  g_assert_cmpstr (deal->now_category, ==, "commit");

  assert_figures (changes, &changes->steps[CRM_FORECAST_STEP_PULLED_IN].effect, "0.00 30000.00 30000.00 30000.00");
  deal = only_deal (changes, CRM_FORECAST_STEP_PULLED_IN, r7);
  g_assert_cmpstr (deal->then_close, ==, "2027-01-01");
  g_assert_cmpstr (deal->now_close, ==, "2026-12-20");

  assert_figures (changes, &changes->steps[CRM_FORECAST_STEP_WON].effect, "20000.00 0.00 0.00 -20000.00");
  deal = only_deal (changes, CRM_FORECAST_STEP_WON, r2);
  g_assert_cmpstr (deal->then_category, ==, "commit");
  g_assert_cmpstr (deal->now_category, ==, "closed");

  assert_figures (changes, &changes->steps[CRM_FORECAST_STEP_LOST].effect, "0.00 0.00 0.00 -2000.00");
  deal = only_deal (changes, CRM_FORECAST_STEP_LOST, s2);
  g_assert_cmpstr (deal->now_category, ==, "lost");

  assert_figures (changes, &changes->steps[CRM_FORECAST_STEP_SLIPPED_OUT].effect, "0.00 0.00 -7200.00 -7200.00");
  deal = only_deal (changes, CRM_FORECAST_STEP_SLIPPED_OUT, r3);
  g_assert_cmpint (deal->then_amount, ==, 720000);
  g_assert_cmpstr (deal->now_close, ==, "2027-01-15");

  assert_figures (changes, &changes->steps[CRM_FORECAST_STEP_REMOVED].effect, "0.00 0.00 -3333.33 -3333.33");
  deal = only_deal (changes, CRM_FORECAST_STEP_REMOVED, s3);
  g_assert_false (deal->has_now);
  g_assert_cmpstr (deal->name, ==, "Deal");

  /* The biggest move first: m1's 1000 before r4's 950 */
  assert_figures (changes, &changes->steps[CRM_FORECAST_STEP_AMOUNT].effect, "0.00 1000.00 1000.00 1950.00");
  g_assert_cmpuint (changes->steps[CRM_FORECAST_STEP_AMOUNT].deals->len, ==, 2);
  deal = g_ptr_array_index (changes->steps[CRM_FORECAST_STEP_AMOUNT].deals, 0);
  g_assert_cmpstr (deal->id, ==, m1);
  deal = g_ptr_array_index (changes->steps[CRM_FORECAST_STEP_AMOUNT].deals, 1);
  g_assert_cmpstr (deal->id, ==, r4);
  g_assert_cmpint (deal->then_amount, ==, 475000);
  g_assert_cmpint (deal->now_amount, ==, 570000);
  assert_figures (changes, &deal->effect, "0.00 0.00 0.00 950.00");

  assert_figures (changes, &changes->steps[CRM_FORECAST_STEP_CATEGORY].effect, "0.00 5700.00 6700.10 0.00");
  g_assert_cmpuint (changes->steps[CRM_FORECAST_STEP_CATEGORY].deals->len, ==, 2);
  deal = g_ptr_array_index (changes->steps[CRM_FORECAST_STEP_CATEGORY].deals, 0);
  g_assert_cmpstr (deal->id, ==, r4);
  assert_figures (changes, &deal->effect, "0.00 5700.00 5700.00 0.00");

  assert_figures (changes, &changes->end, "35000.00 82950.00 83950.10 48950.10");
  /* Rows: riley, sam, then morgan's own */
  g_assert_cmpuint (changes->rows->len, ==, 3);
  row = g_ptr_array_index (changes->rows, 0);
  g_assert_cmpstr (row->user_name, ==, "Riley Chen");
  assert_figures (changes, &row->start, "10000.00 31250.00 38450.00 33200.00");
  assert_figures (changes, &row->end, "30000.00 66950.00 66950.00 36950.00");
  row = g_ptr_array_index (changes->rows, 2);
  g_assert_true (row->own);
  assert_figures (changes, &row->end, "0.00 5000.00 5000.00 5000.00");

  /* The same store rolled up live agrees with the waterfall's end */
  live = compute (c, "2026-Q4", c->morgan);
  g_assert_cmpint (live->total->closed, ==, changes->end.closed);
  g_assert_cmpint (live->total->commit, ==, changes->end.commit);
  g_assert_cmpint (live->total->best_case, ==, changes->end.best_case);
  g_assert_cmpint (live->total->pipeline, ==, changes->end.pipeline);
}

static void
test_changes_baseline (void)
{
  g_autoptr(Company) c = company_with_deals ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmForecastChanges) none = NULL;
  CrmForecastSnapshot first, fifth_morning, fifth_evening, ninth;
  CrmPeriod period;
  const struct {
    const char *since;
    const CrmForecastSnapshot *expected;
  } cases[] = {
    { "2026-11-05", &fifth_morning },  /* the first taken that day */
    { "2026-11-07", &fifth_evening },  /* none that day: the last before */
    { "2026-11-09", &ninth },
    { "2026-12-31", &ninth },
    { "2026-10-01", &first },          /* none before: the first after */
  };

  g_assert_true (crm_period_parse ("2026-Q4", 1, &period, NULL));
  none = crm_forecast_changes (c->store, &period, c->morgan, "2026-11-05", &error);
  g_assert_error (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_NO_SNAPSHOT);
  g_assert_null (none);
  g_clear_error (&error);

  first = snapshot_at (c, 2, 9, TRUE);
  fifth_morning = snapshot_at (c, 5, 9, TRUE);
  fifth_evening = snapshot_at (c, 5, 18, FALSE);
  ninth = snapshot_at (c, 9, 9, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(CrmForecastChanges) changes = crm_forecast_changes (c->store, &period, c->morgan,
                                                                    cases[i].since, &error);

      g_assert_no_error (error);
      g_assert_cmpint (changes->baseline.id, ==, cases[i].expected->id);
      g_assert_cmpstr (changes->baseline.taken_at, ==, cases[i].expected->taken_at);
      /* Nothing changed in between */
      for (guint k = 0; k < CRM_FORECAST_N_STEPS; k++)
        g_assert_cmpuint (changes->steps[k].deals->len, ==, 0);
      g_assert_cmpint (changes->start.pipeline, ==, changes->end.pipeline);
    }

  none = crm_forecast_changes (c->store, &period, c->morgan, "2026-11-31", &error);
  g_assert_error (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "2026-11-31"));
}

static void
test_changes_fiscal_february (void)
{
  g_autoptr(Company) c = company_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmForecastChanges) changes = NULL;
  g_autofree char *id = NULL;
  CrmPeriod period;

  /* With February, 2026-Q4 is 2026-11-01 to 2027-01-31: a deal moved from
   * 2027-01-31 (its last day) to 2027-02-01 slips out of it */
  g_assert_true (crm_store_set_setting (c->store, CRM_SETTING_FISCAL_YEAR_START, "2", &error));
  put_deal (c, c->riley, c->negotiation, "1000.00", "EUR", "2027-01-31", NULL);
  id = deal_id (c, c->riley, "2027-01-31", "100000");
  snapshot_at (c, 2, 9, TRUE);
  update_deal (c, id, "{\"expected_close_date\":\"2027-02-01\"}");

  g_assert_true (crm_period_parse ("2026-Q4", 2, &period, NULL));
  changes = crm_forecast_changes (c->store, &period, c->vic, "2026-11-02", &error);
  g_assert_no_error (error);
  assert_figures (changes, &changes->start, "0.00 1000.00 1000.00 1000.00");
  only_deal (changes, CRM_FORECAST_STEP_SLIPPED_OUT, id);
  assert_figures (changes, &changes->end, "0.00 0.00 0.00 0.00");
}

static void
test_cli_changes (void)
{
  g_autoptr(Company) c = company_with_deals ();
  g_auto(Run) run = { 0 };
  g_auto(Run) snap = { 0 };
  g_auto(Run) bad = { 0 };
  g_auto(Run) missing = { 0 };
  g_auto(Run) text = { 0 };
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
  g_autofree char *m1 = deal_id (c, c->morgan, "2026-10-01", "400000");
  static const char * const steps[] = {
    "new", "pulled_in", "won", "lost", "slipped_out", "removed", "amount_changed", "category_changed", NULL
  };
  JsonObject *root, *step, *deal;
  JsonArray *array;

  cli (c, &snap, (const char * const[]) { "forecast", "snapshot", NULL });
  g_assert_cmpint (snap.status, ==, 0);
  g_assert_true (g_str_has_prefix (snap.out, "Took a forecast snapshot of 17 deal(s)"));
  update_deal (c, m1, "{\"amount\":\"4500.00\"}");

  cli (c, &run, (const char * const[]) { "forecast", "changes", "--period", "2026-Q4", "--user", "morgan",
                                          "--since", today, "--json", NULL });
  g_assert_cmpint (run.status, ==, 0);
  node = json_from_string (run.out, &error);
  g_assert_no_error (error);
  root = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (root, "period"), ==, "2026-Q4");
  g_assert_cmpstr (json_object_get_string_member (root, "user"), ==, "Morgan Reyes");
  g_assert_cmpstr (json_object_get_string_member (root, "since"), ==, today);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (root, "start"), "commit"), ==, "40250.00");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (root, "end"), "commit"), ==, "40750.00");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (root, "net"), "pipeline"), ==, "500.00");
  array = json_object_get_array_member (root, "steps");
  g_assert_cmpuint (json_array_get_length (array), ==, g_strv_length ((char **) steps));
  for (guint i = 0; steps[i]; i++)
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, i), "step"), ==, steps[i]);
  step = json_array_get_object_element (array, 6);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (step, "deals")), ==, 1);
  deal = json_array_get_object_element (json_object_get_array_member (step, "deals"), 0);
  g_assert_cmpstr (json_object_get_string_member (deal, "id"), ==, m1);
  g_assert_cmpstr (json_object_get_string_member (deal, "owner"), ==, "Morgan Reyes");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (deal, "then"), "amount"), ==, "4000.00");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (deal, "now"), "amount"), ==, "4500.00");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (deal, "effect"), "best_case"), ==, "500.00");

  cli (c, &text, (const char * const[]) { "forecast", "changes", "--period", "2026-Q4", "--user", "morgan",
                                           "--since", today, NULL });
  g_assert_cmpint (text.status, ==, 0);
  g_assert_nonnull (strstr (text.out, "Amount changes (1)"));

  cli (c, &bad, (const char * const[]) { "forecast", "changes", "--period", "2026-Q4", "--user", "morgan",
                                          "--since", "yesterday", NULL });
  g_assert_cmpint (bad.status, ==, 2);
  g_assert_nonnull (strstr (bad.err, "yesterday"));
  cli (c, &missing, (const char * const[]) { "forecast", "changes", "--period", "2026-Q4", "--user", "morgan", NULL });
  g_assert_cmpint (missing.status, ==, 2);
  g_assert_nonnull (strstr (missing.err, "--since"));
}

/* Riley's own deals of 2026-Q4 from company_with_deals, by close date:
 * r1 10-05 won 10000.00; r3 10-14 best case 8000 USD at 0.90 = 7200.00;
 * r4 10-15 pipeline 5000 USD at 0.95 = 4750.00; r5 11-01 lost 99999.00
 * and r6 11-01 omitted 7777.00; r8 11-10 commit 1000 GBP ÷ 0.80 =
 * 1250.00; r10 11-11 CHF, no rate; r2 12-31 commit 20000.00. Not r7
 * (2027-01-01) nor r9 (2026-09-30). */
static void
test_deals (void)
{
  g_autoptr(Company) c = company_with_deals ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) deals = NULL;
  static const struct { const char *close, *category; gint64 amount; gboolean converted; } expected[] = {
    { "2026-10-05", "closed", 1000000, TRUE },
    { "2026-10-14", "best_case", 720000, TRUE },
    { "2026-10-15", "pipeline", 475000, TRUE },
    { "2026-11-01", NULL, 0, TRUE },  /* r5 and r6, in id order */
    { "2026-11-01", NULL, 0, TRUE },
    { "2026-11-10", "commit", 125000, TRUE },
    { "2026-11-11", "pipeline", 0, FALSE },
    { "2026-12-31", "commit", 2000000, TRUE },
  };
  gboolean seen_lost = FALSE, seen_omitted = FALSE;
  CrmPeriod period;

  g_assert_true (crm_period_parse ("2026-Q4", 1, &period, NULL));
  deals = crm_forecast_dup_deals (c->store, &period, c->riley, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (deals->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < deals->len; i++)
    {
      const CrmForecastDeal *deal = g_ptr_array_index (deals, i);

      g_assert_cmpstr (deal->close, ==, expected[i].close);
      g_assert_cmpstr (deal->name, ==, "Deal");
      if (expected[i].category == NULL)
        {
          seen_lost |= g_str_equal (deal->category, "lost") && deal->amount == 9999900;
          seen_omitted |= g_str_equal (deal->category, "omitted") && deal->amount == 777700;
          continue;
        }
      g_assert_cmpstr (deal->category, ==, expected[i].category);
      g_assert_cmpint (deal->converted, ==, expected[i].converted);
      if (deal->converted)
        g_assert_cmpint (deal->amount, ==, expected[i].amount);
    }
  g_assert_true (seen_lost && seen_omitted);

  g_assert_null (crm_forecast_dup_deals (c->store, &period, "no-such-user", &error));
  g_assert_error (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_UNKNOWN_USER);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/forecast/period/parse", test_period_parse);
  g_test_add_func ("/forecast/period/fiscal-february", test_period_fiscal_february);
  g_test_add_func ("/forecast/rollup/fiscal-february", test_rollup_fiscal_february);
  g_test_add_func ("/forecast/rollup/rep", test_rollup_rep);
  g_test_add_func ("/forecast/rollup/manager", test_rollup_manager);
  g_test_add_func ("/forecast/rollup/three-levels", test_rollup_three_levels);
  g_test_add_func ("/forecast/rollup/quarter-boundaries", test_rollup_quarter_boundaries);
  g_test_add_func ("/forecast/currency/dated-rates", test_currency_dated_rates);
  g_test_add_func ("/forecast/quota/parts", test_quota_parts);
  g_test_add_func ("/forecast/adjust/permissions", test_adjust_permissions);
  g_test_add_func ("/forecast/adjust/precedence", test_adjust_precedence);
  g_test_add_func ("/forecast/adjust/revert-history", test_adjust_revert_history);
  g_test_add_func ("/forecast/submit", test_submit);
  g_test_add_func ("/forecast/json", test_json);
  g_test_add_func ("/forecast/find-user", test_find_user);
  g_test_add_func ("/forecast/cli/json", test_cli_json);
  g_test_add_func ("/forecast/cli/bad-period", test_cli_bad_period);
  g_test_add_func ("/forecast/cli/unknown-user", test_cli_unknown_user);
  g_test_add_func ("/forecast/cli/adjust-submit", test_cli_adjust_submit);
  g_test_add_func ("/forecast/deals", test_deals);
  g_test_add_func ("/forecast/snapshot/deltas", test_snapshot_deltas);
  g_test_add_func ("/forecast/changes/waterfall", test_changes_waterfall);
  g_test_add_func ("/forecast/changes/baseline", test_changes_baseline);
  g_test_add_func ("/forecast/changes/fiscal-february", test_changes_fiscal_february);
  g_test_add_func ("/forecast/cli/changes", test_cli_changes);

  return g_test_run ();
}
