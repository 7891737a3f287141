/* test-app.c: the real window, in process, under a real display
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "crm-contacts-view.h"
#include "crm-credentials.h"
#include "crm-decimal.h"
#include "crm-demo-server.h"
#include "crm-demo.h"
#include "crm-pipeline-view.h"
#include "crm-preferences-window.h"
#include "crm-profile.h"
#include "crm-quote-editor.h"
#include "crm-quote-record.h"
#include "crm-quotes-view.h"
#include "crm-record-detail.h"
#include "crm-record-editor.h"
#include "crm-record-list.h"
#include "crm-record-picker.h"
#include "crm-forecast-chart.h"
#include "crm-forecast-view.h"
#include "crm-outbox-window.h"
#include "crm-record-window.h"
#include "crm-store-private.h"
#include "crm-search-window.h"
#include "crm-sync-indicator.h"
#include "crm-window-private.h"

typedef gboolean (*Condition) (gpointer data);

typedef struct
{
  char      *data_dir;
  CrmWindow *window;
  GSubprocess *server;
  char      *server_url;
} Fixture;

/* Helpers *************************************************************/

static gboolean
wait_for (Condition condition,
          gpointer  data,
          guint     seconds)
{
  gint64 end = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (5000);
    }
  return TRUE;
}

static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
}

static void
seed_profile (Fixture    *f,
              const char *profile)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = crm_store_dup_profile_path (f->data_dir, profile, &error);
  g_autoptr(CrmStore) store = crm_store_open (path, &error);
  CrmDemoSize size = { 20, 40, 30 };

  g_assert_no_error (error);
  crm_demo_seed (store, &size, NULL, &error);
  g_assert_no_error (error);
}

static void
open_window (Fixture    *f,
             const char *profile)
{
  f->window = crm_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1100, 720);
  crm_window_open (f->window, f->data_dir, profile);
  gtk_window_present (GTK_WINDOW (f->window));
}

static gboolean
page_is_main (gpointer data)
{
  return g_strcmp0 (_crm_window_get_page (data), "main") == 0;
}

static void
server_started_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Fixture *f = user_data;
  g_autoptr(GError) error = NULL;

  f->server = crm_demo_server_start_finish (result, &f->server_url, &error);
  g_assert_no_error (error);
}

static gboolean
server_is_up (gpointer data)
{
  return ((Fixture *) data)->server != NULL;
}

/* A crm-server --demo of the test's own, as another company's would be */
static void
start_server (Fixture *f)
{
  g_autofree char *dir = g_build_filename (f->data_dir, "server", NULL);

  crm_demo_server_start_async (dir, 0, NULL, server_started_cb, f);
  g_assert_true (wait_for (server_is_up, f, 60));
}

/* The first widget under @root of @type whose title, label or accessible
 * text is @text */
static GtkWidget *
find_widget (GtkWidget  *root,
             GType       type,
             const char *text)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    {
      const char *name = NULL;

      if (ADW_IS_PREFERENCES_ROW (root))
        name = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root));
      else if (GTK_IS_BUTTON (root))
        name = gtk_button_get_label (GTK_BUTTON (root));
      else if (GTK_IS_LABEL (root))
        name = gtk_label_get_text (GTK_LABEL (root));
      if (text == NULL || g_strcmp0 (name, text) == 0)
        return root;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type, text);

      if (found)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_error_label (GtkWidget *root)
{
  if (GTK_IS_LABEL (root) && gtk_widget_has_css_class (root, "error"))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_error_label (child);

      if (found)
        return found;
    }
  return NULL;
}

static void
fill_in (Fixture    *f,
         const char *title,
         const char *text)
{
  GtkWidget *row = find_widget (_crm_window_get_welcome (f->window), ADW_TYPE_ENTRY_ROW, title);

  g_assert_nonnull (row);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

static void
click (GtkWidget  *root,
       const char *label)
{
  GtkWidget *button = find_widget (root, GTK_TYPE_BUTTON, label);

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

static gboolean
error_shown (gpointer data)
{
  GtkWidget *label = find_error_label (_crm_window_get_welcome (data));

  return label && gtk_widget_get_visible (label) && *gtk_label_get_text (GTK_LABEL (label));
}

static guint
count_deals (CrmPipelineView *pipeline)
{
  guint n = 0;

  for (guint i = 0; i < crm_pipeline_view_get_n_columns (pipeline); i++)
    n += g_list_model_get_n_items (crm_pipeline_view_get_column_model (pipeline, i));
  return n;
}

static gboolean
synced (gpointer data)
{
  CrmContext *context = _crm_window_get_context (data);

  return context && crm_context_get_sync_state (context) == CRM_SYNC_STATE_IDLE;
}

typedef struct
{
  CrmPipelineView *pipeline;
  guint            expected;
} BoardCount;

static gboolean
board_shows (gpointer data)
{
  BoardCount *count = data;

  return count_deals (count->pipeline) == count->expected;
}

static void
assert_board_shows (CrmPipelineView *pipeline,
                    guint            expected)
{
  BoardCount count = { pipeline, expected };

  if (!wait_for (board_shows, &count, 10))
    g_error ("the board shows %u deals, not %u", count_deals (pipeline), expected);
}

typedef struct
{
  CrmPipelineView *pipeline;
  guint            column;
  guint            expected;
} ColumnCount;

static gboolean
column_shows (gpointer data)
{
  ColumnCount *count = data;

  return g_list_model_get_n_items (crm_pipeline_view_get_column_model (count->pipeline, count->column)) ==
         count->expected;
}

static void
assert_column_shows (CrmPipelineView *pipeline,
                     guint            column,
                     guint            expected)
{
  ColumnCount count = { pipeline, column, expected };

  if (!wait_for (column_shows, &count, 10))
    g_error ("column %u shows %u deals, not %u", column,
             g_list_model_get_n_items (crm_pipeline_view_get_column_model (pipeline, column)), expected);
}

/* Every column's sums are in */
static gboolean
board_summed (gpointer data)
{
  gint64 total, weighted;

  for (guint i = 0; i < crm_pipeline_view_get_n_columns (data); i++)
    if (!crm_pipeline_view_get_column_amounts (data, i, &total, &weighted))
      return FALSE;
  return crm_pipeline_view_get_n_columns (data) > 0;
}

static gboolean
model_filled (gpointer data)
{
  return g_list_model_get_n_items (data) > 0;
}

/* Shows a view, as its switcher button does, and waits for it to load */
static void
show_view (Fixture    *f,
           const char *name,
           GListModel *model)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-view", "s", name));
  g_assert_true (wait_for (model_filled, model, 10));
}

/* Fixture *************************************************************/

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->data_dir = g_dir_make_tmp ("crm-test-app-XXXXXX", &error);
  g_assert_no_error (error);
}

static gboolean
no_windows (gpointer data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  return g_list_model_get_n_items (toplevels) == 0;
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  g_autofree char *command = NULL;

  /* Every window, the record and search windows too */
  while (g_list_model_get_n_items (toplevels) > 0)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, 0);

      gtk_window_destroy (window);
    }
  wait_for (no_windows, NULL, 5);
  spin (50);
  if (f->server)
    {
      g_subprocess_send_signal (f->server, SIGTERM);
      g_subprocess_wait (f->server, NULL, NULL);
      g_clear_object (&f->server);
    }
  g_free (f->server_url);
  command = g_strdup_printf ("rm -rf '%s'", f->data_dir);
  g_assert_cmpint (system (command), ==, 0);
  g_free (f->data_dir);
}

/* Tests ***************************************************************/

static void
test_welcome_without_profile (Fixture       *f,
                              gconstpointer  data)
{
  open_window (f, NULL);
  spin (100);
  g_assert_cmpstr (_crm_window_get_page (f->window), ==, "welcome");
  g_assert_null (_crm_window_get_context (f->window));
  /* Both ways in are there, and Connect waits for the form */
  g_assert_nonnull (find_widget (_crm_window_get_welcome (f->window), GTK_TYPE_BUTTON, "_Try the Demo"));
  g_assert_false (gtk_widget_is_sensitive (find_widget (_crm_window_get_welcome (f->window),
                                                        GTK_TYPE_BUTTON, "_Connect")));
}

static void
test_pipeline_shows_seeded (Fixture       *f,
                            gconstpointer  data)
{
  CrmPipelineView *pipeline;
  CrmStore *store;
  g_autoptr(GPtrArray) stages = NULL;
  g_autoptr(GPtrArray) deals = NULL;
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autoptr(CrmRecord) created = NULL;
  g_autoptr(GError) error = NULL;
  guint before;

  seed_profile (f, "acme");
  open_window (f, NULL);
  g_assert_true (wait_for (page_is_main, f->window, 10));
  g_assert_cmpstr (_crm_window_get_visible_view (f->window), ==, "pipeline");
  for (guint i = 0; i < 4; i++)
    g_assert_nonnull (_crm_window_get_view (f->window, (const char *[]) { "pipeline", "contacts", "quotes", "forecast" }[i]));

  store = crm_context_get_store (_crm_window_get_context (f->window));
  pipeline = CRM_PIPELINE_VIEW (_crm_window_get_view (f->window, "pipeline"));
  stages = crm_store_list (store, "stages", NULL, 0, 0, &error);
  g_assert_no_error (error);
  deals = crm_store_list (store, "opportunities", NULL, 0, 0, &error);
  g_assert_no_error (error);

  /* A column per stage, in stage order, and every deal in one of them
   * (read by a worker thread, so waited for) */
  g_assert_cmpuint (deals->len, >, 0);
  assert_board_shows (pipeline, deals->len);
  g_assert_cmpuint (crm_pipeline_view_get_n_columns (pipeline), ==, stages->len);
  g_assert_true (wait_for (board_summed, pipeline, 10));
  for (guint i = 0; i < stages->len; i++)
    {
      g_autofree char *title = crm_record_dup_title (g_ptr_array_index (stages, i));

      g_assert_cmpstr (crm_pipeline_view_get_column_title (pipeline, i), ==, title);
      g_assert_nonnull (strstr (crm_pipeline_view_get_column_summary (pipeline, i), "deal"));
    }

  /* A new deal shows in its stage's column without a reload by hand */
  before = g_list_model_get_n_items (crm_pipeline_view_get_column_model (pipeline, 0));
  json_object_set_string_member (fields, "name", "Test deal");
  json_object_set_string_member (fields, "stage_id", crm_record_get_id (g_ptr_array_index (stages, 0)));
  json_object_set_string_member (fields, "amount", "1000.00");
  json_object_set_string_member (fields, "currency", "EUR");
  created = crm_store_create (store, "opportunities", fields, &error);
  g_assert_no_error (error);
  assert_board_shows (pipeline, deals->len + 1);
  g_assert_cmpuint (g_list_model_get_n_items (crm_pipeline_view_get_column_model (pipeline, 0)), ==, before + 1);

  /* Not connected to a server: said so, not shown as a failure */
  g_assert_cmpstr (crm_sync_indicator_get_label (CRM_SYNC_INDICATOR (find_widget (GTK_WIDGET (f->window),
                                                                                   CRM_TYPE_SYNC_INDICATOR, NULL))),
                   ==, "On this computer");
}

static gboolean
detail_is (gpointer data)
{
  gpointer *args = data;

  return g_strcmp0 (crm_contacts_view_get_detail_title (args[0]), args[1]) == 0;
}

