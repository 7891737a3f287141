/* crm-entity.c: the record types, their fields and how values are checked
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-entity"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>

#include "crm-entity.h"
#include "crm-money.h"

G_DEFINE_QUARK (crm-entity-error-quark, crm_entity_error)

/* Descriptors *********************************************************/

#define PERCENT_MAX G_GINT64_CONSTANT (10000)  /* 100 at scale 2 */

static const char * const roles[] = { "rep", "manager", "admin", NULL };
static const char * const forecast_categories[] = {
  "pipeline", "best_case", "commit", "closed", "omitted", NULL
};
static const char * const adjustment_categories[] = { "commit", "best_case", NULL };
static const char * const activity_kinds[] = { "call", "meeting", "task", "note", NULL };
static const char * const quote_statuses[] = {
  "draft", "sent", "accepted", "rejected", "expired", NULL
};
static const char * const quote_tax_modes[] = { "document", "per-line", NULL };
static const char * const quote_roundings[] = { "half-up", "half-even", "down", NULL };

#define TEXT(n, len)        { n, CRM_FIELD_TEXT, 0, len, 0, 0, NULL, NULL, NULL }
#define TEXT_REQ(n, len)    { n, CRM_FIELD_TEXT, CRM_FIELD_FLAG_REQUIRED, len, 0, 0, NULL, NULL, NULL }
#define ENUM(n, c, def)     { n, CRM_FIELD_ENUM, 0, 0, 0, 0, NULL, c, def }
#define ENUM_REQ(n, c, def) { n, CRM_FIELD_ENUM, CRM_FIELD_FLAG_REQUIRED, 0, 0, 0, NULL, c, def }
#define REF(n, e)           { n, CRM_FIELD_REF, 0, 0, 0, 0, e, NULL, NULL }
#define REF_REQ(n, e)       { n, CRM_FIELD_REF, CRM_FIELD_FLAG_REQUIRED, 0, 0, 0, e, NULL, NULL }
#define MONEY(n, cur, def)  { n, CRM_FIELD_MONEY, 0, 0, 0, 0, cur, NULL, def }
#define MONEY_REQ(n, cur)   { n, CRM_FIELD_MONEY, CRM_FIELD_FLAG_REQUIRED, 0, 0, 0, cur, NULL, NULL }
#define DECIMAL(n, s, lo, hi)     { n, CRM_FIELD_DECIMAL, 0, s, lo, hi, NULL, NULL, NULL }
#define DECIMAL_REQ(n, s, lo, hi) { n, CRM_FIELD_DECIMAL, CRM_FIELD_FLAG_REQUIRED, s, lo, hi, NULL, NULL, NULL }
#define INTEGER(n, lo, hi, def)   { n, CRM_FIELD_INTEGER, 0, 0, lo, hi, NULL, NULL, def }
#define INTEGER_REQ(n, lo, hi)    { n, CRM_FIELD_INTEGER, CRM_FIELD_FLAG_REQUIRED, 0, lo, hi, NULL, NULL, NULL }
#define BOOLEAN(n)          { n, CRM_FIELD_BOOLEAN, 0, 0, 0, 0, NULL, NULL, "false" }
#define DATE(n)             { n, CRM_FIELD_DATE, 0, 0, 0, 0, NULL, NULL, NULL }
#define DATETIME(n)         { n, CRM_FIELD_DATETIME, 0, 0, 0, 0, NULL, NULL, NULL }
#define CURRENCY_REQ(n)     { n, CRM_FIELD_CURRENCY, CRM_FIELD_FLAG_REQUIRED, 0, 0, 0, NULL, NULL, NULL }
#define CONTACT_POINTS(n)   { n, CRM_FIELD_CONTACT_POINTS, 0, 0, 0, 0, NULL, NULL, "[]" }
#define QUOTE_LINES(n)      { n, CRM_FIELD_QUOTE_LINES, 0, 0, 0, 0, NULL, NULL, "[]" }
#define PRICES(n)           { n, CRM_FIELD_PRICES, 0, 0, 0, 0, NULL, NULL, "{}" }

static const CrmField user_fields[] = {
  TEXT_REQ ("name", 200),
  TEXT ("email", 320),
  ENUM_REQ ("role", roles, "\"rep\""),
  REF ("manager_id", "users"),
};

static const CrmField account_fields[] = {
  TEXT_REQ ("name", 300),
  TEXT ("industry", 100),
  TEXT ("website", 500),
  TEXT ("phone", 50),
  TEXT ("address", 1000),
  /* In the company currency, whole units with cents; informational only */
  DECIMAL ("annual_revenue", 2, 0, G_MAXINT64),
};

static const CrmField contact_fields[] = {
  TEXT ("first_name", 200),
  TEXT ("last_name", 200),
  TEXT ("title", 200),
  REF ("account_id", "accounts"),
  CONTACT_POINTS ("emails"),
  CONTACT_POINTS ("phones"),
  TEXT ("address", 1000),
  TEXT ("notes", 100000),
};

