/* crm-quote-editor.h: a quote's header, lines, totals and lifecycle
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "crm-context.h"
#include "crm-quote.h"

G_BEGIN_DECLS

#define CRM_TYPE_QUOTE_EDITOR (crm_quote_editor_get_type ())

G_DECLARE_FINAL_TYPE (CrmQuoteEditor, crm_quote_editor, CRM, QUOTE_EDITOR, AdwWindow)

/* The line columns a person types into */
#define CRM_QUOTE_COLUMN_DESCRIPTION "description"
#define CRM_QUOTE_COLUMN_QUANTITY    "quantity"
#define CRM_QUOTE_COLUMN_UNIT_PRICE  "unit_price"
/* "10%" is a percent off the line, "25.00" an amount off it */
#define CRM_QUOTE_COLUMN_DISCOUNT    "discount"
#define CRM_QUOTE_COLUMN_TAX_RATE    "tax_rate"

/* @id: (nullable): the quote to open, or %NULL for a new draft
 * @defaults: (nullable): fields a new draft starts with, such as
 * opportunity_id, account_id, contact_id and currency */
GtkWindow            *crm_quote_editor_new           (CrmContext     *context,
                                                      const char     *id,
                                                      JsonObject     *defaults,
                                                      GtkWindow      *parent);
/* (nullable): the quote shown, %NULL until a new one is saved */
const char           *crm_quote_editor_get_id        (CrmQuoteEditor *self);
/* Whether the quote can be changed: only a draft can */
gboolean              crm_quote_editor_get_editable  (CrmQuoteEditor *self);
/* (nullable): the totals of what the editor shows now, %NULL while a
 * value does not compute (crm_quote_editor_get_error() says which) */
const CrmQuoteTotals *crm_quote_editor_get_totals    (CrmQuoteEditor *self);
/* (nullable): why the last computation, save or step failed */
const char           *crm_quote_editor_get_error     (CrmQuoteEditor *self);
/* Whether there are changes not saved yet */
gboolean              crm_quote_editor_get_modified  (CrmQuoteEditor *self);

/* A header field as typed: the field's name, or "discount" ("5%" or an
 * amount) */
void                  crm_quote_editor_set_text      (CrmQuoteEditor *self,
                                                      const char     *field,
                                                      const char     *text);
/* A cell of line @index (from 0) as typed; @column is one of the
 * CRM_QUOTE_COLUMN_ names */
void                  crm_quote_editor_set_line_text (CrmQuoteEditor *self,
                                                      guint           index,
                                                      const char     *column,
                                                      const char     *text);
/* Checks and saves through the store (the change syncs later); on
 * failure the editor says why */
gboolean              crm_quote_editor_save          (CrmQuoteEditor *self);
/* Saves a modified draft, then writes the quote as a PDF at @path with
 * the renderer crm-cli uses */
gboolean              crm_quote_editor_export_pdf    (CrmQuoteEditor *self,
                                                      const char     *path,
                                                      GError        **error);
/* Prints through GtkPrintOperation into a PDF at @path, without asking:
 * the drawing code of Print, checked like Export */
gboolean              crm_quote_editor_print_to_file (CrmQuoteEditor *self,
                                                      const char     *path,
                                                      GError        **error);

G_END_DECLS
