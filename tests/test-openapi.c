/* test-openapi.c: crm-server against its OpenAPI document
 *
 * Starts the real server named by $CRM_SERVER on a fresh demo database,
 * makes real requests to every operation that $CRM_API_DOC documents,
 * good ones and bad ones, and checks each answer against the document:
 * the status is one the operation lists, the body validates against the
 * schema documented for that status (a small JSON Schema validator for
 * the subset OpenAPI 3.0 uses, below) and the headers it documents are
 * there. A difference is reported on stderr as a line starting with
 * "MISMATCH:" and fails the test case, which goes on to find the others.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-test-openapi"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define MAX_BODY (8 * 1024 * 1024)

static const char * const http_methods[] = { "get", "put", "post", "delete", "patch", NULL };

/* Operations the tests reached, "METHOD template", for /openapi/every-route */
static GHashTable *exercised;

static void
mismatch (const char *format,
          ...) G_GNUC_PRINTF (1, 2);

static void
mismatch (const char *format,
          ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("MISMATCH: %s\n", message);
  g_test_fail ();
}

/* The document ********************************************************/

static JsonNode *doc_root;

static JsonObject *
doc (void)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  const char *path = g_getenv ("CRM_API_DOC");

  if (doc_root)
    return json_node_get_object (doc_root);
  /* Checked here, not in main(), so that -l lists the cases without it */
  if (path == NULL)
    g_error ("CRM_API_DOC must name the OpenAPI document to test against");
  parser = json_parser_new ();
  if (!json_parser_load_from_file (parser, path, &error))
    g_error ("Cannot read %s: %s", path, error->message);
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    g_error ("%s is not a JSON object", path);
  doc_root = json_node_copy (json_parser_get_root (parser));
  return json_node_get_object (doc_root);
}

/* A local JSON pointer ("#/components/schemas/Error") into the document */
static JsonNode *
doc_pointer (const char *pointer)
{
  g_auto(GStrv) parts = NULL;
  JsonNode *node;

  doc ();
  node = doc_root;
  if (pointer == NULL || !g_str_has_prefix (pointer, "#/"))
    return NULL;
  parts = g_strsplit (pointer + 2, "/", -1);
  for (guint i = 0; node && parts[i]; i++)
    {
      g_autoptr(GString) key = g_string_new (parts[i]);

      g_string_replace (key, "~1", "/", 0);
      g_string_replace (key, "~0", "~", 0);
      if (JSON_NODE_HOLDS_OBJECT (node))
        node = json_object_get_member (json_node_get_object (node), key->str);
      else if (JSON_NODE_HOLDS_ARRAY (node))
        {
          JsonArray *array = json_node_get_array (node);
          guint64 n;

          if (!g_ascii_string_to_unsigned (key->str, 10, 0, G_MAXUINT, &n, NULL) ||
              n >= json_array_get_length (array))
            return NULL;
          node = json_array_get_element (array, n);
        }
      else
        return NULL;
    }
  return node;
}

static const char *
ref_of (JsonNode *node)
{
  JsonNode *ref;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  ref = json_object_get_member (json_node_get_object (node), "$ref");
  if (ref == NULL || !JSON_NODE_HOLDS_VALUE (ref) || json_node_get_value_type (ref) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (ref);
}

/* Follows $ref (OpenAPI 3.0 ignores anything beside one); NULL if broken */
static JsonNode *
deref (JsonNode *node)
{
  for (guint depth = 0; node && ref_of (node); depth++)
    {
      if (depth > 32)
        return NULL;
      node = doc_pointer (ref_of (node));
    }
  return node;
}

static JsonObject *
deref_object (JsonNode *node)
{
  node = deref (node);
  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonObject *
doc_operation (const char *template,
               const char *method)
{
  g_autofree char *lower = g_ascii_strdown (method, -1);
  JsonObject *paths = json_object_get_object_member (doc (), "paths");
  JsonObject *item = deref_object (json_object_get_member (paths, template));

  return item ? deref_object (json_object_get_member (item, lower)) : NULL;
}

static JsonNode *
doc_entity_schema (const char *entity)
{
  JsonObject *components = json_object_get_object_member (doc (), "components");
  JsonObject *schemas = json_object_get_object_member (components, "schemas");
  g_autoptr(GList) names = json_object_get_members (schemas);

  for (const GList *l = names; l; l = l->next)
    {
      JsonObject *schema = json_object_get_object_member (schemas, l->data);

      if (g_strcmp0 (json_object_get_string_member_with_default (schema, "x-crm-entity", NULL), entity) == 0)
        return json_object_get_member (schemas, l->data);
    }
  return NULL;
}

/* The entity names: the enum of the {entity} path parameter */
static GPtrArray *
doc_entities (void)
{
  GPtrArray *names = g_ptr_array_new ();
  JsonObject *paths = json_object_get_object_member (doc (), "paths");
  JsonObject *item = deref_object (json_object_get_member (paths, "/{entity}"));
  JsonArray *parameters = item && json_object_has_member (item, "parameters")
    ? json_object_get_array_member (item, "parameters") : NULL;

  for (guint i = 0; parameters && i < json_array_get_length (parameters); i++)
    {
      JsonObject *parameter = deref_object (json_array_get_element (parameters, i));
      JsonObject *schema;

      if (parameter == NULL || g_strcmp0 (json_object_get_string_member_with_default (parameter, "name", NULL), "entity") != 0)
        continue;
      schema = deref_object (json_object_get_member (parameter, "schema"));
      if (schema && json_object_has_member (schema, "enum"))
        {
          JsonArray *values = json_object_get_array_member (schema, "enum");

          for (guint j = 0; j < json_array_get_length (values); j++)
            g_ptr_array_add (names, (gpointer) json_array_get_string_element (values, j));
        }
    }
  return names;
}

/* The path part of servers[0].url: where the API lives on the host */
static const char *
doc_base_path (void)
{
  static char *base;
  JsonArray *servers;
  const char *url;
  const char *slash;

  if (base)
    return base;
  servers = json_object_get_array_member (doc (), "servers");
  url = json_object_get_string_member (json_array_get_object_element (servers, 0), "url");
  slash = strstr (url, "://") ? strchr (strstr (url, "://") + 3, '/') : url;
  base = g_strdup (slash ? slash : "");
  return base;
}

/* Schema validation ***************************************************/

static const char * const schema_keywords[] = {
  "$ref", "type", "format", "nullable", "enum", "required", "properties",
  "additionalProperties", "items", "minItems", "maxItems", "minLength",
  "maxLength", "pattern", "minimum", "maximum", "allOf", "anyOf", "oneOf",
  "not", "description", "title", "default", "example", "readOnly",
  "writeOnly", "deprecated", NULL
};

static const char * const known_formats[] = {
  "uuid", "date", "date-time", "int32", "int64", "password", NULL
};

static GRegex *
cached_regex (const char *pattern)
{
  static GHashTable *cache;
  GRegex *regex;

  if (cache == NULL)
    cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_regex_unref);
  if (!(regex = g_hash_table_lookup (cache, pattern)))
    {
      g_autoptr(GError) error = NULL;

      if (!(regex = g_regex_new (pattern, G_REGEX_OPTIMIZE, 0, &error)))
        return NULL;
      g_hash_table_insert (cache, g_strdup (pattern), regex);
    }
  return regex;
}

static const char *
json_type_of (JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      return "object";
    case JSON_NODE_ARRAY:
      return "array";
    case JSON_NODE_NULL:
      return "null";
    case JSON_NODE_VALUE:
    default:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_INT64:
          return "integer";
        case G_TYPE_DOUBLE:
          return "number";
        case G_TYPE_BOOLEAN:
          return "boolean";
        default:
          return "string";
        }
    }
}

static gboolean
type_matches (const char *type,
              JsonNode   *instance)
{
  const char *actual = json_type_of (instance);

  if (g_str_equal (type, "number"))
    return g_str_equal (actual, "number") || g_str_equal (actual, "integer");
  return g_str_equal (type, actual);
}

