/* test-cli.c: crm-cli as a user runs it
 *
 * Runs the real binary named by $CRM_CLI, each test against a fresh data
 * folder, and checks exit statuses, messages and the JSON it prints.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-test-cli"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *cli_path;

/* A data folder and the environment crm-cli runs in *******************/

typedef struct
{
  char                *root;
  char                *data_dir;
  GSubprocessLauncher *launcher;
  /* FALSE to leave --data-dir out and let the environment decide */
  gboolean             pass_data_dir;
} CliEnv;

typedef struct
{
  int   status;
  char *out;
  char *err;
} CliResult;

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
cli_env_free (CliEnv *env)
{
  g_autoptr(GFile) root = g_file_new_for_path (env->root);

  remove_tree (root);
  g_free (env->root);
  g_free (env->data_dir);
  g_clear_object (&env->launcher);
  g_free (env);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliEnv, cli_env_free)

static CliEnv *
cli_env_new (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *xdg = NULL;
  CliEnv *env;

  /* Checked here, not in main(), so that -l lists the cases without it */
  if (cli_path == NULL || !g_file_test (cli_path, G_FILE_TEST_IS_EXECUTABLE))
    g_error ("CRM_CLI must name the crm-cli binary to test; it is %s",
             cli_path ? cli_path : "not set");

  env = g_new0 (CliEnv, 1);
  env->root = g_dir_make_tmp ("test-cli-XXXXXX", &error);
  g_assert_no_error (error);
  env->data_dir = g_build_filename (env->root, "data", NULL);
  env->pass_data_dir = TRUE;

  /* Nothing the test runs may reach the real profiles of whoever runs it */
  xdg = g_build_filename (env->root, "xdg-data", NULL);
  env->launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                             G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_unsetenv (env->launcher, "CRM_DATA_DIR");
  g_subprocess_launcher_setenv (env->launcher, "XDG_DATA_HOME", xdg, TRUE);
  /* Untranslated messages, so “Usage” and field names can be matched */
  g_subprocess_launcher_setenv (env->launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_unsetenv (env->launcher, "LANGUAGE");
  return env;
}

static void
cli_result_free (CliResult *result)
{
  g_free (result->out);
  g_free (result->err);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliResult, cli_result_free)

/* Running crm-cli *****************************************************/

static CliResult *
cli_runv (CliEnv             *env,
          const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *command_line = NULL;
  CliResult *result = g_new0 (CliResult, 1);

  g_ptr_array_add (argv, (char *) cli_path);
  if (env->pass_data_dir)
    {
      g_ptr_array_add (argv, (char *) "--data-dir");
      g_ptr_array_add (argv, env->data_dir);
    }
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  command_line = g_strjoinv (" ", (char **) argv->pdata);
  process = g_subprocess_launcher_spawnv (env->launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &result->out, &result->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  result->status = g_subprocess_get_exit_status (process);

  /* A TAP comment, so a failing assertion has the command line before it */
  g_test_message ("%s: exit %d%s%.*s", command_line, result->status,
                  *result->err ? ", stderr: " : "",
                  (int) strcspn (result->err, "\n"), result->err);
  return result;
}

/* Collects NULL-terminated arguments, the first one given */
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
cli_run_valist (CliEnv     *env,
                const char *first,
                va_list     args)
{
  g_autoptr(GPtrArray) array = collect_args (first, args);

  return cli_runv (env, (const char * const *) array->pdata);
}

static CliResult *
cli_run (CliEnv     *env,
         const char *first,
         ...) G_GNUC_NULL_TERMINATED;

static CliResult *
cli_run (CliEnv     *env,
         const char *first,
         ...)
{
  CliResult *result;
  va_list args;

  va_start (args, first);
  result = cli_run_valist (env, first, args);
  va_end (args);
  return result;
}

/* Runs a command that must succeed and returns its stdout, stripped */
static char *
cli_ok (CliEnv     *env,
        const char *first,
        ...) G_GNUC_NULL_TERMINATED;

static char *
cli_ok (CliEnv     *env,
        const char *first,
        ...)
{
  g_autoptr(CliResult) result = NULL;
  va_list args;

  va_start (args, first);
  result = cli_run_valist (env, first, args);
  va_end (args);

  g_assert_cmpstr (result->err, ==, "");
  g_assert_cmpint (result->status, ==, 0);
  return g_strstrip (g_steal_pointer (&result->out));
}

/* Runs a command that must succeed and parses what it prints */
static JsonNode *
cli_json (CliEnv     *env,
          const char *first,
          ...) G_GNUC_NULL_TERMINATED;

static JsonNode *
cli_json (CliEnv     *env,
          const char *first,
          ...)
{
  g_autoptr(CliResult) result = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  va_list args;

  va_start (args, first);
  result = cli_run_valist (env, first, args);
  va_end (args);

  g_assert_cmpint (result->status, ==, 0);
  json_parser_load_from_data (parser, result->out, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

/* Creates a record from field=value arguments and returns its id */
static char *
create (CliEnv     *env,
        const char *entity,
        ...) G_GNUC_NULL_TERMINATED;

static char *
create (CliEnv     *env,
        const char *entity,
        ...)
{
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(CliResult) result = NULL;
  const char *first;
  va_list args;

  /* The fields array keeps its NULL terminator, which argv then ends on */
  va_start (args, entity);
  first = va_arg (args, const char *);
  fields = collect_args (first, args);
  va_end (args);

  g_ptr_array_add (argv, (char *) "create");
  g_ptr_array_add (argv, (char *) entity);
  g_ptr_array_extend (argv, fields, NULL, NULL);
  result = cli_runv (env, (const char * const *) argv->pdata);

  g_assert_cmpstr (result->err, ==, "");
  g_assert_cmpint (result->status, ==, 0);
  g_strstrip (result->out);
  g_assert_true (g_uuid_string_is_valid (result->out));
  return g_steal_pointer (&result->out);
}

/* Checks a refused command line: the status, and one line on stderr
 * naming what was wrong */
static void
assert_refused (CliResult  *result,
                int         status,
                const char *name)
{
  const char *newline = strchr (result->err, '\n');

  g_assert_cmpint (result->status, ==, status);
  g_assert_cmpstr (result->out, ==, "");
  g_assert_nonnull (newline);
  g_assert_cmpstr (newline + 1, ==, "");
  g_assert_cmpuint (newline - result->err, >, 0);
  if (name != NULL)
    g_assert_nonnull (strstr (result->err, name));
}

/* JSON helpers ********************************************************/

static JsonObject *
show_json (CliEnv     *env,
           const char *entity,
           const char *id)
{
  g_autoptr(JsonNode) node = cli_json (env, "show", entity, id, "--json", NULL);

  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

static JsonArray *
list_json (CliEnv     *env,
           const char *entity,
           const char *search)
{
  g_autoptr(JsonNode) node = NULL;

  if (search != NULL)
    node = cli_json (env, "list", entity, "--search", search, "--json", NULL);
  else
    node = cli_json (env, "list", entity, "--json", NULL);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  return json_array_ref (json_node_get_array (node));
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  g_assert_true (json_node_get_value_type (node) == G_TYPE_STRING);
  return json_node_get_string (node);
}

static gint64
member_int (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  g_assert_true (json_node_get_value_type (node) == G_TYPE_INT64);
  return json_node_get_int (node);
}

static void
assert_member_null (JsonObject *object,
                    const char *name)
{
  g_assert_true (json_object_has_member (object, name));
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (object, name)));
}

static gboolean
array_has_id (JsonArray  *array,
              const char *id)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_strcmp0 (member_string (json_array_get_object_element (array, i), "id"), id) == 0)
      return TRUE;
  return FALSE;
}

static gint64
pending_changes (CliEnv *env)
{
  g_autoptr(JsonNode) node = cli_json (env, "status", "--json", NULL);

  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return member_int (json_node_get_object (node), "pending");
}

static guint
count_records (CliEnv     *env,
               const char *entity)
{
  g_autoptr(JsonArray) records = list_json (env, entity, NULL);

  return json_array_get_length (records);
}

/* Tests ***************************************************************/

static void
test_help (void)
{
  static const char * const commands[] = {
    "create", "update", "delete", "list", "show", "status", NULL
  };
  g_autoptr(CliEnv) env = cli_env_new ();
  g_autoptr(CliResult) result = cli_run (env, "--help", NULL);

  g_assert_cmpint (result->status, ==, 0);
  g_assert_nonnull (strstr (result->out, "Usage"));
  for (guint i = 0; commands[i]; i++)
    g_assert_nonnull (strstr (result->out, commands[i]));

  for (guint i = 0; commands[i]; i++)
    {
      g_autoptr(CliResult) help = cli_run (env, commands[i], "--help", NULL);

      g_assert_cmpint (help->status, ==, 0);
      g_assert_nonnull (strstr (help->out, "Usage"));
      g_assert_nonnull (strstr (help->out, commands[i]));
    }

  /* Asking for help writes nothing */
  g_assert_false (g_file_test (env->data_dir, G_FILE_TEST_EXISTS));
}

static void
test_create_show (void)
{
  g_autoptr(CliEnv) env = cli_env_new ();
  g_autoptr(CliResult) result = NULL;
  g_autoptr(JsonObject) record = NULL;
  g_autofree char *text = NULL;
  JsonArray *emails;
  JsonObject *email;

  result = cli_run (env, "create", "contacts", "first_name=Ada", "last_name=Lovelace",
                    "emails=ada@example.com", NULL);
  g_assert_cmpint (result->status, ==, 0);
  g_assert_cmpstr (result->err, ==, "");
  /* Just the id, on one line */
  g_assert_true (g_str_has_suffix (result->out, "\n"));
  result->out[strlen (result->out) - 1] = '\0';
  g_assert_true (g_uuid_string_is_valid (result->out));

  record = show_json (env, "contacts", result->out);
  g_assert_cmpstr (member_string (record, "id"), ==, result->out);
  g_assert_cmpint (member_int (record, "version"), ==, 0);
  g_assert_false (json_object_get_boolean_member (record, "deleted"));
  g_assert_cmpstr (member_string (record, "first_name"), ==, "Ada");
  g_assert_cmpstr (member_string (record, "last_name"), ==, "Lovelace");
  g_assert_cmpstr (member_string (record, "created_at"), ==, member_string (record, "updated_at"));
  g_assert_true (json_object_has_member (record, "owner_id"));
  assert_member_null (record, "title");
  emails = json_object_get_array_member (record, "emails");
  g_assert_cmpuint (json_array_get_length (emails), ==, 1);
  email = json_array_get_object_element (emails, 0);
  g_assert_cmpstr (member_string (email, "value"), ==, "ada@example.com");

  text = cli_ok (env, "show", "contacts", result->out, NULL);
  g_assert_nonnull (strstr (text, "Ada"));
  g_assert_nonnull (strstr (text, "Lovelace"));
  g_assert_nonnull (strstr (text, "ada@example.com"));
}

static void
test_create_opportunity (void)
{
  g_autoptr(CliEnv) env = cli_env_new ();
  g_autoptr(CliResult) result = NULL;
  g_autoptr(JsonObject) record = NULL;
  g_autoptr(JsonObject) yen = NULL;
  g_autofree char *stage = NULL;
  g_autofree char *account = NULL;
  g_autofree char *opportunity = NULL;
  g_autofree char *yen_id = NULL;
  g_autofree char *stage_arg = NULL;
  g_autofree char *account_arg = NULL;

  stage = create (env, "stages", "name=Prospecting", "position=10", "probability=10", NULL);
  account = create (env, "accounts", "name=Acme", NULL);
  stage_arg = g_strconcat ("stage_id=", stage, NULL);
  account_arg = g_strconcat ("account_id=", account, NULL);
  opportunity = create (env, "opportunities", "name=Big deal", account_arg, stage_arg,
                        "amount=1234.5", "currency=EUR", NULL);

  record = show_json (env, "opportunities", opportunity);
  /* A decimal string in the currency's minor units, never a JSON number */
  g_assert_cmpstr (member_string (record, "amount"), ==, "1234.50");
  g_assert_cmpstr (member_string (record, "currency"), ==, "EUR");
  g_assert_cmpstr (member_string (record, "name"), ==, "Big deal");
  g_assert_cmpstr (member_string (record, "stage_id"), ==, stage);
  g_assert_cmpstr (member_string (record, "account_id"), ==, account);
  g_assert_cmpint (member_int (record, "version"), ==, 0);

  /* The yen has no minor unit */
  result = cli_run (env, "create", "opportunities", "name=Yen deal", stage_arg,
                    "amount=100.5", "currency=JPY", NULL);
  assert_refused (result, 2, "amount");
  g_assert_cmpuint (count_records (env, "opportunities"), ==, 1);
  g_assert_cmpint (pending_changes (env), ==, 3);

  yen_id = create (env, "opportunities", "name=Yen deal", stage_arg,
                   "amount=100", "currency=JPY", NULL);
  yen = show_json (env, "opportunities", yen_id);
  g_assert_cmpstr (member_string (yen, "amount"), ==, "100");
}

static void
test_list_json (void)
{
  g_autoptr(CliEnv) env = cli_env_new ();
  g_autoptr(JsonArray) before = NULL;
  g_autoptr(JsonArray) after = NULL;
  g_autofree char *ada = NULL;
  g_autofree char *grace = NULL;
  g_autofree char *alan = NULL;
  g_autofree char *out = NULL;

  g_assert_cmpuint (count_records (env, "contacts"), ==, 0);

  ada = create (env, "contacts", "first_name=Ada", "last_name=Lovelace", NULL);
  grace = create (env, "contacts", "first_name=Grace", "last_name=Hopper", NULL);
  alan = create (env, "contacts", "first_name=Alan", "last_name=Turing", NULL);

  before = list_json (env, "contacts", NULL);
  g_assert_cmpuint (json_array_get_length (before), ==, 3);
  g_assert_true (array_has_id (before, ada));
  g_assert_true (array_has_id (before, grace));
  g_assert_true (array_has_id (before, alan));
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *record = json_array_get_object_element (before, i);

      g_assert_cmpint (member_int (record, "version"), ==, 0);
      g_assert_false (json_object_get_boolean_member (record, "deleted"));
    }
  /* Other entities are not mixed in */
  g_assert_cmpuint (count_records (env, "accounts"), ==, 0);

  out = cli_ok (env, "delete", "contacts", grace, NULL);
  g_assert_cmpstr (out, ==, "");
  after = list_json (env, "contacts", NULL);
  g_assert_cmpuint (json_array_get_length (after), ==, 2);
  g_assert_true (array_has_id (after, ada));
  g_assert_false (array_has_id (after, grace));
  g_assert_true (array_has_id (after, alan));
}

