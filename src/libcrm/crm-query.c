/* crm-query.c: which records of an entity to read
 *
 * A CrmQuery names an entity and the conditions its records must meet:
 * a field equal to a value, one of a set of values, within a range, ids
 * left out, and words to search for. The store turns it into SQL
 * (crm_store_query(), crm_store_query_count(), crm_store_query_foreach()),
 * so a view of 100,000 deals asks the database for a count and a page
 * instead of reading every record to filter it.
 *
 * Conditions compare the stored text of text-like fields (text, choices,
 * references, dates, currencies, and the system fields id, owner_id,
 * created_at and updated_at); dates compare in calendar order because
 * they are stored as YYYY-MM-DD. Sets are bound as one JSON array, so the
 * SQL of a query does not depend on how many values it names and the
 * store's statement cache keeps one statement per shape.
 *
 * Records come in the entity's order, or sorted by one field first
 * (crm_query_set_order()): a reference sorts by the title of the record
 * it names, money by its value whatever the currency's decimals.
 *
 * A query is immutable once shared: build it, then hand references out
 * (to another thread too).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-query"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "crm-entity.h"
#include "crm-money.h"
#include "crm-query.h"
#include "crm-store-private.h"

typedef enum
{
  COND_EQUAL,
  COND_ONE_OF,
  COND_RANGE,
  COND_NOT_IDS,
} CondKind;

typedef struct
{
  CondKind  kind;
  char     *field;
  char     *from;    /* EQUAL: the value; RANGE: the lower bound */
  char     *to;      /* RANGE: the upper bound, excluded */
  GStrv     values;  /* ONE_OF, NOT_IDS */
} Cond;

struct _CrmQuery
{
  gatomicrefcount  ref_count;
  char            *entity;
  GPtrArray       *conds;     /* Cond */
  char            *search;
  char            *also_via;
  char            *order;       /* a field to sort by first, or NULL */
  gboolean         descending;
};

G_DEFINE_BOXED_TYPE (CrmQuery, crm_query, crm_query_ref, crm_query_unref)

static void
cond_free (Cond *cond)
{
  g_free (cond->field);
  g_free (cond->from);
  g_free (cond->to);
  g_strfreev (cond->values);
  g_free (cond);
}

static Cond *
cond_copy (const Cond *cond)
{
  Cond *copy = g_new0 (Cond, 1);

  copy->kind = cond->kind;
  copy->field = g_strdup (cond->field);
  copy->from = g_strdup (cond->from);
  copy->to = g_strdup (cond->to);
  copy->values = g_strdupv (cond->values);
  return copy;
}

static void
add_cond (CrmQuery            *self,
          CondKind             kind,
          const char          *field,
          const char          *from,
          const char          *to,
          const char * const  *values)
{
  Cond *cond = g_new0 (Cond, 1);

  cond->kind = kind;
  cond->field = g_strdup (field);
  cond->from = g_strdup (from);
  cond->to = g_strdup (to);
  cond->values = g_strdupv ((char **) values);
  g_ptr_array_add (self->conds, cond);
}

/**
 * crm_query_new:
 * @entity: the entity's name, e.g. "opportunities"
 *
 * Returns: (transfer full): a query for every live record of @entity
 */
CrmQuery *
crm_query_new (const char *entity)
{
  CrmQuery *self = g_new0 (CrmQuery, 1);

  g_return_val_if_fail (entity != NULL, NULL);

  g_atomic_ref_count_init (&self->ref_count);
  self->entity = g_strdup (entity);
  self->conds = g_ptr_array_new_with_free_func ((GDestroyNotify) cond_free);
  return self;
}

/**
 * crm_query_copy:
 *
 * Returns: (transfer full): a new query with the same conditions, to add
 *   more to
 */
CrmQuery *
crm_query_copy (const CrmQuery *self)
{
  CrmQuery *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = crm_query_new (self->entity);
  for (guint i = 0; i < self->conds->len; i++)
    g_ptr_array_add (copy->conds, cond_copy (g_ptr_array_index (self->conds, i)));
  copy->search = g_strdup (self->search);
  copy->also_via = g_strdup (self->also_via);
  copy->order = g_strdup (self->order);
  copy->descending = self->descending;
  return copy;
}

