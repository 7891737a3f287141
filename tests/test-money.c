/* test-money.c: exact decimals and money
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib.h>
#include <string.h>

#include "crm-money.h"

/* Anything a failed call must leave alone */
#define UNTOUCHED G_GINT64_CONSTANT (4242424242)

#define HALF_UP   CRM_ROUND_HALF_UP
#define HALF_EVEN CRM_ROUND_HALF_EVEN
#define DOWN      CRM_ROUND_DOWN

static const CrmRounding all_modes[] = { HALF_UP, HALF_EVEN, DOWN };

/* Helpers *************************************************************/

/* Each check compares one line that names the case, so that a failure says
 * which input it was: "“2.5” at scale 0, half-even = 3" != "… = 2". */
static void
assert_value (const char   *what,
              gboolean      ok,
              const GError *error,
              gint64        value,
              gint64        expected)
{
  g_autofree char *got = NULL;
  g_autofree char *want = NULL;

  if (ok)
    got = g_strdup_printf ("%s = %" G_GINT64_FORMAT, what, value);
  else
    got = g_strdup_printf ("%s fails: %s", what, error != NULL ? error->message : "(no error)");
  want = g_strdup_printf ("%s = %" G_GINT64_FORMAT, what, expected);

  g_assert_cmpstr (got, ==, want);
}

static void
assert_failure (const char      *what,
                gboolean         ok,
                const GError    *error,
                CrmDecimalError  code,
                const char      *message)
{
  g_autofree char *got = NULL;
  g_autofree char *want = NULL;

  if (ok)
    got = g_strdup_printf ("%s succeeds", what);
  else
    got = g_strdup_printf ("%s fails with code %d", what, error != NULL ? error->code : -1);
  want = g_strdup_printf ("%s fails with code %d", what, (int) code);

  g_assert_cmpstr (got, ==, want);
  g_assert_error (error, CRM_DECIMAL_ERROR, (int) code);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  if (message != NULL)
    g_assert_cmpstr (error->message, ==, message);
}

static void
check_parse (const char *text,
             guint       scale,
             gint64      expected)
{
  g_autofree char *what = g_strdup_printf ("“%s” at scale %u", text, scale);
  g_autoptr(GError) error = NULL;
  gint64 value = UNTOUCHED;
  gboolean ok;

  ok = crm_decimal_parse (text, scale, &value, &error);
  assert_value (what, ok, error, value, expected);

  /* text that needs no rounding parses the same in every mode */
  for (guint i = 0; i < G_N_ELEMENTS (all_modes); i++)
    {
      value = UNTOUCHED;
      ok = crm_decimal_parse_round (text, scale, all_modes[i], &value, &error);
      assert_value (what, ok, error, value, expected);
    }
}

static void
check_parse_error (const char      *text,
                   guint            scale,
                   CrmDecimalError  code,
                   const char      *message)
{
  g_autofree char *what = g_strdup_printf ("“%s” at scale %u", text, scale);
  g_autoptr(GError) error = NULL;
  gint64 value = UNTOUCHED;
  gboolean ok;

  ok = crm_decimal_parse (text, scale, &value, &error);
  assert_failure (what, ok, error, code, message);
  g_assert_cmpint (value, ==, UNTOUCHED);

  /* rounding forgives extra decimals, nothing else */
  if (code != CRM_DECIMAL_ERROR_PRECISION)
    {
      for (guint i = 0; i < G_N_ELEMENTS (all_modes); i++)
        {
          g_clear_error (&error);
          ok = crm_decimal_parse_round (text, scale, all_modes[i], &value, &error);
          assert_failure (what, ok, error, code, message);
          g_assert_cmpint (value, ==, UNTOUCHED);
        }
    }
}

static void
check_parse_round (const char  *text,
                   guint        scale,
                   CrmRounding  rounding,
                   gint64       expected)
{
  g_autofree char *what = g_strdup_printf ("“%s” at scale %u, %s", text, scale,
                                           crm_rounding_to_string (rounding));
  g_autoptr(GError) error = NULL;
  gint64 value = UNTOUCHED;
  gboolean ok;

  ok = crm_decimal_parse_round (text, scale, rounding, &value, &error);
  assert_value (what, ok, error, value, expected);
}

static void
check_rescale (gint64      value,
               guint       from_scale,
               guint       to_scale,
               CrmRounding rounding,
               gint64      expected)
{
  g_autofree char *what = g_strdup_printf ("%" G_GINT64_FORMAT " from scale %u to %u, %s",
                                           value, from_scale, to_scale,
                                           crm_rounding_to_string (rounding));
  g_autoptr(GError) error = NULL;
  gint64 result = UNTOUCHED;
  gboolean ok;

  ok = crm_decimal_rescale (value, from_scale, to_scale, rounding, &result, &error);
  assert_value (what, ok, error, result, expected);
}

static void
check_mul (gint64      a,
           guint       a_scale,
           gint64      b,
           guint       b_scale,
           guint       out_scale,
           CrmRounding rounding,
           gint64      expected)
{
  g_autofree char *what = g_strdup_printf ("%" G_GINT64_FORMAT "e-%u × %" G_GINT64_FORMAT "e-%u"
                                           " at scale %u, %s", a, a_scale, b, b_scale,
                                           out_scale, crm_rounding_to_string (rounding));
  g_autoptr(GError) error = NULL;
  gint64 result = UNTOUCHED;
  gboolean ok;

  ok = crm_decimal_mul (a, a_scale, b, b_scale, out_scale, rounding, &result, &error);
  assert_value (what, ok, error, result, expected);

  /* multiplication commutes, rounding included */
  result = UNTOUCHED;
  ok = crm_decimal_mul (b, b_scale, a, a_scale, out_scale, rounding, &result, &error);
  assert_value (what, ok, error, result, expected);
}

static void
check_div (gint64      a,
           guint       a_scale,
           gint64      b,
           guint       b_scale,
           guint       out_scale,
           CrmRounding rounding,
           gint64      expected)
{
  g_autofree char *what = g_strdup_printf ("%" G_GINT64_FORMAT "e-%u ÷ %" G_GINT64_FORMAT "e-%u"
                                           " at scale %u, %s", a, a_scale, b, b_scale,
                                           out_scale, crm_rounding_to_string (rounding));
  g_autoptr(GError) error = NULL;
  gint64 result = UNTOUCHED;
  gboolean ok;

  ok = crm_decimal_div (a, a_scale, b, b_scale, out_scale, rounding, &result, &error);
  assert_value (what, ok, error, result, expected);
}

static void
check_overflow (const char   *what,
                gboolean      ok,
                const GError *error,
                gint64        result)
{
  assert_failure (what, ok, error, CRM_DECIMAL_ERROR_OVERFLOW, "amount is too large");
  g_assert_cmpint (result, ==, UNTOUCHED);
}

static void
check_mul_overflow (gint64 a,
                    guint  a_scale,
                    gint64 b,
                    guint  b_scale,
                    guint  out_scale)
{
  for (guint i = 0; i < G_N_ELEMENTS (all_modes); i++)
    {
      g_autofree char *what = g_strdup_printf ("%" G_GINT64_FORMAT "e-%u × %" G_GINT64_FORMAT "e-%u"
                                               " at scale %u", a, a_scale, b, b_scale, out_scale);
      g_autoptr(GError) error = NULL;
      gint64 result = UNTOUCHED;
      gboolean ok;

      ok = crm_decimal_mul (a, a_scale, b, b_scale, out_scale, all_modes[i], &result, &error);
      check_overflow (what, ok, error, result);
    }
}