static void
assert_search (CliEnv     *env,
               const char *entity,
               const char *text,
               const char *expected_id)
{
  g_autoptr(JsonArray) hits = list_json (env, entity, text);

  if (expected_id == NULL)
    g_assert_cmpuint (json_array_get_length (hits), ==, 0);
  else
    {
      g_assert_cmpuint (json_array_get_length (hits), ==, 1);
      g_assert_true (array_has_id (hits, expected_id));
    }
}

static void
test_search (void)
{
  g_autoptr(CliEnv) env = cli_env_new ();
  g_autofree char *ada = NULL;
  g_autofree char *grace = NULL;
  g_autofree char *acme = NULL;
  g_autofree char *globex = NULL;

  ada = create (env, "contacts", "first_name=Ada", "last_name=Lovelace", NULL);
  grace = create (env, "contacts", "first_name=Grace", "last_name=Hopper", NULL);
  g_free (create (env, "contacts", "first_name=Alan", "last_name=Turing", NULL));

  assert_search (env, "contacts", "Love", ada);
  assert_search (env, "contacts", "love", ada);
  assert_search (env, "contacts", "Ada Lov", ada);
  assert_search (env, "contacts", "Gr Hop", grace);
  assert_search (env, "contacts", "Zebra", NULL);
  /* Every word must match */
  assert_search (env, "contacts", "Ada Hop", NULL);

  acme = create (env, "accounts", "name=Acme Corporation", NULL);
  globex = create (env, "accounts", "name=Globex Industries", NULL);
  assert_search (env, "accounts", "Acm", acme);
  assert_search (env, "accounts", "Glob Ind", globex);
  assert_search (env, "accounts", "Initech", NULL);
  /* A search of contacts does not find accounts */
  assert_search (env, "contacts", "Acme", NULL);
}

