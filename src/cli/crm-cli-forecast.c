/* crm-cli-forecast.c: the forecast command of crm-cli
 *
 *   crm-cli forecast [--period P] [--user NAME] [--json]
 *   crm-cli forecast adjust --period P --user NAME (--commit A | --best-case A) --note TEXT
 *   crm-cli forecast submit [--period P]
 *   crm-cli forecast history [--period P] [--user NAME] [--json]
 *   crm-cli forecast revert ADJUSTMENT-ID
 *   crm-cli forecast changes [--period P] --since DATE [--user NAME] [--json]
 *   crm-cli forecast snapshot [--json]
 *
 * "Me" is the user this profile is signed in as (`crm-cli login` keeps
 * their id in the profile): the forecast shown without --user, the author
 * of adjustments and reverts, and whoever submits. Without a sign-in,
 * showing a forecast needs --user, and changing one is refused.
 * The period defaults to the current fiscal quarter.
 *
 * Showing a forecast or what changed first takes the day's snapshot of
 * the deals when none was taken today (crm-cli sync takes one too);
 * `forecast snapshot` takes one whenever asked.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-cli"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-cli-forecast.h"
#include "crm-cli-util.h"
#include "crm-decimal.h"
#include "crm-forecast.h"
#include "crm-money.h"
#include "crm-store.h"

static struct
{
  char     *period;
  char     *user;
  char     *commit;
  char     *best_case;
  char     *note;
  char     *since;
  gboolean  json;
} forecast_options;

static const GOptionEntry entries[] = {
  { "period", 0, 0, G_OPTION_ARG_STRING, &forecast_options.period,
    N_("The period: 2026-11, 2026-Q4 or FY2026 (default: this quarter)"), N_("PERIOD") },
  { "user", 0, 0, G_OPTION_ARG_STRING, &forecast_options.user,
    N_("Whose forecast, by name or e-mail (default: the signed-in user)"), N_("NAME") },
  { "commit", 0, 0, G_OPTION_ARG_STRING, &forecast_options.commit,
    N_("adjust: the Commit figure to set"), N_("AMOUNT") },
  { "best-case", 0, 0, G_OPTION_ARG_STRING, &forecast_options.best_case,
    N_("adjust: the Best Case figure to set"), N_("AMOUNT") },
  { "note", 0, 0, G_OPTION_ARG_STRING, &forecast_options.note,
    N_("adjust: why, up to 255 characters"), N_("TEXT") },
  { "since", 0, 0, G_OPTION_ARG_STRING, &forecast_options.since,
    N_("changes: compare with the snapshot of this day (YYYY-MM-DD)"), N_("DATE") },
  { "json", 0, 0, G_OPTION_ARG_NONE, &forecast_options.json, N_("Print JSON"), NULL },
  { NULL }
};

/* Helpers *************************************************************/

/* A bad period, user, amount or note is a wrong value (2); a refusal or a
 * store that cannot be read is work that could not be done (1). */
static int
fail_error (const GError *error)
{
  int status = 1;

  if ((error->domain == CRM_FORECAST_ERROR &&
       (error->code == CRM_FORECAST_ERROR_INVALID_PERIOD ||
        error->code == CRM_FORECAST_ERROR_UNKNOWN_USER ||
        error->code == CRM_FORECAST_ERROR_INVALID)) ||
      error->domain == CRM_ENTITY_ERROR || error->domain == CRM_DECIMAL_ERROR)
    status = CRM_CLI_EXIT_USAGE;
  return crm_cli_fail (status, "%s", error->message);
}

static void
print_json (JsonNode *node)
{
  g_autofree char *text = json_to_string (node, TRUE);

  g_print ("%s\n", text);
}

static gboolean
resolve_period (CrmStore   *store,
                CrmPeriod  *period,
                GError    **error)
{
  guint fiscal_start = crm_forecast_fiscal_start (store);

  if (forecast_options.period == NULL)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");

      return crm_period_for_date (CRM_PERIOD_QUARTER, today, fiscal_start, period);
    }
  return crm_period_parse (forecast_options.period, fiscal_start, period, error);
}

