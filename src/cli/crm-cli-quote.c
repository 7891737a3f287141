/* crm-cli-quote.c: the quote subcommands of crm-cli that work on records
 *
 *   crm-cli quote create FIELD=VALUE…            a new draft; prints its id
 *   crm-cli quote add-line ID [--position N] FIELD=VALUE…   product=SKU fills from the catalog
 *   crm-cli quote remove-line ID N
 *   crm-cli quote move-line ID FROM TO
 *   crm-cli quote send ID | reject ID
 *   crm-cli quote accept ID [--update-deal]
 *   crm-cli quote revise ID                      a new draft revision; prints its id
 *   crm-cli quote show ID [--json] [--explain]
 *   crm-cli quote list [--status S] [--account ID] [--search TEXT] [--json]
 *
 * Exit status as for every crm-cli command: 0 done; 1 could not be done
 * (no such quote, a quote that is not a draft, a step its status does not
 * allow); 2 a wrong command line or value, nothing written.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "crm-cli-quote.h"
#include "crm-cli-util.h"
#include "crm-quote-record.h"
#include "crm-store.h"

static struct
{
  gboolean  json;
  gboolean  update_deal;
  int       position;
  char     *status;
  char     *account;
  char     *search;
} quote_options = { FALSE, FALSE, 0, NULL, NULL, NULL };

static const GOptionEntry entries[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &quote_options.json, N_("Print JSON"), NULL },
  { "update-deal", 0, 0, G_OPTION_ARG_NONE, &quote_options.update_deal,
    N_("accept: set the deal’s amount to the quote’s total and move it to Closed Won"), NULL },
  { "position", 0, 0, G_OPTION_ARG_INT, &quote_options.position,
    N_("add-line: insert as line N (from 1) instead of at the end"), N_("N") },
  { "status", 0, 0, G_OPTION_ARG_STRING, &quote_options.status,
    N_("list: only quotes with this status (draft, sent, accepted, rejected, expired)"), N_("STATUS") },
  { "account", 0, 0, G_OPTION_ARG_STRING, &quote_options.account,
    N_("list: only the quotes of this account id"), N_("ID") },
  { "search", 's', 0, G_OPTION_ARG_STRING, &quote_options.search,
    N_("list: only quotes whose number, notes or lines contain every word of TEXT"), N_("TEXT") },
  { NULL }
};

static const char * const subcommands[] = {
  "create", "add-line", "remove-line", "move-line", "send", "accept", "reject",
  "revise", "show", "list", NULL
};

/* Helpers *************************************************************/

/* A wrong value is a usage error (2); a refusal, a missing record or a
 * store that cannot be written is work that could not be done (1). */
static int
fail_error (const GError *error)
{
  if (error->domain == CRM_ENTITY_ERROR || error->domain == CRM_DECIMAL_ERROR ||
      error->domain == CRM_QUOTE_ERROR)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, "%s", error->message);
  return crm_cli_fail (1, "%s", error->message);
}

static void
print_json (JsonNode *node)
{
  g_autofree char *text = json_to_string (node, TRUE);

  g_print ("%s\n", text);
}

static const char *
text_or (CrmRecord  *record,
         const char *name,
         const char *fallback)
{
  const char *text = crm_record_get_string (record, name);

  return text ? text : fallback;
}

static gint64
revision_of (CrmRecord *quote)
{
  JsonNode *node = crm_record_get_field (quote, "revision");

  return node && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_int (node) : 1;
}

/* key=value arguments as one quote line; every value is a string, as the
 * engine wants (never a JSON number) */
