/* bench-sync.c: the first sync, an idle re-sync and a local edit
 *
 * Goals (see the sync issue): the first sync of 100k contacts and 50k
 * opportunities within 1.5× the floor and at ≥ 50k records/s; an idle
 * re-sync is one request and ≤ 20 ms; a local edit (the row and its
 * outbox entry, synchronous=FULL) p99 ≤ 5 ms.
 *
 * Starts a real crm-server (--server PATH or $CRM_SERVER) on 127.0.0.1
 * with a fresh data directory and an admin user, seeds it over the API,
 * then measures, printing one JSON object per measurement on stdout
 * (progress on stderr; nothing is asserted):
 *
 *   seed            the pushes that fill the server (not a goal, context)
 *   floor_fetch     every pull page fetched with the curl program, one
 *                   process per page, as a shell script would
 *   floor_load      those pages loaded into SQLite by the sqlite3 shell
 *                   (json_each over readfile(), one transaction per page,
 *                   WAL and synchronous=FULL like the client)
 *   floor           the two together: the cheapest way to get the data
 *                   onto this disk with stock tools
 *   first_sync      crm_sync_run() on a freshly logged-in profile, with
 *                   the ratio to the floor
 *   idle_sync       crm_sync_run() again with nothing new, --idle-runs
 *                   times: p50/p99/max, and the HTTP requests one pass
 *                   makes, counted by a relaying proxy on a second profile
 *   local_edit      crm_store_update() of one contact field, --edits
 *                   times: p50/p99/max
 *
 * The profile keeps its token in the Secret Service, so run this inside
 * a session with an unlocked keyring, as the tests do:
 *
 *   dbus-run-session -- build-aux/test-session meson test -C _build --benchmark sync
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "bench-sync"

#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "bench-util.h"
#include "crm-fault-proxy.h"
#include "crm-profile.h"
#include "crm-store.h"
#include "crm-sync.h"

#define SEED_BATCH 1000
#define PULL_LIMIT 1000

static char *server_path;
static int contact_count = 100000;
static int opportunity_count = 50000;
static int idle_runs = 20;
static int edit_count = 1000;

static const GOptionEntry entries[] = {
  { "server", 0, 0, G_OPTION_ARG_FILENAME, &server_path, "The crm-server program (default $CRM_SERVER)", "PATH" },
  { "contacts", 0, 0, G_OPTION_ARG_INT, &contact_count, "Contacts on the server (default 100000)", "N" },
  { "opportunities", 0, 0, G_OPTION_ARG_INT, &opportunity_count,
    "Opportunities on the server (default 50000)", "N" },
  { "idle-runs", 0, 0, G_OPTION_ARG_INT, &idle_runs, "Idle re-syncs to time (default 20)", "N" },
  { "edits", 0, 0, G_OPTION_ARG_INT, &edit_count, "Local edits to time (default 1000)", "N" },
  { NULL }
};

static void
print_series (const char *name,
              GArray     *usec,
              const char *extra)
{
  g_array_sort (usec, bench_compare_gint64);
  printf ("{\"bench\":\"sync\",\"name\":\"%s\",\"runs\":%u,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f%s}\n",
          name, usec->len, bench_percentile_ms (usec, 50), bench_percentile_ms (usec, 99),
          bench_percentile_ms (usec, 100), extra ? extra : "");
  fflush (stdout);
}

/* Seeding *************************************************************/

static void
append_create (GString    *out,
               const char *entity,
               const char *id,
               const char *fields)
{
  g_autofree char *mutation_id = g_uuid_string_random ();

  if (out->str[out->len - 1] != '[')
    g_string_append_c (out, ',');
  g_string_append_printf (out, "{\"mutation_id\":\"%s\",\"entity\":\"%s\",\"id\":\"%s\",\"op\":\"create\","
                               "\"base_version\":0,\"fields\":{%s}}",
                          mutation_id, entity, id, fields);
}

