/* crm-record.h: one record of any entity, and its JSON codec
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "crm-entity.h"

G_BEGIN_DECLS

#define CRM_TYPE_RECORD (crm_record_get_type ())

G_DECLARE_FINAL_TYPE (CrmRecord, crm_record, CRM, RECORD, GObject)

CrmRecord       *crm_record_new                (const CrmEntity  *entity,
                                                const char       *id);
CrmRecord       *crm_record_new_from_json      (const CrmEntity  *entity,
                                                JsonNode         *node,
                                                GError          **error);
JsonNode        *crm_record_to_json            (CrmRecord        *self);
char            *crm_record_to_json_string     (CrmRecord        *self,
                                                gboolean          pretty);
CrmRecord       *crm_record_copy               (CrmRecord        *self);

const CrmEntity *crm_record_get_entity         (CrmRecord        *self);
const char      *crm_record_get_id             (CrmRecord        *self);
gint64           crm_record_get_version        (CrmRecord        *self);
void             crm_record_set_version        (CrmRecord        *self,
                                                gint64            version);
const char      *crm_record_get_created_at     (CrmRecord        *self);
const char      *crm_record_get_updated_at     (CrmRecord        *self);
void             crm_record_set_timestamps     (CrmRecord        *self,
                                                const char       *created_at,
                                                const char       *updated_at);
const char      *crm_record_get_owner_id       (CrmRecord        *self);
void             crm_record_set_owner_id       (CrmRecord        *self,
                                                const char       *owner_id);
gboolean         crm_record_get_deleted        (CrmRecord        *self);
void             crm_record_set_deleted        (CrmRecord        *self,
                                                gboolean          deleted);

JsonNode        *crm_record_get_field          (CrmRecord        *self,
                                                const char       *name);
const char      *crm_record_get_string         (CrmRecord        *self,
                                                const char       *name);
gboolean         crm_record_set_field          (CrmRecord        *self,
                                                const char       *name,
                                                JsonNode         *value,
                                                GError          **error);
void             crm_record_take_field         (CrmRecord        *self,
                                                const char       *name,
                                                JsonNode         *value);
gboolean         crm_record_validate           (CrmRecord        *self,
                                                GError          **error);
char            *crm_record_dup_title          (CrmRecord        *self);

G_END_DECLS
