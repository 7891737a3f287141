/* crm-format.c: how values of records read in the window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-format"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "crm-format.h"
#include "crm-money.h"

#define RATE_SCALE 8

struct _CrmRates
{
  char       *base;
  GHashTable *rates;  /* currency → gint64 * at RATE_SCALE, units of base per unit */
};

/* Helpers *************************************************************/

static const char *
currency_symbol (const char *code)
{
  static const struct { const char *code, *symbol; } symbols[] = {
    { "EUR", "€" }, { "USD", "$" }, { "GBP", "£" }, { "JPY", "¥" },
    { "CHF", "CHF " }, { "INR", "₹" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (symbols); i++)
    if (g_str_equal (symbols[i].code, code))
      return symbols[i].symbol;
  return NULL;
}

/* "1234567.50" → "1,234,567.50" */
static char *
group_thousands (const char *plain)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const char *digits = plain;
  const char *point;
  gsize n_int;

  if (*digits == '-')
    {
      g_string_append_c (out, '-');
      digits++;
    }
  point = strchr (digits, '.');
  n_int = point ? (gsize) (point - digits) : strlen (digits);
  for (gsize i = 0; i < n_int; i++)
    {
      if (i > 0 && (n_int - i) % 3 == 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, digits[i]);
    }
  if (point)
    g_string_append (out, point);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Public API **********************************************************/

char *
crm_format_minor (gint64      minor,
                  const char *currency,
                  gboolean    symbol)
{
  g_autofree char *plain = NULL;
  g_autofree char *grouped = NULL;
  const char *sign;
  CrmMoney money;

  g_return_val_if_fail (crm_currency_is_valid (currency), NULL);

  crm_money_init (&money, minor, currency);
  plain = crm_money_format (&money);
  grouped = group_thousands (plain);
  if (symbol && (sign = currency_symbol (currency)))
    {
      if (grouped[0] == '-')
        return g_strdup_printf ("−%s%s", sign, grouped + 1);
      return g_strdup_printf ("%s%s", sign, grouped);
    }
  return g_strdup_printf ("%s %s", grouped, currency);
}

char *
crm_format_money (const char *amount,
                  const char *currency,
                  gboolean    symbol)
{
  CrmMoney money;

  if (amount == NULL || currency == NULL ||
      !crm_money_parse (amount, currency, &money, NULL))
    return NULL;
  return crm_format_minor (money.minor, currency, symbol);
}

char *
crm_format_field_label (const char *name)
{
  g_autofree char *label = NULL;

  g_return_val_if_fail (name != NULL, NULL);

  if (g_str_has_suffix (name, "_id"))
    label = g_strndup (name, strlen (name) - 3);
  else
    label = g_strdup (name);
  g_strdelimit (label, "_", ' ');
  label[0] = g_ascii_toupper (label[0]);
  return g_steal_pointer (&label);
}

char *
crm_format_date (const char *date)
{
  int y, m, d;
  g_autoptr(GDateTime) dt = NULL;

  if (date == NULL || sscanf (date, "%d-%d-%d", &y, &m, &d) != 3 ||
      !(dt = g_date_time_new_utc (y, m, d, 0, 0, 0)))
    return g_strdup (date ? date : "");
  return g_date_time_format (dt, "%-d %b %Y");
}

char *
crm_format_value (JsonNode *value)
{
  if (value == NULL || JSON_NODE_HOLDS_NULL (value))
    return g_strdup ("");
  if (JSON_NODE_HOLDS_VALUE (value))
    {
      if (json_node_get_value_type (value) == G_TYPE_STRING)
        return g_strdup (json_node_get_string (value));
      if (json_node_get_value_type (value) == G_TYPE_BOOLEAN)
        return g_strdup (json_node_get_boolean (value) ? _("Yes") : _("No"));
    }
  return json_to_string (value, FALSE);
}

CrmRates *
crm_rates_new (CrmStore *store)
{
  g_autoptr(GPtrArray) rows = NULL;
  CrmRates *self = g_new0 (CrmRates, 1);

  self->rates = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  /* Ordered by effective date, so a later rate replaces an earlier one */
  rows = crm_store_list (store, "exchange_rates", NULL, 0, 0, NULL);
  for (guint i = 0; rows && i < rows->len; i++)
    {
      CrmRecord *row = g_ptr_array_index (rows, i);
      const char *base = crm_record_get_string (row, "base_currency");
      const char *text = crm_record_get_string (row, "rate");
      gint64 rate;

      if (base == NULL || text == NULL ||
          !crm_decimal_parse_round (text, RATE_SCALE, CRM_ROUND_HALF_EVEN, &rate, NULL))
        continue;
      if (self->base == NULL)
        self->base = g_strdup (base);
      if (g_str_equal (self->base, base))
        g_hash_table_insert (self->rates, g_strdup (crm_record_get_string (row, "currency")),
                             g_memdup2 (&rate, sizeof rate));
    }
  if (self->base == NULL)
    self->base = g_strdup ("EUR");
  return self;
}

void
crm_rates_free (CrmRates *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->rates);
  g_free (self->base);
  g_free (self);
}

