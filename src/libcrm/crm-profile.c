/* crm-profile.c: profiles in the data dir, and signing one in to a server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-profile"

#include "config.h"

#include "crm-credentials.h"
#include "crm-http.h"
#include "crm-profile.h"

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

char **
crm_profile_list (const char *data_dir)
{
  g_autofree char *base = crm_store_dup_base_dir (data_dir);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = g_dir_open (base, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *db = g_build_filename (base, name, "crm.db", NULL);

      if (crm_profile_name_is_valid (name) && g_file_test (db, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

gboolean
crm_profile_login (CrmStore    *store,
                   const char  *server,
                   const char  *user,
                   const char  *password,
                   gboolean     remember_password,
                   const char  *fingerprint,
                   GError     **error)
{
  g_autoptr(CrmHttp) http = NULL;
  g_autofree char *token = NULL;
  g_autofree char *user_id = NULL;
  g_autofree char *expires_at = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (server != NULL && user != NULL && password != NULL, FALSE);

  http = crm_http_new (server, fingerprint);
  if (!crm_http_login (http, user, password, &token, &user_id, &expires_at, error))
    return FALSE;

  /* Secrets only in the keyring; without one, nothing is stored */
  if (!crm_credentials_store (server, user, CRM_CREDENTIALS_TOKEN, token, error) ||
      (remember_password &&
       !crm_credentials_store (server, user, CRM_CREDENTIALS_PASSWORD, password, error)))
    {
      crm_credentials_clear (server, user, NULL);
      return FALSE;
    }
  if (!remember_password)
    crm_credentials_forget (server, user, CRM_CREDENTIALS_PASSWORD, NULL);

  return crm_store_set_connection (store, server, user, user_id, fingerprint, error);
}