static void
test_update (void)
{
  g_autoptr(CliEnv) env = cli_env_new ();
  g_autoptr(JsonObject) before = NULL;
  g_autoptr(JsonObject) changed = NULL;
  g_autoptr(JsonObject) cleared = NULL;
  g_autofree char *id = NULL;
  g_autofree char *out = NULL;
  g_autofree char *cleared_out = NULL;

  id = create (env, "contacts", "first_name=Ada", "last_name=Lovelace", "title=Engineer", NULL);
  before = show_json (env, "contacts", id);
  g_assert_cmpstr (member_string (before, "title"), ==, "Engineer");

  /* Timestamps have millisecond precision */
  g_usleep (20 * 1000);
  out = cli_ok (env, "update", "contacts", id, "title=Analyst", NULL);
  g_assert_cmpstr (out, ==, "");
  changed = show_json (env, "contacts", id);
  g_assert_cmpstr (member_string (changed, "title"), ==, "Analyst");
  g_assert_cmpstr (member_string (changed, "first_name"), ==, "Ada");
  g_assert_cmpstr (member_string (changed, "last_name"), ==, "Lovelace");
  g_assert_cmpstr (member_string (changed, "created_at"), ==, member_string (before, "created_at"));
  g_assert_cmpstr (member_string (changed, "updated_at"), !=, member_string (before, "updated_at"));
  g_assert_cmpstr (member_string (changed, "updated_at"), >, member_string (before, "updated_at"));
  g_assert_cmpint (member_int (changed, "version"), ==, 0);

  /* An empty value clears an optional field */
  cleared_out = cli_ok (env, "update", "contacts", id, "title=", NULL);
  g_assert_cmpstr (cleared_out, ==, "");
  cleared = show_json (env, "contacts", id);
  assert_member_null (cleared, "title");
  g_assert_cmpstr (member_string (cleared, "last_name"), ==, "Lovelace");

  /* Never sent, the create and its updates travel as one create */
  g_assert_cmpint (pending_changes (env), ==, 1);
}

