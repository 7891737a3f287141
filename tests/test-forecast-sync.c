/* test-forecast-sync.c: the team forecast end to end, against a real
 * crm-server --demo on loopback
 *
 * morgan (a manager under vic, with riley and sam reporting to them) and
 * vic log in with crm-cli and sync. morgan's forecast rolls up riley's
 * and sam's deals; morgan adjusts riley's commit, is refused adjusting
 * vic's, and submits; after both sync the adjustment is on the server and
 * in vic's rollup, and vic sees morgan's submission. The server refuses
 * an adjustment signed in someone else's name or of one's own manager,
 * and signs an unsigned one. Sign-ins live in the
 * session's keyring: run inside build-aux/test-session.
 *
 * $CRM_CLI and $CRM_SERVER name the binaries.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-test-forecast-sync"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "crm-test-server.h"

typedef struct
{
  CrmTestServer       *server;
  GSubprocessLauncher *launcher;
  char                *root;
} Env;

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static void
remove_tree (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileEnumerator) children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                                                   G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  GFileInfo *info;

  while (children && (info = g_file_enumerator_next_file (children, NULL, NULL)))
    {
      g_autofree char *child = g_build_filename (path, g_file_info_get_name (info), NULL);

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        remove_tree (child);
      else
        g_unlink (child);
      g_object_unref (info);
    }
  g_rmdir (path);
}

static void
env_free (Env *env)
{
  g_clear_pointer (&env->server, crm_test_server_free);
  g_clear_object (&env->launcher);
  remove_tree (env->root);
  g_free (env->root);
  g_free (env);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Env, env_free)

static Env *
env_new (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *xdg = NULL;
  Env *env = g_new0 (Env, 1);

  env->root = g_dir_make_tmp ("test-forecast-sync-XXXXXX", &error);
  g_assert_no_error (error);
  xdg = g_build_filename (env->root, "xdg-data", NULL);
  env->launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                             G_SUBPROCESS_FLAGS_STDERR_PIPE);
  /* Nothing may reach the profiles of whoever runs the tests */
  g_subprocess_launcher_unsetenv (env->launcher, "CRM_DATA_DIR");
  g_subprocess_launcher_setenv (env->launcher, "XDG_DATA_HOME", xdg, TRUE);
  g_subprocess_launcher_setenv (env->launcher, "LC_ALL", "C.UTF-8", TRUE);
  env->server = crm_test_server_new (TRUE);
  return env;
}

/* crm-cli with the profile folder of @profile */
static void
cli (Env                *env,
     Run                *run,
     const char         *profile,
     const char         *input,
     const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  const char *path = g_getenv ("CRM_CLI");

  if (path == NULL || !g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    g_error ("CRM_CLI must name the crm-cli binary to test");
  g_ptr_array_add (argv, g_strdup (path));
  g_ptr_array_add (argv, g_strdup ("--data-dir"));
  g_ptr_array_add (argv, g_build_filename (env->root, profile, NULL));
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  line = g_strjoinv (" ", (char **) argv->pdata);
  process = g_subprocess_launcher_spawnv (env->launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  run->status = g_subprocess_get_exit_status (process);
  g_test_message ("%s: exit %d %s", line, run->status, run->err ? run->err : "");
}

static void
cli_ok (Env                *env,
        const char         *profile,
        const char * const *args)
{
  g_auto(Run) run = { 0 };

  cli (env, &run, profile, NULL, args);
  g_assert_cmpint (run.status, ==, 0);
}

static JsonObject *
cli_json (Env                *env,
          const char         *profile,
          const char * const *args)
{
  g_auto(Run) run = { 0 };
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  cli (env, &run, profile, NULL, args);
  g_assert_cmpint (run.status, ==, 0);
  node = json_from_string (run.out, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

static void
login (Env        *env,
       const char *user)
{
  g_auto(Run) run = { 0 };

  cli (env, &run, user, "demo\n", (const char * const[]) {
    "login", "--server", crm_test_server_get_url (env->server), "--user", user, NULL });
  /* Needs the Secret Service of build-aux/test-session */
  g_assert_cmpint (run.status, ==, 0);
  cli_ok (env, user, (const char * const[]) { "sync", NULL });
}

static JsonObject *
find_row (JsonObject *forecast,
          const char *user_name)
{
  JsonArray *rows = json_object_get_array_member (forecast, "rows");

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);

      if (g_strcmp0 (json_object_get_string_member (row, "user"), user_name) == 0)
        return row;
    }
  g_error ("No row of %s", user_name);
}

static const char *
member (JsonObject *object,
        const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);
  guint last = g_strv_length (parts) - 1;

  for (guint i = 0; i < last; i++)
    object = json_object_get_object_member (object, parts[i]);
  return json_object_get_string_member (object, parts[last]);
}

/* "12.30" as minor units, for sums */
static gint64
minor (const char *amount)
{
  g_auto(GStrv) parts = g_strsplit (amount, ".", 2);
  gboolean negative = parts[0][0] == '-';
  gint64 units = g_ascii_strtoll (parts[0], NULL, 10);
  gint64 cents = g_ascii_strtoll (parts[1], NULL, 10);

  g_assert_cmpuint (strlen (parts[1]), ==, 2);
  return units * 100 + (negative ? -cents : cents);
}

/* The id of the user called @name, from @profile's store */
static char *
user_id (Env        *env,
         const char *profile,
         const char *name)
{
  g_auto(Run) run = { 0 };
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *users;

  cli (env, &run, profile, NULL, (const char * const[]) { "list", "users", "--json", NULL });
  g_assert_cmpint (run.status, ==, 0);
  node = json_from_string (run.out, &error);
  g_assert_no_error (error);
  users = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);

      if (g_strcmp0 (json_object_get_string_member (user, "name"), name) == 0)
        return g_strdup (json_object_get_string_member (user, "id"));
    }
  g_error ("No user %s", name);
}

