/* test-quote-record.c: quotes as records: totals on save, numbers,
 * lifecycle, revisions, accepting into the deal, lines from the catalog
 *
 * The expected totals are worked by hand in the comment beside each.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-test-quote-record"

#include <string.h>

#include "crm-quote-record.h"
#include "crm-store-private.h"
#include "crm-test-util.h"

/* Helpers *************************************************************/

static const char *
text (CrmRecord  *record,
      const char *name)
{
  return crm_record_get_string (record, name);
}

static CrmRecord *
make_quote (CrmStore   *store,
            const char *json)
{
  g_autoptr(JsonObject) fields = crm_test_object (json);
  g_autoptr(GError) error = NULL;
  CrmRecord *quote = crm_store_create (store, "quotes", fields, &error);

  g_assert_no_error (error);
  return quote;
}

static CrmRecord *
update (CrmStore    *store,
        CrmRecord   *record,
        const char  *json,
        GError     **error)
{
  g_autoptr(JsonObject) changes = crm_test_object (json);

  return crm_store_update (store, crm_record_get_entity (record)->name, crm_record_get_id (record),
                           changes, error);
}

static CrmRecord *
reload (CrmStore  *store,
        CrmRecord *record)
{
  g_autoptr(GError) error = NULL;
  CrmRecord *fresh = crm_store_get (store, crm_record_get_entity (record)->name,
                                    crm_record_get_id (record), &error);

  g_assert_no_error (error);
  return fresh;
}

static void
assert_totals (CrmRecord  *quote,
               const char *subtotal,
               const char *discount,
               const char *shipping,
               const char *tax,
               const char *total)
{
  g_assert_cmpstr (text (quote, "subtotal"), ==, subtotal);
  g_assert_cmpstr (text (quote, "discount"), ==, discount);
  g_assert_cmpstr (text (quote, "shipping"), ==, shipping);
  g_assert_cmpstr (text (quote, "tax"), ==, tax);
  g_assert_cmpstr (text (quote, "total"), ==, total);
}

/* The example: nets 44.98 and 36.50, 5 % off, shipping 5.00 */
#define EXAMPLE_LINES \
  "[{\"description\":\"Widget\",\"quantity\":\"2.5\",\"unit_price\":\"19.99\",\"discount_percent\":\"10\"," \
  "\"tax_rate\":\"19\"},{\"description\":\"Book\",\"quantity\":\"3\",\"unit_price\":\"12.50\"," \
  "\"discount_amount\":\"1.00\",\"tax_rate\":\"7\"}]"

/* Cases ***************************************************************/

