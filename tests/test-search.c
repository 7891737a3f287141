/* test-search.c: full-text prefix search, kept in step with every edit
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "crm-store-private.h"
#include "crm-test-util.h"

typedef struct
{
  CrmTestDir *dir;
  CrmStore   *store;
  char       *account;
  char       *contact;
  char       *opportunity;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *stage = NULL;
  g_autofree char *opp_json = NULL;
  g_autofree char *contact_json = NULL;
  g_autoptr(CrmRecord) contact = NULL;
  g_autoptr(CrmRecord) opp = NULL;
  g_autoptr(CrmRecord) other = NULL;

  f->dir = crm_test_dir_new ();
  f->store = crm_test_open_store (f->dir);
  stage = crm_test_create_stage (f->store);
  f->account = crm_test_create_account (f->store, "Nakatomi Trading");
  contact_json = g_strdup_printf ("{\"first_name\":\"Grace\",\"last_name\":\"Müller\",\"title\":\"Head of Procurement\","
                                  "\"account_id\":\"%s\",\"emails\":[{\"type\":\"work\",\"value\":\"grace@nakatomi.example\"}],"
                                  "\"phones\":[{\"type\":\"mobile\",\"value\":\"+49 170 5550123\"}]}", f->account);
  contact = crm_test_create (f->store, "contacts", contact_json);
  f->contact = g_strdup (crm_record_get_id (contact));
  opp_json = g_strdup_printf ("{\"name\":\"Nakatomi platform licence\",\"stage_id\":\"%s\",\"currency\":\"EUR\","
                              "\"next_step\":\"Schedule demo\"}", stage);
  opp = crm_test_create (f->store, "opportunities", opp_json);
  f->opportunity = g_strdup (crm_record_get_id (opp));
  other = crm_test_create (f->store, "contacts", "{\"first_name\":\"Alan\",\"last_name\":\"Turing\"}");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->store);
  crm_test_dir_free (f->dir);
  g_free (f->account);
  g_free (f->contact);
  g_free (f->opportunity);
}

static guint
count_hits (CrmStore   *store,
            const char *entity,
            const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = crm_store_list (store, entity, text, 0, 0, &error);

  g_assert_no_error (error);
  return hits->len;
}

static gboolean
search_finds (CrmStore   *store,
              const char *text,
              const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = crm_store_search (store, text, 20, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < hits->len; i++)
    if (g_str_equal (crm_record_get_id (g_ptr_array_index (hits, i)), id))
      return TRUE;
  return FALSE;
}

static void
test_prefix (Fixture       *f,
             gconstpointer  data)
{
  /* As a user types, each prefix finds the record */
  g_assert_cmpuint (count_hits (f->store, "contacts", "g"), ==, 1);
  g_assert_cmpuint (count_hits (f->store, "contacts", "gr"), ==, 1);
  g_assert_cmpuint (count_hits (f->store, "contacts", "grace"), ==, 1);
  g_assert_cmpuint (count_hits (f->store, "contacts", "gracey"), ==, 0);
  /* Every word must match, in any order */
  g_assert_cmpuint (count_hits (f->store, "contacts", "mül gra"), ==, 1);
  g_assert_cmpuint (count_hits (f->store, "contacts", "grace turing"), ==, 0);
  /* Title, email and phone are searched too */
  g_assert_cmpuint (count_hits (f->store, "contacts", "procure"), ==, 1);
  g_assert_cmpuint (count_hits (f->store, "contacts", "grace@naka"), ==, 1);
  g_assert_cmpuint (count_hits (f->store, "contacts", "555012"), ==, 1);
  g_assert_cmpuint (count_hits (f->store, "accounts", "naka"), ==, 1);
  g_assert_cmpuint (count_hits (f->store, "opportunities", "platf"), ==, 1);
  g_assert_cmpuint (count_hits (f->store, "opportunities", "schedule"), ==, 1);
}

static void
test_case_and_accents (Fixture       *f,
                       gconstpointer  data)
{
  g_assert_cmpuint (count_hits (f->store, "contacts", "GRACE"), ==, 1);
  g_assert_cmpuint (count_hits (f->store, "contacts", "muller"), ==, 1);
  g_assert_cmpuint (count_hits (f->store, "contacts", "MÜLL"), ==, 1);
}