CrmQuery *
crm_query_ref (CrmQuery *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
crm_query_unref (CrmQuery *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->entity);
  g_ptr_array_unref (self->conds);
  g_free (self->search);
  g_free (self->also_via);
  g_free (self->order);
  g_free (self);
}

const char *
crm_query_get_entity (const CrmQuery *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->entity;
}

/**
 * crm_query_add_equal:
 * @value: (nullable): the value; %NULL matches records without one
 */
void
crm_query_add_equal (CrmQuery   *self,
                     const char *field,
                     const char *value)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (field != NULL);

  add_cond (self, COND_EQUAL, field, value, NULL, NULL);
}

/**
 * crm_query_add_one_of:
 * @values: the values that match; an empty set matches nothing
 */
void
crm_query_add_one_of (CrmQuery           *self,
                      const char         *field,
                      const char * const *values)
{
  static const char * const none[] = { NULL };

  g_return_if_fail (self != NULL);
  g_return_if_fail (field != NULL);

  add_cond (self, COND_ONE_OF, field, NULL, NULL, values ? values : none);
}

/**
 * crm_query_add_range:
 * @from: (nullable): the lowest value that matches
 * @to: (nullable): the first value past the range
 *
 * Matches @from ≤ value < @to; a record without a value never matches.
 * Without either bound, only records that have a value match.
 */
void
crm_query_add_range (CrmQuery   *self,
                     const char *field,
                     const char *from,
                     const char *to)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (field != NULL);

  add_cond (self, COND_RANGE, field, from, to, NULL);
}

/**
 * crm_query_add_not_ids:
 * @ids: (nullable): records to leave out, e.g. those being deleted
 */
void
crm_query_add_not_ids (CrmQuery           *self,
                       const char * const *ids)
{
  g_return_if_fail (self != NULL);

  if (ids && ids[0])
    add_cond (self, COND_NOT_IDS, "id", NULL, NULL, ids);
}

/**
 * crm_query_set_search:
 * @text: (nullable): words to look for, as crm_store_list() takes them;
 *   blank text looks for nothing
 * @also_via: (nullable): a reference field: records whose referenced
 *   record matches @text match too (a deal by its account's name)
 */
void
crm_query_set_search (CrmQuery   *self,
                      const char *text,
                      const char *also_via)
{
  g_return_if_fail (self != NULL);

  g_clear_pointer (&self->search, g_free);
  g_clear_pointer (&self->also_via, g_free);
  if (text == NULL || text[strspn (text, " \t\n")] == '\0')
    return;
  self->search = g_strdup (text);
  self->also_via = g_strdup (also_via);
}

gboolean
crm_query_has_search (const CrmQuery *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->search != NULL;
}

/**
 * crm_query_set_order:
 * @field: (nullable): the field to sort by before the entity's own order,
 *   or owner_id; %NULL for the entity's order alone
 */
void
crm_query_set_order (CrmQuery   *self,
                     const char *field,
                     gboolean    descending)
{
  g_return_if_fail (self != NULL);

  g_free (self->order);
  self->order = g_strdup (field);
  self->descending = descending;
}

/* SQL *****************************************************************/

static const char * const text_system_fields[] = { "id", "owner_id", "created_at", "updated_at", NULL };

static gboolean
check_filterable (const CrmEntity  *entity,
                  const char       *name,
                  GError          **error)
{
  const CrmField *field;

  if (g_strv_contains (text_system_fields, name))
    return TRUE;
  if (!(field = crm_entity_get_field (entity, name)))
    return crm_entity_get_field_checked (entity, name, error) != NULL;
  switch (field->type)
    {
    case CRM_FIELD_TEXT:
    case CRM_FIELD_ENUM:
    case CRM_FIELD_REF:
    case CRM_FIELD_DATE:
    case CRM_FIELD_DATETIME:
    case CRM_FIELD_CURRENCY:
      return TRUE;
    case CRM_FIELD_MONEY:
    case CRM_FIELD_DECIMAL:
    case CRM_FIELD_INTEGER:
    case CRM_FIELD_BOOLEAN:
    case CRM_FIELD_CONTACT_POINTS:
    case CRM_FIELD_QUOTE_LINES:
    case CRM_FIELD_PRICES:
    default:
      g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE,
                   _("Field “%s” of %s holds %s values, which cannot be filtered on"),
                   name, entity->name, crm_field_type_to_string (field->type));
      return FALSE;
    }
}

