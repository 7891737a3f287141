/* test-credentials.c: the keyring and the HTTP client used to log in
 *
 * The keyring cases need a Secret Service on the session bus, as
 * build-aux/test-session provides. The cases without a usable keyring run
 * a copy of this program on a private bus of its own (dbus-run-session
 * with a configuration that can start no service), with
 * CRM_TEST_CREDENTIALS_CHILD naming what it checks there. The HTTP cases
 * run the real crm-server named by $CRM_SERVER, and a few canned replies
 * from a socket in this process for what a good server never sends.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-credentials"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libsecret/secret.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "crm-credentials.h"
#include "crm-http.h"

#define CHILD_ENV       "CRM_TEST_CREDENTIALS_CHILD"
#define LISTENING       "Listening on "
#define NO_KEYRING_TEXT "No keyring is available: Crm keeps your sign-in only in the system keyring (Secret Service)"
#define CHILD_SECRET    "child-secret-4f1d9a"

/* A session bus that can start nothing: no service directories */
static const char bus_config[] =
  "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
  " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
  "<busconfig>\n"
  "  <type>session</type>\n"
  "  <listen>unix:tmpdir=/tmp</listen>\n"
  "  <auth>EXTERNAL</auth>\n"
  "  <policy context=\"default\">\n"
  "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
  "    <allow eavesdrop=\"true\"/>\n"
  "    <allow own=\"*\"/>\n"
  "  </policy>\n"
  "</busconfig>\n";

static char *self_path;

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

/* Files (not folders) under @path, as paths relative to it */
static void
collect_files (const char *path,
               const char *relative,
               GPtrArray  *found)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      g_autofree char *child_relative = relative ? g_build_filename (relative, name, NULL) : g_strdup (name);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        collect_files (child, child_relative, found);
      else
        g_ptr_array_add (found, g_steal_pointer (&child_relative));
    }
}

/* A child left behind by a failed assertion would outlive the test */
static void
die_with_parent_cb (gpointer user_data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGTERM);
#endif
}

static gboolean
have_program (const char *name)
{
  g_autofree char *path = g_find_program_in_path (name);

  return path != NULL;
}

static gboolean
bus_name_has_owner (GDBusConnection *bus,
                    const char      *name)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

/* Only a running one: asking the bus to start a keyring would use the
 * real home folder of whoever runs the tests */
static gboolean
secret_service_running (void)
{
  g_autoptr(GDBusConnection) bus = NULL;

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    return FALSE;
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  return bus != NULL && bus_name_has_owner (bus, "org.freedesktop.secrets");
}

static gboolean
skip_without_keyring (void)
{
  if (secret_service_running ())
    return FALSE;
  g_test_skip ("No Secret Service on the session bus; run the tests inside "
               "build-aux/test-session (build-aux/run-tests does)");
  return TRUE;
}

/* Names no real server; the pid keeps parallel runs apart */
static char *
test_server_url (const char *tag)
{
  return g_strdup_printf ("https://crm-test-%s-%d.invalid:8443", tag, (int) getpid ());
}

/* Runs @argv with stdout and stderr in one string */
static int
run_capture (GSubprocessLauncher  *launcher,
             const char * const   *argv,
             char                **output)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, output, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

static char *
secret_tool_search (void)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  const char * const argv[] = { "secret-tool", "search", "--all", "xdg:schema", "org.example.Crm", NULL };
  char *output = NULL;

  run_capture (launcher, argv, &output);
  return output;
}

/* secret-tool prints an entry as a block: "[/path]", "label = …", then
 * its secret, dates and "attribute.NAME = VALUE" lines */
static gboolean
listed (const char *output,
        const char *server,
        const char *user,
        const char *kind)
{
  g_auto(GStrv) blocks = g_strsplit (output, "[/", -1);
  g_autofree char *want_server = g_strdup_printf ("attribute.server = %s\n", server);
  g_autofree char *want_user = g_strdup_printf ("attribute.user = %s\n", user);
  g_autofree char *want_kind = g_strdup_printf ("attribute.kind = %s\n", kind);

  for (guint i = 0; blocks[i]; i++)
    {
      g_autofree char *block = g_strconcat (blocks[i], "\n", NULL);

      if (strstr (block, want_server) && strstr (block, want_user) && strstr (block, want_kind))
        return TRUE;
    }
  return FALSE;
}

