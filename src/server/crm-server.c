/* crm-server.c: the HTTP API over the server's store
 *
 * Everything is JSON under /api/v1. Errors are {"error":{"code","message"}}
 * with a 4xx status for anything the client can fix. One log line per
 * request; bodies, tokens and passwords are never logged.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-server"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <sys/socket.h>

#include "crm-entity.h"
#include "crm-json.h"
#include "crm-record.h"
#include "crm-server.h"
#include "crm-server-auth.h"
#include "crm-server-sync.h"
#include "crm-server-writer.h"

/* Reads (pulls, lists, gets, logins) run on the main loop against db;
 * writes (pushes, REST changes) go to the writer, which commits them in
 * groups on a connection of its own in a thread (crm-server-writer.c),
 * and are answered when their group has committed. */
struct _CrmServer
{
  GObject          parent_instance;

  SoupServer      *soup;
  CrmServerDb     *db;  /* not owned */
  CrmServerWriter *writer;
  gboolean         quiet;
  guint            n_logins;  /* passwords being checked in worker threads */
  guint            n_writes;  /* writes queued to the writer, not yet answered */
  GHashTable      *accesses;  /* user id → CrmServerAccess, for directory_stamp */
  gint64           directory_stamp;
  GHashTable      *sockets;   /* GSocket of each connection → requests in flight */
  guint            sweep_id;
};

G_DEFINE_FINAL_TYPE (CrmServer, crm_server, G_TYPE_OBJECT)

#define API_PREFIX "/api/v1"

/* Connections the kernel queues before we accept them (capped by
 * net.core.somaxconn) */
#define LISTEN_BACKLOG 1024

/* How often connections the client closed are looked for */
#define SWEEP_INTERVAL_SECONDS 5

/* Responses ***********************************************************/

static void
respond_text (SoupServerMessage *msg,
              guint              status,
              char              *body)  /* (transfer full) */
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
}

static void
respond_json (SoupServerMessage *msg,
              guint              status,
              JsonNode          *node)
{
  respond_text (msg, status, json_to_string (node, FALSE));
}

static void
respond_error_full (SoupServerMessage *msg,
                    guint              status,
                    const char        *code,
                    const char        *message,
                    JsonNode          *record)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  if (record)
    {
      json_builder_set_member_name (builder, "record");
      json_builder_add_value (builder, json_node_copy (record));
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  respond_json (msg, status, root);
}

static void
respond_error (SoupServerMessage *msg,
               const GError      *error)
{
  guint status = crm_server_error_status (error);

  if (status >= 500)
    {
      g_warning ("Request failed: %s", error->message);
      respond_error_full (msg, status, crm_server_error_code (error),
                          status == 503 ? _("The server is busy; try again shortly")
                                        : _("The server failed; the request was not carried out"),
                          NULL);
      if (status == 503)
        soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "2");
      return;
    }
  respond_error_full (msg, status, crm_server_error_code (error), error->message, NULL);
}

static void
fail (SoupServerMessage *msg,
      CrmServerError     code,
      const char        *format,
      ...) G_GNUC_PRINTF (3, 4);

static void
fail (SoupServerMessage *msg,
      CrmServerError     code,
      const char        *format,
      ...)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  error = g_error_new_literal (CRM_SERVER_ERROR, code, message);
  respond_error (msg, error);
}

static void
set_etag (SoupServerMessage *msg,
          gint64             version)
{
  g_autofree char *etag = g_strdup_printf ("\"%" G_GINT64_FORMAT "\"", version);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "ETag", etag);
}

/* Requests ************************************************************/

static JsonNode *
read_json_body (SoupServerMessage  *msg,
                GError            **error)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  const char *content_type = soup_message_headers_get_content_type (headers, NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (content_type == NULL || g_ascii_strcasecmp (content_type, "application/json") != 0)
    {
      g_set_error (error, CRM_SERVER_ERROR, CRM_SERVER_ERROR_UNSUPPORTED_MEDIA,
                   _("Send the body as application/json"));
      return NULL;
    }
  if (body->length > CRM_SERVER_MAX_BODY)
    {
      g_set_error (error, CRM_SERVER_ERROR, CRM_SERVER_ERROR_TOO_LARGE,
                   _("The body is larger than %d bytes"), CRM_SERVER_MAX_BODY);
      return NULL;
    }
  bytes = soup_message_body_flatten (body);
  if (!(root = crm_json_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &local_error)))
    {
      g_set_error (error, CRM_SERVER_ERROR, CRM_SERVER_ERROR_BAD_REQUEST,
                   _("The body is not valid JSON: %s"), local_error->message);
      return NULL;
    }
  return root;
}