static void
test_across_entities (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = crm_store_search (f->store, "nakatomi", 20, &error);
  gboolean saw_account = FALSE, saw_contact = FALSE, saw_opp = FALSE;

  g_assert_no_error (error);
  for (guint i = 0; i < hits->len; i++)
    {
      const char *id = crm_record_get_id (g_ptr_array_index (hits, i));

      saw_account |= g_str_equal (id, f->account);
      saw_contact |= g_str_equal (id, f->contact);
      saw_opp |= g_str_equal (id, f->opportunity);
    }
  g_assert_true (saw_account);
  g_assert_true (saw_contact);  /* by the email's domain */
  g_assert_true (saw_opp);
}

static void
test_follows_edits (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) rename = crm_test_object ("{\"last_name\":\"Hopper\",\"emails\":[]}");
  g_autoptr(CrmRecord) updated = NULL;

  g_assert_true (search_finds (f->store, "müller", f->contact));
  updated = crm_store_update (f->store, "contacts", f->contact, rename, &error);
  g_assert_no_error (error);
  g_assert_false (search_finds (f->store, "müller", f->contact));
  g_assert_false (search_finds (f->store, "grace@nakatomi", f->contact));
  g_assert_true (search_finds (f->store, "hopp", f->contact));
  g_assert_true (search_finds (f->store, "grace hopper", f->contact));

  g_assert_true (crm_store_delete (f->store, "contacts", f->contact, &error));
  g_assert_false (search_finds (f->store, "hopper", f->contact));
  g_assert_cmpuint (count_hits (f->store, "contacts", "grace"), ==, 0);

  /* The index is consistent with its tables */
  g_assert_cmpint (crm_test_count_rows (f->store,
                                        "SELECT count(*) FROM contacts_fts WHERE contacts_fts MATCH 'turing'"), ==, 1);
  g_assert_cmpint (sqlite3_exec (_crm_store_get_db (f->store),
                                 "INSERT INTO contacts_fts (contacts_fts, rank) VALUES ('integrity-check', 0)",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
}

/* Rows made and changed inside one transaction are indexed as they are
 * when it commits */
static void
test_same_transaction (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmRecord) renamed = NULL;
  g_autoptr(CrmRecord) dropped = NULL;
  g_autoptr(CrmRecord) after = NULL;
  g_autoptr(JsonObject) rename = crm_test_object ("{\"last_name\":\"Zork\"}");

  g_assert_true (crm_store_begin (f->store, &error));
  renamed = crm_test_create (f->store, "contacts", "{\"first_name\":\"Zed\",\"last_name\":\"Zebedee\"}");
  dropped = crm_test_create (f->store, "contacts", "{\"first_name\":\"Ghost\",\"last_name\":\"Vanishing\"}");
  after = crm_store_update (f->store, "contacts", crm_record_get_id (renamed), rename, &error);
  g_assert_no_error (error);
  g_assert_true (crm_store_delete (f->store, "contacts", crm_record_get_id (dropped), &error));
  g_assert_true (crm_store_commit (f->store, &error));
  g_assert_no_error (error);

  g_assert_true (search_finds (f->store, "zork", crm_record_get_id (renamed)));
  g_assert_cmpuint (count_hits (f->store, "contacts", "zebedee"), ==, 0);
  g_assert_cmpuint (count_hits (f->store, "contacts", "vanish"), ==, 0);
  g_assert_cmpint (crm_test_count_rows (f->store, "SELECT count(*) FROM fts_pending"), ==, 0);

  /* Later edits of those rows keep the index whole */
  g_clear_object (&after);
  after = crm_store_update (f->store, "contacts", crm_record_get_id (renamed), rename, &error);
  g_assert_true (crm_store_delete (f->store, "contacts", crm_record_get_id (renamed), &error));
  g_assert_cmpuint (count_hits (f->store, "contacts", "zork"), ==, 0);
  g_assert_cmpint (sqlite3_exec (_crm_store_get_db (f->store),
                                 "INSERT INTO contacts_fts (contacts_fts, rank) VALUES ('integrity-check', 0)",
                                 NULL, NULL, NULL), ==, SQLITE_OK);

  /* A rolled back transaction leaves nothing queued */
  g_assert_true (crm_store_begin (f->store, &error));
  g_clear_object (&dropped);
  dropped = crm_test_create (f->store, "contacts", "{\"first_name\":\"Never\"}");
  crm_store_rollback (f->store);
  g_assert_cmpint (crm_test_count_rows (f->store, "SELECT count(*) FROM fts_pending"), ==, 0);
  g_assert_cmpuint (count_hits (f->store, "contacts", "never"), ==, 0);
}

