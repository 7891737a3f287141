/* crm-pipeline-view.c: the deals, a column per stage
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-pipeline"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-format.h"
#include "crm-money.h"
#include "crm-pipeline-view.h"
#include "crm-store.h"

#define COLUMN_WIDTH 280
/* An open deal without an activity for this long is flagged */
#define STALE_DAYS 30

typedef struct
{
  char       *stage_id;
  char       *title;
  char       *summary;
  gboolean    closed;
  gboolean    lost;
  GListStore *deals;
  GtkWidget  *box;
  GtkLabel   *title_label;
  GtkLabel   *summary_label;
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

  GListStore *list_deals;     /* CrmRecord: the deals the filters leave, for the list */
  GPtrArray  *owner_choices;  /* what each owner_filter item stands for: "mine", "team", "all" or a user id */
  GHashTable *stage_names;    /* id → name */
  GHashTable *last_activity;  /* deal id → YYYY-MM-DD of its latest activity */
  char       *stale_before;   /* YYYY-MM-DD */
  char       *me;             /* the signed-in user's id; NULL on a local profile */
  gboolean    updating_owners;

  CrmContext *context;
  GPtrArray  *columns;       /* Column */
  GHashTable *account_names; /* id → name */
  GHashTable *user_names;    /* id → name */
  char       *today;         /* YYYY-MM-DD */
};

G_DEFINE_FINAL_TYPE (CrmPipelineView, crm_pipeline_view, GTK_TYPE_WIDGET)

enum {
  RECORD_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void reload (CrmPipelineView *self);

typedef struct
{
  GtkLabel *name;
  GtkLabel *account;
  GtkLabel *amount;
  GtkLabel *date;
  GtkLabel *owner;
  GtkLabel *flag;
} Card;

/* Helpers *************************************************************/

static void
column_free (Column *column)
{
  g_free (column->stage_id);
  g_free (column->title);
  g_free (column->summary);
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

static gint64
probability_of (CrmRecord *deal,
                CrmRecord *stage)
{
  const char *text = crm_record_get_string (deal, "probability");
  gint64 value = 0;

  if (text == NULL)
    text = crm_record_get_string (stage, "probability");
  if (text == NULL || !crm_decimal_parse (text, 2, &value, NULL))
    return 0;
  return value;
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
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  Card *card = g_new0 (Card, 1);
  GtkDragSource *source;
  GtkWidget *button;

  gtk_widget_add_css_class (box, "deal-card");
  card->name = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (card->name, TRUE);
  gtk_label_set_lines (card->name, 2);
  gtk_label_set_ellipsize (card->name, PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (card->name, 0);
  gtk_widget_add_css_class (GTK_WIDGET (card->name), "heading");
  card->account = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (card->account, 0);
  gtk_label_set_ellipsize (card->account, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (card->account), "dim-label");
  card->amount = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (card->amount, 0);
  gtk_widget_set_hexpand (GTK_WIDGET (card->amount), TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (card->amount), "numeric");
  card->date = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (card->date), "caption");
  card->owner = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (card->owner, 0);
  gtk_widget_add_css_class (GTK_WIDGET (card->owner), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (card->owner), "dim-label");
  card->flag = GTK_LABEL (gtk_label_new (_("Close date has passed")));
  gtk_label_set_xalign (card->flag, 0);
  gtk_label_set_wrap (card->flag, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (card->flag), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (card->flag), "warning");

  gtk_box_append (GTK_BOX (line), GTK_WIDGET (card->amount));
  gtk_box_append (GTK_BOX (line), GTK_WIDGET (card->date));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (card->name));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (card->account));
  gtk_box_append (GTK_BOX (box), line);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (card->owner));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (card->flag));
  /* A button, so the keyboard and assistive technologies can open it */
  button = gtk_button_new ();
  gtk_button_set_child (GTK_BUTTON (button), box);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "deal-card-button");
  g_signal_connect (button, "clicked", G_CALLBACK (card_clicked_cb), item);
  g_object_set_data_full (G_OBJECT (button), "card", card, g_free);
  gtk_list_item_set_child (item, button);

  /* A card is dragged by its deal's id */
  source = gtk_drag_source_new ();
  gtk_drag_source_set_actions (source, GDK_ACTION_MOVE);
  g_signal_connect (source, "prepare", G_CALLBACK (card_drag_prepare_cb), item);
  gtk_widget_add_controller (button, GTK_EVENT_CONTROLLER (source));
}