static void
check_div_overflow (gint64 a,
                    guint  a_scale,
                    gint64 b,
                    guint  b_scale,
                    guint  out_scale)
{
  for (guint i = 0; i < G_N_ELEMENTS (all_modes); i++)
    {
      g_autofree char *what = g_strdup_printf ("%" G_GINT64_FORMAT "e-%u ÷ %" G_GINT64_FORMAT "e-%u"
                                               " at scale %u", a, a_scale, b, b_scale, out_scale);
      g_autoptr(GError) error = NULL;
      gint64 result = UNTOUCHED;
      gboolean ok;

      ok = crm_decimal_div (a, a_scale, b, b_scale, out_scale, all_modes[i], &result, &error);
      check_overflow (what, ok, error, result);
    }
}

static void
check_rescale_overflow (gint64 value,
                        guint  from_scale,
                        guint  to_scale)
{
  for (guint i = 0; i < G_N_ELEMENTS (all_modes); i++)
    {
      g_autofree char *what = g_strdup_printf ("%" G_GINT64_FORMAT " from scale %u to %u",
                                               value, from_scale, to_scale);
      g_autoptr(GError) error = NULL;
      gint64 result = UNTOUCHED;
      gboolean ok;

      ok = crm_decimal_rescale (value, from_scale, to_scale, all_modes[i], &result, &error);
      check_overflow (what, ok, error, result);
    }
}

static CrmMoney
money (gint64      minor,
       const char *currency)
{
  CrmMoney m;

  crm_money_init (&m, minor, currency);

  return m;
}

static CrmMoney
untouched_money (void)
{
  return money (UNTOUCHED, "XOF");
}

static void
check_money (const CrmMoney *m,
             gint64          minor,
             const char     *currency,
             const char     *text)
{
  g_autofree char *formatted = crm_money_format (m);

  g_assert_cmpstr (m->currency, ==, currency);
  assert_value (formatted, TRUE, NULL, m->minor, minor);
  g_assert_cmpstr (formatted, ==, text);
}

static void
check_money_parse (const char *text,
                   const char *currency,
                   gint64      minor,
                   const char *canonical)
{
  g_autofree char *what = g_strdup_printf ("“%s” %s", text, currency);
  g_autoptr(GError) error = NULL;
  CrmMoney m = untouched_money ();
  gboolean ok;

  ok = crm_money_parse (text, currency, &m, &error);
  assert_value (what, ok, error, m.minor, minor);
  check_money (&m, minor, currency, canonical);
}

static void
check_money_parse_error (const char      *text,
                         const char      *currency,
                         CrmDecimalError  code,
                         const char      *message)
{
  g_autofree char *what = g_strdup_printf ("“%s” %s", text, currency);
  g_autoptr(GError) error = NULL;
  CrmMoney m = untouched_money ();
  CrmMoney before = m;
  gboolean ok;

  ok = crm_money_parse (text, currency, &m, &error);
  assert_failure (what, ok, error, code, message);
  g_assert_true (crm_money_equal (&m, &before));
}

static void
check_multiply (CrmMoney    a,
                gint64      factor,
                guint       factor_scale,
                CrmRounding rounding,
                gint64      minor)
{
  g_autofree char *what = g_strdup_printf ("%" G_GINT64_FORMAT " %s × %" G_GINT64_FORMAT "e-%u, %s",
                                           a.minor, a.currency, factor, factor_scale,
                                           crm_rounding_to_string (rounding));
  g_autoptr(GError) error = NULL;
  CrmMoney out = untouched_money ();
  gboolean ok;

  ok = crm_money_multiply (&a, factor, factor_scale, rounding, &out, &error);
  assert_value (what, ok, error, out.minor, minor);
  g_assert_cmpstr (out.currency, ==, a.currency);
}

static void
check_convert (CrmMoney    a,
               const char *to_currency,
               gint64      rate,
               guint       rate_scale,
               CrmRounding rounding,
               const char *expected)
{
  g_autofree char *what = g_strdup_printf ("%" G_GINT64_FORMAT " %s in %s at %" G_GINT64_FORMAT "e-%u, %s",
                                           a.minor, a.currency, to_currency, rate, rate_scale,
                                           crm_rounding_to_string (rounding));
  g_autoptr(GError) error = NULL;
  g_autofree char *got = NULL;
  g_autofree char *want = g_strdup_printf ("%s = %s %s", what, expected, to_currency);
  CrmMoney out = untouched_money ();

  if (crm_money_convert (&a, to_currency, rate, rate_scale, rounding, &out, &error))
    {
      g_autofree char *text = crm_money_format (&out);

      got = g_strdup_printf ("%s = %s %s", what, text, out.currency);
    }
  else
    {
      got = g_strdup_printf ("%s fails: %s", what, error->message);
    }

  g_assert_cmpstr (got, ==, want);
}

static void
check_convert_error (CrmMoney         a,
                     const char      *to_currency,
                     gint64           rate,
                     guint            rate_scale,
                     CrmDecimalError  code,
                     const char      *message)
{
  g_autofree char *what = g_strdup_printf ("%" G_GINT64_FORMAT " %s in %s at %" G_GINT64_FORMAT "e-%u",
                                           a.minor, a.currency, to_currency, rate, rate_scale);
  g_autoptr(GError) error = NULL;
  CrmMoney out = untouched_money ();
  CrmMoney before = out;
  gboolean ok;

  ok = crm_money_convert (&a, to_currency, rate, rate_scale, HALF_EVEN, &out, &error);
  assert_failure (what, ok, error, code, message);
  g_assert_true (crm_money_equal (&out, &before));
}

/* Tests ***************************************************************/

static void
test_decimal_parse (void)
{
  check_parse ("0", 0, 0);
  check_parse ("0", 2, 0);
  check_parse ("-0", 2, 0);
  check_parse ("-0.00", 2, 0);
  check_parse ("+0", 0, 0);
  check_parse ("+3", 0, 3);
  check_parse ("+3", 2, 300);
  check_parse ("12", 0, 12);
  check_parse ("0.25", 2, 25);
  check_parse ("0.5", 1, 5);
  check_parse ("0.5", 2, 50);
  check_parse ("-0.5", 2, -50);
  check_parse ("-1234.5", 2, -123450);
  check_parse ("1234.50", 2, 123450);
  check_parse ("000123.40", 2, 12340);
  check_parse ("0000000000000000000000000000000000000001", 0, 1);
  check_parse ("1", 12, G_GINT64_CONSTANT (1000000000000));
  check_parse ("0.000000000001", 12, 1);
  check_parse ("-0.000000000001", 12, -1);

  /* zeros past the scale lose nothing */
  check_parse ("1.2500", 2, 125);
  check_parse ("1.25000000000000000000000000000000", 2, 125);
  check_parse ("7.000", 0, 7);
  check_parse ("-7.0", 0, -7);

  /* the edges of gint64, at several scales */
  check_parse ("9223372036854775807", 0, G_MAXINT64);
  check_parse ("-9223372036854775808", 0, G_MININT64);
  check_parse ("+9223372036854775807.000", 0, G_MAXINT64);
  check_parse ("92233720368547758.07", 2, G_MAXINT64);
  check_parse ("-92233720368547758.08", 2, G_MININT64);
  check_parse ("9223372.036854775807", 12, G_MAXINT64);
  check_parse ("-9223372.036854775808", 12, G_MININT64);
  check_parse ("-9223372036854775807", 0, G_MININT64 + 1);

  /* validation alone */
  g_assert_true (crm_decimal_parse ("1.5", 1, NULL, NULL));
  g_assert_false (crm_decimal_parse ("1.55", 1, NULL, NULL));
  g_assert_true (crm_decimal_parse_round ("1.55", 1, HALF_UP, NULL, NULL));
}

