/* crm-pipeline-view.c: the deals, a column per stage
 *
 * Built for 100,000 deals. Each column is a CrmRecordList over a query
 * (the stage plus the filters, in SQL), so it holds a count and the pages
 * its list view shows, never every deal. A reload reads off the main
 * loop: a worker thread, on its own connection inside one read
 * transaction, reads each column's stamp (crm_store_query_dup_stamp())
 * and, for a column that changed, its count and first page, and hands
 * them to the main loop at once; then it sums the amounts (converted,
 * weighted by probability, per deal as the forecast does) and hands those
 * over too. A column whose stamp did not change is left alone, so a sync
 * that touched nothing here does not reset a scrolled column. The names
 * on cards and their stale flags are read as cards are bound.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-pipeline"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-deal-card.h"
#include "crm-format.h"
#include "crm-money.h"
#include "crm-pipeline-view.h"
#include "crm-record-list.h"
#include "crm-store.h"

#define COLUMN_WIDTH 280
/* An open deal without an activity for this long is flagged */
#define STALE_DAYS 30

typedef struct
{
  char          *stage_id;
  char          *title;
  char          *summary;
  char          *probability;  /* the stage's default, as text */
  gboolean       closed;
  gboolean       lost;
  CrmRecordList *deals;
  char          *stamp;        /* of the deals shown; NULL: none yet */
  guint          count;
  gboolean       has_amounts;
  gint64         total;        /* minor units of the base currency */
  gint64         weighted;
  guint          unconverted;
  GtkWidget     *box;
  GtkLabel      *title_label;
  GtkLabel      *summary_label;
} Column;

struct _CrmPipelineView
{
  GtkWidget   parent_instance;

  AdwToastOverlay *toast_overlay;
  GtkStack   *stack;
  GtkBox     *board;
  GtkDropDown *owner_filter;
  GtkDropDown *period_filter;
  GtkSearchEntry *search_entry;
  GtkToggleButton *list_toggle;
  GtkColumnView *list_view;

  CrmRecordList *list_deals;  /* the deals the filters leave, in the list's order */
  char       *list_order;     /* the field the list sorts by first; NULL: the board's order */
  gboolean    list_descending;
  GPtrArray  *owner_choices;  /* what each owner_filter item stands for: "mine", "team", "all" or a user id */
  GHashTable *stage_names;    /* id → name */
  GHashTable *last_activity;  /* deal id → YYYY-MM-DD of its latest activity, "" for none */
  GHashTable *account_names;  /* account id → name, for the cards a load read */
  char       *stale_before;   /* YYYY-MM-DD */
  char       *me;             /* the signed-in user's id; NULL on a local profile */
  gboolean    updating_owners;

  CrmContext *context;
  GPtrArray  *columns;       /* Column */
  GHashTable *user_names;    /* id → name */
  char       *today;         /* YYYY-MM-DD */

  CrmStore   *reader;        /* the worker's connection, between loads */
  CrmQuery   *filters;       /* the deals the filters leave, any stage */
  guint       generation;    /* of the load under way, or the last */
  gboolean    loading;
  gboolean    load_again;    /* records or filters changed during it */
};

G_DEFINE_FINAL_TYPE (CrmPipelineView, crm_pipeline_view, GTK_TYPE_WIDGET)

enum {
  RECORD_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void reload (CrmPipelineView *self);


/* Helpers *************************************************************/

static void
column_free (Column *column)
{
  g_free (column->stage_id);
  g_free (column->title);
  g_free (column->summary);
  g_free (column->probability);
  g_free (column->stamp);
  g_clear_object (&column->deals);
  g_free (column);
}

/* id → title of each of @records */
static GHashTable *
names_of (GPtrArray *records)
{
  GHashTable *names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint i = 0; records && i < records->len; i++)
    {
      CrmRecord *record = g_ptr_array_index (records, i);

      g_hash_table_insert (names, g_strdup (crm_record_get_id (record)), crm_record_dup_title (record));
    }
  return names;
}

static Column *
column_of_stage (CrmPipelineView *self,
                 const char      *stage_id)
{
  for (guint i = 0; i < self->columns->len; i++)
    {
      Column *column = g_ptr_array_index (self->columns, i);

      if (g_strcmp0 (column->stage_id, stage_id) == 0)
        return column;
    }
  return NULL;
}

/* The day of the deal's latest activity ("" for none), read when its
 * card is first bound after a load */
static gboolean read_latest_activities (CrmStore            *store,
                                        const char * const  *deal_ids,
                                        GHashTable          *days,
                                        GError             **error);

static const char *
last_activity_of (CrmPipelineView *self,
                  const char      *deal_id)
{
  const char *ids[] = { deal_id, NULL };
  const char *day;

  if (!(day = g_hash_table_lookup (self->last_activity, deal_id)) &&
      !read_latest_activities (crm_context_get_store (self->context), ids, self->last_activity, NULL))
    g_hash_table_insert (self->last_activity, g_strdup (deal_id), g_strdup (""));
  return day ? day : g_hash_table_lookup (self->last_activity, deal_id);
}

static gboolean
is_true (CrmRecord  *record,
         const char *field)
{
  JsonNode *value = crm_record_get_field (record, field);

  return value && JSON_NODE_HOLDS_VALUE (value) &&
         json_node_get_value_type (value) == G_TYPE_BOOLEAN && json_node_get_boolean (value);
}

/* Callbacks ***********************************************************/

static GdkContentProvider *card_drag_prepare_cb (GtkDragSource *source,
                                                 double         x,
                                                 double         y,
                                                 GtkListItem   *item);

static void
card_clicked_cb (GtkButton   *button,
                 GtkListItem *item)
{
  CrmRecord *deal = gtk_list_item_get_item (item);
  CrmPipelineView *self = CRM_PIPELINE_VIEW (gtk_widget_get_ancestor (GTK_WIDGET (button), CRM_TYPE_PIPELINE_VIEW));

  if (deal && self)
    g_signal_emit (self, signals[RECORD_ACTIVATED], 0, "opportunities", crm_record_get_id (deal));
}

static void
card_setup_cb (GtkSignalListItemFactory *factory,
                    GtkListItem              *item,
                    CrmPipelineView          *self)
{
  GtkDragSource *source;
  GtkWidget *button;

  /* A button, so the keyboard and assistive technologies can open it */
  button = gtk_button_new ();
  gtk_button_set_child (GTK_BUTTON (button), crm_deal_card_new ());
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "deal-card-button");
  g_signal_connect (button, "clicked", G_CALLBACK (card_clicked_cb), item);
  gtk_list_item_set_child (item, button);

  /* A card is dragged by its deal's id */
  source = gtk_drag_source_new ();
  gtk_drag_source_set_actions (source, GDK_ACTION_MOVE);
  g_signal_connect (source, "prepare", G_CALLBACK (card_drag_prepare_cb), item);
  gtk_widget_add_controller (button, GTK_EVENT_CONTROLLER (source));
}

static void bind_card (CrmPipelineView *self,
                       GtkWidget       *button,
                       CrmRecord       *deal);

static void
card_bind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   CrmPipelineView          *self)
{
  GtkWidget *button = gtk_list_item_get_child (item);
  CrmRecord *deal = gtk_list_item_get_item (item);

  if (self->context == NULL || deal == NULL)
    return;
  bind_card (self, button, deal);
}