static gboolean
parse_limit (GHashTable  *query,
             guint        fallback,
             guint       *out,
             GError     **error)
{
  const char *text = query ? g_hash_table_lookup (query, "limit") : NULL;
  guint64 value;

  if (text == NULL)
    {
      *out = fallback;
      return TRUE;
    }
  if (!g_ascii_string_to_unsigned (text, 10, 1, CRM_SERVER_MAX_PAGE, &value, NULL))
    {
      g_set_error (error, CRM_SERVER_ERROR, CRM_SERVER_ERROR_BAD_REQUEST,
                   _("limit: must be a whole number from 1 to %d"), CRM_SERVER_MAX_PAGE);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

/* The version in an If-Match header: "3", 3 or W/"3" */
static gboolean
parse_if_match (SoupServerMessage *msg,
                gint64            *version)
{
  const char *value = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "If-Match");
  g_autofree char *digits = NULL;

  if (value == NULL)
    return FALSE;
  if (g_str_has_prefix (value, "W/"))
    value += 2;
  digits = g_strdup (value);
  g_strstrip (digits);
  /* "*": whatever version is current */
  if (g_str_equal (digits, "*"))
    {
      *version = -1;
      return TRUE;
    }
  if (digits[0] == '"')
    {
      size_t len = strlen (digits);

      if (len < 2 || digits[len - 1] != '"')
        return FALSE;
      digits[len - 1] = '\0';
      memmove (digits, digits + 1, len - 1);
    }
  return g_ascii_string_to_signed (digits, 10, 0, G_MAXINT64, version, NULL);
}

/* Handlers ************************************************************/

static void
handle_health (CrmServer         *self,
               SoupServerMessage *msg)
{
  respond_text (msg, 200, g_strdup_printf ("{\"status\":\"ok\",\"version\":\"%s\"}", PACKAGE_VERSION));
}

static JsonNode *
user_json (CrmServer  *self,
           const char *user_id)
{
  g_autoptr(CrmServerRow) row = crm_server_db_get_row (self->db, "users", user_id, NULL);
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *username = NULL;

  if (row == NULL || !(node = json_from_string (row->data, NULL)))
    return json_node_new (JSON_NODE_NULL);
  username = crm_server_db_get_username (self->db, user_id);
  json_object_set_string_member (json_node_get_object (node), "username", username);
  return g_steal_pointer (&node);
}

typedef struct
{
  CrmServer         *self;
  SoupServerMessage *msg;
} Pending;

static void
login_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Pending *pending = user_data;
  CrmServer *self = pending->self;
  SoupServerMessage *msg = pending->msg;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) response = NULL;
  g_autoptr(GDateTime) expires = NULL;
  g_autofree char *token = NULL;
  g_autofree char *user_id = NULL;
  g_autofree char *expires_text = NULL;
  gint64 expires_at = 0;
  guint retry_after = 0;

  if (!(token = crm_server_login_finish (result, &user_id, &expires_at, &retry_after, &error)))
    {
      if (retry_after > 0)
        {
          g_autofree char *seconds = g_strdup_printf ("%u", retry_after);
          soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", seconds);
        }
      respond_error (msg, error);
    }
  else
    {
      expires = g_date_time_new_from_unix_utc (expires_at);
      expires_text = g_date_time_format (expires, "%Y-%m-%dT%H:%M:%SZ");
      builder = json_builder_new ();
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "token");
      json_builder_add_string_value (builder, token);
      json_builder_set_member_name (builder, "expires_at");
      json_builder_add_string_value (builder, expires_text);
      json_builder_set_member_name (builder, "user");
      json_builder_add_value (builder, user_json (self, user_id));
      json_builder_end_object (builder);
      response = json_builder_get_root (builder);
      respond_json (msg, 200, response);
    }

  soup_server_message_unpause (msg);
  g_object_unref (msg);
  self->n_logins--;
  g_object_unref (self);
  g_free (pending);
}

