/* crm-test-util.h: what the unit tests share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <glib/gstdio.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* A temporary folder, removed with everything in it */
typedef struct
{
  char *path;
} CrmTestDir;

CrmTestDir *crm_test_dir_new        (void);
void        crm_test_dir_free       (CrmTestDir *dir);
char       *crm_test_dir_file       (CrmTestDir *dir,
                                     const char *name);
CrmStore   *crm_test_open_store     (CrmTestDir *dir);

JsonObject *crm_test_object         (const char *json);
CrmRecord  *crm_test_create         (CrmStore   *store,
                                     const char *entity,
                                     const char *json);
char       *crm_test_create_stage   (CrmStore   *store);
char       *crm_test_create_account (CrmStore   *store,
                                     const char *name);
gint64      crm_test_count_rows     (CrmStore   *store,
                                     const char *sql);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmTestDir, crm_test_dir_free)

G_END_DECLS