static void
test_delete (void)
{
  g_autoptr(CliEnv) env = cli_env_new ();
  g_autoptr(CliResult) show = NULL;
  g_autoptr(CliResult) again = NULL;
  g_autoptr(JsonArray) records = NULL;
  g_autofree char *id = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *out = NULL;

  id = create (env, "contacts", "first_name=Ada", "last_name=Lovelace", NULL);
  kept = create (env, "contacts", "first_name=Grace", "last_name=Hopper", NULL);
  g_assert_cmpint (pending_changes (env), ==, 2);

  out = cli_ok (env, "delete", "contacts", id, NULL);
  g_assert_cmpstr (out, ==, "");

  show = cli_run (env, "show", "contacts", id, NULL);
  assert_refused (show, 1, id);
  records = list_json (env, "contacts", NULL);
  g_assert_cmpuint (json_array_get_length (records), ==, 1);
  g_assert_false (array_has_id (records, id));
  g_assert_true (array_has_id (records, kept));
  /* The server never heard of it: create + delete leaves nothing to send */
  g_assert_cmpint (pending_changes (env), ==, 1);

  /* Deleting it again finds nothing and queues nothing */
  again = cli_run (env, "delete", "contacts", id, NULL);
  assert_refused (again, 1, id);
  g_assert_cmpint (pending_changes (env), ==, 1);
}