static void
test_decimal_parse_errors (void)
{
  static const char * const malformed[] = {
    "", " ", "  1", " 1", "1 ", "1\n", "\t1", "abc", "a1", "1a",
    ".5", "-.5", "1.", "-1.", ".", "-", "+", "+.", "-.",
    "1e3", "1E3", "1.5e2", "1e-3", "0x10", "0b1",
    "1,000", "1,5", "1 000", "1_000", "1'000", "1.000,50",
    "--1", "++1", "+-1", "-+1", "1-", "1+", "- 1",
    "1.2.3", "1..2", "NaN", "nan", "inf", "-inf", "Infinity",
    "١٢", "１２", "½", "−1", "€1", "1€", "$1",
    "\xff", "1\xff", "\xc3\x28",
  };
  g_autofree char *huge = g_strnfill (100, '9');
  g_autofree char *tiny = g_strconcat ("-", huge, NULL);
  g_autofree char *long_junk = g_strnfill (5000, 'x');
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      check_parse_error (malformed[i], 0, CRM_DECIMAL_ERROR_INVALID, NULL);
      check_parse_error (malformed[i], 2, CRM_DECIMAL_ERROR_INVALID, NULL);
    }

  check_parse_error ("abc", 2, CRM_DECIMAL_ERROR_INVALID, "“abc” is not a decimal number");
  check_parse_error ("", 2, CRM_DECIMAL_ERROR_INVALID, "“” is not a decimal number");
  check_parse_error ("1,000", 2, CRM_DECIMAL_ERROR_INVALID, "“1,000” is not a decimal number");
  check_parse_error ("\xff", 2, CRM_DECIMAL_ERROR_INVALID, "“\xef\xbf\xbd” is not a decimal number");

  /* a pasted essay is not quoted back whole */
  g_assert_false (crm_decimal_parse (long_junk, 2, NULL, &error));
  g_assert_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_INVALID);
  g_assert_cmpuint (g_utf8_strlen (error->message, -1), <, 80);
  g_assert_nonnull (strstr (error->message, "…"));
  g_clear_error (&error);

  /* too many decimals */
  check_parse_error ("12.345", 2, CRM_DECIMAL_ERROR_PRECISION,
                     "“12.345” has more than 2 decimal places");
  check_parse_error ("1.21", 1, CRM_DECIMAL_ERROR_PRECISION,
                     "“1.21” has more than 1 decimal place");
  check_parse_error ("1.5", 0, CRM_DECIMAL_ERROR_PRECISION,
                     "“1.5” must be a whole number");
  check_parse_error ("1.2501", 2, CRM_DECIMAL_ERROR_PRECISION, NULL);
  check_parse_error ("-0.001", 2, CRM_DECIMAL_ERROR_PRECISION, NULL);
  check_parse_error ("0.0000000000001", 12, CRM_DECIMAL_ERROR_PRECISION, NULL);
  check_parse_error ("0.00000000000000000000000000000000000000001", 2,
                     CRM_DECIMAL_ERROR_PRECISION, NULL);

  /* out of range */
  check_parse_error ("9223372036854775808", 0, CRM_DECIMAL_ERROR_OVERFLOW,
                     "“9223372036854775808” is too large; the largest amount is 9223372036854775807");
  check_parse_error ("-9223372036854775809", 0, CRM_DECIMAL_ERROR_OVERFLOW,
                     "“-9223372036854775809” is too small; the smallest amount is -9223372036854775808");
  check_parse_error ("92233720368547758.08", 2, CRM_DECIMAL_ERROR_OVERFLOW,
                     "“92233720368547758.08” is too large; the largest amount is 92233720368547758.07");
  check_parse_error ("-92233720368547758.09", 2, CRM_DECIMAL_ERROR_OVERFLOW, NULL);
  check_parse_error ("922337203685477580.7", 2, CRM_DECIMAL_ERROR_OVERFLOW, NULL);
  check_parse_error ("9223372036854775807", 1, CRM_DECIMAL_ERROR_OVERFLOW, NULL);
  check_parse_error ("10000000", 12, CRM_DECIMAL_ERROR_OVERFLOW, NULL);
  check_parse_error ("18446744073709551616", 0, CRM_DECIMAL_ERROR_OVERFLOW, NULL);
  check_parse_error ("340282366920938463463374607431768211457", 0, CRM_DECIMAL_ERROR_OVERFLOW, NULL);
  check_parse_error (huge, 0, CRM_DECIMAL_ERROR_OVERFLOW, NULL);
  check_parse_error (tiny, 2, CRM_DECIMAL_ERROR_OVERFLOW, NULL);

  /* a scale past the maximum is a programming error */
  g_test_expect_message ("crm-decimal", G_LOG_LEVEL_CRITICAL, "*scale <= CRM_DECIMAL_MAX_SCALE*");
  g_assert_false (crm_decimal_parse ("1", CRM_DECIMAL_MAX_SCALE + 1, NULL, NULL));
  g_test_assert_expected_messages ();
}

static void
test_decimal_format (void)
{
  static const struct {
    gint64      value;
    guint       scale;
    const char *canonical;
    const char *trimmed;
  } cases[] = {
    { 0, 0, "0", "0" },
    { 0, 2, "0.00", "0" },
    { 0, 12, "0.000000000000", "0" },
    { 12, 0, "12", "12" },
    { 100, 0, "100", "100" },
    { -100, 0, "-100", "-100" },
    { 123450, 2, "1234.50", "1234.5" },
    { 123400, 2, "1234.00", "1234" },
    { 1250, 2, "12.50", "12.5" },
    { 1200, 2, "12.00", "12" },
    { 5, 4, "0.0005", "0.0005" },
    { -5, 2, "-0.05", "-0.05" },
    { -10, 2, "-0.10", "-0.1" },
    { -1000, 3, "-1.000", "-1" },
    { -123450, 2, "-1234.50", "-1234.5" },
    { 1, 12, "0.000000000001", "0.000000000001" },
    { -1, 12, "-0.000000000001", "-0.000000000001" },
    { 1000000000000, 12, "1.000000000000", "1" },
    { 1010, 3, "1.010", "1.01" },
    { G_MAXINT64, 0, "9223372036854775807", "9223372036854775807" },
    { G_MININT64, 0, "-9223372036854775808", "-9223372036854775808" },
    { G_MAXINT64, 2, "92233720368547758.07", "92233720368547758.07" },
    { G_MININT64, 2, "-92233720368547758.08", "-92233720368547758.08" },
    { G_MAXINT64, 12, "9223372.036854775807", "9223372.036854775807" },
    { G_MININT64, 12, "-9223372.036854775808", "-9223372.036854775808" },
    { G_MININT64 + 1, 3, "-9223372036854775.807", "-9223372036854775.807" },
  };
  static const gint64 round_trip[] = {
    0, 1, -1, 5, -5, 10, -10, 99, 100, 12345, -12345, 1000000,
    G_GINT64_CONSTANT (1000000000000), G_GINT64_CONSTANT (-999999999999),
    G_MAXINT64, G_MININT64, G_MAXINT64 - 1, G_MININT64 + 1,
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *canonical = crm_decimal_format (cases[i].value, cases[i].scale);
      g_autofree char *trimmed = crm_decimal_format_trimmed (cases[i].value, cases[i].scale);

      g_assert_cmpstr (canonical, ==, cases[i].canonical);
      g_assert_cmpstr (trimmed, ==, cases[i].trimmed);
    }

  /* what is formatted parses back to the same value, at every scale */
  for (guint i = 0; i < G_N_ELEMENTS (round_trip); i++)
    {
      for (guint scale = 0; scale <= CRM_DECIMAL_MAX_SCALE; scale++)
        {
          g_autofree char *canonical = crm_decimal_format (round_trip[i], scale);
          g_autofree char *trimmed = crm_decimal_format_trimmed (round_trip[i], scale);

          check_parse (canonical, scale, round_trip[i]);
          check_parse (trimmed, scale, round_trip[i]);
        }
    }
}

