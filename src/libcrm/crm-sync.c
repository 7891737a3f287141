/* crm-sync.c: push the outbox, pull the change feed
 *
 * One pass: push the outbox in batches (each mutation carries its id, its
 * base version and only the changed fields; results are applied in the
 * transaction that removes the acknowledged entries), then pull the feed
 * page by page from the stored cursor (each page and its cursor in one
 * transaction; the next page is fetched and parsed on a second thread
 * while the current one is written). A pass runs on its own connection to
 * the store, so it can run in a worker thread while the UI keeps its own.
 *
 * Failures that may pass (network, 5xx, 429, 503) are retried with
 * exponential backoff and jitter, honouring Retry-After. An expired token
 * is renewed from a remembered password. Nothing here ever drops a queued
 * edit: the outbox only shrinks inside the transaction that stores the
 * server's answer.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-sync"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <signal.h>

#include "crm-credentials.h"
#include "crm-forecast.h"
#include "crm-http.h"
#include "crm-store-private.h"
#include "crm-sync.h"

#define BACKOFF_CAP_MS (5 * 60 * 1000)

G_DEFINE_QUARK (crm-sync-error-quark, crm_sync_error)

typedef struct
{
  CrmStore            *store;
  CrmHttp             *http;
  char                *server;
  char                *user;
  char                *token;
  GCancellable        *cancellable;
  CrmSyncProgressFunc  progress;
  gpointer             progress_data;
  guint                max_attempts;
  guint                base_delay_ms;
  guint                push_batch;
  guint                pull_page;
  gboolean             renewed;
} Pass;

/* Helpers *************************************************************/

static guint
env_uint (const char *name,
          guint       fallback)
{
  const char *text = g_getenv (name);
  guint64 value;

  if (text && g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT, &value, NULL))
    return value;
  return fallback;
}

/* Crash tests: CRM_SYNC_FAILPOINT=NAME:N kills this process (SIGKILL, as
 * a power cut would) the Nth time the pass reaches the point NAME:
 * before-push, pushed (the server has applied the batch, its answer is
 * not yet stored), pulled (a page is in memory, not yet stored) and
 * page-applied. Unset, it costs a getenv. */
static void
failpoint (const char *name)
{
  static guint hits;
  const char *spec = g_getenv ("CRM_SYNC_FAILPOINT");
  const char *colon;
  guint64 wanted;

  if (spec == NULL || !(colon = strchr (spec, ':')) ||
      strncmp (spec, name, colon - spec) != 0 || name[colon - spec] != '\0' ||
      !g_ascii_string_to_unsigned (colon + 1, 10, 1, G_MAXUINT, &wanted, NULL))
    return;
  if (++hits == wanted)
    raise (SIGKILL);
}

static gboolean
retryable (const GError *error,
           guint         status)
{
  if (g_error_matches (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_NETWORK) ||
      g_error_matches (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_BAD_RESPONSE))
    return TRUE;
  return status >= 500 || status == 429 || status == 408;
}

/* Sleeps before attempt @attempt (1-based): base × 2^(attempt-1), capped,
 * with jitter; a Retry-After from the server wins when it is longer. */
static gboolean
back_off (Pass        *pass,
          guint        attempt,
          const char  *retry_after,
          GError     **error)
{
  guint64 delay = (guint64) pass->base_delay_ms << MIN (attempt - 1, 20u);
  guint64 asked;

  delay = MIN (delay, BACKOFF_CAP_MS);
  delay = delay / 2 + g_random_int_range (0, (gint32) MAX (delay / 2, 1));
  if (retry_after && g_ascii_string_to_unsigned (retry_after, 10, 0, 3600, &asked, NULL))
    delay = MAX (delay, MIN (asked * 1000, (guint64) BACKOFF_CAP_MS));

  /* Wake early when cancelled */
  for (guint64 slept = 0; slept < delay; slept += 50)
    {
      if (g_cancellable_set_error_if_cancelled (pass->cancellable, error))
        return FALSE;
      g_usleep (50 * 1000);
    }
  return TRUE;
}