static void
test_search_finds_contact (Fixture       *f,
                           gconstpointer  data)
{
  CrmStore *store;
  g_autoptr(GPtrArray) contacts = NULL;
  g_autoptr(GError) error = NULL;
  CrmRecord *contact;
  GtkWindow *search;
  GListModel *hits;
  g_autofree char *full_name = NULL;
  gboolean found = FALSE;
  gpointer args[2];

  seed_profile (f, "acme");
  open_window (f, NULL);
  g_assert_true (wait_for (page_is_main, f->window, 10));
  store = crm_context_get_store (_crm_window_get_context (f->window));
  contacts = crm_store_list (store, "contacts", NULL, 1, 0, &error);
  g_assert_no_error (error);
  contact = g_ptr_array_index (contacts, 0);
  full_name = g_strdup_printf ("%s %s", crm_record_get_string (contact, "first_name"),
                               crm_record_get_string (contact, "last_name"));

  /* Ctrl+K opens the search window */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.search", NULL));
  spin (100);
  search = NULL;
  {
    GListModel *toplevels = gtk_window_get_toplevels ();

    for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
      {
        g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

        if (CRM_IS_SEARCH_WINDOW (window))
          search = window;
      }
  }
  g_assert_nonnull (search);

  crm_search_window_set_text (CRM_SEARCH_WINDOW (search), full_name);
  hits = crm_search_window_get_model (CRM_SEARCH_WINDOW (search));
  for (guint i = 0; i < g_list_model_get_n_items (hits); i++)
    {
      g_autoptr(CrmRecord) hit = g_list_model_get_item (hits, i);

      found |= g_str_equal (crm_record_get_id (hit), crm_record_get_id (contact));
    }
  g_assert_true (found);

  /* Pick it, and Enter opens it in Contacts */
  for (guint i = 0; i < g_list_model_get_n_items (hits); i++)
    {
      g_autoptr(CrmRecord) hit = g_list_model_get_item (hits, i);

      if (g_str_equal (crm_record_get_id (hit), crm_record_get_id (contact)))
        crm_search_window_select (CRM_SEARCH_WINDOW (search), i);
    }
  crm_search_window_open_selected (CRM_SEARCH_WINDOW (search));
  spin (100);
  g_assert_cmpstr (_crm_window_get_visible_view (f->window), ==, "contacts");
  args[0] = _crm_window_get_view (f->window, "contacts");
  args[1] = full_name;
  g_assert_true (wait_for (detail_is, args, 5));
}

static void
test_contacts_filter (Fixture       *f,
                      gconstpointer  data)
{
  CrmContactsView *contacts;
  GListModel *model;
  guint all;

  seed_profile (f, "acme");
  open_window (f, NULL);
  g_assert_true (wait_for (page_is_main, f->window, 10));
  contacts = CRM_CONTACTS_VIEW (_crm_window_get_view (f->window, "contacts"));
  model = crm_contacts_view_get_model (contacts);
  /* A view behind another loads when it shows */
  show_view (f, "contacts", model);
  all = g_list_model_get_n_items (model);
  g_assert_cmpuint (all, ==, 40);

  {
    g_autoptr(CrmRecord) first = g_list_model_get_item (model, 0);
    g_autofree char *last = g_strdup (crm_record_get_string (first, "last_name"));

    crm_contacts_view_set_search (contacts, last);
    g_assert_cmpuint (g_list_model_get_n_items (model), >=, 1);
    g_assert_cmpuint (g_list_model_get_n_items (model), <, all);
    for (guint i = 0; i < g_list_model_get_n_items (model); i++)
      {
        g_autoptr(CrmRecord) hit = g_list_model_get_item (model, i);
        g_autoptr(JsonNode) node = crm_record_to_json (hit);
        g_autofree char *text = json_to_string (node, FALSE);

        g_assert_nonnull (strstr (text, last));
      }
  }

  crm_contacts_view_set_entity (contacts, "accounts");
  crm_contacts_view_set_search (contacts, "");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 20);
}

static void
test_connect (Fixture       *f,
              gconstpointer  data)
{
  CrmPipelineView *pipeline;
  g_autofree char *token = NULL;
  g_autoptr(GError) error = NULL;

  start_server (f);
  open_window (f, NULL);
  spin (100);
  g_assert_cmpstr (_crm_window_get_page (f->window), ==, "welcome");

  fill_in (f, "Server Address", f->server_url);
  fill_in (f, "User Name", "riley");
  fill_in (f, "Password", "demo");
  click (_crm_window_get_welcome (f->window), "_Connect");

  /* Signed in, first sync done, the pipeline filled from the server */
  g_assert_true (wait_for (page_is_main, f->window, 120));
  g_assert_true (wait_for (synced, f->window, 60));
  pipeline = CRM_PIPELINE_VIEW (_crm_window_get_view (f->window, "pipeline"));
  g_assert_cmpuint (crm_pipeline_view_get_n_columns (pipeline), >, 0);
  g_assert_cmpuint (count_deals (pipeline), >, 0);
  g_assert_cmpstr (crm_sync_indicator_get_label (CRM_SYNC_INDICATOR (find_widget (GTK_WIDGET (f->window),
                                                                                   CRM_TYPE_SYNC_INDICATOR, NULL))),
                   ==, "Synced");

  /* The token is in the keyring, where crm-cli finds it too */
  token = crm_credentials_lookup (f->server_url, "riley", CRM_CREDENTIALS_TOKEN, &error);
  if (g_error_matches (error, CRM_CREDENTIALS_ERROR, CRM_CREDENTIALS_ERROR_NO_KEYRING))
    return;
  g_assert_no_error (error);
  g_assert_nonnull (token);
  crm_credentials_free_secret (g_steal_pointer (&token));
}

static void
test_wrong_password (Fixture       *f,
                     gconstpointer  data)
{
  GtkWidget *label;

  start_server (f);
  open_window (f, NULL);
  spin (100);
  fill_in (f, "Server Address", f->server_url);
  fill_in (f, "User Name", "riley");
  fill_in (f, "Password", "not the password");
  click (_crm_window_get_welcome (f->window), "_Connect");

  g_assert_true (wait_for (error_shown, f->window, 60));
  label = find_error_label (_crm_window_get_welcome (f->window));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (label)), "password"));
  g_assert_cmpstr (_crm_window_get_page (f->window), ==, "welcome");
  /* Nor an empty profile left for the next start to open */
  {
    g_auto(GStrv) profiles = crm_profile_list (f->data_dir);

    g_assert_cmpstrv (profiles, ((const char *[]) { NULL }));
  }
}

static void
test_unreachable (Fixture       *f,
                  gconstpointer  data)
{
  open_window (f, NULL);
  spin (100);
  /* Port 1 on loopback: nobody listens */
  fill_in (f, "Server Address", "http://127.0.0.1:1");
  fill_in (f, "User Name", "riley");
  fill_in (f, "Password", "demo");
  click (_crm_window_get_welcome (f->window), "_Connect");
  g_assert_true (wait_for (error_shown, f->window, 60));
  g_assert_cmpstr (_crm_window_get_page (f->window), ==, "welcome");

  /* Not a URL at all */
  fill_in (f, "Server Address", "crm example com");
  click (_crm_window_get_welcome (f->window), "_Connect");
  g_assert_true (error_shown (f->window));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (find_error_label (_crm_window_get_welcome (f->window)))),
                            "https://"));
}

static void
test_try_demo (Fixture       *f,
               gconstpointer  data)
{
  CrmPipelineView *pipeline;
  g_auto(GStrv) profiles = NULL;

  open_window (f, NULL);
  spin (100);
  click (_crm_window_get_welcome (f->window), "_Try the Demo");
  g_assert_true (wait_for (page_is_main, f->window, 180));
  g_assert_true (wait_for (synced, f->window, 60));

  pipeline = CRM_PIPELINE_VIEW (_crm_window_get_view (f->window, "pipeline"));
  g_assert_cmpuint (count_deals (pipeline), >, 0);
  profiles = crm_profile_list (f->data_dir);
  g_assert_cmpstrv (profiles, ((const char *[]) { "demo", NULL }));
}

/* GTK 4.8 warns when a text entry loses focus without a window manager,
 * as under Xvfb; nothing of ours is wrong then */
static gboolean
fatal_log_cb (const char     *domain,
              GLogLevelFlags  level,
              const char     *message,
              gpointer        user_data)
{
  return !(g_strcmp0 (domain, "Gtk") == 0 && strstr (message, "did not receive a focus-out event"));
}

static void
skip_without_display (void)
{
  g_test_skip ("No display: run the UI tests under build-aux/test-session");
}

/* Editing *************************************************************/

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}

static gboolean
editor_gone (gpointer data)
{
  return find_toplevel (CRM_TYPE_RECORD_EDITOR) == NULL;
}

/* Queued changes of @entity/@id in the outbox, as "op" strings */
static char *
outbox_ops (CrmStore   *store,
            const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) outbox = crm_store_dup_outbox (store, &error);
  g_autoptr(GString) ops = g_string_new (NULL);
  JsonArray *entries;

  g_assert_no_error (error);
  entries = json_node_get_array (outbox);
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *entry = json_array_get_object_element (entries, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (entry, "id", ""), id) == 0)
        g_string_append_printf (ops, "%s%s", ops->len ? "," : "",
                                json_object_get_string_member_with_default (entry, "op", "?"));
    }
  return g_string_free (g_steal_pointer (&ops), FALSE);
}

static CrmStore *
open_seeded (Fixture *f)
{
  seed_profile (f, "acme");
  open_window (f, NULL);
  g_assert_true (wait_for (page_is_main, f->window, 10));
  return crm_context_get_store (_crm_window_get_context (f->window));
}

/* "New" on the pipeline opens a deal form; a wrong amount is refused in
 * the form, naming the field, and nothing is saved; a right one saves the
 * deal, queues it for sync and shows it on the board */
static void
test_new_deal (Fixture       *f,
               gconstpointer  data)
{
  CrmStore *store = open_seeded (f);
  CrmPipelineView *pipeline = CRM_PIPELINE_VIEW (_crm_window_get_view (f->window, "pipeline"));
  g_autoptr(GPtrArray) stages = crm_store_list (store, "stages", NULL, 0, 0, NULL);
  g_autoptr(GPtrArray) before = crm_store_list (store, "opportunities", NULL, 0, 0, NULL);
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(CrmRecord) deal = NULL;
  g_autofree char *ops = NULL;
  CrmRecordEditor *editor;
  guint shown;

  shown = before->len;
  assert_board_shows (pipeline, shown);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.new-record", NULL));
  editor = CRM_RECORD_EDITOR (find_toplevel (CRM_TYPE_RECORD_EDITOR));
  g_assert_nonnull (editor);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (editor)), ==, "New Deal");

  crm_record_editor_set_text (editor, "name", "Globex — Rollout");
  crm_record_editor_set_text (editor, "stage_id", crm_record_get_id (g_ptr_array_index (stages, 1)));
  crm_record_editor_set_text (editor, "currency", "EUR");
  crm_record_editor_set_text (editor, "amount", "12.345");
  crm_record_editor_set_text (editor, "expected_close_date", "2026-12-31");
  g_assert_false (crm_record_editor_save (editor));
  g_assert_true (g_str_has_prefix (crm_record_editor_get_error (editor), "amount"));
  g_assert_nonnull (find_error_label (GTK_WIDGET (editor)));
  after = crm_store_list (store, "opportunities", NULL, 0, 0, NULL);
  g_assert_cmpuint (after->len, ==, before->len);

  crm_record_editor_set_text (editor, "amount", "12345.5");
  click (GTK_WIDGET (editor), "_Save");
  g_assert_true (wait_for (editor_gone, NULL, 5));

  g_clear_pointer (&after, g_ptr_array_unref);
  after = crm_store_list (store, "opportunities", NULL, 0, 0, NULL);
  g_assert_cmpuint (after->len, ==, before->len + 1);
  for (guint i = 0; i < after->len && deal == NULL; i++)
    if (g_strcmp0 (crm_record_get_string (g_ptr_array_index (after, i), "name"), "Globex — Rollout") == 0)
      deal = g_object_ref (g_ptr_array_index (after, i));
  g_assert_nonnull (deal);
  g_assert_cmpstr (crm_record_get_string (deal, "amount"), ==, "12345.50");
  ops = outbox_ops (store, crm_record_get_id (deal));
  g_assert_cmpstr (ops, ==, "create");
  assert_board_shows (pipeline, shown + 1);
}

static gboolean
matches_shown (gpointer data)
{
  return gtk_widget_get_first_child (data) != NULL;
}

/* The account picker of a deal form finds an account by part of its
 * name, as typed, among 20; the one picked is what the deal saves */