static void
assert_lookup (const char *server,
               const char *user,
               const char *kind,
               const char *expected)
{
  g_autoptr(GError) error = NULL;
  char *secret = crm_credentials_lookup (server, user, kind, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (secret, ==, expected);
  crm_credentials_free_secret (secret);
}

/* crm-server on port 0 of 127.0.0.1 ***********************************/

typedef struct
{
  GSubprocess      *process;
  GDataInputStream *output;
  char             *data_dir;
  char             *url;
} Server;

static Server *
server_start (const char *cert,
              const char *key)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  const char *binary = g_getenv ("CRM_SERVER");
  Server *server = g_new0 (Server, 1);

  g_assert_nonnull (binary);
  server->data_dir = g_dir_make_tmp ("crm-test-credentials-XXXXXX", &error);
  g_assert_no_error (error);

  g_ptr_array_add (argv, (gpointer) binary);
  g_ptr_array_add (argv, (gpointer) "--listen");
  g_ptr_array_add (argv, (gpointer) "127.0.0.1:0");
  g_ptr_array_add (argv, (gpointer) "--data-dir");
  g_ptr_array_add (argv, server->data_dir);
  g_ptr_array_add (argv, (gpointer) "--demo");
  g_ptr_array_add (argv, (gpointer) "--quiet");
  if (cert)
    {
      g_ptr_array_add (argv, (gpointer) "--tls-cert");
      g_ptr_array_add (argv, (gpointer) cert);
      g_ptr_array_add (argv, (gpointer) "--tls-key");
      g_ptr_array_add (argv, (gpointer) key);
    }
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent_cb, NULL, NULL);
  server->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  server->output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  line = g_data_input_stream_read_line_utf8 (server->output, NULL, NULL, &error);
  g_assert_no_error (error);
  if (line == NULL || !g_str_has_prefix (line, LISTENING))
    g_error ("crm-server did not start: its first line was “%s”", line ? line : "(nothing)");
  server->url = g_strdup (line + strlen (LISTENING));
  return server;
}

static void
server_stop (Server *server)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (server->process, SIGTERM);
  g_subprocess_wait (server->process, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&server->output);
  g_clear_object (&server->process);
  remove_tree (server->data_dir);
  g_free (server->data_dir);
  g_free (server->url);
  g_free (server);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Server, server_stop)

static gboolean
skip_without_server (void)
{
  if (g_getenv ("CRM_SERVER") != NULL)
    return FALSE;
  g_test_skip ("Set CRM_SERVER to the crm-server binary to test against");
  return TRUE;
}

/* A port nothing listens on */
static guint16
closed_port (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, &error);

  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return port;
}

/* Canned replies: one connection each, in order ***********************/

typedef struct
{
  GSocketListener  *listener;
  guint16           port;
  const char      **replies;
  GThread          *thread;
} Canned;

/* Reads one request, headers and body, so that closing does not reset */
static void
read_request (GInputStream *input)
{
  g_autoptr(GString) request = g_string_new (NULL);
  char buffer[4096];
  const char *end = NULL;
  gsize body = 0;

  while (!(end = strstr (request->str, "\r\n\r\n")))
    {
      gssize n = g_input_stream_read (input, buffer, sizeof buffer, NULL, NULL);

      if (n <= 0)
        return;
      g_string_append_len (request, buffer, n);
    }
  for (const char *line = request->str; line < end; line = strstr (line, "\r\n") + 2)
    if (g_ascii_strncasecmp (line, "Content-Length:", 15) == 0)
      body = g_ascii_strtoull (line + 15, NULL, 10);
  body -= MIN (body, request->len - (gsize) (end + 4 - request->str));
  while (body > 0)
    {
      gssize n = g_input_stream_read (input, buffer, MIN (body, sizeof buffer), NULL, NULL);

      if (n <= 0)
        return;
      body -= n;
    }
}

static gpointer
canned_thread (gpointer data)
{
  Canned *canned = data;

  for (guint i = 0; canned->replies[i]; i++)
    {
      g_autoptr(GSocketConnection) connection = NULL;
      g_autoptr(GError) error = NULL;

      connection = g_socket_listener_accept (canned->listener, NULL, NULL, &error);
      g_assert_no_error (error);
      read_request (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                 canned->replies[i], strlen (canned->replies[i]), NULL, NULL, NULL);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
    }
  return NULL;
}

