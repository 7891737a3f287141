/* bench-server.c: how fast crm-server takes pushes and serves pulls
 *
 * Goals: push ≥ 5k mutations/s; a full pull ≥ 50k records/s.
 *
 * Starts a real crm-server (--server PATH or $CRM_SERVER) on 127.0.0.1
 * with a fresh data directory and an admin user made with `crm-server
 * useradd` before it starts, logs in, and talks to it over loopback with
 * one synchronous SoupSession, as one client would.
 *
 * Prints one JSON object per measurement on stdout, one per line; progress
 * goes to stderr. Nothing is asserted: run it on demand
 * (meson test --benchmark, or directly) and compare the numbers.
 *
 *   push       --push N contact creates (default 10000), 500 per
 *              POST /api/v1/sync/push
 *   seed       more contact creates, 1000 per push, until --pull-records
 *              contacts exist (default 100000)
 *   pull       a full pull from an empty cursor, GET /api/v1/sync/pull
 *              ?limit=1000 paging by cursor until has_more is false
 *   idle_pull  one more pull with the final cursor: nothing changed
 *
 * Only the HTTP exchanges are timed (request sent to response read in
 * full); the bodies are built before and the responses checked after.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "bench-server"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#define PUSH_BATCH 500
#define SEED_BATCH 1000
#define PULL_LIMIT 1000
#define USERNAME   "bench"
#define PASSWORD   "bench-password-1"

typedef struct
{
  SoupSession *session;
  char        *url;          /* ends in / */
  char        *authorization;
  gint64       busy_usec;    /* time inside exchanges since the last reset */
  guint64      bytes_in;
} Client;

static const char * const first_names[] = {
  "Maria", "Anna", "Thomas", "Michael", "Laura", "David", "Sarah", "Daniel",
  "Julia", "Peter", "Sophie", "Lukas", "Elena", "James", "Zoë", "Jürgen",
  "Søren", "Łukasz", "Ayşe", "Hiroshi", "Ngozi", "Inês", "Ciarán", "Rūta",
};

static const char * const last_names[] = {
  "Müller", "Schmidt", "Smith", "García", "Rossi", "Martin", "Johnson",
  "Nowak", "Wiśniewski", "Nilsson", "Korhonen", "de Vries", "O'Brien",
  "Tanaka", "Kim", "Nguyen", "Okafor", "Yilmaz", "Papadopoulos", "Silva",
  "Østergaard", "Ågren", "Çelik", "Đorđević",
};

/* Helpers ***************************************************************/

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static gboolean
add_user (const char  *server,
          const char  *data_dir,
          GError     **error)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                              G_SUBPROCESS_FLAGS_STDERR_PIPE, error,
                              server, "--data-dir", data_dir, "useradd", USERNAME, "--role", "admin", NULL);
  if (process == NULL ||
      !g_subprocess_communicate_utf8 (process, PASSWORD "\n", NULL, &out, &err, error))
    return FALSE;
  if (!g_subprocess_get_successful (process))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "crm-server useradd failed: %s", err ? err : "");
      return FALSE;
    }
  return TRUE;
}

/* Starts the server and reads its URL from "Listening on URL" */
static GSubprocess *
start_server (const char  *server,
              const char  *data_dir,
              char       **url,
              GError     **error)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, error,
                              server, "--listen", "127.0.0.1:0", "--data-dir", data_dir, "--quiet", NULL);
  if (process == NULL)
    return NULL;
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, error);
  if (line == NULL || !g_str_has_prefix (line, "Listening on "))
    {
      if (error && !*error)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "crm-server did not start: “%s”", line ? line : "");
      g_subprocess_force_exit (process);
      return NULL;
    }
  *url = g_strdup (line + strlen ("Listening on "));
  if (!g_str_has_suffix (*url, "/"))
    {
      char *slashed = g_strconcat (*url, "/", NULL);

      g_free (*url);
      *url = slashed;
    }
  return g_steal_pointer (&process);
}

