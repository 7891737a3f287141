/* crm-record-window.h: a record of its own, e.g. a deal from the board
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_RECORD_WINDOW (crm_record_window_get_type ())

G_DECLARE_FINAL_TYPE (CrmRecordWindow, crm_record_window, CRM, RECORD_WINDOW, AdwWindow)

GtkWindow *crm_record_window_new (CrmContext *context,
                                  const char *entity,
                                  const char *id,
                                  GtkWindow  *parent);

G_END_DECLS
