/* crm-pipeline-view.h: the deals, a column per stage
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_PIPELINE_VIEW (crm_pipeline_view_get_type ())

G_DECLARE_FINAL_TYPE (CrmPipelineView, crm_pipeline_view, CRM, PIPELINE_VIEW, GtkWidget)

void        crm_pipeline_view_set_context      (CrmPipelineView *self,
                                                CrmContext      *context);
guint       crm_pipeline_view_get_n_columns    (CrmPipelineView *self);
/* The stage's name, and its deals (CrmRecord) in the order shown */
const char *crm_pipeline_view_get_column_title (CrmPipelineView *self,
                                                guint            column);
GListModel *crm_pipeline_view_get_column_model (CrmPipelineView *self,
                                                guint            column);
/* "12 deals · €1,234.00 · €617.00 weighted" */
const char *crm_pipeline_view_get_column_summary (CrmPipelineView *self,
                                                  guint            column);
gboolean    crm_pipeline_view_get_column_amounts (CrmPipelineView *self,
                                                  guint            column,
                                                  gint64          *total,
                                                  gint64          *weighted);

gboolean     crm_pipeline_view_move_deal          (CrmPipelineView *self,
                                                   const char      *deal_id,
                                                   const char      *stage_id,
                                                   const char      *lost_reason);

void         crm_pipeline_view_set_filter         (CrmPipelineView *self,
                                                   const char      *owner,
                                                   guint            period,
                                                   const char      *text);
/* Shows the list (or the board) and returns the list's rows */
GListModel  *crm_pipeline_view_get_list_model     (CrmPipelineView *self,
                                                   gboolean         show_list);

G_END_DECLS
