/* crm-demo.c: a realistic sample company, the same every time
 *
 * The same random sequence (a fixed seed) picks every name, amount and id,
 * so two seeded stores hold the same records. Dates are laid out around
 * the current quarter: deals spread over the last year and the next three
 * quarters, as a real pipeline is.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-demo"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "crm-demo.h"
#include "crm-quote-record.h"
#include "crm-store-private.h"

#define DEMO_SEED 20261123

typedef struct
{
  CrmStore  *store;
  GRand     *rand;
  GDate      today;
  GPtrArray *reps;         /* user ids who own deals */
  GPtrArray *stages;       /* stage ids in order */
  GPtrArray *accounts;
  GPtrArray *account_domains;
  GPtrArray *contacts;
  GPtrArray *contact_accounts;
  GPtrArray *opportunities;
  GPtrArray *products;
} Seeder;

static const char * const first_names[] = {
  "Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken",
  "Frances", "John", "Radia", "Tim", "Hedy", "Vint", "Katherine", "Donald",
  "Sophie", "Lukas", "Elena", "Mateo", "Amara", "Noah", "Yuki", "Omar",
  "Ingrid", "Pierre", "Chiara", "Sven", "Priya", "Diego", "Fatima", "Jonas",
};

static const char * const last_names[] = {
  "Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov",
  "Thompson", "Allen", "McCarthy", "Perlman", "Berners-Lee", "Lamarr", "Cerf",
  "Johnson", "Knuth", "Martin", "Becker", "Rossi", "García", "Okafor", "Smith",
  "Tanaka", "Haddad", "Larsen", "Dubois", "Bianchi", "Nilsson", "Sharma",
  "Fernández", "Khan", "Weber", "Novak", "Kowalski", "Müller", "O'Brien",
};

static const char * const company_first[] = {
  "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Tyrell",
  "Cyberdyne", "Soylent", "Hooli", "Vandelay", "Aperture", "Black Mesa",
  "Oceanic", "Monarch", "Pied Piper", "Nakatomi", "Gringotts", "Dunder",
  "Blue Sun", "Virtucon", "Massive", "Sterling", "Northwind", "Contoso",
  "Fabrikam", "Tailspin", "Litware", "Proseware", "Adatum", "Wingtip",
};

static const char * const company_second[] = {
  "Logistics", "Industries", "Systems", "Foods", "Pharma", "Energy", "Labs",
  "Robotics", "Media", "Consulting", "Airlines", "Holdings", "Retail",
  "Manufacturing", "Analytics", "Networks", "Bank", "Insurance", "Hotels",
  "Textiles", "Motors", "Software", "Chemicals", "Shipping",
};

static const char * const industries[] = {
  "Manufacturing", "Retail", "Finance", "Healthcare", "Technology",
  "Logistics", "Energy", "Hospitality", "Education", "Public sector",
};

static const char * const cities[] = {
  "Berlin", "Paris", "Madrid", "Milan", "Amsterdam", "Vienna", "Stockholm",
  "Dublin", "Lisbon", "Prague", "Warsaw", "Brussels", "London", "New York",
  "Boston", "Toronto",
};

static const char * const titles[] = {
  "CEO", "CFO", "CTO", "VP Sales", "Head of Procurement", "IT Director",
  "Operations Manager", "Purchasing Lead", "Office Manager", "Product Owner",
};

static const char * const deal_kinds[] = {
  "Platform licence", "Renewal", "Expansion", "Pilot", "Support contract",
  "Onboarding", "Enterprise upgrade", "Training package",
};

static const char * const next_steps[] = {
  "Send proposal", "Schedule demo", "Call back about budget",
  "Legal review of contract", "Meet the procurement team",
  "Follow up after trial", "Confirm decision date",
};

