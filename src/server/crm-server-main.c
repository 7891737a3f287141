/* crm-server-main.c: crm-server, the reference REST backend
 *
 *   crm-server [--listen HOST:PORT] [--data-dir DIR | --database URL] [--demo] [--tls-cert F --tls-key F]
 *   crm-server [--data-dir DIR | --database URL] useradd NAME --role ROLE [--manager NAME]   (password on stdin)
 *   crm-server [--data-dir DIR | --database URL] passwd NAME                                 (password on stdin)
 *   crm-server [--data-dir DIR | --database URL] prune --before-seq N
 *
 * The store is --database: postgresql://… (several instances may share
 * it) or sqlite:PATH; without it, SQLite in DIR/crm-server.db.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-server"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>

#include "crm-server.h"
#include "crm-server-admin.h"
#include "crm-server-auth.h"
#include "crm-terminal.h"

static char *listen_address;
static char *data_dir;
static char *database;
static char *tls_cert;
static char *tls_key;
static char *role;
static char *manager;
static gboolean demo;
static gboolean quiet;
static gint64 before_seq;

static const GOptionEntry entries[] = {
  { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen_address,
    N_("Listen on HOST:PORT (default 127.0.0.1:8080; port 0 picks a free one)"), N_("HOST:PORT") },
  { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir,
    N_("Keep the database in DIR (default $CRM_SERVER_DATA_DIR or ~/.local/share/crm-server)"), N_("DIR") },
  { "database", 0, 0, G_OPTION_ARG_STRING, &database,
    N_("The store: postgresql://[USER@]HOST[:PORT]/DBNAME or sqlite:PATH (default sqlite:DIR/crm-server.db)"),
    N_("URL") },
  { "demo", 0, 0, G_OPTION_ARG_NONE, &demo,
    N_("Seed a sample sales team once (users admin, vic, morgan, riley, sam, taylor, jordan, casey; password demo)"), NULL },
  { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &tls_cert, N_("Serve HTTPS with this PEM certificate"), N_("FILE") },
  { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &tls_key, N_("The certificate’s PEM private key"), N_("FILE") },
  { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Do not log requests"), NULL },
  { "role", 0, 0, G_OPTION_ARG_STRING, &role, N_("useradd: rep, manager or admin (default rep)"), N_("ROLE") },
  { "manager", 0, 0, G_OPTION_ARG_STRING, &manager, N_("useradd: the user’s manager"), N_("NAME") },
  { "before-seq", 0, 0, G_OPTION_ARG_INT64, &before_seq, N_("prune: forget tombstones before this change"), N_("N") },
  { NULL }
};

static int
fail (int         status,
      const char *message)
{
  g_printerr ("crm-server: %s\n", message);
  return status;
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  /* Stay installed: a second signal while stopping must not kill the
   * process before the logins in flight are answered */
  return G_SOURCE_CONTINUE;
}

static int
run_server (CrmServerDb *db)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmServer) server = crm_server_new (db);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autofree char *url = NULL;

  if (demo && !crm_server_seed_demo (db, &error))
    return fail (1, error->message);

  crm_server_set_quiet (server, quiet);
  if (!crm_server_listen (server, listen_address ? listen_address : "127.0.0.1:8080",
                          tls_cert, tls_key, &error))
    return fail (1, error->message);

  /* Each request commits before it is answered, so stopping between
   * requests loses nothing that was acknowledged. Installed before the
   * "Listening" line, which is when a supervisor may already stop us. */
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_unix_signal_add (SIGINT, quit_cb, loop);

  url = crm_server_dup_url (server);
  /* Scripts and tests wait for this line to learn the port */
  g_print ("Listening on %s\n", url);
  fflush (stdout);

  g_main_loop_run (loop);
  g_printerr ("crm-server: stopping\n");
  /* A password check still running in a worker thread reads the
   * database: let it finish before the database closes. */
  while (crm_server_is_busy (server))
    g_main_context_iteration (NULL, TRUE);
  return 0;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *location = NULL;
  CrmServerDb *db;
  int status = 0;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (_("[useradd NAME | passwd NAME | prune]"));
  g_option_context_set_summary (context, _("The Crm REST server that clients sync with."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail (2, error->message);

  if (!crm_server_auth_init (&error))
    return fail (1, error->message);

  if (database)
    location = g_strdup (database);
  else
    {
      if (data_dir)
        dir = g_strdup (data_dir);
      else if (g_getenv ("CRM_SERVER_DATA_DIR"))
        dir = g_strdup (g_getenv ("CRM_SERVER_DATA_DIR"));
      else
        dir = g_build_filename (g_get_user_data_dir (), "crm-server", NULL);
      location = g_build_filename (dir, "crm-server.db", NULL);
    }
  if (!g_str_has_prefix (location, "postgresql://") && !g_str_has_prefix (location, "postgres://") &&
      !g_str_has_prefix (location, "sqlite:") && database)
    return fail (2, _("--database must be postgresql://… or sqlite:PATH"));
  if (!(db = crm_server_db_open (location, &error)))
    return fail (1, error->message);

  if (argc == 1)
    status = run_server (db);
  else if (g_str_equal (argv[1], "useradd") && argc == 3)
    {
      g_autofree char *password = crm_terminal_read_password (_("Password: "));
      g_autofree char *user_id = NULL;

      if (role && !g_str_equal (role, "rep") && !g_str_equal (role, "manager") && !g_str_equal (role, "admin"))
        status = fail (2, _("--role must be rep, manager or admin"));
      else if (password == NULL || *password == '\0')
        status = fail (2, _("No password given on standard input"));
      else if (!crm_server_add_user (db, argv[2], role, manager, password, &user_id, &error))
        status = fail (1, error->message);
      else
        g_print ("%s\n", user_id);
    }
  else if (g_str_equal (argv[1], "passwd") && argc == 3)
    {
      g_autofree char *password = crm_terminal_read_password (_("New password: "));

      if (password == NULL || *password == '\0')
        status = fail (2, _("No password given on standard input"));
      else if (!crm_server_set_password (db, argv[2], password, &error))
        status = fail (1, error->message);
    }
  else if (g_str_equal (argv[1], "prune") && argc == 2 && before_seq > 0)
    {
      guint pruned = 0;

      if (!crm_server_db_begin (db, TRUE, &error) ||
          !crm_server_db_prune (db, before_seq, &pruned, &error) ||
          !crm_server_db_commit (db, &error))
        status = fail (1, error->message);
      else
        g_print (_("Forgot %u tombstones\n"), pruned);
    }
  else
    status = fail (2, _("Unknown command; see crm-server --help"));

  crm_server_db_free (db);
  g_free (listen_address);
  g_free (data_dir);
  g_free (database);
  g_free (tls_cert);
  g_free (tls_key);
  g_free (role);
  g_free (manager);
  return status;
}