static void
card_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              CrmPipelineView          *self)
{
  GtkWidget *box = gtk_list_item_get_child (item);
  Card *card = g_object_get_data (G_OBJECT (box), "card");
  CrmRecord *deal = gtk_list_item_get_item (item);
  const char *account_id = crm_record_get_string (deal, "account_id");
  const char *close = crm_record_get_string (deal, "expected_close_date");
  const char *account = account_id ? g_hash_table_lookup (self->account_names, account_id) : NULL;
  const char *owner = crm_record_get_owner_id (deal) ? g_hash_table_lookup (self->user_names, crm_record_get_owner_id (deal)) : NULL;
  gboolean closed = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (deal), "crm-closed-stage"));
  g_autofree char *name = crm_record_dup_title (deal);
  g_autofree char *amount = crm_format_money (crm_record_get_string (deal, "amount"),
                                              crm_record_get_string (deal, "currency"),
                                              crm_context_get_use_symbols (self->context));
  g_autofree char *date = close ? crm_format_date (close) : NULL;
  g_autofree char *accessible = NULL;
  gboolean overdue = !closed && close && g_strcmp0 (close, self->today) < 0;
  const char *last = g_hash_table_lookup (self->last_activity, crm_record_get_id (deal));
  gboolean stale = !closed && (last == NULL || g_strcmp0 (last, self->stale_before) < 0);
  g_autofree char *flag = NULL;

  gtk_label_set_text (card->name, name);
  gtk_label_set_text (card->account, account ? account : "");
  gtk_widget_set_visible (GTK_WIDGET (card->account), account != NULL);
  gtk_label_set_text (card->amount, amount ? amount : "");
  gtk_label_set_text (card->date, date ? date : "");
  gtk_label_set_text (card->owner, owner ? owner : "");
  gtk_widget_set_visible (GTK_WIDGET (card->owner), owner != NULL);
  if (overdue && stale)
    flag = g_strdup_printf ("%s · %s", _("Close date has passed"), _("No recent activity"));
  else
    flag = g_strdup (overdue ? _("Close date has passed") : stale ? _("No recent activity") : "");
  gtk_label_set_text (card->flag, flag);
  gtk_widget_set_visible (GTK_WIDGET (card->flag), overdue || stale);

  accessible = g_strdup_printf ("%s, %s, %s", name, account ? account : "", amount ? amount : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
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

static gboolean
text_matches (const char *haystack,
              const char *needle)
{
  g_autofree char *folded = NULL;

  if (haystack == NULL)
    return FALSE;
  folded = g_utf8_casefold (haystack, -1);
  return strstr (folded, needle) != NULL;
}

/* The latest activity of each deal, for the stale flag, worked out by
 * the database rather than by reading every activity */
static void
load_last_activity (CrmPipelineView *self,
                    CrmStore        *store)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) stale = g_date_time_add_days (now, -STALE_DAYS);
  g_autoptr(GHashTable) latest = crm_store_dup_latest (store, "activities", "opportunity_id", "due_at", NULL);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_remove_all (self->last_activity);
  if (latest)
    {
      g_hash_table_iter_init (&iter, latest);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (self->last_activity, g_strdup (key), g_strndup (value, 10));
    }
  g_free (self->stale_before);
  self->stale_before = g_date_time_format (stale, "%Y-%m-%d");
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