static void
test_status (void)
{
  g_autoptr(CliEnv) env = cli_env_new ();
  g_autoptr(JsonNode) fresh = NULL;
  g_autoptr(JsonNode) busy = NULL;
  g_autofree char *ada = NULL;
  g_autofree char *out = NULL;
  JsonObject *object;

  fresh = cli_json (env, "status", "--json", NULL);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (fresh));
  object = json_node_get_object (fresh);
  g_assert_cmpint (member_int (object, "pending"), ==, 0);
  g_assert_cmpint (member_int (object, "conflicts"), ==, 0);

  ada = create (env, "contacts", "first_name=Ada", NULL);
  g_free (create (env, "accounts", "name=Acme", NULL));
  out = cli_ok (env, "update", "contacts", ada, "last_name=Lovelace", NULL);
  g_assert_cmpstr (out, ==, "");

  busy = cli_json (env, "status", "--json", NULL);
  object = json_node_get_object (busy);
  /* Two creates; the update folds into the unsent create */
  g_assert_cmpint (member_int (object, "pending"), ==, 2);
  g_assert_cmpint (member_int (object, "conflicts"), ==, 0);
}

static void
test_bad_entity (void)
{
  static const char *uuid = "7d444840-9dc0-11d1-b245-5ffdce74fad2";
  g_autoptr(CliEnv) env = cli_env_new ();
  g_autoptr(CliResult) created = NULL;
  g_autoptr(CliResult) listed = NULL;
  g_autoptr(CliResult) shown = NULL;
  g_autoptr(CliResult) updated = NULL;
  g_autoptr(CliResult) deleted = NULL;

  created = cli_run (env, "create", "widgets", "name=Sprocket", NULL);
  assert_refused (created, 2, "widgets");
  listed = cli_run (env, "list", "widgets", "--json", NULL);
  assert_refused (listed, 2, "widgets");
  shown = cli_run (env, "show", "widgets", uuid, NULL);
  assert_refused (shown, 2, "widgets");
  updated = cli_run (env, "update", "widgets", uuid, "name=Cog", NULL);
  assert_refused (updated, 2, "widgets");
  deleted = cli_run (env, "delete", "widgets", uuid, NULL);
  assert_refused (deleted, 2, "widgets");

  g_assert_cmpuint (count_records (env, "accounts"), ==, 0);
  g_assert_cmpuint (count_records (env, "contacts"), ==, 0);
  g_assert_cmpint (pending_changes (env), ==, 0);
}

static void
test_bad_field (void)
{
  g_autoptr(CliEnv) env = cli_env_new ();
  g_autoptr(CliResult) unknown = NULL;
  g_autoptr(CliResult) system = NULL;
  g_autoptr(CliResult) system_update = NULL;
  g_autoptr(CliResult) unknown_update = NULL;
  g_autoptr(CliResult) deleted = NULL;
  g_autoptr(JsonObject) record = NULL;
  g_autofree char *id = NULL;

  unknown = cli_run (env, "create", "contacts", "first_name=Ada", "nickname=Countess", NULL);
  assert_refused (unknown, 2, "nickname");
  system = cli_run (env, "create", "contacts", "first_name=Ada", "version=3", NULL);
  assert_refused (system, 2, "version");
  deleted = cli_run (env, "create", "contacts", "first_name=Ada", "deleted=true", NULL);
  assert_refused (deleted, 2, "deleted");
  g_assert_cmpuint (count_records (env, "contacts"), ==, 0);
  g_assert_cmpint (pending_changes (env), ==, 0);

  id = create (env, "contacts", "first_name=Ada", NULL);
  system_update = cli_run (env, "update", "contacts", id, "version=3", NULL);
  assert_refused (system_update, 2, "version");
  unknown_update = cli_run (env, "update", "contacts", id, "title=CTO", "nickname=Countess", NULL);
  assert_refused (unknown_update, 2, "nickname");

  record = show_json (env, "contacts", id);
  g_assert_cmpint (member_int (record, "version"), ==, 0);
  assert_member_null (record, "title");
  g_assert_cmpint (pending_changes (env), ==, 1);
}

