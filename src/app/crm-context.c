/* crm-context.c: an open profile: its store, settings, and sync
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-context"

#include "config.h"

#include <glib/gi18n.h>
#include <signal.h>

#include "crm-context.h"
#include "crm-demo-server.h"
#include "crm-profile.h"
#include "crm-sync.h"

/* Local edits go out this long after the last one */
#define PUSH_DELAY_SECONDS 2

struct _CrmContext
{
  GObject          parent_instance;

  char            *data_dir;
  char            *profile;
  CrmStore        *store;
  GSettings       *settings;
  GSubprocess     *demo_server;
  GCancellable    *cancellable;

  CrmSyncState     sync_state;
  double           sync_fraction;
  char            *sync_message;
  CrmStoreStatus   status;
  gboolean         sync_again;

  GHashTable      *doomed;   /* "entity/id" → DoomedRecord: deleted, undo still possible */
  GHashTable      *titles;   /* "entity/id" → title, or "" for no such record; until records change */

  guint            changed_source;
  guint            push_source;
  guint            interval_source;
  gulong           network_handler;
};

G_DEFINE_FINAL_TYPE (CrmContext, crm_context, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SYNC_STATE,
  PROP_SYNC_FRACTION,
  PROP_SYNC_MESSAGE,
  PROP_PENDING,
  PROP_CONFLICTS,
  PROP_REJECTED,
  N_PROPS
};

enum {
  RECORDS_CHANGED,
  RECORD_DELETING,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* How long a delete can be taken back before it reaches the store */
#define UNDO_SECONDS 8

typedef struct
{
  CrmContext *context;
  char       *entity;
  char       *id;
  guint       timeout;
} DoomedRecord;

static void
doomed_record_free (DoomedRecord *doomed)
{
  g_clear_handle_id (&doomed->timeout, g_source_remove);
  g_free (doomed->entity);
  g_free (doomed->id);
  g_free (doomed);
}

static char *
record_key (const char *entity,
            const char *id)
{
  return g_strconcat (entity, "/", id, NULL);
}

typedef struct
{
  CrmContext *self;
  guint       done;
  guint       total;
} Progress;

typedef struct
{
  char        *data_dir;
  char        *profile;
  char        *db_path;
  CrmStore    *store;
  GSubprocess *server;
  char        *server_url;
  guint        port;
} OpenData;

/* Helpers *************************************************************/

static void
open_data_free (OpenData *data)
{
  g_free (data->data_dir);
  g_free (data->profile);
  g_free (data->db_path);
  g_clear_object (&data->store);
  g_clear_object (&data->server);
  g_free (data->server_url);
  g_free (data);
}

static void
refresh_status (CrmContext *self)
{
  CrmStoreStatus status = { 0 };

  if (!crm_store_get_status (self->store, &status, NULL))
    return;
  g_object_freeze_notify (G_OBJECT (self));
  if (status.pending != self->status.pending)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING]);
  if (status.conflicts != self->status.conflicts)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONFLICTS]);
  if (status.rejected != self->status.rejected)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REJECTED]);
  self->status = status;
  g_object_thaw_notify (G_OBJECT (self));
}

static void
set_sync_state (CrmContext   *self,
                CrmSyncState  state,
                const char   *message)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (self->sync_state != state)
    {
      self->sync_state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_STATE]);
    }
  if (g_strcmp0 (self->sync_message, message) != 0)
    {
      g_free (self->sync_message);
      self->sync_message = g_strdup (message);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_MESSAGE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static void
set_fraction (CrmContext *self,
              double      fraction)
{
  if (self->sync_fraction == fraction)
    return;
  self->sync_fraction = fraction;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_FRACTION]);
}

static void arm_interval (CrmContext *self);

/* Callbacks ***********************************************************/

