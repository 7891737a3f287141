/* crm-record.c: one record of any entity, and its JSON codec
 *
 * The descriptor of an entity (crm-entity.c) drives this one codec, so every
 * record type is encoded and checked the same way by the client, crm-cli and
 * the server. Field values are held in their canonical JSON form: amounts
 * and decimals as strings, dates as ISO 8601 strings.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-record"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "crm-record.h"

struct _CrmRecord
{
  GObject          parent_instance;

  const CrmEntity *entity;
  char            *id;
  gint64           version;
  char            *created_at;
  char            *updated_at;
  char            *owner_id;
  gboolean         deleted;
  /* One node per field of the entity, in descriptor order; NULL = unset */
  JsonNode       **values;
};

G_DEFINE_FINAL_TYPE (CrmRecord, crm_record, G_TYPE_OBJECT)

/* Helpers *************************************************************/

/* g_set_str() is GLib 2.76; Debian 12 has 2.74 */
static void
replace_str (char       **slot,
             const char  *value)
{
  char *copy = g_strdup (value);

  g_free (*slot);
  *slot = copy;
}

static int
field_index (CrmRecord  *self,
             const char *name)
{
  for (guint i = 0; i < self->entity->n_fields; i++)
    if (g_str_equal (self->entity->fields[i].name, name))
      return (int) i;
  return -1;
}

static const char *
currency_for (CrmRecord      *self,
              const CrmField *field)
{
  int i;

  if (field->type != CRM_FIELD_MONEY)
    return NULL;
  i = field_index (self, field->related);
  g_assert (i >= 0);
  if (self->values[i] == NULL || JSON_NODE_HOLDS_NULL (self->values[i]))
    return NULL;
  return json_node_get_string (self->values[i]);
}

static const char *
member_string (JsonObject  *object,
               const char  *name,
               GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE,
                   _("%s: expected text"), name);
      return NULL;
    }
  return json_node_get_string (node);
}

/* GObject overrides ***************************************************/

static void
crm_record_finalize (GObject *object)
{
  CrmRecord *self = (CrmRecord *) object;

  for (guint i = 0; i < self->entity->n_fields; i++)
    g_clear_pointer (&self->values[i], json_node_unref);
  g_clear_pointer (&self->values, g_free);
  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->created_at, g_free);
  g_clear_pointer (&self->updated_at, g_free);
  g_clear_pointer (&self->owner_id, g_free);

  G_OBJECT_CLASS (crm_record_parent_class)->finalize (object);
}

static void
crm_record_class_init (CrmRecordClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = crm_record_finalize;
}

static void
crm_record_init (CrmRecord *self)
{
}

/* Public API **********************************************************/

/**
 * crm_record_new:
 * @entity: the record's type
 * @id: (nullable): the record's id, or %NULL for a fresh random UUID
 */
CrmRecord *
crm_record_new (const CrmEntity *entity,
                const char      *id)
{
  CrmRecord *self;

  g_return_val_if_fail (entity != NULL, NULL);
  g_return_val_if_fail (id == NULL || crm_is_uuid (id), NULL);

  self = g_object_new (CRM_TYPE_RECORD, NULL);
  self->entity = entity;
  self->id = id ? g_ascii_strdown (id, -1) : g_uuid_string_random ();
  self->values = g_new0 (JsonNode *, entity->n_fields);

  return self;
}

const CrmEntity *
crm_record_get_entity (CrmRecord *self)
{
  g_return_val_if_fail (CRM_IS_RECORD (self), NULL);
  return self->entity;
}

const char *
crm_record_get_id (CrmRecord *self)
{
  g_return_val_if_fail (CRM_IS_RECORD (self), NULL);
  return self->id;
}

gint64
crm_record_get_version (CrmRecord *self)
{
  g_return_val_if_fail (CRM_IS_RECORD (self), 0);
  return self->version;
}

void
crm_record_set_version (CrmRecord *self,
                        gint64     version)
{
  g_return_if_fail (CRM_IS_RECORD (self));
  g_return_if_fail (version >= 0);
  self->version = version;
}

const char *
crm_record_get_created_at (CrmRecord *self)
{
  g_return_val_if_fail (CRM_IS_RECORD (self), NULL);
  return self->created_at;
}

const char *
crm_record_get_updated_at (CrmRecord *self)
{
  g_return_val_if_fail (CRM_IS_RECORD (self), NULL);
  return self->updated_at;
}

void
crm_record_set_timestamps (CrmRecord  *self,
                           const char *created_at,
                           const char *updated_at)
{
  g_return_if_fail (CRM_IS_RECORD (self));

  if (created_at != NULL)
    replace_str (&self->created_at, created_at);
  if (updated_at != NULL)
    replace_str (&self->updated_at, updated_at);
}

