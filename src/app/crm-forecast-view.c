/* crm-forecast-view.c: the team forecast, its adjustments and what changed
 *
 * The figures are crm_forecast_compute()'s, the same as crm-cli
 * forecast's: a row per direct report of the person shown (their whole
 * team), their own deals, and the total, then a chart of them and the
 * list of the shown person's own deals. A report's name drills into
 * their forecast; an adjusted figure opens its history and takes a new
 * adjustment with a note, where the hierarchy allows. Everything reads
 * the local store, so it works offline; the view says when it last
 * synced. Opening a profile takes the day's snapshot of the deals for
 * "what changed" in a worker thread, on a connection of its own, if the
 * day's first sync has not taken it yet.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-forecast"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-decimal.h"
#include "crm-format.h"
#include "crm-forecast-chart.h"
#include "crm-forecast-view.h"
#include "crm-money.h"
#include "crm-sync.h"

struct _CrmForecastView
{
  GtkWidget          parent_instance;

  GtkStack          *stack;
  AdwStatusPage     *empty_page;
  GtkButton         *back_button;
  GtkLabel          *title_label;
  GtkDropDown       *period_dropdown;
  GtkButton         *submit_button;
  GtkLabel          *synced_label;
  GtkGrid           *grid;
  GtkLabel          *status_label;
  CrmForecastChart  *chart;
  GtkLabel          *deals_label;
  GtkGrid           *deals_grid;
  GtkEntry          *since_entry;
  GtkBox            *changes_box;

  CrmContext        *context;
  GtkStringList     *periods;
  char              *me;
  GPtrArray         *trail;      /* ids drilled into, the shown one last */
  CrmForecast       *forecast;
  guint              reload_id;
};

G_DEFINE_FINAL_TYPE (CrmForecastView, crm_forecast_view, GTK_TYPE_WIDGET)

static const char * const columns[] = {
  N_("Quota"), N_("Closed"), N_("Commit"), N_("Best Case"), N_("Pipeline"), N_("Weighted"),
  N_("Attainment"), N_("Gap"), N_("Adj. Commit"), N_("Adj. Best Case"),
};

/* Helpers *************************************************************/

static CrmStore *
get_store (CrmForecastView *self)
{
  return crm_context_get_store (self->context);
}

static const char *
shown_user (CrmForecastView *self)
{
  return self->trail->len ? g_ptr_array_index (self->trail, self->trail->len - 1) : self->me;
}

static void
clear_children (GtkWidget *parent)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (parent)))
    {
      if (GTK_IS_GRID (parent))
        gtk_grid_remove (GTK_GRID (parent), child);
      else
        gtk_box_remove (GTK_BOX (parent), child);
    }
}

static GtkWidget *
figure_label (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 1);
  gtk_widget_add_css_class (label, "numeric");
  return label;
}

/* As the rest of the window shows money: grouped, with the currency's
 * symbol or code as the preference says */
static char *
format_amount (CrmForecastView *self,
               gint64           minor)
{
  char *text = crm_format_minor (minor, self->forecast->currency,
                                 self->context && crm_context_get_use_symbols (self->context));

  return text ? text : crm_forecast_format_amount (self->forecast, minor);
}

static gboolean
get_period (CrmForecastView *self,
            CrmPeriod       *period,
            GError         **error)
{
  GObject *item = gtk_drop_down_get_selected_item (self->period_dropdown);
  const char *name = item ? gtk_string_object_get_string (GTK_STRING_OBJECT (item)) : NULL;

  return crm_period_parse (name, crm_forecast_fiscal_start (get_store (self)), period, error);
}

/* This quarter, the one before and the two after, this fiscal year and
 * this month; this quarter is picked */
