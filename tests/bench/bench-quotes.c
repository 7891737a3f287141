/* bench-quotes.c: how fast the quote engine totals a large quote
 *
 * Goals (see the issue): totals of a 1,000-line quote in ≤ 5 ms, its PDF
 * in ≤ 1 s.
 *
 * Prints one JSON object per measurement on stdout, one per line. Nothing
 * is asserted: run it on demand (meson test --benchmark, or directly) and
 * compare the numbers.
 *
 *   compute           crm_quote_compute() on a quote of --lines lines
 *                     (default 1000), tax per document, explain trace and all
 *   compute_per_line  the same with tax rounded per line
 *   json_totals       what crm-cli quote totals does between reading the
 *                     file and printing: parse the JSON, read the quote,
 *                     compute, write the result as JSON text
 *   pdf               crm_quote_pdf_write() of the same quote to a
 *                     temporary file, --pdf-runs times (default 5)
 *
 * Each is run --runs times (default 200) after one warm-up run. The lines
 * come from a seeded GRand, so every run computes the same quote.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "bench-quotes"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bench-util.h"
#include "crm-json.h"
#include "crm-quote.h"
#include "crm-quote-pdf.h"
#include <glib/gstdio.h>

#define DATA_SEED 20261202

static const char * const rates[] = { "0", "7", "7.7", "19", "20" };

/* Helpers *************************************************************/

static char *
random_decimal (GRand *rand,
                gint32 max_whole,
                guint  decimals)
{
  gint32 whole = g_rand_int_range (rand, 0, max_whole);

  if (decimals == 0)
    return g_strdup_printf ("%d", whole);
  return g_strdup_printf ("%d.%0*d", whole, (int) decimals,
                          g_rand_int_range (rand, 0, decimals == 4 ? 10000 : 100));
}

/* A quote as crm-cli reads it: varied quantities, prices, discounts and
 * rates, a few credits, a document discount and shipping */
static char *
build_json (guint lines)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (DATA_SEED);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "currency");
  json_builder_add_string_value (builder, "EUR");
  json_builder_set_member_name (builder, "lines");
  json_builder_begin_array (builder);
  for (guint i = 0; i < lines; i++)
    {
      g_autofree char *description = g_strdup_printf ("Item %u, a product with a longer name", i + 1);
      g_autofree char *quantity = random_decimal (rand, 50, g_rand_int_range (rand, 0, 3) == 0 ? 4 : 0);
      g_autofree char *price = random_decimal (rand, 5000, g_rand_int_range (rand, 0, 4) == 0 ? 4 : 2);
      g_autofree char *signed_quantity = NULL;

      if (g_rand_int_range (rand, 0, 20) == 0)
        signed_quantity = g_strconcat ("-", quantity, NULL);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "description");
      json_builder_add_string_value (builder, description);
      json_builder_set_member_name (builder, "quantity");
      json_builder_add_string_value (builder, signed_quantity ? signed_quantity : quantity);
      json_builder_set_member_name (builder, "unit_price");
      json_builder_add_string_value (builder, price);
      switch (g_rand_int_range (rand, 0, 3))
        {
        case 0:
          {
            g_autofree char *percent = random_decimal (rand, 30, 2);

            json_builder_set_member_name (builder, "discount_percent");
            json_builder_add_string_value (builder, percent);
          }
          break;
        case 1:
          {
            g_autofree char *amount = random_decimal (rand, 10, 2);

            json_builder_set_member_name (builder, "discount_amount");
            json_builder_add_string_value (builder, amount);
          }
          break;
        default:
          break;
        }
      json_builder_set_member_name (builder, "tax_rate");
      json_builder_add_string_value (builder, rates[g_rand_int_range (rand, 0, G_N_ELEMENTS (rates))]);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "discount_percent");
  json_builder_add_string_value (builder, "3.5");
  json_builder_set_member_name (builder, "shipping");
  json_builder_add_string_value (builder, "49.90");
  json_builder_set_member_name (builder, "shipping_tax_rate");
  json_builder_add_string_value (builder, "19");
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static CrmQuote *
read_quote (const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = crm_json_parse (json, strlen (json), &error);
  CrmQuote *quote = NULL;

  if (node != NULL)
    quote = crm_quote_new_from_json (node, &error);
  if (quote == NULL)
    g_error ("The benchmark's own quote is wrong: %s", error->message);
  return quote;
}

static void
print_series (const char *name,
              guint       lines,
              GArray     *micros,
              guint       goal_ms,
              const char *total)
{
  gint64 sum = 0;

  g_array_sort (micros, bench_compare_gint64);
  for (guint i = 0; i < micros->len; i++)
    sum += g_array_index (micros, gint64, i);

  printf ("{\"bench\":\"quotes\",\"name\":\"%s\",\"lines\":%u,\"runs\":%u,\"p50_ms\":%.3f,"
          "\"p95_ms\":%.3f,\"max_ms\":%.3f,\"mean_ms\":%.3f,\"goal_ms\":%u,\"total\":\"%s\"}\n",
          name, lines, micros->len, bench_percentile_ms (micros, 50), bench_percentile_ms (micros, 95),
          g_array_index (micros, gint64, micros->len - 1) / 1000.0,
          sum / 1000.0 / micros->len, goal_ms, total);
  fflush (stdout);
}

