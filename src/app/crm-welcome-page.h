/* crm-welcome-page.h: first run: connect to a server or try the demo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CRM_TYPE_WELCOME_PAGE (crm_welcome_page_get_type ())

G_DECLARE_FINAL_TYPE (CrmWelcomePage, crm_welcome_page, CRM, WELCOME_PAGE, GtkWidget)

GtkWidget *crm_welcome_page_new          (void);
/* (nullable): profiles go to the default data dir */
void       crm_welcome_page_set_data_dir (CrmWelcomePage *self,
                                          const char     *data_dir);
/* Shows a message on the page, e.g. why a profile did not open */
void       crm_welcome_page_show_error   (CrmWelcomePage *self,
                                          const char     *message);
/* Whether Cancel shows, to go back to the profile open behind the page */
void       crm_welcome_page_set_can_cancel (CrmWelcomePage *self,
                                            gboolean        can_cancel);
gboolean   crm_welcome_page_get_can_cancel (CrmWelcomePage *self);
/* An empty form with the cursor in it, for another profile */
void       crm_welcome_page_reset        (CrmWelcomePage *self);

G_END_DECLS
