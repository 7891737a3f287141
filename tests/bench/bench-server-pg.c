/* bench-server-pg.c: crm-server under a team's load, SQLite and PostgreSQL
 *
 * Goal: ≥ 2,000 mixed requests/s with p99 ≤ 100 ms on a 2-core machine,
 * from 200 simulated clients against two instances over one PostgreSQL
 * database, and not one acknowledged write missing afterwards.
 *
 * A bounded load client of our own: each simulated client is a thread
 * with its own SoupSession (one keep-alive connection) to one instance,
 * sending a request every --interval ms (default 100, so 200 clients
 * offer 2,000 requests/s; a client that falls behind sends the next at
 * once, never a burst): four in five an incremental pull from its own
 * cursor (limit 100), one in five a push of 1–5 mutations, creates of
 * accounts with unique names and updates of accounts it made. Latency is
 * from sending a request to reading its answer in full.
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
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libpq-fe.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#define N_USERS 10
#define PASSWORD "bench-password-1"
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
  const char   *url;
  char         *authorization;
  guint         index;
  gint64        deadline;
  GArray       *pull_usec;
  GArray       *push_usec;
  guint         errors;
  char         *cursor;
  GHashTable   *acknowledged;  /* account id → last acknowledged name */
  GHashTable   *versions;      /* account id → GINT_TO_POINTER (version) */
  GPtrArray    *ids;           /* acknowledged account ids */
  guint         serial;
} Client;

/* Servers ***************************************************************/

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
store_args (GPtrArray  *argv,
            const char *data_dir,
            const char *database)
{
  g_ptr_array_add (argv, server_path);
  g_ptr_array_add (argv, (gpointer) "--data-dir");
  g_ptr_array_add (argv, (gpointer) data_dir);
  if (database)
    {
      g_ptr_array_add (argv, (gpointer) "--database");
      g_ptr_array_add (argv, (gpointer) database);
    }
}

static gboolean
add_user (const char  *data_dir,
          const char  *database,
          const char  *name,
          const char  *role,
          GError     **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;

  store_args (argv, data_dir, database);
  g_ptr_array_add (argv, (gpointer) "useradd");
  g_ptr_array_add (argv, (gpointer) name);
  g_ptr_array_add (argv, (gpointer) "--role");
  g_ptr_array_add (argv, (gpointer) role);
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE, error);
  return process &&
         g_subprocess_communicate_utf8 (process, PASSWORD "\n", NULL, NULL, NULL, error) &&
         g_subprocess_wait_check (process, NULL, error);
}

static gboolean
start_instance (Instance    *instance,
                const char  *data_dir,
                const char  *database,
                GError     **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GDataInputStream) output = NULL;
  g_autofree char *line = NULL;

  store_args (argv, data_dir, database);
  g_ptr_array_add (argv, (gpointer) "--listen");
  g_ptr_array_add (argv, (gpointer) "127.0.0.1:0");
  g_ptr_array_add (argv, (gpointer) "--quiet");
  g_ptr_array_add (argv, NULL);
  if (!(instance->process = g_subprocess_newv ((const char * const *) argv->pdata,
                                               G_SUBPROCESS_FLAGS_STDOUT_PIPE, error)))
    return FALSE;
  output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (instance->process));
  line = g_data_input_stream_read_line_utf8 (output, NULL, NULL, error);
  if (line == NULL || !g_str_has_prefix (line, "Listening on "))
    {
      if (error && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "crm-server did not start");
      return FALSE;
    }
  instance->url = g_strdup (line + strlen ("Listening on "));
  return TRUE;
}

static void
stop_instance (Instance *instance)
{
  if (instance->process)
    {
      g_subprocess_send_signal (instance->process, SIGTERM);
      g_subprocess_wait (instance->process, NULL, NULL);
    }
  g_clear_object (&instance->process);
  g_clear_pointer (&instance->url, g_free);
}

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

static GBytes *
exchange (SoupSession  *session,
          const char   *method,
          const char   *url,
          const char   *authorization,
          const char   *body,
          guint        *status,
          GError      **error)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  GBytes *reply;

  if (authorization)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);
  if (body)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  reply = soup_session_send_and_read (session, msg, NULL, error);
  *status = soup_message_get_status (msg);
  return reply;
}

