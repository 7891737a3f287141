/* crm-quote-pdf.c: a quote laid out on pages, for PDF export and printing
 *
 * The same drawing serves a cairo PDF surface here and a GtkPrintContext
 * in the app, so the PDF a customer gets is the page that prints.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-quote-pdf"

#include "config.h"

#include <cairo-pdf.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <pango/pangocairo.h>
#include <string.h>

#include "crm-quote-pdf.h"

/* A4 in points */
#define A4_WIDTH    595.28
#define A4_HEIGHT   841.89
#define MARGIN      48.0
#define FOOTER      24.0
#define ROW_GAP     4.0
#define BLOCK_GAP   16.0
#define PADDING     4.0

#define FONT        "Sans 9"
#define FONT_BOLD   "Sans Bold 9"
#define FONT_TITLE  "Sans Bold 15"
#define FONT_SMALL  "Sans 8"

typedef enum
{
  BLOCK_HEADER,
  BLOCK_TABLE_HEAD,
  BLOCK_ITEM,
  BLOCK_SECTION,
  BLOCK_SECTION_TOTAL,
  BLOCK_TOTALS,
  BLOCK_TERMS,
  BLOCK_SIGNATURE,
} BlockKind;

typedef struct
{
  BlockKind kind;
  guint     line;   /* the quote line of an item, section or section total */
  double    height;
  guint     page;
  double    y;
} Block;

typedef struct
{
  const char     *title;
  double          share; /* of the content width */
  PangoAlignment  align;
} Column;

struct _CrmQuoteRender
{
  /* Its own fonts, released with it, rather than a process-wide map */
  PangoFontMap         *font_map;
  PangoContext         *context;
  CrmQuoteHeader        header;
  const CrmQuote       *quote;
  const CrmQuoteTotals *totals;
  double                width;
  double                height;
  GArray               *blocks;
  guint                 n_pages;
};

static const Column columns[] = {
  { N_("Description"), 0.40, PANGO_ALIGN_LEFT },
  { N_("Qty"), 0.10, PANGO_ALIGN_RIGHT },
  { N_("Unit price"), 0.14, PANGO_ALIGN_RIGHT },
  { N_("Discount"), 0.12, PANGO_ALIGN_RIGHT },
  { N_("Tax"), 0.09, PANGO_ALIGN_RIGHT },
  { N_("Net"), 0.15, PANGO_ALIGN_RIGHT },
};

static const struct { const char *code; const char *symbol; } symbols[] = {
  { "AUD", "A$" }, { "BRL", "R$" }, { "CAD", "CA$" }, { "CNY", "CN¥" }, { "EUR", "€" },
  { "GBP", "£" }, { "ILS", "₪" }, { "INR", "₹" }, { "JPY", "¥" }, { "KRW", "₩" },
  { "MXN", "MX$" }, { "NZD", "NZ$" }, { "PHP", "₱" }, { "PLN", "zł" }, { "THB", "฿" },
  { "TRY", "₺" }, { "UAH", "₴" }, { "USD", "$" }, { "VND", "₫" },
};

/* Helpers *************************************************************/

static PangoLayout *
new_layout (PangoContext   *context,
            const char     *font,
            const char     *text,
            double          width,
            PangoAlignment  align)
{
  PangoLayout *layout = pango_layout_new (context);
  PangoFontDescription *description = pango_font_description_from_string (font);

  pango_layout_set_font_description (layout, description);
  pango_font_description_free (description);
  if (width > 0)
    {
      pango_layout_set_width (layout, pango_units_from_double (width));
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
    }
  pango_layout_set_alignment (layout, align);
  pango_layout_set_text (layout, text != NULL ? text : "", -1);
  return layout;
}

/* Measures @text, and draws it at @x, @y when @draw; returns its height */
static double
put_text (CrmQuoteRender *self,
          cairo_t        *cr,
          gboolean        draw,
          const char     *font,
          const char     *text,
          double          x,
          double          y,
          double          width,
          PangoAlignment  align)
{
  g_autoptr(PangoLayout) layout = NULL;
  int height;

  if (text == NULL || *text == '\0')
    return 0;

  layout = new_layout (self->context, font, text, width, align);
  pango_layout_get_size (layout, NULL, &height);
  if (draw)
    {
      cairo_move_to (cr, x, y);
      pango_cairo_show_layout (cr, layout);
    }
  return pango_units_to_double (height);
}