static gboolean
renew_token (Pass    *pass,
             GError **error)
{
  g_autofree char *password = NULL;
  g_autofree char *token = NULL;
  g_autofree char *user_id = NULL;
  g_autofree char *expires_at = NULL;
  g_autoptr(GError) local_error = NULL;

  password = crm_credentials_lookup (pass->server, pass->user, "password", &local_error);
  if (password == NULL || pass->renewed)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SESSION_EXPIRED,
                   _("Your session on %s has expired; log in again (crm-cli login). "
                     "Your pending changes are kept."), pass->server);
      return FALSE;
    }
  pass->renewed = TRUE;
  if (!crm_http_login (pass->http, pass->user, password, &token, &user_id, &expires_at, error) ||
      !crm_credentials_store (pass->server, pass->user, "token", token, error))
    return FALSE;
  g_free (pass->token);
  pass->token = g_steal_pointer (&token);
  return TRUE;
}

/* One API call with retries and token renewal */
static JsonNode *
call (Pass        *pass,
      const char  *method,
      const char  *path,
      JsonNode    *body,
      guint       *out_status,
      GError     **error)
{
  for (guint attempt = 1;; attempt++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *retry_after = NULL;
      JsonNode *reply;
      guint status = 0;

      if (g_cancellable_set_error_if_cancelled (pass->cancellable, error))
        return NULL;
      reply = crm_http_request (pass->http, method, path, pass->token, body, &status, &retry_after, &local_error);
      *out_status = status;
      if (reply && status < 400)
        return reply;
      g_clear_pointer (&reply, json_node_unref);

      if (status == 401)
        {
          if (!renew_token (pass, error))
            return NULL;
          continue;
        }
      if (status == 410)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (!retryable (local_error, status) || attempt >= pass->max_attempts)
        {
          if (local_error && local_error->domain == CRM_HTTP_ERROR &&
              (local_error->code == CRM_HTTP_ERROR_NETWORK || local_error->code == CRM_HTTP_ERROR_TLS_UNTRUSTED))
            g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_UNREACHABLE, "%s", local_error->message);
          else
            g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER, _("The server could not sync: %s"),
                         local_error ? local_error->message : _("unexpected answer"));
          return NULL;
        }
      g_debug ("Attempt %u of %s %s failed (%s); retrying", attempt, method, path,
               local_error ? local_error->message : "?");
      if (!back_off (pass, attempt, retry_after, error))
        return NULL;
    }
}

/* Push ****************************************************************/

static gboolean
push (Pass          *pass,
      CrmPushTally  *tally,
      GError       **error)
{
  g_autofree char *client_id = crm_store_dup_setting (pass->store, "client_id");

  if (client_id == NULL)
    {
      client_id = g_uuid_string_random ();
      if (!crm_store_set_setting (pass->store, "client_id", client_id, error))
        return FALSE;
    }

  for (;;)
    {
      g_autoptr(JsonArray) batch = NULL;
      g_autoptr(JsonArray) mutations = NULL;
      g_autoptr(JsonObject) body = NULL;
      g_autoptr(JsonNode) body_node = NULL;
      g_autoptr(JsonNode) reply = NULL;
      JsonNode *results;
      guint status;
      guint n;

      failpoint ("before-push");
      if (!(batch = _crm_store_take_outbox_batch (pass->store, pass->push_batch, error)))
        return FALSE;
      if ((n = json_array_get_length (batch)) == 0)
        return TRUE;

      /* What the server sees: the mutations without our outbox seq */
      mutations = json_array_sized_new (n);
      for (guint i = 0; i < n; i++)
        {
          JsonObject *copy = json_object_new ();
          JsonObject *entry = json_array_get_object_element (batch, i);
          g_autoptr(GList) members = json_object_get_members (entry);

          for (const GList *l = members; l; l = l->next)
            if (!g_str_equal (l->data, "seq"))
              json_object_set_member (copy, l->data, json_node_copy (json_object_get_member (entry, l->data)));
          json_array_add_object_element (mutations, copy);
        }
      body = json_object_new ();
      json_object_set_string_member (body, "client_id", client_id);
      json_object_set_array_member (body, "mutations", g_steal_pointer (&mutations));
      body_node = json_node_init_object (json_node_alloc (), body);

      if (!(reply = call (pass, "POST", "/api/v1/sync/push", body_node, &status, error)))
        return FALSE;
      failpoint ("pushed");
      if (!JSON_NODE_HOLDS_OBJECT (reply) ||
          !(results = json_object_get_member (json_node_get_object (reply), "results")) ||
          !JSON_NODE_HOLDS_ARRAY (results))
        {
          g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER, _("The server’s answer to a push was not understood"));
          return FALSE;
        }
      if (!_crm_store_apply_push_results (pass->store, batch, json_node_get_array (results), tally, error))
        return FALSE;
      if (n < pass->push_batch)
        return TRUE;
    }
}

