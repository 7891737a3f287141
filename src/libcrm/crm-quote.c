/* crm-quote.c: the exact quote engine, from lines to total
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-quote"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "crm-quote.h"

/* 100 % at CRM_QUOTE_PERCENT_SCALE */
#define PERCENT_MAX   G_GINT64_CONSTANT (1000000)
/* A percent read as a fraction: 19 % is 0.19 */
#define FRACTION_SCALE (CRM_QUOTE_PERCENT_SCALE + 2)
/* The index of a line checked on its own, not as part of a quote */
#define NO_INDEX      G_MAXUINT

struct _CrmQuote
{
  char         currency[4];
  CrmRounding  rounding;
  CrmTaxMode   tax_mode;
  CrmDiscount  discount;
  gint64       shipping;
  gint64       shipping_tax_rate;
  GArray      *lines;
};

/* What the lines taxed at one rate add up to */
typedef struct
{
  gint64   rate;
  gint64   base;     /* Σ nets */
  gint64   share;    /* of the document discount */
  gint64   taxable;  /* base − share + shipping */
  gint64   line_tax; /* per-line mode: Σ rounded line taxes */
  gboolean shipping;
} RateGroup;

static const char * const tax_mode_names[] = {
  [CRM_TAX_MODE_DOCUMENT] = "document",
  [CRM_TAX_MODE_PER_LINE] = "per-line",
};

G_DEFINE_QUARK (crm-quote-error-quark, crm_quote_error)

/* Helpers *************************************************************/

static char *
dup_line_path (guint index)
{
  if (index == NO_INDEX)
    return g_strdup ("line");
  return g_strdup_printf ("lines[%u]", index);
}

static gboolean
set_invalid (GError     **error,
             const char  *field,
             const char  *format,
             ...) G_GNUC_PRINTF (3, 4);

static gboolean
set_invalid (GError     **error,
             const char  *field,
             const char  *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  /* Translators: a field of a quote, as in lines[2].quantity, and what is wrong with it */
  g_set_error (error, CRM_QUOTE_ERROR, CRM_QUOTE_ERROR_INVALID, _("%s: %s"), field, message);
  return FALSE;
}

static gboolean
set_overflow (GError     **error,
              const char  *format,
              ...) G_GNUC_PRINTF (2, 3);

static gboolean
set_overflow (GError     **error,
              const char  *format,
              ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, CRM_QUOTE_ERROR, CRM_QUOTE_ERROR_OVERFLOW,
               _("%s is too large to compute exactly"), what);
  return FALSE;
}

static gboolean
percent_is_valid (gint64 percent)
{
  return percent >= 0 && percent <= PERCENT_MAX;
}

/* Drops trailing zero decimals, so that products of typical inputs keep
 * a small scale and the whole 64-bit range for their integer part. */
static void
trim_scale (gint64 *value,
            guint  *scale)
{
  while (*scale > 0 && *value % 10 == 0)
    {
      *value /= 10;
      (*scale)--;
    }
}

static char *
format_percent (gint64 rate)
{
  return crm_decimal_format_trimmed (rate, CRM_QUOTE_PERCENT_SCALE);
}

/* a × b before any rounding, for the trace; past the widest scale it is
 * cut short and says so. */
static char *
format_exact_product (gint64 a,
                      guint  a_scale,
                      gint64 b,
                      guint  b_scale)
{
  guint scale = MIN (a_scale + b_scale, CRM_DECIMAL_MAX_SCALE);
  gint64 product;
  g_autofree char *text = NULL;

  if (!crm_decimal_mul (a, a_scale, b, b_scale, scale, CRM_ROUND_DOWN, &product, NULL))
    return g_strdup ("…");

  text = crm_decimal_format_trimmed (product, scale);
  if (scale < a_scale + b_scale)
    return g_strconcat (text, "…", NULL);
  return g_steal_pointer (&text);
}

static void
explain (CrmQuoteTotals *totals,
         const char     *format,
         ...) G_GNUC_PRINTF (2, 3);

static void
explain (CrmQuoteTotals *totals,
         const char     *format,
         ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (totals->explain, g_strdup_vprintf (format, args));
  va_end (args);
}

static gboolean
check_line (const CrmQuoteLine  *line,
            guint                index,
            GError             **error)
{
  g_autofree char *path = NULL;

  if (line->discount.kind == CRM_DISCOUNT_PERCENT && !percent_is_valid (line->discount.value))
    {
      path = dup_line_path (index);
      return set_invalid (error, path, _("discount_percent must be between 0 and 100"));
    }
  if (!percent_is_valid (line->tax_rate))
    {
      path = dup_line_path (index);
      return set_invalid (error, path, _("tax_rate must be between 0 and 100"));
    }
  return TRUE;
}

