/* test-quote.c: the quote engine, step by step, on worked examples, as
 * properties, and through crm-cli quote totals
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-test-quote"

#include <gio/gio.h>
#include <string.h>

#include "crm-json.h"
#include "crm-quote.h"
#include "crm-quote-pdf.h"
#include "crm-test-util.h"

#define HALF_UP   CRM_ROUND_HALF_UP
#define HALF_EVEN CRM_ROUND_HALF_EVEN
#define DOWN      CRM_ROUND_DOWN

/* 19 % at CRM_QUOTE_PERCENT_SCALE */
#define PCT(whole) ((gint64) (whole) * 10000)

/* Helpers *************************************************************/

/* Inputs are written with ' for ", which no example needs otherwise */
static JsonNode *
parse_json (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = g_strdup (text);
  JsonNode *node;

  g_strdelimit (json, "'", '"');
  node = crm_json_parse (json, strlen (json), &error);
  g_assert_no_error (error);
  return node;
}

static CrmQuote *
quote_from_json (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = parse_json (text);
  CrmQuote *quote = crm_quote_new_from_json (node, &error);

  g_assert_no_error (error);
  g_assert_nonnull (quote);
  return quote;
}

/* One line with every figure, so a failure shows all of them at once:
 * "nets 44.98 [10.00] | subtotal … | taxes 7:34.68:2.43 | tax … | total …",
 * a section's subtotal in brackets, each tax as rate:base:tax. */
static char *
summarize (const CrmQuoteTotals *totals)
{
  GString *text = g_string_new ("nets");
  guint digits = totals->digits;
  const struct { const char *name; gint64 value; } sums[] = {
    { "subtotal", totals->subtotal }, { "discount", totals->discount },
    { "shipping", totals->shipping },
  };

  for (guint i = 0; i < totals->lines->len; i++)
    {
      const CrmQuoteLineTotal *line = &g_array_index (totals->lines, CrmQuoteLineTotal, i);
      g_autofree char *net = crm_decimal_format (line->net, digits);

      g_string_append_printf (text, line->section ? " [%s]" : " %s", net);
    }
  for (guint i = 0; i < G_N_ELEMENTS (sums); i++)
    {
      g_autofree char *value = crm_decimal_format (sums[i].value, digits);

      g_string_append_printf (text, " | %s %s", sums[i].name, value);
    }
  g_string_append (text, " | taxes");
  for (guint i = 0; i < totals->taxes->len; i++)
    {
      const CrmQuoteTax *tax = &g_array_index (totals->taxes, CrmQuoteTax, i);
      g_autofree char *rate = crm_decimal_format_trimmed (tax->rate, CRM_QUOTE_PERCENT_SCALE);
      g_autofree char *base = crm_decimal_format (tax->base, digits);
      g_autofree char *amount = crm_decimal_format (tax->tax, digits);

      g_string_append_printf (text, " %s:%s:%s", rate, base, amount);
    }
  if (totals->taxes->len == 0)
    g_string_append (text, " -");
  {
    g_autofree char *tax = crm_decimal_format (totals->tax, digits);
    g_autofree char *total = crm_decimal_format (totals->total, digits);

    g_string_append_printf (text, " | tax %s | total %s", tax, total);
  }
  return g_string_free (text, FALSE);
}

static char *
compute_summary (const CrmQuote *quote)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmQuoteTotals) totals = crm_quote_compute (quote, &error);

  g_assert_no_error (error);
  return summarize (totals);
}

static void
assert_totals (const char *input,
               const char *expected)
{
  g_autoptr(CrmQuote) quote = quote_from_json (input);
  g_autofree char *got = compute_summary (quote);

  g_test_message ("%s", input);
  g_assert_cmpstr (got, ==, expected);
}

static void
assert_invalid (const char *input,
                int         code,
                const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = parse_json (input);
  g_autoptr(CrmQuote) quote = crm_quote_new_from_json (node, &error);
  g_autoptr(CrmQuoteTotals) totals = NULL;

  g_test_message ("%s", input);
  if (quote != NULL)
    totals = crm_quote_compute (quote, &error);
  g_assert_null (totals);
  g_assert_error (error, CRM_QUOTE_ERROR, code);
  g_assert_cmpstr (error->message, ==, message);
}

static gint64
line_net (gint64       quantity,
          gint64       unit_price,
          CrmDiscount  discount,
          guint        digits,
          CrmRounding  rounding)
{
  g_autoptr(GError) error = NULL;
  CrmQuoteLine line = {
    .quantity = quantity, .unit_price = unit_price, .discount = discount,
  };
  gint64 net = G_GINT64_CONSTANT (4242424242);

  g_assert_true (crm_quote_line_net (&line, digits, rounding, &net, &error));
  g_assert_no_error (error);
  return net;
}

static const CrmDiscount no_discount = { CRM_DISCOUNT_NONE, 0 };

/* Step by step ********************************************************/

/* Step 1: quantity × unit price, exact whatever the decimals */
static void
test_line_gross (void)
{
  /* 2.5 × 19.99 = 49.975 → 49.98 */
  g_assert_cmpint (line_net (25000, 199900, no_discount, 2, HALF_UP), ==, 4998);
  /* 0.0001 × 0.0001 = 0.00000001 → 0.00 */
  g_assert_cmpint (line_net (1, 1, no_discount, 2, HALF_UP), ==, 0);
  /* 1.2345 × 2.0001 = 2.46912345 → 2.469 (KWD), 2.47 (EUR), 2 (JPY) */
  g_assert_cmpint (line_net (12345, 20001, no_discount, 3, HALF_UP), ==, 2469);
  g_assert_cmpint (line_net (12345, 20001, no_discount, 2, HALF_UP), ==, 247);
  g_assert_cmpint (line_net (12345, 20001, no_discount, 0, HALF_UP), ==, 2);
  /* 1000000 × 1000000.00 = 10^12, far past 2^63 at the inputs' own scale
   * of 8, kept exact because whole numbers lose their zero decimals */
  g_assert_cmpint (line_net (PCT (1000000), PCT (1000000), no_discount, 2, HALF_UP),
                   ==, G_GINT64_CONSTANT (100000000000000));
  /* 0 × anything */
  g_assert_cmpint (line_net (0, 123456, no_discount, 2, HALF_UP), ==, 0);
}

/* Step 2 and 3: a percent off is taken before the one rounding */
static void
test_line_discount_percent (void)
{
  CrmDiscount ten = { CRM_DISCOUNT_PERCENT, PCT (10) };
  CrmDiscount all = { CRM_DISCOUNT_PERCENT, PCT (100) };
  CrmDiscount odd = { CRM_DISCOUNT_PERCENT, 333 }; /* 0.0333 % */

  /* 2.5 × 19.99 = 49.975; × 0.9 = 44.9775 → 44.98 */
  g_assert_cmpint (line_net (25000, 199900, ten, 2, HALF_UP), ==, 4498);
  /* 1 × 0.05 × 0.9 = 0.045 → 0.05 half-up, 0.04 half-even and down;
   * rounding the discount first (0.005 → 0.01) would give 0.04 */
  g_assert_cmpint (line_net (10000, 500, ten, 2, HALF_UP), ==, 5);
  g_assert_cmpint (line_net (10000, 500, ten, 2, HALF_EVEN), ==, 4);
  g_assert_cmpint (line_net (10000, 500, ten, 2, DOWN), ==, 4);
  g_assert_cmpint (line_net (20000, 150000, all, 2, HALF_UP), ==, 0);
  /* 3 × 100.00 × (1 − 0.000333) = 299.9001 → 299.90 */
  g_assert_cmpint (line_net (30000, 1000000, odd, 2, HALF_UP), ==, 29990);
}

static void
test_line_discount_amount (void)
{
  CrmDiscount one = { CRM_DISCOUNT_AMOUNT, 10000 };  /* 1.00 */
  CrmDiscount tiny = { CRM_DISCOUNT_AMOUNT, 50 };    /* 0.005 */

  /* 3 × 12.50 − 1.00 = 36.50 */
  g_assert_cmpint (line_net (30000, 125000, one, 2, HALF_UP), ==, 3650);
  /* 3 × 1.10 − 0.005 = 3.295 → 3.30 half-up, 3.30 half-even, 3.29 down */
  g_assert_cmpint (line_net (30000, 11000, tiny, 2, HALF_UP), ==, 330);
  g_assert_cmpint (line_net (30000, 11000, tiny, 2, HALF_EVEN), ==, 330);
  g_assert_cmpint (line_net (30000, 11000, tiny, 2, DOWN), ==, 329);
  /* 0.5 × 0.0333 − 0.005 = 0.01165 → 0.012 (KWD) */
  g_assert_cmpint (line_net (5000, 333, tiny, 3, HALF_UP), ==, 12);
  /* net = gross − amount, as written: a credit's net moves further down */
  g_assert_cmpint (line_net (-10000, 200000, one, 2, HALF_UP), ==, -2100);
}

/* Step 3: each mode on ties and non-ties, both signs, 0/2/3 digits */
static void
test_line_net_rounding (void)
{
  const struct {
    gint64 price; guint digits; gint64 half_up, half_even, down;
  } cases[] = {
    { 1250, 2, 13, 12, 12 },      /* 0.125 */
    { 1350, 2, 14, 14, 13 },      /* 0.135 */
    { 1251, 2, 13, 13, 12 },      /* 0.1251 */
    { 1249, 2, 12, 12, 12 },      /* 0.1249 */
    { 25000, 0, 3, 2, 2 },        /* 2.5 JPY */
    { 35000, 0, 4, 4, 3 },        /* 3.5 JPY */
    { 125, 3, 13, 12, 12 },       /* 0.0125 KWD */
    { 135, 3, 14, 14, 13 },       /* 0.0135 KWD */
    { 99999, 0, 10, 10, 9 },      /* 9.9999 JPY */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("price %" G_GINT64_FORMAT ", %u digits", cases[i].price, cases[i].digits);
      g_assert_cmpint (line_net (10000, cases[i].price, no_discount, cases[i].digits, HALF_UP), ==, cases[i].half_up);
      g_assert_cmpint (line_net (10000, cases[i].price, no_discount, cases[i].digits, HALF_EVEN), ==, cases[i].half_even);
      g_assert_cmpint (line_net (10000, cases[i].price, no_discount, cases[i].digits, DOWN), ==, cases[i].down);
      /* every mode is symmetric around zero */
      g_assert_cmpint (line_net (-10000, cases[i].price, no_discount, cases[i].digits, HALF_UP), ==, -cases[i].half_up);
      g_assert_cmpint (line_net (-10000, cases[i].price, no_discount, cases[i].digits, HALF_EVEN), ==, -cases[i].half_even);
      g_assert_cmpint (line_net (10000, -cases[i].price, no_discount, cases[i].digits, DOWN), ==, -cases[i].down);
    }
}

