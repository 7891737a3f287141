/* crm-preferences-window.c: sync interval, pipeline filter, currency display
 *
 * Each row is a GSettings key of org.example.Crm, changed as soon as it is
 * chosen (GNOME preferences have no Apply button); the window and the
 * sync timer follow the keys.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-preferences"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-preferences-window.h"

struct _CrmPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;
};

G_DEFINE_FINAL_TYPE (CrmPreferencesWindow, crm_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* A choice row: the labels shown, and what each stores in the key */
typedef struct
{
  const char *key;
  const char *title;
  const char *subtitle;
  const char *labels[6];
  const char *values[6];   /* for string keys */
  guint       seconds[6];  /* for the interval */
} Choice;

static const Choice choices[] = {
  { "sync-interval", N_("Sync every"), N_("How often changes are fetched while online; your edits go out at once"),
    { N_("Minute"), N_("5 minutes"), N_("15 minutes"), N_("30 minutes"), N_("Hour"), NULL },
    { NULL }, { 60, 300, 900, 1800, 3600, 0 } },
  { "default-pipeline-filter", N_("Pipeline shows"), N_("Whose deals the Pipeline opens with"),
    { N_("My deals"), N_("My team’s deals"), N_("Every deal I may see"), NULL },
    { "mine", "team", "all", NULL }, { 0 } },
  { "currency-display", N_("Amounts show"), N_("How an amount names its currency"),
    { N_("A symbol, such as €"), N_("A code, such as EUR"), NULL },
    { "symbol", "code", NULL }, { 0 } },
};

static guint
selected_for (GSettings    *settings,
              const Choice *choice)
{
  guint best = 0;

  if (choice->values[0] == NULL)
    {
      /* The interval: the nearest offered (the key may hold any value) */
      guint now = g_settings_get_uint (settings, choice->key);

      for (guint i = 0; choice->seconds[i]; i++)
        if (ABS ((int) choice->seconds[i] - (int) now) < ABS ((int) choice->seconds[best] - (int) now))
          best = i;
      return best;
    }
  {
    g_autofree char *now = g_settings_get_string (settings, choice->key);

    for (guint i = 0; choice->values[i]; i++)
      if (g_str_equal (choice->values[i], now))
        return i;
  }
  return 0;
}

static void
selected_cb (AdwComboRow          *row,
             GParamSpec           *pspec,
             CrmPreferencesWindow *self)
{
  const Choice *choice = g_object_get_data (G_OBJECT (row), "choice");
  guint selected = adw_combo_row_get_selected (row);

  if (choice->values[0] == NULL)
    g_settings_set_uint (self->settings, choice->key, choice->seconds[selected]);
  else
    g_settings_set_string (self->settings, choice->key, choice->values[selected]);
}

static void
crm_preferences_window_dispose (GObject *object)
{
  CrmPreferencesWindow *self = CRM_PREFERENCES_WINDOW (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (crm_preferences_window_parent_class)->dispose (object);
}

static void
crm_preferences_window_class_init (CrmPreferencesWindowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = crm_preferences_window_dispose;
}

static void
crm_preferences_window_init (CrmPreferencesWindow *self)
{
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *sync_group = adw_preferences_group_new ();
  GtkWidget *display_group = adw_preferences_group_new ();

  self->settings = g_settings_new (CRM_SCHEMA_ID);

  adw_preferences_page_set_title (ADW_PREFERENCES_PAGE (page), _("General"));
  adw_preferences_page_set_icon_name (ADW_PREFERENCES_PAGE (page), "preferences-system-symbolic");
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (sync_group), _("Sync"));
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (display_group), _("Display"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (sync_group));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (display_group));

  for (guint i = 0; i < G_N_ELEMENTS (choices); i++)
    {
      const Choice *choice = &choices[i];
      g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);
      GtkWidget *row = adw_combo_row_new ();

      for (guint j = 0; choice->labels[j]; j++)
        gtk_string_list_append (model, _(choice->labels[j]));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(choice->title));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _(choice->subtitle));
      adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
      adw_combo_row_set_selected (ADW_COMBO_ROW (row), selected_for (self->settings, choice));
      g_object_set_data (G_OBJECT (row), "choice", (gpointer) choice);
      gtk_widget_set_name (row, choice->key);
      g_signal_connect (row, "notify::selected", G_CALLBACK (selected_cb), self);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (i == 0 ? sync_group : display_group), row);
    }

  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self), ADW_PREFERENCES_PAGE (page));
  adw_preferences_window_set_search_enabled (ADW_PREFERENCES_WINDOW (self), FALSE);
  gtk_window_set_default_size (GTK_WINDOW (self), 560, 420);
}

GtkWindow *
crm_preferences_window_new (GtkWindow *parent)
{
  return g_object_new (CRM_TYPE_PREFERENCES_WINDOW, "transient-for", parent, "modal", TRUE, NULL);
}