static Column *
find_column (CrmPipelineView *self,
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
  Column *column = find_column (self, move->stage_id);
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
  column->deals = g_list_store_new (CRM_TYPE_RECORD);

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

/* Puts @records in @store, unless it holds them already (the same ids
 * at the same versions, in the same order): a list view rebuilds every
 * row on a splice, which a sync that changed nothing here should not cost */
static void
replace_records (GListStore *store,
                 GPtrArray  *records)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));
  gboolean same = n == records->len;

  for (guint i = 0; same && i < n; i++)
    {
      g_autoptr(CrmRecord) shown = g_list_model_get_item (G_LIST_MODEL (store), i);
      CrmRecord *record = g_ptr_array_index (records, i);

      same = g_strcmp0 (crm_record_get_id (shown), crm_record_get_id (record)) == 0 &&
             crm_record_get_version (shown) == crm_record_get_version (record) &&
             g_strcmp0 (crm_record_get_updated_at (shown), crm_record_get_updated_at (record)) == 0;
    }
  /* Emptied, then filled: a GTK 4.8 list view given one change that
   * removes rows and adds others reads every added item */
  if (!same)
    {
      g_list_store_remove_all (store);
      g_list_store_splice (store, 0, 0, records->pdata, records->len);
    }
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
reload (CrmPipelineView *self)
{
  CrmStore *store;
  g_autoptr(GPtrArray) stages = NULL;
  g_autoptr(GPtrArray) deals = NULL;
  g_autoptr(CrmRates) rates = NULL;
  g_autoptr(GHashTable) by_stage = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GPtrArray) users = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GHashTable) allowed = NULL;
  g_autoptr(GPtrArray) shown = g_ptr_array_new ();
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *search = NULL;
  gboolean has_period;
  gboolean symbols;

  if (self->context == NULL)
    return;
  store = crm_context_get_store (self->context);
  symbols = crm_context_get_use_symbols (self->context);

  g_clear_pointer (&self->account_names, g_hash_table_unref);
  g_clear_pointer (&self->user_names, g_hash_table_unref);
  g_clear_pointer (&self->stage_names, g_hash_table_unref);
  accounts = crm_store_list (store, "accounts", NULL, 0, 0, NULL);
  users = crm_store_list (store, "users", NULL, 0, 0, NULL);
  stages = crm_store_list (store, "stages", NULL, 0, 0, NULL);
  self->account_names = names_of (accounts);
  self->user_names = names_of (users);
  self->stage_names = names_of (stages);
  g_free (self->me);
  self->me = crm_store_dup_setting (store, "current_user_id");
  if (self->owner_choices == NULL || self->owner_choices->len != 3 + (users ? users->len : 0))
    update_owner_choices (self, users);
  allowed = allowed_owners (self, users);
  has_period = period_range (self, &from, &to);
  search = g_utf8_casefold (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), -1);
  g_strstrip (search);
  load_last_activity (self, store);
  g_free (self->today);
  self->today = g_date_time_format (now, "%Y-%m-%d");
  rates = crm_rates_new (store);

  deals = crm_store_list (store, "opportunities", NULL, 0, 0, NULL);
  if (stages == NULL || stages->len == 0 || deals == NULL)
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

  by_stage = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; i < stages->len; i++)
    g_hash_table_insert (by_stage, (gpointer) crm_record_get_id (g_ptr_array_index (stages, i)),
                         g_ptr_array_new ());
  for (guint i = 0; i < deals->len; i++)
    {
      CrmRecord *deal = g_ptr_array_index (deals, i);
      GPtrArray *bucket = g_hash_table_lookup (by_stage, crm_record_get_string (deal, "stage_id"));

      const char *close = crm_record_get_string (deal, "expected_close_date");
      const char *owner = crm_record_get_owner_id (deal);
      const char *account_id = crm_record_get_string (deal, "account_id");

      if (crm_context_is_deleting (self->context, "opportunities", crm_record_get_id (deal)))
        continue;
      if (allowed && (owner == NULL || !g_hash_table_contains (allowed, owner)))
        continue;
      if (has_period && (close == NULL || strcmp (close, from) < 0 || strcmp (close, to) >= 0))
        continue;
      if (*search && !text_matches (crm_record_get_string (deal, "name"), search) &&
          !text_matches (account_id ? g_hash_table_lookup (self->account_names, account_id) : NULL, search))
        continue;
      if (bucket)
        g_ptr_array_add (shown, deal);
      if (bucket)
        g_ptr_array_add (bucket, deal);
    }

  for (guint i = 0; i < stages->len; i++)
    {
      CrmRecord *stage = g_ptr_array_index (stages, i);
      Column *column = g_ptr_array_index (self->columns, i);
      GPtrArray *bucket = g_hash_table_lookup (by_stage, crm_record_get_id (stage));
      const char *base = crm_rates_get_base (rates);
      gint64 total = 0, weighted = 0;
      guint unconverted = 0;
      g_autofree char *total_text = NULL;
      g_autofree char *weighted_text = NULL;
      g_autofree char *count_text = NULL;

      column->lost = is_true (stage, "is_lost");
      column->closed = is_true (stage, "is_won") || column->lost;
      for (guint j = 0; j < bucket->len; j++)
        {
          CrmRecord *deal = g_ptr_array_index (bucket, j);
          gint64 minor;
          CrmMoney money, part;

          g_object_set_data (G_OBJECT (deal), "crm-closed-stage", GINT_TO_POINTER (column->closed));
          if (!crm_rates_convert (rates, crm_record_get_string (deal, "amount"),
                                  crm_record_get_string (deal, "currency"), base, &minor))
            {
              unconverted++;
              continue;
            }
          crm_money_init (&money, minor, base);
          total += minor;
          if (crm_money_multiply (&money, probability_of (deal, stage), 4, CRM_ROUND_HALF_EVEN, &part, NULL))
            weighted += part.minor;
        }

      count_text = g_strdup_printf (ngettext ("%u deal", "%u deals", bucket->len), bucket->len);
      total_text = crm_format_minor (total, base, symbols);
      weighted_text = crm_format_minor (weighted, base, symbols);
      g_free (column->summary);
      if (column->closed)
        column->summary = g_strdup_printf ("%s · %s", count_text, total_text);
      else
        column->summary = g_strdup_printf (_("%s · %s · %s weighted"), count_text, total_text, weighted_text);
      if (unconverted)
        {
          g_autofree char *summary = g_steal_pointer (&column->summary);

          column->summary = g_strdup_printf (ngettext ("%s (%u deal without an exchange rate left out)",
                                                       "%s (%u deals without an exchange rate left out)",
                                                       unconverted), summary, unconverted);
        }
      gtk_label_set_text (column->summary_label, column->summary);
      replace_records (column->deals, bucket);
    }
  /* The list is only kept up to date while it shows; showing it reloads */
  if (gtk_toggle_button_get_active (self->list_toggle))
    replace_records (self->list_deals, shown);
  else
    g_list_store_remove_all (self->list_deals);
  if (!gtk_toggle_button_get_active (self->list_toggle))
    gtk_stack_set_visible_child_name (self->stack, "board");
  else
    gtk_stack_set_visible_child_name (self->stack, shown->len ? "list" : "no-match");
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
      return g_strdup (id ? g_hash_table_lookup (self->account_names, id) : NULL);
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