/* Prices in EUR, with the list prices in USD and GBP beside them */
static const struct {
  const char *sku;
  const char *name;
  const char *unit;
  const char *price;
  const char *prices;
  const char *description;
} products[] = {
  { "CRM-SEAT", "Crm seat licence (annual)", "seat", "240.00", "{\"USD\":\"260.00\",\"GBP\":\"205.00\"}",
    "One named user, every feature of Crm, updates included, billed yearly." },
  { "CRM-SEAT-PRO", "Crm Pro seat licence (annual)", "seat", "480.00", "{\"USD\":\"520.00\",\"GBP\":\"410.00\"}",
    "A named user with forecasting, quotes and territory management." },
  { "CRM-SSO", "Single sign-on add-on", "year", "1200.00", "{\"USD\":\"1300.00\",\"GBP\":\"1025.00\"}",
    "SAML and OpenID Connect sign-in for the whole company." },
  { "CRM-API", "API access add-on", "year", "900.00", "{\"USD\":\"975.00\",\"GBP\":\"770.00\"}",
    "REST API access for integrations, 100,000 calls a day." },
  { "SUP-STD", "Standard support", "year", "1500.00", "{\"USD\":\"1625.00\",\"GBP\":\"1280.00\"}",
    "E-mail support on working days, answer within one business day." },
  { "SUP-PREM", "Premium support, 24/7", "year", "4800.00", "{\"USD\":\"5200.00\",\"GBP\":\"4100.00\"}",
    "Phone and e-mail support around the clock, answer within one hour." },
  { "SRV-ONB", "Onboarding workshop", "day", "1100.00", "{\"USD\":\"1190.00\",\"GBP\":\"940.00\"}",
    "A day on site setting up the pipeline, stages and imports with your team." },
  { "SRV-TRN", "User training", "day", "950.00", "{\"USD\":\"1030.00\",\"GBP\":\"810.00\"}",
    "Hands-on training for up to twelve users." },
  { "SRV-MIG", "Data migration", "hour", "145.50", "{\"USD\":\"158.00\",\"GBP\":\"124.50\"}",
    "Moving accounts, contacts and deals from the system you replace." },
  { "SRV-INT", "Integration consulting", "hour", "165.00", "{\"USD\":\"179.00\",\"GBP\":\"141.00\"}",
    "Connecting Crm to your ERP, mail and telephony." },
  { "HW-TAB", "Field sales tablet", "piece", "389.90", "{\"USD\":\"422.00\",\"GBP\":\"333.00\"}",
    "A rugged 10-inch tablet with Crm set up, for reps on the road." },
  { "CRM-STOR", "Extra storage, 100 GB", "month", "19.99", "{\"USD\":\"21.99\",\"GBP\":\"16.99\"}",
    "More room for attachments and documents." },
};

#define PICK(array) (array[g_rand_int_range (seeder->rand, 0, G_N_ELEMENTS (array))])

/* Helpers *************************************************************/

static char *
next_id (Seeder *seeder)
{
  guint32 w[4];

  for (guint i = 0; i < 4; i++)
    w[i] = g_rand_int (seeder->rand);
  /* A version 4 UUID made from the seeded sequence */
  return g_strdup_printf ("%08x-%04x-4%03x-%04x-%04x%08x",
                          w[0], w[1] >> 16, w[1] & 0xfff,
                          0x8000 | (w[2] & 0x3fff), w[2] >> 16, w[3]);
}

static void
set_text (CrmRecord  *record,
          const char *name,
          const char *value)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, value);
  crm_record_take_field (record, name, node);
}

static void
set_int (CrmRecord  *record,
         const char *name,
         gint64      value)
{
  crm_record_take_field (record, name, json_node_init_int (json_node_alloc (), value));
}

static void
set_bool (CrmRecord  *record,
          const char *name,
          gboolean    value)
{
  crm_record_take_field (record, name, json_node_init_boolean (json_node_alloc (), value));
}