static Canned *
canned_start (const char **replies)
{
  Canned *canned = g_new0 (Canned, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  canned->listener = g_socket_listener_new ();
  g_socket_listener_add_address (canned->listener, address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  canned->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  canned->replies = replies;
  canned->thread = g_thread_new ("canned", canned_thread, canned);
  return canned;
}

static void
canned_finish (Canned *canned)
{
  g_thread_join (canned->thread);
  g_socket_listener_close (canned->listener);
  g_object_unref (canned->listener);
  g_free (canned);
}

/* Children on a bus without a usable keyring **************************/

static void
expect_no_keyring (const char *what,
                   GError     *error)
{
  g_assert_error (error, CRM_CREDENTIALS_ERROR, CRM_CREDENTIALS_ERROR_NO_KEYRING);
  g_assert_true (g_str_has_prefix (error->message, NO_KEYRING_TEXT));
  g_print ("%s: %s\n", what, error->message);
}

static void
child_expect_all_fail (const char *server)
{
  g_autoptr(GError) error = NULL;
  char *secret;

  g_assert_false (crm_credentials_store (server, "riley", CRM_CREDENTIALS_TOKEN, CHILD_SECRET, &error));
  expect_no_keyring ("store", error);
  g_assert_true (strstr (error->message, "nothing was stored") != NULL);
  g_clear_error (&error);

  secret = crm_credentials_lookup (server, "riley", CRM_CREDENTIALS_TOKEN, &error);
  g_assert_null (secret);
  expect_no_keyring ("lookup", error);
  g_clear_error (&error);

  g_assert_false (crm_credentials_clear (server, "riley", &error));
  expect_no_keyring ("clear", error);
  g_clear_error (&error);

  g_assert_false (crm_credentials_forget (server, "riley", CRM_CREDENTIALS_TOKEN, &error));
  expect_no_keyring ("forget", error);
}

/* Nothing answers org.freedesktop.secrets, and nothing can be started */
static int
child_no_keyring (void)
{
  g_autofree char *server = test_server_url ("child");

  g_assert_false (secret_service_running ());
  child_expect_all_fail (server);
  return 0;
}

/* A keyring that holds the entry but is locked, with no one to unlock it:
 * the prompter cannot be started on this bus, as if the user declined */
static int
child_locked (void)
{
  g_autofree char *server = test_server_url ("child");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) keyring = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(SecretService) service = NULL;
  g_autoptr(SecretCollection) collection = NULL;
  g_autoptr(GError) error = NULL;
  GList *to_lock;
  int locked;
  guint i;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent_cb, NULL, NULL);
  keyring = g_subprocess_launcher_spawn (launcher, &error, "gnome-keyring-daemon", "--foreground",
                                         "--unlock", "--components=secrets", NULL);
  g_assert_no_error (error);
  g_output_stream_write_all (g_subprocess_get_stdin_pipe (keyring), "crm-test", 8, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (g_subprocess_get_stdin_pipe (keyring), NULL, &error);
  g_assert_no_error (error);

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  for (i = 0; i < 100 && !bus_name_has_owner (bus, "org.freedesktop.secrets"); i++)
    g_usleep (100 * 1000);
  g_assert_true (bus_name_has_owner (bus, "org.freedesktop.secrets"));

  g_assert_true (crm_credentials_store (server, "riley", CRM_CREDENTIALS_TOKEN, CHILD_SECRET, &error));
  g_assert_no_error (error);
  assert_lookup (server, "riley", CRM_CREDENTIALS_TOKEN, CHILD_SECRET);

  service = secret_service_get_sync (SECRET_SERVICE_NONE, NULL, &error);
  g_assert_no_error (error);
  collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                                 SECRET_COLLECTION_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (collection);
  to_lock = g_list_prepend (NULL, collection);
  locked = secret_service_lock_sync (service, to_lock, NULL, NULL, &error);
  g_list_free (to_lock);
  g_assert_no_error (error);
  g_assert_cmpint (locked, >, 0);

  child_expect_all_fail (server);

  g_subprocess_send_signal (keyring, SIGTERM);
  g_subprocess_wait (keyring, NULL, NULL);
  return 0;
}

/* Runs this program as @mode on a private bus, in a home of its own.
 * Returns what it printed; @home is left for the caller to inspect. */
static char *
run_child (const char  *mode,
           char       **home)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *config = NULL;
  g_autofree char *config_arg = NULL;
  g_autofree char *runtime = NULL;
  char *output = NULL;
  const char *folders[] = { "data", "config", "cache" };
  const char *variables[] = { "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME" };
  int status;

  *home = g_dir_make_tmp ("crm-test-child-XXXXXX", &error);
  g_assert_no_error (error);
  config = g_build_filename (*home, "bus.conf", NULL);
  g_file_set_contents (config, bus_config, -1, &error);
  g_assert_no_error (error);
  config_arg = g_strconcat ("--config-file=", config, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent_cb, NULL, NULL);
  g_subprocess_launcher_setenv (launcher, CHILD_ENV, mode, TRUE);
  g_subprocess_launcher_setenv (launcher, "HOME", *home, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (folders); i++)
    {
      g_autofree char *path = g_build_filename (*home, folders[i], NULL);

      g_mkdir (path, 0700);
      g_subprocess_launcher_setenv (launcher, variables[i], path, TRUE);
    }
  runtime = g_build_filename (*home, "runtime", NULL);
  g_mkdir (runtime, 0700);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", runtime, TRUE);
  /* Nothing may reach a session outside the private bus */
  g_subprocess_launcher_unsetenv (launcher, "DISPLAY");
  g_subprocess_launcher_unsetenv (launcher, "WAYLAND_DISPLAY");

  {
    const char * const argv[] = { "dbus-run-session", config_arg, "--", self_path, NULL };

    status = run_capture (launcher, argv, &output);
  }
  g_test_message ("child %s:\n%s", mode, output);
  g_assert_cmpint (status, ==, 0);
  g_unlink (config);
  return output;
}