/* Steps 1–3 for one line. @totals, when given, gets the trace. */
static gboolean
compute_line (const CrmQuoteLine  *line,
              guint                index,
              guint                digits,
              CrmRounding          rounding,
              CrmQuoteTotals      *totals,
              gint64              *out_net,
              GError             **error)
{
  g_autofree char *path = NULL;
  g_autofree char *exact = NULL;
  g_autofree char *less = NULL;
  gint64 quantity = line->quantity;
  gint64 price = line->unit_price;
  guint quantity_scale = CRM_QUOTE_QUANTITY_SCALE;
  guint price_scale = CRM_QUOTE_PRICE_SCALE;
  guint gross_scale;
  gint64 gross;
  gint64 net;

  if (!check_line (line, index, error))
    return FALSE;

  /* The gross is exact: its scale is the sum of the factors' scales. */
  trim_scale (&quantity, &quantity_scale);
  trim_scale (&price, &price_scale);
  gross_scale = quantity_scale + price_scale;
  if (!crm_decimal_mul (quantity, quantity_scale, price, price_scale, gross_scale,
                        CRM_ROUND_DOWN, &gross, NULL))
    {
      path = dup_line_path (index);
      return set_overflow (error, _("%s: quantity × unit price"), path);
    }

  /* Each case rounds exactly once, from the exact net to minor units. */
  switch (line->discount.kind)
    {
    case CRM_DISCOUNT_NONE:
      if (!crm_decimal_rescale (gross, gross_scale, digits, rounding, &net, NULL))
        goto overflow;
      if (totals != NULL)
        exact = crm_decimal_format_trimmed (gross, gross_scale);
      break;

    case CRM_DISCOUNT_PERCENT:
      {
        /* gross × (100 − p) / 100 */
        gint64 factor = PERCENT_MAX - line->discount.value;
        guint factor_scale = FRACTION_SCALE;

        trim_scale (&factor, &factor_scale);
        if (!crm_decimal_mul (gross, gross_scale, factor, factor_scale, digits, rounding, &net, NULL))
          goto overflow;
        if (totals != NULL)
          {
            g_autofree char *percent = format_percent (line->discount.value);

            exact = format_exact_product (gross, gross_scale, factor, factor_scale);
            less = g_strdup_printf (_(", less %s%%"), percent);
          }
      }
      break;

    case CRM_DISCOUNT_AMOUNT:
      {
        gint64 amount = line->discount.value;
        guint amount_scale = CRM_QUOTE_PRICE_SCALE;
        guint scale;
        gint64 exact_net;

        trim_scale (&amount, &amount_scale);
        scale = MAX (gross_scale, amount_scale);
        if (!crm_decimal_rescale (gross, gross_scale, scale, CRM_ROUND_DOWN, &gross, NULL) ||
            !crm_decimal_rescale (amount, amount_scale, scale, CRM_ROUND_DOWN, &amount, NULL) ||
            !crm_decimal_sub (gross, amount, &exact_net, NULL) ||
            !crm_decimal_rescale (exact_net, scale, digits, rounding, &net, NULL))
          goto overflow;
        gross_scale = scale;
        if (totals != NULL)
          {
            g_autofree char *text = crm_decimal_format_trimmed (amount, scale);

            exact = crm_decimal_format_trimmed (exact_net, scale);
            less = g_strdup_printf (_(", less %s"), text);
          }
      }
      break;

    default:
      g_assert_not_reached ();
    }

  if (totals != NULL)
    {
      g_autofree char *q = crm_decimal_format_trimmed (quantity, quantity_scale);
      g_autofree char *p = crm_decimal_format_trimmed (price, price_scale);
      g_autofree char *g = crm_decimal_format_trimmed (gross, gross_scale);
      g_autofree char *n = crm_decimal_format (net, digits);

      if (less != NULL)
        explain (totals, _("line %u: %s × %s = %s%s = %s → %s"),
                 index + 1, q, p, g, less, exact, n);
      else
        explain (totals, _("line %u: %s × %s = %s → %s"), index + 1, q, p, exact, n);
    }

  *out_net = net;
  return TRUE;

overflow:
  path = dup_line_path (index);
  return set_overflow (error, _("%s: the net amount"), path);
}

/* The groups stay sorted by rate, so the result does not depend on the
 * order of the lines. */
static RateGroup *
find_group (GArray *groups,
            gint64  rate,
            gboolean add)
{
  guint low = 0;
  guint high = groups->len;
  RateGroup group = { .rate = rate };

  while (low < high)
    {
      guint middle = low + (high - low) / 2;
      RateGroup *candidate = &g_array_index (groups, RateGroup, middle);

      if (candidate->rate == rate)
        return candidate;
      if (candidate->rate < rate)
        low = middle + 1;
      else
        high = middle;
    }

  if (!add)
    return NULL;
  g_array_insert_val (groups, low, group);
  return &g_array_index (groups, RateGroup, low);
}

static CrmQuoteTotals *
totals_new (const CrmQuote *quote)
{
  CrmQuoteTotals *totals = g_new0 (CrmQuoteTotals, 1);

  memcpy (totals->currency, quote->currency, sizeof totals->currency);
  totals->digits = (guint) crm_currency_minor_digits (quote->currency);
  totals->lines = g_array_sized_new (FALSE, FALSE, sizeof (CrmQuoteLineTotal), quote->lines->len);
  totals->taxes = g_array_new (FALSE, FALSE, sizeof (CrmQuoteTax));
  totals->explain = g_ptr_array_new_full (2 * quote->lines->len + 16, g_free);
  return totals;
}

