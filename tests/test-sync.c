/* test-sync.c: crm-cli sync against a real crm-server on loopback
 *
 * Each case starts its own crm-server (the demo company: riley and sam are
 * reps under morgan, jordan a rep under taylor, admin sees everything; all
 * log in with "demo"), logs profiles in with crm-cli, edits records with
 * crm-cli, syncs with crm-cli, and checks what the server then holds
 * through its REST API. Profiles are data folders of their own; the
 * sign-in lives in the session's keyring, so run this inside a session
 * with an unlocked Secret Service (build-aux/test-session does that).
 *
 * $CRM_CLI and $CRM_SERVER name the binaries. Retries are made fast with
 * CRM_SYNC_RETRY_BASE_MS=5.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-test-sync"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "crm-fault-proxy.h"
#include "crm-test-server.h"

static const char *cli_path;

/* A server, and profiles in a temporary folder *************************/

typedef struct
{
  char                *root;
  GSubprocessLauncher *launcher;
  CrmTestServer       *server;
  char                *admin_token;
} SyncEnv;

typedef struct
{
  int   status;
  char *out;
  char *err;
} CliResult;

typedef struct
{
  guint pushed;
  guint pulled;
  guint conflicts;
  guint rejected;
} SyncCounts;

static void
remove_tree (GFile *file)
{
  g_autoptr(GFileEnumerator) children = NULL;
  g_autoptr(GError) error = NULL;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  if (children != NULL)
    {
      GFileInfo *info;
      GFile *child;

      while (g_file_enumerator_iterate (children, &info, &child, NULL, NULL) && info != NULL)
        remove_tree (child);
    }
  if (!g_file_delete (file, NULL, &error))
    g_warning ("Cannot remove %s: %s", g_file_peek_path (file), error->message);
}

static void
sync_env_free (SyncEnv *env)
{
  g_autoptr(GFile) root = g_file_new_for_path (env->root);

  g_clear_pointer (&env->server, crm_test_server_free);
  remove_tree (root);
  g_free (env->root);
  g_free (env->admin_token);
  g_clear_object (&env->launcher);
  g_free (env);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncEnv, sync_env_free)

static SyncEnv *
sync_env_new (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *xdg = NULL;
  SyncEnv *env;

  /* Checked here, not in main(), so that -l lists the cases without it */
  if (cli_path == NULL || !g_file_test (cli_path, G_FILE_TEST_IS_EXECUTABLE))
    g_error ("CRM_CLI must name the crm-cli binary to test; it is %s", cli_path ? cli_path : "not set");

  env = g_new0 (SyncEnv, 1);
  env->root = g_dir_make_tmp ("test-sync-XXXXXX", &error);
  g_assert_no_error (error);
  xdg = g_build_filename (env->root, "xdg-data", NULL);

  env->launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                             G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                             G_SUBPROCESS_FLAGS_STDERR_PIPE);
  /* Nothing may reach the profiles of whoever runs the tests */
  g_subprocess_launcher_unsetenv (env->launcher, "CRM_DATA_DIR");
  g_subprocess_launcher_setenv (env->launcher, "XDG_DATA_HOME", xdg, TRUE);
  g_subprocess_launcher_setenv (env->launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_unsetenv (env->launcher, "LANGUAGE");
  /* Fast retries, few of them, unless a case asks for more */
  g_subprocess_launcher_setenv (env->launcher, "CRM_SYNC_RETRY_BASE_MS", "5", TRUE);
  g_subprocess_launcher_setenv (env->launcher, "CRM_SYNC_MAX_ATTEMPTS", "3", TRUE);
  g_subprocess_launcher_unsetenv (env->launcher, "CRM_SYNC_FAILPOINT");
  g_subprocess_launcher_unsetenv (env->launcher, "CRM_SYNC_PUSH_BATCH");
  g_subprocess_launcher_unsetenv (env->launcher, "CRM_SYNC_PULL_PAGE");

  env->server = crm_test_server_new (TRUE);
  env->admin_token = crm_test_server_login (env->server, "admin", "demo");
  return env;
}

static const char *
server_url (SyncEnv *env)
{
  return crm_test_server_get_url (env->server);
}

/* The server as crm-cli stores it: without the trailing "/" */
static char *
keyring_server (const char *url)
{
  char *server = g_strdup (url);

  while (g_str_has_suffix (server, "/"))
    server[strlen (server) - 1] = '\0';
  return server;
}

static char *
profile_dir (SyncEnv    *env,
             const char *profile)
{
  return g_build_filename (env->root, profile, NULL);
}

/* Running crm-cli *****************************************************/

static void
cli_result_free (CliResult *result)
{
  g_free (result->out);
  g_free (result->err);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliResult, cli_result_free)

static GSubprocess *
cli_spawnv (SyncEnv             *env,
            const char          *profile,
            const char * const  *args,
            char               **out_command_line)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  g_ptr_array_add (argv, g_strdup (cli_path));
  if (profile != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("--data-dir"));
      g_ptr_array_add (argv, profile_dir (env, profile));
    }
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  *out_command_line = g_strjoinv (" ", (char **) argv->pdata);
  process = g_subprocess_launcher_spawnv (env->launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  return process;
}

static CliResult *
cli_finish (GSubprocess *process,
            const char  *command_line,
            const char  *stdin_text)
{
  g_autoptr(GError) error = NULL;
  CliResult *result = g_new0 (CliResult, 1);

  g_subprocess_communicate_utf8 (process, stdin_text, NULL, &result->out, &result->err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (process))
    g_error ("%s did not exit (signal %d)", command_line, g_subprocess_get_term_sig (process));
  result->status = g_subprocess_get_exit_status (process);
  if (result->out == NULL)
    result->out = g_strdup ("");
  if (result->err == NULL)
    result->err = g_strdup ("");

  /* A TAP comment, so a failing assertion has the command line before it */
  g_test_message ("%s: exit %d%s%.*s", command_line, result->status,
                  *result->err ? ", stderr: " : "", (int) strcspn (result->err, "\n"), result->err);
  return result;
}

static CliResult *
cli_runv (SyncEnv            *env,
          const char         *profile,
          const char         *stdin_text,
          const char * const *args)
{
  g_autofree char *command_line = NULL;
  g_autoptr(GSubprocess) process = cli_spawnv (env, profile, args, &command_line);

  return cli_finish (process, command_line, stdin_text);
}

static GPtrArray *
collect_args (const char *first,
              va_list     args)
{
  GPtrArray *array = g_ptr_array_new ();

  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (array, (char *) arg);
  g_ptr_array_add (array, NULL);
  return array;
}

static CliResult *
cli_run (SyncEnv    *env,
         const char *profile,
         const char *first,
         ...) G_GNUC_NULL_TERMINATED;

static CliResult *
cli_run (SyncEnv    *env,
         const char *profile,
         const char *first,
         ...)
{
  g_autoptr(GPtrArray) array = NULL;
  va_list args;

  va_start (args, first);
  array = collect_args (first, args);
  va_end (args);
  return cli_runv (env, profile, NULL, (const char * const *) array->pdata);
}

/* Runs a command that must succeed quietly; returns its stdout, stripped */
static char *
cli_ok (SyncEnv    *env,
        const char *profile,
        const char *first,
        ...) G_GNUC_NULL_TERMINATED;

static char *
cli_ok (SyncEnv    *env,
        const char *profile,
        const char *first,
        ...)
{
  g_autoptr(GPtrArray) array = NULL;
  g_autoptr(CliResult) result = NULL;
  va_list args;

  va_start (args, first);
  array = collect_args (first, args);
  va_end (args);
  result = cli_runv (env, profile, NULL, (const char * const *) array->pdata);
  g_assert_cmpstr (result->err, ==, "");
  g_assert_cmpint (result->status, ==, 0);
  return g_strstrip (g_steal_pointer (&result->out));
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (json_parser_get_root (parser));
  return json_node_copy (json_parser_get_root (parser));
}

/* Runs a command with --json that must succeed; returns what it printed */
static JsonNode *
cli_json (SyncEnv    *env,
          const char *profile,
          const char *first,
          ...) G_GNUC_NULL_TERMINATED;

static JsonNode *
cli_json (SyncEnv    *env,
          const char *profile,
          const char *first,
          ...)
{
  g_autoptr(GPtrArray) array = NULL;
  g_autoptr(CliResult) result = NULL;
  va_list args;

  va_start (args, first);
  array = collect_args (first, args);
  va_end (args);
  g_ptr_array_insert (array, (gint) array->len - 1, (gpointer) "--json");
  result = cli_runv (env, profile, NULL, (const char * const *) array->pdata);
  g_assert_cmpint (result->status, ==, 0);
  return parse_json (result->out);
}

/* Checks a failure: the status, nothing on stdout, one line on stderr */
static void
assert_one_line_failure (CliResult *result,
                         int        status)
{
  const char *newline = strchr (result->err, '\n');

  g_assert_cmpint (result->status, ==, status);
  g_assert_cmpstr (result->out, ==, "");
  g_assert_nonnull (newline);
  g_assert_cmpstr (newline + 1, ==, "");
  g_assert_cmpuint (newline - result->err, >, strlen ("crm-cli: "));
}

static CliResult *
cli_login_result (SyncEnv    *env,
                  const char *profile,
                  const char *url,
                  const char *user,
                  const char *password,
                  gboolean    remember)
{
  g_autofree char *input = g_strconcat (password, "\n", NULL);
  const char *args[] = { "login", "--server", url, "--user", user, remember ? "--remember-password" : NULL, NULL };

  return cli_runv (env, profile, input, args);
}

static void
cli_login (SyncEnv    *env,
           const char *profile,
           const char *url,
           const char *user,
           const char *password,
           gboolean    remember)
{
  g_autoptr(CliResult) result = cli_login_result (env, profile, url, user, password, remember);

  g_assert_cmpstr (result->err, ==, "");
  g_assert_cmpint (result->status, ==, 0);
  g_assert_true (g_str_has_prefix (result->out, "Logged in to "));
}

static gboolean
parse_sync_output (const char *out,
                   SyncCounts *counts)
{
  int n;

  memset (counts, 0, sizeof *counts);
  n = sscanf (out, "pushed %u, pulled %u, conflicts %u, rejected %u",
              &counts->pushed, &counts->pulled, &counts->conflicts, &counts->rejected);
  return n >= 3 && strchr (out, '\n') == out + strlen (out) - 1;
}

static void
assert_sync_result (CliResult  *result,
                    SyncCounts *counts)
{
  g_assert_cmpint (result->status, ==, 0);
  if (!parse_sync_output (result->out, counts))
    g_error ("sync printed “%s”", result->out);
}

/* One sync pass that must succeed */
static SyncCounts
cli_sync (SyncEnv    *env,
          const char *profile)
{
  g_autoptr(CliResult) result = cli_run (env, profile, "sync", NULL);
  SyncCounts counts;

  assert_sync_result (result, &counts);
  return counts;
}

static void
assert_sync (SyncEnv    *env,
             const char *profile,
             guint       pushed,
             guint       pulled,
             guint       conflicts)
{
  SyncCounts counts = cli_sync (env, profile);

  g_assert_cmpuint (counts.pushed, ==, pushed);
  g_assert_cmpuint (counts.pulled, ==, pulled);
  g_assert_cmpuint (counts.conflicts, ==, conflicts);
}