/* Step 4 */
static void
test_subtotal (void)
{
  /* 0.333 → 0.33 three times: the subtotal sums rounded nets, 0.99 */
  assert_totals ("{'currency':'EUR','lines':[{'quantity':'1','unit_price':'0.333'},"
                 "{'quantity':'1','unit_price':'0.333'},{'quantity':'1','unit_price':'0.333'}]}",
                 "nets 0.33 0.33 0.33 | subtotal 0.99 | discount 0.00 | shipping 0.00 | "
                 "taxes 0:0.99:0.00 | tax 0.00 | total 0.99");
  /* Sections subtotal the items after them and add nothing themselves */
  assert_totals ("{'currency':'EUR','lines':[{'kind':'section','description':'Hardware'},"
                 "{'quantity':'2','unit_price':'5.00','tax_rate':'19'},"
                 "{'kind':'section','description':'Services'},"
                 "{'quantity':'1','unit_price':'3.00','tax_rate':'19'},"
                 "{'quantity':'1','unit_price':'4.00','tax_rate':'19'}]}",
                 "nets [10.00] 10.00 [7.00] 3.00 4.00 | subtotal 17.00 | discount 0.00 | "
                 "shipping 0.00 | taxes 19:17.00:3.23 | tax 3.23 | total 20.23");
  assert_totals ("{'currency':'EUR','lines':[]}",
                 "nets | subtotal 0.00 | discount 0.00 | shipping 0.00 | taxes - | tax 0.00 | total 0.00");
}

/* Step 5: the discount's amount */
static void
test_document_discount (void)
{
  /* 5 % of 81.48 = 4.074 → 4.07 */
  assert_totals ("{'currency':'EUR','lines':[{'quantity':'1','unit_price':'81.48'}],'discount_percent':'5'}",
                 "nets 81.48 | subtotal 81.48 | discount 4.07 | shipping 0.00 | "
                 "taxes 0:77.41:0.00 | tax 0.00 | total 77.41");
  /* 5 % of 0.50 = 0.025 → 0.03 half-up, 0.02 half-even and down */
  assert_totals ("{'currency':'EUR','lines':[{'quantity':'1','unit_price':'0.50'}],'discount_percent':'5'}",
                 "nets 0.50 | subtotal 0.50 | discount 0.03 | shipping 0.00 | "
                 "taxes 0:0.47:0.00 | tax 0.00 | total 0.47");
  assert_totals ("{'currency':'EUR','rounding':'half-even','lines':[{'quantity':'1','unit_price':'0.50'}],"
                 "'discount_percent':'5'}",
                 "nets 0.50 | subtotal 0.50 | discount 0.02 | shipping 0.00 | "
                 "taxes 0:0.48:0.00 | tax 0.00 | total 0.48");
  /* An amount is taken as it is */
  assert_totals ("{'currency':'JPY','lines':[{'quantity':'1','unit_price':'1000','tax_rate':'10'}],"
                 "'discount_amount':'150'}",
                 "nets 1000 | subtotal 1000 | discount 150 | shipping 0 | "
                 "taxes 10:850:85 | tax 85 | total 935");
}

/* Step 5: spreading it over the rates */
static void
test_spread (void)
{
  g_autoptr(GError) error = NULL;
  gint64 bases[] = { 1000, 1000, 1000 };
  gint64 shares[3];
  gint64 mixed[] = { 5000, -2000 };
  gint64 zero[] = { 100, -100 };

  /* 1.00 over three equal bases: running totals 1/3, 2/3, 3/3 of 100 round
   * to 33, 67, 100, so the shares are 33, 34, 33 */
  g_assert_true (crm_quote_spread (100, bases, 3, HALF_UP, shares, &error));
  g_assert_cmpint (shares[0], ==, 33);
  g_assert_cmpint (shares[1], ==, 34);
  g_assert_cmpint (shares[2], ==, 33);
  /* down: 33, 66, 100 */
  g_assert_true (crm_quote_spread (100, bases, 3, DOWN, shares, &error));
  g_assert_cmpint (shares[0], ==, 33);
  g_assert_cmpint (shares[1], ==, 33);
  g_assert_cmpint (shares[2], ==, 34);
  /* a negative amount mirrors the positive one */
  g_assert_true (crm_quote_spread (-100, bases, 3, HALF_UP, shares, &error));
  g_assert_cmpint (shares[0], ==, -33);
  g_assert_cmpint (shares[1], ==, -34);
  g_assert_cmpint (shares[2], ==, -33);
  /* a credit among the bases: 6.00 × 50/30 = 10.00 and 6.00 × −20/30 = −4.00 */
  g_assert_true (crm_quote_spread (600, mixed, 2, HALF_UP, shares, &error));
  g_assert_cmpint (shares[0], ==, 1000);
  g_assert_cmpint (shares[1], ==, -400);
  /* nothing to spread is always fine */
  g_assert_true (crm_quote_spread (0, zero, 2, HALF_UP, shares, &error));
  g_assert_cmpint (shares[0], ==, 0);
  g_assert_cmpint (shares[1], ==, 0);
  g_assert_no_error (error);
  /* something over nothing is not */
  g_assert_false (crm_quote_spread (100, zero, 2, HALF_UP, shares, &error));
  g_assert_error (error, CRM_QUOTE_ERROR, CRM_QUOTE_ERROR_INVALID);

  /* Shares always add up, each within one unit of its exact value */
  for (guint round = 0; round < 200; round++)
    {
      gint64 many[7];
      gint64 out[7];
      gint64 amount = g_test_rand_int_range (-100000, 100000);
      gint64 total = 0;
      gint64 sum = 0;
      guint n = (guint) g_test_rand_int_range (1, 8);

      for (guint i = 0; i < n; i++)
        total += many[i] = g_test_rand_int_range (1, 1000000);
      g_assert_true (crm_quote_spread (amount, many, n, (CrmRounding) (round % 3), out, NULL));
      for (guint i = 0; i < n; i++)
        {
          /* |out − amount × base / total| ≤ 1, times total */
          gint64 diff = out[i] * total - amount * many[i];

          g_assert_cmpint (ABS (diff), <=, total);
          sum += out[i];
        }
      g_assert_cmpint (sum, ==, amount);
    }
}

/* Step 6 */
static void
test_shipping (void)
{
  /* its own rate: 19 % of 4.95 = 0.9405 → 0.94 */
  assert_totals ("{'currency':'EUR','lines':[{'quantity':'1','unit_price':'100.00','tax_rate':'7'}],"
                 "'shipping':'4.95','shipping_tax_rate':'19'}",
                 "nets 100.00 | subtotal 100.00 | discount 0.00 | shipping 4.95 | "
                 "taxes 7:100.00:7.00 19:4.95:0.94 | tax 7.94 | total 112.89");
  /* the lines' rate: one base of 25.00 */
  assert_totals ("{'currency':'EUR','lines':[{'quantity':'1','unit_price':'20.00','tax_rate':'19'}],"
                 "'shipping':'5.00','shipping_tax_rate':'19'}",
                 "nets 20.00 | subtotal 20.00 | discount 0.00 | shipping 5.00 | "
                 "taxes 19:25.00:4.75 | tax 4.75 | total 29.75");
  /* no rate given is 0 %; shipping takes no share of the discount */
  assert_totals ("{'currency':'EUR','lines':[{'quantity':'1','unit_price':'10.00','tax_rate':'10'}],"
                 "'shipping':'3.00','discount_amount':'1.00'}",
                 "nets 10.00 | subtotal 10.00 | discount 1.00 | shipping 3.00 | "
                 "taxes 0:3.00:0.00 10:9.00:0.90 | tax 0.90 | total 12.90");
}

/* Step 7, document mode: once per rate */
static void
test_tax_document (void)
{
  g_autoptr(GError) error = NULL;
  gint64 tax;

  /* 19 % of 0.05 = 0.0095 → 0.01; thrice, on 0.15: 0.0285 → 0.03 */
  g_assert_true (crm_quote_tax_on (5, 2, PCT (19), HALF_UP, &tax, &error));
  g_assert_cmpint (tax, ==, 1);
  g_assert_true (crm_quote_tax_on (15, 2, PCT (19), HALF_UP, &tax, &error));
  g_assert_cmpint (tax, ==, 3);
  /* 7.7 % of 99.95 = 7.69615 → 7.70 */
  g_assert_true (crm_quote_tax_on (9995, 2, 77000, HALF_UP, &tax, &error));
  g_assert_cmpint (tax, ==, 770);
  /* 10 % of 1005 JPY = 100.5 → 101, 100, 100 */
  g_assert_true (crm_quote_tax_on (1005, 0, PCT (10), HALF_UP, &tax, &error));
  g_assert_cmpint (tax, ==, 101);
  g_assert_true (crm_quote_tax_on (1005, 0, PCT (10), HALF_EVEN, &tax, &error));
  g_assert_cmpint (tax, ==, 100);
  g_assert_true (crm_quote_tax_on (1005, 0, PCT (10), DOWN, &tax, &error));
  g_assert_cmpint (tax, ==, 100);
  g_assert_no_error (error);
  g_assert_false (crm_quote_tax_on (1005, 0, PCT (101), DOWN, &tax, &error));
  g_assert_error (error, CRM_QUOTE_ERROR, CRM_QUOTE_ERROR_INVALID);

  /* 10 % of 0.15 = 0.015 → 0.02 */
  assert_totals ("{'currency':'EUR','lines':[{'quantity':'1','unit_price':'0.05','tax_rate':'10'},"
                 "{'quantity':'1','unit_price':'0.05','tax_rate':'10'},"
                 "{'quantity':'1','unit_price':'0.05','tax_rate':'10'}]}",
                 "nets 0.05 0.05 0.05 | subtotal 0.15 | discount 0.00 | shipping 0.00 | "
                 "taxes 10:0.15:0.02 | tax 0.02 | total 0.17");
}

/* Step 7, per-line mode: each line, the discount and shipping rounded */
static void
test_tax_per_line (void)
{
  /* 10 % of 0.05 = 0.005 → 0.01, three times */
  assert_totals ("{'currency':'EUR','tax_mode':'per-line','lines':[{'quantity':'1','unit_price':'0.05','tax_rate':'10'},"
                 "{'quantity':'1','unit_price':'0.05','tax_rate':'10'},"
                 "{'quantity':'1','unit_price':'0.05','tax_rate':'10'}]}",
                 "nets 0.05 0.05 0.05 | subtotal 0.15 | discount 0.00 | shipping 0.00 | "
                 "taxes 10:0.15:0.03 | tax 0.03 | total 0.18");
  /* 19.99 → 3.7981 → 3.80; 5.01 → 0.9519 → 0.95; the discount −2.50 →
   * −0.475 → −0.48; 3.80 + 0.95 − 0.48 = 4.27 */
  assert_totals ("{'currency':'EUR','tax_mode':'per-line','lines':[{'quantity':'1','unit_price':'19.99','tax_rate':'19'},"
                 "{'quantity':'1','unit_price':'5.01','tax_rate':'19'}],'discount_percent':'10'}",
                 "nets 19.99 5.01 | subtotal 25.00 | discount 2.50 | shipping 0.00 | "
                 "taxes 19:22.50:4.27 | tax 4.27 | total 26.77");
}

