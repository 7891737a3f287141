/* bench-app.c: the window on a big profile
 *
 * Goals (see the app issue), with 100k opportunities and 100k contacts in
 * the profile: first drawn pipeline ≤ 400 ms after launch, RSS ≤ 150 MB
 * after it, every keystroke's search results ≤ 30 ms, and the main loop
 * never blocked for more than 16 ms during a sync.
 *
 * Runs the real window in process, so it needs a display: run it inside
 * build-aux/test-session, e.g.
 *
 *   dbus-run-session -- build-aux/test-session meson test -C _build --benchmark app
 *
 * Prints one JSON object per measurement (progress on stderr; nothing is
 * asserted):
 *
 *   seed            filling the profile (once; --dir keeps it for the next run)
 *   first_frame     crm_window_open() to the frame drawn after the board
 *                   holds its deals
 *   rss             the process's resident memory then, MB
 *   rss_loaded      the same once the board's worker has finished
 *   search_keystroke  the search window's results after each keystroke of
 *                   a few names, typed one character at a time: p50/p99/max
 *   view_reload     each view loading the profile again (what it does on
 *                   records-changed), ms: what the main loop spends
 *   pipeline_load   the pipeline's load to its column sums, which a
 *                   worker thread reads, ms
 *   quotes_load     the same for the quotes, until they show
 *   list_load       the pipeline's list mode: until its rows show
 *   idle_baseline   the longest gap between 1 ms ticks over 1.5 s when
 *                   nothing happens: the floor sync_refresh stands on
 *   sync_refresh    the main loop's longest stall while the window takes in
 *                   a sync's changes (a deal edited through another
 *                   connection; the views reload on records-changed),
 *                   measured as the longest gap between 1 ms ticks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "bench-app"

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "bench-util.h"
#include "crm-contacts-view.h"
#include "crm-demo.h"
#include "crm-forecast-view.h"
#include "crm-pipeline-view.h"
#include "crm-quotes-view.h"
#include "crm-search-window.h"
#include "crm-window-private.h"

static int deal_count = 100000;
static int contact_count = 100000;
static char *keep_dir;

static const GOptionEntry entries[] = {
  { "deals", 0, 0, G_OPTION_ARG_INT, &deal_count, "Opportunities in the profile (default 100000)", "N" },
  { "contacts", 0, 0, G_OPTION_ARG_INT, &contact_count, "Contacts in the profile (default 100000)", "N" },
  { "dir", 0, 0, G_OPTION_ARG_FILENAME, &keep_dir, "Keep the profile here and reuse it", "DIR" },
  { NULL }
};

static gboolean
iterate_until (gboolean (*done) (gpointer),
               gpointer   data,
               guint      seconds)
{
  gint64 end = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (!done (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, TRUE);
    }
  return TRUE;
}

static double
rss_mb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      !(line = strstr (status, "VmRSS:")))
    return -1;
  return g_ascii_strtod (line + strlen ("VmRSS:"), NULL) / 1024.0;
}

/* Seeding ***************************************************************/