static const CrmField stage_fields[] = {
  TEXT_REQ ("name", 100),
  INTEGER_REQ ("position", 0, 10000),
  DECIMAL_REQ ("probability", 2, 0, PERCENT_MAX),
  ENUM_REQ ("forecast_category", forecast_categories, "\"pipeline\""),
  BOOLEAN ("is_won"),
  BOOLEAN ("is_lost"),
};

static const CrmField opportunity_fields[] = {
  TEXT_REQ ("name", 300),
  REF ("account_id", "accounts"),
  REF ("contact_id", "contacts"),
  REF_REQ ("stage_id", "stages"),
  MONEY ("amount", "currency", "\"0\""),
  CURRENCY_REQ ("currency"),
  /* NULL: the stage's probability applies */
  DECIMAL ("probability", 2, 0, PERCENT_MAX),
  DATE ("expected_close_date"),
  /* NULL: the stage's category applies */
  ENUM ("forecast_category", forecast_categories, NULL),
  TEXT ("next_step", 500),
  TEXT ("lost_reason", 500),
};

static const CrmField activity_fields[] = {
  ENUM_REQ ("kind", activity_kinds, NULL),
  TEXT_REQ ("subject", 500),
  DATETIME ("due_at"),
  BOOLEAN ("done"),
  REF ("contact_id", "contacts"),
  REF ("account_id", "accounts"),
  REF ("opportunity_id", "opportunities"),
  TEXT ("notes", 100000),
};

static const CrmField product_fields[] = {
  TEXT_REQ ("sku", 100),
  TEXT_REQ ("name", 300),
  TEXT ("description", 5000),
  TEXT ("unit", 50),
  DECIMAL_REQ ("unit_price", 4, G_MININT64, G_MAXINT64),
  CURRENCY_REQ ("currency"),
  DECIMAL ("tax_rate", 4, 0, 1000000),
  /* The prices in other currencies than unit_price's: {"USD": "260.00"} */
  PRICES ("prices"),
};

static const CrmField quote_fields[] = {
  TEXT_REQ ("number", 100),
  INTEGER ("revision", 1, 10000, "1"),
  ENUM_REQ ("status", quote_statuses, "\"draft\""),
  REF ("opportunity_id", "opportunities"),
  REF ("account_id", "accounts"),
  REF ("contact_id", "contacts"),
  CURRENCY_REQ ("currency"),
  DATE ("valid_until"),
  TEXT ("terms", 5000),
  TEXT ("notes", 100000),
  QUOTE_LINES ("lines"),
  DECIMAL ("discount_percent", 4, 0, 1000000),
  MONEY ("discount_amount", "currency", NULL),
  MONEY ("shipping", "currency", "\"0\""),
  DECIMAL ("shipping_tax_rate", 4, 0, 1000000),
  /* How the totals are computed: the company's choice when the quote
   * was made (NULL: document and half-up), kept so the server computes
   * the same way */
  ENUM ("tax_mode", quote_tax_modes, NULL),
  ENUM ("rounding", quote_roundings, NULL),
  /* What the quote engine makes of the lines (crm-quote-record.c);
   * "shipping" above is both the input and the total's shipping */
  MONEY ("subtotal", "currency", NULL),
  MONEY ("discount", "currency", NULL),
  MONEY ("tax", "currency", NULL),
  MONEY ("total", "currency", NULL),
  /* The revision this one was revised from */
  REF ("previous_id", "quotes"),
};

static const CrmField quota_fields[] = {
  REF_REQ ("user_id", "users"),
  TEXT_REQ ("period", 10),
  MONEY_REQ ("amount", "currency"),
  CURRENCY_REQ ("currency"),
};

static const CrmField forecast_adjustment_fields[] = {
  REF_REQ ("user_id", "users"),
  TEXT_REQ ("period", 10),
  ENUM_REQ ("category", adjustment_categories, NULL),
  MONEY_REQ ("amount", "currency"),
  CURRENCY_REQ ("currency"),
  TEXT ("note", 255),
  REF ("author_id", "users"),
  BOOLEAN ("reverted"),
};

static const CrmField currency_fields[] = {
  CURRENCY_REQ ("code"),
  TEXT ("name", 100),
  TEXT ("symbol", 10),
};

static const CrmField exchange_rate_fields[] = {
  CURRENCY_REQ ("currency"),
  CURRENCY_REQ ("base_currency"),
  DECIMAL_REQ ("rate", 8, 1, G_MAXINT64),
  { "effective_date", CRM_FIELD_DATE, CRM_FIELD_FLAG_REQUIRED, 0, 0, 0, NULL, NULL, NULL },
};

#define ENTITY(n, order, title, search, f) \
  { n, order, title, search, f, G_N_ELEMENTS (f) }

