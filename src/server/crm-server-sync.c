/* crm-server-sync.c: who may see and change what, push and pull
 *
 * Visibility: users form a tree through manager_id. A rep reads and
 * writes their own records, and the accounts and contacts of their team
 * (everyone under the same manager). A manager also reads everything of
 * everyone below them and sets their quotas and forecast adjustments. An
 * admin reads and writes everything. Everyone reads the user directory,
 * stages, products, currencies and exchange rates; only admins change
 * them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-server"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "crm-entity.h"
#include "crm-json.h"
#include "crm-quote-record.h"
#include "crm-server-sync.h"

G_DEFINE_QUARK (crm-server-error-quark, crm_server_error)

struct _CrmServerAccess
{
  char       *user_id;
  char       *role;
  gboolean    admin;
  gboolean    manager;
  GHashTable *own;      /* me and everyone below me */
  GHashTable *shared;   /* my team: whose accounts and contacts I share */
  char       *own_json;
  char       *shared_json;
};

#define MAX_MUTATIONS 1000

static const char * const global_entities[] = {
  "users", "stages", "products", "currencies", "exchange_rates", NULL
};

/* Errors **************************************************************/

guint
crm_server_error_status (const GError *error)
{
  static const guint statuses[] = {
    [CRM_SERVER_ERROR_BAD_REQUEST] = 400,
    [CRM_SERVER_ERROR_UNAUTHORIZED] = 401,
    [CRM_SERVER_ERROR_FORBIDDEN] = 403,
    [CRM_SERVER_ERROR_NOT_FOUND] = 404,
    [CRM_SERVER_ERROR_METHOD_NOT_ALLOWED] = 405,
    [CRM_SERVER_ERROR_GONE] = 410,
    [CRM_SERVER_ERROR_PRECONDITION_FAILED] = 412,
    [CRM_SERVER_ERROR_TOO_LARGE] = 413,
    [CRM_SERVER_ERROR_UNSUPPORTED_MEDIA] = 415,
    [CRM_SERVER_ERROR_UNPROCESSABLE] = 422,
    [CRM_SERVER_ERROR_PRECONDITION_REQUIRED] = 428,
    [CRM_SERVER_ERROR_TOO_MANY_REQUESTS] = 429,
    [CRM_SERVER_ERROR_UNAVAILABLE] = 503,
    [CRM_SERVER_ERROR_TOKEN_EXPIRED] = 401,
    [CRM_SERVER_ERROR_CONFLICT] = 409,
  };

  if (error->domain == CRM_SERVER_ERROR && error->code >= 0 && (guint) error->code < G_N_ELEMENTS (statuses))
    return statuses[error->code];
  if (error->domain == CRM_SERVER_DB_ERROR &&
      (error->code == CRM_SERVER_DB_ERROR_BUSY || error->code == CRM_SERVER_DB_ERROR_DISK_FULL))
    return 503;
  if (error->domain == CRM_ENTITY_ERROR || error->domain == JSON_PARSER_ERROR)
    return 400;
  return 500;
}

const char *
crm_server_error_code (const GError *error)
{
  static const char * const codes[] = {
    [CRM_SERVER_ERROR_BAD_REQUEST] = "bad_request",
    [CRM_SERVER_ERROR_UNAUTHORIZED] = "unauthorized",
    [CRM_SERVER_ERROR_FORBIDDEN] = "forbidden",
    [CRM_SERVER_ERROR_NOT_FOUND] = "not_found",
    [CRM_SERVER_ERROR_METHOD_NOT_ALLOWED] = "method_not_allowed",
    [CRM_SERVER_ERROR_GONE] = "resync_required",
    [CRM_SERVER_ERROR_PRECONDITION_FAILED] = "version_mismatch",
    [CRM_SERVER_ERROR_TOO_LARGE] = "body_too_large",
    [CRM_SERVER_ERROR_UNSUPPORTED_MEDIA] = "unsupported_media_type",
    [CRM_SERVER_ERROR_UNPROCESSABLE] = "invalid_record",
    [CRM_SERVER_ERROR_PRECONDITION_REQUIRED] = "if_match_required",
    [CRM_SERVER_ERROR_TOO_MANY_REQUESTS] = "too_many_requests",
    [CRM_SERVER_ERROR_UNAVAILABLE] = "unavailable",
    [CRM_SERVER_ERROR_TOKEN_EXPIRED] = "token_expired",
    [CRM_SERVER_ERROR_CONFLICT] = "conflict",
  };

  if (error->domain == CRM_SERVER_ERROR && error->code >= 0 && (guint) error->code < G_N_ELEMENTS (codes))
    return codes[error->code];
  if (error->domain == CRM_SERVER_DB_ERROR &&
      (error->code == CRM_SERVER_DB_ERROR_BUSY || error->code == CRM_SERVER_DB_ERROR_DISK_FULL))
    return "unavailable";
  if (error->domain == CRM_ENTITY_ERROR || error->domain == JSON_PARSER_ERROR)
    return "bad_request";
  return "internal_error";
}

/* Access **************************************************************/