static void
bind_card (CrmPipelineView *self,
           GtkWidget       *button,
           CrmRecord       *deal)
{
  const char *account_id = crm_record_get_string (deal, "account_id");
  const char *close = crm_record_get_string (deal, "expected_close_date");
  const char *account = account_id ? g_hash_table_lookup (self->account_names, account_id) : NULL;
  const char *owner = crm_record_get_owner_id (deal) ? g_hash_table_lookup (self->user_names, crm_record_get_owner_id (deal)) : NULL;
  Column *column = column_of_stage (self, crm_record_get_string (deal, "stage_id"));
  gboolean closed = column && column->closed;
  g_autofree char *name = crm_record_dup_title (deal);
  g_autofree char *amount = crm_format_money (crm_record_get_string (deal, "amount"),
                                              crm_record_get_string (deal, "currency"),
                                              crm_context_get_use_symbols (self->context));
  g_autofree char *date = close ? crm_format_date (close) : NULL;
  g_autofree char *accessible = NULL;
  gboolean overdue = !closed && close && g_strcmp0 (close, self->today) < 0;
  const char *last = closed ? "" : last_activity_of (self, crm_record_get_id (deal));
  gboolean stale = !closed && g_strcmp0 (last, self->stale_before) < 0;
  g_autofree char *flag = NULL;

  if (account == NULL)
    account = crm_context_lookup_title (self->context, "accounts", account_id);
  if (overdue && stale)
    flag = g_strdup_printf ("%s · %s", _("Close date has passed"), _("No recent activity"));
  else if (overdue || stale)
    flag = g_strdup (overdue ? _("Close date has passed") : _("No recent activity"));
  crm_deal_card_set (CRM_DEAL_CARD (gtk_button_get_child (GTK_BUTTON (button))),
                     name, account, amount, date, owner, flag);

  accessible = g_strdup_printf ("%s, %s, %s%s%s", name, account ? account : "", amount ? amount : "",
                                flag ? ", " : "", flag ? flag : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
}

static void
deal_activated_cb (GtkListView     *list,
                   guint            position,
                   CrmPipelineView *self)
{
  g_autoptr(CrmRecord) deal = g_list_model_get_item (G_LIST_MODEL (gtk_list_view_get_model (list)), position);

  if (deal)
    g_signal_emit (self, signals[RECORD_ACTIVATED], 0, "opportunities", crm_record_get_id (deal));
}

/* Filters *************************************************************/

static const char *
selected_owner (CrmPipelineView *self)
{
  guint selected = gtk_drop_down_get_selected (self->owner_filter);

  if (self->owner_choices == NULL || selected >= self->owner_choices->len)
    return "all";
  return g_ptr_array_index (self->owner_choices, selected);
}

/* The owner filter's items: the three groups, then each user by name */
static void
update_owner_choices (CrmPipelineView *self,
                      GPtrArray       *users)
{
  g_autofree char *keep = g_strdup (self->owner_choices ? selected_owner (self) : NULL);
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  guint selected = 2;

  if (keep == NULL)
    {
      g_autoptr(GSettings) settings = g_settings_new (CRM_SCHEMA_ID);

      /* Without a signed-in user there is no "mine" to show */
      keep = self->me ? g_settings_get_string (settings, "default-pipeline-filter") : g_strdup ("all");
    }
  g_clear_pointer (&self->owner_choices, g_ptr_array_unref);
  self->owner_choices = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->owner_choices, g_strdup ("mine"));
  gtk_string_list_append (labels, _("My deals"));
  g_ptr_array_add (self->owner_choices, g_strdup ("team"));
  gtk_string_list_append (labels, _("My team’s deals"));
  g_ptr_array_add (self->owner_choices, g_strdup ("all"));
  gtk_string_list_append (labels, _("Everyone’s deals"));
  for (guint i = 0; users && i < users->len; i++)
    {
      CrmRecord *user = g_ptr_array_index (users, i);
      g_autofree char *name = crm_record_dup_title (user);

      g_ptr_array_add (self->owner_choices, g_strdup (crm_record_get_id (user)));
      gtk_string_list_append (labels, name);
    }
  for (guint i = 0; i < self->owner_choices->len; i++)
    if (g_str_equal (g_ptr_array_index (self->owner_choices, i), keep))
      selected = i;

  self->updating_owners = TRUE;
  gtk_drop_down_set_model (self->owner_filter, G_LIST_MODEL (labels));
  gtk_drop_down_set_selected (self->owner_filter, selected);
  self->updating_owners = FALSE;
}

/* The owners whose deals pass, or %NULL for anyone's */
static GHashTable *
allowed_owners (CrmPipelineView *self,
                GPtrArray       *users)
{
  const char *choice = selected_owner (self);
  const char *me = self->me;
  GHashTable *allowed;
  gboolean grew = TRUE;

  if (g_str_equal (choice, "all"))
    return NULL;
  allowed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (!g_str_equal (choice, "mine") && !g_str_equal (choice, "team"))
    {
      g_hash_table_add (allowed, g_strdup (choice));
      return allowed;
    }
  if (me == NULL)
    return allowed;
  g_hash_table_add (allowed, g_strdup (me));
  /* A team is everyone below, at any depth */
  while (g_str_equal (choice, "team") && grew)
    {
      grew = FALSE;
      for (guint i = 0; users && i < users->len; i++)
        {
          CrmRecord *user = g_ptr_array_index (users, i);
          const char *manager = crm_record_get_string (user, "manager_id");

          if (manager && g_hash_table_contains (allowed, manager) &&
              !g_hash_table_contains (allowed, crm_record_get_id (user)))
            {
              g_hash_table_add (allowed, g_strdup (crm_record_get_id (user)));
              grew = TRUE;
            }
        }
    }
  return allowed;
}

/* The close dates that pass, as [from, to) YYYY-MM-DD; %FALSE for any */
static gboolean
period_range (CrmPipelineView  *self,
              char            **from,
              char            **to)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  int year = g_date_time_get_year (now);
  int month = g_date_time_get_month (now);
  int quarter_start = (month - 1) / 3 * 3 + 1;
  int start_month;
  int months;

  switch (gtk_drop_down_get_selected (self->period_filter))
    {
    case 1: /* passed */
      *from = g_strdup ("0000-01-01");
      *to = g_strdup (self->today);
      return TRUE;
    case 2:
      start_month = month;
      months = 1;
      break;
    case 3:
      start_month = quarter_start;
      months = 3;
      break;
    case 4:
      start_month = quarter_start + 3;
      months = 3;
      break;
    default:
      return FALSE;
    }
  if (start_month > 12)
    {
      start_month -= 12;
      year++;
    }
  *from = g_strdup_printf ("%04d-%02d-01", year, start_month);
  start_month += months;
  if (start_month > 12)
    {
      start_month -= 12;
      year++;
    }
  *to = g_strdup_printf ("%04d-%02d-01", year, start_month);
  return TRUE;
}

static void
filters_changed_cb (CrmPipelineView *self)
{
  if (!self->updating_owners)
    reload (self);
}

/* Moving a deal between stages ****************************************/

typedef struct
{
  CrmPipelineView *self;
  char            *deal_id;
  char            *stage_id;
  char            *old_stage_id;
  char            *old_lost_reason;
  char            *name;
} Move;