/* Step 8 */
static void
test_total (void)
{
  /* 81.48 − 4.07 + 5.00 + 11.50 = 93.91 (the example, worked in
   * /quote/examples) */
  g_autoptr(CrmQuote) quote = crm_quote_new ("EUR");
  g_autoptr(CrmQuoteTotals) totals = NULL;
  g_autoptr(GError) error = NULL;
  CrmQuoteLine widget = { .quantity = 25000, .unit_price = 199900,
                          .discount = { CRM_DISCOUNT_PERCENT, PCT (10) }, .tax_rate = PCT (19) };
  CrmQuoteLine book = { .quantity = 30000, .unit_price = 125000,
                        .discount = { CRM_DISCOUNT_AMOUNT, 10000 }, .tax_rate = PCT (7) };
  CrmDiscount discount = { CRM_DISCOUNT_PERCENT, PCT (5) };

  crm_quote_add_line (quote, &widget);
  crm_quote_add_line (quote, &book);
  crm_quote_set_discount (quote, &discount);
  crm_quote_set_shipping (quote, 500, PCT (19));
  g_assert_cmpuint (crm_quote_get_n_lines (quote), ==, 2);
  g_assert_cmpstr (crm_quote_get_currency (quote), ==, "EUR");

  totals = crm_quote_compute (quote, &error);
  g_assert_no_error (error);
  g_assert_cmpint (totals->subtotal, ==, 8148);
  g_assert_cmpint (totals->discount, ==, 407);
  g_assert_cmpint (totals->shipping, ==, 500);
  g_assert_cmpint (totals->tax, ==, 1150);
  g_assert_cmpint (totals->total, ==, 9391);
  g_assert_cmpint (totals->total, ==, totals->subtotal - totals->discount + totals->shipping + totals->tax);
}

/* Credits: negative quantities, alone and among other lines */
static void
test_credits (void)
{
  /* −2 × 50.00 = −100.00; 19 % = −19.00 */
  assert_totals ("{'currency':'EUR','lines':[{'quantity':'-2','unit_price':'50.00','tax_rate':'19'}]}",
                 "nets -100.00 | subtotal -100.00 | discount 0.00 | shipping 0.00 | "
                 "taxes 19:-100.00:-19.00 | tax -19.00 | total -119.00");
  /* a credit with a percent off: −1 × 40.00 × 0.75 = −30.00 */
  assert_totals ("{'currency':'EUR','lines':[{'quantity':'1','unit_price':'100.00','tax_rate':'19'},"
                 "{'quantity':'-1','unit_price':'40.00','discount_percent':'25','tax_rate':'19'}]}",
                 "nets 100.00 -30.00 | subtotal 70.00 | discount 0.00 | shipping 0.00 | "
                 "taxes 19:70.00:13.30 | tax 13.30 | total 83.30");
  /* −1 × 0.125 is a tie, which half-up takes away from zero: −0.13 */
  assert_totals ("{'currency':'EUR','lines':[{'quantity':'-1','unit_price':'0.125'}]}",
                 "nets -0.13 | subtotal -0.13 | discount 0.00 | shipping 0.00 | "
                 "taxes 0:-0.13:0.00 | tax 0.00 | total -0.13");
  /* a discount on a quote that credits overall: 10 % of −100.00 = −10.00 */
  assert_totals ("{'currency':'EUR','lines':[{'quantity':'-1','unit_price':'100.00','tax_rate':'20'}],"
                 "'discount_percent':'10'}",
                 "nets -100.00 | subtotal -100.00 | discount -10.00 | shipping 0.00 | "
                 "taxes 20:-90.00:-18.00 | tax -18.00 | total -108.00");
}

static void
test_currencies (void)
{
  /* JPY, 0 digits: 3 × 333.5 = 1000.5 → 1001; 10 % = 100.1 → 100 */
  assert_totals ("{'currency':'JPY','lines':[{'quantity':'3','unit_price':'333.5','tax_rate':'10'}]}",
                 "nets 1001 | subtotal 1001 | discount 0 | shipping 0 | "
                 "taxes 10:1001:100 | tax 100 | total 1101");
  /* KWD, 3 digits: 2 × 1.2345 = 2.469; 5 % = 0.12345 → 0.123 */
  assert_totals ("{'currency':'KWD','lines':[{'quantity':'2','unit_price':'1.2345','tax_rate':'5'}]}",
                 "nets 2.469 | subtotal 2.469 | discount 0.000 | shipping 0.000 | "
                 "taxes 5:2.469:0.123 | tax 0.123 | total 2.592");
  /* money fields take the currency's decimals, no more */
  assert_invalid ("{'currency':'JPY','lines':[],'shipping':'1.5'}", CRM_QUOTE_ERROR_INVALID,
                  "shipping: “1.5” must be a whole number");
  assert_invalid ("{'currency':'KWD','lines':[],'discount_amount':'1.0005'}", CRM_QUOTE_ERROR_INVALID,
                  "discount_amount: “1.0005” has more than 3 decimal places");
  assert_invalid ("{'currency':'EUR','lines':[],'shipping':'1.005'}", CRM_QUOTE_ERROR_INVALID,
                  "shipping: “1.005” has more than 2 decimal places");
}

static void
test_rounding_modes (void)
{
  const char *lines = "'lines':[{'quantity':'1','unit_price':'0.125','tax_rate':'20'},"
                      "{'quantity':'1','unit_price':'10.99','tax_rate':'19'}]}";
  const struct { const char *mode; const char *expected; } cases[] = {
    /* 0.125 → 0.13; 20 % of 0.13 = 0.026 → 0.03; 19 % of 10.99 = 2.0881 → 2.09 */
    { "half-up", "nets 0.13 10.99 | subtotal 11.12 | discount 0.00 | shipping 0.00 | "
                 "taxes 19:10.99:2.09 20:0.13:0.03 | tax 2.12 | total 13.24" },
    /* 0.125 → 0.12; 0.024 → 0.02; 2.0881 → 2.09 */
    { "half-even", "nets 0.12 10.99 | subtotal 11.11 | discount 0.00 | shipping 0.00 | "
                   "taxes 19:10.99:2.09 20:0.12:0.02 | tax 2.11 | total 13.22" },
    /* 0.125 → 0.12; 0.024 → 0.02; 2.0881 → 2.08 */
    { "down", "nets 0.12 10.99 | subtotal 11.11 | discount 0.00 | shipping 0.00 | "
              "taxes 19:10.99:2.08 20:0.12:0.02 | tax 2.10 | total 13.21" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *json = g_strconcat ("{'currency':'EUR','rounding':'", cases[i].mode, "',", lines, NULL);

      assert_totals (json, cases[i].expected);
    }
}

static void
test_overflow (void)
{
  /* 922337203685477.5807 × 2: past 2^63 at any scale */
  assert_invalid ("{'currency':'EUR','lines':[{'quantity':'922337203685477.5807','unit_price':'2'}]}",
                  CRM_QUOTE_ERROR_OVERFLOW,
                  "lines[0]: quantity × unit price is too large to compute exactly");
  /* 10000 × 900000000000000 = 9 × 10^18 fits; in cents it does not */
  assert_invalid ("{'currency':'EUR','lines':[{'quantity':'10000','unit_price':'900000000000000'}]}",
                  CRM_QUOTE_ERROR_OVERFLOW, "lines[0]: the net amount is too large to compute exactly");
  /* two of them in JPY fit one by one, not together */
  assert_invalid ("{'currency':'JPY','lines':[{'quantity':'10000','unit_price':'900000000000000'},"
                  "{'quantity':'10000','unit_price':'900000000000000'}]}",
                  CRM_QUOTE_ERROR_OVERFLOW, "the subtotal is too large to compute exactly");
  /* one with 19 % tax: the total does not fit */
  assert_invalid ("{'currency':'JPY','lines':[{'quantity':'10000','unit_price':'900000000000000','tax_rate':'19'}]}",
                  CRM_QUOTE_ERROR_OVERFLOW, "the total is too large to compute exactly");
  /* a credit as large in the other direction */
  assert_invalid ("{'currency':'JPY','lines':[{'quantity':'-10000','unit_price':'900000000000000','tax_rate':'19'}]}",
                  CRM_QUOTE_ERROR_OVERFLOW, "the total is too large to compute exactly");
  /* a number too large to read is named like any wrong value */
  assert_invalid ("{'currency':'EUR','lines':[],'shipping':'99999999999999999999'}", CRM_QUOTE_ERROR_INVALID,
                  "shipping: “99999999999999999999” is too large; the largest amount is 92233720368547758.07");
}

/* crm_decimal_mul_div: the 128-bit product divided before rounding */
static void
test_mul_div (void)
{
  g_autoptr(GError) error = NULL;
  gint64 out;

  /* 7 × 3 / 2 = 10.5 */
  g_assert_true (crm_decimal_mul_div (7, 3, 2, HALF_UP, &out, &error));
  g_assert_cmpint (out, ==, 11);
  g_assert_true (crm_decimal_mul_div (7, 3, 2, HALF_EVEN, &out, &error));
  g_assert_cmpint (out, ==, 10);
  g_assert_true (crm_decimal_mul_div (7, 3, 2, DOWN, &out, &error));
  g_assert_cmpint (out, ==, 10);
  g_assert_true (crm_decimal_mul_div (-7, 3, 2, HALF_UP, &out, &error));
  g_assert_cmpint (out, ==, -11);
  g_assert_true (crm_decimal_mul_div (7, -3, -2, HALF_UP, &out, &error));
  g_assert_cmpint (out, ==, 11);
  /* (2^63 − 1)² / (2^63 − 1): the product needs 126 bits */
  g_assert_true (crm_decimal_mul_div (G_MAXINT64, G_MAXINT64, G_MAXINT64, HALF_UP, &out, &error));
  g_assert_cmpint (out, ==, G_MAXINT64);
  g_assert_true (crm_decimal_mul_div (G_MININT64, 1, 1, HALF_UP, &out, &error));
  g_assert_cmpint (out, ==, G_MININT64);
  g_assert_no_error (error);

  g_assert_false (crm_decimal_mul_div (G_MININT64, -1, 1, HALF_UP, &out, &error));
  g_assert_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_OVERFLOW);
  g_clear_error (&error);
  g_assert_false (crm_decimal_mul_div (G_MAXINT64, 2, 1, HALF_UP, &out, &error));
  g_assert_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_OVERFLOW);
  g_clear_error (&error);
  g_assert_false (crm_decimal_mul_div (1, 1, 0, HALF_UP, &out, &error));
  g_assert_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_INVALID);
}

/* Reading and writing JSON ********************************************/