static char *
json_array_text (const char * const *values)
{
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; values && values[i]; i++)
    json_array_add_string_element (array, values[i]);
  json_node_set_array (node, array);
  return json_to_string (node, FALSE);
}

/* The search as SQL: FTS5 for the entities that have an index, every
 * word in the title for the others */
static gboolean
append_search (const CrmQuery   *self,
               const CrmEntity  *entity,
               GString          *sql,
               GPtrArray        *binds,
               GError          **error)
{
  g_autofree char *fts = NULL;

  if (!entity->searchable)
    {
      g_auto(GStrv) words = g_strsplit_set (self->search, " \t\n", -1);

      for (guint i = 0; words[i]; i++)
        {
          GString *pattern;

          if (*words[i] == '\0')
            continue;
          /* Wildcards taken literally */
          pattern = g_string_new ("%");
          for (const char *p = words[i]; *p; p++)
            {
              if (*p == '%' || *p == '_' || *p == '\\')
                g_string_append_c (pattern, '\\');
              g_string_append_c (pattern, *p);
            }
          g_string_append_c (pattern, '%');
          g_string_append_printf (sql, " AND %s LIKE ? ESCAPE '\\'", entity->title_field);
          g_ptr_array_add (binds, g_string_free (pattern, FALSE));
        }
      return TRUE;
    }

  /* Nothing but punctuation: no word can match */
  if (!(fts = _crm_fts_query (self->search)))
    {
      g_string_append (sql, " AND 0");
      return TRUE;
    }
  g_string_append_printf (sql, " AND (rid IN (SELECT rowid FROM %s_fts WHERE %s_fts MATCH ?)",
                          entity->name, entity->name);
  g_ptr_array_add (binds, g_strdup (fts));
  if (self->also_via)
    {
      const CrmField *via = crm_entity_get_field_checked (entity, self->also_via, error);
      const CrmEntity *target;

      if (via == NULL)
        return FALSE;
      if (via->type != CRM_FIELD_REF || !(target = crm_entity_lookup (via->related)) || !target->searchable)
        {
          g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE,
                       _("Field “%s” of %s does not refer to records that can be searched"),
                       self->also_via, entity->name);
          return FALSE;
        }
      g_string_append_printf (sql, " OR %s IN (SELECT id FROM %s WHERE deleted = 0 AND rid IN "
                              "(SELECT rowid FROM %s_fts WHERE %s_fts MATCH ?))",
                              via->name, target->name, target->name, target->name);
      g_ptr_array_add (binds, g_strdup (fts));
    }
  g_string_append_c (sql, ')');
  return TRUE;
}

/*
 * _crm_query_append_where:
 * @sql: SQL ending in a WHERE clause, to append " AND …" conditions to
 * @binds: (element-type utf8): where the text of each "?" appended goes,
 *   in order
 *
 * Field names are checked against @entity before they go into @sql.
 */