static void
move_free (Move *move)
{
  g_object_unref (move->self);
  g_free (move->deal_id);
  g_free (move->stage_id);
  g_free (move->old_stage_id);
  g_free (move->old_lost_reason);
  g_free (move->name);
  g_free (move);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Move, move_free)

static void
add_toast (CrmPipelineView *self,
           AdwToast        *toast)
{
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static gboolean
set_stage (CrmPipelineView  *self,
           const char       *deal_id,
           const char       *stage_id,
           const char       *lost_reason,
           GError          **error)
{
  g_autoptr(JsonObject) changes = json_object_new ();
  g_autoptr(CrmRecord) saved = NULL;

  json_object_set_string_member (changes, "stage_id", stage_id);
  if (lost_reason && *lost_reason)
    json_object_set_string_member (changes, "lost_reason", lost_reason);
  else
    json_object_set_null_member (changes, "lost_reason");
  saved = crm_store_update (crm_context_get_store (self->context), "opportunities", deal_id, changes, error);
  return saved != NULL;
}

static void
undo_move_cb (AdwToast *toast,
              Move     *move)
{
  g_autoptr(GError) error = NULL;

  if (move->self->context == NULL ||
      !set_stage (move->self, move->deal_id, move->old_stage_id, move->old_lost_reason, &error))
    add_toast (move->self, adw_toast_new (error ? error->message : _("The move could not be undone")));
}

/* Applies a move the user confirmed, and offers to undo it */
static void
apply_move (Move       *move,
            const char *lost_reason)
{
  CrmPipelineView *self = move->self;
  Column *column = column_of_stage (self, move->stage_id);
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  AdwToast *toast;

  if (self->context == NULL || column == NULL)
    return;
  if (!set_stage (self, move->deal_id, move->stage_id, lost_reason, &error))
    {
      add_toast (self, adw_toast_new (error->message));
      return;
    }
  title = g_strdup_printf (_("“%s” moved to %s"), move->name, column->title);
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  g_signal_connect_data (toast, "button-clicked", G_CALLBACK (undo_move_cb), move,
                         (GClosureNotify) (void (*) (void)) move_free, 0);
  add_toast (self, toast);
}

static void
lost_reason_response_cb (AdwMessageDialog *dialog,
                         const char       *response,
                         Move             *move)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "entry");

  if (g_str_equal (response, "lost"))
    {
      g_autofree char *reason = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

      apply_move (move, reason);
    }
  else
    move_free (move);
}

static void
lost_reason_changed_cb (GtkEditable      *entry,
                        AdwMessageDialog *dialog)
{
  g_autofree char *reason = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  adw_message_dialog_set_response_enabled (dialog, "lost", *reason != '\0');
}

/* Dropping on a lost stage asks why first */
static void
ask_lost_reason (Move *move)
{
  GtkWidget *dialog;
  GtkWidget *entry = gtk_entry_new ();
  g_autofree char *body = g_strdup_printf (_("Why was “%s” lost? The reason is kept with the deal "
                                             "and shows in the lost-deal reports."), move->name);

  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (move->self))),
                                   _("Mark Deal as Lost"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "lost", _("_Mark as Lost"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "lost", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "lost", FALSE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "lost");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("Lost reason, e.g. Went with a competitor"));
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Lost reason"), -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  g_object_set_data (G_OBJECT (dialog), "entry", entry);
  g_signal_connect (entry, "changed", G_CALLBACK (lost_reason_changed_cb), dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (lost_reason_response_cb), move);
  gtk_window_present (GTK_WINDOW (dialog));
}

static GdkContentProvider *
card_drag_prepare_cb (GtkDragSource *source,
                      double         x,
                      double         y,
                      GtkListItem   *item)
{
  CrmRecord *deal = gtk_list_item_get_item (item);

  if (deal == NULL)
    return NULL;
  return gdk_content_provider_new_typed (G_TYPE_STRING, crm_record_get_id (deal));
}

static gboolean
column_drop_cb (GtkDropTarget *target,
                const GValue  *value,
                double         x,
                double         y,
                CrmPipelineView *self)
{
  const char *stage_id = g_object_get_data (G_OBJECT (target), "stage-id");
  const char *deal_id = g_value_get_string (value);

  if (deal_id == NULL || stage_id == NULL)
    return FALSE;
  return crm_pipeline_view_move_deal (self, deal_id, stage_id, NULL);
}

/* Building ************************************************************/

static Column *
add_column (CrmPipelineView *self,
            CrmRecord       *stage)
{
  Column *column = g_new0 (Column, 1);
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *list;
  GtkDropTarget *drop;
  g_autofree char *list_name = NULL;

  column->stage_id = g_strdup (crm_record_get_id (stage));
  column->title = crm_record_dup_title (stage);
  column->deals = crm_record_list_new ();

  column->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_size_request (column->box, COLUMN_WIDTH, -1);
  gtk_widget_add_css_class (column->box, "pipeline-column");

  column->title_label = GTK_LABEL (gtk_label_new (column->title));
  gtk_label_set_xalign (column->title_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (column->title_label), "heading");
  column->summary_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (column->summary_label, 0);
  gtk_label_set_wrap (column->summary_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (column->summary_label), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (column->summary_label), "dim-label");
  gtk_widget_set_margin_start (header, 6);
  gtk_widget_set_margin_end (header, 6);
  gtk_widget_set_margin_top (header, 4);
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (column->title_label));
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (column->summary_label));

  g_signal_connect (factory, "setup", G_CALLBACK (card_setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (card_bind_cb), self);
  list = gtk_list_view_new (GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (G_LIST_MODEL (column->deals)))),
                            factory);
  gtk_list_view_set_single_click_activate (GTK_LIST_VIEW (list), TRUE);
  list_name = g_strdup_printf (_("%s deals"), column->title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL, list_name, -1);
  g_signal_connect (list, "activate", G_CALLBACK (deal_activated_cb), self);

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), list);
  gtk_widget_set_vexpand (scroller, TRUE);

  drop = gtk_drop_target_new (G_TYPE_STRING, GDK_ACTION_MOVE);
  g_object_set_data_full (G_OBJECT (drop), "stage-id", g_strdup (column->stage_id), g_free);
  g_signal_connect (drop, "drop", G_CALLBACK (column_drop_cb), self);
  gtk_widget_add_controller (column->box, GTK_EVENT_CONTROLLER (drop));

  gtk_box_append (GTK_BOX (column->box), header);
  gtk_box_append (GTK_BOX (column->box), scroller);
  gtk_box_append (self->board, column->box);
  g_ptr_array_add (self->columns, column);
  return column;
}

static gboolean
same_stages (CrmPipelineView *self,
             GPtrArray       *stages)
{
  if (stages->len != self->columns->len)
    return FALSE;
  for (guint i = 0; i < stages->len; i++)
    {
      Column *column = g_ptr_array_index (self->columns, i);
      g_autofree char *title = crm_record_dup_title (g_ptr_array_index (stages, i));

      if (g_strcmp0 (column->stage_id, crm_record_get_id (g_ptr_array_index (stages, i))) != 0 ||
          g_strcmp0 (column->title, title) != 0)
        return FALSE;
    }
  return TRUE;
}

