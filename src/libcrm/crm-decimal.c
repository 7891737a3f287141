/* crm-decimal.c: exact fixed-point decimals held in a 64-bit integer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-decimal"

#include <glib.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "crm-decimal.h"

G_DEFINE_QUARK (crm-decimal-error-quark, crm_decimal_error)

/* Work is done on magnitudes with a separate sign: every rounding mode here
 * is symmetric around zero, and the magnitude of G_MININT64 fits. 128 bits
 * hold the product of any two gint64 values, so a multiplication or division
 * is computed exactly and rounded once at the end. */
__extension__ typedef unsigned __int128 CrmU128;

#define U128_MAX      (~(CrmU128) 0)
#define MAGNITUDE_MAX ((CrmU128) G_MAXINT64 + 1)

/* The widest rescaling: a product of two scales down to scale 0, or a
 * quotient from scale 0 up by the divisor's and the result's scales. */
#define POW10_MAX     (2 * CRM_DECIMAL_MAX_SCALE)

/* Longest text quoted back in an error message, in characters. */
#define QUOTE_MAX     40

typedef struct
{
  gboolean    negative;
  const char *whole;
  gsize       n_whole;
  const char *fraction;
  gsize       n_fraction;
} Number;

static const char * const rounding_names[] = {
  [CRM_ROUND_HALF_UP]   = "half-up",
  [CRM_ROUND_HALF_EVEN] = "half-even",
  [CRM_ROUND_DOWN]      = "down",
};

/* Helpers *************************************************************/

/* only guards call it, and G_DISABLE_CHECKS compiles them out */
G_GNUC_UNUSED static gboolean
rounding_is_valid (CrmRounding rounding)
{
  return (guint) rounding < G_N_ELEMENTS (rounding_names);
}

static CrmU128
pow10_u128 (guint exponent)
{
  CrmU128 result = 1;

  g_assert (exponent <= POW10_MAX);

  for (guint i = 0; i < exponent; i++)
    result *= 10;

  return result;
}

static CrmU128
magnitude_of (gint64 value)
{
  /* -(value + 1) cannot overflow, unlike -value for G_MININT64 */
  if (value < 0)
    return (CrmU128) -(value + 1) + 1;

  return (CrmU128) value;
}

static gboolean
magnitude_to_int64 (gboolean  negative,
                    CrmU128   magnitude,
                    gint64   *out)
{
  if (!negative || magnitude == 0)
    {
      if (magnitude > (CrmU128) G_MAXINT64)
        return FALSE;
      *out = (gint64) magnitude;
    }
  else
    {
      if (magnitude > MAGNITUDE_MAX)
        return FALSE;
      *out = -(gint64) (magnitude - 1) - 1;
    }

  return TRUE;
}

/* Whether a truncated magnitude must move one unit away from zero, given
 * how the discarded part compares with one half of a unit (-1 below, which
 * includes nothing discarded, 0 exactly, +1 above). */
static gboolean
rounds_away (CrmU128     truncated,
             int         versus_half,
             CrmRounding rounding)
{
  switch (rounding)
    {
    case CRM_ROUND_HALF_UP:
      return versus_half >= 0;

    case CRM_ROUND_HALF_EVEN:
      return versus_half > 0 || (versus_half == 0 && (truncated & 1) != 0);

    case CRM_ROUND_DOWN:
      return FALSE;

    default:
      g_assert_not_reached ();
    }

  return FALSE;
}

/* Cannot overflow: with den > 1 the quotient is at most half of num. */
static CrmU128
divide_rounded (CrmU128     num,
                CrmU128     den,
                CrmRounding rounding)
{
  CrmU128 quotient = num / den;
  CrmU128 remainder = num % den;
  int versus_half;

  /* remainder < den, so den - remainder compares with the other half
   * without computing 2 × remainder */
  if (remainder > den - remainder)
    versus_half = 1;
  else if (remainder == den - remainder)
    versus_half = 0;
  else
    versus_half = -1;

  if (rounds_away (quotient, versus_half, rounding))
    quotient++;

  return quotient;
}

