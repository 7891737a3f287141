/* crm-cli-util.h: what every crm-cli command shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "crm-entity.h"
#include "crm-store.h"

G_BEGIN_DECLS

/* Exit status of a command used wrongly or given a wrong value */
#define CRM_CLI_EXIT_USAGE 2

/* Prints "crm-cli: MESSAGE" on one line to stderr; returns @status */
int       crm_cli_fail       (int          status,
                              const char  *format,
                              ...) G_GNUC_PRINTF (2, 3);
/* The profile's store; @profile %NULL is "default" */
CrmStore *crm_cli_open_store (const char  *data_dir,
                              const char  *profile,
                              GError     **error);

/* key=value arguments as @entity's field values, checked before anything
 * is opened or written; "id" passes as it is when @allow_id */
JsonObject *crm_cli_parse_assignments (const CrmEntity  *entity,
                                       int               argc,
                                       char            **argv,
                                       gboolean          allow_id,
                                       GError          **error);

G_END_DECLS
