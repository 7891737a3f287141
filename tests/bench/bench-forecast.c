/* bench-forecast.c: how fast the forecast rolls up
 *
 * Goal (issue 7): the full rollup for the top manager of a 60-person,
 * 3-level hierarchy over 100k opportunities in ≤ 30 ms.
 *
 * The company: one head of sales, 7 managers under them and 52 reps
 * spread over the managers (60 people). --deals opportunities (default
 * 100000) owned by the reps and managers, with close dates spread over
 * 2026, a sixth in USD and a sixth in GBP with rates that change every
 * month, stages over all categories, a tenth with their own probability
 * or category, a quota per person per quarter, and some adjustments.
 * All of it from a seeded GRand, stored as synced records in one
 * transaction before any clock starts.
 *
 * Prints one JSON object per measurement on stdout; nothing is asserted.
 *
 *   rollup_quarter  crm_forecast_compute (2026-Q4, head of sales): a
 *                   quarter holds about a quarter of the deals
 *   rollup_year     crm_forecast_compute (FY2026, head of sales): every deal
 *   rollup_manager  crm_forecast_compute (2026-Q4, one manager)
 *   snapshot_first  crm_forecast_snapshot of every deal into an empty store
 *                   of snapshots (once)
 *   snapshot_next   the next snapshot after a tenth of the deals changed
 *                   (once)
 *   waterfall_quarter
 *                   crm_forecast_changes (2026-Q4, head of sales) since the
 *                   first snapshot, after that tenth changed: amounts,
 *                   close dates in and out of the quarter, stages, deletes
 *                   and new deals (goal ≤ 100 ms)
 *
 * Each rollup and the waterfall is run --runs times (default 50) after
 * one warm-up run.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "bench-forecast"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>

#include "bench-util.h"
#include "crm-forecast.h"
#include "crm-store-private.h"

#define SEED       20261124
#define N_MANAGERS 7
#define N_PEOPLE   60

static const struct {
  const char *name, *probability, *category;
  gboolean won, lost;
} stage_specs[] = {
  { "Prospecting", "10", "pipeline", FALSE, FALSE },
  { "Qualification", "20", "pipeline", FALSE, FALSE },
  { "Proposal", "50", "best_case", FALSE, FALSE },
  { "Negotiation", "75", "commit", FALSE, FALSE },
  { "Closed Won", "100", "closed", TRUE, FALSE },
  { "Closed Lost", "0", "omitted", FALSE, TRUE },
};

static const char * const categories[] = { "pipeline", "best_case", "commit", "omitted" };
static const char * const currencies[] = { "EUR", "EUR", "EUR", "EUR", "USD", "GBP" };

static char *
put (CrmStore   *store,
     const char *entity,
     const char *owner,
     JsonObject *fields)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), fields);
  g_autoptr(CrmRecord) record = NULL;

  if (owner)
    json_object_set_string_member (fields, "owner_id", owner);
  if (!(record = crm_record_new_from_json (crm_entity_lookup (entity), node, &error)) ||
      (crm_record_set_version (record, 1), !crm_record_validate (record, &error)) ||
      !_crm_store_put_synced (store, record, &error))
    g_error ("Cannot store a %s: %s", entity, error->message);
  return g_strdup (crm_record_get_id (record));
}

static gboolean
seed (CrmStore   *store,
      guint       n_deals,
      GPtrArray  *people,
      GError    **error)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (SEED);
  g_autoptr(GPtrArray) stages = g_ptr_array_new_with_free_func (g_free);

  if (!crm_store_begin (store, error))
    return FALSE;
  if (!crm_store_set_setting (store, CRM_SETTING_COMPANY_CURRENCY, "EUR", error))
    goto failed;

  for (guint i = 0; i < G_N_ELEMENTS (stage_specs); i++)
    {
      g_autoptr(JsonObject) f = json_object_new ();

      json_object_set_string_member (f, "name", stage_specs[i].name);
      json_object_set_int_member (f, "position", (i + 1) * 10);
      json_object_set_string_member (f, "probability", stage_specs[i].probability);
      json_object_set_string_member (f, "forecast_category", stage_specs[i].category);
      json_object_set_boolean_member (f, "is_won", stage_specs[i].won);
      json_object_set_boolean_member (f, "is_lost", stage_specs[i].lost);
      g_ptr_array_add (stages, put (store, "stages", NULL, f));
    }

  /* A rate per month of 2025 and 2026 for each foreign currency */
  for (guint m = 0; m < 24; m++)
    for (guint c = 0; c < 2; c++)
      {
        g_autoptr(JsonObject) f = json_object_new ();
        g_autofree char *date = g_strdup_printf ("%u-%02u-01", 2025 + m / 12, m % 12 + 1);
        g_autofree char *rate = g_strdup_printf ("%s.%02u", c ? "1" : "0", c ? 10 + m : 80 + m % 20);

        json_object_set_string_member (f, "currency", c ? "GBP" : "USD");
        json_object_set_string_member (f, "base_currency", "EUR");
        json_object_set_string_member (f, "rate", rate);
        json_object_set_string_member (f, "effective_date", date);
        g_free (put (store, "exchange_rates", NULL, f));
      }

  /* 0: head of sales; 1–7: managers; 8–59: reps, round robin */
  for (guint i = 0; i < N_PEOPLE; i++)
    {
      g_autoptr(JsonObject) f = json_object_new ();
      g_autofree char *name = g_strdup_printf ("Person %02u", i);

      json_object_set_string_member (f, "name", name);
      json_object_set_string_member (f, "role", i == 0 ? "manager" : i <= N_MANAGERS ? "manager" : "rep");
      if (i > 0)
        json_object_set_string_member (f, "manager_id",
                                       g_ptr_array_index (people, i <= N_MANAGERS ? 0 : 1 + (i - 8) % N_MANAGERS));
      g_ptr_array_add (people, put (store, "users", NULL, f));

      for (guint q = 1; q <= 4; q++)
        {
          g_autoptr(JsonObject) quota = json_object_new ();
          g_autofree char *period = g_strdup_printf ("2026-Q%u", q);

          json_object_set_string_member (quota, "user_id", g_ptr_array_index (people, i));
          json_object_set_string_member (quota, "period", period);
          json_object_set_string_member (quota, "currency", "EUR");
          json_object_set_string_member (quota, "amount", "250000.00");
          g_free (put (store, "quotas", NULL, quota));
        }
    }

  for (guint i = 0; i < n_deals; i++)
    {
      g_autoptr(JsonObject) f = json_object_new ();
      /* Managers own a few deals too; the head of sales none */
      guint owner = g_rand_int_range (rand, 1, N_PEOPLE);
      guint day = g_rand_int_range (rand, 0, 365);
      GDate date;
      g_autofree char *close = NULL;
      g_autofree char *amount = g_strdup_printf ("%d.%02d", g_rand_int_range (rand, 500, 200000),
                                                 g_rand_int_range (rand, 0, 100));

      g_date_clear (&date, 1);
      g_date_set_dmy (&date, 1, 1, 2026);
      g_date_add_days (&date, day);
      close = g_strdup_printf ("%04u-%02u-%02u", g_date_get_year (&date), g_date_get_month (&date),
                               g_date_get_day (&date));
      json_object_set_string_member (f, "name", "Deal");
      json_object_set_string_member (f, "stage_id",
                                     g_ptr_array_index (stages, g_rand_int_range (rand, 0, stages->len)));
      json_object_set_string_member (f, "currency", currencies[g_rand_int_range (rand, 0, G_N_ELEMENTS (currencies))]);
      json_object_set_string_member (f, "amount", amount);
      json_object_set_string_member (f, "expected_close_date", close);
      if (g_rand_int_range (rand, 0, 10) == 0)
        json_object_set_string_member (f, "probability", "35");
      if (g_rand_int_range (rand, 0, 10) == 0)
        json_object_set_string_member (f, "forecast_category",
                                       categories[g_rand_int_range (rand, 0, G_N_ELEMENTS (categories))]);
      g_free (put (store, "opportunities", g_ptr_array_index (people, owner), f));
    }

  /* Every manager adjusts the commit of two of their reps; reps their own */
  for (guint i = 1; i < N_PEOPLE; i++)
    {
      g_autoptr(JsonObject) f = json_object_new ();
      guint author = i <= N_MANAGERS || i % 3 ? i : 1 + (i - 8) % N_MANAGERS;

      json_object_set_string_member (f, "user_id", g_ptr_array_index (people, i));
      json_object_set_string_member (f, "period", "2026-Q4");
      json_object_set_string_member (f, "category", i % 2 ? "commit" : "best_case");
      json_object_set_string_member (f, "currency", "EUR");
      json_object_set_string_member (f, "amount", "123456.78");
      json_object_set_string_member (f, "note", "Bench");
      json_object_set_string_member (f, "author_id", g_ptr_array_index (people, author));
      g_free (put (store, "forecast_adjustments", NULL, f));
    }

  return crm_store_commit (store, error);