/* One push of what @out holds; starts the next batch */
static gboolean
push_batch (BenchClient  *client,
            GString      *out,
            guint         n,
            GError      **error)
{
  g_autoptr(GBytes) response = NULL;

  g_string_append (out, "]}");
  response = bench_exchange (client, "POST", "api/v1/sync/push", out->str, out->len, error);
  g_string_assign (out, "{\"client_id\":\"bench-sync\",\"mutations\":[");
  return response != NULL && bench_check_push (response, n, error);
}

/* A stage, an account, @contact_count contacts and @opportunity_count
 * opportunities on that account */
static gboolean
seed (BenchClient  *client,
      GError      **error)
{
  g_autoptr(GString) out = g_string_new ("{\"client_id\":\"bench-sync\",\"mutations\":[");
  g_autofree char *stage_id = g_uuid_string_random ();
  g_autofree char *account_id = g_uuid_string_random ();
  guint total = contact_count + opportunity_count;
  guint in_batch = 0;

  append_create (out, "stages", stage_id,
                 "\"name\":{\"old\":null,\"new\":\"Proposal\"},\"position\":{\"old\":null,\"new\":1},"
                 "\"probability\":{\"old\":null,\"new\":\"50\"},"
                 "\"forecast_category\":{\"old\":null,\"new\":\"pipeline\"}");
  append_create (out, "accounts", account_id, "\"name\":{\"old\":null,\"new\":\"Bench Industries\"}");
  if (!push_batch (client, out, 2, error))
    return FALSE;

  client->busy_usec = 0;
  for (guint i = 0; i < total; i++)
    {
      g_autofree char *id = g_uuid_string_random ();
      g_autofree char *fields = NULL;

      if (i < (guint) contact_count)
        fields = g_strdup_printf ("\"first_name\":{\"old\":null,\"new\":\"Contact\"},"
                                  "\"last_name\":{\"old\":null,\"new\":\"Number %u\"},"
                                  "\"account_id\":{\"old\":null,\"new\":\"%s\"},"
                                  "\"emails\":{\"old\":null,\"new\":[{\"type\":\"work\",\"value\":\"c%u@example.com\"}]}",
                                  i, account_id, i);
      else
        fields = g_strdup_printf ("\"name\":{\"old\":null,\"new\":\"Deal %u\"},"
                                  "\"account_id\":{\"old\":null,\"new\":\"%s\"},"
                                  "\"stage_id\":{\"old\":null,\"new\":\"%s\"},"
                                  "\"amount\":{\"old\":null,\"new\":\"%u.00\"},"
                                  "\"currency\":{\"old\":null,\"new\":\"EUR\"},"
                                  "\"expected_close_date\":{\"old\":null,\"new\":\"2026-%02u-15\"}",
                                  i, account_id, stage_id, 1000 + i % 90000, 1 + i % 12);
      append_create (out, i < (guint) contact_count ? "contacts" : "opportunities", id, fields);
      if (++in_batch == SEED_BATCH || i + 1 == total)
        {
          if (!push_batch (client, out, in_batch, error))
            return FALSE;
          in_batch = 0;
          if ((i + 1) % 20000 == 0)
            g_printerr ("bench-sync: seeded %u/%u\n", i + 1, total);
        }
    }
  printf ("{\"bench\":\"sync\",\"name\":\"seed\",\"records\":%u,\"seconds\":%.3f}\n",
          total, client->busy_usec / (double) G_USEC_PER_SEC);
  fflush (stdout);
  return TRUE;
}

/* The floor: curl and the sqlite3 shell ********************************/

static gboolean
run_tool (const char * const  *argv,
          const char          *stdin_path,
          GError             **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                                G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *err = NULL;

  if (stdin_path)
    g_subprocess_launcher_set_stdin_file_path (launcher, stdin_path);
  if (!(process = g_subprocess_launcher_spawnv (launcher, argv, error)) ||
      !g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, error))
    return FALSE;
  if (!g_subprocess_get_successful (process))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s failed: %s", argv[0], err ? err : "");
      return FALSE;
    }
  return TRUE;
}

