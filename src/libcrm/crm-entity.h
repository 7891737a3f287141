/* crm-entity.h: the record types, their fields and how values are checked
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "crm-types.h"

G_BEGIN_DECLS

#define CRM_ENTITY_ERROR (crm_entity_error_quark ())

typedef enum
{
  CRM_ENTITY_ERROR_UNKNOWN_ENTITY,
  CRM_ENTITY_ERROR_UNKNOWN_FIELD,
  CRM_ENTITY_ERROR_INVALID_VALUE,
  CRM_ENTITY_ERROR_MISSING_FIELD,
  CRM_ENTITY_ERROR_READ_ONLY,
} CrmEntityError;

typedef enum
{
  CRM_FIELD_FLAG_NONE     = 0,
  CRM_FIELD_FLAG_REQUIRED = 1 << 0,
} CrmFieldFlags;

struct _CrmField
{
  const char         *name;
  CrmFieldType        type;
  CrmFieldFlags       flags;
  /* DECIMAL: digits after the point; TEXT: maximum length in characters */
  guint               scale_or_length;
  /* DECIMAL and INTEGER bounds, in scaled units */
  gint64              min;
  gint64              max;
  /* REF: the entity referred to; MONEY: the field holding the currency */
  const char         *related;
  /* ENUM: the allowed values, NULL-terminated */
  const char * const *choices;
  /* The value a create gets when the field is not given, as JSON text */
  const char         *default_json;
};

struct _CrmEntity
{
  const char     *name;
  /* The column lists and orders by default */
  const char     *order_by;
  /* The field shown as the record's title */
  const char     *title_field;
  gboolean        searchable;
  const CrmField *fields;
  guint           n_fields;
};

GQuark           crm_entity_error_quark        (void);

const CrmEntity *crm_entity_lookup             (const char       *name);
const CrmEntity *crm_entity_lookup_checked     (const char       *name,
                                                GError          **error);
const CrmEntity * const *
                 crm_entity_list_all           (guint            *n_entities);
const CrmField  *crm_entity_get_field          (const CrmEntity  *entity,
                                                const char       *name);
const CrmField  *crm_entity_get_field_checked  (const CrmEntity  *entity,
                                                const char       *name,
                                                GError          **error);
gboolean         crm_entity_is_system_field    (const char       *name);

const char      *crm_field_type_to_string      (CrmFieldType      type);
JsonNode        *crm_field_parse_text          (const CrmField   *field,
                                                const char       *text,
                                                GError          **error);
JsonNode        *crm_field_normalize           (const CrmField   *field,
                                                JsonNode         *value,
                                                const char       *currency,
                                                GError          **error);
gboolean         crm_field_to_sql_integer      (const CrmField   *field,
                                                JsonNode         *value,
                                                const char       *currency,
                                                gint64           *out_value,
                                                GError          **error);
JsonNode        *crm_field_from_sql_integer    (const CrmField   *field,
                                                gint64            value,
                                                const char       *currency);
gboolean         crm_field_stores_integer      (const CrmField   *field);
gboolean         crm_field_stores_json         (const CrmField   *field);

gboolean         crm_values_equal              (JsonNode         *a,
                                                JsonNode         *b);
gboolean         crm_is_uuid                   (const char       *text);
char            *crm_timestamp_now             (void);

G_END_DECLS
