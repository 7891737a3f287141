/* crm-deal-card.c: what a pipeline card shows of a deal, drawn in one widget
 *
 * A column's list view keeps about 200 rows realized whatever it shows,
 * so a board of six columns holds some 1,200 cards. Built of labels in
 * boxes they were ten widgets each, every one styled, measured and shaped
 * by Pango before the first frame: half a second with 100k deals. This
 * widget is one: its height comes from the font's line height (no text is
 * shaped to measure it), and its lines are laid out only when it is drawn,
 * which only the cards in sight are.
 *
 * Lines, each left out when empty: the deal's name (bold), its account
 * (dimmed), amount and close date, owner (small, dimmed), and a flag
 * (small, in the warning colour). Long lines end in an ellipsis.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-deal-card"

#include "config.h"

#include "crm-deal-card.h"

#define SPACING        3
#define CAPTION_SCALE  0.8333

enum {
  LINE_NAME,
  LINE_ACCOUNT,
  LINE_AMOUNT,
  LINE_DATE,
  LINE_OWNER,
  LINE_FLAG,
  N_LINES
};

struct _CrmDealCard
{
  GtkWidget  parent_instance;

  char      *text[N_LINES];
};

G_DEFINE_FINAL_TYPE (CrmDealCard, crm_deal_card, GTK_TYPE_WIDGET)

/* Line heights of the widget's font and of its small size, worked out
 * once per font rather than once per card */
static void
line_heights (CrmDealCard *self,
              int         *body,
              int         *caption)
{
  static char *font;
  static int body_height;
  static int caption_height;
  PangoContext *context = gtk_widget_get_pango_context (GTK_WIDGET (self));
  const PangoFontDescription *desc = pango_context_get_font_description (context);
  g_autofree char *key = pango_font_description_to_string (desc);

  if (g_strcmp0 (key, font) != 0)
    {
      PangoFontDescription *small = pango_font_description_copy (desc);
      PangoFontMetrics *metrics = pango_context_get_metrics (context, desc, NULL);
      int size = pango_font_description_get_size (small);

      body_height = PANGO_PIXELS_CEIL (pango_font_metrics_get_height (metrics));
      if (body_height <= 0)
        body_height = PANGO_PIXELS_CEIL (pango_font_metrics_get_ascent (metrics) +
                                         pango_font_metrics_get_descent (metrics));
      pango_font_metrics_unref (metrics);

      if (pango_font_description_get_size_is_absolute (small))
        pango_font_description_set_absolute_size (small, size * CAPTION_SCALE);
      else
        pango_font_description_set_size (small, (int) (size * CAPTION_SCALE));
      metrics = pango_context_get_metrics (context, small, NULL);
      caption_height = PANGO_PIXELS_CEIL (pango_font_metrics_get_height (metrics));
      if (caption_height <= 0)
        caption_height = PANGO_PIXELS_CEIL (pango_font_metrics_get_ascent (metrics) +
                                            pango_font_metrics_get_descent (metrics));
      pango_font_metrics_unref (metrics);
      pango_font_description_free (small);

      g_free (font);
      font = g_steal_pointer (&key);
    }
  *body = body_height;
  *caption = caption_height;
}

static gboolean
has_line (CrmDealCard *self,
          guint        line)
{
  return self->text[line] != NULL && *self->text[line] != '\0';
}

static int
content_height (CrmDealCard *self)
{
  int body, caption, height = 0, lines = 0;

  line_heights (self, &body, &caption);
  for (guint line = 0; line < N_LINES; line++)
    {
      if (line == LINE_DATE || !has_line (self, line))
        continue;
      height += line == LINE_OWNER || line == LINE_FLAG ? caption : body;
      lines++;
    }
  return height + SPACING * MAX (lines - 1, 0);
}

static PangoLayout *
make_layout (CrmDealCard *self,
             guint        line,
             int          width)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), self->text[line]);
  PangoAttrList *attrs = pango_attr_list_new ();

  if (line == LINE_NAME)
    pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  if (line == LINE_DATE || line == LINE_OWNER || line == LINE_FLAG)
    pango_attr_list_insert (attrs, pango_attr_scale_new (CAPTION_SCALE));
  if (line == LINE_AMOUNT)
    pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  pango_layout_set_single_paragraph_mode (layout, TRUE);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_width (layout, MAX (width, 1) * PANGO_SCALE);
  return layout;
}