static gint64
amount_value (CrmRecord *deal)
{
  const char *text = crm_record_get_string (deal, "amount");
  gint64 value = 0;

  if (text == NULL || !crm_decimal_parse (text, 4, &value, NULL))
    return G_MININT64;
  return value;
}

static int
list_compare (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  GtkSorter *sorter = user_data;
  CrmPipelineView *self = g_object_get_data (G_OBJECT (sorter), "view");
  guint column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (sorter), "column"));
  g_autofree char *x = NULL;
  g_autofree char *y = NULL;

  if (column == LIST_AMOUNT)
    {
      gint64 p = amount_value ((CrmRecord *) a), q = amount_value ((CrmRecord *) b);

      return (p > q) - (p < q);
    }
  if (column == LIST_CLOSE)
    return g_strcmp0 (crm_record_get_string ((CrmRecord *) a, "expected_close_date"),
                      crm_record_get_string ((CrmRecord *) b, "expected_close_date"));
  x = list_text (self, (CrmRecord *) a, column);
  y = list_text (self, (CrmRecord *) b, column);
  if (x == NULL || y == NULL)
    return (x != NULL) - (y != NULL);
  return g_utf8_collate (x, y);
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
  GtkSortListModel *sorted;

  for (guint i = 0; i < N_LIST_COLUMNS; i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      GtkCustomSorter *sorter;
      GtkColumnViewColumn *column;

      g_object_set_data (G_OBJECT (factory), "column", GUINT_TO_POINTER (i));
      g_signal_connect (factory, "setup", G_CALLBACK (list_setup_cb), self);
      g_signal_connect (factory, "bind", G_CALLBACK (list_bind_cb), self);
      sorter = gtk_custom_sorter_new (NULL, NULL, NULL);
      g_object_set_data (G_OBJECT (sorter), "view", self);
      g_object_set_data (G_OBJECT (sorter), "column", GUINT_TO_POINTER (i));
      gtk_custom_sorter_set_sort_func (sorter, list_compare, sorter, NULL);
      column = gtk_column_view_column_new (_(titles[i]), factory);
      gtk_column_view_column_set_sorter (column, GTK_SORTER (sorter));
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_column_set_expand (column, i == LIST_NAME || i == LIST_ACCOUNT);
      gtk_column_view_append_column (self->list_view, column);
      g_object_unref (sorter);
      g_object_unref (column);
    }
  sorted = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (self->list_deals)),
                                    g_object_ref (gtk_column_view_get_sorter (self->list_view)));
  gtk_column_view_set_model (self->list_view, GTK_SELECTION_MODEL (gtk_single_selection_new (G_LIST_MODEL (sorted))));
  g_signal_connect (self->list_view, "activate", G_CALLBACK (list_activated_cb), self);
}

