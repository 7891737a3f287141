/* crm-contacts-view.h: contacts and accounts, a list and a detail pane
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_CONTACTS_VIEW (crm_contacts_view_get_type ())

G_DECLARE_FINAL_TYPE (CrmContactsView, crm_contacts_view, CRM, CONTACTS_VIEW, GtkWidget)

void        crm_contacts_view_set_context     (CrmContactsView *self,
                                               CrmContext      *context);
/* "contacts" or "accounts" */
void        crm_contacts_view_set_entity      (CrmContactsView *self,
                                               const char      *entity);
void        crm_contacts_view_set_search      (CrmContactsView *self,
                                               const char      *text);
/* The records listed (CrmRecord) */
GListModel *crm_contacts_view_get_model       (CrmContactsView *self);
void        crm_contacts_view_show_record     (CrmContactsView *self,
                                               const char      *entity,
                                               const char      *id);
/* The title of the record in the detail pane, "" for none */
const char *crm_contacts_view_get_detail_title (CrmContactsView *self);

G_END_DECLS