static gboolean
progress_idle_cb (gpointer user_data)
{
  Progress *progress = user_data;

  if (progress->self->sync_state == CRM_SYNC_STATE_SYNCING)
    set_fraction (progress->self, progress->total ? MIN (1.0, (double) progress->done / progress->total) : -1);
  g_object_unref (progress->self);
  g_free (progress);
  return G_SOURCE_REMOVE;
}

static void
sync_progress_cb (guint    done,
                  guint    total,
                  gpointer user_data)
{
  Progress *progress = g_new0 (Progress, 1);

  /* On the sync thread: the window hears of it on the main loop */
  progress->self = g_object_ref (user_data);
  progress->done = done;
  progress->total = total;
  g_idle_add (progress_idle_cb, progress);
}

static void
sync_thread_cb (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  CrmContext *self = source_object;
  g_autoptr(GError) error = NULL;
  CrmSyncStats *stats = g_new0 (CrmSyncStats, 1);

  if (!crm_sync_run (crm_store_get_path (self->store), sync_progress_cb, self,
                     stats, cancellable, &error))
    {
      g_free (stats);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, stats, g_free);
}

static void
sync_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  CrmContext *self = CRM_CONTEXT (object);
  g_autoptr(GError) error = NULL;
  g_autofree CrmSyncStats *stats = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  set_fraction (self, -1);
  if (stats == NULL && g_error_matches (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_UNREACHABLE))
    set_sync_state (self, CRM_SYNC_STATE_OFFLINE, error->message);
  else if (stats == NULL)
    set_sync_state (self, CRM_SYNC_STATE_FAILED, error->message);
  else
    set_sync_state (self, CRM_SYNC_STATE_IDLE, NULL);

  /* The sync wrote through its own connection: this one heard nothing */
  refresh_status (self);
  if (stats && (stats->pulled || stats->pushed || stats->conflicts || stats->rejected))
    g_signal_emit (self, signals[RECORDS_CHANGED], 0);

  if (self->sync_again)
    crm_context_sync (self);
}

static gboolean
changed_idle_cb (gpointer user_data)
{
  CrmContext *self = user_data;

  self->changed_source = 0;
  refresh_status (self);
  g_signal_emit (self, signals[RECORDS_CHANGED], 0);
  return G_SOURCE_REMOVE;
}

static gboolean
push_timeout_cb (gpointer user_data)
{
  CrmContext *self = user_data;

  self->push_source = 0;
  crm_context_sync (self);
  return G_SOURCE_REMOVE;
}

static void
store_changed_cb (CrmStore      *store,
                  const char    *entity,
                  const char    *id,
                  CrmChangeKind  kind,
                  CrmContext    *self)
{
  /* One refresh for a burst of changes */
  if (self->changed_source == 0)
    self->changed_source = g_idle_add_full (G_PRIORITY_LOW, changed_idle_cb, self, NULL);
  g_clear_handle_id (&self->push_source, g_source_remove);
  self->push_source = g_timeout_add_seconds (PUSH_DELAY_SECONDS, push_timeout_cb, self);
}

static gboolean
interval_cb (gpointer user_data)
{
  crm_context_sync (user_data);
  return G_SOURCE_CONTINUE;
}

static void
interval_changed_cb (GSettings  *settings,
                     const char *key,
                     CrmContext *self)
{
  arm_interval (self);
}

static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    CrmContext      *self)
{
  if (available && self->sync_state == CRM_SYNC_STATE_OFFLINE)
    crm_context_sync (self);
  else if (!available && self->sync_state != CRM_SYNC_STATE_SYNCING)
    set_sync_state (self, CRM_SYNC_STATE_OFFLINE, _("The network is not available"));
}

static void
arm_interval (CrmContext *self)
{
  g_clear_handle_id (&self->interval_source, g_source_remove);
  self->interval_source = g_timeout_add_seconds (g_settings_get_uint (self->settings, "sync-interval"),
                                                 interval_cb, self);
}

/* Opening *************************************************************/