static void
handle_token (CrmServer         *self,
              SoupServerMessage *msg)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = NULL;
  const char *username = NULL;
  const char *password = NULL;
  Pending *pending;

  if (!(body = read_json_body (msg, &error)))
    return respond_error (msg, error);
  if (JSON_NODE_HOLDS_OBJECT (body))
    {
      JsonObject *object = json_node_get_object (body);

      username = crm_json_object_get_string (object, "username");
      password = crm_json_object_get_string (object, "password");
    }
  if (username == NULL || password == NULL)
    return fail (msg, CRM_SERVER_ERROR_BAD_REQUEST, _("Send {\"username\":…,\"password\":…}"));

  /* Answered when the password is checked; other requests go on */
  pending = g_new0 (Pending, 1);
  pending->self = g_object_ref (self);
  pending->msg = g_object_ref (msg);
  soup_server_message_pause (msg);
  self->n_logins++;
  crm_server_login_async (self->db, username, password, login_done_cb, pending);
}

static void
handle_pull (CrmServer         *self,
             SoupServerMessage *msg,
             CrmServerAccess   *access,
             GHashTable        *query)
{
  g_autoptr(GError) error = NULL;
  char *body;
  guint limit;

  if (!parse_limit (query, CRM_SERVER_DEFAULT_PAGE, &limit, &error) ||
      !(body = crm_server_pull (self->db, access, query ? g_hash_table_lookup (query, "cursor") : NULL,
                                limit, &error)))
    return respond_error (msg, error);
  respond_text (msg, 200, body);
}

/* Writes ************************************************************/

/* What a write takes to the writer thread: nothing the main thread
 * touches meanwhile */
typedef struct
{
  CrmServerAccess *access;
  JsonNode        *body;      /* a push */
  JsonObject      *mutation;  /* a REST change */
} WriteData;

static void
write_data_free (WriteData *data)
{
  g_clear_pointer (&data->access, crm_server_access_free);
  g_clear_pointer (&data->body, json_node_unref);
  g_clear_pointer (&data->mutation, json_object_unref);
  g_free (data);
}

/* A request waiting for its write to commit */
typedef struct
{
  CrmServer         *self;
  SoupServerMessage *msg;
  char              *entity;
  guint              success_status;
} PendingWrite;

static gpointer
push_write (CrmServerDb  *db,
            gpointer      data,
            GError      **error)
{
  WriteData *write = data;

  return crm_server_push_in (db, write->access, write->body, error);
}

static gpointer
apply_write (CrmServerDb  *db,
             gpointer      data,
             GError      **error)
{
  WriteData *write = data;

  return crm_server_apply (db, write->access, write->mutation, error);
}

static void
queue_write (CrmServer          *self,
             SoupServerMessage  *msg,
             CrmServerWriteFunc  func,
             WriteData          *data,
             const char         *entity,
             guint               success_status,
             GAsyncReadyCallback callback)
{
  PendingWrite *pending = g_new0 (PendingWrite, 1);

  pending->self = g_object_ref (self);
  pending->msg = g_object_ref (msg);
  pending->entity = g_strdup (entity);
  pending->success_status = success_status;
  soup_server_message_pause (msg);
  self->n_writes++;
  crm_server_writer_run_async (self->writer, func, data, (GDestroyNotify) write_data_free,
                               (GDestroyNotify) json_node_unref, callback, pending);
}

static void
finish_write (PendingWrite *pending)
{
  soup_server_message_unpause (pending->msg);
  g_object_unref (pending->msg);
  pending->self->n_writes--;
  g_object_unref (pending->self);
  g_free (pending->entity);
  g_free (pending);
}

static void
push_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  PendingWrite *pending = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = crm_server_writer_run_finish (result, &error);

  if (response == NULL)
    respond_error (pending->msg, error);
  else
    respond_json (pending->msg, 200, response);
  finish_write (pending);
}

static void
handle_push (CrmServer         *self,
             SoupServerMessage *msg,
             CrmServerAccess   *access)
{
  g_autoptr(GError) error = NULL;
  WriteData *data;
  JsonNode *body;

  if (!(body = read_json_body (msg, &error)))
    return respond_error (msg, error);
  data = g_new0 (WriteData, 1);
  data->access = crm_server_access_ref (access);
  data->body = body;
  queue_write (self, msg, push_write, data, NULL, 200, push_done_cb);
}