failed:
  crm_store_rollback (store);
  return FALSE;
}

static void
print_figure (const char *name,
              guint       n_deals,
              GArray     *micros,
              const char *extra)
{
  guint runs = micros->len;
  gint64 total = 0;

  for (guint i = 0; i < runs; i++)
    total += g_array_index (micros, gint64, i);
  g_array_sort (micros, bench_compare_gint64);
  printf ("{\"bench\":\"forecast\",\"name\":\"%s\",\"deals\":%u,\"people\":%u,%s"
          "\"runs\":%u,\"p50_ms\":%.3f,\"p95_ms\":%.3f,\"max_ms\":%.3f,\"mean_ms\":%.3f}\n",
          name, n_deals, N_PEOPLE, extra, runs,
          g_array_index (micros, gint64, runs / 2) / 1000.0,
          g_array_index (micros, gint64, MIN (runs - 1, runs * 95 / 100)) / 1000.0,
          g_array_index (micros, gint64, runs - 1) / 1000.0,
          total / 1000.0 / runs);
  fflush (stdout);
}

static void
measure (CrmStore   *store,
         const char *name,
         const char *period_text,
         const char *user_id,
         guint       n_deals,
         guint       runs)
{
  g_autoptr(GArray) micros = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmForecast) warm = NULL;
  g_autofree char *extra = NULL;
  CrmPeriod period;

  if (!crm_period_parse (period_text, 1, &period, &error) ||
      !(warm = crm_forecast_compute (store, &period, user_id, &error)))
    g_error ("%s", error->message);

  for (guint i = 0; i < runs; i++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(CrmForecast) forecast = crm_forecast_compute (store, &period, user_id, &error);
      gint64 elapsed = g_get_monotonic_time () - start;

      if (forecast == NULL)
        g_error ("%s", error->message);
      g_array_append_val (micros, elapsed);
    }
  extra = g_strdup_printf ("\"period\":\"%s\",\"rows\":%u,", period.name, warm->rows->len);
  print_figure (name, n_deals, micros, extra);
}