static char *
log_in (SoupSession *session,
        const char  *base,
        const char  *user)
{
  g_autofree char *url = g_strconcat (base, "api/v1/auth/token", NULL);
  g_autofree char *body = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"" PASSWORD "\"}", user);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  guint status = 0;

  reply = exchange (session, "POST", url, NULL, body, &status, NULL);
  if (reply == NULL || status != 200 ||
      !json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL), g_bytes_get_size (reply), NULL))
    g_error ("Cannot log %s in to %s (status %u)", user, base, status);
  return g_strconcat ("Bearer ", json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                                                "token"), NULL);
}

/* Load ******************************************************************/

static gboolean
do_pull (Client      *client,
         SoupSession *session)
{
  g_autofree char *escaped = g_uri_escape_string (client->cursor, NULL, FALSE);
  g_autofree char *url = g_strdup_printf ("%sapi/v1/sync/pull?limit=%d&cursor=%s", client->url, PULL_LIMIT, escaped);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  guint status = 0;

  reply = exchange (session, "GET", url, client->authorization, NULL, &status, NULL);
  if (reply == NULL || status != 200 ||
      !json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL), g_bytes_get_size (reply), NULL))
    return FALSE;
  g_free (client->cursor);
  client->cursor = g_strdup (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                                            "cursor"));
  return TRUE;
}

static gboolean
do_push (Client      *client,
         SoupSession *session,
         GRand       *rand)
{
  g_autofree char *url = g_strconcat (client->url, "api/v1/sync/push", NULL);
  g_autoptr(GString) body = g_string_new ("{\"client_id\":\"bench\",\"mutations\":[");
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *results;
  guint n = g_rand_int_range (rand, 1, 6);
  guint status = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *mutation_id = g_uuid_string_random ();
      g_autofree char *name = g_strdup_printf ("bench-%u-%u", client->index, client->serial++);
      gboolean update = client->ids->len > 0 && g_rand_boolean (rand);
      char *id = update ? g_strdup (g_ptr_array_index (client->ids, g_rand_int_range (rand, 0, client->ids->len)))
                        : g_uuid_string_random ();

      /* An update sends its base version; on a conflict the server's
       * value stays, which the read-back takes into account */
      g_string_append_printf (body, "%s{\"mutation_id\":\"%s\",\"entity\":\"accounts\",\"id\":\"%s\","
                              "\"op\":\"%s\",\"base_version\":%d,\"fields\":{\"name\":{\"old\":%s%s%s,\"new\":\"%s\"}}}",
                              i ? "," : "", mutation_id, id, update ? "update" : "create",
                              update ? GPOINTER_TO_INT (g_hash_table_lookup (client->versions, id)) : 0,
                              update ? "\"" : "", update ? (char *) g_hash_table_lookup (client->acknowledged, id) : "null",
                              update ? "\"" : "", name);
      g_ptr_array_add (ids, id);
      g_ptr_array_add (names, g_steal_pointer (&name));
    }
  g_string_append (body, "]}");

  reply = exchange (session, "POST", url, client->authorization, body->str, &status, NULL);
  if (reply == NULL || status != 200 ||
      !json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL), g_bytes_get_size (reply), NULL))
    return FALSE;
  results = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "results");
  for (guint i = 0; i < json_array_get_length (results); i++)
    {
      JsonObject *result = json_array_get_object_element (results, i);
      const char *outcome = json_object_get_string_member (result, "status");
      const char *id = g_ptr_array_index (ids, i);

      if (!g_str_equal (outcome, "applied") && !g_str_equal (outcome, "merged"))
        continue;
      /* The same id twice in one batch: keep what was acknowledged last */
      if (!g_hash_table_contains (client->acknowledged, id))
        g_ptr_array_add (client->ids, g_strdup (id));
      g_hash_table_replace (client->acknowledged, g_strdup (id), g_strdup (g_ptr_array_index (names, i)));
      g_hash_table_replace (client->versions, g_strdup (id),
                            GINT_TO_POINTER ((int) json_object_get_int_member (result, "version")));
    }
  return TRUE;
}

