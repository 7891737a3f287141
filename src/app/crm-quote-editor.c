/* crm-quote-editor.c: a quote's header, lines, totals and lifecycle
 *
 * The editor keeps a working copy of the quote: the header in a record,
 * the lines as items of a list store, each holding its line as the core
 * stores it (decimal strings). Every keystroke recomputes the totals
 * with the quote engine, which is exact and fast enough to do so; Save
 * hands the working copy to the store, which numbers, checks and totals
 * it the way crm-cli does, so it works offline and syncs later. Only a
 * draft can be changed: any other quote is shown read-only, with the
 * lifecycle step that applies (accept, reject, revise).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-quote-editor"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "crm-decimal.h"
#include "crm-entity.h"
#include "crm-format.h"
#include "crm-quote-editor.h"
#include "crm-quote-pdf.h"
#include "crm-quote-record.h"
#include "crm-record-picker.h"

/* A line of the quote ******************************************************/

enum {
  COLUMN_DESCRIPTION,
  COLUMN_QUANTITY,
  COLUMN_UNIT_PRICE,
  COLUMN_DISCOUNT,
  COLUMN_TAX_RATE,
  N_COLUMNS
};

static const char * const column_names[N_COLUMNS] = {
  CRM_QUOTE_COLUMN_DESCRIPTION,
  CRM_QUOTE_COLUMN_QUANTITY,
  CRM_QUOTE_COLUMN_UNIT_PRICE,
  CRM_QUOTE_COLUMN_DISCOUNT,
  CRM_QUOTE_COLUMN_TAX_RATE,
};

#define CRM_TYPE_QUOTE_LINE_ITEM (crm_quote_line_item_get_type ())

G_DECLARE_FINAL_TYPE (CrmQuoteLineItem, crm_quote_line_item, CRM, QUOTE_LINE_ITEM, GObject)

struct _CrmQuoteLineItem
{
  GObject      parent_instance;

  JsonObject  *line;
  /* The cells showing the line while it is on screen */
  GtkEditable *cells[N_COLUMNS];
  GtkLabel    *net_label;
  char        *net;
};

G_DEFINE_FINAL_TYPE (CrmQuoteLineItem, crm_quote_line_item, G_TYPE_OBJECT)

static void
crm_quote_line_item_finalize (GObject *object)
{
  CrmQuoteLineItem *self = CRM_QUOTE_LINE_ITEM (object);

  g_clear_pointer (&self->line, json_object_unref);
  g_free (self->net);

  G_OBJECT_CLASS (crm_quote_line_item_parent_class)->finalize (object);
}

static void
crm_quote_line_item_class_init (CrmQuoteLineItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = crm_quote_line_item_finalize;
}

static void
crm_quote_line_item_init (CrmQuoteLineItem *self)
{
}

/* Takes @line */
static CrmQuoteLineItem *
line_item_new (JsonObject *line)
{
  CrmQuoteLineItem *self = g_object_new (CRM_TYPE_QUOTE_LINE_ITEM, NULL);

  self->line = line;
  self->net = g_strdup ("");
  return self;
}

/* The editor ****************************************************************/

typedef struct
{
  CrmQuoteEditor *self;
  const char     *name;    /* a quote field, or "discount" */
  const CrmField *field;   /* NULL for "discount" */
  GtkWidget      *row;
  CrmRecordPicker *picker; /* a reference: the row itself */
} HeaderRow;

struct _CrmQuoteEditor
{
  AdwWindow            parent_instance;

  AdwToastOverlay     *toast_overlay;
  AdwWindowTitle      *window_title;
  GtkWidget           *send_button;
  GtkWidget           *accept_button;
  GtkWidget           *reject_button;
  GtkWidget           *revise_button;
  GtkWidget           *save_button;
  GtkRevealer         *error_revealer;
  GtkLabel            *error_label;
  GtkLabel            *readonly_label;
  GtkWidget           *line_buttons;
  GtkPopover          *catalog_popover;
  GtkSearchEntry      *product_search;
  GtkListView         *product_list;
  GtkColumnView       *lines_view;
  GtkLabel            *explain_label;
  GtkGrid             *totals_grid;
  AdwPreferencesGroup *header_group;
  AdwPreferencesGroup *amounts_group;

  CrmContext          *context;
  CrmRecord           *record;   /* as stored; NULL for a new quote */
  CrmRecord           *draft;    /* the header as shown */
  GListStore          *lines;    /* CrmQuoteLineItem */
  GListStore          *products; /* CrmRecord */
  GPtrArray           *rows;     /* HeaderRow */
  CrmQuoteTotals      *totals;
  char                *error;
  gboolean             editable;
  gboolean             modified;
  gboolean             closing;     /* the user chose to close: ask no more */
  gboolean             loading;
};

G_DEFINE_FINAL_TYPE (CrmQuoteEditor, crm_quote_editor, ADW_TYPE_WINDOW)

enum {
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The fields Save hands to the store; the totals are the core's to fill */
static const char * const saved_fields[] = {
  "opportunity_id", "account_id", "contact_id", "currency", "valid_until", "terms", "notes",
  "lines", "discount_percent", "discount_amount", "shipping", "shipping_tax_rate",
  "tax_mode", "rounding", NULL
};

static void refresh (CrmQuoteEditor *self);

/* Helpers *************************************************************/

static const char *
text_or (CrmRecord  *record,
         const char *name,
         const char *fallback)
{
  const char *text = record ? crm_record_get_string (record, name) : NULL;

  return text ? text : fallback;
}

static gint64
revision_of (CrmRecord *quote)
{
  JsonNode *node = quote ? crm_record_get_field (quote, "revision") : NULL;

  return node && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_int (node) : 1;
}

static const char *
status_label (const char *status)
{
  if (g_strcmp0 (status, "sent") == 0)
    return _("Sent");
  if (g_strcmp0 (status, "accepted") == 0)
    return _("Accepted");
  if (g_strcmp0 (status, "rejected") == 0)
    return _("Rejected");
  if (g_strcmp0 (status, "expired") == 0)
    return _("Expired");
  return _("Draft");
}

/* The status inside a sentence */
static const char *
status_word (const char *status)
{
  if (g_strcmp0 (status, "sent") == 0)
    return C_("quote status", "sent");
  if (g_strcmp0 (status, "accepted") == 0)
    return C_("quote status", "accepted");
  if (g_strcmp0 (status, "rejected") == 0)
    return C_("quote status", "rejected");
  if (g_strcmp0 (status, "expired") == 0)
    return C_("quote status", "expired");
  return C_("quote status", "a draft");
}

static const char *
current_status (CrmQuoteEditor *self)
{
  return self->record ? crm_quote_record_get_status (self->record, NULL) : "draft";
}

static gboolean
line_is_section (JsonObject *line)
{
  return g_strcmp0 (json_object_get_string_member_with_default (line, "kind", "item"), "section") == 0;
}

/* What a cell shows of @line: "10%" for a percent discount */
static char *
line_cell_text (JsonObject *line,
                guint       column)
{
  if (column == COLUMN_DISCOUNT)
    {
      if (json_object_has_member (line, "discount_percent"))
        return g_strdup_printf ("%s%%", json_object_get_string_member (line, "discount_percent"));
      return g_strdup (json_object_get_string_member_with_default (line, "discount_amount", ""));
    }
  return g_strdup (json_object_get_string_member_with_default (line, column_names[column], ""));
}

static void
remove_member (JsonObject *object,
               const char *name)
{
  if (json_object_has_member (object, name))
    json_object_remove_member (object, name);
}

/* A cell as typed, into the line; the engine checks it */
static void
line_set_cell (JsonObject *line,
               guint       column,
               const char *typed)
{
  g_autofree char *text = g_strstrip (g_strdup (typed));
  gsize len = strlen (text);
  gboolean percent = len > 0 && text[len - 1] == '%';

  if (percent)
    {
      text[len - 1] = '\0';
      g_strstrip (text);
    }
  if (column == COLUMN_DISCOUNT)
    {
      remove_member (line, "discount_percent");
      remove_member (line, "discount_amount");
      if (*text)
        json_object_set_string_member (line, percent ? "discount_percent" : "discount_amount", text);
      return;
    }
  if (*text == '\0' && column != COLUMN_DESCRIPTION)
    remove_member (line, column_names[column]);
  else
    json_object_set_string_member (line, column_names[column], column == COLUMN_DESCRIPTION ? typed : text);
}

static JsonObject *
copy_line (JsonObject *line)
{
  JsonObject *copy = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  json_object_iter_init (&iter, line);
  while (json_object_iter_next (&iter, &name, &value))
    json_object_set_member (copy, name, json_node_copy (value));
  return copy;
}

static void
show_error (CrmQuoteEditor *self,
            const char     *message)
{
  if (g_strcmp0 (self->error, message) == 0)
    return;
  g_free (self->error);
  self->error = g_strdup (message);
  gtk_label_set_text (self->error_label, message ? message : "");
  gtk_revealer_set_reveal_child (self->error_revealer, message != NULL);
  if (message)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->error_label),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, message, -1);
}