static void
test_totals_on_save (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autoptr(CrmRecord) quote = NULL;
  g_autoptr(CrmRecord) edited = NULL;
  g_autoptr(CrmRecord) same = NULL;
  g_autoptr(CrmRecord) refused = NULL;
  g_autoptr(GError) error = NULL;

  quote = make_quote (store, "{\"currency\":\"EUR\",\"lines\":" EXAMPLE_LINES ","
                             "\"discount_percent\":\"5\",\"shipping\":\"5.00\",\"shipping_tax_rate\":\"19\"}");
  /* 81.48 − 4.07 + 5.00 + 11.50 (2.43 at 7 %, 9.07 at 19 %) */
  assert_totals (quote, "81.48", "4.07", "5.00", "11.50", "93.91");
  g_assert_cmpstr (text (quote, "tax_mode"), ==, "document");
  g_assert_cmpstr (text (quote, "rounding"), ==, "half-up");

  /* Per line: 19 % of 44.98 = 8.5462 → 8.55, of −2.25 = −0.4275 → −0.43
   * and of 5.00 = 0.95; 7 % of 36.50 = 2.555 → 2.56, of −1.82 = −0.1274
   * → −0.13; 8.55 − 0.43 + 0.95 + 2.56 − 0.13 = 11.50, the same here */
  edited = update (store, quote, "{\"tax_mode\":\"per-line\",\"shipping\":\"0\"}", &error);
  g_assert_no_error (error);
  /* Without shipping: 8.55 − 0.43 + 2.56 − 0.13 = 10.55; 77.41 + 10.55 */
  assert_totals (edited, "81.48", "4.07", "0.00", "10.55", "87.96");

  /* Stored, not only returned */
  same = reload (store, edited);
  assert_totals (same, "81.48", "4.07", "0.00", "10.55", "87.96");

  /* Totals are computed, never typed in */
  refused = update (store, quote, "{\"total\":\"1.00\"}", &error);
  g_assert_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_READ_ONLY);
  g_assert_true (g_str_has_prefix (error->message, "total: "));
  g_assert_null (refused);
  g_clear_error (&error);

  /* A wrong line is an error naming it, and nothing is saved */
  refused = update (store, quote, "{\"lines\":[{\"quantity\":\"1\",\"unit_price\":\"1\",\"discount_percent\":\"150\"}]}",
                    &error);
  g_assert_nonnull (error);
  g_assert_null (refused);
  g_clear_error (&error);
  g_clear_object (&same);
  same = reload (store, quote);
  g_assert_cmpstr (text (same, "total"), ==, "87.96");

  /* The company's rounding applies to new quotes */
  g_assert_true (crm_store_set_setting (store, "quote_rounding", "half-even", &error));
  g_clear_object (&quote);
  quote = make_quote (store, "{\"currency\":\"EUR\",\"lines\":[{\"quantity\":\"1\",\"unit_price\":\"0.125\"}]}");
  g_assert_cmpstr (text (quote, "rounding"), ==, "half-even");
  assert_totals (quote, "0.12", "0.00", "0.00", "0.00", "0.12");
}

static void
test_numbers (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autofree char *riley_path = crm_test_dir_file (dir, "riley/crm.db");
  g_autofree char *sam_path = crm_test_dir_file (dir, "sam/crm.db");
  g_autofree char *local_path = crm_test_dir_file (dir, "local/crm.db");
  g_autoptr(CrmStore) riley = NULL;
  g_autoptr(CrmStore) sam = NULL;
  g_autoptr(CrmStore) local = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *prefix = NULL;

  riley = crm_store_open (riley_path, &error);
  g_assert_no_error (error);
  sam = crm_store_open (sam_path, &error);
  g_assert_no_error (error);
  local = crm_store_open (local_path, &error);
  g_assert_no_error (error);
  g_assert_true (crm_store_set_setting (riley, "username", "riley", &error));
  g_assert_true (crm_store_set_setting (sam, "username", "sam", &error));

  /* Two reps, offline, each numbering on their own: never the same */
  for (guint i = 0; i < 5; i++)
    for (guint s = 0; s < 2; s++)
      {
        g_autoptr(CrmRecord) quote = make_quote (s ? sam : riley, "{\"currency\":\"EUR\"}");
        g_autofree char *expected = g_strdup_printf ("Q-%s-%04u", s ? "SAM" : "RILEY", i + 1);

        g_assert_cmpstr (text (quote, "number"), ==, expected);
        g_assert_true (g_hash_table_add (seen, g_strdup (text (quote, "number"))));
      }

  /* A deleted quote's number is not made again */
  {
    g_autoptr(CrmRecord) last = make_quote (riley, "{\"currency\":\"EUR\"}");
    g_autoptr(CrmRecord) next = NULL;

    g_assert_cmpstr (text (last, "number"), ==, "Q-RILEY-0006");
    g_assert_true (crm_store_delete (riley, "quotes", crm_record_get_id (last), &error));
    next = make_quote (riley, "{\"currency\":\"EUR\"}");
    g_assert_cmpstr (text (next, "number"), ==, "Q-RILEY-0007");
  }

  /* A number pulled from another device of the same rep moves the sequence on */
  {
    g_autoptr(CrmRecord) pulled = crm_record_new (crm_entity_lookup ("quotes"), NULL);
    g_autoptr(CrmRecord) next = NULL;

    crm_record_take_field (pulled, "number", json_node_init_string (json_node_alloc (), "Q-SAM-0041"));
    crm_record_take_field (pulled, "currency", json_node_init_string (json_node_alloc (), "EUR"));
    crm_record_take_field (pulled, "status", json_node_init_string (json_node_alloc (), "draft"));
    g_assert_true (crm_record_validate (pulled, &error));
    crm_record_set_version (pulled, 1);
    crm_record_set_timestamps (pulled, "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z");
    g_assert_true (_crm_store_put_synced (sam, pulled, &error));
    next = make_quote (sam, "{\"currency\":\"EUR\"}");
    g_assert_cmpstr (text (next, "number"), ==, "Q-SAM-0042");
  }

  /* A number given is kept */
  {
    g_autoptr(CrmRecord) given = make_quote (riley, "{\"currency\":\"EUR\",\"number\":\"PO-77\"}");

    g_assert_cmpstr (text (given, "number"), ==, "PO-77");
  }

  /* Without a sign-in, a random prefix kept in the profile */
  prefix = crm_quote_record_dup_number_prefix (local, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (prefix, "Q-"));
  g_assert_cmpuint (strlen (prefix), ==, 6);
  {
    g_autoptr(CrmRecord) first = make_quote (local, "{\"currency\":\"EUR\"}");
    g_autofree char *expected = g_strdup_printf ("%s-0001", prefix);

    g_assert_cmpstr (text (first, "number"), ==, expected);
  }
}

