/* crm-quote-record.c: quotes as records: numbers, totals, lifecycle, catalog
 *
 * A quote record carries what the engine (crm-quote.c) makes of its lines:
 * subtotal, discount, shipping, tax and total, recomputed on every save
 * by the store and checked again by the server, which computes them with
 * the same code and the rounding and tax mode the quote keeps.
 *
 * Lifecycle: draft → sent → accepted, rejected or expired. Only a draft's
 * fields change; a sent, rejected or expired quote is revised into a new
 * draft with the same number and the next revision, and the old one stays
 * as it was. Numbers are made offline from a prefix of the signed-in user
 * (user names are unique on the server) and the next free sequence in this
 * store, so two reps never make the same number.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-quote-record"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>

#include "crm-quote-pdf.h"
#include "crm-quote-record.h"
#include "crm-store-private.h"

G_DEFINE_QUARK (crm-quote-state-error-quark, crm_quote_state_error)

const char * const crm_quote_total_fields[] = {
  "subtotal", "discount", "shipping", "tax", "total", NULL
};

/* Helpers *************************************************************/

static const char *
record_text (CrmRecord  *record,
             const char *name,
             const char *fallback)
{
  const char *text = crm_record_get_string (record, name);

  return text ? text : fallback;
}

static gint64
record_revision (CrmRecord *record)
{
  JsonNode *node = crm_record_get_field (record, "revision");

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return 1;
  return json_node_get_int (node);
}

static JsonNode *
string_node (const char *text)
{
  return json_node_init_string (json_node_alloc (), text);
}

static gboolean
is_total_field (const char *name)
{
  return g_strv_contains (crm_quote_total_fields, name);
}

static gboolean
parse_iso_date (const char *text,
                GDate      *out)
{
  guint year, month, day;

  if (text == NULL || sscanf (text, "%4u-%2u-%2u", &year, &month, &day) != 3 ||
      !g_date_valid_dmy (day, month, year))
    return FALSE;
  g_date_clear (out, 1);
  g_date_set_dmy (out, day, month, year);
  return TRUE;
}

static void
today_date (GDate *out)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  g_date_clear (out, 1);
  g_date_set_dmy (out, g_date_time_get_day_of_month (now), g_date_time_get_month (now),
                  g_date_time_get_year (now));
}

static char *
dup_label (CrmRecord *quote)
{
  return g_strdup_printf (_("Quote %s revision %" G_GINT64_FORMAT),
                          record_text (quote, "number", "?"), record_revision (quote));
}

/* The highest sequence after "@prefix-" among every quote this store
 * holds, deleted ones included, so a number is never made twice. */
static gboolean
max_sequence (CrmStore    *store,
              const char  *prefix,
              gint64      *out,
              GError     **error)
{
  static const char sql[] =
    "SELECT number FROM quotes WHERE substr (number, 1, ?1) = ?2";
  g_autofree char *head = g_strconcat (prefix, "-", NULL);
  sqlite3 *db = _crm_store_get_db (store);
  sqlite3_stmt *stmt = NULL;
  int rc;

  *out = 0;
  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED, "%s", sqlite3_errmsg (db));
      return FALSE;
    }
  sqlite3_bind_int64 (stmt, 1, (gint64) strlen (head));
  sqlite3_bind_text (stmt, 2, head, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *tail = (const char *) sqlite3_column_text (stmt, 0) + strlen (head);
      guint64 n;

      if (g_ascii_string_to_unsigned (tail, 10, 0, G_MAXINT32, &n, NULL) && (gint64) n > *out)
        *out = (gint64) n;
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED, "%s", sqlite3_errmsg (db));
      return FALSE;
    }
  return TRUE;
}

static gboolean
assign_number (CrmStore   *store,
               CrmRecord  *record,
               GError    **error)
{
  g_autofree char *prefix = NULL;
  g_autofree char *number = NULL;
  gint64 last;

  if (!(prefix = crm_quote_record_dup_number_prefix (store, error)) ||
      !max_sequence (store, prefix, &last, error))
    return FALSE;
  number = g_strdup_printf ("%s-%04" G_GINT64_FORMAT, prefix, last + 1);
  crm_record_take_field (record, "number", string_node (number));
  return TRUE;
}

