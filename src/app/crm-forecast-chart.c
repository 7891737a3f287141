/* crm-forecast-chart.c: closed, commit and best case against quota, per person
 *
 * One band per row of the forecast: a bar of best case, over it commit,
 * over that closed (the figures are cumulative, so each bar holds the
 * next), and a mark at the quota. Drawn with GtkSnapshot; what it shows
 * is also its accessible label and tooltip, in words.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-forecast"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-forecast-chart.h"

#define BAND_HEIGHT   34
#define BAR_HEIGHT    14
#define NAME_WIDTH    160
#define PADDING       8

typedef struct
{
  char   *name;
  gint64  quota;
  gint64  closed;
  gint64  commit;
  gint64  best_case;
} Bar;

struct _CrmForecastChart
{
  GtkWidget  parent_instance;

  GArray    *bars;     /* Bar */
  gint64     largest;
  char      *summary;
};

G_DEFINE_FINAL_TYPE (CrmForecastChart, crm_forecast_chart, GTK_TYPE_WIDGET)

/* Helpers *************************************************************/

static void
bar_clear (Bar *bar)
{
  g_free (bar->name);
}

/* @value's share of @width, exact up to the pixel: no money math here */
static float
scale (CrmForecastChart *self,
       gint64            value,
       int               width)
{
  if (self->largest <= 0 || value <= 0)
    return 0;
  return (float) ((double) value / (double) self->largest * width);
}

static void
append_bar (GtkSnapshot   *snapshot,
            float          x,
            float          y,
            float          width,
            const GdkRGBA *color)
{
  if (width > 0)
    gtk_snapshot_append_color (snapshot, color, &GRAPHENE_RECT_INIT (x, y, width, BAR_HEIGHT));
}

static char *
describe (CrmForecast *forecast,
          const CrmForecastRow *row,
          const char  *name)
{
  g_autofree char *closed = crm_forecast_format_amount (forecast, row->closed);
  g_autofree char *commit = crm_forecast_format_amount (forecast, row->commit);
  g_autofree char *best_case = crm_forecast_format_amount (forecast, row->best_case);
  g_autofree char *quota = crm_forecast_format_amount (forecast, row->quota);

  return g_strdup_printf (_("%s: closed %s, commit %s, best case %s, quota %s %s"),
                          name, closed, commit, best_case, quota, forecast->currency);
}

/* GtkWidget ***********************************************************/

static void
crm_forecast_chart_measure (GtkWidget      *widget,
                            GtkOrientation  orientation,
                            int             for_size,
                            int            *minimum,
                            int            *natural,
                            int            *minimum_baseline,
                            int            *natural_baseline)
{
  CrmForecastChart *self = CRM_FORECAST_CHART (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = NAME_WIDTH + 100;
      *natural = NAME_WIDTH + 480;
    }
  else
    *minimum = *natural = (int) self->bars->len * BAND_HEIGHT + PADDING;
}

static void
crm_forecast_chart_snapshot (GtkWidget   *widget,
                             GtkSnapshot *snapshot)
{
  CrmForecastChart *self = CRM_FORECAST_CHART (widget);
  static const GdkRGBA best_case = { 0.60, 0.76, 0.93, 1 };
  static const GdkRGBA commit = { 0.21, 0.52, 0.89, 1 };
  static const GdkRGBA closed = { 0.10, 0.37, 0.71, 1 };
  GdkRGBA text;
  int width = gtk_widget_get_width (widget) - NAME_WIDTH - PADDING;

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &text);
  for (guint i = 0; i < self->bars->len && width > 0; i++)
    {
      const Bar *bar = &g_array_index (self->bars, Bar, i);
      float y = PADDING + (float) i * BAND_HEIGHT;
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, bar->name);
      float mark;

      pango_layout_set_width (layout, (NAME_WIDTH - PADDING) * PANGO_SCALE);
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (0, y));
      gtk_snapshot_append_layout (snapshot, layout, &text);
      gtk_snapshot_restore (snapshot);

      append_bar (snapshot, NAME_WIDTH, y, scale (self, bar->best_case, width), &best_case);
      append_bar (snapshot, NAME_WIDTH, y, scale (self, bar->commit, width), &commit);
      append_bar (snapshot, NAME_WIDTH, y, scale (self, bar->closed, width), &closed);
      if (bar->quota > 0)
        {
          mark = NAME_WIDTH + scale (self, bar->quota, width);
          gtk_snapshot_append_color (snapshot, &text,
                                     &GRAPHENE_RECT_INIT (MAX (NAME_WIDTH, mark - 1), y - 3, 2, BAR_HEIGHT + 6));
        }
    }
}

/* GObject *************************************************************/

static void
crm_forecast_chart_finalize (GObject *object)
{
  CrmForecastChart *self = CRM_FORECAST_CHART (object);

  g_clear_pointer (&self->bars, g_array_unref);
  g_free (self->summary);

  G_OBJECT_CLASS (crm_forecast_chart_parent_class)->finalize (object);
}

static void
crm_forecast_chart_class_init (CrmForecastChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = crm_forecast_chart_finalize;
  widget_class->measure = crm_forecast_chart_measure;
  widget_class->snapshot = crm_forecast_chart_snapshot;
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
  gtk_widget_class_set_css_name (widget_class, "forecastchart");
}

static void
crm_forecast_chart_init (CrmForecastChart *self)
{
  self->bars = g_array_new (FALSE, TRUE, sizeof (Bar));
  g_array_set_clear_func (self->bars, (GDestroyNotify) bar_clear);
  self->summary = g_strdup ("");
}

/* Public API **********************************************************/

GtkWidget *
crm_forecast_chart_new (void)
{
  return g_object_new (CRM_TYPE_FORECAST_CHART, NULL);
}

void
crm_forecast_chart_set_forecast (CrmForecastChart *self,
                                 CrmForecast      *forecast)
{
  g_autoptr(GString) summary = g_string_new (NULL);

  g_return_if_fail (CRM_IS_FORECAST_CHART (self));

  g_array_set_size (self->bars, 0);
  self->largest = 0;
  for (guint i = 0; forecast && i <= forecast->rows->len; i++)
    {
      const CrmForecastRow *row = i < forecast->rows->len ? g_ptr_array_index (forecast->rows, i) : forecast->total;
      g_autofree char *words = NULL;
      Bar bar;

      if (i == forecast->rows->len)
        bar.name = g_strdup (_("Total"));
      else if (row->own)
        bar.name = g_strdup_printf (_("%s (own deals)"), row->user_name);
      else
        bar.name = g_strdup (row->user_name);
      bar.quota = row->quota;
      bar.closed = row->closed;
      bar.commit = row->commit;
      bar.best_case = row->best_case;
      self->largest = MAX (self->largest, MAX (bar.best_case, bar.quota));
      words = describe (forecast, row, bar.name);
      g_string_append_printf (summary, "%s%s", summary->len ? "; " : "", words);
      g_array_append_val (self->bars, bar);
    }

  g_free (self->summary);
  self->summary = g_string_free (g_steal_pointer (&summary), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Forecast chart: closed, commit and best case against quota"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, self->summary, -1);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), self->summary);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

const char *
crm_forecast_chart_get_summary (CrmForecastChart *self)
{
  g_return_val_if_fail (CRM_IS_FORECAST_CHART (self), NULL);
  return self->summary;
}
