/* crm-test-util.c: what the unit tests share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "crm-store-private.h"
#include "crm-test-util.h"

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)))
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          remove_tree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

CrmTestDir *
crm_test_dir_new (void)
{
  g_autoptr(GError) error = NULL;
  CrmTestDir *dir = g_new0 (CrmTestDir, 1);

  dir->path = g_dir_make_tmp ("crm-test-XXXXXX", &error);
  g_assert_no_error (error);
  return dir;
}

void
crm_test_dir_free (CrmTestDir *dir)
{
  remove_tree (dir->path);
  g_free (dir->path);
  g_free (dir);
}

char *
crm_test_dir_file (CrmTestDir *dir,
                   const char *name)
{
  return g_build_filename (dir->path, name, NULL);
}

CrmStore *
crm_test_open_store (CrmTestDir *dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir->path, "default", "crm.db", NULL);
  CrmStore *store = crm_store_open (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

JsonObject *
crm_test_object (const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (json, &error);

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

CrmRecord *
crm_test_create (CrmStore   *store,
                 const char *entity,
                 const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) fields = crm_test_object (json);
  CrmRecord *record = crm_store_create (store, entity, fields, &error);

  g_assert_no_error (error);
  g_assert_nonnull (record);
  return record;
}

char *
crm_test_create_stage (CrmStore *store)
{
  g_autoptr(CrmRecord) stage =
    crm_test_create (store, "stages",
                     "{\"name\":\"Proposal\",\"position\":30,\"probability\":\"50\","
                     "\"forecast_category\":\"best_case\"}");

  return g_strdup (crm_record_get_id (stage));
}

char *
crm_test_create_account (CrmStore   *store,
                         const char *name)
{
  g_autofree char *json = g_strdup_printf ("{\"name\":\"%s\"}", name);
  g_autoptr(CrmRecord) account = crm_test_create (store, "accounts", json);

  return g_strdup (crm_record_get_id (account));
}

gint64
crm_test_count_rows (CrmStore   *store,
                     const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 count;

  g_assert_cmpint (sqlite3_prepare_v2 (_crm_store_get_db (store), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  count = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return count;
}
