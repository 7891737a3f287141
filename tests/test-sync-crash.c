/* test-sync-crash.c: a sync killed anywhere loses nothing, duplicates nothing
 *
 * crm-cli sync is killed with SIGKILL, as a power cut would stop it, at
 * named points of the pass (CRM_SYNC_FAILPOINT, see crm-sync.c): before a
 * push, after the server applied a batch but before its answer was
 * stored, with a pulled page in memory, after a page was stored; and at
 * random moments. Between kills the user keeps editing and the server
 * keeps changing. At the end every edit is on the server exactly once and
 * both databases pass PRAGMA integrity_check.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <signal.h>

#include "crm-test-server.h"

#define ROUNDS 60

typedef struct
{
  int   status;    /* exit status, or -signal */
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* Runs crm-cli on @data_dir; @failpoint NULL for a clean run; with
 * @kill_after_ms > 0 the process is killed that long after it started */
static void
cli (const char  *data_dir,
     const char  *failpoint,
     guint        kill_after_ms,
     const char  *stdin_text,
     Run         *run,
     const char  *first,
     ...)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  va_list args;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE |
                                        (stdin_text ? G_SUBPROCESS_FLAGS_STDIN_PIPE : 0));
  g_subprocess_launcher_setenv (launcher, "CRM_SYNC_RETRY_BASE_MS", "5", TRUE);
  /* Small batches and pages put many kill points in a short pass */
  if (failpoint || kill_after_ms)
    {
      g_subprocess_launcher_setenv (launcher, "CRM_SYNC_PUSH_BATCH", "1", TRUE);
      g_subprocess_launcher_setenv (launcher, "CRM_SYNC_PULL_PAGE", "2", TRUE);
    }
  if (failpoint)
    g_subprocess_launcher_setenv (launcher, "CRM_SYNC_FAILPOINT", failpoint, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "CRM_SYNC_FAILPOINT");

  g_ptr_array_add (argv, (gpointer) g_getenv ("CRM_CLI"));
  g_ptr_array_add (argv, (gpointer) "--data-dir");
  g_ptr_array_add (argv, (gpointer) data_dir);
  va_start (args, first);
  for (const char *arg = first; arg; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  if (kill_after_ms > 0)
    {
      g_usleep (kill_after_ms * 1000);
      g_subprocess_send_signal (process, SIGKILL);
    }
  g_subprocess_communicate_utf8 (process, stdin_text, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  if (g_subprocess_get_if_signaled (process))
    run->status = -g_subprocess_get_term_sig (process);
  else
    run->status = g_subprocess_get_exit_status (process);
}

/* name → industry of every account the server has, read as admin */
static GHashTable *
server_accounts (CrmTestServer *server,
                 const char    *token,
                 guint         *duplicates)
{
  GHashTable *accounts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *after = NULL;

  *duplicates = 0;
  for (;;)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/accounts?limit=1000%s%s",
                                               after ? "&after=" : "", after ? after : "");
      g_autoptr(CrmTestResponse) response = crm_test_server_request (server, "GET", path, token, NULL, NULL);
      JsonObject *page;
      JsonArray *items;

      g_assert_cmpuint (response->status, ==, 200);
      page = crm_test_response_object (response);
      items = json_object_get_array_member (page, "items");
      for (guint i = 0; i < json_array_get_length (items); i++)
        {
          JsonObject *account = json_array_get_object_element (items, i);
          const char *name = json_object_get_string_member (account, "name");
          const char *industry = json_object_get_string_member_with_default (account, "industry", NULL);

          if (!g_str_has_prefix (name, "crash-"))
            continue;
          if (g_hash_table_contains (accounts, name))
            (*duplicates)++;
          g_hash_table_insert (accounts, g_strdup (name), g_strdup (industry ? industry : ""));
        }
      if (json_object_get_null_member (page, "next"))
        break;
      g_free (after);
      after = g_strdup (json_object_get_string_member (page, "next"));
    }
  return accounts;
}

static char *
create_account (const char *data_dir,
                const char *name)
{
  g_auto(Run) run = { 0 };
  g_autofree char *arg = g_strdup_printf ("name=%s", name);

  cli (data_dir, NULL, 0, NULL, &run, "create", "accounts", arg, NULL);
  g_assert_cmpint (run.status, ==, 0);
  return g_strstrip (g_strdup (run.out));
}