static gpointer
client_thread (gpointer user_data)
{
  Client *client = user_data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30, "max-conns-per-host", 1, NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (client->index);
  gint64 next = g_get_monotonic_time () + g_rand_int_range (rand, 0, interval_ms * 1000);

  while (TRUE)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 start;
      gboolean push;
      gboolean ok;

      if (next > now)
        g_usleep (next - now);
      if (g_get_monotonic_time () >= client->deadline)
        break;
      push = g_rand_int_range (rand, 0, 5) == 0;
      start = g_get_monotonic_time ();
      ok = push ? do_push (client, session, rand) : do_pull (client, session);
      now = g_get_monotonic_time ();
      if (!ok)
        client->errors++;
      else
        {
          gint64 usec = now - start;
          g_array_append_val (push ? client->push_usec : client->pull_usec, usec);
        }
      next = MAX (next + interval_ms * 1000, now);
    }
  return NULL;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static double
percentile_ms (GArray *sorted,
               guint   percent)
{
  if (sorted->len == 0)
    return 0;
  return g_array_index (sorted, gint64, MIN (sorted->len - 1, (sorted->len * percent) / 100)) / 1000.0;
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
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GBytes) reply = NULL;
      JsonObject *page;
      JsonArray *changes;
      guint status = 0;

      reply = exchange (session, "GET", page_url, authorization, NULL, &status, NULL);
      if (reply == NULL || status != 200 ||
          !json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL), g_bytes_get_size (reply), NULL))
        g_error ("Reading back failed (status %u)", status);
      page = json_node_get_object (json_parser_get_root (parser));
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
  GThread **threads = g_new0 (GThread *, n_clients);
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
  if (!add_user (data_dir, database, "admin", "admin", &error))
    g_error ("useradd: %s", error->message);
  for (guint u = 0; u < N_USERS; u++)
    {
      g_autofree char *name = g_strdup_printf ("rep%u", u);
      if (!add_user (data_dir, database, name, "rep", &error))
        g_error ("useradd: %s", error->message);
    }
  for (guint i = 0; i < n_instances; i++)
    if (!start_instance (&instances[i], data_dir, database, &error))
      g_error ("%s", error->message);

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

      clients[c] = (Client) {
        instances[i].url, tokens[i][c % N_USERS], c, started + seconds * G_USEC_PER_SEC,
        g_array_new (FALSE, FALSE, sizeof (gint64)), g_array_new (FALSE, FALSE, sizeof (gint64)),
        0, g_strdup (""),
        g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free),
        g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
        g_ptr_array_new_with_free_func (g_free), 0,
      };
      threads[c] = g_thread_new ("client", client_thread, &clients[c]);
    }
  for (int c = 0; c < n_clients; c++)
    g_thread_join (threads[c]);
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
  g_array_sort (pulls, compare_gint64);
  g_array_sort (pushes, compare_gint64);
  g_array_sort (all, compare_gint64);

  g_print ("{\"bench\":\"server-pg\",\"store\":\"%s\",\"instances\":%u,\"clients\":%d,\"seconds\":%.1f,"
           "\"interval_ms\":%d,\"requests\":%u,\"pulls\":%u,\"pushes\":%u,\"throughput_rps\":%.0f,"
           "\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"pull_p50_ms\":%.2f,\"pull_p99_ms\":%.2f,"
           "\"push_p50_ms\":%.2f,\"push_p99_ms\":%.2f,\"errors\":%u,"
           "\"acknowledged_writes\":%u,\"lost_writes\":%u,\"duplicates\":%u}\n",
           store, n_instances, n_clients, elapsed, interval_ms, all->len, pulls->len, pushes->len,
           all->len / elapsed, percentile_ms (all, 50), percentile_ms (all, 99),
           percentile_ms (pulls, 50), percentile_ms (pulls, 99),
           percentile_ms (pushes, 50), percentile_ms (pushes, 99), errors, acknowledged, lost, duplicates);
  fflush (stdout);

  for (int c = 0; c < n_clients; c++)
    {
      g_array_unref (clients[c].pull_usec);
      g_array_unref (clients[c].push_usec);
      g_free (clients[c].cursor);
      g_hash_table_unref (clients[c].acknowledged);
      g_hash_table_unref (clients[c].versions);
      g_ptr_array_unref (clients[c].ids);
    }
  for (guint i = 0; i < n_instances; i++)
    {
      for (guint u = 0; u < N_USERS; u++)
        g_free (tokens[i][u]);
      stop_instance (&instances[i]);
    }
  g_free (clients);
  g_free (threads);
  if (db_name)
    {
      g_autofree char *drop = g_strdup_printf ("DROP DATABASE %s WITH (FORCE)", db_name);
      if (!exec_pg (admin_url, drop, &error))
        g_warning ("%s", error->message);
    }
  remove_tree (data_dir);
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