static void
test_record_picker (Fixture       *f,
                    gconstpointer  data)
{
  CrmStore *store = open_seeded (f);
  g_autoptr(GPtrArray) stages = crm_store_list (store, "stages", NULL, 0, 0, NULL);
  g_autoptr(GPtrArray) accounts = crm_store_list (store, "accounts", NULL, 0, 0, NULL);
  CrmRecord *account = g_ptr_array_index (accounts, accounts->len / 2);
  g_autofree char *name = crm_record_dup_title (account);
  /* "Globex Energ": the name but its last letter, a prefix of each word */
  g_autofree char *typed = g_strndup (name, strlen (name) - 1);
  g_autoptr(GPtrArray) deals = NULL;
  CrmRecord *deal = NULL;
  CrmRecordEditor *editor;
  GtkWidget *picker, *popover, *search, *list, *match = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.new-record", NULL));
  editor = CRM_RECORD_EDITOR (find_toplevel (CRM_TYPE_RECORD_EDITOR));
  g_assert_nonnull (editor);
  picker = find_widget (GTK_WIDGET (editor), CRM_TYPE_RECORD_PICKER, "Account");
  g_assert_nonnull (picker);
  g_assert_null (crm_record_picker_get_record_id (CRM_RECORD_PICKER (picker)));
  /* Stages are few: they keep their drop-down */
  g_assert_nonnull (find_widget (GTK_WIDGET (editor), ADW_TYPE_COMBO_ROW, "Stage (required)"));

  crm_record_editor_set_text (editor, "name", "Picked — Expansion");
  crm_record_editor_set_text (editor, "stage_id", crm_record_get_id (g_ptr_array_index (stages, 0)));
  crm_record_editor_set_text (editor, "currency", "EUR");

  /* Activating the row opens the search under it; typing finds the
   * account, clicking it picks it and closes the search */
  gtk_widget_activate (picker);
  popover = GTK_WIDGET (gtk_widget_get_ancestor (find_widget (picker, GTK_TYPE_SEARCH_ENTRY, NULL), GTK_TYPE_POPOVER));
  g_assert_true (gtk_widget_get_visible (popover));
  search = find_widget (popover, GTK_TYPE_SEARCH_ENTRY, NULL);
  list = find_widget (popover, GTK_TYPE_LIST_BOX, NULL);
  gtk_editable_set_text (GTK_EDITABLE (search), typed);
  spin (300);
  g_assert_true (wait_for (matches_shown, list, 5));
  for (GtkWidget *row = gtk_widget_get_first_child (list); row && !match; row = gtk_widget_get_next_sibling (row))
    if (find_widget (row, GTK_TYPE_LABEL, name))
      match = row;
  g_assert_nonnull (match);
  gtk_widget_activate (match);
  g_assert_false (gtk_widget_get_visible (popover));
  g_assert_cmpstr (crm_record_picker_get_record_id (CRM_RECORD_PICKER (picker)), ==, crm_record_get_id (account));
  g_assert_nonnull (find_widget (picker, GTK_TYPE_LABEL, name));

  /* Cleared, then picked again from the keyboard: the match selected,
   * Enter in the search */
  g_assert_true (gtk_widget_activate_action (picker, "picker.clear", NULL));
  g_assert_null (crm_record_picker_get_record_id (CRM_RECORD_PICKER (picker)));
  g_assert_true (gtk_widget_activate_action (picker, "picker.popup", NULL));
  gtk_editable_set_text (GTK_EDITABLE (search), typed);
  spin (300);
  g_assert_true (wait_for (matches_shown, list, 5));
  match = NULL;
  for (GtkWidget *row = gtk_widget_get_first_child (list); row && !match; row = gtk_widget_get_next_sibling (row))
    if (find_widget (row, GTK_TYPE_LABEL, name))
      match = row;
  g_assert_nonnull (match);
  gtk_list_box_select_row (GTK_LIST_BOX (list), GTK_LIST_BOX_ROW (match));
  g_signal_emit_by_name (search, "activate");
  g_assert_false (gtk_widget_get_visible (popover));
  g_assert_cmpstr (crm_record_picker_get_record_id (CRM_RECORD_PICKER (picker)), ==, crm_record_get_id (account));

  click (GTK_WIDGET (editor), "_Save");
  g_assert_true (wait_for (editor_gone, NULL, 5));
  deals = crm_store_list (store, "opportunities", NULL, 0, 0, NULL);
  for (guint i = 0; i < deals->len && deal == NULL; i++)
    if (g_strcmp0 (crm_record_get_string (g_ptr_array_index (deals, i), "name"), "Picked — Expansion") == 0)
      deal = g_ptr_array_index (deals, i);
  g_assert_nonnull (deal);
  g_assert_cmpstr (crm_record_get_string (deal, "account_id"), ==, crm_record_get_id (account));
}

static gboolean
record_window_gone (gpointer data)
{
  return find_toplevel (CRM_TYPE_RECORD_WINDOW) == NULL;
}

/* A deal's window edits it (only what changed is queued) and deletes it:
 * the deal leaves the board at once, Undo brings it back untouched, and a
 * delete that is not undone reaches the store and the outbox */
static void
test_edit_delete_undo (Fixture       *f,
                       gconstpointer  data)
{
  CrmStore *store = open_seeded (f);
  CrmContext *context = _crm_window_get_context (f->window);
  CrmPipelineView *pipeline = CRM_PIPELINE_VIEW (_crm_window_get_view (f->window, "pipeline"));
  g_autoptr(GPtrArray) deals = crm_store_list (store, "opportunities", NULL, 0, 0, NULL);
  g_autofree char *id = g_strdup (crm_record_get_id (g_ptr_array_index (deals, 0)));
  g_autoptr(CrmRecord) edited = NULL;
  g_autoptr(CrmRecord) gone = NULL;
  g_autofree char *ops = NULL;
  CrmRecordEditor *editor;
  GtkWidget *detail;
  guint shown;

  shown = deals->len;
  assert_board_shows (pipeline, shown);
  _crm_window_show_record (f->window, "opportunities", id);
  detail = find_widget (GTK_WIDGET (find_toplevel (CRM_TYPE_RECORD_WINDOW)), CRM_TYPE_RECORD_DETAIL, NULL);
  g_assert_nonnull (detail);

  g_assert_true (gtk_widget_activate_action (detail, "detail.edit", NULL));
  editor = CRM_RECORD_EDITOR (find_toplevel (CRM_TYPE_RECORD_EDITOR));
  g_assert_nonnull (editor);
  crm_record_editor_set_text (editor, "next_step", "Send the revised proposal");
  g_assert_true (crm_record_editor_save (editor));
  gtk_window_close (GTK_WINDOW (editor));
  edited = crm_store_get (store, "opportunities", id, NULL);
  g_assert_cmpstr (crm_record_get_string (edited, "next_step"), ==, "Send the revised proposal");

  g_assert_true (gtk_widget_activate_action (detail, "detail.delete", NULL));
  g_assert_true (wait_for (record_window_gone, NULL, 5));
  g_assert_true (crm_context_is_deleting (context, "opportunities", id));
  assert_board_shows (pipeline, shown - 1);

  g_assert_true (crm_context_undo_delete (context, "opportunities", id));
  assert_board_shows (pipeline, shown);
  g_assert_nonnull (crm_store_get (store, "opportunities", id, NULL));

  crm_context_delete_later (context, "opportunities", id);
  crm_context_flush_deletes (context);
  gone = crm_store_get (store, "opportunities", id, NULL);
  g_assert_true (gone == NULL || crm_record_get_deleted (gone));
  ops = outbox_ops (store, id);
  /* The unsent edit folds into the delete */
  g_assert_cmpstr (ops, ==, "delete");
  assert_board_shows (pipeline, shown - 1);
}

static CrmRecord *
find_stage (CrmStore   *store,
            const char *flag)
{
  g_autoptr(GPtrArray) stages = crm_store_list (store, "stages", NULL, 0, 0, NULL);

  for (guint i = 0; i < stages->len; i++)
    {
      JsonNode *value = crm_record_get_field (g_ptr_array_index (stages, i), flag);

      if (flag == NULL || (value && JSON_NODE_HOLDS_VALUE (value) && json_node_get_boolean (value)))
        return g_object_ref (g_ptr_array_index (stages, i));
    }
  return NULL;
}

/* Dropping a card on another column moves the deal; a lost column asks
 * why first, and cancelling that leaves the deal where it was */
static void
test_move_deal (Fixture       *f,
                gconstpointer  data)
{
  CrmStore *store = open_seeded (f);
  CrmPipelineView *pipeline = CRM_PIPELINE_VIEW (_crm_window_get_view (f->window, "pipeline"));
  g_autoptr(CrmRecord) lost = find_stage (store, "is_lost");
  g_autoptr(GPtrArray) deals = crm_store_list (store, "opportunities", NULL, 0, 0, NULL);
  CrmRecord *deal = NULL;
  g_autoptr(CrmRecord) moved = NULL;
  g_autoptr(CrmRecord) unchanged = NULL;
  g_autoptr(CrmRecord) lost_deal = NULL;
  const char *from;
  const char *to = NULL;
  g_autoptr(GPtrArray) stages = crm_store_list (store, "stages", NULL, 0, 0, NULL);
  GtkWindow *dialog;
  guint from_column = 0, to_column = 0, from_count, to_count;
  gint64 from_total, to_total, from_after, to_after, weighted;

  g_assert_nonnull (lost);
  /* A deal with an amount, not lost yet */
  for (guint i = 0; i < deals->len && deal == NULL; i++)
    if (g_strcmp0 (crm_record_get_string (g_ptr_array_index (deals, i), "stage_id"), crm_record_get_id (lost)) != 0 &&
        g_strcmp0 (crm_record_get_string (g_ptr_array_index (deals, i), "amount"), "0.00") != 0)
      deal = g_ptr_array_index (deals, i);
  g_assert_nonnull (deal);
  from = crm_record_get_string (deal, "stage_id");
  for (guint i = 0; i < stages->len && to == NULL; i++)
    {
      const char *id = crm_record_get_id (g_ptr_array_index (stages, i));

      if (g_strcmp0 (id, from) != 0 && g_strcmp0 (id, crm_record_get_id (lost)) != 0)
        to = id;
    }
  for (guint i = 0; i < stages->len; i++)
    {
      const char *id = crm_record_get_id (g_ptr_array_index (stages, i));

      if (g_str_equal (id, from))
        from_column = i;
      if (g_str_equal (id, to))
        to_column = i;
    }
  assert_board_shows (pipeline, deals->len);
  g_assert_true (wait_for (board_summed, pipeline, 10));
  from_count = g_list_model_get_n_items (crm_pipeline_view_get_column_model (pipeline, from_column));
  to_count = g_list_model_get_n_items (crm_pipeline_view_get_column_model (pipeline, to_column));
  crm_pipeline_view_get_column_amounts (pipeline, from_column, &from_total, &weighted);
  crm_pipeline_view_get_column_amounts (pipeline, to_column, &to_total, &weighted);

  g_assert_true (crm_pipeline_view_move_deal (pipeline, crm_record_get_id (deal), to, NULL));
  moved = crm_store_get (store, "opportunities", crm_record_get_id (deal), NULL);
  g_assert_cmpstr (crm_record_get_string (moved, "stage_id"), ==, to);

  /* The card changes column, and its amount goes with it: what one
   * column's total loses, the other's gains */
  assert_column_shows (pipeline, from_column, from_count - 1);
  assert_column_shows (pipeline, to_column, to_count + 1);
  g_assert_true (wait_for (board_summed, pipeline, 10));
  crm_pipeline_view_get_column_amounts (pipeline, from_column, &from_after, &weighted);
  crm_pipeline_view_get_column_amounts (pipeline, to_column, &to_after, &weighted);
  g_assert_cmpint (to_after - to_total, >, 0);
  g_assert_cmpint (to_after - to_total, ==, from_total - from_after);

  /* To the lost column: the user is asked, and says no */
  g_assert_true (crm_pipeline_view_move_deal (pipeline, crm_record_get_id (deal), crm_record_get_id (lost), NULL));
  dialog = find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_nonnull (dialog);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  unchanged = crm_store_get (store, "opportunities", crm_record_get_id (deal), NULL);
  g_assert_cmpstr (crm_record_get_string (unchanged, "stage_id"), ==, to);

  /* With a reason it moves, and keeps the reason */
  g_assert_true (crm_pipeline_view_move_deal (pipeline, crm_record_get_id (deal), crm_record_get_id (lost),
                                              "Went with a competitor"));
  lost_deal = crm_store_get (store, "opportunities", crm_record_get_id (deal), NULL);
  g_assert_cmpstr (crm_record_get_string (lost_deal, "stage_id"), ==, crm_record_get_id (lost));
  g_assert_cmpstr (crm_record_get_string (lost_deal, "lost_reason"), ==, "Went with a competitor");
  /* Moving to where it is already does nothing */
  g_assert_false (crm_pipeline_view_move_deal (pipeline, crm_record_get_id (deal), crm_record_get_id (lost), NULL));
}