/* Steps 1–4, and each line's tax in per-line mode */
static gboolean
compute_lines (const CrmQuote  *quote,
               CrmQuoteTotals  *totals,
               GArray          *groups,
               GError         **error)
{
  guint digits = totals->digits;
  guint section = NO_INDEX;
  guint n_items = 0;

  for (guint i = 0; i < quote->lines->len; i++)
    {
      const CrmQuoteLine *line = &g_array_index (quote->lines, CrmQuoteLine, i);
      CrmQuoteLineTotal total = { .section = line->section };
      RateGroup *group;
      gint64 net;

      if (line->section)
        {
          section = i;
          g_array_append_val (totals->lines, total);
          continue;
        }

      if (!compute_line (line, i, digits, quote->rounding, totals, &net, error))
        return FALSE;
      total.net = net;
      g_array_append_val (totals->lines, total);
      n_items++;

      if (!crm_decimal_add (totals->subtotal, net, &totals->subtotal, NULL))
        return set_overflow (error, _("the subtotal"));
      if (section != NO_INDEX)
        {
          CrmQuoteLineTotal *heading = &g_array_index (totals->lines, CrmQuoteLineTotal, section);

          if (!crm_decimal_add (heading->net, net, &heading->net, NULL))
            return set_overflow (error, _("the subtotal of the section on line %u"), section + 1);
        }

      group = find_group (groups, line->tax_rate, TRUE);
      if (!crm_decimal_add (group->base, net, &group->base, NULL))
        {
          g_autofree char *rate = format_percent (line->tax_rate);
          return set_overflow (error, _("the amount taxed at %s%%"), rate);
        }

      if (quote->tax_mode == CRM_TAX_MODE_PER_LINE)
        {
          g_autofree char *rate = format_percent (line->tax_rate);
          g_autofree char *base = crm_decimal_format (net, digits);
          g_autofree char *exact = format_exact_product (net, digits, line->tax_rate, FRACTION_SCALE);
          g_autofree char *tax_text = NULL;
          gint64 tax;

          if (!crm_quote_tax_on (net, digits, line->tax_rate, quote->rounding, &tax, NULL) ||
              !crm_decimal_add (group->line_tax, tax, &group->line_tax, NULL))
            {
              g_autofree char *path = dup_line_path (i);

              return set_overflow (error, _("%s: the tax"), path);
            }
          tax_text = crm_decimal_format (tax, digits);
          explain (totals, _("line %u: tax %s%% of %s = %s → %s"), i + 1, rate, base, exact, tax_text);
        }
    }

  {
    g_autofree char *subtotal = crm_decimal_format (totals->subtotal, digits);

    explain (totals, g_dngettext (GETTEXT_PACKAGE,
                                  "subtotal: the sum of %u line = %s",
                                  "subtotal: the sum of %u lines = %s", n_items),
             n_items, subtotal);
  }
  return TRUE;
}

/* Step 5 */
static gboolean
compute_discount (const CrmQuote  *quote,
                  CrmQuoteTotals  *totals,
                  GArray          *groups,
                  GError         **error)
{
  guint digits = totals->digits;
  g_autofree gint64 *bases = g_new (gint64, groups->len + 1);
  g_autofree gint64 *shares = g_new (gint64, groups->len + 1);
  g_autofree char *subtotal = crm_decimal_format (totals->subtotal, digits);
  g_autofree char *discount = NULL;
  const char *field = NULL;

  switch (quote->discount.kind)
    {
    case CRM_DISCOUNT_NONE:
      return TRUE;

    case CRM_DISCOUNT_PERCENT:
      {
        g_autofree char *percent = format_percent (quote->discount.value);
        g_autofree char *exact = format_exact_product (totals->subtotal, digits,
                                                       quote->discount.value, FRACTION_SCALE);

        field = "discount_percent";
        if (!percent_is_valid (quote->discount.value))
          return set_invalid (error, field, _("must be between 0 and 100"));
        if (!crm_decimal_mul (totals->subtotal, digits, quote->discount.value, FRACTION_SCALE,
                              digits, quote->rounding, &totals->discount, NULL))
          return set_overflow (error, _("the discount"));
        discount = crm_decimal_format (totals->discount, digits);
        explain (totals, _("discount: %s%% of %s = %s → %s"), percent, subtotal, exact, discount);
      }
      break;

    case CRM_DISCOUNT_AMOUNT:
      field = "discount_amount";
      totals->discount = quote->discount.value;
      discount = crm_decimal_format (totals->discount, digits);
      explain (totals, _("discount: %s"), discount);
      break;

    default:
      g_assert_not_reached ();
    }

  if (totals->discount == 0)
    return TRUE;
  if (totals->subtotal == 0)
    return set_invalid (error, field, _("cannot be spread over lines that add up to zero"));

  for (guint i = 0; i < groups->len; i++)
    bases[i] = g_array_index (groups, RateGroup, i).base;
  if (!crm_quote_spread (totals->discount, bases, groups->len, quote->rounding, shares, NULL))
    return set_overflow (error, _("the discount"));

  for (guint i = 0; i < groups->len; i++)
    {
      RateGroup *group = &g_array_index (groups, RateGroup, i);
      g_autofree char *rate = format_percent (group->rate);
      g_autofree char *share = crm_decimal_format (shares[i], digits);
      g_autofree char *base = crm_decimal_format (group->base, digits);

      group->share = shares[i];
      explain (totals, _("discount at %s%%: %s of %s, as %s is to %s"),
               rate, share, discount, base, subtotal);
    }
  return TRUE;
}

