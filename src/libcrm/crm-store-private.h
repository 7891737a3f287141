/* crm-store-private.h: for the sync engine, tests and benchmarks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <sqlite3.h>

#include "crm-store.h"

G_BEGIN_DECLS

sqlite3 *_crm_store_get_db (CrmStore *self);
char    *_crm_fts_query    (const char *text);
gboolean _crm_store_put_synced (CrmStore   *self,
                                CrmRecord  *record,
                                GError    **error);

typedef struct
{
  guint pushed;     /* applied or merged */
  guint conflicts;
  guint rejected;
} CrmPushTally;

JsonArray *_crm_store_take_outbox_batch  (CrmStore      *self,
                                          guint          limit,
                                          GError       **error);
gboolean   _crm_store_apply_push_results (CrmStore      *self,
                                          JsonArray     *sent,
                                          JsonArray     *results,
                                          CrmPushTally  *tally,
                                          GError       **error);
gboolean   _crm_store_apply_pull_page    (CrmStore      *self,
                                          JsonArray     *changes,
                                          const char    *cursor,
                                          gboolean       more,
                                          guint         *n_applied,
                                          GError       **error);
gboolean   _crm_store_request_resync     (CrmStore      *self,
                                          GError       **error);
gboolean   _crm_store_resync_pending     (CrmStore      *self);
gboolean   _crm_store_sweep_unseen       (CrmStore      *self,
                                          GHashTable    *seen,
                                          guint         *n_removed,
                                          GError       **error);

G_END_DECLS
