/* crm-forecast-view.c: quotas against deals won, per rep and period
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-forecast"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "crm-format.h"
#include "crm-forecast-view.h"
#include "crm-money.h"
#include "crm-table.h"

struct _CrmForecastView
{
  GtkWidget      parent_instance;

  GtkStack      *stack;
  GtkColumnView *table;

  CrmContext    *context;
  GListStore    *quotas;
  GHashTable    *user_names;  /* id → name */
  GHashTable    *won;         /* quota id → gint64 *, minor units of its currency */
};

G_DEFINE_FINAL_TYPE (CrmForecastView, crm_forecast_view, GTK_TYPE_WIDGET)

/* Helpers *************************************************************/

/* Whether a close date "YYYY-MM-DD" falls in a quota period: "2026-Q3",
 * "2026-07" or "2026" */
static gboolean
date_in_period (const char *date,
                const char *period)
{
  int year, month, quarter;

  if (date == NULL || period == NULL || sscanf (date, "%d-%d", &year, &month) != 2)
    return FALSE;
  if (strlen (period) == 7 && period[4] == '-' && period[5] == 'Q' &&
      sscanf (period + 6, "%d", &quarter) == 1)
    return strncmp (date, period, 4) == 0 && (month - 1) / 3 + 1 == quarter;
  return g_str_has_prefix (date, period);
}

static gboolean
is_true (CrmRecord  *record,
         const char *field)
{
  JsonNode *value = crm_record_get_field (record, field);

  return value && JSON_NODE_HOLDS_VALUE (value) &&
         json_node_get_value_type (value) == G_TYPE_BOOLEAN && json_node_get_boolean (value);
}

static void
compute_won (CrmForecastView *self,
             CrmStore        *store,
             GPtrArray       *quotas)
{
  g_autoptr(GPtrArray) stages = crm_store_list (store, "stages", NULL, 0, 0, NULL);
  g_autoptr(GPtrArray) deals = crm_store_list (store, "opportunities", NULL, 0, 0, NULL);
  g_autoptr(GHashTable) won_stages = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(CrmRates) rates = crm_rates_new (store);

  g_hash_table_remove_all (self->won);
  for (guint i = 0; stages && i < stages->len; i++)
    if (is_true (g_ptr_array_index (stages, i), "is_won"))
      g_hash_table_add (won_stages, (gpointer) crm_record_get_id (g_ptr_array_index (stages, i)));

  for (guint q = 0; q < quotas->len; q++)
    {
      CrmRecord *quota = g_ptr_array_index (quotas, q);
      const char *user = crm_record_get_string (quota, "user_id");
      const char *period = crm_record_get_string (quota, "period");
      const char *currency = crm_record_get_string (quota, "currency");
      gint64 sum = 0;

      for (guint i = 0; deals && i < deals->len; i++)
        {
          CrmRecord *deal = g_ptr_array_index (deals, i);
          gint64 minor;

          if (g_strcmp0 (crm_record_get_owner_id (deal), user) != 0 ||
              !g_hash_table_contains (won_stages, crm_record_get_string (deal, "stage_id")) ||
              !date_in_period (crm_record_get_string (deal, "expected_close_date"), period))
            continue;
          if (!crm_rates_convert (rates, crm_record_get_string (deal, "amount"),
                                  crm_record_get_string (deal, "currency"), currency, &minor))
            {
              sum = -1;
              break;
            }
          sum += minor;
        }
      g_hash_table_insert (self->won, g_strdup (crm_record_get_id (quota)), g_memdup2 (&sum, sizeof sum));
    }
}

static gint64
quota_minor (CrmRecord *quota)
{
  CrmMoney money;

  if (!crm_money_parse (crm_record_get_string (quota, "amount"), crm_record_get_string (quota, "currency"),
                        &money, NULL))
    return 0;
  return money.minor;
}

static void
reload (CrmForecastView *self)
{
  g_autoptr(GPtrArray) quotas = NULL;
  g_autoptr(GPtrArray) users = NULL;
  CrmStore *store;

  if (self->context == NULL)
    return;
  store = crm_context_get_store (self->context);

  g_hash_table_remove_all (self->user_names);
  users = crm_store_list (store, "users", NULL, 0, 0, NULL);
  for (guint i = 0; users && i < users->len; i++)
    g_hash_table_insert (self->user_names, g_strdup (crm_record_get_id (g_ptr_array_index (users, i))),
                         crm_record_dup_title (g_ptr_array_index (users, i)));

  quotas = crm_store_list (store, "quotas", NULL, 0, 0, NULL);
  if (quotas == NULL)
    quotas = g_ptr_array_new_with_free_func (g_object_unref);
  compute_won (self, store, quotas);
  g_list_store_splice (self->quotas, 0, g_list_model_get_n_items (G_LIST_MODEL (self->quotas)),
                       quotas->pdata, quotas->len);
  gtk_stack_set_visible_child_name (self->stack, quotas->len ? "table" : "empty");
}

