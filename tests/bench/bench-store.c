/* bench-store.c: how fast the store inserts and searches contacts
 *
 * Goals (see the issue): ≥ 200k contacts/s inserted through
 * crm_store_create() in one transaction; type-ahead search p95 ≤ 10 ms
 * over 1M contacts.
 *
 * Prints one JSON object per measurement on stdout, one per line; progress
 * goes to stderr. Nothing is asserted: run it on demand
 * (meson test --benchmark, or directly) and compare the numbers.
 *
 *   insert_contacts     N contacts created in one transaction on a fresh
 *                       store (--rows, default 100000)
 *   build_search_store  the same for the search store (--search-rows,
 *                       default 1000000); reused when --dir already holds it
 *   search              crm_store_search (text, limit 20) over the search
 *                       store, once for all queries and once per kind
 *   list                crm_store_list ("contacts", text, limit 50, offset 0)
 *                       with the same queries
 *
 * The contacts and queries come from seeded GRands, so every run stores
 * the same names (ids, timestamps and outbox mutation ids still differ).
 * Only the calls into libcrm are timed: each batch of field objects is
 * built before the clock starts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "bench-store"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "bench-util.h"
#include "crm-store.h"
#include "crm-store-private.h"

#define DATA_SEED  20261123
#define QUERY_SEED 4242
#define BATCH      10000
#define OWNER_ID   "5b0c7c3e-8a51-4c1e-9f0a-2f7d6c1b9e42"

/* --verbose: every query's time on stderr, to find the slow ones */
static gboolean verbose = FALSE;

/* Data ******************************************************************/

/* Ordered roughly from common to rare: pick_skewed() favours the start */
static const char * const first_names[] = {
  "Maria", "Anna", "Thomas", "Michael", "Laura", "David", "Sarah", "Daniel",
  "Julia", "Peter", "Sophie", "Lukas", "Elena", "James", "Emma", "Paul",
  "Marie", "Jan", "Lisa", "Alexander", "Sofia", "Martin", "Katharina", "John",
  "Andrea", "Stefan", "Claire", "Luca", "Hannah", "Markus", "Chiara", "Robert",
  "Ana", "Jonas", "Olivia", "Matteo", "Eva", "Carlos", "Isabel", "Pierre",
  "Ingrid", "Sven", "Nina", "Diego", "Fatima", "Omar", "Amara", "Noah",
  "Yuki", "Priya", "Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis",
  "Barbara", "Ken", "Frances", "Radia", "Tim", "Hedy", "Vint", "Katherine",
  "Donald", "Mateo", "Lucía", "José", "Zoë", "Chloé", "Jürgen", "Björn",
  "Søren", "Łukasz", "Agnieszka", "Piotr", "Tomáš", "Zuzana", "Dimitri",
  "Aleksandra", "Ivan", "Olga", "Mehmet", "Ayşe", "Emre", "Leila", "Karim",
  "Yusuf", "Aisha", "Kwame", "Ngozi", "Chinedu", "Thabo", "Wei", "Mei",
  "Hiroshi", "Sakura", "Min-jun", "Seo-yeon", "Arjun", "Ananya", "Rahul",
  "Deepa", "Siddharth", "Nguyen", "Linh", "Mohammed", "Nour", "Rania",
  "Felipe", "Camila", "Valentina", "Santiago", "Gabriel", "Beatriz", "Tiago",
  "Inês", "Aoife", "Ciarán", "Niamh", "Eilidh", "Rhys", "Gwen", "Astrid",
  "Freja", "Mikael", "Aino", "Eero", "Katrin", "Jaan", "Rūta", "Jonas",
  "Oskar", "Wiebke", "Hauke", "Friederike", "Benedikt", "Quentin", "Xavier",
  "Yvonne", "Zacharias", "Ulrike", "Vera", "Wolfgang", "Xenia", "Yannick",
};

