/* test-server.c: crm-server through its HTTP API
 *
 * Each case starts the real binary ($CRM_SERVER) on a fresh data folder,
 * most with the demo company: admin; vic (VP) over morgan (reps riley,
 * sam) and taylor (reps jordan, casey); every password "demo".
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-test-server"

#include <string.h>

#include "crm-test-server.h"

/* JSON helpers ********************************************************/

static JsonObject *
object_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static const char *
string_member (JsonObject *object,
               const char *name)
{
  return object ? json_object_get_string_member_with_default (object, name, NULL) : NULL;
}

static gint64
int_member (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  g_assert_true (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
                 json_node_get_value_type (node) == G_TYPE_INT64);
  return json_node_get_int (node);
}

static gboolean
is_null_member (JsonObject *object,
                const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_NULL (node);
}

/* @text as a JSON string literal */
static char *
quote (const char *text)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, text);
  return json_to_string (node, FALSE);
}

static gboolean
objects_equal (JsonObject *a,
               JsonObject *b)
{
  g_autoptr(JsonNode) node_a = json_node_init_object (json_node_alloc (), a);
  g_autoptr(JsonNode) node_b = json_node_init_object (json_node_alloc (), b);

  return json_node_equal (node_a, node_b);
}

static void
assert_objects_equal (JsonObject *a,
                      JsonObject *b)
{
  if (!objects_equal (a, b))
    {
      g_autoptr(JsonNode) node_a = json_node_init_object (json_node_alloc (), a);
      g_autoptr(JsonNode) node_b = json_node_init_object (json_node_alloc (), b);
      g_autofree char *text_a = json_to_string (node_a, FALSE);
      g_autofree char *text_b = json_to_string (node_b, FALSE);

      g_assert_cmpstr (text_a, ==, text_b);
    }
}

/* {"NAME":{"new":VALUE},…} from NAME, VALUE (JSON text) pairs */
static char *
new_fields (const char *first_name,
            ...)
{
  g_autoptr(GString) out = g_string_new ("{");
  va_list args;

  va_start (args, first_name);
  for (const char *name = first_name; name; name = va_arg (args, const char *))
    {
      const char *value = va_arg (args, const char *);

      g_string_append_printf (out, "%s\"%s\":{\"new\":%s}", out->len > 1 ? "," : "", name, value);
    }
  va_end (args);
  g_string_append_c (out, '}');
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* {"NAME":{"old":OLD,"new":NEW},…} from NAME, OLD, NEW (JSON text) triples */
static char *
changed_fields (const char *first_name,
                ...)
{
  g_autoptr(GString) out = g_string_new ("{");
  va_list args;

  va_start (args, first_name);
  for (const char *name = first_name; name; name = va_arg (args, const char *))
    {
      const char *old_value = va_arg (args, const char *);
      const char *new_value = va_arg (args, const char *);

      g_string_append_printf (out, "%s\"%s\":{\"old\":%s,\"new\":%s}", out->len > 1 ? "," : "",
                              name, old_value, new_value);
    }
  va_end (args);
  g_string_append_c (out, '}');
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* One mutation's JSON; a %NULL @mutation_id gets a random one */
static char *
mutation (const char *mutation_id,
          const char *entity,
          const char *id,
          const char *op,
          gint64      base_version,
          const char *fields)
{
  g_autofree char *random_id = g_uuid_string_random ();

  return g_strdup_printf ("{\"mutation_id\":\"%s\",\"entity\":\"%s\",\"id\":\"%s\",\"op\":\"%s\","
                          "\"base_version\":%" G_GINT64_FORMAT ",\"fields\":%s}",
                          mutation_id ? mutation_id : random_id, entity, id, op, base_version,
                          fields ? fields : "{}");
}

static GBytes *
static_bytes (const char *text)
{
  return g_bytes_new_static (text, strlen (text));
}

/* Requests ************************************************************/

static CrmTestResponse *
get (CrmTestServer *server,
     const char    *token,
     const char    *path)
{
  return crm_test_server_request (server, "GET", path, token, NULL, NULL);
}

/* Any 4xx with {"error":{"code","message"}} */
static void
assert_client_error (CrmTestResponse *response)
{
  JsonObject *error = object_member (crm_test_response_object (response), "error");

  g_assert_cmpuint (response->status / 100, ==, 4);
  g_assert_nonnull (error);
  crm_test_response_assert_error (response, response->status, string_member (error, "code"));
}

static void
assert_serving (CrmTestServer *server)
{
  g_autoptr(CrmTestResponse) response = get (server, NULL, "/api/v1/health");

  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpstr (string_member (crm_test_response_object (response), "status"), ==, "ok");
}

static void
assert_result_shape (JsonObject *result)
{
  JsonNode *record = json_object_get_member (result, "record");
  JsonNode *conflicts = json_object_get_member (result, "conflicts");
  JsonNode *error = json_object_get_member (result, "error");
  const char *status = string_member (result, "status");

  g_assert_true (json_object_has_member (result, "mutation_id"));
  g_assert_nonnull (status);
  g_assert_true (g_str_equal (status, "applied") || g_str_equal (status, "merged") ||
                 g_str_equal (status, "conflict") || g_str_equal (status, "rejected"));
  int_member (result, "version");
  g_assert_true (record != NULL && (JSON_NODE_HOLDS_NULL (record) || JSON_NODE_HOLDS_OBJECT (record)));
  g_assert_true (conflicts != NULL && JSON_NODE_HOLDS_ARRAY (conflicts));
  g_assert_true (error != NULL && (JSON_NODE_HOLDS_NULL (error) || json_node_get_value_type (error) == G_TYPE_STRING));
  if (g_str_equal (status, "rejected"))
    {
      g_assert_true (JSON_NODE_HOLDS_VALUE (error));
      g_assert_cmpstr (json_node_get_string (error), !=, "");
    }
  else
    g_assert_true (JSON_NODE_HOLDS_OBJECT (record));
}

/* Pushes @mutations (a JSON array's text); returns the results */
static JsonArray *
push (CrmTestServer *server,
      const char    *token,
      const char    *mutations)
{
  g_autofree char *body = g_strdup_printf ("{\"client_id\":\"test-server\",\"mutations\":%s}", mutations);
  g_autoptr(CrmTestResponse) response = crm_test_server_request (server, "POST", "/api/v1/sync/push",
                                                                 token, body, NULL);
  JsonNode *results;

  if (response->status != 200)
    g_test_message ("push: %u %.*s", response->status, (int) g_bytes_get_size (response->body),
                    (const char *) g_bytes_get_data (response->body, NULL));
  g_assert_cmpuint (response->status, ==, 200);
  results = json_object_get_member (crm_test_response_object (response), "results");
  g_assert_true (results != NULL && JSON_NODE_HOLDS_ARRAY (results));
  for (guint i = 0; i < json_array_get_length (json_node_get_array (results)); i++)
    assert_result_shape (json_array_get_object_element (json_node_get_array (results), i));
  return json_array_ref (json_node_get_array (results));
}

/* Pushes one mutation; returns its result */
static JsonObject *
push_one (CrmTestServer *server,
          const char    *token,
          const char    *one)
{
  g_autofree char *mutations = g_strdup_printf ("[%s]", one);
  g_autoptr(JsonArray) results = push (server, token, mutations);

  g_assert_cmpuint (json_array_get_length (results), ==, 1);
  return json_object_ref (json_array_get_object_element (results, 0));
}

static void
assert_status (JsonObject *result,
               const char *status)
{
  if (g_strcmp0 (string_member (result, "status"), status) != 0)
    g_test_message ("result: %s (%s)", string_member (result, "status"),
                    string_member (result, "error") ? string_member (result, "error") : "");
  g_assert_cmpstr (string_member (result, "status"), ==, status);
}

static JsonObject *
result_record (JsonObject *result)
{
  JsonObject *record = object_member (result, "record");

  g_assert_nonnull (record);
  return record;
}

/* Feed ****************************************************************/

typedef struct
{
  GHashTable *changes;  /* "entity/id" → JsonObject of the change */
  GPtrArray  *order;    /* those keys in feed order */
  char       *cursor;
  guint       pages;
} Pull;

static void
pull_free (Pull *pull)
{
  g_hash_table_unref (pull->changes);
  g_ptr_array_unref (pull->order);
  g_free (pull->cursor);
  g_free (pull);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pull, pull_free)

static void
assert_change_shape (JsonObject *change)
{
  const char *id = string_member (change, "id");
  JsonNode *data = json_object_get_member (change, "data");
  JsonNode *deleted = json_object_get_member (change, "deleted");

  g_assert_nonnull (string_member (change, "entity"));
  g_assert_true (g_uuid_string_is_valid (id));
  int_member (change, "version");
  g_assert_true (deleted != NULL && JSON_NODE_HOLDS_VALUE (deleted) &&
                 json_node_get_value_type (deleted) == G_TYPE_BOOLEAN);
  g_assert_nonnull (data);
  if (json_node_get_boolean (deleted))
    g_assert_true (JSON_NODE_HOLDS_NULL (data));
  else
    {
      g_assert_true (JSON_NODE_HOLDS_OBJECT (data));
      g_assert_cmpstr (string_member (json_node_get_object (data), "id"), ==, id);
      g_assert_cmpint (int_member (json_node_get_object (data), "version"), ==, int_member (change, "version"));
    }
}

/**
 * pull_all:
 * @cursor: where to start; "" for everything
 *
 * Pages through the feed until has_more is false, checking that no record
 * comes twice and no page is larger than asked.
 */
static Pull *
pull_all (CrmTestServer *server,
          const char    *token,
          const char    *cursor,
          guint          limit)
{
  Pull *pull = g_new0 (Pull, 1);
  gboolean has_more = TRUE;

  pull->changes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_object_unref);
  pull->order = g_ptr_array_new ();
  pull->cursor = g_strdup (cursor);

  while (has_more)
    {
      g_autofree char *escaped = g_uri_escape_string (pull->cursor, NULL, FALSE);
      g_autofree char *path = g_strdup_printf ("/api/v1/sync/pull?cursor=%s&limit=%u", escaped, limit);
      g_autoptr(CrmTestResponse) response = get (server, token, path);
      JsonObject *page;
      JsonArray *changes;
      JsonNode *more;

      if (response->status != 200)
        g_test_message ("pull from cursor “%s” (page %u, from “%s”): %u %.*s", pull->cursor, pull->pages + 1,
                        cursor, response->status, (int) g_bytes_get_size (response->body),
                        (const char *) g_bytes_get_data (response->body, NULL));
      g_assert_cmpuint (response->status, ==, 200);
      page = crm_test_response_object (response);
      changes = json_object_get_array_member (page, "changes");
      g_assert_nonnull (changes);
      g_assert_cmpuint (json_array_get_length (changes), <=, limit);
      more = json_object_get_member (page, "has_more");
      g_assert_true (more != NULL && json_node_get_value_type (more) == G_TYPE_BOOLEAN);
      has_more = json_node_get_boolean (more);
      if (has_more)
        g_assert_cmpuint (json_array_get_length (changes), >, 0);

      for (guint i = 0; i < json_array_get_length (changes); i++)
        {
          JsonObject *change = json_array_get_object_element (changes, i);
          char *key;

          assert_change_shape (change);
          key = g_strdup_printf ("%s/%s", string_member (change, "entity"), string_member (change, "id"));
          if (g_hash_table_contains (pull->changes, key))
            g_error ("%s came twice in one pull", key);
          g_hash_table_insert (pull->changes, key, json_object_ref (change));
          g_ptr_array_add (pull->order, key);
        }

      g_assert_nonnull (string_member (page, "cursor"));
      g_assert_cmpstr (string_member (page, "cursor"), !=, "");
      g_free (pull->cursor);
      pull->cursor = g_strdup (string_member (page, "cursor"));
      pull->pages++;
    }
  return pull;
}

/* Cursors are opaque to clients; the tests know they lead with the
 * change sequence that prune --before-seq takes */
static guint64
cursor_seq (const char *cursor)
{
  guint64 seq = g_ascii_strtoull (cursor, NULL, 10);

  g_assert_cmpuint (seq, >, 0);
  return seq;
}

static JsonObject *
pull_lookup (Pull       *pull,
             const char *entity,
             const char *id)
{
  g_autofree char *key = g_strdup_printf ("%s/%s", entity, id);

  return g_hash_table_lookup (pull->changes, key);
}

static JsonObject *
change_data (JsonObject *change)
{
  return object_member (change, "data");
}

/* How many live @entity records in @pull belong to @user (owner, or user_id for quotas) */
static guint
pull_count (Pull       *pull,
            const char *entity,
            const char *field,
            const char *user)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, pull->changes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      JsonObject *data = change_data (value);

      if (data && g_str_equal (string_member (value, "entity"), entity) &&
          (user == NULL || g_strcmp0 (string_member (data, field), user) == 0))
        n++;
    }
  return n;
}

static gboolean
pull_contains_all (Pull *big,
                   Pull *small)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, small->changes);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (big->changes, key))
      return FALSE;
  return TRUE;
}

/* Every item of a REST listing, page by page */
static GPtrArray *
list_all (CrmTestServer *server,
          const char    *token,
          const char    *entity,
          guint          limit)
{
  GPtrArray *items = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autofree char *after = NULL;
  g_autofree char *previous_id = NULL;

  for (;;)
    {
      g_autofree char *path = after
        ? g_strdup_printf ("/api/v1/%s?limit=%u&after=%s", entity, limit, after)
        : g_strdup_printf ("/api/v1/%s?limit=%u", entity, limit);
      g_autoptr(CrmTestResponse) response = get (server, token, path);
      JsonObject *page;
      JsonArray *array;
      JsonNode *next;

      g_assert_cmpuint (response->status, ==, 200);
      page = crm_test_response_object (response);
      array = json_object_get_array_member (page, "items");
      g_assert_nonnull (array);
      g_assert_cmpuint (json_array_get_length (array), <=, limit);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonObject *item = json_array_get_object_element (array, i);
          const char *id = string_member (item, "id");

          g_assert_true (g_uuid_string_is_valid (id));
          /* In id order, so no item comes twice across pages */
          if (previous_id)
            g_assert_cmpstr (previous_id, <, id);
          g_free (previous_id);
          previous_id = g_strdup (id);
          g_assert_false (json_object_get_boolean_member_with_default (item, "deleted", TRUE));
          g_ptr_array_add (items, json_object_ref (item));
        }

      next = json_object_get_member (page, "next");
      g_assert_nonnull (next);
      if (JSON_NODE_HOLDS_NULL (next))
        break;
      g_assert_cmpuint (json_array_get_length (array), >, 0);
      g_assert_cmpstr (json_node_get_string (next), ==, previous_id);
      g_free (after);
      after = g_strdup (json_node_get_string (next));
    }
  return items;
}

/* The demo company ****************************************************/

typedef struct
{
  CrmTestServer *server;
  GHashTable    *ids;     /* login → user id */
  GHashTable    *tokens;  /* login → bearer token */
  char          *stage_id;
} Demo;

static void
demo_free (Demo *demo)
{
  g_hash_table_unref (demo->ids);
  g_hash_table_unref (demo->tokens);
  g_free (demo->stage_id);
  crm_test_server_free (demo->server);
  g_free (demo);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Demo, demo_free)

static const char *
demo_token (Demo       *demo,
            const char *login)
{
  char *token = g_hash_table_lookup (demo->tokens, login);

  if (token == NULL)
    {
      token = crm_test_server_login (demo->server, login, "demo");
      g_hash_table_insert (demo->tokens, g_strdup (login), token);
    }
  return token;
}

static const char *
demo_id (Demo       *demo,
         const char *login)
{
  const char *id = g_hash_table_lookup (demo->ids, login);

  g_assert_nonnull (id);
  return id;
}

static Demo *
demo_new (void)
{
  Demo *demo = g_new0 (Demo, 1);
  g_autoptr(GPtrArray) users = NULL;
  g_autoptr(GPtrArray) stages = NULL;

  demo->server = crm_test_server_new (TRUE);
  demo->ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  demo->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  /* Login names are the local parts of the users' emails */
  users = list_all (demo->server, demo_token (demo, "admin"), "users", 100);
  g_assert_cmpuint (users->len, ==, 8);
  for (guint i = 0; i < users->len; i++)
    {
      const char *email = string_member (g_ptr_array_index (users, i), "email");

      g_assert_nonnull (email);
      g_hash_table_insert (demo->ids, g_strndup (email, strcspn (email, "@")),
                           g_strdup (string_member (g_ptr_array_index (users, i), "id")));
    }

  stages = list_all (demo->server, demo_token (demo, "admin"), "stages", 100);
  g_assert_cmpuint (stages->len, >, 0);
  demo->stage_id = g_strdup (string_member (g_ptr_array_index (stages, 0), "id"));
  return demo;
}