static JsonObject *
cli_status (SyncEnv    *env,
            const char *profile)
{
  g_autoptr(JsonNode) node = cli_json (env, profile, "status", NULL);

  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

static void
assert_status (SyncEnv    *env,
               const char *profile,
               gint64      pending,
               gint64      conflicts,
               gint64      rejected)
{
  g_autoptr(JsonObject) status = cli_status (env, profile);

  g_assert_cmpint (json_object_get_int_member (status, "pending"), ==, pending);
  g_assert_cmpint (json_object_get_int_member (status, "conflicts"), ==, conflicts);
  g_assert_cmpint (json_object_get_int_member (status, "rejected"), ==, rejected);
}

static JsonArray *
cli_array (SyncEnv    *env,
           const char *profile,
           const char *command)
{
  g_autoptr(JsonNode) node = cli_json (env, profile, command, NULL);

  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  return json_array_ref (json_node_get_array (node));
}

static JsonArray *
cli_list (SyncEnv    *env,
          const char *profile,
          const char *entity)
{
  g_autoptr(JsonNode) node = cli_json (env, profile, "list", entity, NULL);

  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  return json_array_ref (json_node_get_array (node));
}

/* The record as the profile has it, or NULL when it has none */
static JsonObject *
cli_show (SyncEnv    *env,
          const char *profile,
          const char *entity,
          const char *id)
{
  g_autoptr(CliResult) result = cli_run (env, profile, "show", entity, id, "--json", NULL);
  g_autoptr(JsonNode) node = NULL;

  if (result->status != 0)
    return NULL;
  node = parse_json (result->out);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

static char *
cli_create (SyncEnv    *env,
            const char *profile,
            const char *entity,
            ...) G_GNUC_NULL_TERMINATED;

static char *
cli_create (SyncEnv    *env,
            const char *profile,
            const char *entity,
            ...)
{
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(CliResult) result = NULL;
  const char *first;
  va_list args;

  va_start (args, entity);
  first = va_arg (args, const char *);
  fields = collect_args (first, args);
  va_end (args);

  g_ptr_array_add (argv, (char *) "create");
  g_ptr_array_add (argv, (char *) entity);
  g_ptr_array_extend (argv, fields, NULL, NULL);
  result = cli_runv (env, profile, NULL, (const char * const *) argv->pdata);
  g_assert_cmpstr (result->err, ==, "");
  g_assert_cmpint (result->status, ==, 0);
  g_strstrip (result->out);
  g_assert_true (g_uuid_string_is_valid (result->out));
  return g_steal_pointer (&result->out);
}

static void
cli_update (SyncEnv    *env,
            const char *profile,
            const char *entity,
            const char *id,
            const char *assignment)
{
  g_autofree char *out = cli_ok (env, profile, "update", entity, id, assignment, NULL);
}

static void
cli_delete (SyncEnv    *env,
            const char *profile,
            const char *entity,
            const char *id)
{
  g_autofree char *out = cli_ok (env, profile, "delete", entity, id, NULL);
}

/* JSON helpers ********************************************************/

static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  g_assert_true (json_node_get_value_type (node) == G_TYPE_STRING);
  return json_node_get_string (node);
}

static const char *
element_id (JsonArray *array,
            guint      index)
{
  g_assert_cmpuint (index, <, json_array_get_length (array));
  return string_member (json_array_get_object_element (array, index), "id");
}

/* The records of @array by id */
static GHashTable *
index_by_id (JsonArray *array)
{
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) json_object_unref);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);

      g_hash_table_insert (table, (gpointer) string_member (object, "id"), json_object_ref (object));
    }
  return table;
}

static char *
object_to_string (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

/* The server, through its REST API ************************************/

static char *
login_as (SyncEnv    *env,
          const char *user)
{
  return crm_test_server_login (env->server, user, "demo");
}

/* The record as @token sees it on the server, or NULL for a 404 */
static JsonObject *
server_record (SyncEnv    *env,
               const char *token,
               const char *entity,
               const char *id)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/%s/%s", entity, id);
  g_autoptr(CrmTestResponse) response = crm_test_server_request (env->server, "GET", path, token, NULL, NULL);

  if (response->status == 404)
    return NULL;
  g_assert_cmpuint (response->status, ==, 200);
  return json_object_ref (crm_test_response_object (response));
}

/* Every live record of @entity that @token may see, page by page */
static JsonArray *
server_list (SyncEnv    *env,
             const char *token,
             const char *entity)
{
  g_autoptr(JsonArray) all = json_array_new ();
  g_autofree char *after = NULL;

  for (guint page = 0; page < 1000; page++)
    {
      g_autofree char *path = after ? g_strdup_printf ("/api/v1/%s?limit=1000&after=%s", entity, after)
                                    : g_strdup_printf ("/api/v1/%s?limit=1000", entity);
      g_autoptr(CrmTestResponse) response = crm_test_server_request (env->server, "GET", path, token, NULL, NULL);
      JsonObject *object;
      JsonArray *items;
      JsonNode *next;

      g_assert_cmpuint (response->status, ==, 200);
      object = crm_test_response_object (response);
      items = json_object_get_array_member (object, "items");
      g_assert_nonnull (items);
      for (guint i = 0; i < json_array_get_length (items); i++)
        json_array_add_element (all, json_node_copy (json_array_get_element (items, i)));
      next = json_object_get_member (object, "next");
      if (next == NULL || JSON_NODE_HOLDS_NULL (next))
        return g_steal_pointer (&all);
      g_free (after);
      after = g_strdup (json_node_get_string (next));
    }
  g_assert_not_reached ();
}

static void
server_delete (SyncEnv    *env,
               const char *token,
               const char *entity,
               const char *id)
{
  g_autoptr(JsonObject) record = server_record (env, token, entity, id);
  g_autofree char *path = g_strdup_printf ("/api/v1/%s/%s", entity, id);
  g_autofree char *if_match = NULL;
  g_autoptr(CrmTestResponse) response = NULL;

  g_assert_nonnull (record);
  if_match = g_strdup_printf ("\"%" G_GINT64_FORMAT "\"", json_object_get_int_member (record, "version"));
  response = crm_test_server_request (env->server, "DELETE", path, token, NULL, "If-Match", if_match, NULL);
  g_assert_cmpuint (response->status, ==, 204);
}

static char *
server_create (SyncEnv    *env,
               const char *token,
               const char *entity,
               const char *json_body)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/%s", entity);
  g_autoptr(CrmTestResponse) response = crm_test_server_request (env->server, "POST", path, token, json_body, NULL);

  g_assert_cmpuint (response->status, ==, 201);
  return g_strdup (string_member (crm_test_response_object (response), "id"));
}

/* The last change of the feed: the seq of an admin's cursor at its end */
static gint64
server_last_seq (SyncEnv *env)
{
  g_autofree char *cursor = g_strdup ("");

  for (guint page = 0; page < 1000; page++)
    {
      g_autofree char *escaped = g_uri_escape_string (cursor, NULL, FALSE);
      g_autofree char *path = g_strdup_printf ("/api/v1/sync/pull?limit=1000&cursor=%s", escaped);
      g_autoptr(CrmTestResponse) response = crm_test_server_request (env->server, "GET", path, env->admin_token,
                                                                     NULL, NULL);
      JsonObject *object;

      g_assert_cmpuint (response->status, ==, 200);
      object = crm_test_response_object (response);
      g_free (cursor);
      cursor = g_strdup (string_member (object, "cursor"));
      if (!json_object_get_boolean_member_with_default (object, "has_more", FALSE))
        return g_ascii_strtoll (cursor, NULL, 10);
    }
  g_assert_not_reached ();
}

/* The names of the server's live @entity records, counted */
static GHashTable *
count_names (JsonArray *records)
{
  GHashTable *counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      const char *name = string_member (json_array_get_object_element (records, i), "name");

      if (name)
        g_hash_table_insert (counts, g_strdup (name),
                             GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, name)) + 1));
    }
  return counts;
}

/* The profile holds exactly the @entity records @token sees on the
 * server, each as the server has it */
static void
assert_agrees_with_server (SyncEnv    *env,
                           const char *profile,
                           const char *token,
                           const char *entity)
{
  g_autoptr(JsonArray) local = cli_list (env, profile, entity);
  g_autoptr(JsonArray) remote = server_list (env, token, entity);
  g_autoptr(GHashTable) by_id = index_by_id (remote);
  GHashTableIter iter;
  gpointer key, value;
  guint differences = 0;

  for (guint i = 0; i < json_array_get_length (local); i++)
    {
      JsonObject *mine = json_array_get_object_element (local, i);
      const char *id = string_member (mine, "id");
      JsonObject *theirs = g_hash_table_lookup (by_id, id);
      g_autoptr(JsonNode) mine_node = json_node_init_object (json_node_alloc (), mine);

      if (theirs == NULL)
        {
          g_autofree char *text = object_to_string (mine);

          g_test_message ("%s has a %s record the server does not (for this user): %s", profile, entity, text);
          differences++;
          continue;
        }
      {
        g_autoptr(JsonNode) theirs_node = json_node_init_object (json_node_alloc (), theirs);

        if (!json_node_equal (mine_node, theirs_node))
          {
            g_autofree char *mine_text = object_to_string (mine);
            g_autofree char *theirs_text = object_to_string (theirs);

            g_test_message ("%s %s %s differs:\n  here:   %s\n  server: %s", profile, entity, id, mine_text,
                            theirs_text);
            differences++;
          }
      }
      g_hash_table_remove (by_id, id);
    }

  g_hash_table_iter_init (&iter, by_id);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autofree char *text = object_to_string (value);

      g_test_message ("%s lacks the server's %s record %s", profile, entity, text);
      differences++;
    }
  if (differences)
    g_test_message ("%s: %u difference(s) in %s between the profile (%u) and the server (%u)", profile,
                    differences, entity, json_array_get_length (local), json_array_get_length (remote));
  g_assert_cmpuint (differences, ==, 0);
}

/* The keyring *********************************************************/

/* What `secret-tool search --all` prints for our schema and @attributes
 * (stdout and stderr together: attributes go to stderr) */
static char *
keyring_search (const char *server,
                const char *user,
                const char *kind)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_ptr_array_add (argv, (gpointer) "secret-tool");
  g_ptr_array_add (argv, (gpointer) "search");
  g_ptr_array_add (argv, (gpointer) "--all");
  g_ptr_array_add (argv, (gpointer) "xdg:schema");
  g_ptr_array_add (argv, (gpointer) "org.example.Crm");
  g_ptr_array_add (argv, (gpointer) "server");
  g_ptr_array_add (argv, (gpointer) server);
  g_ptr_array_add (argv, (gpointer) "user");
  g_ptr_array_add (argv, (gpointer) user);
  if (kind)
    {
      g_ptr_array_add (argv, (gpointer) "kind");
      g_ptr_array_add (argv, (gpointer) kind);
    }
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  return g_strconcat (out ? out : "", err ? err : "", NULL);
}