typedef struct
{
  GString *out;
  guint    count;
  char    *last_id;
} Listing;

static gboolean
append_item_cb (const CrmServerRow *row,
                gpointer            user_data)
{
  Listing *listing = user_data;

  g_string_append_printf (listing->out, "%s%s", listing->count ? "," : "", row->data);
  listing->count++;
  g_free (listing->last_id);
  listing->last_id = g_strdup (row->id);
  return TRUE;
}

static void
handle_list (CrmServer         *self,
             SoupServerMessage *msg,
             CrmServerAccess   *access,
             const CrmEntity   *entity,
             GHashTable        *query)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) out = g_string_new ("{\"items\":[");
  Listing listing = { out, 0, NULL };
  const char *after = query ? g_hash_table_lookup (query, "after") : NULL;
  CrmServerFilter filter;
  guint limit;

  if (!parse_limit (query, CRM_SERVER_DEFAULT_PAGE, &limit, &error))
    return respond_error (msg, error);
  if (after != NULL && !crm_is_uuid (after))
    return fail (msg, CRM_SERVER_ERROR_BAD_REQUEST, _("after: must be a record id from an earlier page"));

  crm_server_access_filter (access, &filter);
  if (!crm_server_db_foreach_live (self->db, entity->name, after, limit, &filter,
                                   append_item_cb, &listing, &error))
    {
      g_free (listing.last_id);
      return respond_error (msg, error);
    }
  if (listing.count == limit)
    g_string_append_printf (out, "],\"next\":\"%s\"}", listing.last_id);
  else
    g_string_append (out, "],\"next\":null}");
  g_free (listing.last_id);
  respond_text (msg, 200, g_string_free (g_steal_pointer (&out), FALSE));
}

static void
respond_applied (SoupServerMessage *msg,
                 JsonNode          *result,
                 const char        *entity,
                 guint              success_status)
{
  JsonObject *object;
  const char *status;
  JsonNode *record;

  object = json_node_get_object (result);
  status = json_object_get_string_member (object, "status");
  record = json_object_get_member (object, "record");
  if (g_str_equal (status, "rejected"))
    return respond_error_full (msg, 422, "invalid_record", json_object_get_string_member (object, "error"), NULL);
  if (g_str_equal (status, "conflict"))
    return respond_error_full (msg, 409, "conflict",
                               json_object_get_string_member_with_default (object, "error", NULL)
                                 ? json_object_get_string_member (object, "error")
                                 : _("The record differs from what you sent"),
                               record);
  set_etag (msg, json_object_get_int_member (object, "version"));
  if (success_status == 201 && record && JSON_NODE_HOLDS_OBJECT (record))
    {
      JsonObject *created = json_node_get_object (record);
      g_autofree char *location = g_strdup_printf (API_PREFIX "/%s/%s", entity,
                                                   json_object_get_string_member (created, "id"));

      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Location", location);
    }
  if (success_status == 204)
    {
      soup_server_message_set_status (msg, 204, NULL);
      return;
    }
  respond_json (msg, success_status, record);
}

static void
apply_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  PendingWrite *pending = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) applied = crm_server_writer_run_finish (result, &error);

  if (applied == NULL)
    respond_error (pending->msg, error);
  else
    respond_applied (pending->msg, applied, pending->entity, pending->success_status);
  finish_write (pending);
}

/* Applies one REST change as a mutation, so it gets the same checks,
 * merge and idempotency as a push. */
static void
apply_rest (CrmServer         *self,
            SoupServerMessage *msg,
            CrmServerAccess   *access,
            JsonObject        *mutation,
            guint              success_status)
{
  WriteData *data = g_new0 (WriteData, 1);

  data->access = crm_server_access_ref (access);
  data->mutation = json_object_ref (mutation);
  queue_write (self, msg, apply_write, data, json_object_get_string_member (mutation, "entity"),
               success_status, apply_done_cb);
}

static JsonObject *
new_mutation (const char *mutation_id,
              const char *entity,
              const char *id,
              const char *op,
              gint64      base_version)
{
  JsonObject *mutation = json_object_new ();
  g_autofree char *random_id = g_uuid_string_random ();

  json_object_set_string_member (mutation, "mutation_id", mutation_id ? mutation_id : random_id);
  json_object_set_string_member (mutation, "entity", entity);
  json_object_set_string_member (mutation, "id", id);
  json_object_set_string_member (mutation, "op", op);
  json_object_set_int_member (mutation, "base_version", base_version);
  json_object_set_object_member (mutation, "fields", json_object_new ());
  return mutation;
}

