/* crm-fault-proxy.h: an HTTP proxy on loopback that misbehaves on purpose
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What the proxy did to a request */
typedef enum
{
  CRM_FAULT_PASS,        /* forwarded, answered as the server did */
  CRM_FAULT_RESET,       /* closed (RST) without forwarding or answering */
  CRM_FAULT_STALL,       /* waited a little, then forwarded */
  CRM_FAULT_STATUS,      /* answered 500, 503 or 429 itself, not forwarded */
  CRM_FAULT_DROP_REPLY,  /* forwarded, so the server applied it, then closed without answering */
  CRM_FAULT_TRUNCATE,    /* forwarded, then cut the answer's body short */
  CRM_FAULT_GARBAGE,     /* forwarded, then replaced the answer's body with malformed JSON */
  CRM_FAULT_N_KINDS
} CrmFault;

typedef struct _CrmFaultProxy CrmFaultProxy;

CrmFaultProxy *crm_fault_proxy_new             (const char    *upstream_url,
                                                guint          seed,
                                                double         fault_rate);
void           crm_fault_proxy_free            (CrmFaultProxy *self);
const char    *crm_fault_proxy_get_url         (CrmFaultProxy *self);
void           crm_fault_proxy_set_rate        (CrmFaultProxy *self,
                                                double         fault_rate);
void           crm_fault_proxy_set_upstream    (CrmFaultProxy *self,
                                                const char    *upstream_url);
void           crm_fault_proxy_drop_next_reply (CrmFaultProxy *self,
                                                const char    *path_prefix,
                                                guint          n);
guint          crm_fault_proxy_get_requests    (CrmFaultProxy *self);
guint          crm_fault_proxy_get_faults      (CrmFaultProxy *self);
guint          crm_fault_proxy_get_fault_count (CrmFaultProxy *self,
                                                CrmFault       kind);
const char    *crm_fault_to_string             (CrmFault       kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmFaultProxy, crm_fault_proxy_free)

G_END_DECLS