static void
test_lifecycle (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autoptr(CrmRecord) quote = make_quote (store, "{\"currency\":\"EUR\",\"valid_until\":\"2099-12-31\","
                                                  "\"lines\":" EXAMPLE_LINES "}");
  const char *id = crm_record_get_id (quote);
  g_autoptr(GError) error = NULL;
  CrmRecord *result;

  /* A draft cannot be accepted or rejected before it is sent */
  g_assert_null (crm_quote_record_accept (store, id, FALSE, &error));
  g_assert_error (error, CRM_QUOTE_STATE_ERROR, CRM_QUOTE_STATE_ERROR_TRANSITION);
  g_clear_error (&error);
  g_assert_null (update (store, quote, "{\"status\":\"accepted\"}", &error));
  g_assert_error (error, CRM_QUOTE_STATE_ERROR, CRM_QUOTE_STATE_ERROR_TRANSITION);
  g_assert_true (g_str_has_prefix (error->message, "status: "));
  g_clear_error (&error);

  /* A draft is editable */
  result = update (store, quote, "{\"notes\":\"Call Ada first\"}", &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  result = crm_quote_record_send (store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text (result, "status"), ==, "sent");
  g_clear_object (&result);

  /* A sent quote is not: neither its lines nor anything else */
  g_assert_null (update (store, quote, "{\"notes\":\"Changed\"}", &error));
  g_assert_error (error, CRM_QUOTE_STATE_ERROR, CRM_QUOTE_STATE_ERROR_NOT_EDITABLE);
  g_assert_true (g_str_has_prefix (error->message, "notes: "));
  g_clear_error (&error);
  {
    g_autoptr(JsonObject) line = crm_test_object ("{\"description\":\"More\",\"quantity\":\"1\",\"unit_price\":\"1\"}");

    g_assert_null (crm_quote_record_add_line (store, id, line, -1, &error));
    g_assert_error (error, CRM_QUOTE_STATE_ERROR, CRM_QUOTE_STATE_ERROR_TRANSITION);
    g_clear_error (&error);
  }
  /* …and it does not go back to draft */
  g_assert_null (update (store, quote, "{\"status\":\"draft\"}", &error));
  g_assert_error (error, CRM_QUOTE_STATE_ERROR, CRM_QUOTE_STATE_ERROR_TRANSITION);
  g_clear_error (&error);
  g_assert_null (crm_quote_record_send (store, id, &error));
  g_assert_error (error, CRM_QUOTE_STATE_ERROR, CRM_QUOTE_STATE_ERROR_TRANSITION);
  g_clear_error (&error);

  result = crm_quote_record_reject (store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text (result, "status"), ==, "rejected");
  g_clear_object (&result);

  /* Rejected is final for this revision */
  g_assert_null (crm_quote_record_accept (store, id, FALSE, &error));
  g_assert_error (error, CRM_QUOTE_STATE_ERROR, CRM_QUOTE_STATE_ERROR_TRANSITION);
  g_clear_error (&error);

  /* The rules are the same for the server */
  {
    g_autoptr(CrmRecord) before = reload (store, quote);
    g_autoptr(CrmRecord) after = crm_record_copy (before);

    crm_record_take_field (after, "terms", json_node_init_string (json_node_alloc (), "60 days"));
    g_assert_false (crm_quote_record_check_change (before, after, &error));
    g_assert_error (error, CRM_QUOTE_STATE_ERROR, CRM_QUOTE_STATE_ERROR_NOT_EDITABLE);
    g_assert_true (g_str_has_prefix (error->message, "terms: "));
  }
}

static void
test_expiry (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autoptr(CrmRecord) quote = make_quote (store, "{\"currency\":\"EUR\",\"valid_until\":\"2099-12-31\"}");
  g_autoptr(CrmRecord) sent = NULL;
  g_autoptr(CrmRecord) past = NULL;
  g_autoptr(GError) error = NULL;
  GDate day;

  sent = crm_quote_record_send (store, crm_record_get_id (quote), &error);
  g_assert_no_error (error);

  g_date_clear (&day, 1);
  g_date_set_dmy (&day, 31, 12, 2099);
  g_assert_cmpstr (crm_quote_record_get_status (sent, &day), ==, "sent");
  g_date_set_dmy (&day, 1, 1, 2100);
  g_assert_cmpstr (crm_quote_record_get_status (sent, &day), ==, "expired");
  g_assert_cmpstr (crm_quote_record_get_status (sent, NULL), ==, "sent");

  /* Past its date, a sent quote is expired and cannot be accepted */
  crm_record_take_field (sent, "valid_until", json_node_init_string (json_node_alloc (), "2020-01-31"));
  crm_record_set_version (sent, 1);
  g_assert_true (_crm_store_put_synced (store, sent, &error));
  g_assert_cmpstr (crm_quote_record_get_status (sent, NULL), ==, "expired");
  g_assert_null (crm_quote_record_accept (store, crm_record_get_id (sent), FALSE, &error));
  g_assert_error (error, CRM_QUOTE_STATE_ERROR, CRM_QUOTE_STATE_ERROR_EXPIRED);
  g_clear_error (&error);

  /* A draft whose date has passed is not sent as it is */
  past = make_quote (store, "{\"currency\":\"EUR\",\"valid_until\":\"2020-01-31\"}");
  g_assert_null (crm_quote_record_send (store, crm_record_get_id (past), &error));
  g_assert_error (error, CRM_QUOTE_STATE_ERROR, CRM_QUOTE_STATE_ERROR_EXPIRED);
  g_assert_true (g_str_has_prefix (error->message, "valid_until: "));
}

static void
test_revise (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autoptr(CrmRecord) quote = make_quote (store, "{\"currency\":\"EUR\",\"valid_until\":\"2099-12-31\","
                                                  "\"terms\":\"30 days net\",\"lines\":" EXAMPLE_LINES "}");
  const char *id = crm_record_get_id (quote);
  g_autoptr(CrmRecord) sent = NULL;
  g_autoptr(CrmRecord) second = NULL;
  g_autoptr(CrmRecord) third = NULL;
  g_autoptr(CrmRecord) old = NULL;
  g_autoptr(CrmRecord) edited = NULL;
  g_autoptr(GPtrArray) revisions = NULL;
  g_autoptr(GError) error = NULL;

  /* A draft is edited, not revised */
  g_assert_null (crm_quote_record_revise (store, id, &error));
  g_assert_error (error, CRM_QUOTE_STATE_ERROR, CRM_QUOTE_STATE_ERROR_TRANSITION);
  g_clear_error (&error);

  sent = crm_quote_record_send (store, id, &error);
  g_assert_no_error (error);
  second = crm_quote_record_revise (store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (crm_record_get_id (second), !=, id);
  g_assert_cmpstr (text (second, "number"), ==, text (quote, "number"));
  g_assert_cmpint (json_node_get_int (crm_record_get_field (second, "revision")), ==, 2);
  g_assert_cmpstr (text (second, "status"), ==, "draft");
  g_assert_cmpstr (text (second, "previous_id"), ==, id);
  g_assert_cmpstr (text (second, "terms"), ==, "30 days net");
  g_assert_true (crm_values_equal (crm_record_get_field (second, "lines"), crm_record_get_field (quote, "lines")));
  g_assert_cmpstr (text (second, "total"), ==, text (quote, "total"));

  /* The new draft is edited; the sent one stays as it was */
  edited = update (store, second, "{\"discount_percent\":\"10\"}", &error);
  g_assert_no_error (error);
  /* 10 % of 81.48 = 8.148 → 8.15; 7 %: 8.15 × 36.50 / 81.48 = 3.6509 →
   * 3.65, 19 % 4.50; taxes 7 % of 32.85 = 2.2995 → 2.30 and 19 % of
   * 40.48 = 7.6912 → 7.69; 81.48 − 8.15 + 9.99 = 83.32 */
  assert_totals (edited, "81.48", "8.15", "0.00", "9.99", "83.32");
  old = reload (store, quote);
  g_assert_cmpstr (text (old, "status"), ==, "sent");
  g_assert_cmpstr (text (old, "total"), ==, text (quote, "total"));

  /* A rejected one is revised too, into the next free revision */
  g_clear_object (&sent);
  sent = crm_quote_record_reject (store, id, &error);
  g_assert_no_error (error);
  third = crm_quote_record_revise (store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_node_get_int (crm_record_get_field (third, "revision")), ==, 3);

  revisions = crm_quote_record_list_revisions (store, text (quote, "number"), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (revisions->len, ==, 3);
  for (guint i = 0; i < revisions->len; i++)
    g_assert_cmpint (json_node_get_int (crm_record_get_field (g_ptr_array_index (revisions, i), "revision")), ==, i + 1);
}

static void
test_accept_updates_deal (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autofree char *open_stage = crm_test_create_stage (store);
  g_autoptr(CrmRecord) won = crm_test_create (store, "stages",
                                              "{\"name\":\"Closed Won\",\"position\":90,\"probability\":\"100\","
                                              "\"forecast_category\":\"closed\",\"is_won\":true}");
  g_autofree char *deal_json = g_strdup_printf ("{\"name\":\"Acme renewal\",\"stage_id\":\"%s\","
                                                "\"amount\":\"12500\",\"currency\":\"USD\"}", open_stage);
  g_autoptr(CrmRecord) deal = crm_test_create (store, "opportunities", deal_json);
  g_autofree char *quote_json = g_strdup_printf ("{\"currency\":\"EUR\",\"opportunity_id\":\"%s\","
                                                 "\"lines\":" EXAMPLE_LINES "}", crm_record_get_id (deal));
  g_autoptr(CrmRecord) quote = make_quote (store, quote_json);
  g_autoptr(CrmRecord) other = make_quote (store, quote_json);
  g_autoptr(CrmRecord) accepted = NULL;
  g_autoptr(CrmRecord) untouched = NULL;
  g_autoptr(CrmRecord) closed = NULL;
  g_autoptr(GError) error = NULL;

  g_clear_object (&accepted);
  accepted = crm_quote_record_send (store, crm_record_get_id (other), &error);
  g_assert_no_error (error);
  g_clear_object (&accepted);
  /* Without the offer taken, the deal is left alone */
  accepted = crm_quote_record_accept (store, crm_record_get_id (other), FALSE, &error);
  g_assert_no_error (error);
  untouched = reload (store, deal);
  g_assert_cmpstr (text (untouched, "amount"), ==, "12500.00");
  g_assert_cmpstr (text (untouched, "stage_id"), ==, open_stage);

  g_clear_object (&accepted);
  accepted = crm_quote_record_send (store, crm_record_get_id (quote), &error);
  g_assert_no_error (error);
  g_clear_object (&accepted);
  accepted = crm_quote_record_accept (store, crm_record_get_id (quote), TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text (accepted, "status"), ==, "accepted");
  /* 81.48 + 2.56 (7 % of 36.50 = 2.555) + 8.55 (19 % of 44.98 = 8.5462) = 92.59 */
  closed = reload (store, deal);
  g_assert_cmpstr (text (closed, "amount"), ==, text (accepted, "total"));
  g_assert_cmpstr (text (closed, "amount"), ==, "92.59");
  g_assert_cmpstr (text (closed, "currency"), ==, "EUR");
  g_assert_cmpstr (text (closed, "stage_id"), ==, crm_record_get_id (won));

  /* With no deal to update, accepting with the offer fails and changes nothing */
  {
    g_autoptr(CrmRecord) lone = make_quote (store, "{\"currency\":\"EUR\"}");
    g_autoptr(CrmRecord) sent = crm_quote_record_send (store, crm_record_get_id (lone), &error);
    g_autoptr(CrmRecord) still = NULL;

    g_assert_no_error (error);
    g_assert_null (crm_quote_record_accept (store, crm_record_get_id (lone), TRUE, &error));
    g_assert_error (error, CRM_QUOTE_STATE_ERROR, CRM_QUOTE_STATE_ERROR_NO_DEAL);
    still = reload (store, lone);
    g_assert_cmpstr (text (still, "status"), ==, "sent");
  }
}

static void
test_lines (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autoptr(CrmRecord) seat = crm_test_create (store, "products",
                                               "{\"sku\":\"CRM-SEAT\",\"name\":\"Seat licence\",\"unit\":\"seat\","
                                               "\"unit_price\":\"240.00\",\"currency\":\"EUR\",\"tax_rate\":\"19\","
                                               "\"prices\":{\"USD\":\"260\",\"JPY\":\"39000\"}}");
  g_autoptr(CrmRecord) quote = make_quote (store, "{\"currency\":\"USD\"}");
  g_autoptr(CrmRecord) eur = make_quote (store, "{\"currency\":\"GBP\"}");
  const char *id = crm_record_get_id (quote);
  g_autoptr(GError) error = NULL;
  CrmRecord *result;
  JsonArray *lines;

  /* From the catalog, in the quote's currency */
  {
    g_autoptr(JsonObject) line = crm_test_object ("{\"product\":\"crm-seat\",\"quantity\":\"10\"}");

    result = crm_quote_record_add_line (store, id, line, -1, &error);
    g_assert_no_error (error);
  }
  lines = json_node_get_array (crm_record_get_field (result, "lines"));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (lines, 0), "unit_price"), ==, "260");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (lines, 0), "product_id"), ==,
                   crm_record_get_id (seat));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (lines, 0), "description"), ==,
                   "Seat licence");
  /* 2600.00 + 19 % = 3094.00 */
  g_assert_cmpstr (text (result, "total"), ==, "3094.00");
  g_clear_object (&result);

  /* Free text, inserted first; a heading after it */
  {
    g_autoptr(JsonObject) line = crm_test_object ("{\"description\":\"Setup\",\"quantity\":\"1\",\"unit_price\":\"500\"}");
    g_autoptr(JsonObject) heading = crm_test_object ("{\"kind\":\"section\",\"description\":\"Licences\"}");

    g_clear_object (&result);
    result = crm_quote_record_add_line (store, id, line, 0, &error);
    g_assert_no_error (error);
    g_clear_object (&result);
    result = crm_quote_record_add_line (store, id, heading, 1, &error);
    g_assert_no_error (error);
  }
  lines = json_node_get_array (crm_record_get_field (result, "lines"));
  g_assert_cmpuint (json_array_get_length (lines), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (lines, 0), "description"), ==, "Setup");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (lines, 1), "kind"), ==, "section");
  g_assert_cmpstr (text (result, "total"), ==, "3594.00");
  g_clear_object (&result);

  /* Reordering changes no total */
  result = crm_quote_record_move_line (store, id, 0, 2, &error);
  g_assert_no_error (error);
  lines = json_node_get_array (crm_record_get_field (result, "lines"));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (lines, 2), "description"), ==, "Setup");
  g_assert_cmpstr (text (result, "total"), ==, "3594.00");
  g_clear_object (&result);

  result = crm_quote_record_remove_line (store, id, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text (result, "total"), ==, "3094.00");
  g_clear_object (&result);
  g_assert_null (crm_quote_record_remove_line (store, id, 5, &error));
  g_assert_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE);
  g_clear_error (&error);

  /* No price in the quote's currency: say so, or take the one given */
  {
    g_autoptr(JsonObject) line = crm_test_object ("{\"product\":\"CRM-SEAT\",\"quantity\":\"1\"}");
    g_autoptr(JsonObject) priced = crm_test_object ("{\"product\":\"CRM-SEAT\",\"quantity\":\"1\",\"unit_price\":\"199\"}");
    g_autoptr(JsonObject) unknown = crm_test_object ("{\"product\":\"NOPE\",\"quantity\":\"1\"}");

    g_assert_null (crm_quote_record_add_line (store, crm_record_get_id (eur), line, -1, &error));
    g_assert_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE);
    g_assert_true (g_str_has_prefix (error->message, "product: "));
    g_clear_error (&error);
    result = crm_quote_record_add_line (store, crm_record_get_id (eur), priced, -1, &error);
    g_assert_no_error (error);
    /* 199.00 + 19 % (37.81) */
    g_assert_cmpstr (text (result, "total"), ==, "236.81");
    g_clear_object (&result);
    g_assert_null (crm_quote_record_add_line (store, crm_record_get_id (eur), unknown, -1, &error));
    g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND);
  }
}

