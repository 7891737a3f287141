/* crm-quote.h: the exact quote engine, from lines to total
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "crm-money.h"
#include "crm-record.h"

G_BEGIN_DECLS

/* Quantities, unit prices and line discount amounts carry up to 4
 * decimals; percents (discounts, tax rates) too, so 19.5 % is 195000. */
#define CRM_QUOTE_QUANTITY_SCALE 4
#define CRM_QUOTE_PRICE_SCALE    4
#define CRM_QUOTE_PERCENT_SCALE  4

#define CRM_QUOTE_ERROR (crm_quote_error_quark ())

typedef enum
{
  CRM_QUOTE_ERROR_INVALID,  /* a field is missing or wrong; the message names it */
  CRM_QUOTE_ERROR_OVERFLOW, /* an amount does not fit in 64 bits */
} CrmQuoteError;

typedef enum
{
  CRM_TAX_MODE_DOCUMENT, /* round once per rate, on the rate's base */
  CRM_TAX_MODE_PER_LINE, /* round each line's tax, then sum */
} CrmTaxMode;

typedef enum
{
  CRM_DISCOUNT_NONE,
  CRM_DISCOUNT_PERCENT,
  CRM_DISCOUNT_AMOUNT,
} CrmDiscountKind;

typedef struct
{
  CrmDiscountKind kind;
  /* A percent at CRM_QUOTE_PERCENT_SCALE; an amount at
   * CRM_QUOTE_PRICE_SCALE on a line, in minor units on the document. */
  gint64          value;
} CrmDiscount;

typedef struct
{
  /* A heading: no amounts, it subtotals the items after it */
  gboolean     section;
  const char  *description;
  gint64       quantity;   /* CRM_QUOTE_QUANTITY_SCALE, negative for a credit */
  gint64       unit_price; /* CRM_QUOTE_PRICE_SCALE */
  CrmDiscount  discount;
  gint64       tax_rate;   /* CRM_QUOTE_PERCENT_SCALE */
} CrmQuoteLine;

typedef struct
{
  gint64 rate; /* CRM_QUOTE_PERCENT_SCALE */
  gint64 base; /* minor units: the lines' nets less their share of the
                * document discount, plus shipping taxed at this rate */
  gint64 tax;  /* minor units */
} CrmQuoteTax;

typedef struct
{
  gboolean section;
  gint64   net; /* minor units; a section's is the sum of the items after it */
} CrmQuoteLineTotal;

/* Every amount in minor units of @currency */
typedef struct
{
  char       currency[4];
  guint      digits;
  /* CrmQuoteLineTotal, one per line */
  GArray    *lines;
  gint64     subtotal;
  gint64     discount;
  gint64     shipping;
  gint64     tax;
  gint64     total;
  /* CrmQuoteTax, by ascending rate */
  GArray    *taxes;
  /* Each step in words, for a person checking the figures */
  GPtrArray *explain;
} CrmQuoteTotals;

typedef struct _CrmQuote CrmQuote;

GQuark          crm_quote_error_quark     (void);

/* An empty quote: no lines, no discount, no shipping, half-up rounding,
 * tax per document. @currency must be a known ISO 4217 code. */
CrmQuote       *crm_quote_new             (const char         *currency);
void            crm_quote_free            (CrmQuote           *quote);
/* Reads {"currency", "tax_mode", "rounding", "lines": [{"description",
 * "quantity", "unit_price", "discount_percent" | "discount_amount",
 * "tax_rate"}], "discount_percent" | "discount_amount", "shipping",
 * "shipping_tax_rate"}, every number a decimal string. A line may also
 * have "kind" ("item" or "section") and "product_id". An error names the
 * field, as in “lines[2].quantity”. */
CrmQuote       *crm_quote_new_from_json   (JsonNode           *node,
                                           GError            **error);
/* The lines, discount and shipping of a "quotes" record, computed with
 * the company's @rounding and @mode. */
CrmQuote       *crm_quote_new_from_record (CrmRecord          *record,
                                           CrmRounding         rounding,
                                           CrmTaxMode          mode,
                                           GError            **error);

const char     *crm_quote_get_currency    (const CrmQuote     *quote);
void            crm_quote_set_rounding    (CrmQuote           *quote,
                                           CrmRounding         rounding);
void            crm_quote_set_tax_mode    (CrmQuote           *quote,
                                           CrmTaxMode          mode);
void            crm_quote_set_discount    (CrmQuote           *quote,
                                           const CrmDiscount  *discount);
void            crm_quote_set_shipping    (CrmQuote           *quote,
                                           gint64              amount,
                                           gint64              tax_rate);
/* Copies @line, description included */
void            crm_quote_add_line        (CrmQuote           *quote,
                                           const CrmQuoteLine *line);
guint           crm_quote_get_n_lines     (const CrmQuote     *quote);
const CrmQuoteLine *crm_quote_get_line  (const CrmQuote     *quote,
                                           guint               index);
CrmRounding     crm_quote_get_rounding    (const CrmQuote     *quote);
CrmTaxMode      crm_quote_get_tax_mode    (const CrmQuote     *quote);

/* Every step, in order; an overflow anywhere is CRM_QUOTE_ERROR_OVERFLOW,
 * a percent outside 0–100 CRM_QUOTE_ERROR_INVALID. */
CrmQuoteTotals *crm_quote_compute         (const CrmQuote     *quote,
                                           GError            **error);

/* The steps on their own, as crm_quote_compute() takes them */

/* Steps 1–3: quantity × unit price, less the line discount, rounded once
 * to @digits decimals. */
gboolean        crm_quote_line_net        (const CrmQuoteLine *line,
                                           guint               digits,
                                           CrmRounding         rounding,
                                           gint64             *out_net,
                                           GError            **error);
/* Step 5: shares @amount out over @bases in proportion to them, so that
 * the shares add up to @amount exactly and each is within one minor unit
 * of its exact share. The bases must not add up to zero unless @amount
 * is zero. */
gboolean        crm_quote_spread          (gint64              amount,
                                           const gint64       *bases,
                                           guint               n_bases,
                                           CrmRounding         rounding,
                                           gint64             *out_shares,
                                           GError            **error);
/* Step 7 for one amount: @rate percent of @base, rounded to @digits. */
gboolean        crm_quote_tax_on          (gint64              base,
                                           guint               digits,
                                           gint64              rate,
                                           CrmRounding         rounding,
                                           gint64             *out_tax,
                                           GError            **error);

/* {"currency", "lines": [{"net"}], "subtotal", "discount", "shipping",
 * "tax", "total", "taxes": [{"rate", "base", "tax"}]}, with "explain"
 * (an array of strings) when @explain is set. A section's line is
 * {"kind": "section", "subtotal"}. */
JsonNode       *crm_quote_totals_to_json  (const CrmQuoteTotals *totals,
                                           gboolean             explain);
void            crm_quote_totals_free     (CrmQuoteTotals     *totals);

const char     *crm_tax_mode_to_string    (CrmTaxMode          mode);
gboolean        crm_tax_mode_from_string  (const char         *string,
                                           CrmTaxMode         *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmQuote, crm_quote_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmQuoteTotals, crm_quote_totals_free)

G_END_DECLS