static void
toast (CrmQuoteEditor *self,
       const char     *title)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (title));
}

static char *
format_minor (CrmQuoteEditor *self,
              gint64          minor)
{
  const char *currency = self->totals ? self->totals->currency : text_or (self->draft, "currency", "EUR");
  char *text = crm_format_minor (minor, currency, crm_context_get_use_symbols (self->context));

  return text ? text : g_strdup ("—");
}

/* Header rows *********************************************************/

static void header_changed_cb (HeaderRow *row);

static void
set_row_label (GtkWidget  *row,
               const char *title)
{
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
}

static HeaderRow *
add_header_row (CrmQuoteEditor      *self,
                AdwPreferencesGroup *group,
                const char          *name,
                const char          *title,
                const char          *tooltip)
{
  const CrmEntity *entity = crm_entity_lookup ("quotes");
  HeaderRow *row = g_new0 (HeaderRow, 1);

  row->self = self;
  row->name = name;
  row->field = g_str_equal (name, "discount") ? NULL : crm_entity_get_field (entity, name);
  if (row->field && row->field->type == CRM_FIELD_REF)
    {
      /* A deal, account or contact: one of many, found by typing */
      row->row = crm_record_picker_new (self->context, row->field->related);
      row->picker = CRM_RECORD_PICKER (row->row);
      g_signal_connect_swapped (row->row, "changed", G_CALLBACK (header_changed_cb), row);
    }
  else
    {
      row->row = adw_entry_row_new ();
      g_signal_connect_swapped (row->row, "changed", G_CALLBACK (header_changed_cb), row);
    }
  set_row_label (row->row, title);
  if (tooltip)
    gtk_widget_set_tooltip_text (row->row, tooltip);
  gtk_widget_set_name (row->row, name);
  adw_preferences_group_add (group, row->row);
  g_ptr_array_add (self->rows, row);
  return row;
}

static char *
discount_text (CrmRecord *record)
{
  const char *percent = crm_record_get_string (record, "discount_percent");

  if (percent)
    return g_strdup_printf ("%s%%", percent);
  return g_strdup (text_or (record, "discount_amount", ""));
}

static void
fill_header_rows (CrmQuoteEditor *self)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      HeaderRow *row = g_ptr_array_index (self->rows, i);

      if (row->picker)
        {
          crm_record_picker_set_record_id (row->picker, crm_record_get_string (self->draft, row->name));
          gtk_widget_set_sensitive (row->row, self->editable);
        }
      else
        {
          g_autofree char *text = row->field ? crm_format_value (crm_record_get_field (self->draft, row->name))
                                             : discount_text (self->draft);

          gtk_editable_set_text (GTK_EDITABLE (row->row), text);
          /* The currency is fixed once the quote exists */
          gtk_widget_set_sensitive (row->row, self->editable && !(g_str_equal (row->name, "currency") && self->record));
        }
    }
}

/* The row's value into the working copy; FALSE with @error when it is
 * wrong */
static gboolean
apply_header_row (CrmQuoteEditor  *self,
                  HeaderRow       *row,
                  GError         **error)
{
  const CrmEntity *entity = crm_entity_lookup ("quotes");
  g_autofree char *text = NULL;
  JsonNode *value;

  if (row->picker)
    text = g_strdup (crm_record_picker_get_record_id (row->picker) ? crm_record_picker_get_record_id (row->picker)
                                                                   : "");
  else
    text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row->row))));

  if (row->field == NULL)
    {
      gsize len = strlen (text);
      gboolean percent = len > 0 && text[len - 1] == '%';
      const CrmField *field;

      if (percent)
        {
          text[len - 1] = '\0';
          g_strstrip (text);
        }
      field = crm_entity_get_field (entity, percent ? "discount_percent" : "discount_amount");
      if (!(value = crm_field_parse_text (field, text, error)))
        return FALSE;
      crm_record_take_field (self->draft, "discount_percent", NULL);
      crm_record_take_field (self->draft, "discount_amount", NULL);
      crm_record_take_field (self->draft, field->name, value);
      return TRUE;
    }
  if (!(value = crm_field_parse_text (row->field, text, error)))
    return FALSE;
  crm_record_take_field (self->draft, row->name, value);
  return TRUE;
}

/* Lines ***************************************************************/

static void
lines_into_draft (CrmQuoteEditor *self)
{
  g_autoptr(JsonArray) array = json_array_new ();
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->lines));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CrmQuoteLineItem) item = g_list_model_get_item (G_LIST_MODEL (self->lines), i);

      json_array_add_object_element (array, copy_line (item->line));
    }
  crm_record_take_field (self->draft, "lines", json_node_init_array (json_node_alloc (), array));
}

/* Replaces every line, so each row is bound again with its position */
static void
set_lines (CrmQuoteEditor *self,
           GPtrArray      *items)
{
  g_list_store_splice (self->lines, 0, g_list_model_get_n_items (G_LIST_MODEL (self->lines)),
                       items->pdata, items->len);
}

static GPtrArray *
dup_items (CrmQuoteEditor *self)
{
  GPtrArray *items = g_ptr_array_new_with_free_func (g_object_unref);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->lines));

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (items, g_list_model_get_item (G_LIST_MODEL (self->lines), i));
  return items;
}

static void
lines_changed (CrmQuoteEditor *self)
{
  self->modified = TRUE;
  refresh (self);
}

static void
insert_line (CrmQuoteEditor *self,
             JsonObject     *line)
{
  g_autoptr(CrmQuoteLineItem) item = line_item_new (line);

  g_list_store_append (self->lines, item);
  lines_changed (self);
}

static void
move_line (CrmQuoteEditor *self,
           guint           from,
           guint           to)
{
  g_autoptr(GPtrArray) items = dup_items (self);
  gpointer item;

  if (from >= items->len || to >= items->len || from == to)
    return;
  item = g_ptr_array_steal_index (items, from);
  g_ptr_array_insert (items, to, item);
  set_lines (self, items);
  lines_changed (self);
}

static void
remove_line (CrmQuoteEditor *self,
             guint           index)
{
  g_autoptr(GPtrArray) items = dup_items (self);

  if (index >= items->len)
    return;
  g_ptr_array_remove_index (items, index);
  set_lines (self, items);
  lines_changed (self);
}