typedef struct
{
  GHashTable *manager_of;  /* user id → manager id */
  GHashTable *role_of;     /* user id → role */
} Directory;

static gboolean
collect_user_cb (const CrmServerRow *row,
                 gpointer            user_data)
{
  Directory *dir = user_data;
  g_autoptr(JsonNode) node = json_from_string (row->data, NULL);
  JsonObject *object;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return TRUE;
  object = json_node_get_object (node);
  g_hash_table_insert (dir->role_of, g_strdup (row->id),
                       g_strdup (json_object_get_string_member_with_default (object, "role", "rep")));
  if (json_object_get_string_member_with_default (object, "manager_id", NULL))
    g_hash_table_insert (dir->manager_of, g_strdup (row->id),
                         g_strdup (json_object_get_string_member (object, "manager_id")));
  return TRUE;
}

static void
add_subtree (Directory  *dir,
             const char *root,
             GHashTable *into)
{
  g_autoptr(GPtrArray) queue = g_ptr_array_new ();

  g_hash_table_add (into, g_strdup (root));
  g_ptr_array_add (queue, (gpointer) root);
  /* Breadth first; a cycle in bad data ends because ids are added once */
  for (guint i = 0; i < queue->len; i++)
    {
      GHashTableIter iter;
      gpointer user, manager;

      g_hash_table_iter_init (&iter, dir->manager_of);
      while (g_hash_table_iter_next (&iter, &user, &manager))
        if (g_str_equal (manager, g_ptr_array_index (queue, i)) && !g_hash_table_contains (into, user))
          {
            g_hash_table_add (into, g_strdup (user));
            g_ptr_array_add (queue, user);
          }
    }
}

static char *
set_to_json (GHashTable *set)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  GHashTableIter iter;
  gpointer key;

  json_builder_begin_array (builder);
  g_hash_table_iter_init (&iter, set);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    json_builder_add_string_value (builder, key);
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

CrmServerAccess *
crm_server_access_load (CrmServerDb  *db,
                        const char   *user_id,
                        GError      **error)
{
  g_autoptr(CrmServerAccess) access = g_atomic_rc_box_new0 (CrmServerAccess);
  Directory dir = {
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free),
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free),
  };
  CrmServerFilter all = { TRUE, NULL, NULL };
  const char *manager;
  gboolean ok;

  ok = crm_server_db_foreach_live (db, "users", NULL, G_MAXINT, &all, collect_user_cb, &dir, error);
  if (ok && !g_hash_table_contains (dir.role_of, user_id))
    {
      g_set_error (error, CRM_SERVER_ERROR, CRM_SERVER_ERROR_UNAUTHORIZED,
                   _("This user no longer exists"));
      ok = FALSE;
    }
  if (ok)
    {
      access->user_id = g_strdup (user_id);
      access->role = g_strdup (g_hash_table_lookup (dir.role_of, user_id));
      access->admin = g_str_equal (access->role, "admin");
      access->manager = g_str_equal (access->role, "manager");
      access->own = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      access->shared = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      add_subtree (&dir, user_id, access->own);
      /* A rep's team is their manager's tree; a manager's is their own */
      manager = g_hash_table_lookup (dir.manager_of, user_id);
      if (!access->manager && manager != NULL)
        add_subtree (&dir, manager, access->shared);
      else
        add_subtree (&dir, user_id, access->shared);
      access->own_json = set_to_json (access->own);
      access->shared_json = set_to_json (access->shared);
    }

  g_hash_table_unref (dir.manager_of);
  g_hash_table_unref (dir.role_of);
  return ok ? g_steal_pointer (&access) : NULL;
}

static void
access_clear (CrmServerAccess *access)
{
  g_free (access->user_id);
  g_free (access->role);
  g_clear_pointer (&access->own, g_hash_table_unref);
  g_clear_pointer (&access->shared, g_hash_table_unref);
  g_free (access->own_json);
  g_free (access->shared_json);
}

/* An access never changes once loaded, so the server keeps it for the
 * next requests of the same user and hands it to its writer thread: a
 * reference each, freed with the last. */
CrmServerAccess *
crm_server_access_ref (CrmServerAccess *access)
{
  return g_atomic_rc_box_acquire (access);
}

/* Drops a reference; the last one frees the access */
void
crm_server_access_free (CrmServerAccess *access)
{
  if (access)
    g_atomic_rc_box_release_full (access, (GDestroyNotify) access_clear);
}

const char *
crm_server_access_get_user_id (CrmServerAccess *access)
{
  return access->user_id;
}

void
crm_server_access_filter (CrmServerAccess *access,
                          CrmServerFilter *filter)
{
  filter->all = access->admin;
  filter->own_json = access->own_json;
  filter->shared_json = access->shared_json;
}

static gboolean
is_shared_entity (const char *entity)
{
  return g_str_equal (entity, "accounts") || g_str_equal (entity, "contacts");
}

static gboolean
can_read_subject (CrmServerAccess *access,
                  const char      *entity,
                  const char      *subject)
{
  if (access->admin || subject == NULL)
    return TRUE;
  if (g_hash_table_contains (access->own, subject))
    return TRUE;
  return is_shared_entity (entity) && g_hash_table_contains (access->shared, subject);
}