/* Pull ****************************************************************/

static void
remember_seen (GHashTable *seen,
               JsonArray  *changes)
{
  for (guint i = 0; i < json_array_get_length (changes); i++)
    {
      JsonNode *node = json_array_get_element (changes, i);
      JsonObject *change = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *entity = change ? json_object_get_string_member_with_default (change, "entity", NULL) : NULL;
      const char *id = change ? json_object_get_string_member_with_default (change, "id", NULL) : NULL;

      if (entity && id)
        g_hash_table_add (seen, g_strconcat (entity, "/", id, NULL));
    }
}

/* The next page is fetched, and parsed, on a thread of its own while the
 * current one is written: one request ahead and never more, so a page is
 * asked for only once the page before it has arrived, with that page's
 * cursor. Nothing is stored on that thread; the pass's HTTP session
 * (libsoup sends from any thread) and token are used by it alone while
 * the pull runs. */
typedef struct
{
  char     *cursor;    /* what the request sent */
  JsonNode *reply;
  guint     status;
  GError   *error;
  JsonNode *garbage;   /* a page already written, freed on the thread */
} Fetch;

typedef struct
{
  Pass         *pass;
  GThread      *thread;
  GAsyncQueue  *requests;  /* Fetch*; the Fetcher itself says stop */
  GAsyncQueue  *results;
  guint         in_flight;
} Fetcher;

static void
fetch_free (Fetch *fetch)
{
  g_free (fetch->cursor);
  g_clear_pointer (&fetch->reply, json_node_unref);
  g_clear_pointer (&fetch->garbage, json_node_unref);
  g_clear_error (&fetch->error);
  g_free (fetch);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Fetch, fetch_free)

static gpointer
fetch_thread (gpointer data)
{
  Fetcher *fetcher = data;
  Fetch *fetch;

  while ((fetch = g_async_queue_pop (fetcher->requests)) != (gpointer) fetcher)
    {
      g_autofree char *escaped = g_uri_escape_string (fetch->cursor, NULL, FALSE);
      g_autofree char *path = g_strdup_printf ("/api/v1/sync/pull?limit=%u&cursor=%s",
                                               fetcher->pass->pull_page, escaped);

      fetch->reply = call (fetcher->pass, "GET", path, NULL, &fetch->status, &fetch->error);
      g_clear_pointer (&fetch->garbage, json_node_unref);
      g_async_queue_push (fetcher->results, fetch);
    }
  return NULL;
}

static void
fetcher_start (Fetcher *fetcher,
               Pass    *pass)
{
  fetcher->pass = pass;
  fetcher->requests = g_async_queue_new ();
  fetcher->results = g_async_queue_new ();
  fetcher->in_flight = 0;
  fetcher->thread = g_thread_new ("crm-sync-pull", fetch_thread, fetcher);
}

/* Asks for the page after @cursor; @garbage (transfer full) is freed there */
static void
fetcher_request (Fetcher    *fetcher,
                 const char *cursor,
                 JsonNode   *garbage)
{
  Fetch *fetch = g_new0 (Fetch, 1);

  g_assert (fetcher->in_flight == 0);
  fetch->cursor = g_strdup (cursor ? cursor : "");
  fetch->garbage = garbage;
  fetcher->in_flight++;
  g_async_queue_push (fetcher->requests, fetch);
}

static Fetch *
fetcher_wait (Fetcher *fetcher)
{
  g_assert (fetcher->in_flight == 1);
  fetcher->in_flight--;
  return g_async_queue_pop (fetcher->results);
}

/* Waits out a request still in flight (cancelled, it gives up between
 * attempts) and ends the thread */
static void
fetcher_stop (Fetcher      *fetcher,
              GCancellable *stop)
{
  g_cancellable_cancel (stop);
  if (fetcher->in_flight)
    fetch_free (fetcher_wait (fetcher));
  g_async_queue_push (fetcher->requests, fetcher);
  g_thread_join (fetcher->thread);
  g_async_queue_unref (fetcher->requests);
  g_async_queue_unref (fetcher->results);
}