static const CrmEntity entities[] = {
  ENTITY ("users", "name", "name", FALSE, user_fields),
  ENTITY ("accounts", "name", "name", TRUE, account_fields),
  ENTITY ("contacts", "last_name, first_name", "last_name", TRUE, contact_fields),
  ENTITY ("stages", "position", "name", FALSE, stage_fields),
  ENTITY ("opportunities", "expected_close_date, name", "name", TRUE, opportunity_fields),
  ENTITY ("activities", "due_at", "subject", FALSE, activity_fields),
  ENTITY ("products", "sku", "name", TRUE, product_fields),
  ENTITY ("quotes", "number, revision", "number", FALSE, quote_fields),
  ENTITY ("quotas", "period", "period", FALSE, quota_fields),
  ENTITY ("forecast_adjustments", "created_at", "period", FALSE, forecast_adjustment_fields),
  ENTITY ("currencies", "code", "code", FALSE, currency_fields),
  ENTITY ("exchange_rates", "effective_date", "currency", FALSE, exchange_rate_fields),
};

static const char * const system_fields[] = {
  "id", "version", "created_at", "updated_at", "owner_id", "deleted", NULL
};

/* Helpers *************************************************************/

static gboolean
set_invalid (GError     **error,
             const char  *field,
             const char  *message)
{
  g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE,
               "%s: %s", field, message);
  return FALSE;
}

static const char *
node_string (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonNode *
string_node (const char *text)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, text);
  return node;
}

static gboolean
parse_date (const char *text,
            GDate      *date)
{
  guint y, m, d;
  char tail;

  if (strlen (text) != 10 || text[4] != '-' || text[7] != '-')
    return FALSE;
  if (sscanf (text, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3)
    return FALSE;
  if (!g_date_valid_dmy (d, m, y))
    return FALSE;
  g_date_set_dmy (date, d, m, y);
  return TRUE;
}

static JsonNode *
normalize_decimal (const CrmField  *field,
                   const char      *text,
                   GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 value;

  if (!crm_decimal_parse (text, field->scale_or_length, &value, &local_error))
    {
      set_invalid (error, field->name, local_error->message);
      return NULL;
    }
  if (value < field->min || value > field->max)
    {
      g_autofree char *lo = crm_decimal_format_trimmed (field->min, field->scale_or_length);
      g_autofree char *hi = crm_decimal_format_trimmed (field->max, field->scale_or_length);
      g_autofree char *msg = NULL;

      if (field->max == G_MAXINT64)
        msg = g_strdup_printf (_("“%s” must be at least %s"), text, lo);
      else
        msg = g_strdup_printf (_("“%s” must be between %s and %s"), text, lo, hi);
      set_invalid (error, field->name, msg);
      return NULL;
    }
  {
    g_autofree char *canonical = crm_decimal_format_trimmed (value, field->scale_or_length);
    return string_node (canonical);
  }
}

static JsonNode *
normalize_contact_points (const CrmField  *field,
                          JsonNode        *value,
                          GError         **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  gboolean is_email = g_str_equal (field->name, "emails");
  JsonArray *array;
  guint n;

  if (!JSON_NODE_HOLDS_ARRAY (value))
    {
      set_invalid (error, field->name,
                   _("expected a list like [{\"type\":\"work\",\"value\":\"…\"}]"));
      return NULL;
    }

  array = json_node_get_array (value);
  n = json_array_get_length (array);
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      JsonObject *object;
      const char *type = "other";
      const char *text;

      if (!JSON_NODE_HOLDS_OBJECT (item))
        {
          set_invalid (error, field->name, _("each entry must be an object with “type” and “value”"));
          return NULL;
        }
      object = json_node_get_object (item);
      if (json_object_has_member (object, "type"))
        {
          type = node_string (json_object_get_member (object, "type"));
          if (type == NULL || *type == '\0' || strlen (type) > 30)
            {
              set_invalid (error, field->name, _("an entry’s “type” must be a short text such as work, home or mobile"));
              return NULL;
            }
        }
      text = node_string (json_object_get_member (object, "value"));
      if (text == NULL || text[strspn (text, " \t\n")] == '\0' || strlen (text) > 320)
        {
          set_invalid (error, field->name, _("each entry needs a non-empty “value”"));
          return NULL;
        }
      if (is_email && strchr (text, '@') == NULL)
        {
          g_autofree char *msg = g_strdup_printf (_("“%s” is not an email address"), text);
          set_invalid (error, field->name, msg);
          return NULL;
        }
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, type);
      json_builder_set_member_name (builder, "value");
      json_builder_add_string_value (builder, text);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  return json_builder_get_root (builder);
}

typedef struct
{
  const char *name;
  guint       scale;
  gboolean    required;
} LineDecimal;

static const LineDecimal line_decimals[] = {
  { "quantity", 4, FALSE },
  { "unit_price", 4, FALSE },
  { "discount_percent", 4, FALSE },
  { "discount_amount", 4, FALSE },
  { "tax_rate", 4, FALSE },
};

