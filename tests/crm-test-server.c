/* crm-test-server.c: a real crm-server for tests, and JSON over HTTP to it
 *
 * The server named by $CRM_SERVER runs as a child on a free port of
 * 127.0.0.1 with a data folder of its own; its first line of output names
 * the URL. Requests go through one SoupSession, which libsoup 3.2 lets
 * several threads send on at once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-test-server"

#include <dlfcn.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <glib/gstdio.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <libpq-fe.h>

#include "crm-test-server.h"

struct _CrmTestServer
{
  char             *binary;
  char             *data_dir;
  char             *database;  /* postgresql://… of this server's own database, or NULL */
  char             *database_name;
  gboolean          owns_store;
  gboolean          demo;
  GSubprocess      *process;
  GDataInputStream *output;
  char             *url;
  SoupSession      *session;
};

#define LISTENING "Listening on "

/* Helpers *************************************************************/

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

/* A server left behind by a failed assertion would outlive the test */
static void
die_with_parent_cb (G_GNUC_UNUSED gpointer user_data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGTERM);
#endif
}

static GSubprocessLauncher *
new_launcher (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent_cb, NULL, NULL);
  return launcher;
}

/* $CRM_TEST_DATABASE with a database name: "postgresql://h:1?x" → "postgresql://h:1/NAME?x" */
static char *
database_url (const char *base,
              const char *name)
{
  const char *query = strchr (base, '?');
  g_autofree char *prefix = g_strndup (base, query ? (gsize) (query - base) : strlen (base));

  while (g_str_has_suffix (prefix, "/") && !g_str_has_suffix (prefix, "://"))
    prefix[strlen (prefix) - 1] = '\0';
  return g_strconcat (prefix, "/", name, query ? query : "", NULL);
}

/* Runs SQL on the PostgreSQL server, in database @name */
static void
exec_pg (const char *name,
         const char *sql)
{
  g_autofree char *url = database_url (g_getenv ("CRM_TEST_DATABASE"), name);
  PGconn *conn = PQconnectdb (url);
  PGresult *result;

  if (PQstatus (conn) != CONNECTION_OK)
    g_error ("Cannot reach PostgreSQL at $CRM_TEST_DATABASE: %s", PQerrorMessage (conn));
  result = PQexec (conn, sql);
  if (PQresultStatus (result) != PGRES_COMMAND_OK && PQresultStatus (result) != PGRES_TUPLES_OK)
    g_error ("SQL failed: %s: %s", sql, PQerrorMessage (conn));
  PQclear (result);
  PQfinish (conn);
}

static void
create_database (CrmTestServer *self)
{
  const char *base = g_getenv ("CRM_TEST_DATABASE");
  g_autofree char *create = NULL;

  if (base == NULL || *base == '\0')
    return;
  self->database_name = g_strdup_printf ("crm_test_%08x%08x", g_random_int (), g_random_int ());
  create = g_strdup_printf ("CREATE DATABASE %s", self->database_name);
  exec_pg ("postgres", create);
  self->database = database_url (base, self->database_name);
  g_test_message ("crm-server database: %s", self->database);
}

/* Public API **********************************************************/

/**
 * crm_test_server_new:
 * @demo: seed the demo company (--demo)
 *
 * Starts a server on a new, empty data folder.
 */
CrmTestServer *
crm_test_server_new (gboolean demo)
{
  CrmTestServer *self = g_new0 (CrmTestServer, 1);
  g_autoptr(GError) error = NULL;
  const char *binary = g_getenv ("CRM_SERVER");

  if (binary == NULL || *binary == '\0')
    g_error ("Set CRM_SERVER to the crm-server binary to test");
  self->binary = g_strdup (binary);
  self->demo = demo;
  self->data_dir = g_dir_make_tmp ("crm-test-server-XXXXXX", &error);
  g_assert_no_error (error);
  /* Removed when the test passes; kept for a post-mortem when it fails */
  g_test_message ("crm-server data folder: %s", self->data_dir);
  self->owns_store = TRUE;
  create_database (self);
  self->session = soup_session_new_with_options ("timeout", 120,
                                                 "user-agent", "crm-test-server",
                                                 NULL);
  crm_test_server_start (self);
  return self;
}

/**
 * crm_test_server_new_sibling:
 *
 * Starts another crm-server instance on the same store as @first (its
 * data folder, or its PostgreSQL database), as a team runs several behind
 * one name. The store stays @first's: free the sibling first.
 */
