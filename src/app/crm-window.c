/* crm-window.c: the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-window"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-contacts-view.h"
#include "crm-forecast-view.h"
#include "crm-pipeline-view.h"
#include "crm-outbox-window.h"
#include "crm-profile.h"
#include "crm-quote-editor.h"
#include "crm-quotes-view.h"
#include "crm-record-editor.h"
#include "crm-record-window.h"
#include "crm-search-window.h"
#include "crm-sync-indicator.h"
#include "crm-welcome-page.h"
#include "crm-window-private.h"

struct _CrmWindow
{
  AdwApplicationWindow  parent_instance;

  GtkStack             *pages;
  AdwStatusPage        *loading_status;
  CrmWelcomePage       *welcome_page;
  AdwViewStack         *view_stack;
  AdwViewSwitcherTitle *switcher_title;
  GtkMenuButton        *menu_button;
  GMenu                *profiles_section;
  AdwToastOverlay      *toast_overlay;
  CrmSyncIndicator     *sync_indicator;
  GtkRevealer          *offline_revealer;
  CrmPipelineView      *pipeline_view;
  CrmContactsView      *contacts_view;
  CrmQuotesView        *quotes_view;
  CrmForecastView      *forecast_view;

  GSettings            *settings;
  GSimpleAction        *switch_profile_action;
  GCancellable         *cancellable;
  CrmContext           *context;
  char                 *data_dir;
  /* The profile last asked for, while it opens and after */
  char                 *opening;
  /* What the profiles menu lists */
  char                **profiles;
};

G_DEFINE_FINAL_TYPE (CrmWindow, crm_window, ADW_TYPE_APPLICATION_WINDOW)

/* Helpers *************************************************************/

static void
update_offline (CrmWindow *self)
{
  gtk_revealer_set_reveal_child (self->offline_revealer,
                                 self->context &&
                                 crm_context_get_sync_state (self->context) == CRM_SYNC_STATE_OFFLINE);
}

static void
sync_state_changed_cb (CrmWindow *self)
{
  update_offline (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sync",
                                 crm_context_get_sync_state (self->context) != CRM_SYNC_STATE_LOCAL);
}

/* The kind of record "New" makes in the visible view; %NULL where it
 * makes none */
static const char *
new_record_entity (CrmWindow *self)
{
  const char *view = adw_view_stack_get_visible_child_name (self->view_stack);

  if (g_strcmp0 (view, "pipeline") == 0)
    return "opportunities";
  if (g_strcmp0 (view, "contacts") == 0)
    return "contacts";
  if (g_strcmp0 (view, "quotes") == 0)
    return "quotes";
  return NULL;
}

static void
update_new_action (CrmWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-record",
                                 self->context != NULL && new_record_entity (self) != NULL);
}

typedef struct
{
  CrmContext *context;
  char       *entity;
  char       *id;
} Undo;

static void
undo_free (Undo *undo)
{
  g_object_unref (undo->context);
  g_free (undo->entity);
  g_free (undo->id);
  g_free (undo);
}

static void
undo_delete_cb (AdwToast *toast,
                Undo     *undo)
{
  crm_context_undo_delete (undo->context, undo->entity, undo->id);
}