/* The tax rate of the last item, for the next line typed by hand */
static const char *
last_tax_rate (CrmQuoteEditor *self)
{
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->lines)); i > 0; i--)
    {
      g_autoptr(CrmQuoteLineItem) item = g_list_model_get_item (G_LIST_MODEL (self->lines), i - 1);

      if (!line_is_section (item->line) && json_object_has_member (item->line, "tax_rate"))
        return json_object_get_string_member (item->line, "tax_rate");
    }
  return "0";
}

static gboolean
add_product (CrmQuoteEditor  *self,
             CrmRecord       *product,
             GError         **error)
{
  const char *currency = text_or (self->draft, "currency", "EUR");
  g_autofree char *price = crm_product_dup_price (product, currency);
  JsonObject *line;

  if (price == NULL)
    {
      g_set_error (error, CRM_QUOTE_ERROR, CRM_QUOTE_ERROR_INVALID,
                   _("%s has no price in %s: add a line by hand with the price"),
                   text_or (product, "name", "?"), currency);
      return FALSE;
    }
  line = json_object_new ();
  json_object_set_string_member (line, "description", text_or (product, "name", ""));
  json_object_set_string_member (line, "product_id", crm_record_get_id (product));
  json_object_set_string_member (line, "quantity", "1");
  json_object_set_string_member (line, "unit_price", price);
  json_object_set_string_member (line, "tax_rate", text_or (product, "tax_rate", "0"));
  insert_line (self, line);
  return TRUE;
}

/* Totals **************************************************************/

static void
add_total_row (CrmQuoteEditor *self,
               int             position,
               const char     *name,
               const char     *value,
               gboolean        strong)
{
  GtkWidget *label = gtk_label_new (name);
  GtkWidget *amount = gtk_label_new (value);
  g_autofree char *spoken = g_strdup_printf ("%s: %s", name, value);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_xalign (GTK_LABEL (amount), 1);
  gtk_widget_add_css_class (amount, "numeric");
  if (strong)
    {
      gtk_widget_add_css_class (label, "heading");
      gtk_widget_add_css_class (amount, "heading");
    }
  else
    gtk_widget_add_css_class (label, "dim-label");
  gtk_accessible_update_property (GTK_ACCESSIBLE (amount), GTK_ACCESSIBLE_PROPERTY_LABEL, spoken, -1);
  gtk_widget_set_name (amount, name);
  gtk_grid_attach (self->totals_grid, label, 0, position, 1, 1);
  gtk_grid_attach (self->totals_grid, amount, 1, position, 1, 1);
}

static void
show_totals (CrmQuoteEditor *self)
{
  const CrmQuoteTotals *totals = self->totals;
  GtkWidget *child;
  int position = 0;
  guint n;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->totals_grid))))
    gtk_grid_remove (self->totals_grid, child);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->lines));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CrmQuoteLineItem) item = g_list_model_get_item (G_LIST_MODEL (self->lines), i);

      g_free (item->net);
      item->net = totals && i < totals->lines->len
                  ? format_minor (self, g_array_index (totals->lines, CrmQuoteLineTotal, i).net)
                  : g_strdup ("—");
      if (item->net_label)
        gtk_label_set_text (item->net_label, item->net);
    }

  if (totals == NULL)
    {
      add_total_row (self, 0, _("Total"), "—", TRUE);
      gtk_label_set_text (self->explain_label, "");
      return;
    }

  {
    g_autofree char *subtotal = format_minor (self, totals->subtotal);
    g_autofree char *discount = format_minor (self, -totals->discount);
    g_autofree char *shipping = format_minor (self, totals->shipping);
    g_autofree char *total = format_minor (self, totals->total);
    g_autoptr(GString) explain = g_string_new (NULL);

    add_total_row (self, position++, _("Subtotal"), subtotal, FALSE);
    if (totals->discount != 0)
      add_total_row (self, position++, _("Discount"), discount, FALSE);
    if (totals->shipping != 0)
      add_total_row (self, position++, _("Shipping"), shipping, FALSE);
    for (guint i = 0; i < totals->taxes->len; i++)
      {
        const CrmQuoteTax *tax = &g_array_index (totals->taxes, CrmQuoteTax, i);
        g_autofree char *rate = crm_decimal_format_trimmed (tax->rate, CRM_QUOTE_PERCENT_SCALE);
        g_autofree char *base = format_minor (self, tax->base);
        g_autofree char *amount = format_minor (self, tax->tax);
        g_autofree char *name = g_strdup_printf (_("Tax %s%% on %s"), rate, base);

        add_total_row (self, position++, name, amount, FALSE);
      }
    add_total_row (self, position++, _("Total"), total, TRUE);

    for (guint i = 0; i < totals->explain->len; i++)
      g_string_append_printf (explain, "%s%s", i ? "\n" : "", (const char *) g_ptr_array_index (totals->explain, i));
    gtk_label_set_text (self->explain_label, explain->str);
  }
}

/* Everything from what is shown: each header row into the working copy
 * (the first that is wrong is marked and named), the lines, then the
 * engine's totals */
static void
refresh (CrmQuoteEditor *self)
{
  g_autoptr(GError) first = NULL;
  g_autoptr(CrmQuote) quote = NULL;

  if (self->loading)
    return;
  for (guint i = 0; i < self->rows->len; i++)
    {
      HeaderRow *row = g_ptr_array_index (self->rows, i);
      g_autoptr(GError) error = NULL;

      if (apply_header_row (self, row, &error))
        gtk_widget_remove_css_class (row->row, "error");
      else
        {
          gtk_widget_add_css_class (row->row, "error");
          if (first == NULL)
            first = g_steal_pointer (&error);
        }
    }
  lines_into_draft (self);

  g_clear_pointer (&self->totals, crm_quote_totals_free);
  if (first == NULL && (quote = crm_quote_new_for_record (self->draft, &first)))
    self->totals = crm_quote_compute (quote, &first);
  show_error (self, first ? first->message : NULL);
  show_totals (self);
}

/* State ***************************************************************/

static void
update_state (CrmQuoteEditor *self)
{
  const char *status = current_status (self);
  gboolean sent = g_str_equal (status, "sent");
  gboolean revisable = sent || g_str_equal (status, "rejected") || g_str_equal (status, "expired");
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;

  self->editable = self->record == NULL || g_strcmp0 (crm_record_get_string (self->record, "status"), "draft") == 0;
  if (self->record)
    {
      title = g_strdup_printf (_("Quote %s"), text_or (self->record, "number", ""));
      subtitle = g_strdup_printf (_("Revision %" G_GINT64_FORMAT " · %s"), revision_of (self->record),
                                  status_label (status));
    }
  else
    {
      title = g_strdup (_("New Quote"));
      subtitle = g_strdup (_("Draft, not saved yet"));
    }
  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title, subtitle);
  gtk_window_set_title (GTK_WINDOW (self), title);

  if (!self->editable)
    {
      g_autofree char *notice = NULL;

      notice = g_strdup_printf (revisable ? _("This quote is %s: only a draft can be changed. Revise it to make a new draft.")
                                          : _("This quote is %s: only a draft can be changed."),
                                status_word (status));
      gtk_label_set_text (self->readonly_label, notice);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->readonly_label), !self->editable);
  gtk_widget_set_visible (self->line_buttons, self->editable);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "quote.save", self->editable);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "quote.add-line", self->editable);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "quote.add-section", self->editable);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "quote.send", self->editable);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "quote.accept", sent);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "quote.reject", sent || g_str_equal (status, "expired"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "quote.revise", revisable);
  gtk_widget_set_visible (self->save_button, self->editable);
  gtk_widget_set_visible (self->send_button, self->editable);
  gtk_widget_set_visible (self->accept_button, sent);
  gtk_widget_set_visible (self->reject_button, sent || g_str_equal (status, "expired"));
  gtk_widget_set_visible (self->revise_button, revisable);
}