static void
test_decimal_rounding (void)
{
  /* tenths rounded to whole numbers: value, then half-up, half-even, down */
  static const gint64 tenths[][4] = {
    {   5,   1,   0,   0 },
    {  15,   2,   2,   1 },
    {  25,   3,   2,   2 },
    {  35,   4,   4,   3 },
    {  -5,  -1,   0,   0 },
    { -15,  -2,  -2,  -1 },
    { -25,  -3,  -2,  -2 },
    { -35,  -4,  -4,  -3 },
    {  24,   2,   2,   2 },
    {  26,   3,   3,   2 },
    { -24,  -2,  -2,  -2 },
    { -26,  -3,  -3,  -2 },
    {  29,   3,   3,   2 },
    { -29,  -3,  -3,  -2 },
    {   0,   0,   0,   0 },
    {  30,   3,   3,   3 },
  };
  static const char * const names[] = { "half-up", "half-even", "down" };
  CrmRounding parsed = HALF_UP;

  for (guint i = 0; i < G_N_ELEMENTS (tenths); i++)
    {
      g_autofree char *text = crm_decimal_format (tenths[i][0], 1);

      for (guint m = 0; m < G_N_ELEMENTS (all_modes); m++)
        {
          check_rescale (tenths[i][0], 1, 0, all_modes[m], tenths[i][1 + m]);
          check_parse_round (text, 0, all_modes[m], tenths[i][1 + m]);
          check_div (tenths[i][0], 0, 10, 0, 0, all_modes[m], tenths[i][1 + m]);
          check_mul (tenths[i][0], 1, 1, 0, 0, all_modes[m], tenths[i][1 + m]);
        }
    }

  /* a tie is only a tie when every digit after the five is zero */
  check_parse_round ("2.50000000000000000000", 0, HALF_EVEN, 2);
  check_parse_round ("2.50000000000000000001", 0, HALF_EVEN, 3);
  check_parse_round ("2.50000000000000000001", 0, DOWN, 2);
  check_parse_round ("-2.5000001", 0, HALF_EVEN, -3);
  check_parse_round ("-2.5000001", 0, DOWN, -2);
  check_parse_round ("2.49999999999999999999", 0, HALF_UP, 2);
  check_parse_round ("0.125", 2, HALF_EVEN, 12);
  check_parse_round ("0.135", 2, HALF_EVEN, 14);
  check_parse_round ("0.125", 2, HALF_UP, 13);
  check_parse_round ("-0.125", 2, HALF_UP, -13);
  check_parse_round ("0.00000000000000000000000000000000000001", 2, HALF_UP, 0);
  check_parse_round ("-0.004", 2, HALF_UP, 0);
  check_parse_round ("-0.005", 2, HALF_UP, -1);

  /* rounding carries into the whole part */
  check_parse_round ("0.995", 2, HALF_UP, 100);
  check_parse_round ("9.9999", 0, HALF_UP, 10);
  check_parse_round ("9.9999", 0, DOWN, 9);
  check_parse_round ("-9.9999", 0, HALF_EVEN, -10);

  /* rounding at the edges of gint64 */
  check_parse_round ("9223372036854775807.4", 0, HALF_UP, G_MAXINT64);
  check_parse_round ("9223372036854775807.5", 0, DOWN, G_MAXINT64);
  check_parse_round ("9223372036854775806.5", 0, HALF_EVEN, G_MAXINT64 - 1);
  check_parse_round ("-9223372036854775808.5", 0, HALF_EVEN, G_MININT64);
  check_parse_round ("-9223372036854775808.9", 0, DOWN, G_MININT64);
  check_parse_round ("-9223372036854775808.4", 0, HALF_UP, G_MININT64);
  for (guint m = 0; m < 2; m++)
    {
      g_autoptr(GError) error = NULL;
      gint64 value = UNTOUCHED;

      g_assert_false (crm_decimal_parse_round ("9223372036854775807.5", 0, all_modes[m], &value, &error));
      g_assert_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_OVERFLOW);
      g_assert_cmpint (value, ==, UNTOUCHED);
    }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (crm_decimal_parse_round ("-9223372036854775808.5", 0, HALF_UP, NULL, &error));
    g_assert_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_OVERFLOW);
  }
  check_rescale (G_MAXINT64, 1, 0, HALF_UP, G_GINT64_CONSTANT (922337203685477581));
  check_rescale (G_MAXINT64, 1, 0, HALF_EVEN, G_GINT64_CONSTANT (922337203685477581));
  check_rescale (G_MAXINT64, 1, 0, DOWN, G_GINT64_CONSTANT (922337203685477580));
  check_rescale (G_MININT64, 1, 0, HALF_UP, G_GINT64_CONSTANT (-922337203685477581));
  check_rescale (G_MININT64, 1, 0, HALF_EVEN, G_GINT64_CONSTANT (-922337203685477581));
  check_rescale (G_MININT64, 1, 0, DOWN, G_GINT64_CONSTANT (-922337203685477580));
  check_rescale (G_MININT64, 12, 0, HALF_EVEN, -9223372);
  check_rescale (G_MAXINT64, 12, 0, HALF_UP, 9223372);

  /* names */
  for (guint m = 0; m < G_N_ELEMENTS (all_modes); m++)
    {
      g_assert_cmpstr (crm_rounding_to_string (all_modes[m]), ==, names[m]);
      g_assert_true (crm_rounding_from_string (names[m], &parsed));
      g_assert_cmpint (parsed, ==, all_modes[m]);
    }
  parsed = HALF_EVEN;
  g_assert_false (crm_rounding_from_string ("HALF-UP", &parsed));
  g_assert_false (crm_rounding_from_string ("half_up", &parsed));
  g_assert_false (crm_rounding_from_string ("up", &parsed));
  g_assert_false (crm_rounding_from_string ("", &parsed));
  g_assert_cmpint (parsed, ==, HALF_EVEN);
}

