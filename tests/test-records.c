/* test-records.c: every record type's CRUD, its JSON codec and checks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "crm-store-private.h"
#include "crm-test-util.h"

typedef struct
{
  const char *entity;
  const char *create;  /* $STAGE $ACCOUNT $CONTACT $USER $OPP $PRODUCT are replaced */
  const char *update;
  const char *check_field;
  const char *check_value;  /* JSON text of check_field after the update */
} CrudCase;

static const CrudCase crud_cases[] = {
  { "users",
    "{\"name\":\"Riley Chen\",\"email\":\"riley@example.com\",\"role\":\"rep\",\"manager_id\":\"$USER\"}",
    "{\"role\":\"manager\"}", "role", "\"manager\"" },
  { "accounts",
    "{\"name\":\"Acme Logistics\",\"industry\":\"Logistics\",\"website\":\"https://acme.example\","
    "\"phone\":\"+49 30 1234\",\"address\":\"1 Market St, Berlin\",\"annual_revenue\":\"125000000.5\"}",
    "{\"annual_revenue\":\"99.99\"}", "annual_revenue", "\"99.99\"" },
  { "contacts",
    "{\"first_name\":\"Ada\",\"last_name\":\"Lovelace\",\"title\":\"CTO\",\"account_id\":\"$ACCOUNT\","
    "\"emails\":[{\"type\":\"work\",\"value\":\"ada@acme.example\"}],"
    "\"phones\":[{\"type\":\"mobile\",\"value\":\"+49 170 1\"}],\"address\":\"Berlin\",\"notes\":\"Met at FOSDEM\"}",
    "{\"emails\":[{\"type\":\"home\",\"value\":\"ada@home.example\"}]}",
    "emails", "[{\"type\":\"home\",\"value\":\"ada@home.example\"}]" },
  { "stages",
    "{\"name\":\"Negotiation\",\"position\":40,\"probability\":\"75\",\"forecast_category\":\"commit\","
    "\"is_won\":false,\"is_lost\":false}",
    "{\"probability\":\"80.5\"}", "probability", "\"80.5\"" },
  { "opportunities",
    "{\"name\":\"Acme renewal\",\"account_id\":\"$ACCOUNT\",\"contact_id\":\"$CONTACT\",\"stage_id\":\"$STAGE\","
    "\"amount\":\"12500\",\"currency\":\"EUR\",\"probability\":\"35\",\"expected_close_date\":\"2026-12-15\","
    "\"forecast_category\":\"commit\",\"next_step\":\"Send proposal\"}",
    "{\"amount\":\"13000.5\"}", "amount", "\"13000.50\"" },
  { "activities",
    "{\"kind\":\"call\",\"subject\":\"Discuss pricing\",\"due_at\":\"2026-12-01T10:00:00+01:00\",\"done\":false,"
    "\"contact_id\":\"$CONTACT\",\"account_id\":\"$ACCOUNT\",\"opportunity_id\":\"$OPP\"}",
    "{\"done\":true}", "done", "true" },
  { "products",
    "{\"sku\":\"CRM-SEAT\",\"name\":\"Seat licence\",\"description\":\"Per user per year\",\"unit\":\"seat\","
    "\"unit_price\":\"19.9999\",\"currency\":\"EUR\",\"tax_rate\":\"19\"}",
    "{\"unit_price\":\"21\"}", "unit_price", "\"21\"" },
  { "quotes",
    "{\"number\":\"Q-00042\",\"revision\":1,\"status\":\"draft\",\"opportunity_id\":\"$OPP\",\"account_id\":\"$ACCOUNT\","
    "\"contact_id\":\"$CONTACT\",\"currency\":\"EUR\",\"valid_until\":\"2027-01-31\",\"terms\":\"30 days net\","
    "\"lines\":[{\"kind\":\"item\",\"description\":\"Seats\",\"product_id\":\"$PRODUCT\",\"quantity\":\"2.5\","
    "\"unit_price\":\"19.99\",\"discount_percent\":\"10\",\"tax_rate\":\"19\"}],"
    "\"discount_percent\":\"5\",\"shipping\":\"5\",\"shipping_tax_rate\":\"19\"}",
    "{\"status\":\"sent\"}", "status", "\"sent\"" },
  { "quotas",
    "{\"user_id\":\"$USER\",\"period\":\"2026-Q4\",\"amount\":\"250000\",\"currency\":\"EUR\"}",
    "{\"amount\":\"300000.10\"}", "amount", "\"300000.10\"" },
  { "forecast_adjustments",
    "{\"user_id\":\"$USER\",\"period\":\"2026-Q4\",\"category\":\"commit\",\"amount\":\"120000\","
    "\"currency\":\"EUR\",\"note\":\"Acme slipped\",\"author_id\":\"$USER\"}",
    "{\"reverted\":true}", "reverted", "true" },
  { "currencies",
    "{\"code\":\"JPY\",\"name\":\"Yen\",\"symbol\":\"¥\"}",
    "{\"symbol\":\"円\"}", "symbol", "\"円\"" },
  { "exchange_rates",
    "{\"currency\":\"USD\",\"base_currency\":\"EUR\",\"rate\":\"0.91234567\",\"effective_date\":\"2026-11-01\"}",
    "{\"rate\":\"0.95\"}", "rate", "\"0.95\"" },
};