static JsonNode *
normalize_quote_lines (const CrmField  *field,
                       JsonNode        *value,
                       GError         **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  JsonArray *array;
  guint n;

  if (!JSON_NODE_HOLDS_ARRAY (value))
    {
      set_invalid (error, field->name, _("expected a list of quote lines"));
      return NULL;
    }

  array = json_node_get_array (value);
  n = json_array_get_length (array);
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      JsonObject *object;
      const char *kind = "item";
      const char *text;
      g_autoptr(GList) members = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (item))
        {
          g_autofree char *msg = g_strdup_printf (_("line %u is not an object"), i + 1);
          set_invalid (error, field->name, msg);
          return NULL;
        }
      object = json_node_get_object (item);

      members = json_object_get_members (object);
      for (const GList *l = members; l; l = l->next)
        {
          static const char * const known[] = {
            "kind", "description", "product_id", "quantity", "unit_price",
            "discount_percent", "discount_amount", "tax_rate", NULL
          };
          if (!g_strv_contains (known, l->data))
            {
              g_autofree char *msg = g_strdup_printf (_("line %u has an unknown member “%s”"),
                                                      i + 1, (const char *) l->data);
              set_invalid (error, field->name, msg);
              return NULL;
            }
        }

      json_builder_begin_object (builder);
      if (json_object_has_member (object, "kind"))
        {
          kind = node_string (json_object_get_member (object, "kind"));
          if (kind == NULL || !(g_str_equal (kind, "item") || g_str_equal (kind, "section")))
            {
              g_autofree char *msg = g_strdup_printf (_("line %u: “kind” must be item or section"), i + 1);
              set_invalid (error, field->name, msg);
              return NULL;
            }
        }
      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder, kind);

      text = node_string (json_object_get_member (object, "description"));
      json_builder_set_member_name (builder, "description");
      json_builder_add_string_value (builder, text ? text : "");

      if (json_object_has_member (object, "product_id"))
        {
          text = node_string (json_object_get_member (object, "product_id"));
          if (text == NULL || !crm_is_uuid (text))
            {
              g_autofree char *msg = g_strdup_printf (_("line %u: “product_id” must be a record id"), i + 1);
              set_invalid (error, field->name, msg);
              return NULL;
            }
          json_builder_set_member_name (builder, "product_id");
          json_builder_add_string_value (builder, text);
        }

      for (guint j = 0; j < G_N_ELEMENTS (line_decimals); j++)
        {
          const LineDecimal *d = &line_decimals[j];
          g_autoptr(GError) local_error = NULL;
          g_autofree char *canonical = NULL;
          gint64 scaled;

          if (!json_object_has_member (object, d->name))
            continue;
          text = node_string (json_object_get_member (object, d->name));
          if (text == NULL ||
              !crm_decimal_parse (text, d->scale, &scaled, &local_error))
            {
              g_autofree char *msg = g_strdup_printf (_("line %u: “%s” must be a decimal string%s%s"),
                                                      i + 1, d->name,
                                                      local_error ? ": " : "",
                                                      local_error ? local_error->message : "");
              set_invalid (error, field->name, msg);
              return NULL;
            }
          canonical = crm_decimal_format_trimmed (scaled, d->scale);
          json_builder_set_member_name (builder, d->name);
          json_builder_add_string_value (builder, canonical);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  return json_builder_get_root (builder);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* {"USD": "260.00", …}: each member an ISO 4217 code and an amount in
 * that currency's minor digits, kept in code order. */
static JsonNode *
normalize_prices (const CrmField  *field,
                  JsonNode        *value,
                  GError         **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GPtrArray) codes = NULL;
  JsonObject *object;
  g_autoptr(GList) members = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (value))
    {
      set_invalid (error, field->name, _("expected prices by currency, such as {\"USD\": \"260.00\"}"));
      return NULL;
    }
  object = json_node_get_object (value);
  members = json_object_get_members (object);
  codes = g_ptr_array_new ();
  for (const GList *l = members; l; l = l->next)
    g_ptr_array_add (codes, l->data);
  g_ptr_array_sort (codes, compare_strings);

  json_builder_begin_object (builder);
  for (guint i = 0; i < codes->len; i++)
    {
      const char *code = g_ptr_array_index (codes, i);
      const char *text = node_string (json_object_get_member (object, code));
      g_autoptr(GError) local_error = NULL;
      g_autofree char *canonical = NULL;
      CrmMoney money;

      if (!crm_currency_is_valid (code))
        {
          g_autofree char *msg = g_strdup_printf (_("“%s” is not an ISO 4217 currency code such as EUR or USD"), code);
          set_invalid (error, field->name, msg);
          return NULL;
        }
      if (text == NULL || !crm_money_parse (text, code, &money, &local_error))
        {
          g_autofree char *msg = g_strdup_printf (_("%s: %s"), code,
                                                  local_error ? local_error->message
                                                              : _("expected an amount as a decimal string"));
          set_invalid (error, field->name, msg);
          return NULL;
        }
      canonical = crm_money_format (&money);
      json_builder_set_member_name (builder, code);
      json_builder_add_string_value (builder, canonical);
    }
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/* "USD:260.00,GBP:210" or a JSON object */
static JsonNode *
parse_prices_text (const CrmField  *field,
                   const char      *text,
                   GError         **error)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_auto(GStrv) items = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (*text == '{')
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) local_error = NULL;

      if (!json_parser_load_from_data (parser, text, -1, &local_error))
        {
          g_autofree char *msg = g_strdup_printf (_("not valid JSON: %s"), local_error->message);
          set_invalid (error, field->name, msg);
          return NULL;
        }
      return normalize_prices (field, json_parser_get_root (parser), error);
    }

  items = g_strsplit (text, ",", -1);
  for (guint i = 0; items[i]; i++)
    {
      char *item = g_strstrip (items[i]);
      char *colon = strchr (item, ':');

      if (*item == '\0')
        continue;
      if (colon == NULL)
        {
          g_autofree char *msg = g_strdup_printf (_("“%s” is not a price like USD:260.00"), item);
          set_invalid (error, field->name, msg);
          return NULL;
        }
      *colon = '\0';
      json_object_set_string_member (object, g_strstrip (item), g_strstrip (colon + 1));
    }
  node = json_node_init_object (json_node_alloc (), object);
  return normalize_prices (field, node, error);
}