static void
put_rule (cairo_t *cr,
          double   x,
          double   y,
          double   width)
{
  cairo_save (cr);
  cairo_set_line_width (cr, 0.5);
  cairo_move_to (cr, x, y);
  cairo_line_to (cr, x + width, y);
  cairo_stroke (cr);
  cairo_restore (cr);
}

static double
content_width (CrmQuoteRender *self)
{
  return self->width - 2 * MARGIN;
}

static double
column_x (CrmQuoteRender *self,
          guint           column)
{
  double x = MARGIN;

  for (guint i = 0; i < column; i++)
    x += columns[i].share * content_width (self);
  return x;
}

static char *
format_amount (CrmQuoteRender *self,
               gint64          minor)
{
  return crm_decimal_format (minor, self->totals->digits);
}

/* The total as the customer reads it: "€93.91", "KWD 2.592" */
static char *
format_total (CrmQuoteRender *self)
{
  g_autofree char *amount = format_amount (self, self->totals->total);

  for (guint i = 0; i < G_N_ELEMENTS (symbols); i++)
    {
      if (g_str_equal (symbols[i].code, self->totals->currency))
        return g_strconcat (symbols[i].symbol, amount, NULL);
    }
  return g_strconcat (self->totals->currency, " ", amount, NULL);
}

/* A unit price with at least the currency's decimals: 19.99, 0.125 */
static char *
format_price (CrmQuoteRender *self,
              gint64          price)
{
  g_autofree char *trimmed = crm_decimal_format_trimmed (price, CRM_QUOTE_PRICE_SCALE);
  const char *point = strchr (trimmed, '.');
  guint decimals = point != NULL ? (guint) strlen (point + 1) : 0;
  guint scale = MIN (MAX (decimals, self->totals->digits), CRM_QUOTE_PRICE_SCALE);
  gint64 value;

  /* only zeros go: @scale is at least the decimals @price has */
  if (!crm_decimal_rescale (price, CRM_QUOTE_PRICE_SCALE, scale, CRM_ROUND_DOWN, &value, NULL))
    g_assert_not_reached ();
  return crm_decimal_format (value, scale);
}

/* Blocks **************************************************************/

static double
put_header (CrmQuoteRender *self,
            cairo_t        *cr,
            double          y,
            gboolean        draw)
{
  const CrmQuoteHeader *h = &self->header;
  double width = content_width (self);
  double left = y;
  double right = y;
  double below;
  g_autofree char *title = g_strdup_printf (_("Quote %s"), h->number != NULL ? h->number : "");
  g_autofree char *revision = g_strdup_printf (_("Revision %" G_GINT64_FORMAT), h->revision);
  g_autofree char *date = h->date ? g_strdup_printf (_("Date %s"), h->date) : NULL;
  g_autofree char *valid = h->valid_until ? g_strdup_printf (_("Valid until %s"), h->valid_until) : NULL;
  g_autofree char *contact = h->contact_name ? g_strdup_printf (_("Attn. %s"), h->contact_name) : NULL;

  left += put_text (self, cr, draw, FONT_TITLE, h->company_name, MARGIN, left, width * 0.55, PANGO_ALIGN_LEFT);
  left += put_text (self, cr, draw, FONT, h->company_address, MARGIN, left, width * 0.55, PANGO_ALIGN_LEFT);

  right += put_text (self, cr, draw, FONT_TITLE, title, MARGIN + width * 0.55, right, width * 0.45, PANGO_ALIGN_RIGHT);
  right += put_text (self, cr, draw, FONT, revision, MARGIN + width * 0.55, right, width * 0.45, PANGO_ALIGN_RIGHT);
  right += put_text (self, cr, draw, FONT, date, MARGIN + width * 0.55, right, width * 0.45, PANGO_ALIGN_RIGHT);
  right += put_text (self, cr, draw, FONT, valid, MARGIN + width * 0.55, right, width * 0.45, PANGO_ALIGN_RIGHT);

  below = MAX (left, right) + BLOCK_GAP;
  if (h->customer_name != NULL || h->customer_address != NULL || contact != NULL)
    {
      below += put_text (self, cr, draw, FONT_BOLD, _("Prepared for"), MARGIN, below, width * 0.55, PANGO_ALIGN_LEFT);
      below += put_text (self, cr, draw, FONT, h->customer_name, MARGIN, below, width * 0.55, PANGO_ALIGN_LEFT);
      below += put_text (self, cr, draw, FONT, h->customer_address, MARGIN, below, width * 0.55, PANGO_ALIGN_LEFT);
      below += put_text (self, cr, draw, FONT, contact, MARGIN, below, width * 0.55, PANGO_ALIGN_LEFT);
      below += BLOCK_GAP;
    }
  return below - y;
}