static void
handle_create (CrmServer         *self,
               SoupServerMessage *msg,
               CrmServerAccess   *access,
               const CrmEntity   *entity)
{
  const char *key = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Idempotency-Key");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonObject) mutation = NULL;
  g_autoptr(GList) members = NULL;
  g_autofree char *mutation_id = NULL;
  g_autofree char *id = NULL;
  JsonObject *object;
  JsonObject *fields;

  if (!(body = read_json_body (msg, &error)))
    return respond_error (msg, error);
  if (!JSON_NODE_HOLDS_OBJECT (body))
    return fail (msg, CRM_SERVER_ERROR_BAD_REQUEST, _("Send the record’s fields as a JSON object"));
  if (key != NULL && (*key == '\0' || strlen (key) > 90))
    return fail (msg, CRM_SERVER_ERROR_BAD_REQUEST, _("Idempotency-Key: must be 1 to 90 characters"));

  object = json_node_get_object (body);
  if (json_object_has_member (object, "id"))
    {
      const char *given = crm_json_object_get_string (object, "id");

      if (given == NULL || !crm_is_uuid (given))
        return fail (msg, CRM_SERVER_ERROR_BAD_REQUEST, _("id: must be a UUID"));
      id = g_ascii_strdown (given, -1);
    }
  else
    id = g_uuid_string_random ();

  /* A key names one creation in one collection */
  if (key)
    mutation_id = g_strconcat ("idempotency:", entity->name, ":", key, NULL);
  mutation = new_mutation (mutation_id, entity->name, id, "create", 0);
  fields = json_object_get_object_member (mutation, "fields");
  members = json_object_get_members (object);
  for (const GList *l = members; l; l = l->next)
    {
      JsonObject *change;

      if (g_str_equal (l->data, "id"))
        continue;
      change = json_object_new ();
      json_object_set_member (change, "new", json_node_copy (json_object_get_member (object, l->data)));
      json_object_set_object_member (fields, l->data, change);
    }

  apply_rest (self, msg, access, mutation, 201);
}

static void
handle_record (CrmServer         *self,
               SoupServerMessage *msg,
               CrmServerAccess   *access,
               const CrmEntity   *entity,
               const char        *id)
{
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(CrmServerRow) row = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) current = NULL;
  g_autoptr(JsonObject) mutation = NULL;
  g_autofree char *lower = NULL;
  gint64 if_match;

  if (!crm_is_uuid (id))
    return fail (msg, CRM_SERVER_ERROR_NOT_FOUND, _("“%s” is not a record id"), id);

  lower = g_ascii_strdown (id, -1);
  row = crm_server_db_get_row (self->db, entity->name, lower, &error);
  if (error)
    return respond_error (msg, error);
  if (row == NULL || row->deleted || !crm_server_access_can_read (access, row))
    return fail (msg, CRM_SERVER_ERROR_NOT_FOUND, _("No %s record with id %s"), entity->name, id);
  current = json_from_string (row->data, NULL);

  if (g_str_equal (method, "GET"))
    {
      set_etag (msg, row->version);
      return respond_text (msg, 200, g_strdup (row->data));
    }

  if (!g_str_equal (method, "PATCH") && !g_str_equal (method, "DELETE"))
    return fail (msg, CRM_SERVER_ERROR_METHOD_NOT_ALLOWED, _("Use GET, PATCH or DELETE on a record"));
  if (!crm_server_access_can_write (access, row))
    return fail (msg, CRM_SERVER_ERROR_FORBIDDEN, _("You may not change this %s record"), entity->name);
  if (!parse_if_match (msg, &if_match))
    return fail (msg, CRM_SERVER_ERROR_PRECONDITION_REQUIRED,
                 _("Send If-Match with the version (ETag) you are changing"));
  if (if_match == -1)
    if_match = row->version;
  if (if_match != row->version)
    {
      set_etag (msg, row->version);
      return respond_error_full (msg, 412, "version_mismatch",
                                 _("The record has changed since that version"), current);
    }

  mutation = new_mutation (NULL, entity->name, row->id, g_str_equal (method, "PATCH") ? "update" : "delete", if_match);
  if (g_str_equal (method, "PATCH"))
    {
      g_autoptr(JsonNode) body = NULL;
      g_autoptr(GList) members = NULL;
      JsonObject *fields = json_object_get_object_member (mutation, "fields");
      JsonObject *object;

      if (!(body = read_json_body (msg, &error)))
        return respond_error (msg, error);
      if (!JSON_NODE_HOLDS_OBJECT (body))
        return fail (msg, CRM_SERVER_ERROR_BAD_REQUEST, _("Send the fields to change as a JSON object"));
      object = json_node_get_object (body);
      members = json_object_get_members (object);
      for (const GList *l = members; l; l = l->next)
        {
          JsonObject *change = json_object_new ();
          JsonNode *old_value = json_object_get_member (json_node_get_object (current), l->data);

          json_object_set_member (change, "old", old_value ? json_node_copy (old_value) : json_node_new (JSON_NODE_NULL));
          json_object_set_member (change, "new", json_node_copy (json_object_get_member (object, l->data)));
          json_object_set_object_member (fields, l->data, change);
        }
      return apply_rest (self, msg, access, mutation, 200);
    }
  apply_rest (self, msg, access, mutation, 204);
}

