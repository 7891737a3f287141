/* crm-cli-util.c: what every crm-cli command shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "crm-cli-util.h"

int
crm_cli_fail (int         status,
              const char *format,
              ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  /* One line, so scripts can show it as it is */
  g_strdelimit (message, "\n", ' ');
  g_printerr ("crm-cli: %s\n", message);
  return status;
}

CrmStore *
crm_cli_open_store (const char  *data_dir,
                    const char  *profile,
                    GError     **error)
{
  g_autofree char *path = crm_store_dup_profile_path (data_dir, profile ? profile : "default", error);

  if (path == NULL)
    return NULL;
  return crm_store_open (path, error);
}

/* Turns key=value arguments into field values, checked against the
 * entity, before anything is opened or written. */
JsonObject *
crm_cli_parse_assignments (const CrmEntity  *entity,
                           int               argc,
                           char            **argv,
                           gboolean          allow_id,
                           GError          **error)
{
  g_autoptr(JsonObject) fields = json_object_new ();

  for (int i = 0; i < argc; i++)
    {
      const char *eq = strchr (argv[i], '=');
      g_autofree char *key = NULL;
      const CrmField *field;
      JsonNode *value;

      if (eq == NULL || eq == argv[i])
        {
          g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE,
                       _("“%s” is not a field assignment like name=value"), argv[i]);
          return NULL;
        }
      key = g_strndup (argv[i], eq - argv[i]);
      if (json_object_has_member (fields, key))
        {
          g_set_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE,
                       _("Field “%s” is given twice"), key);
          return NULL;
        }
      if (allow_id && g_str_equal (key, "id"))
        {
          json_object_set_string_member (fields, key, eq + 1);
          continue;
        }
      if (!(field = crm_entity_get_field_checked (entity, key, error)))
        return NULL;
      if (!(value = crm_field_parse_text (field, eq + 1, error)))
        return NULL;
      json_object_set_member (fields, key, value);
    }

  return g_steal_pointer (&fields);
}