static void
test_kill_points (void)
{
  static const char * const points[] = { "before-push", "pushed", "pulled", "page-applied" };
  g_autoptr(CrmTestServer) server = crm_test_server_new (TRUE);
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = g_dir_make_tmp ("crm-crash-XXXXXX", &error);
  g_autofree char *admin = NULL;
  g_autofree char *teammate = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *server_db = NULL;
  g_autoptr(GHashTable) expected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) on_server = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (4242);
  guint kills = 0;
  guint duplicates = 0;
  GHashTableIter iter;
  gpointer name, industry;

  g_assert_no_error (error);
  {
    g_auto(Run) login = { 0 };
    g_auto(Run) first = { 0 };

    cli (data_dir, NULL, 0, "demo\n", &login, "login", "--server", crm_test_server_get_url (server),
         "--user", "riley", NULL);
    if (login.status != 0 && strstr (login.err, "keyring"))
      {
        /* build-aux/run-tests provides one; a bare meson test may not */
        g_test_skip ("No Secret Service on the session bus; run under build-aux/run-tests");
        return;
      }
    g_assert_cmpint (login.status, ==, 0);
    cli (data_dir, NULL, 0, NULL, &first, "sync", NULL);
    g_assert_cmpint (first.status, ==, 0);
  }
  admin = crm_test_server_login (server, "admin", "demo");
  /* Sam shares riley's team, so riley pulls what sam creates */
  teammate = crm_test_server_login (server, "sam", "demo");

  for (guint round = 0; round < ROUNDS; round++)
    {
      g_auto(Run) sync = { 0 };
      g_auto(Run) edit = { 0 };
      g_autofree char *a = g_strdup_printf ("crash-%u-a", round);
      g_autofree char *b = g_strdup_printf ("crash-%u-b", round);
      g_autofree char *failpoint = NULL;
      guint kill_after = 0;

      /* The user goes on working between crashes */
      g_hash_table_insert (ids, g_strdup (a), create_account (data_dir, a));
      g_hash_table_insert (ids, g_strdup (b), create_account (data_dir, b));
      g_hash_table_insert (expected, g_strdup (a), g_strdup (""));
      g_hash_table_insert (expected, g_strdup (b), g_strdup (""));
      if (round > 0)
        {
          g_autofree char *previous = g_strdup_printf ("crash-%u-a", round - 1);
          g_autofree char *industry_arg = g_strdup_printf ("industry=v%u", round);

          cli (data_dir, NULL, 0, NULL, &edit, "update", "accounts",
               (const char *) g_hash_table_lookup (ids, previous), industry_arg, NULL);
          g_assert_cmpint (edit.status, ==, 0);
          g_hash_table_insert (expected, g_strdup (previous), g_strdup_printf ("v%u", round));
        }

      /* And the server changes meanwhile, so pulls have pages to cut */
      for (guint k = 0; k < 2; k++)
        {
          g_autofree char *body = g_strdup_printf ("{\"name\":\"crash-server-%u-%u\"}", round, k);
          g_autoptr(CrmTestResponse) response = crm_test_server_request (server, "POST", "/api/v1/accounts",
                                                                        teammate, body, NULL);
          g_assert_cmpuint (response->status, ==, 201);
          g_hash_table_insert (expected, g_strdup_printf ("crash-server-%u-%u", round, k), g_strdup (""));
        }

      if (round % 6 == 5)
        kill_after = g_rand_int_range (rand, 5, 60);
      else
        failpoint = g_strdup_printf ("%s:%u", points[round % 4], 1 + (round / 4) % 2);
      cli (data_dir, failpoint, kill_after, NULL, &sync, "sync", NULL);
      if (sync.status == -SIGKILL)
        kills++;
      else
        g_assert_cmpint (sync.status, ==, 0);
    }
  g_test_message ("%u of %d syncs were killed", kills, ROUNDS);
  g_assert_cmpuint (kills, >=, 50);

  /* Clean passes until nothing moves */
  for (guint pass = 0; pass < 3; pass++)
    {
      g_auto(Run) sync = { 0 };

      cli (data_dir, NULL, 0, NULL, &sync, "sync", NULL);
      g_assert_cmpint (sync.status, ==, 0);
    }
  {
    g_auto(Run) status = { 0 };
    g_autoptr(JsonNode) node = NULL;

    cli (data_dir, NULL, 0, NULL, &status, "status", "--json", NULL);
    node = json_from_string (status.out, NULL);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (node), "pending"), ==, 0);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (node), "rejected"), ==, 0);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (node), "conflicts"), ==, 0);
  }

  /* Every edit on the server exactly once, with its last value */
  on_server = server_accounts (server, admin, &duplicates);
  g_assert_cmpuint (duplicates, ==, 0);
  g_assert_cmpuint (g_hash_table_size (on_server), ==, g_hash_table_size (expected));
  g_hash_table_iter_init (&iter, expected);
  while (g_hash_table_iter_next (&iter, &name, &industry))
    {
      const char *got = g_hash_table_lookup (on_server, name);

      if (got == NULL)
        g_error ("%s never reached the server", (const char *) name);
      g_assert_cmpstr (got, ==, industry);
    }

  /* And the client has the server's records too */
  {
    g_auto(Run) list = { 0 };
    g_autoptr(JsonNode) node = NULL;
    guint crash_records = 0;
    JsonArray *array;

    cli (data_dir, NULL, 0, NULL, &list, "list", "accounts", "--search", "crash", "--json", NULL);
    node = json_from_string (list.out, NULL);
    array = json_node_get_array (node);
    for (guint i = 0; i < json_array_get_length (array); i++)
      if (g_str_has_prefix (json_object_get_string_member (json_array_get_object_element (array, i), "name"), "crash-"))
        crash_records++;
    g_assert_cmpuint (crash_records, ==, g_hash_table_size (expected));
  }

  db_path = g_build_filename (data_dir, "default", "crm.db", NULL);
  crm_test_assert_integrity (db_path);
  crm_test_server_stop (server);
  /* On PostgreSQL the server's store is not a file of ours to check */
  if (crm_test_server_get_database (server) == NULL)
    {
      server_db = g_build_filename (crm_test_server_get_data_dir (server), "crm-server.db", NULL);
      crm_test_assert_integrity (server_db);
    }
  crm_test_server_start (server);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sync-crash/kill-points", test_kill_points);

  return g_test_run ();
}