/* The company's rounding and tax mode, from the profile's settings */
static void
fill_computation_defaults (CrmStore  *store,
                           CrmRecord *record)
{
  static const struct {
    const char *field;
    const char *setting;
    const char *fallback;
  } defaults[] = {
    { "tax_mode", "quote_tax_mode", "document" },
    { "rounding", "quote_rounding", "half-up" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (defaults); i++)
    {
      g_autofree char *setting = NULL;

      if (crm_record_get_string (record, defaults[i].field) != NULL)
        continue;
      setting = crm_store_dup_setting (store, defaults[i].setting);
      crm_record_take_field (record, defaults[i].field,
                             string_node (setting ? setting : defaults[i].fallback));
    }
}

/* A total the user set must be what the engine makes: they are computed,
 * never typed in. One left as it was is simply recomputed. */
static gboolean
check_user_totals (CrmRecord  *previous,
                   CrmRecord  *record,
                   CrmRecord  *computed,
                   GError    **error)
{
  for (guint i = 0; crm_quote_total_fields[i]; i++)
    {
      const char *name = crm_quote_total_fields[i];
      JsonNode *given = crm_record_get_field (record, name);
      JsonNode *made = crm_record_get_field (computed, name);

      if (g_str_equal (name, "shipping") || given == NULL || JSON_NODE_HOLDS_NULL (given))
        continue;
      if (previous != NULL && crm_values_equal (given, crm_record_get_field (previous, name)))
        continue;
      if (!crm_values_equal (given, made))
        {
          g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_READ_ONLY,
                       _("%s: is computed from the quote’s lines (%s), it cannot be set to %s"),
                       name, json_node_get_string (made),
                       JSON_NODE_HOLDS_VALUE (given) && json_node_get_value_type (given) == G_TYPE_STRING
                         ? json_node_get_string (given) : "?");
          return FALSE;
        }
    }
  return TRUE;
}

static CrmRecord *
load_quote (CrmStore    *store,
            const char  *id,
            GError     **error)
{
  return crm_store_get (store, "quotes", id, error);
}

static CrmRecord *
update_fields (CrmStore    *store,
               const char  *id,
               JsonObject  *changes,
               GError     **error)
{
  return crm_store_update (store, "quotes", id, changes, error);
}

static gboolean
require_status (CrmRecord   *quote,
                const char  *wanted,
                const char  *doing,
                GError     **error)
{
  const char *status = crm_quote_record_get_status (quote, NULL);
  g_autofree char *label = dup_label (quote);

  if (g_str_equal (status, wanted))
    return TRUE;
  if (g_str_equal (status, "expired"))
    g_set_error (error, CRM_QUOTE_STATE_ERROR, CRM_QUOTE_STATE_ERROR_EXPIRED,
                 _("%s expired on %s; revise it to %s a new one"),
                 label, record_text (quote, "valid_until", "?"), doing);
  else
    g_set_error (error, CRM_QUOTE_STATE_ERROR, CRM_QUOTE_STATE_ERROR_TRANSITION,
                 _("%s is %s; only a %s quote can be %s"), label, status, wanted, doing);
  return FALSE;
}

/* A copy of the quote's lines, for an edit */
static JsonArray *
dup_lines (CrmRecord *quote)
{
  JsonNode *lines = crm_record_get_field (quote, "lines");
  JsonArray *copy = json_array_new ();

  if (lines != NULL && JSON_NODE_HOLDS_ARRAY (lines))
    {
      JsonArray *array = json_node_get_array (lines);

      for (guint i = 0; i < json_array_get_length (array); i++)
        json_array_add_element (copy, json_node_copy (json_array_get_element (array, i)));
    }
  return copy;
}

static CrmRecord *
save_lines (CrmStore    *store,
            const char  *id,
            JsonArray   *lines,
            GError     **error)
{
  g_autoptr(JsonObject) changes = json_object_new ();

  json_object_set_array_member (changes, "lines", json_array_ref (lines));
  return update_fields (store, id, changes, error);
}

static gboolean
check_line_index (CrmRecord  *quote,
                  JsonArray  *lines,
                  guint       index,
                  GError    **error)
{
  if (index < json_array_get_length (lines))
    return TRUE;
  {
    g_autofree char *label = dup_label (quote);

    g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE,
                 _("line: %s has %u line(s); there is no line %u"),
                 label, json_array_get_length (lines), index + 1);
  }
  return FALSE;
}

