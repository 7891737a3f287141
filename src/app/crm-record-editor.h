/* crm-record-editor.h: a form to create or edit one record
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_RECORD_EDITOR (crm_record_editor_get_type ())

G_DECLARE_FINAL_TYPE (CrmRecordEditor, crm_record_editor, CRM, RECORD_EDITOR, AdwWindow)

/* @id: (nullable): the record to edit, or %NULL to create one
 * @defaults: (nullable): field values a new record starts with */
GtkWindow  *crm_record_editor_new           (CrmContext  *context,
                                             const char  *entity,
                                             const char  *id,
                                             JsonObject  *defaults,
                                             GtkWindow   *parent);
/* The field's value as typed, for tests */
void        crm_record_editor_set_text      (CrmRecordEditor *self,
                                             const char      *field,
                                             const char      *text);
/* Checks and saves; on failure the form says why and stays open */
gboolean    crm_record_editor_save          (CrmRecordEditor *self);
/* Why the last save failed; %NULL when it did not */
const char *crm_record_editor_get_error     (CrmRecordEditor *self);
/* The record saved last; %NULL before */
const char *crm_record_editor_get_saved_id  (CrmRecordEditor *self);

G_END_DECLS
