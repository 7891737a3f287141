/* crm-record-detail.h: one record's fields, linked records and activities
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_RECORD_DETAIL (crm_record_detail_get_type ())

G_DECLARE_FINAL_TYPE (CrmRecordDetail, crm_record_detail, CRM, RECORD_DETAIL, GtkWidget)

GtkWidget  *crm_record_detail_new         (void);
void        crm_record_detail_set_context (CrmRecordDetail *self,
                                           CrmContext      *context);
/* Shows the record, or says that it is gone; %NULL @id shows nothing */
void        crm_record_detail_show        (CrmRecordDetail *self,
                                           const char      *entity,
                                           const char      *id);
const char *crm_record_detail_get_title   (CrmRecordDetail *self);

G_END_DECLS