static gboolean
format_matches (const char *format,
                const char *text)
{
  if (g_str_equal (format, "uuid"))
    return g_uuid_string_is_valid (text);
  if (g_str_equal (format, "date"))
    {
      guint y, m, d;

      return g_regex_match (cached_regex ("^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), text, 0, NULL) &&
             sscanf (text, "%4u-%2u-%2u", &y, &m, &d) == 3 &&
             g_date_valid_dmy (d, m, y);
    }
  if (g_str_equal (format, "date-time"))
    {
      g_autoptr(GDateTime) parsed = NULL;

      return strchr (text, 'T') != NULL && (parsed = g_date_time_new_from_iso8601 (text, NULL)) != NULL;
    }
  return TRUE;
}

static void
add_error (GString    *errors,
           const char *where,
           const char *format,
           ...) G_GNUC_PRINTF (3, 4);

static void
add_error (GString    *errors,
           const char *where,
           const char *format,
           ...)
{
  va_list args;

  g_string_append_printf (errors, "%s: ", where);
  va_start (args, format);
  g_string_append_vprintf (errors, format, args);
  va_end (args);
  g_string_append_c (errors, '\n');
}

static gboolean validate (JsonNode   *schema_node,
                          JsonNode   *instance,
                          const char *where,
                          GString    *errors);

static gboolean
validate_object (JsonObject *schema,
                 JsonObject *object,
                 const char *where,
                 GString    *errors)
{
  JsonObject *properties = json_object_has_member (schema, "properties")
    ? json_object_get_object_member (schema, "properties") : NULL;
  JsonNode *additional = json_object_get_member (schema, "additionalProperties");
  g_autoptr(GList) members = json_object_get_members (object);
  gboolean ok = TRUE;

  if (json_object_has_member (schema, "required"))
    {
      JsonArray *required = json_object_get_array_member (schema, "required");

      for (guint i = 0; i < json_array_get_length (required); i++)
        if (!json_object_has_member (object, json_array_get_string_element (required, i)))
          {
            add_error (errors, where, "lacks required member '%s'", json_array_get_string_element (required, i));
            ok = FALSE;
          }
    }

  for (const GList *l = members; l; l = l->next)
    {
      g_autofree char *child = g_strdup_printf ("%s.%s", where, (const char *) l->data);
      JsonNode *value = json_object_get_member (object, l->data);

      if (properties && json_object_has_member (properties, l->data))
        ok &= validate (json_object_get_member (properties, l->data), value, child, errors);
      else if (additional && JSON_NODE_HOLDS_VALUE (additional) &&
               json_node_get_value_type (additional) == G_TYPE_BOOLEAN)
        {
          if (!json_node_get_boolean (additional))
            {
              add_error (errors, where, "has member '%s', which the schema does not allow",
                         (const char *) l->data);
              ok = FALSE;
            }
        }
      else if (additional && JSON_NODE_HOLDS_OBJECT (additional))
        ok &= validate (additional, value, child, errors);
    }
  return ok;
}

static gboolean
validate_combination (JsonObject *schema,
                      JsonNode   *instance,
                      const char *where,
                      GString    *errors)
{
  gboolean ok = TRUE;

  if (json_object_has_member (schema, "allOf"))
    {
      JsonArray *all = json_object_get_array_member (schema, "allOf");

      for (guint i = 0; i < json_array_get_length (all); i++)
        ok &= validate (json_array_get_element (all, i), instance, where, errors);
    }
  if (json_object_has_member (schema, "anyOf") || json_object_has_member (schema, "oneOf"))
    {
      gboolean one = json_object_has_member (schema, "oneOf");
      JsonArray *choices = json_object_get_array_member (schema, one ? "oneOf" : "anyOf");
      g_autoptr(GString) tried = g_string_new (NULL);
      guint matches = 0;

      for (guint i = 0; i < json_array_get_length (choices); i++)
        {
          g_autoptr(GString) attempt = g_string_new (NULL);

          if (validate (json_array_get_element (choices, i), instance, where, attempt))
            matches++;
          else
            g_string_append_printf (tried, "    [%s] %s", ref_of (json_array_get_element (choices, i))
                                                          ? ref_of (json_array_get_element (choices, i)) : "inline",
                                    attempt->str);
        }
      if (matches == 0)
        {
          add_error (errors, where, "matches none of the %s choices:\n%s", one ? "oneOf" : "anyOf", tried->str);
          ok = FALSE;
        }
      else if (one && matches > 1)
        {
          add_error (errors, where, "matches %u of the oneOf choices, not exactly one", matches);
          ok = FALSE;
        }
    }
  if (json_object_has_member (schema, "not"))
    {
      g_autoptr(GString) ignored = g_string_new (NULL);

      if (validate (json_object_get_member (schema, "not"), instance, where, ignored))
        {
          add_error (errors, where, "matches the schema under 'not'");
          ok = FALSE;
        }
    }
  return ok;
}

/* Appends one line per problem to @errors; TRUE if there were none */
static gboolean
validate (JsonNode   *schema_node,
          JsonNode   *instance,
          const char *where,
          GString    *errors)
{
  JsonObject *schema = deref_object (schema_node);
  gboolean is_null = JSON_NODE_HOLDS_NULL (instance);
  gboolean ok = TRUE;

  if (schema == NULL)
    {
      add_error (errors, where, "the schema (%s) does not resolve", ref_of (schema_node) ? ref_of (schema_node) : "?");
      return FALSE;
    }

  /* OpenAPI 3.0.3: nullable adds null to the type; other keywords still apply */
  if (json_object_has_member (schema, "type"))
    {
      const char *type = json_object_get_string_member (schema, "type");

      if (is_null && !json_object_get_boolean_member_with_default (schema, "nullable", FALSE))
        {
          add_error (errors, where, "is null, but the schema is a %s that is not nullable", type);
          return FALSE;
        }
      if (!is_null && !type_matches (type, instance))
        {
          add_error (errors, where, "is a %s, not a %s", json_type_of (instance), type);
          return FALSE;
        }
    }

  if (json_object_has_member (schema, "enum"))
    {
      JsonArray *values = json_object_get_array_member (schema, "enum");
      gboolean found = FALSE;

      for (guint i = 0; i < json_array_get_length (values) && !found; i++)
        found = json_node_equal (json_array_get_element (values, i), instance);
      if (!found)
        {
          g_autofree char *text = json_to_string (instance, FALSE);

          add_error (errors, where, "%s is not one of the enum values", text);
          ok = FALSE;
        }
    }

  if (JSON_NODE_HOLDS_VALUE (instance) && json_node_get_value_type (instance) == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (instance);
      glong length = g_utf8_strlen (text, -1);

      if (json_object_has_member (schema, "minLength") && length < json_object_get_int_member (schema, "minLength"))
        {
          add_error (errors, where, "'%s' is shorter than %" G_GINT64_FORMAT, text,
                     json_object_get_int_member (schema, "minLength"));
          ok = FALSE;
        }
      if (json_object_has_member (schema, "maxLength") && length > json_object_get_int_member (schema, "maxLength"))
        {
          add_error (errors, where, "is longer than %" G_GINT64_FORMAT, json_object_get_int_member (schema, "maxLength"));
          ok = FALSE;
        }
      if (json_object_has_member (schema, "pattern"))
        {
          const char *pattern = json_object_get_string_member (schema, "pattern");
          GRegex *regex = cached_regex (pattern);

          if (regex == NULL || !g_regex_match (regex, text, 0, NULL))
            {
              add_error (errors, where, "'%s' does not match %s", text, pattern);
              ok = FALSE;
            }
        }
      if (json_object_has_member (schema, "format") &&
          !format_matches (json_object_get_string_member (schema, "format"), text))
        {
          add_error (errors, where, "'%s' is not a %s", text, json_object_get_string_member (schema, "format"));
          ok = FALSE;
        }
    }

  if (JSON_NODE_HOLDS_VALUE (instance) &&
      (json_node_get_value_type (instance) == G_TYPE_INT64 || json_node_get_value_type (instance) == G_TYPE_DOUBLE))
    {
      gdouble value = json_node_get_double (instance);

      if (json_object_has_member (schema, "minimum") && value < json_object_get_double_member (schema, "minimum"))
        {
          add_error (errors, where, "%g is below the minimum %g", value, json_object_get_double_member (schema, "minimum"));
          ok = FALSE;
        }
      if (json_object_has_member (schema, "maximum") && value > json_object_get_double_member (schema, "maximum"))
        {
          add_error (errors, where, "%g is above the maximum %g", value, json_object_get_double_member (schema, "maximum"));
          ok = FALSE;
        }
    }

  if (JSON_NODE_HOLDS_OBJECT (instance))
    ok &= validate_object (schema, json_node_get_object (instance), where, errors);

  if (JSON_NODE_HOLDS_ARRAY (instance))
    {
      JsonArray *array = json_node_get_array (instance);
      guint n = json_array_get_length (array);

      if (json_object_has_member (schema, "minItems") && n < json_object_get_int_member (schema, "minItems"))
        {
          add_error (errors, where, "has fewer than %" G_GINT64_FORMAT " items", json_object_get_int_member (schema, "minItems"));
          ok = FALSE;
        }
      if (json_object_has_member (schema, "maxItems") && n > json_object_get_int_member (schema, "maxItems"))
        {
          add_error (errors, where, "has more than %" G_GINT64_FORMAT " items", json_object_get_int_member (schema, "maxItems"));
          ok = FALSE;
        }
      if (json_object_has_member (schema, "items"))
        for (guint i = 0; i < n; i++)
          {
            g_autofree char *child = g_strdup_printf ("%s[%u]", where, i);

            ok &= validate (json_object_get_member (schema, "items"), json_array_get_element (array, i), child, errors);
          }
    }

  ok &= validate_combination (schema, instance, where, errors);
  return ok;
}

/* The server **********************************************************/

typedef struct
{
  GSubprocess *process;
  char        *data_dir;
  char        *origin;    /* http://127.0.0.1:PORT */
  char        *base;      /* origin and the document's base path */
  SoupSession *session;
  char        *token;     /* riley, a rep under morgan */
  char        *user_id;
  char        *admin_token;
} Fixture;

typedef struct
{
  guint               status;
  SoupMessageHeaders *headers;
  GBytes             *body;
  JsonNode           *json;  /* NULL when the body is empty or not JSON */
  char               *what;  /* "METHOD path", for messages */
} Response;

static void
response_free (Response *r)
{
  g_clear_pointer (&r->headers, soup_message_headers_unref);
  g_clear_pointer (&r->body, g_bytes_unref);
  g_clear_pointer (&r->json, json_node_unref);
  g_free (r->what);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Response, response_free)

static const char *
server_binary (void)
{
  const char *path = g_getenv ("CRM_SERVER");

  if (path == NULL || !g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    g_error ("CRM_SERVER must name the crm-server binary to test; it is %s", path ? path : "unset");
  return path;
}

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

/* Runs crm-server once more on the same data folder, for a command */
static void
server_command (Fixture    *f,
                const char *first_arg,
                ...) G_GNUC_NULL_TERMINATED;

static void
server_command (Fixture    *f,
                const char *first_arg,
                ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  va_list args;

  g_ptr_array_add (argv, (gpointer) server_binary ());
  g_ptr_array_add (argv, (gpointer) "--data-dir");
  g_ptr_array_add (argv, f->data_dir);
  va_start (args, first_arg);
  for (const char *arg = first_arg; arg; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
  g_assert_no_error (error);
  g_subprocess_wait_check (process, NULL, &error);
  g_assert_no_error (error);
}

/* A test that aborts must not leave its server running */
static void
die_with_parent (gpointer user_data G_GNUC_UNUSED)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGTERM);
#endif
}

/* Starts a demo server on a free port in a fresh folder; stops it and
 * removes the folder when @start is FALSE. */
static void
server (Fixture  *f,
        gboolean  start)
{
  g_autoptr(GError) error = NULL;

  if (start)
    {
      g_autoptr(GSubprocessLauncher) launcher = NULL;
      g_autoptr(GDataInputStream) out = NULL;
      g_autofree char *line = NULL;

      f->data_dir = g_dir_make_tmp ("crm-test-openapi-XXXXXX", &error);
      g_assert_no_error (error);
      launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
      g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
      f->process = g_subprocess_launcher_spawn (launcher, &error, server_binary (), "--listen", "127.0.0.1:0",
                                                "--data-dir", f->data_dir, "--demo", "--quiet", NULL);
      g_assert_no_error (error);
      out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->process));
      line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
      g_assert_no_error (error);
      if (line == NULL || !g_str_has_prefix (line, "Listening on http://"))
        g_error ("crm-server did not start: %s", line ? line : "no output");
      f->origin = g_strdup (line + strlen ("Listening on "));
      if (g_str_has_suffix (f->origin, "/"))
        f->origin[strlen (f->origin) - 1] = '\0';
      f->base = g_strconcat (f->origin, doc_base_path (), NULL);
      f->session = soup_session_new_with_options ("timeout", 60, "user-agent", "crm-test-openapi",
                                                 "proxy-resolver", NULL, NULL);
      return;
    }

  g_clear_object (&f->session);
  if (f->process)
    {
      g_subprocess_send_signal (f->process, SIGTERM);
      g_subprocess_wait (f->process, NULL, &error);
      g_assert_no_error (error);
      if (!g_subprocess_get_if_exited (f->process) || g_subprocess_get_exit_status (f->process) != 0)
        mismatch ("crm-server did not stop cleanly on SIGTERM");
      g_clear_object (&f->process);
    }
  if (f->data_dir)
    remove_tree (f->data_dir);
  g_clear_pointer (&f->data_dir, g_free);
  g_clear_pointer (&f->origin, g_free);
  g_clear_pointer (&f->base, g_free);
  g_clear_pointer (&f->token, g_free);
  g_clear_pointer (&f->user_id, g_free);
  g_clear_pointer (&f->admin_token, g_free);
}

/* HTTP ****************************************************************/

/**
 * http:
 * @path: under the API ("/accounts?limit=2"), or a whole URL
 * @headers: (nullable): NULL-terminated name, value pairs
 *
 * The one place that talks to the server.
 */
static Response *
http (Fixture            *f,
      const char         *method,
      const char         *path,
      const char         *token,
      const char         *content_type,
      GBytes             *body,
      const char * const *headers)
{
  g_autofree char *url = g_str_has_prefix (path, "http") ? g_strdup (path) : g_strconcat (f->base, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  SoupMessageHeaders *request_headers;
  Response *r = g_new0 (Response, 1);
  gsize size;

  g_assert_nonnull (msg);
  request_headers = soup_message_get_request_headers (msg);
  if (token)
    {
      g_autofree char *authorization = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (request_headers, "Authorization", authorization);
    }
  if (body)
    soup_message_set_request_body_from_bytes (msg, content_type ? content_type : "application/octet-stream", body);
  for (guint i = 0; headers && headers[i] && headers[i + 1]; i += 2)
    soup_message_headers_replace (request_headers, headers[i], headers[i + 1]);

  r->body = soup_session_send_and_read (f->session, msg, NULL, &error);
  g_assert_no_error (error);
  r->status = soup_message_get_status (msg);
  r->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  r->what = g_strdup_printf ("%s %s", method, path);
  g_bytes_get_data (r->body, &size);
  if (size > 0 && json_parser_load_from_data (parser, g_bytes_get_data (r->body, NULL), size, NULL) &&
      json_parser_get_root (parser))
    r->json = json_node_copy (json_parser_get_root (parser));
  return r;
}

static char *
body_text (Response *r)
{
  gsize size;
  const char *data = g_bytes_get_data (r->body, &size);

  return g_strndup (data ? data : "", MIN (size, 600));
}

/* Checks a response against a Response Object of the document */
static void
check_against (JsonNode   *spec_node,
               Response   *r,
               const char *what)
{
  JsonObject *spec = deref_object (spec_node);
  gsize size;

  if (spec == NULL)
    {
      mismatch ("%s: its documented response does not resolve", what);
      return;
    }

  if (json_object_has_member (spec, "headers"))
    {
      JsonObject *headers = json_object_get_object_member (spec, "headers");
      g_autoptr(GList) names = json_object_get_members (headers);

      for (const GList *l = names; l; l = l->next)
        {
          JsonObject *header = deref_object (json_object_get_member (headers, l->data));
          const char *value = soup_message_headers_get_one (r->headers, l->data);
          JsonObject *schema = header ? deref_object (json_object_get_member (header, "schema")) : NULL;
          g_autoptr(JsonNode) node = NULL;
          g_autoptr(GString) errors = g_string_new (NULL);
          gint64 number;

          if (value == NULL)
            {
              if (header && json_object_get_boolean_member_with_default (header, "required", FALSE))
                mismatch ("%s: %u without the documented %s header", what, r->status, (const char *) l->data);
              continue;
            }
          if (schema && g_strcmp0 (json_object_get_string_member_with_default (schema, "type", NULL), "integer") == 0)
            {
              if (!g_ascii_string_to_signed (value, 10, G_MININT64, G_MAXINT64, &number, NULL))
                {
                  mismatch ("%s: header %s: '%s' is not an integer", what, (const char *) l->data, value);
                  continue;
                }
              node = json_node_init_int (json_node_alloc (), number);
            }
          else
            node = json_node_init_string (json_node_alloc (), value);
          if (header && !validate (json_object_get_member (header, "schema"), node, l->data, errors))
            mismatch ("%s: header %s: %s", what, (const char *) l->data, errors->str);
        }
    }

  g_bytes_get_data (r->body, &size);
  if (json_object_has_member (spec, "content"))
    {
      JsonObject *content = json_object_get_object_member (spec, "content");
      const char *type = soup_message_headers_get_content_type (r->headers, NULL);
      JsonObject *media = type && json_object_has_member (content, type)
        ? json_object_get_object_member (content, type) : NULL;
      g_autoptr(GString) errors = g_string_new (NULL);
      g_autofree char *text = body_text (r);

      if (media == NULL)
        mismatch ("%s: %u answered as %s, not a documented media type", what, r->status, type ? type : "(none)");
      else if (r->json == NULL)
        mismatch ("%s: %u: the body is not JSON: %s", what, r->status, text);
      else if (!validate (json_object_get_member (media, "schema"), r->json, "$", errors))
        mismatch ("%s: %u: the body does not match its schema:\n%s  body: %s", what, r->status, errors->str, text);
    }
  else if (size > 0)
    mismatch ("%s: %u is documented without a body but has %" G_GSIZE_FORMAT " bytes", what, r->status, size);
}

/* Checks a response against what the document says @method on @template
 * answers with its status. */
static void
check_response (const char *template,
                const char *method,
                Response   *r)
{
  JsonObject *op = doc_operation (template, method);
  g_autofree char *status = g_strdup_printf ("%u", r->status);
  g_autofree char *what = g_strdup_printf ("%s (%s %s)", r->what, method, template);
  JsonObject *responses;

  if (op == NULL)
    {
      mismatch ("%s: the document has no such operation", what);
      return;
    }
  g_hash_table_add (exercised, g_strdup_printf ("%s %s", method, template));
  responses = json_object_get_object_member (op, "responses");
  if (!json_object_has_member (responses, status))
    {
      g_autofree char *text = body_text (r);

      mismatch ("%s answered %u, which the operation does not document: %s", what, r->status, text);
      return;
    }
  check_against (json_object_get_member (responses, status), r, what);
}

/**
 * call_full:
 * @expected: the status the test expects, or 0 for any documented one
 *
 * Makes a request and checks the answer against the document.
 */
static Response *
call_full (Fixture            *f,
           guint               expected,
           const char         *template,
           const char         *method,
           const char         *path,
           const char         *token,
           const char         *content_type,
           const char         *body,
           const char * const *headers)
{
  g_autoptr(GBytes) bytes = body ? g_bytes_new (body, strlen (body)) : NULL;
  Response *r = http (f, method, path, token, content_type, bytes, headers);

  check_response (template, method, r);
  if (expected && r->status != expected)
    {
      g_autofree char *text = body_text (r);

      g_error ("%s answered %u, not %u: %s", r->what, r->status, expected, text);
    }
  return r;
}

static Response *
call (Fixture    *f,
      guint       expected,
      const char *template,
      const char *method,
      const char *path,
      const char *json)
{
  return call_full (f, expected, template, method, path, f->token, json ? "application/json" : NULL, json, NULL);
}

/* JSON helpers ********************************************************/

/* "results.0.record.id" */
static JsonNode *
dig (JsonNode   *node,
     const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);

  for (guint i = 0; node && parts[i]; i++)
    {
      guint64 n;

      if (JSON_NODE_HOLDS_OBJECT (node))
        node = json_object_get_member (json_node_get_object (node), parts[i]);
      else if (JSON_NODE_HOLDS_ARRAY (node) &&
               g_ascii_string_to_unsigned (parts[i], 10, 0, G_MAXUINT, &n, NULL) &&
               n < json_array_get_length (json_node_get_array (node)))
        node = json_array_get_element (json_node_get_array (node), n);
      else
        return NULL;
    }
  return node;
}