static void
test_json_defaults (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = parse_json ("{'currency':'EUR','lines':[{'quantity':'1','unit_price':'0.125',"
                                         "'tax_rate':null,'description':'A','product_id':null}],"
                                         "'discount_percent':null,'shipping':null}");
  g_autoptr(CrmQuote) quote = crm_quote_new_from_json (node, &error);
  g_autoptr(CrmQuoteTotals) totals = NULL;

  g_assert_no_error (error);
  /* half-up, per document, no tax, no discount, no shipping: null is absent */
  totals = crm_quote_compute (quote, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_array_index (totals->lines, CrmQuoteLineTotal, 0).net, ==, 13);
  g_assert_cmpint (totals->total, ==, 13);
  g_assert_cmpstr (g_ptr_array_index (totals->explain, 0), ==,
                   "EUR with 2 decimals, rounding half-up, tax per document");
  g_assert_cmpstr (crm_tax_mode_to_string (CRM_TAX_MODE_PER_LINE), ==, "per-line");
}

static void
test_json_errors (void)
{
  const struct { const char *input; const char *message; } cases[] = {
    { "[]", "a quote must be a JSON object" },
    { "{'lines':[]}", "currency: missing" },
    { "{'currency':'eur','lines':[]}", "currency: “eur” is not an ISO 4217 currency code" },
    { "{'currency':7,'lines':[]}", "currency: must be a string, as in \"2.5\", not a JSON number" },
    { "{'currency':'EUR'}", "lines: missing" },
    { "{'currency':'EUR','lines':{}}", "lines: must be an array" },
    { "{'currency':'EUR','lines':[],'colour':'red'}", "colour: unknown field" },
    { "{'currency':'EUR','lines':[],'tax_mode':'line'}", "tax_mode: must be “document” or “per-line”" },
    { "{'currency':'EUR','lines':[],'rounding':'up'}", "rounding: must be “half-up”, “half-even” or “down”" },
    { "{'currency':'EUR','lines':[],'discount_percent':'5','discount_amount':'1.00'}",
      "discount_amount: give discount_percent or discount_amount, not both" },
    { "{'currency':'EUR','lines':[],'discount_percent':'101'}", "discount_percent: must be between 0 and 100" },
    { "{'currency':'EUR','lines':[],'shipping_tax_rate':'-1'}", "shipping_tax_rate: must be between 0 and 100" },
    { "{'currency':'EUR','lines':[7]}", "lines[0]: must be an object" },
    { "{'currency':'EUR','lines':[{'unit_price':'1'}]}", "lines[0].quantity: missing" },
    { "{'currency':'EUR','lines':[{'quantity':'1','unit_price':'1'},{'quantity':'1'}]}",
      "lines[1].unit_price: missing" },
    { "{'currency':'EUR','lines':[{'quantity':'abc','unit_price':'1'}]}",
      "lines[0].quantity: “abc” is not a decimal number" },
    { "{'currency':'EUR','lines':[{'quantity':'1.00001','unit_price':'1'}]}",
      "lines[0].quantity: “1.00001” has more than 4 decimal places" },
    { "{'currency':'EUR','lines':[{'quantity':1,'unit_price':'1'}]}",
      "lines[0].quantity: must be a string, as in \"2.5\", not a JSON number" },
    { "{'currency':'EUR','lines':[{'quantity':'1','unit_price':'1','description':true}]}",
      "lines[0].description: must be a string" },
    { "{'currency':'EUR','lines':[{'quantity':'1','unit_price':'1','tax':'19'}]}",
      "lines[0].tax: unknown field" },
    { "{'currency':'EUR','lines':[{'quantity':'1','unit_price':'1','tax_rate':'100.5'}]}",
      "lines[0]: tax_rate must be between 0 and 100" },
    { "{'currency':'EUR','lines':[{'quantity':'1','unit_price':'1','discount_percent':'-5'}]}",
      "lines[0]: discount_percent must be between 0 and 100" },
    { "{'currency':'EUR','lines':[{'quantity':'1','unit_price':'1','discount_percent':'5','discount_amount':'1'}]}",
      "lines[0].discount_amount: give discount_percent or discount_amount, not both" },
    { "{'currency':'EUR','lines':[{'kind':'heading'}]}", "lines[0].kind: must be “item” or “section”" },
    { "{'currency':'EUR','lines':[{'kind':'section','quantity':'1'}]}",
      "lines[0].quantity: a section heading has no amounts" },
    { "{'currency':'EUR','lines':[{'quantity':'1','unit_price':'1'},{'quantity':'-1','unit_price':'1'}],"
      "'discount_amount':'1.00'}",
      "discount_amount: cannot be spread over lines that add up to zero" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_invalid (cases[i].input, CRM_QUOTE_ERROR_INVALID, cases[i].message);
}

static void
test_json_output (void)
{
  g_autoptr(CrmQuote) quote = quote_from_json ("{'currency':'EUR','lines':[{'kind':'section','description':'Kit'},"
                                               "{'quantity':'2','unit_price':'9.995','tax_rate':'7.5'}],"
                                               "'shipping':'1.00'}");
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmQuoteTotals) totals = crm_quote_compute (quote, &error);
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  node = crm_quote_totals_to_json (totals, FALSE);
  text = json_to_string (node, FALSE);
  /* 2 × 9.995 = 19.99; 7.5 % of 19.99 = 1.49925 → 1.50; shipping at 0 % */
  g_assert_cmpstr (text, ==,
                   "{\"currency\":\"EUR\",\"lines\":[{\"kind\":\"section\",\"subtotal\":\"19.99\"},"
                   "{\"net\":\"19.99\"}],\"subtotal\":\"19.99\",\"discount\":\"0.00\",\"shipping\":\"1.00\","
                   "\"tax\":\"1.50\",\"total\":\"22.49\",\"taxes\":[{\"rate\":\"0\",\"base\":\"1.00\",\"tax\":\"0.00\"},"
                   "{\"rate\":\"7.5\",\"base\":\"19.99\",\"tax\":\"1.50\"}]}");
}

static void
test_explain (void)
{
  g_autoptr(CrmQuote) quote = quote_from_json ("{'currency':'EUR','lines':[{'quantity':'2.5','unit_price':'19.99',"
                                               "'discount_percent':'10','tax_rate':'19'},{'quantity':'3',"
                                               "'unit_price':'12.50','discount_amount':'1.00','tax_rate':'7'}],"
                                               "'discount_percent':'5','shipping':'5.00','shipping_tax_rate':'19'}");
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmQuoteTotals) totals = crm_quote_compute (quote, &error);
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *steps = NULL;
  const char *expected[] = {
    "EUR with 2 decimals, rounding half-up, tax per document",
    "line 1: 2.5 × 19.99 = 49.975, less 10% = 44.9775 → 44.98",
    "line 2: 3 × 12.5 = 37.5, less 1 = 36.5 → 36.50",
    "subtotal: the sum of 2 lines = 81.48",
    "discount: 5% of 81.48 = 4.074 → 4.07",
    "discount at 7%: 1.82 of 4.07, as 36.50 is to 81.48",
    "discount at 19%: 2.25 of 4.07, as 44.98 is to 81.48",
    "shipping: 5.00, taxed at 19%",
    "tax at 7%: 7% of 34.68 = 2.4276 → 2.43",
    "tax at 19%: 19% of 47.73 = 9.0687 → 9.07",
    "total: 81.48 − 4.07 + 5.00 + 11.50 = 93.91",
    NULL
  };
  g_autofree char *want = g_strjoinv ("\n", (char **) expected);
  JsonArray *array;

  g_assert_no_error (error);
  g_ptr_array_add (totals->explain, NULL);
  steps = g_strjoinv ("\n", (char **) totals->explain->pdata);
  g_ptr_array_remove_index (totals->explain, totals->explain->len - 1);
  g_assert_cmpstr (steps, ==, want);

  node = crm_quote_totals_to_json (totals, TRUE);
  array = json_object_get_array_member (json_node_get_object (node), "explain");
  g_assert_cmpuint (json_array_get_length (array), ==, G_N_ELEMENTS (expected) - 1);

  /* per-line mode says how each line's tax rounds */
  {
    g_autoptr(CrmQuote) per_line = quote_from_json ("{'currency':'EUR','tax_mode':'per-line','lines':"
                                                    "[{'quantity':'1','unit_price':'0.05','tax_rate':'10'}]}");
    g_autoptr(CrmQuoteTotals) per_line_totals = crm_quote_compute (per_line, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (g_ptr_array_index (per_line_totals->explain, 2), ==,
                     "line 1: tax 10% of 0.05 = 0.005 → 0.01");
    g_assert_cmpstr (g_ptr_array_index (per_line_totals->explain, 4), ==,
                     "tax at 10% on 0.05: lines 0.01 + discount 0.00 + shipping 0.00 = 0.01");
  }
}

/* Worked examples *****************************************************/

/* The expected figures are worked by hand in the comment above each one
 * (a tie is a remainder of exactly half a minor unit; half-up takes it
 * away from zero, half-even to the even digit, down drops it). They
 * were also checked against an independent implementation of the rules
 * in Python's decimal module (quantize with ROUND_HALF_UP, ROUND_HALF_EVEN,
 * ROUND_DOWN at 100 digits of precision), not against this engine. */
static const struct {
  const char *input;
  const char *expected;
} examples[] = {
  /* 1. 1 × 10.00 = 10.00; 19 % = 1.90; 11.90 */
  { "{'currency':'EUR','lines':[{'quantity':'1','unit_price':'10.00','tax_rate':'19'}]}",
    "nets 10.00 | subtotal 10.00 | discount 0.00 | shipping 0.00 | taxes 19:10.00:1.90 | tax 1.90 | total 11.90" },
  /* 2. The example. 2.5 × 19.99 = 49.975, × 0.90 = 44.9775 → 44.98;
   * 3 × 12.50 − 1.00 = 36.50; subtotal 81.48; 5 % = 4.074 → 4.07; spread:
   * 7 % first, 4.07 × 36.50 / 81.48 = 1.8232 → 1.82, 19 % the rest 2.25;
   * bases 36.50 − 1.82 = 34.68 and 44.98 − 2.25 + 5.00 = 47.73; taxes
   * 2.4276 → 2.43 and 9.0687 → 9.07, 11.50; 81.48 − 4.07 + 5.00 + 11.50 = 93.91 */
  { "{'currency':'EUR','lines':[{'description':'Widget','quantity':'2.5','unit_price':'19.99','discount_percent':'10',"
    "'tax_rate':'19'},{'description':'Book','quantity':'3','unit_price':'12.50','discount_amount':'1.00','tax_rate':'7'}],"
    "'discount_percent':'5','shipping':'5.00','shipping_tax_rate':'19'}",
    "nets 44.98 36.50 | subtotal 81.48 | discount 4.07 | shipping 5.00 | taxes 7:34.68:2.43 19:47.73:9.07 | "
    "tax 11.50 | total 93.91" },
  /* 3. 3 × 0.3333 = 0.9999 → 1.00 */
  { "{'currency':'EUR','lines':[{'quantity':'3','unit_price':'0.3333'}]}",
    "nets 1.00 | subtotal 1.00 | discount 0.00 | shipping 0.00 | taxes 0:1.00:0.00 | tax 0.00 | total 1.00" },
  /* 4. 0.125 is a tie → 0.13; 20 % = 0.026 → 0.03; 0.16 */
  { "{'currency':'EUR','lines':[{'quantity':'1','unit_price':'0.125','tax_rate':'20'}]}",
    "nets 0.13 | subtotal 0.13 | discount 0.00 | shipping 0.00 | taxes 20:0.13:0.03 | tax 0.03 | total 0.16" },
  /* 5. half-even: 0.125 → 0.12 (2 is even); 0.024 → 0.02; 0.14 */
  { "{'currency':'EUR','rounding':'half-even','lines':[{'quantity':'1','unit_price':'0.125','tax_rate':'20'}]}",
    "nets 0.12 | subtotal 0.12 | discount 0.00 | shipping 0.00 | taxes 20:0.12:0.02 | tax 0.02 | total 0.14" },
  /* 6. down: 0.125 → 0.12; 0.024 → 0.02; 0.14 */
  { "{'currency':'EUR','rounding':'down','lines':[{'quantity':'1','unit_price':'0.125','tax_rate':'20'}]}",
    "nets 0.12 | subtotal 0.12 | discount 0.00 | shipping 0.00 | taxes 20:0.12:0.02 | tax 0.02 | total 0.14" },
  /* 7. half-even: 0.135 → 0.14 (4 is even); 10 % = 0.014 → 0.01; 0.15 */
  { "{'currency':'EUR','rounding':'half-even','lines':[{'quantity':'1','unit_price':'0.135','tax_rate':'10'}]}",
    "nets 0.14 | subtotal 0.14 | discount 0.00 | shipping 0.00 | taxes 10:0.14:0.01 | tax 0.01 | total 0.15" },
  /* 8. JPY: 3 × 333.5 = 1000.5 → 1001; 10 % = 100.1 → 100; 1101 */
  { "{'currency':'JPY','lines':[{'quantity':'3','unit_price':'333.5','tax_rate':'10'}]}",
    "nets 1001 | subtotal 1001 | discount 0 | shipping 0 | taxes 10:1001:100 | tax 100 | total 1101" },
  /* 9. JPY half-even: 1000.5 → 1000; 100; 1100 */
  { "{'currency':'JPY','rounding':'half-even','lines':[{'quantity':'3','unit_price':'333.5','tax_rate':'10'}]}",
    "nets 1000 | subtotal 1000 | discount 0 | shipping 0 | taxes 10:1000:100 | tax 100 | total 1100" },
  /* 10. JPY: 7 × 1980 = 13860, × 0.85 = 11781; 8 % = 942.48 → 942; 12723 */
  { "{'currency':'JPY','lines':[{'quantity':'7','unit_price':'1980','discount_percent':'15','tax_rate':'8'}]}",
    "nets 11781 | subtotal 11781 | discount 0 | shipping 0 | taxes 8:11781:942 | tax 942 | total 12723" },
  /* 11. KWD: 2 × 1.2345 = 2.469; 5 % = 0.12345 → 0.123; 2.592 */
  { "{'currency':'KWD','lines':[{'quantity':'2','unit_price':'1.2345','tax_rate':'5'}]}",
    "nets 2.469 | subtotal 2.469 | discount 0.000 | shipping 0.000 | taxes 5:2.469:0.123 | tax 0.123 | total 2.592" },
  /* 12. KWD: 0.0125 is a tie at 3 digits → 0.013 */
  { "{'currency':'KWD','lines':[{'quantity':'1','unit_price':'0.0125'}]}",
    "nets 0.013 | subtotal 0.013 | discount 0.000 | shipping 0.000 | taxes 0:0.013:0.000 | tax 0.000 | total 0.013" },
  /* 13. KWD: 10.500 at 5 % = 0.525; shipping 1.250 at 0 %; 10.500 + 1.250 + 0.525 = 12.275 */
  { "{'currency':'KWD','lines':[{'quantity':'1','unit_price':'10.500','tax_rate':'5'}],'shipping':'1.250'}",
    "nets 10.500 | subtotal 10.500 | discount 0.000 | shipping 1.250 | taxes 0:1.250:0.000 5:10.500:0.525 | "
    "tax 0.525 | total 12.275" },
  /* 14. credit: −2 × 50.00 = −100.00; 19 % = −19.00; −119.00 */
  { "{'currency':'EUR','lines':[{'quantity':'-2','unit_price':'50.00','tax_rate':'19'}]}",
    "nets -100.00 | subtotal -100.00 | discount 0.00 | shipping 0.00 | taxes 19:-100.00:-19.00 | tax -19.00 | "
    "total -119.00" },
  /* 15. credit tie, half-up: −0.125 → −0.13 (away from zero) */
  { "{'currency':'EUR','lines':[{'quantity':'-1','unit_price':'0.125'}]}",
    "nets -0.13 | subtotal -0.13 | discount 0.00 | shipping 0.00 | taxes 0:-0.13:0.00 | tax 0.00 | total -0.13" },
  /* 16. credit tie, half-even: −0.125 → −0.12 */
  { "{'currency':'EUR','rounding':'half-even','lines':[{'quantity':'-1','unit_price':'0.125'}]}",
    "nets -0.12 | subtotal -0.12 | discount 0.00 | shipping 0.00 | taxes 0:-0.12:0.00 | tax 0.00 | total -0.12" },
  /* 17. credit, down: −0.129 → −0.12 (toward zero) */
  { "{'currency':'EUR','rounding':'down','lines':[{'quantity':'-1','unit_price':'0.129'}]}",
    "nets -0.12 | subtotal -0.12 | discount 0.00 | shipping 0.00 | taxes 0:-0.12:0.00 | tax 0.00 | total -0.12" },
  /* 18. 100.00 − 30.00 = 70.00; 19 % = 13.30; 83.30 */
  { "{'currency':'EUR','lines':[{'quantity':'1','unit_price':'100.00','tax_rate':'19'},"
    "{'quantity':'-1','unit_price':'30.00','tax_rate':'19'}]}",
    "nets 100.00 -30.00 | subtotal 70.00 | discount 0.00 | shipping 0.00 | taxes 19:70.00:13.30 | tax 13.30 | "
    "total 83.30" },
  /* 19. document: 10 % of 0.15 = 0.015 → 0.02; 0.17 */
  { "{'currency':'EUR','lines':[{'quantity':'1','unit_price':'0.05','tax_rate':'10'},"
    "{'quantity':'1','unit_price':'0.05','tax_rate':'10'},{'quantity':'1','unit_price':'0.05','tax_rate':'10'}]}",
    "nets 0.05 0.05 0.05 | subtotal 0.15 | discount 0.00 | shipping 0.00 | taxes 10:0.15:0.02 | tax 0.02 | total 0.17" },
  /* 20. per-line: 0.005 → 0.01 three times = 0.03; 0.18 */
  { "{'currency':'EUR','tax_mode':'per-line','lines':[{'quantity':'1','unit_price':'0.05','tax_rate':'10'},"
    "{'quantity':'1','unit_price':'0.05','tax_rate':'10'},{'quantity':'1','unit_price':'0.05','tax_rate':'10'}]}",
    "nets 0.05 0.05 0.05 | subtotal 0.15 | discount 0.00 | shipping 0.00 | taxes 10:0.15:0.03 | tax 0.03 | total 0.18" },
  /* 21. 10.00 off 100.00: 7 % gets 10 × 60/100 = 6.00, 19 % 4.00; bases
   * 54.00 and 36.00; taxes 3.78 and 6.84 = 10.62; 100 − 10 + 10.62 = 100.62 */
  { "{'currency':'EUR','lines':[{'quantity':'1','unit_price':'60.00','tax_rate':'7'},"
    "{'quantity':'1','unit_price':'40.00','tax_rate':'19'}],'discount_amount':'10.00'}",
    "nets 60.00 40.00 | subtotal 100.00 | discount 10.00 | shipping 0.00 | taxes 7:54.00:3.78 19:36.00:6.84 | "
    "tax 10.62 | total 100.62" },
  /* 22. 1.00 over three bases of 10.00: running 0.3333 → 0.33, 0.6667 →
   * 0.67, 1.00, so shares 0.33, 0.34, 0.33; bases 9.67, 9.66, 9.67; taxes
   * 0, 7 % of 9.66 = 0.6762 → 0.68, 19 % of 9.67 = 1.8373 → 1.84; 2.52;
   * 30.00 − 1.00 + 2.52 = 31.52 */
  { "{'currency':'EUR','lines':[{'quantity':'1','unit_price':'10.00','tax_rate':'0'},"
    "{'quantity':'1','unit_price':'10.00','tax_rate':'7'},{'quantity':'1','unit_price':'10.00','tax_rate':'19'}],"
    "'discount_amount':'1.00'}",
    "nets 10.00 10.00 10.00 | subtotal 30.00 | discount 1.00 | shipping 0.00 | "
    "taxes 0:9.67:0.00 7:9.66:0.68 19:9.67:1.84 | tax 2.52 | total 31.52" },
  /* 23. per-line with a discount: 3.7981 → 3.80, 0.9519 → 0.95, 10 % of
   * 25.00 = 2.50 whose tax −0.475 → −0.48; 4.27; 25 − 2.50 + 4.27 = 26.77 */
  { "{'currency':'EUR','tax_mode':'per-line','lines':[{'quantity':'1','unit_price':'19.99','tax_rate':'19'},"
    "{'quantity':'1','unit_price':'5.01','tax_rate':'19'}],'discount_percent':'10'}",
    "nets 19.99 5.01 | subtotal 25.00 | discount 2.50 | shipping 0.00 | taxes 19:22.50:4.27 | tax 4.27 | total 26.77" },
  /* 24. the same per document: 19 % of 22.50 = 4.275 → 4.28; 26.78 */
  { "{'currency':'EUR','lines':[{'quantity':'1','unit_price':'19.99','tax_rate':'19'},"
    "{'quantity':'1','unit_price':'5.01','tax_rate':'19'}],'discount_percent':'10'}",
    "nets 19.99 5.01 | subtotal 25.00 | discount 2.50 | shipping 0.00 | taxes 19:22.50:4.28 | tax 4.28 | total 26.78" },
  /* 25. shipping 4.95 at 19 % = 0.9405 → 0.94, lines 7 % of 100 = 7.00; 112.89 */
  { "{'currency':'EUR','lines':[{'quantity':'1','unit_price':'100.00','tax_rate':'7'}],"
    "'shipping':'4.95','shipping_tax_rate':'19'}",
    "nets 100.00 | subtotal 100.00 | discount 0.00 | shipping 4.95 | taxes 7:100.00:7.00 19:4.95:0.94 | "
    "tax 7.94 | total 112.89" },
  /* 26. 20.00 + shipping 5.00 at 19 % = 4.75; 29.75 */
  { "{'currency':'EUR','lines':[{'quantity':'1','unit_price':'20.00','tax_rate':'19'}],"
    "'shipping':'5.00','shipping_tax_rate':'19'}",
    "nets 20.00 | subtotal 20.00 | discount 0.00 | shipping 5.00 | taxes 19:25.00:4.75 | tax 4.75 | total 29.75" },
  /* 27. 100 % off 2 × 15.00 = 0.00 */
  { "{'currency':'EUR','lines':[{'quantity':'2','unit_price':'15.00','discount_percent':'100','tax_rate':'19'}]}",
    "nets 0.00 | subtotal 0.00 | discount 0.00 | shipping 0.00 | taxes 19:0.00:0.00 | tax 0.00 | total 0.00" },
  /* 28. 99.99 × 0.875 = 87.49125 → 87.49; 19 % = 16.6231 → 16.62; 104.11 */
  { "{'currency':'EUR','lines':[{'quantity':'1','unit_price':'99.99','discount_percent':'12.5','tax_rate':'19'}]}",
    "nets 87.49 | subtotal 87.49 | discount 0.00 | shipping 0.00 | taxes 19:87.49:16.62 | tax 16.62 | total 104.11" },
  /* 29. CHF 99.95 at 7.7 % = 7.69615 → 7.70; 107.65 */
  { "{'currency':'CHF','lines':[{'quantity':'1','unit_price':'99.95','tax_rate':'7.7'}]}",
    "nets 99.95 | subtotal 99.95 | discount 0.00 | shipping 0.00 | taxes 7.7:99.95:7.70 | tax 7.70 | total 107.65" },
  /* 30. 1.2345 × 2.0001 = 2.46912345 → 2.47 */
  { "{'currency':'EUR','lines':[{'quantity':'1.2345','unit_price':'2.0001'}]}",
    "nets 2.47 | subtotal 2.47 | discount 0.00 | shipping 0.00 | taxes 0:2.47:0.00 | tax 0.00 | total 2.47" },
  /* 31. down: 19 % of 10.99 = 2.0881 → 2.08; 13.07 */
  { "{'currency':'EUR','rounding':'down','lines':[{'quantity':'1','unit_price':'10.99','tax_rate':'19'}]}",
    "nets 10.99 | subtotal 10.99 | discount 0.00 | shipping 0.00 | taxes 19:10.99:2.08 | tax 2.08 | total 13.07" },
  /* 32. half-even: 3 × 1.10 − 0.005 = 3.295, a tie → 3.30 (0 is even) */
  { "{'currency':'EUR','rounding':'half-even','lines':[{'quantity':'3','unit_price':'1.10','discount_amount':'0.005'}]}",
    "nets 3.30 | subtotal 3.30 | discount 0.00 | shipping 0.00 | taxes 0:3.30:0.00 | tax 0.00 | total 3.30" },
  /* 33. JPY: 1000 × 9999999 = 9999999000; 10 % = 999999900; 10999998900 */
  { "{'currency':'JPY','lines':[{'quantity':'1000','unit_price':'9999999','tax_rate':'10'}]}",
    "nets 9999999000 | subtotal 9999999000 | discount 0 | shipping 0 | taxes 10:9999999000:999999900 | "
    "tax 999999900 | total 10999998900" },
  /* 34. half-even: 5 % of 0.50 = 0.025, a tie → 0.02; 0.48 */
  { "{'currency':'USD','rounding':'half-even','lines':[{'quantity':'1','unit_price':'0.50'}],'discount_percent':'5'}",
    "nets 0.50 | subtotal 0.50 | discount 0.02 | shipping 0.00 | taxes 0:0.48:0.00 | tax 0.00 | total 0.48" },
  /* 35. per-line, down: 19 % of 0.99 = 0.1881 → 0.18 for each line and for
   * shipping, 0.54 (per document 19 % of 2.97 = 0.5643 → 0.56); 1.98 +
   * 0.99 + 0.54 = 3.51 */
  { "{'currency':'EUR','tax_mode':'per-line','rounding':'down','lines':[{'quantity':'1','unit_price':'0.99',"
    "'tax_rate':'19'},{'quantity':'1','unit_price':'0.99','tax_rate':'19'}],'shipping':'0.99','shipping_tax_rate':'19'}",
    "nets 0.99 0.99 | subtotal 1.98 | discount 0.00 | shipping 0.99 | taxes 19:2.97:0.54 | tax 0.54 | total 3.51" },
};

static void
test_examples (void)
{
  g_assert_cmpuint (G_N_ELEMENTS (examples), >=, 30);
  for (guint i = 0; i < G_N_ELEMENTS (examples); i++)
    {
      g_test_message ("example %u", i + 1);
      assert_totals (examples[i].input, examples[i].expected);
    }
}

/* Properties **********************************************************/

static const gint64 some_rates[] = { 0, PCT (5), PCT (7), 77000, PCT (19), PCT (20), 215000 };
static const char * const some_currencies[] = { "EUR", "JPY", "KWD" };

/* Up to 4 decimals, sometimes fewer, sometimes negative */
static gint64
random_decimal (gint32 max_whole,
                gboolean may_be_negative)
{
  static const gint64 steps[] = { 1, 10, 100, 10000 };
  gint64 step = steps[g_test_rand_int_range (0, G_N_ELEMENTS (steps))];
  gint64 value = (gint64) g_test_rand_int_range (0, max_whole) * 10000 / step * step;

  value += g_test_rand_int_range (0, 10000) / step * step;
  if (may_be_negative && g_test_rand_int_range (0, 5) == 0)
    value = -value;
  return value;
}

static CrmQuoteLine
random_line (void)
{
  CrmQuoteLine line = {
    .quantity = random_decimal (100, TRUE),
    .unit_price = random_decimal (2000, FALSE),
    .tax_rate = some_rates[g_test_rand_int_range (0, G_N_ELEMENTS (some_rates))],
  };

  switch (g_test_rand_int_range (0, 3))
    {
    case 0:
      line.discount.kind = CRM_DISCOUNT_PERCENT;
      line.discount.value = g_test_rand_int_range (0, (gint32) PCT (100) + 1);
      break;
    case 1:
      line.discount.kind = CRM_DISCOUNT_AMOUNT;
      line.discount.value = random_decimal (10, FALSE);
      break;
    default:
      break;
    }
  return line;
}

static CrmQuote *
build_quote (const char         *currency,
             CrmRounding         rounding,
             CrmTaxMode          mode,
             const CrmDiscount  *discount,
             gint64              shipping,
             gint64              shipping_rate,
             const CrmQuoteLine *lines,
             const guint        *order,
             guint               n_lines)
{
  CrmQuote *quote = crm_quote_new (currency);

  crm_quote_set_rounding (quote, rounding);
  crm_quote_set_tax_mode (quote, mode);
  crm_quote_set_discount (quote, discount);
  crm_quote_set_shipping (quote, shipping, shipping_rate);
  for (guint i = 0; i < n_lines; i++)
    crm_quote_add_line (quote, &lines[order != NULL ? order[i] : i]);
  return quote;
}

typedef struct
{
  const char  *currency;
  CrmRounding  rounding;
  CrmDiscount  discount;
  gint64       shipping;
  gint64       shipping_rate;
  CrmQuoteLine lines[12];
  guint        n_lines;
} RandomQuote;

static void
random_quote (RandomQuote *q)
{
  q->currency = some_currencies[g_test_rand_int_range (0, G_N_ELEMENTS (some_currencies))];
  q->rounding = (CrmRounding) g_test_rand_int_range (0, 3);
  q->n_lines = (guint) g_test_rand_int_range (1, G_N_ELEMENTS (q->lines) + 1);
  for (guint i = 0; i < q->n_lines; i++)
    q->lines[i] = random_line ();
  q->discount.kind = CRM_DISCOUNT_NONE;
  q->discount.value = 0;
  if (g_test_rand_int_range (0, 2) == 0)
    {
      q->discount.kind = CRM_DISCOUNT_PERCENT;
      q->discount.value = g_test_rand_int_range (0, (gint32) PCT (30));
    }
  q->shipping = g_test_rand_int_range (0, 3) == 0 ? 0 : g_test_rand_int_range (0, 5000);
  q->shipping_rate = some_rates[g_test_rand_int_range (0, G_N_ELEMENTS (some_rates))];
}

/* Totals do not depend on the order of the lines */
static void
test_property_reorder (void)
{
  for (guint round = 0; round < 300; round++)
    {
      RandomQuote q;
      guint order[G_N_ELEMENTS (q.lines)];
      g_autoptr(CrmQuote) quote = NULL;
      g_autoptr(CrmQuote) shuffled = NULL;
      g_autofree char *want = NULL;
      g_autofree char *got = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(CrmQuoteTotals) a = NULL;
      g_autoptr(CrmQuoteTotals) b = NULL;

      random_quote (&q);
      for (guint i = 0; i < q.n_lines; i++)
        order[i] = i;
      for (guint i = q.n_lines - 1; i > 0; i--)
        {
          guint j = (guint) g_test_rand_int_range (0, (gint32) i + 1);
          guint swap = order[i];

          order[i] = order[j];
          order[j] = swap;
        }

      for (CrmTaxMode mode = CRM_TAX_MODE_DOCUMENT; mode <= CRM_TAX_MODE_PER_LINE; mode++)
        {
          g_clear_pointer (&quote, crm_quote_free);
          g_clear_pointer (&shuffled, crm_quote_free);
          g_clear_pointer (&a, crm_quote_totals_free);
          g_clear_pointer (&b, crm_quote_totals_free);
          quote = build_quote (q.currency, q.rounding, mode, &q.discount, q.shipping,
                               q.shipping_rate, q.lines, NULL, q.n_lines);
          shuffled = build_quote (q.currency, q.rounding, mode, &q.discount, q.shipping,
                                  q.shipping_rate, q.lines, order, q.n_lines);
          a = crm_quote_compute (quote, &error);
          g_assert_no_error (error);
          b = crm_quote_compute (shuffled, &error);
          g_assert_no_error (error);

          /* the lines move, their nets with them; every sum stays */
          for (guint i = 0; i < q.n_lines; i++)
            g_assert_cmpint (g_array_index (a->lines, CrmQuoteLineTotal, order[i]).net, ==,
                             g_array_index (b->lines, CrmQuoteLineTotal, i).net);
          g_array_set_size (a->lines, 0);
          g_array_set_size (b->lines, 0);
          g_free (want);
          g_free (got);
          want = summarize (a);
          got = summarize (b);
          g_assert_cmpstr (got, ==, want);
        }
    }
}

/* Per-line and document tax differ by the rounding of each line only.
 * Per rate, per-line mode rounds k amounts (its lines, the discount's
 * share, shipping) and document mode one: with half-up or half-even each
 * rounding is off by at most half a minor unit, so the two differ by at
 * most (k + 1) / 2 units: half a unit per line, plus half a unit for the
 * one document rounding. Down can be off by almost a whole unit each. */
static void
test_property_tax_modes (void)
{
  for (guint round = 0; round < 300; round++)
    {
      RandomQuote q;
      g_autoptr(CrmQuote) document = NULL;
      g_autoptr(CrmQuote) per_line = NULL;
      g_autoptr(CrmQuoteTotals) a = NULL;
      g_autoptr(CrmQuoteTotals) b = NULL;
      g_autoptr(GError) error = NULL;
      gint64 bound = 0;

      random_quote (&q);
      document = build_quote (q.currency, q.rounding, CRM_TAX_MODE_DOCUMENT, &q.discount, q.shipping,
                              q.shipping_rate, q.lines, NULL, q.n_lines);
      per_line = build_quote (q.currency, q.rounding, CRM_TAX_MODE_PER_LINE, &q.discount, q.shipping,
                              q.shipping_rate, q.lines, NULL, q.n_lines);
      a = crm_quote_compute (document, &error);
      g_assert_no_error (error);
      b = crm_quote_compute (per_line, &error);
      g_assert_no_error (error);

      /* everything but tax and total agrees */
      g_assert_cmpint (a->subtotal, ==, b->subtotal);
      g_assert_cmpint (a->discount, ==, b->discount);
      g_assert_cmpuint (a->taxes->len, ==, b->taxes->len);
      g_assert_cmpint (a->total - a->tax, ==, b->total - b->tax);

      for (guint i = 0; i < a->taxes->len; i++)
        {
          const CrmQuoteTax *ta = &g_array_index (a->taxes, CrmQuoteTax, i);
          const CrmQuoteTax *tb = &g_array_index (b->taxes, CrmQuoteTax, i);
          gint64 k = q.discount.kind != CRM_DISCOUNT_NONE ? 1 : 0;
          gint64 rate_bound;

          g_assert_cmpint (ta->rate, ==, tb->rate);
          g_assert_cmpint (ta->base, ==, tb->base);
          for (guint j = 0; j < q.n_lines; j++)
            k += q.lines[j].tax_rate == ta->rate;
          if (q.shipping != 0 && q.shipping_rate == ta->rate)
            k++;

          if (q.rounding == DOWN)
            rate_bound = k;
          else
            rate_bound = (k + 1) / 2;
          g_assert_cmpint (ABS (ta->tax - tb->tax), <=, rate_bound);
          bound += rate_bound;
        }
      g_assert_cmpint (ABS (a->tax - b->tax), <=, bound);
    }
}

/* crm-cli quote totals ************************************************/

typedef struct
{
  int   status;
  char *out;
  char *err;
} CliResult;

static void
cli_result_free (CliResult *result)
{
  g_free (result->out);
  g_free (result->err);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliResult, cli_result_free)

/* Runs $CRM_CLI ARGS…, feeding @input to its stdin if given */
static CliResult *
run_cli (const char *input,
         const char *first,
         ...) G_GNUC_NULL_TERMINATED;

static CliResult *
run_cli (const char *input,
         const char *first,
         ...)
{
  const char *cli = g_getenv ("CRM_CLI");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  CliResult *result = g_new0 (CliResult, 1);
  va_list args;

  if (cli == NULL || !g_file_test (cli, G_FILE_TEST_IS_EXECUTABLE))
    g_error ("CRM_CLI must name the crm-cli binary to test; it is %s", cli ? cli : "not set");

  g_ptr_array_add (argv, (char *) cli);
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE |
                                        (input != NULL ? G_SUBPROCESS_FLAGS_STDIN_PIPE : 0));
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "LANGUAGE");
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input, NULL, &result->out, &result->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  result->status = g_subprocess_get_exit_status (process);
  g_test_message ("exit %d, stderr: %s", result->status, result->err);
  return result;
}