static void
fill_periods (CrmForecastView *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  guint fiscal_start = crm_forecast_fiscal_start (get_store (self));
  CrmPeriod quarter, month;

  crm_period_for_date (CRM_PERIOD_QUARTER, today, fiscal_start, &quarter);
  crm_period_for_date (CRM_PERIOD_MONTH, today, fiscal_start, &month);
  for (int offset = -1; offset <= 2; offset++)
    {
      int index = quarter.year * 4 + quarter.number - 1 + offset;

      g_ptr_array_add (names, g_strdup_printf ("%04d-Q%d", index / 4, index % 4 + 1));
    }
  g_ptr_array_add (names, g_strdup_printf ("FY%04d", quarter.year));
  g_ptr_array_add (names, g_strdup (month.name));
  g_ptr_array_add (names, NULL);

  gtk_string_list_splice (self->periods, 0, g_list_model_get_n_items (G_LIST_MODEL (self->periods)),
                          (const char * const *) names->pdata);
  gtk_drop_down_set_selected (self->period_dropdown, 1);
}

static void
update_synced (CrmForecastView *self)
{
  g_autofree char *server = NULL;
  g_autofree char *last = NULL;
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *text = NULL;
  g_autofree char *label = NULL;

  if (self->context == NULL)
    return;
  server = crm_store_dup_setting (get_store (self), "server_url");
  last = crm_store_dup_setting (get_store (self), CRM_SYNC_LAST_SYNCED);
  if (server == NULL)
    label = g_strdup (_("Local data: this profile does not sync"));
  else if (last == NULL || !(when = g_date_time_new_from_iso8601 (last, NULL)))
    label = g_strdup (_("Not synced yet: the figures are what this computer holds"));
  else
    {
      local = g_date_time_to_local (when);
      text = g_date_time_format (local, "%Y-%m-%d %H:%M");
      label = g_strdup_printf (_("Last synced %s"), text);
    }
  gtk_label_set_label (self->synced_label, label);
}

static void queue_reload (CrmForecastView *self);

/* Adjusting ***********************************************************/

typedef struct
{
  CrmForecastView *view;
  char            *user_id;
  char            *user_name;
  const char      *category;   /* static */
  GtkEntry        *amount;
  GtkEntry        *note;
  GtkLabel        *error;
  GtkPopover      *popover;
} Adjusting;

static void
adjusting_free (Adjusting *adjusting)
{
  g_free (adjusting->user_id);
  g_free (adjusting->user_name);
  g_free (adjusting);
}

static void
adjust_clicked_cb (Adjusting *adjusting)
{
  CrmForecastView *self = adjusting->view;
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmRecord) record = NULL;
  g_autofree char *amount = g_strdup (gtk_editable_get_text (GTK_EDITABLE (adjusting->amount)));
  g_autofree char *note = g_strdup (gtk_editable_get_text (GTK_EDITABLE (adjusting->note)));
  g_autofree char *done = NULL;

  record = crm_forecast_adjust (get_store (self), &self->forecast->period, self->me, adjusting->user_id,
                                adjusting->category, amount, note, &error);
  if (record == NULL)
    {
      gtk_label_set_label (adjusting->error, error->message);
      gtk_widget_set_visible (GTK_WIDGET (adjusting->error), TRUE);
      return;
    }
  done = g_strdup_printf (g_str_equal (adjusting->category, "commit")
                            ? _("Adjusted the commit of %s to %s %s")
                            : _("Adjusted the best case of %s to %s %s"),
                          adjusting->user_name, crm_record_get_string (record, "amount"),
                          crm_record_get_string (record, "currency"));
  gtk_label_set_label (self->status_label, done);
  gtk_popover_popdown (adjusting->popover);
  crm_context_sync (self->context);
  queue_reload (self);
}

static GtkWidget *
history_box (CrmForecastView *self,
             const char      *user_id,
             const char      *category)
{
  g_autoptr(GPtrArray) history = crm_forecast_dup_history (get_store (self), &self->forecast->period,
                                                           user_id, NULL);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);

  for (guint i = 0; history && i < history->len; i++)
    {
      CrmRecord *record = g_ptr_array_index (history, i);
      const char *author_id = crm_record_get_string (record, "author_id");
      g_autoptr(CrmRecord) author = author_id ? crm_store_get (get_store (self), "users", author_id, NULL) : NULL;
      JsonNode *reverted = crm_record_get_field (record, "reverted");
      g_autofree char *text = NULL;
      GtkWidget *label;

      if (g_strcmp0 (crm_record_get_string (record, "category"), category) != 0)
        continue;
      text = g_strdup_printf ("%s · %s %s · %s%s: %s", crm_record_get_created_at (record),
                              crm_record_get_string (record, "amount"), crm_record_get_string (record, "currency"),
                              author ? crm_record_get_string (author, "name") : "?",
                              reverted && JSON_NODE_HOLDS_VALUE (reverted) && json_node_get_boolean (reverted)
                                ? _(" (reverted)") : "",
                              crm_record_get_string (record, "note") ? crm_record_get_string (record, "note") : "");
      label = gtk_label_new (text);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 50);
      gtk_box_append (GTK_BOX (box), label);
    }
  if (gtk_widget_get_first_child (box) == NULL)
    {
      GtkWidget *label = gtk_label_new (_("Not adjusted yet"));

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_box_append (GTK_BOX (box), label);
    }
  return box;
}