static void
record_deleting_cb (CrmWindow  *self,
                    const char *entity,
                    const char *id)
{
  g_autoptr(CrmRecord) record = crm_store_get (crm_context_get_store (self->context), entity, id, NULL);
  g_autofree char *name = record ? crm_record_dup_title (record) : NULL;
  g_autofree char *title = g_strdup_printf (_("“%s” deleted"), name ? name : _("Record"));
  AdwToast *toast = adw_toast_new (title);
  Undo *undo = g_new0 (Undo, 1);

  undo->context = g_object_ref (self->context);
  undo->entity = g_strdup (entity);
  undo->id = g_strdup (id);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  g_signal_connect_data (toast, "button-clicked", G_CALLBACK (undo_delete_cb), undo,
                         (GClosureNotify) (void (*) (void)) undo_free, 0);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* "acme_eu" shown as it is, not as a mnemonic */
static char *
escape_mnemonic (const char *text)
{
  g_auto(GStrv) parts = g_strsplit (text, "_", -1);

  return g_strjoinv ("__", parts);
}

/* A radio item per profile; crm-cli may have added one since */
static void
update_profiles_menu (CrmWindow *self)
{
  g_auto(GStrv) profiles = crm_profile_list (self->data_dir);

  if (self->profiles && g_strv_equal ((const char * const *) self->profiles, (const char * const *) profiles))
    return;
  g_menu_remove_all (self->profiles_section);
  for (guint i = 0; profiles[i]; i++)
    {
      g_autofree char *label = escape_mnemonic (profiles[i]);
      g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

      g_menu_item_set_action_and_target_value (item, "win.switch-profile", g_variant_new_string (profiles[i]));
      g_menu_append_item (self->profiles_section, item);
    }
  g_strfreev (self->profiles);
  self->profiles = g_steal_pointer (&profiles);
}

static gboolean
profile_exists (CrmWindow  *self,
                const char *profile)
{
  g_auto(GStrv) profiles = crm_profile_list (self->data_dir);

  return profile && g_strv_contains ((const char * const *) profiles, profile);
}

/* Where Cancel on the welcome page goes with no profile open: the last
 * one used, unless that is the one that just failed to open */
static char *
dup_return_profile (CrmWindow *self)
{
  g_autofree char *last = g_settings_get_string (self->settings, "last-profile");

  if (g_strcmp0 (last, self->opening) == 0 || !profile_exists (self, last))
    return NULL;
  return g_steal_pointer (&last);
}

/* The record, search and editor windows of the open profile: they go
 * with it. Hidden ones (the shortcuts window) are kept for next time. */
static void
close_profile_windows (CrmWindow *self)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  g_autoptr(GPtrArray) doomed = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (!gtk_widget_get_visible (GTK_WIDGET (window)))
        continue;
      for (GtkWindow *parent = gtk_window_get_transient_for (window); parent;
           parent = gtk_window_get_transient_for (parent))
        if (parent == GTK_WINDOW (self))
          {
            g_ptr_array_add (doomed, g_object_ref (window));
            break;
          }
    }
  for (guint i = 0; i < doomed->len; i++)
    gtk_window_destroy (g_ptr_array_index (doomed, i));
}

static void
set_context (CrmWindow  *self,
             CrmContext *context)
{
  if (self->context)
    {
      g_signal_handlers_disconnect_by_data (self->context, self);
      crm_context_shutdown (self->context);
    }
  g_set_object (&self->context, context);

  crm_sync_indicator_set_context (self->sync_indicator, context);
  crm_pipeline_view_set_context (self->pipeline_view, context);
  crm_contacts_view_set_context (self->contacts_view, context);
  crm_quotes_view_set_context (self->quotes_view, context);
  crm_forecast_view_set_context (self->forecast_view, context);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.search", context != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sync", context != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-outbox", context != NULL);
  update_new_action (self);
  adw_view_switcher_title_set_subtitle (self->switcher_title, context ? crm_context_get_profile (context) : NULL);
  g_simple_action_set_state (self->switch_profile_action,
                             g_variant_new_string (context ? crm_context_get_profile (context) : ""));

  if (context == NULL)
    return;
  update_profiles_menu (self);
  g_signal_connect_swapped (context, "notify::sync-state", G_CALLBACK (sync_state_changed_cb), self);
  g_signal_connect_swapped (context, "record-deleting", G_CALLBACK (record_deleting_cb), self);
  update_offline (self);
  g_settings_set_string (self->settings, "last-profile", crm_context_get_profile (context));
  gtk_stack_set_visible_child_name (self->pages, "main");
  crm_context_sync (context);
}