static JsonObject *
parse_line (int       argc,
            char    **argv,
            GError  **error)
{
  static const char * const known[] = {
    "kind", "description", "product", "product_id", "quantity", "unit_price",
    "discount_percent", "discount_amount", "tax_rate", NULL
  };
  g_autoptr(JsonObject) line = json_object_new ();

  for (int i = 0; i < argc; i++)
    {
      const char *eq = strchr (argv[i], '=');
      g_autofree char *key = NULL;

      if (eq == NULL || eq == argv[i])
        {
          g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE,
                       _("“%s” is not a field assignment like quantity=2"), argv[i]);
          return NULL;
        }
      key = g_strndup (argv[i], eq - argv[i]);
      if (!g_strv_contains (known, key))
        {
          g_autofree char *names = g_strjoinv (", ", (char **) known);

          g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_UNKNOWN_FIELD,
                       _("%s: a quote line has no such field; it has %s"), key, names);
          return NULL;
        }
      json_object_set_string_member (line, key, eq + 1);
    }
  if (json_object_get_size (line) == 0)
    {
      g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_MISSING_FIELD,
                   _("add-line needs the line’s fields, e.g. product=CRM-SEAT quantity=10 "
                     "or description=Setup quantity=1 unit_price=500"));
      return NULL;
    }
  return g_steal_pointer (&line);
}

/* A deal's currency and account, for a quote made from it */
static gboolean
fill_from_deal (CrmStore    *store,
                JsonObject  *fields,
                GError     **error)
{
  g_autoptr(CrmRecord) deal = NULL;
  const char *deal_id;

  if (!json_object_has_member (fields, "opportunity_id") ||
      !(deal_id = json_object_get_string_member (fields, "opportunity_id")))
    return TRUE;
  if (!(deal = crm_store_get (store, "opportunities", deal_id, error)))
    return FALSE;
  if (!json_object_has_member (fields, "currency"))
    json_object_set_string_member (fields, "currency", text_or (deal, "currency", "EUR"));
  if (!json_object_has_member (fields, "account_id") && crm_record_get_string (deal, "account_id"))
    json_object_set_string_member (fields, "account_id", crm_record_get_string (deal, "account_id"));
  return TRUE;
}

static gboolean
parse_line_number (const char  *text,
                   guint        n_max,
                   guint       *out,
                   GError     **error)
{
  guint64 n;

  if (!g_ascii_string_to_unsigned (text, 10, 1, MAX (n_max, 1), &n, NULL))
    {
      g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE,
                   _("line: “%s” is not a line number from 1"), text);
      return FALSE;
    }
  *out = (guint) n - 1;
  return TRUE;
}

static char *
dup_summary (CrmRecord *quote)
{
  JsonNode *lines = crm_record_get_field (quote, "lines");
  guint n = lines && JSON_NODE_HOLDS_ARRAY (lines) ? json_array_get_length (json_node_get_array (lines)) : 0;

  return g_strdup_printf (_("%s revision %" G_GINT64_FORMAT " (%s): %u line(s), subtotal %s, total %s %s"),
                          text_or (quote, "number", "?"), revision_of (quote),
                          crm_quote_record_get_status (quote, NULL), n,
                          text_or (quote, "subtotal", "?"), text_or (quote, "total", "?"),
                          text_or (quote, "currency", ""));
}

static void
print_result (CrmRecord *quote)
{
  if (quote_options.json)
    {
      g_autoptr(JsonNode) node = crm_record_to_json (quote);

      print_json (node);
    }
  else
    {
      g_autofree char *summary = dup_summary (quote);

      g_print ("%s\n", summary);
    }
}

static gboolean
check_id (const char  *id,
          GError     **error)
{
  if (crm_is_uuid (id))
    return TRUE;
  g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE,
               _("“%s” is not a quote id"), id);
  return FALSE;
}

/* Subcommands *********************************************************/

static int
quote_create (CrmStore  *store,
              int        argc,
              char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) fields = NULL;
  g_autoptr(CrmRecord) quote = NULL;

  if (!(fields = crm_cli_parse_assignments (crm_entity_lookup ("quotes"), argc - 1, argv + 1, FALSE, &error)) ||
      !fill_from_deal (store, fields, &error) ||
      !(quote = crm_store_create (store, "quotes", fields, &error)))
    return fail_error (error);

  if (quote_options.json)
    print_result (quote);
  else
    g_print ("%s\n", crm_record_get_id (quote));
  return 0;
}