static gboolean
call_in_timeline (gpointer data)
{
  return find_widget (data, ADW_TYPE_ACTION_ROW, "Discussed the renewal") != NULL;
}

/* "Log a call" on a contact opens an activity form already linked to the
 * contact and its account; saving puts the call in the contact's timeline */
static void
test_log_call (Fixture       *f,
               gconstpointer  data)
{
  CrmStore *store = open_seeded (f);
  g_autoptr(GPtrArray) contacts = crm_store_list (store, "contacts", NULL, 0, 0, NULL);
  CrmRecord *contact = g_ptr_array_index (contacts, 0);
  g_autoptr(GPtrArray) activities = NULL;
  CrmRecord *call = NULL;
  CrmRecordEditor *editor;
  GtkWidget *detail;

  _crm_window_show_record (f->window, "contacts", crm_record_get_id (contact));
  detail = find_widget (_crm_window_get_view (f->window, "contacts"), CRM_TYPE_RECORD_DETAIL, NULL);
  g_assert_nonnull (detail);
  g_assert_true (gtk_widget_activate_action (detail, "detail.add-activity", "s", "call"));
  editor = CRM_RECORD_EDITOR (find_toplevel (CRM_TYPE_RECORD_EDITOR));
  g_assert_nonnull (editor);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (editor)), ==, "New Activity");
  crm_record_editor_set_text (editor, "subject", "Discussed the renewal");
  g_assert_true (crm_record_editor_save (editor));
  gtk_window_close (GTK_WINDOW (editor));

  activities = crm_store_list (store, "activities", NULL, 0, 0, NULL);
  for (guint i = 0; i < activities->len && call == NULL; i++)
    if (g_strcmp0 (crm_record_get_string (g_ptr_array_index (activities, i), "subject"), "Discussed the renewal") == 0)
      call = g_ptr_array_index (activities, i);
  g_assert_nonnull (call);
  g_assert_cmpstr (crm_record_get_string (call, "kind"), ==, "call");
  g_assert_cmpstr (crm_record_get_string (call, "contact_id"), ==, crm_record_get_id (contact));
  g_assert_cmpstr (crm_record_get_string (call, "account_id"), ==, crm_record_get_string (contact, "account_id"));
  g_assert_true (wait_for (call_in_timeline, detail, 10));
}

/* The server answers a push: the first queued change is in conflict on
 * @field (the server has @server_value), the rest are refused */
static void
answer_push (CrmStore   *store,
             const char *field,
             const char *server_value)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) sent = _crm_store_take_outbox_batch (store, 100, &error);
  g_autoptr(JsonArray) results = json_array_new ();
  CrmPushTally tally = { 0 };

  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (sent); i++)
    {
      JsonObject *mutation = json_array_get_object_element (sent, i);
      JsonObject *result = json_object_new ();

      json_object_set_string_member (result, "mutation_id", json_object_get_string_member (mutation, "mutation_id"));
      if (i == 0)
        {
          g_autoptr(CrmRecord) local = crm_store_get (store, json_object_get_string_member (mutation, "entity"),
                                                      json_object_get_string_member (mutation, "id"), NULL);
          g_autoptr(JsonNode) node = crm_record_to_json (local);
          JsonArray *names = json_array_new ();

          json_object_set_string_member (json_node_get_object (node), field, server_value);
          json_object_set_int_member (json_node_get_object (node), "version", crm_record_get_version (local) + 1);
          json_array_add_string_element (names, field);
          json_object_set_string_member (result, "status", "conflict");
          json_object_set_array_member (result, "conflicts", names);
          json_object_set_member (result, "record", json_node_copy (node));
          json_object_set_int_member (result, "version", crm_record_get_version (local) + 1);
        }
      else
        {
          json_object_set_string_member (result, "status", "rejected");
          json_object_set_string_member (result, "error", "phone: not a phone number the server accepts");
        }
      json_array_add_object_element (results, result);
    }
  g_assert_true (_crm_store_apply_push_results (store, sent, results, &tally, &error));
  g_assert_no_error (error);
}

static gboolean
no_conflict_rows (gpointer data)
{
  return find_widget (data, GTK_TYPE_LABEL, "Conflicts") == NULL;
}

static gboolean
no_refused_rows (gpointer data)
{
  return find_widget (data, GTK_TYPE_LABEL, "Refused by the Server") == NULL;
}

/* "Review Changes" lists a conflict field by field and a refused change
 * with the server's reason; taking the server's value settles the
 * conflict, and discarding the refused change takes it back */
static void
test_outbox_window (Fixture       *f,
                    gconstpointer  data)
{
  CrmStore *store = open_seeded (f);
  g_autoptr(GPtrArray) accounts = crm_store_list (store, "accounts", NULL, 0, 0, NULL);
  CrmRecord *first = g_ptr_array_index (accounts, 0);
  CrmRecord *second = g_ptr_array_index (accounts, 1);
  g_autofree char *old_phone = g_strdup (crm_record_get_string (second, "phone"));
  g_autoptr(JsonObject) industry = json_object_new ();
  g_autoptr(JsonObject) phone = json_object_new ();
  g_autoptr(CrmRecord) one = NULL;
  g_autoptr(CrmRecord) two = NULL;
  g_autoptr(CrmRecord) settled = NULL;
  g_autoptr(CrmRecord) taken_back = NULL;
  g_autoptr(JsonNode) conflicts = NULL;
  g_autoptr(GError) error = NULL;
  CrmOutboxWindow *window;
  const char *conflict_id;

  json_object_set_string_member (industry, "industry", "Mine Industry");
  json_object_set_string_member (phone, "phone", "+1 555 0000 ext 9");
  one = crm_store_update (store, "accounts", crm_record_get_id (first), industry, &error);
  g_assert_no_error (error);
  two = crm_store_update (store, "accounts", crm_record_get_id (second), phone, &error);
  g_assert_no_error (error);
  answer_push (store, "industry", "Server Industry");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-outbox", NULL));
  window = CRM_OUTBOX_WINDOW (find_toplevel (CRM_TYPE_OUTBOX_WINDOW));
  g_assert_nonnull (window);
  g_assert_nonnull (find_widget (GTK_WIDGET (window), GTK_TYPE_LABEL, "Conflicts"));
  g_assert_nonnull (find_widget (GTK_WIDGET (window), GTK_TYPE_LABEL, "Refused by the Server"));
  g_assert_nonnull (find_widget (GTK_WIDGET (window), ADW_TYPE_ACTION_ROW, "Industry"));
  g_assert_nonnull (find_widget (GTK_WIDGET (window), GTK_TYPE_LABEL,
                                 "phone: not a phone number the server accepts"));

  conflicts = crm_store_dup_conflicts (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (conflicts)), ==, 1);
  conflict_id = json_object_get_string_member (json_array_get_object_element (json_node_get_array (conflicts), 0), "id");
  g_assert_true (crm_outbox_window_choose (window, conflict_id, FALSE));
  click (GTK_WIDGET (window), "_Apply Choices");
  settled = crm_store_get (store, "accounts", crm_record_get_id (first), NULL);
  g_assert_cmpstr (crm_record_get_string (settled, "industry"), ==, "Server Industry");
  g_assert_true (wait_for (no_conflict_rows, window, 10));

  click (GTK_WIDGET (window), "_Discard");
  taken_back = crm_store_get (store, "accounts", crm_record_get_id (second), NULL);
  g_assert_cmpstr (crm_record_get_string (taken_back, "phone"), ==, old_phone);
  g_assert_true (wait_for (no_refused_rows, window, 10));
}

static gboolean
deal_matches_text (CrmRecord  *deal,
                   const char *word)
{
  g_autofree char *name = g_utf8_casefold (crm_record_get_string (deal, "name"), -1);

  return strstr (name, word) != NULL;
}

/* Whether @rows' deals go by amount, as decimal values */
static gboolean
rows_in_amount_order (GListModel *rows,
                      gboolean    descending)
{
  gint64 previous = descending ? G_MAXINT64 : G_MININT64;

  if (g_list_model_get_n_items (rows) < 2)
    return FALSE;
  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(CrmRecord) deal = g_list_model_get_item (rows, i);
      gint64 amount = 0;

      if (deal == NULL)
        return FALSE;
      if (crm_record_get_string (deal, "amount"))
        g_assert_true (crm_decimal_parse (crm_record_get_string (deal, "amount"), 4, &amount, NULL));
      if (descending ? amount > previous : amount < previous)
        return FALSE;
      previous = amount;
    }
  return TRUE;
}

static gboolean
rows_by_amount (gpointer rows)
{
  return rows_in_amount_order (rows, FALSE);
}

static gboolean
rows_by_amount_descending (gpointer rows)
{
  return rows_in_amount_order (rows, TRUE);
}

/* The filter bar: owner, close date, text; and the same deals as a list,
 * sortable by column */
static void
test_pipeline_filters (Fixture       *f,
                       gconstpointer  data)
{
  CrmStore *store = open_seeded (f);
  CrmPipelineView *pipeline = CRM_PIPELINE_VIEW (_crm_window_get_view (f->window, "pipeline"));
  g_autoptr(GPtrArray) deals = crm_store_list (store, "opportunities", NULL, 0, 0, NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
  g_autofree char *word = NULL;
  const char *owner = crm_record_get_owner_id (g_ptr_array_index (deals, 0));
  guint by_owner = 0, by_word = 0, passed = 0;
  GtkColumnView *columns;
  g_autoptr(GListModel) column_list = NULL;
  GListModel *rows;

  /* A word of the first deal's name */
  {
    g_auto(GStrv) words = g_strsplit (crm_record_get_string (g_ptr_array_index (deals, 0), "name"), " ", -1);

    word = g_utf8_casefold (words[0], -1);
  }
  for (guint i = 0; i < deals->len; i++)
    {
      CrmRecord *deal = g_ptr_array_index (deals, i);
      const char *close = crm_record_get_string (deal, "expected_close_date");

      by_owner += g_strcmp0 (crm_record_get_owner_id (deal), owner) == 0;
      by_word += deal_matches_text (deal, word);
      passed += close && strcmp (close, today) < 0;
    }
  g_assert_nonnull (owner);

  assert_board_shows (pipeline, deals->len);
  crm_pipeline_view_set_filter (pipeline, owner, 0, NULL);
  assert_board_shows (pipeline, by_owner);
  crm_pipeline_view_set_filter (pipeline, "all", 0, word);
  g_assert_cmpuint (count_deals (pipeline), >=, by_word);
  crm_pipeline_view_set_filter (pipeline, "all", 1, NULL);
  assert_board_shows (pipeline, passed);
  crm_pipeline_view_set_filter (pipeline, "all", 0, "no deal is called this");
  assert_board_shows (pipeline, 0);

  /* The list: the same deals, sorted by amount when asked */
  crm_pipeline_view_set_filter (pipeline, "all", 0, NULL);
  rows = crm_pipeline_view_get_list_model (pipeline, TRUE);
  g_assert_true (wait_for (model_filled, rows, 10));
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, deals->len);
  columns = GTK_COLUMN_VIEW (find_widget (GTK_WIDGET (pipeline), GTK_TYPE_COLUMN_VIEW, NULL));
  g_assert_nonnull (columns);
  column_list = g_object_ref (gtk_column_view_get_columns (columns));
  {
    g_autoptr(GtkColumnViewColumn) amount = g_list_model_get_item (column_list, 3);

    g_assert_cmpstr (gtk_column_view_column_get_title (amount), ==, "Amount");
    gtk_column_view_sort_by_column (columns, amount, GTK_SORT_ASCENDING);
    /* The database sorts, in the worker; then the other way round */
    if (!wait_for (rows_by_amount, rows, 10))
      g_error ("the list is not sorted by amount");
    gtk_column_view_sort_by_column (columns, amount, GTK_SORT_DESCENDING);
    if (!wait_for (rows_by_amount_descending, rows, 10))
      g_error ("the list is not sorted by amount, largest first");
  }
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, deals->len);
  crm_pipeline_view_get_list_model (pipeline, FALSE);
}

