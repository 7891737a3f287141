/* crm-terminal.h: asking for a password on a terminal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *crm_terminal_read_password (const char *prompt);

G_END_DECLS