static void
test_check_totals (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autoptr(CrmRecord) quote = make_quote (store, "{\"currency\":\"JPY\",\"lines\":[{\"quantity\":\"7\","
                                                  "\"unit_price\":\"1980\",\"discount_percent\":\"15\","
                                                  "\"tax_rate\":\"8\"}]}");
  g_autoptr(CrmRecord) tampered = crm_record_copy (quote);
  g_autoptr(CrmRecord) bare = crm_record_copy (quote);
  g_autoptr(GError) error = NULL;

  /* 13860 × 0.85 = 11781; 8 % = 942.48 → 942; 12723 */
  assert_totals (quote, "11781", "0", "0", "942", "12723");
  g_assert_true (crm_quote_record_check_totals (quote, &error));
  g_assert_no_error (error);

  crm_record_take_field (tampered, "tax", json_node_init_string (json_node_alloc (), "943"));
  g_assert_false (crm_quote_record_check_totals (tampered, &error));
  g_assert_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE);
  g_assert_cmpstr (error->message, ==, "tax: 943 disagrees with the quote’s lines, which make 942");
  g_clear_error (&error);

  crm_record_take_field (bare, "total", json_node_new (JSON_NODE_NULL));
  g_assert_false (crm_quote_record_check_totals (bare, &error));
  g_assert_true (g_str_has_prefix (error->message, "total: missing"));
  g_clear_error (&error);

  /* Computed the record's way: per-line with half-even */
  crm_record_take_field (bare, "tax_mode", json_node_init_string (json_node_alloc (), "per-line"));
  crm_record_take_field (bare, "rounding", json_node_init_string (json_node_alloc (), "down"));
  g_assert_true (crm_quote_record_compute (bare, &error));
  g_assert_cmpstr (text (bare, "tax"), ==, "942");
  g_assert_true (crm_quote_record_check_totals (bare, &error));
}

