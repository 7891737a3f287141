/* crm-table.h: sortable text columns of records in a GtkColumnView
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "crm-record.h"

G_BEGIN_DECLS

/* A cell's text, or a sort key when @for_sorting */
typedef char *(*CrmCellFunc) (CrmRecord *record,
                              gboolean   for_sorting,
                              gpointer   user_data);

/* Shows @records in @view, sorted by the column the user picks */
void crm_table_set_records (GtkColumnView *view,
                            GListModel    *records);
void crm_table_add_column  (GtkColumnView *view,
                            const char    *title,
                            CrmCellFunc    cell,
                            gpointer       user_data,
                            gboolean       expand,
                            gboolean       numeric);

G_END_DECLS