/* A record as @login reads it over REST, or %NULL on 404 */
static JsonObject *
demo_get (Demo       *demo,
          const char *login,
          const char *entity,
          const char *id)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/%s/%s", entity, id);
  g_autoptr(CrmTestResponse) response = get (demo->server, demo_token (demo, login), path);
  g_autofree char *etag = NULL;
  JsonObject *record;

  if (response->status == 404)
    {
      crm_test_response_assert_error (response, 404, "not_found");
      return NULL;
    }
  g_assert_cmpuint (response->status, ==, 200);
  record = crm_test_response_object (response);
  etag = g_strdup_printf ("\"%" G_GINT64_FORMAT "\"", int_member (record, "version"));
  g_assert_cmpstr (crm_test_response_header (response, "ETag"), ==, etag);
  return json_object_ref (record);
}

/* The first @entity record owned by @owner, as @login reads it */
static JsonObject *
demo_find_owned (Demo       *demo,
                 const char *login,
                 const char *entity,
                 const char *owner)
{
  g_autoptr(GPtrArray) items = list_all (demo->server, demo_token (demo, login), entity, 1000);

  for (guint i = 0; i < items->len; i++)
    if (g_strcmp0 (string_member (g_ptr_array_index (items, i), "owner_id"), demo_id (demo, owner)) == 0)
      return json_object_ref (g_ptr_array_index (items, i));
  g_error ("%s owns no %s that %s can see", owner, entity, login);
}

/* A new opportunity of @login's: @name, next step "Send proposal", 100 EUR */
static char *
demo_create_opportunity (Demo       *demo,
                         const char *login,
                         const char *name)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *name_json = quote (name);
  g_autofree char *stage_json = quote (demo->stage_id);
  g_autofree char *fields = new_fields ("name", name_json, "stage_id", stage_json,
                                        "currency", "\"EUR\"", "amount", "\"100\"",
                                        "next_step", "\"Send proposal\"", NULL);
  g_autofree char *one = mutation (NULL, "opportunities", id, "create", 0, fields);
  g_autoptr(JsonObject) result = push_one (demo->server, demo_token (demo, login), one);

  assert_status (result, "applied");
  g_assert_cmpint (int_member (result, "version"), ==, 1);
  return g_steal_pointer (&id);
}

/* A new account of @login's via REST */
static char *
demo_create_account (Demo       *demo,
                     const char *login,
                     const char *name)
{
  g_autofree char *name_json = quote (name);
  g_autofree char *body = g_strdup_printf ("{\"name\":%s}", name_json);
  g_autoptr(CrmTestResponse) response = crm_test_server_request (demo->server, "POST", "/api/v1/accounts",
                                                                 demo_token (demo, login), body, NULL);

  g_assert_cmpuint (response->status, ==, 201);
  return g_strdup (string_member (crm_test_response_object (response), "id"));
}

/* Updates one text field of a record at its current version */
static JsonObject *
demo_set_text (Demo       *demo,
               const char *login,
               const char *entity,
               const char *id,
               const char *field,
               const char *value)
{
  g_autoptr(JsonObject) current = demo_get (demo, login, entity, id);
  g_autofree char *old_json = NULL;
  g_autofree char *new_json = quote (value);
  g_autofree char *fields = NULL;
  g_autofree char *one = NULL;
  JsonNode *old_value;

  g_assert_nonnull (current);
  old_value = json_object_get_member (current, field);
  old_json = old_value ? json_to_string (old_value, FALSE) : g_strdup ("null");
  fields = changed_fields (field, old_json, new_json, NULL);
  one = mutation (NULL, entity, id, "update", int_member (current, "version"), fields);
  return push_one (demo->server, demo_token (demo, login), one);
}

/* Health **************************************************************/

static void
test_health (void)
{
  g_autoptr(CrmTestServer) server = crm_test_server_new (FALSE);
  g_autoptr(CrmTestResponse) health = get (server, NULL, "/api/v1/health");
  g_autoptr(CrmTestResponse) post = NULL;
  g_autoptr(CrmTestResponse) private = NULL;
  g_autoptr(CrmTestResponse) elsewhere = NULL;
  JsonObject *object;

  g_assert_cmpuint (health->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (health->headers, NULL), ==, "application/json");
  object = crm_test_response_object (health);
  g_assert_cmpstr (string_member (object, "status"), ==, "ok");
  g_assert_nonnull (string_member (object, "version"));

  post = crm_test_server_request (server, "POST", "/api/v1/health", NULL, "{}", NULL);
  crm_test_response_assert_error (post, 405, "method_not_allowed");

  /* Everything else needs a token */
  private = get (server, NULL, "/api/v1/accounts");
  crm_test_response_assert_error (private, 401, "unauthorized");
  g_assert_true (g_str_has_prefix (crm_test_response_header (private, "WWW-Authenticate"), "Bearer"));

  elsewhere = get (server, NULL, "/index.html");
  crm_test_response_assert_error (elsewhere, 404, "not_found");
  assert_serving (server);
}

/* Auth ****************************************************************/

static CrmTestResponse *
try_login (CrmTestServer *server,
           const char    *username,
           const char    *password)
{
  g_autofree char *username_json = quote (username);
  g_autofree char *password_json = quote (password);
  g_autofree char *body = g_strdup_printf ("{\"username\":%s,\"password\":%s}", username_json, password_json);

  return crm_test_server_request (server, "POST", "/api/v1/auth/token", NULL, body, NULL);
}

static void
test_auth_login (void)
{
  g_autoptr(Demo) demo = demo_new ();
  g_autoptr(CrmTestResponse) login = try_login (demo->server, "riley", "demo");
  g_autoptr(CrmTestResponse) again = try_login (demo->server, "riley", "demo");
  g_autoptr(CrmTestResponse) users = NULL;
  g_autoptr(CrmTestResponse) users_again = NULL;
  g_autoptr(CrmTestResponse) ada_login = NULL;
  g_autoptr(CrmTestResponse) missing = NULL;
  g_autoptr(CrmTestResponse) not_object = NULL;
  g_autoptr(CrmTestResponse) form = NULL;
  g_autoptr(GDateTime) expires = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GBytes) form_body = static_bytes ("username=riley&password=demo");
  g_autofree char *ada_id = NULL;
  JsonObject *object;
  JsonObject *user;
  const char *token;

  g_assert_cmpuint (login->status, ==, 200);
  object = crm_test_response_object (login);
  token = string_member (object, "token");
  g_assert_nonnull (token);
  g_assert_cmpuint (strlen (token), >=, 32);
  g_assert_nonnull (string_member (object, "expires_at"));
  expires = g_date_time_new_from_iso8601 (string_member (object, "expires_at"), NULL);
  g_assert_nonnull (expires);
  g_assert_cmpint (g_date_time_compare (expires, now), >, 0);

  user = object_member (object, "user");
  g_assert_nonnull (user);
  g_assert_cmpstr (string_member (user, "id"), ==, demo_id (demo, "riley"));
  g_assert_cmpstr (string_member (user, "username"), ==, "riley");
  g_assert_cmpstr (string_member (user, "email"), ==, "riley@demo.example");
  g_assert_cmpstr (string_member (user, "role"), ==, "rep");
  g_assert_cmpstr (string_member (user, "manager_id"), ==, demo_id (demo, "morgan"));
  g_assert_false (json_object_has_member (user, "password_hash"));

  /* Each login is a token of its own, and both work */
  g_assert_cmpuint (again->status, ==, 200);
  g_assert_cmpstr (string_member (crm_test_response_object (again), "token"), !=, token);
  users = get (demo->server, token, "/api/v1/users");
  g_assert_cmpuint (users->status, ==, 200);
  users_again = get (demo->server, string_member (crm_test_response_object (again), "token"), "/api/v1/users");
  g_assert_cmpuint (users_again->status, ==, 200);

  /* A user added from the command line while the server runs */
  ada_id = crm_test_server_add_user (demo->server, "ada", "rep", "morgan", "correct horse");
  ada_login = try_login (demo->server, "ada", "correct horse");
  g_assert_cmpuint (ada_login->status, ==, 200);
  user = object_member (crm_test_response_object (ada_login), "user");
  g_assert_cmpstr (string_member (user, "id"), ==, ada_id);
  g_assert_cmpstr (string_member (user, "username"), ==, "ada");
  g_assert_cmpstr (string_member (user, "manager_id"), ==, demo_id (demo, "morgan"));

  missing = crm_test_server_request (demo->server, "POST", "/api/v1/auth/token", NULL,
                                     "{\"username\":\"riley\"}", NULL);
  crm_test_response_assert_error (missing, 400, "bad_request");
  not_object = crm_test_server_request (demo->server, "POST", "/api/v1/auth/token", NULL, "[1,2]", NULL);
  crm_test_response_assert_error (not_object, 400, "bad_request");
  form = crm_test_server_request_full (demo->server, "POST", "/api/v1/auth/token", NULL,
                                       "application/x-www-form-urlencoded", form_body, NULL);
  crm_test_response_assert_error (form, 415, "unsupported_media_type");
}

static void
test_auth_wrong_password (void)
{
  g_autoptr(Demo) demo = demo_new ();
  g_autoptr(CrmTestResponse) wrong = try_login (demo->server, "riley", "not demo");
  g_autoptr(CrmTestResponse) unknown = try_login (demo->server, "nobody-here", "not demo");
  g_autoptr(CrmTestResponse) empty = try_login (demo->server, "riley", "");
  g_autoptr(CrmTestResponse) right = NULL;

  crm_test_response_assert_error (wrong, 401, "unauthorized");
  crm_test_response_assert_error (unknown, 401, "unauthorized");
  crm_test_response_assert_error (empty, 401, "unauthorized");
  g_assert_false (json_object_has_member (crm_test_response_object (wrong), "token"));

  /* Whether the name exists is not given away */
  g_assert_true (json_node_equal (wrong->json, unknown->json));
  g_assert_true (json_node_equal (wrong->json, empty->json));
  g_assert_cmpstr (crm_test_response_header (wrong, "Retry-After"), ==, NULL);
  g_assert_cmpstr (crm_test_response_header (unknown, "Retry-After"), ==, NULL);

  /* A few failures do not lock the user out */
  right = try_login (demo->server, "riley", "demo");
  g_assert_cmpuint (right->status, ==, 200);
}

static guint
retry_after (CrmTestResponse *response)
{
  const char *value = crm_test_response_header (response, "Retry-After");
  guint64 seconds = 0;

  g_assert_nonnull (value);
  g_assert_true (g_ascii_string_to_unsigned (value, 10, 1, 15 * 60, &seconds, NULL));
  return seconds;
}

static void
test_auth_throttle (void)
{
  g_autoptr(Demo) demo = demo_new ();
  g_autoptr(CrmTestResponse) sixth = NULL;
  g_autoptr(CrmTestResponse) right = NULL;
  g_autoptr(CrmTestResponse) other = NULL;
  g_autoptr(CrmTestResponse) ghost = NULL;

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(CrmTestResponse) wrong = try_login (demo->server, "sam", "guess");

      crm_test_response_assert_error (wrong, 401, "unauthorized");
    }
  sixth = try_login (demo->server, "sam", "guess");
  crm_test_response_assert_error (sixth, 429, "too_many_requests");
  retry_after (sixth);

  /* Throttled means throttled, even with the right password */
  right = try_login (demo->server, "sam", "demo");
  crm_test_response_assert_error (right, 429, "too_many_requests");
  retry_after (right);

  /* Per name: others still log in */
  other = try_login (demo->server, "casey", "demo");
  g_assert_cmpuint (other->status, ==, 200);

  /* A name that does not exist is throttled the same way */
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(CrmTestResponse) wrong = try_login (demo->server, "ghost", "guess");

      crm_test_response_assert_error (wrong, 401, "unauthorized");
    }
  ghost = try_login (demo->server, "ghost", "guess");
  crm_test_response_assert_error (ghost, 429, "too_many_requests");
  retry_after (ghost);
  assert_serving (demo->server);
}

static void
test_auth_bad_token (void)
{
  g_autoptr(Demo) demo = demo_new ();
  const char *token = demo_token (demo, "riley");
  g_autoptr(CrmTestResponse) bogus = get (demo->server, "c29tZXRoaW5nIG1hZGUgdXA", "/api/v1/accounts");
  g_autoptr(CrmTestResponse) basic = crm_test_server_request (demo->server, "GET", "/api/v1/accounts", NULL, NULL,
                                                              "Authorization", "Basic cmlsZXk6ZGVtbw==", NULL);
  g_autoptr(CrmTestResponse) bare = crm_test_server_request (demo->server, "GET", "/api/v1/accounts", NULL, NULL,
                                                             "Authorization", "Bearer", NULL);
  g_autoptr(CrmTestResponse) before = get (demo->server, token, "/api/v1/sync/pull?limit=1");
  g_autoptr(CrmTestResponse) expired = NULL;
  g_autoptr(CrmTestResponse) expired_push = NULL;
  g_autoptr(CrmTestResponse) fresh = NULL;
  g_autofree char *new_token = NULL;

  crm_test_response_assert_error (bogus, 401, "unauthorized");
  g_assert_true (g_str_has_prefix (crm_test_response_header (bogus, "WWW-Authenticate"), "Bearer"));
  crm_test_response_assert_error (basic, 401, "unauthorized");
  crm_test_response_assert_error (bare, 401, "unauthorized");
  g_assert_cmpuint (before->status, ==, 200);

  /* Age every token past its expiry */
  crm_test_server_exec_sql (demo->server, "UPDATE tokens SET expires_at = 1000");
  expired = get (demo->server, token, "/api/v1/sync/pull?limit=1");
  crm_test_response_assert_error (expired, 401, "token_expired");
  g_assert_true (g_str_has_prefix (crm_test_response_header (expired, "WWW-Authenticate"), "Bearer"));
  expired_push = crm_test_server_request (demo->server, "POST", "/api/v1/sync/push", token,
                                          "{\"client_id\":\"x\",\"mutations\":[]}", NULL);
  crm_test_response_assert_error (expired_push, 401, "token_expired");

  /* Logging in again is the way out */
  assert_serving (demo->server);
  new_token = crm_test_server_login (demo->server, "riley", "demo");
  fresh = get (demo->server, new_token, "/api/v1/sync/pull?limit=1");
  g_assert_cmpuint (fresh->status, ==, 200);
}

/* Pull ****************************************************************/

static void
test_pull_paging (void)
{
  g_autoptr(Demo) demo = demo_new ();
  const char *token = demo_token (demo, "riley");
  g_autoptr(Pull) big = pull_all (demo->server, token, "", 1000);
  g_autoptr(Pull) small = pull_all (demo->server, token, "", 97);
  g_autoptr(GPtrArray) opportunities = list_all (demo->server, token, "opportunities", 1000);
  g_autoptr(GPtrArray) users = list_all (demo->server, token, "users", 1000);
  g_autoptr(CrmTestResponse) no_cursor = get (demo->server, token, "/api/v1/sync/pull?limit=5");
  g_autoptr(CrmTestResponse) empty_cursor = get (demo->server, token, "/api/v1/sync/pull?limit=5&cursor=");
  g_autoptr(CrmTestResponse) zero = get (demo->server, token, "/api/v1/sync/pull?limit=0");
  g_autoptr(CrmTestResponse) too_big = get (demo->server, token, "/api/v1/sync/pull?limit=1001");
  GHashTableIter iter;
  gpointer key, value;

  g_assert_cmpuint (g_hash_table_size (big->changes), >, 1000);
  g_assert_cmpuint (small->pages, >=, g_hash_table_size (small->changes) / 97);

  /* The same records, each once, whatever the page size */
  g_assert_cmpuint (g_hash_table_size (big->changes), ==, g_hash_table_size (small->changes));
  g_hash_table_iter_init (&iter, big->changes);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      JsonObject *other = g_hash_table_lookup (small->changes, key);

      g_assert_nonnull (other);
      assert_objects_equal (value, other);
    }
  g_assert_cmpstr (big->cursor, ==, small->cursor);

  /* Everything the REST API lets riley see, and nothing more */
  g_assert_cmpuint (pull_count (big, "opportunities", NULL, NULL), ==, opportunities->len);
  for (guint i = 0; i < opportunities->len; i++)
    {
      JsonObject *item = g_ptr_array_index (opportunities, i);
      JsonObject *change = pull_lookup (big, "opportunities", string_member (item, "id"));

      g_assert_nonnull (change);
      assert_objects_equal (change_data (change), item);
    }
  g_assert_cmpuint (pull_count (big, "users", NULL, NULL), ==, users->len);
  g_assert_cmpuint (users->len, ==, 8);

  /* No cursor and an empty one both mean from the start */
  g_assert_cmpuint (no_cursor->status, ==, 200);
  g_assert_cmpuint (empty_cursor->status, ==, 200);
  g_assert_true (json_node_equal (no_cursor->json, empty_cursor->json));
  g_assert_true (json_object_get_boolean_member (crm_test_response_object (no_cursor), "has_more"));

  crm_test_response_assert_error (zero, 400, "bad_request");
  crm_test_response_assert_error (too_big, 400, "bad_request");
}

/* The changes of a pull in feed order, as "entity/id" keys */
static char *
pull_order (Pull *pull)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < pull->order->len; i++)
    g_string_append_printf (out, "%s%s", i ? " " : "", (char *) g_ptr_array_index (pull->order, i));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