CrmTestServer *
crm_test_server_new_sibling (CrmTestServer *first)
{
  CrmTestServer *self = g_new0 (CrmTestServer, 1);

  self->binary = g_strdup (first->binary);
  self->data_dir = g_strdup (first->data_dir);
  self->database = g_strdup (first->database);
  self->session = soup_session_new_with_options ("timeout", 120,
                                                 "user-agent", "crm-test-server",
                                                 NULL);
  crm_test_server_start (self);
  return self;
}

void
crm_test_server_free (CrmTestServer *self)
{
  if (self == NULL)
    return;
  if (self->process)
    crm_test_server_stop (self);
  g_clear_object (&self->session);
  if (self->owns_store)
    {
      remove_tree (self->data_dir);
      if (self->database_name)
        {
          g_autofree char *drop = g_strdup_printf ("DROP DATABASE %s WITH (FORCE)", self->database_name);

          exec_pg ("postgres", drop);
        }
    }
  g_free (self->database);
  g_free (self->database_name);
  g_free (self->data_dir);
  g_free (self->binary);
  g_free (self);
}

/**
 * crm_test_server_start:
 *
 * Starts the server on its data folder (again, after a stop) and waits
 * until it listens. The port is new each time.
 */
void
crm_test_server_start (CrmTestServer *self)
{
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  g_assert_null (self->process);

  g_ptr_array_add (argv, self->binary);
  g_ptr_array_add (argv, (gpointer) "--listen");
  g_ptr_array_add (argv, (gpointer) "127.0.0.1:0");
  g_ptr_array_add (argv, (gpointer) "--data-dir");
  g_ptr_array_add (argv, self->data_dir);
  if (self->database)
    {
      g_ptr_array_add (argv, (gpointer) "--database");
      g_ptr_array_add (argv, self->database);
    }
  if (self->demo)
    g_ptr_array_add (argv, (gpointer) "--demo");
  g_ptr_array_add (argv, (gpointer) "--quiet");
  g_ptr_array_add (argv, NULL);

  self->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  self->output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));

  line = g_data_input_stream_read_line_utf8 (self->output, NULL, NULL, &error);
  g_assert_no_error (error);
  if (line == NULL || !g_str_has_prefix (line, LISTENING))
    g_error ("crm-server did not start: its first line was “%s”", line ? line : "(nothing)");
  self->url = g_strdup (line + strlen (LISTENING));
  g_assert_true (g_str_has_prefix (self->url, "http://127.0.0.1:"));
  g_assert_true (g_str_has_suffix (self->url, "/"));
}

/**
 * crm_test_server_stop:
 *
 * Stops the server as a service manager would (SIGTERM) and checks that
 * it exits cleanly.
 */
void
crm_test_server_stop (CrmTestServer *self)
{
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (self->process);
  /* Keep-alive connections point at the old port */
  soup_session_abort (self->session);
  g_subprocess_send_signal (self->process, SIGTERM);
  g_subprocess_wait (self->process, NULL, &error);
  g_assert_no_error (error);
  if (g_subprocess_get_if_signaled (self->process))
    g_error ("crm-server was killed by signal %d while stopping", g_subprocess_get_term_sig (self->process));
  g_assert_cmpint (g_subprocess_get_exit_status (self->process), ==, 0);

  g_clear_object (&self->output);
  g_clear_object (&self->process);
  g_clear_pointer (&self->url, g_free);
}

/* The base URL, ending in "/", while the server runs */
const char *
crm_test_server_get_url (CrmTestServer *self)
{
  return self->url;
}

const char *
crm_test_server_get_data_dir (CrmTestServer *self)
{
  return self->data_dir;
}

/* The server's PostgreSQL database URL, or NULL when it runs on SQLite */
const char *
crm_test_server_get_database (CrmTestServer *self)
{
  return self->database;
}

/**
 * crm_test_server_run:
 * @stdin_text: (nullable): what the command reads
 * @out: (out) (optional): what it prints
 *
 * Runs `crm-server --data-dir DIR ARGS…`, such as prune or useradd, on
 * this server's data folder, running or not.
 *
 * Returns: the exit status
 */
int
crm_test_server_run (CrmTestServer  *self,
                     const char     *stdin_text,
                     char          **out,
                     const char     *first_arg,
                     ...)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  GSubprocessFlags flags = G_SUBPROCESS_FLAGS_STDOUT_PIPE;
  va_list args;

  if (stdin_text)
    flags |= G_SUBPROCESS_FLAGS_STDIN_PIPE;
  launcher = new_launcher (flags);

  g_ptr_array_add (argv, self->binary);
  g_ptr_array_add (argv, (gpointer) "--data-dir");
  g_ptr_array_add (argv, self->data_dir);
  if (self->database)
    {
      g_ptr_array_add (argv, (gpointer) "--database");
      g_ptr_array_add (argv, self->database);
    }
  va_start (args, first_arg);
  for (const char *arg = first_arg; arg; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, stdin_text, NULL, &output, NULL, &error);
  g_assert_no_error (error);
  if (out)
    *out = g_steal_pointer (&output);
  return g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
}