static void
test_decimal_arithmetic (void)
{
  g_autoptr(GError) error = NULL;
  gint64 result = UNTOUCHED;

  g_assert_true (crm_decimal_add (1050, 250, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (result, ==, 1300);
  g_assert_true (crm_decimal_add (-1, 1, &result, &error));
  g_assert_cmpint (result, ==, 0);
  g_assert_true (crm_decimal_add (G_MAXINT64, G_MININT64, &result, &error));
  g_assert_cmpint (result, ==, -1);
  g_assert_true (crm_decimal_add (G_MAXINT64 - 1, 1, &result, &error));
  g_assert_cmpint (result, ==, G_MAXINT64);
  g_assert_true (crm_decimal_add (G_MININT64 + 1, -1, &result, &error));
  g_assert_cmpint (result, ==, G_MININT64);
  g_assert_true (crm_decimal_sub (100, 250, &result, &error));
  g_assert_cmpint (result, ==, -150);
  g_assert_true (crm_decimal_sub (0, G_MAXINT64, &result, &error));
  g_assert_cmpint (result, ==, -G_MAXINT64);
  g_assert_true (crm_decimal_sub (-1, G_MAXINT64, &result, &error));
  g_assert_cmpint (result, ==, G_MININT64);
  g_assert_true (crm_decimal_sub (-1, G_MININT64, &result, &error));
  g_assert_cmpint (result, ==, G_MAXINT64);
  g_assert_no_error (error);

  /* multiplication: exact results */
  check_mul (1234, 2, 5, 1, 2, HALF_EVEN, 617);       /* 12.34 × 0.5 */
  check_mul (-1234, 2, -5, 1, 2, HALF_EVEN, 617);
  check_mul (1234, 2, -5, 1, 2, HALF_EVEN, -617);
  check_mul (19999, 2, 3, 0, 2, DOWN, 59997);         /* 199.99 × 3 */
  check_mul (5, 0, 3, 0, 4, DOWN, 150000);            /* scales up */
  check_mul (0, 2, G_MININT64, 0, 2, HALF_UP, 0);
  check_mul (G_MAXINT64, 0, 1, 0, 0, HALF_UP, G_MAXINT64);
  check_mul (G_MININT64, 0, 1, 0, 0, HALF_UP, G_MININT64);
  check_mul (G_MININT64, 0, 10, 1, 0, HALF_UP, G_MININT64);
  check_mul (G_GINT64_CONSTANT (4611686018427387904), 0, -2, 0, 0, DOWN, G_MININT64);
  /* the product needs more than 64 bits before it is scaled down */
  check_mul (G_GINT64_CONSTANT (1000000000000000000), 12,
             G_GINT64_CONSTANT (1000000000000000000), 12, 0, DOWN,
             G_GINT64_CONSTANT (1000000000000));
  check_mul (G_GINT64_CONSTANT (3000000000000000000), 6,
             G_GINT64_CONSTANT (3000000000000000000), 12, 0, DOWN,
             G_GINT64_CONSTANT (9000000000000000000));
  check_mul (G_MAXINT64, 12, G_MAXINT64, 12, 0, DOWN, 85070591730234);
  check_mul (G_MAXINT64, 12, G_MAXINT64, 12, 0, HALF_UP, 85070591730235);
  check_mul (G_MININT64, 12, G_MAXINT64, 12, 0, HALF_EVEN, -85070591730235);

  /* multiplication: one rounding, of the exact product */
  check_mul (5, 2, 5, 1, 2, HALF_UP, 3);      /* 0.05 × 0.5 = 0.025 */
  check_mul (5, 2, 5, 1, 2, HALF_EVEN, 2);
  check_mul (5, 2, 5, 1, 2, DOWN, 2);
  check_mul (-5, 2, 5, 1, 2, HALF_UP, -3);
  check_mul (-5, 2, 5, 1, 2, HALF_EVEN, -2);
  check_mul (-5, 2, 5, 1, 2, DOWN, -2);
  check_mul (1, 12, 1, 12, 12, HALF_UP, 0);
  check_mul (5, 12, 100000000000, 12, 12, HALF_UP, 1);   /* 5e-12 × 0.1 */
  check_mul (5, 12, 100000000000, 12, 12, HALF_EVEN, 0);

  /* division */
  check_div (1, 0, 3, 0, 4, HALF_UP, 3333);
  check_div (2, 0, 3, 0, 4, HALF_UP, 6667);
  check_div (2, 0, 3, 0, 4, HALF_EVEN, 6667);
  check_div (2, 0, 3, 0, 4, DOWN, 6666);
  check_div (-2, 0, 3, 0, 4, HALF_UP, -6667);
  check_div (2, 0, -3, 0, 4, DOWN, -6666);
  check_div (-2, 0, -3, 0, 4, DOWN, 6666);
  check_div (1, 0, 8, 0, 2, HALF_UP, 13);
  check_div (1, 0, 8, 0, 2, HALF_EVEN, 12);
  check_div (1, 0, 8, 0, 2, DOWN, 12);
  check_div (3, 0, 8, 0, 2, HALF_EVEN, 38);
  check_div (-1, 0, 8, 0, 2, HALF_UP, -13);
  check_div (-1, 0, 8, 0, 2, HALF_EVEN, -12);
  check_div (7, 0, -2, 0, 0, HALF_UP, -4);
  check_div (7, 0, -2, 0, 0, HALF_EVEN, -4);
  check_div (7, 0, -2, 0, 0, DOWN, -3);
  check_div (10000, 2, 4, 0, 2, DOWN, 2500);
  check_div (123450, 2, 100, 2, 2, DOWN, 123450);
  check_div (1, 12, 3, 0, 0, HALF_UP, 0);
  check_div (123456, 4, 2, 0, 2, HALF_UP, 617);       /* 12.3456 ÷ 2 */
  check_div (10050, 3, 1, 1, 1, DOWN, 1005);          /* 10.050 ÷ 0.1 */
  check_div (15, 2, 1, 0, 1, HALF_EVEN, 2);
  check_div (25, 2, 1, 0, 1, HALF_EVEN, 2);
  check_div (-15, 2, 1, 0, 1, DOWN, -1);
  check_div (1, 0, 1, 12, 6, DOWN, G_GINT64_CONSTANT (1000000000000000000));
  check_div (0, 0, G_MININT64, 0, 2, HALF_UP, 0);
  check_div (G_MAXINT64, 0, 1, 0, 0, DOWN, G_MAXINT64);
  check_div (G_MININT64, 0, 1, 0, 0, DOWN, G_MININT64);
  check_div (G_MININT64, 0, 2, 0, 0, DOWN, G_GINT64_CONSTANT (-4611686018427387904));
  check_div (G_MININT64, 0, G_MININT64, 0, 12, DOWN, G_GINT64_CONSTANT (1000000000000));
  check_div (G_MAXINT64, 12, G_MININT64, 12, 2, HALF_UP, -100);
  check_div (G_MAXINT64, 12, G_MAXINT64, 0, 12, HALF_UP, 1);

  {
    gint64 untouched = UNTOUCHED;

    g_assert_false (crm_decimal_div (1, 0, 0, 0, 2, HALF_UP, &untouched, &error));
    g_assert_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_INVALID);
    g_assert_cmpstr (error->message, ==, "cannot divide by zero");
    g_assert_cmpint (untouched, ==, UNTOUCHED);
    g_clear_error (&error);
    g_assert_false (crm_decimal_div (0, 2, 0, 12, 0, DOWN, &untouched, &error));
    g_assert_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_INVALID);
    g_assert_cmpint (untouched, ==, UNTOUCHED);
    g_clear_error (&error);
  }

  /* rescaling */
  check_rescale (12345, 2, 4, DOWN, 1234500);
  check_rescale (1234567, 4, 2, HALF_UP, 12346);
  check_rescale (-1234567, 4, 2, DOWN, -12345);
  check_rescale (1234550, 4, 2, HALF_EVEN, 12346);
  check_rescale (1234650, 4, 2, HALF_EVEN, 12346);
  check_rescale (777, 3, 3, DOWN, 777);
  check_rescale (G_MININT64, 0, 0, DOWN, G_MININT64);
  check_rescale (G_MAXINT64, 5, 5, DOWN, G_MAXINT64);
  check_rescale (G_GINT64_CONSTANT (922337203685477580), 0, 1, DOWN,
                 G_GINT64_CONSTANT (9223372036854775800));
  check_rescale (G_GINT64_CONSTANT (-922337203685477580), 0, 1, DOWN,
                 G_GINT64_CONSTANT (-9223372036854775800));
  check_rescale (9223372, 0, 12, DOWN, G_GINT64_CONSTANT (9223372000000000000));
  check_rescale (1, 0, 12, DOWN, G_GINT64_CONSTANT (1000000000000));
  check_rescale (G_MAXINT64, 12, 0, DOWN, 9223372);
}