static void
update_summary (CrmPipelineView *self,
                Column          *column,
                const char      *base)
{
  gboolean symbols = crm_context_get_use_symbols (self->context);
  g_autofree char *count_text = g_strdup_printf (ngettext ("%u deal", "%u deals", column->count), column->count);
  g_autofree char *total_text = NULL;
  g_autofree char *weighted_text = NULL;

  g_free (column->summary);
  if (!column->has_amounts)
    column->summary = g_strdup (count_text);
  else
    {
      total_text = crm_format_minor (column->total, base, symbols);
      weighted_text = crm_format_minor (column->weighted, base, symbols);
      if (column->closed)
        column->summary = g_strdup_printf ("%s · %s", count_text, total_text);
      else
        column->summary = g_strdup_printf (_("%s · %s · %s weighted"), count_text, total_text, weighted_text);
    }
  if (column->has_amounts && column->unconverted)
    {
      g_autofree char *summary = g_steal_pointer (&column->summary);

      column->summary = g_strdup_printf (ngettext ("%s (%u deal without an exchange rate left out)",
                                                   "%s (%u deals without an exchange rate left out)",
                                                   column->unconverted), summary, column->unconverted);
    }
  gtk_label_set_text (column->summary_label, column->summary);
}

/* Loading *************************************************************/

/* What a load asks of the worker thread */
typedef struct
{
  guint      generation;
  char      *path;
  CrmStore  *reader;         /* opened by the thread when NULL; goes back to the view */
  CrmQuery  *filters;
  GPtrArray *stage_ids;      /* char * */
  GPtrArray *probabilities;  /* char *: each stage's default */
  GPtrArray *shown_stamps;   /* char *, NULL where a column shows nothing yet */
  CrmRates  *rates;
  gboolean   want_list;
  char      *list_order;
  gboolean   list_descending;
} Load;

/* The columns that changed, handed over as soon as they are read */
typedef struct
{
  CrmPipelineView *self;
  guint      generation;
  GPtrArray *queries;  /* CrmQuery per stage */
  GPtrArray *stamps;   /* char * per stage */
  GArray    *counts;   /* guint per stage */
  GPtrArray *pages;    /* GPtrArray of CrmRecord per stage, NULL where unchanged */
  GHashTable *last_activity;  /* for the deals of those pages, as CrmPipelineView's */
  GHashTable *account_names;
} Pages;

/* The sums, and in list mode every deal the filters leave */
typedef struct
{
  char      *base;
  GArray    *totals;       /* gint64 per stage */
  GArray    *weighted;     /* gint64 per stage */
  GArray    *unconverted;  /* guint per stage */
  GHashTable *stage_index; /* stage id → index + 1 */
  CrmRates  *rates;
  GPtrArray *probabilities;
  GPtrArray *list_ids;    /* char *: in list mode, every deal the filters leave, in order */
  GPtrArray *list_first;  /* CrmRecord: the first page of them */
} Sums;

static void
page_unref (gpointer page)
{
  if (page)
    g_ptr_array_unref (page);
}

static void
load_free (Load *load)
{
  g_free (load->path);
  g_clear_object (&load->reader);
  g_clear_pointer (&load->filters, crm_query_unref);
  g_ptr_array_unref (load->stage_ids);
  g_ptr_array_unref (load->probabilities);
  g_ptr_array_unref (load->shown_stamps);
  crm_rates_free (load->rates);
  g_free (load->list_order);
  g_free (load);
}

static void
pages_free (Pages *pages)
{
  g_object_unref (pages->self);
  g_ptr_array_unref (pages->queries);
  g_ptr_array_unref (pages->stamps);
  g_array_unref (pages->counts);
  g_ptr_array_unref (pages->pages);
  g_hash_table_unref (pages->last_activity);
  g_hash_table_unref (pages->account_names);
  g_free (pages);
}

static void
sums_free (Sums *sums)
{
  g_free (sums->base);
  g_array_unref (sums->totals);
  g_array_unref (sums->weighted);
  g_array_unref (sums->unconverted);
  g_hash_table_unref (sums->stage_index);
  g_clear_pointer (&sums->list_ids, g_ptr_array_unref);
  g_clear_pointer (&sums->list_first, g_ptr_array_unref);
  g_free (sums);
}

static gboolean
move_entry_cb (gpointer key,
               gpointer value,
               gpointer table)
{
  g_hash_table_insert (table, key, value);
  return TRUE;
}

/* Main loop: the columns whose deals changed show them */
static gboolean
install_pages_cb (gpointer data)
{
  Pages *pages = data;
  CrmPipelineView *self = pages->self;
  CrmStore *store;

  if (self->context == NULL || pages->generation != self->generation ||
      pages->queries->len != self->columns->len)
    return G_SOURCE_REMOVE;
  store = crm_context_get_store (self->context);
  /* Cards bound from now on read their flags and names afresh; those
   * of the first pages came with them */
  g_hash_table_remove_all (self->last_activity);
  g_hash_table_remove_all (self->account_names);
  g_hash_table_foreach_steal (pages->last_activity, move_entry_cb, self->last_activity);
  g_hash_table_foreach_steal (pages->account_names, move_entry_cb, self->account_names);
  for (guint i = 0; i < self->columns->len; i++)
    {
      Column *column = g_ptr_array_index (self->columns, i);
      GPtrArray *page = g_ptr_array_index (pages->pages, i);

      if (page == NULL)
        continue;
      g_free (column->stamp);
      column->stamp = g_strdup (g_ptr_array_index (pages->stamps, i));
      column->count = g_array_index (pages->counts, guint, i);
      crm_record_list_set_results (column->deals, store, g_ptr_array_index (pages->queries, i),
                                   column->count, page);
      /* Its sums follow from the same load; until then the last ones
       * stay (a count alone the first time), rather than flicker */
      column->has_amounts = FALSE;
      if (column->summary == NULL)
        update_summary (self, column, NULL);
    }
  if (!gtk_toggle_button_get_active (self->list_toggle))
    gtk_stack_set_visible_child_name (self->stack, "board");
  return G_SOURCE_REMOVE;
}

/* Worker: a deal's amount, converted and weighted, into its column's sums */
static void
sum_deal_cb (const char * const *values,
             gpointer            data)
{
  Sums *sums = data;
  guint index = GPOINTER_TO_UINT (g_hash_table_lookup (sums->stage_index, values[0]));
  const char *probability = values[3];
  gint64 minor, percent = 0;
  CrmMoney money, part;

  if (index-- == 0)
    return;
  if (!crm_rates_convert (sums->rates, values[1], values[2], sums->base, &minor))
    {
      g_array_index (sums->unconverted, guint, index)++;
      return;
    }
  g_array_index (sums->totals, gint64, index) += minor;
  if (probability == NULL)
    probability = g_ptr_array_index (sums->probabilities, index);
  if (probability == NULL || !crm_decimal_parse (probability, 2, &percent, NULL))
    percent = 0;
  crm_money_init (&money, minor, sums->base);
  if (crm_money_multiply (&money, percent, 4, CRM_ROUND_HALF_EVEN, &part, NULL))
    g_array_index (sums->weighted, gint64, index) += part.minor;
}

/* Keeps in @days the latest day of a deal's activities */
static void
latest_day_cb (const char * const *values,
               gpointer            days)
{
  const char *value = values[1] ? values[1] : values[2];
  const char *old;

  if (values[0] == NULL || value == NULL)
    return;
  old = g_hash_table_lookup (days, values[0]);
  if (old == NULL || strncmp (value, old, 10) > 0)
    g_hash_table_insert (days, g_strdup (values[0]), g_strndup (value, 10));
}