static int
quote_add_line (CrmStore  *store,
                int        argc,
                char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) line = NULL;
  g_autoptr(CrmRecord) quote = NULL;

  if (argc < 3)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("quote add-line needs a quote id and the line’s fields, "
                               "e.g. crm-cli quote add-line ID product=CRM-SEAT quantity=10"));
  if (quote_options.position < 0)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("--position must be a line number from 1"));
  if (!check_id (argv[1], &error) ||
      !(line = parse_line (argc - 2, argv + 2, &error)) ||
      !(quote = crm_quote_record_add_line (store, argv[1], line, quote_options.position - 1, &error)))
    return fail_error (error);
  print_result (quote);
  return 0;
}

static guint
count_lines (CrmStore   *store,
             const char *id)
{
  g_autoptr(CrmRecord) quote = crm_store_get (store, "quotes", id, NULL);
  JsonNode *lines = quote ? crm_record_get_field (quote, "lines") : NULL;

  return lines && JSON_NODE_HOLDS_ARRAY (lines) ? json_array_get_length (json_node_get_array (lines)) : 0;
}

static int
quote_remove_line (CrmStore  *store,
                   int        argc,
                   char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmRecord) quote = NULL;
  guint index;

  if (argc != 3)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("quote remove-line needs a quote id and a line number, e.g. crm-cli quote remove-line ID 2"));
  if (!check_id (argv[1], &error) ||
      !parse_line_number (argv[2], G_MAXUINT32, &index, &error) ||
      !(quote = crm_quote_record_remove_line (store, argv[1], index, &error)))
    return fail_error (error);
  print_result (quote);
  return 0;
}

static int
quote_move_line (CrmStore  *store,
                 int        argc,
                 char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmRecord) quote = NULL;
  guint from, to;

  if (argc != 4)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("quote move-line needs a quote id and two line numbers, e.g. crm-cli quote move-line ID 3 1"));
  if (!check_id (argv[1], &error) ||
      !parse_line_number (argv[2], MAX (count_lines (store, argv[1]), 1), &from, &error) ||
      !parse_line_number (argv[3], MAX (count_lines (store, argv[1]), 1), &to, &error) ||
      !(quote = crm_quote_record_move_line (store, argv[1], from, to, &error)))
    return fail_error (error);
  print_result (quote);
  return 0;
}

static int
quote_step (CrmStore  *store,
            int        argc,
            char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmRecord) quote = NULL;
  const char *step = argv[0];

  if (argc != 2)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("quote %s needs one quote id, e.g. crm-cli quote %s ID"), step, step);
  if (!check_id (argv[1], &error))
    return fail_error (error);

  if (g_str_equal (step, "send"))
    quote = crm_quote_record_send (store, argv[1], &error);
  else if (g_str_equal (step, "reject"))
    quote = crm_quote_record_reject (store, argv[1], &error);
  else if (g_str_equal (step, "accept"))
    quote = crm_quote_record_accept (store, argv[1], quote_options.update_deal, &error);
  else
    quote = crm_quote_record_revise (store, argv[1], &error);
  if (quote == NULL)
    return fail_error (error);

  if (g_str_equal (step, "revise") && !quote_options.json)
    {
      g_print ("%s\n", crm_record_get_id (quote));
      return 0;
    }
  print_result (quote);
  if (g_str_equal (step, "accept") && !quote_options.update_deal &&
      crm_record_get_string (quote, "opportunity_id") && !quote_options.json)
    g_printerr (_("To set the deal’s amount to %s %s and move it to Closed Won, run "
                  "crm-cli quote accept with --update-deal next time, or "
                  "crm-cli update opportunities %s amount=%s currency=%s stage_id=WON-STAGE\n"),
                text_or (quote, "total", "0"), text_or (quote, "currency", ""),
                crm_record_get_string (quote, "opportunity_id"),
                text_or (quote, "total", "0"), text_or (quote, "currency", ""));
  return 0;
}

