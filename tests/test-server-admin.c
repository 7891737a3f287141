/* test-server-admin.c: running crm-server: users, TLS, logs, stopping
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */


#include <glib/gstdio.h>
#include <signal.h>

#include "crm-test-server.h"

/* A crm-server started by hand, for options the shared helper does not
 * pass: its stderr is kept for reading. */
typedef struct
{
  GSubprocess *process;
  char        *url;
  char        *data_dir;
  const char  *database;  /* --database, or NULL for SQLite in data_dir */
} Manual;

static void
manual_start (Manual             *m,
              const char * const *extra)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GDataInputStream) lines = NULL;
  g_autofree char *line = NULL;
  g_autofree char *log = g_build_filename (m->data_dir, "stderr.log", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);

  g_ptr_array_add (argv, (gpointer) g_getenv ("CRM_SERVER"));
  g_ptr_array_add (argv, (gpointer) "--listen");
  g_ptr_array_add (argv, (gpointer) "127.0.0.1:0");
  g_ptr_array_add (argv, (gpointer) "--data-dir");
  g_ptr_array_add (argv, m->data_dir);
  if (m->database)
    {
      g_ptr_array_add (argv, (gpointer) "--database");
      g_ptr_array_add (argv, (gpointer) m->database);
    }
  for (guint i = 0; extra && extra[i]; i++)
    g_ptr_array_add (argv, (gpointer) extra[i]);
  g_ptr_array_add (argv, NULL);

  /* GCC 12's LeakSanitizer crashes ("Tracer caught signal 11") walking
   * the dynamic TLS that the GnuTLS module of glib-networking leaves in a
   * worker thread, so in the sanitizer build a server speaking TLS runs
   * with AddressSanitizer's checks but without the leak check at exit. */
  if (g_getenv ("ASAN_OPTIONS") && extra && g_strv_contains ((const char * const *) extra, "--tls-cert"))
    {
      g_autofree char *options = g_strconcat (g_getenv ("ASAN_OPTIONS"), ":detect_leaks=0", NULL);

      g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", options, TRUE);
    }
  g_subprocess_launcher_set_stderr_file_path (launcher, log);
  m->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (m->process));
  line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "Listening on "));
  m->url = g_strdup (line + strlen ("Listening on "));
}

static int
manual_stop (Manual *m)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_subprocess_send_signal (m->process, SIGTERM);
  g_subprocess_wait (m->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (m->process));
  status = g_subprocess_get_exit_status (m->process);
  g_clear_object (&m->process);
  g_clear_pointer (&m->url, g_free);
  return status;
}

static char *
manual_log (Manual *m)
{
  g_autofree char *path = g_build_filename (m->data_dir, "stderr.log", NULL);
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

/* Trusts exactly the certificate given, as a pinned fingerprint would */
static gboolean
accept_certificate_cb (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       GTlsCertificate      *trusted)
{
  return trusted != NULL && g_tls_certificate_is_same (certificate, trusted);
}

static JsonNode *
http_json_pinned (SoupSession     *session,
                  const char      *method,
                  const char      *url,
                  const char      *body,
                  GTlsCertificate *trusted,
                  guint           *status)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) error = NULL;

  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_certificate_cb), trusted);

  if (body)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  reply = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  return json_from_string (g_bytes_get_data (reply, NULL), NULL);
}

static JsonNode *
http_json (SoupSession *session,
           const char  *method,
           const char  *url,
           const char  *body,
           guint       *status)
{
  return http_json_pinned (session, method, url, body, NULL, status);
}