/* The day of the latest activity (its due date, else its last change) of
 * each of @deal_ids into @days, "" for a deal without any: what the stale
 * flag compares */
static gboolean
read_latest_activities (CrmStore            *store,
                        const char * const  *deal_ids,
                        GHashTable          *days,
                        GError             **error)
{
  static const char * const fields[] = { "opportunity_id", "due_at", "updated_at", NULL };
  g_autoptr(CrmQuery) query = crm_query_new ("activities");

  for (guint i = 0; deal_ids[i]; i++)
    g_hash_table_insert (days, g_strdup (deal_ids[i]), g_strdup (""));
  crm_query_add_one_of (query, "opportunity_id", deal_ids);
  return crm_store_query_foreach (store, query, fields, latest_day_cb, days, error);
}

/* Worker: the accounts' names and the latest activities of the deals in
 * the pages read, in two queries rather than two per card */
static void
read_card_details (CrmStore *reader,
                   Pages    *pages)
{
  g_autoptr(GPtrArray) deal_ids = g_ptr_array_new ();
  g_autoptr(GPtrArray) account_ids = g_ptr_array_new ();
  g_autoptr(GHashTable) names = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < pages->pages->len; i++)
    {
      GPtrArray *page = g_ptr_array_index (pages->pages, i);

      for (guint j = 0; page && j < page->len; j++)
        {
          CrmRecord *deal = g_ptr_array_index (page, j);
          const char *account = crm_record_get_string (deal, "account_id");

          g_ptr_array_add (deal_ids, (gpointer) crm_record_get_id (deal));
          if (account)
            g_ptr_array_add (account_ids, (gpointer) account);
        }
    }
  if (deal_ids->len == 0)
    return;
  g_ptr_array_add (deal_ids, NULL);
  if (!read_latest_activities (reader, (const char * const *) deal_ids->pdata, pages->last_activity, &error) ||
      !(names = crm_store_dup_titles (reader, "accounts", (const char * const *) account_ids->pdata,
                                      account_ids->len, &error)))
    {
      /* The cards read them one by one instead */
      g_warning ("Reading the pipeline's cards: %s", error->message);
      g_hash_table_remove_all (pages->last_activity);
      return;
    }
  g_hash_table_unref (pages->account_names);
  pages->account_names = g_steal_pointer (&names);
}

static void
add_id_cb (const char * const *values,
           gpointer            ids)
{
  g_ptr_array_add (ids, g_strdup (values[0]));
}

/* Worker: the list's deals in its order, as ids, and its first page */
static gboolean
read_list (Load     *load,
           Sums     *sums,
           GError  **error)
{
  static const char * const id_field[] = { "id", NULL };
  g_autoptr(CrmQuery) query = crm_query_copy (load->filters);

  crm_query_set_order (query, load->list_order, load->list_descending);
  sums->list_ids = g_ptr_array_new_with_free_func (g_free);
  if (!crm_store_query_foreach (load->reader, query, id_field, add_id_cb, sums->list_ids, error))
    return FALSE;
  sums->list_first = crm_store_get_many (load->reader, "opportunities", (const char * const *) sums->list_ids->pdata,
                                         MIN (sums->list_ids->len, crm_record_list_get_page_size ()), error);
  return sums->list_first != NULL;
}

