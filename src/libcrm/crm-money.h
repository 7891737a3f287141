/* crm-money.h: amounts of money as integer minor units of an ISO 4217 currency
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "crm-decimal.h"

G_BEGIN_DECLS

/* 1234.50 EUR is { 123450, "EUR" }; 1234 JPY is { 1234, "JPY" }. Errors are
 * in CRM_DECIMAL_ERROR. Every function taking a CrmMoney expects one with a
 * known currency, such as crm_money_parse() or crm_money_init() make. */
typedef struct
{
  gint64 minor;
  char   currency[4];
} CrmMoney;

/* The ISO 4217 exponent of an upper-case code ("EUR" 2, "JPY" 0, "KWD" 3,
 * "CLF" 4), or -1 for anything else, including codes without minor units
 * such as XAU or XDR. */
int       crm_currency_minor_digits (const char     *code);
gboolean  crm_currency_is_valid     (const char     *code);
/* Every known code in ascending order, for a currency chooser. Free with
 * g_strfreev(). */
char    **crm_currency_dup_codes    (void);

void      crm_money_init            (CrmMoney       *money,
                                     gint64          minor,
                                     const char     *currency);
gboolean  crm_money_equal           (const CrmMoney *a,
                                     const CrmMoney *b);

/* "1234.5" in EUR is 123450 minor units. More decimals than the currency
 * has is CRM_DECIMAL_ERROR_PRECISION, an unknown or lower-case currency
 * CRM_DECIMAL_ERROR_INVALID. @out is left untouched on failure. */
gboolean  crm_money_parse           (const char     *text,
                                     const char     *currency,
                                     CrmMoney       *out,
                                     GError        **error);
/* Without a symbol, with exactly the currency's decimals: "1234.50",
 * "1234" for JPY, "1.234" for KWD. */
char     *crm_money_format          (const CrmMoney *money);

/* Amounts in different currencies are CRM_DECIMAL_ERROR_INVALID.
 * @out may be @a or @b. */
gboolean  crm_money_add             (const CrmMoney *a,
                                     const CrmMoney *b,
                                     CrmMoney       *out,
                                     GError        **error);
gboolean  crm_money_sub             (const CrmMoney *a,
                                     const CrmMoney *b,
                                     CrmMoney       *out,
                                     GError        **error);
/* @a × a decimal factor, rounded to minor units: a probability of 35.00 %
 * (3500 at scale 2) is the factor 0.35, that is 3500 at scale 4. */
gboolean  crm_money_multiply        (const CrmMoney *a,
                                     gint64          factor,
                                     guint           factor_scale,
                                     CrmRounding     rounding,
                                     CrmMoney       *out,
                                     GError        **error);
/* @rate is how many units of @to_currency one unit of @a's currency buys,
 * at scale @rate_scale; it must be positive. */
gboolean  crm_money_convert         (const CrmMoney *a,
                                     const char     *to_currency,
                                     gint64          rate,
                                     guint           rate_scale,
                                     CrmRounding     rounding,
                                     CrmMoney       *out,
                                     GError        **error);

G_END_DECLS