static char *
signed_in_user (CrmStore *store)
{
  g_autofree char *id = crm_store_dup_setting (store, "current_user_id");

  return id && *id ? g_steal_pointer (&id) : NULL;
}

/* --user, or the signed-in user */
static char *
resolve_user (CrmStore  *store,
              GError   **error)
{
  char *id;

  if (forecast_options.user != NULL)
    return crm_forecast_find_user (store, forecast_options.user, error);
  if ((id = signed_in_user (store)) == NULL)
    g_set_error_literal (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_UNKNOWN_USER,
                         _("This profile is not signed in; say whose forecast with --user NAME"));
  return id;
}

/* Pads by characters, not bytes, so names with accents line up */
static void
append_cell (GString    *line,
             const char *text,
             int         width,
             gboolean    left)
{
  int pad = width - (int) g_utf8_strlen (text, -1);

  if (!left)
    for (int i = 0; i < pad; i++)
      g_string_append_c (line, ' ');
  g_string_append (line, text);
  if (left)
    for (int i = 0; i < pad; i++)
      g_string_append_c (line, ' ');
  g_string_append_c (line, ' ');
}

static void
print_row (CrmForecast          *forecast,
           const CrmForecastRow *row,
           const char           *label)
{
  g_autoptr(GString) line = g_string_new (NULL);
  g_autofree char *attainment = crm_forecast_row_attainment (row);
  gint64 figures[] = { row->quota, row->closed, row->commit, row->best_case, row->pipeline, row->weighted };
  g_autofree char *name = g_utf8_substring (label, 0, MIN (g_utf8_strlen (label, -1), 28));
  g_autofree char *gap = crm_forecast_format_amount (forecast, row->quota - row->closed);
  g_autofree char *adj_commit = crm_forecast_format_amount (forecast, row->adjusted_commit);
  g_autofree char *adj_best = crm_forecast_format_amount (forecast, row->adjusted_best_case);
  g_autofree char *adj_commit_cell = g_strconcat (row->commit_is_adjusted ? "*" : "", adj_commit, NULL);
  g_autofree char *adj_best_cell = g_strconcat (row->best_case_is_adjusted ? "*" : "", adj_best, NULL);
  g_autofree char *percent = NULL;

  append_cell (line, name, 28, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (figures); i++)
    {
      g_autofree char *text = crm_forecast_format_amount (forecast, figures[i]);
      append_cell (line, text, 13, FALSE);
    }
  if (attainment)
    {
      gint64 value;

      /* 0.4567 is 4567 at scale 4, the same digits as 45.67 % at scale 2 */
      if (crm_decimal_parse (attainment, 4, &value, NULL) &&
          crm_decimal_rescale (value, 2, 1, CRM_ROUND_HALF_UP, &value, NULL))
        {
          g_autofree char *text = crm_decimal_format (value, 1);
          percent = g_strdup_printf ("%s %%", text);
        }
    }
  append_cell (line, percent ? percent : "—", 9, FALSE);
  append_cell (line, gap, 13, FALSE);
  append_cell (line, adj_commit_cell, 14, FALSE);
  append_cell (line, adj_best_cell, 14, FALSE);
  g_strchomp (line->str);
  g_print ("%s\n", line->str);
}

static void
print_submission (CrmStore        *store,
                  CrmForecast     *forecast,
                  const char      *user_id,
                  const char      *user_name)
{
  g_autoptr(JsonObject) submission = crm_forecast_dup_submission (store, &forecast->period, user_id, NULL);
  JsonObject *figures;
  JsonObject *adjusted;

  if (submission == NULL || !(figures = json_object_get_object_member (submission, "figures")) ||
      !(adjusted = json_object_get_object_member (figures, "adjusted")))
    return;
  g_print (_("%s submitted at %s: commit %s, best case %s %s\n"), user_name,
           json_object_get_string_member_with_default (submission, "submitted_at", "?"),
           json_object_get_string_member_with_default (adjusted, "commit", "?"),
           json_object_get_string_member_with_default (adjusted, "best_case", "?"),
           json_object_get_string_member_with_default (submission, "currency", ""));
}