test_pull_incremental (void)
{
  g_autoptr(Demo) demo = demo_new ();
  const char *token = demo_token (demo, "riley");
  g_autoptr(Pull) full = pull_all (demo->server, token, "", 1000);
  g_autoptr(Pull) idle = pull_all (demo->server, token, full->cursor, 1000);
  g_autoptr(Pull) one = NULL;
  g_autoptr(Pull) idle_again = NULL;
  g_autoptr(Pull) two = NULL;
  g_autoptr(Pull) from_others = NULL;
  g_autoptr(Pull) elsewhere = NULL;
  g_autoptr(Pull) gone = NULL;
  g_autoptr(JsonObject) x = demo_find_owned (demo, "riley", "opportunities", "riley");
  g_autoptr(JsonObject) y = NULL;
  g_autoptr(JsonObject) account = demo_find_owned (demo, "riley", "accounts", "sam");
  g_autoptr(JsonObject) jordans = demo_find_owned (demo, "jordan", "opportunities", "jordan");
  g_autoptr(JsonObject) result = NULL;
  g_autofree char *expected_order = NULL;
  g_autofree char *order = NULL;
  g_autofree char *temporary = NULL;
  const char *x_id = string_member (x, "id");
  gint64 x_version = int_member (x, "version");
  JsonObject *change;

  /* Nothing new: nothing comes, the cursor stays */
  g_assert_cmpuint (g_hash_table_size (idle->changes), ==, 0);
  g_assert_cmpstr (idle->cursor, ==, full->cursor);

  /* A change comes after the cursor, once, at its new version */
  result = demo_set_text (demo, "riley", "opportunities", x_id, "next_step", "Incremental one");
  assert_status (result, "applied");
  one = pull_all (demo->server, token, full->cursor, 1000);
  g_assert_cmpuint (g_hash_table_size (one->changes), ==, 1);
  change = pull_lookup (one, "opportunities", x_id);
  g_assert_nonnull (change);
  g_assert_cmpint (int_member (change, "version"), ==, x_version + 1);
  g_assert_cmpstr (string_member (change_data (change), "next_step"), ==, "Incremental one");
  g_assert_cmpstr (one->cursor, !=, full->cursor);
  idle_again = pull_all (demo->server, token, one->cursor, 1000);
  g_assert_cmpuint (g_hash_table_size (idle_again->changes), ==, 0);
  g_assert_cmpstr (idle_again->cursor, ==, one->cursor);

  /* In the order the server took the changes: a record changed again moves to the end */
  g_clear_pointer (&result, json_object_unref);
  result = demo_set_text (demo, "riley", "opportunities", x_id, "next_step", "Incremental two");
  assert_status (result, "applied");
  y = demo_find_owned (demo, "riley", "contacts", "riley");
  g_clear_pointer (&result, json_object_unref);
  result = demo_set_text (demo, "riley", "contacts", string_member (y, "id"), "title", "Chief Tester");
  assert_status (result, "applied");
  g_clear_pointer (&result, json_object_unref);
  result = demo_set_text (demo, "riley", "opportunities", x_id, "next_step", "Incremental three");
  assert_status (result, "applied");
  two = pull_all (demo->server, token, one->cursor, 1);
  expected_order = g_strdup_printf ("contacts/%s opportunities/%s", string_member (y, "id"), x_id);
  order = pull_order (two);
  g_assert_cmpstr (order, ==, expected_order);
  g_assert_cmpint (int_member (pull_lookup (two, "opportunities", x_id), "version"), ==, x_version + 3);
  g_assert_cmpstr (string_member (change_data (pull_lookup (two, "opportunities", x_id)), "next_step"), ==,
                   "Incremental three");

  /* Someone else's change to a record riley sees reaches riley */
  g_clear_pointer (&result, json_object_unref);
  result = demo_set_text (demo, "admin", "accounts", string_member (account, "id"), "industry", "Testing");
  assert_status (result, "applied");
  from_others = pull_all (demo->server, token, two->cursor, 1000);
  g_assert_cmpuint (g_hash_table_size (from_others->changes), ==, 1);
  change = pull_lookup (from_others, "accounts", string_member (account, "id"));
  g_assert_nonnull (change);
  g_assert_cmpstr (string_member (change_data (change), "industry"), ==, "Testing");

  /* Another team's change does not */
  g_clear_pointer (&result, json_object_unref);
  result = demo_set_text (demo, "jordan", "opportunities", string_member (jordans, "id"), "next_step", "Not for riley");
  assert_status (result, "applied");
  elsewhere = pull_all (demo->server, token, from_others->cursor, 1000);
  g_assert_cmpuint (g_hash_table_size (elsewhere->changes), ==, 0);

  /* Made and deleted since the cursor: one tombstone */
  temporary = demo_create_account (demo, "riley", "Short-lived");
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/accounts/%s", temporary);
    g_autoptr(CrmTestResponse) deleted = crm_test_server_request (demo->server, "DELETE", path, token, NULL,
                                                                  "If-Match", "\"1\"", NULL);

    g_assert_cmpuint (deleted->status, ==, 204);
  }
  gone = pull_all (demo->server, token, elsewhere->cursor, 1000);
  g_assert_cmpuint (g_hash_table_size (gone->changes), ==, 1);
  change = pull_lookup (gone, "accounts", temporary);
  g_assert_nonnull (change);
  g_assert_true (json_object_get_boolean_member (change, "deleted"));
  g_assert_true (is_null_member (change, "data"));
}

static void
test_pull_bad_cursor (void)
{
  static const char * const bad[] = {
    "abc", "-1", "1.5", "12abc", "%2012", "0x10", "99999999999999999999999",
    "1%27%20OR%20%271%27%3D%271", "1%3B%20DROP%20TABLE%20records",
  };
  g_autoptr(Demo) demo = demo_new ();
  const char *token = demo_token (demo, "riley");
  g_autoptr(Pull) full = pull_all (demo->server, token, "", 1000);
  g_autoptr(CrmTestResponse) zero = get (demo->server, token, "/api/v1/sync/pull?cursor=0&limit=1");
  g_autoptr(CrmTestResponse) future = NULL;
  g_autofree char *future_path = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/sync/pull?cursor=%s", bad[i]);
      g_autoptr(CrmTestResponse) response = get (demo->server, token, path);

      g_test_message ("cursor %s", bad[i]);
      crm_test_response_assert_error (response, 400, "bad_request");
    }
  assert_serving (demo->server);
  g_assert_cmpuint (zero->status, ==, 200);

  /* A cursor past the end of the feed was never given out: taking it
   * would skip every change up to it */
  future_path = g_strdup_printf ("/api/v1/sync/pull?cursor=%" G_GUINT64_FORMAT,
                                 cursor_seq (full->cursor) + 1000000);
  future = get (demo->server, token, future_path);
  crm_test_response_assert_error (future, 400, "bad_request");
}

static void
create_and_delete_account (Demo       *demo,
                           const char *login)
{
  g_autofree char *id = demo_create_account (demo, login, "Doomed");
  g_autofree char *path = g_strdup_printf ("/api/v1/accounts/%s", id);
  g_autoptr(CrmTestResponse) deleted = crm_test_server_request (demo->server, "DELETE", path,
                                                                demo_token (demo, login), NULL,
                                                                "If-Match", "\"1\"", NULL);

  g_assert_cmpuint (deleted->status, ==, 204);
}

static void
prune (CrmTestServer *server,
       const char    *before_seq)
{
  g_autofree char *out = NULL;

  g_assert_cmpint (crm_test_server_run (server, NULL, &out, "prune", "--before-seq", before_seq, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Forgot"));
}

static guint
count_tombstones (Pull *pull)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, pull->changes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    n += json_object_get_boolean_member (value, "deleted");
  return n;
}

static char *
pull_path (const char *cursor)
{
  return g_strdup_printf ("/api/v1/sync/pull?cursor=%s", cursor);
}

static void
test_pull_resync_required (void)
{
  g_autoptr(Demo) demo = demo_new ();
  const char *token = demo_token (demo, "riley");
  g_autoptr(Pull) start = pull_all (demo->server, token, "", 1000);
  g_autoptr(Pull) after_delete = NULL;
  g_autoptr(Pull) after_touch = NULL;
  g_autoptr(Pull) second = NULL;
  g_autoptr(Pull) touched = NULL;
  g_autoptr(Pull) resync = NULL;
  g_autoptr(Pull) idle = NULL;
  g_autoptr(Pull) newest = NULL;
  g_autoptr(Pull) final_resync = NULL;
  g_autoptr(CrmTestResponse) gone = NULL;
  g_autoptr(CrmTestResponse) gone_again = NULL;
  g_autoptr(CrmTestResponse) after_resync = NULL;
  g_autoptr(JsonObject) account = demo_find_owned (demo, "riley", "accounts", "riley");
  g_autoptr(JsonObject) result = NULL;
  g_autofree char *path = NULL;
  g_autofree char *past_end = NULL;
  g_autofree char *seq = NULL;

  /* A tombstone, then one more change so the horizon can pass the tombstone */
  create_and_delete_account (demo, "riley");
  after_delete = pull_all (demo->server, token, start->cursor, 1000);
  g_assert_cmpuint (count_tombstones (after_delete), ==, 1);
  result = demo_set_text (demo, "riley", "accounts", string_member (account, "id"), "industry", "Pruning");
  assert_status (result, "applied");
  after_touch = pull_all (demo->server, token, after_delete->cursor, 1000);

  /* Pruned while the server runs (WAL): the old cursor has lost history */
  seq = g_strdup_printf ("%" G_GUINT64_FORMAT, cursor_seq (after_touch->cursor));
  prune (demo->server, seq);
  path = pull_path (start->cursor);
  gone = get (demo->server, token, path);
  crm_test_response_assert_error (gone, 410, "resync_required");

  /* Pruned while the server is stopped */
  create_and_delete_account (demo, "riley");
  second = pull_all (demo->server, token, after_touch->cursor, 1000);
  g_assert_cmpuint (count_tombstones (second), ==, 1);
  g_clear_pointer (&result, json_object_unref);
  result = demo_set_text (demo, "riley", "accounts", string_member (account, "id"), "industry", "Pruned again");
  assert_status (result, "applied");
  touched = pull_all (demo->server, token, second->cursor, 1000);
  crm_test_server_stop (demo->server);
  g_free (seq);
  seq = g_strdup_printf ("%" G_GUINT64_FORMAT, cursor_seq (touched->cursor));
  prune (demo->server, seq);
  crm_test_server_start (demo->server);
  g_clear_pointer (&path, g_free);
  path = pull_path (after_touch->cursor);
  gone_again = get (demo->server, token, path);
  crm_test_response_assert_error (gone_again, 410, "resync_required");

  /* The way back: a full pull from an empty cursor, over several pages */
  resync = pull_all (demo->server, token, "", 1000);
  g_assert_cmpuint (resync->pages, >, 1);
  g_assert_cmpuint (count_tombstones (resync), ==, 0);
  g_assert_cmpuint (g_hash_table_size (resync->changes), ==, g_hash_table_size (start->changes));
  idle = pull_all (demo->server, token, resync->cursor, 1000);
  g_assert_cmpuint (g_hash_table_size (idle->changes), ==, 0);

  /* Pruned up to the newest change: a client that has just resynced has
   * seen everything there is and goes on from its cursor */
  create_and_delete_account (demo, "riley");
  newest = pull_all (demo->server, token, idle->cursor, 1000);
  past_end = g_strdup_printf ("%" G_GUINT64_FORMAT, cursor_seq (newest->cursor) + 1);
  prune (demo->server, past_end);
  final_resync = pull_all (demo->server, token, "", 1000);
  g_assert_cmpuint (count_tombstones (final_resync), ==, 0);
  g_clear_pointer (&path, g_free);
  path = pull_path (final_resync->cursor);
  after_resync = get (demo->server, token, path);
  if (after_resync->status != 200)
    g_test_message ("After a full resync, cursor %s: %u %.*s", final_resync->cursor, after_resync->status,
                    (int) g_bytes_get_size (after_resync->body),
                    (const char *) g_bytes_get_data (after_resync->body, NULL));
  g_assert_cmpuint (after_resync->status, ==, 200);
}

/* Push ****************************************************************/

static void
test_push_create (void)
{
  g_autoptr(Demo) demo = demo_new ();
  const char *token = demo_token (demo, "riley");
  g_autoptr(Pull) start = pull_all (demo->server, token, "", 1000);
  g_autoptr(Pull) after = NULL;
  g_autoptr(JsonObject) account = demo_find_owned (demo, "riley", "accounts", "riley");
  g_autoptr(JsonObject) result = NULL;
  g_autoptr(JsonObject) stored = NULL;
  g_autoptr(JsonObject) as_morgan = NULL;
  g_autoptr(JsonObject) as_jordan = NULL;
  g_autoptr(JsonArray) batch = NULL;
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *mutation_id = g_uuid_string_random ();
  g_autofree char *stage_json = quote (demo->stage_id);
  g_autofree char *account_json = quote (string_member (account, "id"));
  g_autofree char *fields = new_fields ("name", "\"Pushed deal\"", "stage_id", stage_json,
                                        "amount", "\"1234.5\"", "currency", "\"EUR\"",
                                        "account_id", account_json, "next_step", "\"Call\"",
                                        "expected_close_date", "\"2027-03-31\"", NULL);
  g_autofree char *one = mutation (mutation_id, "opportunities", id, "create", 0, fields);
  g_autofree char *new_account = g_uuid_string_random ();
  g_autofree char *new_contact = g_uuid_string_random ();
  g_autofree char *account_fields = new_fields ("name", "\"Batch Ltd\"", NULL);
  g_autofree char *new_account_json = quote (new_account);
  g_autofree char *contact_fields = new_fields ("first_name", "\"Bea\"", "last_name", "\"Batch\"",
                                                "account_id", new_account_json, NULL);
  g_autofree char *m1 = mutation (NULL, "accounts", new_account, "create", 0, account_fields);
  g_autofree char *m2 = mutation (NULL, "contacts", new_contact, "create", 0, contact_fields);
  g_autofree char *both = g_strdup_printf ("[%s,%s]", m1, m2);
  JsonObject *record;
  JsonObject *change;

  result = push_one (demo->server, token, one);
  assert_status (result, "applied");
  g_assert_cmpstr (string_member (result, "mutation_id"), ==, mutation_id);
  g_assert_cmpint (int_member (result, "version"), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (result, "conflicts")), ==, 0);
  g_assert_true (is_null_member (result, "error"));
  record = result_record (result);
  g_assert_cmpstr (string_member (record, "id"), ==, id);
  g_assert_cmpint (int_member (record, "version"), ==, 1);
  g_assert_cmpstr (string_member (record, "owner_id"), ==, demo_id (demo, "riley"));
  g_assert_cmpstr (string_member (record, "name"), ==, "Pushed deal");
  g_assert_cmpstr (string_member (record, "amount"), ==, "1234.50");
  g_assert_cmpstr (string_member (record, "currency"), ==, "EUR");
  g_assert_cmpstr (string_member (record, "account_id"), ==, string_member (account, "id"));
  g_assert_nonnull (string_member (record, "created_at"));

  /* Stored as answered */
  stored = demo_get (demo, "riley", "opportunities", id);
  g_assert_nonnull (stored);
  assert_objects_equal (stored, record);

  /* In the feed after the cursor */
  after = pull_all (demo->server, token, start->cursor, 1000);
  change = pull_lookup (after, "opportunities", id);
  g_assert_nonnull (change);
  g_assert_cmpint (int_member (change, "version"), ==, 1);
  assert_objects_equal (change_data (change), record);

  /* Riley's manager sees it; another team does not */
  as_morgan = demo_get (demo, "morgan", "opportunities", id);
  g_assert_nonnull (as_morgan);
  as_jordan = demo_get (demo, "jordan", "opportunities", id);
  g_assert_null (as_jordan);

  /* A batch may refer to what it creates earlier on */
  batch = push (demo->server, token, both);
  g_assert_cmpuint (json_array_get_length (batch), ==, 2);
  assert_status (json_array_get_object_element (batch, 0), "applied");
  assert_status (json_array_get_object_element (batch, 1), "applied");
  g_assert_cmpstr (string_member (result_record (json_array_get_object_element (batch, 1)), "account_id"), ==,
                   new_account);
}