static void
test_bad_value (void)
{
  static const struct {
    const char *entity;
    const char *field;
    const char *args[4];
  } cases[] = {
    { "opportunities", "amount", { "amount=abc", "currency=EUR" } },
    { "opportunities", "amount", { "amount=1.234", "currency=EUR" } },
    { "opportunities", "currency", { "amount=10", "currency=euro" } },
    { "opportunities", "expected_close_date", { "currency=EUR", "expected_close_date=2026-13-40" } },
    { "opportunities", "probability", { "currency=EUR", "probability=150" } },
    /* Well-formed, but no account has that id */
    { "opportunities", "account_id", { "currency=EUR", "account_id=0b7e4f2c-1d7a-4f0e-9a55-3c1d2e4f5a6b" } },
    { "opportunities", "account_id", { "currency=EUR", "account_id=acme" } },
    /* Missing required fields */
    { "opportunities", "currency", { "amount=10" } },
    { "accounts", "name", { "industry=Retail" } },
    { "contacts", "emails", { "first_name=Ada", "emails=not-an-email" } },
    { "stages", "position", { "name=Won", "position=first", "probability=100" } },
  };
  g_autoptr(CliEnv) env = cli_env_new ();
  g_autoptr(CliResult) no_stage = NULL;
  g_autoptr(CliResult) cleared = NULL;
  g_autoptr(CliResult) revenue = NULL;
  g_autoptr(JsonObject) account_after = NULL;
  g_autofree char *stage = NULL;
  g_autofree char *account = NULL;
  g_autofree char *stage_arg = NULL;

  stage = create (env, "stages", "name=Prospecting", "position=10", "probability=10", NULL);
  account = create (env, "accounts", "name=Acme", NULL);
  stage_arg = g_strconcat ("stage_id=", stage, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) argv = g_ptr_array_new ();
      g_autoptr(CliResult) result = NULL;

      g_ptr_array_add (argv, (char *) "create");
      g_ptr_array_add (argv, (char *) cases[i].entity);
      /* Otherwise valid opportunities, so only the case's field is wrong */
      if (g_str_equal (cases[i].entity, "opportunities"))
        {
          g_ptr_array_add (argv, (char *) "name=Deal");
          g_ptr_array_add (argv, stage_arg);
        }
      for (guint j = 0; j < G_N_ELEMENTS (cases[i].args) && cases[i].args[j]; j++)
        g_ptr_array_add (argv, (char *) cases[i].args[j]);
      g_ptr_array_add (argv, NULL);

      result = cli_runv (env, (const char * const *) argv->pdata);
      assert_refused (result, 2, cases[i].field);
    }

  no_stage = cli_run (env, "create", "opportunities", "name=Deal", "currency=EUR", NULL);
  assert_refused (no_stage, 2, "stage_id");
  cleared = cli_run (env, "update", "accounts", account, "name=", NULL);
  assert_refused (cleared, 2, "name");
  revenue = cli_run (env, "update", "accounts", account, "annual_revenue=lots", NULL);
  assert_refused (revenue, 2, "annual_revenue");

  /* Nothing of all that was written */
  g_assert_cmpuint (count_records (env, "opportunities"), ==, 0);
  g_assert_cmpuint (count_records (env, "contacts"), ==, 0);
  g_assert_cmpuint (count_records (env, "accounts"), ==, 1);
  g_assert_cmpuint (count_records (env, "stages"), ==, 1);
  g_assert_cmpint (pending_changes (env), ==, 2);
  account_after = show_json (env, "accounts", account);
  g_assert_cmpstr (member_string (account_after, "name"), ==, "Acme");
  assert_member_null (account_after, "annual_revenue");
}

static void
test_bad_usage (void)
{
  static const char * const cases[][5] = {
    { "frobnicate" },
    { "create" },
    { "create", "contacts", "first_name" },
    { "create", "contacts", "=Ada" },
    { "update" },
    { "update", "contacts" },
    { "update", "contacts", "not-a-uuid", "title=CTO" },
    { "delete" },
    { "delete", "contacts" },
    { "delete", "contacts", "not-a-uuid" },
    { "delete", "contacts", "7d444840-9dc0-11d1-b245-5ffdce74fad2", "extra" },
    { "list" },
    { "list", "contacts", "accounts" },
    { "list", "contacts", "--no-such-option" },
    { "list", "contacts", "--limit", "-1" },
    { "show" },
    { "show", "contacts" },
    { "show", "contacts", "not-a-uuid" },
    { "status", "extra" },
  };
  g_autoptr(CliEnv) env = cli_env_new ();
  g_autoptr(CliResult) nothing = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(CliResult) result = cli_runv (env, cases[i]);

      assert_refused (result, 2, NULL);
    }

  /* No command at all is a usage error too, not success */
  nothing = cli_run (env, NULL, NULL);
  g_assert_cmpint (nothing->status, ==, 2);
  g_assert_cmpstr (nothing->out, ==, "");

  g_assert_cmpint (pending_changes (env), ==, 0);
}

static void
test_not_found (void)
{
  static const char *uuid = "7d444840-9dc0-11d1-b245-5ffdce74fad2";
  g_autoptr(CliEnv) env = cli_env_new ();
  g_autoptr(CliResult) shown = NULL;
  g_autoptr(CliResult) updated = NULL;
  g_autoptr(CliResult) deleted = NULL;
  g_autofree char *id_arg = NULL;
  g_autofree char *other = NULL;

  /* A record of another entity with that id does not count */
  id_arg = g_strconcat ("id=", uuid, NULL);
  other = create (env, "accounts", id_arg, "name=Acme", NULL);
  g_assert_cmpstr (other, ==, uuid);

  shown = cli_run (env, "show", "contacts", uuid, NULL);
  assert_refused (shown, 1, uuid);
  updated = cli_run (env, "update", "contacts", uuid, "title=CTO", NULL);
  assert_refused (updated, 1, uuid);
  deleted = cli_run (env, "delete", "contacts", uuid, NULL);
  assert_refused (deleted, 1, uuid);

  g_assert_cmpuint (count_records (env, "contacts"), ==, 0);
  g_assert_cmpint (pending_changes (env), ==, 1);
}