static void
load_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  static const char * const sum_fields[] = { "stage_id", "amount", "currency", "probability", NULL };
  Load *load = task_data;
  guint n = load->stage_ids->len;
  g_autoptr(GError) error = NULL;
  Pages *pages;
  Sums *sums;

  if (load->reader == NULL && !(load->reader = crm_store_open_reader (load->path, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* One snapshot: the columns, their sums and the list agree */
  if (!crm_store_begin_read (load->reader, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  pages = g_new0 (Pages, 1);
  pages->self = g_object_ref (source);
  pages->generation = load->generation;
  pages->queries = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_query_unref);
  pages->stamps = g_ptr_array_new_with_free_func (g_free);
  pages->counts = g_array_sized_new (FALSE, TRUE, sizeof (guint), n);
  pages->pages = g_ptr_array_new_with_free_func (page_unref);
  pages->last_activity = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  pages->account_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_array_set_size (pages->counts, n);
  for (guint i = 0; i < n; i++)
    {
      CrmQuery *query = crm_query_copy (load->filters);
      char *stamp;
      gint64 count = 0;
      GPtrArray *page = NULL;

      crm_query_add_equal (query, "stage_id", g_ptr_array_index (load->stage_ids, i));
      stamp = crm_store_query_dup_stamp (load->reader, query, &count, &error);
      if (stamp == NULL)
        {
          g_warning ("Reading the pipeline: %s", error->message);
          g_clear_error (&error);
        }
      else if (g_strcmp0 (stamp, g_ptr_array_index (load->shown_stamps, i)) != 0 &&
               !(page = crm_store_query (load->reader, query, crm_record_list_get_page_size (), 0, &error)))
        {
          g_warning ("Reading the pipeline: %s", error->message);
          g_clear_error (&error);
        }
      g_ptr_array_add (pages->queries, query);
      g_ptr_array_add (pages->stamps, stamp);
      g_array_index (pages->counts, guint, i) = (guint) CLAMP (count, 0, G_MAXUINT);
      g_ptr_array_add (pages->pages, page);
    }
  read_card_details (load->reader, pages);
  g_main_context_invoke_full (g_task_get_context (task), G_PRIORITY_DEFAULT,
                              install_pages_cb, pages, (GDestroyNotify) pages_free);

  sums = g_new0 (Sums, 1);
  sums->base = g_strdup (crm_rates_get_base (load->rates));
  sums->rates = load->rates;
  sums->probabilities = load->probabilities;
  sums->totals = g_array_sized_new (FALSE, TRUE, sizeof (gint64), n);
  sums->weighted = g_array_sized_new (FALSE, TRUE, sizeof (gint64), n);
  sums->unconverted = g_array_sized_new (FALSE, TRUE, sizeof (guint), n);
  g_array_set_size (sums->totals, n);
  g_array_set_size (sums->weighted, n);
  g_array_set_size (sums->unconverted, n);
  sums->stage_index = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < n; i++)
    g_hash_table_insert (sums->stage_index, g_ptr_array_index (load->stage_ids, i), GUINT_TO_POINTER (i + 1));
  if (!crm_store_query_foreach (load->reader, load->filters, sum_fields, sum_deal_cb, sums, &error) ||
      (load->want_list && !read_list (load, sums, &error)))
    {
      crm_store_end_read (load->reader);
      sums_free (sums);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  crm_store_end_read (load->reader);
  g_task_return_pointer (task, sums, (GDestroyNotify) sums_free);
}

static void
load_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  CrmPipelineView *self = CRM_PIPELINE_VIEW (object);
  Load *load = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  Sums *sums = g_task_propagate_pointer (G_TASK (result), &error);
  gboolean current = self->context != NULL && load->generation == self->generation;

  self->loading = FALSE;
  /* The connection serves the next load of the same profile */
  if (current && self->reader == NULL)
    self->reader = g_steal_pointer (&load->reader);

  if (sums == NULL)
    g_warning ("Reading the pipeline: %s", error->message);
  else if (current && self->columns->len == load->stage_ids->len)
    {
      for (guint i = 0; i < self->columns->len; i++)
        {
          Column *column = g_ptr_array_index (self->columns, i);

          column->has_amounts = TRUE;
          column->total = g_array_index (sums->totals, gint64, i);
          column->weighted = g_array_index (sums->weighted, gint64, i);
          column->unconverted = g_array_index (sums->unconverted, guint, i);
          update_summary (self, column, sums->base);
        }
      /* The list is only kept up to date while it shows; showing it reloads */
      if (sums->list_ids)
        {
          crm_record_list_set_ids (self->list_deals, crm_context_get_store (self->context), "opportunities",
                                   sums->list_ids, sums->list_first);
          gtk_stack_set_visible_child_name (self->stack, sums->list_ids->len ? "list" : "no-match");
        }
      else
        crm_record_list_set_query (self->list_deals, NULL, NULL, NULL);
    }
  g_clear_pointer (&sums, sums_free);
  crm_release_worker_memory ();

  if (self->load_again)
    {
      self->load_again = FALSE;
      reload (self);
    }
}

/* The filter bar as a query, and a key that changes with it */
static CrmQuery *
build_filters (CrmPipelineView  *self,
               GPtrArray        *users,
               char            **key)
{
  CrmQuery *query = crm_query_new ("opportunities");
  g_autoptr(GHashTable) allowed = allowed_owners (self, users);
  g_auto(GStrv) deleting = crm_context_dup_deleting_ids (self->context, "opportunities");
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  const char *search = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  if (allowed)
    {
      g_autofree const char **owners = (const char **) g_hash_table_get_keys_as_array (allowed, NULL);

      crm_query_add_one_of (query, "owner_id", owners);
      for (guint i = 0; owners[i]; i++)
        g_string_append_printf (text, "%s,", owners[i]);
    }
  else
    g_string_append (text, "*");
  if (period_range (self, &from, &to))
    crm_query_add_range (query, "expected_close_date", from, to);
  /* The words match the deal's name or next step, or its account's name */
  crm_query_set_search (query, search, "account_id");
  crm_query_add_not_ids (query, (const char * const *) deleting);
  g_string_append_printf (text, "|%s|%s|%s|", from ? from : "", to ? to : "", search);
  for (guint i = 0; deleting[i]; i++)
    g_string_append_printf (text, "%s,", deleting[i]);
  *key = g_string_free (g_steal_pointer (&text), FALSE);
  return query;
}

/* Reads the stages, users and filters here, and the deals in a worker */
static void
reload (CrmPipelineView *self)
{
  CrmStore *store;
  g_autoptr(GPtrArray) stages = NULL;
  g_autoptr(GPtrArray) users = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) stale = g_date_time_add_days (now, -STALE_DAYS);
  g_autoptr(GTask) task = NULL;
  g_autofree char *key = NULL;
  Load *load;

  if (self->context == NULL)
    return;
  /* One load at a time, on one connection; the last request wins */
  if (self->loading)
    {
      self->load_again = TRUE;
      return;
    }
  store = crm_context_get_store (self->context);

  g_clear_pointer (&self->user_names, g_hash_table_unref);
  g_clear_pointer (&self->stage_names, g_hash_table_unref);
  users = crm_store_list (store, "users", NULL, 0, 0, NULL);
  stages = crm_store_list (store, "stages", NULL, 0, 0, NULL);
  self->user_names = names_of (users);
  self->stage_names = names_of (stages);
  g_free (self->me);
  self->me = crm_store_dup_setting (store, "current_user_id");
  if (self->owner_choices == NULL || self->owner_choices->len != 3 + (users ? users->len : 0))
    update_owner_choices (self, users);
  g_free (self->today);
  self->today = g_date_time_format (now, "%Y-%m-%d");
  g_free (self->stale_before);
  self->stale_before = g_date_time_format (stale, "%Y-%m-%d");

  if (stages == NULL || stages->len == 0)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  if (!same_stages (self, stages))
    {
      GtkWidget *child;

      while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->board))))
        gtk_box_remove (self->board, child);
      g_ptr_array_set_size (self->columns, 0);
      for (guint i = 0; i < stages->len; i++)
        add_column (self, g_ptr_array_index (stages, i));
    }

  g_clear_pointer (&self->filters, crm_query_unref);
  self->filters = build_filters (self, users, &key);
  /* Other filters: every column is read again */
  if (g_strcmp0 (key, g_object_get_data (G_OBJECT (self), "crm-filter-key")) != 0)
    {
      for (guint i = 0; i < self->columns->len; i++)
        g_clear_pointer (&((Column *) g_ptr_array_index (self->columns, i))->stamp, g_free);
      g_object_set_data_full (G_OBJECT (self), "crm-filter-key", g_steal_pointer (&key), g_free);
    }

  load = g_new0 (Load, 1);
  load->generation = ++self->generation;
  load->path = g_strdup (crm_store_get_path (store));
  load->reader = g_steal_pointer (&self->reader);
  load->filters = crm_query_ref (self->filters);
  load->stage_ids = g_ptr_array_new_with_free_func (g_free);
  load->probabilities = g_ptr_array_new_with_free_func (g_free);
  load->shown_stamps = g_ptr_array_new_with_free_func (g_free);
  load->rates = crm_rates_new (store);
  load->want_list = gtk_toggle_button_get_active (self->list_toggle);
  load->list_order = g_strdup (self->list_order);
  load->list_descending = self->list_descending;
  for (guint i = 0; i < stages->len; i++)
    {
      CrmRecord *stage = g_ptr_array_index (stages, i);
      Column *column = g_ptr_array_index (self->columns, i);

      column->lost = is_true (stage, "is_lost");
      column->closed = is_true (stage, "is_won") || column->lost;
      g_free (column->probability);
      column->probability = g_strdup (crm_record_get_string (stage, "probability"));
      g_ptr_array_add (load->stage_ids, g_strdup (column->stage_id));
      g_ptr_array_add (load->probabilities, g_strdup (column->probability));
      g_ptr_array_add (load->shown_stamps, g_strdup (column->stamp));
    }

  self->loading = TRUE;
  task = g_task_new (self, NULL, load_done_cb, NULL);
  g_task_set_source_tag (task, reload);
  g_task_set_task_data (task, load, (GDestroyNotify) load_free);
  g_task_run_in_thread (task, load_thread);
}

/* The list ************************************************************/

enum {
  LIST_NAME,
  LIST_ACCOUNT,
  LIST_STAGE,
  LIST_AMOUNT,
  LIST_CLOSE,
  LIST_OWNER,
  N_LIST_COLUMNS
};

static char *
list_text (CrmPipelineView *self,
           CrmRecord       *deal,
           guint            column)
{
  const char *id;

  switch (column)
    {
    case LIST_NAME:
      return crm_record_dup_title (deal);
    case LIST_ACCOUNT:
      id = crm_record_get_string (deal, "account_id");
      return g_strdup (self->context ? crm_context_lookup_title (self->context, "accounts", id) : NULL);
    case LIST_STAGE:
      id = crm_record_get_string (deal, "stage_id");
      return g_strdup (id && self->stage_names ? g_hash_table_lookup (self->stage_names, id) : NULL);
    case LIST_AMOUNT:
      return crm_format_money (crm_record_get_string (deal, "amount"), crm_record_get_string (deal, "currency"),
                               self->context && crm_context_get_use_symbols (self->context));
    case LIST_CLOSE:
      id = crm_record_get_string (deal, "expected_close_date");
      return id ? crm_format_date (id) : NULL;
    case LIST_OWNER:
      id = crm_record_get_owner_id (deal);
      return g_strdup (id ? g_hash_table_lookup (self->user_names, id) : NULL);
    default:
      return NULL;
    }
}