static double
put_table_head (CrmQuoteRender *self,
                cairo_t        *cr,
                double          y,
                gboolean        draw)
{
  double height = 0;

  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      double width = columns[i].share * content_width (self) - PADDING;

      double cell = put_text (self, cr, draw, FONT_BOLD, _(columns[i].title),
                              column_x (self, i), y, width, columns[i].align);

      height = MAX (height, cell);
    }
  if (draw)
    put_rule (cr, MARGIN, y + height + 2, content_width (self));
  return height + 2 * ROW_GAP;
}

static double
put_item (CrmQuoteRender *self,
          cairo_t        *cr,
          guint           index,
          double          y,
          gboolean        draw)
{
  const CrmQuoteLine *line = crm_quote_get_line (self->quote, index);
  const CrmQuoteLineTotal *total = &g_array_index (self->totals->lines, CrmQuoteLineTotal, index);
  char *cells[G_N_ELEMENTS (columns)] = { NULL };
  double height = 0;

  cells[0] = g_strdup (line->description);
  cells[1] = crm_decimal_format_trimmed (line->quantity, CRM_QUOTE_QUANTITY_SCALE);
  cells[2] = format_price (self, line->unit_price);
  if (line->discount.kind == CRM_DISCOUNT_PERCENT)
    {
      g_autofree char *percent = crm_decimal_format_trimmed (line->discount.value, CRM_QUOTE_PERCENT_SCALE);

      cells[3] = g_strconcat (percent, "%", NULL);
    }
  else if (line->discount.kind == CRM_DISCOUNT_AMOUNT)
    cells[3] = format_price (self, line->discount.value);
  {
    g_autofree char *rate = crm_decimal_format_trimmed (line->tax_rate, CRM_QUOTE_PERCENT_SCALE);

    cells[4] = g_strconcat (rate, "%", NULL);
  }
  cells[5] = format_amount (self, total->net);

  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      double width = columns[i].share * content_width (self) - PADDING;

      double cell = put_text (self, cr, draw, FONT, cells[i], column_x (self, i), y, width, columns[i].align);

      height = MAX (height, cell);
    }
  for (guint i = 0; i < G_N_ELEMENTS (cells); i++)
    g_free (cells[i]);
  return height + ROW_GAP;
}

static double
put_section (CrmQuoteRender *self,
             cairo_t        *cr,
             guint           index,
             double          y,
             gboolean        draw)
{
  const CrmQuoteLine *line = crm_quote_get_line (self->quote, index);

  return ROW_GAP + put_text (self, cr, draw, FONT_BOLD, line->description, MARGIN, y + ROW_GAP,
                             content_width (self), PANGO_ALIGN_LEFT) + ROW_GAP;
}

static double
put_section_total (CrmQuoteRender *self,
                   cairo_t        *cr,
                   guint           index,
                   double          y,
                   gboolean        draw)
{
  const CrmQuoteLine *line = crm_quote_get_line (self->quote, index);
  const CrmQuoteLineTotal *total = &g_array_index (self->totals->lines, CrmQuoteLineTotal, index);
  g_autofree char *label = g_strdup_printf (_("Subtotal %s"), line->description ? line->description : "");
  g_autofree char *amount = format_amount (self, total->net);
  double label_width = column_x (self, 5) - MARGIN - PADDING;
  double label_height;
  double amount_height;
  double height;

  if (draw)
    put_rule (cr, column_x (self, 5), y, columns[5].share * content_width (self));
  label_height = put_text (self, cr, draw, FONT_BOLD, label, MARGIN, y + 2, label_width, PANGO_ALIGN_RIGHT);
  amount_height = put_text (self, cr, draw, FONT_BOLD, amount, column_x (self, 5), y + 2,
                            columns[5].share * content_width (self) - PADDING, PANGO_ALIGN_RIGHT);
  height = MAX (label_height, amount_height);
  return height + 2 + 2 * ROW_GAP;
}