/* Pushes an adjustment of @user_id's commit straight to the server, signed
 * by @author_id (or unsigned); returns the result's status */
static const char *
push_adjustment (Env        *env,
                 const char *token,
                 const char *user_id,
                 const char *period,
                 const char *author_id)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *author = author_id ? g_strdup_printf (",\"author_id\":{\"new\":\"%s\"}", author_id) : g_strdup ("");
  g_autofree char *body = g_strdup_printf ("{\"client_id\":\"test\",\"mutations\":[{\"mutation_id\":\"%s\","
                                           "\"entity\":\"forecast_adjustments\",\"id\":\"%s\",\"op\":\"create\","
                                           "\"base_version\":0,\"fields\":{\"user_id\":{\"new\":\"%s\"},"
                                           "\"period\":{\"new\":\"%s\"},\"category\":{\"new\":\"commit\"},"
                                           "\"amount\":{\"new\":\"99999.00\"},\"currency\":{\"new\":\"EUR\"},"
                                           "\"note\":{\"new\":\"Pushed\"}%s}}]}",
                                           id, id, user_id, period, author);
  g_autoptr(CrmTestResponse) response = crm_test_server_request (env->server, "POST", "/api/v1/sync/push",
                                                                 token, body, NULL);
  JsonObject *result;
  static char status[16];

  g_assert_cmpuint (response->status, ==, 200);
  result = json_array_get_object_element (json_object_get_array_member (crm_test_response_object (response),
                                                                        "results"), 0);
  g_strlcpy (status, json_object_get_string_member (result, "status"), sizeof status);
  return status;
}