static void
add_revisions (JsonObject *object,
               GPtrArray  *revisions)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < revisions->len; i++)
    {
      CrmRecord *r = g_ptr_array_index (revisions, i);
      JsonObject *item = json_object_new ();

      json_object_set_string_member (item, "id", crm_record_get_id (r));
      json_object_set_int_member (item, "revision", revision_of (r));
      json_object_set_string_member (item, "status", crm_quote_record_get_status (r, NULL));
      json_object_set_string_member (item, "total", text_or (r, "total", ""));
      json_array_add_object_element (array, item);
    }
  json_object_set_array_member (object, "revisions", array);
}

static void
print_show_text (CrmStore       *store,
                 CrmRecord      *quote,
                 CrmQuoteTotals *totals,
                 GPtrArray      *revisions,
                 gboolean        explain)
{
  JsonNode *lines = crm_record_get_field (quote, "lines");
  JsonArray *array = lines && JSON_NODE_HOLDS_ARRAY (lines) ? json_node_get_array (lines) : NULL;
  g_autoptr(CrmRecord) account = NULL;
  g_autoptr(CrmRecord) deal = NULL;
  const char *currency = text_or (quote, "currency", "");

  if (crm_record_get_string (quote, "account_id"))
    account = crm_store_get (store, "accounts", crm_record_get_string (quote, "account_id"), NULL);
  if (crm_record_get_string (quote, "opportunity_id"))
    deal = crm_store_get (store, "opportunities", crm_record_get_string (quote, "opportunity_id"), NULL);

  g_print (_("Quote %s, revision %" G_GINT64_FORMAT " (%s)\n"), text_or (quote, "number", "?"),
           revision_of (quote), crm_quote_record_get_status (quote, NULL));
  g_print ("%-14s %s\n", _("Id"), crm_record_get_id (quote));
  if (account)
    g_print ("%-14s %s\n", _("Account"), text_or (account, "name", ""));
  if (deal)
    g_print ("%-14s %s\n", _("Deal"), text_or (deal, "name", ""));
  g_print ("%-14s %s\n", _("Valid until"), text_or (quote, "valid_until", "—"));
  g_print ("%-14s %s (%s tax, %s rounding)\n", _("Currency"), currency,
           text_or (quote, "tax_mode", "document"), text_or (quote, "rounding", "half-up"));
  if (crm_record_get_string (quote, "terms"))
    g_print ("%-14s %s\n", _("Terms"), crm_record_get_string (quote, "terms"));
  g_print ("\n  #  %-34s %10s %12s %10s %6s %14s\n", _("Description"), _("Qty"), _("Unit price"),
           _("Discount"), _("Tax %"), _("Net"));
  for (guint i = 0; array && i < json_array_get_length (array); i++)
    {
      JsonObject *line = json_array_get_object_element (array, i);
      const CrmQuoteLineTotal *total = &g_array_index (totals->lines, CrmQuoteLineTotal, i);
      g_autofree char *net = crm_decimal_format (total->net, totals->digits);
      g_autofree char *discount = NULL;
      const char *description = json_object_get_string_member_with_default (line, "description", "");

      if (total->section)
        {
          g_print ("%3u  %-34s %55s\n", i + 1, description, net);
          continue;
        }
      if (json_object_has_member (line, "discount_percent"))
        discount = g_strdup_printf ("%s%%", json_object_get_string_member (line, "discount_percent"));
      else
        discount = g_strdup (json_object_get_string_member_with_default (line, "discount_amount", ""));
      g_print ("%3u  %-34s %10s %12s %10s %6s %14s\n", i + 1, description,
               json_object_get_string_member_with_default (line, "quantity", ""),
               json_object_get_string_member_with_default (line, "unit_price", ""),
               discount, json_object_get_string_member_with_default (line, "tax_rate", "0"), net);
    }

  g_print ("\n%-20s %14s\n", _("Subtotal"), text_or (quote, "subtotal", "?"));
  g_print ("%-20s %14s\n", _("Discount"), text_or (quote, "discount", "?"));
  g_print ("%-20s %14s\n", _("Shipping"), text_or (quote, "shipping", "?"));
  for (guint i = 0; i < totals->taxes->len; i++)
    {
      const CrmQuoteTax *tax = &g_array_index (totals->taxes, CrmQuoteTax, i);
      g_autofree char *rate = crm_decimal_format_trimmed (tax->rate, CRM_QUOTE_PERCENT_SCALE);
      g_autofree char *base = crm_decimal_format (tax->base, totals->digits);
      g_autofree char *amount = crm_decimal_format (tax->tax, totals->digits);
      g_autofree char *label = g_strdup_printf (_("Tax %s%% on %s"), rate, base);

      g_print ("%-20s %14s\n", label, amount);
    }
  g_print ("%-20s %14s %s\n", _("Total"), text_or (quote, "total", "?"), currency);

  if (revisions->len > 1)
    {
      g_print ("\n%s", _("Revisions:"));
      for (guint i = 0; i < revisions->len; i++)
        g_print (" %" G_GINT64_FORMAT " %s%s", revision_of (g_ptr_array_index (revisions, i)),
                 crm_quote_record_get_status (g_ptr_array_index (revisions, i), NULL),
                 i + 1 < revisions->len ? "," : "");
      g_print ("\n");
    }
  if (explain)
    {
      g_print ("\n");
      for (guint i = 0; i < totals->explain->len; i++)
        g_print ("%s\n", (const char *) g_ptr_array_index (totals->explain, i));
    }
}

