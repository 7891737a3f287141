/* crm-welcome-page.c: first run: connect to a server or try the demo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-welcome"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "crm-credentials.h"
#include "crm-demo-server.h"
#include "crm-http.h"
#include "crm-profile.h"
#include "crm-sync.h"
#include "crm-welcome-page.h"

struct _CrmWelcomePage
{
  GtkWidget        parent_instance;

  GtkWidget       *cancel_button;
  AdwPreferencesGroup *form_group;
  AdwEntryRow     *server_row;
  AdwEntryRow     *user_row;
  AdwEntryRow     *password_row;
  GtkSwitch       *remember_switch;
  GtkWidget       *buttons_box;
  GtkButton       *connect_button;
  GtkButton       *trust_button;
  GtkButton       *demo_button;
  GtkLabel        *error_label;
  GtkWidget       *progress_box;
  GtkLabel        *progress_label;
  GtkProgressBar  *progress_bar;

  char            *data_dir;
  char            *untrusted_fingerprint;
  GSubprocess     *demo_server;
  GCancellable    *cancellable;
  guint            pulse_source;
  gboolean         busy;
  gboolean         can_cancel;
};

G_DEFINE_FINAL_TYPE (CrmWelcomePage, crm_welcome_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CAN_CANCEL,
  N_PROPS
};

enum {
  PROFILE_READY,
  CANCELLED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

typedef struct
{
  char     *data_dir;
  char     *profile;
  char     *db_path;
  char     *server;
  char     *user;
  char     *password;
  char     *fingerprint;
  gboolean  remember;
  gboolean  demo;
  /* Out: the certificate to trust, when it was not */
  char     *peer_fingerprint;
} Connect;

typedef struct
{
  CrmWelcomePage *self;
  guint           done;
  guint           total;
} Progress;

/* Helpers *************************************************************/

static void
connect_free (Connect *c)
{
  g_free (c->data_dir);
  g_free (c->profile);
  g_free (c->db_path);
  g_free (c->server);
  g_free (c->user);
  crm_credentials_free_secret (c->password);
  g_free (c->fingerprint);
  g_free (c->peer_fingerprint);
  g_free (c);
}

static gboolean
pulse_cb (gpointer user_data)
{
  gtk_progress_bar_pulse (GTK_PROGRESS_BAR (user_data));
  return G_SOURCE_CONTINUE;
}

static void
update_cancel (CrmWelcomePage *self)
{
  gtk_widget_set_visible (self->cancel_button, self->can_cancel);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "welcome.cancel", self->can_cancel && !self->busy);
}

static void
set_busy (CrmWelcomePage *self,
          const char     *what)
{
  self->busy = what != NULL;
  update_cancel (self);
  gtk_widget_set_sensitive (GTK_WIDGET (self->form_group), !self->busy);
  gtk_widget_set_sensitive (self->buttons_box, !self->busy);
  gtk_widget_set_visible (self->progress_box, self->busy);
  g_clear_handle_id (&self->pulse_source, g_source_remove);
  if (self->busy)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
      gtk_label_set_text (self->progress_label, what);
      /* A percentage only once the number of records is known */
      gtk_progress_bar_set_show_text (self->progress_bar, FALSE);
      self->pulse_source = g_timeout_add (100, pulse_cb, self->progress_bar);
    }
}