static void
print_table (CrmStore    *store,
             CrmForecast *forecast)
{
  g_autoptr(GString) header = g_string_new (NULL);
  static const char * const columns[] = {
    N_("Quota"), N_("Closed"), N_("Commit"), N_("Best case"), N_("Pipeline"), N_("Weighted"),
  };
  gboolean any_adjusted = forecast->total->commit_is_adjusted || forecast->total->best_case_is_adjusted;

  g_print (_("Forecast %s (%s to %s) of %s, in %s\n\n"), forecast->period.name,
           forecast->period.first_day, forecast->period.last_day,
           forecast->user_name, forecast->currency);

  append_cell (header, _("User"), 28, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    append_cell (header, _(columns[i]), 13, FALSE);
  append_cell (header, _("Attained"), 9, FALSE);
  append_cell (header, _("Gap"), 13, FALSE);
  append_cell (header, _("Adj. commit"), 14, FALSE);
  append_cell (header, _("Adj. best"), 14, FALSE);
  g_strchomp (header->str);
  g_print ("%s\n", header->str);

  for (guint i = 0; i < forecast->rows->len; i++)
    {
      CrmForecastRow *row = g_ptr_array_index (forecast->rows, i);
      g_autofree char *label = row->own ? g_strdup_printf (_("%s (own deals)"), row->user_name)
                                        : g_strdup (row->user_name);

      any_adjusted |= row->commit_is_adjusted || row->best_case_is_adjusted;
      print_row (forecast, row, label);
    }
  print_row (forecast, forecast->total, _("Total"));

  if (any_adjusted)
    g_print (_("\n* adjusted; run “crm-cli forecast history --user NAME” for who and why\n"));
  if (forecast->n_unconverted)
    g_printerr (_("crm-cli: %u deal(s) or figure(s) left out: no exchange rate into %s on or before their date\n"),
                forecast->n_unconverted, forecast->currency);

  g_print ("\n");
  for (guint i = 0; i < forecast->rows->len; i++)
    {
      CrmForecastRow *row = g_ptr_array_index (forecast->rows, i);

      if (!row->own)
        print_submission (store, forecast, row->user_id, row->user_name);
    }
  print_submission (store, forecast, forecast->user_id, forecast->user_name);
}

/* The day's snapshot; a store that cannot take one still shows the
 * forecast, with a warning */
static void
take_daily_snapshot (CrmStore *store)
{
  g_autoptr(GError) error = NULL;
  CrmForecastSnapshot snapshot;

  if (!crm_forecast_snapshot (store, NULL, TRUE, &snapshot, &error))
    g_printerr (_("crm-cli: warning: cannot take today’s forecast snapshot: %s\n"), error->message);
}

static char *
format_figure (CrmForecastChanges *changes,
               gint64              minor,
               gboolean            sign)
{
  CrmMoney money;
  g_autofree char *text = NULL;

  crm_money_init (&money, minor, changes->currency);
  text = crm_money_format (&money);
  return sign && minor >= 0 ? g_strconcat ("+", text, NULL) : g_steal_pointer (&text);
}

static void
print_figures (CrmForecastChanges       *changes,
               const char               *label,
               const CrmForecastFigures *figures,
               gboolean                  sign)
{
  g_autoptr(GString) line = g_string_new (NULL);
  const gint64 values[] = { figures->closed, figures->commit, figures->best_case, figures->pipeline };

  append_cell (line, label, 28, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autofree char *text = format_figure (changes, values[i], sign);
      append_cell (line, text, 14, FALSE);
    }
  g_strchomp (line->str);
  g_print ("%s\n", line->str);
}

static void
print_side (CrmForecastChanges *changes,
            GString            *line,
            gboolean            present,
            const char         *close,
            const char         *category,
            gint64              amount)
{
  g_autofree char *text = NULL;

  if (!present)
    {
      g_string_append (line, "—");
      return;
    }
  text = format_figure (changes, amount, FALSE);
  g_string_append_printf (line, "%s %s, %s", text, category, close);
}

static void
print_changes (CrmForecastChanges *changes)
{
  static const char * const titles[] = {
    N_("New deals"), N_("Pulled in"), N_("Won"), N_("Lost"), N_("Slipped out"),
    N_("Removed"), N_("Amount changes"), N_("Category changes"),
  };
  g_autoptr(GString) header = g_string_new (NULL);
  static const char * const columns[] = { N_("Closed"), N_("Commit"), N_("Best case"), N_("Pipeline") };

  G_STATIC_ASSERT (G_N_ELEMENTS (titles) == CRM_FORECAST_N_STEPS);
  g_print (_("What changed in %s for %s since %s (snapshot taken %s), in %s\n\n"),
           changes->period.name, changes->user_name, changes->since, changes->baseline.taken_at,
           changes->currency);
  append_cell (header, "", 28, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    append_cell (header, _(columns[i]), 14, FALSE);
  g_strchomp (header->str);
  g_print ("%s\n", header->str);

  print_figures (changes, _("Then"), &changes->start, FALSE);
  for (guint k = 0; k < CRM_FORECAST_N_STEPS; k++)
    {
      const CrmForecastStep *step = &changes->steps[k];
      g_autofree char *label = NULL;

      if (step->deals->len == 0)
        continue;
      label = g_strdup_printf ("%s (%u)", _(titles[k]), step->deals->len);
      print_figures (changes, label, &step->effect, TRUE);
      for (guint i = 0; i < step->deals->len; i++)
        {
          const CrmForecastDealChange *deal = g_ptr_array_index (step->deals, i);
          g_autoptr(GString) line = g_string_new ("    ");

          g_string_append_printf (line, "%s (%s): ", deal->name ? deal->name : deal->id,
                                  deal->owner_name ? deal->owner_name : "?");
          print_side (changes, line, deal->had_then, deal->then_close, deal->then_category, deal->then_amount);
          g_string_append (line, " → ");
          print_side (changes, line, deal->has_now, deal->now_close, deal->now_category, deal->now_amount);
          g_print ("%s\n", line->str);
        }
    }
  print_figures (changes, _("Now"), &changes->end, FALSE);
  if (changes->n_unconverted)
    g_printerr (_("crm-cli: %u deal(s) left out: no exchange rate into %s on or before their date\n"),
                changes->n_unconverted, changes->currency);
}

/* Subcommands *********************************************************/

static int
run_show (CrmStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmForecast) forecast = NULL;
  g_autofree char *user_id = NULL;
  CrmPeriod period;

  if (!resolve_period (store, &period, &error) ||
      !(user_id = resolve_user (store, &error)))
    return fail_error (error);
  take_daily_snapshot (store);
  if (!(forecast = crm_forecast_compute (store, &period, user_id, &error)))
    return fail_error (error);

  if (forecast_options.json)
    {
      g_autoptr(JsonNode) node = crm_forecast_to_json (forecast);

      print_json (node);
      if (forecast->n_unconverted)
        g_printerr (_("crm-cli: %u deal(s) or figure(s) left out: no exchange rate into %s on or before their date\n"),
                    forecast->n_unconverted, forecast->currency);
    }
  else
    print_table (store, forecast);
  return 0;
}

static int
run_adjust (CrmStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmRecord) record = NULL;
  g_autofree char *author_id = NULL;
  g_autofree char *user_id = NULL;
  const char *category;
  const char *amount;
  CrmPeriod period;

  if (forecast_options.period == NULL || forecast_options.user == NULL ||
      (forecast_options.commit == NULL) == (forecast_options.best_case == NULL) ||
      forecast_options.note == NULL)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("adjust needs --period P --user NAME, one of --commit AMOUNT "
                               "or --best-case AMOUNT, and --note TEXT"));
  category = forecast_options.commit ? "commit" : "best_case";
  amount = forecast_options.commit ? forecast_options.commit : forecast_options.best_case;

  if (!resolve_period (store, &period, &error) ||
      !(user_id = crm_forecast_find_user (store, forecast_options.user, &error)))
    return fail_error (error);
  if ((author_id = signed_in_user (store)) == NULL)
    return crm_cli_fail (1, _("An adjustment needs to know who makes it: log this profile in first (crm-cli login)"));
  if (!(record = crm_forecast_adjust (store, &period, author_id, user_id, category, amount,
                                      forecast_options.note, &error)))
    return fail_error (error);

  if (forecast_options.json)
    {
      g_autoptr(JsonNode) node = crm_record_to_json (record);
      print_json (node);
    }
  else
    g_print (_("Adjusted the %s %s of %s to %s %s (adjustment %s)\n"), period.name,
             forecast_options.commit ? _("commit") : _("best case"), forecast_options.user,
             crm_record_get_string (record, "amount"), crm_record_get_string (record, "currency"),
             crm_record_get_id (record));
  return 0;
}