/* A Commit or Best Case cell: the figure, and where the signed-in user
 * may adjust it, a popover with its history and a new adjustment */
static GtkWidget *
adjust_cell (CrmForecastView      *self,
             const CrmForecastRow *row,
             gboolean              commit)
{
  gint64 value = commit ? row->adjusted_commit : row->adjusted_best_case;
  gboolean adjusted = commit ? row->commit_is_adjusted : row->best_case_is_adjusted;
  g_autofree char *amount = format_amount (self, value);
  g_autofree char *text = g_strconcat (amount, adjusted ? " *" : "", NULL);
  g_autofree char *title = NULL;
  Adjusting *adjusting;
  GtkWidget *button, *popover, *box, *heading, *add;

  if (row->own || !crm_forecast_can_adjust (get_store (self), self->me, row->user_id, NULL))
    {
      GtkWidget *label = figure_label (text);

      if (adjusted)
        gtk_widget_set_tooltip_text (label, _("Adjusted"));
      return label;
    }

  adjusting = g_new0 (Adjusting, 1);
  adjusting->view = self;
  adjusting->user_id = g_strdup (row->user_id);
  adjusting->user_name = g_strdup (row->user_name);
  adjusting->category = commit ? "commit" : "best_case";

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  title = g_strdup_printf (commit ? _("Commit of %s") : _("Best case of %s"), row->user_name);
  heading = gtk_label_new (title);
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_add_css_class (heading, "heading");
  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), history_box (self, row->user_id, adjusting->category));

  adjusting->amount = GTK_ENTRY (gtk_entry_new ());
  gtk_editable_set_text (GTK_EDITABLE (adjusting->amount), amount);
  gtk_accessible_update_property (GTK_ACCESSIBLE (adjusting->amount), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Adjusted figure"), -1);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (adjusting->amount));
  adjusting->note = GTK_ENTRY (gtk_entry_new ());
  gtk_entry_set_max_length (adjusting->note, 255);
  gtk_entry_set_placeholder_text (adjusting->note, _("Why (required)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (adjusting->note), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Note"), -1);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (adjusting->note));
  adjusting->error = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (adjusting->error, TRUE);
  gtk_label_set_max_width_chars (adjusting->error, 50);
  gtk_widget_add_css_class (GTK_WIDGET (adjusting->error), "error");
  gtk_widget_set_visible (GTK_WIDGET (adjusting->error), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (adjusting->error));
  add = gtk_button_new_with_mnemonic (_("_Adjust"));
  gtk_widget_add_css_class (add, "suggested-action");
  gtk_box_append (GTK_BOX (box), add);

  popover = gtk_popover_new ();
  gtk_popover_set_child (GTK_POPOVER (popover), box);
  adjusting->popover = GTK_POPOVER (popover);
  g_signal_connect_data (add, "clicked", G_CALLBACK (adjust_clicked_cb), adjusting,
                         (GClosureNotify) adjusting_free, G_CONNECT_SWAPPED);
  g_signal_connect_swapped (adjusting->note, "activate", G_CALLBACK (gtk_widget_activate), add);

  button = gtk_menu_button_new ();
  gtk_menu_button_set_label (GTK_MENU_BUTTON (button), text);
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (button), popover);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "numeric");
  gtk_widget_set_halign (button, GTK_ALIGN_END);
  gtk_widget_set_tooltip_text (button, commit ? _("History and adjustment of the commit")
                                              : _("History and adjustment of the best case"));
  return button;
}