static void
measure_snapshot (CrmStore   *store,
                  const char *name,
                  GDateTime  *when,
                  guint       n_deals)
{
  g_autoptr(GArray) micros = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;
  g_autofree char *extra = NULL;
  CrmForecastSnapshot snapshot;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  if (!crm_forecast_snapshot (store, when, FALSE, &snapshot, &error))
    g_error ("%s", error->message);
  elapsed = g_get_monotonic_time () - start;
  g_array_append_val (micros, elapsed);
  extra = g_strdup_printf ("\"changed\":%u,", snapshot.changed);
  print_figure (name, n_deals, micros, extra);
}

/* A tenth of the deals change, in every way the waterfall tells apart,
 * as plain SQL: the waterfall reads the store, not the outbox */
static void
change_deals (CrmStore  *store,
              GPtrArray *people,
              guint      n_deals)
{
  static const char * const changes[] = {
    /* amounts */
    "UPDATE opportunities SET amount = amount + 100000 WHERE rid % 40 = 1",
    /* slipped out of Q4, pulled into it */
    "UPDATE opportunities SET expected_close_date = '2027-01-15' WHERE rid % 40 = 2 "
    "AND expected_close_date >= '2026-10-01'",
    "UPDATE opportunities SET expected_close_date = '2026-12-15' WHERE rid % 40 = 3 "
    "AND expected_close_date < '2026-10-01'",
    /* categories, won and lost, deleted */
    "UPDATE opportunities SET forecast_category = 'commit' WHERE rid % 40 = 4",
    "UPDATE opportunities SET stage_id = (SELECT id FROM stages WHERE is_won = 1) WHERE rid % 40 = 5",
    "UPDATE opportunities SET stage_id = (SELECT id FROM stages WHERE is_lost = 1) WHERE rid % 40 = 6",
    "UPDATE opportunities SET deleted = 1 WHERE rid % 40 = 7",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (SEED + 1);
  g_autofree char *stage = NULL;
  sqlite3 *db = _crm_store_get_db (store);
  sqlite3_stmt *stmt = NULL;

  if (!crm_store_begin (store, &error))
    g_error ("%s", error->message);
  for (guint i = 0; i < G_N_ELEMENTS (changes); i++)
    if (sqlite3_exec (db, changes[i], NULL, NULL, NULL) != SQLITE_OK)
      g_error ("%s: %s", changes[i], sqlite3_errmsg (db));
  if (sqlite3_prepare_v2 (db, "SELECT id FROM stages WHERE is_won = 0 AND is_lost = 0 LIMIT 1", -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    g_error ("%s", sqlite3_errmsg (db));
  stage = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);

  /* New deals: a quarter's share of a fortieth */
  for (guint i = 0; i < n_deals / 40; i++)
    {
      g_autoptr(JsonObject) f = json_object_new ();
      g_autofree char *close = g_strdup_printf ("2026-%02d-%02d", g_rand_int_range (rand, 1, 13),
                                                g_rand_int_range (rand, 1, 29));

      json_object_set_string_member (f, "name", "New deal");
      json_object_set_string_member (f, "stage_id", stage);
      json_object_set_string_member (f, "currency", "EUR");
      json_object_set_string_member (f, "amount", "5000.00");
      json_object_set_string_member (f, "expected_close_date", close);
      g_free (put (store, "opportunities", g_ptr_array_index (people, g_rand_int_range (rand, 8, N_PEOPLE)), f));
    }
  if (!crm_store_commit (store, &error))
    g_error ("%s", error->message);
}

static void
measure_waterfall (CrmStore   *store,
                   const char *user_id,
                   const char *since,
                   guint       n_deals,
                   guint       runs)
{
  g_autoptr(GArray) micros = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmForecastChanges) warm = NULL;
  g_autofree char *extra = NULL;
  guint listed = 0;
  CrmPeriod period;

  if (!crm_period_parse ("2026-Q4", 1, &period, &error) ||
      !(warm = crm_forecast_changes (store, &period, user_id, since, &error)))
    g_error ("%s", error->message);
  for (guint k = 0; k < CRM_FORECAST_N_STEPS; k++)
    listed += warm->steps[k].deals->len;

  for (guint i = 0; i < runs; i++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(CrmForecastChanges) changes = crm_forecast_changes (store, &period, user_id, since, &error);
      gint64 elapsed = g_get_monotonic_time () - start;

      if (changes == NULL)
        g_error ("%s", error->message);
      g_array_append_val (micros, elapsed);
    }
  extra = g_strdup_printf ("\"period\":\"%s\",\"deals_listed\":%u,", period.name, listed);
  print_figure ("waterfall_quarter", n_deals, micros, extra);
}

/* Measures a store at rest. Straight after a bulk write the WAL index
 * still lists every page written, and every read looks there first until
 * the next write transaction starts the log again: in one run the
 * waterfall took 145 ms that way against 97 ms after a checkpoint, and the
 * quarter's rollup 26 against 16. A client's store is written to all day,
 * by sync and edits, so it seldom sits in that state. */
static void
checkpoint (CrmStore *store)
{
  sqlite3 *db = _crm_store_get_db (store);

  if (sqlite3_exec (db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) != SQLITE_OK)
    g_error ("checkpoint: %s", sqlite3_errmsg (db));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(GPtrArray) people = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  int deals = 100000;
  int runs = 50;
  gint64 start;
  const GOptionEntry entries[] = {
    { "deals", 0, 0, G_OPTION_ARG_INT, &deals, "Opportunities to create", "N" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Timed runs of each rollup", "N" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || deals < 0 || runs < 1)
    {
      g_printerr ("bench-forecast: %s\n", error ? error->message : "--deals ≥ 0 and --runs ≥ 1");
      return 2;
    }

  dir = g_dir_make_tmp ("bench-forecast-XXXXXX", &error);
  path = dir ? g_build_filename (dir, "crm.db", NULL) : NULL;
  if (dir == NULL || !(store = crm_store_open (path, &error)))
    {
      g_printerr ("bench-forecast: %s\n", error->message);
      return 1;
    }

  g_printerr ("bench-forecast: seeding %d deals\n", deals);
  start = g_get_monotonic_time ();
  if (!seed (store, (guint) deals, people, &error))
    {
      g_printerr ("bench-forecast: %s\n", error->message);
      return 1;
    }
  g_printerr ("bench-forecast: seeded in %.1f s\n", (g_get_monotonic_time () - start) / 1e6);
  checkpoint (store);

  measure (store, "rollup_quarter", "2026-Q4", g_ptr_array_index (people, 0), (guint) deals, (guint) runs);
  measure (store, "rollup_year", "FY2026", g_ptr_array_index (people, 0), (guint) deals, (guint) runs);
  measure (store, "rollup_manager", "2026-Q4", g_ptr_array_index (people, 1), (guint) deals, (guint) runs);

  {
    g_autoptr(GDateTime) first = g_date_time_new_local (2026, 11, 2, 9, 0, 0);
    g_autoptr(GDateTime) second = g_date_time_new_local (2026, 11, 9, 9, 0, 0);

    measure_snapshot (store, "snapshot_first", first, (guint) deals);
    change_deals (store, people, (guint) deals);
    checkpoint (store);
    measure_waterfall (store, g_ptr_array_index (people, 0), "2026-11-02", (guint) deals, (guint) runs);
    measure_snapshot (store, "snapshot_next", second, (guint) deals);
  }

  g_clear_object (&store);
  bench_remove_tree (dir);
  return 0;
}
