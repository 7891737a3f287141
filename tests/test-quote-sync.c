/* test-quote-sync.c: quotes offline and back, against a real crm-server
 *
 * Each case starts its own crm-server --demo on loopback (riley and sam
 * are reps under morgan; every password is "demo"), builds quotes with
 * crm-cli in profiles of their own while the server is down, syncs, and
 * checks what the server holds through its REST API: the totals the
 * client computed, the numbers that do not collide, the lifecycle the
 * server enforces, and a quote whose totals disagree being rejected.
 * The sign-in lives in the session's keyring: run inside
 * build-aux/test-session.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-test-quote-sync"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>
#include <string.h>

#include "crm-fault-proxy.h"
#include "crm-test-server.h"

static const char *cli_path;

typedef struct
{
  char          *root;
  CrmTestServer *server;
  /* Profiles sign in through it, so the server keeps one address when
   * it restarts on a new port */
  CrmFaultProxy *proxy;
  char          *admin_token;
} Env;

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

/* Helpers *************************************************************/

static void
run_free (Run *run)
{
  g_free (run->out);
  g_free (run->err);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

static void
env_free (Env *env)
{
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", env->root);

  g_clear_pointer (&env->proxy, crm_fault_proxy_free);
  g_clear_pointer (&env->server, crm_test_server_free);
  g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL);
  g_free (env->root);
  g_free (env->admin_token);
  g_free (env);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Env, env_free)

static Env *
env_new (void)
{
  g_autoptr(GError) error = NULL;
  Env *env;

  if (cli_path == NULL || !g_file_test (cli_path, G_FILE_TEST_IS_EXECUTABLE))
    g_error ("CRM_CLI must name the crm-cli binary to test; it is %s", cli_path ? cli_path : "not set");
  env = g_new0 (Env, 1);
  env->root = g_dir_make_tmp ("test-quote-sync-XXXXXX", &error);
  g_assert_no_error (error);
  env->server = crm_test_server_new (TRUE);
  env->admin_token = crm_test_server_login (env->server, "admin", "demo");
  env->proxy = crm_fault_proxy_new (crm_test_server_get_url (env->server), 1, 0.0);
  return env;
}

static void
server_down (Env *env)
{
  crm_test_server_stop (env->server);
  crm_fault_proxy_set_upstream (env->proxy, NULL);
}

static void
server_up (Env *env)
{
  crm_test_server_start (env->server);
  crm_fault_proxy_set_upstream (env->proxy, crm_test_server_get_url (env->server));
}

static char *
profile_db (Env        *env,
            const char *profile)
{
  return g_build_filename (env->root, profile, "default", "crm.db", NULL);
}