/* Public API **********************************************************/

const CrmEntity *
crm_entity_lookup (const char *name)
{
  if (name == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
    if (g_str_equal (entities[i].name, name))
      return &entities[i];
  return NULL;
}

const CrmEntity *
crm_entity_lookup_checked (const char  *name,
                           GError     **error)
{
  const CrmEntity *entity = crm_entity_lookup (name);

  if (entity == NULL)
    {
      g_autoptr(GString) known = g_string_new (NULL);

      for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
        g_string_append_printf (known, "%s%s", i ? ", " : "", entities[i].name);
      g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_UNKNOWN_ENTITY,
                   _("Unknown entity “%s” (known: %s)"), name ? name : "", known->str);
    }
  return entity;
}

const CrmEntity * const *
crm_entity_list_all (guint *n_entities)
{
  static const CrmEntity *all[G_N_ELEMENTS (entities) + 1];

  if (all[0] == NULL)
    for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
      all[i] = &entities[i];
  if (n_entities)
    *n_entities = G_N_ELEMENTS (entities);
  return all;
}

const CrmField *
crm_entity_get_field (const CrmEntity *entity,
                      const char      *name)
{
  g_return_val_if_fail (entity != NULL, NULL);

  if (name == NULL)
    return NULL;
  for (guint i = 0; i < entity->n_fields; i++)
    if (g_str_equal (entity->fields[i].name, name))
      return &entity->fields[i];
  return NULL;
}

const CrmField *
crm_entity_get_field_checked (const CrmEntity  *entity,
                              const char       *name,
                              GError          **error)
{
  const CrmField *field = crm_entity_get_field (entity, name);

  if (field == NULL)
    {
      if (crm_entity_is_system_field (name))
        g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_READ_ONLY,
                     _("Field “%s” of %s is maintained by Crm and cannot be set"),
                     name, entity->name);
      else
        {
          g_autoptr(GString) known = g_string_new (NULL);

          for (guint i = 0; i < entity->n_fields; i++)
            g_string_append_printf (known, "%s%s", i ? ", " : "", entity->fields[i].name);
          g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_UNKNOWN_FIELD,
                       _("Unknown field “%s” for %s (known: %s)"),
                       name ? name : "", entity->name, known->str);
        }
    }
  return field;
}

gboolean
crm_entity_is_system_field (const char *name)
{
  return name != NULL && g_strv_contains (system_fields, name);
}

const char *
crm_field_type_to_string (CrmFieldType type)
{
  switch (type)
    {
    case CRM_FIELD_TEXT: return "text";
    case CRM_FIELD_ENUM: return "enum";
    case CRM_FIELD_REF: return "reference";
    case CRM_FIELD_MONEY: return "money";
    case CRM_FIELD_DECIMAL: return "decimal";
    case CRM_FIELD_INTEGER: return "integer";
    case CRM_FIELD_BOOLEAN: return "boolean";
    case CRM_FIELD_DATE: return "date";
    case CRM_FIELD_DATETIME: return "datetime";
    case CRM_FIELD_CURRENCY: return "currency";
    case CRM_FIELD_CONTACT_POINTS: return "contact points";
    case CRM_FIELD_QUOTE_LINES: return "quote lines";
    case CRM_FIELD_PRICES: return "prices";
    default: g_assert_not_reached ();
    }
}