gboolean
crm_server_access_can_read (CrmServerAccess    *access,
                            const CrmServerRow *row)
{
  return can_read_subject (access, row->entity, row->subject_id);
}

/* May @access write a record of @entity whose subject is @subject? */
static gboolean
can_write_subject (CrmServerAccess *access,
                   const char      *entity,
                   const char      *subject)
{
  if (access->admin)
    return TRUE;
  if (g_strv_contains (global_entities, entity))
    return FALSE;
  if (subject == NULL)
    return FALSE;
  if (is_shared_entity (entity))
    return can_read_subject (access, entity, subject);
  if (g_str_equal (entity, "quotas"))
    /* Set by a manager for someone below them, never for oneself */
    return access->manager && !g_str_equal (subject, access->user_id) &&
           g_hash_table_contains (access->own, subject);
  if (g_str_equal (entity, "forecast_adjustments"))
    return g_hash_table_contains (access->own, subject);
  return g_str_equal (subject, access->user_id);
}

/* An adjustment is signed by whoever makes it (the server signs one that
 * comes unsigned), and only they or a manager above them may revert or
 * delete it: which adjustment wins in a rollup follows its author's place
 * in the hierarchy, so no one may sign for someone else. @previous is
 * NULL for a create. */
static gboolean
can_write_adjustment (CrmServerAccess *access,
                      CrmRecord       *record,
                      CrmRecord       *previous)
{
  const char *author;

  if (!g_str_equal (crm_record_get_entity (record)->name, "forecast_adjustments"))
    return TRUE;
  if (previous == NULL && crm_record_get_string (record, "author_id") == NULL)
    {
      g_autoptr(JsonNode) signer = json_node_init_string (json_node_alloc (), access->user_id);

      return crm_record_set_field (record, "author_id", signer, NULL);
    }
  if (access->admin)
    return TRUE;
  if (previous == NULL)
    return g_str_equal (crm_record_get_string (record, "author_id"), access->user_id);
  author = crm_record_get_string (previous, "author_id");
  if (g_strcmp0 (author, crm_record_get_string (record, "author_id")) != 0)
    return FALSE;
  /* One from before adjustments were signed goes by whose it is */
  return author == NULL || g_hash_table_contains (access->own, author);
}

gboolean
crm_server_access_can_write (CrmServerAccess    *access,
                             const CrmServerRow *row)
{
  return can_write_subject (access, row->entity, row->subject_id);
}

/**
 * crm_server_subject_field:
 *
 * Returns: (nullable): the field naming whose record this is, or %NULL
 *   when the owner decides (or, for global entities, no one)
 */
const char *
crm_server_subject_field (const char *entity)
{
  if (g_str_equal (entity, "quotas") || g_str_equal (entity, "forecast_adjustments"))
    return "user_id";
  return NULL;
}

static char *
subject_of (CrmRecord *record)
{
  const char *entity = crm_record_get_entity (record)->name;
  const char *field = crm_server_subject_field (entity);

  if (g_strv_contains (global_entities, entity))
    return NULL;
  if (field)
    return g_strdup (crm_record_get_string (record, field));
  return g_strdup (crm_record_get_owner_id (record));
}

/* Mutations ***********************************************************/

typedef struct
{
  const char *mutation_id;
  const char *status;
  gint64      version;
  CrmRecord  *record;
  GPtrArray  *conflicts;
  char       *message;
} Result;

static JsonNode *
result_to_json (const Result *r)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "mutation_id");
  if (r->mutation_id)
    json_builder_add_string_value (builder, r->mutation_id);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, r->status);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, r->version);
  json_builder_set_member_name (builder, "record");
  if (r->record)
    json_builder_add_value (builder, crm_record_to_json (r->record));
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "conflicts");
  json_builder_begin_array (builder);
  for (guint i = 0; r->conflicts && i < r->conflicts->len; i++)
    json_builder_add_string_value (builder, g_ptr_array_index (r->conflicts, i));
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "error");
  if (r->message)
    json_builder_add_string_value (builder, r->message);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static JsonNode *
rejected (const char *mutation_id,
          const char *format,
          ...) G_GNUC_PRINTF (2, 3);

static JsonNode *
rejected (const char *mutation_id,
          const char *format,
          ...)
{
  g_autofree char *message = NULL;
  Result r = { mutation_id, "rejected", 0 };
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  r.message = message;
  return result_to_json (&r);
}

static CrmRecord *
row_to_record (const CrmServerRow *row)
{
  g_autoptr(JsonNode) node = json_from_string (row->data, NULL);

  if (node == NULL)
    return NULL;
  return crm_record_new_from_json (crm_entity_lookup (row->entity), node, NULL);
}

