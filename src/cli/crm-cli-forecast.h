/* crm-cli-forecast.h: the forecast command of crm-cli
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The options of `crm-cli forecast`, for the command's option context */
const GOptionEntry *crm_cli_forecast_entries (void);

/* Runs `crm-cli forecast [adjust|submit|history|revert] …` with what the
 * option context left of the command line; returns the exit status. */
int                 crm_cli_forecast_run     (const char  *data_dir,
                                              const char  *profile,
                                              int          argc,
                                              char       **argv);

G_END_DECLS