/* What users type is never FTS5 syntax */
static void
test_hostile_input (Fixture       *f,
                    gconstpointer  data)
{
  static const char * const inputs[] = {
    "\"", "\"grace", "grace\"", "*", "gr*", "AND", "grace AND", "OR turing", "NOT",
    "NEAR(grace turing)", "first_name:grace", "^grace", "(", ")", "-", "+", "'; DROP TABLE contacts; --",
    "{grace}", "   ", "", "\xff\xfe", "grace\tturing",
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) hits = crm_store_search (f->store, inputs[i], 20, &error);
      g_autoptr(GPtrArray) listed = crm_store_list (f->store, "contacts", inputs[i], 0, 0, &error);

      g_assert_no_error (error);
      g_assert_nonnull (hits);
      g_assert_nonnull (listed);
    }
  /* Words inside punctuation still count */
  g_assert_cmpuint (count_hits (f->store, "contacts", "\"grace\""), ==, 1);
  g_assert_cmpuint (count_hits (f->store, "contacts", "first_name:grace"), ==, 0);
  g_assert_cmpuint (count_hits (f->store, "contacts", "(grace)"), ==, 1);
  g_assert_cmpint (crm_store_count (f->store, "contacts", NULL), ==, 2);
}

static void
test_fts_query (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *q1 = _crm_fts_query ("Ada  Love");
  g_autofree char *q2 = _crm_fts_query ("ada@example.com");
  g_autofree char *q3 = _crm_fts_query (" ,.; ");

  g_assert_cmpstr (q1, ==, "\"Ada\"* \"Love\"*");
  g_assert_cmpstr (q2, ==, "\"ada\"* \"example\"* \"com\"*");
  g_assert_null (q3);
}

static void
test_other_entities (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(CrmRecord) product = crm_test_create (f->store, "products",
                                                  "{\"sku\":\"SUP-100%\",\"name\":\"Support 100% cover\","
                                                  "\"unit_price\":\"10\",\"currency\":\"EUR\"}");
  g_autoptr(CrmRecord) other = crm_test_create (f->store, "products",
                                                "{\"sku\":\"SUP-1\",\"name\":\"Support 10 hours\","
                                                "\"unit_price\":\"10\",\"currency\":\"EUR\"}");

  /* Not full-text indexed: a substring of the title, wildcards taken literally */
  g_assert_cmpuint (count_hits (f->store, "products", "support"), ==, 2);
  g_assert_cmpuint (count_hits (f->store, "products", "100%"), ==, 1);
  g_assert_cmpuint (count_hits (f->store, "products", "_"), ==, 0);
  /* Every word must appear; blank text filters nothing */
  g_assert_cmpuint (count_hits (f->store, "products", "sup hour"), ==, 1);
  g_assert_cmpuint (count_hits (f->store, "products", "hour cover"), ==, 0);
  g_assert_cmpuint (count_hits (f->store, "products", "  "), ==, 2);
  g_assert_cmpuint (count_hits (f->store, "contacts", " "), ==, 2);
}

/* Queries: the conditions a view filters by, worked out by the database */
typedef struct
{
  GString *seen;
  guint    rows;
} Rows;

static void
collect_row_cb (const char * const *values,
                gpointer            data)
{
  Rows *rows = data;

  g_string_append_printf (rows->seen, "%s|%s|%s;", values[0], values[1] ? values[1] : "-", values[2] ? values[2] : "-");
  rows->rows++;
}

