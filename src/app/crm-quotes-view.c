/* crm-quotes-view.c: the quotes in the profile, as a table
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-quotes"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-format.h"
#include "crm-quotes-view.h"
#include "crm-table.h"

struct _CrmQuotesView
{
  GtkWidget      parent_instance;

  GtkStack      *stack;
  GtkColumnView *table;

  CrmContext    *context;
  GListStore    *quotes;
  GHashTable    *account_names;
};

G_DEFINE_FINAL_TYPE (CrmQuotesView, crm_quotes_view, GTK_TYPE_WIDGET)

enum {
  RECORD_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Cells ***************************************************************/

static char *
number_cell (CrmRecord *quote,
             gboolean   for_sorting,
             gpointer   user_data)
{
  return g_strdup (crm_record_get_string (quote, "number"));
}

static char *
revision_cell (CrmRecord *quote,
               gboolean   for_sorting,
               gpointer   user_data)
{
  JsonNode *revision = crm_record_get_field (quote, "revision");
  gint64 value = revision && JSON_NODE_HOLDS_VALUE (revision) ? json_node_get_int (revision) : 0;

  return for_sorting ? g_strdup_printf ("%010" G_GINT64_FORMAT, value)
                     : g_strdup_printf ("%" G_GINT64_FORMAT, value);
}

static char *
status_cell (CrmRecord *quote,
             gboolean   for_sorting,
             gpointer   user_data)
{
  const char *status = crm_record_get_string (quote, "status");

  if (status == NULL || for_sorting)
    return g_strdup (status);
  return g_strdup_printf ("%c%s", g_ascii_toupper (status[0]), status + 1);
}

static char *
account_cell (CrmRecord *quote,
              gboolean   for_sorting,
              gpointer   user_data)
{
  CrmQuotesView *self = user_data;
  const char *id = crm_record_get_string (quote, "account_id");

  return g_strdup (id ? g_hash_table_lookup (self->account_names, id) : NULL);
}

static char *
valid_until_cell (CrmRecord *quote,
                  gboolean   for_sorting,
                  gpointer   user_data)
{
  const char *date = crm_record_get_string (quote, "valid_until");

  if (date == NULL || for_sorting)
    return g_strdup (date);
  return crm_format_date (date);
}

static char *
lines_cell (CrmRecord *quote,
            gboolean   for_sorting,
            gpointer   user_data)
{
  JsonNode *lines = crm_record_get_field (quote, "lines");
  guint n = lines && JSON_NODE_HOLDS_ARRAY (lines) ? json_array_get_length (json_node_get_array (lines)) : 0;

  return for_sorting ? g_strdup_printf ("%06u", n) : g_strdup_printf ("%u", n);
}

static char *
currency_cell (CrmRecord *quote,
               gboolean   for_sorting,
               gpointer   user_data)
{
  return g_strdup (crm_record_get_string (quote, "currency"));
}

/* Helpers *************************************************************/

static void
reload (CrmQuotesView *self)
{
  g_autoptr(GPtrArray) quotes = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  CrmStore *store;

  if (self->context == NULL)
    return;
  store = crm_context_get_store (self->context);

  g_hash_table_remove_all (self->account_names);
  accounts = crm_store_list (store, "accounts", NULL, 0, 0, NULL);
  for (guint i = 0; accounts && i < accounts->len; i++)
    g_hash_table_insert (self->account_names, g_strdup (crm_record_get_id (g_ptr_array_index (accounts, i))),
                         crm_record_dup_title (g_ptr_array_index (accounts, i)));

  quotes = crm_store_list (store, "quotes", NULL, 0, 0, NULL);
  if (quotes == NULL)
    quotes = g_ptr_array_new_with_free_func (g_object_unref);
  g_list_store_splice (self->quotes, 0, g_list_model_get_n_items (G_LIST_MODEL (self->quotes)),
                       quotes->pdata, quotes->len);
  gtk_stack_set_visible_child_name (self->stack, quotes->len ? "table" : "empty");
}

/* Callbacks ***********************************************************/

static void
row_activated_cb (CrmQuotesView *self,
                  guint          position)
{
  GListModel *model = G_LIST_MODEL (gtk_column_view_get_model (self->table));
  g_autoptr(CrmRecord) quote = g_list_model_get_item (model, position);

  if (quote)
    g_signal_emit (self, signals[RECORD_ACTIVATED], 0, "quotes", crm_record_get_id (quote));
}

/* GObject *************************************************************/

static void
crm_quotes_view_dispose (GObject *object)
{
  GtkWidget *child;
  CrmQuotesView *self = CRM_QUOTES_VIEW (object);

  crm_quotes_view_set_context (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_QUOTES_VIEW);
  /* The template's top widget is not bound, so not unparented above */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  g_clear_object (&self->quotes);
  g_clear_pointer (&self->account_names, g_hash_table_unref);

  G_OBJECT_CLASS (crm_quotes_view_parent_class)->dispose (object);
}

static void
crm_quotes_view_class_init (CrmQuotesViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_quotes_view_dispose;

  /**
   * CrmQuotesView::record-activated:
   *
   * A quote was clicked.
   */
  signals[RECORD_ACTIVATED] = g_signal_new ("record-activated",
                                            G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/Crm/crm-quotes-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmQuotesView, stack);
  gtk_widget_class_bind_template_child (widget_class, CrmQuotesView, table);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
}

static void
crm_quotes_view_init (CrmQuotesView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->quotes = g_list_store_new (CRM_TYPE_RECORD);
  self->account_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  crm_table_add_column (self->table, _("Number"), number_cell, self, FALSE, FALSE);
  crm_table_add_column (self->table, _("Revision"), revision_cell, self, FALSE, TRUE);
  crm_table_add_column (self->table, _("Account"), account_cell, self, TRUE, FALSE);
  crm_table_add_column (self->table, _("Status"), status_cell, self, FALSE, FALSE);
  crm_table_add_column (self->table, _("Valid Until"), valid_until_cell, self, FALSE, FALSE);
  crm_table_add_column (self->table, _("Lines"), lines_cell, self, FALSE, TRUE);
  crm_table_add_column (self->table, _("Currency"), currency_cell, self, FALSE, FALSE);
  crm_table_set_records (self->table, G_LIST_MODEL (self->quotes));
}

/* Public API **********************************************************/

void
crm_quotes_view_set_context (CrmQuotesView *self,
                             CrmContext    *context)
{
  g_return_if_fail (CRM_IS_QUOTES_VIEW (self));

  if (self->context)
    g_signal_handlers_disconnect_by_data (self->context, self);
  g_set_object (&self->context, context);
  if (context)
    g_signal_connect_swapped (context, "records-changed", G_CALLBACK (reload), self);
  reload (self);
}

GListModel *
crm_quotes_view_get_model (CrmQuotesView *self)
{
  g_return_val_if_fail (CRM_IS_QUOTES_VIEW (self), NULL);
  return G_LIST_MODEL (self->quotes);
}