/* The secret of the one matching item, or NULL when there is none */
static char *
keyring_secret (const char *server,
                const char *user,
                const char *kind)
{
  g_autofree char *text = keyring_search (server, user, kind);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  char *secret = NULL;
  guint items = 0;

  for (guint i = 0; lines[i]; i++)
    {
      if (g_str_has_prefix (lines[i], "[/"))
        items++;
      if (g_str_has_prefix (lines[i], "secret = "))
        {
          g_free (secret);
          secret = g_strdup (lines[i] + strlen ("secret = "));
        }
    }
  g_assert_cmpuint (items, <=, 1);
  return secret;
}

static gboolean
bytes_contain (const char *haystack,
               gsize       length,
               const char *needle)
{
  gsize needle_length = strlen (needle);

  for (gsize i = 0; needle_length <= length && i <= length - needle_length; i++)
    if (memcmp (haystack + i, needle, needle_length) == 0)
      return TRUE;
  return FALSE;
}

/* Whether any file of the profile's folder holds @needle */
static gboolean
folder_contains (const char *path,
                 const char *needle)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        {
          if (folder_contains (child, needle))
            return TRUE;
          continue;
        }
      if (!g_file_get_contents (child, &contents, &length, NULL))
        continue;
      if (bytes_contain (contents, length, needle))
        {
          g_test_message ("%s holds the secret", child);
          return TRUE;
        }
    }
  return FALSE;
}

/* Cases ***************************************************************/

/* A first sync brings everything riley may see, and only that */
static void
test_first_sync (void)
{
  g_autoptr(SyncEnv) env = sync_env_new ();
  g_autofree char *riley = login_as (env, "riley");
  g_autoptr(JsonObject) status = NULL;
  g_autoptr(JsonArray) all_accounts = NULL;
  g_autoptr(JsonArray) accounts = NULL;
  g_autoptr(GList) entities = NULL;
  JsonObject *records;
  SyncCounts counts;
  gint64 total = 0;

  cli_login (env, "riley", server_url (env), "riley", "demo", FALSE);
  assert_status (env, "riley", 0, 0, 0);

  counts = cli_sync (env, "riley");
  g_assert_cmpuint (counts.pushed, ==, 0);
  g_assert_cmpuint (counts.conflicts, ==, 0);
  g_assert_cmpuint (counts.rejected, ==, 0);

  status = cli_status (env, "riley");
  g_assert_cmpint (json_object_get_int_member (status, "pending"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (status, "conflicts"), ==, 0);
  records = json_object_get_object_member (status, "records");
  entities = json_object_get_members (records);
  for (const GList *l = entities; l; l = l->next)
    total += json_object_get_int_member (records, l->data);
  g_assert_cmpint (counts.pulled, ==, total);
  g_assert_cmpint (total, >, 1000);

  /* Each entity as riley sees it on the server, record for record */
  for (const GList *l = entities; l; l = l->next)
    assert_agrees_with_server (env, "riley", riley, l->data);

  /* Which is not everything: jordan's team is out of sight */
  accounts = cli_list (env, "riley", "accounts");
  all_accounts = server_list (env, env->admin_token, "accounts");
  g_assert_cmpuint (json_array_get_length (accounts), >, 0);
  g_assert_cmpuint (json_array_get_length (accounts), <, json_array_get_length (all_accounts));

  assert_sync (env, "riley", 0, 0, 0);
}

/* From the issue: edits made while the server is down wait in the outbox,
 * a sync that cannot reach the server says so and loses nothing, and the
 * sync after the restart brings the server exactly those edits. The
 * profile talks to the server through a relay that keeps one address
 * across the restart, as a server does. */
static void
test_offline_round_trip (void)
{
  g_autoptr(SyncEnv) env = sync_env_new ();
  g_autoptr(CrmFaultProxy) proxy = crm_fault_proxy_new (server_url (env), 1, 0.0);
  g_autoptr(JsonArray) accounts = NULL;
  g_autoptr(JsonArray) all_accounts = NULL;
  g_autoptr(GHashTable) names = NULL;
  g_autoptr(JsonNode) outbox_before = NULL;
  g_autoptr(JsonNode) outbox_after = NULL;
  g_autoptr(JsonObject) record = NULL;
  g_autoptr(JsonObject) gone = NULL;
  g_autoptr(JsonObject) contact = NULL;
  g_autoptr(JsonObject) local = NULL;
  g_autoptr(CliResult) failed = NULL;
  g_autofree char *created = NULL;
  g_autofree char *contact_id = NULL;
  g_autofree char *account_ref = NULL;
  g_autofree char *updated = NULL;
  g_autofree char *deleted = NULL;
  const char *name = "Offline Round Trip Ltd";

  cli_login (env, "riley", crm_fault_proxy_get_url (proxy), "riley", "demo", FALSE);
  cli_sync (env, "riley");
  accounts = cli_list (env, "riley", "accounts");
  updated = g_strdup (element_id (accounts, 3));
  deleted = g_strdup (element_id (accounts, 4));

  /* The server goes down */
  crm_test_server_stop (env->server);
  crm_fault_proxy_set_upstream (proxy, NULL);

  created = cli_create (env, "riley", "accounts", "name=Offline Round Trip Ltd", "phone=+1 555 0101",
                        "industry=Retail", NULL);
  cli_update (env, "riley", "accounts", created, "phone=+1 555 0102");
  account_ref = g_strdup_printf ("account_id=%s", created);
  contact_id = cli_create (env, "riley", "contacts", "first_name=Olive", "last_name=Offline", account_ref, NULL);
  cli_update (env, "riley", "accounts", updated, "phone=+1 555 0199");
  cli_delete (env, "riley", "accounts", deleted);
  assert_status (env, "riley", 4, 0, 0);

  outbox_before = cli_json (env, "riley", "outbox", NULL);
  failed = cli_run (env, "riley", "sync", NULL);
  assert_one_line_failure (failed, 1);
  g_assert_nonnull (strstr (failed->err, "Could not reach the server"));
  outbox_after = cli_json (env, "riley", "outbox", NULL);
  g_assert_true (json_node_equal (outbox_before, outbox_after));
  assert_status (env, "riley", 4, 0, 0);

  /* An edit after the failed attempt is queued on its own */
  cli_update (env, "riley", "accounts", created, "phone=+1 555 0103");
  assert_status (env, "riley", 5, 0, 0);
  local = cli_show (env, "riley", "accounts", created);
  g_assert_cmpstr (string_member (local, "phone"), ==, "+1 555 0103");

  /* The server comes back, on a new port behind the same address */
  crm_test_server_start (env->server);
  crm_fault_proxy_set_upstream (proxy, server_url (env));
  assert_sync (env, "riley", 5, 0, 0);
  assert_status (env, "riley", 0, 0, 0);

  record = server_record (env, env->admin_token, "accounts", created);
  g_assert_nonnull (record);
  g_assert_cmpstr (string_member (record, "name"), ==, name);
  g_assert_cmpstr (string_member (record, "phone"), ==, "+1 555 0103");
  g_assert_cmpstr (string_member (record, "industry"), ==, "Retail");
  all_accounts = server_list (env, env->admin_token, "accounts");
  names = count_names (all_accounts);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (names, name)), ==, 1);

  contact = server_record (env, env->admin_token, "contacts", contact_id);
  g_assert_nonnull (contact);
  g_assert_cmpstr (string_member (contact, "account_id"), ==, created);
  g_assert_cmpstr (string_member (contact, "last_name"), ==, "Offline");

  g_clear_pointer (&record, json_object_unref);
  record = server_record (env, env->admin_token, "accounts", updated);
  g_assert_nonnull (record);
  g_assert_cmpstr (string_member (record, "phone"), ==, "+1 555 0199");

  gone = server_record (env, env->admin_token, "accounts", deleted);
  g_assert_null (gone);

  assert_sync (env, "riley", 0, 0, 0);
}

/* Edits to different fields of one record, from profiles that sync in
 * turn, all arrive everywhere: riley and sam (same team), and riley on a
 * second device */
static void
test_merge_two_profiles (void)
{
  g_autoptr(SyncEnv) env = sync_env_new ();
  g_autoptr(JsonArray) accounts = NULL;
  g_autoptr(JsonObject) server = NULL;
  g_autofree char *id = NULL;
  static const char * const profiles[] = { "riley", "sam", "riley-laptop" };
  static const char * const users[] = { "riley", "sam", "riley" };
  gint64 version = -1;

  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    {
      cli_login (env, profiles[i], server_url (env), users[i], "demo", FALSE);
      cli_sync (env, profiles[i]);
    }

  accounts = cli_list (env, "riley", "accounts");
  id = g_strdup (element_id (accounts, 7));
  {
    g_autoptr(JsonObject) seen_by_sam = cli_show (env, "sam", "accounts", id);

    g_assert_nonnull (seen_by_sam);
  }

  /* Offline, each changes another field */
  cli_update (env, "riley", "accounts", id, "phone=+44 20 7946 0001");
  cli_update (env, "sam", "accounts", id, "industry=Energy");
  cli_update (env, "riley-laptop", "accounts", id, "website=https://merged.example");

  for (guint round = 0; round < 2; round++)
    for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
      {
        SyncCounts counts = cli_sync (env, profiles[i]);

        g_assert_cmpuint (counts.pushed, ==, round == 0 ? 1 : 0);
        g_assert_cmpuint (counts.conflicts, ==, 0);
      }

  server = server_record (env, env->admin_token, "accounts", id);
  g_assert_nonnull (server);
  g_assert_cmpstr (string_member (server, "phone"), ==, "+44 20 7946 0001");
  g_assert_cmpstr (string_member (server, "industry"), ==, "Energy");
  g_assert_cmpstr (string_member (server, "website"), ==, "https://merged.example");

  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    {
      g_autoptr(JsonObject) local = cli_show (env, profiles[i], "accounts", id);
      g_autoptr(JsonNode) local_node = NULL;
      g_autoptr(JsonNode) server_node = NULL;

      g_assert_nonnull (local);
      g_assert_cmpstr (string_member (local, "phone"), ==, "+44 20 7946 0001");
      g_assert_cmpstr (string_member (local, "industry"), ==, "Energy");
      g_assert_cmpstr (string_member (local, "website"), ==, "https://merged.example");
      if (version < 0)
        version = json_object_get_int_member (local, "version");
      g_assert_cmpint (json_object_get_int_member (local, "version"), ==, version);
      local_node = json_node_init_object (json_node_alloc (), local);
      server_node = json_node_init_object (json_node_alloc (), server);
      g_assert_true (json_node_equal (local_node, server_node));
      assert_status (env, profiles[i], 0, 0, 0);
    }
  g_assert_cmpint (version, ==, json_object_get_int_member (server, "version"));
}

/* The same field changed on two profiles: the second to push gets a
 * conflict, settled one way or the other */