static void
set_json (CrmRecord  *record,
          const char *name,
          const char *json)
{
  crm_record_take_field (record, name, json_from_string (json, NULL));
}

static CrmRecord *
new_record (Seeder     *seeder,
            const char *entity,
            const char *owner)
{
  g_autofree char *id = next_id (seeder);
  CrmRecord *record = crm_record_new (crm_entity_lookup (entity), id);

  crm_record_set_owner_id (record, owner);
  crm_record_set_version (record, 1);
  return record;
}

/* Checks the record as any edit is checked, then stores it as synced. */
static gboolean
save (Seeder     *seeder,
      CrmRecord  *record,
      GPtrArray  *ids,
      GError    **error)
{
  if (!crm_record_validate (record, error) ||
      !_crm_store_put_synced (seeder->store, record, error))
    return FALSE;
  if (ids)
    g_ptr_array_add (ids, g_strdup (crm_record_get_id (record)));
  return TRUE;
}

static char *
format_date (const GDate *date)
{
  return g_strdup_printf ("%04u-%02u-%02u", g_date_get_year (date),
                          g_date_get_month (date), g_date_get_day (date));
}

static char *
quarter_name (const GDate *date)
{
  return g_strdup_printf ("%04u-Q%u", g_date_get_year (date),
                          (g_date_get_month (date) - 1) / 3 + 1);
}