static void
test_push_idempotent (void)
{
  g_autoptr(Demo) demo = demo_new ();
  const char *token = demo_token (demo, "riley");
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *stage_json = quote (demo->stage_id);
  g_autofree char *fields = new_fields ("name", "\"Once\"", "stage_id", stage_json, "currency", "\"EUR\"", NULL);
  g_autofree char *create = mutation ("idem-create", "opportunities", id, "create", 0, fields);
  g_autofree char *rename = changed_fields ("name", "\"Once\"", "\"Twice\"", NULL);
  g_autofree char *update = mutation ("idem-update", "opportunities", id, "update", 1, rename);
  g_autofree char *rename_other = changed_fields ("name", "\"Twice\"", "\"Thrice\"", NULL);
  g_autofree char *update_other = mutation ("idem-update", "opportunities", id, "update", 2, rename_other);
  g_autofree char *both = g_strdup_printf ("[%s,%s]", create, update);
  g_autoptr(JsonObject) first = push_one (demo->server, token, create);
  g_autoptr(JsonObject) again = push_one (demo->server, token, create);
  g_autoptr(JsonObject) updated = NULL;
  g_autoptr(JsonObject) updated_again = NULL;
  g_autoptr(JsonObject) reused = NULL;
  g_autoptr(JsonObject) stored = NULL;
  g_autoptr(JsonArray) replay = NULL;
  g_autoptr(Pull) before = NULL;
  g_autoptr(Pull) after = NULL;

  assert_status (first, "applied");
  assert_objects_equal (first, again);
  stored = demo_get (demo, "riley", "opportunities", id);
  g_assert_cmpint (int_member (stored, "version"), ==, 1);

  updated = push_one (demo->server, token, update);
  assert_status (updated, "applied");
  g_assert_cmpint (int_member (updated, "version"), ==, 2);
  before = pull_all (demo->server, token, "", 1000);

  /* The same id again, even with other content: the stored answer, no change */
  updated_again = push_one (demo->server, token, update);
  assert_objects_equal (updated, updated_again);
  reused = push_one (demo->server, token, update_other);
  assert_objects_equal (updated, reused);
  replay = push (demo->server, token, both);
  assert_objects_equal (json_array_get_object_element (replay, 0), first);
  assert_objects_equal (json_array_get_object_element (replay, 1), updated);

  g_clear_pointer (&stored, json_object_unref);
  stored = demo_get (demo, "riley", "opportunities", id);
  g_assert_cmpint (int_member (stored, "version"), ==, 2);
  g_assert_cmpstr (string_member (stored, "name"), ==, "Twice");
  after = pull_all (demo->server, token, before->cursor, 1000);
  g_assert_cmpuint (g_hash_table_size (after->changes), ==, 0);
  g_assert_cmpstr (after->cursor, ==, before->cursor);
}

static void
test_push_create_existing (void)
{
  g_autoptr(Demo) demo = demo_new ();
  const char *token = demo_token (demo, "riley");
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *stage_json = quote (demo->stage_id);
  g_autofree char *fields = new_fields ("name", "\"Twin\"", "stage_id", stage_json, "currency", "\"EUR\"",
                                        "amount", "\"500.00\"", NULL);
  /* The same data as another device wrote it: 500 and 500.00 are one amount */
  g_autofree char *same_fields = new_fields ("name", "\"Twin\"", "stage_id", stage_json, "currency", "\"EUR\"",
                                             "amount", "\"500\"", NULL);
  g_autofree char *other_fields = new_fields ("name", "\"Not the twin\"", "stage_id", stage_json,
                                              "currency", "\"EUR\"", NULL);
  g_autofree char *create = mutation (NULL, "opportunities", id, "create", 0, fields);
  g_autofree char *create_again = mutation (NULL, "opportunities", id, "create", 0, fields);
  g_autofree char *create_same = mutation (NULL, "opportunities", id, "create", 0, same_fields);
  g_autofree char *create_other = mutation (NULL, "opportunities", id, "create", 0, other_fields);
  g_autoptr(JsonObject) first = push_one (demo->server, token, create);
  g_autoptr(JsonObject) second = push_one (demo->server, token, create_again);
  g_autoptr(JsonObject) third = push_one (demo->server, token, create_same);
  g_autoptr(JsonObject) different = NULL;
  g_autoptr(JsonObject) stored = NULL;
  JsonArray *conflicts;

  assert_status (first, "applied");
  assert_status (second, "applied");
  g_assert_cmpint (int_member (second, "version"), ==, 1);
  assert_objects_equal (result_record (second), result_record (first));
  assert_status (third, "applied");
  g_assert_cmpint (int_member (third, "version"), ==, 1);
  stored = demo_get (demo, "riley", "opportunities", id);
  g_assert_cmpint (int_member (stored, "version"), ==, 1);
  assert_objects_equal (stored, result_record (first));

  /* Different data is not silently taken over */
  different = push_one (demo->server, token, create_other);
  assert_status (different, "conflict");
  conflicts = json_object_get_array_member (different, "conflicts");
  g_assert_cmpuint (json_array_get_length (conflicts), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (conflicts, 0), ==, "name");
  g_clear_pointer (&stored, json_object_unref);
  stored = demo_get (demo, "riley", "opportunities", id);
  g_assert_cmpstr (string_member (stored, "name"), ==, "Twin");
  g_assert_cmpint (int_member (stored, "version"), ==, 1);
  assert_objects_equal (result_record (different), stored);
}

static void
test_push_merge (void)
{
  g_autoptr(Demo) demo = demo_new ();
  const char *token = demo_token (demo, "riley");
  g_autofree char *id = demo_create_opportunity (demo, "riley", "Merge deal");
  g_autofree char *a_fields = changed_fields ("name", "\"Merge deal\"", "\"Merge deal A\"", NULL);
  g_autofree char *b_fields = changed_fields ("next_step", "\"Send proposal\"", "\"Schedule demo\"", NULL);
  g_autofree char *amount_fields = changed_fields ("amount", "\"100\"", "\"250.5\"", NULL);
  g_autofree char *a = mutation (NULL, "opportunities", id, "update", 1, a_fields);
  g_autofree char *b = mutation (NULL, "opportunities", id, "update", 1, b_fields);
  g_autofree char *same = mutation (NULL, "opportunities", id, "update", 1, a_fields);
  g_autofree char *amount = mutation (NULL, "opportunities", id, "update", 1, amount_fields);
  g_autoptr(JsonObject) from_a = push_one (demo->server, token, a);
  g_autoptr(JsonObject) from_b = NULL;
  g_autoptr(JsonObject) no_op = NULL;
  g_autoptr(JsonObject) amount_result = NULL;
  g_autoptr(JsonObject) stored = NULL;
  JsonObject *record;

  /* Base current: applied */
  assert_status (from_a, "applied");
  g_assert_cmpint (int_member (from_a, "version"), ==, 2);

  /* Stale base, untouched field: merged on top of A */
  from_b = push_one (demo->server, token, b);
  assert_status (from_b, "merged");
  g_assert_cmpint (int_member (from_b, "version"), ==, 3);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (from_b, "conflicts")), ==, 0);
  record = result_record (from_b);
  g_assert_cmpstr (string_member (record, "name"), ==, "Merge deal A");
  g_assert_cmpstr (string_member (record, "next_step"), ==, "Schedule demo");

  /* Stale base, field already as wanted: nothing to do */
  no_op = push_one (demo->server, token, same);
  g_assert_true (g_str_equal (string_member (no_op, "status"), "merged") ||
                 g_str_equal (string_member (no_op, "status"), "applied"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (no_op, "conflicts")), ==, 0);
  g_assert_cmpint (int_member (no_op, "version"), ==, 3);

  /* Values compare as values: "100" is the stored "100.00" */
  amount_result = push_one (demo->server, token, amount);
  assert_status (amount_result, "merged");
  g_assert_cmpint (int_member (amount_result, "version"), ==, 4);

  stored = demo_get (demo, "riley", "opportunities", id);
  g_assert_cmpint (int_member (stored, "version"), ==, 4);
  g_assert_cmpstr (string_member (stored, "name"), ==, "Merge deal A");
  g_assert_cmpstr (string_member (stored, "next_step"), ==, "Schedule demo");
  g_assert_cmpstr (string_member (stored, "amount"), ==, "250.50");
  assert_objects_equal (stored, result_record (amount_result));
}

static void
test_push_conflict (void)
{
  g_autoptr(Demo) demo = demo_new ();
  const char *token = demo_token (demo, "riley");
  g_autofree char *id = demo_create_opportunity (demo, "riley", "Base");
  g_autofree char *a_fields = changed_fields ("name", "\"Base\"", "\"From A\"", NULL);
  g_autofree char *b_fields = changed_fields ("name", "\"Base\"", "\"From B\"", NULL);
  g_autofree char *mixed_fields = changed_fields ("name", "\"Base\"", "\"From B\"",
                                                  "next_step", "\"Send proposal\"", "\"Step B\"", NULL);
  g_autofree char *a = mutation (NULL, "opportunities", id, "update", 1, a_fields);
  g_autofree char *b = mutation (NULL, "opportunities", id, "update", 1, b_fields);
  g_autofree char *mixed = mutation (NULL, "opportunities", id, "update", 1, mixed_fields);
  g_autoptr(JsonObject) from_a = push_one (demo->server, token, a);
  g_autoptr(JsonObject) from_b = NULL;
  g_autoptr(JsonObject) from_mixed = NULL;
  g_autoptr(JsonObject) stored = NULL;
  JsonArray *conflicts;

  assert_status (from_a, "applied");

  /* The server's value differs from both old and new: it stays */
  from_b = push_one (demo->server, token, b);
  assert_status (from_b, "conflict");
  conflicts = json_object_get_array_member (from_b, "conflicts");
  g_assert_cmpuint (json_array_get_length (conflicts), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (conflicts, 0), ==, "name");
  g_assert_cmpstr (string_member (result_record (from_b), "name"), ==, "From A");
  stored = demo_get (demo, "riley", "opportunities", id);
  g_assert_cmpstr (string_member (stored, "name"), ==, "From A");
  g_assert_cmpint (int_member (stored, "version"), ==, 2);
  g_assert_cmpint (int_member (from_b, "version"), ==, 2);
  assert_objects_equal (result_record (from_b), stored);

  /* Only the field in conflict is listed; the record is the server's */
  from_mixed = push_one (demo->server, token, mixed);
  assert_status (from_mixed, "conflict");
  conflicts = json_object_get_array_member (from_mixed, "conflicts");
  g_assert_cmpuint (json_array_get_length (conflicts), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (conflicts, 0), ==, "name");
  g_clear_pointer (&stored, json_object_unref);
  stored = demo_get (demo, "riley", "opportunities", id);
  g_assert_cmpstr (string_member (stored, "name"), ==, "From A");
  g_assert_cmpint (int_member (from_mixed, "version"), ==, int_member (stored, "version"));
  assert_objects_equal (result_record (from_mixed), stored);

  /* The owner is a field like the others: a stale reassignment whose old
   * owner is not the current one must not overwrite it */
  {
    g_autofree char *sam_json = quote (demo_id (demo, "sam"));
    g_autofree char *jordan_json = quote (demo_id (demo, "jordan"));
    g_autofree char *owner_fields = changed_fields ("owner_id", sam_json, jordan_json, NULL);
    g_autofree char *reassign = mutation (NULL, "opportunities", id, "update", 1, owner_fields);
    g_autoptr(JsonObject) from_admin = push_one (demo->server, demo_token (demo, "admin"), reassign);
    g_autoptr(JsonObject) owned = demo_get (demo, "admin", "opportunities", id);

    g_test_message ("stale reassignment: %s, owner now %s", string_member (from_admin, "status"),
                    string_member (owned, "owner_id"));
    assert_status (from_admin, "conflict");
    conflicts = json_object_get_array_member (from_admin, "conflicts");
    g_assert_cmpuint (json_array_get_length (conflicts), ==, 1);
    g_assert_cmpstr (json_array_get_string_element (conflicts, 0), ==, "owner_id");
    g_assert_cmpstr (string_member (owned, "owner_id"), ==, demo_id (demo, "riley"));
  }
}

static void
test_push_rejected (void)
{
  g_autoptr(Demo) demo = demo_new ();
  const char *token = demo_token (demo, "riley");
  g_autofree char *x = demo_create_opportunity (demo, "riley", "Target");
  g_autofree char *stage_json = quote (demo->stage_id);
  g_autofree char *no_stage = g_uuid_string_random ();
  g_autofree char *no_stage_json = quote (no_stage);
  char *ids[14];
  g_autofree char *f_ok = new_fields ("name", "\"Before\"", NULL);
  g_autofree char *f_unknown = new_fields ("name", "\"Colourful\"", "stage_id", stage_json, "currency", "\"EUR\"",
                                           "colour", "\"blue\"", NULL);
  g_autofree char *f_amount_type = new_fields ("name", "\"Typed\"", "stage_id", stage_json, "currency", "\"EUR\"",
                                               "amount", "12", NULL);
  g_autofree char *f_name_type = changed_fields ("name", "\"Target\"", "42", NULL);
  g_autofree char *f_stage = new_fields ("name", "\"Stageless\"", "stage_id", no_stage_json, "currency", "\"EUR\"", NULL);
  g_autofree char *f_overflow = new_fields ("name", "\"Huge\"", "stage_id", stage_json, "currency", "\"EUR\"",
                                            "amount", "\"99999999999999999999\"", NULL);
  g_autofree char *f_rename = changed_fields ("name", "\"Target\"", "\"Renamed\"", NULL);
  g_autofree char *f_nameless = new_fields ("stage_id", stage_json, "currency", "\"EUR\"", NULL);
  g_autofree char *f_version = changed_fields ("version", "1", "99", NULL);
  g_autofree char *f_step = changed_fields ("next_step", "\"Send proposal\"", "\"After the rejects\"", NULL);
  char *m[14];
  g_autofree char *batch = NULL;
  g_autoptr(JsonArray) results = NULL;
  g_autoptr(JsonObject) stored = NULL;
  static const gboolean creates[] = {
    TRUE, TRUE, TRUE, FALSE, TRUE, TRUE, FALSE, TRUE, FALSE, FALSE, TRUE, FALSE, FALSE, FALSE,
  };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    ids[i] = g_uuid_string_random ();
  m[0] = mutation ("ok-before", "accounts", ids[0], "create", 0, f_ok);
  m[1] = mutation ("unknown-field", "opportunities", ids[1], "create", 0, f_unknown);
  m[2] = mutation ("amount-number", "opportunities", ids[2], "create", 0, f_amount_type);
  m[3] = mutation ("name-number", "opportunities", x, "update", 1, f_name_type);
  m[4] = mutation ("no-such-stage", "opportunities", ids[4], "create", 0, f_stage);
  m[5] = mutation ("overflow", "opportunities", ids[5], "create", 0, f_overflow);
  m[6] = mutation ("negative-base", "opportunities", x, "update", -1, f_rename);
  m[7] = mutation ("unknown-entity", "widgets", ids[7], "create", 0, f_ok);
  m[8] = mutation ("bad-op", "opportunities", x, "upsert", 1, f_rename);
  m[9] = g_strdup_printf ("{\"mutation_id\":\"bad-id\",\"entity\":\"accounts\",\"id\":\"not-a-uuid\","
                          "\"op\":\"create\",\"base_version\":0,\"fields\":%s}", f_ok);
  m[10] = mutation ("nameless", "opportunities", ids[10], "create", 0, f_nameless);
  m[11] = mutation ("system-field", "opportunities", x, "update", 1, f_version);
  m[12] = g_strdup ("42");
  m[13] = mutation ("ok-after", "opportunities", x, "update", 1, f_step);
  batch = g_strdup_printf ("[%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s]",
                           m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], m[9], m[10], m[11], m[12], m[13]);
  results = push (demo->server, token, batch);
  g_assert_cmpuint (json_array_get_length (results), ==, 14);

  /* The good ones around the bad ones go through */
  assert_status (json_array_get_object_element (results, 0), "applied");
  assert_status (json_array_get_object_element (results, 13), "applied");
  g_assert_cmpint (int_member (json_array_get_object_element (results, 13), "version"), ==, 2);

  for (guint i = 1; i < 13; i++)
    {
      JsonObject *result = json_array_get_object_element (results, i);

      g_test_message ("mutation %u: %s", i, string_member (result, "error"));
      assert_status (result, "rejected");
      if (i != 12)
        g_assert_nonnull (string_member (result, "mutation_id"));
      if (creates[i] && i != 9)
        {
          g_autoptr(JsonObject) nothing = demo_get (demo, "admin", i == 7 ? "accounts" : "opportunities", ids[i]);

          g_assert_null (nothing);
        }
    }

  /* The rejected updates left the record alone */
  stored = demo_get (demo, "riley", "opportunities", x);
  g_assert_cmpint (int_member (stored, "version"), ==, 2);
  g_assert_cmpstr (string_member (stored, "name"), ==, "Target");
  g_assert_cmpstr (string_member (stored, "next_step"), ==, "After the rejects");
  g_assert_cmpstr (string_member (stored, "amount"), ==, "100.00");
  assert_serving (demo->server);

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_free (ids[i]);
  for (guint i = 0; i < G_N_ELEMENTS (m); i++)
    g_free (m[i]);
}

