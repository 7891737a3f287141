/* crm-server.h: the HTTP API over the server's store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "crm-server-db.h"

G_BEGIN_DECLS

/* The most a request body may hold */
#define CRM_SERVER_MAX_BODY (8 * 1024 * 1024)
#define CRM_SERVER_DEFAULT_PAGE 500
#define CRM_SERVER_MAX_PAGE 1000

#define CRM_TYPE_SERVER (crm_server_get_type ())

G_DECLARE_FINAL_TYPE (CrmServer, crm_server, CRM, SERVER, GObject)

CrmServer *crm_server_new        (CrmServerDb  *db);
gboolean   crm_server_listen     (CrmServer    *self,
                                  const char   *address,
                                  const char   *tls_cert,
                                  const char   *tls_key,
                                  GError      **error);
char      *crm_server_dup_url    (CrmServer    *self);
gboolean   crm_server_is_busy    (CrmServer    *self);
void       crm_server_set_quiet  (CrmServer    *self,
                                  gboolean      quiet);

G_END_DECLS