/* One row of the totals block: the label right-aligned before the amount */
static double
put_sum (CrmQuoteRender *self,
         cairo_t        *cr,
         const char     *font,
         const char     *label,
         const char     *amount,
         double          y,
         gboolean        draw)
{
  double label_x = MARGIN + content_width (self) * 0.35;
  double amount_x = column_x (self, 5);
  double amount_width = columns[5].share * content_width (self) - PADDING;
  double label_height;
  double amount_height;

  /* MAX() would evaluate, and so draw, one of them twice */
  label_height = put_text (self, cr, draw, font, label, label_x, y, amount_x - label_x - PADDING, PANGO_ALIGN_RIGHT);
  amount_height = put_text (self, cr, draw, font, amount, amount_x, y, amount_width, PANGO_ALIGN_RIGHT);
  return MAX (label_height, amount_height) + ROW_GAP;
}

static double
put_totals (CrmQuoteRender *self,
            cairo_t        *cr,
            double          y,
            gboolean        draw)
{
  const CrmQuoteTotals *t = self->totals;
  double top = y;
  g_autofree char *subtotal = format_amount (self, t->subtotal);
  g_autofree char *total = format_total (self);
  g_autofree char *total_label = g_strdup_printf (_("Total (%s)"), t->currency);

  if (draw)
    put_rule (cr, MARGIN + content_width (self) * 0.35, y + ROW_GAP, content_width (self) * 0.65);
  y += 2 * ROW_GAP;
  y += put_sum (self, cr, FONT, _("Subtotal"), subtotal, y, draw);
  if (t->discount != 0)
    {
      g_autofree char *discount = format_amount (self, -t->discount);

      y += put_sum (self, cr, FONT, _("Discount"), discount, y, draw);
    }
  if (t->shipping != 0)
    {
      g_autofree char *shipping = format_amount (self, t->shipping);

      y += put_sum (self, cr, FONT, _("Shipping"), shipping, y, draw);
    }
  for (guint i = 0; i < t->taxes->len; i++)
    {
      const CrmQuoteTax *tax = &g_array_index (t->taxes, CrmQuoteTax, i);
      g_autofree char *rate = crm_decimal_format_trimmed (tax->rate, CRM_QUOTE_PERCENT_SCALE);
      g_autofree char *base = format_amount (self, tax->base);
      g_autofree char *amount = format_amount (self, tax->tax);
      /* Translators: a tax rate and the amount it is taken on, as in "Tax 19% on 47.73" */
      g_autofree char *label = g_strdup_printf (_("Tax %s%% on %s"), rate, base);

      y += put_sum (self, cr, FONT, label, amount, y, draw);
    }
  y += put_sum (self, cr, FONT_BOLD, total_label, total, y, draw);
  return y - top + BLOCK_GAP;
}

static double
put_terms (CrmQuoteRender *self,
           cairo_t        *cr,
           double          y,
           gboolean        draw)
{
  double top = y;
  double width = content_width (self);

  if (self->header.terms != NULL && *self->header.terms != '\0')
    {
      y += put_text (self, cr, draw, FONT_BOLD, _("Terms"), MARGIN, y, width, PANGO_ALIGN_LEFT);
      y += put_text (self, cr, draw, FONT, self->header.terms, MARGIN, y, width, PANGO_ALIGN_LEFT) + ROW_GAP;
    }
  if (self->header.notes != NULL && *self->header.notes != '\0')
    {
      y += put_text (self, cr, draw, FONT_BOLD, _("Notes"), MARGIN, y, width, PANGO_ALIGN_LEFT);
      y += put_text (self, cr, draw, FONT, self->header.notes, MARGIN, y, width, PANGO_ALIGN_LEFT) + ROW_GAP;
    }
  return y > top ? y - top + BLOCK_GAP : 0;
}