static const char * const last_names[] = {
  "Müller", "Schmidt", "Smith", "García", "Rossi", "Martin", "Johnson",
  "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
  "Hoffmann", "Dubois", "Bernard", "Brown", "Williams", "Jones", "Taylor",
  "Fernández", "López", "Martínez", "González", "Rodríguez", "Bianchi",
  "Romano", "Colombo", "Ricci", "Nowak", "Kowalski", "Wiśniewski", "Novak",
  "Svoboda", "Nilsson", "Larsen", "Hansen", "Jensen", "Andersson",
  "Johansson", "Korhonen", "Virtanen", "de Vries", "Jansen", "van Dijk",
  "Peeters", "Janssens", "O'Brien", "Murphy", "Kelly", "Walsh", "Tanaka",
  "Suzuki", "Sato", "Watanabe", "Kim", "Lee", "Park", "Chen", "Wang", "Li",
  "Zhang", "Liu", "Nguyen", "Tran", "Sharma", "Patel", "Singh", "Khan",
  "Haddad", "Okafor", "Mensah", "Diallo", "Yilmaz", "Kaya", "Demir",
  "Ivanov", "Petrov", "Popescu", "Horvat", "Nagy", "Papadopoulos", "Cohen",
  "Levi", "Silva", "Santos", "Oliveira", "Pereira", "Costa", "Lovelace",
  "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov",
  "Thompson", "Allen", "McCarthy", "Perlman", "Berners-Lee", "Lamarr",
  "Cerf", "Knuth", "Zimmermann", "Ziegler", "Quintana", "Underwood",
  "Xiong", "Yamamoto", "Østergaard", "Ågren", "Çelik", "Şahin", "Đorđević",
};

/* Rarer surnames are made of a root and an ending: ~1000 more names */
static const char * const surname_roots[] = {
  "Lind", "Berg", "Holm", "Rosen", "Eck", "Schwarz", "Wein", "Stein", "Gold",
  "Kirch", "Hart", "Brook", "Ash", "Fair", "Wood", "Green", "Black", "Mar",
  "Val", "Mont", "Bel", "Cas", "Fer", "Car", "San", "Dal", "Kow", "Petr",
  "Mor", "Naka", "Yama", "Kob", "Hash", "Ober", "Unter", "Neu", "Alt",
  "Gross", "Klein", "Wald",
};

static const char * const surname_endings[] = {
  "ström", "berg", "mann", "feld", "stein", "er", "son", "sen", "ley", "ton",
  "field", "wood", "ford", "ini", "elli", "etti", "ez", "es", "ov", "ski",
  "enko", "ić", "moto", "mura", "hofer", "bauer",
};

static const char * const titles[] = {
  "CEO", "CFO", "CTO", "COO", "VP Sales", "VP Marketing", "VP Engineering",
  "Head of Procurement", "Head of IT", "Head of Finance", "IT Director",
  "Sales Director", "Operations Manager", "Purchasing Lead", "Office Manager",
  "Product Owner", "Product Manager", "Project Manager", "Account Manager",
  "Key Account Manager", "Software Engineer", "Data Analyst", "Controller",
  "Buyer", "Senior Buyer", "Category Manager", "Marketing Manager",
  "HR Business Partner", "Legal Counsel", "Facility Manager",
  "Customer Success Manager", "Managing Director", "Founder", "Consultant",
  "Assistant to the CEO", "Logistics Coordinator", "Quality Manager",
  "Plant Manager", "Chief Revenue Officer", "Head of Partnerships",
};

static const char * const company_first[] = {
  "acme", "globex", "initech", "umbrella", "stark", "wayne", "wonka",
  "tyrell", "cyberdyne", "soylent", "hooli", "vandelay", "aperture",
  "oceanic", "monarch", "piedpiper", "nakatomi", "dunder", "bluesun",
  "virtucon", "massive", "sterling", "northwind", "contoso", "fabrikam",
  "tailspin", "litware", "proseware", "adatum", "wingtip", "alpine",
  "baltic", "cobalt", "delta", "ember", "fjord", "granite", "harbor",
  "iris", "juniper",
};

static const char * const company_second[] = {
  "logistics", "industries", "systems", "foods", "pharma", "energy", "labs",
  "robotics", "media", "consulting", "airlines", "holdings", "retail",
  "manufacturing", "analytics", "networks", "bank", "insurance", "hotels",
  "textiles", "motors", "software", "chemicals", "shipping",
};

static const char * const top_domains[] = {
  "example", "example.com", "example.org", "example.net",
};

static const char * const country_codes[] = {
  "+49", "+49", "+49", "+33", "+44", "+1", "+39", "+34", "+31", "+46",
  "+48", "+41", "+43",
};

typedef struct
{
  GRand *rand;
} Gen;

#define UNIFORM(gen, array) \
  (array[g_rand_int_range ((gen)->rand, 0, G_N_ELEMENTS (array))])

/* An index in [0, n) with density ∝ 1/√x: a few names are very common, as
 * in any real contact list, and every name still occurs. */