/* Preferences change the keys at once, and the window follows them */
static void
test_preferences (Fixture       *f,
                  gconstpointer  data)
{
  CrmContext *context;
  g_autoptr(GSettings) settings = g_settings_new (CRM_SCHEMA_ID);
  GtkWindow *window;
  GtkWidget *currency;
  GtkWidget *interval;
  g_autofree char *display = NULL;

  open_seeded (f);
  context = _crm_window_get_context (f->window);
  g_settings_set_string (settings, "currency-display", "symbol");
  g_assert_true (crm_context_get_use_symbols (context));

  window = crm_preferences_window_new (GTK_WINDOW (f->window));
  gtk_window_present (window);
  currency = find_widget (GTK_WIDGET (window), ADW_TYPE_COMBO_ROW, "Amounts show");
  interval = find_widget (GTK_WIDGET (window), ADW_TYPE_COMBO_ROW, "Sync every");
  g_assert_nonnull (currency);
  g_assert_nonnull (interval);

  adw_combo_row_set_selected (ADW_COMBO_ROW (currency), 1);
  display = g_settings_get_string (settings, "currency-display");
  g_assert_cmpstr (display, ==, "code");
  g_assert_false (crm_context_get_use_symbols (context));
  adw_combo_row_set_selected (ADW_COMBO_ROW (interval), 2);
  g_assert_cmpuint (g_settings_get_uint (settings, "sync-interval"), ==, 900);
  g_settings_reset (settings, "currency-display");
  g_settings_reset (settings, "sync-interval");
}

static gboolean
snapshot_taken (gpointer data)
{
  CrmForecastView *view = data;
  CrmForecast *forecast = crm_forecast_view_get_forecast (view);
  CrmStore *store = crm_context_get_store (_crm_window_get_context (CRM_WINDOW (gtk_widget_get_root (GTK_WIDGET (view)))));
  g_autoptr(CrmForecastChanges) changes = crm_forecast_changes (store, &forecast->period, forecast->user_id,
                                                                "2000-01-01", NULL);

  return changes != NULL;
}

static gboolean
forecast_shows_riley (gpointer data)
{
  CrmForecast *forecast = crm_forecast_view_get_forecast (data);

  return forecast && g_strcmp0 (forecast->user_name, "Riley Chen") == 0;
}

static gboolean
forecast_adjusted (gpointer data)
{
  CrmForecast *forecast = crm_forecast_view_get_forecast (data);
  CrmForecastRow *riley = forecast ? g_ptr_array_index (forecast->rows, 0) : NULL;

  return riley && riley->commit_is_adjusted && riley->adjusted_commit == 1234500;
}

/* The Forecast view of morgan, a manager: the figures are the engine's
 * (the same as crm-cli forecast), a report's name drills into their
 * forecast, Submit stores a submission, an adjustment shows at once, and
 * the chart says in words what it draws */
static void
test_forecast_view (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(CrmForecast) expected = NULL;
  g_autoptr(GPtrArray) history = NULL;
  g_autoptr(GPtrArray) riley_deals = NULL;
  g_autofree char *deals_title = NULL;
  g_autoptr(JsonObject) submission = NULL;
  g_autoptr(GPtrArray) deals = NULL;
  g_autoptr(CrmRecord) moved = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
  g_autofree char *path = NULL;
  g_autofree char *morgan = NULL;
  g_autofree char *riley = NULL;
  CrmForecastView *view;
  CrmForecast *shown;
  GtkWidget *button, *expander, *popover, *amount;
  CrmPeriod period;

  seed_profile (f, "acme");
  path = crm_store_dup_profile_path (f->data_dir, "acme", &error);
  store = crm_store_open (path, &error);
  g_assert_no_error (error);
  morgan = crm_forecast_find_user (store, "morgan", &error);
  riley = crm_forecast_find_user (store, "riley", &error);
  g_assert_no_error (error);
  g_assert_true (crm_store_set_setting (store, "current_user_id", morgan, &error));
  g_assert_true (crm_period_for_date (CRM_PERIOD_QUARTER, today, crm_forecast_fiscal_start (store), &period));
  g_clear_object (&store);

  open_window (f, "acme");
  g_assert_true (wait_for (page_is_main, f->window, 10));
  view = CRM_FORECAST_VIEW (_crm_window_get_view (f->window, "forecast"));
  crm_forecast_view_reload (view);
  shown = crm_forecast_view_get_forecast (view);
  g_assert_nonnull (shown);
  g_assert_cmpstr (shown->user_name, ==, "Morgan Reyes");
  g_assert_cmpstr (shown->period.name, ==, period.name);

  store = g_object_ref (crm_context_get_store (_crm_window_get_context (f->window)));
  expected = crm_forecast_compute (store, &period, morgan, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (shown->rows->len, ==, expected->rows->len);
  g_assert_cmpint (shown->total->closed, ==, expected->total->closed);
  g_assert_cmpint (shown->total->commit, ==, expected->total->commit);
  g_assert_cmpint (shown->total->best_case, ==, expected->total->best_case);
  g_assert_cmpint (shown->total->pipeline, ==, expected->total->pipeline);
  g_assert_cmpint (shown->total->weighted, ==, expected->total->weighted);
  g_assert_cmpstr (((CrmForecastRow *) g_ptr_array_index (shown->rows, 0))->user_name, ==, "Riley Chen");
  g_assert_nonnull (strstr (crm_forecast_chart_get_summary (CRM_FORECAST_CHART (find_widget (GTK_WIDGET (view),
                                                                                            CRM_TYPE_FORECAST_CHART,
                                                                                            NULL))),
                            "Riley Chen: closed "));

  /* Submit: morgan's own forecast, as it is */
  button = find_widget (GTK_WIDGET (view), GTK_TYPE_BUTTON, "_Submit");
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  submission = crm_forecast_dup_submission (store, &period, morgan, &error);
  g_assert_no_error (error);
  g_assert_nonnull (submission);

  /* Riley's commit, adjusted in place: the first adjustable cell. A note
   * is needed; with one, the adjustment is stored and shows at once */
  popover = GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (find_widget (GTK_WIDGET (view),
                                                                                  GTK_TYPE_MENU_BUTTON, NULL))));
  amount = find_widget (popover, GTK_TYPE_ENTRY, NULL);
  gtk_editable_set_text (GTK_EDITABLE (amount), "12345");
  g_signal_emit_by_name (find_widget (popover, GTK_TYPE_BUTTON, "_Adjust"), "clicked");
  g_assert_nonnull (find_error_label (popover));
  g_assert_true (gtk_widget_get_visible (find_error_label (popover)));
  gtk_editable_set_text (GTK_EDITABLE (gtk_widget_get_next_sibling (amount)), "Signed PO");
  g_signal_emit_by_name (find_widget (popover, GTK_TYPE_BUTTON, "_Adjust"), "clicked");
  g_assert_true (wait_for (forecast_adjusted, view, 5));
  history = crm_forecast_dup_history (store, &period, riley, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (history->len, ==, 1);
  g_assert_cmpstr (crm_record_get_string (g_ptr_array_index (history, 0), "note"), ==, "Signed PO");
  g_assert_cmpstr (crm_record_get_string (g_ptr_array_index (history, 0), "author_id"), ==, morgan);

  /* Riley's name drills into riley's forecast; Submit is morgan's only */
  g_signal_emit_by_name (find_widget (GTK_WIDGET (view), GTK_TYPE_BUTTON, "Riley Chen"), "clicked");
  g_assert_true (forecast_shows_riley (view));
  g_assert_false (gtk_widget_is_sensitive (button));
  /* …down to riley's deals */
  riley_deals = crm_forecast_dup_deals (store, &period, riley, &error);
  g_assert_no_error (error);
  deals_title = g_strdup_printf ("%u deals of Riley Chen in this period", riley_deals->len);
  g_assert_nonnull (find_widget (GTK_WIDGET (view), GTK_TYPE_LABEL, deals_title));
  g_assert_nonnull (find_widget (GTK_WIDGET (view), GTK_TYPE_LABEL,
                                 ((CrmForecastDeal *) g_ptr_array_index (riley_deals, 0))->name));
  /* …and back: the first button of the view */
  g_signal_emit_by_name (find_widget (GTK_WIDGET (view), GTK_TYPE_BUTTON, NULL), "clicked");
  g_assert_cmpstr (crm_forecast_view_get_forecast (view)->user_name, ==, "Morgan Reyes");

  /* What changed: the view took the day's snapshot as it opened; a deal
   * of riley's moved out of the quarter is a step of its own */
  g_assert_true (wait_for (snapshot_taken, view, 10));
  deals = crm_store_list (store, "opportunities", NULL, 0, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < deals->len && moved == NULL; i++)
    {
      CrmRecord *deal = g_ptr_array_index (deals, i);
      const char *close = crm_record_get_string (deal, "expected_close_date");

      if (close && strcmp (close, period.first_day) >= 0 && strcmp (close, period.last_day) <= 0 &&
          g_strcmp0 (crm_record_get_owner_id (deal), riley) == 0)
        {
          g_autoptr(JsonObject) later = json_object_new ();

          json_object_set_string_member (later, "expected_close_date", "2099-01-01");
          moved = crm_store_update (store, "opportunities", crm_record_get_id (deal), later, &error);
          g_assert_no_error (error);
        }
    }
  g_assert_nonnull (moved);
  button = find_widget (GTK_WIDGET (view), GTK_TYPE_BUTTON, "Show _Changes");
  gtk_editable_set_text (GTK_EDITABLE (gtk_widget_get_prev_sibling (button)), today);
  g_signal_emit_by_name (button, "clicked");
  expander = find_widget (GTK_WIDGET (view), GTK_TYPE_EXPANDER, NULL);
  g_assert_nonnull (expander);
  g_assert_true (g_str_has_prefix (gtk_expander_get_label (GTK_EXPANDER (expander)), "Slipped out (1): "));
}

static CrmQuoteEditor *
open_quote_editor (Fixture    *f,
                   const char *id)
{
  CrmQuoteEditor *editor;

  _crm_window_show_record (f->window, "quotes", id);
  editor = CRM_QUOTE_EDITOR (find_toplevel (CRM_TYPE_QUOTE_EDITOR));
  g_assert_nonnull (editor);
  spin (100);
  return editor;
}

/* A quote of the seeded company that is sent and has a deal */
static CrmRecord *
find_sent_quote (CrmStore *store)
{
  g_autoptr(GPtrArray) quotes = crm_store_list (store, "quotes", NULL, 0, 0, NULL);

  for (guint i = 0; i < quotes->len; i++)
    {
      CrmRecord *quote = g_ptr_array_index (quotes, i);

      if (g_str_equal (crm_quote_record_get_status (quote, NULL), "sent") &&
          crm_record_get_string (quote, "opportunity_id"))
        return g_object_ref (quote);
    }
  g_error ("the seeded company has no sent quote with a deal");
  return NULL;
}

static gboolean
products_found (gpointer data)
{
  return g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (data))) > 0;
}

/* Types @text into the catalog's search and takes the first product */
static void
pick_from_catalog (CrmQuoteEditor *editor,
                   const char     *text)
{
  GtkWidget *search = find_widget (GTK_WIDGET (editor), GTK_TYPE_SEARCH_ENTRY, NULL);
  GtkWidget *button = gtk_widget_get_ancestor (search, GTK_TYPE_MENU_BUTTON);
  GtkWidget *list = find_widget (gtk_widget_get_ancestor (search, GTK_TYPE_POPOVER), GTK_TYPE_LIST_VIEW, NULL);

  gtk_menu_button_popup (GTK_MENU_BUTTON (button));
  gtk_editable_set_text (GTK_EDITABLE (search), text);
  /* The search runs as the typing settles */
  spin (400);
  g_assert_true (wait_for (products_found, list, 5));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list)))), ==, 1);
  g_signal_emit_by_name (list, "activate", 0);
}