const char *
crm_record_get_owner_id (CrmRecord *self)
{
  g_return_val_if_fail (CRM_IS_RECORD (self), NULL);
  return self->owner_id;
}

void
crm_record_set_owner_id (CrmRecord  *self,
                         const char *owner_id)
{
  g_return_if_fail (CRM_IS_RECORD (self));
  replace_str (&self->owner_id, owner_id);
}

gboolean
crm_record_get_deleted (CrmRecord *self)
{
  g_return_val_if_fail (CRM_IS_RECORD (self), FALSE);
  return self->deleted;
}

void
crm_record_set_deleted (CrmRecord *self,
                        gboolean   deleted)
{
  g_return_if_fail (CRM_IS_RECORD (self));
  self->deleted = !!deleted;
}

/**
 * crm_record_get_field:
 *
 * Returns: (transfer none) (nullable): the field's canonical value; a JSON
 *   null node or %NULL when the field has no value
 */
JsonNode *
crm_record_get_field (CrmRecord  *self,
                      const char *name)
{
  int i;

  g_return_val_if_fail (CRM_IS_RECORD (self), NULL);

  if ((i = field_index (self, name)) < 0)
    return NULL;
  return self->values[i];
}

const char *
crm_record_get_string (CrmRecord  *self,
                       const char *name)
{
  JsonNode *node = crm_record_get_field (self, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/**
 * crm_record_take_field:
 * @value: (transfer full) (nullable): an already canonical value
 *
 * Stores a value without checking it; for values read back from the store.
 */
void
crm_record_take_field (CrmRecord  *self,
                       const char *name,
                       JsonNode   *value)
{
  int i;

  g_return_if_fail (CRM_IS_RECORD (self));

  i = field_index (self, name);
  g_return_if_fail (i >= 0);
  g_clear_pointer (&self->values[i], json_node_unref);
  self->values[i] = value;
}

/**
 * crm_record_set_field:
 * @value: (transfer none) (nullable): the new value, in JSON form
 *
 * Checks @value against the field and stores its canonical form. Money is
 * checked against the record's currency as it is now; set the currency
 * first, or call crm_record_validate() after setting everything.
 */
gboolean
crm_record_set_field (CrmRecord   *self,
                      const char  *name,
                      JsonNode    *value,
                      GError     **error)
{
  const CrmField *field;
  JsonNode *canonical;

  g_return_val_if_fail (CRM_IS_RECORD (self), FALSE);

  if (!(field = crm_entity_get_field_checked (self->entity, name, error)))
    return FALSE;

  /* Money depends on the currency; check it once everything is set */
  if (field->type == CRM_FIELD_MONEY && value != NULL && !JSON_NODE_HOLDS_NULL (value) &&
      currency_for (self, field) == NULL)
    {
      crm_record_take_field (self, name, json_node_copy (value));
      return TRUE;
    }

  if (!(canonical = crm_field_normalize (field, value, currency_for (self, field), error)))
    return FALSE;
  crm_record_take_field (self, name, canonical);
  return TRUE;
}

/**
 * crm_record_validate:
 *
 * Checks every field, including required ones and amounts against the
 * final currency, and leaves each value in canonical form.
 */
gboolean
crm_record_validate (CrmRecord  *self,
                     GError    **error)
{
  g_return_val_if_fail (CRM_IS_RECORD (self), FALSE);

  /* Currencies first, so amounts are checked against them */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < self->entity->n_fields; i++)
      {
        const CrmField *field = &self->entity->fields[i];
        JsonNode *canonical;

        if ((field->type == CRM_FIELD_MONEY) != (pass == 1))
          continue;
        if (!(canonical = crm_field_normalize (field, self->values[i],
                                               currency_for (self, field), error)))
          return FALSE;
        g_clear_pointer (&self->values[i], json_node_unref);
        self->values[i] = canonical;
      }

  return TRUE;
}

/**
 * crm_record_new_from_json:
 * @node: a JSON object as crm_record_to_json() writes it
 *
 * Decodes and checks a record. Unknown members are an error naming them;
 * missing fields take their defaults; system members are optional.
 */
CrmRecord *
crm_record_new_from_json (const CrmEntity  *entity,
                          JsonNode         *node,
                          GError          **error)
{
  g_autoptr(CrmRecord) self = NULL;
  g_autoptr(GList) members = NULL;
  JsonObject *object;
  const char *id;
  const char *text;
  JsonNode *member;

  g_return_val_if_fail (entity != NULL, NULL);
  g_return_val_if_fail (node != NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE,
                   _("A %s record must be a JSON object"), entity->name);
      return NULL;
    }
  object = json_node_get_object (node);

  members = json_object_get_members (object);
  for (const GList *l = members; l; l = l->next)
    if (!crm_entity_is_system_field (l->data) &&
        !crm_entity_get_field_checked (entity, l->data, error))
      return NULL;

  id = member_string (object, "id", error);
  if (error && *error)
    return NULL;
  if (id != NULL && !crm_is_uuid (id))
    {
      g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE,
                   _("id: “%s” is not a UUID"), id);
      return NULL;
    }

  self = crm_record_new (entity, id);

  if ((member = json_object_get_member (object, "version")) && !JSON_NODE_HOLDS_NULL (member))
    {
      if (!JSON_NODE_HOLDS_VALUE (member) ||
          json_node_get_value_type (member) != G_TYPE_INT64 ||
          json_node_get_int (member) < 0)
        {
          g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE,
                       _("version: expected a whole number of at least 0"));
          return NULL;
        }
      self->version = json_node_get_int (member);
    }

  if ((member = json_object_get_member (object, "deleted")) && !JSON_NODE_HOLDS_NULL (member))
    {
      if (!JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_BOOLEAN)
        {
          g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE,
                       _("deleted: expected true or false"));
          return NULL;
        }
      self->deleted = json_node_get_boolean (member);
    }

  if ((text = member_string (object, "owner_id", error)))
    {
      if (!crm_is_uuid (text))
        {
          g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE,
                       _("owner_id: “%s” is not a UUID"), text);
          return NULL;
        }
      self->owner_id = g_ascii_strdown (text, -1);
    }
  if (error && *error)
    return NULL;
  self->created_at = g_strdup (member_string (object, "created_at", error));
  if (error && *error)
    return NULL;
  self->updated_at = g_strdup (member_string (object, "updated_at", error));
  if (error && *error)
    return NULL;

  for (guint i = 0; i < entity->n_fields; i++)
    {
      const CrmField *field = &entity->fields[i];

      if ((member = json_object_get_member (object, field->name)))
        self->values[i] = json_node_copy (member);
      else if (field->default_json != NULL)
        self->values[i] = json_from_string (field->default_json, NULL);
    }

  if (!crm_record_validate (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * crm_record_to_json:
 *
 * Returns: (transfer full): the record as a JSON object: the system members
 *   first, then every field in the entity's order (null when unset)
 */
JsonNode *
crm_record_to_json (CrmRecord *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (CRM_IS_RECORD (self), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, self->id);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, self->version);
  json_builder_set_member_name (builder, "created_at");
  if (self->created_at)
    json_builder_add_string_value (builder, self->created_at);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "updated_at");
  if (self->updated_at)
    json_builder_add_string_value (builder, self->updated_at);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "owner_id");
  if (self->owner_id)
    json_builder_add_string_value (builder, self->owner_id);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "deleted");
  json_builder_add_boolean_value (builder, self->deleted);

  for (guint i = 0; i < self->entity->n_fields; i++)
    {
      json_builder_set_member_name (builder, self->entity->fields[i].name);
      if (self->values[i] != NULL)
        json_builder_add_value (builder, json_node_copy (self->values[i]));
      else
        json_builder_add_null_value (builder);
    }
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