static gboolean
save_record (CrmServerDb  *db,
             CrmRecord    *record,
             GError      **error)
{
  g_autofree char *data = crm_record_to_json_string (record, FALSE);
  g_autofree char *subject = subject_of (record);
  CrmServerRow row = {
    (char *) crm_record_get_entity (record)->name, (char *) crm_record_get_id (record),
    crm_record_get_version (record), 0, (char *) crm_record_get_owner_id (record),
    subject, crm_record_get_deleted (record), data,
  };

  return crm_server_db_put_row (db, &row, error);
}

/* A quote changes only while a draft, and the totals a change carries
 * must be what the quote engine makes of the quote; a change that
 * carries none (a plain API client) has them computed. Returns a
 * message naming the field refused, or NULL. */
static char *
check_quote (CrmRecord  *previous,
             CrmRecord  *record,
             JsonObject *fields)
{
  g_autoptr(GError) error = NULL;
  gboolean has_totals = FALSE;

  if (!g_str_equal (crm_record_get_entity (record)->name, "quotes"))
    return NULL;
  if (previous && !crm_quote_record_check_change (previous, record, &error))
    return g_strdup (error->message);
  for (guint i = 0; crm_quote_total_fields[i]; i++)
    if (!g_str_equal (crm_quote_total_fields[i], "shipping") &&
        json_object_has_member (fields, crm_quote_total_fields[i]))
      has_totals = TRUE;
  if (!has_totals && !crm_quote_record_compute (record, &error))
    return g_strdup_printf (_("lines: the quote cannot be computed: %s"), error->message);
  if (!crm_quote_record_check_totals (record, &error))
    return g_strdup (error->message);
  return NULL;
}

/* A reference must name a live record the writer may see */
static char *
check_references (CrmServerDb     *db,
                  CrmServerAccess *access,
                  CrmRecord       *record,
                  CrmRecord       *previous)
{
  const CrmEntity *entity = crm_record_get_entity (record);

  for (guint i = 0; i < entity->n_fields; i++)
    {
      const CrmField *field = &entity->fields[i];
      g_autoptr(CrmServerRow) target = NULL;
      const char *id;

      if (field->type != CRM_FIELD_REF || !(id = crm_record_get_string (record, field->name)))
        continue;
      if (previous && g_strcmp0 (id, crm_record_get_string (previous, field->name)) == 0)
        continue;
      /* A record may refer to itself only for the user tree */
      if (g_str_equal (id, crm_record_get_id (record)) && g_str_equal (field->related, entity->name))
        return g_strdup_printf (_("%s: a record cannot refer to itself"), field->name);
      target = crm_server_db_get_row (db, field->related, id, NULL);
      if (target == NULL || target->deleted || !crm_server_access_can_read (access, target))
        return g_strdup_printf (_("%s: no %s record with id %s"), field->name, field->related, id);
    }
  return NULL;
}

static JsonNode *
apply_create (CrmServerDb     *db,
              CrmServerAccess *access,
              const char      *mutation_id,
              const CrmEntity *entity,
              const char      *id,
              JsonObject      *fields,
              GError         **error)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(CrmRecord) record = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *now = crm_timestamp_now ();
  g_autofree char *subject = NULL;
  g_autofree char *bad_ref = NULL;
  g_autofree char *problem = NULL;
  g_autoptr(GList) members = json_object_get_members (fields);
  Result r = { mutation_id, "applied" };

  for (const GList *l = members; l; l = l->next)
    {
      JsonObject *change = json_object_get_object_member (fields, l->data);

      if (crm_entity_is_system_field (l->data))
        return rejected (mutation_id, _("Field “%s” is maintained by the server"), (const char *) l->data);
      json_object_set_member (object, l->data, json_node_copy (json_object_get_member (change, "new")));
    }
  json_object_set_string_member (object, "id", id);
  json_object_set_string_member (object, "owner_id", access->user_id);
  node = json_node_init_object (json_node_alloc (), object);
  if (!(record = crm_record_new_from_json (entity, node, &local_error)))
    return rejected (mutation_id, "%s", local_error->message);

  if ((problem = check_quote (NULL, record, fields)))
    return rejected (mutation_id, "%s", problem);
  subject = subject_of (record);
  if (!can_write_subject (access, entity->name, subject))
    return rejected (mutation_id, _("You may not create %s records for this user"), entity->name);
  if (!can_write_adjustment (access, record, NULL))
    return rejected (mutation_id, _("author_id: an adjustment is made in your own name"));
  if ((bad_ref = check_references (db, access, record, NULL)))
    return rejected (mutation_id, "%s", bad_ref);

  crm_record_set_version (record, 1);
  crm_record_set_timestamps (record, now, now);
  if (!save_record (db, record, error))
    return NULL;

  r.version = 1;
  r.record = record;
  return result_to_json (&r);
}

