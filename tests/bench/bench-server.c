/* bench-server.c: how fast crm-server takes pushes and serves pulls
 *
 * Goals: push ≥ 5k mutations/s; a full pull ≥ 50k records/s.
 *
 * Starts a real crm-server (--server PATH or $CRM_SERVER) on 127.0.0.1
 * with a fresh data directory and an admin user made with `crm-server
 * useradd` before it starts, logs in, and talks to it over loopback with
 * one synchronous SoupSession, as one client would.
 *
 * Prints one JSON object per measurement on stdout, one per line; progress
 * goes to stderr. Nothing is asserted: run it on demand
 * (meson test --benchmark, or directly) and compare the numbers.
 *
 *   push       --push N contact creates (default 10000), 500 per
 *              POST /api/v1/sync/push
 *   seed       more contact creates, 1000 per push, until --pull-records
 *              contacts exist (default 100000)
 *   pull       a full pull from an empty cursor, GET /api/v1/sync/pull
 *              ?limit=1000 paging by cursor until has_more is false
 *   idle_pull  one more pull with the final cursor: nothing changed
 *
 * Only the HTTP exchanges are timed (request sent to response read in
 * full); the bodies are built before and the responses checked after.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "bench-server"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "bench-util.h"

#define PUSH_BATCH 500
#define SEED_BATCH 1000
#define PULL_LIMIT 1000

static const char * const first_names[] = {
  "Maria", "Anna", "Thomas", "Michael", "Laura", "David", "Sarah", "Daniel",
  "Julia", "Peter", "Sophie", "Lukas", "Elena", "James", "Zoë", "Jürgen",
  "Søren", "Łukasz", "Ayşe", "Hiroshi", "Ngozi", "Inês", "Ciarán", "Rūta",
};

static const char * const last_names[] = {
  "Müller", "Schmidt", "Smith", "García", "Rossi", "Martin", "Johnson",
  "Nowak", "Wiśniewski", "Nilsson", "Korhonen", "de Vries", "O'Brien",
  "Tanaka", "Kim", "Nguyen", "Okafor", "Yilmaz", "Papadopoulos", "Silva",
  "Østergaard", "Ågren", "Çelik", "Đorđević",
};

/* Helpers ***************************************************************/

/* Push ******************************************************************/

static void
append_change (GString    *out,
               const char *name,
               const char *value)
{
  /* Names come from the tables above: nothing to escape */
  g_string_append_printf (out, "\"%s\":{\"old\":null,\"new\":%s}", name, value);
}

/* {"client_id":…,"mutations":[n contact creates]}; @serial numbers them */
static char *
build_batch (guint  n,
             guint *serial)
{
  GString *out = g_string_sized_new (n * 420);

  g_string_append (out, "{\"client_id\":\"bench-server\",\"mutations\":[");
  for (guint i = 0; i < n; i++, (*serial)++)
    {
      g_autofree char *mutation_id = g_uuid_string_random ();
      g_autofree char *id = g_uuid_string_random ();
      const char *first = first_names[*serial % G_N_ELEMENTS (first_names)];
      const char *last = last_names[(*serial / G_N_ELEMENTS (first_names)) % G_N_ELEMENTS (last_names)];
      g_autofree char *first_json = g_strdup_printf ("\"%s\"", first);
      g_autofree char *last_json = g_strdup_printf ("\"%s %u\"", last, *serial);
      g_autofree char *emails = g_strdup_printf ("[{\"type\":\"work\",\"value\":\"contact%u@example.com\"}]", *serial);

      g_string_append_printf (out, "%s{\"mutation_id\":\"%s\",\"entity\":\"contacts\",\"id\":\"%s\","
                                   "\"op\":\"create\",\"base_version\":0,\"fields\":{",
                              i ? "," : "", mutation_id, id);
      append_change (out, "first_name", first_json);
      g_string_append_c (out, ',');
      append_change (out, "last_name", last_json);
      g_string_append_c (out, ',');
      append_change (out, "emails", emails);
      g_string_append (out, "}}");
    }
  g_string_append (out, "]}");
  return g_string_free (out, FALSE);
}

/* Pushes @total creates, @batch per request; returns the seconds spent in
 * the exchanges, or < 0 on error */
static double
push_contacts (BenchClient  *client,
               guint         total,
               guint         batch,
               guint        *serial,
               const char   *label,
               GError      **error)
{
  guint requests = 0;

  client->busy_usec = 0;
  for (guint done = 0; done < total; done += batch)
    {
      guint n = MIN (batch, total - done);
      g_autofree char *body = build_batch (n, serial);
      g_autoptr(GBytes) response = bench_exchange (client, "POST", "api/v1/sync/push", body, strlen (body), error);

      if (response == NULL || !bench_check_push (response, n, error))
        return -1;
      requests++;
      if (requests % 10 == 0)
        g_printerr ("bench-server:   %s %u/%u\n", label, done + n, total);
    }
  return client->busy_usec / (double) G_USEC_PER_SEC;
}

/* Pull ******************************************************************/

typedef struct
{
  guint     changes;
  char     *cursor;
  gboolean  has_more;
} Page;