/* crm-cli --data-dir ROOT/PROFILE ARGS…, with @input on stdin */
static Run *
cli_runv (Env                *env,
          const char         *profile,
          const char         *input,
          const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  Run *run = g_new0 (Run, 1);

  g_ptr_array_add (argv, g_strdup (cli_path));
  g_ptr_array_add (argv, g_strdup ("--data-dir"));
  g_ptr_array_add (argv, g_build_filename (env->root, profile, NULL));
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_unsetenv (launcher, "CRM_DATA_DIR");
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_setenv (launcher, "CRM_SYNC_RETRY_BASE_MS", "5", TRUE);
  g_subprocess_launcher_setenv (launcher, "CRM_SYNC_MAX_ATTEMPTS", "2", TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  run->status = g_subprocess_get_exit_status (process);
  if (run->out == NULL)
    run->out = g_strdup ("");
  if (run->err == NULL)
    run->err = g_strdup ("");
  line = g_strjoinv (" ", (char **) argv->pdata);
  g_test_message ("%s: exit %d %s", line, run->status, run->err);
  return run;
}

static Run *
cli (Env        *env,
     const char *profile,
     const char *first,
     ...) G_GNUC_NULL_TERMINATED;

static Run *
cli (Env        *env,
     const char *profile,
     const char *first,
     ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  va_start (ap, first);
  for (const char *arg = first; arg; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  return cli_runv (env, profile, NULL, (const char * const *) args->pdata);
}

/* A command that must succeed; its stdout, stripped */
#define CLI_OK(env, profile, ...) cli_ok (cli (env, profile, __VA_ARGS__, NULL))

static char *
cli_ok (Run *run)
{
  g_autoptr(Run) owned = run;

  g_assert_cmpint (owned->status, ==, 0);
  return g_strstrip (g_steal_pointer (&owned->out));
}

static void
login (Env        *env,
       const char *profile,
       const char *user)
{
  const char *args[] = { "login", "--server", crm_fault_proxy_get_url (env->proxy), "--user", user, NULL };
  g_autoptr(Run) run = cli_runv (env, profile, "demo\n", args);

  g_assert_cmpstr (run->err, ==, "");
  g_assert_cmpint (run->status, ==, 0);
}

/* One sync that must succeed; returns how many changes were rejected */
static guint
sync_profile (Env        *env,
              const char *profile)
{
  g_autofree char *out = CLI_OK (env, profile, "sync", "--json");
  g_autoptr(JsonNode) node = json_from_string (out, NULL);

  g_assert_nonnull (node);
  return (guint) json_object_get_int_member (json_node_get_object (node), "rejected");
}

static JsonObject *
local_quote (Env        *env,
             const char *profile,
             const char *id)
{
  g_autofree char *out = CLI_OK (env, profile, "show", "quotes", id, "--json");
  g_autoptr(JsonNode) node = json_from_string (out, NULL);

  g_assert_nonnull (node);
  return json_object_ref (json_node_get_object (node));
}

static JsonObject *
server_quote (Env        *env,
              const char *id)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/quotes/%s", id);
  g_autoptr(CrmTestResponse) response = crm_test_server_request (env->server, "GET", path,
                                                                 env->admin_token, NULL, NULL);

  g_assert_cmpuint (response->status, ==, 200);
  return json_object_ref (crm_test_response_object (response));
}

static void
exec_sql (const char *path,
          const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

/* Cases ***************************************************************/

/* A quote built while the server is down keeps its number and totals and
 * reaches the server as it was made; another rep's numbers never collide
 * with it; a manager's profile pulls it back with the same figures. */
static void
test_offline_round_trip (void)
{
  g_autoptr(Env) env = env_new ();
  g_autoptr(JsonObject) local = NULL;
  g_autoptr(JsonObject) remote = NULL;
  g_autoptr(JsonObject) pulled = NULL;
  g_autoptr(JsonObject) other = NULL;
  g_autofree char *quote = NULL;
  g_autofree char *sams = NULL;
  g_autofree char *revised = NULL;
  g_autofree char *out = NULL;

  login (env, "riley", "riley");
  login (env, "sam", "sam");
  login (env, "morgan", "morgan");
  sync_profile (env, "riley");
  sync_profile (env, "sam");

  /* The hotel room: no server */
  server_down (env);
  quote = CLI_OK (env, "riley", "quote", "create", "currency=EUR", "valid_until=2099-12-31", "terms=30 days net");
  g_free (CLI_OK (env, "riley", "quote", "add-line", quote, "product=CRM-SEAT", "quantity=12", "discount_percent=10"));
  g_free (CLI_OK (env, "riley", "quote", "add-line", quote, "description=Onboarding, remote", "quantity=2.5",
                  "unit_price=1100.00", "tax_rate=19"));
  g_free (CLI_OK (env, "riley", "quote", "add-line", quote, "description=Travel", "quantity=1",
                  "unit_price=333.33", "tax_rate=7"));
  g_free (CLI_OK (env, "riley", "update", "quotes", quote, "discount_amount=100.00", "shipping=25.00",
                  "shipping_tax_rate=19"));
  g_free (CLI_OK (env, "riley", "quote", "send", quote));
  sams = CLI_OK (env, "sam", "quote", "create", "currency=EUR");

  local = local_quote (env, "riley", quote);
  /* 12 × 240 × 0.9 = 2592.00; 2750.00; 333.33; subtotal 5675.33. 100.00
   * spread: 7 % first, 100 × 333.33 / 5675.33 = 5.87, 19 % 94.13; bases
   * 327.46 and 5247.87 + 25.00 = 5272.87; taxes 22.92 and 1001.85 =
   * 1024.77; 5675.33 − 100.00 + 25.00 + 1024.77 = 6625.10 */
  g_assert_cmpstr (json_object_get_string_member (local, "number"), ==, "Q-RILEY-0001");
  g_assert_cmpstr (json_object_get_string_member (local, "status"), ==, "sent");
  g_assert_cmpstr (json_object_get_string_member (local, "subtotal"), ==, "5675.33");
  g_assert_cmpstr (json_object_get_string_member (local, "discount"), ==, "100.00");
  g_assert_cmpstr (json_object_get_string_member (local, "shipping"), ==, "25.00");
  g_assert_cmpstr (json_object_get_string_member (local, "tax"), ==, "1024.77");
  g_assert_cmpstr (json_object_get_string_member (local, "total"), ==, "6625.10");
  other = local_quote (env, "sam", sams);
  g_assert_cmpstr (json_object_get_string_member (other, "number"), ==, "Q-SAM-0001");

  /* Back online */
  server_up (env);
  g_assert_cmpuint (sync_profile (env, "riley"), ==, 0);
  g_assert_cmpuint (sync_profile (env, "sam"), ==, 0);
  remote = server_quote (env, quote);
  for (const char * const *f = (const char * const[]) { "number", "status", "subtotal", "discount", "shipping",
                                                        "tax", "total", "rounding", "tax_mode", NULL }; *f; f++)
    g_assert_cmpstr (json_object_get_string_member (remote, *f), ==, json_object_get_string_member (local, *f));
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (remote, "lines")), ==, 3);

  /* The manager sees it as it was sent */
  sync_profile (env, "morgan");
  pulled = local_quote (env, "morgan", quote);
  g_assert_cmpstr (json_object_get_string_member (pulled, "total"), ==, "6625.10");

  /* The customer called: a revision, offline again, then accepted */
  server_down (env);
  revised = CLI_OK (env, "riley", "quote", "revise", quote);
  g_free (CLI_OK (env, "riley", "quote", "remove-line", revised, "3"));
  g_free (CLI_OK (env, "riley", "quote", "send", revised));
  g_free (CLI_OK (env, "riley", "quote", "accept", revised));
  server_up (env);
  g_assert_cmpuint (sync_profile (env, "riley"), ==, 0);
  {
    g_autoptr(JsonObject) second = server_quote (env, revised);
    g_autoptr(JsonObject) first = server_quote (env, quote);

    g_assert_cmpstr (json_object_get_string_member (second, "number"), ==, "Q-RILEY-0001");
    g_assert_cmpint (json_object_get_int_member (second, "revision"), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (second, "status"), ==, "accepted");
    g_assert_cmpstr (json_object_get_string_member (second, "previous_id"), ==, quote);
    /* 5342.00 − 100.00 + 25.00 + 19 % of 5267.00 (1000.73) */
    g_assert_cmpstr (json_object_get_string_member (second, "total"), ==, "6267.73");
    g_assert_cmpstr (json_object_get_string_member (first, "status"), ==, "sent");
  }
  out = CLI_OK (env, "riley", "status", "--json");
  g_assert_nonnull (strstr (out, "\"pending\" : 0"));
}