/* Fills a line from the catalog: what the line says wins */
static gboolean
fill_from_product (CrmStore    *store,
                   CrmRecord   *quote,
                   JsonObject  *line,
                   GError     **error)
{
  g_autoptr(CrmRecord) product = NULL;
  g_autofree char *reference = NULL;
  const char *currency = record_text (quote, "currency", "");

  reference = g_strdup (json_object_get_string_member (line, "product"));
  json_object_remove_member (line, "product");
  if (!(product = crm_product_lookup (store, reference, error)))
    return FALSE;

  json_object_set_string_member (line, "product_id", crm_record_get_id (product));
  if (!json_object_has_member (line, "description"))
    json_object_set_string_member (line, "description", record_text (product, "name", ""));
  if (!json_object_has_member (line, "unit_price"))
    {
      g_autofree char *price = crm_product_dup_price (product, currency);

      if (price == NULL)
        {
          g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE,
                       _("product: %s has no price in %s; give unit_price"),
                       record_text (product, "sku", "?"), currency);
          return FALSE;
        }
      json_object_set_string_member (line, "unit_price", price);
    }
  if (!json_object_has_member (line, "tax_rate") && crm_record_get_string (product, "tax_rate"))
    json_object_set_string_member (line, "tax_rate", crm_record_get_string (product, "tax_rate"));
  if (!json_object_has_member (line, "quantity"))
    json_object_set_string_member (line, "quantity", "1");
  return TRUE;
}

static CrmRecord *
find_won_stage (CrmStore  *store,
                GError   **error)
{
  g_autoptr(GPtrArray) stages = crm_store_list (store, "stages", NULL, 0, 0, error);

  if (stages == NULL)
    return NULL;
  /* Listed in position order: the first won stage */
  for (guint i = 0; i < stages->len; i++)
    {
      CrmRecord *stage = g_ptr_array_index (stages, i);
      JsonNode *won = crm_record_get_field (stage, "is_won");

      if (won && JSON_NODE_HOLDS_VALUE (won) && json_node_get_boolean (won))
        return g_object_ref (stage);
    }
  g_set_error (error, CRM_QUOTE_STATE_ERROR, CRM_QUOTE_STATE_ERROR_NO_DEAL,
               _("No stage is marked won (is_won), so the deal cannot be moved to Closed Won"));
  return NULL;
}

static gboolean
win_deal (CrmStore   *store,
          CrmRecord  *quote,
          GError    **error)
{
  g_autoptr(CrmRecord) stage = NULL;
  g_autoptr(CrmRecord) deal = NULL;
  g_autoptr(JsonObject) changes = json_object_new ();
  const char *deal_id = crm_record_get_string (quote, "opportunity_id");

  if (deal_id == NULL)
    {
      g_autofree char *label = dup_label (quote);

      g_set_error (error, CRM_QUOTE_STATE_ERROR, CRM_QUOTE_STATE_ERROR_NO_DEAL,
                   _("%s belongs to no deal (opportunity_id), so there is no deal to update"), label);
      return FALSE;
    }
  if (!(stage = find_won_stage (store, error)))
    return FALSE;
  json_object_set_string_member (changes, "amount", record_text (quote, "total", "0"));
  json_object_set_string_member (changes, "currency", record_text (quote, "currency", ""));
  json_object_set_string_member (changes, "stage_id", crm_record_get_id (stage));
  deal = crm_store_update (store, "opportunities", deal_id, changes, error);
  return deal != NULL;
}

/* Public API **********************************************************/

/**
 * crm_quote_new_for_record:
 * @record: a "quotes" record
 *
 * Returns: (transfer full): the engine's quote, computed the way the
 *   record says (its tax_mode and rounding)
 */
CrmQuote *
crm_quote_new_for_record (CrmRecord  *record,
                          GError    **error)
{
  CrmRounding rounding = CRM_ROUND_HALF_UP;
  CrmTaxMode mode = CRM_TAX_MODE_DOCUMENT;
  const char *text;

  g_return_val_if_fail (CRM_IS_RECORD (record), NULL);

  if ((text = crm_record_get_string (record, "rounding")) && !crm_rounding_from_string (text, &rounding))
    {
      g_set_error (error, CRM_QUOTE_ERROR, CRM_QUOTE_ERROR_INVALID,
                   _("rounding: “%s” is not half-up, half-even or down"), text);
      return NULL;
    }
  if ((text = crm_record_get_string (record, "tax_mode")) && !crm_tax_mode_from_string (text, &mode))
    {
      g_set_error (error, CRM_QUOTE_ERROR, CRM_QUOTE_ERROR_INVALID,
                   _("tax_mode: “%s” is not document or per-line"), text);
      return NULL;
    }
  return crm_quote_new_from_record (record, rounding, mode, error);
}