static void
show_welcome (CrmWindow  *self,
              const char *message)
{
  g_autofree char *back = NULL;

  set_context (self, NULL);
  back = dup_return_profile (self);
  crm_welcome_page_set_data_dir (self->welcome_page, self->data_dir);
  crm_welcome_page_set_can_cancel (self->welcome_page, back != NULL);
  if (message)
    crm_welcome_page_show_error (self->welcome_page, message);
  gtk_stack_set_visible_child_name (self->pages, "welcome");
}

static void context_opened_cb (GObject      *object,
                               GAsyncResult *result,
                               gpointer      user_data);

static void
open_profile (CrmWindow  *self,
              const char *profile)
{
  char *opening = g_strdup (profile);
  g_autofree char *title = g_strdup_printf (_("Opening “%s”…"), profile);

  g_free (self->opening);
  self->opening = opening;
  /* One profile opens at a time: the last one asked for */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  adw_status_page_set_title (self->loading_status, title);
  gtk_stack_set_visible_child_name (self->pages, "loading");
  crm_context_open_async (self->data_dir, self->opening, self->cancellable, context_opened_cb, g_object_ref (self));
}

/* Closes the open profile (its sync stops, its windows go) and opens
 * @profile in its place */
static void
switch_profile (CrmWindow  *self,
                const char *profile)
{
  if (!profile_exists (self, profile))
    return;
  if (self->context && g_str_equal (crm_context_get_profile (self->context), profile))
    {
      /* Back from the welcome page, maybe signed in again: fetch what that brought */
      if (g_strcmp0 (gtk_stack_get_visible_child_name (self->pages), "main") != 0)
        {
          gtk_stack_set_visible_child_name (self->pages, "main");
          crm_context_sync (self->context);
        }
      return;
    }
  close_profile_windows (self);
  set_context (self, NULL);
  open_profile (self, profile);
}

/* Callbacks ***********************************************************/

static void
context_opened_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(CrmWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmContext) context = crm_context_open_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (context == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The profile could not be opened: %s"), error->message);

      show_welcome (self, message);
      return;
    }
  set_context (self, context);
}

static void
profile_ready_cb (CrmWindow   *self,
                  const char  *profile,
                  GSubprocess *server)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(CrmContext) context = NULL;

  /* Only a demo server just started has to be handed over; any other
   * profile opens the way it does the next time */
  if (server == NULL)
    {
      switch_profile (self, profile);
      return;
    }
  if (!(path = crm_store_dup_profile_path (self->data_dir, profile, &error)) ||
      !(store = crm_store_open (path, &error)))
    {
      if (server)
        g_subprocess_force_exit (server);
      crm_welcome_page_show_error (self->welcome_page, error->message);
      return;
    }
  close_profile_windows (self);
  context = crm_context_new (self->data_dir, profile, store, server);
  set_context (self, context);
}

static void
welcome_cancelled_cb (CrmWindow *self)
{
  g_autofree char *back = NULL;

  if (self->context)
    {
      gtk_stack_set_visible_child_name (self->pages, "main");
      return;
    }
  if ((back = dup_return_profile (self)))
    open_profile (self, back);
}

static void
switch_profile_change_state_cb (GSimpleAction *action,
                                GVariant      *value,
                                gpointer       user_data)
{
  switch_profile (CRM_WINDOW (user_data), g_variant_get_string (value, NULL));
}

static void
add_profile_action_cb (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  CrmWindow *self = CRM_WINDOW (widget);

  crm_welcome_page_set_data_dir (self->welcome_page, self->data_dir);
  crm_welcome_page_set_can_cancel (self->welcome_page, self->context != NULL);
  gtk_stack_set_visible_child_name (self->pages, "welcome");
  crm_welcome_page_reset (self->welcome_page);
}

static void
record_activated_cb (CrmWindow  *self,
                     const char *entity,
                     const char *id)
{
  _crm_window_show_record (self, entity, id);
}

