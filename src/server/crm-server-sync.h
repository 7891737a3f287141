/* crm-server-sync.h: who may see and change what, push and pull
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "crm-record.h"
#include "crm-server-db.h"

G_BEGIN_DECLS

#define CRM_SERVER_ERROR (crm_server_error_quark ())

/* Each maps to one HTTP status; see crm_server_error_status() */
typedef enum
{
  CRM_SERVER_ERROR_BAD_REQUEST,
  CRM_SERVER_ERROR_UNAUTHORIZED,
  CRM_SERVER_ERROR_FORBIDDEN,
  CRM_SERVER_ERROR_NOT_FOUND,
  CRM_SERVER_ERROR_METHOD_NOT_ALLOWED,
  CRM_SERVER_ERROR_GONE,
  CRM_SERVER_ERROR_PRECONDITION_FAILED,
  CRM_SERVER_ERROR_TOO_LARGE,
  CRM_SERVER_ERROR_UNSUPPORTED_MEDIA,
  CRM_SERVER_ERROR_UNPROCESSABLE,
  CRM_SERVER_ERROR_PRECONDITION_REQUIRED,
  CRM_SERVER_ERROR_TOO_MANY_REQUESTS,
  CRM_SERVER_ERROR_UNAVAILABLE,
  CRM_SERVER_ERROR_TOKEN_EXPIRED,
  CRM_SERVER_ERROR_CONFLICT,
} CrmServerError;

typedef struct _CrmServerAccess CrmServerAccess;

GQuark           crm_server_error_quark     (void);
guint            crm_server_error_status    (const GError      *error);
const char      *crm_server_error_code      (const GError      *error);

CrmServerAccess *crm_server_access_load     (CrmServerDb       *db,
                                             const char        *user_id,
                                             GError           **error);
CrmServerAccess *crm_server_access_ref      (CrmServerAccess   *access);
void             crm_server_access_free     (CrmServerAccess   *access);
const char      *crm_server_access_get_user_id (CrmServerAccess *access);
gboolean         crm_server_access_can_read (CrmServerAccess   *access,
                                             const CrmServerRow *row);
void             crm_server_access_filter   (CrmServerAccess   *access,
                                             CrmServerFilter   *filter);
gboolean         crm_server_access_can_write (CrmServerAccess  *access,
                                             const CrmServerRow *row);

const char      *crm_server_subject_field   (const char        *entity);

JsonNode        *crm_server_push_in         (CrmServerDb       *db,
                                             CrmServerAccess   *access,
                                             JsonNode          *body,
                                             GError           **error);
JsonNode        *crm_server_push            (CrmServerDb       *db,
                                             CrmServerAccess   *access,
                                             JsonNode          *body,
                                             GError           **error);
JsonNode        *crm_server_apply           (CrmServerDb       *db,
                                             CrmServerAccess   *access,
                                             JsonObject        *mutation,
                                             GError           **error);
char            *crm_server_pull            (CrmServerDb       *db,
                                             CrmServerAccess   *access,
                                             const char        *cursor,
                                             guint              limit,
                                             GError           **error);
gboolean         crm_server_put_seed        (CrmServerDb       *db,
                                             CrmRecord         *record,
                                             GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmServerAccess, crm_server_access_free)

G_END_DECLS