typedef struct
{
  CrmTestDir *dir;
  CrmStore   *store;
  char       *stage;
  char       *account;
  char       *contact;
  char       *user;
  char       *opp;
  char       *product;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(CrmRecord) contact = NULL;
  g_autoptr(CrmRecord) user = NULL;
  g_autoptr(CrmRecord) opp = NULL;
  g_autoptr(CrmRecord) product = NULL;
  g_autofree char *opp_json = NULL;

  f->dir = crm_test_dir_new ();
  f->store = crm_test_open_store (f->dir);
  f->stage = crm_test_create_stage (f->store);
  f->account = crm_test_create_account (f->store, "Prerequisite Co");
  contact = crm_test_create (f->store, "contacts", "{\"last_name\":\"Hopper\"}");
  f->contact = g_strdup (crm_record_get_id (contact));
  user = crm_test_create (f->store, "users", "{\"name\":\"Morgan\",\"role\":\"manager\"}");
  f->user = g_strdup (crm_record_get_id (user));
  opp_json = g_strdup_printf ("{\"name\":\"Base deal\",\"stage_id\":\"%s\",\"currency\":\"EUR\"}", f->stage);
  opp = crm_test_create (f->store, "opportunities", opp_json);
  f->opp = g_strdup (crm_record_get_id (opp));
  product = crm_test_create (f->store, "products",
                             "{\"sku\":\"P1\",\"name\":\"Thing\",\"unit_price\":\"1\",\"currency\":\"EUR\"}");
  f->product = g_strdup (crm_record_get_id (product));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->store);
  crm_test_dir_free (f->dir);
  g_free (f->stage);
  g_free (f->account);
  g_free (f->contact);
  g_free (f->user);
  g_free (f->opp);
  g_free (f->product);
}