/* Tests ***************************************************************/

static void
test_store_lookup_clear (void)
{
  g_autofree char *server = test_server_url ("one");
  g_autofree char *other = test_server_url ("two");
  g_autofree char *listing = NULL;
  g_autofree char *label = NULL;
  g_autoptr(GError) error = NULL;

  if (skip_without_keyring ())
    return;

  /* Absent is NULL without an error */
  assert_lookup (server, "riley", CRM_CREDENTIALS_TOKEN, NULL);

  g_assert_true (crm_credentials_store (server, "riley", CRM_CREDENTIALS_TOKEN, "token-1", &error));
  g_assert_no_error (error);
  g_assert_true (crm_credentials_store (server, "riley", CRM_CREDENTIALS_PASSWORD, "pass-1", &error));
  g_assert_no_error (error);
  g_assert_true (crm_credentials_store (server, "sam", CRM_CREDENTIALS_TOKEN, "token-sam", &error));
  g_assert_no_error (error);
  g_assert_true (crm_credentials_store (other, "riley", CRM_CREDENTIALS_TOKEN, "token-other", &error));
  g_assert_no_error (error);

  assert_lookup (server, "riley", CRM_CREDENTIALS_TOKEN, "token-1");
  assert_lookup (server, "riley", CRM_CREDENTIALS_PASSWORD, "pass-1");
  assert_lookup (server, "sam", CRM_CREDENTIALS_TOKEN, "token-sam");
  assert_lookup (server, "sam", CRM_CREDENTIALS_PASSWORD, NULL);
  assert_lookup (other, "riley", CRM_CREDENTIALS_TOKEN, "token-other");
  assert_lookup (other, "riley", CRM_CREDENTIALS_PASSWORD, NULL);

  /* A new token replaces the old one rather than adding a second */
  g_assert_true (crm_credentials_store (server, "riley", CRM_CREDENTIALS_TOKEN, "token-2", &error));
  g_assert_no_error (error);
  assert_lookup (server, "riley", CRM_CREDENTIALS_TOKEN, "token-2");

  /* The real secret-tool finds them by schema, server and user */
  listing = secret_tool_search ();
  g_assert_true (listed (listing, server, "riley", "token"));
  g_assert_true (listed (listing, server, "riley", "password"));
  g_assert_true (listed (listing, server, "sam", "token"));
  g_assert_true (listed (listing, other, "riley", "token"));
  g_assert_false (listed (listing, server, "sam", "password"));
  label = g_strdup_printf ("label = Crm token for riley on %s\n", server);
  g_assert_nonnull (strstr (listing, label));
  g_assert_nonnull (strstr (listing, "schema = org.example.Crm\n"));
  g_clear_pointer (&listing, g_free);

  /* Forgetting the password keeps the token */
  g_assert_true (crm_credentials_forget (server, "riley", CRM_CREDENTIALS_PASSWORD, &error));
  g_assert_no_error (error);
  assert_lookup (server, "riley", CRM_CREDENTIALS_PASSWORD, NULL);
  assert_lookup (server, "riley", CRM_CREDENTIALS_TOKEN, "token-2");
  g_assert_true (crm_credentials_store (server, "riley", CRM_CREDENTIALS_PASSWORD, "pass-2", &error));
  g_assert_no_error (error);

  /* Clearing removes both kinds, for that user on that server only */
  g_assert_true (crm_credentials_clear (server, "riley", &error));
  g_assert_no_error (error);
  assert_lookup (server, "riley", CRM_CREDENTIALS_TOKEN, NULL);
  assert_lookup (server, "riley", CRM_CREDENTIALS_PASSWORD, NULL);
  assert_lookup (server, "sam", CRM_CREDENTIALS_TOKEN, "token-sam");
  assert_lookup (other, "riley", CRM_CREDENTIALS_TOKEN, "token-other");

  listing = secret_tool_search ();
  g_assert_false (listed (listing, server, "riley", "token"));
  g_assert_false (listed (listing, server, "riley", "password"));
  g_assert_true (listed (listing, server, "sam", "token"));
  g_clear_pointer (&listing, g_free);

  /* Nothing left to clear is not an error */
  g_assert_true (crm_credentials_clear (server, "riley", &error));
  g_assert_no_error (error);
  g_assert_true (crm_credentials_forget (server, "riley", CRM_CREDENTIALS_TOKEN, &error));
  g_assert_no_error (error);

  g_assert_true (crm_credentials_clear (server, "sam", &error));
  g_assert_no_error (error);
  g_assert_true (crm_credentials_clear (other, "riley", &error));
  g_assert_no_error (error);
  listing = secret_tool_search ();
  g_assert_false (listed (listing, server, "sam", "token"));
  g_assert_false (listed (listing, other, "riley", "token"));
}