gboolean
crm_field_stores_integer (const CrmField *field)
{
  switch (field->type)
    {
    case CRM_FIELD_MONEY:
    case CRM_FIELD_DECIMAL:
    case CRM_FIELD_INTEGER:
    case CRM_FIELD_BOOLEAN:
      return TRUE;
    case CRM_FIELD_TEXT:
    case CRM_FIELD_ENUM:
    case CRM_FIELD_REF:
    case CRM_FIELD_DATE:
    case CRM_FIELD_DATETIME:
    case CRM_FIELD_CURRENCY:
    case CRM_FIELD_CONTACT_POINTS:
    case CRM_FIELD_QUOTE_LINES:
    case CRM_FIELD_PRICES:
    default:
      return FALSE;
    }
}

gboolean
crm_field_stores_json (const CrmField *field)
{
  return field->type == CRM_FIELD_CONTACT_POINTS ||
         field->type == CRM_FIELD_QUOTE_LINES ||
         field->type == CRM_FIELD_PRICES;
}

static JsonNode *
parse_contact_points_text (const CrmField  *field,
                           const char      *text,
                           GError         **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_auto(GStrv) items = g_strsplit (text, ",", -1);
  const char *default_type = "work";

  /* "work:ada@example.com,home:ada@home.example" or just "ada@example.com" */
  json_builder_begin_array (builder);
  for (guint i = 0; items[i]; i++)
    {
      char *item = g_strstrip (items[i]);
      const char *colon = strchr (item, ':');
      g_autofree char *type = NULL;
      const char *value = item;

      if (*item == '\0')
        continue;
      /* A colon inside a phone ("+1 555:12") is unlikely; a type is a bare word */
      if (colon != NULL && colon != item &&
          strspn (item, "abcdefghijklmnopqrstuvwxyz_") == (gsize) (colon - item))
        {
          type = g_strndup (item, colon - item);
          value = colon + 1;
        }
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, type ? type : default_type);
      json_builder_set_member_name (builder, "value");
      json_builder_add_string_value (builder, value);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  return crm_field_normalize (field, json_builder_get_root (builder) , NULL, error);
}

JsonNode *
crm_field_parse_text (const CrmField  *field,
                      const char      *text,
                      GError         **error)
{
  g_return_val_if_fail (field != NULL, NULL);
  g_return_val_if_fail (text != NULL, NULL);

  /* An empty value clears an optional field */
  if (*text == '\0')
    return json_node_new (JSON_NODE_NULL);

  switch (field->type)
    {
    case CRM_FIELD_INTEGER:
      {
        gint64 value;

        if (!g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, &value, NULL))
          {
            g_autofree char *msg = g_strdup_printf (_("“%s” is not a whole number"), text);
            set_invalid (error, field->name, msg);
            return NULL;
          }
        return json_node_init_int (json_node_alloc (), value);
      }

    case CRM_FIELD_BOOLEAN:
      {
        static const char * const yes[] = { "true", "yes", "1", "on", NULL };
        static const char * const no[] = { "false", "no", "0", "off", NULL };
        g_autofree char *lower = g_ascii_strdown (text, -1);

        if (g_strv_contains (yes, lower))
          return json_node_init_boolean (json_node_alloc (), TRUE);
        if (g_strv_contains (no, lower))
          return json_node_init_boolean (json_node_alloc (), FALSE);
        {
          g_autofree char *msg = g_strdup_printf (_("“%s” is not true or false"), text);
          set_invalid (error, field->name, msg);
        }
        return NULL;
      }

    case CRM_FIELD_CONTACT_POINTS:
    case CRM_FIELD_QUOTE_LINES:
      if (*text == '[' || field->type == CRM_FIELD_QUOTE_LINES)
        {
          g_autoptr(JsonParser) parser = json_parser_new ();
          g_autoptr(GError) local_error = NULL;

          if (!json_parser_load_from_data (parser, text, -1, &local_error))
            {
              g_autofree char *msg = g_strdup_printf (_("not valid JSON: %s"), local_error->message);
              set_invalid (error, field->name, msg);
              return NULL;
            }
          return json_node_copy (json_parser_get_root (parser));
        }
      return parse_contact_points_text (field, text, error);

    case CRM_FIELD_PRICES:
      return parse_prices_text (field, text, error);

    case CRM_FIELD_TEXT:
    case CRM_FIELD_ENUM:
    case CRM_FIELD_REF:
    case CRM_FIELD_MONEY:
    case CRM_FIELD_DECIMAL:
    case CRM_FIELD_DATE:
    case CRM_FIELD_DATETIME:
    case CRM_FIELD_CURRENCY:
    default:
      return string_node (text);
    }
}