static char *
expand (Fixture    *f,
        const char *template)
{
  g_autoptr(GString) s = g_string_new (template);

  g_string_replace (s, "$STAGE", f->stage, 0);
  g_string_replace (s, "$ACCOUNT", f->account, 0);
  g_string_replace (s, "$CONTACT", f->contact, 0);
  g_string_replace (s, "$USER", f->user, 0);
  g_string_replace (s, "$OPP", f->opp, 0);
  g_string_replace (s, "$PRODUCT", f->product, 0);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
assert_json_equal (JsonNode   *node,
                   const char *expected_json)
{
  g_autoptr(JsonNode) expected = json_from_string (expected_json, NULL);

  g_assert_nonnull (expected);
  if (!json_node_equal (node, expected))
    {
      g_autofree char *got = json_to_string (node, FALSE);
      g_error ("expected %s, got %s", expected_json, got);
    }
}

static void
test_crud (Fixture       *f,
           gconstpointer  data)
{
  const CrudCase *c = data;
  g_autofree char *create_json = expand (f, c->create);
  g_autoptr(JsonObject) input = crm_test_object (create_json);
  g_autoptr(JsonObject) changes = crm_test_object (c->update);
  g_autoptr(CrmRecord) created = NULL;
  g_autoptr(CrmRecord) loaded = NULL;
  g_autoptr(CrmRecord) updated = NULL;
  g_autoptr(CrmRecord) gone = NULL;
  g_autoptr(CrmRecord) decoded = NULL;
  g_autoptr(JsonNode) encoded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text1 = NULL;
  g_autofree char *text2 = NULL;
  g_autoptr(GList) members = NULL;
  gint64 before;

  before = crm_store_count (f->store, c->entity, NULL);
  created = crm_store_create (f->store, c->entity, input, &error);
  g_assert_no_error (error);
  g_assert_true (crm_is_uuid (crm_record_get_id (created)));
  g_assert_cmpint (crm_record_get_version (created), ==, 0);
  g_assert_false (crm_record_get_deleted (created));
  g_assert_nonnull (crm_record_get_created_at (created));
  g_assert_cmpint (crm_store_count (f->store, c->entity, NULL), ==, before + 1);

  /* What was stored reads back the same */
  loaded = crm_store_get (f->store, c->entity, crm_record_get_id (created), &error);
  g_assert_no_error (error);
  text1 = crm_record_to_json_string (created, FALSE);
  text2 = crm_record_to_json_string (loaded, FALSE);
  g_assert_cmpstr (text1, ==, text2);

  /* Every given field is in the record (in canonical form) */
  members = json_object_get_members (input);
  for (const GList *l = members; l; l = l->next)
    g_assert_nonnull (crm_record_get_field (loaded, l->data));

  /* JSON round trip: encode, decode, encode again gives the same text */
  encoded = crm_record_to_json (loaded);
  decoded = crm_record_new_from_json (crm_record_get_entity (loaded), encoded, &error);
  g_assert_no_error (error);
  g_clear_pointer (&text2, g_free);
  text2 = crm_record_to_json_string (decoded, FALSE);
  g_assert_cmpstr (text1, ==, text2);

  /* Amounts and decimals travel as strings, never as numbers */
  for (guint i = 0; i < crm_record_get_entity (loaded)->n_fields; i++)
    {
      const CrmField *field = &crm_record_get_entity (loaded)->fields[i];
      JsonNode *value = crm_record_get_field (loaded, field->name);

      if ((field->type == CRM_FIELD_MONEY || field->type == CRM_FIELD_DECIMAL) &&
          value && !JSON_NODE_HOLDS_NULL (value))
        g_assert_cmpint (json_node_get_value_type (value), ==, G_TYPE_STRING);
    }

  updated = crm_store_update (f->store, c->entity, crm_record_get_id (created), changes, &error);
  g_assert_no_error (error);
  assert_json_equal (crm_record_get_field (updated, c->check_field), c->check_value);
  g_clear_object (&loaded);
  loaded = crm_store_get (f->store, c->entity, crm_record_get_id (created), &error);
  assert_json_equal (crm_record_get_field (loaded, c->check_field), c->check_value);
  g_assert_cmpstr (crm_record_get_created_at (loaded), ==, crm_record_get_created_at (created));

  g_assert_true (crm_store_delete (f->store, c->entity, crm_record_get_id (created), &error));
  g_assert_no_error (error);
  gone = crm_store_get (f->store, c->entity, crm_record_get_id (created), &error);
  g_assert_null (gone);
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (crm_store_count (f->store, c->entity, NULL), ==, before);

  /* A tombstone stays until it is synced */
  {
    g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s WHERE id = '%s' AND deleted = 1",
                                            c->entity, crm_record_get_id (created));
    g_assert_cmpint (crm_test_count_rows (f->store, sql), ==, 1);
  }

  /* Deleting or updating a deleted record is "not found" */
  g_assert_false (crm_store_delete (f->store, c->entity, crm_record_get_id (created), &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND);
}

static void
test_unknown_member (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string ("{\"name\":\"Acme\",\"colour\":\"red\"}", NULL);
  g_autoptr(CrmRecord) record = crm_record_new_from_json (crm_entity_lookup ("accounts"), node, &error);
  g_autoptr(JsonObject) fields = crm_test_object ("{\"name\":\"Acme\",\"version\":7}");
  g_autoptr(CrmRecord) created = NULL;

  g_assert_null (record);
  g_assert_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_UNKNOWN_FIELD);
  g_assert_nonnull (strstr (error->message, "colour"));
  g_clear_error (&error);

  /* System fields are not the caller's to set */
  created = crm_store_create (f->store, "accounts", fields, &error);
  g_assert_null (created);
  g_assert_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_READ_ONLY);
  g_assert_cmpint (crm_store_count (f->store, "accounts", NULL), ==, 1);
}