static const char *
dig_string (JsonNode   *node,
            const char *path)
{
  node = dig (node, path);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gint64
dig_int (JsonNode   *node,
         const char *path)
{
  node = dig (node, path);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return -1;
  return json_node_get_int (node);
}

static gboolean
dig_bool (JsonNode   *node,
          const char *path)
{
  node = dig (node, path);
  return node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN &&
         json_node_get_boolean (node);
}

static guint
dig_length (JsonNode   *node,
            const char *path)
{
  node = dig (node, path);
  return node && JSON_NODE_HOLDS_ARRAY (node) ? json_array_get_length (json_node_get_array (node)) : 0;
}

/* Checks that @record is a record of @entity as its own schema says */
static void
check_record_of (const char *entity,
                 JsonNode   *record,
                 const char *what)
{
  JsonNode *schema = doc_entity_schema (entity);
  g_autoptr(GString) errors = g_string_new (NULL);

  if (schema == NULL)
    mismatch ("%s: the document has no schema with x-crm-entity '%s'", what, entity);
  else if (record == NULL)
    mismatch ("%s: no %s record", what, entity);
  else if (!validate (schema, record, "$", errors))
    {
      g_autofree char *text = json_to_string (record, FALSE);

      mismatch ("%s: not a valid %s record:\n%s  record: %.400s", what, entity, errors->str, text);
    }
}

static void
assert_error_code (Response   *r,
                   const char *code)
{
  if (g_strcmp0 (dig_string (r->json, "error.code"), code) != 0)
    mismatch ("%s: error code %s, expected %s", r->what, dig_string (r->json, "error.code"), code);
}

static char *
etag_for (gint64 version)
{
  return g_strdup_printf ("\"%" G_GINT64_FORMAT "\"", version);
}

static char *
login (Fixture    *f,
       const char *username,
       char      **user_id)
{
  g_autofree char *body = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"demo\"}", username);
  g_autoptr(Response) r = call_full (f, 200, "/auth/token", "POST", "/auth/token", NULL,
                                     "application/json", body, NULL);

  if (user_id)
    *user_id = g_strdup (dig_string (r->json, "user.id"));
  return g_strdup (dig_string (r->json, "token"));
}

/* The first live record of @entity that @token lists, as JSON text of its id */
static char *
first_id (Fixture    *f,
          const char *token,
          const char *entity)
{
  g_autofree char *path = g_strdup_printf ("/%s?limit=1", entity);
  g_autoptr(Response) r = call_full (f, 200, "/{entity}", "GET", path, token, NULL, NULL, NULL);

  return g_strdup (dig_string (r->json, "items.0.id"));
}

/* An opportunity riley may not see: not riley's */
static JsonNode *
hidden_opportunity (Fixture *f)
{
  g_autoptr(Response) r = call_full (f, 200, "/{entity}", "GET", "/opportunities?limit=100", f->admin_token,
                                     NULL, NULL, NULL);
  JsonArray *items = json_node_get_array (dig (r->json, "items"));

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *item = json_array_get_element (items, i);

      if (g_strcmp0 (dig_string (item, "owner_id"), f->user_id) != 0)
        return json_node_copy (item);
    }
  g_assert_not_reached ();
}

/* Fixture *************************************************************/

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data G_GNUC_UNUSED)
{
  server (f, TRUE);
  f->token = login (f, "riley", &f->user_id);
  f->admin_token = login (f, "admin", NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data G_GNUC_UNUSED)
{
  server (f, FALSE);
}

/* Who riley may see, from the user directory: the documented rules */
typedef struct
{
  GHashTable *own;   /* riley and everyone below */
  GHashTable *team;  /* whose accounts and contacts riley shares */
} Sight;

static void
add_subtree (GHashTable *manager_of,
             const char *root,
             GHashTable *into)
{
  gboolean grew = TRUE;

  g_hash_table_add (into, g_strdup (root));
  while (grew)
    {
      GHashTableIter iter;
      gpointer user, manager;

      grew = FALSE;
      g_hash_table_iter_init (&iter, manager_of);
      while (g_hash_table_iter_next (&iter, &user, &manager))
        if (g_hash_table_contains (into, manager) && !g_hash_table_contains (into, user))
          {
            g_hash_table_add (into, g_strdup (user));
            grew = TRUE;
          }
    }
}

static void
sight_init (Fixture *f,
            Sight   *sight)
{
  g_autoptr(Response) r = call (f, 200, "/{entity}", "GET", "/users?limit=1000", NULL);
  g_autoptr(GHashTable) manager_of = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  JsonArray *items = json_node_get_array (dig (r->json, "items"));
  const char *my_manager = NULL;
  const char *my_role = NULL;

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *user = json_array_get_element (items, i);

      if (dig_string (user, "manager_id"))
        g_hash_table_insert (manager_of, g_strdup (dig_string (user, "id")), g_strdup (dig_string (user, "manager_id")));
      if (g_strcmp0 (dig_string (user, "id"), f->user_id) == 0)
        {
          my_manager = dig_string (user, "manager_id");
          my_role = dig_string (user, "role");
        }
    }
  g_assert_cmpstr (my_role, ==, "rep");
  g_assert_nonnull (my_manager);
  sight->own = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sight->team = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  add_subtree (manager_of, f->user_id, sight->own);
  add_subtree (manager_of, my_manager, sight->team);
}

static void
sight_clear (Sight *sight)
{
  g_clear_pointer (&sight->own, g_hash_table_unref);
  g_clear_pointer (&sight->team, g_hash_table_unref);
}

static gboolean
is_global (const char *entity)
{
  static const char * const global[] = { "users", "stages", "products", "currencies", "exchange_rates", NULL };

  return g_strv_contains (global, entity);
}

static void
check_sight (Sight      *sight,
             const char *entity,
             JsonNode   *record,
             const char *what)
{
  gboolean by_user = g_str_equal (entity, "quotas") || g_str_equal (entity, "forecast_adjustments");
  const char *subject = dig_string (record, by_user ? "user_id" : "owner_id");
  gboolean shared = g_str_equal (entity, "accounts") || g_str_equal (entity, "contacts");

  if (is_global (entity))
    return;
  if (subject && (g_hash_table_contains (sight->own, subject) ||
                  (shared && g_hash_table_contains (sight->team, subject))))
    return;
  mismatch ("%s: riley may see %s record %s of %s, which the visibility rules do not allow",
            what, entity, dig_string (record, "id"), subject ? subject : "no one");
}

/* /openapi/document-valid *********************************************/

static void
check_schema_keywords (JsonNode   *node,
                       const char *where,
                       GString    *errors)
{
  JsonObject *schema;
  g_autoptr(GList) members = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      add_error (errors, where, "a schema must be an object");
      return;
    }
  schema = json_node_get_object (node);
  if (json_object_has_member (schema, "$ref"))
    return;
  members = json_object_get_members (schema);
  for (const GList *l = members; l; l = l->next)
    if (!g_strv_contains (schema_keywords, l->data) && !g_str_has_prefix (l->data, "x-"))
      add_error (errors, where, "keyword '%s' is one this test does not validate", (const char *) l->data);
  if (json_object_has_member (schema, "format") &&
      !g_strv_contains (known_formats, json_object_get_string_member (schema, "format")))
    add_error (errors, where, "format '%s' is unknown here", json_object_get_string_member (schema, "format"));
  if (json_object_has_member (schema, "pattern"))
    {
      g_autoptr(GRegex) regex = g_regex_new (json_object_get_string_member (schema, "pattern"), 0, 0, NULL);

      if (regex == NULL)
        add_error (errors, where, "pattern %s does not compile", json_object_get_string_member (schema, "pattern"));
    }
  if (json_object_has_member (schema, "required") && json_object_has_member (schema, "properties") &&
      json_object_get_member (schema, "additionalProperties") &&
      JSON_NODE_HOLDS_VALUE (json_object_get_member (schema, "additionalProperties")) &&
      !json_object_get_boolean_member (schema, "additionalProperties"))
    {
      JsonArray *required = json_object_get_array_member (schema, "required");
      JsonObject *properties = json_object_get_object_member (schema, "properties");

      for (guint i = 0; i < json_array_get_length (required); i++)
        if (!json_object_has_member (properties, json_array_get_string_element (required, i)))
          add_error (errors, where, "requires '%s', which it does not allow", json_array_get_string_element (required, i));
    }
  if (json_object_has_member (schema, "properties"))
    {
      JsonObject *properties = json_object_get_object_member (schema, "properties");
      g_autoptr(GList) names = json_object_get_members (properties);

      for (const GList *l = names; l; l = l->next)
        {
          g_autofree char *child = g_strdup_printf ("%s/properties/%s", where, (const char *) l->data);

          check_schema_keywords (json_object_get_member (properties, l->data), child, errors);
        }
    }
  if (json_object_has_member (schema, "items"))
    {
      g_autofree char *child = g_strdup_printf ("%s/items", where);

      check_schema_keywords (json_object_get_member (schema, "items"), child, errors);
    }
  if (json_object_get_member (schema, "additionalProperties") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (schema, "additionalProperties")))
    {
      g_autofree char *child = g_strdup_printf ("%s/additionalProperties", where);

      check_schema_keywords (json_object_get_member (schema, "additionalProperties"), child, errors);
    }
  for (guint k = 0; k < 3; k++)
    {
      static const char * const combinations[] = { "allOf", "anyOf", "oneOf" };

      if (!json_object_has_member (schema, combinations[k]))
        continue;
      for (guint i = 0; i < json_array_get_length (json_object_get_array_member (schema, combinations[k])); i++)
        {
          g_autofree char *child = g_strdup_printf ("%s/%s/%u", where, combinations[k], i);

          check_schema_keywords (json_array_get_element (json_object_get_array_member (schema, combinations[k]), i),
                                 child, errors);
        }
    }
  if (json_object_has_member (schema, "not"))
    {
      g_autofree char *child = g_strdup_printf ("%s/not", where);

      check_schema_keywords (json_object_get_member (schema, "not"), child, errors);
    }
}