/* Cells ***************************************************************/

static char *
rep_cell (CrmRecord *quota,
          gboolean   for_sorting,
          gpointer   user_data)
{
  CrmForecastView *self = user_data;
  const char *id = crm_record_get_string (quota, "user_id");
  const char *name = id ? g_hash_table_lookup (self->user_names, id) : NULL;

  return g_strdup (name ? name : _("Someone not shared with you"));
}

static char *
period_cell (CrmRecord *quota,
             gboolean   for_sorting,
             gpointer   user_data)
{
  return g_strdup (crm_record_get_string (quota, "period"));
}

static char *
money_cell (gint64      minor,
            const char *currency,
            gboolean    for_sorting,
            gboolean    symbols)
{
  if (for_sorting)
    return g_strdup_printf ("%020" G_GINT64_FORMAT, minor);
  if (minor < 0)
    return g_strdup (_("No exchange rate"));
  return crm_format_minor (minor, currency, symbols);
}

static char *
quota_cell (CrmRecord *quota,
            gboolean   for_sorting,
            gpointer   user_data)
{
  CrmForecastView *self = user_data;

  return money_cell (quota_minor (quota), crm_record_get_string (quota, "currency"), for_sorting,
                     crm_context_get_use_symbols (self->context));
}

static char *
won_cell (CrmRecord *quota,
          gboolean   for_sorting,
          gpointer   user_data)
{
  CrmForecastView *self = user_data;

  return money_cell (crm_forecast_view_get_won (self, quota), crm_record_get_string (quota, "currency"),
                     for_sorting, crm_context_get_use_symbols (self->context));
}

static char *
attainment_cell (CrmRecord *quota,
                 gboolean   for_sorting,
                 gpointer   user_data)
{
  CrmForecastView *self = user_data;
  gint64 won = crm_forecast_view_get_won (self, quota);
  gint64 target = quota_minor (quota);
  gint64 percent;

  if (won < 0 || target <= 0)
    return g_strdup (for_sorting ? "" : "—");
  percent = won * 100 / target;
  if (for_sorting)
    return g_strdup_printf ("%020" G_GINT64_FORMAT, percent);
  return g_strdup_printf ("%" G_GINT64_FORMAT " %%", percent);
}

/* GObject *************************************************************/

static void
crm_forecast_view_dispose (GObject *object)
{
  GtkWidget *child;
  CrmForecastView *self = CRM_FORECAST_VIEW (object);

  crm_forecast_view_set_context (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_FORECAST_VIEW);
  /* The template's top widget is not bound, so not unparented above */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  g_clear_object (&self->quotas);
  g_clear_pointer (&self->user_names, g_hash_table_unref);
  g_clear_pointer (&self->won, g_hash_table_unref);

  G_OBJECT_CLASS (crm_forecast_view_parent_class)->dispose (object);
}

static void
crm_forecast_view_class_init (CrmForecastViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_forecast_view_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/Crm/crm-forecast-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmForecastView, stack);
  gtk_widget_class_bind_template_child (widget_class, CrmForecastView, table);
}

static void
crm_forecast_view_init (CrmForecastView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->quotas = g_list_store_new (CRM_TYPE_RECORD);
  self->user_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->won = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  crm_table_add_column (self->table, _("Rep"), rep_cell, self, TRUE, FALSE);
  crm_table_add_column (self->table, _("Period"), period_cell, self, FALSE, FALSE);
  crm_table_add_column (self->table, _("Quota"), quota_cell, self, FALSE, TRUE);
  crm_table_add_column (self->table, _("Won"), won_cell, self, FALSE, TRUE);
  crm_table_add_column (self->table, _("Attainment"), attainment_cell, self, FALSE, TRUE);
  crm_table_set_records (self->table, G_LIST_MODEL (self->quotas));
}

/* Public API **********************************************************/

void
crm_forecast_view_set_context (CrmForecastView *self,
                               CrmContext      *context)
{
  g_return_if_fail (CRM_IS_FORECAST_VIEW (self));

  if (self->context)
    g_signal_handlers_disconnect_by_data (self->context, self);
  g_set_object (&self->context, context);
  if (context)
    g_signal_connect_swapped (context, "records-changed", G_CALLBACK (reload), self);
  reload (self);
}

GListModel *
crm_forecast_view_get_model (CrmForecastView *self)
{
  g_return_val_if_fail (CRM_IS_FORECAST_VIEW (self), NULL);
  return G_LIST_MODEL (self->quotas);
}

gint64
crm_forecast_view_get_won (CrmForecastView *self,
                           CrmRecord       *quota)
{
  const gint64 *won;

  g_return_val_if_fail (CRM_IS_FORECAST_VIEW (self), -1);
  g_return_val_if_fail (CRM_IS_RECORD (quota), -1);

  won = g_hash_table_lookup (self->won, crm_record_get_id (quota));
  return won ? *won : 0;
}