static void
draw_layout (GtkSnapshot   *snapshot,
             PangoLayout   *layout,
             int            x,
             int            y,
             const GdkRGBA *color)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

/* GtkWidget ***********************************************************/

static GtkSizeRequestMode
crm_deal_card_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_CONSTANT_SIZE;
}

static void
crm_deal_card_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 80;
      *natural = 240;
    }
  else
    *minimum = *natural = content_height (CRM_DEAL_CARD (widget));
}

static void
crm_deal_card_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  CrmDealCard *self = CRM_DEAL_CARD (widget);
  GtkStyleContext *style = gtk_widget_get_style_context (widget);
  int width = gtk_widget_get_width (widget);
  int body, caption, y = 0;
  GdkRGBA color, dim, warning;

  line_heights (self, &body, &caption);
  gtk_style_context_get_color (style, &color);
  dim = color;
  dim.alpha *= 0.55;
  if (!gtk_style_context_lookup_color (style, "warning_color", &warning))
    gdk_rgba_parse (&warning, "#ae7b03");

  for (guint line = 0; line < N_LINES; line++)
    {
      g_autoptr(PangoLayout) layout = NULL;
      int height = line == LINE_OWNER || line == LINE_FLAG ? caption : body;

      if (line == LINE_DATE || !has_line (self, line))
        continue;
      if (line == LINE_AMOUNT && has_line (self, LINE_DATE))
        {
          g_autoptr(PangoLayout) date = make_layout (self, LINE_DATE, width);
          int date_width;

          pango_layout_get_pixel_size (date, &date_width, NULL);
          draw_layout (snapshot, date, width - date_width, y + (body - caption) / 2, &color);
          layout = make_layout (self, line, width - date_width - 8);
        }
      else
        layout = make_layout (self, line, width);
      draw_layout (snapshot, layout, 0, y, line == LINE_ACCOUNT || line == LINE_OWNER ? &dim
                                           : line == LINE_FLAG ? &warning : &color);
      y += height + SPACING;
    }
}

/* GObject *************************************************************/

static void
crm_deal_card_finalize (GObject *object)
{
  CrmDealCard *self = CRM_DEAL_CARD (object);

  for (guint line = 0; line < N_LINES; line++)
    g_free (self->text[line]);

  G_OBJECT_CLASS (crm_deal_card_parent_class)->finalize (object);
}

static void
crm_deal_card_class_init (CrmDealCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = crm_deal_card_finalize;
  widget_class->get_request_mode = crm_deal_card_get_request_mode;
  widget_class->measure = crm_deal_card_measure;
  widget_class->snapshot = crm_deal_card_snapshot;
  gtk_widget_class_set_css_name (widget_class, "dealcard");
}

static void
crm_deal_card_init (CrmDealCard *self)
{
  gtk_widget_add_css_class (GTK_WIDGET (self), "deal-card");
}

/* Public API **********************************************************/

GtkWidget *
crm_deal_card_new (void)
{
  return g_object_new (CRM_TYPE_DEAL_CARD, NULL);
}

void
crm_deal_card_set (CrmDealCard *self,
                   const char  *name,
                   const char  *account,
                   const char  *amount,
                   const char  *date,
                   const char  *owner,
                   const char  *flag)
{
  const char *text[N_LINES] = { name, account, amount, date, owner, flag };
  gboolean resize = FALSE;

  g_return_if_fail (CRM_IS_DEAL_CARD (self));

  for (guint line = 0; line < N_LINES; line++)
    {
      gboolean had = has_line (self, line);

      if (g_strcmp0 (self->text[line], text[line]) == 0)
        continue;
      g_free (self->text[line]);
      self->text[line] = g_strdup (text[line]);
      resize |= had != has_line (self, line);
    }
  if (resize)
    gtk_widget_queue_resize (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