/* Every $ref resolves; every "schema" member uses keywords we validate */
static void
walk_document (JsonNode   *node,
               const char *where,
               GString    *errors)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (object);

      if (ref_of (node) && deref (node) == NULL)
        add_error (errors, where, "$ref %s does not resolve", ref_of (node));
      for (const GList *l = members; l; l = l->next)
        {
          g_autofree char *child = g_strdup_printf ("%s/%s", where, (const char *) l->data);

          if (g_str_equal (l->data, "schema"))
            check_schema_keywords (json_object_get_member (object, l->data), child, errors);
          walk_document (json_object_get_member (object, l->data), child, errors);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          g_autofree char *child = g_strdup_printf ("%s/%u", where, i);

          walk_document (json_array_get_element (array, i), child, errors);
        }
    }
}

static void
test_document_valid (void)
{
  JsonObject *root = doc ();
  JsonObject *paths;
  JsonObject *schemas;
  g_autoptr(GString) errors = g_string_new (NULL);
  g_autoptr(GHashTable) operation_ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GList) templates = NULL;
  g_autoptr(GList) schema_names = NULL;
  g_autoptr(GPtrArray) entities = NULL;

  g_assert_true (g_str_has_prefix (json_object_get_string_member_with_default (root, "openapi", ""), "3.0."));
  g_assert_nonnull (json_object_get_string_member (json_object_get_object_member (root, "info"), "title"));
  g_assert_nonnull (json_object_get_string_member (json_object_get_object_member (root, "info"), "version"));
  g_assert_cmpstr (doc_base_path (), ==, "/api/v1");
  g_assert_nonnull (dig (doc_root, "components.securitySchemes.bearer"));
  g_assert_cmpstr (dig_string (doc_root, "components.securitySchemes.bearer.scheme"), ==, "bearer");
  g_assert_cmpuint (dig_length (doc_root, "security"), ==, 1);

  walk_document (doc_root, "#", errors);
  schemas = json_object_get_object_member (json_object_get_object_member (root, "components"), "schemas");
  schema_names = json_object_get_members (schemas);
  for (const GList *l = schema_names; l; l = l->next)
    {
      g_autofree char *where = g_strdup_printf ("#/components/schemas/%s", (const char *) l->data);

      check_schema_keywords (json_object_get_member (schemas, l->data), where, errors);
    }
  /* The ones the brief names */
  for (guint i = 0; i < 12; i++)
    {
      static const char * const required_schemas[] = {
        "Error", "Record", "TokenRequest", "TokenResponse", "PullResponse", "Change",
        "PushRequest", "Mutation", "PushResponse", "MutationResult", "AnyRecord", "EntityName",
      };

      if (!json_object_has_member (schemas, required_schemas[i]))
        add_error (errors, "#/components/schemas", "lacks %s", required_schemas[i]);
    }

  paths = json_object_get_object_member (root, "paths");
  templates = json_object_get_members (paths);
  g_assert_nonnull (templates);
  for (const GList *l = templates; l; l = l->next)
    {
      const char *template = l->data;
      JsonObject *item = deref_object (json_object_get_member (paths, template));
      g_autoptr(GRegex) braces = g_regex_new ("\\{([^}]+)\\}", 0, 0, NULL);
      g_autoptr(GMatchInfo) match = NULL;
      guint n_operations = 0;

      g_assert_true (template[0] == '/');
      for (guint m = 0; http_methods[m]; m++)
        {
          JsonObject *op = json_object_has_member (item, http_methods[m])
            ? json_object_get_object_member (item, http_methods[m]) : NULL;
          g_autofree char *where = g_strdup_printf ("%s %s", http_methods[m], template);
          const char *operation_id;
          JsonObject *responses;

          if (op == NULL)
            continue;
          n_operations++;
          operation_id = json_object_get_string_member_with_default (op, "operationId", NULL);
          if (operation_id == NULL)
            add_error (errors, where, "has no operationId");
          else if (!g_hash_table_add (operation_ids, (gpointer) operation_id))
            add_error (errors, where, "repeats operationId %s", operation_id);
          if (!json_object_has_member (op, "description") || !json_object_has_member (op, "summary"))
            add_error (errors, where, "lacks a summary or description");
          responses = json_object_has_member (op, "responses") ? json_object_get_object_member (op, "responses") : NULL;
          if (responses == NULL || json_object_get_size (responses) == 0)
            add_error (errors, where, "has no responses");
          else
            {
              g_autoptr(GList) codes = json_object_get_members (responses);
              gboolean success = FALSE;

              for (const GList *c = codes; c; c = c->next)
                {
                  JsonObject *response = deref_object (json_object_get_member (responses, c->data));
                  guint64 code = 0;

                  if (!g_ascii_string_to_unsigned (c->data, 10, 100, 599, &code, NULL))
                    add_error (errors, where, "response '%s' is not a status code", (const char *) c->data);
                  success |= code < 300;
                  if (response == NULL || !json_object_has_member (response, "description"))
                    add_error (errors, where, "response %s has no description", (const char *) c->data);
                  /* Every error has the Error shape */
                  if (code >= 400 && response)
                    {
                      JsonNode *schema = dig (json_object_get_member (response, "content"), "application/json.schema");
                      g_autoptr(JsonNode) sample = json_from_string ("{\"error\":{\"code\":\"x\",\"message\":\"y\"}}", NULL);
                      g_autoptr(GString) ignored = g_string_new (NULL);

                      if (schema == NULL)
                        add_error (errors, where, "error %s has no JSON body", (const char *) c->data);
                      else if (validate (schema, sample, "$", ignored))
                        add_error (errors, where, "error %s does not restrict error.code", (const char *) c->data);
                    }
                }
              if (!success)
                add_error (errors, where, "documents no success");
            }
          /* Login and health need no token; everything else does */
          if (g_str_equal (template, "/health") || g_str_equal (template, "/auth/token"))
            {
              JsonNode *security = json_object_get_member (op, "security");

              if (security == NULL || !JSON_NODE_HOLDS_ARRAY (security) ||
                  json_array_get_length (json_node_get_array (security)) != 0)
                add_error (errors, where, "should have security []");
            }
          else if (json_object_has_member (op, "security"))
            add_error (errors, where, "should use the document's bearer security");
          else if (!json_object_has_member (json_object_get_object_member (op, "responses"), "401"))
            add_error (errors, where, "needs a token but does not document 401");
        }
      if (n_operations == 0)
        add_error (errors, template, "has no operations");

      /* Each {name} has a required path parameter */
      g_regex_match (braces, template, 0, &match);
      while (g_match_info_matches (match))
        {
          g_autofree char *name = g_match_info_fetch (match, 1);
          JsonArray *parameters = json_object_has_member (item, "parameters")
            ? json_object_get_array_member (item, "parameters") : NULL;
          gboolean found = FALSE;

          for (guint i = 0; parameters && i < json_array_get_length (parameters); i++)
            {
              JsonObject *parameter = deref_object (json_array_get_element (parameters, i));

              found |= parameter && g_strcmp0 (json_object_get_string_member_with_default (parameter, "name", NULL), name) == 0 &&
                       g_strcmp0 (json_object_get_string_member_with_default (parameter, "in", NULL), "path") == 0 &&
                       json_object_get_boolean_member_with_default (parameter, "required", FALSE);
            }
          if (!found)
            add_error (errors, template, "has no required path parameter '%s'", name);
          g_match_info_next (match, NULL);
        }
    }

  /* The entities: twelve, each with its own schema */
  entities = doc_entities ();
  g_assert_cmpuint (entities->len, ==, 12);
  for (guint i = 0; i < entities->len; i++)
    if (doc_entity_schema (g_ptr_array_index (entities, i)) == NULL)
      add_error (errors, "#/components/schemas", "no schema has x-crm-entity '%s'",
                 (const char *) g_ptr_array_index (entities, i));
  g_assert_cmpuint (dig_length (doc_root, "components.schemas.AnyRecord.oneOf"), ==, 12);

  if (errors->len)
    g_error ("The document is not valid:\n%s", errors->str);
}

/* /openapi/health *****************************************************/

static void
test_health (Fixture       *f,
             gconstpointer  data G_GNUC_UNUSED)
{
  g_autoptr(Response) ok = call_full (f, 200, "/health", "GET", "/health", NULL, NULL, NULL, NULL);
  g_autoptr(Response) with_token = call (f, 200, "/health", "GET", "/health", NULL);
  g_autoptr(Response) wrong_method = http (f, "PUT", "/health", NULL, NULL, NULL, NULL);

  g_assert_cmpstr (dig_string (ok->json, "status"), ==, "ok");
  g_assert_cmpuint (wrong_method->status, ==, 405);
  check_against (doc_pointer ("#/components/responses/MethodNotAllowed"), wrong_method, wrong_method->what);
}

/* /openapi/auth *******************************************************/

static void
test_auth (Fixture       *f,
           gconstpointer  data G_GNUC_UNUSED)
{
  const char * const T = "/auth/token";
  g_autoptr(Response) good = call_full (f, 200, T, "POST", T, NULL, "application/json",
                                        "{\"username\":\"morgan\",\"password\":\"demo\"}", NULL);
  g_autoptr(Response) wrong_password = call_full (f, 401, T, "POST", T, NULL, "application/json",
                                                  "{\"username\":\"morgan\",\"password\":\"nope\"}", NULL);
  g_autoptr(Response) wrong_name = call_full (f, 401, T, "POST", T, NULL, "application/json",
                                              "{\"username\":\"nobody\",\"password\":\"demo\"}", NULL);
  g_autoptr(Response) no_password = call_full (f, 400, T, "POST", T, NULL, "application/json",
                                               "{\"username\":\"morgan\"}", NULL);
  g_autoptr(Response) not_json = call_full (f, 400, T, "POST", T, NULL, "application/json", "username=morgan", NULL);
  g_autoptr(Response) form = call_full (f, 415, T, "POST", T, NULL, "application/x-www-form-urlencoded",
                                        "username=morgan&password=demo", NULL);
  g_autoptr(Response) charset = call_full (f, 200, T, "POST", T, NULL, "application/json; charset=utf-8",
                                           "{\"username\":\"morgan\",\"password\":\"demo\"}", NULL);
  g_autoptr(GDateTime) expires = g_date_time_new_from_iso8601 (dig_string (good->json, "expires_at"), NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *bad_token = NULL;
  g_autoptr(Response) works = NULL;
  g_autoptr(Response) bogus = NULL;
  g_autoptr(Response) missing = NULL;
  g_autoptr(Response) throttled = NULL;
  GTimeSpan lifetime;

  /* The token lasts 12 hours and names who logged in */
  g_assert_cmpstr (dig_string (good->json, "user.username"), ==, "morgan");
  g_assert_cmpstr (dig_string (good->json, "user.role"), ==, "manager");
  lifetime = g_date_time_difference (expires, now) / G_TIME_SPAN_SECOND;
  g_assert_cmpint (lifetime, >, 12 * 3600 - 120);
  g_assert_cmpint (lifetime, <=, 12 * 3600);
  /* A wrong name and a wrong password cannot be told apart */
  g_assert_cmpstr (dig_string (wrong_password->json, "error.message"), ==, dig_string (wrong_name->json, "error.message"));
  assert_error_code (wrong_password, "unauthorized");
  assert_error_code (no_password, "bad_request");
  assert_error_code (not_json, "bad_request");
  assert_error_code (form, "unsupported_media_type");
  g_assert_nonnull (dig_string (charset->json, "token"));

  /* The token opens the API; nothing else does */
  works = call_full (f, 200, "/sync/pull", "GET", "/sync/pull?limit=1", dig_string (good->json, "token"), NULL, NULL, NULL);
  bad_token = g_strconcat (dig_string (good->json, "token"), "x", NULL);
  bogus = call_full (f, 401, "/sync/pull", "GET", "/sync/pull?limit=1", bad_token, NULL, NULL, NULL);
  missing = call_full (f, 401, "/sync/pull", "GET", "/sync/pull?limit=1", NULL, NULL, NULL, NULL);
  assert_error_code (bogus, "unauthorized");
  assert_error_code (missing, "unauthorized");

  /* Five failures for a name, then it waits (Retry-After is checked as documented) */
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(Response) failure = call_full (f, 401, T, "POST", T, NULL, "application/json",
                                               "{\"username\":\"sam\",\"password\":\"guess\"}", NULL);
    }
  throttled = call_full (f, 429, T, "POST", T, NULL, "application/json",
                         "{\"username\":\"sam\",\"password\":\"demo\"}", NULL);
  assert_error_code (throttled, "too_many_requests");
}