/* Merges @fields ({"name":{"old","new"}}) into the server's record. */
static JsonNode *
apply_update (CrmServerDb        *db,
              CrmServerAccess    *access,
              const char         *mutation_id,
              const CrmServerRow *row,
              gint64              base_version,
              JsonObject         *fields,
              gboolean            from_create,
              GError            **error)
{
  g_autoptr(CrmRecord) current = row_to_record (row);
  g_autoptr(CrmRecord) merged = NULL;
  g_autoptr(GPtrArray) conflicts = g_ptr_array_new ();
  g_autoptr(GList) members = json_object_get_members (fields);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *old_subject = NULL;
  g_autofree char *new_subject = NULL;
  g_autofree char *bad_ref = NULL;
  g_autofree char *problem = NULL;
  gboolean base_current = base_version == row->version;
  gboolean changed = FALSE;
  const char *new_owner = NULL;
  Result r = { mutation_id, "applied" };

  if (current == NULL)
    return rejected (mutation_id, _("The stored record cannot be read"));

  old_subject = subject_of (current);
  if (!can_write_subject (access, row->entity, old_subject))
    return rejected (mutation_id, _("You may not change this %s record"), row->entity);

  if (row->deleted)
    {
      /* The client keeps its edit as a recovered copy */
      r.status = "conflict";
      r.version = row->version;
      r.record = current;
      r.conflicts = conflicts;
      for (const GList *l = members; l; l = l->next)
        g_ptr_array_add (conflicts, l->data);
      r.message = (char *) _("The record was deleted on the server");
      return result_to_json (&r);
    }

  merged = crm_record_copy (current);
  for (const GList *l = members; l; l = l->next)
    {
      const char *name = l->data;
      JsonObject *change = json_object_get_object_member (fields, name);
      JsonNode *old_value = json_object_get_member (change, "old");
      JsonNode *new_value = json_object_get_member (change, "new");
      JsonNode *server_value;
      g_autoptr(JsonNode) canonical_new = NULL;
      g_autoptr(JsonNode) canonical_old = NULL;
      const CrmField *field;

      if (g_str_equal (name, "owner_id") && !from_create)
        {
          const char *owner = crm_record_get_owner_id (current);
          const char *old_owner = old_value && JSON_NODE_HOLDS_VALUE (old_value) &&
                                  json_node_get_value_type (old_value) == G_TYPE_STRING
                                    ? json_node_get_string (old_value) : NULL;

          if (!JSON_NODE_HOLDS_VALUE (new_value) || json_node_get_value_type (new_value) != G_TYPE_STRING ||
              !crm_is_uuid (json_node_get_string (new_value)))
            return rejected (mutation_id, _("owner_id: must be a user id"));
          /* Merged like any field: a reassignment not seen is a conflict */
          if (!base_current && g_strcmp0 (owner, json_node_get_string (new_value)) == 0)
            continue;
          if (!base_current && g_strcmp0 (owner, old_owner) != 0)
            {
              g_ptr_array_add (conflicts, (gpointer) name);
              continue;
            }
          new_owner = json_node_get_string (new_value);
          continue;
        }
      if (!(field = crm_entity_get_field_checked (crm_record_get_entity (current), name, &local_error)))
        return rejected (mutation_id, "%s", local_error->message);

      /* Compare in canonical form: "12.5" and "12.50" are the same amount */
      canonical_new = crm_field_normalize (field, new_value, crm_record_get_string (current, "currency"), NULL);
      canonical_old = old_value ? crm_field_normalize (field, old_value, crm_record_get_string (current, "currency"), NULL) : NULL;
      server_value = crm_record_get_field (current, name);

      if (!base_current && canonical_new && crm_values_equal (server_value, canonical_new))
        continue;
      if (!base_current && !crm_values_equal (server_value, canonical_old ? canonical_old : old_value))
        {
          g_ptr_array_add (conflicts, (gpointer) name);
          continue;
        }
      if (!crm_record_set_field (merged, name, new_value, &local_error))
        return rejected (mutation_id, "%s", local_error->message);
      changed = TRUE;
    }

  if (!crm_record_validate (merged, &local_error))
    return rejected (mutation_id, "%s", local_error->message);
  if (!can_write_adjustment (access, merged, current))
    return rejected (mutation_id, _("Only the author of an adjustment or a manager above them may change it"));
  if ((problem = check_quote (current, merged, fields)))
    return rejected (mutation_id, "%s", problem);
  if ((bad_ref = check_references (db, access, merged, current)))
    return rejected (mutation_id, "%s", bad_ref);

  if (new_owner && g_strcmp0 (new_owner, crm_record_get_owner_id (current)) != 0)
    {
      g_autoptr(CrmServerRow) owner = crm_server_db_get_row (db, "users", new_owner, NULL);
      gboolean hand_over = g_strcmp0 (crm_record_get_owner_id (current), access->user_id) == 0;
      gboolean within_team = access->manager && g_hash_table_contains (access->own, new_owner);

      if (owner == NULL || owner->deleted)
        return rejected (mutation_id, _("owner_id: no user with id %s"), new_owner);
      if (!access->admin && !hand_over && !within_team)
        return rejected (mutation_id, _("You may not give this record to that user"));
      crm_record_set_owner_id (merged, new_owner);
      changed = TRUE;
    }

  new_subject = subject_of (merged);
  if (!can_write_subject (access, row->entity, new_subject) && !new_owner)
    return rejected (mutation_id, _("You may not move this %s record to that user"), row->entity);

  if (changed)
    {
      g_autofree char *now = crm_timestamp_now ();

      crm_record_set_version (merged, row->version + 1);
      crm_record_set_timestamps (merged, NULL, now);
      if (!save_record (db, merged, error))
        return NULL;
      if (g_strcmp0 (old_subject, new_subject) != 0 && old_subject != NULL &&
          !crm_server_db_add_revocation (db, row->entity, row->id, old_subject, error))
        return NULL;
    }

  r.status = conflicts->len ? "conflict" : base_current ? "applied" : "merged";
  r.version = crm_record_get_version (merged);
  r.record = merged;
  r.conflicts = conflicts;
  return result_to_json (&r);
}