static void
test_useradd (void)
{
  g_autoptr(CrmTestServer) server = crm_test_server_new (FALSE);
  g_autofree char *out = NULL;
  g_autofree char *boss = NULL;
  g_autoptr(CrmTestResponse) response = NULL;
  g_autofree char *token = NULL;
  JsonObject *user;

  /* The password comes on stdin, never on the command line */
  g_assert_cmpint (crm_test_server_run (server, "s3cret\n", &out, "useradd", "boss", "--role", "manager", NULL), ==, 0);
  boss = g_strstrip (g_strdup (out));
  g_assert_true (g_uuid_string_is_valid (boss));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (crm_test_server_run (server, "hunter22\n", &out, "useradd", "minion", "--manager", "boss", NULL), ==, 0);
  g_clear_pointer (&out, g_free);

  /* Refused: a taken name, an unknown manager, a bad role, no password */
  g_assert_cmpint (crm_test_server_run (server, "x\n", &out, "useradd", "boss", NULL), ==, 1);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (crm_test_server_run (server, "x\n", &out, "useradd", "other", "--manager", "nobody", NULL), ==, 1);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (crm_test_server_run (server, "x\n", &out, "useradd", "other", "--role", "emperor", NULL), ==, 2);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (crm_test_server_run (server, "", &out, "useradd", "other", NULL), ==, 2);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (crm_test_server_run (server, "x\n", &out, "useradd", "Bad Name", NULL), ==, 1);
  g_clear_pointer (&out, g_free);

  /* The running server sees users added beside it */
  token = crm_test_server_login (server, "minion", "hunter22");
  g_assert_nonnull (token);
  response = crm_test_server_request (server, "POST", "/api/v1/auth/token", NULL,
                                      "{\"username\":\"minion\",\"password\":\"hunter22\"}", NULL);
  g_assert_cmpuint (response->status, ==, 200);
  user = json_object_get_object_member (crm_test_response_object (response), "user");
  g_assert_cmpstr (json_object_get_string_member (user, "role"), ==, "rep");
  g_assert_cmpstr (json_object_get_string_member (user, "manager_id"), ==, boss);
  g_assert_cmpstr (json_object_get_string_member (user, "username"), ==, "minion");
}

