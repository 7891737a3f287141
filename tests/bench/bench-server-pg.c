/* bench-server-pg.c: crm-server under a team's load, SQLite and PostgreSQL
 *
 * Goal: ≥ 2,000 mixed requests/s with p99 ≤ 100 ms on a 2-core machine,
 * from 200 simulated clients against two instances over one PostgreSQL
 * database, and not one acknowledged write missing afterwards.
 *
 * A bounded load client of our own: each simulated client keeps one
 * keep-alive connection to one instance and sends a request every
 * --interval ms (default 100, so 200 clients offer 2,000 requests/s; a
 * client that falls behind sends the next at once, never a burst): four
 * in five an incremental pull from its own cursor (limit 100), one in
 * five a push of 1–5 mutations, creates of accounts with unique names and
 * updates of accounts it made. Latency is from sending a request to
 * reading its answer in full. All clients run on one thread with libsoup's
 * asynchronous API, so on a small machine the load client takes little of
 * the CPU the servers need (a thread per client, as before, took about a
 * fifth of it and measured its own scheduling).
 *
 * Afterwards every acknowledged write is read back through a full pull as
 * an admin: an account whose create was acknowledged but that is missing,
 * or that lacks its last acknowledged update, is a lost write; one name
 * twice is a duplicate.
 *
 * Measurements, one JSON object per line on stdout:
 *   SQLite, one instance; SQLite, two instances on one file; PostgreSQL,
 *   two instances on one database (only when $CRM_BENCH_DATABASE names a
 *   PostgreSQL server as postgresql://USER@HOST:PORT; a database is made
 *   there and dropped after).
 *
 *   bench-server-pg [--clients N] [--seconds S] [--interval MS] [--server PATH]
 *   $BENCH_CLIENTS and $BENCH_SECONDS set the defaults, for quick runs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "bench-server-pg"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libpq-fe.h>
#include <libsoup/soup.h>
#include <stdio.h>
#include <string.h>

#include "bench-util.h"

#define N_USERS 10
#define PULL_LIMIT 100

static int n_clients = 200;
static int seconds = 60;
static int interval_ms = 100;
static char *server_path;

static const GOptionEntry entries[] = {
  { "clients", 0, 0, G_OPTION_ARG_INT, &n_clients, "Simulated clients (default 200, $BENCH_CLIENTS)", "N" },
  { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "How long each measurement runs (default 60, $BENCH_SECONDS)", "S" },
  { "interval", 0, 0, G_OPTION_ARG_INT, &interval_ms, "Each client's time between requests (default 100)", "MS" },
  { "server", 0, 0, G_OPTION_ARG_FILENAME, &server_path, "The crm-server binary (default $CRM_SERVER)", "PATH" },
  { NULL }
};

/* One crm-server process */
typedef struct
{
  GSubprocess *process;
  char        *url;
} Instance;

/* What a simulated client did */
typedef struct
{
  Instance     *instance;
  SoupSession  *session;       /* its own: one connection, as a real client */
  char         *authorization;
  guint         index;
  gint64        deadline;
  gint64        next;          /* monotonic time of the next request */
  gint64        started;       /* of the request in flight */
  gboolean      pushing;
  GRand        *rand;
  GArray       *pull_usec;
  GArray       *push_usec;
  guint         errors;
  char         *cursor;
  GHashTable   *acknowledged;  /* account id → last acknowledged name */
  GHashTable   *versions;      /* account id → GINT_TO_POINTER (version) */
  GPtrArray    *ids;           /* acknowledged account ids */
  GPtrArray    *sent_ids;      /* of the push in flight */
  GPtrArray    *sent_names;
  guint         serial;
  guint        *running;
} Client;

/* Servers ***************************************************************/

static gboolean
exec_pg (const char  *url,
         const char  *sql,
         GError     **error)
{
  PGconn *conn = PQconnectdb (url);
  PGresult *result = NULL;
  gboolean ok = FALSE;

  if (PQstatus (conn) == CONNECTION_OK)
    {
      result = PQexec (conn, sql);
      ok = PQresultStatus (result) == PGRES_COMMAND_OK;
    }
  if (!ok)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "PostgreSQL: %s", PQerrorMessage (conn));
  PQclear (result);
  PQfinish (conn);
  return ok;
}

/* HTTP ******************************************************************/