static char *
random_ascii_lower (const char *text)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (const char *p = text; *p; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (out, g_ascii_tolower (*p));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The pieces of the company *******************************************/

static gboolean
seed_reference_data (Seeder  *seeder,
                     GError **error)
{
  static const struct { const char *code, *name, *symbol; } currencies[] = {
    { "EUR", "Euro", "€" }, { "USD", "US dollar", "$" }, { "GBP", "Pound sterling", "£" },
  };
  static const struct { const char *currency, *rate; } rates[] = {
    { "USD", "0.92" }, { "GBP", "1.17" },
  };
  static const struct {
    const char *name, *probability, *category;
    gboolean won, lost;
  } stages[] = {
    { "Prospecting", "10", "pipeline", FALSE, FALSE },
    { "Qualification", "20", "pipeline", FALSE, FALSE },
    { "Proposal", "50", "best_case", FALSE, FALSE },
    { "Negotiation", "75", "commit", FALSE, FALSE },
    { "Closed Won", "100", "closed", TRUE, FALSE },
    { "Closed Lost", "0", "omitted", FALSE, TRUE },
  };

  if (!crm_store_set_setting (seeder->store, "company_currency", "EUR", error))
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (currencies); i++)
    {
      g_autoptr(CrmRecord) r = new_record (seeder, "currencies", NULL);

      set_text (r, "code", currencies[i].code);
      set_text (r, "name", currencies[i].name);
      set_text (r, "symbol", currencies[i].symbol);
      if (!save (seeder, r, NULL, error))
        return FALSE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (rates); i++)
    {
      g_autoptr(CrmRecord) r = new_record (seeder, "exchange_rates", NULL);
      g_autofree char *year_start = g_strdup_printf ("%04u-01-01", g_date_get_year (&seeder->today) - 1);

      set_text (r, "currency", rates[i].currency);
      set_text (r, "base_currency", "EUR");
      set_text (r, "rate", rates[i].rate);
      set_text (r, "effective_date", year_start);
      if (!save (seeder, r, NULL, error))
        return FALSE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (stages); i++)
    {
      g_autoptr(CrmRecord) r = new_record (seeder, "stages", NULL);

      set_text (r, "name", stages[i].name);
      set_int (r, "position", (i + 1) * 10);
      set_text (r, "probability", stages[i].probability);
      set_text (r, "forecast_category", stages[i].category);
      set_bool (r, "is_won", stages[i].won);
      set_bool (r, "is_lost", stages[i].lost);
      if (!save (seeder, r, seeder->stages, error))
        return FALSE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (products); i++)
    {
      g_autoptr(CrmRecord) r = new_record (seeder, "products", NULL);

      set_text (r, "sku", products[i].sku);
      set_text (r, "name", products[i].name);
      set_text (r, "unit", products[i].unit);
      set_text (r, "description", products[i].description);
      set_text (r, "unit_price", products[i].price);
      set_text (r, "currency", "EUR");
      set_text (r, "tax_rate", "19");
      set_json (r, "prices", products[i].prices);
      if (!save (seeder, r, seeder->products, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
seed_users (Seeder  *seeder,
            GError **error)
{
  /* login, display name, role, index of manager (-1: none) */
  static const struct { const char *login, *name, *role; int manager; } users[] = {
    { "admin", "Alex Admin", "admin", -1 },
    { "vic", "Vic Valdez", "manager", -1 },
    { "morgan", "Morgan Reyes", "manager", 1 },
    { "riley", "Riley Chen", "rep", 2 },
    { "sam", "Sam Okafor", "rep", 2 },
    { "taylor", "Taylor Brooks", "manager", 1 },
    { "jordan", "Jordan Weber", "rep", 5 },
    { "casey", "Casey Novak", "rep", 5 },
  };
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < G_N_ELEMENTS (users); i++)
    {
      g_autoptr(CrmRecord) r = new_record (seeder, "users", NULL);
      g_autofree char *email = g_strdup_printf ("%s@demo.example", users[i].login);

      set_text (r, "name", users[i].name);
      set_text (r, "email", email);
      set_text (r, "role", users[i].role);
      if (users[i].manager >= 0)
        set_text (r, "manager_id", g_ptr_array_index (ids, users[i].manager));
      if (!save (seeder, r, ids, error))
        return FALSE;
      if (!g_str_equal (users[i].role, "admin") && i != 1)
        g_ptr_array_add (seeder->reps, g_strdup (crm_record_get_id (r)));
    }

  /* A quota per seller per quarter, from last quarter to three ahead */
  for (guint i = 0; i < seeder->reps->len; i++)
    for (int q = -1; q <= 3; q++)
      {
        g_autoptr(CrmRecord) r = new_record (seeder, "quotas", NULL);
        g_autofree char *period = NULL;
        g_autofree char *amount = NULL;
        GDate date = seeder->today;

        g_date_set_day (&date, 1);
        if (q < 0)
          g_date_subtract_months (&date, 3);
        else
          g_date_add_months (&date, 3 * q);
        period = quarter_name (&date);
        /* In line with what a rep of the full demo closes in a quarter
         * (a few million), so attainment reads like a real team's */
        amount = g_strdup_printf ("%u.00", 4000000 + 500000 * g_rand_int_range (seeder->rand, 0, 8));
        set_text (r, "user_id", g_ptr_array_index (seeder->reps, i));
        set_text (r, "period", period);
        set_text (r, "currency", "EUR");
        set_text (r, "amount", amount);
        if (!save (seeder, r, NULL, error))
          return FALSE;
      }

  return TRUE;
}

static gboolean
seed_accounts_and_contacts (Seeder            *seeder,
                            const CrmDemoSize *size,
                            GError           **error)
{
  for (guint i = 0; i < size->accounts; i++)
    {
      const char *owner = g_ptr_array_index (seeder->reps, g_rand_int_range (seeder->rand, 0, seeder->reps->len));
      g_autoptr(CrmRecord) r = new_record (seeder, "accounts", owner);
      const char *first = PICK (company_first);
      const char *second = PICK (company_second);
      g_autofree char *name = NULL;
      g_autofree char *slug = NULL;
      g_autofree char *domain = NULL;
      g_autofree char *website = NULL;
      g_autofree char *phone = NULL;
      g_autofree char *address = NULL;
      g_autofree char *revenue = NULL;

      /* Repeat names get a branch, as real account lists have */
      if (i < G_N_ELEMENTS (company_first) * G_N_ELEMENTS (company_second))
        name = g_strdup_printf ("%s %s", first, second);
      else
        name = g_strdup_printf ("%s %s %s", first, second, PICK (cities));
      slug = random_ascii_lower (name);
      domain = g_strdup_printf ("%s.example", slug);
      website = g_strdup_printf ("https://www.%s", domain);
      phone = g_strdup_printf ("+49 30 %04u %04u", g_rand_int_range (seeder->rand, 1000, 9999),
                               g_rand_int_range (seeder->rand, 1000, 9999));
      address = g_strdup_printf ("%u Market Street, %s", g_rand_int_range (seeder->rand, 1, 200), PICK (cities));
      revenue = g_strdup_printf ("%u000000.00", g_rand_int_range (seeder->rand, 1, 900));

      set_text (r, "name", name);
      set_text (r, "industry", PICK (industries));
      set_text (r, "website", website);
      set_text (r, "phone", phone);
      set_text (r, "address", address);
      set_text (r, "annual_revenue", revenue);
      if (!save (seeder, r, seeder->accounts, error))
        return FALSE;
      g_ptr_array_add (seeder->account_domains, g_steal_pointer (&domain));
    }

  for (guint i = 0; i < size->contacts; i++)
    {
      guint account = g_rand_int_range (seeder->rand, 0, seeder->accounts->len);
      const char *owner = g_ptr_array_index (seeder->reps, g_rand_int_range (seeder->rand, 0, seeder->reps->len));
      g_autoptr(CrmRecord) r = new_record (seeder, "contacts", owner);
      const char *first = PICK (first_names);
      const char *last = PICK (last_names);
      g_autofree char *local = g_strdup_printf ("%s.%s", first, last);
      g_autofree char *local_ascii = random_ascii_lower (local);
      g_autofree char *emails = g_strdup_printf ("[{\"type\":\"work\",\"value\":\"%s@%s\"}]",
                                                 local_ascii,
                                                 (char *) g_ptr_array_index (seeder->account_domains, account));
      g_autofree char *phones = g_strdup_printf ("[{\"type\":\"work\",\"value\":\"+49 170 %07u\"}]",
                                                 g_rand_int_range (seeder->rand, 1000000, 9999999));

      set_text (r, "first_name", first);
      set_text (r, "last_name", last);
      set_text (r, "title", PICK (titles));
      set_text (r, "account_id", g_ptr_array_index (seeder->accounts, account));
      set_json (r, "emails", emails);
      set_json (r, "phones", phones);
      if (!save (seeder, r, seeder->contacts, error))
        return FALSE;
      g_ptr_array_add (seeder->contact_accounts, g_ptr_array_index (seeder->accounts, account));
    }

  return TRUE;
}

static gboolean
seed_opportunities (Seeder            *seeder,
                    const CrmDemoSize *size,
                    GError           **error)
{
  static const char * const currencies[] = { "EUR", "EUR", "EUR", "EUR", "USD", "GBP" };

  for (guint i = 0; i < size->opportunities; i++)
    {
      guint contact = g_rand_int_range (seeder->rand, 0, seeder->contacts->len);
      const char *account_id = g_ptr_array_index (seeder->contact_accounts, contact);
      const char *owner = g_ptr_array_index (seeder->reps, g_rand_int_range (seeder->rand, 0, seeder->reps->len));
      g_autoptr(CrmRecord) r = new_record (seeder, "opportunities", owner);
      g_autoptr(CrmRecord) account = crm_store_get (seeder->store, "accounts", account_id, NULL);
      /* From a year ago to the end of the quarter after next */
      int offset_days = g_rand_int_range (seeder->rand, -365, 3 * 92);
      GDate close = seeder->today;
      g_autofree char *close_text = NULL;
      g_autofree char *name = NULL;
      g_autofree char *amount = NULL;
      guint stage;

      if (offset_days < 0)
        g_date_subtract_days (&close, -offset_days);
      else
        g_date_add_days (&close, offset_days);
      close_text = format_date (&close);

      /* Past deals are mostly decided; future ones spread over open stages */
      if (offset_days < -30)
        stage = g_rand_int_range (seeder->rand, 0, 10) < 6 ? 4 : 5;
      else if (offset_days < 0)
        stage = g_rand_int_range (seeder->rand, 2, 6);
      else
        stage = g_rand_int_range (seeder->rand, 0, 4);

      name = g_strdup_printf ("%s — %s", crm_record_get_string (account, "name"), PICK (deal_kinds));
      amount = g_strdup_printf ("%u%s", g_rand_int_range (seeder->rand, 20, 2000) * 250,
                                g_rand_int_range (seeder->rand, 0, 4) == 0 ? ".50" : ".00");

      set_text (r, "name", name);
      set_text (r, "account_id", account_id);
      set_text (r, "contact_id", g_ptr_array_index (seeder->contacts, contact));
      set_text (r, "stage_id", g_ptr_array_index (seeder->stages, stage));
      set_text (r, "currency", PICK (currencies));
      set_text (r, "amount", amount);
      set_text (r, "expected_close_date", close_text);
      if (stage < 4)
        set_text (r, "next_step", PICK (next_steps));
      if (stage == 5)
        set_text (r, "lost_reason", g_rand_boolean (seeder->rand) ? "Price" : "Chose a competitor");
      /* A few deals carry the rep's own judgement */
      if (stage < 4 && g_rand_int_range (seeder->rand, 0, 10) == 0)
        set_text (r, "probability", g_rand_boolean (seeder->rand) ? "35" : "60");
      if (!save (seeder, r, seeder->opportunities, error))
        return FALSE;

      /* Activity history: a call or a meeting around most deals */
      if (g_rand_int_range (seeder->rand, 0, 3) != 0)
        {
          static const char * const kinds[] = { "call", "meeting", "task", "note" };
          g_autoptr(CrmRecord) a = new_record (seeder, "activities", owner);
          const char *kind = PICK (kinds);
          g_autofree char *subject = g_strdup_printf ("%s: %s", kind, PICK (next_steps));
          g_autofree char *due = NULL;
          GDate when = seeder->today;
          int days = g_rand_int_range (seeder->rand, -60, 21);

          if (days < 0)
            g_date_subtract_days (&when, -days);
          else
            g_date_add_days (&when, days);
          due = g_strdup_printf ("%04u-%02u-%02uT%02u:00:00Z", g_date_get_year (&when),
                                 g_date_get_month (&when), g_date_get_day (&when),
                                 g_rand_int_range (seeder->rand, 8, 18));
          subject[0] = g_ascii_toupper (subject[0]);
          set_text (a, "kind", kind);
          set_text (a, "subject", subject);
          set_text (a, "due_at", due);
          set_bool (a, "done", days < 0);
          set_text (a, "opportunity_id", crm_record_get_id (r));
          set_text (a, "account_id", account_id);
          set_text (a, "contact_id", g_ptr_array_index (seeder->contacts, contact));
          if (!save (seeder, a, NULL, error))
            return FALSE;
        }

      /* A quote for about one deal in ten */
      if (g_rand_int_range (seeder->rand, 0, 10) == 0)
        {
          g_autoptr(CrmRecord) q = new_record (seeder, "quotes", owner);
          g_autoptr(GString) lines = g_string_new ("[");
          g_autofree char *number = g_strdup_printf ("Q-%05u", i + 1);
          guint n_lines = g_rand_int_range (seeder->rand, 1, 5);

          for (guint l = 0; l < n_lines; l++)
            {
              guint p = g_rand_int_range (seeder->rand, 0, G_N_ELEMENTS (products));

              g_string_append_printf (lines,
                                      "%s{\"description\":\"%s\",\"product_id\":\"%s\","
                                      "\"quantity\":\"%u\",\"unit_price\":\"%s\",\"tax_rate\":\"19\"}",
                                      l ? "," : "", products[p].name,
                                      (char *) g_ptr_array_index (seeder->products, p),
                                      g_rand_int_range (seeder->rand, 1, 50), products[p].price);
            }
          g_string_append_c (lines, ']');
          set_text (q, "number", number);
          set_int (q, "revision", 1);
          set_text (q, "status", stage == 4 ? "accepted" : stage == 5 ? "rejected" : "sent");
          set_text (q, "opportunity_id", crm_record_get_id (r));
          set_text (q, "account_id", account_id);
          set_text (q, "currency", "EUR");
          set_text (q, "valid_until", close_text);
          set_text (q, "terms", "30 days net");
          set_json (q, "lines", lines->str);
          set_text (q, "shipping", "0");
          set_text (q, "tax_mode", "document");
          set_text (q, "rounding", "half-up");
          if (!crm_record_validate (q, error) ||
              !crm_quote_record_compute (q, error) ||
              !save (seeder, q, NULL, error))
            return FALSE;
        }
    }

  return TRUE;
}

/* Public API **********************************************************/

gboolean
crm_demo_is_seeded (CrmStore *store)
{
  g_autofree char *seeded = crm_store_dup_setting (store, "demo_seeded");

  return seeded != NULL;
}

/**
 * crm_demo_seed:
 * @today: (nullable): the day the data is laid out around; %NULL for now
 *
 * Fills an empty store with the demo company, in one transaction, as if
 * it had been synced from a server (no outbox entries).
 */
gboolean
crm_demo_seed (CrmStore          *store,
               const CrmDemoSize *size,
               GDateTime         *today,
               GError           **error)
{
  g_autoptr(GDateTime) now = today ? g_date_time_ref (today) : g_date_time_new_now_utc ();
  Seeder seeder = { store };
  gboolean ok = FALSE;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (size != NULL, FALSE);

  if (crm_demo_is_seeded (store))
    return TRUE;

  seeder.rand = g_rand_new_with_seed (DEMO_SEED);
  g_date_clear (&seeder.today, 1);
  g_date_set_dmy (&seeder.today, g_date_time_get_day_of_month (now),
                  g_date_time_get_month (now), g_date_time_get_year (now));
  seeder.reps = g_ptr_array_new_with_free_func (g_free);
  seeder.stages = g_ptr_array_new_with_free_func (g_free);
  seeder.accounts = g_ptr_array_new_with_free_func (g_free);
  seeder.account_domains = g_ptr_array_new_with_free_func (g_free);
  seeder.contacts = g_ptr_array_new_with_free_func (g_free);
  seeder.contact_accounts = g_ptr_array_new ();
  seeder.opportunities = g_ptr_array_new_with_free_func (g_free);
  seeder.products = g_ptr_array_new_with_free_func (g_free);

  if (crm_store_begin (store, error))
    {
      if (seed_reference_data (&seeder, error) &&
          seed_users (&seeder, error) &&
          seed_accounts_and_contacts (&seeder, size, error) &&
          seed_opportunities (&seeder, size, error) &&
          crm_store_set_setting (store, "demo_seeded", "1", error))
        ok = crm_store_commit (store, error);
      else
        crm_store_rollback (store);
    }

  g_rand_free (seeder.rand);
  g_ptr_array_unref (seeder.reps);
  g_ptr_array_unref (seeder.stages);
  g_ptr_array_unref (seeder.accounts);
  g_ptr_array_unref (seeder.account_domains);
  g_ptr_array_unref (seeder.contacts);
  g_ptr_array_unref (seeder.contact_accounts);
  g_ptr_array_unref (seeder.opportunities);
  g_ptr_array_unref (seeder.products);

  return ok;
}