static int
run_submit (CrmStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmRecord) record = NULL;
  g_autofree char *user_id = NULL;
  CrmPeriod period;

  if (forecast_options.user != NULL)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("submit sends your own forecast; it takes no --user"));
  if (!resolve_period (store, &period, &error))
    return fail_error (error);
  if ((user_id = signed_in_user (store)) == NULL)
    return crm_cli_fail (1, _("Submitting needs to know whose forecast it is: log this profile in first (crm-cli login)"));
  if (!(record = crm_forecast_submit (store, &period, user_id, &error)))
    return fail_error (error);

  if (forecast_options.json)
    {
      g_autoptr(JsonObject) submission = crm_forecast_dup_submission (store, &period, user_id, NULL);
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), submission);

      print_json (node);
    }
  else
    g_print ("%s\n", crm_record_get_string (record, "subject"));
  return 0;
}

static int
run_history (CrmStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) history = NULL;
  g_autofree char *user_id = NULL;
  CrmPeriod period;

  if (!resolve_period (store, &period, &error) ||
      !(user_id = resolve_user (store, &error)) ||
      !(history = crm_forecast_dup_history (store, &period, user_id, &error)))
    return fail_error (error);

  if (forecast_options.json)
    {
      g_autoptr(JsonArray) array = json_array_sized_new (history->len);
      g_autoptr(JsonNode) node = NULL;

      for (guint i = 0; i < history->len; i++)
        json_array_add_element (array, crm_record_to_json (g_ptr_array_index (history, i)));
      node = json_node_init_array (json_node_alloc (), array);
      print_json (node);
      return 0;
    }

  for (guint i = 0; i < history->len; i++)
    {
      CrmRecord *record = g_ptr_array_index (history, i);
      const char *author_id = crm_record_get_string (record, "author_id");
      g_autoptr(CrmRecord) author = author_id ? crm_store_get (store, "users", author_id, NULL) : NULL;
      JsonNode *reverted = crm_record_get_field (record, "reverted");

      g_print ("%s\t%s\t%s %s\t%s\t%s%s\t%s\n", crm_record_get_created_at (record),
               crm_record_get_string (record, "category"),
               crm_record_get_string (record, "amount"), crm_record_get_string (record, "currency"),
               author ? crm_record_get_string (author, "name") : "?",
               reverted && json_node_get_boolean (reverted) ? _("reverted; ") : "",
               crm_record_get_string (record, "note") ? crm_record_get_string (record, "note") : "",
               crm_record_get_id (record));
    }
  return 0;
}