static SoupMessage *
new_request (const char *method,
             const char *url,
             const char *authorization,
             const char *body)
{
  SoupMessage *msg = soup_message_new (method, url);

  if (authorization)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);
  if (body)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  return msg;
}

/* The parsed body of a 200 answer, else NULL */
static JsonNode *
exchange (SoupSession *session,
          const char  *method,
          const char  *url,
          const char  *authorization,
          const char  *body,
          guint       *status)
{
  g_autoptr(SoupMessage) msg = new_request (method, url, authorization, body);
  g_autoptr(GBytes) reply = soup_session_send_and_read (session, msg, NULL, NULL);

  *status = soup_message_get_status (msg);
  if (reply == NULL || *status != 200)
    return NULL;
  return bench_parse (reply, NULL);
}

static char *
log_in (SoupSession *session,
        const char  *base,
        const char  *user)
{
  g_autofree char *url = g_strconcat (base, "api/v1/auth/token", NULL);
  g_autofree char *body = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"" BENCH_PASSWORD "\"}", user);
  g_autoptr(JsonNode) root = NULL;
  guint status = 0;

  if (!(root = exchange (session, "POST", url, NULL, body, &status)))
    g_error ("Cannot log %s in to %s (status %u)", user, base, status);
  return g_strconcat ("Bearer ", json_object_get_string_member (json_node_get_object (root), "token"), NULL);
}

/* Load ******************************************************************/

static void send_next (Client *client);

static char *
push_body (Client *client)
{
  GString *body = g_string_new ("{\"client_id\":\"bench\",\"mutations\":[");
  guint n = g_rand_int_range (client->rand, 1, 6);

  g_ptr_array_set_size (client->sent_ids, 0);
  g_ptr_array_set_size (client->sent_names, 0);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *mutation_id = g_uuid_string_random ();
      char *name = g_strdup_printf ("bench-%u-%u", client->index, client->serial++);
      gboolean update = client->ids->len > 0 && g_rand_boolean (client->rand);
      char *id = update ? g_strdup (g_ptr_array_index (client->ids, g_rand_int_range (client->rand, 0, client->ids->len)))
                        : g_uuid_string_random ();

      /* An update sends its base version; on a conflict the server's
       * value stays, which the read-back takes into account */
      g_string_append_printf (body, "%s{\"mutation_id\":\"%s\",\"entity\":\"accounts\",\"id\":\"%s\","
                              "\"op\":\"%s\",\"base_version\":%d,\"fields\":{\"name\":{\"old\":%s%s%s,\"new\":\"%s\"}}}",
                              i ? "," : "", mutation_id, id, update ? "update" : "create",
                              update ? GPOINTER_TO_INT (g_hash_table_lookup (client->versions, id)) : 0,
                              update ? "\"" : "", update ? (char *) g_hash_table_lookup (client->acknowledged, id) : "null",
                              update ? "\"" : "", name);
      g_ptr_array_add (client->sent_ids, id);
      g_ptr_array_add (client->sent_names, name);
    }
  g_string_append (body, "]}");
  return g_string_free (body, FALSE);
}

static gboolean
read_push (Client   *client,
           JsonNode *root)
{
  JsonArray *results = json_object_get_array_member (json_node_get_object (root), "results");

  if (results == NULL || json_array_get_length (results) != client->sent_ids->len)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (results); i++)
    {
      JsonObject *result = json_array_get_object_element (results, i);
      const char *outcome = json_object_get_string_member (result, "status");
      const char *id = g_ptr_array_index (client->sent_ids, i);

      if (!g_str_equal (outcome, "applied") && !g_str_equal (outcome, "merged"))
        continue;
      /* The same id twice in one batch: keep what was acknowledged last */
      if (!g_hash_table_contains (client->acknowledged, id))
        g_ptr_array_add (client->ids, g_strdup (id));
      g_hash_table_replace (client->acknowledged, g_strdup (id), g_strdup (g_ptr_array_index (client->sent_names, i)));
      g_hash_table_replace (client->versions, g_strdup (id),
                            GINT_TO_POINTER ((int) json_object_get_int_member (result, "version")));
    }
  return TRUE;
}

/* Only the cursor matters here, and it follows the changes: found from
 * the end rather than by parsing them all, which cost the load client as
 * much CPU as the servers spent. `],"cursor":"` cannot occur inside a
 * JSON string, where a quote is escaped. */