static JsonNode *
apply_delete (CrmServerDb        *db,
              CrmServerAccess    *access,
              const char         *mutation_id,
              const CrmServerRow *row,
              gint64              base_version,
              GError            **error)
{
  g_autoptr(CrmRecord) current = row_to_record (row);
  g_autofree char *subject = NULL;
  g_autofree char *now = crm_timestamp_now ();
  Result r = { mutation_id, "applied" };

  if (current == NULL)
    return rejected (mutation_id, _("The stored record cannot be read"));
  subject = subject_of (current);
  if (!can_write_subject (access, row->entity, subject) || !can_write_adjustment (access, current, current))
    return rejected (mutation_id, _("You may not delete this %s record"), row->entity);

  /* A delete wins over edits it has not seen; deleting twice is one delete */
  if (!row->deleted)
    {
      crm_record_set_deleted (current, TRUE);
      crm_record_set_version (current, row->version + 1);
      crm_record_set_timestamps (current, NULL, now);
      if (!save_record (db, current, error))
        return NULL;
      if (base_version != row->version)
        r.status = "merged";
    }
  r.version = crm_record_get_version (current);
  r.record = current;
  return result_to_json (&r);
}

/* Checks a mutation's shape; returns a message for the client or NULL */
static char *
check_mutation (JsonObject  *mutation,
                const char **out_op,
                gint64      *out_base)
{
  JsonNode *base = json_object_get_member (mutation, "base_version");
  JsonNode *fields = json_object_get_member (mutation, "fields");
  const char *op = crm_json_object_get_string (mutation, "op");
  const char *id = crm_json_object_get_string (mutation, "id");
  g_autoptr(GError) error = NULL;

  if (!crm_entity_lookup_checked (crm_json_object_get_string (mutation, "entity"), &error))
    return g_strdup (error->message);
  if (id == NULL || !crm_is_uuid (id))
    return g_strdup (_("id: must be a UUID"));
  if (op == NULL || !(g_str_equal (op, "create") || g_str_equal (op, "update") || g_str_equal (op, "delete")))
    return g_strdup (_("op: must be create, update or delete"));
  if (base == NULL || JSON_NODE_HOLDS_NULL (base))
    *out_base = 0;
  else if (!JSON_NODE_HOLDS_VALUE (base) || json_node_get_value_type (base) != G_TYPE_INT64 ||
           json_node_get_int (base) < 0)
    return g_strdup (_("base_version: must be a whole number of at least 0"));
  else
    *out_base = json_node_get_int (base);

  if (fields != NULL && !JSON_NODE_HOLDS_NULL (fields))
    {
      g_autoptr(GList) members = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (fields))
        return g_strdup (_("fields: must be an object of {\"old\",\"new\"} pairs"));
      members = json_object_get_members (json_node_get_object (fields));
      for (const GList *l = members; l; l = l->next)
        {
          JsonNode *change = json_object_get_member (json_node_get_object (fields), l->data);

          if (!JSON_NODE_HOLDS_OBJECT (change) || !json_object_has_member (json_node_get_object (change), "new"))
            return g_strdup_printf (_("fields.%s: must be an object with “new” (and “old”)"), (const char *) l->data);
        }
    }
  *out_op = op;
  return NULL;
}

/**
 * crm_server_apply:
 * @mutation: one mutation as the push API describes it
 *
 * Applies one mutation inside the caller's write transaction and stores
 * its result under its mutation id, so a retry gets the same answer.
 *
 * Returns: (transfer full): the result object; %NULL with @error only
 *   when the database failed
 */