static void
search_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  CrmWindow *self = CRM_WINDOW (widget);
  GtkWindow *search;

  if (self->context == NULL)
    return;
  search = crm_search_window_new (self->context, GTK_WINDOW (self));
  g_signal_connect_object (search, "record-activated", G_CALLBACK (record_activated_cb),
                           self, G_CONNECT_SWAPPED);
  gtk_window_present (search);
}

static void
show_view_action_cb (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  CrmWindow *self = CRM_WINDOW (widget);

  if (self->context)
    adw_view_stack_set_visible_child_name (self->view_stack, g_variant_get_string (parameter, NULL));
}

static void
new_record_action_cb (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  CrmWindow *self = CRM_WINDOW (widget);
  const char *entity = new_record_entity (self);
  GtkWindow *editor;

  if (self->context == NULL || entity == NULL)
    return;
  /* A quote has its lines and totals to edit, not a form */
  if (g_str_equal (entity, "quotes"))
    {
      gtk_window_present (crm_quote_editor_new (self->context, NULL, NULL, GTK_WINDOW (self)));
      return;
    }
  editor = crm_record_editor_new (self->context, entity, NULL, NULL, GTK_WINDOW (self));
  g_signal_connect_object (editor, "saved", G_CALLBACK (record_activated_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (editor);
}

static void
show_outbox_action_cb (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  CrmWindow *self = CRM_WINDOW (widget);

  if (self->context)
    gtk_window_present (crm_outbox_window_new (self->context, GTK_WINDOW (self)));
}

static void
visible_view_changed_cb (CrmWindow *self)
{
  update_new_action (self);
}

static void
sync_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  CrmWindow *self = CRM_WINDOW (widget);

  if (self->context)
    crm_context_sync (self->context);
}

/* GObject *************************************************************/

static gboolean
crm_window_close_request (GtkWindow *window)
{
  CrmWindow *self = CRM_WINDOW (window);

  g_cancellable_cancel (self->cancellable);
  if (self->context)
    crm_context_shutdown (self->context);
  return GTK_WINDOW_CLASS (crm_window_parent_class)->close_request (window);
}

static void
crm_window_dispose (GObject *object)
{
  CrmWindow *self = CRM_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->context)
    {
      g_signal_handlers_disconnect_by_data (self->context, self);
      crm_context_shutdown (self->context);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_WINDOW);
  g_clear_object (&self->context);
  g_clear_object (&self->switch_profile_action);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (crm_window_parent_class)->dispose (object);
}

static void
crm_window_finalize (GObject *object)
{
  CrmWindow *self = CRM_WINDOW (object);

  g_free (self->data_dir);
  g_free (self->opening);
  g_strfreev (self->profiles);

  G_OBJECT_CLASS (crm_window_parent_class)->finalize (object);
}

static void
crm_window_class_init (CrmWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = crm_window_dispose;
  object_class->finalize = crm_window_finalize;
  window_class->close_request = crm_window_close_request;

  g_type_ensure (CRM_TYPE_WELCOME_PAGE);
  g_type_ensure (CRM_TYPE_SYNC_INDICATOR);
  g_type_ensure (CRM_TYPE_PIPELINE_VIEW);
  g_type_ensure (CRM_TYPE_CONTACTS_VIEW);
  g_type_ensure (CRM_TYPE_QUOTES_VIEW);
  g_type_ensure (CRM_TYPE_FORECAST_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/Crm/crm-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, pages);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, loading_status);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, welcome_page);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, menu_button);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, profiles_section);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, sync_indicator);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, offline_revealer);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, pipeline_view);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, contacts_view);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, quotes_view);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, forecast_view);
  gtk_widget_class_bind_template_callback (widget_class, profile_ready_cb);
  gtk_widget_class_bind_template_callback (widget_class, welcome_cancelled_cb);
  gtk_widget_class_bind_template_callback (widget_class, record_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, visible_view_changed_cb);

  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action_cb);
  gtk_widget_class_install_action (widget_class, "win.sync", NULL, sync_action_cb);
  gtk_widget_class_install_action (widget_class, "win.new-record", NULL, new_record_action_cb);
  gtk_widget_class_install_action (widget_class, "win.show-outbox", NULL, show_outbox_action_cb);
  gtk_widget_class_install_action (widget_class, "win.add-profile", NULL, add_profile_action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.new-record", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_k, GDK_CONTROL_MASK, "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.sync", NULL);
  gtk_widget_class_install_action (widget_class, "win.show-view", "s", show_view_action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_ALT_MASK, "win.show-view", "s", "pipeline");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_ALT_MASK, "win.show-view", "s", "contacts");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_ALT_MASK, "win.show-view", "s", "quotes");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_4, GDK_ALT_MASK, "win.show-view", "s", "forecast");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}