/* Steps 6 and 7 */
static gboolean
compute_tax (const CrmQuote  *quote,
             CrmQuoteTotals  *totals,
             GArray          *groups,
             GError         **error)
{
  guint digits = totals->digits;
  RateGroup *group;

  for (guint i = 0; i < groups->len; i++)
    {
      group = &g_array_index (groups, RateGroup, i);
      if (!crm_decimal_sub (group->base, group->share, &group->taxable, NULL))
        return set_overflow (error, _("the discounted amount"));
    }

  totals->shipping = quote->shipping;
  if (quote->shipping != 0)
    {
      g_autofree char *shipping = crm_decimal_format (quote->shipping, digits);
      g_autofree char *rate = format_percent (quote->shipping_tax_rate);

      group = find_group (groups, quote->shipping_tax_rate, TRUE);
      group->shipping = TRUE;
      if (!crm_decimal_add (group->taxable, quote->shipping, &group->taxable, NULL))
        return set_overflow (error, _("the amount taxed at %s%%"), rate);
      explain (totals, _("shipping: %s, taxed at %s%%"), shipping, rate);
    }

  for (guint i = 0; i < groups->len; i++)
    {
      g_autofree char *rate = NULL;
      g_autofree char *taxable = NULL;
      g_autofree char *tax_text = NULL;
      CrmQuoteTax tax;

      group = &g_array_index (groups, RateGroup, i);
      rate = format_percent (group->rate);
      taxable = crm_decimal_format (group->taxable, digits);
      tax.rate = group->rate;
      tax.base = group->taxable;

      if (quote->tax_mode == CRM_TAX_MODE_DOCUMENT)
        {
          g_autofree char *exact = format_exact_product (group->taxable, digits,
                                                         group->rate, FRACTION_SCALE);

          if (!crm_quote_tax_on (group->taxable, digits, group->rate, quote->rounding,
                                 &tax.tax, NULL))
            return set_overflow (error, _("the tax at %s%%"), rate);
          tax_text = crm_decimal_format (tax.tax, digits);
          explain (totals, _("tax at %s%%: %s%% of %s = %s → %s"),
                   rate, rate, taxable, exact, tax_text);
        }
      else
        {
          /* The discount and shipping count as lines of their own */
          gint64 discount_tax = 0;
          gint64 shipping_tax = 0;
          g_autofree char *lines = crm_decimal_format (group->line_tax, digits);
          g_autofree char *discount = NULL;
          g_autofree char *shipping = NULL;

          if (!crm_quote_tax_on (-group->share, digits, group->rate, quote->rounding,
                                 &discount_tax, NULL) ||
              (group->shipping &&
               !crm_quote_tax_on (quote->shipping, digits, group->rate, quote->rounding,
                                  &shipping_tax, NULL)) ||
              !crm_decimal_add (group->line_tax, discount_tax, &tax.tax, NULL) ||
              !crm_decimal_add (tax.tax, shipping_tax, &tax.tax, NULL))
            return set_overflow (error, _("the tax at %s%%"), rate);
          discount = crm_decimal_format (discount_tax, digits);
          shipping = crm_decimal_format (shipping_tax, digits);
          tax_text = crm_decimal_format (tax.tax, digits);
          explain (totals, _("tax at %s%% on %s: lines %s + discount %s + shipping %s = %s"),
                   rate, taxable, lines, discount, shipping, tax_text);
        }

      g_array_append_val (totals->taxes, tax);
      if (!crm_decimal_add (totals->tax, tax.tax, &totals->tax, NULL))
        return set_overflow (error, _("the tax"));
    }
  return TRUE;
}

/* Step 8 */
static gboolean
compute_total (CrmQuoteTotals  *totals,
               GError         **error)
{
  g_autofree char *subtotal = NULL;
  g_autofree char *discount = NULL;
  g_autofree char *shipping = NULL;
  g_autofree char *tax = NULL;
  g_autofree char *total = NULL;

  if (!crm_decimal_sub (totals->subtotal, totals->discount, &totals->total, NULL) ||
      !crm_decimal_add (totals->total, totals->shipping, &totals->total, NULL) ||
      !crm_decimal_add (totals->total, totals->tax, &totals->total, NULL))
    return set_overflow (error, _("the total"));

  subtotal = crm_decimal_format (totals->subtotal, totals->digits);
  discount = crm_decimal_format (totals->discount, totals->digits);
  shipping = crm_decimal_format (totals->shipping, totals->digits);
  tax = crm_decimal_format (totals->tax, totals->digits);
  total = crm_decimal_format (totals->total, totals->digits);
  explain (totals, _("total: %s − %s + %s + %s = %s"), subtotal, discount, shipping, tax, total);
  return TRUE;
}

