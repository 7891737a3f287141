/* crm-types.h: forward declarations shared by the core library
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _CrmEntity CrmEntity;
typedef struct _CrmField  CrmField;
typedef struct _CrmRecord CrmRecord;
typedef struct _CrmStore  CrmStore;

typedef enum
{
  CRM_FIELD_TEXT,
  CRM_FIELD_ENUM,
  CRM_FIELD_REF,
  CRM_FIELD_MONEY,
  CRM_FIELD_DECIMAL,
  CRM_FIELD_INTEGER,
  CRM_FIELD_BOOLEAN,
  CRM_FIELD_DATE,
  CRM_FIELD_DATETIME,
  CRM_FIELD_CURRENCY,
  CRM_FIELD_CONTACT_POINTS,
  CRM_FIELD_QUOTE_LINES,
  CRM_FIELD_PRICES,
} CrmFieldType;

typedef enum
{
  CRM_CHANGE_CREATED,
  CRM_CHANGE_UPDATED,
  CRM_CHANGE_DELETED,
} CrmChangeKind;

G_END_DECLS
