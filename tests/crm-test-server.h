/* crm-test-server.h: a real crm-server for tests, and JSON over HTTP to it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* The binary comes from $CRM_SERVER; each server gets its own data folder,
 * and its own PostgreSQL database when $CRM_TEST_DATABASE is set */
typedef struct _CrmTestServer CrmTestServer;

typedef struct
{
  guint               status;
  SoupMessageHeaders *headers;
  GBytes             *body;
  JsonNode           *json;     /* NULL when the body is empty or not JSON */
} CrmTestResponse;

CrmTestServer   *crm_test_server_new           (gboolean          demo);
CrmTestServer   *crm_test_server_new_sibling   (CrmTestServer    *first);
void             crm_test_server_free          (CrmTestServer    *self);
void             crm_test_server_start         (CrmTestServer    *self);
void             crm_test_server_stop          (CrmTestServer    *self);
const char      *crm_test_server_get_url       (CrmTestServer    *self);
const char      *crm_test_server_get_data_dir  (CrmTestServer    *self);
const char      *crm_test_server_get_database  (CrmTestServer    *self);

int              crm_test_server_run           (CrmTestServer    *self,
                                                const char       *stdin_text,
                                                char            **out,
                                                const char       *first_arg,
                                                ...) G_GNUC_NULL_TERMINATED;
char            *crm_test_server_add_user      (CrmTestServer    *self,
                                                const char       *username,
                                                const char       *role,
                                                const char       *manager,
                                                const char       *password);
void             crm_test_server_exec_sql      (CrmTestServer    *self,
                                                const char       *sql);

CrmTestResponse *crm_test_server_request       (CrmTestServer    *self,
                                                const char       *method,
                                                const char       *path,
                                                const char       *token,
                                                const char       *json_body,
                                                ...) G_GNUC_NULL_TERMINATED;
CrmTestResponse *crm_test_server_request_full  (CrmTestServer    *self,
                                                const char       *method,
                                                const char       *path,
                                                const char       *token,
                                                const char       *content_type,
                                                GBytes           *body,
                                                const char * const *headers);
char            *crm_test_server_login         (CrmTestServer    *self,
                                                const char       *username,
                                                const char       *password);

void             crm_test_response_free        (CrmTestResponse  *response);
JsonObject      *crm_test_response_object      (CrmTestResponse  *response);
const char      *crm_test_response_header      (CrmTestResponse  *response,
                                                const char       *name);
void             crm_test_response_assert_error (CrmTestResponse *response,
                                                 guint            status,
                                                 const char      *code);

void             crm_test_assert_integrity     (const char       *db_path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmTestServer, crm_test_server_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmTestResponse, crm_test_response_free)

G_END_DECLS