static void
test_conflict (void)
{
  g_autoptr(SyncEnv) env = sync_env_new ();
  g_autoptr(JsonArray) accounts = NULL;
  g_autoptr(JsonArray) conflicts = NULL;
  g_autoptr(JsonArray) outbox = NULL;
  g_autoptr(JsonObject) before = NULL;
  g_autoptr(JsonObject) server = NULL;
  g_autoptr(JsonObject) local = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *out = NULL;
  g_autofree char *original = NULL;
  JsonObject *conflict;
  SyncCounts counts;

  cli_login (env, "riley", server_url (env), "riley", "demo", FALSE);
  cli_login (env, "sam", server_url (env), "sam", "demo", FALSE);
  cli_sync (env, "riley");
  cli_sync (env, "sam");
  accounts = cli_list (env, "riley", "accounts");
  first = g_strdup (element_id (accounts, 11));
  second = g_strdup (element_id (accounts, 12));
  before = cli_show (env, "sam", "accounts", first);
  g_assert_nonnull (before);
  original = g_strdup (string_member (before, "phone"));

  /* Keep mine */
  cli_update (env, "riley", "accounts", first, "phone=+1 202 555 0001");
  cli_update (env, "sam", "accounts", first, "phone=+1 202 555 0002");
  assert_sync (env, "riley", 1, 0, 0);
  counts = cli_sync (env, "sam");
  g_assert_cmpuint (counts.pushed, ==, 0);
  g_assert_cmpuint (counts.conflicts, ==, 1);
  assert_status (env, "sam", 0, 1, 0);

  conflicts = cli_array (env, "sam", "conflicts");
  g_assert_cmpuint (json_array_get_length (conflicts), ==, 1);
  conflict = json_array_get_object_element (conflicts, 0);
  g_assert_cmpstr (string_member (conflict, "entity"), ==, "accounts");
  g_assert_cmpstr (string_member (conflict, "record_id"), ==, first);
  g_assert_cmpstr (string_member (conflict, "field"), ==, "phone");
  g_assert_cmpstr (string_member (conflict, "original"), ==, original);
  g_assert_cmpstr (string_member (conflict, "mine"), ==, "+1 202 555 0002");
  g_assert_cmpstr (string_member (conflict, "server"), ==, "+1 202 555 0001");
  g_assert_true (g_uuid_string_is_valid (string_member (conflict, "id")));

  out = cli_ok (env, "sam", "resolve", string_member (conflict, "id"), "--keep", "mine", NULL);
  assert_status (env, "sam", 1, 0, 0);
  assert_sync (env, "sam", 1, 0, 0);
  assert_status (env, "sam", 0, 0, 0);
  server = server_record (env, env->admin_token, "accounts", first);
  g_assert_cmpstr (string_member (server, "phone"), ==, "+1 202 555 0002");
  assert_sync (env, "riley", 0, 1, 0);
  local = cli_show (env, "riley", "accounts", first);
  g_assert_cmpstr (string_member (local, "phone"), ==, "+1 202 555 0002");

  /* Keep the server's, by record id */
  cli_update (env, "riley", "accounts", second, "phone=+1 202 555 0003");
  cli_update (env, "sam", "accounts", second, "phone=+1 202 555 0004");
  assert_sync (env, "riley", 1, 0, 0);
  counts = cli_sync (env, "sam");
  g_assert_cmpuint (counts.conflicts, ==, 1);
  g_clear_pointer (&conflicts, json_array_unref);
  conflicts = cli_array (env, "sam", "conflicts");
  g_assert_cmpuint (json_array_get_length (conflicts), ==, 1);
  conflict = json_array_get_object_element (conflicts, 0);
  g_assert_cmpstr (string_member (conflict, "record_id"), ==, second);
  g_assert_cmpstr (string_member (conflict, "mine"), ==, "+1 202 555 0004");
  g_assert_cmpstr (string_member (conflict, "server"), ==, "+1 202 555 0003");

  g_free (out);
  out = cli_ok (env, "sam", "resolve", second, "--keep", "server", NULL);
  assert_status (env, "sam", 0, 0, 0);
  outbox = cli_array (env, "sam", "outbox");
  g_assert_cmpuint (json_array_get_length (outbox), ==, 0);
  g_clear_pointer (&local, json_object_unref);
  local = cli_show (env, "sam", "accounts", second);
  g_assert_cmpstr (string_member (local, "phone"), ==, "+1 202 555 0003");
  assert_sync (env, "sam", 0, 0, 0);
  g_clear_pointer (&server, json_object_unref);
  server = server_record (env, env->admin_token, "accounts", second);
  g_assert_cmpstr (string_member (server, "phone"), ==, "+1 202 555 0003");

  /* Settled means settled: a conflict id is gone once resolved */
  {
    g_autoptr(CliResult) again = cli_run (env, "sam", "resolve", string_member (conflict, "id"), "--keep", "mine", NULL);

    assert_one_line_failure (again, 1);
  }
}

/* Makes sam's edit of @field of @id conflict with riley's; both synced */
static void
make_conflict (SyncEnv    *env,
               const char *id,
               const char *riley_assignment,
               const char *sam_assignment)
{
  SyncCounts counts;

  cli_update (env, "riley", "accounts", id, riley_assignment);
  cli_update (env, "sam", "accounts", id, sam_assignment);
  assert_sync (env, "riley", 1, 0, 0);
  counts = cli_sync (env, "sam");
  g_assert_cmpuint (counts.conflicts, ==, 1);
}

/* The profile and the server agree on one record */
static void
assert_record_agrees (SyncEnv    *env,
                      const char *profile,
                      const char *entity,
                      const char *id)
{
  g_autoptr(JsonObject) local = cli_show (env, profile, entity, id);
  g_autoptr(JsonObject) server = server_record (env, env->admin_token, entity, id);
  g_autoptr(JsonNode) local_node = NULL;
  g_autoptr(JsonNode) server_node = NULL;
  g_autofree char *local_text = NULL;
  g_autofree char *server_text = NULL;

  g_assert_nonnull (local);
  g_assert_nonnull (server);
  local_text = object_to_string (local);
  server_text = object_to_string (server);
  local_node = json_node_init_object (json_node_alloc (), local);
  server_node = json_node_init_object (json_node_alloc (), server);
  if (!json_node_equal (local_node, server_node))
    g_test_message ("%s and the server differ on %s %s:\n  here:   %s\n  server: %s", profile, entity, id,
                    local_text, server_text);
  g_assert_cmpstr (local_text, ==, server_text);
}

/* The server moves on while sam sits on a conflict: taking the server's
 * value takes the server's current value, not the one the conflict saw */
static void
test_conflict_newer_server_value (void)
{
  g_autoptr(SyncEnv) env = sync_env_new ();
  g_autoptr(JsonArray) accounts = NULL;
  g_autoptr(JsonArray) conflicts = NULL;
  g_autoptr(JsonObject) server = NULL;
  g_autoptr(JsonObject) local = NULL;
  g_autofree char *id = NULL;
  g_autofree char *out = NULL;

  cli_login (env, "riley", server_url (env), "riley", "demo", FALSE);
  cli_login (env, "sam", server_url (env), "sam", "demo", FALSE);
  cli_sync (env, "riley");
  cli_sync (env, "sam");
  accounts = cli_list (env, "riley", "accounts");
  id = g_strdup (element_id (accounts, 13));

  make_conflict (env, id, "phone=+1 303 555 0001", "phone=+1 303 555 0002");
  cli_update (env, "riley", "accounts", id, "phone=+1 303 555 0003");
  assert_sync (env, "riley", 1, 0, 0);
  cli_sync (env, "sam");

  conflicts = cli_array (env, "sam", "conflicts");
  g_assert_cmpuint (json_array_get_length (conflicts), ==, 1);
  g_test_message ("The conflict's server value after the pull: %s",
                  string_member (json_array_get_object_element (conflicts, 0), "server"));

  out = cli_ok (env, "sam", "resolve", id, "--keep", "server", NULL);
  cli_sync (env, "sam");
  assert_status (env, "sam", 0, 0, 0);
  server = server_record (env, env->admin_token, "accounts", id);
  g_assert_cmpstr (string_member (server, "phone"), ==, "+1 303 555 0003");
  local = cli_show (env, "sam", "accounts", id);
  g_assert_cmpstr (string_member (local, "phone"), ==, "+1 303 555 0003");
  assert_record_agrees (env, "sam", "accounts", id);
}

/* sam edits a field again while it is in conflict: the new value settles
 * the conflict (it is what sam wants now), goes to the server as a change
 * on top of the server's value, and everyone agrees after syncing */
static void
test_conflict_edited_again (void)
{
  g_autoptr(SyncEnv) env = sync_env_new ();
  g_autoptr(JsonArray) accounts = NULL;
  g_autoptr(JsonArray) conflicts = NULL;
  g_autoptr(JsonObject) server = NULL;
  g_autofree char *id = NULL;
  SyncCounts counts;

  cli_login (env, "riley", server_url (env), "riley", "demo", FALSE);
  cli_login (env, "sam", server_url (env), "sam", "demo", FALSE);
  cli_sync (env, "riley");
  cli_sync (env, "sam");
  accounts = cli_list (env, "riley", "accounts");
  id = g_strdup (element_id (accounts, 14));

  make_conflict (env, id, "phone=+1 404 555 0001", "phone=+1 404 555 0002");
  cli_update (env, "sam", "accounts", id, "phone=+1 404 555 0004");
  conflicts = cli_array (env, "sam", "conflicts");
  g_assert_cmpuint (json_array_get_length (conflicts), ==, 0);
  assert_status (env, "sam", 1, 0, 0);

  counts = cli_sync (env, "sam");
  g_assert_cmpuint (counts.pushed, ==, 1);
  g_assert_cmpuint (counts.conflicts, ==, 0);
  server = server_record (env, env->admin_token, "accounts", id);
  g_assert_cmpstr (string_member (server, "phone"), ==, "+1 404 555 0004");
  cli_sync (env, "riley");
  assert_status (env, "sam", 0, 0, 0);
  assert_record_agrees (env, "sam", "accounts", id);
  assert_record_agrees (env, "riley", "accounts", id);
}

/* An edit the server refuses stays here, marked, with the server's
 * reason, and holds nothing else up */