static gboolean
read_pull (Client *client,
           GBytes *reply)
{
  static const char marker[] = "],\"cursor\":\"";
  gsize size = 0;
  const char *body = g_bytes_get_data (reply, &size);
  const char *start = g_strrstr_len (body, size, marker);
  const char *end;

  if (start == NULL)
    return FALSE;
  start += strlen (marker);
  if (!(end = memchr (start, '"', size - (start - body))))
    return FALSE;
  g_free (client->cursor);
  client->cursor = g_strndup (start, end - start);
  return TRUE;
}

static void
answered_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Client *client = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) reply = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  g_autoptr(JsonNode) root = NULL;
  gint64 now = g_get_monotonic_time ();
  gint64 usec = now - client->started;
  gboolean ok;

  if (reply == NULL || soup_message_get_status (msg) != 200)
    ok = FALSE;
  else if (client->pushing)
    ok = (root = bench_parse (reply, NULL)) && JSON_NODE_HOLDS_OBJECT (root) && read_push (client, root);
  else
    ok = read_pull (client, reply);
  if (ok)
    g_array_append_val (client->pushing ? client->push_usec : client->pull_usec, usec);
  else
    client->errors++;
  client->next = MAX (client->next + interval_ms * 1000, now);
  send_next (client);
}

static gboolean
send_due_cb (gpointer user_data)
{
  Client *client = user_data;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *url = NULL;
  g_autofree char *body = NULL;

  client->pushing = g_rand_int_range (client->rand, 0, 5) == 0;
  if (client->pushing)
    {
      url = g_strconcat (client->instance->url, "api/v1/sync/push", NULL);
      body = push_body (client);
    }
  else
    {
      g_autofree char *escaped = g_uri_escape_string (client->cursor, NULL, FALSE);

      url = g_strdup_printf ("%sapi/v1/sync/pull?limit=%d&cursor=%s", client->instance->url, PULL_LIMIT, escaped);
    }
  msg = new_request (client->pushing ? "POST" : "GET", url, client->authorization, body);
  /* A push is idempotent (its mutation ids), as the sync engine's are:
   * without the flag libsoup opens a new connection for every POST
   * rather than reuse a kept-alive one */
  if (client->pushing)
    soup_message_add_flags (msg, SOUP_MESSAGE_IDEMPOTENT);
  client->started = g_get_monotonic_time ();
  soup_session_send_and_read_async (client->session, msg, G_PRIORITY_DEFAULT, NULL, answered_cb, client);
  return G_SOURCE_REMOVE;
}

/* Sends the next request when it is due, or stops at the deadline */
static void
send_next (Client *client)
{
  gint64 now = g_get_monotonic_time ();

  if (client->next >= client->deadline)
    {
      if (--*client->running == 0)
        g_main_context_wakeup (NULL);
      return;
    }
  if (client->next <= now)
    send_due_cb (client);
  else
    g_timeout_add_full (G_PRIORITY_DEFAULT, (client->next - now + 999) / 1000, send_due_cb, client, NULL);
}

/* Read-back *************************************************************/

/* Every live account's name by id, through a full pull as an admin */
static GHashTable *
read_back (const char *url,
           guint      *duplicates)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 300, NULL);
  g_autofree char *authorization = log_in (session, url, "admin");
  g_autoptr(GHashTable) names_seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTable *accounts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *cursor = g_strdup ("");
  gboolean more = TRUE;

  *duplicates = 0;
  while (more)
    {
      g_autofree char *escaped = g_uri_escape_string (cursor, NULL, FALSE);
      g_autofree char *page_url = g_strdup_printf ("%sapi/v1/sync/pull?limit=1000&cursor=%s", url, escaped);
      g_autoptr(JsonNode) root = NULL;
      JsonObject *page;
      JsonArray *changes;
      guint status = 0;

      if (!(root = exchange (session, "GET", page_url, authorization, NULL, &status)))
        g_error ("Reading back failed (status %u)", status);
      page = json_node_get_object (root);
      changes = json_object_get_array_member (page, "changes");
      for (guint i = 0; i < json_array_get_length (changes); i++)
        {
          JsonObject *change = json_array_get_object_element (changes, i);
          JsonObject *data;
          const char *name;

          if (!g_str_equal (json_object_get_string_member (change, "entity"), "accounts") ||
              json_object_get_boolean_member (change, "deleted"))
            continue;
          data = json_object_get_object_member (change, "data");
          name = json_object_get_string_member (data, "name");
          if (g_hash_table_contains (names_seen, name))
            (*duplicates)++;
          g_hash_table_add (names_seen, g_strdup (name));
          g_hash_table_replace (accounts, g_strdup (json_object_get_string_member (change, "id")), g_strdup (name));
        }
      more = json_object_get_boolean_member (page, "has_more");
      g_free (cursor);
      cursor = g_strdup (json_object_get_string_member (page, "cursor"));
    }
  return accounts;
}