/* Shows @record (or a new draft from @defaults when it is NULL) */
static void
load (CrmQuoteEditor *self,
      CrmRecord      *record,
      JsonObject     *defaults)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  JsonNode *lines;

  g_set_object (&self->record, record);
  g_clear_object (&self->draft);
  if (record)
    self->draft = crm_record_copy (record);
  else
    {
      CrmStore *store = crm_context_get_store (self->context);
      g_autoptr(CrmRates) rates = crm_rates_new (store);
      g_autofree char *tax_mode = crm_store_dup_setting (store, "quote_tax_mode");
      g_autofree char *rounding = crm_store_dup_setting (store, "quote_rounding");
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      self->draft = crm_record_new (crm_entity_lookup ("quotes"), NULL);
      crm_record_take_field (self->draft, "currency",
                             json_node_init_string (json_node_alloc (),
                                                    crm_rates_get_base (rates) ? crm_rates_get_base (rates) : "EUR"));
      /* What the core would fill in on save, so the totals shown are the
       * totals saved */
      crm_record_take_field (self->draft, "tax_mode",
                             json_node_init_string (json_node_alloc (), tax_mode ? tax_mode : "document"));
      crm_record_take_field (self->draft, "rounding",
                             json_node_init_string (json_node_alloc (), rounding ? rounding : "half-up"));
      if (defaults)
        {
          json_object_iter_init (&iter, defaults);
          while (json_object_iter_next (&iter, &name, &value))
            crm_record_take_field (self->draft, name, json_node_copy (value));
        }
    }

  lines = crm_record_get_field (self->draft, "lines");
  for (guint i = 0; lines && JSON_NODE_HOLDS_ARRAY (lines) && i < json_array_get_length (json_node_get_array (lines)); i++)
    {
      JsonNode *element = json_array_get_element (json_node_get_array (lines), i);

      if (JSON_NODE_HOLDS_OBJECT (element))
        g_ptr_array_add (items, line_item_new (copy_line (json_node_get_object (element))));
    }

  update_state (self);
  self->loading = TRUE;
  fill_header_rows (self);
  set_lines (self, items);
  self->loading = FALSE;
  self->modified = FALSE;
  refresh (self);
}

/* The quote as stored, saving a draft's changes first */
static gboolean
save_if_needed (CrmQuoteEditor *self)
{
  if (self->editable && (self->record == NULL || self->modified))
    return crm_quote_editor_save (self);
  return TRUE;
}

/* The PDF and printing ************************************************/

/* The stored quote as crm-cli quote pdf lays it out, and its pages */
typedef struct
{
  CrmQuoteDocument *document;
  CrmQuoteRender   *render;
} Document;

static void
document_free (Document *doc)
{
  g_clear_pointer (&doc->render, crm_quote_render_free);
  g_clear_pointer (&doc->document, crm_quote_document_free);
  g_free (doc);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Document, document_free)

static Document *
document_new (CrmQuoteEditor  *self,
              GError         **error)
{
  g_autoptr(Document) doc = g_new0 (Document, 1);

  if (!save_if_needed (self))
    {
      g_set_error_literal (error, CRM_QUOTE_ERROR, CRM_QUOTE_ERROR_INVALID,
                           self->error ? self->error : _("The quote could not be saved"));
      return NULL;
    }
  if (!(doc->document = crm_quote_document_new (crm_context_get_store (self->context), self->record, error)))
    return NULL;
  doc->render = crm_quote_render_new (&doc->document->header, doc->document->quote, doc->document->totals);
  return g_steal_pointer (&doc);
}

static char *
dup_file_name (CrmQuoteEditor *self)
{
  return g_strdup_printf ("%s-r%" G_GINT64_FORMAT ".pdf", text_or (self->record, "number", _("Quote")),
                          revision_of (self->record));
}

static void
begin_print_cb (GtkPrintOperation *operation,
                GtkPrintContext   *context,
                Document          *doc)
{
  guint n = crm_quote_render_paginate (doc->render, gtk_print_context_get_cairo_context (context),
                                       gtk_print_context_get_width (context),
                                       gtk_print_context_get_height (context));

  gtk_print_operation_set_n_pages (operation, (int) n);
}

static void
draw_page_cb (GtkPrintOperation *operation,
              GtkPrintContext   *context,
              int                page,
              Document          *doc)
{
  crm_quote_render_draw_page (doc->render, gtk_print_context_get_cairo_context (context), (guint) page);
}

static void
print_done_cb (GtkPrintOperation       *operation,
               GtkPrintOperationResult  result,
               CrmQuoteEditor          *self)
{
  g_autoptr(GError) error = NULL;

  if (result == GTK_PRINT_OPERATION_RESULT_ERROR)
    {
      gtk_print_operation_get_error (operation, &error);
      show_error (self, error ? error->message : _("The quote could not be printed"));
    }
  g_object_unref (operation);
}

/* Prints with the same drawing code as the PDF; with @export_path, into
 * that file without asking */
static gboolean
print_quote (CrmQuoteEditor  *self,
             const char      *export_path,
             GError         **error)
{
  Document *doc = document_new (self, error);
  GtkPrintOperation *operation;
  GtkPrintOperationResult result;
  g_autofree char *job = NULL;

  if (doc == NULL)
    return FALSE;
  operation = gtk_print_operation_new ();
  job = dup_file_name (self);
  gtk_print_operation_set_job_name (operation, job);
  /* The renderer keeps its own margins, as on the PDF */
  gtk_print_operation_set_use_full_page (operation, TRUE);
  gtk_print_operation_set_unit (operation, GTK_UNIT_POINTS);
  g_object_set_data_full (G_OBJECT (operation), "document", doc, (GDestroyNotify) document_free);
  g_signal_connect (operation, "begin-print", G_CALLBACK (begin_print_cb), doc);
  g_signal_connect (operation, "draw-page", G_CALLBACK (draw_page_cb), doc);
  if (export_path)
    {
      gtk_print_operation_set_export_filename (operation, export_path);
      result = gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_EXPORT, GTK_WINDOW (self), error);
    }
  else
    {
      gtk_print_operation_set_allow_async (operation, TRUE);
      result = gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG, GTK_WINDOW (self), error);
    }
  if (result == GTK_PRINT_OPERATION_RESULT_IN_PROGRESS)
    {
      g_signal_connect_object (operation, "done", G_CALLBACK (print_done_cb), self, 0);
      return TRUE;
    }
  g_object_unref (operation);
  return result != GTK_PRINT_OPERATION_RESULT_ERROR;
}

/* Cells ***************************************************************/

static void
cell_changed_cb (GtkEditable    *entry,
                 CrmQuoteEditor *self)
{
  CrmQuoteLineItem *item = g_object_get_data (G_OBJECT (entry), "item");
  guint column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (entry), "column"));

  if (self->loading || item == NULL || !self->editable)
    return;
  line_set_cell (item->line, column, gtk_editable_get_text (entry));
  lines_changed (self);
}

static const char *
column_title (guint column)
{
  switch (column)
    {
    case COLUMN_DESCRIPTION: return _("Description");
    case COLUMN_QUANTITY: return _("Quantity");
    case COLUMN_UNIT_PRICE: return _("Unit Price");
    case COLUMN_DISCOUNT: return _("Discount");
    case COLUMN_TAX_RATE: return _("Tax %");
    default: g_assert_not_reached ();
    }
  return NULL;
}