static void
test_rejected (void)
{
  g_autoptr(SyncEnv) env = sync_env_new ();
  g_autoptr(JsonArray) stages = NULL;
  g_autoptr(JsonArray) accounts = NULL;
  g_autoptr(JsonArray) outbox = NULL;
  g_autoptr(JsonObject) stage = NULL;
  g_autoptr(JsonObject) server_stage = NULL;
  g_autoptr(JsonObject) server = NULL;
  g_autofree char *stage_id = NULL;
  g_autofree char *stage_name = NULL;
  g_autofree char *account = NULL;
  g_autofree char *later = NULL;
  g_autofree char *mutation_id = NULL;
  g_autoptr(CliResult) failed = NULL;
  JsonObject *entry;
  SyncCounts counts;

  cli_login (env, "riley", server_url (env), "riley", "demo", FALSE);
  cli_sync (env, "riley");
  stages = cli_list (env, "riley", "stages");
  stage_id = g_strdup (element_id (stages, 0));
  stage_name = g_strdup (string_member (json_array_get_object_element (stages, 0), "name"));
  accounts = cli_list (env, "riley", "accounts");
  account = g_strdup (element_id (accounts, 5));

  /* Only admins change stages */
  cli_update (env, "riley", "stages", stage_id, "name=Riley's stage");
  cli_update (env, "riley", "accounts", account, "industry=Education");
  counts = cli_sync (env, "riley");
  g_assert_cmpuint (counts.pushed, ==, 1);
  g_assert_cmpuint (counts.rejected, ==, 1);
  g_assert_cmpuint (counts.conflicts, ==, 0);
  assert_status (env, "riley", 0, 0, 1);

  outbox = cli_array (env, "riley", "outbox");
  g_assert_cmpuint (json_array_get_length (outbox), ==, 1);
  entry = json_array_get_object_element (outbox, 0);
  g_assert_cmpstr (string_member (entry, "entity"), ==, "stages");
  g_assert_cmpstr (string_member (entry, "id"), ==, stage_id);
  g_assert_cmpstr (string_member (entry, "state"), ==, "rejected");
  g_assert_nonnull (string_member (entry, "error"));
  g_assert_nonnull (strstr (string_member (entry, "error"), "may not"));
  g_assert_true (json_object_has_member (json_object_get_object_member (entry, "fields"), "name"));

  /* Kept here; unchanged there */
  stage = cli_show (env, "riley", "stages", stage_id);
  g_assert_cmpstr (string_member (stage, "name"), ==, "Riley's stage");
  server_stage = server_record (env, env->admin_token, "stages", stage_id);
  g_assert_cmpstr (string_member (server_stage, "name"), ==, stage_name);
  server = server_record (env, env->admin_token, "accounts", account);
  g_assert_cmpstr (string_member (server, "industry"), ==, "Education");

  /* Later edits still go through; the refused one is not sent again */
  later = cli_create (env, "riley", "accounts", "name=After The Refusal GmbH", NULL);
  cli_update (env, "riley", "accounts", account, "industry=Hospitality");
  counts = cli_sync (env, "riley");
  g_assert_cmpuint (counts.pushed, ==, 2);
  g_assert_cmpuint (counts.rejected, ==, 0);
  assert_status (env, "riley", 0, 0, 1);
  g_clear_pointer (&server, json_object_unref);
  server = server_record (env, env->admin_token, "accounts", account);
  g_assert_cmpstr (string_member (server, "industry"), ==, "Hospitality");
  g_clear_pointer (&server, json_object_unref);
  server = server_record (env, env->admin_token, "accounts", later);
  g_assert_nonnull (server);
  g_clear_pointer (&server_stage, json_object_unref);
  server_stage = server_record (env, env->admin_token, "stages", stage_id);
  g_assert_cmpstr (string_member (server_stage, "name"), ==, stage_name);

  /* Sent again on request: the server still refuses it, under a new id */
  mutation_id = g_strdup (string_member (entry, "mutation_id"));
  g_free (cli_ok (env, "riley", "outbox", "retry", mutation_id, NULL));
  assert_status (env, "riley", 1, 0, 0);
  counts = cli_sync (env, "riley");
  g_assert_cmpuint (counts.rejected, ==, 1);
  g_clear_pointer (&outbox, json_array_unref);
  outbox = cli_array (env, "riley", "outbox");
  entry = json_array_get_object_element (outbox, 0);
  g_assert_cmpstr (string_member (entry, "state"), ==, "rejected");
  g_assert_cmpstr (string_member (entry, "mutation_id"), !=, mutation_id);

  /* Given up: gone from the outbox, and the stage is the server's again */
  g_free (mutation_id);
  mutation_id = g_strdup (string_member (entry, "mutation_id"));
  g_free (cli_ok (env, "riley", "outbox", "discard", mutation_id, NULL));
  assert_status (env, "riley", 0, 0, 0);
  g_clear_pointer (&stage, json_object_unref);
  stage = cli_show (env, "riley", "stages", stage_id);
  g_assert_cmpstr (string_member (stage, "name"), ==, stage_name);

  /* Only a refused change can be discarded */
  failed = cli_run (env, "riley", "outbox", "discard", mutation_id, NULL);
  assert_one_line_failure (failed, 1);
  g_assert_nonnull (strstr (failed->err, "No refused change"));
}

/* riley edits a record that admin deletes meanwhile: the edit is kept as
 * a conflict, and keeping it makes a new record */
static void
test_deleted_on_server (void)
{
  g_autoptr(SyncEnv) env = sync_env_new ();
  g_autoptr(JsonArray) accounts = NULL;
  g_autoptr(JsonArray) after = NULL;
  g_autoptr(JsonArray) conflicts = NULL;
  g_autoptr(JsonArray) all_accounts = NULL;
  g_autoptr(JsonObject) server = NULL;
  g_autoptr(JsonObject) gone = NULL;
  g_autoptr(JsonObject) local = NULL;
  g_autoptr(GHashTable) names = NULL;
  g_autofree char *id = NULL;
  g_autofree char *other = NULL;
  g_autofree char *name = NULL;
  g_autofree char *out = NULL;
  g_autofree char *copy = NULL;
  JsonObject *conflict;
  JsonObject *mine;
  SyncCounts counts;
  guint same_name;

  cli_login (env, "riley", server_url (env), "riley", "demo", FALSE);
  cli_sync (env, "riley");
  accounts = cli_list (env, "riley", "accounts");
  id = g_strdup (element_id (accounts, 20));
  other = g_strdup (element_id (accounts, 21));
  name = g_strdup (string_member (json_array_get_object_element (accounts, 20), "name"));

  all_accounts = server_list (env, env->admin_token, "accounts");
  names = count_names (all_accounts);
  same_name = GPOINTER_TO_UINT (g_hash_table_lookup (names, name));
  g_assert_cmpuint (same_name, >=, 1);
  g_clear_pointer (&names, g_hash_table_unref);
  g_clear_pointer (&all_accounts, json_array_unref);

  cli_update (env, "riley", "accounts", id, "phone=+33 1 23 45 67 89");
  cli_update (env, "riley", "accounts", id, "website=https://kept.example");
  cli_update (env, "riley", "accounts", other, "phone=+33 1 00 00 00 00");
  server_delete (env, env->admin_token, "accounts", id);
  server_delete (env, env->admin_token, "accounts", other);

  counts = cli_sync (env, "riley");
  g_assert_cmpuint (counts.conflicts, ==, 2);
  assert_status (env, "riley", 0, 2, 0);
  conflicts = cli_array (env, "riley", "conflicts");
  g_assert_cmpuint (json_array_get_length (conflicts), ==, 2);
  conflict = NULL;
  for (guint i = 0; i < json_array_get_length (conflicts); i++)
    if (g_strcmp0 (string_member (json_array_get_object_element (conflicts, i), "record_id"), id) == 0)
      conflict = json_array_get_object_element (conflicts, i);
  g_assert_nonnull (conflict);
  g_assert_cmpstr (string_member (conflict, "entity"), ==, "accounts");
  g_assert_cmpstr (string_member (conflict, "field"), ==, "deleted");
  g_assert_true (json_node_get_boolean (json_object_get_member (conflict, "server")));
  g_assert_false (json_node_get_boolean (json_object_get_member (conflict, "original")));
  mine = json_object_get_object_member (conflict, "mine");
  g_assert_nonnull (mine);
  g_assert_cmpstr (string_member (mine, "phone"), ==, "+33 1 23 45 67 89");
  g_assert_cmpstr (string_member (mine, "website"), ==, "https://kept.example");

  /* Keep mine: a new record with the edited values */
  out = cli_ok (env, "riley", "resolve", id, "--keep", "mine", NULL);
  g_free (out);
  out = cli_ok (env, "riley", "resolve", other, "--keep", "server", NULL);
  assert_status (env, "riley", 1, 0, 0);
  local = cli_show (env, "riley", "accounts", id);
  g_assert_null (local);
  local = cli_show (env, "riley", "accounts", other);
  g_assert_null (local);

  after = cli_list (env, "riley", "accounts");
  for (guint i = 0; i < json_array_get_length (after); i++)
    {
      JsonObject *record = json_array_get_object_element (after, i);

      if (g_strcmp0 (string_member (record, "name"), name) == 0)
        {
          g_assert_null (copy);
          copy = g_strdup (string_member (record, "id"));
        }
    }
  g_assert_nonnull (copy);
  g_assert_cmpstr (copy, !=, id);

  assert_sync (env, "riley", 1, 0, 0);
  assert_status (env, "riley", 0, 0, 0);
  server = server_record (env, env->admin_token, "accounts", copy);
  g_assert_nonnull (server);
  g_assert_cmpstr (string_member (server, "name"), ==, name);
  g_assert_cmpstr (string_member (server, "phone"), ==, "+33 1 23 45 67 89");
  g_assert_cmpstr (string_member (server, "website"), ==, "https://kept.example");
  gone = server_record (env, env->admin_token, "accounts", id);
  g_assert_null (gone);
  gone = server_record (env, env->admin_token, "accounts", other);
  g_assert_null (gone);
  all_accounts = server_list (env, env->admin_token, "accounts");
  names = count_names (all_accounts);
  /* The copy stands in for the deleted record: as many of that name as before */
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (names, name)), ==, same_name);
  assert_sync (env, "riley", 0, 0, 0);
}

/* admin prunes the history past riley's cursor while riley has an edit
 * queued: riley's next sync starts over, keeps and sends the edit, and
 * ends with what the server has */
static void
test_resync_410 (void)
{
  g_autoptr(SyncEnv) env = sync_env_new ();
  g_autofree char *riley = login_as (env, "riley");
  g_autoptr(JsonArray) accounts = NULL;
  g_autoptr(JsonObject) server = NULL;
  g_autoptr(JsonObject) local = NULL;
  g_autoptr(CliResult) result = NULL;
  g_autofree char *edited = NULL;
  g_autofree char *deleted = NULL;
  g_autofree char *scratch = NULL;
  g_autofree char *before_seq = NULL;
  g_autofree char *prune_out = NULL;
  SyncCounts counts;
  gint64 last;

  cli_login (env, "riley", server_url (env), "riley", "demo", FALSE);
  cli_sync (env, "riley");
  accounts = cli_list (env, "riley", "accounts");
  edited = g_strdup (element_id (accounts, 30));
  deleted = g_strdup (element_id (accounts, 31));

  cli_update (env, "riley", "accounts", edited, "phone=+49 30 410 410");

  /* History moves on past riley's cursor, then is pruned */
  server_delete (env, env->admin_token, "accounts", deleted);
  scratch = server_create (env, env->admin_token, "accounts", "{\"name\":\"Scratch AG\"}");
  server_delete (env, env->admin_token, "accounts", scratch);
  last = server_last_seq (env);
  before_seq = g_strdup_printf ("%" G_GINT64_FORMAT, last);
  g_assert_cmpint (crm_test_server_run (env->server, NULL, &prune_out, "prune", "--before-seq", before_seq, NULL), ==, 0);
  g_test_message ("prune --before-seq %s: %s", before_seq, prune_out);
  /* The tombstone of the deleted account is among those forgotten */
  g_assert_true (g_str_has_prefix (prune_out, "Forgot "));
  g_assert_false (g_str_has_prefix (prune_out, "Forgot 0 "));

  result = cli_run (env, "riley", "sync", NULL);
  assert_sync_result (result, &counts);
  g_assert_cmpuint (counts.pushed, ==, 1);
  g_assert_cmpuint (counts.conflicts, ==, 0);
  assert_status (env, "riley", 0, 0, 0);

  server = server_record (env, env->admin_token, "accounts", edited);
  g_assert_cmpstr (string_member (server, "phone"), ==, "+49 30 410 410");
  local = cli_show (env, "riley", "accounts", edited);
  g_assert_cmpstr (string_member (local, "phone"), ==, "+49 30 410 410");

  /* The record deleted in the pruned history is gone here too */
  g_clear_pointer (&local, json_object_unref);
  local = cli_show (env, "riley", "accounts", deleted);
  assert_agrees_with_server (env, "riley", riley, "accounts");
  g_assert_null (local);

  counts = cli_sync (env, "riley");
  g_assert_cmpuint (counts.pushed, ==, 0);
  g_assert_cmpuint (counts.conflicts, ==, 0);
}