static int
quote_show (CrmStore  *store,
            gboolean   explain,
            int        argc,
            char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmRecord) quote = NULL;
  g_autoptr(CrmQuote) engine = NULL;
  g_autoptr(CrmQuoteTotals) totals = NULL;
  g_autoptr(GPtrArray) revisions = NULL;

  if (argc != 2)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("quote show needs one quote id, e.g. crm-cli quote show ID"));
  if (!check_id (argv[1], &error) ||
      !(quote = crm_store_get (store, "quotes", argv[1], &error)) ||
      !(revisions = crm_quote_record_list_revisions (store, text_or (quote, "number", ""), &error)))
    return fail_error (error);
  if (!(engine = crm_quote_new_for_record (quote, &error)) ||
      !(totals = crm_quote_compute (engine, &error)))
    return crm_cli_fail (1, _("Quote %s cannot be computed: %s"), argv[1], error->message);

  if (quote_options.json)
    {
      g_autoptr(JsonNode) node = crm_record_to_json (quote);
      g_autoptr(JsonNode) computed = crm_quote_totals_to_json (totals, explain);
      JsonObject *object = json_node_get_object (node);
      JsonObject *result = json_node_get_object (computed);
      const char *status = crm_quote_record_get_status (quote, NULL);

      json_object_set_boolean_member (object, "expired", g_str_equal (status, "expired"));
      json_object_set_member (object, "line_totals",
                              json_node_copy (json_object_get_member (result, "lines")));
      json_object_set_member (object, "taxes", json_node_copy (json_object_get_member (result, "taxes")));
      if (explain)
        json_object_set_member (object, "explain", json_node_copy (json_object_get_member (result, "explain")));
      add_revisions (object, revisions);
      print_json (node);
      return 0;
    }
  print_show_text (store, quote, totals, revisions, explain);
  return 0;
}

/* Whether every word of @search is in the quote's number, notes, terms
 * or a line's description, ignoring case */