static void
test_profiles (void)
{
  g_autoptr(CliEnv) env = cli_env_new ();
  g_autoptr(JsonArray) in_default = NULL;
  g_autoptr(JsonArray) work = NULL;
  g_autoptr(JsonArray) home = NULL;
  g_autoptr(JsonNode) work_status = NULL;
  g_autoptr(JsonNode) home_status = NULL;
  g_autoptr(CliResult) work_show = NULL;
  g_autofree char *work_id = NULL;
  g_autofree char *home_id = NULL;
  g_autofree char *work_db = NULL;
  g_autofree char *escaped = NULL;
  const char * const invalid[] = { "../x", "a/b", "", ".hidden" };

  work_id = cli_ok (env, "--profile", "work", "create", "contacts", "first_name=Ada", NULL);
  home_id = cli_ok (env, "create", "contacts", "first_name=Grace", "--profile", "home", NULL);
  g_assert_true (g_uuid_string_is_valid (work_id));
  g_assert_true (g_uuid_string_is_valid (home_id));

  in_default = list_json (env, "contacts", NULL);
  g_assert_cmpuint (json_array_get_length (in_default), ==, 0);

  {
    g_autoptr(JsonNode) node = cli_json (env, "--profile", "work", "list", "contacts", "--json", NULL);

    work = json_array_ref (json_node_get_array (node));
  }
  {
    g_autoptr(JsonNode) node = cli_json (env, "-p", "home", "list", "contacts", "--json", NULL);

    home = json_array_ref (json_node_get_array (node));
  }
  g_assert_cmpuint (json_array_get_length (work), ==, 1);
  g_assert_true (array_has_id (work, work_id));
  g_assert_cmpuint (json_array_get_length (home), ==, 1);
  g_assert_true (array_has_id (home, home_id));

  work_show = cli_run (env, "--profile", "home", "show", "contacts", work_id, NULL);
  assert_refused (work_show, 1, work_id);

  work_status = cli_json (env, "--profile", "work", "status", "--json", NULL);
  home_status = cli_json (env, "--profile", "home", "status", "--json", NULL);
  g_assert_cmpint (member_int (json_node_get_object (work_status), "pending"), ==, 1);
  g_assert_cmpint (member_int (json_node_get_object (home_status), "pending"), ==, 1);
  g_assert_cmpint (pending_changes (env), ==, 0);

  work_db = g_build_filename (env->data_dir, "work", "crm.db", NULL);
  g_assert_true (g_file_test (work_db, G_FILE_TEST_IS_REGULAR));

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(CliResult) created = cli_run (env, "--profile", invalid[i], "create", "contacts",
                                              "first_name=Eve", NULL);
      g_autoptr(CliResult) status = cli_run (env, "--profile", invalid[i], "status", "--json", NULL);

      assert_refused (created, 2, "profile");
      assert_refused (status, 2, "profile");
    }
  /* ../x would have landed beside the data folder */
  escaped = g_build_filename (env->root, "x", NULL);
  g_assert_false (g_file_test (escaped, G_FILE_TEST_EXISTS));
}