static int
run_changes (CrmStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmForecastChanges) changes = NULL;
  g_autofree char *user_id = NULL;
  CrmPeriod period;

  if (forecast_options.since == NULL)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("changes needs --since DATE, the day to compare with, e.g. --since 2026-11-23"));
  if (!resolve_period (store, &period, &error) ||
      !(user_id = resolve_user (store, &error)))
    return fail_error (error);
  take_daily_snapshot (store);
  if (!(changes = crm_forecast_changes (store, &period, user_id, forecast_options.since, &error)))
    return fail_error (error);

  if (forecast_options.json)
    {
      g_autoptr(JsonNode) node = crm_forecast_changes_to_json (changes);

      print_json (node);
      if (changes->n_unconverted)
        g_printerr (_("crm-cli: %u deal(s) left out: no exchange rate into %s on or before their date\n"),
                    changes->n_unconverted, changes->currency);
    }
  else
    print_changes (changes);
  return 0;
}

static int
run_snapshot (CrmStore *store)
{
  g_autoptr(GError) error = NULL;
  CrmForecastSnapshot snapshot;

  if (forecast_options.period || forecast_options.user)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("snapshot records every deal; it takes no --period or --user"));
  if (!crm_forecast_snapshot (store, NULL, FALSE, &snapshot, &error))
    return fail_error (error);
  if (forecast_options.json)
    g_print ("{\"taken_at\": \"%s\", \"taken_on\": \"%s\", \"deals\": %u, \"changed\": %u}\n",
             snapshot.taken_at, snapshot.taken_on, snapshot.deals, snapshot.changed);
  else
    g_print (_("Took a forecast snapshot of %u deal(s) at %s; %u changed since the last one\n"),
             snapshot.deals, snapshot.taken_at, snapshot.changed);
  return 0;
}