/* Who the request comes from. The access is kept while the user
 * directory stays as it is: the token's query also tells whether it
 * changed (on any instance), and only then is it read and parsed again,
 * so a role or manager changed anywhere applies from the next request. */
static CrmServerAccess *
load_access (CrmServer   *self,
             const char  *user_id,
             gint64       stamp,
             GError     **error)
{
  CrmServerAccess *access;

  if (stamp != self->directory_stamp)
    {
      g_hash_table_remove_all (self->accesses);
      self->directory_stamp = stamp;
    }
  if ((access = g_hash_table_lookup (self->accesses, user_id)))
    return crm_server_access_ref (access);
  if (!(access = crm_server_access_load (self->db, user_id, error)))
    return NULL;
  g_hash_table_insert (self->accesses, g_strdup (user_id), crm_server_access_ref (access));
  return access;
}

static void
api_cb (SoupServer        *soup,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  CrmServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  const char *authorization;
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmServerAccess) access = NULL;
  g_autofree char *user_id = NULL;
  g_auto(GStrv) parts = NULL;
  const CrmEntity *entity;
  gint64 stamp = -1;
  guint n;

  if (!g_str_has_prefix (path, API_PREFIX "/"))
    return fail (msg, CRM_SERVER_ERROR_NOT_FOUND, _("Nothing here; the API is under %s/"), API_PREFIX);
  parts = g_strsplit (path + strlen (API_PREFIX "/"), "/", -1);
  n = g_strv_length (parts);

  if (n == 1 && g_str_equal (parts[0], "health"))
    {
      if (!g_str_equal (method, "GET"))
        return fail (msg, CRM_SERVER_ERROR_METHOD_NOT_ALLOWED, _("Use GET"));
      return handle_health (self, msg);
    }
  if (n == 2 && g_str_equal (parts[0], "auth") && g_str_equal (parts[1], "token"))
    {
      if (!g_str_equal (method, "POST"))
        return fail (msg, CRM_SERVER_ERROR_METHOD_NOT_ALLOWED, _("Use POST"));
      return handle_token (self, msg);
    }

  authorization = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");
  if (!(user_id = crm_server_authenticate (self->db, authorization, &stamp, &error)) ||
      !(access = load_access (self, user_id, stamp, &error)))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "WWW-Authenticate", "Bearer realm=\"crm\"");
      return respond_error (msg, error);
    }
  g_object_set_data_full (G_OBJECT (msg), "crm-user", g_strdup (user_id), g_free);

  if (n == 2 && g_str_equal (parts[0], "sync") && g_str_equal (parts[1], "pull"))
    {
      if (!g_str_equal (method, "GET"))
        return fail (msg, CRM_SERVER_ERROR_METHOD_NOT_ALLOWED, _("Use GET"));
      return handle_pull (self, msg, access, query);
    }
  if (n == 2 && g_str_equal (parts[0], "sync") && g_str_equal (parts[1], "push"))
    {
      if (!g_str_equal (method, "POST"))
        return fail (msg, CRM_SERVER_ERROR_METHOD_NOT_ALLOWED, _("Use POST"));
      return handle_push (self, msg, access);
    }

  if (n < 1 || n > 2 || !(entity = crm_entity_lookup (parts[0])))
    return fail (msg, CRM_SERVER_ERROR_NOT_FOUND, _("No such resource: %s"), path);

  if (n == 1)
    {
      if (g_str_equal (method, "GET"))
        return handle_list (self, msg, access, entity, query);
      if (g_str_equal (method, "POST"))
        return handle_create (self, msg, access, entity);
      return fail (msg, CRM_SERVER_ERROR_METHOD_NOT_ALLOWED, _("Use GET or POST on a collection"));
    }
  handle_record (self, msg, access, entity, parts[1]);
}