static void
test_passwd (void)
{
  g_autoptr(CrmTestServer) server = crm_test_server_new (FALSE);
  g_autofree char *out = NULL;
  g_autoptr(CrmTestResponse) old_login = NULL;
  g_autofree char *token = NULL;

  g_assert_cmpint (crm_test_server_run (server, "first-pass\n", &out, "useradd", "pat", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (crm_test_server_run (server, "second-pass\n", &out, "passwd", "pat", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (crm_test_server_run (server, "whatever\n", &out, "passwd", "nobody", NULL), ==, 1);

  old_login = crm_test_server_request (server, "POST", "/api/v1/auth/token", NULL,
                                       "{\"username\":\"pat\",\"password\":\"first-pass\"}", NULL);
  crm_test_response_assert_error (old_login, 401, "unauthorized");
  token = crm_test_server_login (server, "pat", "second-pass");
  g_assert_nonnull (token);
}

static void
test_tls (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("crm-tls-XXXXXX", &error);
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  g_autofree char *health = NULL;
  g_autoptr(GSubprocess) openssl = NULL;
  g_autoptr(GTlsCertificate) pinned = NULL;
  g_autoptr(SoupSession) strict = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(SoupMessage) refused = NULL;
  g_autoptr(GBytes) nothing = NULL;
  const char *extra[] = { "--tls-cert", cert, "--tls-key", key, "--quiet", NULL };
  Manual m = { NULL, NULL, dir };
  guint status;

  g_assert_no_error (error);
  openssl = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                              "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                              "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                              "-addext", "subjectAltName=IP:127.0.0.1", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (openssl, NULL, &error));
  g_assert_no_error (error);

  manual_start (&m, extra);
  g_assert_true (g_str_has_prefix (m.url, "https://127.0.0.1:"));
  health = g_strconcat (m.url, "api/v1/health", NULL);

  /* A client that verifies refuses the self-signed certificate */
  strict = soup_session_new ();
  refused = soup_message_new ("GET", health);
  nothing = soup_session_send_and_read (strict, refused, NULL, &error);
  g_assert_null (nothing);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_clear_error (&error);

  /* One that trusts this very certificate gets the answer over TLS */
  pinned = g_tls_certificate_new_from_file (cert, &error);
  g_assert_no_error (error);
  g_clear_object (&strict);
  strict = soup_session_new ();
  reply = http_json_pinned (strict, "GET", health, NULL, pinned, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (reply), "status"), ==, "ok");

  g_assert_cmpint (manual_stop (&m), ==, 0);
  g_unlink (cert);
  g_unlink (key);
  {
    g_autofree char *log = g_build_filename (dir, "stderr.log", NULL);
    g_autofree char *db = g_build_filename (dir, "crm-server.db", NULL);
    g_autofree char *wal = g_strconcat (db, "-wal", NULL);
    g_autofree char *shm = g_strconcat (db, "-shm", NULL);

    g_unlink (log);
    g_unlink (db);
    g_unlink (wal);
    g_unlink (shm);
  }
  g_rmdir (dir);
}

/* SIGTERM stops the server cleanly; what it acknowledged is kept, and the
 * log has a line per request but never a password or a token. */
static void
test_stop_and_log (void)
{
  g_autoptr(CrmTestServer) helper = crm_test_server_new (FALSE);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(JsonNode) token_reply = NULL;
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(JsonNode) fetched = NULL;
  g_autofree char *out = NULL;
  g_autofree char *log = NULL;
  g_autofree char *token = NULL;
  g_autofree char *id = NULL;
  Manual m = { NULL, NULL, (char *) crm_test_server_get_data_dir (helper), crm_test_server_get_database (helper) };
  guint status;

  g_assert_cmpint (crm_test_server_run (helper, "correct horse battery\n", &out, "useradd", "ops", "--role", "admin", NULL), ==, 0);
  crm_test_server_stop (helper);
  manual_start (&m, NULL);

  {
    g_autofree char *url = g_strconcat (m.url, "api/v1/auth/token", NULL);
    token_reply = http_json (session, "POST", url, "{\"username\":\"ops\",\"password\":\"correct horse battery\"}", &status);
    g_assert_cmpuint (status, ==, 200);
    token = g_strdup (json_object_get_string_member (json_node_get_object (token_reply), "token"));
  }
  {
    g_autofree char *url = g_strconcat (m.url, "api/v1/accounts", NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
    g_autoptr(GBytes) body = g_bytes_new_static ("{\"name\":\"Kept Corp\"}", 20);
    g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
    g_autoptr(GBytes) reply = NULL;
    g_autoptr(GError) error = NULL;

    soup_message_set_request_body_from_bytes (msg, "application/json", body);
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    reply = soup_session_send_and_read (session, msg, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 201);
    created = json_from_string (g_bytes_get_data (reply, NULL), NULL);
    id = g_strdup (json_object_get_string_member (json_node_get_object (created), "id"));
  }

  g_assert_cmpint (manual_stop (&m), ==, 0);
  log = manual_log (&m);
  g_assert_nonnull (strstr (log, "POST /api/v1/auth/token 200"));
  g_assert_nonnull (strstr (log, "POST /api/v1/accounts 201"));
  g_assert_nonnull (strstr (log, "stopping"));
  g_assert_null (strstr (log, "correct horse"));
  g_assert_null (strstr (log, token));

  /* Started again, the acknowledged write is there */
  crm_test_server_start (helper);
  {
    g_autofree char *path = g_strconcat ("/api/v1/accounts/", id, NULL);
    g_autofree char *again = crm_test_server_login (helper, "ops", "correct horse battery");
    g_autoptr(CrmTestResponse) response = crm_test_server_request (helper, "GET", path, again, NULL, NULL);

    g_assert_cmpuint (response->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (crm_test_response_object (response), "name"), ==, "Kept Corp");
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server-admin/useradd", test_useradd);
  g_test_add_func ("/server-admin/passwd", test_passwd);
  g_test_add_func ("/server-admin/tls", test_tls);
  g_test_add_func ("/server-admin/stop-and-log", test_stop_and_log);

  return g_test_run ();
}