static void
relogin_thread_cb (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  OpenData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autofree char *user = NULL;

  /* A connection of this thread's own */
  if (!(store = crm_store_open (data->db_path, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  user = crm_store_dup_setting (store, "username");
  if (!crm_profile_login (store, data->server_url, user ? user : CRM_DEMO_USER,
                          CRM_DEMO_PASSWORD, TRUE, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
return_context (GTask *task)
{
  OpenData *data = g_task_get_task_data (task);

  g_task_return_pointer (task,
                         crm_context_new (data->data_dir, data->profile, data->store, data->server),
                         g_object_unref);
}

static void
relogin_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  return_context (task);
}

static void
server_started_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *old_url = NULL;
  g_autoptr(GTask) relogin = NULL;

  data->server = crm_demo_server_start_finish (result, &url, &error);
  if (data->server == NULL && data->port != 0 &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *dir = crm_demo_server_dup_dir (data->data_dir);

      /* Its old port is taken: any port does, after signing in again */
      data->port = 0;
      crm_demo_server_start_async (dir, 0, g_task_get_cancellable (task),
                                   server_started_cb, g_steal_pointer (&task));
      return;
    }
  if (data->server == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  old_url = crm_store_dup_setting (data->store, "server_url");
  if (g_strcmp0 (old_url, url) == 0)
    {
      return_context (task);
      return;
    }
  data->server_url = g_steal_pointer (&url);
  relogin = g_task_new (NULL, g_task_get_cancellable (task), relogin_done_cb, g_object_ref (task));
  g_task_set_task_data (relogin, data, NULL);
  g_task_run_in_thread (relogin, relogin_thread_cb);
}

/* GObject *************************************************************/

static void
crm_context_dispose (GObject *object)
{
  CrmContext *self = CRM_CONTEXT (object);

  crm_context_shutdown (self);
  if (self->store)
    g_signal_handlers_disconnect_by_data (self->store, self);
  if (self->settings)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_pointer (&self->doomed, g_hash_table_unref);
  g_clear_pointer (&self->titles, g_hash_table_unref);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_object (&self->demo_server);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (crm_context_parent_class)->dispose (object);
}

static void
crm_context_finalize (GObject *object)
{
  CrmContext *self = CRM_CONTEXT (object);

  g_free (self->data_dir);
  g_free (self->profile);
  g_free (self->sync_message);

  G_OBJECT_CLASS (crm_context_parent_class)->finalize (object);
}

static void
crm_context_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  CrmContext *self = CRM_CONTEXT (object);

  switch (prop_id)
    {
    case PROP_SYNC_STATE:
      g_value_set_enum (value, self->sync_state);
      break;
    case PROP_SYNC_FRACTION:
      g_value_set_double (value, self->sync_fraction);
      break;
    case PROP_SYNC_MESSAGE:
      g_value_set_string (value, self->sync_message);
      break;
    case PROP_PENDING:
      g_value_set_uint (value, self->status.pending);
      break;
    case PROP_CONFLICTS:
      g_value_set_uint (value, self->status.conflicts);
      break;
    case PROP_REJECTED:
      g_value_set_uint (value, self->status.rejected);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
crm_context_class_init (CrmContextClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = crm_context_dispose;
  object_class->finalize = crm_context_finalize;
  object_class->get_property = crm_context_get_property;

  properties[PROP_SYNC_STATE] =
    g_param_spec_enum ("sync-state", NULL, NULL, CRM_TYPE_SYNC_STATE, CRM_SYNC_STATE_IDLE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SYNC_FRACTION] =
    g_param_spec_double ("sync-fraction", NULL, NULL, -1, 1, -1,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SYNC_MESSAGE] =
    g_param_spec_string ("sync-message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PENDING] =
    g_param_spec_uint ("pending", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONFLICTS] =
    g_param_spec_uint ("conflicts", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_REJECTED] =
    g_param_spec_uint ("rejected", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CrmContext::records-changed:
   *
   * Records changed, here or by a sync; once for a burst of changes.
   */
  signals[RECORDS_CHANGED] = g_signal_new ("records-changed",
                                           G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 0);

  /**
   * CrmContext::record-deleting:
   * @entity: the entity
   * @id: the record
   *
   * crm_context_delete_later() took a record away: a window may offer to
   * undo it.
   */
  signals[RECORD_DELETING] = g_signal_new ("record-deleting",
                                           G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

/* Connected first, so it runs before any view's handler reads a title */
static void
forget_titles_cb (CrmContext *self)
{
  if (self->titles)
    g_hash_table_remove_all (self->titles);
}

static void
crm_context_init (CrmContext *self)
{
  self->sync_fraction = -1;
  self->cancellable = g_cancellable_new ();
  self->titles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_signal_connect (self, "records-changed", G_CALLBACK (forget_titles_cb), NULL);
}

/* Public API **********************************************************/

CrmContext *
crm_context_new (const char  *data_dir,
                 const char  *profile,
                 CrmStore    *store,
                 GSubprocess *demo_server)
{
  CrmContext *self;

  g_return_val_if_fail (profile != NULL, NULL);
  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (!demo_server || G_IS_SUBPROCESS (demo_server), NULL);

  self = g_object_new (CRM_TYPE_CONTEXT, NULL);
  self->data_dir = g_strdup (data_dir);
  self->profile = g_strdup (profile);
  self->store = g_object_ref (store);
  self->settings = g_settings_new (CRM_SCHEMA_ID);
  g_set_object (&self->demo_server, demo_server);

  g_signal_connect (self->store, "changed", G_CALLBACK (store_changed_cb), self);
  g_signal_connect (self->settings, "changed::sync-interval", G_CALLBACK (interval_changed_cb), self);
  self->network_handler = g_signal_connect (g_network_monitor_get_default (), "network-changed",
                                            G_CALLBACK (network_changed_cb), self);
  arm_interval (self);
  refresh_status (self);
  return self;
}

void
crm_context_open_async (const char          *data_dir,
                        const char          *profile,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *demo = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GUri) uri = NULL;
  OpenData *data;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, crm_context_open_async);
  data = g_new0 (OpenData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) open_data_free);
  data->data_dir = g_strdup (data_dir);
  data->profile = g_strdup (profile);

  if (!(data->db_path = crm_store_dup_profile_path (data_dir, profile, &error)) ||
      !(data->store = crm_store_open (data->db_path, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  demo = crm_store_dup_setting (data->store, "demo_server");
  if (g_strcmp0 (demo, "1") != 0)
    {
      return_context (task);
      return;
    }

  /* The demo's server again, on its old port if it is free, so the
   * profile's sign-in still holds */
  url = crm_store_dup_setting (data->store, "server_url");
  if (url && (uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL)) && g_uri_get_port (uri) > 0)
    data->port = g_uri_get_port (uri);
  {
    g_autofree char *dir = crm_demo_server_dup_dir (data_dir);

    crm_demo_server_start_async (dir, data->port, cancellable, server_started_cb, g_steal_pointer (&task));
  }
}

CrmContext *
crm_context_open_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

CrmStore *
crm_context_get_store (CrmContext *self)
{
  g_return_val_if_fail (CRM_IS_CONTEXT (self), NULL);
  return self->store;
}

const char *
crm_context_get_profile (CrmContext *self)
{
  g_return_val_if_fail (CRM_IS_CONTEXT (self), NULL);
  return self->profile;
}

GSettings *
crm_context_get_settings (CrmContext *self)
{
  g_return_val_if_fail (CRM_IS_CONTEXT (self), NULL);
  return self->settings;
}

gboolean
crm_context_get_use_symbols (CrmContext *self)
{
  g_autofree char *display = NULL;

  g_return_val_if_fail (CRM_IS_CONTEXT (self), TRUE);
  display = g_settings_get_string (self->settings, "currency-display");
  return g_strcmp0 (display, "code") != 0;
}

CrmSyncState
crm_context_get_sync_state (CrmContext *self)
{
  g_return_val_if_fail (CRM_IS_CONTEXT (self), CRM_SYNC_STATE_IDLE);
  return self->sync_state;
}

double
crm_context_get_sync_fraction (CrmContext *self)
{
  g_return_val_if_fail (CRM_IS_CONTEXT (self), -1);
  return self->sync_fraction;
}

const char *
crm_context_get_sync_message (CrmContext *self)
{
  g_return_val_if_fail (CRM_IS_CONTEXT (self), NULL);
  return self->sync_message;
}

guint
crm_context_get_pending (CrmContext *self)
{
  g_return_val_if_fail (CRM_IS_CONTEXT (self), 0);
  return self->status.pending;
}

guint
crm_context_get_conflicts (CrmContext *self)
{
  g_return_val_if_fail (CRM_IS_CONTEXT (self), 0);
  return self->status.conflicts;
}

guint
crm_context_get_rejected (CrmContext *self)
{
  g_return_val_if_fail (CRM_IS_CONTEXT (self), 0);
  return self->status.rejected;
}

void
crm_context_sync (CrmContext *self)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *server = NULL;

  g_return_if_fail (CRM_IS_CONTEXT (self));

  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (self->sync_state == CRM_SYNC_STATE_SYNCING)
    {
      self->sync_again = TRUE;
      return;
    }
  /* A profile that never signed in keeps its records here */
  if (!(server = crm_store_dup_setting (self->store, "server_url")))
    {
      set_sync_state (self, CRM_SYNC_STATE_LOCAL, NULL);
      return;
    }

  self->sync_again = FALSE;
  g_clear_handle_id (&self->push_source, g_source_remove);
  set_fraction (self, -1);
  set_sync_state (self, CRM_SYNC_STATE_SYNCING, NULL);

  task = g_task_new (self, self->cancellable, sync_done_cb, NULL);
  g_task_set_source_tag (task, crm_context_sync);
  g_task_run_in_thread (task, sync_thread_cb);
}

void
crm_context_shutdown (CrmContext *self)
{
  g_return_if_fail (CRM_IS_CONTEXT (self));

  /* Deletes still waiting for an undo happen now, before the store goes */
  crm_context_flush_deletes (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->changed_source, g_source_remove);
  g_clear_handle_id (&self->push_source, g_source_remove);
  g_clear_handle_id (&self->interval_source, g_source_remove);
  if (self->network_handler)
    {
      g_signal_handler_disconnect (g_network_monitor_get_default (), self->network_handler);
      self->network_handler = 0;
    }
  if (self->demo_server)
    g_subprocess_send_signal (self->demo_server, SIGTERM);
}

/* Deleting with undo **************************************************/

static gboolean
commit_delete (CrmContext    *self,
               DoomedRecord  *doomed,
               GError       **error)
{
  g_autofree char *key = record_key (doomed->entity, doomed->id);
  g_autofree char *entity = g_strdup (doomed->entity);
  g_autofree char *id = g_strdup (doomed->id);

  /* Freed here, so the store's change signal sees the record gone */
  g_hash_table_remove (self->doomed, key);
  return crm_store_delete (self->store, entity, id, error);
}

static gboolean
undo_timeout_cb (gpointer user_data)
{
  DoomedRecord *doomed = user_data;
  CrmContext *self = doomed->context;
  g_autoptr(GError) error = NULL;

  doomed->timeout = 0;
  if (!commit_delete (self, doomed, &error))
    {
      g_warning ("Could not delete a record: %s", error->message);
      g_signal_emit (self, signals[RECORDS_CHANGED], 0);
    }
  return G_SOURCE_REMOVE;
}

/**
 * crm_context_delete_later:
 *
 * Deletes a record the way GNOME applications do: it disappears from every
 * view at once, and reaches the store (and the outbox) only when the undo
 * time has passed, crm_context_flush_deletes() runs, or the context shuts
 * down. Until then crm_context_undo_delete() brings it back untouched.
 */
void
crm_context_delete_later (CrmContext *self,
                          const char *entity,
                          const char *id)
{
  DoomedRecord *doomed;

  g_return_if_fail (CRM_IS_CONTEXT (self));
  g_return_if_fail (entity != NULL && id != NULL);

  if (self->doomed == NULL)
    self->doomed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) doomed_record_free);
  doomed = g_new0 (DoomedRecord, 1);
  doomed->context = self;
  doomed->entity = g_strdup (entity);
  doomed->id = g_strdup (id);
  doomed->timeout = g_timeout_add_seconds (UNDO_SECONDS, undo_timeout_cb, doomed);
  g_hash_table_replace (self->doomed, record_key (entity, id), doomed);
  g_signal_emit (self, signals[RECORD_DELETING], 0, entity, id);
  g_signal_emit (self, signals[RECORDS_CHANGED], 0);
}

/* Returns: whether the record was still waiting, and now is back */
gboolean
crm_context_undo_delete (CrmContext *self,
                         const char *entity,
                         const char *id)
{
  g_autofree char *key = record_key (entity, id);

  g_return_val_if_fail (CRM_IS_CONTEXT (self), FALSE);

  if (self->doomed == NULL || !g_hash_table_remove (self->doomed, key))
    return FALSE;
  g_signal_emit (self, signals[RECORDS_CHANGED], 0);
  return TRUE;
}

/* Whether a view should leave the record out: it is being deleted */
gboolean
crm_context_is_deleting (CrmContext *self,
                         const char *entity,
                         const char *id)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (CRM_IS_CONTEXT (self), FALSE);

  if (self->doomed == NULL || g_hash_table_size (self->doomed) == 0)
    return FALSE;
  key = record_key (entity, id);
  return g_hash_table_contains (self->doomed, key);
}

void
crm_context_flush_deletes (CrmContext *self)
{
  g_return_if_fail (CRM_IS_CONTEXT (self));

  while (self->doomed && g_hash_table_size (self->doomed) > 0)
    {
      g_autoptr(GError) error = NULL;
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->doomed);
      g_hash_table_iter_next (&iter, NULL, &value);
      if (!commit_delete (self, value, &error))
        g_warning ("Could not delete a record: %s", error->message);
    }
}

/**
 * crm_context_lookup_title:
 * @id: (nullable): a record's id
 *
 * What a view shows for a reference, e.g. the account's name on a deal's
 * card: read when first asked and kept until records change, so a list
 * reads only the names of the rows it shows.
 *
 * Returns: (nullable): the record's title, %NULL when there is no such
 *   live record
 */
const char *
crm_context_lookup_title (CrmContext *self,
                          const char *entity,
                          const char *id)
{
  g_autofree char *key = NULL;
  g_autoptr(CrmRecord) record = NULL;
  const char *title;

  g_return_val_if_fail (CRM_IS_CONTEXT (self), NULL);
  g_return_val_if_fail (entity != NULL, NULL);

  if (id == NULL || self->store == NULL)
    return NULL;
  key = record_key (entity, id);
  if (!(title = g_hash_table_lookup (self->titles, key)))
    {
      record = crm_store_get (self->store, entity, id, NULL);
      title = record ? crm_record_dup_title (record) : g_strdup ("");
      g_hash_table_insert (self->titles, g_steal_pointer (&key), (char *) title);
    }
  return *title ? title : NULL;
}

/**
 * crm_context_dup_deleting_ids:
 *
 * Returns: (transfer full): the ids of @entity's records being deleted
 *   (see crm_context_delete_later()), for a query to leave out
 */
GStrv
crm_context_dup_deleting_ids (CrmContext *self,
                              const char *entity)
{
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (CRM_IS_CONTEXT (self), NULL);

  if (self->doomed)
    {
      g_hash_table_iter_init (&iter, self->doomed);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if (g_str_equal (((DoomedRecord *) value)->entity, entity))
          g_strv_builder_add (ids, ((DoomedRecord *) value)->id);
    }
  return g_strv_builder_end (ids);
}