static void
stop_server (GSubprocess *process)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (process, SIGTERM);
  if (!g_subprocess_wait (process, NULL, &error))
    g_printerr ("bench-server: waiting for crm-server: %s\n", error->message);
}

/* One timed exchange. Returns the body of a 2xx response. */
static GBytes *
exchange (Client      *client,
          const char  *method,
          const char  *path,
          const char  *body,
          gsize        body_length,
          GError     **error)
{
  g_autofree char *uri = g_strconcat (client->url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr(GBytes) response = NULL;
  gint64 start;
  guint status;

  if (msg == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad URI %s", uri);
      return NULL;
    }
  if (client->authorization)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", client->authorization);
  if (body)
    {
      g_autoptr(GBytes) bytes = g_bytes_new_static (body, body_length);

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }

  start = g_get_monotonic_time ();
  response = soup_session_send_and_read (client->session, msg, NULL, error);
  client->busy_usec += g_get_monotonic_time () - start;
  if (response == NULL)
    return NULL;
  client->bytes_in += g_bytes_get_size (response);

  status = soup_message_get_status (msg);
  if (status < 200 || status >= 300)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s /%s: HTTP %u: %.*s", method, path, status,
                   (int) MIN (g_bytes_get_size (response), 500), (const char *) g_bytes_get_data (response, NULL));
      return NULL;
    }
  return g_steal_pointer (&response);
}

static JsonNode *
parse (GBytes  *bytes,
       GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();

  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), error))
    return NULL;
  return json_node_copy (json_parser_get_root (parser));
}

static gboolean
log_in (Client  *client,
        GError **error)
{
  static const char body[] = "{\"username\":\"" USERNAME "\",\"password\":\"" PASSWORD "\"}";
  g_autoptr(GBytes) response = exchange (client, "POST", "api/v1/auth/token", body, strlen (body), error);
  g_autoptr(JsonNode) root = NULL;
  const char *token;

  if (response == NULL || !(root = parse (response, error)))
    return FALSE;
  token = JSON_NODE_HOLDS_OBJECT (root)
    ? json_object_get_string_member_with_default (json_node_get_object (root), "token", NULL) : NULL;
  if (token == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "no token in the login response");
      return FALSE;
    }
  client->authorization = g_strconcat ("Bearer ", token, NULL);
  return TRUE;
}

/* Push ******************************************************************/

static void
append_change (GString    *out,
               const char *name,
               const char *value)
{
  /* Names come from the tables above: nothing to escape */
  g_string_append_printf (out, "\"%s\":{\"old\":null,\"new\":%s}", name, value);
}

/* {"client_id":…,"mutations":[n contact creates]}; @serial numbers them */
static char *
build_batch (guint  n,
             guint *serial)
{
  GString *out = g_string_sized_new (n * 420);

  g_string_append (out, "{\"client_id\":\"bench-server\",\"mutations\":[");
  for (guint i = 0; i < n; i++, (*serial)++)
    {
      g_autofree char *mutation_id = g_uuid_string_random ();
      g_autofree char *id = g_uuid_string_random ();
      const char *first = first_names[*serial % G_N_ELEMENTS (first_names)];
      const char *last = last_names[(*serial / G_N_ELEMENTS (first_names)) % G_N_ELEMENTS (last_names)];
      g_autofree char *first_json = g_strdup_printf ("\"%s\"", first);
      g_autofree char *last_json = g_strdup_printf ("\"%s %u\"", last, *serial);
      g_autofree char *emails = g_strdup_printf ("[{\"type\":\"work\",\"value\":\"contact%u@example.com\"}]", *serial);

      g_string_append_printf (out, "%s{\"mutation_id\":\"%s\",\"entity\":\"contacts\",\"id\":\"%s\","
                                   "\"op\":\"create\",\"base_version\":0,\"fields\":{",
                              i ? "," : "", mutation_id, id);
      append_change (out, "first_name", first_json);
      g_string_append_c (out, ',');
      append_change (out, "last_name", last_json);
      g_string_append_c (out, ',');
      append_change (out, "emails", emails);
      g_string_append (out, "}}");
    }
  g_string_append (out, "]}");
  return g_string_free (out, FALSE);
}