/* The table ***********************************************************/

static void
drill_clicked_cb (GtkButton       *button,
                  CrmForecastView *self)
{
  crm_forecast_view_show_user (self, g_object_get_data (G_OBJECT (button), "user-id"));
}

static GtkWidget *
name_cell (CrmForecastView      *self,
           const CrmForecastRow *row,
           gboolean              total)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  g_autoptr(JsonObject) submission = NULL;
  g_autofree char *own = NULL;
  GtkWidget *name;

  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  if (total)
    {
      name = gtk_label_new (_("Total"));
      gtk_widget_add_css_class (name, "heading");
    }
  else if (row->own)
    name = gtk_label_new ((own = g_strdup_printf (_("%s (own deals)"), row->user_name)));
  else
    {
      g_autofree char *tip = g_strdup_printf (_("Show the forecast of %s"), row->user_name);

      name = gtk_button_new_with_label (row->user_name);
      gtk_widget_add_css_class (name, "flat");
      gtk_widget_set_tooltip_text (name, tip);
      g_object_set_data_full (G_OBJECT (name), "user-id", g_strdup (row->user_id), g_free);
      g_signal_connect (name, "clicked", G_CALLBACK (drill_clicked_cb), self);
    }
  gtk_widget_set_halign (name, GTK_ALIGN_START);
  if (GTK_IS_LABEL (name))
    gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_box_append (GTK_BOX (box), name);

  /* Submitted against live: a report's under their row, the shown
   * person's under the total */
  if (!row->own)
    submission = crm_forecast_dup_submission (get_store (self), &self->forecast->period, row->user_id, NULL);
  if (submission)
    {
      JsonObject *figures = json_object_get_object_member (submission, "figures");
      JsonObject *adjusted = figures ? json_object_get_object_member (figures, "adjusted") : NULL;
      g_autoptr(GDateTime) at = g_date_time_new_from_iso8601 (json_object_get_string_member_with_default (submission, "submitted_at", ""), NULL);
      g_autoptr(GDateTime) local = at ? g_date_time_to_local (at) : NULL;
      g_autofree char *when = local ? g_date_time_format (local, "%Y-%m-%d %H:%M") : g_strdup ("?");
      g_autofree char *text = g_strdup_printf (_("Submitted %s: commit %s, best case %s"), when,
                                               adjusted ? json_object_get_string_member_with_default (adjusted, "commit", "?") : "?",
                                               adjusted ? json_object_get_string_member_with_default (adjusted, "best_case", "?") : "?");
      GtkWidget *label = gtk_label_new (text);

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 28);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_add_css_class (label, "caption");
      gtk_box_append (GTK_BOX (box), label);
    }
  return box;
}