static guint
pick_skewed (Gen   *gen,
             guint  n)
{
  double u = g_rand_double (gen->rand);
  guint i = (guint) (u * u * n);

  return MIN (i, n - 1);
}

static const char *
pick_first_name (Gen *gen)
{
  return first_names[pick_skewed (gen, G_N_ELEMENTS (first_names))];
}

static char *
make_last_name (Gen *gen)
{
  if (g_rand_boolean (gen->rand))
    return g_strdup (last_names[pick_skewed (gen, G_N_ELEMENTS (last_names))]);
  return g_strconcat (UNIFORM (gen, surname_roots), UNIFORM (gen, surname_endings), NULL);
}

/* "Jürgen" → "jurgen", "O'Brien" → "obrien", "de Vries" → "devries" */
static char *
email_part (const char *name)
{
  g_autofree char *ascii = g_str_to_ascii (name, "C");
  GString *out = g_string_new (NULL);

  for (const char *p = ascii; *p; p++)
    if (g_ascii_isalnum (*p) || *p == '-')
      g_string_append_c (out, g_ascii_tolower (*p));
  return g_string_free (out, FALSE);
}

static JsonObject *
contact_point (const char *type,
               const char *value)
{
  JsonObject *point = json_object_new ();

  json_object_set_string_member (point, "type", type);
  json_object_set_string_member (point, "value", value);
  return point;
}

/* The fields a person would type for a new contact: a name, most of the
 * time a title, one email and one phone. */
static JsonObject *
make_contact (Gen *gen)
{
  JsonObject *fields = json_object_new ();
  const char *first = pick_first_name (gen);
  g_autofree char *last = make_last_name (gen);
  g_autofree char *first_part = email_part (first);
  g_autofree char *last_part = email_part (last);
  g_autofree char *domain = NULL;
  g_autofree char *local = NULL;
  g_autofree char *email = NULL;
  g_autofree char *phone = NULL;
  JsonArray *emails = json_array_new ();
  JsonArray *phones = json_array_new ();
  guint style = g_rand_int_range (gen->rand, 0, 10);

  domain = g_strdup_printf ("%s-%s.%s", UNIFORM (gen, company_first),
                            UNIFORM (gen, company_second), UNIFORM (gen, top_domains));
  if (style < 6)
    local = g_strdup_printf ("%s.%s", first_part, last_part);
  else if (style < 8)
    local = g_strdup_printf ("%c.%s", first_part[0], last_part);
  else if (style < 9)
    local = g_strdup_printf ("%s%s", first_part, last_part);
  else
    local = g_strdup_printf ("%s.%s%u", first_part, last_part,
                             (guint) g_rand_int_range (gen->rand, 1, 100));
  email = g_strdup_printf ("%s@%s", local, domain);
  phone = g_strdup_printf ("%s %u %07u", UNIFORM (gen, country_codes),
                           (guint) g_rand_int_range (gen->rand, 20, 999),
                           (guint) g_rand_int_range (gen->rand, 0, 10000000));

  json_object_set_string_member (fields, "first_name", first);
  json_object_set_string_member (fields, "last_name", last);
  if (g_rand_int_range (gen->rand, 0, 10) != 0)
    json_object_set_string_member (fields, "title", UNIFORM (gen, titles));
  json_array_add_object_element (emails, contact_point (style < 9 ? "work" : "home", email));
  json_array_add_object_element (phones, contact_point (g_rand_boolean (gen->rand) ? "work" : "mobile",
                                                        phone));
  json_object_set_array_member (fields, "emails", emails);
  json_object_set_array_member (fields, "phones", phones);
  return fields;
}

/* Queries ***************************************************************/

typedef enum
{
  QUERY_PREFIX_1,
  QUERY_PREFIX_2,
  QUERY_PREFIX_3,
  QUERY_TWO_WORDS,
  N_QUERY_KINDS
} QueryKind;

static const char * const query_kind_names[N_QUERY_KINDS] = {
  "prefix_1", "prefix_2", "prefix_3", "two_words",
};

typedef struct
{
  QueryKind  kind;
  char      *text;
} Query;

static void
query_clear (Query *query)
{
  g_clear_pointer (&query->text, g_free);
}

/* The first @n characters of @name, lower case as people type */
static char *
typed_prefix (const char *name,
              guint       n)
{
  g_autofree char *lower = g_utf8_strdown (name, -1);
  glong len = g_utf8_strlen (lower, -1);

  return g_utf8_substring (lower, 0, MIN ((glong) n, len));
}

