/* test-store.c: opening, migrating and refusing databases; transactions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sys/stat.h>

#include "crm-demo.h"
#include "crm-store-private.h"
#include "crm-test-util.h"

static void
test_open_private (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autofree char *path = crm_test_dir_file (dir, "default/crm.db");
  g_autofree char *folder = crm_test_dir_file (dir, "default");
  g_autoptr(CrmRecord) account = NULL;
  GStatBuf st;

  g_assert_cmpstr (crm_store_get_path (store), ==, path);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (folder, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  /* The write-ahead log is as private as the database */
  account = crm_test_create (store, "accounts", "{\"name\":\"Acme\"}");
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);

    g_assert_cmpint (g_stat (wal, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }

  g_assert_cmpint (crm_test_count_rows (store, "PRAGMA foreign_keys"), ==, 1);
  g_assert_cmpint (crm_test_count_rows (store, "PRAGMA synchronous"), ==, 2);  /* FULL */
}

static void
test_open_wal (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (_crm_store_get_db (store), "PRAGMA journal_mode", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "wal");
  sqlite3_finalize (stmt);
}

static void
test_migrate (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autofree char *path = crm_test_dir_file (dir, "old.db");
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;

  /* A database from before any schema: an empty file with version 0 */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 0; CREATE TABLE scratch (x);", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  {
    g_autoptr(CrmStore) store = crm_store_open (path, &error);

    g_assert_no_error (error);
    g_assert_cmpint (crm_store_get_schema_version (store), ==, CRM_STORE_SCHEMA_VERSION);
    g_assert_cmpint (crm_store_count (store, "contacts", &error), ==, 0);
    g_assert_no_error (error);
    /* What was there is kept */
    g_assert_cmpint (crm_test_count_rows (store, "SELECT count(*) FROM scratch"), ==, 0);
    g_clear_object (&store);

    /* Opening again migrates nothing and keeps the data */
    store = crm_store_open (path, &error);
    g_assert_no_error (error);
    g_assert_cmpint (crm_store_get_schema_version (store), ==, CRM_STORE_SCHEMA_VERSION);
  }
}

static void
test_refuse_newer (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autofree char *path = crm_test_dir_file (dir, "default/crm.db");
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) refused = NULL;
  gsize before_len, after_len;
  sqlite3 *db = NULL;

  {
    g_autoptr(CrmStore) store = crm_test_open_store (dir);
    g_autoptr(CrmRecord) account = crm_test_create (store, "accounts", "{\"name\":\"Future Corp\"}");
  }

  /* As a later Crm would leave it */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA journal_mode = DELETE; PRAGMA user_version = 99;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  g_assert_true (g_file_get_contents (path, &before, &before_len, NULL));
  refused = crm_store_open (path, &error);
  g_assert_null (refused);
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_TOO_NEW);
  g_assert_nonnull (strstr (error->message, "newer version"));
  g_assert_nonnull (strstr (error->message, "99"));

  /* Not a byte changed, and no journal switched on */
  g_assert_true (g_file_get_contents (path, &after, &after_len, NULL));
  g_assert_cmpmem (before, before_len, after, after_len);
}

static void
test_not_a_database (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autofree char *path = crm_test_dir_file (dir, "notes.db");
  static const char garbage[] = "These are my notes, not a database. Lorem ipsum dolor sit amet, "
                                "consectetur adipiscing elit, sed do eiusmod tempor incididunt.";
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  gsize after_len;

  g_assert_true (g_file_set_contents (path, garbage, sizeof garbage, NULL));
  store = crm_store_open (path, &error);
  g_assert_null (store);
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_CORRUPT);
  g_assert_true (g_file_get_contents (path, &after, &after_len, NULL));
  g_assert_cmpmem (garbage, sizeof garbage, after, after_len);
}

static void
test_paths (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *explicit = crm_store_dup_profile_path ("/srv/crm", "work", &error);
  g_autofree char *from_env = NULL;
  g_autofree char *from_xdg = NULL;
  g_autofree char *expected_xdg = NULL;
  g_autofree char *bad = NULL;
  g_autofree char *saved = g_strdup (g_getenv ("CRM_DATA_DIR"));

  g_assert_no_error (error);
  g_assert_cmpstr (explicit, ==, "/srv/crm/work/crm.db");

  g_setenv ("CRM_DATA_DIR", "/tmp/from-env", TRUE);
  from_env = crm_store_dup_profile_path (NULL, "default", &error);
  g_assert_cmpstr (from_env, ==, "/tmp/from-env/default/crm.db");

  g_unsetenv ("CRM_DATA_DIR");
  from_xdg = crm_store_dup_profile_path (NULL, "default", &error);
  expected_xdg = g_build_filename (g_get_user_data_dir (), "org.example.Crm", "default", "crm.db", NULL);
  g_assert_cmpstr (from_xdg, ==, expected_xdg);
  if (saved)
    g_setenv ("CRM_DATA_DIR", saved, TRUE);

  for (guint i = 0; i < 5; i++)
    {
      static const char * const bad_names[] = { "", "../etc", "a/b", ".hidden", "spa ce" };

      bad = crm_store_dup_profile_path ("/srv/crm", bad_names[i], &error);
      g_assert_null (bad);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }
  g_assert_true (crm_profile_name_is_valid ("acme-2026_eu"));
}