static void
crm_window_init (CrmWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->settings = g_settings_new (CRM_SCHEMA_ID);
  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.search", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sync", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-record", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-outbox", FALSE);

  /* A radio item per profile in the main menu: the state is the open one */
  self->switch_profile_action = g_simple_action_new_stateful ("switch-profile", G_VARIANT_TYPE_STRING,
                                                              g_variant_new_string (""));
  g_signal_connect_object (self->switch_profile_action, "change-state",
                           G_CALLBACK (switch_profile_change_state_cb), self, 0);
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (self->switch_profile_action));
  g_signal_connect_object (gtk_menu_button_get_popover (self->menu_button), "show",
                           G_CALLBACK (update_profiles_menu), self, G_CONNECT_SWAPPED);
}

/* Public API **********************************************************/

CrmWindow *
crm_window_new (GtkApplication *application)
{
  return g_object_new (CRM_TYPE_WINDOW, "application", application, NULL);
}

void
crm_window_open (CrmWindow  *self,
                 const char *data_dir,
                 const char *profile)
{
  g_auto(GStrv) profiles = NULL;
  g_autofree char *last = NULL;

  g_return_if_fail (CRM_IS_WINDOW (self));

  g_free (self->data_dir);
  self->data_dir = g_strdup (data_dir);

  profiles = crm_profile_list (data_dir);
  if (profile == NULL)
    {
      last = g_settings_get_string (self->settings, "last-profile");
      if (*last && g_strv_contains ((const char * const *) profiles, last))
        profile = last;
      else
        profile = profiles[0];
    }
  if (profile == NULL)
    {
      show_welcome (self, NULL);
      return;
    }
  open_profile (self, profile);
}

const char *
_crm_window_get_page (CrmWindow *self)
{
  return gtk_stack_get_visible_child_name (self->pages);
}

CrmContext *
_crm_window_get_context (CrmWindow *self)
{
  return self->context;
}

GtkWidget *
_crm_window_get_view (CrmWindow  *self,
                      const char *name)
{
  return adw_view_stack_get_child_by_name (self->view_stack, name);
}

const char *
_crm_window_get_visible_view (CrmWindow *self)
{
  return adw_view_stack_get_visible_child_name (self->view_stack);
}

GtkWidget *
_crm_window_get_welcome (CrmWindow *self)
{
  return GTK_WIDGET (self->welcome_page);
}

void
_crm_window_show_record (CrmWindow  *self,
                         const char *entity,
                         const char *id)
{
  GtkWindow *window;

  g_return_if_fail (CRM_IS_WINDOW (self));

  if (self->context == NULL)
    return;
  if (g_str_equal (entity, "contacts") || g_str_equal (entity, "accounts"))
    {
      adw_view_stack_set_visible_child_name (self->view_stack, "contacts");
      crm_contacts_view_show_record (self->contacts_view, entity, id);
      return;
    }
  if (g_str_equal (entity, "quotes"))
    {
      gtk_window_present (crm_quote_editor_new (self->context, id, NULL, GTK_WINDOW (self)));
      return;
    }
  window = crm_record_window_new (self->context, entity, id, GTK_WINDOW (self));
  g_signal_connect_object (window, "record-activated", G_CALLBACK (record_activated_cb),
                           self, G_CONNECT_SWAPPED);
  gtk_window_present (window);
}