/* A quote whose totals were tampered with on the way is rejected, the
 * message naming the field, and stays in the outbox; the rest goes on. */
static void
test_rejects_wrong_totals (void)
{
  g_autoptr(Env) env = env_new ();
  g_autofree char *db = profile_db (env, "riley");
  g_autofree char *bad = NULL;
  g_autofree char *good = NULL;
  g_autofree char *outbox = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *path = NULL;

  login (env, "riley", "riley");
  sync_profile (env, "riley");
  bad = CLI_OK (env, "riley", "quote", "create", "currency=EUR");
  g_free (CLI_OK (env, "riley", "quote", "add-line", bad, "description=Seat", "quantity=3",
                  "unit_price=19.99", "tax_rate=19"));
  good = CLI_OK (env, "riley", "quote", "create", "currency=JPY");
  g_free (CLI_OK (env, "riley", "quote", "add-line", good, "description=Seat", "quantity=3",
                  "unit_price=1980", "tax_rate=10"));

  /* 59.97 + 11.39 = 71.36; the queued create says 71.37 */
  sql = g_strdup_printf ("UPDATE outbox SET fields = json_set (fields, '$.total.new', '71.37') "
                         "WHERE record_id = '%s'", bad);
  exec_sql (db, sql);
  g_assert_cmpuint (sync_profile (env, "riley"), ==, 1);

  outbox = CLI_OK (env, "riley", "outbox", "--json");
  g_assert_nonnull (strstr (outbox, bad));
  g_assert_nonnull (strstr (outbox, "total: 71.37 disagrees with the quote’s lines, which make 71.36"));
  g_assert_null (strstr (outbox, good));

  path = g_strdup_printf ("/api/v1/quotes/%s", bad);
  {
    g_autoptr(CrmTestResponse) missing = crm_test_server_request (env->server, "GET", path,
                                                                  env->admin_token, NULL, NULL);
    g_autoptr(JsonObject) kept = server_quote (env, good);

    g_assert_cmpuint (missing->status, ==, 404);
    g_assert_cmpstr (json_object_get_string_member (kept, "total"), ==, "6534");
  }
}

