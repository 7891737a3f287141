/* crm-decimal.h: exact fixed-point decimals held in a 64-bit integer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A decimal is a gint64 scaled by 10^scale: 1234.50 at scale 2 is 123450.
 * Every operation is exact or rounds once, explicitly; nothing here ever
 * goes through floating point. */

#define CRM_DECIMAL_MAX_SCALE 12

#define CRM_DECIMAL_ERROR (crm_decimal_error_quark ())

typedef enum
{
  CRM_DECIMAL_ERROR_INVALID,
  CRM_DECIMAL_ERROR_OVERFLOW,
  CRM_DECIMAL_ERROR_PRECISION,
} CrmDecimalError;

typedef enum
{
  CRM_ROUND_HALF_UP,   /* ties away from zero: 2.5 → 3, -2.5 → -3 */
  CRM_ROUND_HALF_EVEN, /* ties to the even neighbour: 2.5 → 2, 3.5 → 4 */
  CRM_ROUND_DOWN,      /* toward zero: 2.9 → 2, -2.9 → -2 */
} CrmRounding;

GQuark      crm_decimal_error_quark   (void);

/* Accepts an optional sign, at least one digit, and optionally a point
 * followed by at least one digit: "-1234.5", "+3", "0.25", "-0.5".
 * Rejects ".5", "1.", "1e3", "1,000", spaces, empty text, "--1", "NaN".
 * More decimals than @scale is CRM_DECIMAL_ERROR_PRECISION unless the extra
 * ones are zeros ("1.2500" at scale 2 is 125). @out_value may be %NULL to
 * only validate; it is left untouched on failure. */
gboolean    crm_decimal_parse         (const char   *text,
                                       guint         scale,
                                       gint64       *out_value,
                                       GError      **error);
/* Like crm_decimal_parse() but rounds extra decimals instead of failing. */
gboolean    crm_decimal_parse_round   (const char   *text,
                                       guint         scale,
                                       CrmRounding   rounding,
                                       gint64       *out_value,
                                       GError      **error);

/* Exactly @scale decimals: "1234.50", "-0.05", "12" at scale 0. */
char       *crm_decimal_format        (gint64        value,
                                       guint         scale);
/* Shortest exact text: "12.5", "12", "0.0005". */
char       *crm_decimal_format_trimmed (gint64       value,
                                        guint        scale);

/* Both operands at the same scale. */
gboolean    crm_decimal_add           (gint64        a,
                                       gint64        b,
                                       gint64       *out,
                                       GError      **error);
gboolean    crm_decimal_sub           (gint64        a,
                                       gint64        b,
                                       gint64       *out,
                                       GError      **error);
/* a×b with a 128-bit intermediate, so the result is rounded exactly once. */
gboolean    crm_decimal_mul           (gint64        a,
                                       guint         a_scale,
                                       gint64        b,
                                       guint         b_scale,
                                       guint         out_scale,
                                       CrmRounding   rounding,
                                       gint64       *out,
                                       GError      **error);
/* a÷b, rounded once; b == 0 is CRM_DECIMAL_ERROR_INVALID. */
gboolean    crm_decimal_div           (gint64        a,
                                       guint         a_scale,
                                       gint64        b,
                                       guint         b_scale,
                                       guint         out_scale,
                                       CrmRounding   rounding,
                                       gint64       *out,
                                       GError      **error);
/* a×b÷c on plain integers, rounded once: the 128-bit product is divided
 * before any rounding, which shares a total out pro rata exactly. c == 0 is
 * CRM_DECIMAL_ERROR_INVALID. */
gboolean    crm_decimal_mul_div       (gint64        a,
                                       gint64        b,
                                       gint64        c,
                                       CrmRounding   rounding,
                                       gint64       *out,
                                       GError      **error);
gboolean    crm_decimal_rescale       (gint64        value,
                                       guint         from_scale,
                                       guint         to_scale,
                                       CrmRounding   rounding,
                                       gint64       *out,
                                       GError      **error);

/* "half-up", "half-even", "down" */
const char *crm_rounding_to_string    (CrmRounding   rounding);
gboolean    crm_rounding_from_string  (const char   *string,
                                       CrmRounding  *out);

G_END_DECLS