/* The descriptors and the SQL schema must agree column for column */
static void
test_schema_matches_descriptors (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  const CrmEntity * const *entities;
  guint n_entities;

  entities = crm_entity_list_all (&n_entities);
  g_assert_cmpuint (n_entities, ==, 12);
  for (guint i = 0; i < n_entities; i++)
    {
      static const char * const system[] = {
        "rid", "id", "version", "created_at", "updated_at", "owner_id", "deleted"
      };
      g_autofree char *sql = g_strdup_printf ("PRAGMA table_info (%s)", entities[i]->name);
      sqlite3_stmt *stmt = NULL;
      guint column = 0;

      g_assert_cmpint (sqlite3_prepare_v2 (_crm_store_get_db (store), sql, -1, &stmt, NULL), ==, SQLITE_OK);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          const char *name = (const char *) sqlite3_column_text (stmt, 1);
          const char *type = (const char *) sqlite3_column_text (stmt, 2);

          if (column < G_N_ELEMENTS (system))
            g_assert_cmpstr (name, ==, system[column]);
          else
            {
              const CrmField *field = &entities[i]->fields[column - G_N_ELEMENTS (system)];

              g_assert_cmpuint (column - G_N_ELEMENTS (system), <, entities[i]->n_fields);
              g_assert_cmpstr (name, ==, field->name);
              g_assert_cmpstr (type, ==, crm_field_stores_integer (field) ? "INTEGER" : "TEXT");
            }
          column++;
        }
      sqlite3_finalize (stmt);
      g_assert_cmpuint (column, ==, G_N_ELEMENTS (system) + entities[i]->n_fields);
    }
}

static void
changed_cb (CrmStore   *store,
            const char *entity,
            const char *id,
            int         kind,
            GPtrArray  *seen)
{
  g_ptr_array_add (seen, g_strdup_printf ("%s:%s:%d", entity, id, kind));
}

static void
test_transactions (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmRecord) kept = NULL;
  g_autoptr(CrmRecord) dropped = NULL;
  g_autofree char *expected = NULL;

  g_signal_connect (store, "changed", G_CALLBACK (changed_cb), seen);

  g_assert_true (crm_store_begin (store, &error));
  kept = crm_test_create (store, "accounts", "{\"name\":\"Kept\"}");

  /* A nested change rolled back alone */
  g_assert_true (crm_store_begin (store, &error));
  dropped = crm_test_create (store, "accounts", "{\"name\":\"Dropped\"}");
  crm_store_rollback (store);

  /* Nothing is announced before the outer commit */
  g_assert_cmpuint (seen->len, ==, 0);
  g_assert_true (crm_store_commit (store, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (seen->len, ==, 1);
  expected = g_strdup_printf ("accounts:%s:%d", crm_record_get_id (kept), CRM_CHANGE_CREATED);
  g_assert_cmpstr (g_ptr_array_index (seen, 0), ==, expected);
  g_assert_cmpint (crm_store_count (store, "accounts", NULL), ==, 1);
  g_assert_cmpint (crm_test_count_rows (store, "SELECT count(*) FROM outbox"), ==, 1);

  /* A rolled back outer transaction announces nothing */
  g_assert_true (crm_store_begin (store, &error));
  g_clear_object (&dropped);
  dropped = crm_test_create (store, "accounts", "{\"name\":\"Dropped again\"}");
  crm_store_rollback (store);
  g_assert_cmpuint (seen->len, ==, 1);
  g_assert_cmpint (crm_store_count (store, "accounts", NULL), ==, 1);
}

static void
test_changed_signal (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmRecord) account = NULL;
  g_autoptr(CrmRecord) updated = NULL;
  g_autoptr(JsonObject) changes = crm_test_object ("{\"industry\":\"Retail\"}");
  const char *id;

  g_signal_connect (store, "changed", G_CALLBACK (changed_cb), seen);
  account = crm_test_create (store, "accounts", "{\"name\":\"Signal Co\"}");
  id = crm_record_get_id (account);
  updated = crm_store_update (store, "accounts", id, changes, &error);
  g_assert_no_error (error);
  /* An update that changes nothing is not announced */
  g_clear_object (&updated);
  updated = crm_store_update (store, "accounts", id, changes, &error);
  g_assert_no_error (error);
  g_assert_true (crm_store_delete (store, "accounts", id, &error));

  g_assert_cmpuint (seen->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *expected = g_strdup_printf ("accounts:%s:%u", id, i);
      g_assert_cmpstr (g_ptr_array_index (seen, i), ==, expected);
    }
}