static void
list_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);
  guint column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (factory), "column"));

  gtk_label_set_xalign (GTK_LABEL (label), column == LIST_AMOUNT ? 1 : 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (column == LIST_AMOUNT)
    gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (item, label);
}

static void
list_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              CrmPipelineView          *self)
{
  guint column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (factory), "column"));
  g_autofree char *text = list_text (self, gtk_list_item_get_item (item), column);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), text ? text : "");
}

/* The list's columns sort in the database. GTK 4.8 cannot say which
 * column the user sorted by, so each column's sorter answers "larger"
 * and says who it is when the view's sorter is asked to compare two
 * placeholders: the first column asked is the primary one, and an
 * inverted answer means descending. */
static int
list_probe_compare (gconstpointer a,
                    gconstpointer b,
                    gpointer      user_data)
{
  GtkSorter *sorter = user_data;
  guint *asked = g_object_get_data (G_OBJECT (sorter), "asked");

  if (asked && *asked == G_MAXUINT)
    *asked = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (sorter), "column"));
  return GTK_ORDERING_LARGER;
}

static void
list_sort_changed_cb (GtkSorter       *view_sorter,
                      GtkSorterChange  change,
                      CrmPipelineView *self)
{
  static const char * const fields[N_LIST_COLUMNS] = {
    "name", "account_id", "stage_id", "amount", "expected_close_date", "owner_id",
  };
  g_autoptr(GObject) first = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(GObject) second = g_object_new (G_TYPE_OBJECT, NULL);
  GListModel *columns = gtk_column_view_get_columns (self->list_view);
  guint asked = G_MAXUINT;
  GtkOrdering ordering;

  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);

      g_object_set_data (G_OBJECT (gtk_column_view_column_get_sorter (column)), "asked", &asked);
    }
  ordering = gtk_sorter_compare (view_sorter, first, second);
  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);

      g_object_set_data (G_OBJECT (gtk_column_view_column_get_sorter (column)), "asked", NULL);
    }

  g_free (self->list_order);
  self->list_order = asked < N_LIST_COLUMNS ? g_strdup (fields[asked]) : NULL;
  self->list_descending = ordering == GTK_ORDERING_SMALLER;
  if (gtk_toggle_button_get_active (self->list_toggle))
    reload (self);
}

static void
list_activated_cb (GtkColumnView   *view,
                   guint            position,
                   CrmPipelineView *self)
{
  g_autoptr(CrmRecord) deal = g_list_model_get_item (G_LIST_MODEL (gtk_column_view_get_model (view)), position);

  if (deal)
    g_signal_emit (self, signals[RECORD_ACTIVATED], 0, "opportunities", crm_record_get_id (deal));
}

static void
build_list (CrmPipelineView *self)
{
  static const char * const titles[N_LIST_COLUMNS] = {
    N_("Deal"), N_("Account"), N_("Stage"), N_("Amount"), N_("Close Date"), N_("Owner"),
  };

  for (guint i = 0; i < N_LIST_COLUMNS; i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      GtkCustomSorter *sorter;
      GtkColumnViewColumn *column;

      g_object_set_data (G_OBJECT (factory), "column", GUINT_TO_POINTER (i));
      g_signal_connect (factory, "setup", G_CALLBACK (list_setup_cb), self);
      g_signal_connect (factory, "bind", G_CALLBACK (list_bind_cb), self);
      sorter = gtk_custom_sorter_new (NULL, NULL, NULL);
      g_object_set_data (G_OBJECT (sorter), "column", GUINT_TO_POINTER (i));
      gtk_custom_sorter_set_sort_func (sorter, list_probe_compare, sorter, NULL);
      column = gtk_column_view_column_new (_(titles[i]), factory);
      gtk_column_view_column_set_sorter (column, GTK_SORTER (sorter));
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_column_set_expand (column, i == LIST_NAME || i == LIST_ACCOUNT);
      gtk_column_view_append_column (self->list_view, column);
      g_object_unref (sorter);
      g_object_unref (column);
    }
  /* Sorted by the worker, not by a sort model that would read every deal */
  gtk_column_view_set_model (self->list_view,
                             GTK_SELECTION_MODEL (gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->list_deals)))));
  g_signal_connect (gtk_column_view_get_sorter (self->list_view), "changed", G_CALLBACK (list_sort_changed_cb), self);
  g_signal_connect (self->list_view, "activate", G_CALLBACK (list_activated_cb), self);
}

/* GObject *************************************************************/

static void
crm_pipeline_view_dispose (GObject *object)
{
  GtkWidget *child;
  CrmPipelineView *self = CRM_PIPELINE_VIEW (object);

  crm_pipeline_view_set_context (self, NULL);
  /* Removing the list's columns changes its sorter */
  if (self->list_view)
    g_signal_handlers_disconnect_by_data (gtk_column_view_get_sorter (self->list_view), self);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_PIPELINE_VIEW);
  /* The template's top widget is not bound, so not unparented above */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  g_clear_pointer (&self->columns, g_ptr_array_unref);
  g_clear_pointer (&self->user_names, g_hash_table_unref);
  g_clear_object (&self->reader);
  g_clear_pointer (&self->filters, crm_query_unref);
  g_clear_pointer (&self->today, g_free);
  g_clear_pointer (&self->stale_before, g_free);
  g_clear_pointer (&self->me, g_free);
  g_clear_pointer (&self->stage_names, g_hash_table_unref);
  g_clear_pointer (&self->last_activity, g_hash_table_unref);
  g_clear_pointer (&self->account_names, g_hash_table_unref);
  g_clear_pointer (&self->owner_choices, g_ptr_array_unref);
  g_clear_object (&self->list_deals);
  g_clear_pointer (&self->list_order, g_free);

  G_OBJECT_CLASS (crm_pipeline_view_parent_class)->dispose (object);
}

static void
crm_pipeline_view_class_init (CrmPipelineViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_pipeline_view_dispose;

  /**
   * CrmPipelineView::record-activated:
   *
   * A deal was clicked.
   */
  signals[RECORD_ACTIVATED] = g_signal_new ("record-activated",
                                            G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/Crm/crm-pipeline-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmPipelineView, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CrmPipelineView, stack);
  gtk_widget_class_bind_template_child (widget_class, CrmPipelineView, board);
  gtk_widget_class_bind_template_child (widget_class, CrmPipelineView, owner_filter);
  gtk_widget_class_bind_template_child (widget_class, CrmPipelineView, period_filter);
  gtk_widget_class_bind_template_child (widget_class, CrmPipelineView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, CrmPipelineView, list_toggle);
  gtk_widget_class_bind_template_child (widget_class, CrmPipelineView, list_view);
}