static GtkWidget *
attainment_cell (const CrmForecastRow *row)
{
  g_autofree char *fraction = crm_forecast_row_attainment (row);
  g_autofree char *percent = NULL;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *bar = gtk_level_bar_new_for_interval (0, 1);
  gint64 value;

  gtk_widget_set_size_request (bar, 60, -1);
  gtk_widget_set_valign (bar, GTK_ALIGN_CENTER);
  /* 0.4567 at scale 4 is 45.67 at scale 2; the bar only needs its place */
  if (fraction && crm_decimal_parse (fraction, 4, &value, NULL))
    {
      g_autofree char *text = crm_decimal_format (value, 2);

      gtk_level_bar_set_value (GTK_LEVEL_BAR (bar), MIN (value, 10000) / 10000.0);
      percent = g_strdup_printf ("%s %%", text);
    }
  gtk_box_append (GTK_BOX (box), bar);
  gtk_box_append (GTK_BOX (box), figure_label (percent ? percent : "—"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (bar), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  percent ? percent : _("No quota"), -1);
  return box;
}

static void
add_row (CrmForecastView      *self,
         const CrmForecastRow *row,
         int                   line,
         gboolean              total)
{
  const gint64 figures[] = { row->quota, row->closed, row->commit, row->best_case, row->pipeline, row->weighted };
  g_autofree char *gap = format_amount (self, row->quota - row->closed);
  int column = 0;

  gtk_grid_attach (self->grid, name_cell (self, row, total), column++, line, 1, 1);
  for (guint i = 0; i < G_N_ELEMENTS (figures); i++)
    {
      g_autofree char *text = format_amount (self, figures[i]);
      gtk_grid_attach (self->grid, figure_label (text), column++, line, 1, 1);
    }
  gtk_grid_attach (self->grid, attainment_cell (row), column++, line, 1, 1);
  gtk_grid_attach (self->grid, figure_label (gap), column++, line, 1, 1);
  gtk_grid_attach (self->grid, adjust_cell (self, row, TRUE), column++, line, 1, 1);
  gtk_grid_attach (self->grid, adjust_cell (self, row, FALSE), column++, line, 1, 1);
}

static void
fill_grid (CrmForecastView *self)
{
  GtkWidget *person = gtk_label_new (_("Person"));
  int line = 1;

  clear_children (GTK_WIDGET (self->grid));
  gtk_label_set_xalign (GTK_LABEL (person), 0);
  gtk_widget_add_css_class (person, "dim-label");
  gtk_grid_attach (self->grid, person, 0, 0, 1, 1);
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      GtkWidget *header = figure_label (_(columns[i]));

      gtk_widget_add_css_class (header, "dim-label");
      gtk_grid_attach (self->grid, header, (int) i + 1, 0, 1, 1);
    }
  for (guint i = 0; i < self->forecast->rows->len; i++)
    add_row (self, g_ptr_array_index (self->forecast->rows, i), line++, FALSE);
  add_row (self, self->forecast->total, line, TRUE);
}

/* The shown person's own deals, what their row adds up */
static void
fill_deals (CrmForecastView *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) deals = crm_forecast_dup_deals (get_store (self), &self->forecast->period,
                                                       self->forecast->user_id, &error);
  g_autofree char *title = NULL;
  static const char * const headers[] = { N_("Deal"), N_("Close"), N_("Category"), N_("Amount") };

  clear_children (GTK_WIDGET (self->deals_grid));
  if (deals == NULL)
    {
      gtk_label_set_label (self->deals_label, error->message);
      return;
    }
  title = g_strdup_printf (ngettext ("%u deal of %s in this period", "%u deals of %s in this period", deals->len),
                           deals->len, self->forecast->user_name);
  gtk_label_set_label (self->deals_label, title);
  for (guint i = 0; deals->len && i < G_N_ELEMENTS (headers); i++)
    {
      GtkWidget *header = i == 3 ? figure_label (_(headers[i])) : gtk_label_new (_(headers[i]));

      gtk_label_set_xalign (GTK_LABEL (header), i == 3 ? 1 : 0);
      gtk_widget_add_css_class (header, "dim-label");
      gtk_grid_attach (self->deals_grid, header, (int) i, 0, 1, 1);
    }
  for (guint i = 0; i < deals->len; i++)
    {
      const CrmForecastDeal *deal = g_ptr_array_index (deals, i);
      g_autofree char *amount = deal->converted ? format_amount (self, deal->amount) : g_strdup (_("No rate"));
      GtkWidget *name = gtk_label_new (deal->name);
      GtkWidget *close = gtk_label_new (deal->close);
      GtkWidget *category = gtk_label_new (deal->category);

      gtk_label_set_xalign (GTK_LABEL (name), 0);
      gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
      gtk_label_set_max_width_chars (GTK_LABEL (name), 40);
      gtk_label_set_xalign (GTK_LABEL (close), 0);
      gtk_label_set_xalign (GTK_LABEL (category), 0);
      gtk_grid_attach (self->deals_grid, name, 0, (int) i + 1, 1, 1);
      gtk_grid_attach (self->deals_grid, close, 1, (int) i + 1, 1, 1);
      gtk_grid_attach (self->deals_grid, category, 2, (int) i + 1, 1, 1);
      gtk_grid_attach (self->deals_grid, figure_label (amount), 3, (int) i + 1, 1, 1);
    }
}

/* What changed ********************************************************/