/* Without a Secret Service every call says what to do, and no file
 * anywhere in the child's home holds what it tried to store */
static void
check_child (const char *mode)
{
  g_autofree char *home = NULL;
  g_autofree char *output = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);

  if (!have_program ("dbus-run-session"))
    {
      g_test_skip ("dbus-run-session is not installed");
      return;
    }
  output = run_child (mode, &home);
  g_assert_nonnull (strstr (output, "store: " NO_KEYRING_TEXT));
  g_assert_nonnull (strstr (output, "Start or unlock GNOME Keyring (or another Secret Service) and try again; nothing was stored."));
  g_assert_nonnull (strstr (output, "lookup: " NO_KEYRING_TEXT));
  g_assert_nonnull (strstr (output, "clear: " NO_KEYRING_TEXT));
  g_assert_nonnull (strstr (output, "forget: " NO_KEYRING_TEXT));

  collect_files (home, NULL, files);
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *path = g_build_filename (home, g_ptr_array_index (files, i), NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      g_test_message ("the child left %s", (char *) g_ptr_array_index (files, i));
      /* Only the keyring's own (encrypted) file may be there, when it ran */
      if (g_file_get_contents (path, &contents, &length, NULL))
        g_assert_null (g_strstr_len (contents, length, CHILD_SECRET));
      if (g_str_equal (mode, "no-keyring"))
        g_assert_not_reached ();
    }
  remove_tree (home);
}

static void
test_no_keyring (void)
{
  check_child ("no-keyring");
}

static void
test_locked (void)
{
  if (!have_program ("gnome-keyring-daemon"))
    {
      g_test_skip ("gnome-keyring-daemon is not installed");
      return;
    }
  check_child ("locked");
}

/* As the sync worker does: the client was made on another thread */
static gpointer
login_thread (gpointer data)
{
  CrmHttp *http = data;
  g_autofree char *token = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (crm_http_login (http, "riley", "demo", &token, NULL, NULL, &error));
  g_assert_no_error (error);
  return GINT_TO_POINTER (token != NULL && *token != '\0');
}

static void
test_http_login (void)
{
  g_autoptr(Server) server = NULL;
  g_autoptr(CrmHttp) http = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(JsonNode) listing = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *token = NULL;
  g_autofree char *user_id = NULL;
  g_autofree char *expires_at = NULL;
  g_autofree char *retry_after = NULL;
  g_autofree char *peer = NULL;
  guint status = 0;

  if (skip_without_server ())
    return;
  server = server_start (NULL, NULL);
  g_assert_true (g_str_has_prefix (server->url, "http://127.0.0.1:"));

  /* The URL as the server prints it, with its trailing "/" */
  http = crm_http_new (server->url, NULL);
  g_assert_true (crm_http_login (http, "riley", "demo", &token, &user_id, &expires_at, &error));
  g_assert_no_error (error);
  g_assert_nonnull (token);
  g_assert_cmpuint (strlen (token), >=, 16);
  g_assert_nonnull (user_id);
  g_assert_cmpstr (user_id, !=, "");
  g_assert_nonnull (expires_at);
  g_assert_true (g_str_has_suffix (expires_at, "Z"));

  /* The token works for requests, with a body and without */
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, "Keyring Test Corp");
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  created = crm_http_request (http, "POST", "/api/v1/accounts", token, body, &status, &retry_after, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 201);
  g_assert_null (retry_after);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (created));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (created), "name"), ==,
                   "Keyring Test Corp");

  listing = crm_http_request (http, "GET", "/api/v1/accounts?limit=5", token, NULL, &status, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (listing));

  /* From worker threads, two at once on the same client */
  {
    GThread *threads[2];

    for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
      threads[i] = g_thread_new ("login", login_thread, http);
    for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
      g_assert_true (GPOINTER_TO_INT (g_thread_join (threads[i])));
  }

  /* Plain http:// has no certificate */
  peer = crm_http_dup_peer_fingerprint (http);
  g_assert_null (peer);
}

