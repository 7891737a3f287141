/* crm-demo-server.c: a local crm-server --demo for "Try the demo"
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-demo-server"

#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "crm-demo-server.h"
#include "crm-store.h"

typedef struct
{
  GSubprocess      *process;
  GDataInputStream *output;
  char             *log_path;
} StartData;

/* Helpers *************************************************************/

static void
start_data_free (StartData *data)
{
  g_clear_object (&data->process);
  g_clear_object (&data->output);
  g_free (data->log_path);
  g_free (data);
}

static char *
find_server (void)
{
  const char *env = g_getenv ("CRM_SERVER");
  g_autofree char *self = NULL;
  g_autofree char *dir = NULL;
  const char *candidates[2];

  if (env != NULL && *env != '\0')
    return g_strdup (env);

  /* Installed side by side, or both in the build tree */
  if ((self = g_file_read_link ("/proc/self/exe", NULL)))
    {
      dir = g_path_get_dirname (self);
      candidates[0] = "crm-server";
      candidates[1] = "../server/crm-server";
      for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
        {
          g_autofree char *path = g_build_filename (dir, candidates[i], NULL);

          if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
            return g_steal_pointer (&path);
        }
    }
  return g_find_program_in_path ("crm-server");
}

static char *
read_log_tail (const char *path)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &text, &len, NULL) || len == 0)
    return g_strdup ("");
  g_strstrip (text);
  /* The last line says why */
  if (strrchr (text, '\n'))
    return g_strdup (strrchr (text, '\n') + 1);
  return g_steal_pointer (&text);
}

/* Callbacks ***********************************************************/

static void
child_setup_cb (gpointer user_data)
{
  /* The demo server belongs to this app: it goes when the app goes,
   * even if the app crashes */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
line_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  StartData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object), result, NULL, &error);
  if (line == NULL || !g_str_has_prefix (line, "Listening on "))
    {
      g_autofree char *why = read_log_tail (data->log_path);

      g_subprocess_force_exit (data->process);
      if (error && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                                 _("The demo server did not start: %s"),
                                 *why ? why : _("it stopped without saying why"));
      return;
    }

  g_strstrip (line);
  while (g_str_has_suffix (line, "/"))
    line[strlen (line) - 1] = '\0';
  g_object_set_data_full (G_OBJECT (data->process), "url",
                          g_strdup (line + strlen ("Listening on ")), g_free);
  g_task_return_pointer (task, g_object_ref (data->process), g_object_unref);
}

/* Public API **********************************************************/

char *
crm_demo_server_dup_dir (const char *data_dir)
{
  g_autofree char *base = crm_store_dup_base_dir (data_dir);

  /* A leading dot: never taken for a profile */
  return g_build_filename (base, ".demo-server", NULL);
}

void
crm_demo_server_start_async (const char          *dir,
                             guint                port,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *program = find_server ();
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", port);
  StartData *data;

  g_return_if_fail (dir != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, crm_demo_server_start_async);

  if (program == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("The demo needs crm-server, which is not installed"));
      return;
    }
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                               _("Could not create %s: %s"), dir, g_strerror (saved_errno));
      return;
    }

  data = g_new0 (StartData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) start_data_free);
  data->log_path = g_build_filename (dir, "server.log", NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_stderr_file_path (launcher, data->log_path);
  g_subprocess_launcher_set_child_setup (launcher, child_setup_cb, NULL, NULL);
  data->process = g_subprocess_launcher_spawn (launcher, &error, program, "--demo", "--quiet",
                                               "--listen", listen, "--data-dir", dir, NULL);
  if (data->process == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data->output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (data->process));
  g_data_input_stream_read_line_async (data->output, G_PRIORITY_DEFAULT, cancellable,
                                       line_read_cb, g_steal_pointer (&task));
}

GSubprocess *
crm_demo_server_start_finish (GAsyncResult  *result,
                              char         **url,
                              GError       **error)
{
  GSubprocess *process;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  process = g_task_propagate_pointer (G_TASK (result), error);
  if (process && url)
    *url = g_strdup (g_object_get_data (G_OBJECT (process), "url"));
  return process;
}