JsonNode *
crm_server_apply (CrmServerDb      *db,
                  CrmServerAccess  *access,
                  JsonObject       *mutation,
                  GError          **error)
{
  const char *mutation_id = crm_json_object_get_string (mutation, "mutation_id");
  g_autofree char *key = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *problem = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(CrmServerRow) row = NULL;
  g_autoptr(JsonObject) no_fields = json_object_new ();
  const CrmEntity *entity;
  JsonObject *fields;
  const char *op = NULL;
  const char *id;
  gint64 base = 0;

  if (mutation_id == NULL || *mutation_id == '\0' || strlen (mutation_id) > 100)
    return rejected (NULL, _("mutation_id: must be a non-empty string of at most 100 characters"));

  /* The stored answer and the record in one lookup: the record is read
   * before the mutation is checked, and not used if it is refused */
  key = g_strdup_printf ("m:%s:%s", access->user_id, mutation_id);
  entity = crm_entity_lookup (crm_json_object_get_string (mutation, "entity"));
  id = crm_json_object_get_string (mutation, "id");
  stored = crm_server_db_get_mutation_row (db, key, entity && id ? entity->name : NULL, id, &row, error);
  if (error && *error)
    return NULL;
  if (stored)
    return json_from_string (stored, NULL);

  if ((problem = check_mutation (mutation, &op, &base)))
    result = rejected (mutation_id, "%s", problem);
  else
    {
      fields = json_object_get_member (mutation, "fields") && JSON_NODE_HOLDS_OBJECT (json_object_get_member (mutation, "fields"))
        ? json_object_get_object_member (mutation, "fields") : no_fields;

      /* What the user may not see does not exist for them, but its id
       * stays taken: a create must never overwrite it */
      if (row && !crm_server_access_can_read (access, row))
        {
          g_clear_pointer (&row, crm_server_row_free);
          if (g_str_equal (op, "create"))
            {
              result = rejected (mutation_id, _("id: %s is already in use"), id);
              goto store;
            }
        }

      if (g_str_equal (op, "create"))
        {
          if (row == NULL)
            result = apply_create (db, access, mutation_id, entity, id, fields, error);
          else
            /* Sent twice, or made on two devices: merge against nothing */
            result = apply_update (db, access, mutation_id, row, G_MININT64, fields, TRUE, error);
          if (result && row && !row->deleted &&
              g_str_equal (json_object_get_string_member (json_node_get_object (result), "status"), "merged"))
            json_object_set_string_member (json_node_get_object (result), "status", "applied");
        }
      else if (row == NULL)
        result = rejected (mutation_id, _("No %s record with id %s"), entity->name, id);
      else if (g_str_equal (op, "update"))
        result = apply_update (db, access, mutation_id, row, base, fields, FALSE, error);
      else
        result = apply_delete (db, access, mutation_id, row, base, error);
    }

store:
  if (result == NULL)
    return NULL;
  text = json_to_string (result, FALSE);
  if (!crm_server_db_put_mutation (db, key, access->user_id, text, error))
    return NULL;
  return g_steal_pointer (&result);
}

/**
 * crm_server_push_in:
 * @body: {"client_id","mutations":[…]}
 *
 * Applies a batch inside the caller's write transaction. A rejected
 * mutation leaves the rest going through: every check that rejects one
 * comes before its first write, so it has nothing to undo, and no
 * savepoint per mutation is needed. A database failure fails the whole
 * batch, and the caller rolls back (to its savepoint, when several
 * batches share a transaction).
 *
 * Returns: (transfer full): {"results":[…]}
 */
JsonNode *
crm_server_push_in (CrmServerDb      *db,
                    CrmServerAccess  *access,
                    JsonNode         *body,
                    GError          **error)
{
  g_autoptr(JsonArray) results = NULL;
  g_autoptr(JsonObject) response = NULL;
  JsonNode *mutations;
  JsonArray *array;
  guint n;

  if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body) ||
      !(mutations = json_object_get_member (json_node_get_object (body), "mutations")) ||
      !JSON_NODE_HOLDS_ARRAY (mutations))
    {
      g_set_error (error, CRM_SERVER_ERROR, CRM_SERVER_ERROR_BAD_REQUEST,
                   _("The body must be {\"client_id\":…,\"mutations\":[…]}"));
      return NULL;
    }
  array = json_node_get_array (mutations);
  n = json_array_get_length (array);
  if (n > MAX_MUTATIONS)
    {
      g_set_error (error, CRM_SERVER_ERROR, CRM_SERVER_ERROR_BAD_REQUEST,
                   _("At most %d mutations per push"), MAX_MUTATIONS);
      return NULL;
    }

  results = json_array_sized_new (n);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      JsonNode *result;

      if (!JSON_NODE_HOLDS_OBJECT (item))
        {
          json_array_add_element (results, rejected (NULL, _("A mutation must be an object")));
          continue;
        }
      if (!(result = crm_server_apply (db, access, json_node_get_object (item), error)))
        return NULL;
      json_array_add_element (results, result);
    }

  response = json_object_new ();
  json_object_set_array_member (response, "results", g_steal_pointer (&results));
  return json_node_init_object (json_node_alloc (), response);
}

/**
 * crm_server_push:
 * @body: {"client_id","mutations":[…]}
 *
 * crm_server_push_in() in a transaction of its own.
 *
 * Returns: (transfer full): {"results":[…]}
 */
JsonNode *
crm_server_push (CrmServerDb      *db,
                 CrmServerAccess  *access,
                 JsonNode         *body,
                 GError          **error)
{
  g_autoptr(JsonNode) response = NULL;

  if (!crm_server_db_begin (db, TRUE, error))
    return NULL;
  if (!(response = crm_server_push_in (db, access, body, error)) ||
      !crm_server_db_commit (db, error))
    {
      crm_server_db_rollback (db);
      return NULL;
    }
  return g_steal_pointer (&response);
}

/* Pull ****************************************************************/