static void
test_bad_values (Fixture       *f,
                 gconstpointer  data)
{
  static const struct { const char *entity, *json, *field; } cases[] = {
    { "accounts", "{\"name\":\"\"}", "name" },
    { "accounts", "{\"name\":\"   \"}", "name" },
    { "accounts", "{\"name\":42}", "name" },
    { "accounts", "{\"name\":\"A\",\"annual_revenue\":1000.5}", "annual_revenue" },
    { "accounts", "{\"name\":\"A\",\"annual_revenue\":\"-1\"}", "annual_revenue" },
    { "opportunities", "{\"name\":\"X\",\"stage_id\":\"$STAGE\",\"currency\":\"EUR\",\"amount\":\"12.345\"}", "amount" },
    { "opportunities", "{\"name\":\"X\",\"stage_id\":\"$STAGE\",\"currency\":\"JPY\",\"amount\":\"1.5\"}", "amount" },
    { "opportunities", "{\"name\":\"X\",\"stage_id\":\"$STAGE\",\"currency\":\"EUR\",\"amount\":\"abc\"}", "amount" },
    { "opportunities", "{\"name\":\"X\",\"stage_id\":\"$STAGE\",\"currency\":\"EUR\",\"amount\":\"99999999999999999999\"}", "amount" },
    { "opportunities", "{\"name\":\"X\",\"stage_id\":\"$STAGE\",\"currency\":\"euro\"}", "currency" },
    { "opportunities", "{\"name\":\"X\",\"stage_id\":\"$STAGE\",\"currency\":\"EUR\",\"probability\":\"101\"}", "probability" },
    { "opportunities", "{\"name\":\"X\",\"stage_id\":\"$STAGE\",\"currency\":\"EUR\",\"expected_close_date\":\"2026-02-30\"}", "expected_close_date" },
    { "opportunities", "{\"name\":\"X\",\"stage_id\":\"$STAGE\",\"currency\":\"EUR\",\"forecast_category\":\"maybe\"}", "forecast_category" },
    { "opportunities", "{\"name\":\"X\",\"stage_id\":\"not-a-uuid\",\"currency\":\"EUR\"}", "stage_id" },
    { "opportunities", "{\"name\":\"X\",\"currency\":\"EUR\"}", "stage_id" },
    { "contacts", "{\"last_name\":\"L\",\"emails\":[{\"type\":\"work\",\"value\":\"no-at-sign\"}]}", "emails" },
    { "contacts", "{\"last_name\":\"L\",\"emails\":\"ada@example.com\"}", "emails" },
    { "contacts", "{\"last_name\":\"L\",\"phones\":[{\"type\":\"work\"}]}", "phones" },
    { "stages", "{\"name\":\"S\",\"position\":\"1\",\"probability\":\"1\"}", "position" },
    { "activities", "{\"kind\":\"lunch\",\"subject\":\"S\"}", "kind" },
    { "activities", "{\"kind\":\"call\",\"subject\":\"S\",\"due_at\":\"tomorrow\"}", "due_at" },
    { "activities", "{\"kind\":\"call\",\"subject\":\"S\",\"done\":\"yes\"}", "done" },
    { "quotes", "{\"number\":\"Q\",\"currency\":\"EUR\",\"lines\":[{\"quantity\":\"1.23456\"}]}", "lines" },
    { "quotes", "{\"number\":\"Q\",\"currency\":\"EUR\",\"lines\":[{\"colour\":\"red\"}]}", "lines" },
    { "forecast_adjustments", "{\"user_id\":\"$USER\",\"period\":\"2026-Q4\",\"category\":\"commit\",\"amount\":\"1\","
      "\"currency\":\"EUR\",\"note\":\"" "0123456789012345678901234567890123456789012345678901234567890123456789"
      "0123456789012345678901234567890123456789012345678901234567890123456789"
      "0123456789012345678901234567890123456789012345678901234567890123456789"
      "0123456789012345678901234567890123456789012345678901234567890123456789" "\"}", "note" },
    { "exchange_rates", "{\"currency\":\"USD\",\"base_currency\":\"EUR\",\"rate\":\"0\",\"effective_date\":\"2026-01-01\"}", "rate" },
  };
  gint64 outbox_before = crm_test_count_rows (f->store, "SELECT count(*) FROM outbox");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *json = expand (f, cases[i].json);
      g_autoptr(JsonObject) fields = crm_test_object (json);
      g_autoptr(GError) error = NULL;
      g_autoptr(CrmRecord) record = NULL;
      gint64 before = crm_store_count (f->store, cases[i].entity, NULL);

      record = crm_store_create (f->store, cases[i].entity, fields, &error);
      if (record != NULL)
        g_error ("case %u (%s) was accepted", i, json);
      g_assert_true (error->domain == CRM_ENTITY_ERROR);
      if (strstr (error->message, cases[i].field) == NULL)
        g_error ("case %u: “%s” does not name %s", i, error->message, cases[i].field);
      g_assert_cmpint (crm_store_count (f->store, cases[i].entity, NULL), ==, before);
    }

  g_assert_cmpint (crm_test_count_rows (f->store, "SELECT count(*) FROM outbox"), ==, outbox_before);
}

