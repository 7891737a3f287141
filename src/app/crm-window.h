/* crm-window.h: the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CRM_TYPE_WINDOW (crm_window_get_type ())

G_DECLARE_FINAL_TYPE (CrmWindow, crm_window, CRM, WINDOW, AdwApplicationWindow)

CrmWindow *crm_window_new  (GtkApplication *application);
/* Opens @profile, else the last one used, else the first there is; with
 * no profile at all, the welcome page. @data_dir: (nullable) */
void       crm_window_open (CrmWindow      *self,
                            const char     *data_dir,
                            const char     *profile);

G_END_DECLS