/**
 * crm_quote_record_compute:
 *
 * Sets the record's subtotal, discount, shipping, tax and total to what
 * the engine makes of its lines, as amounts in its currency.
 */
gboolean
crm_quote_record_compute (CrmRecord  *record,
                          GError    **error)
{
  g_autoptr(CrmQuote) quote = NULL;
  g_autoptr(CrmQuoteTotals) totals = NULL;
  gint64 values[5];

  g_return_val_if_fail (CRM_IS_RECORD (record), FALSE);

  if (!(quote = crm_quote_new_for_record (record, error)) ||
      !(totals = crm_quote_compute (quote, error)))
    return FALSE;

  values[0] = totals->subtotal;
  values[1] = totals->discount;
  values[2] = totals->shipping;
  values[3] = totals->tax;
  values[4] = totals->total;
  for (guint i = 0; crm_quote_total_fields[i]; i++)
    {
      g_autofree char *text = crm_decimal_format (values[i], totals->digits);

      crm_record_take_field (record, crm_quote_total_fields[i], string_node (text));
    }
  return TRUE;
}

gboolean
crm_quote_record_check_totals (CrmRecord  *record,
                               GError    **error)
{
  g_autoptr(CrmRecord) computed = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (CRM_IS_RECORD (record), FALSE);

  computed = crm_record_copy (record);
  if (!crm_quote_record_compute (computed, &local_error))
    {
      g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE,
                   _("the quote cannot be computed: %s"), local_error->message);
      return FALSE;
    }
  for (guint i = 0; crm_quote_total_fields[i]; i++)
    {
      const char *name = crm_quote_total_fields[i];
      JsonNode *stored = crm_record_get_field (record, name);
      JsonNode *made = crm_record_get_field (computed, name);

      if (stored == NULL || JSON_NODE_HOLDS_NULL (stored))
        {
          g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE,
                       _("%s: missing; the quote’s lines make %s"), name, json_node_get_string (made));
          return FALSE;
        }
      if (!crm_values_equal (stored, made))
        {
          g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE,
                       _("%s: %s disagrees with the quote’s lines, which make %s"),
                       name, json_node_get_string (stored), json_node_get_string (made));
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
crm_quote_record_check_change (CrmRecord  *previous,
                               CrmRecord  *next,
                               GError    **error)
{
  static const struct {
    const char *from;
    const char *to;
  } transitions[] = {
    { "draft", "sent" },
    { "sent", "accepted" },
    { "sent", "rejected" },
    { "sent", "expired" },
  };
  const CrmEntity *entity;
  const char *before;
  const char *after;

  g_return_val_if_fail (CRM_IS_RECORD (previous), FALSE);
  g_return_val_if_fail (CRM_IS_RECORD (next), FALSE);

  entity = crm_record_get_entity (previous);
  before = record_text (previous, "status", "draft");
  after = record_text (next, "status", "draft");

  if (!g_str_equal (before, "draft"))
    for (guint i = 0; i < entity->n_fields; i++)
      {
        const char *name = entity->fields[i].name;
        JsonNode *old_value = crm_record_get_field (previous, name);

        if (g_str_equal (name, "status"))
          continue;
        /* A quote stored before totals were kept gets them on any save */
        if (is_total_field (name) && (old_value == NULL || JSON_NODE_HOLDS_NULL (old_value)))
          continue;
        if (!crm_values_equal (old_value, crm_record_get_field (next, name)))
          {
            g_autofree char *label = dup_label (previous);

            g_set_error (error, CRM_QUOTE_STATE_ERROR, CRM_QUOTE_STATE_ERROR_NOT_EDITABLE,
                         _("%s: %s is %s and only a draft can be changed; revise it to make a new draft"),
                         name, label, before);
            return FALSE;
          }
      }

  if (g_str_equal (before, after))
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (transitions); i++)
    if (g_str_equal (before, transitions[i].from) && g_str_equal (after, transitions[i].to))
      return TRUE;

  {
    g_autofree char *label = dup_label (previous);

    g_set_error (error, CRM_QUOTE_STATE_ERROR, CRM_QUOTE_STATE_ERROR_TRANSITION,
                 _("status: %s is %s and cannot become %s (draft → sent → accepted, rejected or expired)"),
                 label, before, after);
  }
  return FALSE;
}