JsonNode *
crm_field_normalize (const CrmField  *field,
                     JsonNode        *value,
                     const char      *currency,
                     GError         **error)
{
  const char *text;

  g_return_val_if_fail (field != NULL, NULL);

  if (value == NULL || JSON_NODE_HOLDS_NULL (value) ||
      (field->type != CRM_FIELD_TEXT && (text = node_string (value)) && *text == '\0'))
    {
      if (field->flags & CRM_FIELD_FLAG_REQUIRED)
        {
          g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_MISSING_FIELD,
                       _("%s: a value is required"), field->name);
          return NULL;
        }
      return json_node_new (JSON_NODE_NULL);
    }

  switch (field->type)
    {
    case CRM_FIELD_TEXT:
      if ((text = node_string (value)) == NULL)
        {
          set_invalid (error, field->name, _("expected text"));
          return NULL;
        }
      if (!g_utf8_validate (text, -1, NULL))
        {
          set_invalid (error, field->name, _("text is not valid UTF-8"));
          return NULL;
        }
      if (field->scale_or_length && g_utf8_strlen (text, -1) > field->scale_or_length)
        {
          g_autofree char *msg = g_strdup_printf (_("longer than %u characters"), field->scale_or_length);
          set_invalid (error, field->name, msg);
          return NULL;
        }
      if (field->flags & CRM_FIELD_FLAG_REQUIRED)
        {
          g_autofree char *stripped = g_strstrip (g_strdup (text));

          if (*stripped == '\0')
            {
              g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_MISSING_FIELD,
                           _("%s: a value is required"), field->name);
              return NULL;
            }
        }
      return string_node (text);

    case CRM_FIELD_ENUM:
      if ((text = node_string (value)) == NULL || !g_strv_contains (field->choices, text))
        {
          g_autofree char *choices = g_strjoinv ("|", (char **) field->choices);
          g_autofree char *msg = g_strdup_printf (_("must be one of %s"), choices);
          set_invalid (error, field->name, msg);
          return NULL;
        }
      return string_node (text);

    case CRM_FIELD_REF:
      if ((text = node_string (value)) == NULL || !crm_is_uuid (text))
        {
          g_autofree char *msg = g_strdup_printf (_("“%s” is not a record id"), text ? text : "?");
          set_invalid (error, field->name, msg);
          return NULL;
        }
      {
        g_autofree char *lower = g_ascii_strdown (text, -1);
        return string_node (lower);
      }

    case CRM_FIELD_MONEY:
      {
        g_autoptr(GError) local_error = NULL;
        g_autofree char *canonical = NULL;
        CrmMoney money;

        if ((text = node_string (value)) == NULL)
          {
            set_invalid (error, field->name, _("expected an amount as a decimal string, such as \"1234.50\""));
            return NULL;
          }
        if (currency == NULL)
          {
            g_autofree char *msg = g_strdup_printf (_("needs “%s” to be set"), field->related);
            set_invalid (error, field->name, msg);
            return NULL;
          }
        if (!crm_money_parse (text, currency, &money, &local_error))
          {
            set_invalid (error, field->name, local_error->message);
            return NULL;
          }
        canonical = crm_money_format (&money);
        return string_node (canonical);
      }

    case CRM_FIELD_DECIMAL:
      if ((text = node_string (value)) == NULL)
        {
          set_invalid (error, field->name, _("expected a decimal string, such as \"12.5\""));
          return NULL;
        }
      return normalize_decimal (field, text, error);

    case CRM_FIELD_INTEGER:
      {
        gint64 v;

        if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_INT64)
          {
            set_invalid (error, field->name, _("expected a whole number"));
            return NULL;
          }
        v = json_node_get_int (value);
        if (v < field->min || v > field->max)
          {
            g_autofree char *msg = g_strdup_printf (_("must be between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT),
                                                    field->min, field->max);
            set_invalid (error, field->name, msg);
            return NULL;
          }
        return json_node_init_int (json_node_alloc (), v);
      }

    case CRM_FIELD_BOOLEAN:
      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_BOOLEAN)
        {
          set_invalid (error, field->name, _("expected true or false"));
          return NULL;
        }
      return json_node_init_boolean (json_node_alloc (), json_node_get_boolean (value));

    case CRM_FIELD_DATE:
      {
        GDate date;

        if ((text = node_string (value)) == NULL || !parse_date (text, &date))
          {
            g_autofree char *msg = g_strdup_printf (_("“%s” is not a date like 2026-03-31"), text ? text : "?");
            set_invalid (error, field->name, msg);
            return NULL;
          }
        return string_node (text);
      }

    case CRM_FIELD_DATETIME:
      {
        g_autoptr(GDateTime) dt = NULL;
        g_autoptr(GDateTime) utc = NULL;
        g_autofree char *canonical = NULL;
        GDate date;

        if ((text = node_string (value)) == NULL)
          {
            set_invalid (error, field->name, _("expected a date and time like 2026-03-31T14:00:00Z"));
            return NULL;
          }
        /* A bare date means the start of that day, UTC */
        if (parse_date (text, &date))
          {
            g_autofree char *full = g_strconcat (text, "T00:00:00Z", NULL);
            dt = g_date_time_new_from_iso8601 (full, NULL);
          }
        else
          {
            g_autoptr(GTimeZone) tz = g_time_zone_new_utc ();
            dt = g_date_time_new_from_iso8601 (text, tz);
          }
        if (dt == NULL)
          {
            g_autofree char *msg = g_strdup_printf (_("“%s” is not a date and time like 2026-03-31T14:00:00Z"), text);
            set_invalid (error, field->name, msg);
            return NULL;
          }
        utc = g_date_time_to_utc (dt);
        canonical = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
        return string_node (canonical);
      }

    case CRM_FIELD_CURRENCY:
      if ((text = node_string (value)) == NULL || !crm_currency_is_valid (text))
        {
          g_autofree char *msg = g_strdup_printf (_("“%s” is not an ISO 4217 currency code such as EUR or USD"),
                                                  text ? text : "?");
          set_invalid (error, field->name, msg);
          return NULL;
        }
      return string_node (text);

    case CRM_FIELD_CONTACT_POINTS:
      return normalize_contact_points (field, value, error);

    case CRM_FIELD_QUOTE_LINES:
      return normalize_quote_lines (field, value, error);

    case CRM_FIELD_PRICES:
      return normalize_prices (field, value, error);

    default:
      g_assert_not_reached ();
    }
}

