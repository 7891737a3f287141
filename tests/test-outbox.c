/* test-outbox.c: every local edit queues exactly what changed, atomically
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "crm-store-private.h"
#include "crm-test-util.h"

static JsonObject *
outbox_entry (CrmStore *store,
              guint     index)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) outbox = crm_store_dup_outbox (store, &error);
  JsonArray *array;

  g_assert_no_error (error);
  array = json_node_get_array (outbox);
  g_assert_cmpuint (index, <, json_array_get_length (array));
  return json_object_ref (json_array_get_object_element (array, index));
}

/* A record as the server sent it: synced, at @version */
static CrmRecord *
put_synced_account (CrmStore   *store,
                    const char *name,
                    const char *industry,
                    gint64      version)
{
  g_autoptr(GError) error = NULL;
  CrmRecord *record = crm_record_new (crm_entity_lookup ("accounts"), NULL);
  JsonNode *value = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (value, name);
  crm_record_take_field (record, "name", value);
  value = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (value, industry);
  crm_record_take_field (record, "industry", value);
  crm_record_set_version (record, version);
  g_assert_true (_crm_store_put_synced (store, record, &error));
  g_assert_no_error (error);
  return record;
}

static void
test_entries (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmRecord) fresh = crm_test_create (store, "accounts", "{\"name\":\"Acme\",\"industry\":\"Retail\"}");
  g_autoptr(CrmRecord) synced = put_synced_account (store, "Globex", "Retail", 4);
  g_autoptr(JsonObject) changes = crm_test_object ("{\"industry\":\"Logistics\",\"phone\":\"+49 30 1\"}");
  g_autoptr(CrmRecord) updated = NULL;
  g_autoptr(JsonObject) create = NULL;
  g_autoptr(JsonObject) update = NULL;
  g_autoptr(JsonObject) delete = NULL;
  JsonObject *fields;
  CrmStoreStatus status;

  updated = crm_store_update (store, "accounts", crm_record_get_id (synced), changes, &error);
  g_assert_no_error (error);

  create = outbox_entry (store, 0);
  g_assert_cmpstr (json_object_get_string_member (create, "op"), ==, "create");
  g_assert_cmpstr (json_object_get_string_member (create, "entity"), ==, "accounts");
  g_assert_cmpstr (json_object_get_string_member (create, "id"), ==, crm_record_get_id (fresh));
  g_assert_cmpint (json_object_get_int_member (create, "base_version"), ==, 0);
  g_assert_true (crm_is_uuid (json_object_get_string_member (create, "mutation_id")));
  fields = json_object_get_object_member (create, "fields");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (fields, "name"), "new"), ==, "Acme");
  g_assert_true (json_object_get_null_member (json_object_get_object_member (fields, "name"), "old"));
  /* Fields without a value are not sent */
  g_assert_false (json_object_has_member (fields, "website"));

  /* An update carries only what changed, with old and new values, and
   * the version it was made on */
  update = outbox_entry (store, 1);
  g_assert_cmpstr (json_object_get_string_member (update, "op"), ==, "update");
  g_assert_cmpint (json_object_get_int_member (update, "base_version"), ==, 4);
  fields = json_object_get_object_member (update, "fields");
  g_assert_cmpuint (json_object_get_size (fields), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (fields, "industry"), "old"), ==, "Retail");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (fields, "industry"), "new"), ==, "Logistics");
  g_assert_true (json_object_get_null_member (json_object_get_object_member (fields, "phone"), "old"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (fields, "phone"), "new"), ==, "+49 30 1");

  /* Deleting a record the server has replaces its unsent update */
  g_assert_true (crm_store_delete (store, "accounts", crm_record_get_id (synced), &error));
  delete = outbox_entry (store, 1);
  g_assert_cmpstr (json_object_get_string_member (delete, "op"), ==, "delete");
  g_assert_cmpint (json_object_get_int_member (delete, "base_version"), ==, 4);
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (delete, "fields")), ==, 0);

  /* Mutation ids are unique */
  g_assert_cmpstr (json_object_get_string_member (create, "mutation_id"), !=,
                   json_object_get_string_member (delete, "mutation_id"));

  g_assert_true (crm_store_get_status (store, &status, &error));
  g_assert_cmpuint (status.pending, ==, 2);
  g_assert_cmpuint (status.conflicts, ==, 0);
}