static void
test_money (Fixture       *f,
            gconstpointer  data)
{
  static const struct { const char *currency, *amount, *canonical; gint64 minor; } cases[] = {
    { "EUR", "1234.5", "1234.50", 123450 },
    { "EUR", "-0.05", "-0.05", -5 },
    { "JPY", "1234", "1234", 1234 },
    { "KWD", "1.234", "1.234", 1234 },
    { "USD", "92233720368547758.07", "92233720368547758.07", G_MAXINT64 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"name\":\"Deal %u\",\"stage_id\":\"%s\","
                                               "\"currency\":\"%s\",\"amount\":\"%s\"}",
                                               i, f->stage, cases[i].currency, cases[i].amount);
      g_autoptr(CrmRecord) record = crm_test_create (f->store, "opportunities", json);
      g_autofree char *sql = g_strdup_printf ("SELECT amount FROM opportunities WHERE id = '%s'",
                                              crm_record_get_id (record));

      g_assert_cmpstr (crm_record_get_string (record, "amount"), ==, cases[i].canonical);
      /* Stored as integer minor units of the record's currency */
      g_assert_cmpint (crm_test_count_rows (f->store, sql), ==, cases[i].minor);
    }

  /* Changing the currency re-checks the amount against it */
  {
    g_autofree char *json = g_strdup_printf ("{\"name\":\"Cents\",\"stage_id\":\"%s\","
                                             "\"currency\":\"EUR\",\"amount\":\"10.50\"}", f->stage);
    g_autoptr(CrmRecord) record = crm_test_create (f->store, "opportunities", json);
    g_autoptr(JsonObject) to_yen = crm_test_object ("{\"currency\":\"JPY\"}");
    g_autoptr(JsonObject) to_yen_whole = crm_test_object ("{\"currency\":\"JPY\",\"amount\":\"1500\"}");
    g_autoptr(GError) error = NULL;
    g_autoptr(CrmRecord) refused = crm_store_update (f->store, "opportunities",
                                                     crm_record_get_id (record), to_yen, &error);
    g_autoptr(CrmRecord) changed = NULL;

    g_assert_null (refused);
    g_assert_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE);
    g_clear_error (&error);
    changed = crm_store_update (f->store, "opportunities", crm_record_get_id (record), to_yen_whole, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (crm_record_get_string (changed, "amount"), ==, "1500");
  }
}

static void
test_references (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) fields = crm_test_object ("{\"last_name\":\"Orphan\","
                                                  "\"account_id\":\"6f1c3f5e-2b1a-4c7d-8e9f-0a1b2c3d4e5f\"}");
  g_autoptr(CrmRecord) record = crm_store_create (f->store, "contacts", fields, &error);
  g_autoptr(CrmRecord) deleted_ref = NULL;
  g_autofree char *doomed = crm_test_create_account (f->store, "Doomed");
  g_autofree char *json = g_strdup_printf ("{\"last_name\":\"Late\",\"account_id\":\"%s\"}", doomed);
  g_autoptr(JsonObject) fields2 = crm_test_object (json);

  g_assert_null (record);
  g_assert_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE);
  g_assert_nonnull (strstr (error->message, "account_id"));
  g_clear_error (&error);

  /* A deleted record cannot be referred to anew */
  g_assert_true (crm_store_delete (f->store, "accounts", doomed, &error));
  deleted_ref = crm_store_create (f->store, "contacts", fields2, &error);
  g_assert_null (deleted_ref);
  g_assert_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE);
}