static void
cancel_cb (GCancellable *cancellable,
           gpointer      user_data)
{
  g_cancellable_cancel (user_data);
}

static gboolean
pull_pages (Pass     *pass,
            Fetcher  *fetcher,
            guint    *pulled,
            GError  **error)
{
  gboolean restarted = FALSE;
  guint total = 0;
  g_autoptr(JsonNode) written = NULL;
  /* "entity/id" of everything a full resync brought, to tell at its end
   * which records the server no longer has */
  g_autoptr(GHashTable) seen = NULL;

  if (_crm_store_resync_pending (pass->store))
    {
      if (!_crm_store_request_resync (pass->store, error))
        return FALSE;
      seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    }

  {
    g_autofree char *cursor = crm_store_dup_setting (pass->store, "sync_cursor");

    fetcher_request (fetcher, cursor, NULL);
  }

  for (;;)
    {
      g_autoptr(Fetch) fetch = fetcher_wait (fetcher);
      const char *cursor = fetch->cursor;
      JsonObject *page;
      JsonNode *changes;
      const char *next;
      gboolean has_more;
      guint applied = 0;

      /* 410: history was pruned past our cursor. 400 on a cursor we
       * kept: it is not this server's (a reinstalled server). Either way
       * start over from everything; rebasing keeps every pending edit. */
      if (fetch->reply == NULL && !restarted &&
          (fetch->status == 410 || (fetch->status == 400 && *cursor != '\0')))
        {
          g_message ("The server asks for a full resync (HTTP %u)", fetch->status);
          restarted = TRUE;
          if (!_crm_store_request_resync (pass->store, error))
            return FALSE;
          if (seen == NULL)
            seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          fetcher_request (fetcher, "", NULL);
          continue;
        }
      if (fetch->reply == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&fetch->error));
          return FALSE;
        }

      if (!JSON_NODE_HOLDS_OBJECT (fetch->reply) ||
          !(changes = json_object_get_member ((page = json_node_get_object (fetch->reply)), "changes")) ||
          !JSON_NODE_HOLDS_ARRAY (changes) ||
          !(next = json_object_get_string_member_with_default (page, "cursor", NULL)))
        {
          g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER, _("A page from the server was not understood"));
          return FALSE;
        }
      has_more = json_object_get_boolean_member_with_default (page, "has_more", FALSE);
      if (json_object_has_member (page, "total"))
        total = MAX (total, (guint) json_object_get_int_member (page, "total"));

      /* The next page travels while this one is written */
      if (has_more)
        fetcher_request (fetcher, next, g_steal_pointer (&written));

      failpoint ("pulled");
      if (!_crm_store_apply_pull_page (pass->store, json_node_get_array (changes), next, has_more,
                                       &applied, error))
        return FALSE;
      failpoint ("page-applied");
      *pulled += applied;
      if (seen)
        remember_seen (seen, json_node_get_array (changes));
      if (pass->progress)
        pass->progress (*pulled, MAX (total, *pulled + (has_more ? pass->pull_page : 0)), pass->progress_data);
      if (!has_more)
        {
          guint removed = 0;

          if (seen && !_crm_store_sweep_unseen (pass->store, seen, &removed, error))
            return FALSE;
          *pulled += removed;
          return TRUE;
        }
      g_clear_pointer (&written, json_node_unref);
      written = g_steal_pointer (&fetch->reply);
    }
}

static gboolean
pull (Pass     *pass,
      guint    *pulled,
      GError  **error)
{
  g_autoptr(GCancellable) stop = g_cancellable_new ();
  GCancellable *caller = pass->cancellable;
  Fetcher fetcher;
  gulong handler = 0;
  gboolean ok;

  /* The fetcher's requests stop with the pass, and when the pull ends
   * early with one in flight */
  if (caller)
    handler = g_cancellable_connect (caller, G_CALLBACK (cancel_cb), g_object_ref (stop), g_object_unref);
  pass->cancellable = stop;
  fetcher_start (&fetcher, pass);

  ok = pull_pages (pass, &fetcher, pulled, error);

  fetcher_stop (&fetcher, stop);
  pass->cancellable = caller;
  if (caller)
    g_cancellable_disconnect (caller, handler);
  return ok;
}

/* Public API **********************************************************/

/* When the last sync went through, for views that say how fresh their
 * data is (the CRM_SYNC_LAST_SYNCED setting) */