static void
test_team (void)
{
  g_autoptr(Env) env = env_new ();
  g_autoptr(JsonObject) before = NULL;
  g_autoptr(JsonObject) riley_alone = NULL;
  g_autoptr(JsonObject) adjustment = NULL;
  g_autoptr(JsonObject) after = NULL;
  g_autoptr(JsonObject) vics = NULL;
  g_autoptr(JsonObject) changes = NULL;
  g_autoptr(CrmTestResponse) on_server = NULL;
  g_auto(Run) refused = { 0 };
  g_auto(Run) vic_text = { 0 };
  g_autofree char *path = NULL;
  g_autofree char *admin_token = NULL;
  g_autofree char *riley_token = NULL;
  g_autofree char *morgan_token = NULL;
  g_autofree char *vic_id = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
  JsonObject *server_record;
  const char *period;
  const char * const figures[] = { "quota", "closed", "commit", "best_case", "pipeline", "weighted", NULL };

  login (env, "morgan");
  login (env, "vic");

  /* morgan's team: a row for riley, one for sam, morgan's own, and the
   * total is their sum, figure by figure */
  before = cli_json (env, "morgan", (const char * const[]) { "forecast", "--json", NULL });
  period = member (before, "period");
  g_assert_cmpstr (member (before, "user"), ==, "Morgan Reyes");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (before, "rows")), ==, 3);
  for (guint i = 0; figures[i]; i++)
    {
      gint64 sum = minor (json_object_get_string_member (find_row (before, "Riley Chen"), figures[i])) +
                   minor (json_object_get_string_member (find_row (before, "Sam Okafor"), figures[i])) +
                   minor (json_object_get_string_member (find_row (before, "Morgan Reyes"), figures[i]));

      g_assert_cmpint (sum, ==, minor (json_object_get_string_member (json_object_get_object_member (before, "total"),
                                                                      figures[i])));
    }
  /* The demo gives riley and sam deals this quarter */
  g_assert_cmpint (minor (member (find_row (before, "Riley Chen"), "pipeline")) +
                   minor (member (find_row (before, "Riley Chen"), "closed")), >, 0);
  g_assert_cmpint (minor (member (find_row (before, "Sam Okafor"), "pipeline")) +
                   minor (member (find_row (before, "Sam Okafor"), "closed")), >, 0);
  /* riley's row is riley's own forecast */
  riley_alone = cli_json (env, "morgan", (const char * const[]) {
    "forecast", "--period", period, "--user", "riley", "--json", NULL });
  g_assert_cmpstr (member (riley_alone, "total.commit"), ==, member (find_row (before, "Riley Chen"), "commit"));
  g_assert_cmpstr (member (riley_alone, "total.best_case"), ==, member (find_row (before, "Riley Chen"), "best_case"));

  cli_ok (env, "morgan", (const char * const[]) { "forecast", "snapshot", NULL });

  /* morgan adjusts riley's commit; vic's is out of reach */
  adjustment = cli_json (env, "morgan", (const char * const[]) {
    "forecast", "adjust", "--period", period, "--user", "riley", "--commit", "12345.67",
    "--note", "Signed PO expected", "--json", NULL });
  cli (env, &refused, "morgan", NULL, (const char * const[]) {
    "forecast", "adjust", "--period", period, "--user", "vic", "--commit", "1", "--note", "No", NULL });
  g_assert_cmpint (refused.status, ==, 1);
  g_assert_nonnull (strstr (refused.err, "may not adjust the forecast of Vic Valdez"));

  after = cli_json (env, "morgan", (const char * const[]) { "forecast", "--period", period, "--json", NULL });
  g_assert_cmpstr (member (find_row (after, "Riley Chen"), "adjusted.commit"), ==, "12345.67");
  g_assert_cmpstr (member (find_row (after, "Riley Chen"), "commit"), ==, member (find_row (before, "Riley Chen"), "commit"));
  g_assert_cmpint (minor (member (after, "total.adjusted.commit")), ==,
                   minor (member (before, "total.adjusted.commit")) -
                   minor (member (find_row (before, "Riley Chen"), "adjusted.commit")) + 1234567);
  cli_ok (env, "morgan", (const char * const[]) { "forecast", "submit", "--period", period, NULL });
  cli_ok (env, "morgan", (const char * const[]) { "sync", NULL });

  /* On the server, signed by morgan */
  path = g_strdup_printf ("/api/v1/forecast_adjustments/%s", json_object_get_string_member (adjustment, "id"));
  admin_token = crm_test_server_login (env->server, "admin", "demo");
  on_server = crm_test_server_request (env->server, "GET", path, admin_token, NULL, NULL);
  g_assert_cmpuint (on_server->status, ==, 200);
  server_record = crm_test_response_object (on_server);
  if (json_object_has_member (server_record, "record"))
    server_record = json_object_get_object_member (server_record, "record");
  g_assert_cmpstr (json_object_get_string_member (server_record, "amount"), ==, "12345.67");
  g_assert_cmpstr (json_object_get_string_member (server_record, "author_id"), ==,
                   json_object_get_string_member (adjustment, "author_id"));
  g_assert_cmpstr (json_object_get_string_member (server_record, "note"), ==, "Signed PO expected");

  /* After vic syncs, morgan's row in vic's rollup carries it: the same
   * adjusted commit as morgan's own total */
  cli_ok (env, "vic", (const char * const[]) { "sync", NULL });
  vics = cli_json (env, "vic", (const char * const[]) { "forecast", "--period", period, "--json", NULL });
  g_assert_cmpstr (member (find_row (vics, "Morgan Reyes"), "adjusted.commit"), ==, member (after, "total.adjusted.commit"));
  g_assert_cmpstr (member (find_row (vics, "Morgan Reyes"), "commit"), ==, member (after, "total.commit"));
  cli (env, &vic_text, "vic", NULL, (const char * const[]) { "forecast", "--period", period, NULL });
  g_assert_cmpint (vic_text.status, ==, 0);
  g_assert_nonnull (strstr (vic_text.out, "Morgan Reyes submitted at "));

  /* What changed for morgan since the snapshot: nothing in the deals */
  changes = cli_json (env, "morgan", (const char * const[]) {
    "forecast", "changes", "--period", period, "--since", today, "--json", NULL });
  g_assert_cmpstr (member (changes, "net.pipeline"), ==, "0.00");

  /* The server holds the same rules: riley cannot sign an adjustment in
   * morgan's name, and morgan cannot adjust vic's forecast */
  riley_token = crm_test_server_login (env->server, "riley", "demo");
  g_assert_cmpstr (push_adjustment (env, riley_token, json_object_get_string_member (adjustment, "user_id"), period,
                                    json_object_get_string_member (adjustment, "author_id")), ==, "rejected");
  g_assert_cmpstr (push_adjustment (env, riley_token, json_object_get_string_member (adjustment, "user_id"), period,
                                    NULL), ==, "applied");
  morgan_token = crm_test_server_login (env->server, "morgan", "demo");
  vic_id = user_id (env, "vic", "Vic Valdez");
  g_assert_cmpstr (push_adjustment (env, morgan_token, vic_id, period, NULL), ==, "rejected");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/forecast-sync/team", test_team);
  return g_test_run ();
}