/* /openapi/pull *******************************************************/

/* Pulls every page from @cursor; checks each change; returns the last cursor */
static char *
pull_all (Fixture    *f,
          const char *cursor,
          Sight      *sight,
          JsonArray  *collected)
{
  g_autofree char *current = g_strdup (cursor);
  gboolean more = TRUE;

  while (more)
    {
      g_autofree char *path = g_strdup_printf ("/sync/pull?limit=1000&cursor=%s", current);
      g_autoptr(Response) r = call (f, 200, "/sync/pull", "GET", path, NULL);
      JsonArray *changes = json_node_get_array (dig (r->json, "changes"));

      for (guint i = 0; i < json_array_get_length (changes); i++)
        {
          JsonNode *change = json_array_get_element (changes, i);
          const char *entity = dig_string (change, "entity");
          JsonNode *data = dig (change, "data");

          if (dig_bool (change, "deleted") != JSON_NODE_HOLDS_NULL (data))
            mismatch ("pull: change %s has deleted %d but data %s", dig_string (change, "id"),
                      dig_bool (change, "deleted"), JSON_NODE_HOLDS_NULL (data) ? "null" : "set");
          if (!JSON_NODE_HOLDS_NULL (data))
            {
              check_record_of (entity, data, "pull");
              if (g_strcmp0 (dig_string (data, "id"), dig_string (change, "id")) != 0 ||
                  dig_int (data, "version") != dig_int (change, "version"))
                mismatch ("pull: change %s does not agree with its data", dig_string (change, "id"));
              if (sight)
                check_sight (sight, entity, data, "pull");
            }
          if (collected)
            json_array_add_element (collected, json_node_copy (change));
        }
      more = dig_bool (r->json, "has_more");
      if (more && json_array_get_length (changes) != 1000)
        mismatch ("pull: has_more with a page of %u, not the limit", json_array_get_length (changes));
      g_free (current);
      current = g_strdup (dig_string (r->json, "cursor"));
    }
  return g_steal_pointer (&current);
}

static JsonNode *
find_change (JsonArray  *changes,
             const char *id)
{
  JsonNode *found = NULL;

  for (guint i = 0; i < json_array_get_length (changes); i++)
    if (g_strcmp0 (dig_string (json_array_get_element (changes, i), "id"), id) == 0)
      found = json_array_get_element (changes, i);
  return found;
}

static void
test_pull (Fixture       *f,
           gconstpointer  data G_GNUC_UNUSED)
{
  const char * const P = "/sync/pull";
  Sight sight = { NULL, NULL };
  g_autoptr(Response) first = call (f, 200, P, "GET", "/sync/pull?limit=7", NULL);
  g_autoptr(Response) empty_cursor = call (f, 200, P, "GET", "/sync/pull?cursor=&limit=7", NULL);
  g_autoptr(Response) no_token = call_full (f, 401, P, "GET", P, NULL, NULL, NULL, NULL);
  g_autoptr(JsonArray) changes = json_array_new ();
  g_autoptr(JsonArray) later = json_array_new ();
  g_autofree char *cursor = NULL;
  g_autofree char *after = NULL;
  g_autofree char *ahead = NULL;
  g_autofree char *account_id = NULL;
  g_autofree char *gift_id = NULL;
  g_autofree char *jordan_id = NULL;
  g_autofree char *jordan_token = NULL;
  g_autofree char *path = NULL;
  g_autofree char *body = NULL;
  g_autoptr(Response) created = NULL;
  g_autoptr(Response) gift = NULL;
  g_autoptr(Response) deleted = NULL;
  g_autoptr(Response) given = NULL;
  g_autoptr(Response) future = NULL;
  g_autoptr(Response) old = NULL;
  JsonNode *change;

  g_assert_cmpuint (dig_length (first->json, "changes"), ==, 7);
  g_assert_true (dig_bool (first->json, "has_more"));
  g_assert_true (json_node_equal (dig (first->json, "changes"), dig (empty_cursor->json, "changes")));
  assert_error_code (no_token, "unauthorized");

  /* Bad parameters */
  for (guint i = 0; i < 7; i++)
    {
      static const char * const bad[] = {
        "/sync/pull?limit=0", "/sync/pull?limit=1001", "/sync/pull?limit=99999999999",
        "/sync/pull?limit=ten", "/sync/pull?cursor=abc", "/sync/pull?cursor=-5", "/sync/pull?cursor=1.2.3",
      };
      g_autoptr(Response) r = call (f, 400, P, "GET", bad[i], NULL);

      assert_error_code (r, "bad_request");
    }

  /* The whole feed: every change valid and visible to riley */
  sight_init (f, &sight);
  cursor = pull_all (f, "", &sight, changes);
  g_assert_cmpuint (json_array_get_length (changes), >, 1000);
  /* An idle pull moves nowhere and finds nothing */
  after = pull_all (f, cursor, &sight, later);
  g_assert_cmpstr (after, ==, cursor);
  g_assert_cmpuint (json_array_get_length (later), ==, 0);

  /* A new record, a deleted one and one given away come in the next pull */
  created = call (f, 201, "/{entity}", "POST", "/accounts", "{\"name\":\"Pull Test Ltd\"}");
  account_id = g_strdup (dig_string (created->json, "id"));
  gift = call (f, 201, "/{entity}", "POST", "/accounts", "{\"name\":\"Gift Ltd\"}");
  gift_id = g_strdup (dig_string (gift->json, "id"));
  path = g_strdup_printf ("/accounts/%s", account_id);
  {
    const char * const if_match[] = { "If-Match", "\"1\"", NULL };

    deleted = call_full (f, 204, "/{entity}/{id}", "DELETE", path, f->token, NULL, NULL, if_match);
  }
  jordan_token = login (f, "jordan", &jordan_id);
  g_free (path);
  path = g_strdup_printf ("/accounts/%s", gift_id);
  body = g_strdup_printf ("{\"owner_id\":\"%s\"}", jordan_id);
  {
    const char * const if_match[] = { "If-Match", "\"1\"", NULL };

    given = call_full (f, 200, "/{entity}/{id}", "PATCH", path, f->token, "application/json", body, if_match);
  }
  g_assert_cmpstr (dig_string (given->json, "owner_id"), ==, jordan_id);
  g_free (after);
  after = pull_all (f, cursor, &sight, later);
  change = find_change (later, account_id);
  g_assert_nonnull (change);
  g_assert_true (dig_bool (change, "deleted"));
  g_assert_cmpint (dig_int (change, "version"), ==, 2);
  change = find_change (later, gift_id);
  g_assert_nonnull (change);
  if (!dig_bool (change, "deleted") || !JSON_NODE_HOLDS_NULL (dig (change, "data")))
    mismatch ("pull: an account given to another team did not come as a tombstone");

  /* The history is pruned before change 10: a client at change 1 must resync */
  server_command (f, "prune", "--before-seq", "10", NULL);
  old = call (f, 410, P, "GET", "/sync/pull?cursor=1.0", NULL);
  assert_error_code (old, "resync_required");

  /* A cursor the server never gave out (ahead of its history, as after a
   * restore from backup) cannot be continued either: answering 200 would
   * skip every change up to it */
  ahead = g_strdup_printf ("/sync/pull?cursor=%" G_GINT64_FORMAT, g_ascii_strtoll (after, NULL, 10) + 1000);
  future = call (f, 0, P, "GET", ahead, NULL);
  if (future->status == 200)
    mismatch ("GET %s (cursor 1000 past the last change) answered 200 with cursor %s: a client whose "
              "server was restored from an older backup silently misses every change up to it; "
              "documented: 400 bad_request", ahead, dig_string (future->json, "cursor"));
  sight_clear (&sight);
}

/* /openapi/push *******************************************************/

static Response *
push (Fixture    *f,
      const char *mutations)
{
  g_autofree char *body = g_strdup_printf ("{\"client_id\":\"test-openapi\",\"mutations\":[%s]}", mutations);
  Response *r = call (f, 200, "/sync/push", "POST", "/sync/push", body);
  JsonArray *results = json_node_get_array (dig (r->json, "results"));

  for (guint i = 0; i < json_array_get_length (results); i++)
    {
      JsonNode *result = json_array_get_element (results, i);
      JsonNode *record = dig (result, "record");

      if (record && JSON_NODE_HOLDS_OBJECT (record))
        {
          g_autoptr(GString) errors = g_string_new (NULL);
          g_autoptr(GList) members = json_object_get_members (json_node_get_object (record));
          gboolean matched = FALSE;
          g_autoptr(GPtrArray) entities = doc_entities ();

          /* The result names no entity: it is the one its schema fits */
          for (guint e = 0; e < entities->len && !matched; e++)
            matched = validate (doc_entity_schema (g_ptr_array_index (entities, e)), record, "$", errors);
          if (!matched)
            mismatch ("push: result %u's record fits no entity schema", i);
          if (dig_int (result, "version") != dig_int (record, "version"))
            mismatch ("push: result %u's version is not its record's", i);
        }
    }
  return r;
}