/* Fetches every page with curl into @dir, then loads them with sqlite3;
 * returns the floor in seconds, or < 0 on error */
static double
measure_floor (BenchClient  *client,
               const char   *dir,
               guint        *out_records,
               GError      **error)
{
  g_autofree char *header_file = g_build_filename (dir, "authorization", NULL);
  g_autofree char *header = g_strdup_printf ("Authorization: %s\n", client->authorization);
  g_autofree char *script_path = g_build_filename (dir, "load.sql", NULL);
  g_autofree char *db_path = g_build_filename (dir, "floor.db", NULL);
  g_autofree char *cursor = g_strdup ("");
  g_autoptr(GString) script = g_string_new (NULL);
  g_autofree char *header_arg = NULL;
  const char *load_argv[] = { "sqlite3", db_path, NULL };
  gboolean has_more = TRUE;
  gint64 fetch_usec = 0;
  gint64 start;
  guint records = 0;
  guint pages = 0;
  double fetch, load;

  /* The token goes to curl in a file, not on its command line */
  if (!g_file_set_contents_full (header_file, header, -1, G_FILE_SET_CONTENTS_NONE, 0600, error))
    return -1;
  header_arg = g_strconcat ("@", header_file, NULL);

  g_string_append (script,
                   "PRAGMA journal_mode = WAL;\n"
                   "PRAGMA synchronous = FULL;\n"
                   "CREATE TABLE records (entity TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,\n"
                   "                      deleted INTEGER NOT NULL, data TEXT NOT NULL,\n"
                   "                      PRIMARY KEY (entity, id)) WITHOUT ROWID;\n"
                   "CREATE TABLE cursor (value TEXT);\n");
  while (has_more)
    {
      g_autofree char *escaped = g_uri_escape_string (cursor, NULL, FALSE);
      g_autofree char *uri = g_strdup_printf ("%sapi/v1/sync/pull?limit=%d&cursor=%s", client->url, PULL_LIMIT, escaped);
      g_autofree char *page_path = g_strdup_printf ("%s/page-%05u.json", dir, pages);
      const char *argv[] = { "curl", "--silent", "--show-error", "--fail", "--header", header_arg,
                             "--output", page_path, uri, NULL };
      g_autoptr(JsonParser) parser = json_parser_new_immutable ();
      JsonObject *object;

      start = g_get_monotonic_time ();
      if (!run_tool (argv, NULL, error))
        return -1;
      fetch_usec += g_get_monotonic_time () - start;

      /* Reading the cursor is bookkeeping, not part of the floor */
      if (!json_parser_load_from_mapped_file (parser, page_path, error))
        return -1;
      object = json_node_get_object (json_parser_get_root (parser));
      records += json_array_get_length (json_object_get_array_member (object, "changes"));
      g_free (cursor);
      cursor = g_strdup (json_object_get_string_member (object, "cursor"));
      has_more = json_object_get_boolean_member (object, "has_more");
      pages++;

      g_string_append_printf (script,
                              "BEGIN;\n"
                              "INSERT OR REPLACE INTO records\n"
                              "  SELECT value->>'entity', value->>'id', value->>'version', value->>'deleted',\n"
                              "         value->>'data'\n"
                              "  FROM json_each (readfile ('%s'), '$.changes');\n"
                              "DELETE FROM cursor; INSERT INTO cursor VALUES ('%s');\n"
                              "COMMIT;\n",
                              page_path, cursor);
    }
  if (!g_file_set_contents (script_path, script->str, script->len, error))
    return -1;

  start = g_get_monotonic_time ();
  if (!run_tool (load_argv, script_path, error))
    return -1;
  load = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  fetch = fetch_usec / (double) G_USEC_PER_SEC;

  printf ("{\"bench\":\"sync\",\"name\":\"floor_fetch\",\"tool\":\"curl\",\"pages\":%u,\"records\":%u,"
          "\"seconds\":%.3f}\n", pages, records, fetch);
  printf ("{\"bench\":\"sync\",\"name\":\"floor_load\",\"tool\":\"sqlite3\",\"pages\":%u,\"records\":%u,"
          "\"seconds\":%.3f}\n", pages, records, load);
  printf ("{\"bench\":\"sync\",\"name\":\"floor\",\"records\":%u,\"seconds\":%.3f,\"per_s\":%.0f}\n",
          records, fetch + load, records / (fetch + load));
  fflush (stdout);
  *out_records = records;
  return fetch + load;
}

