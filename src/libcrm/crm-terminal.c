/* crm-terminal.c: asking for a password on a terminal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-terminal"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "crm-terminal.h"

/**
 * crm_terminal_read_password:
 * @prompt: shown on stderr when stdin is a terminal
 *
 * Reads one line: from the terminal without echo, or from stdin as it is
 * when stdin is not a terminal (a pipe from a script or a test), so the
 * secret never passes through argv or the environment.
 *
 * Returns: (nullable): the password without its line end; %NULL at end
 *   of input
 */
char *
crm_terminal_read_password (const char *prompt)
{
  struct termios saved, quiet;
  gboolean tty = isatty (STDIN_FILENO);
  char buffer[1024];
  char *line;

  if (tty)
    {
      fputs (prompt, stderr);
      fflush (stderr);
      tcgetattr (STDIN_FILENO, &saved);
      quiet = saved;
      quiet.c_lflag &= ~ECHO;
      tcsetattr (STDIN_FILENO, TCSANOW, &quiet);
    }
  line = fgets (buffer, sizeof buffer, stdin);
  if (tty)
    {
      tcsetattr (STDIN_FILENO, TCSANOW, &saved);
      fputs ("\n", stderr);
    }
  if (line == NULL)
    return NULL;
  buffer[strcspn (buffer, "\r\n")] = '\0';
  line = g_strdup (buffer);
  memset (buffer, 0, sizeof buffer);
  return line;
}