static void
test_push (Fixture       *f,
           gconstpointer  data G_GNUC_UNUSED)
{
  const char * const P = "/sync/push";
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *m_create = NULL;
  g_autofree char *m_update = NULL;
  g_autofree char *m_stale = NULL;
  g_autofree char *m_merge = NULL;
  g_autofree char *m_delete = NULL;
  g_autofree char *m_after_delete = NULL;
  g_autofree char *m_hidden = NULL;
  g_autofree char *many = NULL;
  g_autoptr(JsonNode) hidden = hidden_opportunity (f);
  g_autoptr(GString) lots = g_string_new ("{\"mutations\":[");
  g_autoptr(Response) created = NULL;
  g_autoptr(Response) again = NULL;
  g_autoptr(Response) updated = NULL;
  g_autoptr(Response) stale = NULL;
  g_autoptr(Response) merged = NULL;
  g_autoptr(Response) deleted = NULL;
  g_autoptr(Response) after_delete = NULL;
  g_autoptr(Response) rejected = NULL;
  g_autoptr(Response) invisible = NULL;
  g_autoptr(Response) empty = NULL;

  /* create, and its retry */
  m_create = g_strdup_printf ("{\"mutation_id\":\"%s-1\",\"entity\":\"accounts\",\"id\":\"%s\",\"op\":\"create\","
                              "\"base_version\":0,\"fields\":{\"name\":{\"new\":\"Push Co\"},"
                              "\"annual_revenue\":{\"new\":\"1000.50\"}}}", id, id);
  created = push (f, m_create);
  g_assert_cmpstr (dig_string (created->json, "results.0.status"), ==, "applied");
  g_assert_cmpint (dig_int (created->json, "results.0.version"), ==, 1);
  g_assert_cmpstr (dig_string (created->json, "results.0.record.annual_revenue"), ==, "1000.5");
  g_assert_cmpstr (dig_string (created->json, "results.0.record.owner_id"), ==, f->user_id);
  check_record_of ("accounts", dig (created->json, "results.0.record"), "push create");
  again = push (f, m_create);
  g_assert_true (json_node_equal (created->json, again->json));

  /* update on the current version: applied */
  m_update = g_strdup_printf ("{\"mutation_id\":\"%s-2\",\"entity\":\"accounts\",\"id\":\"%s\",\"op\":\"update\","
                              "\"base_version\":1,\"fields\":{\"industry\":{\"old\":null,\"new\":\"Tea\"}}}", id, id);
  updated = push (f, m_update);
  g_assert_cmpstr (dig_string (updated->json, "results.0.status"), ==, "applied");
  g_assert_cmpint (dig_int (updated->json, "results.0.version"), ==, 2);

  /* stale: industry changed under it (conflict), phone did not (applies) */
  m_stale = g_strdup_printf ("{\"mutation_id\":\"%s-3\",\"entity\":\"accounts\",\"id\":\"%s\",\"op\":\"update\","
                             "\"base_version\":1,\"fields\":{\"industry\":{\"old\":null,\"new\":\"Coffee\"},"
                             "\"phone\":{\"old\":null,\"new\":\"+1 555\"}}}", id, id);
  stale = push (f, m_stale);
  g_assert_cmpstr (dig_string (stale->json, "results.0.status"), ==, "conflict");
  g_assert_cmpuint (dig_length (stale->json, "results.0.conflicts"), ==, 1);
  g_assert_cmpstr (dig_string (stale->json, "results.0.conflicts.0"), ==, "industry");
  g_assert_cmpstr (dig_string (stale->json, "results.0.record.industry"), ==, "Tea");
  g_assert_cmpstr (dig_string (stale->json, "results.0.record.phone"), ==, "+1 555");

  /* stale but touching nothing changed since, in another form: merged */
  m_merge = g_strdup_printf ("{\"mutation_id\":\"%s-4\",\"entity\":\"accounts\",\"id\":\"%s\",\"op\":\"update\","
                             "\"base_version\":1,\"fields\":{\"annual_revenue\":{\"old\":\"1000.50\",\"new\":\"7\"}}}",
                             id, id);
  merged = push (f, m_merge);
  g_assert_cmpstr (dig_string (merged->json, "results.0.status"), ==, "merged");
  g_assert_cmpstr (dig_string (merged->json, "results.0.record.annual_revenue"), ==, "7");
  g_assert_cmpuint (dig_length (merged->json, "results.0.conflicts"), ==, 0);

  /* a stale delete wins; an update after it is a conflict on every field */
  m_delete = g_strdup_printf ("{\"mutation_id\":\"%s-5\",\"entity\":\"accounts\",\"id\":\"%s\",\"op\":\"delete\","
                              "\"base_version\":1}", id, id);
  deleted = push (f, m_delete);
  g_assert_cmpstr (dig_string (deleted->json, "results.0.status"), ==, "merged");
  g_assert_true (dig_bool (deleted->json, "results.0.record.deleted"));
  m_after_delete = g_strdup_printf ("{\"mutation_id\":\"%s-6\",\"entity\":\"accounts\",\"id\":\"%s\",\"op\":\"update\","
                                    "\"base_version\":5,\"fields\":{\"website\":{\"old\":null,\"new\":\"x.example\"}}}",
                                    id, id);
  after_delete = push (f, m_after_delete);
  g_assert_cmpstr (dig_string (after_delete->json, "results.0.status"), ==, "conflict");
  g_assert_cmpstr (dig_string (after_delete->json, "results.0.conflicts.0"), ==, "website");
  g_assert_nonnull (dig_string (after_delete->json, "results.0.error"));

  /* rejected ones do not stop the rest, and say why */
  rejected = push (f, "{\"entity\":\"accounts\"}, 5, "
                      "{\"mutation_id\":\"r-1\",\"entity\":\"widgets\",\"id\":\"6a2f41a3-c54f-4b08-9ae1-111111111111\",\"op\":\"create\"},"
                      "{\"mutation_id\":\"r-2\",\"entity\":\"accounts\",\"id\":\"nope\",\"op\":\"create\"},"
                      "{\"mutation_id\":\"r-3\",\"entity\":\"accounts\",\"id\":\"6a2f41a3-c54f-4b08-9ae1-222222222222\",\"op\":\"create\",\"fields\":{\"name\":{\"new\":\"\"}}}");
  g_assert_cmpuint (dig_length (rejected->json, "results"), ==, 5);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *status = g_strdup_printf ("results.%u.status", i);
      g_autofree char *error = g_strdup_printf ("results.%u.error", i);

      g_assert_cmpstr (dig_string (rejected->json, status), ==, "rejected");
      g_assert_nonnull (dig_string (rejected->json, error));
    }
  g_assert_true (JSON_NODE_HOLDS_NULL (dig (rejected->json, "results.0.mutation_id")));
  g_assert_cmpstr (dig_string (rejected->json, "results.2.mutation_id"), ==, "r-1");

  /* what riley may not see does not exist for riley */
  m_hidden = g_strdup_printf ("{\"mutation_id\":\"h-1\",\"entity\":\"opportunities\",\"id\":\"%s\",\"op\":\"update\","
                              "\"base_version\":%" G_GINT64_FORMAT ",\"fields\":{\"name\":{\"old\":\"%s\",\"new\":\"Mine\"}}}",
                              dig_string (hidden, "id"), dig_int (hidden, "version"), "x");
  invisible = push (f, m_hidden);
  g_assert_cmpstr (dig_string (invisible->json, "results.0.status"), ==, "rejected");

  empty = push (f, "");
  g_assert_cmpuint (dig_length (empty->json, "results"), ==, 0);

  /* whole-request errors */
  for (guint i = 0; i < 1001; i++)
    g_string_append (lots, i ? ",1" : "1");
  g_string_append (lots, "]}");
  many = g_string_free (g_steal_pointer (&lots), FALSE);
  {
    g_autoptr(Response) too_many = call (f, 400, P, "POST", P, many);
    g_autoptr(Response) not_object = call (f, 400, P, "POST", P, "[]");
    g_autoptr(Response) no_list = call (f, 400, P, "POST", P, "{\"mutations\":{}}");
    g_autoptr(Response) not_json = call (f, 400, P, "POST", P, "{\"mutations\":[");
    g_autoptr(Response) text = call_full (f, 415, P, "POST", P, f->token, "text/plain", "{\"mutations\":[]}", NULL);
    g_autoptr(Response) anonymous = call_full (f, 401, P, "POST", P, NULL, "application/json", "{\"mutations\":[]}", NULL);

    assert_error_code (too_many, "bad_request");
    assert_error_code (text, "unsupported_media_type");
    assert_error_code (anonymous, "unauthorized");
  }
}

/* /openapi/collection *************************************************/

static void
test_collection (Fixture       *f,
                 gconstpointer  data G_GNUC_UNUSED)
{
  const char * const C = "/{entity}";
  Sight sight = { NULL, NULL };
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *next_path = NULL;
  g_autofree char *body = NULL;
  g_autofree char *hijack = NULL;
  g_autofree char *stage_id = first_id (f, f->token, "stages");
  g_autofree char *long_key = g_strnfill (91, 'k');
  g_autofree char *victim_path = NULL;
  g_autoptr(JsonNode) victim = hidden_opportunity (f);
  g_autoptr(Response) page = call (f, 200, C, "GET", "/accounts?limit=2", NULL);
  g_autoptr(Response) next = NULL;
  g_autoptr(Response) mine = NULL;
  g_autoptr(Response) created = NULL;
  g_autoptr(Response) same = NULL;
  g_autoptr(Response) differs = NULL;
  g_autoptr(Response) taken = NULL;
  g_autoptr(Response) victim_after = NULL;
  g_autoptr(Response) keyed = NULL;
  g_autoptr(Response) keyed_again = NULL;
  g_autoptr(Response) keyed_elsewhere = NULL;
  g_autoptr(GBytes) huge = NULL;
  g_autoptr(Response) too_large = NULL;
  JsonArray *items;

  /* Pages follow on by id */
  g_assert_cmpuint (dig_length (page->json, "items"), ==, 2);
  g_assert_cmpstr (dig_string (page->json, "next"), ==, dig_string (page->json, "items.1.id"));
  next_path = g_strdup_printf ("/accounts?limit=2&after=%s", dig_string (page->json, "next"));
  next = call (f, 200, C, "GET", next_path, NULL);
  g_assert_cmpstr (dig_string (next->json, "items.0.id"), >, dig_string (page->json, "items.1.id"));
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *item = g_strdup_printf ("items.%u", i);

      check_record_of ("accounts", dig (page->json, item), "list accounts");
    }

  /* Listing shows only what riley may see */
  sight_init (f, &sight);
  for (guint e = 0; e < 3; e++)
    {
      static const char * const entities[] = { "opportunities", "contacts", "quotas" };
      g_autofree char *path = g_strdup_printf ("/%s?limit=1000", entities[e]);

      g_clear_pointer (&mine, response_free);
      mine = call (f, 200, C, "GET", path, NULL);
      items = json_node_get_array (dig (mine->json, "items"));
      g_assert_cmpuint (json_array_get_length (items), >, 0);
      for (guint i = 0; i < json_array_get_length (items); i++)
        {
          check_record_of (entities[e], json_array_get_element (items, i), path);
          check_sight (&sight, entities[e], json_array_get_element (items, i), path);
        }
    }
  sight_clear (&sight);

  /* Bad paging */
  for (guint i = 0; i < 5; i++)
    {
      static const char * const bad[] = {
        "/accounts?limit=0", "/accounts?limit=1001", "/accounts?limit=-1", "/accounts?after=xyz",
        "/accounts?limit=2.5",
      };
      g_autoptr(Response) r = call (f, 400, C, "GET", bad[i], NULL);

      assert_error_code (r, "bad_request");
    }

  /* Create with a chosen id; again equal (201), again different (409) */
  body = g_strdup_printf ("{\"id\":\"%s\",\"name\":\"Collection Co\",\"website\":\"https://c.example\"}", id);
  created = call (f, 201, C, "POST", "/accounts", body);
  g_assert_cmpstr (dig_string (created->json, "id"), ==, id);
  g_assert_cmpstr (dig_string (created->json, "owner_id"), ==, f->user_id);
  g_assert_cmpint (dig_int (created->json, "version"), ==, 1);
  g_assert_cmpstr (soup_message_headers_get_one (created->headers, "ETag"), ==, "\"1\"");
  check_record_of ("accounts", created->json, "create");
  same = call (f, 201, C, "POST", "/accounts", body);
  g_assert_true (json_node_equal (created->json, same->json));
  g_free (body);
  body = g_strdup_printf ("{\"id\":\"%s\",\"name\":\"Other Co\"}", id);
  differs = call (f, 409, C, "POST", "/accounts", body);
  assert_error_code (differs, "conflict");
  check_record_of ("accounts", dig (differs->json, "record"), "409 record");
  g_assert_cmpstr (dig_string (differs->json, "record.name"), ==, "Collection Co");

  /* Refused creates */
  for (guint i = 0; i < 9; i++)
    {
      static const struct { const char *entity; const char *json; guint status; const char *code; } bad[] = {
        { "accounts", "{\"colour\":\"red\"}", 422, "invalid_record" },
        { "accounts", "{\"industry\":\"no name\"}", 422, "invalid_record" },
        { "accounts", "{\"name\":\"X\",\"version\":3}", 422, "invalid_record" },
        { "accounts", "{\"name\":\"X\",\"owner_id\":\"6a2f41a3-c54f-4b08-9ae1-333333333333\"}", 422, "invalid_record" },
        { "accounts", "{\"name\":\"X\",\"annual_revenue\":12}", 422, "invalid_record" },
        { "stages", "{\"name\":\"Mine\",\"position\":3,\"probability\":\"5\"}", 422, "invalid_record" },
        { "accounts", "{\"id\":\"not-a-uuid\",\"name\":\"X\"}", 400, "bad_request" },
        { "accounts", "[{\"name\":\"X\"}]", 400, "bad_request" },
        { "accounts", "{\"name\":", 400, "bad_request" },
      };
      g_autofree char *path = g_strdup_printf ("/%s", bad[i].entity);
      g_autoptr(Response) r = call (f, bad[i].status, C, "POST", path, bad[i].json);

      assert_error_code (r, bad[i].code);
    }
  {
    g_autoptr(Response) text = call_full (f, 415, C, "POST", "/accounts", f->token, "text/plain", "{\"name\":\"X\"}", NULL);
    g_autoptr(Response) anonymous = call_full (f, 401, C, "POST", "/accounts", NULL, "application/json", "{\"name\":\"X\"}", NULL);
    const char * const bad_key[] = { "Idempotency-Key", long_key, NULL };
    g_autoptr(Response) key_too_long = call_full (f, 400, C, "POST", "/accounts", f->token, "application/json",
                                                  "{\"name\":\"X\"}", bad_key);
    g_autoptr(Response) no_entity = http (f, "GET", "/widgets", f->token, NULL, NULL, NULL);
    g_autofree char *opportunity = g_strdup_printf ("{\"name\":\"Deal\",\"stage_id\":\"%s\",\"currency\":\"JPY\","
                                                    "\"amount\":\"1500\",\"expected_close_date\":\"2027-02-28\"}",
                                                    stage_id);
    g_autoptr(Response) deal = call (f, 201, C, "POST", "/opportunities", opportunity);

    assert_error_code (text, "unsupported_media_type");
    assert_error_code (anonymous, "unauthorized");
    g_assert_cmpuint (no_entity->status, ==, 404);
    check_against (doc_pointer ("#/components/responses/NotFound"), no_entity, no_entity->what);
    check_record_of ("opportunities", deal->json, "create opportunity");
  }

  /* Idempotency-Key: a retry gets the first answer */
  {
    const char * const key[] = { "Idempotency-Key", "collection-key-1", NULL };

    keyed = call_full (f, 201, C, "POST", "/accounts", f->token, "application/json", "{\"name\":\"Keyed Ltd\"}", key);
    keyed_again = call_full (f, 201, C, "POST", "/accounts", f->token, "application/json", "{\"name\":\"Keyed Ltd\"}", key);
    g_assert_true (json_node_equal (keyed->json, keyed_again->json));
    /* The same key on another collection is not a retry of that request:
     * whatever it answers, a created record is a contact */
    keyed_elsewhere = call_full (f, 0, C, "POST", "/contacts", f->token, "application/json",
                                 "{\"first_name\":\"Keyed\"}", key);
    if (keyed_elsewhere->status == 201 && g_strcmp0 (dig_string (keyed_elsewhere->json, "id"), dig_string (keyed->json, "id")) == 0)
      mismatch ("POST /contacts with the Idempotency-Key of an earlier POST /accounts answered 201 with that "
                "accounts record (id %s): the response to POST /{entity} must be a record of {entity}; "
                "a key reused for a different request should be refused (422)", dig_string (keyed->json, "id"));
    else if (keyed_elsewhere->status == 201)
      check_record_of ("contacts", keyed_elsewhere->json, "POST /contacts with a reused key");
  }

  /* An id taken by a record riley may not see: refused, and that record stays */
  hijack = g_strdup_printf ("{\"id\":\"%s\",\"name\":\"Taken over\",\"stage_id\":\"%s\",\"currency\":\"EUR\"}",
                            dig_string (victim, "id"), stage_id);
  taken = call (f, 0, C, "POST", "/opportunities", hijack);
  victim_path = g_strdup_printf ("/opportunities/%s", dig_string (victim, "id"));
  victim_after = call_full (f, 200, "/{entity}/{id}", "GET", victim_path, f->admin_token, NULL, NULL, NULL);
  if (taken->status < 300 || !json_node_equal (victim, victim_after->json))
    mismatch ("riley POST /opportunities with the id of another user's opportunity riley may not see "
              "(%s, owner %s, '%s', version %" G_GINT64_FORMAT ") answered %u and the record is now owned by %s, "
              "named '%s', version %" G_GINT64_FORMAT ": a create must never replace a record the caller "
              "may not see (documented: 422, record untouched)",
              dig_string (victim, "id"), dig_string (victim, "owner_id"), dig_string (victim, "name"),
              dig_int (victim, "version"), taken->status, dig_string (victim_after->json, "owner_id"),
              dig_string (victim_after->json, "name"), dig_int (victim_after->json, "version"));

  /* A body over 8 MiB is refused before it is read */
  huge = g_bytes_new_take (g_strnfill (MAX_BODY + 1, ' '), MAX_BODY + 1);
  too_large = http (f, "POST", "/accounts", f->token, "application/json", huge, NULL);
  check_response (C, "POST", too_large);
  g_assert_cmpuint (too_large->status, ==, 413);
  assert_error_code (too_large, "body_too_large");
}

