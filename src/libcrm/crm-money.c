/* crm-money.c: amounts of money as integer minor units of an ISO 4217 currency
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-money"

#include <glib.h>
#include <glib/gi18n-lib.h>
#include <stdlib.h>
#include <string.h>

#include "crm-money.h"

typedef struct
{
  char code[4];
  int  minor_digits;
} Currency;

/* ISO 4217 List One, sorted by code for bsearch(). Codes still in their
 * replacement period (ANG → XCG, SLL → SLE, ZWL → ZWG) stay so that older
 * records load; HRK, withdrawn when Croatia adopted the euro, is gone.
 * Funds, metals and test codes whose minor unit is "N.A." (XAU, XDR, XTS…)
 * are left out: an amount needs a known number of decimals. */
static const Currency currencies[] = {
  { "AED", 2 }, { "AFN", 2 }, { "ALL", 2 }, { "AMD", 2 }, { "ANG", 2 },
  { "AOA", 2 }, { "ARS", 2 }, { "AUD", 2 }, { "AWG", 2 }, { "AZN", 2 },
  { "BAM", 2 }, { "BBD", 2 }, { "BDT", 2 }, { "BGN", 2 }, { "BHD", 3 },
  { "BIF", 0 }, { "BMD", 2 }, { "BND", 2 }, { "BOB", 2 }, { "BOV", 2 },
  { "BRL", 2 }, { "BSD", 2 }, { "BTN", 2 }, { "BWP", 2 }, { "BYN", 2 },
  { "BZD", 2 }, { "CAD", 2 }, { "CDF", 2 }, { "CHE", 2 }, { "CHF", 2 },
  { "CHW", 2 }, { "CLF", 4 }, { "CLP", 0 }, { "CNY", 2 }, { "COP", 2 },
  { "COU", 2 }, { "CRC", 2 }, { "CUC", 2 }, { "CUP", 2 }, { "CVE", 2 },
  { "CZK", 2 }, { "DJF", 0 }, { "DKK", 2 }, { "DOP", 2 }, { "DZD", 2 },
  { "EGP", 2 }, { "ERN", 2 }, { "ETB", 2 }, { "EUR", 2 }, { "FJD", 2 },
  { "FKP", 2 }, { "GBP", 2 }, { "GEL", 2 }, { "GHS", 2 }, { "GIP", 2 },
  { "GMD", 2 }, { "GNF", 0 }, { "GTQ", 2 }, { "GYD", 2 }, { "HKD", 2 },
  { "HNL", 2 }, { "HTG", 2 }, { "HUF", 2 }, { "IDR", 2 }, { "ILS", 2 },
  { "INR", 2 }, { "IQD", 3 }, { "IRR", 2 }, { "ISK", 0 }, { "JMD", 2 },
  { "JOD", 3 }, { "JPY", 0 }, { "KES", 2 }, { "KGS", 2 }, { "KHR", 2 },
  { "KMF", 0 }, { "KPW", 2 }, { "KRW", 0 }, { "KWD", 3 }, { "KYD", 2 },
  { "KZT", 2 }, { "LAK", 2 }, { "LBP", 2 }, { "LKR", 2 }, { "LRD", 2 },
  { "LSL", 2 }, { "LYD", 3 }, { "MAD", 2 }, { "MDL", 2 }, { "MGA", 2 },
  { "MKD", 2 }, { "MMK", 2 }, { "MNT", 2 }, { "MOP", 2 }, { "MRU", 2 },
  { "MUR", 2 }, { "MVR", 2 }, { "MWK", 2 }, { "MXN", 2 }, { "MXV", 2 },
  { "MYR", 2 }, { "MZN", 2 }, { "NAD", 2 }, { "NGN", 2 }, { "NIO", 2 },
  { "NOK", 2 }, { "NPR", 2 }, { "NZD", 2 }, { "OMR", 3 }, { "PAB", 2 },
  { "PEN", 2 }, { "PGK", 2 }, { "PHP", 2 }, { "PKR", 2 }, { "PLN", 2 },
  { "PYG", 0 }, { "QAR", 2 }, { "RON", 2 }, { "RSD", 2 }, { "RUB", 2 },
  { "RWF", 0 }, { "SAR", 2 }, { "SBD", 2 }, { "SCR", 2 }, { "SDG", 2 },
  { "SEK", 2 }, { "SGD", 2 }, { "SHP", 2 }, { "SLE", 2 }, { "SLL", 2 },
  { "SOS", 2 }, { "SRD", 2 }, { "SSP", 2 }, { "STN", 2 }, { "SVC", 2 },
  { "SYP", 2 }, { "SZL", 2 }, { "THB", 2 }, { "TJS", 2 }, { "TMT", 2 },
  { "TND", 3 }, { "TOP", 2 }, { "TRY", 2 }, { "TTD", 2 }, { "TWD", 2 },
  { "TZS", 2 }, { "UAH", 2 }, { "UGX", 0 }, { "USD", 2 }, { "USN", 2 },
  { "UYI", 0 }, { "UYU", 2 }, { "UYW", 4 }, { "UZS", 2 }, { "VED", 2 },
  { "VES", 2 }, { "VND", 0 }, { "VUV", 0 }, { "WST", 2 }, { "XAF", 0 },
  { "XCD", 2 }, { "XCG", 2 }, { "XOF", 0 }, { "XPF", 0 }, { "YER", 2 },
  { "ZAR", 2 }, { "ZMW", 2 }, { "ZWG", 2 }, { "ZWL", 2 }
};