const char *
crm_rates_get_base (CrmRates *self)
{
  return self->base;
}

gboolean
crm_rates_convert (CrmRates   *self,
                   const char *amount,
                   const char *currency,
                   const char *to,
                   gint64     *out_minor)
{
  CrmMoney money, in_base, out;
  const gint64 *rate;

  if (amount == NULL || currency == NULL || !crm_money_parse (amount, currency, &money, NULL))
    return FALSE;
  if (g_str_equal (currency, to))
    {
      *out_minor = money.minor;
      return TRUE;
    }

  in_base = money;
  if (!g_str_equal (currency, self->base))
    {
      if (!(rate = g_hash_table_lookup (self->rates, currency)) ||
          !crm_money_convert (&money, self->base, *rate, RATE_SCALE, CRM_ROUND_HALF_EVEN, &in_base, NULL))
        return FALSE;
    }
  if (g_str_equal (to, self->base))
    {
      *out_minor = in_base.minor;
      return TRUE;
    }

  /* From the base on to @to: divide by @to's rate */
  if (!(rate = g_hash_table_lookup (self->rates, to)))
    return FALSE;
  {
    gint64 inverse;

    if (!crm_decimal_div (G_GINT64_CONSTANT (1), 0, *rate, RATE_SCALE, RATE_SCALE,
                          CRM_ROUND_HALF_EVEN, &inverse, NULL) ||
        !crm_money_convert (&in_base, to, inverse, RATE_SCALE, CRM_ROUND_HALF_EVEN, &out, NULL))
      return FALSE;
  }
  *out_minor = out.minor;
  return TRUE;
}

void
crm_fix_mnemonic_names (GtkWidget *root)
{
  g_return_if_fail (GTK_IS_WIDGET (root));

  /* GTK 4.8 gives such a button its label as typed ("_Save") for a name
   * and adds the text of its child ("Save"): without the property, the
   * text alone names it */
  if (GTK_IS_BUTTON (root) && gtk_button_get_use_underline (GTK_BUTTON (root)) &&
      gtk_button_get_label (GTK_BUTTON (root)))
    gtk_accessible_reset_property (GTK_ACCESSIBLE (root), GTK_ACCESSIBLE_PROPERTY_LABEL);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    crm_fix_mnemonic_names (child);
}

static void
reload_on_map_cb (GtkWidget *widget)
{
  void (*reload) (gpointer) = g_object_steal_data (G_OBJECT (widget), "crm-reload-pending");

  if (reload)
    reload (widget);
}

void
crm_reload_when_shown (GtkWidget  *widget,
                       void      (*reload) (gpointer widget))
{
  g_return_if_fail (GTK_IS_WIDGET (widget));

  if (gtk_widget_get_mapped (widget))
    {
      g_object_set_data (G_OBJECT (widget), "crm-reload-pending", NULL);
      reload (widget);
      return;
    }
  if (!g_object_get_data (G_OBJECT (widget), "crm-reload-watched"))
    {
      g_object_set_data (G_OBJECT (widget), "crm-reload-watched", GINT_TO_POINTER (TRUE));
      g_signal_connect (widget, "map", G_CALLBACK (reload_on_map_cb), NULL);
    }
  g_object_set_data (G_OBJECT (widget), "crm-reload-pending", reload);
}

/**
 * crm_release_worker_memory:
 *
 * Gives the system back what a worker thread's read freed. glibc keeps
 * the memory a thread freed in that thread's own arena for its next
 * allocation; after a load of 100k deals that is some 25 MB the window
 * holds for nothing until the next load. Call it on the main loop when a
 * worker's results are in.
 */
void
crm_release_worker_memory (void)
{
#ifdef __GLIBC__
  malloc_trim (0);
#endif
}
