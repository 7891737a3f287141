/* bench-util.h: what the benchmarks share — a crm-server to run, an HTTP
 * client that times its exchanges, percentiles, temporary folders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define BENCH_USERNAME "bench"
#define BENCH_PASSWORD "bench-password-1"

/* One client of a crm-server: a synchronous session and what it spent */
typedef struct
{
  SoupSession *session;
  char        *url;           /* ends in / */
  char        *authorization;
  gint64       busy_usec;     /* time inside exchanges since the last reset */
  guint64      bytes_in;
} BenchClient;

void         bench_remove_tree      (const char   *path);

gboolean     bench_add_user         (const char   *server,
                                     const char   *data_dir,
                                     GError      **error);
gboolean     bench_add_user_full    (const char   *server,
                                     const char   *data_dir,
                                     const char   *database,
                                     const char   *name,
                                     const char   *role,
                                     GError      **error);
GSubprocess *bench_start_server     (const char   *server,
                                     const char   *data_dir,
                                     char        **url,
                                     GError      **error);
GSubprocess *bench_start_server_full (const char  *server,
                                     const char   *data_dir,
                                     const char   *database,
                                     char        **url,
                                     GError      **error);
void         bench_stop_server      (GSubprocess  *process);

void         bench_client_init      (BenchClient  *client,
                                     const char   *url);
void         bench_client_clear     (BenchClient  *client);
GBytes      *bench_exchange         (BenchClient  *client,
                                     const char   *method,
                                     const char   *path,
                                     const char   *body,
                                     gsize         body_length,
                                     GError      **error);
JsonNode    *bench_parse            (GBytes       *bytes,
                                     GError      **error);
gboolean     bench_log_in           (BenchClient  *client,
                                     GError      **error);
gboolean     bench_check_push       (GBytes       *response,
                                     guint         n,
                                     GError      **error);

int          bench_compare_gint64   (gconstpointer a,
                                     gconstpointer b);
double       bench_percentile_ms    (GArray       *sorted_usec,
                                     guint         percent);

G_END_DECLS