/* What people type into a search box: the start of a first or last name,
 * or a first name and the start of the last name ("maria sch"). Names are
 * drawn from the same distribution as the contacts. */
static GArray *
make_queries (guint n)
{
  GArray *queries = g_array_sized_new (FALSE, TRUE, sizeof (Query), n);
  Gen gen = { g_rand_new_with_seed (QUERY_SEED) };

  g_array_set_clear_func (queries, (GDestroyNotify) query_clear);
  for (guint i = 0; i < n; i++)
    {
      Query query = { (QueryKind) (i % N_QUERY_KINDS), NULL };
      g_autofree char *last = make_last_name (&gen);
      const char *first = pick_first_name (&gen);
      const char *name = g_rand_boolean (gen.rand) ? first : last;

      if (query.kind == QUERY_TWO_WORDS)
        {
          g_autofree char *start = typed_prefix (last, g_rand_int_range (gen.rand, 1, 5));
          g_autofree char *lower_first = g_utf8_strdown (first, -1);

          query.text = g_strdup_printf ("%s %s", lower_first, start);
        }
      else
        query.text = typed_prefix (name, (guint) query.kind + 1);
      g_array_append_val (queries, query);
    }

  g_rand_free (gen.rand);
  return queries;
}

/* Reporting *************************************************************/

typedef struct
{
  GArray  *micros;  /* gint64 per query */
  guint64  hits;
  guint    empty;
} Series;

static void
series_init (Series *series)
{
  series->micros = g_array_new (FALSE, FALSE, sizeof (gint64));
  series->hits = 0;
  series->empty = 0;
}

static void
series_add (Series *series,
            gint64  micros,
            guint   hits)
{
  g_array_append_val (series->micros, micros);
  series->hits += hits;
  if (hits == 0)
    series->empty++;
}

static void
series_print (Series     *series,
              const char *name,
              const char *kind,
              guint       rows,
              guint       limit)
{
  GArray *us = series->micros;
  gint64 total = 0;

  if (us->len == 0)
    return;
  g_array_sort (us, bench_compare_gint64);
  for (guint i = 0; i < us->len; i++)
    total += g_array_index (us, gint64, i);

  printf ("{\"bench\":\"store\",\"name\":\"%s\",\"kind\":\"%s\",\"rows\":%u,\"limit\":%u,"
          "\"queries\":%u,\"p50_ms\":%.3f,\"p95_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,"
          "\"mean_ms\":%.3f,\"hits\":%" G_GUINT64_FORMAT ",\"mean_hits\":%.1f,\"empty\":%u}\n",
          name, kind, rows, limit, us->len,
          bench_percentile_ms (us, 50), bench_percentile_ms (us, 95), bench_percentile_ms (us, 99),
          g_array_index (us, gint64, us->len - 1) / 1000.0,
          total / 1000.0 / us->len,
          series->hits, (double) series->hits / us->len, series->empty);
  fflush (stdout);
}

static void
series_clear (Series *series)
{
  g_clear_pointer (&series->micros, g_array_unref);
}

/* Files *****************************************************************/

static gboolean
remove_if_present (const char  *path,
                   GError     **error)
{
  if (g_remove (path) != 0 && errno != ENOENT)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot remove %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static gboolean
remove_database (const char  *path,
                 GError     **error)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);

  return remove_if_present (path, error) &&
         remove_if_present (wal, error) &&
         remove_if_present (shm, error);
}

/* Only for the temporary folder this program made: it holds nothing else */
static void
remove_temp_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_remove (child) != 0)
        g_printerr ("bench-store: cannot remove %s: %s\n", child, g_strerror (errno));
    }
  if (g_rmdir (path) != 0)
    g_printerr ("bench-store: cannot remove %s: %s\n", path, g_strerror (errno));
}

static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : 0;
}

/* Inserting *************************************************************/

typedef struct
{
  gint64 total_us;   /* begin, every create and the commit */
  gint64 commit_us;
  gint64 make_us;    /* building the field objects: not part of total */
} InsertTiming;