/**
 * crm_test_server_add_user:
 *
 * Adds a login with `crm-server useradd`.
 *
 * Returns: the new user's id
 */
char *
crm_test_server_add_user (CrmTestServer *self,
                          const char    *username,
                          const char    *role,
                          const char    *manager,
                          const char    *password)
{
  g_autofree char *input = g_strconcat (password, "\n", NULL);
  g_autofree char *out = NULL;
  int status;

  if (manager)
    status = crm_test_server_run (self, input, &out, "useradd", username, "--role", role,
                                  "--manager", manager, NULL);
  else
    status = crm_test_server_run (self, input, &out, "useradd", username, "--role", role, NULL);
  g_assert_cmpint (status, ==, 0);
  g_strstrip (out);
  g_assert_true (g_uuid_string_is_valid (out));
  return g_steal_pointer (&out);
}

typedef int (*SqliteOpen) (const char *path, void **db);
typedef int (*SqliteExec) (void *db, const char *sql, void *callback, void *data, char **message);
typedef int (*SqliteClose) (void *db);
typedef int (*SqliteBusyTimeout) (void *db, int ms);

/**
 * crm_test_server_exec_sql:
 *
 * Changes the server's database behind its back, for what the API
 * cannot do (such as ageing a token): SQL both stores understand. SQLite
 * is loaded at run time: the server links it, the tests need not.
 */
void
crm_test_server_exec_sql (CrmTestServer *self,
                          const char    *sql)
{
  g_autofree char *path = g_build_filename (self->data_dir, "crm-server.db", NULL);
  void *library;
  SqliteOpen open_db;
  SqliteExec exec;
  SqliteClose close_db;
  SqliteBusyTimeout busy_timeout;
  char *message = NULL;
  void *db = NULL;
  int rc;

  if (self->database)
    {
      exec_pg (self->database_name, sql);
      return;
    }
  library = dlopen ("libsqlite3.so.0", RTLD_NOW | RTLD_LOCAL);
  if (library == NULL)
    g_error ("Cannot load SQLite: %s", dlerror ());
  open_db = (SqliteOpen) dlsym (library, "sqlite3_open");
  exec = (SqliteExec) dlsym (library, "sqlite3_exec");
  close_db = (SqliteClose) dlsym (library, "sqlite3_close");
  busy_timeout = (SqliteBusyTimeout) dlsym (library, "sqlite3_busy_timeout");
  g_assert_true (open_db && exec && close_db && busy_timeout);

  g_assert_cmpint (open_db (path, &db), ==, 0);
  busy_timeout (db, 10000);
  rc = exec (db, sql, NULL, NULL, &message);
  if (rc != 0)
    g_error ("SQL failed (%d): %s: %s", rc, sql, message ? message : "");
  close_db (db);
  dlclose (library);
}

/**
 * crm_test_server_request_full:
 * @path: from the root, such as "/api/v1/health?x=1" (escaped)
 * @token: (nullable): sent as Authorization: Bearer
 * @content_type: (nullable): of @body; %NULL sends none
 * @body: (nullable): the request body
 * @headers: (nullable): more request headers, as name, value, …, %NULL
 *
 * Sends one request and waits for the answer.
 */
CrmTestResponse *
crm_test_server_request_full (CrmTestServer      *self,
                              const char         *method,
                              const char         *path,
                              const char         *token,
                              const char         *content_type,
                              GBytes             *body,
                              const char * const *headers)
{
  g_autofree char *uri = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GError) error = NULL;
  CrmTestResponse *response;
  SoupMessageHeaders *request_headers;

  g_assert_nonnull (self->url);
  g_assert_true (path[0] == '/');
  uri = g_strconcat (self->url, path + 1, NULL);
  msg = soup_message_new (method, uri);
  g_assert_nonnull (msg);

  request_headers = soup_message_get_request_headers (msg);
  if (token)
    {
      g_autofree char *authorization = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (request_headers, "Authorization", authorization);
    }
  for (guint i = 0; headers && headers[i]; i += 2)
    {
      g_assert_nonnull (headers[i + 1]);
      soup_message_headers_replace (request_headers, headers[i], headers[i + 1]);
    }
  if (body)
    soup_message_set_request_body_from_bytes (msg, content_type, body);

  response = g_new0 (CrmTestResponse, 1);
  response->body = soup_session_send_and_read (self->session, msg, NULL, &error);
  if (error)
    g_test_message ("%s %s got no answer; did crm-server crash? %s", method, path, error->message);
  g_assert_no_error (error);
  response->status = soup_message_get_status (msg);
  response->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  if (g_bytes_get_size (response->body) > 0)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      if (json_parser_load_from_data (parser, g_bytes_get_data (response->body, NULL),
                                      g_bytes_get_size (response->body), NULL) &&
          json_parser_get_root (parser) != NULL)
        response->json = json_node_copy (json_parser_get_root (parser));
    }
  return response;
}