static void
assert_totals (CrmQuoteEditor *editor,
               gint64          subtotal,
               gint64          discount,
               gint64          tax,
               gint64          total)
{
  const CrmQuoteTotals *totals = crm_quote_editor_get_totals (editor);

  g_assert_null (crm_quote_editor_get_error (editor));
  g_assert_nonnull (totals);
  g_assert_cmpint (totals->subtotal, ==, subtotal);
  g_assert_cmpint (totals->discount, ==, discount);
  g_assert_cmpint (totals->tax, ==, tax);
  g_assert_cmpint (totals->total, ==, total);
}

/* New on the Quotes view opens the quote editor; two products come from
 * the catalog by typing, the cells are typed into and the totals follow
 * every change. The expected figures are worked by hand (half-up):
 *   SRV-ONB 2.5 × 1100.00 = 2750.00 − 10 % = 2475.00, tax 19 %
 *   CRM-STOR 3 × 19.99 = 59.97 − 1.00 = 58.97, tax 7 %
 *   subtotal 2533.97; 5 % off = 126.6985 → 126.70, spread by net:
 *   7 %: 126.70 × 58.97 / 2533.97 = 2.9485 → 2.95, 19 %: 123.75
 *   tax 7 % on 56.02 = 3.9214 → 3.92; 19 % on 2475.00 − 123.75 + 5.00
 *   shipping = 2356.25 → 447.6875 → 447.69; tax 451.61
 *   total 2533.97 − 126.70 + 5.00 + 451.61 = 2863.88
 * and with 4 of CRM-STOR: 78.96, subtotal 2553.96, 5 % = 127.70, 7 %
 * share 127.70 × 78.96 / 2553.96 = 3.948 → 3.95, base 75.01, tax 5.25;
 * 19 % as before 447.69; tax 452.94; total 2884.20 */
static void
test_quote_editor_catalog (Fixture       *f,
                           gconstpointer  data)
{
  CrmStore *store = open_seeded (f);
  g_autoptr(CrmRecord) saved = NULL;
  g_autofree char *ops = NULL;
  CrmQuoteEditor *editor;
  JsonArray *lines;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-view", "s", "quotes"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.new-record", NULL));
  editor = CRM_QUOTE_EDITOR (find_toplevel (CRM_TYPE_QUOTE_EDITOR));
  g_assert_nonnull (editor);
  g_assert_true (crm_quote_editor_get_editable (editor));
  g_assert_null (crm_quote_editor_get_id (editor));

  crm_quote_editor_set_text (editor, "currency", "EUR");
  pick_from_catalog (editor, "onboard");
  assert_totals (editor, 110000, 0, 20900, 130900);
  pick_from_catalog (editor, "stor");
  spin (100);

  crm_quote_editor_set_line_text (editor, 0, CRM_QUOTE_COLUMN_QUANTITY, "2.5");
  crm_quote_editor_set_line_text (editor, 0, CRM_QUOTE_COLUMN_DISCOUNT, "10%");
  crm_quote_editor_set_line_text (editor, 1, CRM_QUOTE_COLUMN_QUANTITY, "3");
  crm_quote_editor_set_line_text (editor, 1, CRM_QUOTE_COLUMN_DISCOUNT, "1.00");
  crm_quote_editor_set_line_text (editor, 1, CRM_QUOTE_COLUMN_TAX_RATE, "7");
  crm_quote_editor_set_text (editor, "discount", "5%");
  crm_quote_editor_set_text (editor, "shipping", "5.00");
  crm_quote_editor_set_text (editor, "shipping_tax_rate", "19");
  assert_totals (editor, 253397, 12670, 45161, 286388);

  crm_quote_editor_set_line_text (editor, 1, CRM_QUOTE_COLUMN_QUANTITY, "4");
  assert_totals (editor, 255396, 12770, 45294, 288420);

  /* A wrong cell names itself and nothing is computed from it */
  crm_quote_editor_set_line_text (editor, 1, CRM_QUOTE_COLUMN_QUANTITY, "4x");
  g_assert_null (crm_quote_editor_get_totals (editor));
  g_assert_true (g_str_has_prefix (crm_quote_editor_get_error (editor), "lines[1].quantity"));
  g_assert_false (crm_quote_editor_save (editor));
  crm_quote_editor_set_line_text (editor, 1, CRM_QUOTE_COLUMN_QUANTITY, "4");

  click (GTK_WIDGET (editor), "_Save");
  g_assert_false (crm_quote_editor_get_modified (editor));
  g_assert_nonnull (crm_quote_editor_get_id (editor));
  saved = crm_store_get (store, "quotes", crm_quote_editor_get_id (editor), NULL);
  g_assert_nonnull (saved);
  g_assert_cmpstr (crm_record_get_string (saved, "status"), ==, "draft");
  g_assert_cmpstr (crm_record_get_string (saved, "total"), ==, "2884.20");
  g_assert_cmpstr (crm_record_get_string (saved, "discount_percent"), ==, "5");
  lines = json_node_get_array (crm_record_get_field (saved, "lines"));
  g_assert_cmpuint (json_array_get_length (lines), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (lines, 0), "description"),
                   ==, "Onboarding workshop");
  ops = outbox_ops (store, crm_record_get_id (saved));
  g_assert_cmpstr (ops, ==, "create");

  /* Reordering keeps the totals; removing a line changes them */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "quote.add-section", NULL));
  assert_totals (editor, 255396, 12770, 45294, 288420);
  crm_quote_editor_set_line_text (editor, 2, CRM_QUOTE_COLUMN_DESCRIPTION, "Hardware");
  g_assert_cmpint (g_array_index (crm_quote_editor_get_totals (editor)->lines, CrmQuoteLineTotal, 2).net, ==, 0);
  g_assert_true (crm_quote_editor_save (editor));
  g_clear_object (&saved);
  saved = crm_store_get (store, "quotes", crm_quote_editor_get_id (editor), NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (crm_record_get_field (saved, "lines"))), ==, 3);
  g_assert_cmpstr (crm_record_get_string (saved, "total"), ==, "2884.20");
}

/* A sent quote opens read-only: no cell is editable, typing changes
 * nothing and Save is refused */
static void
test_quote_editor_read_only (Fixture       *f,
                             gconstpointer  data)
{
  CrmStore *store = open_seeded (f);
  g_autoptr(CrmRecord) quote = find_sent_quote (store);
  g_autoptr(CrmRecord) after = NULL;
  const char *id = crm_record_get_id (quote);
  CrmQuoteEditor *editor = open_quote_editor (f, id);
  GtkWidget *save = find_widget (GTK_WIDGET (editor), GTK_TYPE_BUTTON, "_Save");
  GtkWidget *entry = find_widget (GTK_WIDGET (editor), GTK_TYPE_ENTRY, NULL);
  const CrmQuoteTotals *totals;
  gint64 total;

  g_assert_false (crm_quote_editor_get_editable (editor));
  g_assert_false (gtk_widget_get_visible (save));
  g_assert_nonnull (entry);
  g_assert_false (gtk_editable_get_editable (GTK_EDITABLE (entry)));
  g_assert_true (gtk_widget_get_visible (find_widget (GTK_WIDGET (editor), GTK_TYPE_BUTTON, "Re_vise")));
  totals = crm_quote_editor_get_totals (editor);
  g_assert_nonnull (totals);
  total = totals->total;

  crm_quote_editor_set_line_text (editor, 0, CRM_QUOTE_COLUMN_QUANTITY, "99");
  g_assert_cmpint (crm_quote_editor_get_totals (editor)->total, ==, total);
  g_assert_false (crm_quote_editor_save (editor));
  g_assert_nonnull (strstr (crm_quote_editor_get_error (editor), "only a draft"));
  after = crm_store_get (store, "quotes", id, NULL);
  g_assert_true (crm_values_equal (crm_record_get_field (after, "lines"), crm_record_get_field (quote, "lines")));
  g_assert_cmpint (crm_record_get_version (after), ==, crm_record_get_version (quote));
}

/* Closing a draft with changes not saved asks: Cancel keeps it open
 * with the changes, Save stores them, Discard leaves the store as it was */
static CrmRecord *
find_draft_quote (CrmStore *store)
{
  g_autoptr(GPtrArray) quotes = crm_store_list (store, "quotes", NULL, 0, 0, NULL);

  g_autoptr(CrmRecord) sent = NULL;
  g_autoptr(GError) error = NULL;
  CrmRecord *draft;

  for (guint i = 0; i < quotes->len; i++)
    if (g_str_equal (crm_quote_record_get_status (g_ptr_array_index (quotes, i), NULL), "draft"))
      return g_object_ref (g_ptr_array_index (quotes, i));
  /* None: a sent one revised is one */
  sent = find_sent_quote (store);
  draft = crm_quote_record_revise (store, crm_record_get_id (sent), &error);
  g_assert_no_error (error);
  return draft;
}

static gboolean
quote_editor_closed (gpointer data)
{
  return find_toplevel (CRM_TYPE_QUOTE_EDITOR) == NULL;
}