static char *
describe_figures (CrmForecastChanges       *changes,
                  const CrmForecastFigures *figures,
                  gboolean                  sign)
{
  const gint64 values[] = { figures->closed, figures->commit, figures->best_case, figures->pipeline };
  char *texts[G_N_ELEMENTS (values)];
  char *text;

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      CrmMoney money;
      g_autofree char *amount = NULL;

      crm_money_init (&money, values[i], changes->currency);
      amount = crm_money_format (&money);
      texts[i] = sign && values[i] >= 0 ? g_strconcat ("+", amount, NULL) : g_steal_pointer (&amount);
    }
  text = g_strdup_printf (_("closed %s, commit %s, best case %s, pipeline %s"),
                          texts[0], texts[1], texts[2], texts[3]);
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    g_free (texts[i]);
  return text;
}

static char *
describe_side (CrmForecastChanges *changes,
               gboolean            present,
               const char         *close,
               const char         *category,
               gint64              amount)
{
  CrmMoney money;
  g_autofree char *text = NULL;

  if (!present)
    return g_strdup ("—");
  crm_money_init (&money, amount, changes->currency);
  text = crm_money_format (&money);
  return g_strdup_printf ("%s %s, %s", text, category, close);
}

static GtkWidget *
wrapped_label (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  return label;
}

static void
show_changes (CrmForecastView    *self,
              CrmForecastChanges *changes)
{
  static const char * const titles[] = {
    N_("New deals"), N_("Pulled in"), N_("Won"), N_("Lost"), N_("Slipped out"),
    N_("Removed"), N_("Amount changes"), N_("Category changes"),
  };
  g_autofree char *start = describe_figures (changes, &changes->start, FALSE);
  g_autofree char *end = describe_figures (changes, &changes->end, FALSE);
  g_autofree char *then = g_strdup_printf (_("Then (snapshot of %s): %s"), changes->baseline.taken_at, start);
  g_autofree char *now = g_strdup_printf (_("Now: %s"), end);
  gboolean any = FALSE;

  G_STATIC_ASSERT (G_N_ELEMENTS (titles) == CRM_FORECAST_N_STEPS);
  gtk_box_append (self->changes_box, wrapped_label (then));
  for (guint k = 0; k < CRM_FORECAST_N_STEPS; k++)
    {
      const CrmForecastStep *step = &changes->steps[k];
      g_autofree char *effect = NULL;
      g_autofree char *title = NULL;
      GtkWidget *expander, *deals;

      if (step->deals->len == 0)
        continue;
      any = TRUE;
      effect = describe_figures (changes, &step->effect, TRUE);
      title = g_strdup_printf ("%s (%u): %s", _(titles[k]), step->deals->len, effect);
      expander = gtk_expander_new (title);
      deals = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
      gtk_widget_set_margin_start (deals, 18);
      for (guint i = 0; i < step->deals->len; i++)
        {
          const CrmForecastDealChange *deal = g_ptr_array_index (step->deals, i);
          g_autofree char *before = describe_side (changes, deal->had_then, deal->then_close,
                                                   deal->then_category, deal->then_amount);
          g_autofree char *after = describe_side (changes, deal->has_now, deal->now_close,
                                                  deal->now_category, deal->now_amount);
          g_autofree char *text = g_strdup_printf ("%s (%s): %s → %s", deal->name ? deal->name : deal->id,
                                                   deal->owner_name ? deal->owner_name : "?", before, after);

          gtk_box_append (GTK_BOX (deals), wrapped_label (text));
        }
      gtk_expander_set_child (GTK_EXPANDER (expander), deals);
      gtk_box_append (self->changes_box, expander);
    }
  if (!any)
    gtk_box_append (self->changes_box, wrapped_label (_("No deal of this period changed since then.")));
  gtk_box_append (self->changes_box, wrapped_label (now));
}

/* The day's snapshot ************************************************/

static void
snapshot_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = crm_store_open (task_data, &error);
  CrmForecastSnapshot snapshot;

  if (store == NULL || !crm_forecast_snapshot (store, NULL, TRUE, &snapshot, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
snapshot_taken_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_debug ("No forecast snapshot today: %s", error->message);
}

static void
take_daily_snapshot (CrmForecastView *self)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, snapshot_taken_cb, NULL);

  g_task_set_source_tag (task, take_daily_snapshot);
  g_task_set_task_data (task, g_strdup (crm_store_get_path (get_store (self))), g_free);
  g_task_run_in_thread (task, snapshot_thread);
}