/* Measurements ********************************************************/

static void
bench_compute (const char *name,
               CrmQuote   *quote,
               guint       runs)
{
  g_autoptr(GArray) micros = g_array_sized_new (FALSE, FALSE, sizeof (gint64), runs);
  g_autofree char *total = NULL;

  for (guint i = 0; i <= runs; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CrmQuoteTotals) totals = NULL;
      gint64 start = g_get_monotonic_time ();
      gint64 elapsed;

      totals = crm_quote_compute (quote, &error);
      elapsed = g_get_monotonic_time () - start;
      if (totals == NULL)
        g_error ("Cannot compute the benchmark's quote: %s", error->message);
      if (i == 0)
        {
          /* the warm-up run */
          total = crm_decimal_format (totals->total, totals->digits);
          continue;
        }
      g_array_append_val (micros, elapsed);
    }
  print_series (name, crm_quote_get_n_lines (quote), micros, 5, total);
}

static void
bench_json_totals (const char *json,
                   guint       lines,
                   guint       runs)
{
  g_autoptr(GArray) micros = g_array_sized_new (FALSE, FALSE, sizeof (gint64), runs);
  g_autofree char *total = NULL;

  for (guint i = 0; i <= runs; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CrmQuote) quote = NULL;
      g_autoptr(CrmQuoteTotals) totals = NULL;
      g_autoptr(JsonNode) result = NULL;
      g_autofree char *text = NULL;
      gint64 start = g_get_monotonic_time ();
      gint64 elapsed;

      quote = read_quote (json);
      totals = crm_quote_compute (quote, &error);
      if (totals == NULL)
        g_error ("Cannot compute the benchmark's quote: %s", error->message);
      result = crm_quote_totals_to_json (totals, FALSE);
      text = json_to_string (result, TRUE);
      elapsed = g_get_monotonic_time () - start;
      if (i == 0)
        {
          total = crm_decimal_format (totals->total, totals->digits);
          continue;
        }
      g_array_append_val (micros, elapsed);
    }
  print_series ("json_totals", lines, micros, 5, total);
}

static void
bench_pdf (CrmQuote *quote,
           guint     runs)
{
  g_autoptr(GArray) micros = g_array_sized_new (FALSE, FALSE, sizeof (gint64), runs);
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmQuoteTotals) totals = crm_quote_compute (quote, &error);
  g_autofree char *dir = g_dir_make_tmp ("bench-quotes-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autofree char *total = NULL;
  CrmQuoteHeader header = {
    .company_name = "Example Widgets GmbH", .company_address = "Hafenstraße 1\n20457 Hamburg",
    .customer_name = "Acme Logistics", .number = "Q-BENCH", .revision = 1, .date = "2026-12-02",
    .terms = "Payment within 30 days.",
  };

  if (totals == NULL || dir == NULL)
    g_error ("Cannot set up the PDF benchmark: %s", error->message);
  path = g_build_filename (dir, "quote.pdf", NULL);
  total = crm_decimal_format (totals->total, totals->digits);

  for (guint i = 0; i <= runs; i++)
    {
      gint64 start = g_get_monotonic_time ();
      gint64 elapsed;

      if (!crm_quote_pdf_write (&header, quote, totals, path, &error))
        g_error ("Cannot write the benchmark's PDF: %s", error->message);
      elapsed = g_get_monotonic_time () - start;
      if (i > 0)
        g_array_append_val (micros, elapsed);
    }
  g_unlink (path);
  g_rmdir (dir);
  print_series ("pdf", crm_quote_get_n_lines (quote), micros, 1000, total);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmQuote) quote = NULL;
  g_autofree char *json = NULL;
  int lines = 1000;
  int runs = 200;
  int pdf_runs = 5;
  const GOptionEntry entries[] = {
    { "lines", 0, 0, G_OPTION_ARG_INT, &lines, "Lines in the quote (default 1000)", "N" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Timed runs of each measurement (default 200)", "N" },
    { "pdf-runs", 0, 0, G_OPTION_ARG_INT, &pdf_runs, "Timed runs of the PDF (default 5)", "N" },
    { NULL }
  };

  g_option_context_set_summary (context, "Times the quote engine; prints JSON lines.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-quotes: %s\n", error->message);
      return 2;
    }
  if (lines < 0 || runs < 1 || pdf_runs < 1)
    {
      g_printerr ("bench-quotes: --lines must be 0 or more, --runs and --pdf-runs 1 or more\n");
      return 2;
    }

  json = build_json ((guint) lines);
  quote = read_quote (json);
  bench_compute ("compute", quote, (guint) runs);
  crm_quote_set_tax_mode (quote, CRM_TAX_MODE_PER_LINE);
  bench_compute ("compute_per_line", quote, (guint) runs);
  bench_json_totals (json, (guint) lines, (guint) runs);
  crm_quote_set_tax_mode (quote, CRM_TAX_MODE_DOCUMENT);
  bench_pdf (quote, (guint) pdf_runs);
  return 0;
}