/* A profile logged in to another server (a new install, not the same
 * data behind a new address) can sync with it: the old server's cursor
 * means nothing there */
static void
test_relogin_other_server (void)
{
  g_autoptr(SyncEnv) env = sync_env_new ();
  g_autoptr(CrmTestServer) other = crm_test_server_new (FALSE);
  g_autoptr(CliResult) result = NULL;
  g_autoptr(JsonObject) status = NULL;
  g_autofree char *user_id = NULL;
  g_autofree char *token = NULL;
  g_autofree char *created = NULL;
  g_autoptr(CrmTestResponse) response = NULL;
  SyncCounts counts;

  cli_login (env, "riley", server_url (env), "riley", "demo", FALSE);
  cli_sync (env, "riley");

  user_id = crm_test_server_add_user (other, "riley", "rep", NULL, "demo");
  cli_login (env, "riley", crm_test_server_get_url (other), "riley", "demo", FALSE);
  created = cli_create (env, "riley", "accounts", "name=New Server Ltd", NULL);
  result = cli_run (env, "riley", "sync", NULL);
  assert_sync_result (result, &counts);
  g_assert_cmpuint (counts.pushed, ==, 1);

  token = crm_test_server_login (other, "riley", "demo");
  response = crm_test_server_request (other, "GET", "/api/v1/accounts?limit=1000", token, NULL, NULL);
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (crm_test_response_object (response),
                                                                         "items")), ==, 1);
  /* What only the old server had is gone from the profile */
  status = cli_status (env, "riley");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (status, "records"), "accounts"), ==, 1);
}

/* An expired session renews itself from a remembered password; without
 * one, sync asks to log in again and keeps the queued edits */
static void
test_expired_token (void)
{
  g_autoptr(SyncEnv) env = sync_env_new ();
  g_autoptr(JsonArray) accounts = NULL;
  g_autoptr(JsonNode) outbox_before = NULL;
  g_autoptr(JsonNode) outbox_after = NULL;
  g_autoptr(JsonObject) server = NULL;
  g_autoptr(CliResult) failed = NULL;
  g_autofree char *keyring_url = keyring_server (server_url (env));
  g_autofree char *old_token = NULL;
  g_autofree char *new_token = NULL;
  g_autofree char *sam_token = NULL;
  g_autofree char *id = NULL;
  SyncCounts counts;

  cli_login (env, "riley", server_url (env), "riley", "demo", TRUE);
  cli_login (env, "sam", server_url (env), "sam", "demo", FALSE);
  cli_sync (env, "riley");
  cli_sync (env, "sam");
  accounts = cli_list (env, "riley", "accounts");
  id = g_strdup (element_id (accounts, 40));
  old_token = keyring_secret (keyring_url, "riley", "token");
  g_assert_nonnull (old_token);

  crm_test_server_exec_sql (env->server, "UPDATE tokens SET expires_at = 1");
  g_free (env->admin_token);
  env->admin_token = login_as (env, "admin");

  /* Renewed without a word */
  cli_update (env, "riley", "accounts", id, "phone=+61 2 9999 0001");
  assert_sync (env, "riley", 1, 0, 0);
  new_token = keyring_secret (keyring_url, "riley", "token");
  g_assert_nonnull (new_token);
  g_assert_cmpstr (new_token, !=, old_token);
  server = server_record (env, env->admin_token, "accounts", id);
  g_assert_cmpstr (string_member (server, "phone"), ==, "+61 2 9999 0001");

  /* No password to renew with */
  cli_update (env, "sam", "accounts", id, "industry=Public sector");
  outbox_before = cli_json (env, "sam", "outbox", NULL);
  failed = cli_run (env, "sam", "sync", NULL);
  assert_one_line_failure (failed, 1);
  g_assert_nonnull (strstr (failed->err, "log in again"));
  assert_status (env, "sam", 1, 0, 0);
  outbox_after = cli_json (env, "sam", "outbox", NULL);
  g_assert_true (json_node_equal (outbox_before, outbox_after));
  sam_token = keyring_secret (keyring_url, "sam", "password");
  g_assert_null (sam_token);

  /* Logging in again lets the edit through */
  cli_login (env, "sam", server_url (env), "sam", "demo", FALSE);
  counts = cli_sync (env, "sam");
  g_assert_cmpuint (counts.pushed, ==, 1);
  g_assert_cmpuint (counts.conflicts, ==, 0);
  assert_status (env, "sam", 0, 0, 0);
  g_clear_pointer (&server, json_object_unref);
  server = server_record (env, env->admin_token, "accounts", id);
  g_assert_cmpstr (string_member (server, "phone"), ==, "+61 2 9999 0001");
  g_assert_cmpstr (string_member (server, "industry"), ==, "Public sector");
}

/* The sign-in lives in the keyring, and nowhere else */
static void
test_keyring (void)
{
  g_autoptr(SyncEnv) env = sync_env_new ();
  g_autofree char *keyring_url = keyring_server (server_url (env));
  g_autofree char *user_id = NULL;
  g_autofree char *found = NULL;
  g_autofree char *token = NULL;
  g_autofree char *password = NULL;
  g_autofree char *dir = profile_dir (env, "pat");
  g_autofree char *wrong_dir = profile_dir (env, "wrong");
  g_autofree char *out = NULL;
  g_autofree char *created = NULL;
  g_autoptr(CliResult) wrong = NULL;
  g_autoptr(CliResult) not_logged_in = NULL;
  g_autoptr(CrmTestResponse) check = NULL;
  const char *secret = "Pat-K3yring-Only-7q2";

  user_id = crm_test_server_add_user (env->server, "pat", "rep", "morgan", secret);

  /* Token only */
  cli_login (env, "pat", server_url (env), "pat", secret, FALSE);
  found = keyring_search (keyring_url, "pat", NULL);
  g_test_message ("Keyring after login: %s", found);
  g_assert_nonnull (strstr (found, "attribute.server = "));
  g_assert_nonnull (strstr (found, keyring_url));
  g_assert_nonnull (strstr (found, "attribute.user = pat"));
  g_assert_nonnull (strstr (found, "attribute.kind = token"));
  g_assert_null (strstr (found, "attribute.kind = password"));
  token = keyring_secret (keyring_url, "pat", "token");
  g_assert_nonnull (token);
  g_assert_cmpuint (strlen (token), >=, 20);
  password = keyring_secret (keyring_url, "pat", "password");
  g_assert_null (password);

  /* It is the real token */
  check = crm_test_server_request (env->server, "GET", "/api/v1/accounts?limit=1", token, NULL, NULL);
  g_assert_cmpuint (check->status, ==, 200);

  /* Work with it, so the database has pages and a WAL */
  cli_sync (env, "pat");
  created = cli_create (env, "pat", "accounts", "name=Keyring Check BV", NULL);
  assert_sync (env, "pat", 1, 0, 0);
  g_assert_false (folder_contains (dir, token));
  g_assert_false (folder_contains (dir, secret));

  /* Remembered only when asked */
  cli_login (env, "pat", server_url (env), "pat", secret, TRUE);
  password = keyring_secret (keyring_url, "pat", "password");
  g_assert_cmpstr (password, ==, secret);
  g_free (token);
  token = keyring_secret (keyring_url, "pat", "token");
  g_assert_nonnull (token);
  assert_sync (env, "pat", 0, 0, 0);
  g_assert_false (folder_contains (dir, token));
  g_assert_false (folder_contains (dir, secret));

  /* Logging in again without it forgets the password */
  cli_login (env, "pat", server_url (env), "pat", secret, FALSE);
  g_free (password);
  password = keyring_secret (keyring_url, "pat", "password");
  g_assert_null (password);
  cli_login (env, "pat", server_url (env), "pat", secret, TRUE);

  /* Logout removes both */
  out = cli_ok (env, "pat", "logout", NULL);
  g_free (found);
  found = keyring_search (keyring_url, "pat", NULL);
  g_assert_cmpstr (found, ==, "");
  not_logged_in = cli_run (env, "pat", "sync", NULL);
  assert_one_line_failure (not_logged_in, 1);

  /* A wrong password stores nothing */
  wrong = cli_login_result (env, "wrong", server_url (env), "pat", "not-the-password", TRUE);
  assert_one_line_failure (wrong, 1);
  g_free (found);
  found = keyring_search (keyring_url, "pat", NULL);
  g_assert_cmpstr (found, ==, "");
  g_clear_pointer (&not_logged_in, cli_result_free);
  not_logged_in = cli_run (env, "wrong", "sync", NULL);
  assert_one_line_failure (not_logged_in, 1);
  if (g_file_test (wrong_dir, G_FILE_TEST_IS_DIR))
    g_assert_false (folder_contains (wrong_dir, "not-the-password"));
}

/* Through a proxy that fails a good share of requests in every way it
 * can, two profiles with many offline edits converge: every edit reaches
 * the server once, and both profiles end with what the server has. */

typedef struct
{
  char     *profile;
  char     *name;
  char     *id;
  char     *phone;
  char     *industry;
  gboolean  deleted;
} Expected;

static void
expected_free (Expected *expected)
{
  g_free (expected->profile);
  g_free (expected->name);
  g_free (expected->id);
  g_free (expected->phone);
  g_free (expected->industry);
  g_free (expected);
}

#define FAULT_ROUNDS 6

static void
set_phone (SyncEnv    *env,
           Expected   *expected,
           const char *phone)
{
  g_autofree char *assignment = g_strdup_printf ("phone=%s", phone);

  cli_update (env, expected->profile, "accounts", expected->id, assignment);
  g_free (expected->phone);
  expected->phone = g_strdup (phone);
}

/* Runs sync on both profiles at once and checks both succeeded */
static void
sync_both (SyncEnv  *env,
           gboolean  together)
{
  static const char * const profiles[] = { "riley", "sam" };
  const char * const args[] = { "sync", NULL };
  GSubprocess *processes[2] = { NULL, NULL };
  char *command_lines[2] = { NULL, NULL };

  for (guint i = 0; i < 2; i++)
    {
      if (together)
        processes[i] = cli_spawnv (env, profiles[i], args, &command_lines[i]);
      else
        {
          g_autoptr(CliResult) result = cli_runv (env, profiles[i], NULL, args);
          SyncCounts counts;

          assert_sync_result (result, &counts);
          g_assert_cmpuint (counts.conflicts, ==, 0);
          g_assert_cmpuint (counts.rejected, ==, 0);
        }
    }
  for (guint i = 0; together && i < 2; i++)
    {
      g_autoptr(CliResult) result = cli_finish (processes[i], command_lines[i], NULL);
      SyncCounts counts;

      assert_sync_result (result, &counts);
      g_assert_cmpuint (counts.conflicts, ==, 0);
      g_assert_cmpuint (counts.rejected, ==, 0);
      g_object_unref (processes[i]);
      g_free (command_lines[i]);
    }
}