static void
test_http_errors (void)
{
  g_autoptr(Server) server = NULL;
  g_autoptr(CrmHttp) http = NULL;
  g_autoptr(CrmHttp) nowhere = NULL;
  g_autoptr(CrmHttp) bad = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autofree char *token = NULL;
  g_autofree char *closed_url = NULL;
  g_autofree char *retry_after = NULL;
  guint status = 0;

  if (skip_without_server ())
    return;
  server = server_start (NULL, NULL);
  http = crm_http_new (server->url, NULL);

  /* A wrong password and an unknown user read the same */
  g_assert_false (crm_http_login (http, "riley", "not-the-password", &token, NULL, NULL, &error));
  g_assert_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (error->message, ==, "Wrong user name or password");
  g_assert_null (token);
  g_clear_error (&error);
  g_assert_false (crm_http_login (http, "nobody", "demo", &token, NULL, NULL, &error));
  g_assert_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_UNAUTHORIZED);
  g_clear_error (&error);

  /* A token the server does not know is a 401 too, with its message */
  reply = crm_http_request (http, "GET", "/api/v1/accounts", "not-a-token", NULL, &status, NULL, &error);
  g_assert_null (reply);
  g_assert_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_UNAUTHORIZED);
  g_assert_cmpuint (status, ==, 401);
  g_assert_cmpstr (error->message, !=, "");
  g_clear_error (&error);

  /* Other statuses carry the server's message */
  g_assert_true (crm_http_login (http, "riley", "demo", &token, NULL, NULL, &error));
  g_assert_no_error (error);
  reply = crm_http_request (http, "GET", "/api/v1/accounts/00000000-0000-4000-8000-000000000000", token,
                            NULL, &status, NULL, &error);
  g_assert_null (reply);
  g_assert_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_HTTP);
  g_assert_cmpuint (status, ==, 404);
  g_assert_nonnull (strstr (error->message, "00000000-0000-4000-8000-000000000000"));
  g_clear_error (&error);

  /* Nothing listening: NETWORK, naming the server */
  closed_url = g_strdup_printf ("http://127.0.0.1:%u", closed_port ());
  nowhere = crm_http_new (closed_url, NULL);
  g_clear_pointer (&token, g_free);
  g_assert_false (crm_http_login (nowhere, "riley", "demo", &token, NULL, NULL, &error));
  g_assert_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, closed_url));
  g_assert_null (token);
  g_clear_error (&error);
  reply = crm_http_request (nowhere, "GET", "/api/v1/health", NULL, NULL, &status, &retry_after, &error);
  g_assert_null (reply);
  g_assert_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_NETWORK);
  g_assert_cmpuint (status, ==, 0);
  g_assert_null (retry_after);
  g_clear_error (&error);

  /* Unusable settings fail every request, saying why */
  bad = crm_http_new ("ftp://example.com", NULL);
  reply = crm_http_request (bad, "GET", "/api/v1/health", NULL, NULL, &status, NULL, &error);
  g_assert_null (reply);
  g_assert_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_object (&bad);
  bad = crm_http_new ("https://user:secret@example.com", NULL);
  reply = crm_http_request (bad, "GET", "/api/v1/health", NULL, NULL, &status, NULL, &error);
  g_assert_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_INVALID);
  g_assert_null (strstr (error->message, "secret"));
  g_clear_error (&error);
  g_clear_object (&bad);
  bad = crm_http_new (server->url, "AB:CD");
  reply = crm_http_request (bad, "GET", "/api/v1/health", NULL, NULL, &status, NULL, &error);
  g_assert_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_INVALID);
  g_clear_error (&error);
}

static char *
json_reply (const char *status,
            const char *headers,
            const char *body)
{
  return g_strdup_printf ("HTTP/1.1 %s\r\n%sContent-Type: application/json\r\nContent-Length: %zu\r\n"
                          "Connection: close\r\n\r\n%s", status, headers, strlen (body), body);
}

