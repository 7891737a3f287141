/* test-import.c: contacts in and out as vCard and CSV
 *
 * The fixtures are in tests/data: vCard 3.0 and 4.0 (folded lines,
 * UTF-8, several EMAIL and TEL), CSV with quotes, commas and line breaks
 * in fields, and bad files whose fault is on a known line.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-test-import"

#include <gio/gio.h>
#include <string.h>

#include "crm-contacts-io.h"
#include "crm-store-private.h"
#include "crm-test-util.h"

/* Helpers *************************************************************/

static char *
fixture (const char *name,
         gsize      *length)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", name, NULL);
  g_autoptr(GError) error = NULL;
  char *data = NULL;

  g_file_get_contents (path, &data, length, &error);
  g_assert_no_error (error);
  return data;
}

static CrmImportPlan *
parse_fixture (CrmContactsFormat  format,
               const char        *name)
{
  g_autoptr(GError) error = NULL;
  gsize length;
  g_autofree char *data = fixture (name, &length);
  CrmImportPlan *plan = crm_import_plan_parse (format, data, length, &error);

  g_assert_no_error (error);
  g_assert_nonnull (plan);
  return plan;
}

static void
import_text (CrmStore           *store,
             CrmContactsFormat   format,
             const char         *text,
             CrmDuplicateChoice  choice,
             CrmImportResult    *result)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmImportPlan) plan = crm_import_plan_parse (format, text, strlen (text), &error);

  g_assert_no_error (error);
  crm_import_plan_apply (plan, store, choice, result, &error);
  g_assert_no_error (error);
}

static void
import_fixture (CrmStore          *store,
                CrmContactsFormat  format,
                const char        *name,
                CrmImportResult   *result)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmImportPlan) plan = parse_fixture (format, name);

  crm_import_plan_apply (plan, store, CRM_DUPLICATE_MERGE, result, &error);
  g_assert_no_error (error);
}

/* The stored contact with this last name */
static CrmRecord *
find_contact (CrmStore   *store,
              const char *last_name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) contacts = crm_store_list (store, "contacts", NULL, 0, 0, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < contacts->len; i++)
    if (g_strcmp0 (crm_record_get_string (g_ptr_array_index (contacts, i), "last_name"), last_name) == 0)
      return g_object_ref (g_ptr_array_index (contacts, i));
  g_error ("no contact named %s", last_name);
}

static char *
json_of (CrmRecord  *record,
         const char *field)
{
  JsonNode *node = crm_record_get_field (record, field);

  return node ? json_to_string (node, FALSE) : g_strdup ("null");
}

static char *
account_of (CrmStore  *store,
            CrmRecord *contact)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmRecord) account = NULL;
  const char *id = crm_record_get_string (contact, "account_id");

  if (id == NULL)
    return NULL;
  account = crm_store_get (store, "accounts", id, &error);
  g_assert_no_error (error);
  return g_strdup (crm_record_get_string (account, "name"));
}

static void
assert_contact (CrmStore   *store,
                const char *last_name,
                const char *first_name,
                const char *title,
                const char *account,
                const char *emails,
                const char *phones)
{
  g_autoptr(CrmRecord) contact = find_contact (store, last_name);
  g_autofree char *account_name = account_of (store, contact);
  g_autofree char *emails_json = json_of (contact, "emails");
  g_autofree char *phones_json = json_of (contact, "phones");

  g_assert_cmpstr (crm_record_get_string (contact, "first_name"), ==, first_name);
  g_assert_cmpstr (crm_record_get_string (contact, "title"), ==, title);
  g_assert_cmpstr (account_name, ==, account);
  g_assert_cmpstr (emails_json, ==, emails);
  g_assert_cmpstr (phones_json, ==, phones);
}

static gint64
count (CrmStore   *store,
       const char *sql)
{
  return crm_test_count_rows (store, sql);
}

static void
assert_parse_error (CrmContactsFormat  format,
                    const char        *text,
                    gssize             length,
                    int                code,
                    const char        *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmImportPlan) plan = crm_import_plan_parse (format, text, length < 0 ? strlen (text) : (gsize) length,
                                                         &error);

  g_assert_null (plan);
  g_assert_error (error, CRM_CONTACTS_IO_ERROR, code);
  if (!strstr (error->message, message))
    g_error ("“%s” does not say “%s”", error->message, message);
}

/* Cases ***************************************************************/