const char *
crm_quote_record_get_status (CrmRecord   *record,
                             const GDate *today)
{
  const char *status;
  GDate now, valid_until;

  g_return_val_if_fail (CRM_IS_RECORD (record), NULL);

  status = record_text (record, "status", "draft");
  if (!g_str_equal (status, "sent") ||
      !parse_iso_date (crm_record_get_string (record, "valid_until"), &valid_until))
    return status;
  if (today == NULL)
    {
      today_date (&now);
      today = &now;
    }
  return g_date_compare (&valid_until, today) < 0 ? "expired" : status;
}

/**
 * crm_quote_record_dup_number_prefix:
 *
 * Returns: (transfer full): "Q-RILEY" for a profile signed in as riley;
 *   without a sign-in, a random "Q-7F3A" kept in the profile
 */
char *
crm_quote_record_dup_number_prefix (CrmStore  *store,
                                    GError   **error)
{
  g_autofree char *username = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *prefix = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  /* Server user names are unique and lower case [a-z0-9._-] */
  if ((username = crm_store_dup_setting (store, "username")) && *username)
    {
      g_autofree char *upper = g_ascii_strup (username, -1);

      return g_strconcat ("Q-", upper, NULL);
    }
  if ((kept = crm_store_dup_setting (store, "quote_number_prefix")) && *kept)
    return g_steal_pointer (&kept);

  prefix = g_strdup_printf ("Q-%04X", g_random_int_range (0, 0x10000));
  if (!crm_store_set_setting (store, "quote_number_prefix", prefix, error))
    return NULL;
  return g_steal_pointer (&prefix);
}

CrmRecord *
crm_quote_record_add_line (CrmStore    *store,
                           const char  *id,
                           JsonObject  *line,
                           int          position,
                           GError     **error)
{
  g_autoptr(CrmRecord) quote = NULL;
  g_autoptr(JsonArray) lines = NULL;
  g_autoptr(JsonObject) copy = json_object_new ();
  g_autoptr(GList) members = NULL;
  g_autoptr(JsonArray) rebuilt = NULL;
  guint n;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (line != NULL, NULL);

  if (!(quote = load_quote (store, id, error)) ||
      !require_status (quote, "draft", _("changed"), error))
    return NULL;

  members = json_object_get_members (line);
  for (const GList *l = members; l; l = l->next)
    json_object_set_member (copy, l->data, json_node_copy (json_object_get_member (line, l->data)));
  if (json_object_has_member (copy, "product") && !fill_from_product (store, quote, copy, error))
    return NULL;

  lines = dup_lines (quote);
  n = json_array_get_length (lines);
  if (position < 0 || (guint) position >= n)
    {
      json_array_add_object_element (lines, g_steal_pointer (&copy));
      return save_lines (store, id, lines, error);
    }

  rebuilt = json_array_new ();
  for (guint i = 0; i < n; i++)
    {
      if (i == (guint) position)
        json_array_add_object_element (rebuilt, g_steal_pointer (&copy));
      json_array_add_element (rebuilt, json_node_copy (json_array_get_element (lines, i)));
    }
  return save_lines (store, id, rebuilt, error);
}

CrmRecord *
crm_quote_record_remove_line (CrmStore    *store,
                              const char  *id,
                              guint        index,
                              GError     **error)
{
  g_autoptr(CrmRecord) quote = NULL;
  g_autoptr(JsonArray) lines = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (!(quote = load_quote (store, id, error)) ||
      !require_status (quote, "draft", _("changed"), error))
    return NULL;
  lines = dup_lines (quote);
  if (!check_line_index (quote, lines, index, error))
    return NULL;
  json_array_remove_element (lines, index);
  return save_lines (store, id, lines, error);
}

CrmRecord *
crm_quote_record_move_line (CrmStore    *store,
                            const char  *id,
                            guint        from,
                            guint        to,
                            GError     **error)
{
  g_autoptr(CrmRecord) quote = NULL;
  g_autoptr(JsonArray) lines = NULL;
  g_autoptr(JsonArray) moved = NULL;
  g_autoptr(JsonNode) line = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (!(quote = load_quote (store, id, error)) ||
      !require_status (quote, "draft", _("changed"), error))
    return NULL;
  lines = dup_lines (quote);
  if (!check_line_index (quote, lines, from, error) ||
      !check_line_index (quote, lines, to, error))
    return NULL;

  line = json_node_copy (json_array_get_element (lines, from));
  json_array_remove_element (lines, from);
  moved = json_array_new ();
  for (guint i = 0; i <= json_array_get_length (lines); i++)
    {
      if (i == to)
        json_array_add_element (moved, json_node_copy (line));
      if (i < json_array_get_length (lines))
        json_array_add_element (moved, json_node_copy (json_array_get_element (lines, i)));
    }
  return save_lines (store, id, moved, error);
}

