/* crm-deal-card.h: what a pipeline card shows of a deal, drawn in one widget
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CRM_TYPE_DEAL_CARD (crm_deal_card_get_type ())

G_DECLARE_FINAL_TYPE (CrmDealCard, crm_deal_card, CRM, DEAL_CARD, GtkWidget)

GtkWidget  *crm_deal_card_new  (void);
/* Each line is left out when %NULL (or empty) */
void        crm_deal_card_set  (CrmDealCard *self,
                                const char  *name,
                                const char  *account,
                                const char  *amount,
                                const char  *date,
                                const char  *owner,
                                const char  *flag);

G_END_DECLS