/* The server keeps a sent quote as it was sent, whoever asks */
static void
test_server_lifecycle (void)
{
  g_autoptr(Env) env = env_new ();
  g_autofree char *token = crm_test_server_login (env->server, "riley", "demo");
  g_autofree char *id = NULL;
  g_autofree char *path = NULL;
  g_autofree char *etag = NULL;
  const char *body =
    "{\"number\":\"Q-API-0001\",\"currency\":\"EUR\",\"status\":\"sent\","
    "\"lines\":[{\"quantity\":\"2\",\"unit_price\":\"10.00\",\"tax_rate\":\"19\"}],"
    "\"subtotal\":\"20.00\",\"discount\":\"0.00\",\"tax\":\"3.80\",\"total\":\"23.80\"}";

  {
    g_autoptr(CrmTestResponse) created = crm_test_server_request (env->server, "POST", "/api/v1/quotes",
                                                                  token, body, NULL);
    g_assert_cmpuint (created->status, ==, 201);
    id = g_strdup (json_object_get_string_member (crm_test_response_object (created), "id"));
  }
  path = g_strdup_printf ("/api/v1/quotes/%s", id);

  /* Changing a sent quote's lines is refused, naming the field */
  {
    g_autoptr(CrmTestResponse) refused = crm_test_server_request (
      env->server, "PATCH", path, token,
      "{\"lines\":[{\"quantity\":\"3\",\"unit_price\":\"10.00\",\"tax_rate\":\"19\"}],"
      "\"subtotal\":\"30.00\",\"tax\":\"5.70\",\"total\":\"35.70\"}",
      "If-Match", "\"1\"", NULL);
    JsonObject *error;

    g_assert_cmpuint (refused->status, ==, 422);
    error = json_object_get_object_member (crm_test_response_object (refused), "error");
    g_assert_true (g_str_has_prefix (json_object_get_string_member (error, "message"), "lines: "));
  }
  /* Sent → draft is no way back */
  {
    g_autoptr(CrmTestResponse) refused = crm_test_server_request (env->server, "PATCH", path, token,
                                                                  "{\"status\":\"draft\"}", "If-Match", "\"1\"", NULL);
    g_assert_cmpuint (refused->status, ==, 422);
  }
  /* Sent → accepted is */
  {
    g_autoptr(CrmTestResponse) accepted = crm_test_server_request (env->server, "PATCH", path, token,
                                                                   "{\"status\":\"accepted\"}", "If-Match", "\"1\"", NULL);
    g_assert_cmpuint (accepted->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (crm_test_response_object (accepted), "status"), ==, "accepted");
  }
  /* A quote made without totals (a plain API client) is given them */
  {
    g_autoptr(CrmTestResponse) created = crm_test_server_request (
      env->server, "POST", "/api/v1/quotes", token,
      "{\"number\":\"Q-API-0002\",\"currency\":\"KWD\",\"lines\":[{\"quantity\":\"2\",\"unit_price\":\"1.2345\","
      "\"tax_rate\":\"5\"}]}", NULL);
    JsonObject *record;

    g_assert_cmpuint (created->status, ==, 201);
    record = crm_test_response_object (created);
    g_assert_cmpstr (json_object_get_string_member (record, "subtotal"), ==, "2.469");
    g_assert_cmpstr (json_object_get_string_member (record, "tax"), ==, "0.123");
    g_assert_cmpstr (json_object_get_string_member (record, "total"), ==, "2.592");
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  cli_path = g_getenv ("CRM_CLI");

  g_test_add_func ("/quote-sync/offline-round-trip", test_offline_round_trip);
  g_test_add_func ("/quote-sync/rejects-wrong-totals", test_rejects_wrong_totals);
  g_test_add_func ("/quote-sync/server-lifecycle", test_server_lifecycle);
  return g_test_run ();
}