/* Edits made offline fold together until a push carries them */
static void
test_squash (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmRecord) account = crm_test_create (store, "accounts", "{\"name\":\"Draft\",\"industry\":\"Retail\"}");
  g_autoptr(CrmRecord) synced = put_synced_account (store, "Server Co", "Energy", 2);
  g_autoptr(CrmRecord) gone = crm_test_create (store, "accounts", "{\"name\":\"Short-lived\"}");
  g_autoptr(JsonObject) rename = crm_test_object ("{\"name\":\"Final\",\"industry\":null}");
  g_autoptr(JsonObject) first = crm_test_object ("{\"industry\":\"Retail\",\"phone\":\"1\"}");
  g_autoptr(JsonObject) second = crm_test_object ("{\"industry\":\"Energy\",\"phone\":\"2\"}");
  g_autoptr(JsonObject) entry = NULL;
  g_autoptr(CrmRecord) r1 = NULL;
  g_autoptr(CrmRecord) r2 = NULL;
  g_autoptr(CrmRecord) r3 = NULL;
  JsonObject *fields;

  /* create + update = one create with the latest values */
  r1 = crm_store_update (store, "accounts", crm_record_get_id (account), rename, &error);
  g_assert_no_error (error);
  entry = outbox_entry (store, 0);
  g_assert_cmpstr (json_object_get_string_member (entry, "op"), ==, "create");
  fields = json_object_get_object_member (entry, "fields");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (fields, "name"), "new"), ==, "Final");
  g_assert_false (json_object_has_member (fields, "industry"));

  /* update + update = one update; a field changed back is dropped */
  r2 = crm_store_update (store, "accounts", crm_record_get_id (synced), first, &error);
  r3 = crm_store_update (store, "accounts", crm_record_get_id (synced), second, &error);
  g_assert_no_error (error);
  g_clear_pointer (&entry, json_object_unref);
  entry = outbox_entry (store, 2);
  g_assert_cmpstr (json_object_get_string_member (entry, "op"), ==, "update");
  fields = json_object_get_object_member (entry, "fields");
  g_assert_cmpuint (json_object_get_size (fields), ==, 1);
  g_assert_true (json_object_get_null_member (json_object_get_object_member (fields, "phone"), "old"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (fields, "phone"), "new"), ==, "2");

  /* create + delete = nothing */
  g_assert_true (crm_store_delete (store, "accounts", crm_record_get_id (gone), &error));
  g_assert_cmpint (crm_test_count_rows (store, "SELECT count(*) FROM outbox"), ==, 2);

  /* Once a push has carried an entry, later edits queue anew */
  g_assert_cmpint (sqlite3_exec (_crm_store_get_db (store), "UPDATE outbox SET attempts = 1", NULL, NULL, NULL), ==, SQLITE_OK);
  g_clear_object (&r1);
  g_clear_pointer (&rename, json_object_unref);
  rename = crm_test_object ("{\"name\":\"After push\"}");
  r1 = crm_store_update (store, "accounts", crm_record_get_id (account), rename, &error);
  g_assert_no_error (error);
  g_assert_cmpint (crm_test_count_rows (store, "SELECT count(*) FROM outbox"), ==, 3);
  g_assert_true (crm_store_delete (store, "accounts", crm_record_get_id (account), &error));
  /* The unsent update goes; the sent create needs its delete */
  g_assert_cmpint (crm_test_count_rows (store, "SELECT count(*) FROM outbox WHERE op = 'delete'"), ==, 1);
  g_assert_cmpint (crm_test_count_rows (store, "SELECT count(*) FROM outbox"), ==, 3);
}