static void
assert_private_db (const char *dir,
                   const char *profile)
{
  g_autofree char *path = g_build_filename (dir, profile, "crm.db", NULL);
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static void
test_data_dir_env (void)
{
  g_autoptr(CliEnv) env = cli_env_new ();
  g_autoptr(JsonNode) status = NULL;
  g_autoptr(JsonArray) in_env = NULL;
  g_autoptr(JsonArray) in_xdg = NULL;
  g_autoptr(CliResult) flag_show = NULL;
  g_autofree char *env_dir = NULL;
  g_autofree char *flag_dir = NULL;
  g_autofree char *xdg_dir = NULL;
  g_autofree char *database = NULL;
  g_autofree char *id = NULL;
  g_autofree char *work_id = NULL;
  g_autofree char *flag_id = NULL;
  g_autofree char *xdg_id = NULL;

  env_dir = g_build_filename (env->root, "from-env", NULL);
  flag_dir = g_build_filename (env->root, "from-flag", NULL);
  xdg_dir = g_build_filename (env->root, "xdg-data", "org.example.Crm", NULL);

  env->pass_data_dir = FALSE;
  g_subprocess_launcher_setenv (env->launcher, "CRM_DATA_DIR", env_dir, TRUE);

  id = create (env, "contacts", "first_name=Ada", NULL);
  assert_private_db (env_dir, "default");
  g_assert_false (g_file_test (xdg_dir, G_FILE_TEST_EXISTS));
  status = cli_json (env, "status", "--json", NULL);
  g_assert_cmpint (member_int (json_node_get_object (status), "pending"), ==, 1);
  database = g_build_filename (env_dir, "default", "crm.db", NULL);
  g_assert_cmpstr (member_string (json_node_get_object (status), "database"), ==, database);

  work_id = cli_ok (env, "--profile", "work", "create", "contacts", "first_name=Grace", NULL);
  g_assert_true (g_uuid_string_is_valid (work_id));
  assert_private_db (env_dir, "work");

  /* --data-dir wins over the environment */
  flag_id = cli_ok (env, "--data-dir", flag_dir, "create", "contacts", "first_name=Alan", NULL);
  g_assert_true (g_uuid_string_is_valid (flag_id));
  assert_private_db (flag_dir, "default");
  flag_show = cli_run (env, "show", "contacts", flag_id, NULL);
  assert_refused (flag_show, 1, flag_id);
  in_env = list_json (env, "contacts", NULL);
  g_assert_cmpuint (json_array_get_length (in_env), ==, 1);
  g_assert_true (array_has_id (in_env, id));

  /* Without either, $XDG_DATA_HOME/org.example.Crm */
  g_subprocess_launcher_unsetenv (env->launcher, "CRM_DATA_DIR");
  xdg_id = create (env, "contacts", "first_name=Hedy", NULL);
  assert_private_db (xdg_dir, "default");
  in_xdg = list_json (env, "contacts", NULL);
  g_assert_cmpuint (json_array_get_length (in_xdg), ==, 1);
  g_assert_true (array_has_id (in_xdg, xdg_id));
}

static void
test_demo (void)
{
  static const char * const names[] = {
    "Prospecting", "Qualification", "Proposal", "Negotiation", "Closed Won", "Closed Lost"
  };
  g_autoptr(CliEnv) env = cli_env_new ();
  g_autoptr(JsonNode) seeded = NULL;
  g_autoptr(JsonNode) reseeded = NULL;
  g_autoptr(JsonArray) stages = NULL;
  g_autoptr(JsonArray) stages_again = NULL;
  g_autoptr(CliResult) first = NULL;
  g_autoptr(CliResult) second = NULL;
  JsonObject *records;

  first = cli_run (env, "demo", NULL);
  g_assert_cmpint (first->status, ==, 0);
  g_assert_cmpstr (first->err, ==, "");

  seeded = cli_json (env, "status", "--json", NULL);
  records = json_object_get_object_member (json_node_get_object (seeded), "records");
  g_assert_nonnull (records);
  g_assert_cmpint (member_int (records, "accounts"), >, 0);
  g_assert_cmpint (member_int (records, "contacts"), >, 0);
  g_assert_cmpint (member_int (records, "opportunities"), >, 0);
  g_assert_cmpint (member_int (records, "stages"), ==, 6);

  stages = list_json (env, "stages", NULL);
  g_assert_cmpuint (json_array_get_length (stages), ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      JsonObject *stage = json_array_get_object_element (stages, i);

      g_assert_cmpstr (member_string (stage, "name"), ==, names[i]);
      if (i > 0)
        g_assert_cmpint (member_int (stage, "position"), >,
                         member_int (json_array_get_object_element (stages, i - 1), "position"));
    }

  second = cli_run (env, "demo", NULL);
  g_assert_cmpint (second->status, ==, 0);
  reseeded = cli_json (env, "status", "--json", NULL);
  g_assert_true (json_node_equal (seeded, reseeded));
  stages_again = list_json (env, "stages", NULL);
  g_assert_true (json_array_get_length (stages_again) == json_array_get_length (stages));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      JsonNode *a = json_array_get_element (stages, i);
      JsonNode *b = json_array_get_element (stages_again, i);

      g_assert_true (json_node_equal (a, b));
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  cli_path = g_getenv ("CRM_CLI");

  g_test_add_func ("/cli/help", test_help);
  g_test_add_func ("/cli/create-show", test_create_show);
  g_test_add_func ("/cli/create-opportunity", test_create_opportunity);
  g_test_add_func ("/cli/list-json", test_list_json);
  g_test_add_func ("/cli/search", test_search);
  g_test_add_func ("/cli/update", test_update);
  g_test_add_func ("/cli/delete", test_delete);
  g_test_add_func ("/cli/status", test_status);
  g_test_add_func ("/cli/bad-entity", test_bad_entity);
  g_test_add_func ("/cli/bad-field", test_bad_field);
  g_test_add_func ("/cli/bad-value", test_bad_value);
  g_test_add_func ("/cli/bad-usage", test_bad_usage);
  g_test_add_func ("/cli/not-found", test_not_found);
  g_test_add_func ("/cli/profiles", test_profiles);
  g_test_add_func ("/cli/data-dir-env", test_data_dir_env);
  g_test_add_func ("/cli/demo", test_demo);

  return g_test_run ();
}
