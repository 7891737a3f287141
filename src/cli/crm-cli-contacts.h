/* crm-cli-contacts.h: the import and export commands of crm-cli
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The options of `crm-cli import` and `crm-cli export`, for the
 * command's option context */
const GOptionEntry *crm_cli_contacts_entries    (gboolean     import);

/* Run `crm-cli import FILE …` and `crm-cli export contacts FILE …` with
 * what the option context left of the command line; return the exit
 * status. */
int                 crm_cli_contacts_import_run (const char  *data_dir,
                                                 const char  *profile,
                                                 int          argc,
                                                 char       **argv);
int                 crm_cli_contacts_export_run (const char  *data_dir,
                                                 const char  *profile,
                                                 int          argc,
                                                 char       **argv);

G_END_DECLS
