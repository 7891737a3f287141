/* crm-demo.h: a realistic sample company, the same every time
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "crm-store.h"

G_BEGIN_DECLS

typedef struct
{
  guint accounts;
  guint contacts;
  guint opportunities;
} CrmDemoSize;

/* The company crm-server --demo seeds: ~2,000 accounts, ~5,000 contacts,
 * ~3,000 opportunities */
#define CRM_DEMO_SIZE_FULL ((CrmDemoSize) { 2000, 5000, 3000 })

gboolean crm_demo_is_seeded (CrmStore          *store);
gboolean crm_demo_seed      (CrmStore          *store,
                             const CrmDemoSize *size,
                             GDateTime         *today,
                             GError           **error);

G_END_DECLS