static gboolean
multiply_pow10 (CrmU128  magnitude,
                guint    exponent,
                CrmU128 *out)
{
  CrmU128 factor = pow10_u128 (exponent);

  if (magnitude > U128_MAX / factor)
    return FALSE;

  *out = magnitude * factor;
  return TRUE;
}

static gboolean
rescale_magnitude (CrmU128      magnitude,
                   guint        from_scale,
                   guint        to_scale,
                   CrmRounding  rounding,
                   CrmU128     *out)
{
  if (to_scale >= from_scale)
    return multiply_pow10 (magnitude, to_scale - from_scale, out);

  *out = divide_rounded (magnitude, pow10_u128 (from_scale - to_scale), rounding);
  return TRUE;
}

static gboolean
set_overflow_error (GError **error)
{
  g_set_error_literal (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_OVERFLOW,
                       _("amount is too large"));
  return FALSE;
}

/* User text echoed in a message must be valid UTF-8 and of sane length. */
static char *
quote_text (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);

  if (g_utf8_strlen (valid, -1) > QUOTE_MAX)
    {
      const char *end = g_utf8_offset_to_pointer (valid, QUOTE_MAX - 1);

      return g_strdup_printf ("%.*s…", (int) (end - valid), valid);
    }

  return g_steal_pointer (&valid);
}

/* [+-]digits[.digits], nothing before or after */
static gboolean
split_number (const char *text,
              Number     *number)
{
  const char *p = text;

  number->negative = FALSE;
  if (*p == '+' || *p == '-')
    number->negative = *p++ == '-';

  number->whole = p;
  while (g_ascii_isdigit (*p))
    p++;
  number->n_whole = p - number->whole;
  if (number->n_whole == 0)
    return FALSE;

  number->fraction = p;
  number->n_fraction = 0;
  if (*p == '.')
    {
      number->fraction = ++p;
      while (g_ascii_isdigit (*p))
        p++;
      number->n_fraction = p - number->fraction;
      if (number->n_fraction == 0)
        return FALSE;
    }

  return *p == '\0';
}

static gboolean
has_significant_digits (const char *digits,
                        gsize       n_digits)
{
  for (gsize i = 0; i < n_digits; i++)
    {
      if (digits[i] != '0')
        return TRUE;
    }

  return FALSE;
}

static gboolean
append_digit (CrmU128 *magnitude,
              char     digit)
{
  *magnitude = *magnitude * 10 + (guint) (digit - '0');

  /* Checking every digit keeps the next step far from 128 bits. */
  return *magnitude <= MAGNITUDE_MAX;
}

static void
set_too_large_error (GError     **error,
                     const char  *text,
                     gboolean     negative,
                     guint        scale)
{
  g_autofree char *quoted = quote_text (text);
  g_autofree char *limit = crm_decimal_format (negative ? G_MININT64 : G_MAXINT64, scale);

  if (negative)
    g_set_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_OVERFLOW,
                 _("“%s” is too small; the smallest amount is %s"), quoted, limit);
  else
    g_set_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_OVERFLOW,
                 _("“%s” is too large; the largest amount is %s"), quoted, limit);
}

static gboolean
parse_number (const char   *text,
              guint         scale,
              gboolean      may_round,
              CrmRounding   rounding,
              gint64       *out_value,
              GError      **error)
{
  Number number;
  CrmU128 magnitude = 0;
  gint64 value;

  if (!split_number (text, &number))
    {
      g_autofree char *quoted = quote_text (text);

      g_set_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_INVALID,
                   _("“%s” is not a decimal number"), quoted);
      return FALSE;
    }

  if (!may_round && number.n_fraction > scale &&
      has_significant_digits (number.fraction + scale, number.n_fraction - scale))
    {
      g_autofree char *quoted = quote_text (text);

      if (scale == 0)
        g_set_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_PRECISION,
                     _("“%s” must be a whole number"), quoted);
      else
        g_set_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_PRECISION,
                     g_dngettext (GETTEXT_PACKAGE,
                                  "“%s” has more than %u decimal place",
                                  "“%s” has more than %u decimal places",
                                  scale),
                     quoted, scale);
      return FALSE;
    }

  for (gsize i = 0; i < number.n_whole; i++)
    {
      if (!append_digit (&magnitude, number.whole[i]))
        goto too_large;
    }

  for (guint i = 0; i < scale; i++)
    {
      if (!append_digit (&magnitude, i < number.n_fraction ? number.fraction[i] : '0'))
        goto too_large;
    }

  if (number.n_fraction > scale)
    {
      char first = number.fraction[scale];
      gboolean sticky = has_significant_digits (number.fraction + scale + 1,
                                                number.n_fraction - scale - 1);
      int versus_half = first > '5' ? 1 : first < '5' ? -1 : sticky ? 1 : 0;

      if (rounds_away (magnitude, versus_half, rounding))
        magnitude++;
    }

  if (!magnitude_to_int64 (number.negative, magnitude, &value))
    goto too_large;

  if (out_value != NULL)
    *out_value = value;

  return TRUE;

