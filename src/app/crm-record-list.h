/* crm-record-list.h: the records of an entity as a list model that reads
 * them from the store a page at a time
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "crm-store.h"

G_BEGIN_DECLS

#define CRM_TYPE_RECORD_LIST (crm_record_list_get_type ())

G_DECLARE_FINAL_TYPE (CrmRecordList, crm_record_list, CRM, RECORD_LIST, GObject)

CrmRecordList *crm_record_list_new         (void);
/* Lists the records @query matches, in their entity's order; @store or
 * @query %NULL empties the list. Returns FALSE with @error when the store
 * could not be read (the list is then empty). */
gboolean       crm_record_list_set_query   (CrmRecordList  *self,
                                            CrmStore       *store,
                                            CrmQuery       *query,
                                            GError        **error);
/* The same, with the count and first page already read (e.g. by a
 * worker thread on its own connection) */
void           crm_record_list_set_results (CrmRecordList  *self,
                                            CrmStore       *store,
                                            CrmQuery       *query,
                                            guint           n_items,
                                            GPtrArray      *first_page);
void           crm_record_list_set_ids     (CrmRecordList  *self,
                                            CrmStore       *store,
                                            const char     *entity,
                                            GPtrArray      *ids,
                                            GPtrArray      *first_page);
guint          crm_record_list_get_page_size (void);

G_END_DECLS
