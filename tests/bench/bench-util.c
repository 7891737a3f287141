/* bench-util.c: what the benchmarks share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "bench-util"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "bench-util.h"

void
bench_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        bench_remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/* crm-server and its store: @database (a --database URL) when given,
 * else the SQLite file in @data_dir */
static GPtrArray *
server_argv (const char *server,
             const char *data_dir,
             const char *database)
{
  GPtrArray *argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (gpointer) server);
  g_ptr_array_add (argv, (gpointer) "--data-dir");
  g_ptr_array_add (argv, (gpointer) data_dir);
  if (database)
    {
      g_ptr_array_add (argv, (gpointer) "--database");
      g_ptr_array_add (argv, (gpointer) database);
    }
  return argv;
}

gboolean
bench_add_user_full (const char  *server,
                     const char  *data_dir,
                     const char  *database,
                     const char  *name,
                     const char  *role,
                     GError     **error)
{
  g_autoptr(GPtrArray) argv = server_argv (server, data_dir, database);
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_ptr_array_add (argv, (gpointer) "useradd");
  g_ptr_array_add (argv, (gpointer) name);
  g_ptr_array_add (argv, (gpointer) "--role");
  g_ptr_array_add (argv, (gpointer) role);
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                               G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
  if (process == NULL ||
      !g_subprocess_communicate_utf8 (process, BENCH_PASSWORD "\n", NULL, &out, &err, error))
    return FALSE;
  if (!g_subprocess_get_successful (process))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "crm-server useradd failed: %s", err ? err : "");
      return FALSE;
    }
  return TRUE;
}

gboolean
bench_add_user (const char  *server,
                const char  *data_dir,
                GError     **error)
{
  return bench_add_user_full (server, data_dir, NULL, BENCH_USERNAME, "admin", error);
}

/* Starts the server and reads its URL from "Listening on URL" */
GSubprocess *
bench_start_server_full (const char  *server,
                         const char  *data_dir,
                         const char  *database,
                         char       **url,
                         GError     **error)
{
  g_autoptr(GPtrArray) argv = server_argv (server, data_dir, database);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;

  g_ptr_array_add (argv, (gpointer) "--listen");
  g_ptr_array_add (argv, (gpointer) "127.0.0.1:0");
  g_ptr_array_add (argv, (gpointer) "--quiet");
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_newv ((const char * const *) argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE, error);
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

GSubprocess *
bench_start_server (const char  *server,
                    const char  *data_dir,
                    char       **url,
                    GError     **error)
{
  return bench_start_server_full (server, data_dir, NULL, url, error);
}

void
bench_stop_server (GSubprocess *process)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (process, SIGTERM);
  if (!g_subprocess_wait (process, NULL, &error))
    g_printerr ("bench: waiting for crm-server: %s\n", error->message);
}

/* One timed exchange. Returns the body of a 2xx response. */
GBytes *
bench_exchange (BenchClient *client,
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

JsonNode *
bench_parse (GBytes  *bytes,
       GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();

  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), error))
    return NULL;
  return json_node_copy (json_parser_get_root (parser));
}

gboolean
bench_log_in (BenchClient *client,
        GError **error)
{
  static const char body[] = "{\"username\":\"" BENCH_USERNAME "\",\"password\":\"" BENCH_PASSWORD "\"}";
  g_autoptr(GBytes) response = bench_exchange (client, "POST", "api/v1/auth/token", body, strlen (body), error);
  g_autoptr(JsonNode) root = NULL;
  const char *token;

  if (response == NULL || !(root = bench_parse (response, error)))
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

/* Every result must be "applied" */
gboolean
bench_check_push (GBytes  *response,
            guint    n,
            GError **error)
{
  g_autoptr(JsonNode) root = bench_parse (response, error);
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

void
bench_client_init (BenchClient *client,
                   const char  *url)
{
  memset (client, 0, sizeof *client);
  client->session = soup_session_new_with_options ("timeout", 600, "idle-timeout", 600, NULL);
  client->url = g_str_has_suffix (url, "/") ? g_strdup (url) : g_strconcat (url, "/", NULL);
}

void
bench_client_clear (BenchClient *client)
{
  g_clear_object (&client->session);
  g_clear_pointer (&client->url, g_free);
  g_clear_pointer (&client->authorization, g_free);
}

int
bench_compare_gint64 (gconstpointer a,
                      gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/* Nearest rank over microseconds sorted ascending, in milliseconds */
double
bench_percentile_ms (GArray *sorted_usec,
                     guint   percent)
{
  guint rank = (percent * sorted_usec->len + 99) / 100;

  if (sorted_usec->len == 0)
    return 0.0;
  return g_array_index (sorted_usec, gint64, MAX (rank, 1) - 1) / 1000.0;
}