/* /openapi/record *****************************************************/

static Response *
change (Fixture    *f,
        guint       expected,
        const char *method,
        const char *path,
        const char *token,
        const char *if_match,
        const char *json)
{
  const char * const headers[] = { "If-Match", if_match, NULL };

  return call_full (f, expected, "/{entity}/{id}", method, path, token, json ? "application/json" : NULL,
                    json, if_match ? headers : NULL);
}

static void
test_record (Fixture       *f,
             gconstpointer  data G_GNUC_UNUSED)
{
  const char * const R = "/{entity}/{id}";
  g_autoptr(Response) created = call (f, 201, "/{entity}", "POST", "/contacts",
                                      "{\"first_name\":\"Ada\",\"last_name\":\"Lovelace\","
                                      "\"emails\":[{\"type\":\"work\",\"value\":\"ada@example.com\"},{\"value\":\"a@b.example\"}]}");
  g_autofree char *path = g_strdup_printf ("/contacts/%s", dig_string (created->json, "id"));
  g_autofree char *stage_path = NULL;
  g_autofree char *stage_id = first_id (f, f->token, "stages");
  g_autofree char *hidden_path = NULL;
  g_autofree char *unknown_path = NULL;
  g_autofree char *unknown_id = g_uuid_string_random ();
  g_autoptr(JsonNode) hidden = hidden_opportunity (f);
  g_autoptr(Response) read = call (f, 200, R, "GET", path, NULL);
  g_autoptr(Response) no_if_match = change (f, 428, "PATCH", path, f->token, NULL, "{\"title\":\"Countess\"}");
  g_autoptr(Response) stale = change (f, 412, "PATCH", path, f->token, "\"7\"", "{\"title\":\"Countess\"}");
  g_autoptr(Response) patched = change (f, 200, "PATCH", path, f->token, "\"1\"", "{\"title\":\"Countess\"}");
  g_autoptr(Response) weak = change (f, 200, "PATCH", path, f->token, "W/\"2\"", "{\"notes\":\"Analyst\"}");
  g_autoptr(Response) bare = change (f, 200, "PATCH", path, f->token, "3", "{\"notes\":null}");
  g_autoptr(Response) nothing = change (f, 200, "PATCH", path, f->token, "\"4\"", "{}");
  g_autoptr(Response) reread = call (f, 200, R, "GET", path, NULL);
  g_autoptr(Response) deleted = NULL;
  g_autoptr(Response) gone = NULL;
  g_autoptr(Response) gone_again = NULL;

  /* ETag is the version */
  g_assert_cmpstr (soup_message_headers_get_one (read->headers, "ETag"), ==, "\"1\"");
  g_assert_true (json_node_equal (read->json, created->json));
  check_record_of ("contacts", read->json, "GET contact");
  g_assert_cmpstr (dig_string (read->json, "emails.1.type"), ==, "other");
  assert_error_code (no_if_match, "if_match_required");
  assert_error_code (stale, "version_mismatch");
  g_assert_cmpstr (soup_message_headers_get_one (stale->headers, "ETag"), ==, "\"1\"");
  g_assert_true (json_node_equal (dig (stale->json, "record"), read->json));
  check_record_of ("contacts", dig (stale->json, "record"), "412 record");
  g_assert_cmpstr (soup_message_headers_get_one (patched->headers, "ETag"), ==, "\"2\"");
  g_assert_cmpstr (dig_string (patched->json, "title"), ==, "Countess");
  g_assert_cmpint (dig_int (weak->json, "version"), ==, 3);
  g_assert_true (JSON_NODE_HOLDS_NULL (dig (bare->json, "notes")));
  g_assert_cmpint (dig_int (nothing->json, "version"), ==, 4);
  g_assert_cmpstr (soup_message_headers_get_one (nothing->headers, "ETag"), ==, "\"4\"");
  g_assert_true (json_node_equal (reread->json, nothing->json));

  /* Refused changes leave the record as it is */
  for (guint i = 0; i < 5; i++)
    {
      static const struct { const char *json; const char *content_type; guint status; const char *code; } bad[] = {
        { "{\"colour\":\"red\"}", "application/json", 422, "invalid_record" },
        { "{\"emails\":\"ada\"}", "application/json", 422, "invalid_record" },
        { "{\"account_id\":\"6a2f41a3-c54f-4b08-9ae1-444444444444\"}", "application/json", 422, "invalid_record" },
        { "{\"title\":", "application/json", 400, "bad_request" },
        { "{\"title\":\"X\"}", "text/plain", 415, "unsupported_media_type" },
      };
      const char * const headers[] = { "If-Match", "\"4\"", NULL };
      g_autoptr(Response) r = call_full (f, bad[i].status, R, "PATCH", path, f->token, bad[i].content_type,
                                         bad[i].json, headers);

      assert_error_code (r, bad[i].code);
    }

  /* Global records: riley reads, may not change */
  stage_path = g_strdup_printf ("/stages/%s", stage_id);
  {
    g_autoptr(Response) stage = call (f, 200, R, "GET", stage_path, NULL);
    g_autofree char *etag = etag_for (dig_int (stage->json, "version"));
    g_autoptr(Response) forbidden = change (f, 403, "PATCH", stage_path, f->token, etag, "{\"name\":\"Mine\"}");
    g_autoptr(Response) forbidden_delete = change (f, 403, "DELETE", stage_path, f->token, etag, NULL);

    assert_error_code (forbidden, "forbidden");
    assert_error_code (forbidden_delete, "forbidden");
  }

  /* Another rep's deal does not exist for riley */
  hidden_path = g_strdup_printf ("/opportunities/%s", dig_string (hidden, "id"));
  {
    g_autofree char *etag = etag_for (dig_int (hidden, "version"));
    g_autoptr(Response) r1 = call (f, 404, R, "GET", hidden_path, NULL);
    g_autoptr(Response) r2 = change (f, 404, "PATCH", hidden_path, f->token, etag, "{\"name\":\"Mine\"}");
    g_autoptr(Response) r3 = change (f, 404, "DELETE", hidden_path, f->token, etag, NULL);
    g_autoptr(Response) admin = call_full (f, 200, R, "GET", hidden_path, f->admin_token, NULL, NULL, NULL);

    assert_error_code (r1, "not_found");
    g_assert_true (json_node_equal (admin->json, hidden));
  }

  /* Unknown ids */
  unknown_path = g_strdup_printf ("/contacts/%s", unknown_id);
  {
    g_autoptr(Response) r1 = call (f, 404, R, "GET", unknown_path, NULL);
    g_autoptr(Response) r2 = call (f, 404, R, "GET", "/contacts/not-a-uuid", NULL);
    g_autoptr(Response) r3 = change (f, 404, "PATCH", unknown_path, f->token, "\"1\"", "{}");

    assert_error_code (r1, "not_found");
    assert_error_code (r2, "not_found");
  }

  /* Delete: If-Match needed and current, then 204 and gone */
  {
    g_autoptr(Response) r1 = change (f, 428, "DELETE", path, f->token, NULL, NULL);
    g_autoptr(Response) r2 = change (f, 412, "DELETE", path, f->token, "\"3\"", NULL);

    assert_error_code (r1, "if_match_required");
    g_assert_cmpstr (soup_message_headers_get_one (r2->headers, "ETag"), ==, "\"4\"");
  }
  deleted = change (f, 204, "DELETE", path, f->token, "\"4\"", NULL);
  g_assert_cmpstr (soup_message_headers_get_one (deleted->headers, "ETag"), ==, "\"5\"");
  gone = call (f, 404, R, "GET", path, NULL);
  gone_again = change (f, 404, "DELETE", path, f->token, "\"5\"", NULL);
}

/* /openapi/errors *****************************************************/