static AdwMessageDialog *
close_and_get_question (CrmQuoteEditor *editor)
{
  AdwMessageDialog *dialog;

  gtk_window_close (GTK_WINDOW (editor));
  spin (50);
  dialog = ADW_MESSAGE_DIALOG (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Save Changes?");
  return dialog;
}

static void
test_quote_editor_unsaved (Fixture       *f,
                           gconstpointer  data)
{
  CrmStore *store = open_seeded (f);
  g_autoptr(CrmRecord) draft = find_draft_quote (store);
  const char *id = crm_record_get_id (draft);
  CrmQuoteEditor *editor = open_quote_editor (f, id);
  g_autoptr(CrmRecord) after = NULL;

  /* Unchanged: closes at once */
  gtk_window_close (GTK_WINDOW (editor));
  g_assert_true (wait_for (quote_editor_closed, NULL, 5));

  /* Changed, then Cancel: still open, still changed */
  editor = open_quote_editor (f, id);
  crm_quote_editor_set_text (editor, "notes", "Kept by Save");
  g_assert_true (crm_quote_editor_get_modified (editor));
  adw_message_dialog_response (close_and_get_question (editor), "cancel");
  spin (50);
  g_assert_true (find_toplevel (CRM_TYPE_QUOTE_EDITOR) == GTK_WINDOW (editor));
  g_assert_true (crm_quote_editor_get_modified (editor));

  /* Save: stored, and closed */
  adw_message_dialog_response (close_and_get_question (editor), "save");
  g_assert_true (wait_for (quote_editor_closed, NULL, 5));
  after = crm_store_get (store, "quotes", id, NULL);
  g_assert_cmpstr (crm_record_get_string (after, "notes"), ==, "Kept by Save");

  /* Discard: closed, nothing stored */
  editor = open_quote_editor (f, id);
  crm_quote_editor_set_text (editor, "notes", "Thrown away");
  adw_message_dialog_response (close_and_get_question (editor), "discard");
  g_assert_true (wait_for (quote_editor_closed, NULL, 5));
  g_clear_object (&after);
  after = crm_store_get (store, "quotes", id, NULL);
  g_assert_cmpstr (crm_record_get_string (after, "notes"), ==, "Kept by Save");
}

/* Revise turns the sent quote's editor into a new draft revision, same
 * number; the sent one stays as it was */
static void
test_quote_editor_revise (Fixture       *f,
                          gconstpointer  data)
{
  CrmStore *store = open_seeded (f);
  g_autoptr(CrmRecord) quote = find_sent_quote (store);
  g_autoptr(CrmRecord) old = NULL;
  g_autoptr(CrmRecord) draft = NULL;
  g_autoptr(GPtrArray) revisions = NULL;
  CrmQuoteEditor *editor = open_quote_editor (f, crm_record_get_id (quote));

  g_assert_false (crm_quote_editor_get_editable (editor));
  click (GTK_WIDGET (editor), "Re_vise");
  g_assert_true (crm_quote_editor_get_editable (editor));
  g_assert_cmpstr (crm_quote_editor_get_id (editor), !=, crm_record_get_id (quote));

  draft = crm_store_get (store, "quotes", crm_quote_editor_get_id (editor), NULL);
  g_assert_cmpstr (crm_record_get_string (draft, "status"), ==, "draft");
  g_assert_cmpstr (crm_record_get_string (draft, "number"), ==, crm_record_get_string (quote, "number"));
  g_assert_cmpint (json_node_get_int (crm_record_get_field (draft, "revision")), ==, 2);
  g_assert_cmpstr (crm_record_get_string (draft, "previous_id"), ==, crm_record_get_id (quote));
  old = crm_store_get (store, "quotes", crm_record_get_id (quote), NULL);
  g_assert_cmpstr (crm_record_get_string (old, "status"), ==, "sent");
  revisions = crm_quote_record_list_revisions (store, crm_record_get_string (quote, "number"), NULL);
  g_assert_cmpuint (revisions->len, ==, 2);

  /* The new draft takes changes */
  crm_quote_editor_set_line_text (editor, 0, CRM_QUOTE_COLUMN_QUANTITY, "7");
  g_assert_true (crm_quote_editor_save (editor));
  g_clear_object (&draft);
  draft = crm_store_get (store, "quotes", crm_quote_editor_get_id (editor), NULL);
  g_assert_cmpstr (json_object_get_string_member (
                     json_array_get_object_element (json_node_get_array (crm_record_get_field (draft, "lines")), 0),
                     "quantity"), ==, "7");
}

static gboolean
dialog_shown (gpointer data)
{
  return find_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL;
}

/* Accepting offers to win the deal with the quote's total */
static void
test_quote_editor_accept (Fixture       *f,
                          gconstpointer  data)
{
  CrmStore *store = open_seeded (f);
  g_autoptr(CrmRecord) quote = find_sent_quote (store);
  g_autoptr(CrmRecord) accepted = NULL;
  g_autoptr(CrmRecord) deal = NULL;
  g_autoptr(CrmRecord) won = find_stage (store, "is_won");
  CrmQuoteEditor *editor = open_quote_editor (f, crm_record_get_id (quote));
  GtkWindow *dialog;

  click (GTK_WIDGET (editor), "_Accept");
  g_assert_true (wait_for (dialog_shown, NULL, 5));
  dialog = find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "update");
  spin (100);

  accepted = crm_store_get (store, "quotes", crm_record_get_id (quote), NULL);
  g_assert_cmpstr (crm_record_get_string (accepted, "status"), ==, "accepted");
  g_assert_false (crm_quote_editor_get_editable (editor));
  deal = crm_store_get (store, "opportunities", crm_record_get_string (quote, "opportunity_id"), NULL);
  g_assert_cmpstr (crm_record_get_string (deal, "stage_id"), ==, crm_record_get_id (won));
  g_assert_cmpstr (crm_record_get_string (deal, "amount"), ==, crm_record_get_string (quote, "total"));
}

/* The text of @path as pdftotext reads it */
static char *
pdf_text (const char *path)
{
  g_autofree char *command = g_strdup_printf ("pdftotext -layout '%s' -", path);
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_assert_true (g_spawn_command_line_sync (command, &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  return g_steal_pointer (&out);
}

/* A new quote for a deal, from the deal's page; Export writes the PDF
 * with the total, and Print draws the same pages */
static void
test_quote_editor_pdf (Fixture       *f,
                       gconstpointer  data)
{
  CrmStore *store = open_seeded (f);
  g_autoptr(GPtrArray) deals = crm_store_list (store, "opportunities", NULL, 0, 0, NULL);
  CrmRecord *deal = g_ptr_array_index (deals, 0);
  g_autoptr(CrmRecord) saved = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pdf = g_build_filename (f->data_dir, "quote.pdf", NULL);
  g_autofree char *printed = g_build_filename (f->data_dir, "printed.pdf", NULL);
  g_autofree char *text = NULL;
  g_autofree char *printed_text = NULL;
  GtkWidget *detail;
  CrmQuoteEditor *editor;

  _crm_window_show_record (f->window, "opportunities", crm_record_get_id (deal));
  detail = find_widget (GTK_WIDGET (find_toplevel (CRM_TYPE_RECORD_WINDOW)), CRM_TYPE_RECORD_DETAIL, NULL);
  g_assert_true (gtk_widget_activate_action (detail, "detail.new-quote", NULL));
  editor = CRM_QUOTE_EDITOR (find_toplevel (CRM_TYPE_QUOTE_EDITOR));
  g_assert_nonnull (editor);

  /* 12 × 240.00 = 2880.00, 19 % tax 547.20, total 3427.20 */
  crm_quote_editor_set_text (editor, "currency", "EUR");
  pick_from_catalog (editor, "every feature");
  crm_quote_editor_set_line_text (editor, 0, CRM_QUOTE_COLUMN_QUANTITY, "12");
  assert_totals (editor, 288000, 0, 54720, 342720);

  g_assert_true (crm_quote_editor_export_pdf (editor, pdf, &error));
  g_assert_no_error (error);
  saved = crm_store_get (store, "quotes", crm_quote_editor_get_id (editor), NULL);
  g_assert_cmpstr (crm_record_get_string (saved, "opportunity_id"), ==, crm_record_get_id (deal));
  g_assert_cmpstr (crm_record_get_string (saved, "account_id"), ==, crm_record_get_string (deal, "account_id"));
  text = pdf_text (pdf);
  g_assert_nonnull (strstr (text, crm_record_get_string (saved, "number")));
  g_assert_nonnull (strstr (text, "Crm seat licence (annual)"));
  g_assert_nonnull (strstr (text, "€3427.20"));

  g_assert_true (crm_quote_editor_print_to_file (editor, printed, &error));
  g_assert_no_error (error);
  printed_text = pdf_text (printed);
  g_assert_nonnull (strstr (printed_text, crm_record_get_string (saved, "number")));
  g_assert_nonnull (strstr (printed_text, "€3427.20"));
}

/* The Quotes view filters by status, account and words */
static void
test_quotes_filter (Fixture       *f,
                    gconstpointer  data)
{
  CrmStore *store = open_seeded (f);
  GtkWidget *view = _crm_window_get_view (f->window, "quotes");
  GListModel *shown = crm_quotes_view_get_model (CRM_QUOTES_VIEW (view));
  g_autoptr(GPtrArray) quotes = crm_store_list (store, "quotes", NULL, 0, 0, NULL);
  g_autoptr(CrmRecord) sent = find_sent_quote (store);
  GtkWidget *status = find_widget (view, GTK_TYPE_DROP_DOWN, NULL);
  GtkWidget *search = find_widget (view, GTK_TYPE_SEARCH_ENTRY, NULL);
  guint n_sent = 0;

  show_view (f, "quotes", shown);

  for (guint i = 0; i < quotes->len; i++)
    n_sent += g_str_equal (crm_quote_record_get_status (g_ptr_array_index (quotes, i), NULL), "sent");
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, quotes->len);

  gtk_drop_down_set_selected (GTK_DROP_DOWN (status), 2);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, n_sent);
  gtk_editable_set_text (GTK_EDITABLE (search), crm_record_get_string (sent, "number"));
  spin (400);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 1);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (status), 1);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 0);
}

/* Profiles ************************************************************/

/* A deal more in @profile's store, so two seeded profiles differ */
static void
add_deal (Fixture    *f,
          const char *profile,
          const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = crm_store_dup_profile_path (f->data_dir, profile, &error);
  g_autoptr(CrmStore) store = crm_store_open (path, &error);
  g_autoptr(GPtrArray) stages = NULL;
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autoptr(CrmRecord) created = NULL;

  g_assert_no_error (error);
  stages = crm_store_list (store, "stages", NULL, 0, 0, &error);
  g_assert_no_error (error);
  json_object_set_string_member (fields, "name", name);
  json_object_set_string_member (fields, "stage_id", crm_record_get_id (g_ptr_array_index (stages, 0)));
  json_object_set_string_member (fields, "amount", "500.00");
  json_object_set_string_member (fields, "currency", "EUR");
  created = crm_store_create (store, "opportunities", fields, &error);
  g_assert_no_error (error);
}

static gboolean
profile_is_open (gpointer data)
{
  gpointer *args = data;
  CrmContext *context = _crm_window_get_context (args[0]);

  return page_is_main (args[0]) && context && g_strcmp0 (crm_context_get_profile (context), args[1]) == 0;
}

static void
assert_profile_opens (Fixture    *f,
                      const char *profile)
{
  gpointer args[2] = { f->window, (gpointer) profile };

  if (!wait_for (profile_is_open, args, 120))
    g_error ("“%s” did not open; the window shows “%s”", profile, _crm_window_get_page (f->window));
}

static char *
dup_switch_state (Fixture *f)
{
  g_autoptr(GVariant) state = g_action_group_get_action_state (G_ACTION_GROUP (f->window), "switch-profile");

  return g_variant_dup_string (state, NULL);
}

static GtkWidget *
find_primary_menu_button (GtkWidget *root)
{
  if (GTK_IS_MENU_BUTTON (root) && gtk_menu_button_get_primary (GTK_MENU_BUTTON (root)))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_primary_menu_button (child);

      if (found)
        return found;
    }
  return NULL;
}

/* The profiles the main menu lists, each the target of win.switch-profile */
static char *
dup_menu_profiles (Fixture *f)
{
  GtkWidget *button = find_primary_menu_button (GTK_WIDGET (f->window));
  GMenuModel *menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (button));
  g_autoptr(GMenuModel) section = g_menu_model_get_item_link (menu, 0, G_MENU_LINK_SECTION);
  g_autoptr(GMenuModel) profiles = g_menu_model_get_item_link (section, 0, G_MENU_LINK_SECTION);
  g_autoptr(GString) names = g_string_new (NULL);

  /* The button's popover lists them afresh as it opens */
  gtk_menu_button_popup (GTK_MENU_BUTTON (button));
  spin (50);
  gtk_menu_button_popdown (GTK_MENU_BUTTON (button));
  for (int i = 0; i < g_menu_model_get_n_items (profiles); i++)
    {
      g_autofree char *action = NULL;
      g_autoptr(GVariant) target = g_menu_model_get_item_attribute_value (profiles, i, G_MENU_ATTRIBUTE_TARGET,
                                                                         G_VARIANT_TYPE_STRING);

      g_assert_true (g_menu_model_get_item_attribute (profiles, i, G_MENU_ATTRIBUTE_ACTION, "s", &action));
      g_assert_cmpstr (action, ==, "win.switch-profile");
      g_string_append_printf (names, "%s%s", names->len ? "," : "", g_variant_get_string (target, NULL));
    }
  return g_string_free (g_steal_pointer (&names), FALSE);
}

static const char *
window_subtitle (Fixture *f)
{
  GtkWidget *title = find_widget (GTK_WIDGET (f->window), ADW_TYPE_VIEW_SWITCHER_TITLE, NULL);

  return adw_view_switcher_title_get_subtitle (ADW_VIEW_SWITCHER_TITLE (title));
}