static void
test_update_nothing (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(CrmRecord) account = crm_test_create (f->store, "accounts", "{\"name\":\"Same\",\"industry\":\"Retail\"}");
  g_autoptr(JsonObject) same = crm_test_object ("{\"industry\":\"Retail\"}");
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmRecord) after = NULL;
  gint64 outbox = crm_test_count_rows (f->store, "SELECT count(*) FROM outbox");

  after = crm_store_update (f->store, "accounts", crm_record_get_id (account), same, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (crm_record_get_updated_at (after), ==, crm_record_get_updated_at (account));
  g_assert_cmpint (crm_test_count_rows (f->store, "SELECT count(*) FROM outbox"), ==, outbox);
}

static void
test_defaults (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *json = g_strdup_printf ("{\"name\":\"Defaults\",\"stage_id\":\"%s\",\"currency\":\"EUR\"}", f->stage);
  g_autoptr(CrmRecord) opp = crm_test_create (f->store, "opportunities", json);
  g_autoptr(CrmRecord) quote = crm_test_create (f->store, "quotes", "{\"number\":\"Q-1\",\"currency\":\"EUR\"}");
  g_autoptr(CrmRecord) contact = crm_test_create (f->store, "contacts", "{\"first_name\":\"Solo\"}");
  g_autoptr(CrmRecord) user = crm_test_create (f->store, "users", "{\"name\":\"New hire\"}");

  g_assert_cmpstr (crm_record_get_string (opp, "amount"), ==, "0.00");
  g_assert_true (JSON_NODE_HOLDS_NULL (crm_record_get_field (opp, "probability")));
  g_assert_true (JSON_NODE_HOLDS_NULL (crm_record_get_field (opp, "forecast_category")));
  g_assert_cmpstr (crm_record_get_string (quote, "status"), ==, "draft");
  g_assert_cmpint (json_node_get_int (crm_record_get_field (quote, "revision")), ==, 1);
  assert_json_equal (crm_record_get_field (quote, "lines"), "[]");
  assert_json_equal (crm_record_get_field (contact, "emails"), "[]");
  g_assert_cmpstr (crm_record_get_string (user, "role"), ==, "rep");
}

static void
test_canonical (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(CrmRecord) activity =
    crm_test_create (f->store, "activities",
                     "{\"kind\":\"meeting\",\"subject\":\"Kick-off\",\"due_at\":\"2026-12-01T10:30:00+01:00\"}");
  g_autoptr(CrmRecord) all_day =
    crm_test_create (f->store, "activities", "{\"kind\":\"task\",\"subject\":\"Call\",\"due_at\":\"2026-12-02\"}");
  g_autoptr(CrmRecord) stage =
    crm_test_create (f->store, "stages", "{\"name\":\"S\",\"position\":1,\"probability\":\"12.50\"}");
  g_autofree char *upper = g_ascii_strup (f->account, -1);
  g_autofree char *json = g_strdup_printf ("{\"last_name\":\"Case\",\"account_id\":\"%s\"}", upper);
  g_autoptr(CrmRecord) contact = crm_test_create (f->store, "contacts", json);

  /* Times are kept in UTC; a bare date is the start of that day */
  g_assert_cmpstr (crm_record_get_string (activity, "due_at"), ==, "2026-12-01T09:30:00Z");
  g_assert_cmpstr (crm_record_get_string (all_day, "due_at"), ==, "2026-12-02T00:00:00Z");
  /* Decimals lose trailing zeros; ids are lower case */
  g_assert_cmpstr (crm_record_get_string (stage, "probability"), ==, "12.5");
  g_assert_cmpstr (crm_record_get_string (contact, "account_id"), ==, f->account);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (crud_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/records/crud/%s", crud_cases[i].entity);
      g_test_add (path, Fixture, &crud_cases[i], fixture_set_up, test_crud, fixture_tear_down);
    }
  g_test_add ("/records/json/unknown-member", Fixture, NULL, fixture_set_up, test_unknown_member, fixture_tear_down);
  g_test_add ("/records/json/bad-values", Fixture, NULL, fixture_set_up, test_bad_values, fixture_tear_down);
  g_test_add ("/records/money", Fixture, NULL, fixture_set_up, test_money, fixture_tear_down);
  g_test_add ("/records/references", Fixture, NULL, fixture_set_up, test_references, fixture_tear_down);
  g_test_add ("/records/update-nothing", Fixture, NULL, fixture_set_up, test_update_nothing, fixture_tear_down);
  g_test_add ("/records/defaults", Fixture, NULL, fixture_set_up, test_defaults, fixture_tear_down);
  g_test_add ("/records/canonical", Fixture, NULL, fixture_set_up, test_canonical, fixture_tear_down);

  return g_test_run ();
}