gboolean
crm_field_to_sql_integer (const CrmField  *field,
                          JsonNode        *value,
                          const char      *currency,
                          gint64          *out_value,
                          GError         **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (crm_field_stores_integer (field), FALSE);
  g_return_val_if_fail (value != NULL && !JSON_NODE_HOLDS_NULL (value), FALSE);

  switch (field->type)
    {
    case CRM_FIELD_MONEY:
      {
        CrmMoney money;

        if (currency == NULL || !crm_money_parse (node_string (value), currency, &money, &local_error))
          return set_invalid (error, field->name,
                              local_error ? local_error->message : _("no currency set"));
        *out_value = money.minor;
        return TRUE;
      }
    case CRM_FIELD_DECIMAL:
      if (!crm_decimal_parse (node_string (value), field->scale_or_length, out_value, &local_error))
        return set_invalid (error, field->name, local_error->message);
      return TRUE;
    case CRM_FIELD_INTEGER:
      *out_value = json_node_get_int (value);
      return TRUE;
    case CRM_FIELD_BOOLEAN:
      *out_value = json_node_get_boolean (value) ? 1 : 0;
      return TRUE;
    case CRM_FIELD_TEXT:
    case CRM_FIELD_ENUM:
    case CRM_FIELD_REF:
    case CRM_FIELD_DATE:
    case CRM_FIELD_DATETIME:
    case CRM_FIELD_CURRENCY:
    case CRM_FIELD_CONTACT_POINTS:
    case CRM_FIELD_QUOTE_LINES:
    case CRM_FIELD_PRICES:
    default:
      g_assert_not_reached ();
    }
}

JsonNode *
crm_field_from_sql_integer (const CrmField *field,
                            gint64          value,
                            const char     *currency)
{
  switch (field->type)
    {
    case CRM_FIELD_MONEY:
      {
        CrmMoney money = { value, "" };
        g_autofree char *text = NULL;

        g_strlcpy (money.currency, currency ? currency : "", sizeof money.currency);
        if (crm_currency_minor_digits (money.currency) < 0)
          text = crm_decimal_format (value, 2);
        else
          text = crm_money_format (&money);
        return string_node (text);
      }
    case CRM_FIELD_DECIMAL:
      {
        g_autofree char *text = crm_decimal_format_trimmed (value, field->scale_or_length);
        return string_node (text);
      }
    case CRM_FIELD_INTEGER:
      return json_node_init_int (json_node_alloc (), value);
    case CRM_FIELD_BOOLEAN:
      return json_node_init_boolean (json_node_alloc (), value != 0);
    case CRM_FIELD_TEXT:
    case CRM_FIELD_ENUM:
    case CRM_FIELD_REF:
    case CRM_FIELD_DATE:
    case CRM_FIELD_DATETIME:
    case CRM_FIELD_CURRENCY:
    case CRM_FIELD_CONTACT_POINTS:
    case CRM_FIELD_QUOTE_LINES:
    case CRM_FIELD_PRICES:
    default:
      g_assert_not_reached ();
    }
}

gboolean
crm_values_equal (JsonNode *a,
                  JsonNode *b)
{
  gboolean a_null = a == NULL || JSON_NODE_HOLDS_NULL (a);
  gboolean b_null = b == NULL || JSON_NODE_HOLDS_NULL (b);

  if (a_null || b_null)
    return a_null == b_null;
  return json_node_equal (a, b);
}

gboolean
crm_is_uuid (const char *text)
{
  return text != NULL && g_uuid_string_is_valid (text);
}

char *
crm_timestamp_now (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_strdup_printf ("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                          g_date_time_get_year (now),
                          g_date_time_get_month (now),
                          g_date_time_get_day_of_month (now),
                          g_date_time_get_hour (now),
                          g_date_time_get_minute (now),
                          g_date_time_get_second (now),
                          g_date_time_get_microsecond (now) / 1000);
}