static double
put_signature (CrmQuoteRender *self,
               cairo_t        *cr,
               double          y,
               gboolean        draw)
{
  const char *fields[] = { N_("Name"), N_("Date"), N_("Signature") };
  double top = y;
  double width = content_width (self);

  y += put_text (self, cr, draw, FONT_BOLD, _("Accepted by the customer"), MARGIN, y, width, PANGO_ALIGN_LEFT);
  y += put_text (self, cr, draw, FONT_SMALL,
                 _("By signing, the customer accepts this quote and its terms."),
                 MARGIN, y, width, PANGO_ALIGN_LEFT);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      double x = MARGIN + i * width / 3;

      y += i == 0 ? 28 : 0;
      if (draw)
        put_rule (cr, x, y, width / 3 - 12);
      put_text (self, cr, draw, FONT_SMALL, _(fields[i]), x, y + 2, width / 3 - 12, PANGO_ALIGN_LEFT);
    }
  return y + 14 - top;
}

static double
put_block (CrmQuoteRender *self,
           cairo_t        *cr,
           const Block    *block,
           double          y,
           gboolean        draw)
{
  switch (block->kind)
    {
    case BLOCK_HEADER: return put_header (self, cr, y, draw);
    case BLOCK_TABLE_HEAD: return put_table_head (self, cr, y, draw);
    case BLOCK_ITEM: return put_item (self, cr, block->line, y, draw);
    case BLOCK_SECTION: return put_section (self, cr, block->line, y, draw);
    case BLOCK_SECTION_TOTAL: return put_section_total (self, cr, block->line, y, draw);
    case BLOCK_TOTALS: return put_totals (self, cr, y, draw);
    case BLOCK_TERMS: return put_terms (self, cr, y, draw);
    case BLOCK_SIGNATURE: return put_signature (self, cr, y, draw);
    default: g_assert_not_reached ();
    }
  return 0;
}

/* What goes on the pages, in order, before the table heads */
static GArray *
list_blocks (CrmQuoteRender *self)
{
  GArray *blocks = g_array_new (FALSE, TRUE, sizeof (Block));
  Block block = { .kind = BLOCK_HEADER };
  guint section = G_MAXUINT;

  g_array_append_val (blocks, block);
  for (guint i = 0; i < crm_quote_get_n_lines (self->quote); i++)
    {
      const CrmQuoteLine *line = crm_quote_get_line (self->quote, i);

      if (line->section && section != G_MAXUINT)
        {
          block = (Block) { .kind = BLOCK_SECTION_TOTAL, .line = section };
          g_array_append_val (blocks, block);
        }
      if (line->section)
        section = i;
      block = (Block) { .kind = line->section ? BLOCK_SECTION : BLOCK_ITEM, .line = i };
      g_array_append_val (blocks, block);
    }
  if (section != G_MAXUINT)
    {
      block = (Block) { .kind = BLOCK_SECTION_TOTAL, .line = section };
      g_array_append_val (blocks, block);
    }
  block = (Block) { .kind = BLOCK_TOTALS };
  g_array_append_val (blocks, block);
  block = (Block) { .kind = BLOCK_TERMS };
  g_array_append_val (blocks, block);
  block = (Block) { .kind = BLOCK_SIGNATURE };
  g_array_append_val (blocks, block);
  return blocks;
}

static gboolean
is_table_row (BlockKind kind)
{
  return kind == BLOCK_ITEM || kind == BLOCK_SECTION || kind == BLOCK_SECTION_TOTAL;
}

static void
draw_footer (CrmQuoteRender *self,
             cairo_t        *cr,
             guint           page)
{
  /* Translators: the quote number, its revision, the page and the number of pages */
  g_autofree char *text = g_strdup_printf (_("Quote %s, revision %" G_GINT64_FORMAT " — page %u of %u"),
                                           self->header.number ? self->header.number : "",
                                           self->header.revision, page + 1, self->n_pages);

  put_text (self, cr, TRUE, FONT_SMALL, text, MARGIN, self->height - MARGIN, content_width (self),
            PANGO_ALIGN_CENTER);
}

/* Public API **********************************************************/