static void
test_push_delete (void)
{
  g_autoptr(Demo) demo = demo_new ();
  const char *token = demo_token (demo, "riley");
  g_autofree char *id = demo_create_opportunity (demo, "riley", "Doomed deal");
  g_autoptr(Pull) start = pull_all (demo->server, token, "", 1000);
  g_autofree char *delete = mutation (NULL, "opportunities", id, "delete", 1, NULL);
  g_autofree char *delete_again = mutation (NULL, "opportunities", id, "delete", 2, NULL);
  g_autofree char *rename = changed_fields ("name", "\"Doomed deal\"", "\"Revived\"", NULL);
  g_autofree char *update = mutation (NULL, "opportunities", id, "update", 1, rename);
  g_autofree char *nowhere = g_uuid_string_random ();
  g_autofree char *delete_nothing = mutation (NULL, "opportunities", nowhere, "delete", 1, NULL);
  g_autoptr(JsonObject) deleted = push_one (demo->server, token, delete);
  g_autoptr(JsonObject) twice = NULL;
  g_autoptr(JsonObject) late_edit = NULL;
  g_autoptr(JsonObject) nothing = NULL;
  g_autoptr(JsonObject) stored = NULL;
  g_autoptr(Pull) after = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  JsonObject *change;
  const char *status;

  assert_status (deleted, "applied");
  g_assert_cmpint (int_member (deleted, "version"), ==, 2);
  stored = demo_get (demo, "riley", "opportunities", id);
  g_assert_null (stored);

  after = pull_all (demo->server, token, start->cursor, 1000);
  change = pull_lookup (after, "opportunities", id);
  g_assert_nonnull (change);
  g_assert_true (json_object_get_boolean_member (change, "deleted"));
  g_assert_true (is_null_member (change, "data"));
  g_assert_cmpint (int_member (change, "version"), ==, 2);

  listed = list_all (demo->server, token, "opportunities", 1000);
  for (guint i = 0; i < listed->len; i++)
    g_assert_cmpstr (string_member (g_ptr_array_index (listed, i), "id"), !=, id);

  /* Deleting twice is one delete */
  twice = push_one (demo->server, token, delete_again);
  g_assert_true (g_str_equal (string_member (twice, "status"), "applied") ||
                 g_str_equal (string_member (twice, "status"), "merged"));
  g_assert_cmpint (int_member (twice, "version"), ==, 2);

  /* An edit made before the delete does not bring it back */
  late_edit = push_one (demo->server, token, update);
  status = string_member (late_edit, "status");
  g_assert_true (g_str_equal (status, "conflict") || g_str_equal (status, "rejected"));
  g_clear_pointer (&stored, json_object_unref);
  stored = demo_get (demo, "riley", "opportunities", id);
  g_assert_null (stored);
  g_clear_pointer (&stored, json_object_unref);
  stored = demo_get (demo, "admin", "opportunities", id);
  g_assert_null (stored);

  nothing = push_one (demo->server, token, delete_nothing);
  assert_status (nothing, "rejected");
}

/* REST ****************************************************************/

static void
test_rest_crud (void)
{
  g_autoptr(Demo) demo = demo_new ();
  const char *token = demo_token (demo, "riley");
  g_autoptr(CrmTestResponse) created = crm_test_server_request (demo->server, "POST", "/api/v1/accounts", token,
                                                                "{\"name\":\"Crud GmbH\",\"annual_revenue\":\"1000000\"}", NULL);
  g_autoptr(CrmTestResponse) read = NULL;
  g_autoptr(CrmTestResponse) patched = NULL;
  g_autoptr(CrmTestResponse) read_again = NULL;
  g_autoptr(CrmTestResponse) deleted = NULL;
  g_autoptr(CrmTestResponse) read_gone = NULL;
  g_autoptr(CrmTestResponse) patch_gone = NULL;
  g_autoptr(CrmTestResponse) delete_gone = NULL;
  g_autoptr(CrmTestResponse) not_an_id = NULL;
  g_autoptr(CrmTestResponse) invalid = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  g_autofree char *path = NULL;
  JsonObject *record;
  const char *id;
  gboolean found = FALSE;

  g_assert_cmpuint (created->status, ==, 201);
  g_assert_cmpstr (crm_test_response_header (created, "ETag"), ==, "\"1\"");
  record = crm_test_response_object (created);
  id = string_member (record, "id");
  g_assert_true (g_uuid_string_is_valid (id));
  g_assert_cmpint (int_member (record, "version"), ==, 1);
  g_assert_cmpstr (string_member (record, "name"), ==, "Crud GmbH");
  g_assert_cmpstr (string_member (record, "annual_revenue"), ==, "1000000");
  g_assert_cmpstr (string_member (record, "owner_id"), ==, demo_id (demo, "riley"));
  path = g_strdup_printf ("/api/v1/accounts/%s", id);

  read = get (demo->server, token, path);
  g_assert_cmpuint (read->status, ==, 200);
  g_assert_cmpstr (crm_test_response_header (read, "ETag"), ==, "\"1\"");
  assert_objects_equal (crm_test_response_object (read), record);

  listed = list_all (demo->server, token, "accounts", 1000);
  for (guint i = 0; i < listed->len; i++)
    found |= g_strcmp0 (string_member (g_ptr_array_index (listed, i), "id"), id) == 0;
  g_assert_true (found);

  patched = crm_test_server_request (demo->server, "PATCH", path, token, "{\"industry\":\"Retail\"}",
                                     "If-Match", "\"1\"", NULL);
  g_assert_cmpuint (patched->status, ==, 200);
  g_assert_cmpstr (crm_test_response_header (patched, "ETag"), ==, "\"2\"");
  g_assert_cmpstr (string_member (crm_test_response_object (patched), "industry"), ==, "Retail");
  g_assert_cmpstr (string_member (crm_test_response_object (patched), "name"), ==, "Crud GmbH");
  g_assert_cmpint (int_member (crm_test_response_object (patched), "version"), ==, 2);
  read_again = get (demo->server, token, path);
  g_assert_cmpstr (crm_test_response_header (read_again, "ETag"), ==, "\"2\"");
  assert_objects_equal (crm_test_response_object (read_again), crm_test_response_object (patched));

  invalid = crm_test_server_request (demo->server, "PATCH", path, token, "{\"industry\":42}",
                                     "If-Match", "\"2\"", NULL);
  assert_client_error (invalid);

  deleted = crm_test_server_request (demo->server, "DELETE", path, token, NULL, "If-Match", "\"2\"", NULL);
  g_assert_cmpuint (deleted->status, ==, 204);
  read_gone = get (demo->server, token, path);
  crm_test_response_assert_error (read_gone, 404, "not_found");
  patch_gone = crm_test_server_request (demo->server, "PATCH", path, token, "{\"industry\":\"Gone\"}",
                                        "If-Match", "\"3\"", NULL);
  crm_test_response_assert_error (patch_gone, 404, "not_found");
  delete_gone = crm_test_server_request (demo->server, "DELETE", path, token, NULL, "If-Match", "\"3\"", NULL);
  crm_test_response_assert_error (delete_gone, 404, "not_found");
  not_an_id = get (demo->server, token, "/api/v1/accounts/not-an-id");
  crm_test_response_assert_error (not_an_id, 404, "not_found");

  g_ptr_array_unref (g_steal_pointer (&listed));
  listed = list_all (demo->server, token, "accounts", 1000);
  for (guint i = 0; i < listed->len; i++)
    g_assert_cmpstr (string_member (g_ptr_array_index (listed, i), "id"), !=, id);
}

static void
test_rest_if_match (void)
{
  g_autoptr(Demo) demo = demo_new ();
  const char *token = demo_token (demo, "riley");
  g_autofree char *id = demo_create_account (demo, "riley", "Matching AG");
  g_autofree char *path = g_strdup_printf ("/api/v1/accounts/%s", id);
  g_autoptr(CrmTestResponse) no_header = crm_test_server_request (demo->server, "PATCH", path, token,
                                                                  "{\"industry\":\"Nope\"}", NULL);
  g_autoptr(CrmTestResponse) mismatch = crm_test_server_request (demo->server, "PATCH", path, token,
                                                                 "{\"industry\":\"Nope\"}",
                                                                 "If-Match", "\"7\"", NULL);
  g_autoptr(CrmTestResponse) match = NULL;
  g_autoptr(CrmTestResponse) delete_no_header = NULL;
  g_autoptr(CrmTestResponse) delete_stale = NULL;
  g_autoptr(CrmTestResponse) delete_current = NULL;
  g_autoptr(JsonObject) stored = NULL;
  JsonObject *record;

  crm_test_response_assert_error (no_header, 428, "if_match_required");
  crm_test_response_assert_error (mismatch, 412, "version_mismatch");
  g_assert_cmpstr (crm_test_response_header (mismatch, "ETag"), ==, "\"1\"");
  record = object_member (crm_test_response_object (mismatch), "record");
  g_assert_nonnull (record);
  g_assert_cmpint (int_member (record, "version"), ==, 1);
  g_assert_cmpstr (string_member (record, "name"), ==, "Matching AG");
  stored = demo_get (demo, "riley", "accounts", id);
  g_assert_cmpint (int_member (stored, "version"), ==, 1);
  g_assert_true (is_null_member (stored, "industry"));
  assert_objects_equal (record, stored);

  match = crm_test_server_request (demo->server, "PATCH", path, token, "{\"industry\":\"Yes\"}",
                                   "If-Match", "\"1\"", NULL);
  g_assert_cmpuint (match->status, ==, 200);
  g_assert_cmpstr (crm_test_response_header (match, "ETag"), ==, "\"2\"");

  delete_no_header = crm_test_server_request (demo->server, "DELETE", path, token, NULL, NULL);
  crm_test_response_assert_error (delete_no_header, 428, "if_match_required");
  delete_stale = crm_test_server_request (demo->server, "DELETE", path, token, NULL, "If-Match", "\"1\"", NULL);
  crm_test_response_assert_error (delete_stale, 412, "version_mismatch");
  record = object_member (crm_test_response_object (delete_stale), "record");
  g_assert_nonnull (record);
  g_assert_cmpint (int_member (record, "version"), ==, 2);
  g_assert_cmpstr (string_member (record, "industry"), ==, "Yes");
  g_clear_pointer (&stored, json_object_unref);
  stored = demo_get (demo, "riley", "accounts", id);
  g_assert_nonnull (stored);

  delete_current = crm_test_server_request (demo->server, "DELETE", path, token, NULL, "If-Match", "\"2\"", NULL);
  g_assert_cmpuint (delete_current->status, ==, 204);
  g_clear_pointer (&stored, json_object_unref);
  stored = demo_get (demo, "riley", "accounts", id);
  g_assert_null (stored);
}

static guint
count_named (GPtrArray  *items,
             const char *name)
{
  guint n = 0;

  for (guint i = 0; i < items->len; i++)
    n += g_strcmp0 (string_member (g_ptr_array_index (items, i), "name"), name) == 0;
  return n;
}

static void
test_rest_idempotency_key (void)
{
  g_autoptr(Demo) demo = demo_new ();
  const char *token = demo_token (demo, "riley");
  g_autoptr(CrmTestResponse) first = crm_test_server_request (demo->server, "POST", "/api/v1/accounts", token,
                                                              "{\"name\":\"Idempotent Inc\"}",
                                                              "Idempotency-Key", "key-one", NULL);
  g_autoptr(CrmTestResponse) again = crm_test_server_request (demo->server, "POST", "/api/v1/accounts", token,
                                                              "{\"name\":\"Idempotent Inc\"}",
                                                              "Idempotency-Key", "key-one", NULL);
  g_autoptr(CrmTestResponse) changed_body = crm_test_server_request (demo->server, "POST", "/api/v1/accounts", token,
                                                                     "{\"name\":\"Something else\"}",
                                                                     "Idempotency-Key", "key-one", NULL);
  g_autoptr(CrmTestResponse) other_key = crm_test_server_request (demo->server, "POST", "/api/v1/accounts", token,
                                                                  "{\"name\":\"Idempotent Inc\"}",
                                                                  "Idempotency-Key", "key-two", NULL);
  g_autoptr(GPtrArray) listed = NULL;
  const char *id;

  g_assert_cmpuint (first->status, ==, 201);
  id = string_member (crm_test_response_object (first), "id");

  /* The same key: the same record, not another */
  g_assert_cmpuint (again->status / 100, ==, 2);
  assert_objects_equal (crm_test_response_object (again), crm_test_response_object (first));
  g_assert_cmpstr (crm_test_response_header (again, "ETag"), ==, "\"1\"");
  g_assert_cmpuint (changed_body->status / 100, ==, 2);
  g_assert_cmpstr (string_member (crm_test_response_object (changed_body), "id"), ==, id);
  g_assert_cmpstr (string_member (crm_test_response_object (changed_body), "name"), ==, "Idempotent Inc");

  /* Another key is another record */
  g_assert_cmpuint (other_key->status, ==, 201);
  g_assert_cmpstr (string_member (crm_test_response_object (other_key), "id"), !=, id);

  listed = list_all (demo->server, token, "accounts", 1000);
  g_assert_cmpuint (count_named (listed, "Idempotent Inc"), ==, 2);
  g_assert_cmpuint (count_named (listed, "Something else"), ==, 0);
}

static void
test_rest_list_paging (void)
{
  static const char * const bad[] = {
    "limit=0", "limit=-1", "limit=1001", "limit=99999999999999999999", "limit=ten",
    "after=not-an-id", "after=%27%20OR%201%3D1--",
  };
  g_autoptr(Demo) demo = demo_new ();
  const char *token = demo_token (demo, "riley");
  g_autoptr(GPtrArray) small = list_all (demo->server, token, "accounts", 50);
  g_autoptr(GPtrArray) big = list_all (demo->server, token, "accounts", 1000);
  g_autoptr(GPtrArray) users = list_all (demo->server, token, "users", 3);
  g_autoptr(Pull) pull = pull_all (demo->server, token, "", 1000);
  g_autoptr(CrmTestResponse) first = get (demo->server, token, "/api/v1/accounts?limit=2");
  g_autoptr(CrmTestResponse) whole = get (demo->server, token, "/api/v1/users");
  JsonObject *page;

  /* Pages of any size add up to the same list, each record once */
  g_assert_cmpuint (small->len, >, 50);
  g_assert_cmpuint (small->len, ==, big->len);
  for (guint i = 0; i < small->len; i++)
    assert_objects_equal (g_ptr_array_index (small, i), g_ptr_array_index (big, i));
  g_assert_cmpuint (small->len, ==, pull_count (pull, "accounts", NULL, NULL));
  g_assert_cmpuint (users->len, ==, 8);

  g_assert_cmpuint (first->status, ==, 200);
  page = crm_test_response_object (first);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (page, "items")), ==, 2);
  g_assert_cmpstr (string_member (page, "next"), ==,
                   string_member (json_array_get_object_element (json_object_get_array_member (page, "items"), 1), "id"));
  g_assert_cmpuint (whole->status, ==, 200);
  g_assert_true (is_null_member (crm_test_response_object (whole), "next"));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/accounts?%s", bad[i]);
      g_autoptr(CrmTestResponse) response = get (demo->server, token, path);

      g_test_message ("%s", bad[i]);
      crm_test_response_assert_error (response, 400, "bad_request");
    }
}

/* Visibility **********************************************************/

static void
assert_owners_within (Demo               *demo,
                      Pull               *pull,
                      const char         *entity,
                      const char         *field,
                      const char * const *logins)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, pull->changes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      JsonObject *data = change_data (value);
      gboolean allowed = FALSE;

      if (data == NULL || !g_str_equal (string_member (value, "entity"), entity))
        continue;
      for (guint i = 0; logins[i]; i++)
        allowed |= g_strcmp0 (string_member (data, field), demo_id (demo, logins[i])) == 0;
      if (!allowed)
        g_error ("%s %s belongs to %s, outside the reader's sight", entity,
                 string_member (data, "id"), string_member (data, field));
    }
}

