/* crm-record-picker.h: a form row that finds a linked record by typing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_RECORD_PICKER (crm_record_picker_get_type ())

G_DECLARE_FINAL_TYPE (CrmRecordPicker, crm_record_picker, CRM, RECORD_PICKER, AdwActionRow)

/* @context: (nullable): where the records are; may come later
 * @entity: the entity picked from, e.g. "accounts" */
GtkWidget  *crm_record_picker_new            (CrmContext      *context,
                                              const char      *entity);
CrmContext *crm_record_picker_get_context    (CrmRecordPicker *self);
void        crm_record_picker_set_context    (CrmRecordPicker *self,
                                              CrmContext      *context);
const char *crm_record_picker_get_entity     (CrmRecordPicker *self);
/* (nullable): the record picked, %NULL for none */
const char *crm_record_picker_get_record_id  (CrmRecordPicker *self);
void        crm_record_picker_set_record_id  (CrmRecordPicker *self,
                                              const char      *id);
/* Whether the choice can be cleared */
gboolean    crm_record_picker_get_allow_none (CrmRecordPicker *self);
void        crm_record_picker_set_allow_none (CrmRecordPicker *self,
                                              gboolean         allow_none);

G_END_DECLS