static void
test_decimal_overflow (void)
{
  static const struct {
    gint64   a;
    gint64   b;
    gboolean subtract;
  } sums[] = {
    { G_MAXINT64, 1, FALSE },
    { 1, G_MAXINT64, FALSE },
    { G_MAXINT64, G_MAXINT64, FALSE },
    { G_MININT64, -1, FALSE },
    { G_MININT64, G_MININT64, FALSE },
    { G_MININT64, 1, TRUE },
    { G_MAXINT64, -1, TRUE },
    { 0, G_MININT64, TRUE },
    { -2, G_MAXINT64, TRUE },
    { G_MAXINT64, G_MININT64, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (sums); i++)
    {
      g_autofree char *what = g_strdup_printf ("%" G_GINT64_FORMAT " %s %" G_GINT64_FORMAT,
                                               sums[i].a, sums[i].subtract ? "-" : "+",
                                               sums[i].b);
      g_autoptr(GError) error = NULL;
      gint64 result = UNTOUCHED;
      gboolean ok;

      if (sums[i].subtract)
        ok = crm_decimal_sub (sums[i].a, sums[i].b, &result, &error);
      else
        ok = crm_decimal_add (sums[i].a, sums[i].b, &result, &error);
      check_overflow (what, ok, error, result);
    }

  check_mul_overflow (G_MAXINT64, 0, 2, 0, 0);
  check_mul_overflow (G_MININT64, 0, -1, 0, 0);
  check_mul_overflow (G_MININT64, 0, G_MININT64, 0, 0);
  check_mul_overflow (G_GINT64_CONSTANT (4611686018427387904), 0, 2, 0, 0);
  check_mul_overflow (G_MAXINT64, 0, 1, 0, 1);
  check_mul_overflow (G_MAXINT64, 12, G_MAXINT64, 12, 12 - 6);
  check_mul_overflow (G_MAXINT64, 0, G_MAXINT64, 0, 12);      /* past 128 bits */
  check_mul_overflow (G_MININT64, 0, G_MININT64, 0, 12);
  check_mul_overflow (G_GINT64_CONSTANT (3037000500), 0, G_GINT64_CONSTANT (3037000500), 0, 0);

  check_div_overflow (G_MININT64, 0, -1, 0, 0);
  check_div_overflow (G_MAXINT64, 0, 1, 0, 1);
  check_div_overflow (G_MAXINT64, 0, 1, 12, 12);               /* past 128 bits */
  check_div_overflow (G_MININT64, 0, 1, 12, 12);
  check_div_overflow (1, 0, 1, 12, 12);
  check_div_overflow (G_MAXINT64, 0, 3, 1, 0);

  check_rescale_overflow (G_MAXINT64, 0, 1);
  check_rescale_overflow (G_MININT64, 0, 1);
  check_rescale_overflow (G_MININT64, 0, 12);
  check_rescale_overflow (G_GINT64_CONSTANT (922337203685477581), 0, 1);
  check_rescale_overflow (G_GINT64_CONSTANT (-922337203685477581), 0, 1);
  check_rescale_overflow (9223373, 0, 12);
  check_rescale_overflow (-9223373, 0, 12);
}

static void
test_money_currencies (void)
{
  static const struct {
    const char *code;
    int         digits;
  } known[] = {
    { "EUR", 2 }, { "USD", 2 }, { "GBP", 2 }, { "CHF", 2 }, { "CAD", 2 },
    { "AUD", 2 }, { "CNY", 2 }, { "INR", 2 }, { "BRL", 2 }, { "SEK", 2 },
    { "AED", 2 }, { "ZWG", 2 }, { "XCG", 2 }, { "SLE", 2 }, { "VES", 2 },
    { "JPY", 0 }, { "KRW", 0 }, { "CLP", 0 }, { "ISK", 0 }, { "VND", 0 },
    { "XAF", 0 }, { "XOF", 0 }, { "XPF", 0 }, { "PYG", 0 }, { "UGX", 0 },
    { "BIF", 0 }, { "DJF", 0 }, { "GNF", 0 }, { "KMF", 0 }, { "RWF", 0 },
    { "VUV", 0 }, { "UYI", 0 },
    { "KWD", 3 }, { "BHD", 3 }, { "JOD", 3 }, { "OMR", 3 }, { "TND", 3 },
    { "LYD", 3 }, { "IQD", 3 },
    { "CLF", 4 }, { "UYW", 4 },
  };
  static const char * const unknown[] = {
    "XYZ", "eur", "Eur", "usd", "", "E", "EU", "EURO", "EUR ", " EUR", "123",
    "XAU", "XAG", "XDR", "XTS", "XXX", "HRK", "DEM", "€", "\xff\xff\xff",
  };
  g_auto(GStrv) codes = crm_currency_dup_codes ();
  guint n_codes = g_strv_length (codes);

  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    {
      g_assert_cmpint (crm_currency_minor_digits (known[i].code), ==, known[i].digits);
      g_assert_true (crm_currency_is_valid (known[i].code));
      g_assert_true (g_strv_contains ((const char * const *) codes, known[i].code));
    }

  for (guint i = 0; i < G_N_ELEMENTS (unknown); i++)
    {
      g_assert_cmpint (crm_currency_minor_digits (unknown[i]), ==, -1);
      g_assert_false (crm_currency_is_valid (unknown[i]));
    }

  /* the whole table: sorted, as the binary search needs, and each code
   * three capitals that the search finds */
  g_assert_cmpuint (n_codes, >=, 160);
  for (guint i = 0; i < n_codes; i++)
    {
      int digits = crm_currency_minor_digits (codes[i]);

      g_assert_cmpuint (strlen (codes[i]), ==, 3);
      for (guint j = 0; j < 3; j++)
        g_assert_true (g_ascii_isupper (codes[i][j]));
      if (i > 0)
        g_assert_cmpstr (codes[i - 1], <, codes[i]);
      g_assert_cmpint (digits, >=, 0);
      g_assert_cmpint (digits, <=, 4);
    }
}

static void
test_money_parse_format (void)
{
  static const gint64 round_trip[] = { 0, 1, -1, 5, 99, 100, -12345, 1000001, G_MAXINT64, G_MININT64 };
  g_auto(GStrv) codes = crm_currency_dup_codes ();
  g_autofree char *huge = g_strnfill (100, '9');
  CrmMoney a = money (100, "EUR");
  CrmMoney b = money (100, "EUR");
  CrmMoney c = money (100, "USD");

  check_money_parse ("1234.50", "EUR", 123450, "1234.50");
  check_money_parse ("1234.5", "EUR", 123450, "1234.50");
  check_money_parse ("1234", "EUR", 123400, "1234.00");
  check_money_parse ("+1.2300", "EUR", 123, "1.23");
  check_money_parse ("-0.05", "EUR", -5, "-0.05");
  check_money_parse ("-0.00", "EUR", 0, "0.00");
  check_money_parse ("0", "USD", 0, "0.00");
  check_money_parse ("1234", "JPY", 1234, "1234");
  check_money_parse ("-5", "JPY", -5, "-5");
  check_money_parse ("7.000", "JPY", 7, "7");
  check_money_parse ("1.234", "KWD", 1234, "1.234");
  check_money_parse ("1", "KWD", 1000, "1.000");
  check_money_parse ("-0.001", "BHD", -1, "-0.001");
  check_money_parse ("1.2345", "CLF", 12345, "1.2345");
  check_money_parse ("92233720368547758.07", "EUR", G_MAXINT64, "92233720368547758.07");
  check_money_parse ("-9223372036854775.808", "KWD", G_MININT64, "-9223372036854775.808");
  check_money_parse ("-9223372036854775808", "JPY", G_MININT64, "-9223372036854775808");

  check_money_parse_error ("1.5", "JPY", CRM_DECIMAL_ERROR_PRECISION, "JPY has no decimal places");
  check_money_parse_error ("0.01", "KRW", CRM_DECIMAL_ERROR_PRECISION, "KRW has no decimal places");
  check_money_parse_error ("1.234", "EUR", CRM_DECIMAL_ERROR_PRECISION,
                           "“1.234” has more than 2 decimal places for EUR");
  check_money_parse_error ("1.2345", "KWD", CRM_DECIMAL_ERROR_PRECISION,
                           "“1.2345” has more than 3 decimal places for KWD");
  check_money_parse_error ("0.00001", "CLF", CRM_DECIMAL_ERROR_PRECISION,
                           "“0.00001” has more than 4 decimal places for CLF");
  check_money_parse_error ("abc", "EUR", CRM_DECIMAL_ERROR_INVALID, "“abc” is not a decimal number");
  check_money_parse_error ("1,50", "EUR", CRM_DECIMAL_ERROR_INVALID, NULL);
  check_money_parse_error ("€1", "EUR", CRM_DECIMAL_ERROR_INVALID, NULL);
  check_money_parse_error (".5", "EUR", CRM_DECIMAL_ERROR_INVALID, NULL);
  check_money_parse_error ("", "EUR", CRM_DECIMAL_ERROR_INVALID, NULL);
  check_money_parse_error (" 1", "JPY", CRM_DECIMAL_ERROR_INVALID, NULL);
  check_money_parse_error ("92233720368547758.08", "EUR", CRM_DECIMAL_ERROR_OVERFLOW, NULL);
  check_money_parse_error (huge, "JPY", CRM_DECIMAL_ERROR_OVERFLOW, NULL);
  check_money_parse_error ("1", "XYZ", CRM_DECIMAL_ERROR_INVALID,
                           "“XYZ” is not an ISO 4217 currency code");
  check_money_parse_error ("1", "eur", CRM_DECIMAL_ERROR_INVALID,
                           "“eur” is not a currency code; codes are upper case, as in “EUR”");
  check_money_parse_error ("1", "", CRM_DECIMAL_ERROR_INVALID, NULL);
  check_money_parse_error ("1", "XAU", CRM_DECIMAL_ERROR_INVALID, NULL);
  check_money_parse_error ("1", "\xff", CRM_DECIMAL_ERROR_INVALID, NULL);
  /* an unknown currency is reported before the number is looked at */
  check_money_parse_error ("abc", "XYZ", CRM_DECIMAL_ERROR_INVALID,
                           "“XYZ” is not an ISO 4217 currency code");

  /* every currency, every edge: format and parse agree */
  for (guint i = 0; codes[i] != NULL; i++)
    {
      for (guint j = 0; j < G_N_ELEMENTS (round_trip); j++)
        {
          CrmMoney m = money (round_trip[j], codes[i]);
          g_autofree char *text = crm_money_format (&m);

          check_money_parse (text, codes[i], round_trip[j], text);
        }
    }

  g_assert_true (crm_money_equal (&a, &b));
  g_assert_false (crm_money_equal (&a, &c));
  b.minor++;
  g_assert_false (crm_money_equal (&a, &b));

  /* only a known currency makes money */
  g_test_expect_message ("crm-money", G_LOG_LEVEL_CRITICAL, "*crm_currency_is_valid*");
  crm_money_init (&a, 1, "XYZ");
  g_test_assert_expected_messages ();
  g_assert_cmpstr (a.currency, ==, "EUR");
  g_assert_cmpint (a.minor, ==, 100);

  memcpy (c.currency, "ABC", 4);
  g_test_expect_message ("crm-money", G_LOG_LEVEL_CRITICAL, "*money_is_valid*");
  g_assert_null (crm_money_format (&c));
  g_test_assert_expected_messages ();
}

static void
test_money_arithmetic (void)
{
  g_autoptr(GError) error = NULL;
  CrmMoney a = money (1050, "EUR");
  CrmMoney b = money (75, "EUR");
  CrmMoney out = untouched_money ();
  CrmMoney before = out;
  CrmMoney usd = money (100, "USD");
  CrmMoney max = money (G_MAXINT64, "EUR");
  CrmMoney min = money (G_MININT64, "EUR");
  CrmMoney cent = money (1, "EUR");

  g_assert_true (crm_money_add (&a, &b, &out, &error));
  g_assert_no_error (error);
  check_money (&out, 1125, "EUR", "11.25");

  g_assert_true (crm_money_sub (&b, &a, &out, &error));
  g_assert_no_error (error);
  check_money (&out, -975, "EUR", "-9.75");

  /* the result may overwrite an operand */
  g_assert_true (crm_money_add (&a, &a, &a, &error));
  g_assert_no_error (error);
  check_money (&a, 2100, "EUR", "21.00");
  g_assert_true (crm_money_sub (&a, &b, &b, &error));
  g_assert_no_error (error);
  check_money (&b, 2025, "EUR", "20.25");

  /* one currency at a time */
  out = before;
  g_assert_false (crm_money_add (&a, &usd, &out, &error));
  g_assert_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "cannot add amounts in EUR and USD");
  g_assert_true (crm_money_equal (&out, &before));
  g_clear_error (&error);
  g_assert_false (crm_money_sub (&usd, &a, &out, &error));
  g_assert_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "cannot subtract amounts in USD and EUR");
  g_assert_true (crm_money_equal (&out, &before));
  g_clear_error (&error);

  /* the edges */
  g_assert_false (crm_money_add (&max, &cent, &out, &error));
  g_assert_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_OVERFLOW);
  g_assert_true (crm_money_equal (&out, &before));
  g_clear_error (&error);
  g_assert_false (crm_money_sub (&min, &cent, &out, &error));
  g_assert_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_OVERFLOW);
  g_clear_error (&error);
  g_assert_true (crm_money_add (&max, &min, &out, &error));
  check_money (&out, -1, "EUR", "-0.01");

  /* a weighted pipeline: 1000.00 × 35.00 % */
  check_multiply (money (100000, "EUR"), 3500, 4, HALF_EVEN, 35000);
  check_multiply (money (1999, "EUR"), 3, 0, DOWN, 5997);
  check_multiply (money (1999, "EUR"), 0, 0, HALF_UP, 0);
  check_multiply (money (1999, "EUR"), -1, 0, HALF_UP, -1999);
  check_multiply (money (G_MININT64, "JPY"), 1, 0, HALF_UP, G_MININT64);

  /* ties of half a minor unit, in every mode */
  check_multiply (money (1, "EUR"), 5, 1, HALF_UP, 1);
  check_multiply (money (1, "EUR"), 5, 1, HALF_EVEN, 0);
  check_multiply (money (1, "EUR"), 5, 1, DOWN, 0);
  check_multiply (money (-1, "EUR"), 5, 1, HALF_UP, -1);
  check_multiply (money (-1, "EUR"), 5, 1, HALF_EVEN, 0);
  check_multiply (money (-1, "EUR"), 5, 1, DOWN, 0);
  check_multiply (money (3, "EUR"), 5, 1, HALF_EVEN, 2);
  check_multiply (money (5, "EUR"), 5, 1, HALF_EVEN, 2);
  check_multiply (money (-5, "EUR"), 5, 1, HALF_UP, -3);
  check_multiply (money (333, "JPY"), 5, 1, HALF_UP, 167);
  check_multiply (money (333, "JPY"), 5, 1, HALF_EVEN, 166);
  check_multiply (money (333, "JPY"), 5, 1, DOWN, 166);
  check_multiply (money (1001, "KWD"), 15, 1, HALF_EVEN, 1502);
  check_multiply (money (1001, "KWD"), 15, 1, HALF_UP, 1502);
  check_multiply (money (1001, "KWD"), 15, 1, DOWN, 1501);
  /* 0.15 × 0.333333333333: many decimals, one rounding */
  check_multiply (money (15, "EUR"), 333333333333, 12, HALF_UP, 5);
  check_multiply (money (15, "EUR"), 333333333333, 12, DOWN, 4);

  out = before;
  g_assert_false (crm_money_multiply (&max, 2, 0, HALF_UP, &out, &error));
  g_assert_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_OVERFLOW);
  g_assert_true (crm_money_equal (&out, &before));
  g_clear_error (&error);
  g_assert_false (crm_money_multiply (&min, -1, 0, HALF_UP, &out, &error));
  g_assert_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_OVERFLOW);
  g_clear_error (&error);

  a = money (1000, "EUR");
  g_assert_true (crm_money_multiply (&a, 15, 1, HALF_UP, &a, &error));
  g_assert_no_error (error);
  check_money (&a, 1500, "EUR", "15.00");
}