CrmRecord *
crm_quote_record_send (CrmStore    *store,
                       const char  *id,
                       GError     **error)
{
  g_autoptr(CrmRecord) quote = NULL;
  g_autoptr(JsonObject) changes = json_object_new ();
  GDate today, valid_until;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (!(quote = load_quote (store, id, error)) ||
      !require_status (quote, "draft", _("sent"), error))
    return NULL;

  today_date (&today);
  if (parse_iso_date (crm_record_get_string (quote, "valid_until"), &valid_until) &&
      g_date_compare (&valid_until, &today) < 0)
    {
      g_autofree char *label = dup_label (quote);

      g_set_error (error, CRM_QUOTE_STATE_ERROR, CRM_QUOTE_STATE_ERROR_EXPIRED,
                   _("valid_until: %s was valid until %s, which has passed; set a new date first"),
                   label, crm_record_get_string (quote, "valid_until"));
      return NULL;
    }
  json_object_set_string_member (changes, "status", "sent");
  return update_fields (store, id, changes, error);
}

CrmRecord *
crm_quote_record_reject (CrmStore    *store,
                         const char  *id,
                         GError     **error)
{
  g_autoptr(CrmRecord) quote = NULL;
  g_autoptr(JsonObject) changes = json_object_new ();

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (!(quote = load_quote (store, id, error)))
    return NULL;
  /* A customer may turn down a quote that has run out as well */
  if (!g_str_equal (record_text (quote, "status", "draft"), "sent") &&
      !require_status (quote, "sent", _("rejected"), error))
    return NULL;
  json_object_set_string_member (changes, "status", "rejected");
  return update_fields (store, id, changes, error);
}

CrmRecord *
crm_quote_record_accept (CrmStore    *store,
                         const char  *id,
                         gboolean     update_deal,
                         GError     **error)
{
  g_autoptr(CrmRecord) quote = NULL;
  g_autoptr(CrmRecord) accepted = NULL;
  g_autoptr(JsonObject) changes = json_object_new ();

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (!(quote = load_quote (store, id, error)) ||
      !require_status (quote, "sent", _("accepted"), error))
    return NULL;

  if (!crm_store_begin (store, error))
    return NULL;
  json_object_set_string_member (changes, "status", "accepted");
  if (!(accepted = update_fields (store, id, changes, error)) ||
      (update_deal && !win_deal (store, accepted, error)))
    {
      crm_store_rollback (store);
      return NULL;
    }
  if (!crm_store_commit (store, error))
    return NULL;
  return g_steal_pointer (&accepted);
}

CrmRecord *
crm_quote_record_revise (CrmStore    *store,
                         const char  *id,
                         GError     **error)
{
  static const char * const not_copied[] = {
    "status", "revision", "previous_id", "subtotal", "discount", "tax", "total", NULL
  };
  g_autoptr(CrmRecord) quote = NULL;
  g_autoptr(GPtrArray) revisions = NULL;
  g_autoptr(JsonObject) fields = json_object_new ();
  const CrmEntity *entity;
  const char *status;
  gint64 last = 0;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (!(quote = load_quote (store, id, error)))
    return NULL;
  status = record_text (quote, "status", "draft");
  if (!g_str_equal (status, "sent") && !g_str_equal (status, "rejected") && !g_str_equal (status, "expired"))
    {
      g_autofree char *label = dup_label (quote);

      g_set_error (error, CRM_QUOTE_STATE_ERROR, CRM_QUOTE_STATE_ERROR_TRANSITION,
                   g_str_equal (status, "draft")
                     ? _("%s is a draft; edit it as it is, only a sent, rejected or expired quote is revised")
                     : _("%s was accepted; only a sent, rejected or expired quote is revised"),
                   label);
      return NULL;
    }

  if (!crm_store_begin (store, error))
    return NULL;
  if (!(revisions = crm_quote_record_list_revisions (store, crm_record_get_string (quote, "number"), error)))
    goto failed;
  for (guint i = 0; i < revisions->len; i++)
    last = MAX (last, record_revision (g_ptr_array_index (revisions, i)));

  entity = crm_record_get_entity (quote);
  for (guint i = 0; i < entity->n_fields; i++)
    {
      const char *name = entity->fields[i].name;
      JsonNode *value = crm_record_get_field (quote, name);

      if (!g_strv_contains (not_copied, name) && value != NULL && !JSON_NODE_HOLDS_NULL (value))
        json_object_set_member (fields, name, json_node_copy (value));
    }
  json_object_set_string_member (fields, "status", "draft");
  json_object_set_int_member (fields, "revision", last + 1);
  json_object_set_string_member (fields, "previous_id", crm_record_get_id (quote));

  {
    g_autoptr(CrmRecord) draft = crm_store_create (store, "quotes", fields, error);

    if (draft == NULL || !crm_store_commit (store, error))
      goto failed;
    return g_steal_pointer (&draft);
  }

failed:
  crm_store_rollback (store);
  return NULL;
}