/* Every result must be "applied" */
static gboolean
check_push (GBytes  *response,
            guint    n,
            GError **error)
{
  g_autoptr(JsonNode) root = parse (response, error);
  JsonArray *results;

  if (root == NULL)
    return FALSE;
  results = JSON_NODE_HOLDS_OBJECT (root)
    ? json_object_get_array_member (json_node_get_object (root), "results") : NULL;
  if (results == NULL || json_array_get_length (results) != n)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "a push did not answer one result per mutation");
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      JsonObject *result = json_array_get_object_element (results, i);
      const char *status = json_object_get_string_member_with_default (result, "status", "");

      if (!g_str_equal (status, "applied"))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "mutation %u was %s: %s", i, status,
                       json_object_get_string_member_with_default (result, "error", ""));
          return FALSE;
        }
    }
  return TRUE;
}

/* Pushes @total creates, @batch per request; returns the seconds spent in
 * the exchanges, or < 0 on error */
static double
push_contacts (Client     *client,
               guint       total,
               guint       batch,
               guint      *serial,
               const char *label,
               GError    **error)
{
  guint requests = 0;

  client->busy_usec = 0;
  for (guint done = 0; done < total; done += batch)
    {
      guint n = MIN (batch, total - done);
      g_autofree char *body = build_batch (n, serial);
      g_autoptr(GBytes) response = exchange (client, "POST", "api/v1/sync/push", body, strlen (body), error);

      if (response == NULL || !check_push (response, n, error))
        return -1;
      requests++;
      if (requests % 10 == 0)
        g_printerr ("bench-server:   %s %u/%u\n", label, done + n, total);
    }
  return client->busy_usec / (double) G_USEC_PER_SEC;
}

/* Pull ******************************************************************/

typedef struct
{
  guint     changes;
  char     *cursor;
  gboolean  has_more;
} Page;