CrmQuoteRender *
crm_quote_render_new (const CrmQuoteHeader *header,
                      const CrmQuote       *quote,
                      const CrmQuoteTotals *totals)
{
  CrmQuoteRender *self;

  g_return_val_if_fail (header != NULL, NULL);
  g_return_val_if_fail (quote != NULL, NULL);
  g_return_val_if_fail (totals != NULL, NULL);
  g_return_val_if_fail (totals->lines->len == crm_quote_get_n_lines (quote), NULL);

  self = g_new0 (CrmQuoteRender, 1);
  self->font_map = pango_cairo_font_map_new ();
  self->context = pango_font_map_create_context (self->font_map);
  /* Font sizes in points are then cairo units, on paper as on a PDF */
  pango_cairo_context_set_resolution (self->context, 72);
  self->header = *header;
  self->quote = quote;
  self->totals = totals;
  self->blocks = g_array_new (FALSE, TRUE, sizeof (Block));
  return self;
}

void
crm_quote_render_free (CrmQuoteRender *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->blocks);
  g_object_unref (self->context);
  g_object_unref (self->font_map);
  g_free (self);
}

guint
crm_quote_render_paginate (CrmQuoteRender *self,
                           cairo_t        *cr,
                           double          width,
                           double          height)
{
  g_autoptr(GArray) content = NULL;
  double top = MARGIN;
  double bottom = height - MARGIN - FOOTER;
  double y = top;
  guint page = 0;
  guint head_page = G_MAXUINT;
  Block head = { .kind = BLOCK_TABLE_HEAD };
  double head_height;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (cr != NULL, 0);

  pango_cairo_update_context (cr, self->context);
  self->width = width;
  self->height = height;
  g_array_set_size (self->blocks, 0);
  content = list_blocks (self);
  head_height = put_block (self, cr, &head, 0, FALSE);

  for (guint i = 0; i < content->len; i++)
    {
      Block *block = &g_array_index (content, Block, i);
      gboolean row = is_table_row (block->kind);
      double needed;

      block->height = put_block (self, cr, block, 0, FALSE);
      if (block->height == 0)
        continue;

      /* A table row on a page without the table's head gets one first */
      needed = block->height + (row && head_page != page ? head_height : 0);
      if (y + needed > bottom && y > top)
        {
          page++;
          y = top;
        }
      if (row && head_page != page)
        {
          head.page = page;
          head.y = y;
          head.height = head_height;
          g_array_append_val (self->blocks, head);
          head_page = page;
          y += head_height;
        }
      block->page = page;
      block->y = y;
      g_array_append_val (self->blocks, *block);
      y += block->height;
    }

  self->n_pages = page + 1;
  return self->n_pages;
}

void
crm_quote_render_draw_page (CrmQuoteRender *self,
                            cairo_t        *cr,
                            guint           page)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (cr != NULL);
  g_return_if_fail (page < self->n_pages);

  pango_cairo_update_context (cr, self->context);
  cairo_save (cr);
  cairo_set_source_rgb (cr, 0, 0, 0);
  for (guint i = 0; i < self->blocks->len; i++)
    {
      const Block *block = &g_array_index (self->blocks, Block, i);

      if (block->page == page)
        put_block (self, cr, block, block->y, TRUE);
    }
  draw_footer (self, cr, page);
  cairo_restore (cr);
}

gboolean
crm_quote_pdf_write (const CrmQuoteHeader  *header,
                     const CrmQuote        *quote,
                     const CrmQuoteTotals  *totals,
                     const char            *path,
                     GError               **error)
{
  g_autoptr(CrmQuoteRender) render = NULL;
  g_autofree char *title = NULL;
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;
  guint n_pages;

  g_return_val_if_fail (header != NULL, FALSE);
  g_return_val_if_fail (quote != NULL, FALSE);
  g_return_val_if_fail (totals != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  render = crm_quote_render_new (header, quote, totals);
  surface = cairo_pdf_surface_create (path, A4_WIDTH, A4_HEIGHT);
  title = g_strdup_printf (_("Quote %s, revision %" G_GINT64_FORMAT),
                           header->number ? header->number : "", header->revision);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, title);
  if (header->company_name != NULL)
    cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_AUTHOR, header->company_name);
  cr = cairo_create (surface);

  n_pages = crm_quote_render_paginate (render, cr, A4_WIDTH, A4_HEIGHT);
  for (guint page = 0; page < n_pages; page++)
    {
      crm_quote_render_draw_page (render, cr, page);
      cairo_show_page (cr);
    }

  status = cairo_status (cr);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);

  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot write %s: %s"),
                   path, cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}