static void
entry_setup_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                CrmQuoteEditor           *self)
{
  guint column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (factory), "column"));
  GtkWidget *entry = gtk_entry_new ();

  if (column == COLUMN_DESCRIPTION)
    gtk_editable_set_width_chars (GTK_EDITABLE (entry), 14);
  else
    {
      gtk_editable_set_width_chars (GTK_EDITABLE (entry), 5);
      gtk_editable_set_alignment (GTK_EDITABLE (entry), 1.0);
      gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_NUMBER);
    }
  if (column == COLUMN_DISCOUNT)
    gtk_widget_set_tooltip_text (entry, _("A percent, such as 10%, or an amount off the line"));
  g_object_set_data (G_OBJECT (entry), "column", GUINT_TO_POINTER (column));
  g_signal_connect (entry, "changed", G_CALLBACK (cell_changed_cb), self);
  gtk_list_item_set_activatable (list_item, FALSE);
  gtk_list_item_set_child (list_item, entry);
}

static void
entry_bind_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               CrmQuoteEditor           *self)
{
  guint column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (factory), "column"));
  CrmQuoteLineItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *entry = gtk_list_item_get_child (list_item);
  gboolean section = line_is_section (item->line);
  g_autofree char *text = line_cell_text (item->line, column);
  g_autofree char *name = g_strdup_printf (_("%s of line %u"), column_title (column),
                                           gtk_list_item_get_position (list_item) + 1);
  gboolean loading = self->loading;

  item->cells[column] = GTK_EDITABLE (entry);
  g_object_set_data (G_OBJECT (entry), "item", item);
  self->loading = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  self->loading = loading;
  gtk_editable_set_editable (GTK_EDITABLE (entry), self->editable);
  gtk_entry_set_has_frame (GTK_ENTRY (entry), self->editable);
  gtk_widget_set_can_focus (entry, self->editable);
  gtk_widget_set_visible (entry, column == COLUMN_DESCRIPTION || !section);
  if (section)
    gtk_widget_add_css_class (entry, "heading");
  else
    gtk_widget_remove_css_class (entry, "heading");
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
}

static void
entry_unbind_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 CrmQuoteEditor           *self)
{
  guint column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (factory), "column"));
  CrmQuoteLineItem *item = gtk_list_item_get_item (list_item);

  if (item && item->cells[column] == GTK_EDITABLE (gtk_list_item_get_child (list_item)))
    item->cells[column] = NULL;
  g_object_set_data (G_OBJECT (gtk_list_item_get_child (list_item)), "item", NULL);
}

static void
net_setup_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              CrmQuoteEditor           *self)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 1);
  gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_activatable (list_item, FALSE);
  gtk_list_item_set_child (list_item, label);
}

static void
net_bind_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             CrmQuoteEditor           *self)
{
  CrmQuoteLineItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *label = gtk_list_item_get_child (list_item);

  item->net_label = GTK_LABEL (label);
  gtk_label_set_text (item->net_label, item->net);
  if (line_is_section (item->line))
    gtk_widget_add_css_class (label, "heading");
  else
    gtk_widget_remove_css_class (label, "heading");
}

static void
net_unbind_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               CrmQuoteEditor           *self)
{
  CrmQuoteLineItem *item = gtk_list_item_get_item (list_item);

  if (item && item->net_label == GTK_LABEL (gtk_list_item_get_child (list_item)))
    item->net_label = NULL;
}

static void
line_button_clicked_cb (GtkButton      *button,
                        CrmQuoteEditor *self)
{
  GtkListItem *list_item = g_object_get_data (G_OBJECT (button), "list-item");
  const char *what = g_object_get_data (G_OBJECT (button), "what");
  guint position = gtk_list_item_get_position (list_item);

  if (!self->editable || position == GTK_INVALID_LIST_POSITION)
    return;
  if (g_str_equal (what, "up") && position > 0)
    move_line (self, position, position - 1);
  else if (g_str_equal (what, "down"))
    move_line (self, position, position + 1);
  else if (g_str_equal (what, "remove"))
    remove_line (self, position);
}

static GtkWidget *
add_line_button (GtkWidget      *box,
                 GtkListItem    *list_item,
                 CrmQuoteEditor *self,
                 const char     *what,
                 const char     *icon,
                 const char     *tooltip)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, tooltip);
  g_object_set_data (G_OBJECT (button), "list-item", list_item);
  g_object_set_data (G_OBJECT (button), "what", (gpointer) what);
  g_signal_connect (button, "clicked", G_CALLBACK (line_button_clicked_cb), self);
  gtk_box_append (GTK_BOX (box), button);
  return button;
}

static void
actions_setup_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  CrmQuoteEditor           *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);

  add_line_button (box, list_item, self, "up", "go-up-symbolic", _("Move Up"));
  add_line_button (box, list_item, self, "down", "go-down-symbolic", _("Move Down"));
  add_line_button (box, list_item, self, "remove", "user-trash-symbolic", _("Remove Line"));
  gtk_list_item_set_activatable (list_item, FALSE);
  gtk_list_item_set_child (list_item, box);
}

static void
actions_bind_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 CrmQuoteEditor           *self)
{
  GtkWidget *box = gtk_list_item_get_child (list_item);
  guint position = gtk_list_item_get_position (list_item);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->lines));
  GtkWidget *up = gtk_widget_get_first_child (box);
  GtkWidget *down = gtk_widget_get_next_sibling (up);
  GtkWidget *remove = gtk_widget_get_next_sibling (down);
  g_autofree char *up_name = g_strdup_printf (_("Move line %u up"), position + 1);
  g_autofree char *down_name = g_strdup_printf (_("Move line %u down"), position + 1);
  g_autofree char *remove_name = g_strdup_printf (_("Remove line %u"), position + 1);

  gtk_widget_set_visible (box, self->editable);
  gtk_widget_set_sensitive (up, position > 0);
  gtk_widget_set_sensitive (down, position + 1 < n);
  gtk_accessible_update_property (GTK_ACCESSIBLE (up), GTK_ACCESSIBLE_PROPERTY_LABEL, up_name, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (down), GTK_ACCESSIBLE_PROPERTY_LABEL, down_name, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL, remove_name, -1);
}

static void
add_column (CrmQuoteEditor *self,
            const char     *title,
            guint           column,
            GCallback       setup,
            GCallback       bind,
            GCallback       unbind,
            gboolean        expand)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkColumnViewColumn) view_column = NULL;

  g_object_set_data (G_OBJECT (factory), "column", GUINT_TO_POINTER (column));
  g_signal_connect (factory, "setup", setup, self);
  if (bind)
    g_signal_connect (factory, "bind", bind, self);
  if (unbind)
    g_signal_connect (factory, "unbind", unbind, self);
  view_column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_expand (view_column, expand);
  gtk_column_view_append_column (self->lines_view, view_column);
}

/* The catalog *********************************************************/

static void
product_setup_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *detail = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (detail), 0);
  gtk_label_set_ellipsize (GTK_LABEL (detail), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (detail, "dim-label");
  gtk_widget_add_css_class (detail, "caption");
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), detail);
  gtk_list_item_set_child (list_item, box);
}