static void
test_catalog (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autoptr(CrmRecord) tablet = crm_test_create (store, "products",
                                                 "{\"sku\":\"HW-TAB\",\"name\":\"Field sales tablet\","
                                                 "\"description\":\"A rugged tablet for reps on the road\","
                                                 "\"unit_price\":\"389.90\",\"currency\":\"EUR\",\"tax_rate\":\"19\"}");
  g_autoptr(CrmRecord) support = crm_test_create (store, "products",
                                                  "{\"sku\":\"SUP-STD\",\"name\":\"Standard support\","
                                                  "\"unit_price\":\"1500\",\"currency\":\"EUR\"}");
  g_autoptr(GPtrArray) hits = NULL;
  g_autoptr(GError) error = NULL;
  const CrmField *prices = crm_entity_get_field (crm_entity_lookup ("products"), "prices");
  g_autoptr(JsonNode) parsed = NULL;
  g_autofree char *canonical = NULL;
  g_autofree char *price = NULL;

  /* Searchable by name, SKU and description, as you type */
  hits = crm_store_list (store, "products", "rug tab", 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 1);
  g_assert_cmpstr (crm_record_get_id (g_ptr_array_index (hits, 0)), ==, crm_record_get_id (tablet));
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = crm_store_list (store, "products", "sup", 0, 0, &error);
  g_assert_cmpuint (hits->len, ==, 1);
  g_clear_pointer (&hits, g_ptr_array_unref);
  {
    g_autoptr(CrmRecord) renamed = update (store, support, "{\"name\":\"Gold support\"}", &error);

    g_assert_no_error (error);
  }
  hits = crm_store_list (store, "products", "gold", 0, 0, &error);
  g_assert_cmpuint (hits->len, ==, 1);

  /* Prices per currency: text or JSON, each in its currency's digits */
  parsed = crm_field_parse_text (prices, "USD:422, JPY:61000,GBP:333.5", &error);
  g_assert_no_error (error);
  canonical = json_to_string (parsed, FALSE);
  g_assert_cmpstr (canonical, ==, "{\"GBP\":\"333.50\",\"JPY\":\"61000\",\"USD\":\"422.00\"}");
  g_clear_pointer (&parsed, json_node_unref);
  parsed = crm_field_parse_text (prices, "{\"KWD\":\"1.2345\"}", &error);
  g_assert_null (parsed);
  g_assert_error (error, CRM_ENTITY_ERROR, CRM_ENTITY_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  parsed = crm_field_parse_text (prices, "XXY:1", &error);
  g_assert_null (parsed);
  g_clear_error (&error);

  {
    g_autoptr(CrmRecord) priced = update (store, tablet, "{\"prices\":{\"USD\":\"422\"}}", &error);

    g_assert_no_error (error);
    price = crm_product_dup_price (priced, "USD");
    g_assert_cmpstr (price, ==, "422.00");
    g_clear_pointer (&price, g_free);
    price = crm_product_dup_price (priced, "EUR");
    g_assert_cmpstr (price, ==, "389.9");
    g_clear_pointer (&price, g_free);
    g_assert_null (crm_product_dup_price (priced, "CHF"));
  }
}

static void
test_outbox (void)
{
  g_autoptr(CrmTestDir) dir = crm_test_dir_new ();
  g_autoptr(CrmStore) store = crm_test_open_store (dir);
  g_autoptr(CrmRecord) quote = make_quote (store, "{\"currency\":\"EUR\",\"lines\":" EXAMPLE_LINES "}");
  g_autoptr(JsonNode) outbox = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *entry;
  JsonObject *fields;

  /* What is queued for the server carries the totals it will check */
  outbox = crm_store_dup_outbox (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (outbox)), ==, 1);
  entry = json_array_get_object_element (json_node_get_array (outbox), 0);
  fields = json_object_get_object_member (entry, "fields");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (fields, "total"), "new"), ==,
                   "92.59");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (fields, "number"), "new"), ==,
                   text (quote, "number"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (fields, "rounding"), "new"), ==,
                   "half-up");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/quote-record/totals-on-save", test_totals_on_save);
  g_test_add_func ("/quote-record/numbers", test_numbers);
  g_test_add_func ("/quote-record/lifecycle", test_lifecycle);
  g_test_add_func ("/quote-record/expiry", test_expiry);
  g_test_add_func ("/quote-record/revise", test_revise);
  g_test_add_func ("/quote-record/accept-updates-deal", test_accept_updates_deal);
  g_test_add_func ("/quote-record/lines", test_lines);
  g_test_add_func ("/quote-record/check-totals", test_check_totals);
  g_test_add_func ("/quote-record/catalog", test_catalog);
  g_test_add_func ("/quote-record/outbox", test_outbox);
  return g_test_run ();
}