gboolean
_crm_query_append_where (const CrmQuery   *self,
                         const CrmEntity  *entity,
                         GString          *sql,
                         GPtrArray        *binds,
                         GError          **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (g_str_equal (entity->name, self->entity), FALSE);

  for (guint i = 0; i < self->conds->len; i++)
    {
      Cond *cond = g_ptr_array_index (self->conds, i);

      if (!check_filterable (entity, cond->field, error))
        return FALSE;
      switch (cond->kind)
        {
        case COND_EQUAL:
          if (cond->from == NULL)
            g_string_append_printf (sql, " AND %s IS NULL", cond->field);
          else
            {
              g_string_append_printf (sql, " AND %s = ?", cond->field);
              g_ptr_array_add (binds, g_strdup (cond->from));
            }
          break;

        case COND_ONE_OF:
        case COND_NOT_IDS:
          g_string_append_printf (sql, " AND %s %s (SELECT value FROM json_each(?))",
                                  cond->field, cond->kind == COND_ONE_OF ? "IN" : "NOT IN");
          g_ptr_array_add (binds, json_array_text ((const char * const *) cond->values));
          break;

        case COND_RANGE:
          g_string_append_printf (sql, " AND %s IS NOT NULL", cond->field);
          if (cond->from)
            {
              g_string_append_printf (sql, " AND %s >= ?", cond->field);
              g_ptr_array_add (binds, g_strdup (cond->from));
            }
          if (cond->to)
            {
              g_string_append_printf (sql, " AND %s < ?", cond->field);
              g_ptr_array_add (binds, g_strdup (cond->to));
            }
          break;

        default:
          g_assert_not_reached ();
        }
    }
  if (self->search)
    return append_search (self, entity, sql, binds, error);
  return TRUE;
}

/* A money column as a number comparable across currencies: the minor
 * units scaled to two decimals. Only integers go into the text, which
 * the locale cannot write with a decimal comma. */
static char *
money_order (const CrmEntity *entity,
             const CrmField  *field)
{
  g_autoptr(GString) expr = g_string_new (NULL);
  g_auto(GStrv) codes = crm_currency_dup_codes ();

  g_string_append_printf (expr, "CASE %s.%s", entity->name, field->related);
  for (guint i = 0; codes[i]; i++)
    {
      int digits = crm_currency_minor_digits (codes[i]);

      if (digits >= 0 && digits < 2)
        g_string_append_printf (expr, " WHEN '%s' THEN %s.%s * %d", codes[i], entity->name, field->name,
                                digits == 0 ? 100 : 10);
      else if (digits > 2)
        g_string_append_printf (expr, " WHEN '%s' THEN %s.%s / %" G_GINT64_FORMAT ".0", codes[i],
                                entity->name, field->name, (gint64) pow (10, digits - 2));
    }
  g_string_append_printf (expr, " ELSE %s.%s END", entity->name, field->name);
  return g_string_free (g_steal_pointer (&expr), FALSE);
}

/*
 * _crm_query_dup_order_by:
 *
 * Returns: the ORDER BY terms for @self, its sort field (checked against
 *   @entity) then the entity's order, or %NULL with @error set
 */
char *
_crm_query_dup_order_by (const CrmQuery   *self,
                         const CrmEntity  *entity,
                         GError          **error)
{
  g_autofree char *expr = NULL;
  const CrmField *field = NULL;
  const CrmEntity *target = NULL;

  if (self->order == NULL)
    return g_strdup (entity->order_by);
  if (g_str_equal (self->order, "owner_id"))
    target = crm_entity_lookup ("users");
  else if (!g_strv_contains (text_system_fields, self->order))
    {
      if (!(field = crm_entity_get_field_checked (entity, self->order, error)))
        return NULL;
      if (crm_field_stores_json (field))
        {
          g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE,
                       _("Field “%s” of %s holds %s, which cannot be sorted"),
                       field->name, entity->name, crm_field_type_to_string (field->type));
          return NULL;
        }
      if (field->type == CRM_FIELD_REF)
        target = crm_entity_lookup (field->related);
    }
  /* Aliased: the record named may be of the same entity (a manager) */
  if (target)
    expr = g_strdup_printf ("(SELECT target.%s FROM %s AS target WHERE target.id = %s.%s)", target->title_field,
                            target->name, entity->name, self->order);
  else if (field && field->type == CRM_FIELD_MONEY)
    expr = money_order (entity, field);
  else
    expr = g_strdup_printf ("%s.%s", entity->name, self->order);
  /* Then the entity's order, and the row, so pages never disagree */
  return g_strdup_printf ("%s %s, %s, %s.rid", expr, self->descending ? "DESC" : "ASC", entity->order_by,
                          entity->name);
}