static void
line_clear (gpointer data)
{
  CrmQuoteLine *line = data;

  g_free ((char *) line->description);
}

/* Reading JSON ********************************************************/

/* A member that is absent or null is NULL; anything but a string is an
 * error, numbers included: a JSON number is read as a double. */
static gboolean
get_string (JsonObject  *object,
            const char  *prefix,
            const char  *name,
            const char **out,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_autofree char *field = g_strconcat (prefix, name, NULL);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        return set_invalid (error, field, _("must be a string, as in \"2.5\", not a JSON number"));
      return set_invalid (error, field, _("must be a string"));
    }
  *out = json_node_get_string (node);
  return TRUE;
}

static gboolean
get_decimal (JsonObject  *object,
             const char  *prefix,
             const char  *name,
             guint        scale,
             gboolean     required,
             gboolean    *out_present,
             gint64      *out,
             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *field = NULL;
  const char *text;

  if (!get_string (object, prefix, name, &text, error))
    return FALSE;
  if (out_present != NULL)
    *out_present = text != NULL;
  if (text == NULL)
    {
      if (!required)
        return TRUE;
      field = g_strconcat (prefix, name, NULL);
      return set_invalid (error, field, _("missing"));
    }
  if (crm_decimal_parse (text, scale, out, &local_error))
    return TRUE;

  field = g_strconcat (prefix, name, NULL);
  return set_invalid (error, field, "%s", local_error->message);
}

/* discount_percent or discount_amount, the amount at @amount_scale */
static gboolean
get_discount (JsonObject   *object,
              const char   *prefix,
              guint         amount_scale,
              CrmDiscount  *out,
              GError      **error)
{
  gboolean has_percent;
  gboolean has_amount;
  gint64 percent = 0;
  gint64 amount = 0;

  if (!get_decimal (object, prefix, "discount_percent", CRM_QUOTE_PERCENT_SCALE, FALSE,
                    &has_percent, &percent, error) ||
      !get_decimal (object, prefix, "discount_amount", amount_scale, FALSE,
                    &has_amount, &amount, error))
    return FALSE;

  if (has_percent && has_amount)
    {
      g_autofree char *field = g_strconcat (prefix, "discount_amount", NULL);

      return set_invalid (error, field, _("give discount_percent or discount_amount, not both"));
    }

  out->kind = has_percent ? CRM_DISCOUNT_PERCENT : has_amount ? CRM_DISCOUNT_AMOUNT : CRM_DISCOUNT_NONE;
  out->value = has_percent ? percent : amount;
  return TRUE;
}

static gboolean
check_members (JsonObject         *object,
               const char         *prefix,
               const char * const *known,
               GError            **error)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (const GList *l = members; l != NULL; l = l->next)
    {
      if (!g_strv_contains (known, l->data))
        {
          g_autofree char *field = g_strconcat (prefix, l->data, NULL);

          return set_invalid (error, field, _("unknown field"));
        }
    }
  return TRUE;
}

static gboolean
read_line (JsonNode      *node,
           guint          index,
           CrmQuoteLine  *line,
           GError       **error)
{
  static const char * const known[] = {
    "kind", "description", "product_id", "quantity", "unit_price",
    "discount_percent", "discount_amount", "tax_rate", NULL
  };
  static const char * const amounts[] = {
    "quantity", "unit_price", "discount_percent", "discount_amount", "tax_rate", NULL
  };
  g_autofree char *path = dup_line_path (index);
  g_autofree char *prefix = g_strconcat (path, ".", NULL);
  JsonObject *object;
  const char *kind;
  const char *product_id;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return set_invalid (error, path, _("must be an object"));
  object = json_node_get_object (node);

  if (!check_members (object, prefix, known, error) ||
      !get_string (object, prefix, "kind", &kind, error) ||
      !get_string (object, prefix, "description", &line->description, error) ||
      !get_string (object, prefix, "product_id", &product_id, error))
    return FALSE;

  if (kind != NULL && !g_str_equal (kind, "item") && !g_str_equal (kind, "section"))
    {
      g_autofree char *field = g_strconcat (prefix, "kind", NULL);

      return set_invalid (error, field, _("must be “item” or “section”"));
    }

  line->section = g_strcmp0 (kind, "section") == 0;
  if (line->section)
    {
      for (guint i = 0; amounts[i] != NULL; i++)
        {
          JsonNode *member = json_object_get_member (object, amounts[i]);

          if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
            {
              g_autofree char *field = g_strconcat (prefix, amounts[i], NULL);

              return set_invalid (error, field, _("a section heading has no amounts"));
            }
        }
      return TRUE;
    }

  return get_decimal (object, prefix, "quantity", CRM_QUOTE_QUANTITY_SCALE, TRUE,
                      NULL, &line->quantity, error) &&
         get_decimal (object, prefix, "unit_price", CRM_QUOTE_PRICE_SCALE, TRUE,
                      NULL, &line->unit_price, error) &&
         get_discount (object, prefix, CRM_QUOTE_PRICE_SCALE, &line->discount, error) &&
         get_decimal (object, prefix, "tax_rate", CRM_QUOTE_PERCENT_SCALE, FALSE,
                      NULL, &line->tax_rate, error);
}