static void
show_error (CrmWelcomePage *self,
            const char     *message)
{
  set_busy (self, NULL);
  gtk_label_set_text (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

/* A profile name from a server's host: "crm.example.com" */
static char *
profile_for_host (const char *host)
{
  g_autofree char *name = g_strdup (host ? host : "");

  for (char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      *p = '-';
  if (!crm_profile_name_is_valid (name))
    return g_strdup ("default");
  return g_steal_pointer (&name);
}

static void
update_connect_sensitive (CrmWelcomePage *self)
{
  gboolean ready = *gtk_editable_get_text (GTK_EDITABLE (self->server_row)) &&
                   *gtk_editable_get_text (GTK_EDITABLE (self->user_row)) &&
                   *gtk_editable_get_text (GTK_EDITABLE (self->password_row));

  gtk_widget_set_sensitive (GTK_WIDGET (self->connect_button), ready);
}

/* The worker **********************************************************/

/* Whether signing @user in to @server at @db_path takes no one's place:
 * no profile there yet, or one of that same user on that same server */
static gboolean
profile_is_free (const char *db_path,
                 const char *server,
                 const char *user)
{
  g_autoptr(CrmStore) store = NULL;
  g_autofree char *old_server = NULL;
  g_autofree char *old_user = NULL;

  if (!g_file_test (db_path, G_FILE_TEST_EXISTS))
    return TRUE;
  if (!(store = crm_store_open (db_path, NULL)))
    return FALSE;
  old_server = crm_store_dup_setting (store, "server_url");
  old_user = crm_store_dup_setting (store, "username");
  return g_strcmp0 (old_server, server) == 0 && g_strcmp0 (old_user, user) == 0;
}

/* Another company's profile on the same host, or another user's, is not
 * taken over: the new one is "host-2", "host-3"… */
static gboolean
pick_profile (Connect  *c,
              GError  **error)
{
  g_autofree char *base = g_strdup (c->profile);

  for (guint n = 2; !profile_is_free (c->db_path, c->server, c->user); n++)
    {
      g_free (c->profile);
      g_free (c->db_path);
      c->profile = g_strdup_printf ("%s-%u", base, n);
      if (!(c->db_path = crm_store_dup_profile_path (c->data_dir, c->profile, error)))
        return FALSE;
    }
  return TRUE;
}

/* A profile made for a sign-in that failed goes again, or the menu and
 * the next start would offer an empty one */
static void
remove_profile (const char *db_path)
{
  g_autofree char *dir = g_path_get_dirname (db_path);

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *path = g_strconcat (db_path, (const char *[]) { "", "-wal", "-shm" }[i], NULL);

      g_remove (path);
    }
  g_rmdir (dir);
}

static gboolean
progress_idle_cb (gpointer user_data)
{
  Progress *progress = user_data;
  CrmWelcomePage *self = progress->self;

  if (self->busy && progress->total > 0)
    {
      g_autofree char *text = g_strdup_printf (_("%u of %u records"), progress->done, progress->total);

      g_clear_handle_id (&self->pulse_source, g_source_remove);
      gtk_progress_bar_set_fraction (self->progress_bar, MIN (1.0, (double) progress->done / progress->total));
      gtk_progress_bar_set_text (self->progress_bar, text);
      gtk_progress_bar_set_show_text (self->progress_bar, TRUE);
    }
  g_object_unref (self);
  g_free (progress);
  return G_SOURCE_REMOVE;
}

static void
sync_progress_cb (guint    done,
                  guint    total,
                  gpointer user_data)
{
  Progress *progress = g_new0 (Progress, 1);

  progress->self = g_object_ref (user_data);
  progress->done = done;
  progress->total = total;
  g_idle_add (progress_idle_cb, progress);
}

static gboolean
say_syncing_cb (gpointer user_data)
{
  CrmWelcomePage *self = user_data;

  if (self->busy)
    gtk_label_set_text (self->progress_label, _("Signed in. Fetching your records…"));
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
connect_thread_cb (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  Connect *c = task_data;
  g_autoptr(GError) error = NULL;
  CrmSyncStats stats;
  CrmStore *store;
  gboolean created;
  gboolean ok;

  if (!c->demo && !pick_profile (c, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  created = !g_file_test (c->db_path, G_FILE_TEST_EXISTS);
  if (!(store = crm_store_open (c->db_path, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  ok = crm_profile_login (store, c->server, c->user, c->password, c->remember, c->fingerprint, &error) &&
       (!c->demo || crm_store_set_setting (store, "demo_server", "1", &error));
  g_object_unref (store);

  if (!ok)
    {
      if (created)
        remove_profile (c->db_path);
      if (g_error_matches (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_TLS_UNTRUSTED))
        {
          g_autoptr(CrmHttp) http = crm_http_new (c->server, NULL);
          g_autoptr(JsonNode) reply = crm_http_request (http, "GET", "/api/v1/health", NULL, NULL,
                                                       NULL, NULL, NULL);

          c->peer_fingerprint = crm_http_dup_peer_fingerprint (http);
        }
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_idle_add (say_syncing_cb, g_object_ref (source_object));
  if (!crm_sync_run (c->db_path, sync_progress_cb, source_object, &stats, cancellable, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
connect_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  CrmWelcomePage *self = CRM_WELCOME_PAGE (object);
  Connect *c = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) server = g_steal_pointer (&self->demo_server);

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (server)
        g_subprocess_force_exit (server);
      g_free (self->untrusted_fingerprint);
      self->untrusted_fingerprint = g_steal_pointer (&c->peer_fingerprint);
      gtk_widget_set_visible (GTK_WIDGET (self->trust_button), self->untrusted_fingerprint != NULL);
      show_error (self, error->message);
      return;
    }

  set_busy (self, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  g_signal_emit (self, signals[PROFILE_READY], 0, c->profile, server);
}

static void
start_connect (CrmWelcomePage *self,
               const char     *profile,
               const char     *server,
               const char     *user,
               const char     *password,
               gboolean        remember,
               const char     *fingerprint,
               gboolean        demo)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  Connect *c = g_new0 (Connect, 1);

  c->data_dir = g_strdup (self->data_dir);
  c->profile = g_strdup (profile);
  c->server = g_strdup (server);
  c->user = g_strdup (user);
  c->password = g_strdup (password);
  c->remember = remember;
  c->fingerprint = g_strdup (fingerprint);
  c->demo = demo;

  task = g_task_new (self, self->cancellable, connect_done_cb, NULL);
  g_task_set_source_tag (task, start_connect);
  g_task_set_task_data (task, c, (GDestroyNotify) connect_free);
  if (!(c->db_path = crm_store_dup_profile_path (self->data_dir, profile, &error)))
    {
      show_error (self, error->message);
      return;
    }
  set_busy (self, demo ? _("Signing in to the demo company…") : _("Signing in…"));
  g_task_run_in_thread (task, connect_thread_cb);
}

static void
connect_from_form (CrmWelcomePage *self,
                   const char     *fingerprint)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->server_row));
  g_autofree char *server = g_strstrip (g_strdup (text));
  g_autofree char *profile = NULL;
  g_autoptr(GUri) uri = NULL;

  while (g_str_has_suffix (server, "/"))
    server[strlen (server) - 1] = '\0';
  if (!(uri = g_uri_parse (server, G_URI_FLAGS_NONE, NULL)) ||
      (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 && g_strcmp0 (g_uri_get_scheme (uri), "https") != 0) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      show_error (self, _("Enter the server’s address with https:// or http://, for example https://crm.example.com"));
      return;
    }

  profile = profile_for_host (g_uri_get_host (uri));
  start_connect (self, profile, server,
                 gtk_editable_get_text (GTK_EDITABLE (self->user_row)),
                 gtk_editable_get_text (GTK_EDITABLE (self->password_row)),
                 gtk_switch_get_active (self->remember_switch), fingerprint, FALSE);
}

/* Callbacks ***********************************************************/

static void
form_changed_cb (CrmWelcomePage *self)
{
  update_connect_sensitive (self);
  g_clear_pointer (&self->untrusted_fingerprint, g_free);
  gtk_widget_set_visible (GTK_WIDGET (self->trust_button), FALSE);
}

static void
connect_clicked_cb (CrmWelcomePage *self)
{
  connect_from_form (self, NULL);
}

static void
entry_activated_cb (CrmWelcomePage *self)
{
  if (gtk_widget_get_sensitive (GTK_WIDGET (self->connect_button)) && !self->busy)
    connect_from_form (self, NULL);
}

static void
trust_clicked_cb (CrmWelcomePage *self)
{
  g_autofree char *fingerprint = g_strdup (self->untrusted_fingerprint);

  gtk_widget_set_visible (GTK_WIDGET (self->trust_button), FALSE);
  connect_from_form (self, fingerprint);
}

static void
demo_started_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(CrmWelcomePage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  GSubprocess *server = crm_demo_server_start_finish (result, &url, &error);

  if (server == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error->message);
      return;
    }
  g_set_object (&self->demo_server, server);
  g_object_unref (server);
  start_connect (self, CRM_DEMO_PROFILE, url, CRM_DEMO_USER, CRM_DEMO_PASSWORD, TRUE, NULL, TRUE);
}

static void
demo_clicked_cb (CrmWelcomePage *self)
{
  g_autofree char *dir = crm_demo_server_dup_dir (self->data_dir);
  g_auto(GStrv) profiles = crm_profile_list (self->data_dir);

  /* One demo company: a second server on its data would fight the first */
  if (self->can_cancel && g_strv_contains ((const char * const *) profiles, CRM_DEMO_PROFILE))
    {
      g_signal_emit (self, signals[PROFILE_READY], 0, CRM_DEMO_PROFILE, NULL);
      return;
    }

  set_busy (self, _("Starting the demo company’s server…"));
  crm_demo_server_start_async (dir, 0, self->cancellable, demo_started_cb, g_object_ref (self));
}

static void
cancel_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  g_signal_emit (widget, signals[CANCELLED], 0);
}

/* GObject *************************************************************/

static void
crm_welcome_page_dispose (GObject *object)
{
  GtkWidget *child;
  CrmWelcomePage *self = CRM_WELCOME_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->pulse_source, g_source_remove);
  if (self->demo_server)
    g_subprocess_force_exit (self->demo_server);
  g_clear_object (&self->demo_server);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_WELCOME_PAGE);
  /* The template's top widget is not bound, so not unparented above */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (crm_welcome_page_parent_class)->dispose (object);
}

static void
crm_welcome_page_finalize (GObject *object)
{
  CrmWelcomePage *self = CRM_WELCOME_PAGE (object);

  g_clear_object (&self->cancellable);
  g_free (self->data_dir);
  g_free (self->untrusted_fingerprint);

  G_OBJECT_CLASS (crm_welcome_page_parent_class)->finalize (object);
}

static void
crm_welcome_page_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  CrmWelcomePage *self = CRM_WELCOME_PAGE (object);

  switch (prop_id)
    {
    case PROP_CAN_CANCEL:
      g_value_set_boolean (value, self->can_cancel);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
crm_welcome_page_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  CrmWelcomePage *self = CRM_WELCOME_PAGE (object);

  switch (prop_id)
    {
    case PROP_CAN_CANCEL:
      crm_welcome_page_set_can_cancel (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
crm_welcome_page_class_init (CrmWelcomePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_welcome_page_dispose;
  object_class->finalize = crm_welcome_page_finalize;
  object_class->get_property = crm_welcome_page_get_property;
  object_class->set_property = crm_welcome_page_set_property;

  /**
   * CrmWelcomePage:can-cancel:
   *
   * Whether a profile is open behind the page, for Cancel (and Escape)
   * to go back to; Try the Demo then opens the demo profile if there is one.
   */
  properties[PROP_CAN_CANCEL] =
    g_param_spec_boolean ("can-cancel", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CrmWelcomePage::profile-ready:
   * @profile: the profile that is signed in and synced
   * @server: (nullable): the demo server it runs on, for the caller to own
   */
  signals[PROFILE_READY] = g_signal_new ("profile-ready",
                                         G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_SUBPROCESS);
  /**
   * CrmWelcomePage::cancelled:
   *
   * Cancel was pressed, to go back to the open profile.
   */
  signals[CANCELLED] = g_signal_new ("cancelled",
                                     G_TYPE_FROM_CLASS (klass),
                                     G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL,
                                     G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/Crm/crm-welcome-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmWelcomePage, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, CrmWelcomePage, form_group);
  gtk_widget_class_bind_template_child (widget_class, CrmWelcomePage, server_row);
  gtk_widget_class_bind_template_child (widget_class, CrmWelcomePage, user_row);
  gtk_widget_class_bind_template_child (widget_class, CrmWelcomePage, password_row);
  gtk_widget_class_bind_template_child (widget_class, CrmWelcomePage, remember_switch);
  gtk_widget_class_bind_template_child (widget_class, CrmWelcomePage, buttons_box);
  gtk_widget_class_bind_template_child (widget_class, CrmWelcomePage, connect_button);
  gtk_widget_class_bind_template_child (widget_class, CrmWelcomePage, trust_button);
  gtk_widget_class_bind_template_child (widget_class, CrmWelcomePage, demo_button);
  gtk_widget_class_bind_template_child (widget_class, CrmWelcomePage, error_label);
  gtk_widget_class_bind_template_child (widget_class, CrmWelcomePage, progress_box);
  gtk_widget_class_bind_template_child (widget_class, CrmWelcomePage, progress_label);
  gtk_widget_class_bind_template_child (widget_class, CrmWelcomePage, progress_bar);
  gtk_widget_class_bind_template_callback (widget_class, form_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, connect_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, trust_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, demo_clicked_cb);

  gtk_widget_class_install_action (widget_class, "welcome.cancel", NULL, cancel_action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "welcome.cancel", NULL);
}

static void
crm_welcome_page_init (CrmWelcomePage *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  update_cancel (self);
}

/* Public API **********************************************************/

GtkWidget *
crm_welcome_page_new (void)
{
  return g_object_new (CRM_TYPE_WELCOME_PAGE, NULL);
}

void
crm_welcome_page_set_data_dir (CrmWelcomePage *self,
                               const char     *data_dir)
{
  g_return_if_fail (CRM_IS_WELCOME_PAGE (self));

  g_free (self->data_dir);
  self->data_dir = g_strdup (data_dir);
}

void
crm_welcome_page_show_error (CrmWelcomePage *self,
                             const char     *message)
{
  g_return_if_fail (CRM_IS_WELCOME_PAGE (self));

  show_error (self, message);
}

void
crm_welcome_page_set_can_cancel (CrmWelcomePage *self,
                                 gboolean        can_cancel)
{
  g_return_if_fail (CRM_IS_WELCOME_PAGE (self));

  can_cancel = !!can_cancel;
  if (self->can_cancel == can_cancel)
    return;
  self->can_cancel = can_cancel;
  update_cancel (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_CANCEL]);
}

gboolean
crm_welcome_page_get_can_cancel (CrmWelcomePage *self)
{
  g_return_val_if_fail (CRM_IS_WELCOME_PAGE (self), FALSE);

  return self->can_cancel;
}

void
crm_welcome_page_reset (CrmWelcomePage *self)
{
  g_return_if_fail (CRM_IS_WELCOME_PAGE (self));

  if (self->busy)
    return;
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->user_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->server_row));
}