/* Helpers *************************************************************/

static int
compare_code (gconstpointer key,
              gconstpointer element)
{
  const Currency *currency = element;

  return strcmp (key, currency->code);
}

static const Currency *
lookup_currency (const char *code)
{
  return bsearch (code, currencies, G_N_ELEMENTS (currencies), sizeof currencies[0],
                  compare_code);
}

/* only guards call it, and G_DISABLE_CHECKS compiles them out */
G_GNUC_UNUSED static gboolean
money_is_valid (const CrmMoney *money)
{
  return money != NULL &&
         memchr (money->currency, '\0', sizeof money->currency) != NULL &&
         lookup_currency (money->currency) != NULL;
}

static gboolean
set_unknown_currency_error (GError     **error,
                            const char  *code)
{
  g_autofree char *valid = g_utf8_make_valid (code, -1);
  g_autofree char *upper = g_ascii_strup (code, -1);

  if (lookup_currency (upper) != NULL)
    g_set_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_INVALID,
                 _("“%s” is not a currency code; codes are upper case, as in “%s”"),
                 valid, upper);
  else
    g_set_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_INVALID,
                 _("“%s” is not an ISO 4217 currency code"), valid);

  return FALSE;
}

/* Public API **********************************************************/

int
crm_currency_minor_digits (const char *code)
{
  const Currency *currency;

  g_return_val_if_fail (code != NULL, -1);

  currency = lookup_currency (code);

  return currency != NULL ? currency->minor_digits : -1;
}

gboolean
crm_currency_is_valid (const char *code)
{
  g_return_val_if_fail (code != NULL, FALSE);

  return lookup_currency (code) != NULL;
}

char **
crm_currency_dup_codes (void)
{
  char **codes = g_new0 (char *, G_N_ELEMENTS (currencies) + 1);

  for (gsize i = 0; i < G_N_ELEMENTS (currencies); i++)
    codes[i] = g_strdup (currencies[i].code);

  return codes;
}

void
crm_money_init (CrmMoney   *money,
                gint64      minor,
                const char *currency)
{
  g_return_if_fail (money != NULL);
  g_return_if_fail (currency != NULL);
  g_return_if_fail (crm_currency_is_valid (currency));

  money->minor = minor;
  g_strlcpy (money->currency, currency, sizeof money->currency);
}

gboolean
crm_money_equal (const CrmMoney *a,
                 const CrmMoney *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  return a->minor == b->minor &&
         strncmp (a->currency, b->currency, sizeof a->currency) == 0;
}