static void
test_vcard_30 (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autoptr(CrmImportPlan) plan = parse_fixture (CRM_CONTACTS_FORMAT_VCARD, "contacts-3.0.vcf");
  g_autoptr(CrmRecord) ada = NULL;
  g_autoptr(GError) error = NULL;
  CrmImportResult result;

  g_assert_cmpuint (crm_import_plan_get_n_contacts (plan), ==, 2);
  g_assert_true (crm_import_plan_apply (plan, store, CRM_DUPLICATE_MERGE, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.created, ==, 2);
  g_assert_cmpuint (result.merged, ==, 0);
  g_assert_cmpuint (result.skipped, ==, 0);
  g_assert_cmpuint (result.accounts_created, ==, 1);

  assert_contact (store, "Lovelace", "Ada", "Chief Mathematician", "Analytical Engines Ltd",
                  "[{\"type\":\"work\",\"value\":\"ada@engines.example\"},"
                  "{\"type\":\"home\",\"value\":\"ada@home.example\"}]",
                  "[{\"type\":\"work\",\"value\":\"+44 20 7946 0000\"},"
                  "{\"type\":\"mobile\",\"value\":\"+44 7700 900123\"}]");
  assert_contact (store, "Babbage", "Charles", NULL, "Analytical Engines Ltd",
                  "[{\"type\":\"other\",\"value\":\"charles@engines.example\"}]", "[]");
  ada = find_contact (store, "Lovelace");
  g_assert_cmpstr (crm_record_get_string (ada, "address"), ==,
                   "12 St James, Square\nLondon SW1Y 4JH\nUnited Kingdom");
  g_assert_cmpstr (crm_record_get_string (ada, "notes"), ==,
                   "Met at the RSS dinner; wants a demo.\nCall in May.");

  /* Queued for sync: the account and both contacts */
  g_assert_cmpint (count (store, "SELECT count(*) FROM outbox"), ==, 3);
}

static void
test_vcard_40 (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autoptr(CrmRecord) grace = NULL;
  CrmImportResult result;

  import_fixture (store, CRM_CONTACTS_FORMAT_VCARD, "contacts-4.0.vcf", &result);
  g_assert_cmpuint (result.created, ==, 2);

  /* Folded TITLE, three EMAILs, a tel: URI, a quoted TYPE list */
  assert_contact (store, "Hopper", "Grace Brewster",
                  "Rear Admiral and a title long enough that the line has to be folded over two lines",
                  "Navy Computing",
                  "[{\"type\":\"work\",\"value\":\"grace@navy.example\"},"
                  "{\"type\":\"home\",\"value\":\"Grace.Hopper@Home.example\"},"
                  "{\"type\":\"other\",\"value\":\"ghopper@cobol.example\"}]",
                  "[{\"type\":\"mobile\",\"value\":\"+1-202-555-0143\"},"
                  "{\"type\":\"work\",\"value\":\"+1 202 555 0100\"},"
                  "{\"type\":\"fax\",\"value\":\"+1 202 555 0199\"}]");
  grace = find_contact (store, "Hopper");
  g_assert_cmpstr (crm_record_get_string (grace, "notes"), ==, "Zürich office: Bahnhofstraße 1 — ünïcödé ✓");

  /* A card with FN and no N */
  assert_contact (store, "Zola", "Émile", NULL, NULL,
                  "[{\"type\":\"work\",\"value\":\"emile@lettres.example\"}]", "[]");
}

static void
test_csv (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autoptr(CrmImportPlan) plan = parse_fixture (CRM_CONTACTS_FORMAT_CSV, "contacts.csv");
  g_autoptr(CrmRecord) linus = NULL;
  g_autoptr(CrmRecord) margaret = NULL;
  g_autoptr(GError) error = NULL;
  const char * const *ignored;
  CrmImportResult result;

  /* The blank row is no contact */
  g_assert_cmpuint (crm_import_plan_get_n_contacts (plan), ==, 3);
  ignored = crm_import_plan_get_ignored_columns (plan);
  g_assert_cmpstr (ignored[0], ==, "Favourite Colour");
  g_assert_null (ignored[1]);

  crm_import_plan_apply (plan, store, CRM_DUPLICATE_MERGE, &result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result.created, ==, 3);
  g_assert_cmpuint (result.accounts_created, ==, 2);

  assert_contact (store, "Torvalds", "Linus", "Maintainer", "Kernel, Inc.",
                  "[{\"type\":\"work\",\"value\":\"linus@kernel.example\"}]",
                  "[{\"type\":\"mobile\",\"value\":\"+1 503 555 0101\"}]");
  linus = find_contact (store, "Torvalds");
  g_assert_cmpstr (crm_record_get_string (linus, "notes"), ==, "Says \"hi\",\nthen leaves");
  margaret = find_contact (store, "Hamilton");
  g_assert_cmpstr (crm_record_get_string (margaret, "title"), ==, "Director, Software Engineering");
  g_assert_cmpstr (crm_record_get_string (margaret, "notes"), ==, "Line one\nLine two");
}

static void
test_csv_google (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  CrmImportResult result;

  /* Google Contacts' export: numbered values with their types, several
   * values in one cell, a byte order mark */
  import_text (store, CRM_CONTACTS_FORMAT_CSV,
               "\xef\xbb\xbfName,Given Name,Family Name,E-mail 1 - Type,E-mail 1 - Value,"
               "Phone 1 - Type,Phone 1 - Value,Organization 1 - Name,Organization 1 - Title,"
               "Address 1 - Formatted\n"
               "Alan Turing,Alan,Turing,* Work,alan@bletchley.example ::: alan@home.example,"
               "Mobile,+44 7700 900999,Bletchley Park,Cryptanalyst,\"Bletchley Park\nMilton Keynes\"\n"
               "Joan Clarke,,,Home,joan@bletchley.example,,,,,\n",
               CRM_DUPLICATE_MERGE, &result);
  g_assert_cmpuint (result.created, ==, 2);
  assert_contact (store, "Turing", "Alan", "Cryptanalyst", "Bletchley Park",
                  "[{\"type\":\"work\",\"value\":\"alan@bletchley.example\"},"
                  "{\"type\":\"work\",\"value\":\"alan@home.example\"}]",
                  "[{\"type\":\"mobile\",\"value\":\"+44 7700 900999\"}]");
  /* Only a full name: split */
  assert_contact (store, "Clarke", "Joan", NULL, NULL,
                  "[{\"type\":\"home\",\"value\":\"joan@bletchley.example\"}]", "[]");
}

static void
test_bad_vcard (void)
{
  gsize length;
  g_autofree char *bad = fixture ("bad.vcf", &length);
  g_autofree char *bad_email = fixture ("bad-email.vcf", NULL);

  assert_parse_error (CRM_CONTACTS_FORMAT_VCARD, bad, length, CRM_CONTACTS_IO_ERROR_INVALID,
                      "line 10: “this line is not a property” is not a vCard property");
  assert_parse_error (CRM_CONTACTS_FORMAT_VCARD, bad_email, -1, CRM_CONTACTS_IO_ERROR_INVALID,
                      "line 10: emails: “not-an-address” is not an email address");
  assert_parse_error (CRM_CONTACTS_FORMAT_VCARD,
                      "BEGIN:VCARD\nVERSION:3.0\nFN:A B\n\nBEGIN:VCARD\nFN:C D\nEND:VCARD\n", -1,
                      CRM_CONTACTS_IO_ERROR_INVALID, "line 5: a card begins before the card of line 1");
  assert_parse_error (CRM_CONTACTS_FORMAT_VCARD, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A B\r\n", -1,
                      CRM_CONTACTS_IO_ERROR_INVALID, "line 1: the card that begins here has no END:VCARD");
  assert_parse_error (CRM_CONTACTS_FORMAT_VCARD, "\nHello\nBEGIN:VCARD\nFN:A B\nEND:VCARD\n", -1,
                      CRM_CONTACTS_IO_ERROR_INVALID, "line 2: expected BEGIN:VCARD, found “Hello”");
  assert_parse_error (CRM_CONTACTS_FORMAT_VCARD, "BEGIN:VCARD\nVERSION:5.0\nFN:A B\nEND:VCARD\n", -1,
                      CRM_CONTACTS_IO_ERROR_INVALID, "line 2: vCard version “5.0” is not supported");
  assert_parse_error (CRM_CONTACTS_FORMAT_VCARD, "BEGIN:VCARD\nVERSION:4.0\nNOTE:nobody\nEND:VCARD\n", -1,
                      CRM_CONTACTS_IO_ERROR_INVALID, "line 1: the card has no name");
  assert_parse_error (CRM_CONTACTS_FORMAT_VCARD, "BEGIN:VCARD\nFN:A\nEND:VCARD\nBEGIN:VCARD\nFN:B \xff\nEND:VCARD\n", -1,
                      CRM_CONTACTS_IO_ERROR_INVALID, "line 5: the text is not UTF-8");
  assert_parse_error (CRM_CONTACTS_FORMAT_VCARD, "\n\n", -1, CRM_CONTACTS_IO_ERROR_EMPTY, "no contacts");
}

static void
test_bad_csv (void)
{
  gsize length;
  g_autofree char *bad = fixture ("bad-quote.csv", &length);

  assert_parse_error (CRM_CONTACTS_FORMAT_CSV, bad, length, CRM_CONTACTS_IO_ERROR_INVALID,
                      "line 4: a quoted field that begins on this line is never closed");
  assert_parse_error (CRM_CONTACTS_FORMAT_CSV, "first_name,last_name\nAda,Love\"lace\n", -1,
                      CRM_CONTACTS_IO_ERROR_INVALID, "line 2: a stray quote");
  assert_parse_error (CRM_CONTACTS_FORMAT_CSV, "first_name,last_name\n\"Ada\nA\",Lovelace\nAlan,Turing,x\n", -1,
                      CRM_CONTACTS_IO_ERROR_INVALID, "line 4: 3 fields, but the header names 2 columns");
  assert_parse_error (CRM_CONTACTS_FORMAT_CSV, "colour,size\nblue,10\n", -1,
                      CRM_CONTACTS_IO_ERROR_INVALID, "line 1: the first row names no column");
  assert_parse_error (CRM_CONTACTS_FORMAT_CSV, "first_name,email\nAda,ada-at-example\n", -1,
                      CRM_CONTACTS_IO_ERROR_INVALID, "line 2: emails: “ada-at-example” is not an email address");
  assert_parse_error (CRM_CONTACTS_FORMAT_CSV, "first_name,email\n", -1,
                      CRM_CONTACTS_IO_ERROR_EMPTY, "no contacts");
}

static void
test_duplicates_skip (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autoptr(CrmRecord) existing = crm_test_create (store, "contacts",
                                                   "{\"last_name\": \"King\", "
                                                   "\"emails\": [{\"type\": \"work\", \"value\": \"ADA@Engines.Example\"}]}");
  g_autoptr(CrmImportPlan) plan = parse_fixture (CRM_CONTACTS_FORMAT_VCARD, "contacts-3.0.vcf");
  g_autoptr(CrmRecord) after = NULL;
  g_autoptr(GError) error = NULL;
  const char *email, *id;
  CrmImportResult result;
  guint line;

  g_assert_true (crm_import_plan_find_duplicates (plan, store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (crm_import_plan_get_n_duplicates (plan), ==, 1);
  g_assert_true (crm_import_plan_get_duplicate (plan, 0, &line, &email, &id));
  g_assert_cmpuint (line, ==, 1);
  g_assert_cmpstr (email, ==, "ada@engines.example");
  g_assert_cmpstr (id, ==, crm_record_get_id (existing));

  crm_import_plan_apply (plan, store, CRM_DUPLICATE_SKIP, &result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result.created, ==, 1);
  g_assert_cmpuint (result.skipped, ==, 1);
  g_assert_cmpuint (result.merged, ==, 0);

  after = crm_store_get (store, "contacts", crm_record_get_id (existing), &error);
  g_assert_no_error (error);
  g_assert_cmpint (crm_record_get_version (after), ==, crm_record_get_version (existing));
  g_assert_cmpstr (crm_record_get_updated_at (after), ==, crm_record_get_updated_at (existing));
  g_assert_null (crm_record_get_string (after, "first_name"));
  g_assert_cmpint (count (store, "SELECT count(*) FROM contacts"), ==, 2);
}

static void
test_duplicates_merge (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autoptr(CrmRecord) existing = crm_test_create (store, "contacts",
                                                   "{\"last_name\": \"King\", \"notes\": \"Countess\", "
                                                   "\"emails\": [{\"type\": \"work\", \"value\": \"ADA@Engines.Example\"}], "
                                                   "\"phones\": [{\"type\": \"work\", \"value\": \"+44 (20) 7946-0000\"}]}");
  g_autoptr(CrmImportPlan) plan = parse_fixture (CRM_CONTACTS_FORMAT_VCARD, "contacts-3.0.vcf");
  g_autoptr(CrmRecord) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *account = NULL;
  g_autofree char *emails = NULL;
  g_autofree char *phones = NULL;
  CrmImportResult result;
  gint64 outbox_before = count (store, "SELECT count(*) FROM outbox");

  crm_import_plan_apply (plan, store, CRM_DUPLICATE_MERGE, &result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result.created, ==, 1);
  g_assert_cmpuint (result.merged, ==, 1);
  g_assert_cmpuint (result.skipped, ==, 0);

  /* Empty fields filled, what was there kept, new addresses added, the
   * same number written another way not added again */
  after = crm_store_get (store, "contacts", crm_record_get_id (existing), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (crm_record_get_string (after, "last_name"), ==, "King");
  g_assert_cmpstr (crm_record_get_string (after, "first_name"), ==, "Ada");
  g_assert_cmpstr (crm_record_get_string (after, "title"), ==, "Chief Mathematician");
  g_assert_cmpstr (crm_record_get_string (after, "notes"), ==, "Countess");
  account = account_of (store, after);
  g_assert_cmpstr (account, ==, "Analytical Engines Ltd");
  emails = json_of (after, "emails");
  g_assert_cmpstr (emails, ==, "[{\"type\":\"work\",\"value\":\"ADA@Engines.Example\"},"
                               "{\"type\":\"home\",\"value\":\"ada@home.example\"}]");
  phones = json_of (after, "phones");
  g_assert_cmpstr (phones, ==, "[{\"type\":\"work\",\"value\":\"+44 (20) 7946-0000\"},"
                               "{\"type\":\"mobile\",\"value\":\"+44 7700 900123\"}]");

  /* The merge is an edit like any: queued for sync (the unsent create
   * it changes takes it in), and the account and Babbage are queued */
  g_assert_cmpint (count (store, "SELECT count(*) FROM outbox"), >=, outbox_before + 2);
  g_assert_cmpint (count (store, "SELECT count(*) FROM contacts"), ==, 2);
}

static void
test_duplicates_in_file (void)
{
  static const char text[] =
    "first_name,last_name,email,phone\n"
    "Ada,Lovelace,ada@engines.example,\n"
    "Alan,Turing,alan@bletchley.example,\n"
    ",Lovelace-King,ADA@engines.example,+44 1\n";
  g_autoptr(GError) error = NULL;
  CrmImportResult result;

  {
    g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
    g_autoptr(CrmStore) store = crm_test_open_store (dir);
    g_autoptr(CrmImportPlan) plan = crm_import_plan_parse (CRM_CONTACTS_FORMAT_CSV, text, strlen (text), &error);
    const char *id = "not set";
    guint line;

    g_assert_no_error (error);
    crm_import_plan_find_duplicates (plan, store, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (crm_import_plan_get_n_duplicates (plan), ==, 1);
    crm_import_plan_get_duplicate (plan, 0, &line, NULL, &id);
    g_assert_cmpuint (line, ==, 4);
    g_assert_null (id);

    crm_import_plan_apply (plan, store, CRM_DUPLICATE_MERGE, &result, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (result.created, ==, 2);
    g_assert_cmpuint (result.merged, ==, 1);
    assert_contact (store, "Lovelace", "Ada", NULL, NULL,
                    "[{\"type\":\"work\",\"value\":\"ada@engines.example\"}]",
                    "[{\"type\":\"work\",\"value\":\"+44 1\"}]");
  }
  {
    g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
    g_autoptr(CrmStore) store = crm_test_open_store (dir);

    import_text (store, CRM_CONTACTS_FORMAT_CSV, text, CRM_DUPLICATE_SKIP, &result);
    g_assert_cmpuint (result.created, ==, 2);
    g_assert_cmpuint (result.skipped, ==, 1);
    assert_contact (store, "Lovelace", "Ada", NULL, NULL,
                    "[{\"type\":\"work\",\"value\":\"ada@engines.example\"}]", "[]");
  }
}

static void
test_duplicates_choice (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autoptr(CrmImportPlan) plan = NULL;
  g_autoptr(GError) error = NULL;
  CrmImportResult result;

  g_object_unref (crm_test_create (store, "contacts",
                                   "{\"last_name\": \"L\", \"emails\": [{\"value\": \"ada@engines.example\"}]}"));
  g_object_unref (crm_test_create (store, "contacts",
                                   "{\"last_name\": \"B\", \"emails\": [{\"value\": \"charles@engines.example\"}]}"));
  plan = parse_fixture (CRM_CONTACTS_FORMAT_VCARD, "contacts-3.0.vcf");
  crm_import_plan_find_duplicates (plan, store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (crm_import_plan_get_n_duplicates (plan), ==, 2);

  /* The first one skipped; the rest follow the choice for all */
  crm_import_plan_set_choice (plan, 0, CRM_DUPLICATE_SKIP);
  crm_import_plan_apply (plan, store, CRM_DUPLICATE_MERGE, &result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result.created, ==, 0);
  g_assert_cmpuint (result.skipped, ==, 1);
  g_assert_cmpuint (result.merged, ==, 1);
  assert_contact (store, "L", NULL, NULL, NULL, "[{\"type\":\"other\",\"value\":\"ada@engines.example\"}]", "[]");
  assert_contact (store, "B", "Charles", NULL, "Analytical Engines Ltd",
                  "[{\"type\":\"other\",\"value\":\"charles@engines.example\"}]", "[]");
}

static void
test_atomic (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autoptr(CrmImportPlan) plan = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *bad = fixture ("bad.vcf", NULL);
  CrmImportResult result = { 0 };
  gint64 contacts, accounts, outbox;

  g_object_unref (crm_test_create (store, "contacts",
                                   "{\"last_name\": \"Here\", \"emails\": [{\"value\": \"here@example.com\"}]}"));
  contacts = count (store, "SELECT count(*) FROM contacts");
  accounts = count (store, "SELECT count(*) FROM accounts");
  outbox = count (store, "SELECT count(*) FROM outbox");

  /* A bad file: refused before the store is touched */
  g_assert_null (crm_import_plan_parse (CRM_CONTACTS_FORMAT_VCARD, bad, strlen (bad), &error));
  g_assert_error (error, CRM_CONTACTS_IO_ERROR, CRM_CONTACTS_IO_ERROR_INVALID);
  g_clear_error (&error);

  /* A write failing half way (the second card) takes back the first and
   * the account made for it */
  g_assert_cmpint (sqlite3_exec (_crm_store_get_db (store),
                                 "CREATE TEMP TRIGGER refuse BEFORE INSERT ON contacts "
                                 "WHEN NEW.last_name = 'Babbage' BEGIN SELECT RAISE (ABORT, 'refused'); END",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  plan = parse_fixture (CRM_CONTACTS_FORMAT_VCARD, "contacts-3.0.vcf");
  g_assert_false (crm_import_plan_apply (plan, store, CRM_DUPLICATE_MERGE, &result, &error));
  g_assert_nonnull (error);
  g_assert_cmpuint (result.created, ==, 0);

  g_assert_cmpint (count (store, "SELECT count(*) FROM contacts"), ==, contacts);
  g_assert_cmpint (count (store, "SELECT count(*) FROM accounts"), ==, accounts);
  g_assert_cmpint (count (store, "SELECT count(*) FROM outbox"), ==, outbox);
}

/* Every contact as text: name, title, account, points, address, notes */
static char *
describe_contacts (CrmStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) contacts = crm_store_list (store, "contacts", NULL, 0, 0, &error);
  g_autoptr(GString) text = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < contacts->len; i++)
    {
      CrmRecord *contact = g_ptr_array_index (contacts, i);
      g_autofree char *account = account_of (store, contact);
      g_autofree char *emails = json_of (contact, "emails");
      g_autofree char *phones = json_of (contact, "phones");

      g_string_append_printf (text, "%s|%s|%s|%s|%s|%s|%s|%s\n",
                              crm_record_get_string (contact, "first_name"),
                              crm_record_get_string (contact, "last_name"),
                              crm_record_get_string (contact, "title"),
                              account, emails, phones,
                              crm_record_get_string (contact, "address"),
                              crm_record_get_string (contact, "notes"));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
test_round_trip (void)
{
  static const CrmContactsFormat formats[] = {
    CRM_CONTACTS_FORMAT_VCARD, CRM_CONTACTS_FORMAT_VCARD_30, CRM_CONTACTS_FORMAT_CSV,
  };
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autofree char *original = NULL;
  CrmImportResult result;

  import_fixture (store, CRM_CONTACTS_FORMAT_VCARD, "contacts-3.0.vcf", &result);
  import_fixture (store, CRM_CONTACTS_FORMAT_VCARD, "contacts-4.0.vcf", &result);
  import_fixture (store, CRM_CONTACTS_FORMAT_CSV, "contacts.csv", &result);
  g_object_unref (crm_test_create (store, "contacts",
                                   "{\"emails\": [{\"type\": \"x-assistant\", \"value\": \"pa@example.com\"}], "
                                   "\"notes\": \"Commas, semicolons; backslashes \\\\ and \\\"quotes\\\"\"}"));
  original = describe_contacts (store);

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autoptr(CrmTestDir) other_dir = crm_test_dir_new ();
      g_autoptr(CrmStore) other = crm_test_open_store (other_dir);
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;
      g_autofree char *copy = NULL;
      guint n = 0;

      text = crm_contacts_export (store, NULL, formats[i], &n, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (n, ==, 8);
      if (formats[i] == CRM_CONTACTS_FORMAT_VCARD)
        g_assert_true (g_str_has_prefix (text, "BEGIN:VCARD\r\nVERSION:4.0\r\n"));
      else if (formats[i] == CRM_CONTACTS_FORMAT_VCARD_30)
        g_assert_true (g_str_has_prefix (text, "BEGIN:VCARD\r\nVERSION:3.0\r\n"));
      else
        g_assert_true (g_str_has_prefix (text, "first_name,last_name,title,account,emails,phones,address,notes\r\n"));

      import_text (other, formats[i], text, CRM_DUPLICATE_MERGE, &result);
      g_assert_cmpuint (result.created, ==, 8);
      copy = describe_contacts (other);
      g_assert_cmpstr (copy, ==, original);
    }
}

static void
test_export_some (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autoptr(CrmRecord) one = crm_test_create (store, "contacts", "{\"first_name\": \"One\", \"last_name\": \"A\"}");
  g_autoptr(CrmRecord) two = crm_test_create (store, "contacts", "{\"first_name\": \"Two\", \"last_name\": \"B\"}");
  const char *ids[] = { crm_record_get_id (two), NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint n = 0;

  text = crm_contacts_export (store, ids, CRM_CONTACTS_FORMAT_VCARD, &n, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
  g_assert_nonnull (strstr (text, "FN:Two B\r\n"));
  g_assert_null (strstr (text, "One"));
}

static void
test_formats (void)
{
  g_autoptr(GError) error = NULL;
  CrmContactsFormat format;

  g_assert_true (crm_contacts_format_from_path ("/tmp/a.VCF", &format, NULL));
  g_assert_cmpint (format, ==, CRM_CONTACTS_FORMAT_VCARD);
  g_assert_true (crm_contacts_format_from_path ("a.vcard", &format, NULL));
  g_assert_cmpint (format, ==, CRM_CONTACTS_FORMAT_VCARD);
  g_assert_true (crm_contacts_format_from_path ("a.b.csv", &format, NULL));
  g_assert_cmpint (format, ==, CRM_CONTACTS_FORMAT_CSV);
  g_assert_false (crm_contacts_format_from_path ("dir.csv/file", &format, &error));
  g_assert_error (error, CRM_CONTACTS_IO_ERROR, CRM_CONTACTS_IO_ERROR_FORMAT);
  g_clear_error (&error);
  g_assert_true (crm_contacts_format_from_name ("vcard3", &format, NULL));
  g_assert_cmpint (format, ==, CRM_CONTACTS_FORMAT_VCARD_30);
  g_assert_false (crm_contacts_format_from_name ("xls", &format, &error));
  g_assert_error (error, CRM_CONTACTS_IO_ERROR, CRM_CONTACTS_IO_ERROR_FORMAT);
}

/* crm-cli import and export, as a script runs them ********************/

static int
cli_run (const char  *data_dir,
         GPtrArray   *args,
         char       **out,
         char       **err)
{
  const char *cli = g_getenv ("CRM_CLI");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  if (cli == NULL)
    g_error ("CRM_CLI must name the crm-cli binary to test");
  g_ptr_array_add (argv, (char *) cli);
  g_ptr_array_add (argv, (char *) "--data-dir");
  g_ptr_array_add (argv, (char *) data_dir);
  for (guint i = 0; i < args->len; i++)
    g_ptr_array_add (argv, g_ptr_array_index (args, i));
  g_ptr_array_add (argv, NULL);

  /* stdin is no terminal, so duplicates are never asked about */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE |
                                        G_SUBPROCESS_FLAGS_STDIN_PIPE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, "", NULL, out, err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (process))
    g_error ("crm-cli %s did not exit by itself; stderr: %s", (char *) g_ptr_array_index (args, 0), *err);
  return g_subprocess_get_exit_status (process);
}

static void
assert_cli (const char *data_dir,
            int         status,
            const char *out_has,
            const char *err_has,
            ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *arg;
  va_list ap;
  int got;

  va_start (ap, err_has);
  while ((arg = va_arg (ap, const char *)))
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);

  got = cli_run (data_dir, args, &out, &err);
  if (got != status || (out_has && !strstr (out, out_has)) || (err_has && !strstr (err, err_has)))
    g_error ("crm-cli %s: exit status %d (wanted %d)\nstdout: %s\nstderr: %s",
             (char *) g_ptr_array_index (args, 0), got, status, out, err);
}

static void
assert_no_contacts (const char *data_dir)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_ptr_array_add (args, (char *) "list");
  g_ptr_array_add (args, (char *) "contacts");
  g_assert_cmpint (cli_run (data_dir, args, &out, &err), ==, 0);
  g_assert_cmpstr (out, ==, "");
}

static void
test_cli (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autofree char *good = g_test_build_filename (G_TEST_DIST, "data", "contacts-3.0.vcf", NULL);
  g_autofree char *csv = g_test_build_filename (G_TEST_DIST, "data", "contacts.csv", NULL);
  g_autofree char *bad = g_test_build_filename (G_TEST_DIST, "data", "bad.vcf", NULL);
  g_autofree char *bad_csv = g_test_build_filename (G_TEST_DIST, "data", "bad-quote.csv", NULL);
  g_autofree char *vcf_out = crm_test_dir_file (dir, "out.vcf");
  g_autofree char *csv_out = crm_test_dir_file (dir, "out.csv");
  g_autofree char *txt_out = crm_test_dir_file (dir, "out.txt");
  g_autofree char *missing = crm_test_dir_file (dir, "missing.vcf");
  g_autofree char *no_dir = crm_test_dir_file (dir, "no/such/dir.vcf");
  g_autofree char *data_dir = crm_test_dir_file (dir, "data");
  g_autofree char *exported = NULL;

  /* Bad files and usage: 2, naming the line; nothing written */
  assert_cli (data_dir, 2, NULL, "bad.vcf: line 10:", "import", bad, NULL);
  assert_cli (data_dir, 2, NULL, "bad-quote.csv: line 4: a quoted field", "import", bad_csv, NULL);
  assert_cli (data_dir, 2, NULL, "--duplicates takes merge or skip", "import", good, "--duplicates", "both", NULL);
  assert_cli (data_dir, 2, NULL, "from its name", "import", txt_out, NULL);
  assert_cli (data_dir, 2, NULL, "not a contacts format", "import", good, "--format", "xls", NULL);
  assert_cli (data_dir, 2, NULL, "import needs one file", "import", NULL);
  assert_cli (data_dir, 1, NULL, "missing.vcf", "import", missing, NULL);
  assert_no_contacts (data_dir);

  /* Good files */
  assert_cli (data_dir, 0, "created 2, merged 0, skipped 0; 1 new account", NULL, "import", good, NULL);
  assert_cli (data_dir, 0, "\"created\" : 3", "", "import", "--json", "--format", "csv", csv, NULL);

  /* Duplicates: a script must choose */
  assert_cli (data_dir, 2, NULL, "choose --duplicates merge or --duplicates skip", "import", good, NULL);
  assert_cli (data_dir, 0, "created 0, merged 0, skipped 2", NULL, "import", good, "--duplicates", "skip", NULL);
  assert_cli (data_dir, 0, "created 0, merged 2, skipped 0", NULL, "import", good, "--duplicates", "merge", NULL);

  /* Export */
  assert_cli (data_dir, 0, "exported 5 contacts", NULL, "export", "contacts", vcf_out, NULL);
  assert_cli (data_dir, 0, "exported 5 contacts", NULL, "export", "contacts", csv_out, NULL);
  g_file_get_contents (vcf_out, &exported, NULL, NULL);
  g_assert_true (g_str_has_prefix (exported, "BEGIN:VCARD\r\nVERSION:4.0\r\n"));
  g_clear_pointer (&exported, g_free);
  g_file_get_contents (csv_out, &exported, NULL, NULL);
  g_assert_true (g_str_has_prefix (exported, "first_name,last_name,"));
  assert_cli (data_dir, 0, "VERSION:3.0", NULL, "export", "contacts", "-", "--format", "vcard3", NULL);
  assert_cli (data_dir, 2, NULL, "from its name", "export", "contacts", txt_out, NULL);
  assert_cli (data_dir, 2, NULL, "--format is needed", "export", "contacts", "-", NULL);
  assert_cli (data_dir, 2, NULL, "export needs contacts", "export", "accounts", vcf_out, NULL);
  assert_cli (data_dir, 1, NULL, "dir.vcf", "export", "contacts", no_dir, NULL);
  g_assert_false (g_file_test (txt_out, G_FILE_TEST_EXISTS));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/import/vcard-3.0", test_vcard_30);
  g_test_add_func ("/import/vcard-4.0", test_vcard_40);
  g_test_add_func ("/import/csv", test_csv);
  g_test_add_func ("/import/csv-google", test_csv_google);
  g_test_add_func ("/import/bad-vcard", test_bad_vcard);
  g_test_add_func ("/import/bad-csv", test_bad_csv);
  g_test_add_func ("/import/duplicates/skip", test_duplicates_skip);
  g_test_add_func ("/import/duplicates/merge", test_duplicates_merge);
  g_test_add_func ("/import/duplicates/in-file", test_duplicates_in_file);
  g_test_add_func ("/import/duplicates/choice", test_duplicates_choice);
  g_test_add_func ("/import/atomic", test_atomic);
  g_test_add_func ("/import/round-trip", test_round_trip);
  g_test_add_func ("/import/export-some", test_export_some);
  g_test_add_func ("/import/formats", test_formats);
  g_test_add_func ("/import/cli", test_cli);

  return g_test_run ();
}