/* The client **********************************************************/

static char *
log_in_profile (const char  *dir,
                const char  *name,
                const char  *url,
                GError     **error)
{
  g_autofree char *path = g_build_filename (dir, name, "crm.db", NULL);
  g_autofree char *folder = g_path_get_dirname (path);
  g_autoptr(CrmStore) store = NULL;

  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot create %s", folder);
      return NULL;
    }
  if (!(store = crm_store_open (path, error)) ||
      !crm_profile_login (store, url, BENCH_USERNAME, BENCH_PASSWORD, FALSE, NULL, error))
    return NULL;
  return g_steal_pointer (&path);
}

static gboolean
measure_first_sync (const char  *db_path,
                    guint        floor_records,
                    double       floor_seconds,
                    GError     **error)
{
  CrmSyncStats stats = { 0 };
  gint64 start = g_get_monotonic_time ();
  double seconds;

  if (!crm_sync_run (db_path, NULL, NULL, &stats, NULL, error))
    return FALSE;
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  printf ("{\"bench\":\"sync\",\"name\":\"first_sync\",\"records\":%u,\"seconds\":%.3f,\"per_s\":%.0f,"
          "\"floor_records\":%u,\"floor_seconds\":%.3f,\"ratio_to_floor\":%.2f}\n",
          stats.pulled, seconds, stats.pulled / seconds, floor_records, floor_seconds, seconds / floor_seconds);
  fflush (stdout);
  return TRUE;
}

static gboolean
measure_idle_sync (const char     *db_path,
                   const char     *proxy_db_path,
                   CrmFaultProxy  *proxy,
                   GError        **error)
{
  g_autoptr(GArray) usec = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *extra = NULL;
  CrmSyncStats stats = { 0 };
  guint before;

  for (int i = 0; i < idle_runs; i++)
    {
      gint64 start = g_get_monotonic_time ();
      gint64 spent;

      if (!crm_sync_run (db_path, NULL, NULL, &stats, NULL, error))
        return FALSE;
      spent = g_get_monotonic_time () - start;
      g_array_append_val (usec, spent);
      if (stats.pulled != 0 || stats.pushed != 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "an idle sync moved %u/%u changes",
                       stats.pushed, stats.pulled);
          return FALSE;
        }
    }

  /* The same pass through the proxy, which counts what reaches it */
  before = crm_fault_proxy_get_requests (proxy);
  if (!crm_sync_run (proxy_db_path, NULL, NULL, &stats, NULL, error))
    return FALSE;
  extra = g_strdup_printf (",\"requests\":%u", crm_fault_proxy_get_requests (proxy) - before);
  print_series ("idle_sync", usec, extra);
  return TRUE;
}