static char *
write_file (CrmTestDir *dir,
            const char *name,
            const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = crm_test_dir_file (dir, name);
  g_autofree char *json = g_strdup (contents);

  g_strdelimit (json, "'", '"');
  g_file_set_contents (path, json, -1, &error);
  g_assert_no_error (error);
  return path;
}

static JsonObject *
parse_output (const char *out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = crm_json_parse (out, strlen (out), &error);

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

static void
test_cli_totals (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autofree char *path = write_file (dir, "quote.json", examples[1].input);
  g_autoptr(CliResult) result = run_cli (NULL, "quote", "totals", path, NULL);
  g_autoptr(JsonObject) object = NULL;
  JsonArray *lines;
  JsonArray *taxes;
  JsonObject *tax;

  g_assert_cmpstr (result->err, ==, "");
  g_assert_cmpint (result->status, ==, 0);
  object = parse_output (result->out);

  g_assert_cmpstr (json_object_get_string_member (object, "currency"), ==, "EUR");
  lines = json_object_get_array_member (object, "lines");
  g_assert_cmpuint (json_array_get_length (lines), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (lines, 0), "net"), ==, "44.98");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (lines, 1), "net"), ==, "36.50");
  g_assert_cmpstr (json_object_get_string_member (object, "subtotal"), ==, "81.48");
  g_assert_cmpstr (json_object_get_string_member (object, "discount"), ==, "4.07");
  g_assert_cmpstr (json_object_get_string_member (object, "shipping"), ==, "5.00");
  g_assert_cmpstr (json_object_get_string_member (object, "tax"), ==, "11.50");
  g_assert_cmpstr (json_object_get_string_member (object, "total"), ==, "93.91");
  taxes = json_object_get_array_member (object, "taxes");
  g_assert_cmpuint (json_array_get_length (taxes), ==, 2);
  tax = json_array_get_object_element (taxes, 1);
  g_assert_cmpstr (json_object_get_string_member (tax, "rate"), ==, "19");
  g_assert_cmpstr (json_object_get_string_member (tax, "base"), ==, "47.73");
  g_assert_cmpstr (json_object_get_string_member (tax, "tax"), ==, "9.07");
  g_assert_false (json_object_has_member (object, "explain"));
}