/* Public API **********************************************************/

CrmQuote *
crm_quote_new (const char *currency)
{
  CrmQuote *quote;

  g_return_val_if_fail (currency != NULL, NULL);
  g_return_val_if_fail (crm_currency_is_valid (currency), NULL);

  quote = g_new0 (CrmQuote, 1);
  g_strlcpy (quote->currency, currency, sizeof quote->currency);
  quote->rounding = CRM_ROUND_HALF_UP;
  quote->tax_mode = CRM_TAX_MODE_DOCUMENT;
  quote->discount.kind = CRM_DISCOUNT_NONE;
  quote->lines = g_array_new (FALSE, TRUE, sizeof (CrmQuoteLine));
  g_array_set_clear_func (quote->lines, line_clear);
  return quote;
}

void
crm_quote_free (CrmQuote *quote)
{
  if (quote == NULL)
    return;
  g_array_unref (quote->lines);
  g_free (quote);
}

CrmQuote *
crm_quote_new_from_json (JsonNode  *node,
                         GError   **error)
{
  static const char * const known[] = {
    "currency", "tax_mode", "rounding", "lines", "discount_percent", "discount_amount",
    "shipping", "shipping_tax_rate", NULL
  };
  g_autoptr(CrmQuote) quote = NULL;
  JsonObject *object;
  JsonNode *lines;
  const char *currency;
  const char *text;
  guint digits;
  JsonArray *array;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CRM_QUOTE_ERROR, CRM_QUOTE_ERROR_INVALID,
                   _("a quote must be a JSON object"));
      return NULL;
    }
  object = json_node_get_object (node);
  if (!check_members (object, "", known, error) ||
      !get_string (object, "", "currency", &currency, error))
    return NULL;
  if (currency == NULL)
    {
      set_invalid (error, "currency", _("missing"));
      return NULL;
    }
  if (!crm_currency_is_valid (currency))
    {
      g_autofree char *valid = g_utf8_make_valid (currency, -1);

      set_invalid (error, "currency", _("“%s” is not an ISO 4217 currency code"), valid);
      return NULL;
    }
  quote = crm_quote_new (currency);
  digits = (guint) crm_currency_minor_digits (currency);

  if (!get_string (object, "", "tax_mode", &text, error))
    return NULL;
  if (text != NULL && !crm_tax_mode_from_string (text, &quote->tax_mode))
    {
      set_invalid (error, "tax_mode", _("must be “document” or “per-line”"));
      return NULL;
    }
  if (!get_string (object, "", "rounding", &text, error))
    return NULL;
  if (text != NULL && !crm_rounding_from_string (text, &quote->rounding))
    {
      set_invalid (error, "rounding", _("must be “half-up”, “half-even” or “down”"));
      return NULL;
    }

  if (!get_discount (object, "", digits, &quote->discount, error) ||
      !get_decimal (object, "", "shipping", digits, FALSE, NULL, &quote->shipping, error) ||
      !get_decimal (object, "", "shipping_tax_rate", CRM_QUOTE_PERCENT_SCALE, FALSE,
                    NULL, &quote->shipping_tax_rate, error))
    return NULL;

  lines = json_object_get_member (object, "lines");
  if (lines == NULL)
    {
      set_invalid (error, "lines", _("missing"));
      return NULL;
    }
  if (!JSON_NODE_HOLDS_ARRAY (lines))
    {
      set_invalid (error, "lines", _("must be an array"));
      return NULL;
    }
  array = json_node_get_array (lines);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      CrmQuoteLine line = { 0 };

      if (!read_line (json_array_get_element (array, i), i, &line, error))
        return NULL;
      crm_quote_add_line (quote, &line);
    }

  return g_steal_pointer (&quote);
}

CrmQuote *
crm_quote_new_from_record (CrmRecord    *record,
                           CrmRounding   rounding,
                           CrmTaxMode    mode,
                           GError      **error)
{
  static const char * const members[] = {
    "currency", "lines", "discount_percent", "discount_amount", "shipping", "shipping_tax_rate",
  };
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  CrmQuote *quote;

  g_return_val_if_fail (record != NULL, NULL);
  g_return_val_if_fail (g_str_equal (crm_record_get_entity (record)->name, "quotes"), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* The record's other fields (number, status…) are not the engine's */
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      JsonNode *value = crm_record_get_field (record, members[i]);

      if (value != NULL)
        json_object_set_member (object, members[i], json_node_copy (value));
    }
  if (!json_object_has_member (object, "lines"))
    json_object_set_array_member (object, "lines", json_array_new ());

  node = json_node_init_object (json_node_alloc (), object);
  quote = crm_quote_new_from_json (node, error);
  if (quote != NULL)
    {
      quote->rounding = rounding;
      quote->tax_mode = mode;
    }
  return quote;
}