static void
test_errors (Fixture       *f,
             gconstpointer  data G_GNUC_UNUSED)
{
  g_autofree char *account_id = first_id (f, f->token, "accounts");
  g_autofree char *record_path = g_strdup_printf ("/accounts/%s", account_id);
  g_autofree char *unknown = g_strdup_printf ("/accounts/%s", "00000000-0000-4000-8000-000000000000");
  JsonObject *paths = json_object_get_object_member (doc (), "paths");
  g_autoptr(GList) templates = json_object_get_members (paths);
  g_autoptr(GBytes) huge = g_bytes_new_take (g_strnfill (MAX_BODY + 1, ' '), MAX_BODY + 1);
  static const struct { const char *template; const char *method; const char *path; gboolean body; } operations[] = {
    { "/sync/pull", "GET", "/sync/pull", FALSE },
    { "/sync/push", "POST", "/sync/push", TRUE },
    { "/{entity}", "GET", "/accounts", FALSE },
    { "/{entity}", "POST", "/accounts", TRUE },
    { "/{entity}/{id}", "GET", NULL, FALSE },
    { "/{entity}/{id}", "PATCH", NULL, TRUE },
    { "/{entity}/{id}", "DELETE", NULL, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (operations); i++)
    {
      const char *path = operations[i].path ? operations[i].path : record_path;
      const char * const if_match[] = { "If-Match", "\"1\"", NULL };
      const char * const *headers = operations[i].path ? NULL : if_match;
      const char *json = operations[i].body ? "{}" : NULL;
      g_autoptr(Response) anonymous = call_full (f, 401, operations[i].template, operations[i].method, path, NULL,
                                                 json ? "application/json" : NULL, json, headers);
      g_autoptr(Response) bogus = call_full (f, 401, operations[i].template, operations[i].method, path, "bogus",
                                             json ? "application/json" : NULL, json, headers);

      /* 401 says how to authenticate (checked as documented) */
      assert_error_code (anonymous, "unauthorized");
      assert_error_code (bogus, "unauthorized");

      if (operations[i].body)
        {
          g_autoptr(Response) broken = call_full (f, 400, operations[i].template, operations[i].method, path,
                                                  f->token, "application/json", "{\"oops\"", headers);
          g_autoptr(Response) empty = call_full (f, 400, operations[i].template, operations[i].method, path,
                                                 f->token, "application/json", "", headers);
          g_autoptr(Response) xml = call_full (f, 415, operations[i].template, operations[i].method, path,
                                               f->token, "application/xml", "<a/>", headers);
          g_autoptr(Response) too_large = http (f, operations[i].method, path, f->token, "application/json", huge, headers);

          assert_error_code (broken, "bad_request");
          assert_error_code (empty, "bad_request");
          assert_error_code (xml, "unsupported_media_type");
          check_response (operations[i].template, operations[i].method, too_large);
          g_assert_cmpuint (too_large->status, ==, 413);
          assert_error_code (too_large, "body_too_large");
        }
    }
  {
    g_autoptr(Response) too_large = http (f, "POST", "/auth/token", NULL, "application/json", huge, NULL);

    check_response ("/auth/token", "POST", too_large);
    g_assert_cmpuint (too_large->status, ==, 413);
  }

  /* Huge limits */
  {
    g_autoptr(Response) r1 = call (f, 400, "/sync/pull", "GET", "/sync/pull?limit=1000000", NULL);
    g_autoptr(Response) r2 = call (f, 400, "/{entity}", "GET", "/quotes?limit=1000000", NULL);
    g_autoptr(Response) r3 = call (f, 200, "/{entity}", "GET", "/quotes?limit=1000", NULL);
  }

  /* Unknown ids, and preconditions */
  {
    g_autoptr(Response) r1 = call (f, 404, "/{entity}/{id}", "GET", unknown, NULL);
    g_autoptr(Response) r2 = change (f, 404, "PATCH", unknown, f->token, "\"1\"", "{}");
    g_autoptr(Response) r3 = change (f, 404, "DELETE", unknown, f->token, "\"1\"", NULL);
    g_autoptr(Response) r4 = change (f, 428, "PATCH", record_path, f->token, NULL, "{}");
    g_autoptr(Response) r5 = change (f, 428, "DELETE", record_path, f->token, NULL, NULL);
    g_autoptr(Response) r6 = change (f, 428, "PATCH", record_path, f->token, "soon", "{}");
    g_autoptr(Response) r7 = change (f, 412, "PATCH", record_path, f->token, "\"99\"", "{}");
    g_autoptr(Response) r8 = change (f, 412, "DELETE", record_path, f->token, "\"0\"", NULL);

    assert_error_code (r4, "if_match_required");
    assert_error_code (r7, "version_mismatch");
    check_record_of ("accounts", dig (r8->json, "record"), "412 on delete");
  }

  /* Methods a path does not document: 405, as the document's MethodNotAllowed */
  for (const GList *l = templates; l; l = l->next)
    {
      JsonObject *item = deref_object (json_object_get_member (paths, l->data));
      g_autoptr(GString) path = g_string_new (l->data);

      g_string_replace (path, "{entity}", "accounts", 0);
      g_string_replace (path, "{id}", account_id, 0);
      for (guint m = 0; http_methods[m]; m++)
        {
          g_autofree char *method = g_ascii_strup (http_methods[m], -1);
          g_autoptr(GBytes) body = g_bytes_new_static ("{}", 2);
          g_autoptr(Response) r = NULL;

          if (json_object_has_member (item, http_methods[m]))
            continue;
          r = http (f, method, path->str, f->token, "application/json", body, NULL);
          if (r->status != 405)
            mismatch ("%s: %u, not 405", r->what, r->status);
          check_against (doc_pointer ("#/components/responses/MethodNotAllowed"), r, r->what);
        }
    }

  /* Outside the API */
  {
    g_autofree char *root = g_strconcat (f->origin, "/", NULL);
    g_autofree char *v2 = g_strconcat (f->origin, "/api/v2/health", NULL);
    g_autoptr(Response) r1 = http (f, "GET", root, NULL, NULL, NULL, NULL);
    g_autoptr(Response) r2 = http (f, "GET", v2, NULL, NULL, NULL, NULL);

    g_assert_cmpuint (r1->status, ==, 404);
    g_assert_cmpuint (r2->status, ==, 404);
    check_against (doc_pointer ("#/components/responses/NotFound"), r1, r1->what);
    check_against (doc_pointer ("#/components/responses/NotFound"), r2, r2->what);
  }
}

/* /openapi/every-route ************************************************/

typedef struct
{
  const char *entity;
  const char *create;  /* {stage}: a stage id, {user}: riley's id */
  const char *patch;
} Sample;

static const Sample samples[] = {
  { "users", "{\"name\":\"Route User\",\"email\":\"route@example.com\",\"manager_id\":\"{user}\"}", "{\"role\":\"manager\"}" },
  { "accounts", "{\"name\":\"Route Ltd\",\"annual_revenue\":\"1e3\"}", "{\"annual_revenue\":\"1000.10\"}" },
  { "contacts", "{\"first_name\":\"Grace\",\"phones\":[{\"type\":\"mobile\",\"value\":\"+1 555 0100\"}]}", "{\"phones\":[]}" },
  { "stages", "{\"name\":\"Route\",\"position\":77,\"probability\":\"33.5\",\"forecast_category\":\"best_case\"}", "{\"is_won\":true}" },
  { "opportunities", "{\"name\":\"Route deal\",\"stage_id\":\"{stage}\",\"currency\":\"EUR\",\"amount\":\"1234.5\"}",
    "{\"probability\":\"100\",\"forecast_category\":\"commit\"}" },
  { "activities", "{\"kind\":\"task\",\"subject\":\"Route\",\"due_at\":\"2027-03-31T14:00:00+02:00\"}", "{\"done\":true}" },
  { "products", "{\"sku\":\"RT-1\",\"name\":\"Route\",\"unit_price\":\"-12.3456\",\"currency\":\"EUR\",\"tax_rate\":\"7.5\"}",
    "{\"unit\":\"seat\"}" },
  { "quotes", "{\"number\":\"Q-RT\",\"currency\":\"EUR\",\"lines\":[{\"description\":\"Thing\",\"quantity\":\"2\","
              "\"unit_price\":\"9.99\"},{\"kind\":\"section\",\"description\":\"More\"}],\"shipping\":\"5\"}",
    "{\"status\":\"sent\",\"discount_amount\":\"1.5\"}" },
  { "quotas", "{\"user_id\":\"{user}\",\"period\":\"2027-Q1\",\"amount\":\"1000\",\"currency\":\"EUR\"}", "{\"amount\":\"2000\"}" },
  { "forecast_adjustments", "{\"user_id\":\"{user}\",\"period\":\"2027-Q1\",\"category\":\"commit\",\"amount\":\"-500\","
                            "\"currency\":\"EUR\",\"note\":\"Route\"}", "{\"reverted\":true}" },
  { "currencies", "{\"code\":\"CHF\",\"name\":\"Swiss franc\",\"symbol\":\"Fr.\"}", "{\"symbol\":\"CHF\"}" },
  { "exchange_rates", "{\"currency\":\"CHF\",\"base_currency\":\"EUR\",\"rate\":\"0.95\",\"effective_date\":\"2027-01-01\"}",
    "{\"rate\":\"0.96\"}" },
};

static const Sample *
sample_for (const char *entity)
{
  for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
    if (g_str_equal (samples[i].entity, entity))
      return &samples[i];
  return NULL;
}

static void
no_such_resource (Response *r)
{
  const char *message = dig_string (r->json, "error.message");

  if (r->status == 404 && message && g_str_has_prefix (message, "No such resource"))
    mismatch ("%s: the document has this route, the server does not", r->what);
}

static void
test_every_route (Fixture       *f,
                  gconstpointer  data G_GNUC_UNUSED)
{
  g_autoptr(GPtrArray) entities = doc_entities ();
  g_autofree char *stage_id = first_id (f, f->admin_token, "stages");
  JsonObject *paths = json_object_get_object_member (doc (), "paths");
  g_autoptr(GList) templates = json_object_get_members (paths);
  g_autoptr(Response) unknown = http (f, "GET", "/widgets", f->admin_token, NULL, NULL, NULL);
  const char *token = f->admin_token;

  g_hash_table_remove_all (exercised);

  /* Each entity through every record route, as an admin who may do anything */
  g_assert_cmpuint (entities->len, ==, G_N_ELEMENTS (samples));
  for (guint i = 0; i < entities->len; i++)
    {
      const char *entity = g_ptr_array_index (entities, i);
      const Sample *sample = sample_for (entity);
      g_autofree char *collection = g_strdup_printf ("/%s", entity);
      g_autofree char *listing = g_strdup_printf ("/%s?limit=3", entity);
      g_autoptr(GString) template = NULL;
      g_autofree char *create = NULL;
      g_autofree char *record = NULL;
      g_autofree char *etag = NULL;
      g_autofree char *new_etag = NULL;
      g_autoptr(Response) list = NULL;
      g_autoptr(Response) created = NULL;
      g_autoptr(Response) read = NULL;
      g_autoptr(Response) patched = NULL;
      g_autoptr(Response) deleted = NULL;
      g_autoptr(Response) gone = NULL;

      if (sample == NULL)
        {
          mismatch ("entity %s is documented but this test has no sample of it", entity);
          continue;
        }
      template = g_string_new (sample->create);
      g_string_replace (template, "{stage}", stage_id, 0);
      g_string_replace (template, "{user}", f->user_id, 0);
      create = g_string_free (g_steal_pointer (&template), FALSE);
      if (g_str_equal (entity, "accounts"))
        {
          /* "1e3" is not a decimal string: 422, then the right form */
          g_autoptr(Response) refused = call_full (f, 422, "/{entity}", "POST", collection, token,
                                                   "application/json", create, NULL);

          no_such_resource (refused);
          g_free (create);
          create = g_strdup ("{\"name\":\"Route Ltd\",\"annual_revenue\":\"1000\"}");
        }
      created = call_full (f, 0, "/{entity}", "POST", collection, token, "application/json", create, NULL);
      no_such_resource (created);
      if (created->status != 201)
        {
          g_autofree char *text = body_text (created);

          mismatch ("POST %s as admin: %u: %s", collection, created->status, text);
          continue;
        }
      check_record_of (entity, created->json, "create");
      list = call_full (f, 200, "/{entity}", "GET", listing, token, NULL, NULL, NULL);
      for (guint j = 0; j < dig_length (list->json, "items"); j++)
        {
          g_autofree char *item = g_strdup_printf ("items.%u", j);

          check_record_of (entity, dig (list->json, item), listing);
        }

      record = g_strdup_printf ("/%s/%s", entity, dig_string (created->json, "id"));
      read = call_full (f, 200, "/{entity}/{id}", "GET", record, token, NULL, NULL, NULL);
      check_record_of (entity, read->json, "get");
      etag = g_strdup (soup_message_headers_get_one (read->headers, "ETag"));
      patched = change (f, 200, "PATCH", record, token, etag, sample->patch);
      check_record_of (entity, patched->json, "patch");
      if (dig_int (patched->json, "version") != 2)
        mismatch ("PATCH %s: version %" G_GINT64_FORMAT ", not 2", record, dig_int (patched->json, "version"));
      new_etag = g_strdup (soup_message_headers_get_one (patched->headers, "ETag"));
      deleted = change (f, 204, "DELETE", record, token, new_etag, NULL);
      gone = call_full (f, 404, "/{entity}/{id}", "GET", record, token, NULL, NULL, NULL);
      no_such_resource (gone);
    }

  /* And the rest (the fixture's logins were before the count began) */
  {
    g_autoptr(Response) health = call_full (f, 200, "/health", "GET", "/health", NULL, NULL, NULL, NULL);
    g_autofree char *admin = login (f, "admin", NULL);
    g_autoptr(Response) pull = call_full (f, 200, "/sync/pull", "GET", "/sync/pull?limit=1", token, NULL, NULL, NULL);
    g_autoptr(Response) pushed = call_full (f, 200, "/sync/push", "POST", "/sync/push", token, "application/json",
                                           "{\"mutations\":[]}", NULL);
  }

  /* Unknown entities are not routed; documented ones all were */
  g_assert_cmpuint (unknown->status, ==, 404);
  g_assert_true (g_str_has_prefix (dig_string (unknown->json, "error.message"), "No such resource"));

  /* Every documented operation was reached, and only those */
  for (const GList *l = templates; l; l = l->next)
    {
      JsonObject *item = deref_object (json_object_get_member (paths, l->data));

      for (guint m = 0; http_methods[m]; m++)
        {
          g_autofree char *method = g_ascii_strup (http_methods[m], -1);
          g_autofree char *key = g_strdup_printf ("%s %s", method, (const char *) l->data);

          if (json_object_has_member (item, http_methods[m]) && !g_hash_table_contains (exercised, key))
            mismatch ("%s is documented but this test did not reach it", key);
          g_hash_table_remove (exercised, key);
        }
    }
  g_assert_cmpuint (g_hash_table_size (exercised), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  exercised = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_test_add_func ("/openapi/document-valid", test_document_valid);
  g_test_add ("/openapi/health", Fixture, NULL, fixture_set_up, test_health, fixture_tear_down);
  g_test_add ("/openapi/auth", Fixture, NULL, fixture_set_up, test_auth, fixture_tear_down);
  g_test_add ("/openapi/pull", Fixture, NULL, fixture_set_up, test_pull, fixture_tear_down);
  g_test_add ("/openapi/push", Fixture, NULL, fixture_set_up, test_push, fixture_tear_down);
  g_test_add ("/openapi/collection", Fixture, NULL, fixture_set_up, test_collection, fixture_tear_down);
  g_test_add ("/openapi/record", Fixture, NULL, fixture_set_up, test_record, fixture_tear_down);
  g_test_add ("/openapi/errors", Fixture, NULL, fixture_set_up, test_errors, fixture_tear_down);
  g_test_add ("/openapi/every-route", Fixture, NULL, fixture_set_up, test_every_route, fixture_tear_down);

  return g_test_run ();
}