/* Creates @n contacts in one transaction, the way an import would. */
static gboolean
insert_contacts (CrmStore      *store,
                 Gen           *gen,
                 guint          n,
                 InsertTiming  *timing,
                 GError       **error)
{
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  gint64 start;

  memset (timing, 0, sizeof *timing);

  start = g_get_monotonic_time ();
  if (!crm_store_begin (store, error))
    return FALSE;
  timing->total_us += g_get_monotonic_time () - start;

  for (guint done = 0; done < n;)
    {
      guint count = MIN (BATCH, n - done);

      start = g_get_monotonic_time ();
      g_ptr_array_set_size (batch, 0);
      for (guint i = 0; i < count; i++)
        g_ptr_array_add (batch, make_contact (gen));
      timing->make_us += g_get_monotonic_time () - start;

      start = g_get_monotonic_time ();
      for (guint i = 0; i < count; i++)
        {
          CrmRecord *record = crm_store_create (store, "contacts",
                                                g_ptr_array_index (batch, i), error);

          if (record == NULL)
            {
              crm_store_rollback (store);
              return FALSE;
            }
          g_object_unref (record);
        }
      timing->total_us += g_get_monotonic_time () - start;
      done += count;
      if (n >= 10 * BATCH && done % (10 * BATCH) == 0)
        g_printerr ("bench-store:   %u/%u\n", done, n);
    }

  start = g_get_monotonic_time ();
  if (!crm_store_commit (store, error))
    return FALSE;
  timing->commit_us = g_get_monotonic_time () - start;
  timing->total_us += timing->commit_us;
  return TRUE;
}

static CrmStore *
open_fresh (const char  *path,
            GError     **error)
{
  g_autoptr(CrmStore) store = NULL;

  if (!remove_database (path, error) ||
      !(store = crm_store_open (path, error)) ||
      !crm_store_set_setting (store, "current_user_id", OWNER_ID, error))
    return NULL;
  return g_steal_pointer (&store);
}

static void
print_insert (const char         *name,
              guint               rows,
              const InsertTiming *timing,
              gint64              close_us,
              const char         *path)
{
  double seconds = timing->total_us / 1e6;

  printf ("{\"bench\":\"store\",\"name\":\"%s\",\"rows\":%u,\"seconds\":%.3f,"
          "\"rows_per_s\":%.0f,\"commit_seconds\":%.3f,\"close_seconds\":%.3f,"
          "\"generate_seconds\":%.3f,\"db_bytes\":%" G_GINT64_FORMAT "}\n",
          name, rows, seconds, seconds > 0 ? rows / seconds : 0.0,
          timing->commit_us / 1e6, close_us / 1e6, timing->make_us / 1e6,
          file_size (path));
  fflush (stdout);
}

static gboolean
bench_insert (const char  *dir,
              guint        rows,
              GError     **error)
{
  g_autofree char *path = g_build_filename (dir, "insert-contacts.db", NULL);
  g_autoptr(CrmStore) store = NULL;
  Gen gen = { g_rand_new_with_seed (DATA_SEED) };
  InsertTiming timing;
  gboolean ok;
  gint64 start;

  g_printerr ("bench-store: inserting %u contacts into %s\n", rows, path);
  if (!(store = open_fresh (path, error)))
    {
      g_rand_free (gen.rand);
      return FALSE;
    }
  ok = insert_contacts (store, &gen, rows, &timing, error);
  g_rand_free (gen.rand);
  if (!ok)
    return FALSE;

  /* Closing checkpoints the WAL into the database */
  start = g_get_monotonic_time ();
  g_clear_object (&store);
  print_insert ("insert_contacts", rows, &timing, g_get_monotonic_time () - start, path);
  return TRUE;
}

/* Searching *************************************************************/

static CrmStore *
open_search_store (const char  *dir,
                   guint        rows,
                   GError     **error)
{
  g_autofree char *name = g_strdup_printf ("search-%u.db", rows);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(CrmStore) store = NULL;
  Gen gen = { NULL };
  InsertTiming timing;
  gboolean ok;
  gint64 start;

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      gint64 count;

      if (!(store = crm_store_open (path, error)) ||
          (count = crm_store_count (store, "contacts", error)) < 0)
        return NULL;
      if (count == rows)
        {
          g_printerr ("bench-store: reusing %s\n", path);
          return g_steal_pointer (&store);
        }
      g_clear_object (&store);
    }

  g_printerr ("bench-store: building %s with %u contacts\n", path, rows);
  if (!(store = open_fresh (path, error)))
    return NULL;
  gen.rand = g_rand_new_with_seed (DATA_SEED);
  ok = insert_contacts (store, &gen, rows, &timing, error);
  g_rand_free (gen.rand);
  if (!ok)
    return NULL;

  start = g_get_monotonic_time ();
  g_clear_object (&store);
  print_insert ("build_search_store", rows, &timing, g_get_monotonic_time () - start, path);

  /* Searched as the app would after starting: on a freshly opened store */
  return crm_store_open (path, error);
}