static void
test_base_version (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmRecord) synced = crm_record_new (crm_entity_lookup ("accounts"), NULL);
  g_autoptr(JsonObject) changes = crm_test_object ("{\"name\":\"Renamed\"}");
  g_autoptr(CrmRecord) updated = NULL;
  g_autoptr(JsonObject) entry = NULL;
  JsonNode *name = json_node_new (JSON_NODE_VALUE);

  /* A record as the server sent it, at version 7 */
  json_node_set_string (name, "From the server");
  crm_record_take_field (synced, "name", name);
  crm_record_set_version (synced, 7);
  g_assert_true (_crm_store_put_synced (store, synced, &error));
  g_assert_no_error (error);
  g_assert_cmpint (crm_test_count_rows (store, "SELECT count(*) FROM outbox"), ==, 0);

  updated = crm_store_update (store, "accounts", crm_record_get_id (synced), changes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (crm_record_get_version (updated), ==, 7);
  entry = outbox_entry (store, 0);
  g_assert_cmpint (json_object_get_int_member (entry, "base_version"), ==, 7);
}

/* A failure between the row and its outbox entry must leave neither */
static void
test_atomic_create (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) fields = crm_test_object ("{\"name\":\"Half written\"}");
  g_autoptr(CrmRecord) record = NULL;
  sqlite3 *db = _crm_store_get_db (store);

  g_assert_cmpint (sqlite3_exec (db,
                                 "CREATE TEMP TRIGGER fail_outbox BEFORE INSERT ON outbox "
                                 "BEGIN SELECT RAISE (ABORT, 'injected failure'); END",
                                 NULL, NULL, NULL), ==, SQLITE_OK);

  record = crm_store_create (store, "accounts", fields, &error);
  g_assert_null (record);
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_CONSTRAINT);
  g_assert_nonnull (strstr (error->message, "injected failure"));
  g_assert_cmpint (crm_test_count_rows (store, "SELECT count(*) FROM accounts"), ==, 0);
  g_assert_cmpint (crm_test_count_rows (store, "SELECT count(*) FROM outbox"), ==, 0);
  g_assert_cmpint (crm_test_count_rows (store, "SELECT count(*) FROM accounts_fts WHERE accounts_fts MATCH 'half'"), ==, 0);
  /* No transaction is left open */
  g_assert_true (sqlite3_get_autocommit (db));

  /* And the store still works */
  g_assert_cmpint (sqlite3_exec (db, "DROP TRIGGER fail_outbox", NULL, NULL, NULL), ==, SQLITE_OK);
  g_clear_error (&error);
  record = crm_store_create (store, "accounts", fields, &error);
  g_assert_no_error (error);
  g_assert_cmpint (crm_test_count_rows (store, "SELECT count(*) FROM outbox"), ==, 1);
}