static void
crm_pipeline_view_init (CrmPipelineView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->columns = g_ptr_array_new_with_free_func ((GDestroyNotify) column_free);
  self->user_names = g_hash_table_new (g_str_hash, g_str_equal);
  self->last_activity = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->account_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->stale_before = g_strdup ("");
  self->list_deals = crm_record_list_new ();
  build_list (self);
  g_signal_connect_swapped (self->owner_filter, "notify::selected", G_CALLBACK (filters_changed_cb), self);
  g_signal_connect_swapped (self->period_filter, "notify::selected", G_CALLBACK (filters_changed_cb), self);
  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (filters_changed_cb), self);
  g_signal_connect_swapped (self->list_toggle, "notify::active", G_CALLBACK (filters_changed_cb), self);
}

/* A sync or an edit changed records: reload now if shown, else when shown */
static void
records_changed_cb (CrmPipelineView *self)
{
  crm_reload_when_shown (GTK_WIDGET (self), (void (*) (gpointer)) reload);
}

/* Public API **********************************************************/

void
crm_pipeline_view_set_context (CrmPipelineView *self,
                               CrmContext      *context)
{
  g_return_if_fail (CRM_IS_PIPELINE_VIEW (self));

  /* The same profile again: read it again, as a change would */
  if (context && context == self->context)
    {
      reload (self);
      return;
    }
  if (self->context)
    g_signal_handlers_disconnect_by_data (self->context, self);
  g_set_object (&self->context, context);
  /* What a load under way brings is for the old profile */
  self->generation++;
  self->load_again = FALSE;
  g_clear_object (&self->reader);
  /* Nothing of the old profile stays on the board */
  for (guint i = 0; self->columns && i < self->columns->len; i++)
    {
      Column *column = g_ptr_array_index (self->columns, i);

      g_clear_pointer (&column->stamp, g_free);
      g_clear_pointer (&column->summary, g_free);
      column->has_amounts = FALSE;
      gtk_label_set_text (column->summary_label, "");
      crm_record_list_set_query (column->deals, NULL, NULL, NULL);
    }
  if (self->list_deals)
    crm_record_list_set_query (self->list_deals, NULL, NULL, NULL);
  if (context)
    {
      g_signal_connect_swapped (context, "records-changed", G_CALLBACK (records_changed_cb), self);
      reload (self);
    }
}

guint
crm_pipeline_view_get_n_columns (CrmPipelineView *self)
{
  g_return_val_if_fail (CRM_IS_PIPELINE_VIEW (self), 0);
  return self->columns->len;
}

const char *
crm_pipeline_view_get_column_title (CrmPipelineView *self,
                                    guint            column)
{
  g_return_val_if_fail (CRM_IS_PIPELINE_VIEW (self), NULL);
  g_return_val_if_fail (column < self->columns->len, NULL);
  return ((Column *) g_ptr_array_index (self->columns, column))->title;
}

GListModel *
crm_pipeline_view_get_column_model (CrmPipelineView *self,
                                    guint            column)
{
  g_return_val_if_fail (CRM_IS_PIPELINE_VIEW (self), NULL);
  g_return_val_if_fail (column < self->columns->len, NULL);
  return G_LIST_MODEL (((Column *) g_ptr_array_index (self->columns, column))->deals);
}

const char *
crm_pipeline_view_get_column_summary (CrmPipelineView *self,
                                      guint            column)
{
  g_return_val_if_fail (CRM_IS_PIPELINE_VIEW (self), NULL);
  g_return_val_if_fail (column < self->columns->len, NULL);
  return ((Column *) g_ptr_array_index (self->columns, column))->summary;
}

/**
 * crm_pipeline_view_get_column_amounts:
 * @total: (out): the column's deals' amounts, in minor units of the base
 *   currency
 * @weighted: (out): the same, each weighted by its probability
 *
 * Returns: whether the sums are known: a load has summed the deals the
 *   column shows
 */
gboolean
crm_pipeline_view_get_column_amounts (CrmPipelineView *self,
                                      guint            column,
                                      gint64          *total,
                                      gint64          *weighted)
{
  Column *shown;

  g_return_val_if_fail (CRM_IS_PIPELINE_VIEW (self), FALSE);
  g_return_val_if_fail (column < self->columns->len, FALSE);

  shown = g_ptr_array_index (self->columns, column);
  *total = shown->total;
  *weighted = shown->weighted;
  return shown->has_amounts && !self->loading;
}

/**
 * crm_pipeline_view_move_deal:
 * @lost_reason: (nullable): for a lost stage, why; %NULL asks the user
 *
 * Moves a deal to another stage, as dropping its card there does: the
 * stage changes through the store (so offline too), a toast offers to
 * undo it, and a lost stage first asks for the reason.
 *
 * Returns: whether the deal moves (or the user is being asked)
 */
gboolean
crm_pipeline_view_move_deal (CrmPipelineView *self,
                             const char      *deal_id,
                             const char      *stage_id,
                             const char      *lost_reason)
{
  g_autoptr(CrmRecord) deal = NULL;
  g_autoptr(Move) move = NULL;
  Column *column;

  g_return_val_if_fail (CRM_IS_PIPELINE_VIEW (self), FALSE);

  if (self->context == NULL || !(column = column_of_stage (self, stage_id)))
    return FALSE;
  deal = crm_store_get (crm_context_get_store (self->context), "opportunities", deal_id, NULL);
  if (deal == NULL || g_strcmp0 (crm_record_get_string (deal, "stage_id"), stage_id) == 0)
    return FALSE;

  move = g_new0 (Move, 1);
  move->self = g_object_ref (self);
  move->deal_id = g_strdup (deal_id);
  move->stage_id = g_strdup (stage_id);
  move->old_stage_id = g_strdup (crm_record_get_string (deal, "stage_id"));
  move->old_lost_reason = g_strdup (crm_record_get_string (deal, "lost_reason"));
  move->name = crm_record_dup_title (deal);

  if (column->lost && lost_reason == NULL)
    ask_lost_reason (g_steal_pointer (&move));
  else
    apply_move (g_steal_pointer (&move), lost_reason);
  return TRUE;
}

/**
 * crm_pipeline_view_set_filter:
 * @owner: "mine", "team", "all" or a user's id
 * @period: 0 any close date, 1 passed, 2 this month, 3 this quarter,
 *   4 next quarter
 * @text: (nullable): words in the deal's or its account's name
 *
 * Sets the filters as the user would in the bar above the board.
 */
void
crm_pipeline_view_set_filter (CrmPipelineView *self,
                              const char      *owner,
                              guint            period,
                              const char      *text)
{
  g_return_if_fail (CRM_IS_PIPELINE_VIEW (self));

  for (guint i = 0; self->owner_choices && i < self->owner_choices->len; i++)
    if (g_str_equal (g_ptr_array_index (self->owner_choices, i), owner))
      gtk_drop_down_set_selected (self->owner_filter, i);
  gtk_drop_down_set_selected (self->period_filter, period);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text ? text : "");
  reload (self);
}

/* The list mode's deals, in the order shown */
GListModel *
crm_pipeline_view_get_list_model (CrmPipelineView *self,
                                  gboolean         show_list)
{
  g_return_val_if_fail (CRM_IS_PIPELINE_VIEW (self), NULL);

  gtk_toggle_button_set_active (self->list_toggle, show_list);
  return G_LIST_MODEL (gtk_column_view_get_model (self->list_view));
}

