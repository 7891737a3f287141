/* crm-json.c: reading JSON from outside, safely
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-json"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "crm-json.h"

/* Measures nesting without parsing: brackets outside strings count */
static gboolean
depth_within (const char *data,
              gsize       length,
              guint       max_depth)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > max_depth)
            return FALSE;
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return TRUE;
}

/**
 * crm_json_parse:
 * @data: bytes from a file, a request or a response
 *
 * Parses untrusted JSON: it must be UTF-8, nest no deeper than
 * %CRM_JSON_MAX_DEPTH and hold a value.
 *
 * Returns: (transfer full): the root, or %NULL with a JSON_PARSER_ERROR
 */
JsonNode *
crm_json_parse (const char  *data,
                gsize        length,
                GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;

  if (!g_utf8_validate_len (data, length, NULL))
    {
      g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA, _("not valid UTF-8"));
      return NULL;
    }
  if (!depth_within (data, length, CRM_JSON_MAX_DEPTH))
    {
      g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
                   _("nested deeper than %d levels"), CRM_JSON_MAX_DEPTH);
      return NULL;
    }
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, length, error))
    return NULL;
  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE, _("empty"));
      return NULL;
    }
  return json_node_copy (json_parser_get_root (parser));
}

/**
 * crm_json_object_get_string:
 *
 * Returns: (nullable): the member's string, or %NULL when @object has no
 *   such member or it is not a string
 */
const char *
crm_json_object_get_string (JsonObject *object,
                            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}