const char *
crm_quote_get_currency (const CrmQuote *quote)
{
  g_return_val_if_fail (quote != NULL, NULL);

  return quote->currency;
}

void
crm_quote_set_rounding (CrmQuote    *quote,
                        CrmRounding  rounding)
{
  g_return_if_fail (quote != NULL);
  g_return_if_fail (crm_rounding_to_string (rounding) != NULL);

  quote->rounding = rounding;
}

void
crm_quote_set_tax_mode (CrmQuote   *quote,
                        CrmTaxMode  mode)
{
  g_return_if_fail (quote != NULL);
  g_return_if_fail (crm_tax_mode_to_string (mode) != NULL);

  quote->tax_mode = mode;
}

void
crm_quote_set_discount (CrmQuote          *quote,
                        const CrmDiscount *discount)
{
  g_return_if_fail (quote != NULL);
  g_return_if_fail (discount != NULL);
  g_return_if_fail (discount->kind <= CRM_DISCOUNT_AMOUNT);

  quote->discount = *discount;
}

void
crm_quote_set_shipping (CrmQuote *quote,
                        gint64    amount,
                        gint64    tax_rate)
{
  g_return_if_fail (quote != NULL);

  quote->shipping = amount;
  quote->shipping_tax_rate = tax_rate;
}

void
crm_quote_add_line (CrmQuote           *quote,
                    const CrmQuoteLine *line)
{
  CrmQuoteLine copy;

  g_return_if_fail (quote != NULL);
  g_return_if_fail (line != NULL);
  g_return_if_fail (line->discount.kind <= CRM_DISCOUNT_AMOUNT);

  copy = *line;
  copy.description = g_strdup (line->description);
  g_array_append_val (quote->lines, copy);
}

guint
crm_quote_get_n_lines (const CrmQuote *quote)
{
  g_return_val_if_fail (quote != NULL, 0);

  return quote->lines->len;
}

const CrmQuoteLine *
crm_quote_get_line (const CrmQuote *quote,
                    guint           index)
{
  g_return_val_if_fail (quote != NULL, NULL);
  g_return_val_if_fail (index < quote->lines->len, NULL);

  return &g_array_index (quote->lines, CrmQuoteLine, index);
}

CrmRounding
crm_quote_get_rounding (const CrmQuote *quote)
{
  g_return_val_if_fail (quote != NULL, CRM_ROUND_HALF_UP);

  return quote->rounding;
}

CrmTaxMode
crm_quote_get_tax_mode (const CrmQuote *quote)
{
  g_return_val_if_fail (quote != NULL, CRM_TAX_MODE_DOCUMENT);

  return quote->tax_mode;
}

CrmQuoteTotals *
crm_quote_compute (const CrmQuote  *quote,
                   GError         **error)
{
  g_autoptr(CrmQuoteTotals) totals = NULL;
  g_autoptr(GArray) groups = NULL;

  g_return_val_if_fail (quote != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!percent_is_valid (quote->shipping_tax_rate))
    {
      set_invalid (error, "shipping_tax_rate", _("must be between 0 and 100"));
      return NULL;
    }

  totals = totals_new (quote);
  groups = g_array_new (FALSE, FALSE, sizeof (RateGroup));
  explain (totals, _("%s with %u decimals, rounding %s, tax per %s"),
           quote->currency, totals->digits, crm_rounding_to_string (quote->rounding),
           quote->tax_mode == CRM_TAX_MODE_DOCUMENT ? _("document") : _("line"));

  if (!compute_lines (quote, totals, groups, error) ||
      !compute_discount (quote, totals, groups, error) ||
      !compute_tax (quote, totals, groups, error) ||
      !compute_total (totals, error))
    return NULL;

  return g_steal_pointer (&totals);
}