static char *
create_deal (CrmStore   *store,
             const char *name,
             const char *stage,
             const char *account,
             const char *amount,
             const char *close)
{
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autoptr(CrmRecord) record = NULL;
  g_autoptr(GError) error = NULL;

  json_object_set_string_member (fields, "name", name);
  json_object_set_string_member (fields, "stage_id", stage);
  json_object_set_string_member (fields, "currency", "EUR");
  if (account)
    json_object_set_string_member (fields, "account_id", account);
  if (amount)
    json_object_set_string_member (fields, "amount", amount);
  if (close)
    json_object_set_string_member (fields, "expected_close_date", close);
  record = crm_store_create (store, "opportunities", fields, &error);
  g_assert_no_error (error);
  return g_strdup (crm_record_get_id (record));
}

static gint64
query_count (CrmStore *store,
             CrmQuery *query)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = crm_store_query (store, query, 0, 0, &error);
  gint64 count;

  g_assert_no_error (error);
  count = crm_store_query_count (store, query, &error);
  g_assert_no_error (error);
  /* The count and the records always agree */
  g_assert_cmpint (count, ==, records->len);
  return count;
}

static void
test_query (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *stage = crm_test_create_stage (f->store);
  g_autofree char *other_account = crm_test_create_account (f->store, "Gruber Holdings");
  g_autofree char *a = create_deal (f->store, "Tower refit", stage, f->account, "1000.00", "2026-03-31");
  g_autofree char *b = create_deal (f->store, "Vault upgrade", stage, other_account, "250.50", "2026-04-01");
  g_autofree char *c = create_deal (f->store, "Lobby screens", stage, NULL, NULL, NULL);
  g_autoptr(CrmQuery) all = crm_query_new ("opportunities");
  g_autoptr(CrmQuery) query = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) page = NULL;
  const char *set[] = { f->account, other_account, NULL };
  const char *none[] = { NULL };
  const char *skip[] = { b, NULL };
  const char *fields_wanted[] = { "name", "amount", "expected_close_date", NULL };
  Rows rows = { g_string_new (NULL), 0 };

  /* The fixture's deal and these three */
  g_assert_cmpint (query_count (f->store, all), ==, 4);

  query = crm_query_copy (all);
  crm_query_add_equal (query, "stage_id", stage);
  g_assert_cmpint (query_count (f->store, query), ==, 3);
  crm_query_add_equal (query, "account_id", NULL);
  g_assert_cmpint (query_count (f->store, query), ==, 1);
  g_clear_pointer (&query, crm_query_unref);

  query = crm_query_copy (all);
  crm_query_add_one_of (query, "account_id", set);
  g_assert_cmpint (query_count (f->store, query), ==, 2);
  crm_query_add_not_ids (query, skip);
  g_assert_cmpint (query_count (f->store, query), ==, 1);
  g_clear_pointer (&query, crm_query_unref);
  query = crm_query_copy (all);
  crm_query_add_one_of (query, "account_id", none);
  g_assert_cmpint (query_count (f->store, query), ==, 0);
  g_clear_pointer (&query, crm_query_unref);

  /* A range takes its lower bound and leaves out its upper one, and a
   * deal without a close date is in no range */
  query = crm_query_copy (all);
  crm_query_add_range (query, "expected_close_date", "2026-03-31", "2026-04-01");
  g_assert_cmpint (query_count (f->store, query), ==, 1);
  g_clear_pointer (&query, crm_query_unref);
  query = crm_query_copy (all);
  crm_query_add_range (query, "expected_close_date", NULL, NULL);
  g_assert_cmpint (query_count (f->store, query), ==, 2);
  g_clear_pointer (&query, crm_query_unref);

  /* Words match the deal, or through account_id its account's name */
  query = crm_query_copy (all);
  crm_query_set_search (query, "grub", NULL);
  g_assert_cmpint (query_count (f->store, query), ==, 0);
  crm_query_set_search (query, "grub", "account_id");
  g_assert_cmpint (query_count (f->store, query), ==, 1);
  crm_query_set_search (query, "nakatomi", "account_id");
  g_assert_cmpint (query_count (f->store, query), ==, 2);
  crm_query_set_search (query, "!!", "account_id");
  g_assert_cmpint (query_count (f->store, query), ==, 0);
  crm_query_set_search (query, "  ", "account_id");
  g_assert_true (!crm_query_has_search (query));
  g_assert_cmpint (query_count (f->store, query), ==, 4);
  g_clear_pointer (&query, crm_query_unref);

  /* Pages in the entity's order: close date (none first), then name */
  page = crm_store_query (f->store, all, 2, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 2);
  g_assert_cmpstr (crm_record_get_id (g_ptr_array_index (page, 0)), ==, f->opportunity);
  g_assert_cmpstr (crm_record_get_id (g_ptr_array_index (page, 1)), ==, a);

  /* A few fields of each record, as text, money in its currency */
  g_assert_true (crm_store_query_foreach (f->store, all, fields_wanted, collect_row_cb, &rows, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rows.rows, ==, 4);
  g_assert_nonnull (strstr (rows.seen->str, "Tower refit|1000.00|2026-03-31;"));
  g_assert_nonnull (strstr (rows.seen->str, "Vault upgrade|250.50|2026-04-01;"));
  /* An amount left out is a create's default, zero */
  g_assert_nonnull (strstr (rows.seen->str, "Lobby screens|0.00|-;"));
  g_string_free (rows.seen, TRUE);

  /* Sorted by a field first: money by value, a reference by the title
   * of what it names (no account sorts first), both ways */
  {
    g_autoptr(CrmQuery) sorted = crm_query_copy (all);
    g_autoptr(GPtrArray) by_amount = NULL;
    g_autoptr(GPtrArray) by_account = NULL;

    crm_query_set_order (sorted, "amount", TRUE);
    by_amount = crm_store_query (f->store, sorted, 0, 0, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (crm_record_get_id (g_ptr_array_index (by_amount, 0)), ==, a);
    g_assert_cmpstr (crm_record_get_id (g_ptr_array_index (by_amount, 1)), ==, b);
    crm_query_set_order (sorted, "account_id", FALSE);
    by_account = crm_store_query (f->store, sorted, 0, 0, &error);
    g_assert_no_error (error);
    /* The two without an account (by name: Lobby screens, Nakatomi
     * platform licence), then Gruber Holdings's, then Nakatomi Trading's */
    g_assert_cmpstr (crm_record_get_id (g_ptr_array_index (by_account, 0)), ==, c);
    g_assert_cmpstr (crm_record_get_id (g_ptr_array_index (by_account, 1)), ==, f->opportunity);
    g_assert_cmpstr (crm_record_get_id (g_ptr_array_index (by_account, 2)), ==, b);
    g_assert_cmpstr (crm_record_get_id (g_ptr_array_index (by_account, 3)), ==, a);
    crm_query_set_order (sorted, "lines", FALSE);
    g_assert_null (crm_store_query (f->store, sorted, 0, 0, &error));
    g_assert_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_UNKNOWN_FIELD);
    g_clear_error (&error);
  }

  /* The stamp: the same until a matching record changes */
  {
    g_autofree char *stamp = NULL;
    g_autofree char *again = NULL;
    g_autofree char *after = NULL;
    g_autoptr(JsonObject) changes = json_object_new ();
    g_autoptr(CrmRecord) saved = NULL;
    gint64 count = 0;

    stamp = crm_store_query_dup_stamp (f->store, all, &count, &error);
    g_assert_no_error (error);
    g_assert_cmpint (count, ==, 4);
    again = crm_store_query_dup_stamp (f->store, all, NULL, &error);
    g_assert_cmpstr (stamp, ==, again);
    json_object_set_string_member (changes, "amount", "1000.01");
    saved = crm_store_update (f->store, "opportunities", a, changes, &error);
    g_assert_no_error (error);
    after = crm_store_query_dup_stamp (f->store, all, NULL, &error);
    g_assert_cmpstr (stamp, !=, after);
  }

  /* Money whose currency has other decimals than two: read in its own
   * currency, and sorted by value */
  {
    g_autoptr(JsonObject) fields = json_object_new ();
    g_autoptr(CrmRecord) yen = NULL;
    g_autoptr(CrmQuery) sorted = crm_query_copy (all);
    g_autoptr(GPtrArray) by_amount = NULL;
    Rows yen_rows = { g_string_new (NULL), 0 };

    json_object_set_string_member (fields, "name", "Yen deal");
    json_object_set_string_member (fields, "stage_id", stage);
    json_object_set_string_member (fields, "currency", "JPY");
    json_object_set_string_member (fields, "amount", "1000000");
    yen = crm_store_create (f->store, "opportunities", fields, &error);
    g_assert_no_error (error);
    g_assert_true (crm_store_query_foreach (f->store, all, fields_wanted, collect_row_cb, &yen_rows, &error));
    g_assert_nonnull (strstr (yen_rows.seen->str, "Yen deal|1000000|-;"));
    g_string_free (yen_rows.seen, TRUE);
    crm_query_set_order (sorted, "amount", TRUE);
    by_amount = crm_store_query (f->store, sorted, 0, 0, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (crm_record_get_id (g_ptr_array_index (by_amount, 0)), ==, crm_record_get_id (yen));
    g_assert_true (crm_store_delete (f->store, "opportunities", crm_record_get_id (yen), &error));
  }

  /* A local edit changes the stamp even when another record changed
   * later (a server clock ahead of this one) */
  {
    g_autoptr(CrmRecord) ahead = crm_store_get (f->store, "opportunities", b, NULL);
    g_autoptr(CrmRecord) saved = NULL;
    g_autoptr(JsonObject) changes = json_object_new ();
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;

    crm_record_set_timestamps (ahead, crm_record_get_created_at (ahead), "2099-01-01T00:00:00.000Z");
    g_assert_true (_crm_store_put_synced (f->store, ahead, &error));
    before = crm_store_query_dup_stamp (f->store, all, NULL, &error);
    json_object_set_string_member (changes, "next_step", "Call back");
    saved = crm_store_update (f->store, "opportunities", c, changes, &error);
    g_assert_no_error (error);
    after = crm_store_query_dup_stamp (f->store, all, NULL, &error);
    g_assert_cmpstr (before, !=, after);
  }

  /* Fields that are not the entity's, or cannot be compared as text */
  query = crm_query_copy (all);
  crm_query_add_equal (query, "colour", "red");
  g_assert_null (crm_store_query (f->store, query, 0, 0, &error));
  g_assert_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_UNKNOWN_FIELD);
  g_clear_error (&error);
  g_clear_pointer (&query, crm_query_unref);
  query = crm_query_copy (all);
  crm_query_add_range (query, "amount", "1", "2");
  g_assert_cmpint (crm_store_query_count (f->store, query, &error), ==, -1);
  g_assert_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  g_assert_false (crm_store_query_foreach (f->store, all, (const char *[]) { "name; DROP TABLE x", NULL },
                                           collect_row_cb, &rows, &error));
  g_assert_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_UNKNOWN_FIELD);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/search/prefix", Fixture, NULL, fixture_set_up, test_prefix, fixture_tear_down);
  g_test_add ("/search/case-and-accents", Fixture, NULL, fixture_set_up, test_case_and_accents, fixture_tear_down);
  g_test_add ("/search/across-entities", Fixture, NULL, fixture_set_up, test_across_entities, fixture_tear_down);
  g_test_add ("/search/follows-edits", Fixture, NULL, fixture_set_up, test_follows_edits, fixture_tear_down);
  g_test_add ("/search/same-transaction", Fixture, NULL, fixture_set_up, test_same_transaction, fixture_tear_down);
  g_test_add ("/search/hostile-input", Fixture, NULL, fixture_set_up, test_hostile_input, fixture_tear_down);
  g_test_add ("/search/fts-query", Fixture, NULL, fixture_set_up, test_fts_query, fixture_tear_down);
  g_test_add ("/search/query", Fixture, NULL, fixture_set_up, test_query, fixture_tear_down);
  g_test_add ("/search/other-entities", Fixture, NULL, fixture_set_up, test_other_entities, fixture_tear_down);

  return g_test_run ();
}