static gboolean
measure_local_edits (const char  *db_path,
                     GError     **error)
{
  g_autoptr(CrmStore) store = crm_store_open (db_path, error);
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GArray) usec = g_array_new (FALSE, FALSE, sizeof (gint64));

  if (store == NULL || !(records = crm_store_list (store, "contacts", NULL, edit_count, 0, error)))
    return FALSE;
  for (int i = 0; i < edit_count; i++)
    {
      CrmRecord *record = records->pdata[i % records->len];
      g_autoptr(JsonObject) changes = json_object_new ();
      g_autoptr(CrmRecord) updated = NULL;
      g_autofree char *title = g_strdup_printf ("Buyer %d", i);
      gint64 start;
      gint64 spent;

      json_object_set_string_member (changes, "title", title);
      start = g_get_monotonic_time ();
      updated = crm_store_update (store, "contacts", crm_record_get_id (record), changes, error);
      spent = g_get_monotonic_time () - start;
      if (updated == NULL)
        return FALSE;
      g_array_append_val (usec, spent);
    }
  print_series ("local_edit", usec, ",\"synchronous\":\"FULL\"");
  return TRUE;
}

/* Main ****************************************************************/

static int
run (const char  *server,
     GError     **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *server_dir = NULL;
  g_autofree char *floor_dir = NULL;
  g_autofree char *url = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *proxy_db_path = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(CrmFaultProxy) proxy = NULL;
  BenchClient client = { NULL, NULL, NULL, 0, 0 };
  CrmSyncStats stats = { 0 };
  guint floor_records = 0;
  double floor_seconds;
  int status = 1;

  if (!(dir = g_dir_make_tmp ("crm-bench-sync-XXXXXX", error)))
    return 1;
  server_dir = g_build_filename (dir, "server", NULL);
  floor_dir = g_build_filename (dir, "floor", NULL);
  g_mkdir (server_dir, 0700);
  g_mkdir (floor_dir, 0700);
  g_printerr ("bench-sync: %s in %s\n", server, dir);

  if (!bench_add_user (server, server_dir, error) ||
      !(process = bench_start_server (server, server_dir, &url, error)))
    goto out;
  bench_client_init (&client, url);
  if (!bench_log_in (&client, error))
    goto out;

  g_printerr ("bench-sync: seeding %d contacts and %d opportunities\n", contact_count, opportunity_count);
  if (!seed (&client, error))
    goto out;

  g_printerr ("bench-sync: the floor: curl and sqlite3\n");
  if ((floor_seconds = measure_floor (&client, floor_dir, &floor_records, error)) < 0)
    goto out;

  g_printerr ("bench-sync: first sync\n");
  if (!(db_path = log_in_profile (dir, "direct", url, error)) ||
      !measure_first_sync (db_path, floor_records, floor_seconds, error))
    goto out;

  g_printerr ("bench-sync: idle re-syncs\n");
  proxy = crm_fault_proxy_new (url, 1, 0.0);
  if (!(proxy_db_path = log_in_profile (dir, "proxied", crm_fault_proxy_get_url (proxy), error)) ||
      !crm_sync_run (proxy_db_path, NULL, NULL, &stats, NULL, error) ||
      !measure_idle_sync (db_path, proxy_db_path, proxy, error))
    goto out;

  g_printerr ("bench-sync: local edits\n");
  if (!measure_local_edits (db_path, error))
    goto out;
  status = 0;

out:
  bench_client_clear (&client);
  g_clear_pointer (&proxy, crm_fault_proxy_free);
  if (process)
    bench_stop_server (process);
  bench_remove_tree (dir);
  return status;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  const char *server;
  int status;

  g_option_context_set_summary (context, "Measure the client's sync: first sync against the floor, idle re-sync, "
                                         "local edits. Needs an unlocked Secret Service on the session bus.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-sync: %s\n", error->message);
      return 2;
    }
  server = server_path ? server_path : g_getenv ("CRM_SERVER");
  if (server == NULL || *server == '\0')
    {
      g_printerr ("bench-sync: give --server PATH or set CRM_SERVER\n");
      return 2;
    }
  if (contact_count < 1 || opportunity_count < 0 || idle_runs < 1 || edit_count < 1)
    {
      g_printerr ("bench-sync: --contacts, --idle-runs and --edits must be at least 1\n");
      return 2;
    }

  status = run (server, &error);
  if (error)
    g_printerr ("bench-sync: %s\n", error->message);
  return status;
}