static void
test_cli_stdin_explain (void)
{
  g_autofree char *json = g_strdup (examples[7].input);
  g_autoptr(CliResult) result = NULL;
  g_autoptr(JsonObject) object = NULL;
  JsonArray *steps;

  g_strdelimit (json, "'", '"');
  result = run_cli (json, "quote", "totals", "-", "--explain", NULL);
  g_assert_cmpstr (result->err, ==, "");
  g_assert_cmpint (result->status, ==, 0);
  object = parse_output (result->out);
  g_assert_cmpstr (json_object_get_string_member (object, "total"), ==, "1101");
  steps = json_object_get_array_member (object, "explain");
  g_assert_cmpstr (json_array_get_string_element (steps, 1), ==, "line 1: 3 × 333.5 = 1000.5 → 1001");
  g_assert_cmpstr (json_array_get_string_element (steps, json_array_get_length (steps) - 1), ==,
                   "total: 1001 − 0 + 0 + 100 = 1101");
}

static void
test_cli_malformed (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autofree char *path = write_file (dir, "broken.json", "{'currency':'EUR','lines':[");
  g_autoptr(CliResult) result = run_cli (NULL, "quote", "totals", path, NULL);
  g_autoptr(CliResult) empty = run_cli ("", "quote", "totals", "-", NULL);

  g_assert_cmpint (result->status, ==, 2);
  g_assert_cmpstr (result->out, ==, "");
  g_assert_true (g_str_has_prefix (result->err, "crm-cli: "));
  g_assert_nonnull (strstr (result->err, "broken.json is not valid JSON"));
  g_assert_cmpint (empty->status, ==, 2);
  g_assert_nonnull (strstr (empty->err, "Standard input is not valid JSON"));
}

