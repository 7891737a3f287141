/* crm-server-writer.h: the server's writes, off the main loop, committed
 * in groups
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "crm-server-db.h"

G_BEGIN_DECLS

typedef struct _CrmServerWriter CrmServerWriter;

/* Runs inside the writer's transaction, in its thread; returns what the
 * caller gets once the transaction has committed, or %NULL with @error
 * (what it wrote is then rolled back) */
typedef gpointer (*CrmServerWriteFunc) (CrmServerDb  *db,
                                        gpointer      data,
                                        GError      **error);

CrmServerWriter *crm_server_writer_new        (const char          *location,
                                               GError             **error);
void             crm_server_writer_free       (CrmServerWriter     *writer);
void             crm_server_writer_run_async  (CrmServerWriter     *writer,
                                               CrmServerWriteFunc   func,
                                               gpointer             data,
                                               GDestroyNotify       data_free,
                                               GDestroyNotify       result_free,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gpointer         crm_server_writer_run_finish (GAsyncResult        *result,
                                               GError             **error);

G_END_DECLS