GPtrArray *
crm_quote_record_list_revisions (CrmStore    *store,
                                 const char  *number,
                                 GError     **error)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (number != NULL, NULL);

  /* Listed by number, then revision */
  if (!(all = crm_store_list (store, "quotes", NULL, 0, 0, error)))
    return NULL;
  for (guint i = 0; i < all->len; i++)
    if (g_strcmp0 (crm_record_get_string (g_ptr_array_index (all, i), "number"), number) == 0)
      g_ptr_array_add (found, g_object_ref (g_ptr_array_index (all, i)));
  return g_steal_pointer (&found);
}

/**
 * crm_product_lookup:
 * @sku_or_id: a product's SKU (any case) or id
 *
 * Returns: (transfer full): the product; %CRM_STORE_ERROR_NOT_FOUND when
 *   the catalog has none
 */
CrmRecord *
crm_product_lookup (CrmStore    *store,
                    const char  *sku_or_id,
                    GError     **error)
{
  g_autoptr(GPtrArray) products = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (sku_or_id == NULL || *sku_or_id == '\0')
    {
      g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE,
                   _("product: a SKU or product id is needed"));
      return NULL;
    }
  if (crm_is_uuid (sku_or_id))
    return crm_store_get (store, "products", sku_or_id, error);

  if (!(products = crm_store_list (store, "products", NULL, 0, 0, error)))
    return NULL;
  for (guint i = 0; i < products->len; i++)
    {
      CrmRecord *product = g_ptr_array_index (products, i);

      if (g_ascii_strcasecmp (record_text (product, "sku", ""), sku_or_id) == 0)
        return g_object_ref (product);
    }
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
               _("No product with SKU %s in the catalog"), sku_or_id);
  return NULL;
}

char *
crm_product_dup_price (CrmRecord  *product,
                       const char *currency)
{
  JsonNode *prices;

  g_return_val_if_fail (CRM_IS_RECORD (product), NULL);
  g_return_val_if_fail (currency != NULL, NULL);

  if (g_strcmp0 (crm_record_get_string (product, "currency"), currency) == 0)
    return g_strdup (crm_record_get_string (product, "unit_price"));
  prices = crm_record_get_field (product, "prices");
  if (prices != NULL && JSON_NODE_HOLDS_OBJECT (prices) &&
      json_object_has_member (json_node_get_object (prices), currency))
    return g_strdup (json_object_get_string_member (json_node_get_object (prices), currency));
  return NULL;
}

gboolean
_crm_quote_record_prepare (CrmStore   *store,
                           CrmRecord  *previous,
                           CrmRecord  *record,
                           GError    **error)
{
  g_autoptr(CrmRecord) computed = NULL;
  const char *number;

  if (previous == NULL)
    {
      number = crm_record_get_string (record, "number");
      if ((number == NULL || *number == '\0') && !assign_number (store, record, error))
        return FALSE;
      fill_computation_defaults (store, record);
    }

  /* Canonical values first, so the engine reads what is stored */
  if (!crm_record_validate (record, error))
    return FALSE;
  if (previous != NULL && !crm_quote_record_check_change (previous, record, error))
    return FALSE;

  computed = crm_record_copy (record);
  if (!crm_quote_record_compute (computed, error) ||
      !check_user_totals (previous, record, computed, error))
    return FALSE;
  for (guint i = 0; crm_quote_total_fields[i]; i++)
    crm_record_take_field (record, crm_quote_total_fields[i],
                           json_node_copy (crm_record_get_field (computed, crm_quote_total_fields[i])));
  return TRUE;
}

/* What a stored quote prints ******************************************/

