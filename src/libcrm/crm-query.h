/* crm-query.h: which records of an entity to read
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "crm-types.h"

G_BEGIN_DECLS

#define CRM_TYPE_QUERY (crm_query_get_type ())

typedef struct _CrmQuery CrmQuery;

GType       crm_query_get_type      (void) G_GNUC_CONST;

CrmQuery   *crm_query_new           (const char          *entity);
CrmQuery   *crm_query_copy          (const CrmQuery      *self);
CrmQuery   *crm_query_ref           (CrmQuery            *self);
void        crm_query_unref         (CrmQuery            *self);

const char *crm_query_get_entity    (const CrmQuery      *self);

void        crm_query_add_equal     (CrmQuery            *self,
                                     const char          *field,
                                     const char          *value);
void        crm_query_add_one_of    (CrmQuery            *self,
                                     const char          *field,
                                     const char * const  *values);
void        crm_query_add_range     (CrmQuery            *self,
                                     const char          *field,
                                     const char          *from,
                                     const char          *to);
void        crm_query_add_not_ids   (CrmQuery            *self,
                                     const char * const  *ids);
void        crm_query_set_search    (CrmQuery            *self,
                                     const char          *text,
                                     const char          *also_via);
gboolean    crm_query_has_search    (const CrmQuery      *self);
void        crm_query_set_order     (CrmQuery            *self,
                                     const char          *field,
                                     gboolean             descending);

/* For crm-store.c */
gboolean   _crm_query_append_where  (const CrmQuery      *self,
                                     const CrmEntity     *entity,
                                     GString             *sql,
                                     GPtrArray           *binds,
                                     GError             **error);
char      *_crm_query_dup_order_by  (const CrmQuery      *self,
                                     const CrmEntity     *entity,
                                     GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmQuery, crm_query_unref)

G_END_DECLS
