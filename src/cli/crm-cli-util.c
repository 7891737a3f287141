/* crm-cli-util.c: what every crm-cli command shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

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