/* What a good server never sends */
static void
test_http_bad_replies (void)
{
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autofree char *deep_reply = NULL;
  g_autofree char *throttled = NULL;
  g_autofree char *url = NULL;
  g_autoptr(CrmHttp) http = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *retry_after = NULL;
  JsonNode *reply;
  Canned *canned;
  guint status;
  const char *replies[] = {
    /* not JSON */
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 8\r\nConnection: close\r\n\r\n{\"token\"",
    /* cut off: fewer bytes than announced */
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"token\": \"abc",
    /* not HTTP at all */
    "SSH-2.0-OpenSSH_9.2\r\n",
    /* throttled */
    NULL,
    /* a redirect, which must not be followed with the password */
    "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://elsewhere.invalid/api/v1/auth/token\r\n"
    "Content-Length: 0\r\nConnection: close\r\n\r\n",
    /* empty success */
    "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n",
    /* nested deeper than any document Crm exchanges */
    NULL,
    NULL,
  };

  throttled = json_reply ("429 Too Many Requests", "Retry-After: 7\r\n",
                          "{\"error\":{\"code\":\"too_many_requests\",\"message\":\"Slow down please\"}}");
  replies[3] = throttled;
  for (guint i = 0; i < 10000; i++)
    g_string_append_c (deep, '[');
  deep_reply = json_reply ("200 OK", "", deep->str);
  replies[6] = deep_reply;

  canned = canned_start (replies);
  url = g_strdup_printf ("http://127.0.0.1:%u", canned->port);
  http = crm_http_new (url, NULL);

  reply = crm_http_request (http, "GET", "/api/v1/health", NULL, NULL, &status, NULL, &error);
  g_assert_null (reply);
  g_assert_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, url));
  g_assert_cmpuint (status, ==, 200);
  g_clear_error (&error);

  reply = crm_http_request (http, "GET", "/api/v1/health", NULL, NULL, &status, NULL, &error);
  g_assert_null (reply);
  g_assert_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_BAD_RESPONSE);
  g_clear_error (&error);

  reply = crm_http_request (http, "GET", "/api/v1/health", NULL, NULL, &status, NULL, &error);
  g_assert_null (reply);
  g_assert_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_BAD_RESPONSE);
  g_assert_cmpuint (status, ==, 0);
  g_clear_error (&error);

  reply = crm_http_request (http, "POST", "/api/v1/sync/push", "some-token", NULL, &status, &retry_after, &error);
  g_assert_null (reply);
  g_assert_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_HTTP);
  g_assert_cmpstr (error->message, ==, "Slow down please");
  g_assert_cmpuint (status, ==, 429);
  g_assert_cmpstr (retry_after, ==, "7");
  g_clear_error (&error);

  {
    g_autofree char *token = NULL;

    g_assert_false (crm_http_login (http, "riley", "demo", &token, NULL, NULL, &error));
    g_assert_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_HTTP);
    g_assert_nonnull (strstr (error->message, "http://elsewhere.invalid/"));
    g_assert_null (token);
    g_clear_error (&error);
  }

  reply = crm_http_request (http, "DELETE", "/api/v1/accounts/x", "some-token", NULL, &status, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 204);
  g_assert_true (JSON_NODE_HOLDS_NULL (reply));
  json_node_unref (reply);

  reply = crm_http_request (http, "GET", "/api/v1/sync/pull", "some-token", NULL, &status, NULL, &error);
  g_assert_null (reply);
  g_assert_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_BAD_RESPONSE);
  g_clear_error (&error);

  canned_finish (canned);
}

static void
test_fingerprint_format (void)
{
  const char *canonical = "0F:1E:2D:3C:4B:5A:69:78:87:96:A5:B4:C3:D2:E1:F0:"
                          "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
  const char *spellings[] = {
    "0F:1E:2D:3C:4B:5A:69:78:87:96:A5:B4:C3:D2:E1:F0:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF",
    "0f1e2d3c4b5a69788796a5b4c3d2e1f000112233445566778899aabbccddeeff",
    "sha256 Fingerprint=0F:1E:2D:3C:4B:5A:69:78:87:96:A5:B4:C3:D2:E1:F0:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF",
    "SHA256:0f1e2d3c4b5a69788796a5b4c3d2e1f000112233445566778899aabbccddeeff",
    " 0f:1e:2d:3c:4b:5a:69:78:87:96:a5:b4:c3:d2:e1:f0:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff\n",
  };
  const char *wrong[] = {
    "",
    "0F:1E",
    "0f1e2d3c4b5a69788796a5b4c3d2e1f000112233445566778899aabbccddeeff00",
    "0f1e2d3c4b5a69788796a5b4c3d2e1f000112233445566778899aabbccddeefg",
    "0:F1E2D3C4B5A69788796A5B4C3D2E1F000112233445566778899AABBCCDDEEFF",
  };

  for (guint i = 0; i < G_N_ELEMENTS (spellings); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *normal = crm_http_normalize_fingerprint (spellings[i], &error);

      g_assert_no_error (error);
      g_assert_cmpstr (normal, ==, canonical);
    }
  for (guint i = 0; i < G_N_ELEMENTS (wrong); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *normal = crm_http_normalize_fingerprint (wrong[i], &error);

      g_assert_null (normal);
      g_assert_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_INVALID);
    }
}

