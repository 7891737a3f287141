/* crm-application.c: the Crm application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-application"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-application.h"
#include "crm-format.h"
#include "crm-preferences-window.h"
#include "crm-store.h"
#include "crm-window.h"

struct _CrmApplication
{
  AdwApplication  parent_instance;

  char           *data_dir;
  char           *profile;
};

G_DEFINE_FINAL_TYPE (CrmApplication, crm_application, ADW_TYPE_APPLICATION)

/* Actions *************************************************************/

static void
about_action_cb (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *app = user_data;
  static const char *developers[] = { "The Crm authors", NULL };

  adw_show_about_window (gtk_application_get_active_window (app),
                         "application-name", _("Crm"),
                         "application-icon", CRM_SCHEMA_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Work your sales pipeline, contacts, quotes and forecast, online or offline."),
                         "developer-name", _("The Crm authors"),
                         "developers", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "copyright", "© The Crm authors",
                         NULL);
}

static void
quit_action_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GtkApplication *app = user_data;
  GList *windows;

  /* Closing each window stops its sync and demo server */
  while ((windows = gtk_application_get_windows (app)))
    gtk_window_destroy (windows->data);
}

static void
preferences_action_cb (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  gtk_window_present (crm_preferences_window_new (gtk_application_get_active_window (user_data)));
}

static void
help_shown_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *dialog;

  if (gtk_show_uri_full_finish (GTK_WINDOW (object), result, &error))
    return;
  dialog = adw_message_dialog_new (GTK_WINDOW (object), _("Could Not Open the Help"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("%s\n\nThe help needs a help viewer such as Yelp (the “yelp” package)."),
                                  error->message);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The Mallard help (help/C), through the desktop's help viewer */
static void
help_action_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (user_data);

  if (window)
    gtk_show_uri_full (window, "help:" CRM_SCHEMA_ID, GDK_CURRENT_TIME, NULL, help_shown_cb, NULL);
}

static const GActionEntry app_actions[] = {
  { "about", about_action_cb },
  { "preferences", preferences_action_cb },
  { "help", help_action_cb },
  { "quit", quit_action_cb },
};

/* Accessible names ****************************************************/

static void
window_mapped_cb (GtkWidget *window)
{
  crm_fix_mnemonic_names (window);
}

/* Every window of the app, dialogs too, gets proper button names when it
 * shows */
static void
toplevels_changed_cb (GListModel *toplevels,
                      guint       position,
                      guint       removed,
                      guint       added,
                      gpointer    user_data)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (!g_object_get_data (G_OBJECT (window), "crm-names-watched"))
        {
          g_object_set_data (G_OBJECT (window), "crm-names-watched", GINT_TO_POINTER (TRUE));
          g_signal_connect (window, "map", G_CALLBACK (window_mapped_cb), NULL);
        }
    }
}

/* GApplication ********************************************************/

static int
crm_application_handle_local_options (GApplication *application,
                                      GVariantDict *options)
{
  CrmApplication *self = CRM_APPLICATION (application);

  g_variant_dict_lookup (options, "data-dir", "^ay", &self->data_dir);
  g_variant_dict_lookup (options, "profile", "s", &self->profile);
  if (self->profile && !crm_profile_name_is_valid (self->profile))
    {
      g_printerr (_("“%s” is not a valid profile name (use letters, digits, - and _)\n"), self->profile);
      return 2;
    }
  /* Another data dir is another set of profiles: its own instance, e.g.
   * the demo beside the user's own Crm */
  if (self->data_dir || g_getenv ("CRM_DATA_DIR"))
    g_application_set_flags (application, g_application_get_flags (application) | G_APPLICATION_NON_UNIQUE);
  return G_APPLICATION_CLASS (crm_application_parent_class)->handle_local_options (application, options);
}

static void
crm_application_startup (GApplication *application)
{
  static const char *quit_accels[] = { "<Primary>q", NULL };
  static const char *preferences_accels[] = { "<Primary>comma", NULL };
  static const char *help_accels[] = { "F1", NULL };

  G_APPLICATION_CLASS (crm_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (application), app_actions,
                                   G_N_ELEMENTS (app_actions), application);
  gtk_application_set_accels_for_action (GTK_APPLICATION (application), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (application), "app.preferences", preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (application), "app.help", help_accels);
  gtk_window_set_default_icon_name (CRM_SCHEMA_ID);
  g_signal_connect (gtk_window_get_toplevels (), "items-changed", G_CALLBACK (toplevels_changed_cb), NULL);
}

static void
crm_application_activate (GApplication *application)
{
  CrmApplication *self = CRM_APPLICATION (application);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (application));

  if (window == NULL)
    {
      window = GTK_WINDOW (crm_window_new (GTK_APPLICATION (application)));
      crm_window_open (CRM_WINDOW (window), self->data_dir, self->profile);
    }
  gtk_window_present (window);
}

/* GObject *************************************************************/

static void
crm_application_finalize (GObject *object)
{
  CrmApplication *self = CRM_APPLICATION (object);

  g_free (self->data_dir);
  g_free (self->profile);

  G_OBJECT_CLASS (crm_application_parent_class)->finalize (object);
}

static void
crm_application_class_init (CrmApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = crm_application_finalize;
  app_class->handle_local_options = crm_application_handle_local_options;
  app_class->startup = crm_application_startup;
  app_class->activate = crm_application_activate;
}

static void
crm_application_init (CrmApplication *self)
{
  static const GOptionEntry entries[] = {
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Keep profiles in DIR (default: $CRM_DATA_DIR or ~/.local/share/org.example.Crm)"), N_("DIR") },
    { "profile", 'p', 0, G_OPTION_ARG_STRING, NULL,
      N_("Open the profile NAME (default: the last one used)"), N_("NAME") },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
}

/* Public API **********************************************************/

CrmApplication *
crm_application_new (void)
{
  return g_object_new (CRM_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/org/example/Crm",
                       NULL);
}