static void
test_cli_bad_field (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autofree char *path = write_file (dir, "quote.json",
                                      "{'currency':'EUR','lines':[{'quantity':'1','unit_price':'1.00'},"
                                      "{'quantity':'two','unit_price':'1.00'}]}");
  g_autofree char *overflow = write_file (dir, "overflow.json",
                                          "{'currency':'EUR','lines':[{'quantity':'10000',"
                                          "'unit_price':'900000000000000'}]}");
  g_autoptr(CliResult) result = run_cli (NULL, "quote", "totals", path, NULL);
  g_autoptr(CliResult) too_large = run_cli (NULL, "quote", "totals", overflow, NULL);

  g_assert_cmpint (result->status, ==, 2);
  g_assert_cmpstr (result->out, ==, "");
  g_assert_cmpstr (result->err, ==, "crm-cli: lines[1].quantity: “two” is not a decimal number\n");
  g_assert_cmpint (too_large->status, ==, 2);
  g_assert_cmpstr (too_large->err, ==,
                   "crm-cli: lines[0]: the net amount is too large to compute exactly\n");
}

static void
test_cli_usage (void)
{
  g_autoptr(CliResult) no_file = run_cli (NULL, "quote", "totals", NULL);
  g_autoptr(CliResult) unknown = run_cli (NULL, "quote", "sum", "x.json", NULL);
  g_autoptr(CliResult) missing = run_cli (NULL, "quote", "totals", "/nonexistent/quote.json", NULL);

  g_assert_cmpint (no_file->status, ==, 2);
  g_assert_nonnull (strstr (no_file->err, "quote totals needs a file"));
  g_assert_cmpint (unknown->status, ==, 2);
  g_assert_nonnull (strstr (unknown->err, "quote needs totals FILE.json or pdf ID OUT.pdf"));
  /* a file that cannot be read is work that could not be done */
  g_assert_cmpint (missing->status, ==, 1);
  g_assert_nonnull (strstr (missing->err, "/nonexistent/quote.json"));
}

/* The PDF *************************************************************/

/* The text of @path as pdftotext -layout reads it, or NULL with the test
 * skipped where poppler-utils is missing */