static void
test_tls_pinning (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *openssl_out = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *token = NULL;
  g_autofree char *peer = NULL;
  g_autofree char *wrong = NULL;
  g_autofree char *lowercase = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(Server) server = NULL;
  g_autoptr(CrmHttp) strict = NULL;
  g_autoptr(CrmHttp) pinned = NULL;
  g_autoptr(CrmHttp) relaxed = NULL;
  g_autoptr(CrmHttp) mismatched = NULL;
  g_autoptr(JsonNode) reply = NULL;
  guint status;

  if (skip_without_server ())
    return;
  if (!have_program ("openssl"))
    {
      g_test_skip ("openssl is not installed");
      return;
    }

  dir = g_dir_make_tmp ("crm-test-tls-XXXXXX", &error);
  g_assert_no_error (error);
  cert = g_build_filename (dir, "cert.pem", NULL);
  key = g_build_filename (dir, "key.pem", NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  {
    const char * const make[] = { "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                                  "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                                  "-addext", "subjectAltName=IP:127.0.0.1", NULL };
    const char * const show[] = { "openssl", "x509", "-in", cert, "-noout", "-fingerprint", "-sha256", NULL };
    g_autofree char *ignored = NULL;

    g_assert_cmpint (run_capture (launcher, make, &ignored), ==, 0);
    g_assert_cmpint (run_capture (launcher, show, &openssl_out), ==, 0);
  }
  /* "sha256 Fingerprint=AB:CD:…" */
  g_assert_nonnull (strchr (openssl_out, '='));
  fingerprint = g_strstrip (g_strdup (strchr (openssl_out, '=') + 1));
  g_assert_cmpuint (strlen (fingerprint), ==, 95);

  server = server_start (cert, key);
  g_assert_true (g_str_has_prefix (server->url, "https://127.0.0.1:"));

  /* Not trusted: the message gives the fingerprint and what to do */
  strict = crm_http_new (server->url, NULL);
  g_assert_false (crm_http_login (strict, "riley", "demo", &token, NULL, NULL, &error));
  g_assert_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_TLS_UNTRUSTED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, fingerprint));
  g_assert_nonnull (strstr (error->message, "--trust-fingerprint"));
  g_assert_null (token);
  peer = crm_http_dup_peer_fingerprint (strict);
  g_assert_cmpstr (peer, ==, fingerprint);
  g_clear_pointer (&peer, g_free);
  g_clear_error (&error);

  /* Pinned, as openssl prints it: login and requests work */
  pinned = crm_http_new (server->url, openssl_out);
  g_assert_true (crm_http_login (pinned, "riley", "demo", &token, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (token);
  reply = crm_http_request (pinned, "GET", "/api/v1/health", NULL, NULL, &status, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 200);
  peer = crm_http_dup_peer_fingerprint (pinned);
  g_assert_cmpstr (peer, ==, fingerprint);
  g_clear_pointer (&peer, g_free);
  g_clear_pointer (&token, g_free);

  /* Any spelling of the same fingerprint */
  lowercase = g_ascii_strdown (fingerprint, -1);
  relaxed = crm_http_new (server->url, lowercase);
  g_assert_true (crm_http_login (relaxed, "riley", "demo", &token, NULL, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&token, g_free);

  /* Another fingerprint is refused, and the message names the real one */
  wrong = g_strdup (fingerprint);
  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
  mismatched = crm_http_new (server->url, wrong);
  g_assert_false (crm_http_login (mismatched, "riley", "demo", &token, NULL, NULL, &error));
  g_assert_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_TLS_UNTRUSTED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, fingerprint));
  g_assert_null (token);
  g_clear_error (&error);

  g_clear_pointer (&server, server_stop);
  g_unlink (cert);
  g_unlink (key);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  const char *child = g_getenv (CHILD_ENV);

  if (child != NULL)
    {
      if (g_str_equal (child, "no-keyring"))
        return child_no_keyring ();
      if (g_str_equal (child, "locked"))
        return child_locked ();
      g_error ("Unknown %s=%s", CHILD_ENV, child);
    }

  self_path = g_file_read_link ("/proc/self/exe", NULL);
  if (self_path == NULL)
    self_path = g_canonicalize_filename (argv[0], NULL);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/credentials/store-lookup-clear", test_store_lookup_clear);
  g_test_add_func ("/credentials/no-keyring", test_no_keyring);
  g_test_add_func ("/credentials/locked", test_locked);
  g_test_add_func ("/http/login", test_http_login);
  g_test_add_func ("/http/errors", test_http_errors);
  g_test_add_func ("/http/bad-replies", test_http_bad_replies);
  g_test_add_func ("/http/fingerprint-format", test_fingerprint_format);
  g_test_add_func ("/http/tls-pinning", test_tls_pinning);

  return g_test_run ();
}
