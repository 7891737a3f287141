/* crm-quote-record.h: quotes as records: numbers, totals, lifecycle, catalog
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "crm-quote-pdf.h"
#include "crm-quote.h"
#include "crm-store.h"

G_BEGIN_DECLS

#define CRM_QUOTE_STATE_ERROR (crm_quote_state_error_quark ())

typedef enum
{
  CRM_QUOTE_STATE_ERROR_NOT_EDITABLE, /* only a draft's fields change */
  CRM_QUOTE_STATE_ERROR_TRANSITION,   /* such as accepting a draft */
  CRM_QUOTE_STATE_ERROR_EXPIRED,      /* past its valid_until */
  CRM_QUOTE_STATE_ERROR_NO_DEAL,      /* accepting with a deal update, but no deal or no won stage */
} CrmQuoteStateError;

/* The fields the quote engine fills in on every save */
extern const char * const crm_quote_total_fields[];

GQuark      crm_quote_state_error_quark        (void);

/* The engine's quote for a "quotes" record, computed the record's way
 * (its tax_mode and rounding; document and half-up when unset). */
CrmQuote   *crm_quote_new_for_record           (CrmRecord    *record,
                                                GError      **error);
/* Computes the record's subtotal, discount, shipping, tax and total */
gboolean    crm_quote_record_compute           (CrmRecord    *record,
                                                GError      **error);
/* Whether the stored totals are what the engine makes of the record;
 * if not, the error's message starts with the first field that
 * disagrees (CRM_ENTITY_ERROR_INVALID_VALUE). */
gboolean    crm_quote_record_check_totals      (CrmRecord    *record,
                                                GError      **error);
/* Whether a quote may go from @previous to @next: only a draft's fields
 * change, and the status goes draft → sent → accepted, rejected or
 * expired. The error's message starts with the field refused. */
gboolean    crm_quote_record_check_change      (CrmRecord    *previous,
                                                CrmRecord    *next,
                                                GError      **error);
/* The status a person sees: a sent quote past its valid_until on @today
 * (NULL: today) is "expired". */
const char *crm_quote_record_get_status        (CrmRecord    *record,
                                                const GDate  *today);

/* The prefix this profile numbers its quotes with: Q-USERNAME for a
 * signed-in profile, else a random Q-XXXX kept in the profile. */
char       *crm_quote_record_dup_number_prefix (CrmStore     *store,
                                                GError      **error);

/* Editing a draft. @line is a quote line ({"description", "quantity",
 * "unit_price", …}); with "product" (a SKU or product id) the catalog
 * fills in what the line does not say. @position is from 0; -1 appends. */
CrmRecord  *crm_quote_record_add_line          (CrmStore     *store,
                                                const char   *id,
                                                JsonObject   *line,
                                                int           position,
                                                GError      **error);
CrmRecord  *crm_quote_record_remove_line       (CrmStore     *store,
                                                const char   *id,
                                                guint         index,
                                                GError      **error);
CrmRecord  *crm_quote_record_move_line         (CrmStore     *store,
                                                const char   *id,
                                                guint         from,
                                                guint         to,
                                                GError      **error);

/* The lifecycle */
CrmRecord  *crm_quote_record_send              (CrmStore     *store,
                                                const char   *id,
                                                GError      **error);
CrmRecord  *crm_quote_record_reject            (CrmStore     *store,
                                                const char   *id,
                                                GError      **error);
/* With @update_deal, the quote's deal takes its total as amount and
 * moves to the won stage, in the same transaction. */
CrmRecord  *crm_quote_record_accept            (CrmStore     *store,
                                                const char   *id,
                                                gboolean      update_deal,
                                                GError      **error);
/* A new draft with the same number and the next revision */
CrmRecord  *crm_quote_record_revise            (CrmStore     *store,
                                                const char   *id,
                                                GError      **error);
/* Every revision of @number, oldest first */
GPtrArray  *crm_quote_record_list_revisions    (CrmStore     *store,
                                                const char   *number,
                                                GError      **error);

/* The catalog */
CrmRecord  *crm_product_lookup                 (CrmStore     *store,
                                                const char   *sku_or_id,
                                                GError      **error);
/* The product's unit price in @currency, or NULL when it has none */
char       *crm_product_dup_price              (CrmRecord    *product,
                                                const char   *currency);

/* For crm-store.c: numbers a new quote, fills in its defaults, refuses
 * what its status forbids and computes its totals. */
gboolean    _crm_quote_record_prepare          (CrmStore     *store,
                                                CrmRecord    *previous,
                                                CrmRecord    *record,
                                                GError      **error);

/* A stored quote as its PDF and printed page show it */
typedef struct
{
  CrmQuoteHeader  header;   /* its strings belong to the document */
  CrmQuote       *quote;
  CrmQuoteTotals *totals;
  GPtrArray      *strings;
} CrmQuoteDocument;

CrmQuoteDocument *crm_quote_document_new  (CrmStore         *store,
                                           CrmRecord        *record,
                                           GError          **error);
void              crm_quote_document_free (CrmQuoteDocument *doc);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmQuoteDocument, crm_quote_document_free)

G_END_DECLS