/* Measurement ***********************************************************/

static void
measure (const char *store,
         guint       n_instances,
         const char *pg_base)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = g_dir_make_tmp ("bench-server-pg-XXXXXX", NULL);
  g_autofree char *db_name = NULL;
  g_autofree char *database = NULL;
  g_autofree char *admin_url = NULL;
  g_autoptr(GHashTable) server_accounts = NULL;
  g_autoptr(GArray) pulls = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) pushes = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (gint64));
  Instance instances[2] = { { 0 } };
  char *tokens[2][N_USERS];
  Client *clients = g_new0 (Client, n_clients);
  guint running = n_clients;
  guint errors = 0;
  guint acknowledged = 0;
  guint lost = 0;
  guint duplicates = 0;
  gint64 started;
  double elapsed;

  if (pg_base)
    {
      db_name = g_strdup_printf ("crm_bench_%08x", g_random_int ());
      admin_url = g_strconcat (pg_base, "/postgres", NULL);
      database = g_strdup_printf ("%s/%s", pg_base, db_name);
      {
        g_autofree char *create = g_strdup_printf ("CREATE DATABASE %s", db_name);
        if (!exec_pg (admin_url, create, &error))
          g_error ("%s", error->message);
      }
    }

  g_printerr ("%s, %u instance(s): setting up\n", store, n_instances);
  if (!bench_add_user_full (server_path, data_dir, database, "admin", "admin", &error))
    g_error ("useradd: %s", error->message);
  for (guint u = 0; u < N_USERS; u++)
    {
      g_autofree char *name = g_strdup_printf ("rep%u", u);
      if (!bench_add_user_full (server_path, data_dir, database, name, "rep", &error))
        g_error ("useradd: %s", error->message);
    }
  for (guint i = 0; i < n_instances; i++)
    {
      if (!(instances[i].process = bench_start_server_full (server_path, data_dir, database,
                                                            &instances[i].url, &error)))
        g_error ("%s", error->message);
    }

  {
    g_autoptr(SoupSession) session = soup_session_new ();

    for (guint i = 0; i < n_instances; i++)
      for (guint u = 0; u < N_USERS; u++)
        {
          g_autofree char *name = g_strdup_printf ("rep%u", u);
          tokens[i][u] = log_in (session, instances[i].url, name);
        }
  }

  g_printerr ("%s, %u instance(s): %d clients for %d s\n", store, n_instances, n_clients, seconds);
  started = g_get_monotonic_time ();
  for (int c = 0; c < n_clients; c++)
    {
      guint i = c % n_instances;

      Client *client = &clients[c];

      client->instance = &instances[i];
      /* A session per client, not one for all: libsoup looks through a
       * session's connections for an idle one on every request, which
       * with hundreds of them costs the load client more than the
       * servers spend answering */
      client->session = soup_session_new_with_options ("timeout", 30, "max-conns-per-host", 1, NULL);
      client->authorization = tokens[i][c % N_USERS];
      client->index = c;
      client->deadline = started + seconds * G_USEC_PER_SEC;
      client->rand = g_rand_new_with_seed (c);
      /* Spread over the first interval, as clients that came at random */
      client->next = started + g_rand_int_range (client->rand, 0, interval_ms * 1000);
      client->pull_usec = g_array_new (FALSE, FALSE, sizeof (gint64));
      client->push_usec = g_array_new (FALSE, FALSE, sizeof (gint64));
      client->cursor = g_strdup ("");
      client->acknowledged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      client->versions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      client->ids = g_ptr_array_new_with_free_func (g_free);
      client->sent_ids = g_ptr_array_new_with_free_func (g_free);
      client->sent_names = g_ptr_array_new_with_free_func (g_free);
      client->running = &running;
      send_next (client);
    }
  while (running > 0)
    g_main_context_iteration (NULL, TRUE);
  elapsed = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;

  /* Read back through the other instance than most writes went to */
  server_accounts = read_back (instances[n_instances - 1].url, &duplicates);
  for (int c = 0; c < n_clients; c++)
    {
      GHashTableIter iter;
      gpointer id, name;

      g_hash_table_iter_init (&iter, clients[c].acknowledged);
      while (g_hash_table_iter_next (&iter, &id, &name))
        {
          const char *stored = g_hash_table_lookup (server_accounts, id);

          acknowledged++;
          if (stored == NULL || !g_str_equal (stored, name))
            lost++;
        }
      g_array_append_vals (pulls, clients[c].pull_usec->data, clients[c].pull_usec->len);
      g_array_append_vals (pushes, clients[c].push_usec->data, clients[c].push_usec->len);
      errors += clients[c].errors;
    }
  g_array_append_vals (all, pulls->data, pulls->len);
  g_array_append_vals (all, pushes->data, pushes->len);
  g_array_sort (pulls, bench_compare_gint64);
  g_array_sort (pushes, bench_compare_gint64);
  g_array_sort (all, bench_compare_gint64);

  g_print ("{\"bench\":\"server-pg\",\"store\":\"%s\",\"instances\":%u,\"clients\":%d,\"seconds\":%.1f,"
           "\"interval_ms\":%d,\"requests\":%u,\"pulls\":%u,\"pushes\":%u,\"throughput_rps\":%.0f,"
           "\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"pull_p50_ms\":%.2f,\"pull_p99_ms\":%.2f,"
           "\"push_p50_ms\":%.2f,\"push_p99_ms\":%.2f,\"errors\":%u,"
           "\"acknowledged_writes\":%u,\"lost_writes\":%u,\"duplicates\":%u}\n",
           store, n_instances, n_clients, elapsed, interval_ms, all->len, pulls->len, pushes->len,
           all->len / elapsed, bench_percentile_ms (all, 50), bench_percentile_ms (all, 99),
           bench_percentile_ms (pulls, 50), bench_percentile_ms (pulls, 99),
           bench_percentile_ms (pushes, 50), bench_percentile_ms (pushes, 99), errors, acknowledged, lost, duplicates);
  fflush (stdout);

  for (int c = 0; c < n_clients; c++)
    {
      g_array_unref (clients[c].pull_usec);
      g_array_unref (clients[c].push_usec);
      g_free (clients[c].cursor);
      g_hash_table_unref (clients[c].acknowledged);
      g_hash_table_unref (clients[c].versions);
      g_ptr_array_unref (clients[c].ids);
      g_ptr_array_unref (clients[c].sent_ids);
      g_ptr_array_unref (clients[c].sent_names);
      g_rand_free (clients[c].rand);
      g_object_unref (clients[c].session);
    }
  for (guint i = 0; i < n_instances; i++)
    {
      for (guint u = 0; u < N_USERS; u++)
        g_free (tokens[i][u]);
      bench_stop_server (instances[i].process);
      g_clear_object (&instances[i].process);
      g_free (instances[i].url);
    }
  g_free (clients);
  if (db_name)
    {
      g_autofree char *drop = g_strdup_printf ("DROP DATABASE %s WITH (FORCE)", db_name);
      if (!exec_pg (admin_url, drop, &error))
        g_warning ("%s", error->message);
    }
  bench_remove_tree (data_dir);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  const char *pg_base = g_getenv ("CRM_BENCH_DATABASE");

  if (g_getenv ("BENCH_CLIENTS"))
    n_clients = atoi (g_getenv ("BENCH_CLIENTS"));
  if (g_getenv ("BENCH_SECONDS"))
    seconds = atoi (g_getenv ("BENCH_SECONDS"));
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (server_path == NULL)
    server_path = g_strdup (g_getenv ("CRM_SERVER"));
  if (server_path == NULL || n_clients < 1 || seconds < 1 || interval_ms < 1)
    {
      g_printerr ("Give --server or $CRM_SERVER, and positive --clients, --seconds and --interval\n");
      return 2;
    }

  measure ("sqlite", 1, NULL);
  measure ("sqlite", 2, NULL);
  if (pg_base && *pg_base)
    measure ("postgresql", 2, pg_base);
  else
    g_print ("{\"bench\":\"server-pg\",\"store\":\"postgresql\",\"skipped\":"
             "\"set CRM_BENCH_DATABASE to postgresql://USER@HOST:PORT\"}\n");
  g_free (server_path);
  return 0;
}
