/* crm-quote-pdf.h: a quote laid out on pages, for PDF export and printing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <cairo.h>

#include "crm-quote.h"

G_BEGIN_DECLS

/* What the pages say besides the lines and totals; any may be NULL */
typedef struct
{
  const char *company_name;
  const char *company_address;  /* lines separated by \n */
  const char *customer_name;
  const char *customer_address;
  const char *contact_name;
  const char *number;
  gint64      revision;
  const char *date;             /* YYYY-MM-DD */
  const char *valid_until;
  const char *terms;
  const char *notes;
} CrmQuoteHeader;

typedef struct _CrmQuoteRender CrmQuoteRender;

/* Keeps pointers to @header's strings, @quote and @totals, which must
 * outlive it. */
CrmQuoteRender *crm_quote_render_new        (const CrmQuoteHeader *header,
                                             const CrmQuote       *quote,
                                             const CrmQuoteTotals *totals);
void            crm_quote_render_free       (CrmQuoteRender       *render);
/* Lays the quote out on pages of @width × @height points drawn on @cr
 * (a PDF surface or a GtkPrintContext's) and returns how many there are.
 * The header of the lines table repeats on each page. */
guint           crm_quote_render_paginate   (CrmQuoteRender       *render,
                                             cairo_t              *cr,
                                             double                width,
                                             double                height);
/* Draws page @page (from 0) of the last crm_quote_render_paginate() */
void            crm_quote_render_draw_page  (CrmQuoteRender       *render,
                                             cairo_t              *cr,
                                             guint                 page);

/* The whole quote as an A4 PDF at @path */
gboolean        crm_quote_pdf_write         (const CrmQuoteHeader *header,
                                             const CrmQuote       *quote,
                                             const CrmQuoteTotals *totals,
                                             const char           *path,
                                             GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmQuoteRender, crm_quote_render_free)

G_END_DECLS
