/* crm-cli-quote.h: the quote subcommands of crm-cli that work on records
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The options of `crm-cli quote` besides --explain */
const GOptionEntry *crm_cli_quote_entries (void);

/* Whether @name is one of the subcommands below */
gboolean            crm_cli_quote_handles (const char  *name);

/* Runs `crm-cli quote create|add-line|remove-line|move-line|send|accept|
 * reject|revise|show|list …`; @argv starts with the subcommand. Returns
 * the exit status. */
int                 crm_cli_quote_run     (const char  *data_dir,
                                           const char  *profile,
                                           gboolean     explain,
                                           int          argc,
                                           char       **argv);

G_END_DECLS