static void
product_bind_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 CrmQuoteEditor           *self)
{
  CrmRecord *product = gtk_list_item_get_item (list_item);
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *name = gtk_widget_get_first_child (box);
  GtkWidget *detail = gtk_widget_get_next_sibling (name);
  const char *currency = text_or (self->draft, "currency", "EUR");
  g_autofree char *amount = crm_product_dup_price (product, currency);
  g_autofree char *price = amount ? crm_format_money (amount, currency, crm_context_get_use_symbols (self->context))
                                  : g_strdup_printf (_("no price in %s"), currency);
  g_autofree char *text = g_strdup_printf ("%s · %s", text_or (product, "sku", ""), price ? price : amount);

  gtk_label_set_text (GTK_LABEL (name), text_or (product, "name", ""));
  gtk_label_set_text (GTK_LABEL (detail), text);
}

static void
search_products (CrmQuoteEditor *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->product_search));
  g_autoptr(GPtrArray) products = crm_store_list (crm_context_get_store (self->context), "products",
                                                  *text ? text : NULL, 50, 0, NULL);

  if (products == NULL)
    products = g_ptr_array_new_with_free_func (g_object_unref);
  g_list_store_splice (self->products, 0, g_list_model_get_n_items (G_LIST_MODEL (self->products)),
                       products->pdata, products->len);
}

static void
pick_product (CrmQuoteEditor *self,
              guint           position)
{
  g_autoptr(CrmRecord) product = g_list_model_get_item (G_LIST_MODEL (self->products), position);
  g_autoptr(GError) error = NULL;

  if (product == NULL || !self->editable)
    return;
  gtk_popover_popdown (self->catalog_popover);
  if (!add_product (self, product, &error))
    show_error (self, error->message);
}

/* Callbacks ***********************************************************/

static void
header_changed_cb (HeaderRow *row)
{
  if (row->self->loading)
    return;
  row->self->modified = TRUE;
  refresh (row->self);
}

static void
catalog_shown_cb (CrmQuoteEditor *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->product_search), "");
  search_products (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->product_search));
}

static void
product_search_changed_cb (CrmQuoteEditor *self)
{
  search_products (self);
}

static void
product_search_activated_cb (CrmQuoteEditor *self)
{
  pick_product (self, 0);
}

static void
product_activated_cb (CrmQuoteEditor *self,
                      guint           position)
{
  pick_product (self, position);
}

static void
save_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  CrmQuoteEditor *self = CRM_QUOTE_EDITOR (widget);

  if (crm_quote_editor_save (self))
    toast (self, _("Quote saved"));
}

static void
add_line_action_cb (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  CrmQuoteEditor *self = CRM_QUOTE_EDITOR (widget);
  JsonObject *line = json_object_new ();

  if (g_str_equal (action_name, "quote.add-section"))
    {
      json_object_set_string_member (line, "kind", "section");
      json_object_set_string_member (line, "description", _("Section"));
    }
  else
    {
      json_object_set_string_member (line, "description", "");
      json_object_set_string_member (line, "quantity", "1");
      json_object_set_string_member (line, "unit_price", "0");
      json_object_set_string_member (line, "tax_rate", last_tax_rate (self));
    }
  insert_line (self, line);
}

typedef enum
{
  STEP_SEND,
  STEP_ACCEPT,
  STEP_ACCEPT_UPDATING_DEAL,
  STEP_REJECT,
  STEP_REVISE,
} Step;

static void
take_step (CrmQuoteEditor *self,
           Step            step)
{
  CrmStore *store = crm_context_get_store (self->context);
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmRecord) saved = NULL;
  g_autofree char *id = NULL;
  g_autofree char *message = NULL;

  if (step == STEP_SEND && !save_if_needed (self))
    return;
  if (self->record == NULL)
    return;
  id = g_strdup (crm_record_get_id (self->record));
  switch (step)
    {
    case STEP_SEND:
      saved = crm_quote_record_send (store, id, &error);
      message = g_strdup (_("Quote marked as sent"));
      break;
    case STEP_ACCEPT:
    case STEP_ACCEPT_UPDATING_DEAL:
      saved = crm_quote_record_accept (store, id, step == STEP_ACCEPT_UPDATING_DEAL, &error);
      message = g_strdup (step == STEP_ACCEPT ? _("Quote accepted") : _("Quote accepted; the deal is won"));
      break;
    case STEP_REJECT:
      saved = crm_quote_record_reject (store, id, &error);
      message = g_strdup (_("Quote rejected"));
      break;
    case STEP_REVISE:
      saved = crm_quote_record_revise (store, id, &error);
      if (saved)
        message = g_strdup_printf (_("Revision %" G_GINT64_FORMAT " is a new draft"), revision_of (saved));
      break;
    default:
      g_assert_not_reached ();
    }
  if (saved == NULL)
    {
      show_error (self, error->message);
      return;
    }
  load (self, saved, NULL);
  toast (self, message);
  g_signal_emit (self, signals[SAVED], 0, "quotes", crm_record_get_id (saved));
}

static void
step_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  CrmQuoteEditor *self = CRM_QUOTE_EDITOR (widget);

  if (g_str_equal (action_name, "quote.send"))
    take_step (self, STEP_SEND);
  else if (g_str_equal (action_name, "quote.reject"))
    take_step (self, STEP_REJECT);
  else
    take_step (self, STEP_REVISE);
}

static void
accept_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    CrmQuoteEditor   *self)
{
  if (g_str_equal (response, "update"))
    take_step (self, STEP_ACCEPT_UPDATING_DEAL);
  else if (g_str_equal (response, "accept"))
    take_step (self, STEP_ACCEPT);
}

/* Accepting offers to carry the total to the deal and win it */
static void
accept_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  CrmQuoteEditor *self = CRM_QUOTE_EDITOR (widget);
  const char *deal_id = self->record ? crm_record_get_string (self->record, "opportunity_id") : NULL;
  g_autoptr(CrmRecord) deal = NULL;
  g_autofree char *name = NULL;
  g_autofree char *total = NULL;
  GtkWidget *dialog;

  if (deal_id)
    deal = crm_store_get (crm_context_get_store (self->context), "opportunities", deal_id, NULL);
  if (deal == NULL)
    {
      take_step (self, STEP_ACCEPT);
      return;
    }
  name = crm_record_dup_title (deal);
  total = crm_format_money (text_or (self->record, "total", "0"), text_or (self->record, "currency", "EUR"),
                            crm_context_get_use_symbols (self->context));
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Accept the Quote?"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("The deal “%s” can take the quote’s total, %s, as its amount and move to "
                                    "Closed Won."), name, total ? total : text_or (self->record, "total", "0"));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "accept", _("Accept _Only"),
                                    "update", _("Accept and _Win the Deal"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "update", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "update");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (accept_response_cb), self, 0);
  crm_fix_mnemonic_names (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
export_response_cb (GtkNativeDialog *chooser,
                    int              response,
                    CrmQuoteEditor  *self)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT &&
      (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser))) &&
      (path = g_file_get_path (file)))
    {
      if (crm_quote_editor_export_pdf (self, path, &error))
        {
          g_autofree char *basename = g_file_get_basename (file);
          g_autofree char *message = g_strdup_printf (_("Exported as %s"), basename);

          toast (self, message);
        }
      else
        show_error (self, error->message);
    }
  g_object_unref (chooser);
}