/* Refuse big bodies before reading them */
static void
early_cb (SoupServer        *soup,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  if (soup_message_headers_get_content_length (headers) > CRM_SERVER_MAX_BODY)
    fail (msg, CRM_SERVER_ERROR_TOO_LARGE, _("The body is larger than %d bytes"), CRM_SERVER_MAX_BODY);
}

/* Connections **********************************************************/

/* libsoup 3.2.2 (Debian 12's) never closes a kept-alive connection that
 * the client closed while it was idle (fixed in libsoup 3.3.0, commit
 * d20c6601): its descriptor stays open in CLOSE_WAIT. Every client that
 * reconnects leaks one, until accept() fails for want of descriptors,
 * and then libsoup stops listening for good. So every few seconds the
 * server closes, itself, each connection with no request in flight whose
 * peer has closed it (a read would find the end of the stream); libsoup
 * then sees it closed and lets it go. */
static void
track_socket (CrmServer         *self,
              SoupServerMessage *msg,
              int                delta)
{
  GSocket *socket = soup_server_message_get_socket (msg);
  int in_flight;

  if (socket == NULL)
    return;
  in_flight = GPOINTER_TO_INT (g_hash_table_lookup (self->sockets, socket)) + delta;
  g_hash_table_replace (self->sockets, g_object_ref (socket), GINT_TO_POINTER (MAX (in_flight, 0)));
}

static gboolean
sweep_cb (gpointer user_data)
{
  CrmServer *self = user_data;
  GHashTableIter iter;
  gpointer socket, in_flight;

  g_hash_table_iter_init (&iter, self->sockets);
  while (g_hash_table_iter_next (&iter, &socket, &in_flight))
    {
      char byte;

      if (g_socket_is_closed (socket))
        g_hash_table_iter_remove (&iter);
      else if (GPOINTER_TO_INT (in_flight) == 0 &&
               recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0)
        {
          g_socket_close (socket, NULL);
          g_hash_table_iter_remove (&iter);
        }
    }
  return G_SOURCE_CONTINUE;
}

static void
request_started_cb (SoupServer        *soup,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  gint64 *start = g_new (gint64, 1);

  *start = g_get_monotonic_time ();
  g_object_set_data_full (G_OBJECT (msg), "crm-start", start, g_free);
  track_socket (user_data, msg, 1);
}

static void
request_finished_cb (SoupServer        *soup,
                     SoupServerMessage *msg,
                     gpointer           user_data)
{
  CrmServer *self = user_data;
  gint64 *start = g_object_get_data (G_OBJECT (msg), "crm-start");
  const char *user = g_object_get_data (G_OBJECT (msg), "crm-user");
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *stamp = NULL;
  GUri *uri;

  track_socket (self, msg, -1);
  if (self->quiet)
    return;
  now = g_date_time_new_now_utc ();
  stamp = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  uri = soup_server_message_get_uri (msg);
  /* The path only: queries may carry cursors, never worth a log line */
  g_printerr ("%s %s %s %s %u %.1fms user=%s\n", stamp,
              soup_server_message_get_remote_host (msg) ? soup_server_message_get_remote_host (msg) : "-",
              soup_server_message_get_method (msg), uri ? g_uri_get_path (uri) : "-",
              soup_server_message_get_status (msg),
              start ? (g_get_monotonic_time () - *start) / 1000.0 : 0.0,
              user ? user : "-");
}

/**
 * crm_server_is_busy:
 *
 * Whether a login is still being checked in a worker thread, or a write
 * is waiting for its group to commit. A server that stops lets these
 * finish (and answers them) before it closes the database.
 */