static void
record_synced (CrmStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *now = crm_timestamp_now ();

  if (!crm_store_set_setting (store, CRM_SYNC_LAST_SYNCED, now, &error))
    g_debug ("Cannot record the time of the sync: %s", error->message);
}

/* The forecast's snapshot of the day, of the deals as the first sync of
 * the day left them. Not having one is no reason to fail the sync: the
 * next sync or forecast of the day takes it. */
static void
take_daily_snapshot (CrmStore *store)
{
  g_autoptr(GError) error = NULL;
  CrmForecastSnapshot snapshot;

  if (!crm_forecast_snapshot (store, NULL, TRUE, &snapshot, &error))
    g_debug ("Cannot take today’s forecast snapshot: %s", error->message);
}

/**
 * crm_sync_run:
 * @db_path: the profile's database; opened on a connection of its own
 *
 * One sync pass: push, then pull. Blocks; call it from a worker thread,
 * or use crm_sync_run_async().
 */
gboolean
crm_sync_run (const char           *db_path,
              CrmSyncProgressFunc   progress,
              gpointer              progress_data,
              CrmSyncStats         *stats,
              GCancellable         *cancellable,
              GError              **error)
{
  g_autoptr(CrmStore) store = NULL;
  g_autofree char *pin = NULL;
  CrmPushTally tally = { 0 };
  CrmStoreStatus status;
  Pass pass = { 0 };
  gboolean ok = FALSE;
  guint pulled = 0;

  memset (stats, 0, sizeof *stats);
  if (!(store = crm_store_open (db_path, error)))
    return FALSE;

  pass.store = store;
  pass.cancellable = cancellable;
  pass.progress = progress;
  pass.progress_data = progress_data;
  pass.max_attempts = MAX (1, env_uint ("CRM_SYNC_MAX_ATTEMPTS", 6));
  pass.base_delay_ms = env_uint ("CRM_SYNC_RETRY_BASE_MS", 1000);
  pass.push_batch = CLAMP (env_uint ("CRM_SYNC_PUSH_BATCH", 500), 1, 1000);
  pass.pull_page = CLAMP (env_uint ("CRM_SYNC_PULL_PAGE", 1000), 1, 1000);
  pass.server = crm_store_dup_setting (store, "server_url");
  pass.user = crm_store_dup_setting (store, "username");
  pin = crm_store_dup_setting (store, "tls_fingerprint");

  if (pass.server == NULL || pass.user == NULL)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_NOT_LOGGED_IN,
                   _("This profile is not connected to a server; log in first (crm-cli login --server URL --user NAME)"));
      goto out;
    }
  if (!(pass.token = crm_credentials_lookup (pass.server, pass.user, "token", error)))
    {
      if (error && *error == NULL)
        g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_NOT_LOGGED_IN,
                     _("Not logged in to %s as %s; run crm-cli login"), pass.server, pass.user);
      goto out;
    }
  pass.http = crm_http_new (pass.server, pin);

  if (push (&pass, &tally, error) && pull (&pass, &pulled, error) &&
      crm_store_get_status (store, &status, error))
    {
      stats->pushed = tally.pushed;
      stats->rejected = tally.rejected;
      stats->pulled = pulled;
      stats->conflicts = status.conflicts;
      ok = TRUE;
      record_synced (store);
      take_daily_snapshot (store);
    }

out:
  g_clear_object (&pass.http);
  g_free (pass.server);
  g_free (pass.user);
  if (pass.token)
    memset (pass.token, 0, strlen (pass.token));
  g_free (pass.token);
  return ok;
}

static void
sync_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  CrmSyncStats *stats = g_new0 (CrmSyncStats, 1);
  GError *error = NULL;

  if (!crm_sync_run (task_data, NULL, NULL, stats, cancellable, &error))
    {
      g_free (stats);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, stats, g_free);
}

void
crm_sync_run_async (const char          *db_path,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, crm_sync_run_async);
  g_task_set_task_data (task, g_strdup (db_path), g_free);
  g_task_run_in_thread (task, sync_thread);
}

gboolean
crm_sync_run_finish (GAsyncResult  *result,
                     CrmSyncStats  *stats,
                     GError       **error)
{
  g_autofree CrmSyncStats *got = g_task_propagate_pointer (G_TASK (result), error);

  if (got == NULL)
    return FALSE;
  *stats = *got;
  return TRUE;
}