/* Callbacks ***********************************************************/

static void
changes_clicked_cb (CrmForecastView *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmForecastChanges) changes = NULL;

  clear_children (GTK_WIDGET (self->changes_box));
  if (self->forecast == NULL)
    return;
  changes = crm_forecast_changes (get_store (self), &self->forecast->period, self->forecast->user_id,
                                  gtk_editable_get_text (GTK_EDITABLE (self->since_entry)), &error);
  if (changes == NULL)
    gtk_box_append (self->changes_box, wrapped_label (error->message));
  else
    show_changes (self, changes);
}

static void
submit_clicked_cb (CrmForecastView *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmRecord) record = NULL;

  if (self->forecast == NULL)
    return;
  record = crm_forecast_submit (get_store (self), &self->forecast->period, self->me, &error);
  gtk_label_set_label (self->status_label, record ? crm_record_get_string (record, "subject") : error->message);
  if (record)
    crm_context_sync (self->context);
  queue_reload (self);
}

static void
back_clicked_cb (CrmForecastView *self)
{
  if (self->trail->len)
    g_ptr_array_set_size (self->trail, self->trail->len - 1);
  crm_forecast_view_reload (self);
}

static gboolean
reload_idle_cb (gpointer user_data)
{
  CrmForecastView *self = user_data;

  self->reload_id = 0;
  crm_forecast_view_reload (self);
  return G_SOURCE_REMOVE;
}

/* Records change in bursts (a sync, an adjustment from a popover inside
 * the table): compute once they settle, and never under a callback of
 * a widget the reload replaces */
static void
queue_reload (CrmForecastView *self)
{
  if (self->reload_id == 0)
    self->reload_id = g_idle_add (reload_idle_cb, self);
}

static void
period_selected_cb (CrmForecastView *self)
{
  queue_reload (self);
}

/* GObject *************************************************************/

static void
crm_forecast_view_dispose (GObject *object)
{
  GtkWidget *child;
  CrmForecastView *self = CRM_FORECAST_VIEW (object);

  crm_forecast_view_set_context (self, NULL);
  g_clear_handle_id (&self->reload_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_FORECAST_VIEW);
  /* The template's top widget is not bound, so not unparented above */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  g_clear_object (&self->periods);
  g_clear_pointer (&self->forecast, crm_forecast_free);
  g_clear_pointer (&self->trail, g_ptr_array_unref);
  g_clear_pointer (&self->me, g_free);

  G_OBJECT_CLASS (crm_forecast_view_parent_class)->dispose (object);
}

static void
crm_forecast_view_class_init (CrmForecastViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_forecast_view_dispose;

  g_type_ensure (CRM_TYPE_FORECAST_CHART);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/Crm/crm-forecast-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmForecastView, stack);
  gtk_widget_class_bind_template_child (widget_class, CrmForecastView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, CrmForecastView, back_button);
  gtk_widget_class_bind_template_child (widget_class, CrmForecastView, title_label);
  gtk_widget_class_bind_template_child (widget_class, CrmForecastView, period_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CrmForecastView, submit_button);
  gtk_widget_class_bind_template_child (widget_class, CrmForecastView, synced_label);
  gtk_widget_class_bind_template_child (widget_class, CrmForecastView, grid);
  gtk_widget_class_bind_template_child (widget_class, CrmForecastView, status_label);
  gtk_widget_class_bind_template_child (widget_class, CrmForecastView, chart);
  gtk_widget_class_bind_template_child (widget_class, CrmForecastView, deals_label);
  gtk_widget_class_bind_template_child (widget_class, CrmForecastView, deals_grid);
  gtk_widget_class_bind_template_child (widget_class, CrmForecastView, since_entry);
  gtk_widget_class_bind_template_child (widget_class, CrmForecastView, changes_box);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, submit_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, changes_clicked_cb);
}