static void
test_settings (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(CrmStore) store = crm_test_open_store (dir);
    g_autofree char *missing = crm_store_dup_setting (store, "company_currency");

    g_assert_null (missing);
    g_assert_true (crm_store_set_setting (store, "company_currency", "EUR", &error));
    g_assert_true (crm_store_set_setting (store, "current_user_id",
                                          "3f0a8a34-8a0c-4c1e-9d67-6d4b1f0c2a11", &error));
    g_assert_no_error (error);
  }
  {
    g_autoptr(CrmStore) store = crm_test_open_store (dir);
    g_autofree char *currency = crm_store_dup_setting (store, "company_currency");
    g_autoptr(CrmRecord) account = crm_test_create (store, "accounts", "{\"name\":\"Owned\"}");

    g_assert_cmpstr (currency, ==, "EUR");
    /* New records belong to the profile's user */
    g_assert_cmpstr (crm_record_get_owner_id (account), ==, "3f0a8a34-8a0c-4c1e-9d67-6d4b1f0c2a11");
  }
}

static void
test_demo (void)
{
  g_autoptr(CrmTestDir) dir1 = crm_test_dir_new ();
  g_autoptr(CrmTestDir) dir2 = crm_test_dir_new ();
  g_autoptr(CrmStore) a = crm_test_open_store (dir1);
  g_autoptr(CrmStore) b = crm_test_open_store (dir2);
  g_autoptr(GDateTime) day = g_date_time_new_utc (2026, 11, 23, 12, 0, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) opps_a = NULL;
  g_autoptr(GPtrArray) opps_b = NULL;
  CrmDemoSize size = { 60, 150, 90 };
  CrmStoreStatus status;

  g_assert_true (crm_demo_seed (a, &size, day, &error));
  g_assert_no_error (error);
  g_assert_true (crm_demo_seed (b, &size, day, &error));
  g_assert_true (crm_demo_is_seeded (a));

  /* Seeding again does nothing */
  g_assert_true (crm_demo_seed (a, &size, day, &error));
  g_assert_cmpint (crm_store_count (a, "accounts", NULL), ==, 60);
  g_assert_cmpint (crm_store_count (a, "contacts", NULL), ==, 150);
  g_assert_cmpint (crm_store_count (a, "opportunities", NULL), ==, 90);
  g_assert_cmpint (crm_store_count (a, "users", NULL), ==, 8);
  g_assert_cmpint (crm_store_count (a, "stages", NULL), ==, 6);

  /* As if synced: versioned, nothing queued */
  g_assert_true (crm_store_get_status (a, &status, &error));
  g_assert_cmpuint (status.pending, ==, 0);

  /* The same seed gives the same company */
  opps_a = crm_store_list (a, "opportunities", NULL, 0, 0, &error);
  opps_b = crm_store_list (b, "opportunities", NULL, 0, 0, &error);
  g_assert_cmpuint (opps_a->len, ==, opps_b->len);
  for (guint i = 0; i < opps_a->len; i++)
    {
      g_autofree char *ja = NULL;
      g_autofree char *jb = NULL;
      CrmRecord *ra = g_ptr_array_index (opps_a, i);
      CrmRecord *rb = g_ptr_array_index (opps_b, i);

      g_assert_cmpstr (crm_record_get_id (ra), ==, crm_record_get_id (rb));
      g_assert_cmpint (crm_record_get_version (ra), ==, 1);
      /* Timestamps differ by the moment of seeding; fields do not */
      crm_record_set_timestamps (ra, "x", "x");
      crm_record_set_timestamps (rb, "x", "x");
      ja = crm_record_to_json_string (ra, FALSE);
      jb = crm_record_to_json_string (rb, FALSE);
      g_assert_cmpstr (ja, ==, jb);
    }
  g_assert_cmpint (crm_test_count_rows (a, "SELECT count(*) FROM pragma_foreign_key_check"), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store/open-private", test_open_private);
  g_test_add_func ("/store/open-wal", test_open_wal);
  g_test_add_func ("/store/migrate", test_migrate);
  g_test_add_func ("/store/refuse-newer", test_refuse_newer);
  g_test_add_func ("/store/not-a-database", test_not_a_database);
  g_test_add_func ("/store/paths", test_paths);
  g_test_add_func ("/store/schema-matches-descriptors", test_schema_matches_descriptors);
  g_test_add_func ("/store/transactions", test_transactions);
  g_test_add_func ("/store/changed-signal", test_changed_signal);
  g_test_add_func ("/store/settings", test_settings);
  g_test_add_func ("/store/demo", test_demo);

  return g_test_run ();
}