static void
test_atomic_update_delete (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmRecord) account = crm_test_create (store, "accounts", "{\"name\":\"Stable\"}");
  g_autoptr(JsonObject) changes = crm_test_object ("{\"name\":\"Changed\"}");
  g_autoptr(CrmRecord) updated = NULL;
  g_autoptr(CrmRecord) reloaded = NULL;
  sqlite3 *db = _crm_store_get_db (store);
  const char *id = crm_record_get_id (account);

  g_assert_cmpint (sqlite3_exec (db,
                                 "CREATE TEMP TRIGGER fail_outbox BEFORE INSERT ON outbox "
                                 "BEGIN SELECT RAISE (ABORT, 'injected failure'); END;"
                                 "CREATE TEMP TRIGGER fail_outbox_update BEFORE UPDATE ON outbox "
                                 "BEGIN SELECT RAISE (ABORT, 'injected failure'); END;"
                                 "CREATE TEMP TRIGGER fail_outbox_delete BEFORE DELETE ON outbox "
                                 "BEGIN SELECT RAISE (ABORT, 'injected failure'); END;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);

  updated = crm_store_update (store, "accounts", id, changes, &error);
  g_assert_null (updated);
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (crm_store_delete (store, "accounts", id, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  reloaded = crm_store_get (store, "accounts", id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (crm_record_get_string (reloaded, "name"), ==, "Stable");
  g_assert_cmpint (crm_test_count_rows (store, "SELECT count(*) FROM outbox"), ==, 1);
  /* Search still finds the old name, not the rolled-back one */
  g_assert_cmpint (crm_test_count_rows (store, "SELECT count(*) FROM accounts_fts WHERE accounts_fts MATCH 'stable'"), ==, 1);
  g_assert_cmpint (crm_test_count_rows (store, "SELECT count(*) FROM accounts_fts WHERE accounts_fts MATCH 'changed'"), ==, 0);
}

/* An edit survives closing the store without a clean shutdown of the
 * process: it is committed when the call returns. */
static void
test_durable (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autofree char *id = NULL;

  {
    g_autoptr(CrmStore) store = crm_test_open_store (dir);
    g_autoptr(CrmRecord) account = crm_test_create (store, "accounts", "{\"name\":\"Durable\"}");

    id = g_strdup (crm_record_get_id (account));
  }
  {
    g_autoptr(CrmStore) store = crm_test_open_store (dir);
    g_autoptr(GError) error = NULL;
    g_autoptr(CrmRecord) account = crm_store_get (store, "accounts", id, &error);
    CrmStoreStatus status;

    g_assert_no_error (error);
    g_assert_cmpstr (crm_record_get_string (account, "name"), ==, "Durable");
    g_assert_true (crm_store_get_status (store, &status, &error));
    g_assert_cmpuint (status.pending, ==, 1);
    {
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (_crm_store_get_db (store), "PRAGMA integrity_check",
                                           -1, &stmt, NULL), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
      sqlite3_finalize (stmt);
    }
  }
}

/* Every queued entry is refused by the server, as a push result would */
static void
reject_all (CrmStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) sent = _crm_store_take_outbox_batch (store, 100, &error);
  g_autoptr(JsonArray) results = json_array_new ();
  CrmPushTally tally = { 0 };

  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (sent); i++)
    {
      JsonObject *result = json_object_new ();

      json_object_set_string_member (result, "mutation_id",
                                     json_object_get_string_member (json_array_get_object_element (sent, i),
                                                                    "mutation_id"));
      json_object_set_string_member (result, "status", "rejected");
      json_object_set_string_member (result, "error", "name: already taken");
      json_array_add_object_element (results, result);
    }
  g_assert_true (_crm_store_apply_push_results (store, sent, results, &tally, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tally.rejected, ==, json_array_get_length (sent));
}

/* The queued entry of record @id */
static JsonObject *
entry_of (CrmStore   *store,
          const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) outbox = crm_store_dup_outbox (store, &error);
  JsonArray *array = json_node_get_array (outbox);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *entry = json_array_get_object_element (array, i);

      if (g_strcmp0 (json_object_get_string_member (entry, "id"), id) == 0)
        return json_object_ref (entry);
    }
  return NULL;
}

/* A refused change keeps its data until the user decides: sent again (under
 * a new mutation id, since the server remembers its answer to the old one)
 * or discarded, which takes it back here: a new record goes, an edit
 * returns to the values before it, a delete is undone */
static void
test_rejected_retry_discard (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmRecord) fresh = crm_test_create (store, "accounts", "{\"name\":\"Acme\"}");
  g_autoptr(CrmRecord) edited = put_synced_account (store, "Globex", "Retail", 4);
  g_autoptr(CrmRecord) retried = put_synced_account (store, "Hooli", "Retail", 2);
  g_autoptr(CrmRecord) deleted = put_synced_account (store, "Initech", "Software", 7);
  g_autoptr(JsonObject) to_logistics = crm_test_object ("{\"industry\":\"Logistics\"}");
  g_autoptr(JsonObject) to_media = crm_test_object ("{\"industry\":\"Media\"}");
  g_autoptr(CrmRecord) updated = crm_store_update (store, "accounts", crm_record_get_id (edited), to_logistics, &error);
  g_autoptr(CrmRecord) updated2 = crm_store_update (store, "accounts", crm_record_get_id (retried), to_media, &error);
  g_autoptr(JsonObject) refused = NULL;
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(CrmRecord) back = NULL;
  g_autoptr(CrmRecord) restored = NULL;
  g_autoptr(CrmRecord) gone = NULL;
  CrmStoreStatus status;

  g_assert_no_error (error);
  g_assert_true (crm_store_delete (store, "accounts", crm_record_get_id (deleted), &error));
  g_assert_no_error (error);
  reject_all (store);
  g_assert_true (crm_store_get_status (store, &status, &error));
  g_assert_cmpuint (status.rejected, ==, 4);

  /* Sent again: pending, under a new mutation id, with the same change */
  refused = entry_of (store, crm_record_get_id (retried));
  g_assert_cmpstr (json_object_get_string_member (refused, "state"), ==, "rejected");
  g_assert_cmpstr (json_object_get_string_member (refused, "error"), ==, "name: already taken");
  g_assert_true (crm_store_retry_rejected (store, json_object_get_string_member (refused, "mutation_id"), &error));
  g_assert_no_error (error);
  again = entry_of (store, crm_record_get_id (retried));
  g_assert_cmpstr (json_object_get_string_member (again, "state"), ==, "pending");
  g_assert_cmpstr (json_object_get_string_member (again, "mutation_id"), !=,
                   json_object_get_string_member (refused, "mutation_id"));
  g_assert_true (json_node_equal (json_object_get_member (again, "fields"), json_object_get_member (refused, "fields")));

  /* Discarded: each kind taken back */
  for (const char *id_list[] = { crm_record_get_id (fresh), crm_record_get_id (edited), crm_record_get_id (deleted) },
       **id = id_list; id < id_list + 3; id++)
    {
      g_autoptr(JsonObject) entry = entry_of (store, *id);

      g_assert_true (crm_store_discard_rejected (store, json_object_get_string_member (entry, "mutation_id"), &error));
      g_assert_no_error (error);
      g_clear_pointer (&entry, json_object_unref);
      entry = entry_of (store, *id);
      g_assert_null (entry);
    }
  gone = crm_store_get (store, "accounts", crm_record_get_id (fresh), &error);
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND);
  g_assert_null (gone);
  g_clear_error (&error);
  back = crm_store_get (store, "accounts", crm_record_get_id (edited), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (crm_record_get_string (back, "industry"), ==, "Retail");
  g_assert_cmpint (crm_record_get_version (back), ==, 4);
  restored = crm_store_get (store, "accounts", crm_record_get_id (deleted), &error);
  g_assert_no_error (error);
  g_assert_false (crm_record_get_deleted (restored));

  g_assert_true (crm_store_get_status (store, &status, &error));
  g_assert_cmpuint (status.rejected, ==, 0);
  g_assert_cmpuint (status.pending, ==, 1);

  /* Only refused entries can be retried or discarded */
  g_assert_false (crm_store_discard_rejected (store, json_object_get_string_member (again, "mutation_id"), &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/outbox/entries", test_entries);
  g_test_add_func ("/outbox/squash", test_squash);
  g_test_add_func ("/outbox/base-version", test_base_version);
  g_test_add_func ("/outbox/atomic-create", test_atomic_create);
  g_test_add_func ("/outbox/atomic-update-delete", test_atomic_update_delete);
  g_test_add_func ("/outbox/durable", test_durable);
  g_test_add_func ("/outbox/rejected-retry-discard", test_rejected_retry_discard);

  return g_test_run ();
}