static void
crm_forecast_view_init (CrmForecastView *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) week_ago = g_date_time_add_days (now, -7);
  g_autofree char *since = g_date_time_format (week_ago, "%Y-%m-%d");

  gtk_widget_init_template (GTK_WIDGET (self));

  self->trail = g_ptr_array_new_with_free_func (g_free);
  self->periods = gtk_string_list_new (NULL);
  gtk_drop_down_set_model (self->period_dropdown, G_LIST_MODEL (self->periods));
  g_signal_connect_swapped (self->period_dropdown, "notify::selected", G_CALLBACK (period_selected_cb), self);
  gtk_editable_set_text (GTK_EDITABLE (self->since_entry), since);
}

/* Public API **********************************************************/

void
crm_forecast_view_set_context (CrmForecastView *self,
                               CrmContext      *context)
{
  g_return_if_fail (CRM_IS_FORECAST_VIEW (self));

  if (self->context)
    g_signal_handlers_disconnect_by_data (self->context, self);
  g_set_object (&self->context, context);
  g_ptr_array_set_size (self->trail, 0);
  clear_children (GTK_WIDGET (self->changes_box));
  if (context)
    {
      g_signal_connect_swapped (context, "records-changed", G_CALLBACK (queue_reload), self);
      g_signal_connect_swapped (context, "notify::sync-state", G_CALLBACK (update_synced), self);
      fill_periods (self);
      take_daily_snapshot (self);
    }
  crm_forecast_view_reload (self);
}

void
crm_forecast_view_reload (CrmForecastView *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  CrmForecast *forecast;
  CrmPeriod period;

  g_return_if_fail (CRM_IS_FORECAST_VIEW (self));

  g_clear_handle_id (&self->reload_id, g_source_remove);
  if (self->context == NULL)
    return;
  update_synced (self);
  g_free (self->me);
  self->me = crm_store_dup_setting (get_store (self), "current_user_id");
  if (self->me == NULL || *self->me == '\0')
    {
      g_clear_pointer (&self->me, g_free);
      g_clear_pointer (&self->forecast, crm_forecast_free);
      adw_status_page_set_description (self->empty_page,
                                       _("Sign in to a server to see your forecast and your team’s."));
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  if (!get_period (self, &period, &error) ||
      !(forecast = crm_forecast_compute (get_store (self), &period, shown_user (self), &error)))
    {
      g_clear_pointer (&self->forecast, crm_forecast_free);
      adw_status_page_set_description (self->empty_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  g_clear_pointer (&self->forecast, crm_forecast_free);
  self->forecast = forecast;

  title = g_strdup_printf (_("%s, %s to %s, in %s"), forecast->user_name, period.first_day, period.last_day,
                           forecast->currency);
  gtk_label_set_label (self->title_label, title);
  gtk_widget_set_visible (GTK_WIDGET (self->back_button), self->trail->len > 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->submit_button), g_strcmp0 (shown_user (self), self->me) == 0);
  fill_grid (self);
  crm_forecast_chart_set_forecast (self->chart, forecast);
  fill_deals (self);
  if (forecast->n_unconverted)
    {
      g_autofree char *warning = g_strdup_printf (ngettext ("%u deal is left out: no exchange rate into %s on or before its date",
                                                            "%u deals are left out: no exchange rate into %s on or before their date",
                                                            forecast->n_unconverted),
                                                  forecast->n_unconverted, forecast->currency);
      gtk_label_set_label (self->status_label, warning);
    }
  gtk_stack_set_visible_child_name (self->stack, "forecast");
}

CrmForecast *
crm_forecast_view_get_forecast (CrmForecastView *self)
{
  g_return_val_if_fail (CRM_IS_FORECAST_VIEW (self), NULL);
  return self->forecast;
}

void
crm_forecast_view_show_user (CrmForecastView *self,
                             const char      *user_id)
{
  g_return_if_fail (CRM_IS_FORECAST_VIEW (self));
  g_return_if_fail (user_id != NULL);

  g_ptr_array_add (self->trail, g_strdup (user_id));
  clear_children (GTK_WIDGET (self->changes_box));
  crm_forecast_view_reload (self);
}