static char *
pdf_text (const char *path)
{
  g_autofree char *pdftotext = g_find_program_in_path ("pdftotext");
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  int status;

  if (pdftotext == NULL)
    {
      g_test_skip ("pdftotext (poppler-utils) is not installed");
      return NULL;
    }
  {
    const char *argv[] = { pdftotext, "-layout", "-enc", "UTF-8", path, "-", NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status, &error);
  }
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

static guint
count_matches (const char *text,
               const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (text, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

/* A row of the lines table, as pdftotext lays it out: the cells in order */
static gboolean
has_row (const char         *text,
         const char * const *cells)
{
  g_auto(GStrv) rows = g_strsplit (text, "\n", -1);

  for (guint i = 0; rows[i] != NULL; i++)
    {
      const char *p = rows[i];
      guint j;

      for (j = 0; cells[j] != NULL && (p = strstr (p, cells[j])) != NULL; j++)
        p += strlen (cells[j]);
      if (cells[j] == NULL)
        return TRUE;
    }
  return FALSE;
}

static void
test_pdf_render (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autofree char *path = crm_test_dir_file (dir, "quote.pdf");
  g_autoptr(CrmQuote) quote = quote_from_json ("{'currency':'EUR','lines':[{'kind':'section','description':'Hardware'},"
                                               "{'description':'Widget','quantity':'2.5','unit_price':'19.99',"
                                               "'discount_percent':'10','tax_rate':'19'},{'description':'Book',"
                                               "'quantity':'3','unit_price':'12.50','discount_amount':'1.00',"
                                               "'tax_rate':'7'}],'discount_percent':'5','shipping':'5.00',"
                                               "'shipping_tax_rate':'19'}");
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmQuoteTotals) totals = crm_quote_compute (quote, &error);
  g_autofree char *text = NULL;
  CrmQuoteHeader header = {
    .company_name = "Example Widgets GmbH", .company_address = "Hafenstraße 1\n20457 Hamburg",
    .customer_name = "Acme Logistics", .customer_address = "1 Harbour Road", .contact_name = "Ada Lovelace",
    .number = "Q-0042", .revision = 3, .date = "2026-12-02", .valid_until = "2027-01-31",
    .terms = "Payment within 30 days.",
  };
  const char * const widget[] = { "Widget", "2.5", "19.99", "10%", "19%", "44.98", NULL };
  const char * const book[] = { "Book", "3", "12.50", "1.00", "7%", "36.50", NULL };
  const char * const head[] = { "Description", "Qty", "Unit price", "Discount", "Tax", "Net", NULL };
  const char * const sums[][3] = {
    { "Subtotal Hardware", "81.48", NULL }, { "Subtotal", "81.48", NULL }, { "Discount", "-4.07", NULL },
    { "Shipping", "5.00", NULL }, { "Tax 7% on 34.68", "2.43", NULL }, { "Tax 19% on 47.73", "9.07", NULL },
    { "Total (EUR)", "€93.91", NULL },
  };

  g_assert_no_error (error);
  g_assert_true (crm_quote_pdf_write (&header, quote, totals, path, &error));
  g_assert_no_error (error);
  if (!(text = pdf_text (path)))
    return;
  g_test_message ("%s", text);

  for (guint i = 0; i < 9; i++)
    {
      const char *expected[] = {
        "Example Widgets GmbH", "Hafenstraße 1", "Quote Q-0042", "Revision 3", "Date 2026-12-02",
        "Valid until 2027-01-31", "Acme Logistics", "Attn. Ada Lovelace", "Payment within 30 days.",
      };

      g_assert_nonnull (strstr (text, expected[i]));
    }
  g_assert_true (has_row (text, head));
  g_assert_true (has_row (text, widget));
  g_assert_true (has_row (text, book));
  g_assert_nonnull (strstr (text, "Hardware"));
  for (guint i = 0; i < G_N_ELEMENTS (sums); i++)
    g_assert_true (has_row (text, sums[i]));
  g_assert_nonnull (strstr (text, "Accepted by the customer"));
  g_assert_nonnull (strstr (text, "Signature"));
  g_assert_nonnull (strstr (text, "page 1 of 1"));

  /* nowhere to write is an error, not a crash */
  g_assert_false (crm_quote_pdf_write (&header, quote, totals, "/nonexistent/dir/quote.pdf", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
}

/* 200 lines run over several pages, each with the table's head, and
 * every line and total is there once */
static void
test_pdf_paginates (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autofree char *path = crm_test_dir_file (dir, "long.pdf");
  g_autoptr(CrmQuote) quote = crm_quote_new ("JPY");
  g_autoptr(CrmQuoteTotals) totals = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *last_page = NULL;
  CrmQuoteHeader header = { .company_name = "Example", .number = "Q-200", .revision = 1 };
  guint n_pages;

  for (guint i = 1; i <= 200; i++)
    {
      g_autofree char *description = g_strdup_printf ("Article %03u with a description long enough to wrap "
                                                      "onto a second line of its cell", i);
      CrmQuoteLine line = { .description = description, .quantity = 10000,
                            .unit_price = (gint64) i * 10000, .tax_rate = PCT (10) };

      crm_quote_add_line (quote, &line);
    }
  totals = crm_quote_compute (quote, &error);
  g_assert_no_error (error);
  /* Σ 1…200 = 20100; 10 % = 2010; 22110 */
  g_assert_cmpint (totals->total, ==, 22110);
  g_assert_true (crm_quote_pdf_write (&header, quote, totals, path, &error));
  g_assert_no_error (error);
  if (!(text = pdf_text (path)))
    return;

  n_pages = count_matches (text, "\f") + (g_str_has_suffix (text, "\f") ? 0 : 1);
  g_assert_cmpuint (n_pages, >=, 5);
  g_assert_cmpuint (count_matches (text, "Description"), ==, n_pages);
  last_page = g_strdup_printf ("page %u of %u", n_pages, n_pages);
  g_assert_nonnull (strstr (text, last_page));
  for (guint i = 1; i <= 200; i++)
    {
      g_autofree char *article = g_strdup_printf ("Article %03u ", i);
      g_autofree char *net = g_strdup_printf ("%u", i);
      const char * const row[] = { article, net, NULL };

      g_assert_cmpuint (count_matches (text, article), ==, 1);
      g_assert_true (has_row (text, row));
    }
  {
    const char * const total[] = { "Total (JPY)", "¥22110", NULL };
    const char * const tax[] = { "Tax 10% on 20100", "2010", NULL };

    g_assert_true (has_row (text, total));
    g_assert_true (has_row (text, tax));
  }
}

/* crm-cli quote pdf renders a stored quote, its account and contact */
static void
test_cli_pdf (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autofree char *data = crm_test_dir_file (dir, "data");
  g_autofree char *pdf = crm_test_dir_file (dir, "out.pdf");
  g_autoptr(CliResult) account = run_cli (NULL, "--data-dir", data, "create", "accounts", "name=Acme Logistics",
                                          "address=1 Harbour Road", NULL);
  g_autoptr(CliResult) contact = run_cli (NULL, "--data-dir", data, "create", "contacts", "first_name=Ada",
                                          "last_name=Lovelace", NULL);
  g_autoptr(CliResult) created = NULL;
  g_autoptr(CliResult) result = NULL;
  g_autoptr(CliResult) bad_id = NULL;
  g_autoptr(CliResult) unknown = NULL;
  g_autofree char *account_ref = NULL;
  g_autofree char *contact_ref = NULL;
  g_autofree char *text = NULL;
  const char * const widget[] = { "Widget", "2.5", "19.99", "10%", "19%", "44.98", NULL };
  const char * const total[] = { "Total (EUR)", "€51.06", NULL };

  g_assert_cmpint (account->status, ==, 0);
  g_assert_cmpint (contact->status, ==, 0);
  account_ref = g_strconcat ("account_id=", g_strstrip (account->out), NULL);
  contact_ref = g_strconcat ("contact_id=", g_strstrip (contact->out), NULL);
  created = run_cli (NULL, "--data-dir", data, "create", "quotes", "number=Q-7", "currency=EUR",
                     account_ref, contact_ref, "valid_until=2027-01-31", "terms=Net 30 days.",
                     "lines=[{\"description\":\"Widget\",\"quantity\":\"2.5\",\"unit_price\":\"19.99\","
                     "\"discount_percent\":\"10\",\"tax_rate\":\"19\"}]", NULL);
  g_assert_cmpint (created->status, ==, 0);
  g_strstrip (created->out);

  result = run_cli (NULL, "--data-dir", data, "quote", "pdf", created->out, pdf, NULL);
  /* no message; a sanitizer build may still list the suppressions it used */
  g_assert_null (strstr (result->err, "crm-cli:"));
  g_assert_cmpint (result->status, ==, 0);
  if (!(text = pdf_text (pdf)))
    return;
  g_test_message ("%s", text);
  /* 44.98 + 19 % (8.5462 → 8.55) = 53.53 */
  g_assert_true (has_row (text, widget));
  g_assert_nonnull (strstr (text, "Quote Q-7"));
  g_assert_nonnull (strstr (text, "Acme Logistics"));
  g_assert_nonnull (strstr (text, "Attn. Ada Lovelace"));
  g_assert_nonnull (strstr (text, "Valid until 2027-01-31"));
  g_assert_nonnull (strstr (text, "Net 30 days."));
  g_assert_false (has_row (text, total));
  {
    const char * const right_total[] = { "Total (EUR)", "€53.53", NULL };

    g_assert_true (has_row (text, right_total));
  }

  bad_id = run_cli (NULL, "--data-dir", data, "quote", "pdf", "Q-7", pdf, NULL);
  g_assert_cmpint (bad_id->status, ==, 2);
  unknown = run_cli (NULL, "--data-dir", data, "quote", "pdf", "00000000-0000-4000-8000-000000000000", pdf, NULL);
  g_assert_cmpint (unknown->status, ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/quote/line/gross", test_line_gross);
  g_test_add_func ("/quote/line/discount-percent", test_line_discount_percent);
  g_test_add_func ("/quote/line/discount-amount", test_line_discount_amount);
  g_test_add_func ("/quote/line/net-rounding", test_line_net_rounding);
  g_test_add_func ("/quote/subtotal", test_subtotal);
  g_test_add_func ("/quote/document-discount", test_document_discount);
  g_test_add_func ("/quote/spread", test_spread);
  g_test_add_func ("/quote/shipping", test_shipping);
  g_test_add_func ("/quote/tax/document", test_tax_document);
  g_test_add_func ("/quote/tax/per-line", test_tax_per_line);
  g_test_add_func ("/quote/total", test_total);
  g_test_add_func ("/quote/credits", test_credits);
  g_test_add_func ("/quote/currencies", test_currencies);
  g_test_add_func ("/quote/rounding-modes", test_rounding_modes);
  g_test_add_func ("/quote/overflow", test_overflow);
  g_test_add_func ("/quote/mul-div", test_mul_div);
  g_test_add_func ("/quote/json/defaults", test_json_defaults);
  g_test_add_func ("/quote/json/errors", test_json_errors);
  g_test_add_func ("/quote/json/output", test_json_output);
  g_test_add_func ("/quote/explain", test_explain);
  g_test_add_func ("/quote/examples", test_examples);
  g_test_add_func ("/quote/property/reorder", test_property_reorder);
  g_test_add_func ("/quote/property/tax-modes", test_property_tax_modes);
  g_test_add_func ("/quote/cli/totals", test_cli_totals);
  g_test_add_func ("/quote/cli/stdin-explain", test_cli_stdin_explain);
  g_test_add_func ("/quote/cli/malformed", test_cli_malformed);
  g_test_add_func ("/quote/cli/bad-field", test_cli_bad_field);
  g_test_add_func ("/quote/cli/usage", test_cli_usage);
  g_test_add_func ("/quote/pdf/render", test_pdf_render);
  g_test_add_func ("/quote/pdf/paginates", test_pdf_paginates);
  g_test_add_func ("/quote/cli/pdf", test_cli_pdf);

  return g_test_run ();
}
