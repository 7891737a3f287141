/* crm-server-admin.h: seeding and user management from the command line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "crm-server-db.h"

G_BEGIN_DECLS

gboolean crm_server_seed_demo   (CrmServerDb  *db,
                                 GError      **error);
gboolean crm_server_add_user    (CrmServerDb  *db,
                                 const char   *username,
                                 const char   *role,
                                 const char   *manager,
                                 const char   *password,
                                 char        **user_id,
                                 GError      **error);
gboolean crm_server_set_password (CrmServerDb *db,
                                 const char   *username,
                                 const char   *password,
                                 GError      **error);

G_END_DECLS