/* GObject *************************************************************/

static void
crm_pipeline_view_dispose (GObject *object)
{
  GtkWidget *child;
  CrmPipelineView *self = CRM_PIPELINE_VIEW (object);

  crm_pipeline_view_set_context (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_PIPELINE_VIEW);
  /* The template's top widget is not bound, so not unparented above */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  g_clear_pointer (&self->columns, g_ptr_array_unref);
  g_clear_pointer (&self->account_names, g_hash_table_unref);
  g_clear_pointer (&self->user_names, g_hash_table_unref);
  g_clear_pointer (&self->today, g_free);
  g_clear_pointer (&self->stale_before, g_free);
  g_clear_pointer (&self->me, g_free);
  g_clear_pointer (&self->stage_names, g_hash_table_unref);
  g_clear_pointer (&self->last_activity, g_hash_table_unref);
  g_clear_pointer (&self->owner_choices, g_ptr_array_unref);
  g_clear_object (&self->list_deals);

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
  self->account_names = g_hash_table_new (g_str_hash, g_str_equal);
  self->user_names = g_hash_table_new (g_str_hash, g_str_equal);
  self->last_activity = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->stale_before = g_strdup ("");
  self->list_deals = g_list_store_new (CRM_TYPE_RECORD);
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

  if (self->context)
    g_signal_handlers_disconnect_by_data (self->context, self);
  g_set_object (&self->context, context);
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

  if (self->context == NULL || !(column = find_column (self, stage_id)))
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