static gboolean
seed (const char  *data_dir,
      GError     **error)
{
  g_autofree char *path = crm_store_dup_profile_path (data_dir, "bench", error);
  g_autoptr(CrmStore) store = NULL;
  CrmDemoSize size = { 2000, contact_count, deal_count };
  gint64 start;

  if (path == NULL || !(store = crm_store_open (path, error)))
    return FALSE;
  if (crm_demo_is_seeded (store))
    return TRUE;
  g_printerr ("bench-app: seeding %d contacts and %d opportunities in %s\n", contact_count, deal_count, path);
  start = g_get_monotonic_time ();
  if (!crm_demo_seed (store, &size, NULL, error))
    return FALSE;
  printf ("{\"bench\":\"app\",\"name\":\"seed\",\"contacts\":%d,\"deals\":%d,\"seconds\":%.1f}\n",
          contact_count, deal_count, (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  fflush (stdout);
  return TRUE;
}

/* The first frame *******************************************************/

typedef struct
{
  CrmWindow *window;
  gboolean   painted;
  guint      paint_handler;
} Launch;

static gboolean
board_filled (gpointer data)
{
  Launch *launch = data;
  CrmPipelineView *pipeline;

  if (g_strcmp0 (_crm_window_get_page (launch->window), "main") != 0)
    return FALSE;
  pipeline = CRM_PIPELINE_VIEW (_crm_window_get_view (launch->window, "pipeline"));
  /* The columns hold their first deals */
  for (guint i = 0; i < crm_pipeline_view_get_n_columns (pipeline); i++)
    if (g_list_model_get_n_items (crm_pipeline_view_get_column_model (pipeline, i)) > 0)
      return TRUE;
  return FALSE;
}

static void
after_paint_cb (GdkFrameClock *clock,
                Launch        *launch)
{
  if (board_filled (launch))
    launch->painted = TRUE;
}

static gboolean
painted (gpointer data)
{
  return ((Launch *) data)->painted;
}

typedef struct
{
  CrmStore   *store;
  const char *entity;
  const char *id;
  JsonObject *changes;
  CrmRecord  *saved;
  GError     *error;
  gboolean    done;
} Update;

static gpointer
update_thread (gpointer data)
{
  Update *update = data;

  update->saved = crm_store_update (update->store, update->entity, update->id, update->changes, &update->error);
  g_atomic_int_set (&update->done, TRUE);
  g_main_context_wakeup (NULL);
  return NULL;
}

static gboolean
update_done (gpointer data)
{
  return g_atomic_int_get (&((Update *) data)->done);
}

/* crm_store_update() on another thread, the main loop running meanwhile */
static CrmRecord *
update_in_thread (CrmStore    *store,
                  const char  *entity,
                  const char  *id,
                  JsonObject  *changes,
                  GError     **error)
{
  Update update = { store, entity, id, changes, NULL, NULL, FALSE };
  GThread *thread = g_thread_new ("bench-update", update_thread, &update);

  iterate_until (update_done, &update, 60);
  g_thread_join (thread);
  if (update.error)
    g_propagate_error (error, update.error);
  return update.saved;
}

static gboolean
list_filled (gpointer data)
{
  return g_list_model_get_n_items (data) > 0;
}

static gboolean
quotes_shown (gpointer data)
{
  return g_list_model_get_n_items (crm_quotes_view_get_model (data)) > 0;
}

static gboolean
pipeline_summed (gpointer data)
{
  gint64 total, weighted;

  return crm_pipeline_view_get_n_columns (data) > 0 &&
         crm_pipeline_view_get_column_amounts (data, 0, &total, &weighted);
}

/* Ticks: the longest the main loop went without running them */
typedef struct
{
  gint64 last;
  gint64 longest;
} Ticks;

static gboolean
tick_cb (gpointer data)
{
  Ticks *ticks = data;
  gint64 now = g_get_monotonic_time ();

  if (ticks->last)
    ticks->longest = MAX (ticks->longest, now - ticks->last);
  ticks->last = now;
  return G_SOURCE_CONTINUE;
}

static gboolean
run (const char  *data_dir,
     GError     **error)
{
  static const char * const names[] = { "anna", "müller", "northwind", "ada lov", "sterling bank" };
  Launch launch = { NULL, FALSE, 0 };
  g_autoptr(GArray) keystrokes = g_array_new (FALSE, FALSE, sizeof (gint64));
  GtkWindow *search;
  GdkFrameClock *clock;
  CrmContext *context;
  Ticks ticks = { 0, 0 };
  gint64 start;
  guint tick;
  double first_frame;

  /* Launch: open the profile and wait for a frame that shows the board */
  start = g_get_monotonic_time ();
  launch.window = crm_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (launch.window), 1280, 800);
  crm_window_open (launch.window, data_dir, "bench");
  gtk_window_present (GTK_WINDOW (launch.window));
  gtk_widget_realize (GTK_WIDGET (launch.window));
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (launch.window));
  launch.paint_handler = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &launch);
  if (!iterate_until (painted, &launch, 120))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "the pipeline was not drawn within 120 s");
      return FALSE;
    }
  first_frame = (g_get_monotonic_time () - start) / 1000.0;
  g_signal_handler_disconnect (clock, launch.paint_handler);
  printf ("{\"bench\":\"app\",\"name\":\"first_frame\",\"deals\":%d,\"contacts\":%d,\"ms\":%.1f}\n",
          deal_count, contact_count, first_frame);
  printf ("{\"bench\":\"app\",\"name\":\"rss\",\"mb\":%.1f}\n", rss_mb ());
  /* And once the board's worker is done (its sums are in) */
  iterate_until (pipeline_summed, _crm_window_get_view (launch.window, "pipeline"), 60);
  printf ("{\"bench\":\"app\",\"name\":\"rss_loaded\",\"mb\":%.1f}\n", rss_mb ());
  fflush (stdout);

  /* Search as you type */
  context = _crm_window_get_context (launch.window);
  search = crm_search_window_new (context, GTK_WINDOW (launch.window));
  gtk_window_present (search);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    for (gsize n = 1; n <= strlen (names[i]); n = g_utf8_next_char (names[i] + n) - names[i])
      {
        g_autofree char *typed = g_strndup (names[i], n);
        gint64 begin = g_get_monotonic_time ();
        gint64 spent;

        crm_search_window_set_text (CRM_SEARCH_WINDOW (search), typed);
        spent = g_get_monotonic_time () - begin;
        g_array_append_val (keystrokes, spent);
        while (g_main_context_pending (NULL))
          g_main_context_iteration (NULL, FALSE);
      }
  g_array_sort (keystrokes, bench_compare_gint64);
  printf ("{\"bench\":\"app\",\"name\":\"search_keystroke\",\"keystrokes\":%u,\"p50_ms\":%.2f,\"p99_ms\":%.2f,"
          "\"max_ms\":%.2f}\n",
          keystrokes->len, bench_percentile_ms (keystrokes, 50), bench_percentile_ms (keystrokes, 99),
          bench_percentile_ms (keystrokes, 100));
  fflush (stdout);
  gtk_window_destroy (search);

  /* Each view's reload on its own */
  {
    static const char * const views[] = { "pipeline", "contacts", "quotes", "forecast" };

    for (guint i = 0; i < G_N_ELEMENTS (views); i++)
      {
        GtkWidget *view = _crm_window_get_view (launch.window, views[i]);
        gint64 begin;

        /* A view behind another reloads only when it shows */
        gtk_widget_activate_action (GTK_WIDGET (launch.window), "win.show-view", "s", views[i]);
        while (g_main_context_pending (NULL))
          g_main_context_iteration (NULL, FALSE);
        begin = g_get_monotonic_time ();

        if (i == 0)
          crm_pipeline_view_set_context (CRM_PIPELINE_VIEW (view), context);
        else if (i == 1)
          crm_contacts_view_set_context (CRM_CONTACTS_VIEW (view), context);
        else if (i == 2)
          crm_quotes_view_set_context (CRM_QUOTES_VIEW (view), context);
        else
          crm_forecast_view_set_context (CRM_FORECAST_VIEW (view), context);
        printf ("{\"bench\":\"app\",\"name\":\"view_reload\",\"view\":\"%s\",\"ms\":%.1f}\n",
                views[i], (g_get_monotonic_time () - begin) / 1000.0);
        /* The pipeline and the quotes read in a worker: until what it
         * read shows (the pipeline's sums are in) */
        if (i == 0 || i == 2)
          {
            iterate_until (i == 0 ? pipeline_summed : quotes_shown, view, 60);
            printf ("{\"bench\":\"app\",\"name\":\"%s_load\",\"ms\":%.1f}\n",
                    views[i], (g_get_monotonic_time () - begin) / 1000.0);
          }
      }
    fflush (stdout);
  }

  gtk_widget_activate_action (GTK_WIDGET (launch.window), "win.show-view", "s", "pipeline");

  /* The list mode: every deal, in the database's order, a page at a time */
  {
    CrmPipelineView *pipeline = CRM_PIPELINE_VIEW (_crm_window_get_view (launch.window, "pipeline"));
    gint64 begin = g_get_monotonic_time ();
    GListModel *rows = crm_pipeline_view_get_list_model (pipeline, TRUE);

    iterate_until (list_filled, rows, 60);
    printf ("{\"bench\":\"app\",\"name\":\"list_load\",\"rows\":%u,\"ms\":%.1f}\n",
            g_list_model_get_n_items (rows), (g_get_monotonic_time () - begin) / 1000.0);
    crm_pipeline_view_get_list_model (pipeline, FALSE);
    iterate_until (pipeline_summed, pipeline, 60);
    fflush (stdout);
  }

  /* What the main loop does when a sync has brought changes: a deal of
   * the first column changes through another connection, as a sync writes,
   * and the views reload on records-changed while the 1 ms ticks wait */
  {
    CrmPipelineView *pipeline = CRM_PIPELINE_VIEW (_crm_window_get_view (launch.window, "pipeline"));
    g_autoptr(CrmRecord) deal = g_list_model_get_item (crm_pipeline_view_get_column_model (pipeline, 0), 0);
    g_autoptr(CrmStore) other = crm_store_open (crm_store_get_path (crm_context_get_store (context)), error);

    if (deal == NULL || other == NULL)
      return FALSE;
    /* The same wait with nothing happening: what the machine's own
     * scheduling and the display cost the ticks, to read the figure by */
    {
      Ticks idle = { 0, 0 };

      tick = g_timeout_add (1, tick_cb, &idle);
      for (gint64 end = g_get_monotonic_time () + 5 * 300000; g_get_monotonic_time () < end;)
        g_main_context_iteration (NULL, FALSE);
      g_source_remove (tick);
      printf ("{\"bench\":\"app\",\"name\":\"idle_baseline\",\"longest_stall_ms\":%.1f}\n", idle.longest / 1000.0);
    }
    tick = g_timeout_add (1, tick_cb, &ticks);
    for (guint i = 0; i < 5; i++)
      {
        g_autoptr(JsonObject) changes = json_object_new ();
        g_autofree char *amount = g_strdup_printf ("%u.00", 1000 + i);
        g_autoptr(CrmRecord) saved = NULL;

        json_object_set_string_member (changes, "amount", amount);
        /* Written by another thread, as a sync writes: its fsync is not
         * the window's */
        if (!(saved = update_in_thread (other, "opportunities", crm_record_get_id (deal), changes, error)))
          return FALSE;
        g_signal_emit_by_name (context, "records-changed");
        for (gint64 end = g_get_monotonic_time () + 300000; g_get_monotonic_time () < end;)
          g_main_context_iteration (NULL, FALSE);
      }
    g_source_remove (tick);
  }
  printf ("{\"bench\":\"app\",\"name\":\"sync_refresh\",\"longest_stall_ms\":%.1f}\n", ticks.longest / 1000.0);
  fflush (stdout);

  gtk_window_destroy (GTK_WINDOW (launch.window));
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) options = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = NULL;
  gboolean ok;

  g_option_context_set_summary (options, "Measure the window on a big profile: first frame, memory, "
                                         "search as you type, the main loop during a sync. Needs a display.");
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("bench-app: %s\n", error->message);
      return 2;
    }
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_printerr ("bench-app: needs a display; run it in build-aux/test-session\n");
      return 2;
    }
  adw_init ();
  data_dir = keep_dir ? g_strdup (keep_dir) : g_dir_make_tmp ("crm-bench-app-XXXXXX", &error);
  if (data_dir == NULL)
    {
      g_printerr ("bench-app: %s\n", error->message);
      return 1;
    }
  ok = seed (data_dir, &error) && run (data_dir, &error);
  if (!ok)
    g_printerr ("bench-app: %s\n", error->message);
  if (keep_dir == NULL)
    bench_remove_tree (data_dir);
  return ok ? 0 : 1;
}