static gboolean
matches_text (CrmRecord  *quote,
              const char *search)
{
  g_autoptr(GString) haystack = g_string_new (NULL);
  g_auto(GStrv) words = NULL;
  g_autofree char *folded = NULL;
  JsonNode *lines = crm_record_get_field (quote, "lines");

  g_string_append_printf (haystack, "%s %s %s", text_or (quote, "number", ""),
                          text_or (quote, "notes", ""), text_or (quote, "terms", ""));
  if (lines && JSON_NODE_HOLDS_ARRAY (lines))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (lines)); i++)
      g_string_append_printf (haystack, " %s",
                              json_object_get_string_member_with_default (
                                json_array_get_object_element (json_node_get_array (lines), i),
                                "description", ""));
  folded = g_utf8_casefold (haystack->str, -1);
  words = g_strsplit_set (search, " \t", -1);
  for (guint i = 0; words[i]; i++)
    {
      g_autofree char *word = g_utf8_casefold (words[i], -1);

      if (*word && strstr (folded, word) == NULL)
        return FALSE;
    }
  return TRUE;
}

static int
quote_list (CrmStore  *store,
            int        argc,
            char     **argv)
{
  static const char * const statuses[] = { "draft", "sent", "accepted", "rejected", "expired", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) quotes = NULL;
  g_autoptr(JsonArray) array = json_array_new ();

  if (argc != 1)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("quote list takes only options, e.g. crm-cli quote list --status sent"));
  if (quote_options.status && !g_strv_contains (statuses, quote_options.status))
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("--status: “%s” is not draft, sent, accepted, rejected or expired"),
                 quote_options.status);
  if (quote_options.account && !crm_is_uuid (quote_options.account))
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("--account: “%s” is not an account id"), quote_options.account);
  if (!(quotes = crm_store_list (store, "quotes", NULL, 0, 0, &error)))
    return fail_error (error);

  for (guint i = 0; i < quotes->len; i++)
    {
      CrmRecord *quote = g_ptr_array_index (quotes, i);
      const char *status = crm_quote_record_get_status (quote, NULL);

      if ((quote_options.status && !g_str_equal (status, quote_options.status)) ||
          (quote_options.account && g_strcmp0 (crm_record_get_string (quote, "account_id"),
                                               quote_options.account) != 0) ||
          (quote_options.search && !matches_text (quote, quote_options.search)))
        continue;
      if (quote_options.json)
        json_array_add_element (array, crm_record_to_json (quote));
      else
        g_print ("%s\t%s\t%" G_GINT64_FORMAT "\t%s\t%s\t%s\t%s\n", crm_record_get_id (quote),
                 text_or (quote, "number", ""), revision_of (quote), status,
                 text_or (quote, "valid_until", ""), text_or (quote, "total", ""),
                 text_or (quote, "currency", ""));
    }
  if (quote_options.json)
    {
      g_autoptr(JsonNode) node = json_node_init_array (json_node_alloc (), array);

      print_json (node);
    }
  return 0;
}

/* Public API **********************************************************/

const GOptionEntry *
crm_cli_quote_entries (void)
{
  return entries;
}

gboolean
crm_cli_quote_handles (const char *name)
{
  return name != NULL && g_strv_contains (subcommands, name);
}

int
crm_cli_quote_run (const char  *data_dir,
                   const char  *profile,
                   gboolean     explain,
                   int          argc,
                   char       **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  const char *name = argv[0];
  int status;

  g_return_val_if_fail (argc >= 1 && crm_cli_quote_handles (argv[0]), CRM_CLI_EXIT_USAGE);

  if (!(store = crm_cli_open_store (data_dir, profile, &error)))
    return fail_error (error);

  if (g_str_equal (name, "create"))
    status = quote_create (store, argc, argv);
  else if (g_str_equal (name, "add-line"))
    status = quote_add_line (store, argc, argv);
  else if (g_str_equal (name, "remove-line"))
    status = quote_remove_line (store, argc, argv);
  else if (g_str_equal (name, "move-line"))
    status = quote_move_line (store, argc, argv);
  else if (g_str_equal (name, "show"))
    status = quote_show (store, explain, argc, argv);
  else if (g_str_equal (name, "list"))
    status = quote_list (store, argc, argv);
  else
    status = quote_step (store, argc, argv);

  g_clear_pointer (&quote_options.status, g_free);
  g_clear_pointer (&quote_options.account, g_free);
  g_clear_pointer (&quote_options.search, g_free);
  return status;
}