static gboolean
pull_page (BenchClient *client,
           const char  *cursor,
           Page        *page,
           GError     **error)
{
  g_autofree char *escaped = g_uri_escape_string (cursor ? cursor : "", NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("api/v1/sync/pull?limit=%d&cursor=%s", PULL_LIMIT, escaped);
  g_autoptr(GBytes) response = bench_exchange (client, "GET", path, NULL, 0, error);
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;
  JsonArray *changes;

  if (response == NULL || !(root = bench_parse (response, error)))
    return FALSE;
  object = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  changes = object ? json_object_get_array_member (object, "changes") : NULL;
  if (changes == NULL || !json_object_get_string_member_with_default (object, "cursor", NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "a pull answered no changes or no cursor");
      return FALSE;
    }
  page->changes = json_array_get_length (changes);
  g_free (page->cursor);
  page->cursor = g_strdup (json_object_get_string_member (object, "cursor"));
  page->has_more = json_object_get_boolean_member_with_default (object, "has_more", FALSE);
  return TRUE;
}

/* Main ******************************************************************/

static char *server_path;
static int push_count = 10000;
static int pull_records = 100000;

static const GOptionEntry entries[] = {
  { "server", 0, 0, G_OPTION_ARG_FILENAME, &server_path, "The crm-server program (default $CRM_SERVER)", "PATH" },
  { "push", 0, 0, G_OPTION_ARG_INT, &push_count, "Contacts to push in the timed push (default 10000)", "N" },
  { "pull-records", 0, 0, G_OPTION_ARG_INT, &pull_records,
    "Contacts on the server for the pull (default 100000)", "N" },
  { NULL }
};

static int
run (const char  *server,
     GError     **error)
{
  g_autofree char *data_dir = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *url = NULL;
  BenchClient client = { NULL, NULL, NULL, 0, 0 };
  Page page = { 0, NULL, FALSE };
  guint serial = 0;
  guint records = 0;
  guint requests = 0;
  double seconds;
  int status = 1;

  if (!(data_dir = g_dir_make_tmp ("crm-bench-server-XXXXXX", error)))
    return 1;
  g_printerr ("bench-server: %s in %s\n", server, data_dir);
  if (!bench_add_user (server, data_dir, error) ||
      !(process = bench_start_server (server, data_dir, &url, error)))
    goto out;

  bench_client_init (&client, url);
  if (!bench_log_in (&client, error))
    goto out;

  /* push */
  g_printerr ("bench-server: pushing %d contacts, %d per push\n", push_count, PUSH_BATCH);
  if ((seconds = push_contacts (&client, push_count, PUSH_BATCH, &serial, "push", error)) < 0)
    goto out;
  printf ("{\"bench\":\"server\",\"name\":\"push\",\"mutations\":%d,\"batch\":%d,\"requests\":%u,"
          "\"seconds\":%.3f,\"per_s\":%.0f}\n",
          push_count, PUSH_BATCH, (push_count + PUSH_BATCH - 1) / PUSH_BATCH, seconds,
          seconds > 0 ? push_count / seconds : 0.0);
  fflush (stdout);

  /* seed */
  if (pull_records > push_count)
    {
      guint more = pull_records - push_count;

      g_printerr ("bench-server: seeding %u more contacts, %d per push\n", more, SEED_BATCH);
      if ((seconds = push_contacts (&client, more, SEED_BATCH, &serial, "seed", error)) < 0)
        goto out;
      printf ("{\"bench\":\"server\",\"name\":\"seed\",\"mutations\":%u,\"batch\":%d,\"requests\":%u,"
              "\"seconds\":%.3f,\"per_s\":%.0f}\n",
              more, SEED_BATCH, (more + SEED_BATCH - 1) / SEED_BATCH, seconds,
              seconds > 0 ? more / seconds : 0.0);
      fflush (stdout);
    }

  /* pull: the contacts and the bench user */
  g_printerr ("bench-server: pulling everything, %d per page\n", PULL_LIMIT);
  client.busy_usec = 0;
  client.bytes_in = 0;
  do
    {
      g_autofree char *cursor = g_strdup (page.cursor);

      if (!pull_page (&client, cursor, &page, error))
        goto out;
      records += page.changes;
      requests++;
    }
  while (page.has_more);
  seconds = client.busy_usec / (double) G_USEC_PER_SEC;
  printf ("{\"bench\":\"server\",\"name\":\"pull\",\"records\":%u,\"limit\":%d,\"requests\":%u,"
          "\"bytes\":%" G_GUINT64_FORMAT ",\"seconds\":%.3f,\"per_s\":%.0f}\n",
          records, PULL_LIMIT, requests, client.bytes_in, seconds, seconds > 0 ? records / seconds : 0.0);
  fflush (stdout);

  /* idle_pull */
  {
    g_autofree char *cursor = g_strdup (page.cursor);

    client.busy_usec = 0;
    if (!pull_page (&client, cursor, &page, error))
      goto out;
    printf ("{\"bench\":\"server\",\"name\":\"idle_pull\",\"requests\":1,\"changes\":%u,\"ms\":%.3f}\n",
            page.changes, client.busy_usec / 1000.0);
    fflush (stdout);
  }
  status = 0;

out:
  bench_client_clear (&client);
  if (process)
    bench_stop_server (process);
  g_free (page.cursor);
  bench_remove_tree (data_dir);
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

  g_option_context_set_summary (context, "Measure crm-server: push, full pull and idle pull over loopback.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-server: %s\n", error->message);
      return 2;
    }
  server = server_path ? server_path : g_getenv ("CRM_SERVER");
  if (server == NULL || *server == '\0')
    {
      g_printerr ("bench-server: give the crm-server program with --server or $CRM_SERVER\n");
      return 2;
    }
  if (push_count < 1 || pull_records < 1)
    {
      g_printerr ("bench-server: --push and --pull-records must be at least 1\n");
      return 2;
    }

  status = run (server, &error);
  if (error)
    g_printerr ("bench-server: %s\n", error->message);
  g_free (server_path);
  return status;
}