static void
test_visibility_rep (void)
{
  static const char * const riley[] = { "riley", NULL };
  static const char * const team[] = { "morgan", "riley", "sam", NULL };
  g_autoptr(Demo) demo = demo_new ();
  g_autoptr(Pull) pull = pull_all (demo->server, demo_token (demo, "riley"), "", 1000);
  g_autoptr(JsonObject) jordans_deal = demo_find_owned (demo, "jordan", "opportunities", "jordan");
  g_autoptr(JsonObject) jordans_account = demo_find_owned (demo, "jordan", "accounts", "jordan");
  g_autoptr(JsonObject) sams_deal = demo_find_owned (demo, "sam", "opportunities", "sam");
  g_autoptr(JsonObject) sams_account = demo_find_owned (demo, "sam", "accounts", "sam");
  g_autoptr(JsonObject) seen = NULL;
  g_autoptr(GPtrArray) listed = list_all (demo->server, demo_token (demo, "riley"), "opportunities", 1000);

  /* Deals, activities, quotes: riley's own */
  g_assert_cmpuint (pull_count (pull, "opportunities", "owner_id", demo_id (demo, "riley")), >, 0);
  g_assert_cmpuint (pull_count (pull, "opportunities", "owner_id", demo_id (demo, "jordan")), ==, 0);
  g_assert_null (pull_lookup (pull, "opportunities", string_member (jordans_deal, "id")));
  g_assert_null (pull_lookup (pull, "opportunities", string_member (sams_deal, "id")));
  assert_owners_within (demo, pull, "opportunities", "owner_id", riley);
  assert_owners_within (demo, pull, "activities", "owner_id", riley);
  assert_owners_within (demo, pull, "quotes", "owner_id", riley);
  assert_owners_within (demo, pull, "quotas", "user_id", riley);
  g_assert_cmpuint (pull_count (pull, "quotas", "user_id", demo_id (demo, "riley")), >, 0);
  g_assert_cmpuint (pull_count (pull, "forecast_adjustments", NULL, NULL), ==,
                    pull_count (pull, "forecast_adjustments", "user_id", demo_id (demo, "riley")));

  /* Accounts and contacts: the team's */
  assert_owners_within (demo, pull, "accounts", "owner_id", team);
  assert_owners_within (demo, pull, "contacts", "owner_id", team);
  g_assert_cmpuint (pull_count (pull, "accounts", "owner_id", demo_id (demo, "sam")), >, 0);
  g_assert_cmpuint (pull_count (pull, "contacts", "owner_id", demo_id (demo, "sam")), >, 0);
  g_assert_nonnull (pull_lookup (pull, "accounts", string_member (sams_account, "id")));
  g_assert_null (pull_lookup (pull, "accounts", string_member (jordans_account, "id")));

  /* What everyone sees */
  g_assert_cmpuint (pull_count (pull, "users", NULL, NULL), ==, 8);
  g_assert_cmpuint (pull_count (pull, "stages", NULL, NULL), >, 0);
  g_assert_cmpuint (pull_count (pull, "products", NULL, NULL), >, 0);
  g_assert_cmpuint (pull_count (pull, "currencies", NULL, NULL), >, 0);

  /* REST agrees */
  seen = demo_get (demo, "riley", "opportunities", string_member (jordans_deal, "id"));
  g_assert_null (seen);
  seen = demo_get (demo, "riley", "opportunities", string_member (sams_deal, "id"));
  g_assert_null (seen);
  seen = demo_get (demo, "riley", "accounts", string_member (jordans_account, "id"));
  g_assert_null (seen);
  seen = demo_get (demo, "riley", "accounts", string_member (sams_account, "id"));
  g_assert_nonnull (seen);
  g_assert_cmpuint (listed->len, ==, pull_count (pull, "opportunities", NULL, NULL));
  for (guint i = 0; i < listed->len; i++)
    g_assert_cmpstr (string_member (g_ptr_array_index (listed, i), "owner_id"), ==, demo_id (demo, "riley"));
}

static void
test_visibility_manager (void)
{
  static const char * const morgans[] = { "morgan", "riley", "sam", NULL };
  static const char * const taylors[] = { "taylor", "jordan", "casey", NULL };
  static const char * const vics[] = { "vic", "morgan", "riley", "sam", "taylor", "jordan", "casey", NULL };
  g_autoptr(Demo) demo = demo_new ();
  g_autoptr(Pull) morgan = pull_all (demo->server, demo_token (demo, "morgan"), "", 1000);
  g_autoptr(Pull) taylor = pull_all (demo->server, demo_token (demo, "taylor"), "", 1000);
  g_autoptr(Pull) vic = pull_all (demo->server, demo_token (demo, "vic"), "", 1000);
  g_autoptr(Pull) riley = pull_all (demo->server, demo_token (demo, "riley"), "", 1000);
  g_autoptr(JsonObject) rileys_deal = demo_find_owned (demo, "riley", "opportunities", "riley");
  g_autoptr(JsonObject) seen = NULL;

  /* Morgan: riley's and sam's deals, not jordan's */
  g_assert_cmpuint (pull_count (morgan, "opportunities", "owner_id", demo_id (demo, "riley")), >, 0);
  g_assert_cmpuint (pull_count (morgan, "opportunities", "owner_id", demo_id (demo, "sam")), >, 0);
  g_assert_cmpuint (pull_count (morgan, "opportunities", "owner_id", demo_id (demo, "jordan")), ==, 0);
  g_assert_cmpuint (pull_count (morgan, "opportunities", "owner_id", demo_id (demo, "riley")), ==,
                    pull_count (riley, "opportunities", NULL, NULL));
  assert_owners_within (demo, morgan, "opportunities", "owner_id", morgans);
  assert_owners_within (demo, morgan, "activities", "owner_id", morgans);
  assert_owners_within (demo, morgan, "accounts", "owner_id", morgans);
  assert_owners_within (demo, morgan, "quotas", "user_id", morgans);
  g_assert_cmpuint (pull_count (morgan, "quotas", "user_id", demo_id (demo, "sam")), >, 0);
  g_assert_true (pull_contains_all (morgan, riley));

  /* Taylor: the other team */
  g_assert_cmpuint (pull_count (taylor, "opportunities", "owner_id", demo_id (demo, "jordan")), >, 0);
  g_assert_cmpuint (pull_count (taylor, "opportunities", "owner_id", demo_id (demo, "casey")), >, 0);
  g_assert_cmpuint (pull_count (taylor, "opportunities", "owner_id", demo_id (demo, "riley")), ==, 0);
  assert_owners_within (demo, taylor, "opportunities", "owner_id", taylors);
  assert_owners_within (demo, taylor, "accounts", "owner_id", taylors);

  /* Vic: both teams */
  g_assert_cmpuint (pull_count (vic, "opportunities", "owner_id", demo_id (demo, "riley")), >, 0);
  g_assert_cmpuint (pull_count (vic, "opportunities", "owner_id", demo_id (demo, "sam")), >, 0);
  g_assert_cmpuint (pull_count (vic, "opportunities", "owner_id", demo_id (demo, "jordan")), >, 0);
  g_assert_cmpuint (pull_count (vic, "opportunities", "owner_id", demo_id (demo, "casey")), >, 0);
  assert_owners_within (demo, vic, "opportunities", "owner_id", vics);
  g_assert_true (pull_contains_all (vic, morgan));
  g_assert_true (pull_contains_all (vic, taylor));

  seen = demo_get (demo, "morgan", "opportunities", string_member (rileys_deal, "id"));
  g_assert_nonnull (seen);
  g_clear_pointer (&seen, json_object_unref);
  seen = demo_get (demo, "taylor", "opportunities", string_member (rileys_deal, "id"));
  g_assert_null (seen);
}

static void
test_visibility_admin (void)
{
  static const char * const sellers[] = { "morgan", "riley", "sam", "taylor", "jordan", "casey" };
  g_autoptr(Demo) demo = demo_new ();
  g_autoptr(Pull) admin = pull_all (demo->server, demo_token (demo, "admin"), "", 1000);
  g_autoptr(Pull) vic = pull_all (demo->server, demo_token (demo, "vic"), "", 1000);
  g_autoptr(Pull) morgan = pull_all (demo->server, demo_token (demo, "morgan"), "", 1000);
  g_autoptr(Pull) riley = pull_all (demo->server, demo_token (demo, "riley"), "", 1000);
  g_autoptr(JsonObject) jordans_deal = demo_find_owned (demo, "jordan", "opportunities", "jordan");
  g_autoptr(JsonObject) seen = NULL;
  g_autofree char *path = g_strdup_printf ("/api/v1/opportunities/%s", string_member (jordans_deal, "id"));
  g_autofree char *if_match = g_strdup_printf ("\"%" G_GINT64_FORMAT "\"", int_member (jordans_deal, "version"));
  g_autoptr(CrmTestResponse) patched = crm_test_server_request (demo->server, "PATCH", path,
                                                                demo_token (demo, "admin"),
                                                                "{\"next_step\":\"Admin was here\"}",
                                                                "If-Match", if_match, NULL);
  guint total = 0;

  for (guint i = 0; i < G_N_ELEMENTS (sellers); i++)
    {
      guint n = pull_count (admin, "opportunities", "owner_id", demo_id (demo, sellers[i]));

      g_assert_cmpuint (n, >, 0);
      total += n;
    }
  g_assert_cmpuint (total, ==, pull_count (admin, "opportunities", NULL, NULL));
  g_assert_cmpuint (pull_count (admin, "users", NULL, NULL), ==, 8);
  g_assert_true (pull_contains_all (admin, vic));
  g_assert_true (pull_contains_all (vic, morgan));
  g_assert_true (pull_contains_all (morgan, riley));
  g_assert_cmpuint (g_hash_table_size (admin->changes), >, g_hash_table_size (morgan->changes));

  seen = demo_get (demo, "admin", "opportunities", string_member (jordans_deal, "id"));
  g_assert_nonnull (seen);
  g_assert_cmpuint (patched->status, ==, 200);
  g_assert_cmpstr (string_member (crm_test_response_object (patched), "next_step"), ==, "Admin was here");
  /* The owner stays the owner */
  g_assert_cmpstr (string_member (crm_test_response_object (patched), "owner_id"), ==, demo_id (demo, "jordan"));
}

static void
test_visibility_write (void)
{
  g_autoptr(Demo) demo = demo_new ();
  const char *riley = demo_token (demo, "riley");
  g_autoptr(JsonObject) jordans_deal = demo_find_owned (demo, "jordan", "opportunities", "jordan");
  g_autoptr(JsonObject) sams_deal = demo_find_owned (demo, "sam", "opportunities", "sam");
  g_autoptr(JsonObject) sams_account = demo_find_owned (demo, "sam", "accounts", "sam");
  g_autoptr(JsonObject) rileys_deal = demo_find_owned (demo, "riley", "opportunities", "riley");
  g_autoptr(JsonObject) after = NULL;
  const char *jordans_id = string_member (jordans_deal, "id");
  g_autofree char *jordans_path = g_strdup_printf ("/api/v1/opportunities/%s", jordans_id);
  g_autofree char *sams_path = g_strdup_printf ("/api/v1/opportunities/%s", string_member (sams_deal, "id"));
  g_autofree char *sams_account_path = g_strdup_printf ("/api/v1/accounts/%s", string_member (sams_account, "id"));
  g_autofree char *rileys_path = g_strdup_printf ("/api/v1/opportunities/%s", string_member (rileys_deal, "id"));
  g_autofree char *jordan_version = g_strdup_printf ("\"%" G_GINT64_FORMAT "\"", int_member (jordans_deal, "version"));
  g_autofree char *sam_version = g_strdup_printf ("\"%" G_GINT64_FORMAT "\"", int_member (sams_deal, "version"));
  g_autofree char *sam_account_version = g_strdup_printf ("\"%" G_GINT64_FORMAT "\"", int_member (sams_account, "version"));
  g_autofree char *riley_version = g_strdup_printf ("\"%" G_GINT64_FORMAT "\"", int_member (rileys_deal, "version"));
  g_autofree char *stage_json = quote (demo->stage_id);
  g_autofree char *riley_id_json = quote (demo_id (demo, "riley"));
  g_autofree char *jordan_id_json = quote (demo_id (demo, "jordan"));
  g_autofree char *quota_riley = new_fields ("user_id", riley_id_json, "period", "\"2031-Q1\"",
                                             "amount", "\"100000\"", "currency", "\"EUR\"", NULL);
  g_autofree char *quota_jordan = new_fields ("user_id", jordan_id_json, "period", "\"2031-Q1\"",
                                              "amount", "\"100000\"", "currency", "\"EUR\"", NULL);
  g_autofree char *adjustment = new_fields ("user_id", riley_id_json, "period", "\"2031-Q1\"", "category", "\"commit\"",
                                            "amount", "\"5000\"", "currency", "\"EUR\"", NULL);
  g_autofree char *quota_id = g_uuid_string_random ();
  g_autofree char *hijack_fields = new_fields ("name", "\"Mine now\"", "stage_id", stage_json, "currency", "\"EUR\"", NULL);
  g_autofree char *hijack_body = g_strdup_printf ("{\"id\":\"%s\",\"name\":\"Mine now\",\"stage_id\":%s,\"currency\":\"EUR\"}",
                                                  jordans_id, stage_json);

  /* Another team's deal: invisible, so not there to change */
  {
    g_autofree char *old_json = json_to_string (json_object_get_member (jordans_deal, "name"), FALSE);
    g_autofree char *fields = changed_fields ("name", old_json, "\"Riley's now\"", NULL);
    g_autofree char *one = mutation (NULL, "opportunities", jordans_id, "update",
                                     int_member (jordans_deal, "version"), fields);
    g_autofree char *remove = mutation (NULL, "opportunities", jordans_id, "delete",
                                        int_member (jordans_deal, "version"), NULL);
    g_autoptr(JsonObject) update_result = push_one (demo->server, riley, one);
    g_autoptr(JsonObject) delete_result = push_one (demo->server, riley, remove);
    g_autoptr(CrmTestResponse) rest_get = get (demo->server, riley, jordans_path);
    g_autoptr(CrmTestResponse) rest_patch = crm_test_server_request (demo->server, "PATCH", jordans_path, riley,
                                                                     "{\"name\":\"Riley's now\"}",
                                                                     "If-Match", jordan_version, NULL);
    g_autoptr(CrmTestResponse) rest_delete = crm_test_server_request (demo->server, "DELETE", jordans_path, riley,
                                                                      NULL, "If-Match", jordan_version, NULL);

    assert_status (update_result, "rejected");
    assert_status (delete_result, "rejected");
    crm_test_response_assert_error (rest_get, 404, "not_found");
    crm_test_response_assert_error (rest_patch, 404, "not_found");
    crm_test_response_assert_error (rest_delete, 404, "not_found");
  }
  after = demo_get (demo, "admin", "opportunities", jordans_id);
  assert_objects_equal (after, jordans_deal);

  /* A teammate's deal: not riley's to change */
  {
    g_autofree char *old_json = json_to_string (json_object_get_member (sams_deal, "name"), FALSE);
    g_autofree char *fields = changed_fields ("name", old_json, "\"Riley's now\"", NULL);
    g_autofree char *one = mutation (NULL, "opportunities", string_member (sams_deal, "id"), "update",
                                     int_member (sams_deal, "version"), fields);
    g_autoptr(JsonObject) update_result = push_one (demo->server, riley, one);
    g_autoptr(CrmTestResponse) rest_patch = crm_test_server_request (demo->server, "PATCH", sams_path, riley,
                                                                     "{\"name\":\"Riley's now\"}",
                                                                     "If-Match", sam_version, NULL);
    g_autoptr(JsonObject) unchanged = demo_get (demo, "sam", "opportunities", string_member (sams_deal, "id"));

    assert_status (update_result, "rejected");
    g_assert_true (rest_patch->status == 403 || rest_patch->status == 404);
    crm_test_response_assert_error (rest_patch, rest_patch->status, rest_patch->status == 403 ? "forbidden" : "not_found");
    assert_objects_equal (unchanged, sams_deal);
  }

  /* A teammate's account: shared, so riley may edit it */
  {
    g_autoptr(CrmTestResponse) rest_patch = crm_test_server_request (demo->server, "PATCH", sams_account_path, riley,
                                                                     "{\"industry\":\"Shared work\"}",
                                                                     "If-Match", sam_account_version, NULL);

    g_assert_cmpuint (rest_patch->status, ==, 200);
    g_assert_cmpstr (string_member (crm_test_response_object (rest_patch), "owner_id"), ==, demo_id (demo, "sam"));
  }

  /* A manager reads the team's deals but does not edit them */
  {
    g_autofree char *old_json = json_to_string (json_object_get_member (rileys_deal, "name"), FALSE);
    g_autofree char *fields = changed_fields ("name", old_json, "\"Morgan's idea\"", NULL);
    g_autofree char *one = mutation (NULL, "opportunities", string_member (rileys_deal, "id"), "update",
                                     int_member (rileys_deal, "version"), fields);
    g_autoptr(JsonObject) update_result = push_one (demo->server, demo_token (demo, "morgan"), one);
    g_autoptr(CrmTestResponse) rest_patch = crm_test_server_request (demo->server, "PATCH", rileys_path,
                                                                     demo_token (demo, "morgan"),
                                                                     "{\"name\":\"Morgan's idea\"}",
                                                                     "If-Match", riley_version, NULL);
    g_autoptr(JsonObject) unchanged = demo_get (demo, "riley", "opportunities", string_member (rileys_deal, "id"));

    assert_status (update_result, "rejected");
    crm_test_response_assert_error (rest_patch, 403, "forbidden");
    assert_objects_equal (unchanged, rileys_deal);
  }

  /* …but sets their quotas and forecast adjustments, and only theirs */
  {
    g_autofree char *for_riley = mutation (NULL, "quotas", quota_id, "create", 0, quota_riley);
    g_autofree char *other_id = g_uuid_string_random ();
    g_autofree char *for_jordan = mutation (NULL, "quotas", other_id, "create", 0, quota_jordan);
    g_autofree char *own_id = g_uuid_string_random ();
    g_autofree char *by_riley = mutation (NULL, "quotas", own_id, "create", 0, quota_riley);
    g_autofree char *adjustment_id = g_uuid_string_random ();
    g_autofree char *adjust = mutation (NULL, "forecast_adjustments", adjustment_id, "create", 0, adjustment);
    g_autoptr(JsonObject) morgan_riley = push_one (demo->server, demo_token (demo, "morgan"), for_riley);
    g_autoptr(JsonObject) morgan_jordan = push_one (demo->server, demo_token (demo, "morgan"), for_jordan);
    g_autoptr(JsonObject) riley_self = push_one (demo->server, riley, by_riley);
    g_autoptr(JsonObject) morgan_adjusts = push_one (demo->server, demo_token (demo, "morgan"), adjust);
    g_autoptr(JsonObject) riley_sees = NULL;

    assert_status (morgan_riley, "applied");
    assert_status (morgan_jordan, "rejected");
    assert_status (riley_self, "rejected");
    assert_status (morgan_adjusts, "applied");
    riley_sees = demo_get (demo, "riley", "quotas", quota_id);
    g_assert_nonnull (riley_sees);
  }

  /* A create with the id of a record riley cannot see must not replace it */
  {
    g_autofree char *one = mutation (NULL, "opportunities", jordans_id, "create", 0, hijack_fields);
    g_autoptr(JsonObject) hijack = push_one (demo->server, riley, one);
    g_autoptr(JsonObject) untouched = demo_get (demo, "admin", "opportunities", jordans_id);

    g_test_message ("create over jordan's deal: %s; jordan's deal now owned by %s, named %s",
                    string_member (hijack, "status"), string_member (untouched, "owner_id"),
                    string_member (untouched, "name"));
    g_assert_cmpstr (string_member (hijack, "status"), !=, "applied");
    g_assert_cmpstr (string_member (hijack, "status"), !=, "merged");
    assert_objects_equal (untouched, jordans_deal);
  }
  {
    g_autoptr(CrmTestResponse) hijack = crm_test_server_request (demo->server, "POST", "/api/v1/opportunities",
                                                                 riley, hijack_body, NULL);
    g_autoptr(JsonObject) untouched = demo_get (demo, "admin", "opportunities", jordans_id);

    g_assert_cmpuint (hijack->status / 100, ==, 4);
    assert_objects_equal (untouched, jordans_deal);
  }
}