static int
run_revert (CrmStore   *store,
            const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmRecord) record = NULL;
  g_autofree char *author_id = NULL;

  if ((author_id = signed_in_user (store)) == NULL)
    return crm_cli_fail (1, _("A revert needs to know who makes it: log this profile in first (crm-cli login)"));
  if (!(record = crm_forecast_revert (store, author_id, id, &error)))
    return fail_error (error);
  g_print (_("Reverted adjustment %s\n"), id);
  return 0;
}

static int
run (const char  *data_dir,
     const char  *profile,
     int          argc,
     char       **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autofree char *path = NULL;
  const char *sub = argc > 0 ? argv[0] : NULL;
  int expected = g_strcmp0 (sub, "revert") == 0 ? 2 : sub ? 1 : 0;

  if (sub && !g_strv_contains ((const char * const[]) { "adjust", "submit", "history", "revert",
                                                        "changes", "snapshot", NULL }, sub))
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("Unknown forecast command “%s”; use adjust, submit, history, revert, "
                               "changes or snapshot"), sub);
  if (argc != expected)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, g_strcmp0 (sub, "revert") == 0
                             ? _("forecast revert needs one adjustment id")
                             : _("forecast takes no arguments besides its options"));
  if (g_strcmp0 (sub, "revert") == 0 && !crm_is_uuid (argv[1]))
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("“%s” is not an adjustment id"), argv[1]);
  if ((forecast_options.commit || forecast_options.best_case || forecast_options.note) &&
      g_strcmp0 (sub, "adjust") != 0)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("--commit, --best-case and --note go with “forecast adjust”"));
  if (forecast_options.since && g_strcmp0 (sub, "changes") != 0)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("--since goes with “forecast changes”"));

  if (!(path = crm_store_dup_profile_path (data_dir, profile ? profile : "default", &error)) ||
      !(store = crm_store_open (path, &error)))
    return fail_error (error);

  if (sub == NULL)
    return run_show (store);
  if (g_str_equal (sub, "adjust"))
    return run_adjust (store);
  if (g_str_equal (sub, "submit"))
    return run_submit (store);
  if (g_str_equal (sub, "history"))
    return run_history (store);
  if (g_str_equal (sub, "changes"))
    return run_changes (store);
  if (g_str_equal (sub, "snapshot"))
    return run_snapshot (store);
  return run_revert (store, argv[1]);
}

/* Public API **********************************************************/

const GOptionEntry *
crm_cli_forecast_entries (void)
{
  return entries;
}

int
crm_cli_forecast_run (const char  *data_dir,
                      const char  *profile,
                      int          argc,
                      char       **argv)
{
  int status = run (data_dir, profile, argc, argv);

  g_clear_pointer (&forecast_options.period, g_free);
  g_clear_pointer (&forecast_options.user, g_free);
  g_clear_pointer (&forecast_options.commit, g_free);
  g_clear_pointer (&forecast_options.best_case, g_free);
  g_clear_pointer (&forecast_options.note, g_free);
  g_clear_pointer (&forecast_options.since, g_free);
  return status;
}