gboolean
crm_server_is_busy (CrmServer *self)
{
  g_return_val_if_fail (CRM_IS_SERVER (self), FALSE);

  return self->n_logins > 0 || self->n_writes > 0;
}

/* GObject *************************************************************/

static void
crm_server_dispose (GObject *object)
{
  CrmServer *self = (CrmServer *) object;

  if (self->soup)
    soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  g_clear_pointer (&self->writer, crm_server_writer_free);
  g_clear_pointer (&self->accesses, g_hash_table_unref);
  g_clear_handle_id (&self->sweep_id, g_source_remove);
  g_clear_pointer (&self->sockets, g_hash_table_unref);

  G_OBJECT_CLASS (crm_server_parent_class)->dispose (object);
}

static void
crm_server_class_init (CrmServerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = crm_server_dispose;
}

static void
crm_server_init (CrmServer *self)
{
  self->accesses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) crm_server_access_free);
  self->directory_stamp = -1;
  self->sockets = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, NULL);
  self->sweep_id = g_timeout_add_seconds (SWEEP_INTERVAL_SECONDS, sweep_cb, self);
}

/* Public API **********************************************************/

CrmServer *
crm_server_new (CrmServerDb *db)
{
  CrmServer *self = g_object_new (CRM_TYPE_SERVER, NULL);
  g_autofree char *header = g_strdup_printf ("crm-server/%s", PACKAGE_VERSION);

  self->db = db;
  self->soup = soup_server_new ("server-header", header, NULL);
  soup_server_add_early_handler (self->soup, NULL, early_cb, self, NULL);
  soup_server_add_handler (self->soup, NULL, api_cb, self, NULL);
  g_signal_connect (self->soup, "request-started", G_CALLBACK (request_started_cb), self);
  g_signal_connect (self->soup, "request-finished", G_CALLBACK (request_finished_cb), self);
  return self;
}

void
crm_server_set_quiet (CrmServer *self,
                      gboolean   quiet)
{
  self->quiet = quiet;
}

/**
 * crm_server_listen:
 * @address: HOST:PORT; port 0 picks a free one
 */
gboolean
crm_server_listen (CrmServer   *self,
                   const char  *address,
                   const char  *tls_cert,
                   const char  *tls_key,
                   GError     **error)
{
  g_autoptr(GSocketConnectable) connectable = NULL;
  g_autoptr(GSocketAddressEnumerator) enumerator = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocket) socket = NULL;
  SoupServerListenOptions options = 0;

  if (tls_cert || tls_key)
    {
      g_autoptr(GTlsCertificate) certificate = NULL;

      if (!tls_cert || !tls_key)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("--tls-cert and --tls-key go together"));
          return FALSE;
        }
      if (!(certificate = g_tls_certificate_new_from_files (tls_cert, tls_key, error)))
        return FALSE;
      soup_server_set_tls_certificate (self->soup, certificate);
      options |= SOUP_SERVER_LISTEN_HTTPS;
    }

  if (self->writer == NULL &&
      !(self->writer = crm_server_writer_new (crm_server_db_get_location (self->db), error)))
    return FALSE;
  if (!(connectable = g_network_address_parse (address, 8080, error)))
    return FALSE;
  enumerator = g_socket_connectable_enumerate (connectable);
  if (!(socket_address = g_socket_address_enumerator_next (enumerator, NULL, error)))
    {
      if (error && !*error)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("Cannot resolve %s"), address);
      return FALSE;
    }
  if (!(socket = g_socket_new (g_socket_address_get_family (socket_address), G_SOCKET_TYPE_STREAM,
                               G_SOCKET_PROTOCOL_TCP, error)))
    return FALSE;
  /* GSocket listens with a backlog of 10: when more clients connect at
   * once (a team after a restart, a load test), the kernel drops the
   * rest of their SYNs and each waits a second or more to try again */
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_bind (socket, socket_address, TRUE, error) || !g_socket_listen (socket, error))
    return FALSE;
  return soup_server_listen_socket (self->soup, socket, options, error);
}

char *
crm_server_dup_url (CrmServer *self)
{
  GSList *uris = soup_server_get_uris (self->soup);
  char *url = uris ? g_uri_to_string (uris->data) : NULL;

  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return url;
}