typedef struct
{
  GString *out;
  guint    count;
  guint    limit;
  gint64   last_seq;
  gboolean has_more;
} Page;

static gboolean
append_change_cb (const CrmServerRow *row,
                  gpointer            user_data)
{
  Page *page = user_data;

  if (page->count == page->limit)
    {
      page->has_more = TRUE;
      return FALSE;
    }
  /* Ids, entity names and stored records are our own JSON-safe text */
  g_string_append_printf (page->out,
                          "%s{\"entity\":\"%s\",\"id\":\"%s\",\"version\":%" G_GINT64_FORMAT
                          ",\"deleted\":%s,\"data\":%s}",
                          page->count ? "," : "", row->entity, row->id, row->version,
                          row->deleted ? "true" : "false",
                          row->deleted || row->data == NULL ? "null" : row->data);
  page->count++;
  page->last_seq = row->seq;
  return TRUE;
}

/**
 * crm_server_pull:
 * @cursor: (nullable): where the last page ended; empty for everything
 *
 * One page of the change feed, read in one snapshot.
 *
 * Returns: the response body
 */
/* A cursor is "SEQ.BASE": the last change seen, and the history horizon
 * when the client's pulls began from nothing. Clients keep it opaque. */
static gboolean
parse_cursor (const char *cursor,
              guint64    *seq,
              guint64    *base)
{
  g_auto(GStrv) parts = NULL;

  *seq = 0;
  *base = 0;
  if (cursor == NULL || *cursor == '\0')
    return TRUE;
  parts = g_strsplit (cursor, ".", -1);
  if (g_strv_length (parts) > 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 0, G_MAXINT64, seq, NULL) ||
      (parts[1] && !g_ascii_string_to_unsigned (parts[1], 10, 0, G_MAXINT64, base, NULL)))
    return FALSE;
  return TRUE;
}

char *
crm_server_pull (CrmServerDb      *db,
                 CrmServerAccess  *access,
                 const char       *cursor,
                 guint             limit,
                 GError          **error)
{
  g_autoptr(GString) out = g_string_sized_new (limit * 600);
  CrmServerFilter filter;
  Page page = { out, 0, limit, 0, FALSE };
  guint64 after = 0;
  guint64 base = 0;
  gint64 horizon;
  gint64 last;
  gint64 total = -1;

  if (!parse_cursor (cursor, &after, &base))
    {
      g_set_error (error, CRM_SERVER_ERROR, CRM_SERVER_ERROR_BAD_REQUEST,
                   _("cursor: not a cursor this server gave out"));
      return NULL;
    }

  crm_server_access_filter (access, &filter);
  if (!crm_server_db_begin (db, FALSE, error))
    return NULL;

  horizon = crm_server_db_get_horizon (db);
  last = crm_server_db_get_last_seq (db);
  if (cursor == NULL || *cursor == '\0')
    base = horizon;
  if ((gint64) after > last || (gint64) base > horizon)
    {
      crm_server_db_rollback (db);
      g_set_error (error, CRM_SERVER_ERROR, CRM_SERVER_ERROR_BAD_REQUEST,
                   _("cursor: not a cursor this server gave out"));
      return NULL;
    }
  /* Tombstones before the horizon are forgotten. A client that has seen
   * everything before it, or whose pulls began from nothing after it
   * moved there, misses none; any other must start again. */
  if ((gint64) after + 1 < horizon && (gint64) base < horizon)
    {
      crm_server_db_rollback (db);
      g_set_error (error, CRM_SERVER_ERROR, CRM_SERVER_ERROR_GONE,
                   _("The cursor is older than the server’s history; pull again with an empty cursor"));
      return NULL;
    }

  if (after == 0)
    total = crm_server_db_count_visible (db, &filter);
  g_string_append (out, "{\"changes\":[");
  page.last_seq = after;
  if (!crm_server_db_foreach_change (db, after, limit + 1, &filter, append_change_cb, &page, error))
    {
      crm_server_db_rollback (db);
      return NULL;
    }
  /* Everything up to the snapshot's end has been seen, visible or not, so
   * an idle client's next pull starts past changes it may not read. */
  if (!page.has_more)
    page.last_seq = MAX (page.last_seq, last);
  crm_server_db_commit (db, NULL);

  g_string_append_printf (out, "],\"cursor\":\"%" G_GINT64_FORMAT ".%" G_GUINT64_FORMAT "\",\"has_more\":%s",
                          page.last_seq, base, page.has_more ? "true" : "false");
  /* A first sync learns how much is coming, for its progress bar */
  if (after == 0 && total >= 0)
    g_string_append_printf (out, ",\"total\":%" G_GINT64_FORMAT, total);
  g_string_append_c (out, '}');
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * crm_server_put_seed:
 *
 * Stores a record as it is (version 1), for seeding a server. Call inside
 * a write transaction.
 */
gboolean
crm_server_put_seed (CrmServerDb  *db,
                     CrmRecord    *record,
                     GError      **error)
{
  crm_record_set_version (record, MAX (1, crm_record_get_version (record)));
  return save_record (db, record, error);
}