static void
export_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  CrmQuoteEditor *self = CRM_QUOTE_EDITOR (widget);
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *name = NULL;

  if (!save_if_needed (self))
    return;
  chooser = gtk_file_chooser_native_new (_("Export Quote as PDF"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("PDF documents"));
  gtk_file_filter_add_mime_type (filter, "application/pdf");
  gtk_file_filter_add_suffix (filter, "pdf");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  name = dup_file_name (self);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect_object (chooser, "response", G_CALLBACK (export_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
print_action_cb (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  CrmQuoteEditor *self = CRM_QUOTE_EDITOR (widget);
  g_autoptr(GError) error = NULL;

  if (!print_quote (self, NULL, &error))
    show_error (self, error ? error->message : _("The quote could not be printed"));
}

static void
records_changed_cb (CrmQuoteEditor *self)
{
  g_autoptr(CrmRecord) stored = NULL;

  /* A sync may have brought a newer version; an edit in progress wins
   * until it is saved */
  if (self->record == NULL || self->modified)
    return;
  stored = crm_store_get (crm_context_get_store (self->context), "quotes", crm_record_get_id (self->record), NULL);
  if (stored && crm_record_get_version (stored) != crm_record_get_version (self->record))
    load (self, stored, NULL);
}

/* Closing with changes not saved ****************************************/

static gboolean
close_idle_cb (gpointer data)
{
  gtk_window_close (GTK_WINDOW (data));
  return G_SOURCE_REMOVE;
}

static void
unsaved_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     CrmQuoteEditor   *self)
{
  if (g_str_equal (response, "save"))
    {
      if (!crm_quote_editor_save (self))
        {
          /* Kept open, saying why, with the changes */
          toast (self, self->error ? self->error : _("The quote could not be saved"));
          return;
        }
    }
  else if (!g_str_equal (response, "discard"))
    return;
  self->closing = TRUE;
  /* After the dialog, which is ours, has gone */
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, close_idle_cb, g_object_ref (self), g_object_unref);
}

/* A draft with changes not saved asks first: save, discard, or go on */
static gboolean
crm_quote_editor_close_request (GtkWindow *window)
{
  CrmQuoteEditor *self = CRM_QUOTE_EDITOR (window);
  AdwMessageDialog *dialog;

  if (self->closing || !self->editable || !self->modified)
    return GTK_WINDOW_CLASS (crm_quote_editor_parent_class)->close_request (window);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (window, _("Save Changes?"),
                                                       _("This quote has changes that are not saved. "
                                                         "Closing without saving loses them.")));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "discard", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (dialog, "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "save");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (unsaved_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

/* GObject *************************************************************/

static void
crm_quote_editor_dispose (GObject *object)
{
  CrmQuoteEditor *self = CRM_QUOTE_EDITOR (object);

  if (self->context)
    g_signal_handlers_disconnect_by_data (self->context, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_QUOTE_EDITOR);
  g_clear_object (&self->context);
  g_clear_object (&self->record);
  g_clear_object (&self->draft);
  g_clear_object (&self->lines);
  g_clear_object (&self->products);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->totals, crm_quote_totals_free);
  g_clear_pointer (&self->error, g_free);

  G_OBJECT_CLASS (crm_quote_editor_parent_class)->dispose (object);
}

static void
crm_quote_editor_class_init (CrmQuoteEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_quote_editor_dispose;
  GTK_WINDOW_CLASS (klass)->close_request = crm_quote_editor_close_request;

  /**
   * CrmQuoteEditor::saved:
   * @entity: "quotes"
   * @id: the quote saved, or the new revision
   */
  signals[SAVED] = g_signal_new ("saved",
                                 G_TYPE_FROM_CLASS (klass),
                                 G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL,
                                 G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/Crm/crm-quote-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmQuoteEditor, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CrmQuoteEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, CrmQuoteEditor, send_button);
  gtk_widget_class_bind_template_child (widget_class, CrmQuoteEditor, accept_button);
  gtk_widget_class_bind_template_child (widget_class, CrmQuoteEditor, reject_button);
  gtk_widget_class_bind_template_child (widget_class, CrmQuoteEditor, revise_button);
  gtk_widget_class_bind_template_child (widget_class, CrmQuoteEditor, save_button);
  gtk_widget_class_bind_template_child (widget_class, CrmQuoteEditor, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, CrmQuoteEditor, error_label);
  gtk_widget_class_bind_template_child (widget_class, CrmQuoteEditor, readonly_label);
  gtk_widget_class_bind_template_child (widget_class, CrmQuoteEditor, line_buttons);
  gtk_widget_class_bind_template_child (widget_class, CrmQuoteEditor, catalog_popover);
  gtk_widget_class_bind_template_child (widget_class, CrmQuoteEditor, product_search);
  gtk_widget_class_bind_template_child (widget_class, CrmQuoteEditor, product_list);
  gtk_widget_class_bind_template_child (widget_class, CrmQuoteEditor, lines_view);
  gtk_widget_class_bind_template_child (widget_class, CrmQuoteEditor, explain_label);
  gtk_widget_class_bind_template_child (widget_class, CrmQuoteEditor, totals_grid);
  gtk_widget_class_bind_template_child (widget_class, CrmQuoteEditor, header_group);
  gtk_widget_class_bind_template_child (widget_class, CrmQuoteEditor, amounts_group);
  gtk_widget_class_bind_template_callback (widget_class, catalog_shown_cb);
  gtk_widget_class_bind_template_callback (widget_class, product_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, product_search_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, product_activated_cb);

  gtk_widget_class_install_action (widget_class, "quote.save", NULL, save_action_cb);
  gtk_widget_class_install_action (widget_class, "quote.add-line", NULL, add_line_action_cb);
  gtk_widget_class_install_action (widget_class, "quote.add-section", NULL, add_line_action_cb);
  gtk_widget_class_install_action (widget_class, "quote.send", NULL, step_action_cb);
  gtk_widget_class_install_action (widget_class, "quote.accept", NULL, accept_action_cb);
  gtk_widget_class_install_action (widget_class, "quote.reject", NULL, step_action_cb);
  gtk_widget_class_install_action (widget_class, "quote.revise", NULL, step_action_cb);
  gtk_widget_class_install_action (widget_class, "quote.export", NULL, export_action_cb);
  gtk_widget_class_install_action (widget_class, "quote.print", NULL, print_action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "quote.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK, "quote.print", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
crm_quote_editor_init (CrmQuoteEditor *self)
{
  GtkListItemFactory *factory;
  g_autoptr(GtkNoSelection) selection = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->rows = g_ptr_array_new_with_free_func (g_free);
  self->lines = g_list_store_new (CRM_TYPE_QUOTE_LINE_ITEM);
  self->products = g_list_store_new (CRM_TYPE_RECORD);

  add_column (self, _("Description"), COLUMN_DESCRIPTION, G_CALLBACK (entry_setup_cb),
              G_CALLBACK (entry_bind_cb), G_CALLBACK (entry_unbind_cb), TRUE);
  add_column (self, _("Quantity"), COLUMN_QUANTITY, G_CALLBACK (entry_setup_cb),
              G_CALLBACK (entry_bind_cb), G_CALLBACK (entry_unbind_cb), FALSE);
  add_column (self, _("Unit Price"), COLUMN_UNIT_PRICE, G_CALLBACK (entry_setup_cb),
              G_CALLBACK (entry_bind_cb), G_CALLBACK (entry_unbind_cb), FALSE);
  add_column (self, _("Discount"), COLUMN_DISCOUNT, G_CALLBACK (entry_setup_cb),
              G_CALLBACK (entry_bind_cb), G_CALLBACK (entry_unbind_cb), FALSE);
  add_column (self, _("Tax %"), COLUMN_TAX_RATE, G_CALLBACK (entry_setup_cb),
              G_CALLBACK (entry_bind_cb), G_CALLBACK (entry_unbind_cb), FALSE);
  add_column (self, _("Net"), 0, G_CALLBACK (net_setup_cb), G_CALLBACK (net_bind_cb),
              G_CALLBACK (net_unbind_cb), FALSE);
  add_column (self, "", 0, G_CALLBACK (actions_setup_cb), G_CALLBACK (actions_bind_cb), NULL, FALSE);
  selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->lines)));
  gtk_column_view_set_model (self->lines_view, GTK_SELECTION_MODEL (selection));

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (product_setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (product_bind_cb), self);
  gtk_list_view_set_factory (self->product_list, factory);
  g_object_unref (factory);
  {
    g_autoptr(GtkSingleSelection) products = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->products)));

    gtk_list_view_set_model (self->product_list, GTK_SELECTION_MODEL (products));
  }

  add_header_row (self, self->header_group, "opportunity_id", _("Deal"), NULL);
  add_header_row (self, self->header_group, "account_id", _("Account"), NULL);
  add_header_row (self, self->header_group, "contact_id", _("Contact"), NULL);
  add_header_row (self, self->header_group, "currency", _("Currency"),
                  _("A three-letter code such as EUR; fixed once the quote is saved"));
  add_header_row (self, self->header_group, "valid_until", _("Valid Until"),
                  _("A date as YYYY-MM-DD, e.g. 2026-12-31"));
  add_header_row (self, self->header_group, "terms", _("Payment Terms"), NULL);
  add_header_row (self, self->header_group, "notes", _("Notes"), NULL);
  add_header_row (self, self->amounts_group, "discount", _("Discount on the Quote"),
                  _("A percent of the subtotal, such as 5%, or an amount"));
  add_header_row (self, self->amounts_group, "shipping", _("Shipping"), NULL);
  add_header_row (self, self->amounts_group, "shipping_tax_rate", _("Tax Rate on Shipping (%)"), NULL);

  crm_fix_mnemonic_names (GTK_WIDGET (self));
}

