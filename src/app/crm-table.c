/* crm-table.c: sortable text columns of records in a GtkColumnView
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-table"

#include "config.h"

#include "crm-table.h"

typedef struct
{
  CrmCellFunc cell;
  gpointer    user_data;
  gboolean    numeric;
} Column;

/* Callbacks ***********************************************************/

static void
cell_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               Column                   *column)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), column->numeric ? 1 : 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (column->numeric)
    gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (item, label);
}

static void
cell_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              Column                   *column)
{
  g_autofree char *text = column->cell (gtk_list_item_get_item (item), FALSE, column->user_data);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), text ? text : "");
}

static int
compare_cb (gconstpointer a,
            gconstpointer b,
            gpointer      user_data)
{
  Column *column = user_data;
  g_autofree char *ka = column->cell ((CrmRecord *) a, TRUE, column->user_data);
  g_autofree char *kb = column->cell ((CrmRecord *) b, TRUE, column->user_data);

  return g_utf8_collate (ka ? ka : "", kb ? kb : "");
}

/* Public API **********************************************************/

void
crm_table_set_records (GtkColumnView *view,
                       GListModel    *records)
{
  GtkSorter *sorter = gtk_column_view_get_sorter (view);
  GtkSortListModel *sorted;
  g_autoptr(GtkSingleSelection) selection = NULL;

  g_return_if_fail (GTK_IS_COLUMN_VIEW (view));
  g_return_if_fail (G_IS_LIST_MODEL (records));

  sorted = gtk_sort_list_model_new (g_object_ref (records), sorter ? g_object_ref (sorter) : NULL);
  selection = gtk_single_selection_new (G_LIST_MODEL (sorted));
  gtk_single_selection_set_autoselect (selection, FALSE);
  gtk_column_view_set_model (view, GTK_SELECTION_MODEL (selection));
}

void
crm_table_add_column (GtkColumnView *view,
                      const char    *title,
                      CrmCellFunc    cell,
                      gpointer       user_data,
                      gboolean       expand,
                      gboolean       numeric)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *column;
  GtkSorter *sorter;
  Column *data = g_new0 (Column, 1);

  data->cell = cell;
  data->user_data = user_data;
  data->numeric = numeric;
  g_signal_connect (factory, "setup", G_CALLBACK (cell_setup_cb), data);
  g_signal_connect (factory, "bind", G_CALLBACK (cell_bind_cb), data);

  column = gtk_column_view_column_new (title, factory);
  g_object_set_data_full (G_OBJECT (column), "crm-table-column", data, g_free);
  sorter = GTK_SORTER (gtk_custom_sorter_new (compare_cb, data, NULL));
  gtk_column_view_column_set_sorter (column, sorter);
  g_object_unref (sorter);
  gtk_column_view_column_set_expand (column, expand);
  gtk_column_view_column_set_resizable (column, TRUE);
  gtk_column_view_append_column (view, column);
  g_object_unref (column);
}