typedef enum
{
  CALL_SEARCH,
  CALL_LIST,
} Call;

static gboolean
bench_queries (CrmStore  *store,
               GArray    *queries,
               Call       call,
               guint      rows,
               GError   **error)
{
  const char *name = call == CALL_SEARCH ? "search" : "list";
  guint limit = call == CALL_SEARCH ? 20 : 50;
  Series all;
  Series by_kind[N_QUERY_KINDS];
  gboolean ok = TRUE;

  series_init (&all);
  for (guint k = 0; k < N_QUERY_KINDS; k++)
    series_init (&by_kind[k]);

  g_printerr ("bench-store: %u x %s\n", queries->len, name);
  for (guint i = 0; i < queries->len && ok; i++)
    {
      const Query *query = &g_array_index (queries, Query, i);
      g_autoptr(GPtrArray) hits = NULL;
      gint64 start = g_get_monotonic_time ();
      gint64 micros;

      if (call == CALL_SEARCH)
        hits = crm_store_search (store, query->text, limit, error);
      else
        hits = crm_store_list (store, "contacts", query->text, limit, 0, error);
      micros = g_get_monotonic_time () - start;
      if (hits == NULL)
        {
          g_prefix_error (error, "\"%s\": ", query->text);
          ok = FALSE;
          break;
        }
      if (verbose)
        fprintf (stderr, "bench-store: %s %-9s %8.3f ms %4u hits  %s\n", name,
                    query_kind_names[query->kind], micros / 1000.0, hits->len, query->text);
      series_add (&all, micros, hits->len);
      series_add (&by_kind[query->kind], micros, hits->len);
    }

  if (ok)
    {
      series_print (&all, name, "all", rows, limit);
      for (guint k = 0; k < N_QUERY_KINDS; k++)
        series_print (&by_kind[k], name, query_kind_names[k], rows, limit);
    }

  series_clear (&all);
  for (guint k = 0; k < N_QUERY_KINDS; k++)
    series_clear (&by_kind[k]);
  return ok;
}

static gboolean
bench_search (const char  *dir,
              guint        rows,
              guint        n_queries,
              GError     **error)
{
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(GArray) queries = NULL;

  if (!(store = open_search_store (dir, rows, error)))
    return FALSE;
  queries = make_queries (n_queries);
  return bench_queries (store, queries, CALL_SEARCH, rows, error) &&
         bench_queries (store, queries, CALL_LIST, rows, error);
}

/* Main ******************************************************************/

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  gboolean temporary = FALSE;
  gboolean ok = TRUE;
  int rows = 100000;
  int search_rows = 1000000;
  int n_queries = 1000;
  const GOptionEntry entries[] = {
    { "rows", 0, 0, G_OPTION_ARG_INT, &rows,
      "Contacts to insert in one transaction (0: skip)", "N" },
    { "search-rows", 0, 0, G_OPTION_ARG_INT, &search_rows,
      "Contacts in the store searched (0: skip searching)", "N" },
    { "queries", 0, 0, G_OPTION_ARG_INT, &n_queries,
      "Searches to time, and as many lists", "N" },
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir,
      "Keep the databases in DIR and reuse the search store from there "
      "(default: a temporary folder removed at the end)", "DIR" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
      "Print every query, its time and its hits on stderr", NULL },
    { NULL }
  };

  context = g_option_context_new ("- time inserting and searching contacts");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-store: %s\n", error->message);
      return 2;
    }
  if (rows < 0 || search_rows < 0 || n_queries < 1)
    {
      g_printerr ("bench-store: --rows and --search-rows must be >= 0, --queries >= 1\n");
      return 2;
    }

  if (dir == NULL)
    {
      if (!(dir = g_dir_make_tmp ("crm-bench-store-XXXXXX", &error)))
        {
          g_printerr ("bench-store: %s\n", error->message);
          return 1;
        }
      temporary = TRUE;
    }
  else if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_printerr ("bench-store: cannot create %s: %s\n", dir, g_strerror (errno));
      return 1;
    }

  if (rows > 0)
    ok = bench_insert (dir, (guint) rows, &error);
  if (ok && search_rows > 0)
    ok = bench_search (dir, (guint) search_rows, (guint) n_queries, &error);

  if (!ok)
    g_printerr ("bench-store: %s\n", error->message);
  if (temporary)
    remove_temp_dir (dir);
  return ok ? 0 : 1;
}