/* Public API **********************************************************/

GtkWindow *
crm_quote_editor_new (CrmContext *context,
                      const char *id,
                      JsonObject *defaults,
                      GtkWindow  *parent)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmRecord) record = NULL;
  CrmQuoteEditor *self;

  g_return_val_if_fail (CRM_IS_CONTEXT (context), NULL);

  self = g_object_new (CRM_TYPE_QUOTE_EDITOR, "transient-for", parent, NULL);
  self->context = g_object_ref (context);
  for (guint i = 0; i < self->rows->len; i++)
    {
      HeaderRow *row = g_ptr_array_index (self->rows, i);

      if (row->picker)
        crm_record_picker_set_context (row->picker, context);
    }
  g_signal_connect_swapped (context, "records-changed", G_CALLBACK (records_changed_cb), self);
  if (id && !(record = crm_store_get (crm_context_get_store (context), "quotes", id, &error)))
    {
      load (self, NULL, defaults);
      show_error (self, error->message);
      return GTK_WINDOW (self);
    }
  load (self, record, defaults);
  return GTK_WINDOW (self);
}

const char *
crm_quote_editor_get_id (CrmQuoteEditor *self)
{
  g_return_val_if_fail (CRM_IS_QUOTE_EDITOR (self), NULL);
  return self->record ? crm_record_get_id (self->record) : NULL;
}

gboolean
crm_quote_editor_get_editable (CrmQuoteEditor *self)
{
  g_return_val_if_fail (CRM_IS_QUOTE_EDITOR (self), FALSE);
  return self->editable;
}

const CrmQuoteTotals *
crm_quote_editor_get_totals (CrmQuoteEditor *self)
{
  g_return_val_if_fail (CRM_IS_QUOTE_EDITOR (self), NULL);
  return self->totals;
}

const char *
crm_quote_editor_get_error (CrmQuoteEditor *self)
{
  g_return_val_if_fail (CRM_IS_QUOTE_EDITOR (self), NULL);
  return self->error;
}

gboolean
crm_quote_editor_get_modified (CrmQuoteEditor *self)
{
  g_return_val_if_fail (CRM_IS_QUOTE_EDITOR (self), FALSE);
  return self->modified;
}

void
crm_quote_editor_set_text (CrmQuoteEditor *self,
                           const char     *field,
                           const char     *text)
{
  g_return_if_fail (CRM_IS_QUOTE_EDITOR (self));

  for (guint i = 0; i < self->rows->len; i++)
    {
      HeaderRow *row = g_ptr_array_index (self->rows, i);

      if (!g_str_equal (row->name, field))
        continue;
      if (row->picker)
        crm_record_picker_set_record_id (row->picker, text);
      else
        gtk_editable_set_text (GTK_EDITABLE (row->row), text);
      return;
    }
  g_critical ("The quote editor has no field %s", field);
}

void
crm_quote_editor_set_line_text (CrmQuoteEditor *self,
                                guint           index,
                                const char     *column,
                                const char     *text)
{
  g_autoptr(CrmQuoteLineItem) item = NULL;

  g_return_if_fail (CRM_IS_QUOTE_EDITOR (self));

  item = g_list_model_get_item (G_LIST_MODEL (self->lines), index);
  g_return_if_fail (item != NULL);
  for (guint i = 0; i < N_COLUMNS; i++)
    {
      if (!g_str_equal (column_names[i], column))
        continue;
      /* Through the cell when it is on screen, as typing does */
      if (item->cells[i])
        gtk_editable_set_text (item->cells[i], text);
      else if (self->editable)
        {
          line_set_cell (item->line, i, text);
          lines_changed (self);
        }
      return;
    }
  g_critical ("A quote line has no column %s", column);
}

gboolean
crm_quote_editor_save (CrmQuoteEditor *self)
{
  CrmStore *store;
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autoptr(CrmRecord) saved = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (CRM_IS_QUOTE_EDITOR (self), FALSE);

  if (!self->editable)
    {
      g_autofree char *message = g_strdup_printf (_("This quote is %s: only a draft can be changed"),
                                                  status_word (current_status (self)));
      show_error (self, message);
      return FALSE;
    }
  refresh (self);
  if (self->error)
    return FALSE;

  store = crm_context_get_store (self->context);
  for (guint i = 0; saved_fields[i]; i++)
    {
      JsonNode *value = crm_record_get_field (self->draft, saved_fields[i]);
      gboolean empty = value == NULL || JSON_NODE_HOLDS_NULL (value);

      if (self->record == NULL ? !empty
                               : !crm_values_equal (value, crm_record_get_field (self->record, saved_fields[i])))
        json_object_set_member (fields, saved_fields[i],
                                empty ? json_node_new (JSON_NODE_NULL) : json_node_copy (value));
    }

  if (self->record == NULL)
    saved = crm_store_create (store, "quotes", fields, &error);
  else if (json_object_get_size (fields) == 0)
    saved = g_object_ref (self->record);
  else
    saved = crm_store_update (store, "quotes", crm_record_get_id (self->record), fields, &error);
  if (saved == NULL)
    {
      show_error (self, error->message);
      return FALSE;
    }
  load (self, saved, NULL);
  g_signal_emit (self, signals[SAVED], 0, "quotes", crm_record_get_id (saved));
  return TRUE;
}

gboolean
crm_quote_editor_export_pdf (CrmQuoteEditor  *self,
                             const char      *path,
                             GError         **error)
{
  g_autoptr(Document) doc = NULL;

  g_return_val_if_fail (CRM_IS_QUOTE_EDITOR (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!(doc = document_new (self, error)))
    return FALSE;
  return crm_quote_pdf_write (&doc->document->header, doc->document->quote, doc->document->totals, path, error);
}

gboolean
crm_quote_editor_print_to_file (CrmQuoteEditor  *self,
                                const char      *path,
                                GError         **error)
{
  g_return_val_if_fail (CRM_IS_QUOTE_EDITOR (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  return print_quote (self, path, error);
}
