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

CrmRecordList *crm_record_list_new       (void);
/* Lists @entity of @store in its usual order, matching @search (nullable:
 * all of them); @store %NULL empties the list. Returns FALSE with @error
 * when the store could not be read (the list is then empty). */
gboolean       crm_record_list_set_query (CrmRecordList  *self,
                                          CrmStore       *store,
                                          const char     *entity,
                                          const char     *search,
                                          GError        **error);

G_END_DECLS