static gboolean
pointer_cleared (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Two companies: the menu lists both with the open one checked; picking
 * the other closes the first (its context goes) and opens the second,
 * whose deals the pipeline shows, and the next start opens it */
static void
test_switch_profile (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (CRM_SCHEMA_ID);
  CrmPipelineView *pipeline;
  CrmContext *old_context;
  g_autoptr(GPtrArray) deals = NULL;
  g_autofree char *menu = NULL;
  g_autofree char *state = NULL;
  g_autofree char *last = NULL;
  guint acme_deals;

  seed_profile (f, "acme");
  seed_profile (f, "beta");
  add_deal (f, "beta", "Beta only one");
  add_deal (f, "beta", "Beta only two");
  open_window (f, "acme");
  assert_profile_opens (f, "acme");
  pipeline = CRM_PIPELINE_VIEW (_crm_window_get_view (f->window, "pipeline"));
  deals = crm_store_list (crm_context_get_store (_crm_window_get_context (f->window)), "opportunities",
                          NULL, 0, 0, NULL);
  acme_deals = deals->len;
  assert_board_shows (pipeline, acme_deals);

  menu = dup_menu_profiles (f);
  g_assert_cmpstr (menu, ==, "acme,beta");
  state = dup_switch_state (f);
  g_assert_cmpstr (state, ==, "acme");
  g_assert_cmpstr (window_subtitle (f), ==, "acme");

  old_context = _crm_window_get_context (f->window);
  g_object_add_weak_pointer (G_OBJECT (old_context), (gpointer *) &old_context);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.switch-profile", "s", "beta"));
  assert_profile_opens (f, "beta");
  if (!wait_for (pointer_cleared, &old_context, 10))
    g_error ("acme's context is still alive after the switch");

  assert_board_shows (pipeline, acme_deals + 2);
  g_free (state);
  state = dup_switch_state (f);
  g_assert_cmpstr (state, ==, "beta");
  g_assert_cmpstr (window_subtitle (f), ==, "beta");
  last = g_settings_get_string (settings, "last-profile");
  g_assert_cmpstr (last, ==, "beta");

  /* And back, to the first one's deals */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.switch-profile", "s", "acme"));
  assert_profile_opens (f, "acme");
  assert_board_shows (pipeline, acme_deals);
}

/* Add Profile shows the welcome page with a Cancel that goes back to the
 * open profile, untouched; Escape does the same */
static void
test_add_profile_cancel (Fixture       *f,
                         gconstpointer  data)
{
  CrmContext *context;
  GtkWidget *welcome;
  GtkWidget *cancel;
  GtkWidget *server_row;

  open_seeded (f);
  context = _crm_window_get_context (f->window);
  welcome = _crm_window_get_welcome (f->window);
  cancel = find_widget (welcome, GTK_TYPE_BUTTON, "_Cancel");
  g_assert_nonnull (cancel);
  g_assert_false (gtk_widget_get_visible (cancel));

  fill_in (f, "Server Address", "https://left.over");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.add-profile", NULL));
  g_assert_cmpstr (_crm_window_get_page (f->window), ==, "welcome");
  /* An empty form, both ways in, and a way back */
  server_row = find_widget (welcome, ADW_TYPE_ENTRY_ROW, "Server Address");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (server_row)), ==, "");
  g_assert_nonnull (find_widget (welcome, GTK_TYPE_BUTTON, "_Try the Demo"));
  g_assert_true (gtk_widget_get_visible (cancel));
  /* The open profile stays open behind it */
  g_assert_true (_crm_window_get_context (f->window) == context);

  click (welcome, "_Cancel");
  g_assert_cmpstr (_crm_window_get_page (f->window), ==, "main");
  g_assert_true (_crm_window_get_context (f->window) == context);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.add-profile", NULL));
  g_assert_cmpstr (_crm_window_get_page (f->window), ==, "welcome");
  g_assert_true (gtk_widget_activate_action (welcome, "welcome.cancel", NULL));
  g_assert_cmpstr (_crm_window_get_page (f->window), ==, "main");
  g_assert_true (_crm_window_get_context (f->window) == context);
  g_assert_cmpstr (crm_context_get_profile (context), ==, "acme");
}

/* Add Profile, then Connect: the server's profile opens beside the first
 * one, which the menu still lists */
static void
test_add_profile_connect (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (CRM_SCHEMA_ID);
  g_autoptr(GUri) uri = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *menu = NULL;
  g_autofree char *last = NULL;
  g_auto(GStrv) profiles = NULL;

  start_server (f);
  open_seeded (f);
  uri = g_uri_parse (f->server_url, G_URI_FLAGS_NONE, NULL);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.add-profile", NULL));
  fill_in (f, "Server Address", f->server_url);
  fill_in (f, "User Name", "riley");
  fill_in (f, "Password", "demo");
  click (_crm_window_get_welcome (f->window), "_Connect");

  assert_profile_opens (f, g_uri_get_host (uri));
  g_assert_true (wait_for (synced, f->window, 60));
  g_assert_cmpuint (count_deals (CRM_PIPELINE_VIEW (_crm_window_get_view (f->window, "pipeline"))), >, 0);
  /* Sorted, as crm-cli lists them */
  profiles = crm_profile_list (f->data_dir);
  g_assert_cmpuint (g_strv_length (profiles), ==, 2);
  g_assert_true (g_strv_contains ((const char * const *) profiles, g_uri_get_host (uri)));
  expected = g_strjoinv (",", profiles);
  menu = dup_menu_profiles (f);
  g_assert_cmpstr (menu, ==, expected);
  last = g_settings_get_string (settings, "last-profile");
  g_assert_cmpstr (last, ==, g_uri_get_host (uri));
  g_assert_cmpstr (window_subtitle (f), ==, g_uri_get_host (uri));

  /* Another user of the same server gets a profile of their own */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.add-profile", NULL));
  fill_in (f, "Server Address", f->server_url);
  fill_in (f, "User Name", "sam");
  fill_in (f, "Password", "demo");
  click (_crm_window_get_welcome (f->window), "_Connect");
  g_free (expected);
  expected = g_strdup_printf ("%s-2", g_uri_get_host (uri));
  assert_profile_opens (f, expected);
  g_strfreev (profiles);
  profiles = crm_profile_list (f->data_dir);
  g_assert_cmpuint (g_strv_length (profiles), ==, 3);
}

/* The paged list model: after every update its signals add up to its
 * length, every position holds what a fresh query gives there, and the
 * rows read before keep their objects where their record did not change */
typedef struct
{
  guint n;
} Tally;

static void
tally_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Tally      *tally)
{
  g_assert_cmpuint (position + removed, <=, tally->n);
  tally->n = tally->n - removed + added;
  g_assert_cmpuint (tally->n, ==, g_list_model_get_n_items (model));
}

static void
add_contacts (CrmStore   *store,
              const char *prefix,
              guint       n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JsonObject) fields = json_object_new ();
      g_autofree char *last = g_strdup_printf ("%s%04u", prefix, i);
      g_autoptr(CrmRecord) record = NULL;
      g_autoptr(GError) error = NULL;

      json_object_set_string_member (fields, "last_name", last);
      record = crm_store_create (store, "contacts", fields, &error);
      g_assert_no_error (error);
    }
}

static void
assert_list_matches (CrmRecordList *list,
                     CrmStore      *store,
                     CrmQuery      *query)
{
  g_autoptr(GPtrArray) expected = crm_store_query (store, query, 0, 0, NULL);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, expected->len);
  for (guint i = 0; i < expected->len; i++)
    {
      g_autoptr(CrmRecord) shown = g_list_model_get_item (G_LIST_MODEL (list), i);

      g_assert_cmpstr (crm_record_get_id (shown), ==, crm_record_get_id (g_ptr_array_index (expected, i)));
    }
}

/* What the pipeline does: count and first page read, then installed */
static void
install_query (CrmRecordList *list,
               CrmStore      *store,
               CrmQuery      *query)
{
  g_autoptr(GPtrArray) first = crm_store_query (store, query, crm_record_list_get_page_size (), 0, NULL);

  crm_record_list_set_results (list, store, query, (guint) crm_store_query_count (store, query, NULL), first);
}

static void
test_record_list (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *path = crm_store_dup_profile_path (f->data_dir, "list", NULL);
  g_autoptr(CrmStore) store = crm_store_open (path, NULL);
  g_autoptr(CrmRecordList) list = crm_record_list_new ();
  g_autoptr(CrmQuery) query = crm_query_new ("contacts");
  g_autoptr(CrmQuery) narrow = crm_query_new ("contacts");
  g_autoptr(CrmRecord) kept = NULL;
  g_autoptr(CrmRecord) again = NULL;
  g_autoptr(CrmRecord) last = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  Tally tally = { 0 };

  g_assert_nonnull (store);
  g_signal_connect (list, "items-changed", G_CALLBACK (tally_changed_cb), &tally);
  add_contacts (store, "b", 700);
  install_query (list, store, query);
  assert_list_matches (list, store, query);

  /* Rows near the top read (as a list view does; reading them all above
   * counted, so the list is updated once first), then one added at the
   * top and one in the tail: the tail is read afresh, the top rows keep
   * their objects */
  install_query (list, store, query);
  kept = g_list_model_get_item (G_LIST_MODEL (list), 10);
  g_clear_object (&kept);
  kept = g_list_model_get_item (G_LIST_MODEL (list), 10);
  add_contacts (store, "a", 1);
  add_contacts (store, "c", 1);
  install_query (list, store, query);
  assert_list_matches (list, store, query);
  again = g_list_model_get_item (G_LIST_MODEL (list), 11);
  g_assert_true (again == kept);

  /* Narrowed to a few, widened again, by ids */
  crm_query_set_search (narrow, "b0001", NULL);
  install_query (list, store, narrow);
  assert_list_matches (list, store, narrow);
  install_query (list, store, query);
  assert_list_matches (list, store, query);
  last = g_list_model_get_item (G_LIST_MODEL (list), 701);
  g_ptr_array_add (ids, (gpointer) crm_record_get_id (last));
  g_ptr_array_add (ids, (gpointer) crm_record_get_id (kept));
  {
    g_autoptr(GPtrArray) id_list = g_ptr_array_new_with_free_func (g_free);
    g_autoptr(GPtrArray) first = NULL;
    g_autoptr(CrmRecord) second = NULL;

    for (guint i = 0; i < ids->len; i++)
      g_ptr_array_add (id_list, g_strdup (g_ptr_array_index (ids, i)));
    first = crm_store_get_many (store, "contacts", (const char * const *) id_list->pdata, id_list->len, NULL);
    crm_record_list_set_ids (list, store, "contacts", id_list, first);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 2);
    second = g_list_model_get_item (G_LIST_MODEL (list), 1);
    g_assert_cmpstr (crm_record_get_id (second), ==, crm_record_get_id (kept));
  }
  crm_record_list_set_query (list, NULL, NULL, NULL);
  g_assert_cmpuint (tally.n, ==, 0);
}

int
main (int    argc,
      char **argv)
{
  gboolean have_display;

  g_test_init (&argc, &argv, NULL);
  g_test_log_set_fatal_handler (fatal_log_cb, NULL);
  /* GTK logs structured, past the handler above: its warnings stay
   * warnings, criticals still abort */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  /* Each case skips on its own without a display, so the count says
   * what did not run */
  if ((have_display = gtk_init_check ()))
    adw_init ();

#define ADD(path, func) \
  if (have_display) \
    g_test_add ("/app/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down); \
  else \
    g_test_add_func ("/app/" path, skip_without_display)
  ADD ("welcome-without-profile", test_welcome_without_profile);
  ADD ("pipeline-shows-seeded", test_pipeline_shows_seeded);
  ADD ("search-finds-contact", test_search_finds_contact);
  ADD ("contacts-filter", test_contacts_filter);
  ADD ("record-list", test_record_list);
  ADD ("connect", test_connect);
  ADD ("wrong-password", test_wrong_password);
  ADD ("unreachable", test_unreachable);
  ADD ("try-demo", test_try_demo);
  ADD ("new-deal", test_new_deal);
  ADD ("record-picker", test_record_picker);
  ADD ("edit-delete-undo", test_edit_delete_undo);
  ADD ("move-deal", test_move_deal);
  ADD ("log-call", test_log_call);
  ADD ("outbox-window", test_outbox_window);
  ADD ("pipeline-filters", test_pipeline_filters);
  ADD ("preferences", test_preferences);
  ADD ("forecast-view", test_forecast_view);
  ADD ("quote-editor-catalog", test_quote_editor_catalog);
  ADD ("quote-editor-read-only", test_quote_editor_read_only);
  ADD ("quote-editor-unsaved", test_quote_editor_unsaved);
  ADD ("quote-editor-revise", test_quote_editor_revise);
  ADD ("quote-editor-accept", test_quote_editor_accept);
  ADD ("quote-editor-pdf", test_quote_editor_pdf);
  ADD ("quotes-filter", test_quotes_filter);
  ADD ("switch-profile", test_switch_profile);
  ADD ("add-profile-cancel", test_add_profile_cancel);
  ADD ("add-profile-connect", test_add_profile_connect);
#undef ADD

  return g_test_run ();
}