static void
test_money_convert (void)
{
  CrmMoney eur = money (10000, "EUR");
  CrmMoney max_jpy = money (G_MAXINT64, "JPY");
  g_autoptr(GError) error = NULL;

  check_convert (eur, "USD", 10850, 4, HALF_EVEN, "108.50");
  check_convert (money (-10000, "EUR"), "USD", 10850, 4, HALF_EVEN, "-108.50");
  check_convert (eur, "EUR", 1, 0, DOWN, "100.00");

  /* 16234.5 yen */
  check_convert (eur, "JPY", 162345, 3, HALF_UP, "16235");
  check_convert (eur, "JPY", 162345, 3, HALF_EVEN, "16234");
  check_convert (eur, "JPY", 162345, 3, DOWN, "16234");
  check_convert (money (-10000, "EUR"), "JPY", 162345, 3, HALF_UP, "-16235");

  /* 6.159 euros */
  check_convert (money (1000, "JPY"), "EUR", 6159, 6, HALF_UP, "6.16");
  check_convert (money (1000, "JPY"), "EUR", 6159, 6, DOWN, "6.15");

  /* 3.5786 euros */
  check_convert (money (1234, "KWD"), "EUR", 29, 1, HALF_EVEN, "3.58");
  check_convert (money (1000, "USD"), "KWD", 3075, 4, DOWN, "3.075");
  check_convert (money (100000, "USD"), "CLF", 25678, 6, DOWN, "25.6780");
  check_convert (money (1, "EUR"), "USD", 1, 12, HALF_UP, "0.00");
  check_convert (money (G_MININT64, "JPY"), "JPY", 1, 0, DOWN, "-9223372036854775808");

  /* the result may overwrite the amount */
  g_assert_true (crm_money_convert (&eur, "USD", 10850, 4, HALF_EVEN, &eur, &error));
  g_assert_no_error (error);
  check_money (&eur, 10850, "USD", "108.50");

  eur = money (10000, "EUR");
  check_convert_error (eur, "XYZ", 1, 0, CRM_DECIMAL_ERROR_INVALID,
                       "“XYZ” is not an ISO 4217 currency code");
  check_convert_error (eur, "usd", 1, 0, CRM_DECIMAL_ERROR_INVALID,
                       "“usd” is not a currency code; codes are upper case, as in “USD”");
  check_convert_error (eur, "", 1, 0, CRM_DECIMAL_ERROR_INVALID, NULL);
  check_convert_error (eur, "USD", 0, 4, CRM_DECIMAL_ERROR_INVALID,
                       "the exchange rate from EUR to USD must be greater than zero, not 0");
  check_convert_error (eur, "USD", -10850, 4, CRM_DECIMAL_ERROR_INVALID,
                       "the exchange rate from EUR to USD must be greater than zero, not -1.085");
  check_convert_error (eur, "USD", G_MININT64, 0, CRM_DECIMAL_ERROR_INVALID, NULL);
  check_convert_error (max_jpy, "KWD", 1, 0, CRM_DECIMAL_ERROR_OVERFLOW, "amount is too large");
  check_convert_error (eur, "USD", G_MAXINT64, 0, CRM_DECIMAL_ERROR_OVERFLOW, NULL);
  check_convert_error (money (G_MININT64, "EUR"), "JPY", 200, 0, CRM_DECIMAL_ERROR_OVERFLOW, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/decimal/parse", test_decimal_parse);
  g_test_add_func ("/decimal/parse-errors", test_decimal_parse_errors);
  g_test_add_func ("/decimal/format", test_decimal_format);
  g_test_add_func ("/decimal/rounding", test_decimal_rounding);
  g_test_add_func ("/decimal/arithmetic", test_decimal_arithmetic);
  g_test_add_func ("/decimal/overflow", test_decimal_overflow);
  g_test_add_func ("/money/currencies", test_money_currencies);
  g_test_add_func ("/money/parse-format", test_money_parse_format);
  g_test_add_func ("/money/arithmetic", test_money_arithmetic);
  g_test_add_func ("/money/convert", test_money_convert);

  return g_test_run ();
}
