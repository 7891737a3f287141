/* crm-json.h: reading JSON from outside, safely
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Deeper than any document Crm exchanges; json-glib 1.6 parses by
 * recursion, so unbounded nesting would exhaust the stack. */
#define CRM_JSON_MAX_DEPTH 64

JsonNode *crm_json_parse (const char  *data,
                          gsize        length,
                          GError     **error);

/* A string member, or NULL when it is missing or holds another type
 * (json-glib warns when asked for a string a member does not hold) */
const char *crm_json_object_get_string (JsonObject *object,
                                        const char *name);

G_END_DECLS
