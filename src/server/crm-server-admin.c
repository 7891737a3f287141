/* crm-server-admin.c: seeding and user management from the command line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-server"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "crm-demo.h"
#include "crm-server-admin.h"
#include "crm-server-auth.h"
#include "crm-server-sync.h"
#include "crm-store.h"

#define DEMO_PASSWORD "demo"

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/**
 * crm_server_seed_demo:
 *
 * Seeds the demo company once: the same records the client's demo has
 * (crm-demo.c), and a login for each user with the password "demo".
 */
gboolean
crm_server_seed_demo (CrmServerDb  *db,
                      GError      **error)
{
  g_autofree char *scratch = NULL;
  g_autofree char *path = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autofree char *hash = NULL;
  CrmDemoSize size = CRM_DEMO_SIZE_FULL;
  guint n_entities;
  const CrmEntity * const *entities = crm_entity_list_all (&n_entities);
  gboolean ok = FALSE;

  if (crm_server_db_count_rows (db, "users") > 0)
    return TRUE;

  /* The demo is made once, by the shared seeder, in a scratch store */
  if (!(scratch = g_dir_make_tmp ("crm-server-demo-XXXXXX", error)))
    return FALSE;
  path = g_build_filename (scratch, "demo.db", NULL);
  if (!(store = crm_store_open (path, error)) ||
      !crm_demo_seed (store, &size, NULL, error) ||
      !(hash = crm_server_hash_password (DEMO_PASSWORD, error)))
    goto out;

  if (!crm_server_db_begin (db, TRUE, error))
    goto out;
  /* Another instance on the same database may have seeded meanwhile:
   * the write transaction waited for it, and now sees its users */
  if (crm_server_db_count_rows (db, "users") > 0)
    {
      crm_server_db_rollback (db);
      ok = TRUE;
      goto out;
    }
  for (guint i = 0; i < n_entities; i++)
    {
      g_autoptr(GPtrArray) records = crm_store_list (store, entities[i]->name, NULL, 0, 0, error);

      if (records == NULL)
        goto rollback;
      for (guint j = 0; j < records->len; j++)
        {
          CrmRecord *record = g_ptr_array_index (records, j);

          if (!crm_server_put_seed (db, record, error))
            goto rollback;
          if (g_str_equal (entities[i]->name, "users"))
            {
              const char *email = crm_record_get_string (record, "email");
              g_autofree char *login = g_strndup (email, strcspn (email, "@"));

              if (!crm_server_db_put_login (db, crm_record_get_id (record), login, hash, error))
                goto rollback;
            }
        }
    }
  ok = crm_server_db_commit (db, error);
  goto out;

rollback:
  crm_server_db_rollback (db);
out:
  g_clear_object (&store);
  if (scratch)
    remove_tree (scratch);
  return ok;
}

static char *
find_user (CrmServerDb  *db,
           const char   *username,
           GError      **error)
{
  g_autofree char *user_id = NULL;
  g_autofree char *hash = NULL;

  if (!crm_server_db_get_login (db, username, &user_id, &hash, error))
    return NULL;
  if (user_id == NULL)
    g_set_error (error, CRM_SERVER_ERROR, CRM_SERVER_ERROR_NOT_FOUND, _("No user named “%s”"), username);
  return g_steal_pointer (&user_id);
}

gboolean
crm_server_add_user (CrmServerDb  *db,
                     const char   *username,
                     const char   *role,
                     const char   *manager,
                     const char   *password,
                     char        **out_user_id,
                     GError      **error)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(CrmRecord) record = NULL;
  g_autofree char *manager_id = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *existing = NULL;
  g_autofree char *existing_hash = NULL;
  g_autofree char *now = crm_timestamp_now ();

  if (username == NULL || *username == '\0' || strlen (username) > 64 ||
      strspn (username, "abcdefghijklmnopqrstuvwxyz0123456789._-") != strlen (username))
    {
      g_set_error (error, CRM_SERVER_ERROR, CRM_SERVER_ERROR_BAD_REQUEST,
                   _("A user name is 1 to 64 lower-case letters, digits, “.”, “_” or “-”"));
      return FALSE;
    }
  if (!crm_server_db_get_login (db, username, &existing, &existing_hash, error))
    return FALSE;
  if (existing != NULL)
    {
      g_set_error (error, CRM_SERVER_ERROR, CRM_SERVER_ERROR_CONFLICT,
                   _("There is already a user named “%s”"), username);
      return FALSE;
    }
  if (manager && !(manager_id = find_user (db, manager, error)))
    return FALSE;

  json_object_set_string_member (object, "name", username);
  json_object_set_string_member (object, "role", role ? role : "rep");
  if (manager_id)
    json_object_set_string_member (object, "manager_id", manager_id);
  node = json_node_init_object (json_node_alloc (), object);
  if (!(record = crm_record_new_from_json (crm_entity_lookup ("users"), node, error)) ||
      !(hash = crm_server_hash_password (password, error)))
    return FALSE;
  crm_record_set_timestamps (record, now, now);

  if (!crm_server_db_begin (db, TRUE, error))
    return FALSE;
  if (!crm_server_put_seed (db, record, error) ||
      !crm_server_db_put_login (db, crm_record_get_id (record), username, hash, error) ||
      !crm_server_db_commit (db, error))
    {
      crm_server_db_rollback (db);
      return FALSE;
    }
  if (out_user_id)
    *out_user_id = g_strdup (crm_record_get_id (record));
  return TRUE;
}

gboolean
crm_server_set_password (CrmServerDb  *db,
                         const char   *username,
                         const char   *password,
                         GError      **error)
{
  g_autofree char *user_id = find_user (db, username, error);
  g_autofree char *hash = NULL;

  if (user_id == NULL || !(hash = crm_server_hash_password (password, error)))
    return FALSE;
  if (!crm_server_db_begin (db, TRUE, error))
    return FALSE;
  /* The old password's failures no longer count */
  if (!crm_server_db_put_login (db, user_id, username, hash, error) ||
      !crm_server_db_put_failures (db, username, 0, 0, error) ||
      !crm_server_db_commit (db, error))
    {
      crm_server_db_rollback (db);
      return FALSE;
    }
  return TRUE;
}
