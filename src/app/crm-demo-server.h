/* crm-demo-server.h: a local crm-server --demo for "Try the demo"
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The user the demo signs in as, and every demo user's password */
#define CRM_DEMO_USER     "riley"
#define CRM_DEMO_PASSWORD "demo"
#define CRM_DEMO_PROFILE  "demo"

/* Where the demo profile's server keeps its data: a folder of the data
 * dir that is not a profile */
char        *crm_demo_server_dup_dir      (const char           *data_dir);

/* Starts crm-server --demo on 127.0.0.1:@port (0: any free port). The
 * program is $CRM_SERVER, else the crm-server next to this program or in
 * the build tree, else the one on PATH. It stops when this process ends. */
void         crm_demo_server_start_async  (const char           *dir,
                                           guint                 port,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
GSubprocess *crm_demo_server_start_finish (GAsyncResult         *result,
                                           char                **url,
                                           GError              **error);

G_END_DECLS
