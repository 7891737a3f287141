/* crm-contacts-io.h: contacts in and out as vCard and CSV
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "crm-store.h"

G_BEGIN_DECLS

#define CRM_CONTACTS_IO_ERROR (crm_contacts_io_error_quark ())

typedef enum
{
  /* The file is malformed; the message starts with the line, "line 7: …" */
  CRM_CONTACTS_IO_ERROR_INVALID,
  /* The file holds no contact at all */
  CRM_CONTACTS_IO_ERROR_EMPTY,
  /* The format cannot be told from the name given */
  CRM_CONTACTS_IO_ERROR_FORMAT,
} CrmContactsIoError;

typedef enum
{
  CRM_CONTACTS_FORMAT_VCARD,     /* vCard 4.0 out; 2.1, 3.0 and 4.0 in */
  CRM_CONTACTS_FORMAT_VCARD_30,  /* vCard 3.0 out; the same as VCARD in */
  CRM_CONTACTS_FORMAT_CSV,
} CrmContactsFormat;

typedef enum
{
  CRM_DUPLICATE_MERGE,  /* fill the existing contact's empty fields, add its new addresses */
  CRM_DUPLICATE_SKIP,   /* leave the existing contact as it is */
} CrmDuplicateChoice;

typedef struct
{
  guint created;
  guint merged;    /* duplicates merged into a contact, changed or not */
  guint skipped;   /* duplicates left out */
  guint accounts_created;
} CrmImportResult;

typedef struct _CrmImportPlan CrmImportPlan;

GQuark             crm_contacts_io_error_quark         (void);

gboolean           crm_contacts_format_from_name       (const char          *name,
                                                        CrmContactsFormat   *format,
                                                        GError             **error);
gboolean           crm_contacts_format_from_path       (const char          *path,
                                                        CrmContactsFormat   *format,
                                                        GError             **error);

CrmImportPlan     *crm_import_plan_parse               (CrmContactsFormat    format,
                                                        const char          *data,
                                                        gsize                length,
                                                        GError             **error);
void               crm_import_plan_free                (CrmImportPlan       *plan);
guint              crm_import_plan_get_n_contacts      (CrmImportPlan       *plan);
const char * const *crm_import_plan_get_ignored_columns (CrmImportPlan       *plan);

gboolean           crm_import_plan_find_duplicates     (CrmImportPlan       *plan,
                                                        CrmStore            *store,
                                                        GError             **error);
guint              crm_import_plan_get_n_duplicates    (CrmImportPlan       *plan);
gboolean           crm_import_plan_get_duplicate       (CrmImportPlan       *plan,
                                                        guint                index,
                                                        guint               *line,
                                                        const char         **email,
                                                        const char         **existing_id);
void               crm_import_plan_set_choice          (CrmImportPlan       *plan,
                                                        guint                index,
                                                        CrmDuplicateChoice   choice);
gboolean           crm_import_plan_apply               (CrmImportPlan       *plan,
                                                        CrmStore            *store,
                                                        CrmDuplicateChoice   choice,
                                                        CrmImportResult     *result,
                                                        GError             **error);

char              *crm_contacts_export                 (CrmStore            *store,
                                                        const char * const  *ids,
                                                        CrmContactsFormat    format,
                                                        guint               *n_exported,
                                                        GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmImportPlan, crm_import_plan_free)

G_END_DECLS