gboolean
crm_money_parse (const char  *text,
                 const char  *currency,
                 CrmMoney    *out,
                 GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  int digits;
  gint64 minor;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (currency != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  digits = crm_currency_minor_digits (currency);
  if (digits < 0)
    return set_unknown_currency_error (error, currency);

  if (crm_decimal_parse (text, (guint) digits, &minor, &local_error))
    {
      crm_money_init (out, minor, currency);
      return TRUE;
    }

  if (!g_error_matches (local_error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_PRECISION))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  /* Only well-formed ASCII numbers get this far, so @text quotes as is. */
  if (digits == 0)
    g_set_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_PRECISION,
                 _("%s has no decimal places"), currency);
  else
    g_set_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_PRECISION,
                 g_dngettext (GETTEXT_PACKAGE,
                              "“%s” has more than %d decimal place for %s",
                              "“%s” has more than %d decimal places for %s",
                              digits),
                 text, digits, currency);

  return FALSE;
}

char *
crm_money_format (const CrmMoney *money)
{
  g_return_val_if_fail (money_is_valid (money), NULL);

  return crm_decimal_format (money->minor,
                             (guint) crm_currency_minor_digits (money->currency));
}

gboolean
crm_money_add (const CrmMoney  *a,
               const CrmMoney  *b,
               CrmMoney        *out,
               GError         **error)
{
  CrmMoney result;

  g_return_val_if_fail (money_is_valid (a), FALSE);
  g_return_val_if_fail (money_is_valid (b), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_str_equal (a->currency, b->currency))
    {
      /* Translators: the two currency codes, as in "EUR and USD" */
      g_set_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_INVALID,
                   _("cannot add amounts in %s and %s"), a->currency, b->currency);
      return FALSE;
    }

  result = *a;
  if (!crm_decimal_add (a->minor, b->minor, &result.minor, error))
    return FALSE;

  *out = result;
  return TRUE;
}

gboolean
crm_money_sub (const CrmMoney  *a,
               const CrmMoney  *b,
               CrmMoney        *out,
               GError         **error)
{
  CrmMoney result;

  g_return_val_if_fail (money_is_valid (a), FALSE);
  g_return_val_if_fail (money_is_valid (b), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_str_equal (a->currency, b->currency))
    {
      /* Translators: the two currency codes, as in "EUR and USD" */
      g_set_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_INVALID,
                   _("cannot subtract amounts in %s and %s"), a->currency, b->currency);
      return FALSE;
    }

  result = *a;
  if (!crm_decimal_sub (a->minor, b->minor, &result.minor, error))
    return FALSE;

  *out = result;
  return TRUE;
}

gboolean
crm_money_multiply (const CrmMoney  *a,
                    gint64           factor,
                    guint            factor_scale,
                    CrmRounding      rounding,
                    CrmMoney        *out,
                    GError         **error)
{
  CrmMoney result;
  guint digits;

  g_return_val_if_fail (money_is_valid (a), FALSE);
  g_return_val_if_fail (factor_scale <= CRM_DECIMAL_MAX_SCALE, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  digits = (guint) crm_currency_minor_digits (a->currency);
  result = *a;
  if (!crm_decimal_mul (a->minor, digits, factor, factor_scale, digits,
                        rounding, &result.minor, error))
    return FALSE;

  *out = result;
  return TRUE;
}

gboolean
crm_money_convert (const CrmMoney  *a,
                   const char      *to_currency,
                   gint64           rate,
                   guint            rate_scale,
                   CrmRounding      rounding,
                   CrmMoney        *out,
                   GError         **error)
{
  int to_digits;
  gint64 minor;

  g_return_val_if_fail (money_is_valid (a), FALSE);
  g_return_val_if_fail (to_currency != NULL, FALSE);
  g_return_val_if_fail (rate_scale <= CRM_DECIMAL_MAX_SCALE, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  to_digits = crm_currency_minor_digits (to_currency);
  if (to_digits < 0)
    return set_unknown_currency_error (error, to_currency);

  if (rate <= 0)
    {
      g_autofree char *text = crm_decimal_format_trimmed (rate, rate_scale);

      g_set_error (error, CRM_DECIMAL_ERROR, CRM_DECIMAL_ERROR_INVALID,
                   _("the exchange rate from %s to %s must be greater than zero, not %s"),
                   a->currency, to_currency, text);
      return FALSE;
    }

  if (!crm_decimal_mul (a->minor, (guint) crm_currency_minor_digits (a->currency),
                        rate, rate_scale, (guint) to_digits,
                        rounding, &minor, error))
    return FALSE;

  crm_money_init (out, minor, to_currency);
  return TRUE;
}