static gboolean
pull_page (Client      *client,
           const char  *cursor,
           Page        *page,
           GError     **error)
{
  g_autofree char *escaped = g_uri_escape_string (cursor ? cursor : "", NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("api/v1/sync/pull?limit=%d&cursor=%s", PULL_LIMIT, escaped);
  g_autoptr(GBytes) response = exchange (client, "GET", path, NULL, 0, error);
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;
  JsonArray *changes;

  if (response == NULL || !(root = parse (response, error)))
    return FALSE;
  object = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  changes = object ? json_object_get_array_member (object, "changes") : NULL;
  if (changes == NULL || !json_object_get_string_member_with_default (object, "cursor", NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "a pull answered no changes or no cursor");
      return FALSE;
    }
  page->changes = json_array_get_length (changes);
  g_free (page->cursor);
  page->cursor = g_strdup (json_object_get_string_member (object, "cursor"));
  page->has_more = json_object_get_boolean_member_with_default (object, "has_more", FALSE);
  return TRUE;
}

/* Main ******************************************************************/

static char *server_path;
static int push_count = 10000;
static int pull_records = 100000;

static const GOptionEntry entries[] = {
  { "server", 0, 0, G_OPTION_ARG_FILENAME, &server_path, "The crm-server program (default $CRM_SERVER)", "PATH" },
  { "push", 0, 0, G_OPTION_ARG_INT, &push_count, "Contacts to push in the timed push (default 10000)", "N" },
  { "pull-records", 0, 0, G_OPTION_ARG_INT, &pull_records,
    "Contacts on the server for the pull (default 100000)", "N" },
  { NULL }
};

static int
run (const char  *server,
     GError     **error)
{
  g_autofree char *data_dir = NULL;
  g_autoptr(GSubprocess) process = NULL;
  Client client = { NULL, NULL, NULL, 0, 0 };
  Page page = { 0, NULL, FALSE };
  guint serial = 0;
  guint records = 0;
  guint requests = 0;
  double seconds;
  int status = 1;

  if (!(data_dir = g_dir_make_tmp ("crm-bench-server-XXXXXX", error)))
    return 1;
  g_printerr ("bench-server: %s in %s\n", server, data_dir);
  if (!add_user (server, data_dir, error) ||
      !(process = start_server (server, data_dir, &client.url, error)))
    goto out;

  client.session = soup_session_new_with_options ("timeout", 600, "idle-timeout", 600, NULL);
  if (!log_in (&client, error))
    goto out;

  /* push */
  g_printerr ("bench-server: pushing %d contacts, %d per push\n", push_count, PUSH_BATCH);
  if ((seconds = push_contacts (&client, push_count, PUSH_BATCH, &serial, "push", error)) < 0)
    goto out;
  printf ("{\"bench\":\"server\",\"name\":\"push\",\"mutations\":%d,\"batch\":%d,\"requests\":%u,"
          "\"seconds\":%.3f,\"per_s\":%.0f}\n",
          push_count, PUSH_BATCH, (push_count + PUSH_BATCH - 1) / PUSH_BATCH, seconds,
          seconds > 0 ? push_count / seconds : 0.0);
  fflush (stdout);

  /* seed */
  if (pull_records > push_count)
    {
      guint more = pull_records - push_count;

      g_printerr ("bench-server: seeding %u more contacts, %d per push\n", more, SEED_BATCH);
      if ((seconds = push_contacts (&client, more, SEED_BATCH, &serial, "seed", error)) < 0)
        goto out;
      printf ("{\"bench\":\"server\",\"name\":\"seed\",\"mutations\":%u,\"batch\":%d,\"requests\":%u,"
              "\"seconds\":%.3f,\"per_s\":%.0f}\n",
              more, SEED_BATCH, (more + SEED_BATCH - 1) / SEED_BATCH, seconds,
              seconds > 0 ? more / seconds : 0.0);
      fflush (stdout);
    }

  /* pull: the contacts and the bench user */
  g_printerr ("bench-server: pulling everything, %d per page\n", PULL_LIMIT);
  client.busy_usec = 0;
  client.bytes_in = 0;
  do
    {
      g_autofree char *cursor = g_strdup (page.cursor);

      if (!pull_page (&client, cursor, &page, error))
        goto out;
      records += page.changes;
      requests++;
    }
  while (page.has_more);
  seconds = client.busy_usec / (double) G_USEC_PER_SEC;
  printf ("{\"bench\":\"server\",\"name\":\"pull\",\"records\":%u,\"limit\":%d,\"requests\":%u,"
          "\"bytes\":%" G_GUINT64_FORMAT ",\"seconds\":%.3f,\"per_s\":%.0f}\n",
          records, PULL_LIMIT, requests, client.bytes_in, seconds, seconds > 0 ? records / seconds : 0.0);
  fflush (stdout);

  /* idle_pull */
  {
    g_autofree char *cursor = g_strdup (page.cursor);

    client.busy_usec = 0;
    if (!pull_page (&client, cursor, &page, error))
      goto out;
    printf ("{\"bench\":\"server\",\"name\":\"idle_pull\",\"requests\":1,\"changes\":%u,\"ms\":%.3f}\n",
            page.changes, client.busy_usec / 1000.0);
    fflush (stdout);
  }
  status = 0;

out:
  g_clear_object (&client.session);
  if (process)
    stop_server (process);
  g_free (client.url);
  g_free (client.authorization);
  g_free (page.cursor);
  remove_tree (data_dir);
  return status;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  const char *server;
  int status;

  g_option_context_set_summary (context, "Measure crm-server: push, full pull and idle pull over loopback.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-server: %s\n", error->message);
      return 2;
    }
  server = server_path ? server_path : g_getenv ("CRM_SERVER");
  if (server == NULL || *server == '\0')
    {
      g_printerr ("bench-server: give the crm-server program with --server or $CRM_SERVER\n");
      return 2;
    }
  if (push_count < 1 || pull_records < 1)
    {
      g_printerr ("bench-server: --push and --pull-records must be at least 1\n");
      return 2;
    }

  status = run (server, &error);
  if (error)
    g_printerr ("bench-server: %s\n", error->message);
  g_free (server_path);
  return status;
}