static void
test_visibility_reassign (void)
{
  g_autoptr(Demo) demo = demo_new ();
  g_autoptr(Pull) riley_start = pull_all (demo->server, demo_token (demo, "riley"), "", 1000);
  g_autoptr(Pull) sam_start = pull_all (demo->server, demo_token (demo, "sam"), "", 1000);
  g_autoptr(Pull) morgan_start = pull_all (demo->server, demo_token (demo, "morgan"), "", 1000);
  g_autoptr(Pull) jordan_start = pull_all (demo->server, demo_token (demo, "jordan"), "", 1000);
  g_autoptr(Pull) riley_after = NULL;
  g_autoptr(Pull) sam_after = NULL;
  g_autoptr(Pull) morgan_after = NULL;
  g_autoptr(Pull) jordan_after = NULL;
  g_autoptr(Pull) riley_resync = NULL;
  g_autoptr(JsonObject) deal = demo_find_owned (demo, "riley", "opportunities", "riley");
  g_autoptr(JsonObject) account = demo_find_owned (demo, "riley", "accounts", "riley");
  g_autoptr(JsonObject) deal_result = NULL;
  g_autoptr(JsonObject) account_result = NULL;
  g_autoptr(JsonObject) seen = NULL;
  g_autofree char *riley_json = quote (demo_id (demo, "riley"));
  g_autofree char *jordan_json = quote (demo_id (demo, "jordan"));
  g_autofree char *fields = changed_fields ("owner_id", riley_json, jordan_json, NULL);
  g_autofree char *move_deal = mutation (NULL, "opportunities", string_member (deal, "id"), "update",
                                         int_member (deal, "version"), fields);
  g_autofree char *move_account = mutation (NULL, "accounts", string_member (account, "id"), "update",
                                            int_member (account, "version"), fields);
  const char *deal_id = string_member (deal, "id");
  const char *account_id = string_member (account, "id");
  JsonObject *change;

  g_assert_nonnull (pull_lookup (riley_start, "opportunities", deal_id));
  g_assert_nonnull (pull_lookup (sam_start, "accounts", account_id));
  g_assert_null (pull_lookup (jordan_start, "opportunities", deal_id));

  deal_result = push_one (demo->server, demo_token (demo, "admin"), move_deal);
  assert_status (deal_result, "applied");
  g_assert_cmpstr (string_member (result_record (deal_result), "owner_id"), ==, demo_id (demo, "jordan"));
  account_result = push_one (demo->server, demo_token (demo, "admin"), move_account);
  assert_status (account_result, "applied");

  /* Riley's copy goes: a tombstone without data */
  riley_after = pull_all (demo->server, demo_token (demo, "riley"), riley_start->cursor, 1000);
  change = pull_lookup (riley_after, "opportunities", deal_id);
  g_assert_nonnull (change);
  g_assert_true (json_object_get_boolean_member (change, "deleted"));
  g_assert_true (is_null_member (change, "data"));
  change = pull_lookup (riley_after, "accounts", account_id);
  g_assert_nonnull (change);
  g_assert_true (json_object_get_boolean_member (change, "deleted"));
  g_assert_true (is_null_member (change, "data"));

  /* So do the teammate's (the account) and the manager's */
  sam_after = pull_all (demo->server, demo_token (demo, "sam"), sam_start->cursor, 1000);
  change = pull_lookup (sam_after, "accounts", account_id);
  g_assert_nonnull (change);
  g_assert_true (json_object_get_boolean_member (change, "deleted"));
  g_assert_null (pull_lookup (sam_after, "opportunities", deal_id));
  morgan_after = pull_all (demo->server, demo_token (demo, "morgan"), morgan_start->cursor, 1000);
  change = pull_lookup (morgan_after, "opportunities", deal_id);
  g_assert_nonnull (change);
  g_assert_true (json_object_get_boolean_member (change, "deleted"));

  /* The new owner gets the record */
  jordan_after = pull_all (demo->server, demo_token (demo, "jordan"), jordan_start->cursor, 1000);
  change = pull_lookup (jordan_after, "opportunities", deal_id);
  g_assert_nonnull (change);
  g_assert_false (json_object_get_boolean_member (change, "deleted"));
  g_assert_cmpstr (string_member (change_data (change), "owner_id"), ==, demo_id (demo, "jordan"));
  g_assert_cmpstr (string_member (change_data (change), "name"), ==, string_member (deal, "name"));

  /* And riley can no longer reach it */
  seen = demo_get (demo, "riley", "opportunities", deal_id);
  g_assert_null (seen);
  riley_resync = pull_all (demo->server, demo_token (demo, "riley"), "", 1000);
  change = pull_lookup (riley_resync, "opportunities", deal_id);
  g_assert_true (change == NULL || json_object_get_boolean_member (change, "deleted"));
  change = pull_lookup (riley_resync, "accounts", account_id);
  g_assert_true (change == NULL || json_object_get_boolean_member (change, "deleted"));
}

/* Bad input ***********************************************************/

static void
assert_push_rejects_body (Demo       *demo,
                          const char *content_type,
                          GBytes     *body,
                          guint       status,
                          const char *code)
{
  g_autoptr(CrmTestResponse) response = crm_test_server_request_full (demo->server, "POST", "/api/v1/sync/push",
                                                                      demo_token (demo, "riley"),
                                                                      content_type, body, NULL);

  crm_test_response_assert_error (response, status, code);
  assert_serving (demo->server);
}

static void
test_errors (void)
{
  static const char * const hostile[] = {
    "Robert'); DROP TABLE records;--",
    "\" OR \"1\"=\"1",
    "' OR 1=1 --",
    "%_\\' ESCAPE '\\",
    "'; DELETE FROM tokens; --",
    "x\"); SELECT * FROM logins; --",
  };
  static const char * const account_fields[] = { "name", "industry", "website", "phone", "address" };
  static const char * const contact_fields[] = { "first_name", "last_name", "title", "address", "notes" };
  g_autoptr(Demo) demo = demo_new ();
  const char *token = demo_token (demo, "riley");
  g_autoptr(GBytes) malformed = static_bytes ("{\"client_id\": \"x\", \"mutations\": [");
  g_autoptr(GBytes) not_utf8 = static_bytes ("{\"client_id\":\"\xff\xfe\",\"mutations\":[]}");
  g_autoptr(GBytes) empty = static_bytes ("");
  g_autoptr(GBytes) array = static_bytes ("[]");
  g_autoptr(GBytes) plain = static_bytes ("{\"client_id\":\"x\",\"mutations\":[]}");
  g_autoptr(GBytes) huge = NULL;
  g_autoptr(Pull) start = pull_all (demo->server, token, "", 1000);
  g_autoptr(Pull) after = NULL;
  char *big;
  gsize big_size = 8 * 1024 * 1024 + 4096;

  /* Bodies the server cannot take */
  assert_push_rejects_body (demo, "application/json", malformed, 400, "bad_request");
  assert_push_rejects_body (demo, "application/json", not_utf8, 400, "bad_request");
  assert_push_rejects_body (demo, "application/json", empty, 400, "bad_request");
  assert_push_rejects_body (demo, "application/json", array, 400, "bad_request");
  assert_push_rejects_body (demo, "text/plain", plain, 415, "unsupported_media_type");
  assert_push_rejects_body (demo, NULL, plain, 415, "unsupported_media_type");

  big = g_malloc (big_size);
  memset (big, ' ', big_size);
  memcpy (big, "{\"client_id\":\"", 14);
  big[big_size - 3] = '"';
  big[big_size - 2] = '}';
  big[big_size - 1] = '\n';
  huge = g_bytes_new_take (big, big_size);
  assert_push_rejects_body (demo, "application/json", huge, 413, "body_too_large");

  /* Queries and paths */
  {
    static const struct { const char *method, *path; guint status; const char *code; } cases[] = {
      { "GET", "/api/v1/sync/pull?limit=1000000000000", 400, "bad_request" },
      { "GET", "/api/v1/accounts?limit=1000000000000", 400, "bad_request" },
      { "GET", "/api/v1/widgets", 404, "not_found" },
      { "GET", "/api/v1/widgets/0b2f3c4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f", 404, "not_found" },
      { "GET", "/api/v1/accounts/0b2f3c4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f/more", 404, "not_found" },
      { "GET", "/api/v1/accounts/%27%20OR%20%271%27%3D%271", 404, "not_found" },
      { "GET", "/api/v1/sync/push", 405, "method_not_allowed" },
      { "PUT", "/api/v1/accounts", 405, "method_not_allowed" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autoptr(CrmTestResponse) response = crm_test_server_request (demo->server, cases[i].method, cases[i].path,
                                                                       token, NULL, NULL);

        g_test_message ("%s %s", cases[i].method, cases[i].path);
        crm_test_response_assert_error (response, cases[i].status, cases[i].code);
      }
    assert_serving (demo->server);
  }
  {
    g_autoptr(CrmTestResponse) create_widget = crm_test_server_request (demo->server, "POST", "/api/v1/widgets",
                                                                        token, "{\"name\":\"W\"}", NULL);
    g_autoptr(CrmTestResponse) bogus = get (demo->server, "bogus-token", "/api/v1/accounts");
    g_autoptr(CrmTestResponse) sneaky_login = try_login (demo->server, "riley' OR '1'='1", "' OR '1'='1");

    crm_test_response_assert_error (create_widget, 404, "not_found");
    crm_test_response_assert_error (bogus, 401, "unauthorized");
    crm_test_response_assert_error (sneaky_login, 401, "unauthorized");
  }

  /* A negative base version is rejected, not a request error */
  {
    g_autoptr(JsonObject) account = demo_find_owned (demo, "riley", "accounts", "riley");
    g_autofree char *fields = changed_fields ("industry", "null", "\"Negative\"", NULL);
    g_autofree char *one = mutation (NULL, "accounts", string_member (account, "id"), "update", -5, fields);
    g_autoptr(JsonObject) result = push_one (demo->server, token, one);
    g_autoptr(JsonObject) stored = demo_get (demo, "riley", "accounts", string_member (account, "id"));

    assert_status (result, "rejected");
    assert_objects_equal (stored, account);
  }

  /* SQL in every text field is just text */
  for (guint h = 0; h < G_N_ELEMENTS (hostile); h++)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *body = NULL;
      g_autofree char *account_id = NULL;
      g_autofree char *contact_id = g_uuid_string_random ();
      g_autofree char *mutation_id = g_strdup_printf ("%s #%u", hostile[h], h);
      g_autoptr(JsonObject) stored = NULL;
      g_autoptr(JsonObject) result = NULL;
      g_autoptr(JsonObject) replay = NULL;
      g_autofree char *one = NULL;
      g_autofree char *email = g_strdup_printf ("%s@example.com", hostile[h]);
      g_autofree char *mutation_id_json = quote (mutation_id);
      g_autoptr(CrmTestResponse) created = NULL;
      g_autoptr(GString) fields = g_string_new ("{");

      json_builder_begin_object (builder);
      for (guint f = 0; f < G_N_ELEMENTS (account_fields); f++)
        {
          json_builder_set_member_name (builder, account_fields[f]);
          json_builder_add_string_value (builder, hostile[h]);
        }
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      body = json_to_string (root, FALSE);
      created = crm_test_server_request (demo->server, "POST", "/api/v1/accounts", token, body,
                                         "Idempotency-Key", hostile[h], NULL);
      g_assert_cmpuint (created->status, ==, 201);
      account_id = g_strdup (string_member (crm_test_response_object (created), "id"));
      stored = demo_get (demo, "riley", "accounts", account_id);
      for (guint f = 0; f < G_N_ELEMENTS (account_fields); f++)
        g_assert_cmpstr (string_member (stored, account_fields[f]), ==, hostile[h]);

      for (guint f = 0; f < G_N_ELEMENTS (contact_fields); f++)
        {
          g_autofree char *value = quote (hostile[h]);

          g_string_append_printf (fields, "\"%s\":{\"new\":%s},", contact_fields[f], value);
        }
      {
        g_autofree char *email_json = quote (email);
        g_autofree char *phone_json = quote (hostile[h]);

        g_string_append_printf (fields, "\"emails\":{\"new\":[{\"type\":\"work\",\"value\":%s}]},"
                                "\"phones\":{\"new\":[{\"type\":%s,\"value\":%s}]},"
                                "\"account_id\":{\"new\":\"%s\"}}",
                                email_json, "\"work\"", phone_json, account_id);
      }
      one = g_strdup_printf ("{\"mutation_id\":%s,\"entity\":\"contacts\",\"id\":\"%s\",\"op\":\"create\","
                             "\"base_version\":0,\"fields\":%s}", mutation_id_json, contact_id, fields->str);
      result = push_one (demo->server, token, one);
      assert_status (result, "applied");
      g_assert_cmpstr (string_member (result, "mutation_id"), ==, mutation_id);
      replay = push_one (demo->server, token, one);
      assert_objects_equal (replay, result);
      g_clear_pointer (&stored, json_object_unref);
      stored = demo_get (demo, "riley", "contacts", contact_id);
      for (guint f = 0; f < G_N_ELEMENTS (contact_fields); f++)
        g_assert_cmpstr (string_member (stored, contact_fields[f]), ==, hostile[h]);
      g_assert_cmpstr (string_member (json_array_get_object_element (json_object_get_array_member (stored, "emails"), 0),
                                      "value"), ==, email);
      g_assert_cmpstr (string_member (json_array_get_object_element (json_object_get_array_member (stored, "phones"), 0),
                                      "value"), ==, hostile[h]);
    }

  /* Nothing broke: the feed has the new records and everything else */
  after = pull_all (demo->server, token, "", 1000);
  g_assert_cmpuint (g_hash_table_size (after->changes), ==,
                    g_hash_table_size (start->changes) + 2 * G_N_ELEMENTS (hostile));
  g_assert_true (pull_contains_all (after, start));
  assert_serving (demo->server);
  g_free (crm_test_server_login (demo->server, "sam", "demo"));

  /* Deeply nested JSON, well under the size limit, before any login */
  {
    gsize depth = 1000000;
    char *nested = g_malloc (depth);
    g_autoptr(GBytes) deep = NULL;
    g_autoptr(CrmTestResponse) response = NULL;

    memset (nested, '[', depth);
    deep = g_bytes_new_take (nested, depth);
    g_test_message ("POST /api/v1/auth/token with %" G_GSIZE_FORMAT " nested arrays", depth);
    response = crm_test_server_request_full (demo->server, "POST", "/api/v1/auth/token", NULL,
                                             "application/json", deep, NULL);
    crm_test_response_assert_error (response, 400, "bad_request");
    assert_serving (demo->server);
  }
}

/* Concurrency *********************************************************/

typedef struct
{
  Demo       *demo;
  const char *id;
  char       *token;
  const char *field;
  const char *prefix;
  guint       rounds;
  GPtrArray  *results;   /* JsonObject per push */
  GPtrArray  *values;    /* what each push set */
} Writer;

