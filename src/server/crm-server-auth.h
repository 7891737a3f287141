/* crm-server-auth.h: passwords, tokens and throttling
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "crm-server-db.h"

G_BEGIN_DECLS

/* A token lives this long; the client renews it by logging in again */
#define CRM_SERVER_TOKEN_LIFETIME (12 * 3600)
/* After this many wrong passwords in the window, a name waits */
#define CRM_SERVER_MAX_FAILURES   5
#define CRM_SERVER_FAILURE_WINDOW (15 * 60)

gboolean crm_server_auth_init          (GError      **error);
char    *crm_server_hash_password      (const char   *password,
                                        GError      **error);
gboolean crm_server_verify_password    (const char   *hash,
                                        const char   *password);
char    *crm_server_token_hash         (const char   *token);
void     crm_server_login_async        (CrmServerDb          *db,
                                        const char           *username,
                                        const char           *password,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
char    *crm_server_login_finish       (GAsyncResult         *result,
                                        char                **user_id,
                                        gint64               *expires_at,
                                        guint                *retry_after,
                                        GError              **error);
char    *crm_server_authenticate       (CrmServerDb  *db,
                                        const char   *authorization,
                                        gint64       *directory_stamp,
                                        GError      **error);

G_END_DECLS