static void
test_faults (void)
{
  g_autoptr(SyncEnv) env = sync_env_new ();
  g_autofree char *riley = login_as (env, "riley");
  g_autofree char *sam = login_as (env, "sam");
  const char *seed_text = g_getenv ("CRM_TEST_FAULT_SEED");
  const char *rate_text = g_getenv ("CRM_TEST_FAULT_RATE");
  guint seed = seed_text ? (guint) g_ascii_strtoull (seed_text, NULL, 10) : 20261123;
  double rate = rate_text ? g_ascii_strtod (rate_text, NULL) : 0.3;
  g_autoptr(CrmFaultProxy) proxy = crm_fault_proxy_new (server_url (env), seed, 0.0);
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GPtrArray) created = g_ptr_array_new_with_free_func ((GDestroyNotify) expected_free);
  g_autoptr(GPtrArray) demo = g_ptr_array_new_with_free_func ((GDestroyNotify) expected_free);
  g_autoptr(JsonArray) accounts = NULL;
  g_autoptr(JsonArray) all_accounts = NULL;
  g_autoptr(GHashTable) names = NULL;
  g_autoptr(CliResult) failed = NULL;
  static const char * const profiles[] = { "riley", "sam" };
  GHashTableIter iter;
  gpointer key, value;
  guint edits = 0;

  g_test_message ("Fault seed %u, rate %.2f (set CRM_TEST_FAULT_SEED, CRM_TEST_FAULT_RATE to change them)",
                  seed, rate);
  g_subprocess_launcher_setenv (env->launcher, "CRM_SYNC_MAX_ATTEMPTS", "30", TRUE);
  g_subprocess_launcher_setenv (env->launcher, "CRM_SYNC_PUSH_BATCH", "4", TRUE);
  g_subprocess_launcher_setenv (env->launcher, "CRM_SYNC_PULL_PAGE", "300", TRUE);

  cli_login (env, "riley", crm_fault_proxy_get_url (proxy), "riley", "demo", FALSE);
  cli_login (env, "sam", crm_fault_proxy_get_url (proxy), "sam", "demo", FALSE);

  /* The nasty case, on purpose: the server applies a push whose every
   * answer is lost, the sync gives up, and an edit comes on top */
  {
    Expected *expected = g_new0 (Expected, 1);
    g_autoptr(JsonObject) server = NULL;

    expected->profile = g_strdup ("riley");
    expected->name = g_strdup ("Fault riley lost-answer");
    expected->phone = g_strdup ("+1 000 0001");
    expected->industry = g_strdup ("Retail");
    expected->id = cli_create (env, "riley", "accounts", "name=Fault riley lost-answer", "phone=+1 000 0001",
                               "industry=Retail", NULL);
    g_ptr_array_add (created, expected);

    g_subprocess_launcher_setenv (env->launcher, "CRM_SYNC_MAX_ATTEMPTS", "3", TRUE);
    crm_fault_proxy_drop_next_reply (proxy, "/api/v1/sync/push", 3);
    failed = cli_run (env, "riley", "sync", NULL);
    assert_one_line_failure (failed, 1);
    g_subprocess_launcher_setenv (env->launcher, "CRM_SYNC_MAX_ATTEMPTS", "30", TRUE);
    server = server_record (env, env->admin_token, "accounts", expected->id);
    g_assert_nonnull (server);
    assert_status (env, "riley", 1, 0, 0);
    set_phone (env, expected, "+1 000 0002");
    assert_status (env, "riley", 2, 0, 0);
  }

  crm_fault_proxy_set_rate (proxy, rate);
  sync_both (env, FALSE);

  /* Demo accounts both may edit: riley changes phones, sam industries;
   * some each deletes, touched by nobody else */
  accounts = cli_list (env, "riley", "accounts");
  for (guint i = 0; i < FAULT_ROUNDS * 3; i++)
    {
      JsonObject *record = json_array_get_object_element (accounts, 50 + i * 7);
      Expected *expected = g_new0 (Expected, 1);

      expected->id = g_strdup (string_member (record, "id"));
      expected->name = g_strdup (string_member (record, "name"));
      expected->phone = g_strdup (string_member (record, "phone"));
      expected->industry = g_strdup (string_member (record, "industry"));
      g_ptr_array_add (demo, expected);
    }

  for (guint round = 0; round < FAULT_ROUNDS; round++)
    {
      for (guint p = 0; p < G_N_ELEMENTS (profiles); p++)
        {
          const char *profile = profiles[p];
          guint existing = created->len;

          /* New records, one changed again before any sync */
          for (guint k = 0; k < 3; k++)
            {
              Expected *expected = g_new0 (Expected, 1);
              g_autofree char *name_arg = NULL;
              g_autofree char *phone_arg = NULL;

              expected->profile = g_strdup (profile);
              expected->name = g_strdup_printf ("Fault %s r%u #%u", profile, round, k);
              expected->phone = g_strdup_printf ("+1 %u%u%u 0000", p, round, k);
              expected->industry = g_strdup (k % 2 ? "Energy" : "Finance");
              name_arg = g_strdup_printf ("name=%s", expected->name);
              phone_arg = g_strdup_printf ("phone=%s", expected->phone);
              expected->id = cli_create (env, profile, "accounts", name_arg, phone_arg,
                                         k % 2 ? "industry=Energy" : "industry=Finance", NULL);
              g_ptr_array_add (created, expected);
              edits++;
            }
          set_phone (env, g_ptr_array_index (created, created->len - 1), "+1 999 0000");
          edits++;

          /* Earlier ones of this profile: changed or deleted */
          for (guint j = 0; j < existing; j++)
            {
              Expected *expected = g_ptr_array_index (created, j);
              guint dice = (guint) g_rand_int_range (rand, 0, 100);

              if (expected->deleted || g_strcmp0 (expected->profile, profile) != 0)
                continue;
              if (dice < 35)
                {
                  g_autofree char *phone = g_strdup_printf ("+2 %u %u %u", round, p, j);

                  set_phone (env, expected, phone);
                  edits++;
                }
              else if (dice < 50)
                {
                  cli_delete (env, profile, "accounts", expected->id);
                  expected->deleted = TRUE;
                  edits++;
                }
            }

          /* Demo accounts: both change the shared one, each deletes its own */
          {
            Expected *shared = g_ptr_array_index (demo, round * 3);
            Expected *own = g_ptr_array_index (demo, round * 3 + 1 + p);
            g_autofree char *assignment = NULL;

            if (p == 0)
              {
                g_free (shared->phone);
                shared->phone = g_strdup_printf ("+3 %u", round);
                assignment = g_strdup_printf ("phone=%s", shared->phone);
              }
            else
              {
                g_free (shared->industry);
                shared->industry = g_strdup_printf ("Industry %u", round);
                assignment = g_strdup_printf ("industry=%s", shared->industry);
              }
            cli_update (env, profile, "accounts", shared->id, assignment);
            cli_delete (env, profile, "accounts", own->id);
            own->deleted = TRUE;
            edits += 2;
          }
        }

      /* Each push's first answer is lost once per round */
      crm_fault_proxy_drop_next_reply (proxy, "/api/v1/sync/push", 1);
      sync_both (env, round % 2 == 1);
      g_test_message ("Round %u: %u requests, %u faults so far", round, crm_fault_proxy_get_requests (proxy),
                      crm_fault_proxy_get_faults (proxy));
    }

  /* A clean finish */
  crm_fault_proxy_set_rate (proxy, 0.0);
  sync_both (env, FALSE);
  sync_both (env, FALSE);
  for (guint k = 0; k < CRM_FAULT_N_KINDS; k++)
    g_test_message ("%s: %u", crm_fault_to_string (k), crm_fault_proxy_get_fault_count (proxy, k));
  g_test_message ("%u edits, %u requests, %u faults", edits, crm_fault_proxy_get_requests (proxy),
                  crm_fault_proxy_get_faults (proxy));
  g_assert_cmpuint (crm_fault_proxy_get_faults (proxy), >, 10);
  g_assert_cmpuint (crm_fault_proxy_get_fault_count (proxy, CRM_FAULT_DROP_REPLY), >=, FAULT_ROUNDS);

  for (guint p = 0; p < G_N_ELEMENTS (profiles); p++)
    assert_status (env, profiles[p], 0, 0, 0);

  /* Every created record once, as last edited; none of the deleted */
  all_accounts = server_list (env, env->admin_token, "accounts");
  names = count_names (all_accounts);
  for (guint i = 0; i < created->len; i++)
    {
      Expected *expected = g_ptr_array_index (created, i);
      g_autoptr(JsonObject) server = server_record (env, env->admin_token, "accounts", expected->id);
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (names, expected->name));

      if (count != (expected->deleted ? 0u : 1u))
        g_test_message ("%s (%s): %u on the server", expected->name, expected->id, count);
      g_assert_cmpuint (count, ==, expected->deleted ? 0 : 1);
      if (expected->deleted)
        {
          g_assert_null (server);
          continue;
        }
      g_assert_nonnull (server);
      g_assert_cmpstr (string_member (server, "name"), ==, expected->name);
      g_assert_cmpstr (string_member (server, "phone"), ==, expected->phone);
      g_assert_cmpstr (string_member (server, "industry"), ==, expected->industry);
    }
  g_hash_table_iter_init (&iter, names);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_str_has_prefix (key, "Fault "))
      {
        gboolean known = FALSE;

        for (guint i = 0; i < created->len && !known; i++)
          known = g_str_equal (((Expected *) g_ptr_array_index (created, i))->name, key);
        if (!known)
          g_test_message ("The server has an account no client made: %s", (const char *) key);
        g_assert_true (known);
      }

  for (guint i = 0; i < demo->len; i++)
    {
      Expected *expected = g_ptr_array_index (demo, i);
      g_autoptr(JsonObject) server = server_record (env, env->admin_token, "accounts", expected->id);

      if (expected->deleted)
        {
          g_assert_null (server);
          continue;
        }
      g_assert_nonnull (server);
      g_assert_cmpstr (string_member (server, "phone"), ==, expected->phone);
      g_assert_cmpstr (string_member (server, "industry"), ==, expected->industry);
    }

  /* And both profiles hold what the server has */
  assert_agrees_with_server (env, "riley", riley, "accounts");
  assert_agrees_with_server (env, "sam", sam, "accounts");
}

/* A full disk ***********************************************************/

/* A small tmpfs mounted over a profile's folder, so that its database
 * can run out of space. Mounting needs root (CI runs the tests as root). */
typedef struct
{
  char *path;
  char *filler;
} SmallDisk;

