/* crm-format.h: how values of records read in the window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* "€13,000.00" (@symbol) or "13,000.00 EUR"; @amount as the store keeps
 * money ("13000.00"); %NULL when it does not parse */
char       *crm_format_money        (const char *amount,
                                     const char *currency,
                                     gboolean    symbol);
char       *crm_format_minor        (gint64      minor,
                                     const char *currency,
                                     gboolean    symbol);
/* "Expected close date" for "expected_close_date", "Account" for "account_id" */
char       *crm_format_field_label  (const char *name);
/* "2025-12-02" as "2 Dec 2025" */
char       *crm_format_date         (const char *date);
/* A one-line text for any field value; "" for none */
char       *crm_format_value        (JsonNode   *value);

/* GTK 4.8 names a button whose label has a mnemonic "_Save Save" in the
 * accessibility tree; this makes every such button under @root go by its
 * text alone ("Save"). */
void        crm_fix_mnemonic_names  (GtkWidget  *root);

/* Runs @reload (@widget) now if @widget is on screen, else the next time it
 * shows: a view hidden behind another need not reload for every sync */
void        crm_release_worker_memory (void);
void        crm_reload_when_shown   (GtkWidget  *widget,
                                     void      (*reload) (gpointer widget));

/* Exchange rates to the company currency, from the store's
 * exchange_rates (the latest of each currency) */
typedef struct _CrmRates CrmRates;

CrmRates   *crm_rates_new           (CrmStore   *store);
void        crm_rates_free          (CrmRates   *rates);
const char *crm_rates_get_base      (CrmRates   *rates);
/* @amount in @currency to minor units of @to; FALSE without a rate */
gboolean    crm_rates_convert       (CrmRates   *rates,
                                     const char *amount,
                                     const char *currency,
                                     const char *to,
                                     gint64     *out_minor);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmRates, crm_rates_free)

G_END_DECLS