/**
 * crm_test_server_request:
 * @json_body: (nullable): sent as application/json
 * @...: more request headers, as name, value, …, %NULL
 */
CrmTestResponse *
crm_test_server_request (CrmTestServer *self,
                         const char    *method,
                         const char    *path,
                         const char    *token,
                         const char    *json_body,
                         ...)
{
  g_autoptr(GPtrArray) headers = g_ptr_array_new ();
  g_autoptr(GBytes) body = NULL;
  va_list args;

  va_start (args, json_body);
  for (const char *arg = va_arg (args, const char *); arg; arg = va_arg (args, const char *))
    g_ptr_array_add (headers, (gpointer) arg);
  va_end (args);
  g_assert_true (headers->len % 2 == 0);
  g_ptr_array_add (headers, NULL);

  if (json_body)
    body = g_bytes_new (json_body, strlen (json_body));
  return crm_test_server_request_full (self, method, path, token,
                                       json_body ? "application/json" : NULL, body,
                                       (const char * const *) headers->pdata);
}

/**
 * crm_test_server_login:
 *
 * Returns: a bearer token; fails the test when the login fails
 */
char *
crm_test_server_login (CrmTestServer *self,
                       const char    *username,
                       const char    *password)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(CrmTestResponse) response = NULL;
  g_autofree char *body = NULL;
  const char *token;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, username);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, password);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  body = json_to_string (root, FALSE);

  response = crm_test_server_request (self, "POST", "/api/v1/auth/token", NULL, body, NULL);
  g_assert_cmpuint (response->status, ==, 200);
  token = json_object_get_string_member_with_default (crm_test_response_object (response), "token", NULL);
  g_assert_nonnull (token);
  return g_strdup (token);
}

void
crm_test_response_free (CrmTestResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->headers, soup_message_headers_unref);
  g_clear_pointer (&response->body, g_bytes_unref);
  g_clear_pointer (&response->json, json_node_unref);
  g_free (response);
}

/* The body as a JSON object; fails the test if it is not one */
JsonObject *
crm_test_response_object (CrmTestResponse *response)
{
  if (response->json == NULL || !JSON_NODE_HOLDS_OBJECT (response->json))
    g_error ("Expected a JSON object, got (status %u): %.*s", response->status,
             (int) MIN (g_bytes_get_size (response->body), 2000),
             (const char *) g_bytes_get_data (response->body, NULL));
  return json_node_get_object (response->json);
}

const char *
crm_test_response_header (CrmTestResponse *response,
                          const char      *name)
{
  return soup_message_headers_get_one (response->headers, name);
}

/**
 * crm_test_response_assert_error:
 * @code: the expected error code
 *
 * Checks the answer is @status with {"error":{"code","message"}} in JSON.
 */
void
crm_test_response_assert_error (CrmTestResponse *response,
                                guint            status,
                                const char      *code)
{
  JsonObject *error;
  const char *message;
  JsonNode *node;

  if (response->status != status)
    g_test_message ("Expected %u (%s), got %u: %.*s", status, code, response->status,
                    (int) MIN (g_bytes_get_size (response->body), 2000),
                    (const char *) g_bytes_get_data (response->body, NULL));
  g_assert_cmpuint (response->status, ==, status);
  g_assert_cmpstr (soup_message_headers_get_content_type (response->headers, NULL), ==, "application/json");
  node = json_object_get_member (crm_test_response_object (response), "error");
  g_assert_true (node != NULL && JSON_NODE_HOLDS_OBJECT (node));
  error = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member_with_default (error, "code", NULL), ==, code);
  message = json_object_get_string_member_with_default (error, "message", NULL);
  g_assert_nonnull (message);
  g_assert_cmpstr (message, !=, "");
}

/**
 * crm_test_assert_integrity:
 * @db_path: a SQLite database
 *
 * Fails the test unless PRAGMA integrity_check finds @db_path sound.
 */
void
crm_test_assert_integrity (const char *db_path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}