static gboolean
small_disk_mount (SmallDisk  *disk,
                  const char *path,
                  guint       megabytes)
{
  g_autofree char *size = g_strdup_printf ("size=%um", megabytes);
  const char *argv[] = { "mount", "-t", "tmpfs", "-o", size, "tmpfs", path, NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, &error) ||
      !g_spawn_check_wait_status (status, NULL))
    return FALSE;
  disk->path = g_strdup (path);
  disk->filler = g_build_filename (path, "filler", NULL);
  return TRUE;
}

static void
small_disk_unmount (SmallDisk *disk)
{
  const char *argv[] = { "umount", disk->path, NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (disk->path == NULL)
    return;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_clear_pointer (&disk->path, g_free);
  g_clear_pointer (&disk->filler, g_free);
}

/* Fills what is left of the disk with one file */
static void
small_disk_fill (SmallDisk *disk)
{
  static const char block[4096] = { 0 };
  FILE *file = fopen (disk->filler, "w");
  gsize written = 0;

  g_assert_nonnull (file);
  while (fwrite (block, 1, sizeof block, file) == sizeof block)
    written += sizeof block;
  fclose (file);
  g_test_message ("filled %s with %" G_GSIZE_FORMAT " bytes", disk->path, written);
}

static void
small_disk_free_space (SmallDisk *disk)
{
  g_assert_cmpint (g_unlink (disk->filler), ==, 0);
}

/* The profile's database fills its disk: the edit that does not fit is
 * refused with a message that says so, every edit accepted before stays
 * queued, a sync that cannot store what it receives fails the same way
 * and keeps the queue, and once there is room again one sync brings the
 * server every edit exactly once. */
static void
test_full_disk (void)
{
  g_autoptr(SyncEnv) env = sync_env_new ();
  g_autofree char *riley = login_as (env, "riley");
  g_autofree char *data_dir = profile_dir (env, "full");
  g_autofree char *db_path = g_build_filename (data_dir, "default", "crm.db", NULL);
  g_autoptr(GPtrArray) accepted = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(CliResult) refused = NULL;
  g_autoptr(CliResult) sync_failed = NULL;
  g_autoptr(JsonNode) outbox_before = NULL;
  g_autoptr(JsonNode) outbox_after = NULL;
  g_autoptr(JsonArray) all_accounts = NULL;
  g_autoptr(GHashTable) names = NULL;
  g_autofree char *padding = NULL;
  g_autofree char *refused_name = NULL;
  g_autofree char *updated = NULL;
  g_autofree char *deleted = NULL;
  g_autoptr(JsonArray) mine = NULL;
  g_autoptr(JsonObject) gone = NULL;
  g_autoptr(JsonObject) kept = NULL;
  SmallDisk disk = { NULL, NULL };
  SyncCounts counts;

  if (!small_disk_mount (&disk, data_dir, 24))
    {
      g_test_skip ("Cannot mount a tmpfs here (that needs root)");
      return;
    }

  cli_login (env, "full", server_url (env), "riley", "demo", FALSE);
  cli_sync (env, "full");

  /* Work queued before the disk fills up */
  mine = cli_list (env, "full", "accounts");
  updated = g_strdup (element_id (mine, 1));
  deleted = g_strdup (element_id (mine, 2));
  g_ptr_array_add (accepted, g_strdup ("Before Full 1"));
  g_free (cli_create (env, "full", "accounts", "name=Before Full 1", NULL));
  cli_update (env, "full", "accounts", updated, "phone=+1 555 0177");
  cli_delete (env, "full", "accounts", deleted);

  /* Edits until the disk is full; each accepted one must be queued */
  small_disk_fill (&disk);
  padding = g_strnfill (900, 'x');
  for (guint i = 0; i < 5000 && refused == NULL; i++)
    {
      g_autofree char *name = g_strdup_printf ("name=Full Disk %u", i);
      g_autofree char *address = g_strdup_printf ("address=%u %s", i, padding);
      const char *args[] = { "create", "accounts", name, address, NULL };
      g_autoptr(CliResult) result = cli_runv (env, "full", NULL, args);

      if (result->status == 0)
        g_ptr_array_add (accepted, g_strdup_printf ("Full Disk %u", i));
      else
        refused = g_steal_pointer (&result);
    }
  g_assert_nonnull (refused);
  assert_one_line_failure (refused, 1);
  g_assert_nonnull (strstr (refused->err, "disk is full"));
  g_test_message ("%u more creations fitted before the disk was full", accepted->len - 1);

  /* Reading still works, and shows every accepted edit queued */
  assert_status (env, "full", accepted->len + 2, 0, 0);
  outbox_before = cli_json (env, "full", "outbox", NULL);

  /* Meanwhile the server gains records the profile must store to sync */
  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"name\":\"Server Side %u\",\"address\":\"%s\"}", i, padding);
      g_autofree char *id = server_create (env, riley, "accounts", body);
    }

  sync_failed = cli_run (env, "full", "sync", NULL);
  assert_one_line_failure (sync_failed, 1);
  g_assert_nonnull (strstr (sync_failed->err, "disk is full"));
  outbox_after = cli_json (env, "full", "outbox", NULL);
  g_assert_true (json_node_equal (outbox_before, outbox_after));
  assert_status (env, "full", accepted->len + 2, 0, 0);

  /* Room again: one sync sends everything, once */
  small_disk_free_space (&disk);
  counts = cli_sync (env, "full");
  g_assert_cmpuint (counts.pushed, ==, accepted->len + 2);
  g_assert_cmpuint (counts.conflicts, ==, 0);
  g_assert_cmpuint (counts.rejected, ==, 0);
  assert_status (env, "full", 0, 0, 0);
  g_test_message ("pushed %u, pulled %u after freeing space", counts.pushed, counts.pulled);

  all_accounts = server_list (env, riley, "accounts");
  names = count_names (all_accounts);
  for (guint i = 0; i < accepted->len; i++)
    g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (names, accepted->pdata[i])), ==, 1);
  refused_name = g_strdup_printf ("Full Disk %u", accepted->len - 1);
  g_assert_null (g_hash_table_lookup (names, refused_name));
  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *name = g_strdup_printf ("Server Side %u", i);
      g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (names, name)), ==, 1);
    }
  gone = server_record (env, riley, "accounts", deleted);
  g_assert_null (gone);
  kept = server_record (env, riley, "accounts", updated);
  g_assert_cmpstr (string_member (kept, "phone"), ==, "+1 555 0177");
  assert_agrees_with_server (env, "full", riley, "accounts");
  crm_test_assert_integrity (db_path);

  small_disk_unmount (&disk);
}

/* The database restarts ***********************************************/

/* Runs $VARIABLE, a shell command that stops or starts the PostgreSQL
 * server the test servers use (build-aux/run-tests sets them) */
static void
run_pg_ctl (const char *variable)
{
  const char *argv[] = { "/bin/sh", "-c", g_getenv (variable), NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  /* Its chatter goes to the log as comments, not into the TAP stream */
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  g_test_message ("%s: %s%s", variable, g_strstrip (out), g_strstrip (err));
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
}

/* PostgreSQL stops in the middle of a first sync and comes back: the
 * server answers 503 with Retry-After meanwhile, the client waits and
 * goes on, and in the end nothing queued is lost or made twice. */
static void
test_db_restart (void)
{
  g_autoptr(SyncEnv) env = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(CliResult) result = NULL;
  g_autoptr(CrmTestResponse) response = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonArray) accounts = NULL;
  g_autoptr(GHashTable) names = NULL;
  g_autofree char *command_line = NULL;
  g_autofree char *token = NULL;
  const char *args[] = { "sync", NULL };
  SyncCounts counts;

  if (g_getenv ("CRM_TEST_DATABASE") == NULL || g_getenv ("CRM_TEST_PG_STOP") == NULL ||
      g_getenv ("CRM_TEST_PG_START") == NULL)
    {
      g_test_skip ("Needs PostgreSQL: CRM_TEST_DATABASE, CRM_TEST_PG_STOP and CRM_TEST_PG_START");
      return;
    }
  env = sync_env_new ();
  g_assert_nonnull (crm_test_server_get_database (env->server));
  /* Many small requests, so the restart lands in the middle; patient retries */
  g_subprocess_launcher_setenv (env->launcher, "CRM_SYNC_PULL_PAGE", "40", TRUE);
  g_subprocess_launcher_setenv (env->launcher, "CRM_SYNC_PUSH_BATCH", "2", TRUE);
  g_subprocess_launcher_setenv (env->launcher, "CRM_SYNC_MAX_ATTEMPTS", "12", TRUE);
  g_subprocess_launcher_setenv (env->launcher, "CRM_SYNC_RETRY_BASE_MS", "200", TRUE);

  cli_login (env, "riley", server_url (env), "riley", "demo", FALSE);
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *name = g_strdup_printf ("name=Restart %u", i);

      g_ptr_array_add (ids, cli_create (env, "riley", "accounts", name, NULL));
    }

  process = cli_spawnv (env, "riley", args, &command_line);
  g_usleep (G_USEC_PER_SEC / 4);
  g_assert_nonnull (g_subprocess_get_identifier (process));
  run_pg_ctl ("CRM_TEST_PG_STOP");

  response = crm_test_server_request (env->server, "GET", "/api/v1/sync/pull?limit=1", env->admin_token, NULL, NULL);
  crm_test_response_assert_error (response, 503, "unavailable");
  g_assert_nonnull (crm_test_response_header (response, "Retry-After"));
  g_usleep (G_USEC_PER_SEC);
  run_pg_ctl ("CRM_TEST_PG_START");

  result = cli_finish (process, command_line, NULL);
  assert_sync_result (result, &counts);
  g_assert_cmpuint (counts.pushed, ==, ids->len);
  g_assert_cmpuint (counts.conflicts, ==, 0);
  assert_status (env, "riley", 0, 0, 0);
  assert_sync (env, "riley", 0, 0, 0);

  token = login_as (env, "riley");
  accounts = server_list (env, token, "accounts");
  names = count_names (accounts);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autofree char *name = g_strdup_printf ("Restart %u", i);

      g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (names, name)), ==, 1);
    }
  assert_agrees_with_server (env, "riley", token, "accounts");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  cli_path = g_getenv ("CRM_CLI");

  g_test_add_func ("/sync/first-sync", test_first_sync);
  g_test_add_func ("/sync/offline-round-trip", test_offline_round_trip);
  g_test_add_func ("/sync/merge-two-profiles", test_merge_two_profiles);
  g_test_add_func ("/sync/conflict", test_conflict);
  g_test_add_func ("/sync/conflict-newer-server-value", test_conflict_newer_server_value);
  g_test_add_func ("/sync/conflict-edited-again", test_conflict_edited_again);
  g_test_add_func ("/sync/rejected", test_rejected);
  g_test_add_func ("/sync/deleted-on-server", test_deleted_on_server);
  g_test_add_func ("/sync/resync-410", test_resync_410);
  g_test_add_func ("/sync/relogin-other-server", test_relogin_other_server);
  g_test_add_func ("/sync/expired-token", test_expired_token);
  g_test_add_func ("/sync/keyring", test_keyring);
  g_test_add_func ("/sync/faults", test_faults);
  g_test_add_func ("/sync/full-disk", test_full_disk);
  g_test_add_func ("/sync/db-restart", test_db_restart);
  return g_test_run ();
}