char *
crm_record_to_json_string (CrmRecord *self,
                           gboolean   pretty)
{
  g_autoptr(JsonNode) node = crm_record_to_json (self);

  return json_to_string (node, pretty);
}

CrmRecord *
crm_record_copy (CrmRecord *self)
{
  CrmRecord *copy;

  g_return_val_if_fail (CRM_IS_RECORD (self), NULL);

  copy = crm_record_new (self->entity, self->id);
  copy->version = self->version;
  copy->deleted = self->deleted;
  copy->created_at = g_strdup (self->created_at);
  copy->updated_at = g_strdup (self->updated_at);
  copy->owner_id = g_strdup (self->owner_id);
  for (guint i = 0; i < self->entity->n_fields; i++)
    if (self->values[i])
      copy->values[i] = json_node_copy (self->values[i]);

  return copy;
}

/**
 * crm_record_dup_title:
 *
 * Returns: the text a list shows for the record: a contact's full name,
 *   otherwise the entity's title field
 */
char *
crm_record_dup_title (CrmRecord *self)
{
  g_return_val_if_fail (CRM_IS_RECORD (self), NULL);

  if (g_str_equal (self->entity->name, "contacts"))
    {
      const char *first = crm_record_get_string (self, "first_name");
      const char *last = crm_record_get_string (self, "last_name");

      return g_strstrip (g_strdup_printf ("%s %s", first ? first : "", last ? last : ""));
    }
  return g_strdup (crm_record_get_string (self, self->entity->title_field));
}