gboolean
crm_quote_line_net (const CrmQuoteLine  *line,
                    guint                digits,
                    CrmRounding          rounding,
                    gint64              *out_net,
                    GError             **error)
{
  g_return_val_if_fail (line != NULL, FALSE);
  g_return_val_if_fail (!line->section, FALSE);
  g_return_val_if_fail (line->discount.kind <= CRM_DISCOUNT_AMOUNT, FALSE);
  g_return_val_if_fail (digits <= CRM_DECIMAL_MAX_SCALE, FALSE);
  g_return_val_if_fail (crm_rounding_to_string (rounding) != NULL, FALSE);
  g_return_val_if_fail (out_net != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return compute_line (line, NO_INDEX, digits, rounding, NULL, out_net, error);
}

gboolean
crm_quote_spread (gint64         amount,
                  const gint64  *bases,
                  guint          n_bases,
                  CrmRounding    rounding,
                  gint64        *out_shares,
                  GError       **error)
{
  gint64 total = 0;
  gint64 running = 0;
  gint64 allotted = 0;

  g_return_val_if_fail (bases != NULL || n_bases == 0, FALSE);
  g_return_val_if_fail (out_shares != NULL || n_bases == 0, FALSE);
  g_return_val_if_fail (crm_rounding_to_string (rounding) != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < n_bases; i++)
    {
      if (!crm_decimal_add (total, bases[i], &total, NULL))
        return set_overflow (error, _("the sum of the bases"));
    }

  if (amount == 0)
    {
      for (guint i = 0; i < n_bases; i++)
        out_shares[i] = 0;
      return TRUE;
    }
  if (total == 0)
    {
      g_set_error (error, CRM_QUOTE_ERROR, CRM_QUOTE_ERROR_INVALID,
                   _("cannot share an amount out over bases that add up to zero"));
      return FALSE;
    }

  /* Rounding the running total rather than each share: the shares then
   * add up to the amount exactly, and no share is off by more than one
   * minor unit, without a remainder to place somewhere arbitrary. */
  for (guint i = 0; i < n_bases; i++)
    {
      gint64 upto;

      if (!crm_decimal_add (running, bases[i], &running, NULL) ||
          !crm_decimal_mul_div (amount, running, total, rounding, &upto, NULL))
        return set_overflow (error, _("a share"));
      out_shares[i] = upto - allotted;
      allotted = upto;
    }
  return TRUE;
}

gboolean
crm_quote_tax_on (gint64        base,
                  guint         digits,
                  gint64        rate,
                  CrmRounding   rounding,
                  gint64       *out_tax,
                  GError      **error)
{
  g_return_val_if_fail (digits <= CRM_DECIMAL_MAX_SCALE, FALSE);
  g_return_val_if_fail (crm_rounding_to_string (rounding) != NULL, FALSE);
  g_return_val_if_fail (out_tax != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!percent_is_valid (rate))
    return set_invalid (error, "tax_rate", _("must be between 0 and 100"));
  if (!crm_decimal_mul (base, digits, rate, FRACTION_SCALE, digits, rounding, out_tax, NULL))
    return set_overflow (error, _("the tax"));
  return TRUE;
}

JsonNode *
crm_quote_totals_to_json (const CrmQuoteTotals *totals,
                          gboolean              explain_steps)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const struct { const char *name; gint64 value; } sums[] = {
    { "subtotal", totals->subtotal },
    { "discount", totals->discount },
    { "shipping", totals->shipping },
    { "tax", totals->tax },
    { "total", totals->total },
  };

  g_return_val_if_fail (totals != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "currency");
  json_builder_add_string_value (builder, totals->currency);

  json_builder_set_member_name (builder, "lines");
  json_builder_begin_array (builder);
  for (guint i = 0; i < totals->lines->len; i++)
    {
      const CrmQuoteLineTotal *line = &g_array_index (totals->lines, CrmQuoteLineTotal, i);
      g_autofree char *net = crm_decimal_format (line->net, totals->digits);

      json_builder_begin_object (builder);
      if (line->section)
        {
          json_builder_set_member_name (builder, "kind");
          json_builder_add_string_value (builder, "section");
        }
      json_builder_set_member_name (builder, line->section ? "subtotal" : "net");
      json_builder_add_string_value (builder, net);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  for (guint i = 0; i < G_N_ELEMENTS (sums); i++)
    {
      g_autofree char *text = crm_decimal_format (sums[i].value, totals->digits);

      json_builder_set_member_name (builder, sums[i].name);
      json_builder_add_string_value (builder, text);
    }

  json_builder_set_member_name (builder, "taxes");
  json_builder_begin_array (builder);
  for (guint i = 0; i < totals->taxes->len; i++)
    {
      const CrmQuoteTax *tax = &g_array_index (totals->taxes, CrmQuoteTax, i);
      g_autofree char *rate = format_percent (tax->rate);
      g_autofree char *base = crm_decimal_format (tax->base, totals->digits);
      g_autofree char *amount = crm_decimal_format (tax->tax, totals->digits);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "rate");
      json_builder_add_string_value (builder, rate);
      json_builder_set_member_name (builder, "base");
      json_builder_add_string_value (builder, base);
      json_builder_set_member_name (builder, "tax");
      json_builder_add_string_value (builder, amount);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  if (explain_steps)
    {
      json_builder_set_member_name (builder, "explain");
      json_builder_begin_array (builder);
      for (guint i = 0; i < totals->explain->len; i++)
        json_builder_add_string_value (builder, g_ptr_array_index (totals->explain, i));
      json_builder_end_array (builder);
    }

  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

void
crm_quote_totals_free (CrmQuoteTotals *totals)
{
  if (totals == NULL)
    return;
  g_clear_pointer (&totals->lines, g_array_unref);
  g_clear_pointer (&totals->taxes, g_array_unref);
  g_clear_pointer (&totals->explain, g_ptr_array_unref);
  g_free (totals);
}

const char *
crm_tax_mode_to_string (CrmTaxMode mode)
{
  g_return_val_if_fail ((guint) mode < G_N_ELEMENTS (tax_mode_names), NULL);

  return tax_mode_names[mode];
}

gboolean
crm_tax_mode_from_string (const char *string,
                          CrmTaxMode *out)
{
  g_return_val_if_fail (string != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (tax_mode_names); i++)
    {
      if (g_str_equal (string, tax_mode_names[i]))
        {
          if (out != NULL)
            *out = (CrmTaxMode) i;
          return TRUE;
        }
    }
  return FALSE;
}