too_large:
  set_too_large_error (error, text, number.negative, scale);
  return FALSE;
}

/* Public API **********************************************************/

gboolean
crm_decimal_parse (const char  *text,
                   guint        scale,
                   gint64      *out_value,
                   GError     **error)
{
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (scale <= CRM_DECIMAL_MAX_SCALE, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return parse_number (text, scale, FALSE, CRM_ROUND_DOWN, out_value, error);
}

gboolean
crm_decimal_parse_round (const char   *text,
                         guint         scale,
                         CrmRounding   rounding,
                         gint64       *out_value,
                         GError      **error)
{
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (scale <= CRM_DECIMAL_MAX_SCALE, FALSE);
  g_return_val_if_fail (rounding_is_valid (rounding), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return parse_number (text, scale, TRUE, rounding, out_value, error);
}

char *
crm_decimal_format (gint64 value,
                    guint  scale)
{
  guint64 magnitude;
  guint64 unit;

  g_return_val_if_fail (scale <= CRM_DECIMAL_MAX_SCALE, NULL);

  if (scale == 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT, value);

  magnitude = (guint64) magnitude_of (value);
  unit = (guint64) pow10_u128 (scale);

  return g_strdup_printf ("%s%" G_GUINT64_FORMAT ".%0*" G_GUINT64_FORMAT,
                          value < 0 ? "-" : "",
                          magnitude / unit,
                          (int) scale,
                          magnitude % unit);
}

char *
crm_decimal_format_trimmed (gint64 value,
                            guint  scale)
{
  char *text;
  gsize len;

  g_return_val_if_fail (scale <= CRM_DECIMAL_MAX_SCALE, NULL);

  text = crm_decimal_format (value, scale);
  if (scale == 0)
    return text;

  /* There is a point, so this stops there at the latest. */
  len = strlen (text);
  while (text[len - 1] == '0')
    text[--len] = '\0';
  if (text[len - 1] == '.')
    text[--len] = '\0';

  return text;
}

gboolean
crm_decimal_add (gint64   a,
                 gint64   b,
                 gint64  *out,
                 GError **error)
{
  gint64 result;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (__builtin_add_overflow (a, b, &result))
    return set_overflow_error (error);

  *out = result;
  return TRUE;
}

gboolean
crm_decimal_sub (gint64   a,
                 gint64   b,
                 gint64  *out,
                 GError **error)
{
  gint64 result;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (__builtin_sub_overflow (a, b, &result))
    return set_overflow_error (error);

  *out = result;
  return TRUE;
}

gboolean
crm_decimal_mul (gint64        a,
                 guint         a_scale,
                 gint64        b,
                 guint         b_scale,
                 guint         out_scale,
                 CrmRounding   rounding,
                 gint64       *out,
                 GError      **error)
{
  CrmU128 magnitude;
  gint64 result;

  g_return_val_if_fail (a_scale <= CRM_DECIMAL_MAX_SCALE, FALSE);
  g_return_val_if_fail (b_scale <= CRM_DECIMAL_MAX_SCALE, FALSE);
  g_return_val_if_fail (out_scale <= CRM_DECIMAL_MAX_SCALE, FALSE);
  g_return_val_if_fail (rounding_is_valid (rounding), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Each factor is at most 2^63, so the product fits in 126 bits. */
  magnitude = magnitude_of (a) * magnitude_of (b);

  if (!rescale_magnitude (magnitude, a_scale + b_scale, out_scale, rounding, &magnitude) ||
      !magnitude_to_int64 ((a < 0) != (b < 0), magnitude, &result))
    return set_overflow_error (error);

  *out = result;
  return TRUE;
}

gboolean
crm_decimal_div (gint64        a,
                 guint         a_scale,
                 gint64        b,
                 guint         b_scale,
                 guint         out_scale,
                 CrmRounding   rounding,
                 gint64       *out,
                 GError      **error)
{
  CrmU128 num;
  CrmU128 den;
  gint64 result;

  g_return_val_if_fail (a_scale <= CRM_DECIMAL_MAX_SCALE, FALSE);
  g_return_val_if_fail (b_scale <= CRM_DECIMAL_MAX_SCALE, FALSE);
  g_return_val_if_fail (out_scale <= CRM_DECIMAL_MAX_SCALE, FALSE);
  g_return_val_if_fail (rounding_is_valid (rounding), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (b == 0)
    {
      g_set_error_literal (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_INVALID,
                           _("cannot divide by zero"));
      return FALSE;
    }

  /* (a / 10^as) / (b / 10^bs) × 10^os = a × 10^(bs + os − as) / b.
   * A numerator past 128 bits over a divisor below 2^64 cannot fit in
   * 64 bits either, so failing to scale it up is a real overflow. */
  num = magnitude_of (a);
  den = magnitude_of (b);
  if (b_scale + out_scale >= a_scale)
    {
      if (!multiply_pow10 (num, b_scale + out_scale - a_scale, &num))
        return set_overflow_error (error);
    }
  else
    {
      /* at most 2^63 × 10^12, far below 2^128 */
      den *= pow10_u128 (a_scale - b_scale - out_scale);
    }

  if (!magnitude_to_int64 ((a < 0) != (b < 0), divide_rounded (num, den, rounding), &result))
    return set_overflow_error (error);

  *out = result;
  return TRUE;
}

gboolean
crm_decimal_mul_div (gint64        a,
                     gint64        b,
                     gint64        c,
                     CrmRounding   rounding,
                     gint64       *out,
                     GError      **error)
{
  gint64 result;

  g_return_val_if_fail (rounding_is_valid (rounding), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (c == 0)
    {
      g_set_error_literal (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_INVALID,
                           _("cannot divide by zero"));
      return FALSE;
    }

  /* at most 2^126 over a divisor of at least 1 */
  if (!magnitude_to_int64 (((a < 0) != (b < 0)) != (c < 0),
                           divide_rounded (magnitude_of (a) * magnitude_of (b),
                                           magnitude_of (c), rounding),
                           &result))
    return set_overflow_error (error);

  *out = result;
  return TRUE;
}

gboolean
crm_decimal_rescale (gint64        value,
                     guint         from_scale,
                     guint         to_scale,
                     CrmRounding   rounding,
                     gint64       *out,
                     GError      **error)
{
  CrmU128 magnitude;
  gint64 result;

  g_return_val_if_fail (from_scale <= CRM_DECIMAL_MAX_SCALE, FALSE);
  g_return_val_if_fail (to_scale <= CRM_DECIMAL_MAX_SCALE, FALSE);
  g_return_val_if_fail (rounding_is_valid (rounding), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!rescale_magnitude (magnitude_of (value), from_scale, to_scale, rounding, &magnitude) ||
      !magnitude_to_int64 (value < 0, magnitude, &result))
    return set_overflow_error (error);

  *out = result;
  return TRUE;
}

const char *
crm_rounding_to_string (CrmRounding rounding)
{
  g_return_val_if_fail (rounding_is_valid (rounding), NULL);

  return rounding_names[rounding];
}

gboolean
crm_rounding_from_string (const char  *string,
                          CrmRounding *out)
{
  g_return_val_if_fail (string != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (rounding_names); i++)
    {
      if (g_str_equal (string, rounding_names[i]))
        {
          if (out != NULL)
            *out = (CrmRounding) i;
          return TRUE;
        }
    }

  return FALSE;
}