static gpointer
writer_thread (gpointer user_data)
{
  Writer *writer = user_data;

  for (guint i = 0; i < writer->rounds; i++)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/opportunities/%s", writer->id);
      g_autoptr(CrmTestResponse) current = get (writer->demo->server, writer->token, path);
      g_autofree char *value = g_strdup_printf ("%s-%u", writer->prefix, i);
      g_autofree char *old_json = NULL;
      g_autofree char *new_json = quote (value);
      g_autofree char *fields = NULL;
      g_autofree char *one = NULL;
      JsonObject *record;

      g_assert_cmpuint (current->status, ==, 200);
      record = crm_test_response_object (current);
      old_json = json_to_string (json_object_get_member (record, writer->field), FALSE);
      fields = changed_fields (writer->field, old_json, new_json, NULL);
      one = mutation (NULL, "opportunities", writer->id, "update", int_member (record, "version"), fields);
      g_ptr_array_add (writer->results, push_one (writer->demo->server, writer->token, one));
      g_ptr_array_add (writer->values, g_steal_pointer (&value));
    }
  return NULL;
}

static void
run_writers (Writer *writers,
             guint   n_writers)
{
  GThread *threads[4];

  g_assert_cmpuint (n_writers, <=, G_N_ELEMENTS (threads));
  for (guint i = 0; i < n_writers; i++)
    threads[i] = g_thread_new ("writer", writer_thread, &writers[i]);
  for (guint i = 0; i < n_writers; i++)
    g_thread_join (threads[i]);
}

static void
writer_clear (Writer *writer)
{
  g_free (writer->token);
  g_ptr_array_unref (writer->results);
  g_ptr_array_unref (writer->values);
}

static void
test_concurrent (void)
{
  g_autoptr(Demo) demo = demo_new ();
  g_autofree char *id = demo_create_opportunity (demo, "riley", "Contested");
  g_autoptr(JsonObject) final = NULL;
  g_autofree char *last_step = NULL;
  Writer writers[2];
  const guint rounds = 25;
  gint64 expected_version = 1;
  gint64 best_version = -1;
  const char *best_value = NULL;
  guint successes = 0;

  /* Two clients, two fields: every push lands, none is lost */
  for (guint i = 0; i < 2; i++)
    writers[i] = (Writer) {
      demo, id, crm_test_server_login (demo->server, "riley", "demo"),
      i == 0 ? "name" : "next_step", i == 0 ? "A" : "B", rounds,
      g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref),
      g_ptr_array_new_with_free_func (g_free),
    };
  run_writers (writers, 2);
  for (guint w = 0; w < 2; w++)
    for (guint i = 0; i < rounds; i++)
      {
        JsonObject *result = g_ptr_array_index (writers[w].results, i);
        const char *status = string_member (result, "status");

        g_assert_true (g_str_equal (status, "applied") || g_str_equal (status, "merged"));
        g_assert_cmpuint (json_array_get_length (json_object_get_array_member (result, "conflicts")), ==, 0);
      }
  final = demo_get (demo, "riley", "opportunities", id);
  g_assert_cmpstr (string_member (final, "name"), ==, g_ptr_array_index (writers[0].values, rounds - 1));
  g_assert_cmpstr (string_member (final, "next_step"), ==, g_ptr_array_index (writers[1].values, rounds - 1));
  expected_version += 2 * rounds;
  g_assert_cmpint (int_member (final, "version"), ==, expected_version);
  last_step = g_strdup (string_member (final, "next_step"));
  for (guint w = 0; w < 2; w++)
    writer_clear (&writers[w]);

  /* Two clients, one field: conflicts may happen, lost updates may not */
  for (guint i = 0; i < 2; i++)
    writers[i] = (Writer) {
      demo, id, crm_test_server_login (demo->server, "riley", "demo"),
      "name", i == 0 ? "C" : "D", rounds,
      g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref),
      g_ptr_array_new_with_free_func (g_free),
    };
  run_writers (writers, 2);
  for (guint w = 0; w < 2; w++)
    for (guint i = 0; i < rounds; i++)
      {
        JsonObject *result = g_ptr_array_index (writers[w].results, i);
        const char *status = string_member (result, "status");
        const char *value = g_ptr_array_index (writers[w].values, i);

        if (g_str_equal (status, "conflict"))
          {
            JsonArray *conflicts = json_object_get_array_member (result, "conflicts");

            g_assert_cmpuint (json_array_get_length (conflicts), ==, 1);
            g_assert_cmpstr (json_array_get_string_element (conflicts, 0), ==, "name");
            g_assert_cmpstr (string_member (result_record (result), "name"), !=, value);
            continue;
          }
        g_assert_true (g_str_equal (status, "applied") || g_str_equal (status, "merged"));
        g_assert_cmpstr (string_member (result_record (result), "name"), ==, value);
        successes++;
        if (int_member (result, "version") > best_version)
          {
            best_version = int_member (result, "version");
            best_value = value;
          }
      }
  g_assert_cmpuint (successes, >, 0);
  g_clear_pointer (&final, json_object_unref);
  final = demo_get (demo, "riley", "opportunities", id);
  /* Each landed push made exactly one version; the last one's value stands */
  g_assert_cmpint (int_member (final, "version"), ==, expected_version + successes);
  g_assert_cmpint (int_member (final, "version"), ==, best_version);
  g_assert_cmpstr (string_member (final, "name"), ==, best_value);
  g_assert_cmpstr (string_member (final, "next_step"), ==, last_step);
  for (guint w = 0; w < 2; w++)
    writer_clear (&writers[w]);
  assert_serving (demo->server);
}

/* Restart *************************************************************/

static void
test_restart (void)
{
  g_autoptr(Demo) demo = demo_new ();
  const char *token = demo_token (demo, "riley");
  g_autofree char *kept = demo_create_opportunity (demo, "riley", "Survivor");
  g_autofree char *dropped = demo_create_opportunity (demo, "riley", "Casualty");
  g_autofree char *rename = changed_fields ("name", "\"Survivor\"", "\"Survivor, renamed\"", NULL);
  g_autofree char *update = mutation ("restart-update", "opportunities", kept, "update", 1, rename);
  g_autofree char *remove = mutation ("restart-delete", "opportunities", dropped, "delete", 1, NULL);
  g_autoptr(JsonObject) updated = push_one (demo->server, token, update);
  g_autoptr(JsonObject) removed = push_one (demo->server, token, remove);
  g_autoptr(Pull) before = pull_all (demo->server, token, "", 1000);
  g_autoptr(Pull) admin_before = pull_all (demo->server, demo_token (demo, "admin"), "", 1000);
  g_autoptr(Pull) after = NULL;
  g_autoptr(Pull) admin_after = NULL;
  g_autoptr(Pull) since = NULL;
  g_autoptr(JsonObject) replayed = NULL;
  g_autoptr(JsonObject) stored = NULL;
  g_autoptr(CrmTestResponse) old_token = NULL;
  GHashTableIter iter;
  gpointer key, value;

  assert_status (updated, "applied");
  assert_status (removed, "applied");

  crm_test_server_stop (demo->server);
  /* --demo again must not seed a second company over the first */
  crm_test_server_start (demo->server);
  assert_serving (demo->server);

  /* Tokens are kept with the data */
  old_token = get (demo->server, token, "/api/v1/users");
  g_assert_cmpuint (old_token->status, ==, 200);

  after = pull_all (demo->server, token, "", 1000);
  g_assert_cmpuint (g_hash_table_size (after->changes), ==, g_hash_table_size (before->changes));
  g_hash_table_iter_init (&iter, before->changes);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      JsonObject *other = g_hash_table_lookup (after->changes, key);

      g_assert_nonnull (other);
      assert_objects_equal (value, other);
    }
  g_assert_cmpstr (after->cursor, ==, before->cursor);
  admin_after = pull_all (demo->server, demo_token (demo, "admin"), "", 1000);
  g_assert_cmpuint (g_hash_table_size (admin_after->changes), ==, g_hash_table_size (admin_before->changes));
  g_assert_cmpuint (pull_count (admin_after, "users", NULL, NULL), ==, 8);

  since = pull_all (demo->server, token, before->cursor, 1000);
  g_assert_cmpuint (g_hash_table_size (since->changes), ==, 0);

  stored = demo_get (demo, "riley", "opportunities", kept);
  g_assert_cmpstr (string_member (stored, "name"), ==, "Survivor, renamed");
  g_assert_cmpint (int_member (stored, "version"), ==, 2);
  g_clear_pointer (&stored, json_object_unref);
  stored = demo_get (demo, "riley", "opportunities", dropped);
  g_assert_null (stored);

  /* Mutation ids are remembered across restarts */
  replayed = push_one (demo->server, token, update);
  assert_objects_equal (replayed, updated);
}

/* Several instances ***************************************************/

/* A client that pushes to one instance and pulls from the other */
typedef struct
{
  CrmTestServer *push_to;
  CrmTestServer *pull_from;
  const char    *name;
  char          *token;
  char          *cursor;
  guint          batches;
  GPtrArray     *created;   /* ids it made, acknowledged */
  GPtrArray     *batch_bodies;  /* each push's mutations, to retry */
  GHashTable    *seen;      /* ids of accounts pulled, each once */
} Client;

/* Pulls what changed since the client's cursor; a record created once
 * and never changed must come exactly once over all pulls */
static void
client_pull (Client *client)
{
  g_autoptr(Pull) pull = pull_all (client->pull_from, client->token, client->cursor, 37);

  for (guint i = 0; i < pull->order->len; i++)
    {
      JsonObject *change = g_hash_table_lookup (pull->changes, g_ptr_array_index (pull->order, i));
      JsonNode *data = json_object_get_member (change, "data");
      const char *name;

      if (!g_str_equal (string_member (change, "entity"), "accounts") || !JSON_NODE_HOLDS_OBJECT (data))
        continue;
      name = string_member (json_node_get_object (data), "name");
      if (!g_str_has_prefix (name, "Instance "))
        continue;
      if (g_hash_table_contains (client->seen, string_member (change, "id")))
        g_error ("%s pulled %s twice", client->name, name);
      g_hash_table_add (client->seen, g_strdup (string_member (change, "id")));
    }
  g_free (client->cursor);
  client->cursor = g_strdup (pull->cursor);
}

static gpointer
client_thread (gpointer user_data)
{
  Client *client = user_data;

  for (guint b = 0; b < client->batches; b++)
    {
      g_autoptr(GString) mutations = g_string_new ("[");
      g_autoptr(JsonArray) results = NULL;

      for (guint i = 0; i < 5; i++)
        {
          g_autofree char *id = g_uuid_string_random ();
          g_autofree char *mutation_id = g_strdup_printf ("%s-%u-%u", client->name, b, i);
          g_autofree char *name = g_strdup_printf ("\"Instance %s %u.%u\"", client->name, b, i);
          g_autofree char *fields = new_fields ("name", name, NULL);
          g_autofree char *one = mutation (mutation_id, "accounts", id, "create", 0, fields);

          g_string_append_printf (mutations, "%s%s", i ? "," : "", one);
          g_ptr_array_add (client->created, g_steal_pointer (&id));
        }
      g_string_append_c (mutations, ']');
      results = push (client->push_to, client->token, mutations->str);
      for (guint i = 0; i < json_array_get_length (results); i++)
        assert_status (json_array_get_object_element (results, i), "applied");
      g_ptr_array_add (client->batch_bodies, g_string_free (g_steal_pointer (&mutations), FALSE));
      client_pull (client);
    }
  return NULL;
}

static void
client_clear (Client *client)
{
  g_free (client->token);
  g_free (client->cursor);
  g_ptr_array_unref (client->created);
  g_ptr_array_unref (client->batch_bodies);
  g_hash_table_unref (client->seen);
}

/* Two crm-server instances on one store: two clients push to different
 * instances while pulling from the other, at the same time. Both end up
 * with every record exactly once, a push retried on the other instance
 * gets its stored result, and the feed never skips a change. */
static void
test_two_instances (void)
{
  g_autoptr(Demo) demo = demo_new ();
  g_autoptr(CrmTestServer) second = crm_test_server_new_sibling (demo->server);
  CrmTestServer *instances[2] = { demo->server, second };
  static const char * const users[2] = { "riley", "sam" };
  Client clients[2];
  GThread *threads[2];

  for (guint c = 0; c < 2; c++)
    {
      clients[c] = (Client) {
        instances[c], instances[1 - c], users[c],
        /* A token from one instance is good on the other */
        crm_test_server_login (instances[1 - c], users[c], "demo"), g_strdup (""), 20,
        g_ptr_array_new_with_free_func (g_free), g_ptr_array_new_with_free_func (g_free),
        g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
      };
      client_pull (&clients[c]);
    }
  for (guint c = 0; c < 2; c++)
    threads[c] = g_thread_new (users[c], client_thread, &clients[c]);
  for (guint c = 0; c < 2; c++)
    g_thread_join (threads[c]);

  for (guint c = 0; c < 2; c++)
    {
      g_autoptr(Pull) rest = NULL;

      client_pull (&clients[c]);
      /* riley and sam share their team's accounts: each has all of both */
      g_assert_cmpuint (g_hash_table_size (clients[c].seen), ==,
                        clients[0].created->len + clients[1].created->len);
      for (guint o = 0; o < 2; o++)
        for (guint i = 0; i < clients[o].created->len; i++)
          g_assert_true (g_hash_table_contains (clients[c].seen, g_ptr_array_index (clients[o].created, i)));
      rest = pull_all (clients[c].pull_from, clients[c].token, clients[c].cursor, 100);
      g_assert_cmpuint (g_hash_table_size (rest->changes), ==, 0);
    }

  /* A push whose answer was lost, retried on the other instance: the
   * stored results, and nothing made twice */
  for (guint c = 0; c < 2; c++)
    {
      g_autoptr(JsonArray) again = push (clients[c].pull_from, clients[c].token,
                                         g_ptr_array_index (clients[c].batch_bodies, 0));
      g_autoptr(Pull) rest = NULL;

      for (guint i = 0; i < json_array_get_length (again); i++)
        {
          JsonObject *result = json_array_get_object_element (again, i);

          assert_status (result, "applied");
          g_assert_cmpint (int_member (result, "version"), ==, 1);
        }
      rest = pull_all (clients[c].pull_from, clients[c].token, clients[c].cursor, 100);
      g_assert_cmpuint (g_hash_table_size (rest->changes), ==, 0);
    }

  /* Both instances agree on the whole feed */
  {
    g_autoptr(Pull) first_feed = pull_all (instances[0], demo_token (demo, "admin"), "", 1000);
    g_autoptr(Pull) second_feed = pull_all (instances[1], demo_token (demo, "admin"), "", 1000);

    g_assert_cmpuint (first_feed->order->len, ==, second_feed->order->len);
    for (guint i = 0; i < first_feed->order->len; i++)
      g_assert_cmpstr (g_ptr_array_index (first_feed->order, i), ==, g_ptr_array_index (second_feed->order, i));
  }

  for (guint c = 0; c < 2; c++)
    client_clear (&clients[c]);
  /* The sibling goes first: the store is the first server's */
  g_clear_pointer (&second, crm_test_server_free);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/health", test_health);
  g_test_add_func ("/server/auth/login", test_auth_login);
  g_test_add_func ("/server/auth/wrong-password", test_auth_wrong_password);
  g_test_add_func ("/server/auth/throttle", test_auth_throttle);
  g_test_add_func ("/server/auth/bad-token", test_auth_bad_token);
  g_test_add_func ("/server/pull/paging", test_pull_paging);
  g_test_add_func ("/server/pull/incremental", test_pull_incremental);
  g_test_add_func ("/server/pull/bad-cursor", test_pull_bad_cursor);
  g_test_add_func ("/server/pull/resync-required", test_pull_resync_required);
  g_test_add_func ("/server/push/create", test_push_create);
  g_test_add_func ("/server/push/idempotent", test_push_idempotent);
  g_test_add_func ("/server/push/create-existing", test_push_create_existing);
  g_test_add_func ("/server/push/merge", test_push_merge);
  g_test_add_func ("/server/push/conflict", test_push_conflict);
  g_test_add_func ("/server/push/rejected", test_push_rejected);
  g_test_add_func ("/server/push/delete", test_push_delete);
  g_test_add_func ("/server/rest/crud", test_rest_crud);
  g_test_add_func ("/server/rest/if-match", test_rest_if_match);
  g_test_add_func ("/server/rest/idempotency-key", test_rest_idempotency_key);
  g_test_add_func ("/server/rest/list-paging", test_rest_list_paging);
  g_test_add_func ("/server/visibility/rep", test_visibility_rep);
  g_test_add_func ("/server/visibility/manager", test_visibility_manager);
  g_test_add_func ("/server/visibility/admin", test_visibility_admin);
  g_test_add_func ("/server/visibility/write", test_visibility_write);
  g_test_add_func ("/server/visibility/reassign", test_visibility_reassign);
  g_test_add_func ("/server/errors", test_errors);
  g_test_add_func ("/server/concurrent", test_concurrent);
  g_test_add_func ("/server/restart", test_restart);
  g_test_add_func ("/server/two-instances", test_two_instances);

  return g_test_run ();
}