static const char *
keep_string (CrmQuoteDocument *doc,
             char             *text)
{
  if (text)
    g_ptr_array_add (doc->strings, text);
  return text;
}

static char *
related_text (CrmStore   *store,
              CrmRecord  *quote,
              const char *link,
              const char *entity,
              const char *field)
{
  const char *id = crm_record_get_string (quote, link);
  g_autoptr(CrmRecord) related = id ? crm_store_get (store, entity, id, NULL) : NULL;

  return related ? g_strdup (crm_record_get_string (related, field)) : NULL;
}

/**
 * crm_quote_document_new:
 * @record: a stored quote
 *
 * Everything the PDF and the printed page of @record show: the header
 * (the company from the profile's settings, the customer and contact from
 * the linked records, the number, revision, the day the quote was made,
 * validity, terms and notes), the engine's input and its totals. A quote
 * from before quotes kept their rounding and tax mode takes the company's.
 */
CrmQuoteDocument *
crm_quote_document_new (CrmStore   *store,
                        CrmRecord  *record,
                        GError    **error)
{
  g_autoptr(CrmQuoteDocument) doc = g_new0 (CrmQuoteDocument, 1);
  g_autofree char *first = NULL;
  g_autofree char *last = NULL;
  const char *created;
  JsonNode *revision;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (CRM_IS_RECORD (record), NULL);

  doc->strings = g_ptr_array_new_with_free_func (g_free);
  if (!(doc->quote = crm_quote_new_for_record (record, error)))
    return NULL;
  if (crm_record_get_string (record, "rounding") == NULL || crm_record_get_string (record, "tax_mode") == NULL)
    {
      g_autoptr(CrmRecord) settled = crm_record_copy (record);
      CrmRounding rounding;
      CrmTaxMode mode;

      fill_computation_defaults (store, settled);
      if (!crm_rounding_from_string (crm_record_get_string (settled, "rounding"), &rounding) ||
          !crm_tax_mode_from_string (crm_record_get_string (settled, "tax_mode"), &mode))
        {
          g_set_error (error, CRM_QUOTE_ERROR, CRM_QUOTE_ERROR_INVALID,
                       _("The profile’s quote_rounding or quote_tax_mode setting is not valid"));
          return NULL;
        }
      crm_quote_set_rounding (doc->quote, rounding);
      crm_quote_set_tax_mode (doc->quote, mode);
    }
  if (!(doc->totals = crm_quote_compute (doc->quote, error)))
    return NULL;

  doc->header.company_name = keep_string (doc, crm_store_dup_setting (store, "company_name"));
  doc->header.company_address = keep_string (doc, crm_store_dup_setting (store, "company_address"));
  doc->header.customer_name = keep_string (doc, related_text (store, record, "account_id", "accounts", "name"));
  doc->header.customer_address = keep_string (doc, related_text (store, record, "account_id", "accounts", "address"));
  first = related_text (store, record, "contact_id", "contacts", "first_name");
  last = related_text (store, record, "contact_id", "contacts", "last_name");
  if (first || last)
    doc->header.contact_name = keep_string (doc, g_strstrip (g_strjoin (" ", first ? first : "", last ? last : "", NULL)));
  doc->header.number = keep_string (doc, g_strdup (crm_record_get_string (record, "number")));
  revision = crm_record_get_field (record, "revision");
  doc->header.revision = revision && JSON_NODE_HOLDS_VALUE (revision) ? json_node_get_int (revision) : 1;
  /* The day the quote was made, so the same quote always prints the same */
  created = crm_record_get_created_at (record);
  if (created)
    doc->header.date = keep_string (doc, g_strndup (created, 10));
  else
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

      doc->header.date = keep_string (doc, g_date_time_format (now, "%Y-%m-%d"));
    }
  doc->header.valid_until = keep_string (doc, g_strdup (crm_record_get_string (record, "valid_until")));
  doc->header.terms = keep_string (doc, g_strdup (crm_record_get_string (record, "terms")));
  doc->header.notes = keep_string (doc, g_strdup (crm_record_get_string (record, "notes")));
  return g_steal_pointer (&doc);
}

void
crm_quote_document_free (CrmQuoteDocument *doc)
{
  if (doc == NULL)
    return;
  g_clear_pointer (&doc->totals, crm_quote_totals_free);
  g_clear_pointer (&doc->quote, crm_quote_free);
  g_clear_pointer (&doc->strings, g_ptr_array_unref);
  g_free (doc);
}

