/* crm-record-picker.c: a form row that finds a linked record by typing
 *
 * A deal's account, a quote's contact: the records to choose from may be
 * a hundred thousand, too many for a drop-down. The row shows the choice;
 * activating it, or typing on it, opens a popover with a search entry and
 * the first matches, which the store finds as each word's prefix through
 * its full-text index, so only a screenful is ever read. Up and Down move
 * through the matches, Enter or a click picks one, Escape leaves the
 * choice as it was; the clear button sets it to none when that is
 * allowed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-record-picker"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-format.h"
#include "crm-query.h"
#include "crm-record-picker.h"
#include "crm-store.h"

/* Matches shown at once: a screenful to pick from while typing */
#define MAX_MATCHES 20

struct _CrmRecordPicker
{
  AdwActionRow    parent_instance;

  GtkLabel       *value_label;
  GtkButton      *clear_button;
  GtkPopover     *popover;
  GtkWidget      *popover_box;
  GtkSearchEntry *search_entry;
  GtkScrolledWindow *scroller;
  GtkListBox     *list;
  GtkLabel       *status_label;

  CrmContext     *context;
  char           *entity;
  char           *record_id;
  char           *record_title;
  GPtrArray      *matches;     /* CrmRecord, as the list shows them */
  char           *searched;    /* the text the matches are for */
  gboolean        allow_none;
};

G_DEFINE_FINAL_TYPE (CrmRecordPicker, crm_record_picker, ADW_TYPE_ACTION_ROW)

enum {
  PROP_0,
  PROP_CONTEXT,
  PROP_ENTITY,
  PROP_RECORD_ID,
  PROP_ALLOW_NONE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Helpers *************************************************************/

static const char *
search_label (const char *entity)
{
  if (g_strcmp0 (entity, "accounts") == 0)
    return _("Search accounts");
  if (g_strcmp0 (entity, "contacts") == 0)
    return _("Search contacts");
  if (g_strcmp0 (entity, "opportunities") == 0)
    return _("Search deals");
  if (g_strcmp0 (entity, "products") == 0)
    return _("Search products");
  return _("Search");
}

static char *
dup_title_of (CrmRecordPicker *self,
              const char      *entity,
              const char      *id)
{
  g_autoptr(CrmRecord) record = NULL;

  if (id == NULL || self->context == NULL)
    return NULL;
  record = crm_store_get (crm_context_get_store (self->context), entity, id, NULL);
  return record ? crm_record_dup_title (record) : NULL;
}

/* What tells two matches of the same name apart: a contact's job and
 * company, a deal's company and amount */
static char *
describe (CrmRecordPicker *self,
          CrmRecord       *record)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  const char *text;

  if (g_str_equal (self->entity, "contacts") && (text = crm_record_get_string (record, "title")))
    g_ptr_array_add (parts, g_strdup (text));
  if (g_str_equal (self->entity, "accounts") && (text = crm_record_get_string (record, "industry")))
    g_ptr_array_add (parts, g_strdup (text));
  if (g_str_equal (self->entity, "products") && (text = crm_record_get_string (record, "sku")))
    g_ptr_array_add (parts, g_strdup (text));
  if (g_str_equal (self->entity, "contacts") || g_str_equal (self->entity, "opportunities"))
    {
      char *account = dup_title_of (self, "accounts", crm_record_get_string (record, "account_id"));

      if (account)
        g_ptr_array_add (parts, account);
    }
  if (g_str_equal (self->entity, "opportunities"))
    {
      char *amount = crm_format_money (crm_record_get_string (record, "amount"),
                                       crm_record_get_string (record, "currency"),
                                       crm_context_get_use_symbols (self->context));

      if (amount)
        g_ptr_array_add (parts, amount);
    }
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (" · ", (char **) parts->pdata);
}

static void
update_display (CrmRecordPicker *self)
{
  const char *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self));
  g_autofree char *clear = g_strdup_printf (_("Clear %s"), title);
  const char *shown = self->record_id ? self->record_title : _("None");

  gtk_label_set_text (self->value_label, shown);
  if (self->record_id)
    gtk_widget_remove_css_class (GTK_WIDGET (self->value_label), "dim-label");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->value_label), "dim-label");
  gtk_widget_set_visible (GTK_WIDGET (self->clear_button), self->allow_none && self->record_id);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "picker.clear", self->allow_none && self->record_id);
  /* One name, the field's: the row's title label would say it twice */
  gtk_accessible_reset_relation (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, shown,
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->clear_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, clear, -1);
}

/* @title: (transfer full) (nullable) */
static void
set_choice (CrmRecordPicker *self,
            const char      *id,
            char            *title)
{
  gboolean changed = g_strcmp0 (id, self->record_id) != 0;

  g_free (self->record_title);
  self->record_title = title ? title : g_strdup (id);
  if (changed)
    {
      g_free (self->record_id);
      self->record_id = g_strdup (id);
    }
  update_display (self);
  if (changed)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECORD_ID]);
      g_signal_emit (self, signals[CHANGED], 0);
    }
}

static GtkWidget *
match_row_new (CrmRecordPicker *self,
               CrmRecord       *record)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);
  g_autofree char *name = crm_record_dup_title (record);
  g_autofree char *detail = describe (self, record);

  gtk_label_set_text (GTK_LABEL (title), name);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (box), title);
  if (*detail)
    {
      GtkWidget *subtitle = gtk_label_new (detail);

      gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
      gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
      gtk_widget_add_css_class (subtitle, "caption");
      gtk_widget_add_css_class (subtitle, "dim-label");
      gtk_box_append (GTK_BOX (box), subtitle);
    }
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  /* The typing stays in the search entry; Up and Down move the selection */
  gtk_widget_set_focusable (row, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, detail,
                                  -1);
  return row;
}

static void
show_status (CrmRecordPicker *self,
             const char      *status)
{
  gtk_label_set_text (self->status_label, status ? status : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), status != NULL);
}

static void
select_match (CrmRecordPicker *self,
              int              index)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->list, index);
  graphene_rect_t bounds;

  if (row == NULL)
    return;
  gtk_list_box_select_row (self->list, row);
  if (gtk_widget_compute_bounds (GTK_WIDGET (row), GTK_WIDGET (self->list), &bounds))
    gtk_adjustment_clamp_page (gtk_scrolled_window_get_vadjustment (self->scroller),
                               bounds.origin.y, bounds.origin.y + bounds.size.height);
}

/* The first matches of what is typed; blank text lists the first
 * records in the entity's order */
static void
search (CrmRecordPicker *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autoptr(CrmQuery) query = crm_query_new (self->entity);
  g_autoptr(GPtrArray) hits = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *child;

  if (self->matches && g_strcmp0 (self->searched, text) == 0)
    return;
  g_free (self->searched);
  self->searched = g_strdup (text);
  g_clear_pointer (&self->matches, g_ptr_array_unref);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))))
    gtk_list_box_remove (self->list, child);

  crm_query_set_search (query, text, NULL);
  /* One more than is shown says whether there are more */
  hits = crm_store_query (crm_context_get_store (self->context), query, MAX_MATCHES + 1, 0, &error);
  if (hits == NULL)
    {
      show_status (self, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->scroller), FALSE);
      return;
    }
  self->matches = g_ptr_array_ref (hits);
  if (hits->len > MAX_MATCHES)
    g_ptr_array_set_size (hits, MAX_MATCHES);
  for (guint i = 0; i < hits->len; i++)
    gtk_list_box_append (self->list, match_row_new (self, g_ptr_array_index (hits, i)));
  gtk_widget_set_visible (GTK_WIDGET (self->scroller), hits->len > 0);
  if (hits->len == 0)
    show_status (self, _("Nothing matches every word typed"));
  else if (hits->len == MAX_MATCHES && crm_query_has_search (query))
    show_status (self, _("Only the first matches are shown: type more to narrow them"));
  else if (hits->len == MAX_MATCHES)
    show_status (self, _("Type part of a name to find the others"));
  else
    show_status (self, NULL);
  select_match (self, 0);
}

static void
popup (CrmRecordPicker *self,
       const char      *typed)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));

  if (self->context == NULL || gtk_widget_get_visible (GTK_WIDGET (self->popover)))
    return;
  /* As wide as the row, so the matches line up under it */
  gtk_widget_set_size_request (self->popover_box, MAX (width - 24, 280), -1);
  /* Records may have changed since the last time: search afresh */
  g_clear_pointer (&self->matches, g_ptr_array_unref);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), typed ? typed : "");
  search (self);
  gtk_popover_popup (self->popover);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  gtk_editable_set_position (GTK_EDITABLE (self->search_entry), -1);
}

static void
pick_selected (CrmRecordPicker *self)
{
  GtkListBoxRow *row;
  CrmRecord *record;

  /* Enter right after typing: the matches of what is typed now */
  search (self);
  row = gtk_list_box_get_selected_row (self->list);
  if (row == NULL || self->matches == NULL)
    return;
  record = g_ptr_array_index (self->matches, gtk_list_box_row_get_index (row));
  gtk_popover_popdown (self->popover);
  set_choice (self, crm_record_get_id (record), crm_record_dup_title (record));
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

/* Callbacks ***********************************************************/

static void
search_changed_cb (CrmRecordPicker *self)
{
  search (self);
}

static void
search_activated_cb (CrmRecordPicker *self)
{
  pick_selected (self);
}

static void
stop_search_cb (CrmRecordPicker *self)
{
  gtk_popover_popdown (self->popover);
}

static void
popover_shown_cb (CrmRecordPicker *self)
{
  gtk_accessible_update_state (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_STATE_EXPANDED, TRUE, -1);
}

static void
popover_closed_cb (CrmRecordPicker *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root ? gtk_root_get_focus (root) : NULL;

  gtk_accessible_update_state (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_STATE_EXPANDED, FALSE, -1);
  /* A search left without picking changes nothing; the row takes the
   * focus back from the popover, as it had it before */
  if (gtk_widget_get_mapped (GTK_WIDGET (self)) &&
      (focus == NULL || gtk_widget_is_ancestor (focus, GTK_WIDGET (self->popover))))
    gtk_widget_grab_focus (GTK_WIDGET (self));
}

static void
match_activated_cb (CrmRecordPicker *self,
                    GtkListBoxRow   *row)
{
  gtk_list_box_select_row (self->list, row);
  pick_selected (self);
}

static void
clear_action_cb (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  CrmRecordPicker *self = CRM_RECORD_PICKER (widget);

  set_choice (self, NULL, NULL);
  gtk_widget_grab_focus (widget);
}

static void
popup_action_cb (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  popup (CRM_RECORD_PICKER (widget), NULL);
}

static void
title_changed_cb (CrmRecordPicker *self)
{
  update_display (self);
}

static gboolean
search_key_pressed_cb (GtkEventControllerKey *controller,
                       guint                  keyval,
                       guint                  keycode,
                       GdkModifierType        state,
                       CrmRecordPicker       *self)
{
  GtkListBoxRow *row;
  int index;

  if (keyval != GDK_KEY_Down && keyval != GDK_KEY_KP_Down && keyval != GDK_KEY_Up && keyval != GDK_KEY_KP_Up)
    return GDK_EVENT_PROPAGATE;
  /* The matches of what is typed now, not of what was typed before */
  search (self);
  row = gtk_list_box_get_selected_row (self->list);
  index = row ? gtk_list_box_row_get_index (row) : -1;
  select_match (self, keyval == GDK_KEY_Down || keyval == GDK_KEY_KP_Down ? index + 1 : MAX (index - 1, 0));
  return GDK_EVENT_STOP;
}

/* Typing on the row starts a search with what was typed; Down opens
 * the matches as a combo row does */
static gboolean
row_key_pressed_cb (GtkEventControllerKey *controller,
                    guint                  keyval,
                    guint                  keycode,
                    GdkModifierType        state,
                    CrmRecordPicker       *self)
{
  gunichar c = gdk_keyval_to_unicode (keyval);
  char typed[8] = { 0 };

  if (gtk_widget_get_visible (GTK_WIDGET (self->popover)) ||
      (state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SUPER_MASK)))
    return GDK_EVENT_PROPAGATE;
  if (keyval == GDK_KEY_Down || keyval == GDK_KEY_KP_Down)
    {
      popup (self, NULL);
      return GDK_EVENT_STOP;
    }
  /* Space activates the row, which opens the search too */
  if (keyval == GDK_KEY_space || c == 0 || !g_unichar_isprint (c))
    return GDK_EVENT_PROPAGATE;
  g_unichar_to_utf8 (c, typed);
  popup (self, typed);
  return GDK_EVENT_STOP;
}

/* GObject *************************************************************/

static void
crm_record_picker_activate (AdwActionRow *row)
{
  popup (CRM_RECORD_PICKER (row), NULL);
}

static void
crm_record_picker_size_allocate (GtkWidget *widget,
                                 int        width,
                                 int        height,
                                 int        baseline)
{
  CrmRecordPicker *self = CRM_RECORD_PICKER (widget);

  GTK_WIDGET_CLASS (crm_record_picker_parent_class)->size_allocate (widget, width, height, baseline);
  gtk_popover_present (self->popover);
}

static void
crm_record_picker_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  CrmRecordPicker *self = CRM_RECORD_PICKER (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      g_value_set_object (value, self->context);
      break;
    case PROP_ENTITY:
      g_value_set_string (value, self->entity);
      break;
    case PROP_RECORD_ID:
      g_value_set_string (value, self->record_id);
      break;
    case PROP_ALLOW_NONE:
      g_value_set_boolean (value, self->allow_none);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
crm_record_picker_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  CrmRecordPicker *self = CRM_RECORD_PICKER (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      crm_record_picker_set_context (self, g_value_get_object (value));
      break;
    case PROP_ENTITY:
      self->entity = g_value_dup_string (value);
      break;
    case PROP_RECORD_ID:
      crm_record_picker_set_record_id (self, g_value_get_string (value));
      break;
    case PROP_ALLOW_NONE:
      crm_record_picker_set_allow_none (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
crm_record_picker_constructed (GObject *object)
{
  CrmRecordPicker *self = CRM_RECORD_PICKER (object);
  const char *label = search_label (self->entity);

  G_OBJECT_CLASS (crm_record_picker_parent_class)->constructed (object);

  g_assert (self->entity && crm_entity_lookup (self->entity));
  g_object_set (self->search_entry, "placeholder-text", label, NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->search_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static void
crm_record_picker_dispose (GObject *object)
{
  CrmRecordPicker *self = CRM_RECORD_PICKER (object);

  if (self->popover)
    {
      gtk_widget_unparent (GTK_WIDGET (self->popover));
      self->popover = NULL;
    }
  g_clear_pointer (&self->matches, g_ptr_array_unref);
  g_clear_object (&self->context);

  G_OBJECT_CLASS (crm_record_picker_parent_class)->dispose (object);
}

static void
crm_record_picker_finalize (GObject *object)
{
  CrmRecordPicker *self = CRM_RECORD_PICKER (object);

  g_free (self->entity);
  g_free (self->record_id);
  g_free (self->record_title);
  g_free (self->searched);

  G_OBJECT_CLASS (crm_record_picker_parent_class)->finalize (object);
}

static void
crm_record_picker_class_init (CrmRecordPickerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  AdwActionRowClass *row_class = ADW_ACTION_ROW_CLASS (klass);

  object_class->get_property = crm_record_picker_get_property;
  object_class->set_property = crm_record_picker_set_property;
  object_class->constructed = crm_record_picker_constructed;
  object_class->dispose = crm_record_picker_dispose;
  object_class->finalize = crm_record_picker_finalize;
  widget_class->size_allocate = crm_record_picker_size_allocate;
  row_class->activate = crm_record_picker_activate;

  properties[PROP_CONTEXT] =
    g_param_spec_object ("context", NULL, NULL, CRM_TYPE_CONTEXT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ENTITY] =
    g_param_spec_string ("entity", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RECORD_ID] =
    g_param_spec_string ("record-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ALLOW_NONE] =
    g_param_spec_boolean ("allow-none", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CrmRecordPicker::changed:
   *
   * The record picked is another one, or none.
   */
  signals[CHANGED] = g_signal_new ("changed",
                                   G_TYPE_FROM_CLASS (klass),
                                   G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 0);

  /* Also what the accessibility tree offers to do with the row */
  gtk_widget_class_install_action (widget_class, "picker.popup", NULL, popup_action_cb);
  gtk_widget_class_install_action (widget_class, "picker.clear", NULL, clear_action_cb);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_COMBO_BOX);
}

static void
crm_record_picker_init (CrmRecordPicker *self)
{
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *arrow = gtk_image_new_from_icon_name ("pan-down-symbolic");
  GtkEventController *keys;

  self->allow_none = TRUE;

  self->value_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_ellipsize (self->value_label, PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (self->value_label, 1);
  gtk_label_set_max_width_chars (self->value_label, 24);
  gtk_widget_set_valign (GTK_WIDGET (self->value_label), GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (self), GTK_WIDGET (self->value_label));

  self->clear_button = GTK_BUTTON (gtk_button_new_from_icon_name ("edit-clear-symbolic"));
  gtk_widget_set_valign (GTK_WIDGET (self->clear_button), GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (GTK_WIDGET (self->clear_button), "flat");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->clear_button), _("Clear the choice"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->clear_button), "picker.clear");
  adw_action_row_add_suffix (ADW_ACTION_ROW (self), GTK_WIDGET (self->clear_button));

  gtk_widget_set_valign (arrow, GTK_ALIGN_CENTER);
  gtk_accessible_update_state (GTK_ACCESSIBLE (arrow), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (self), arrow);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (self), FALSE);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (self), TRUE);

  /* The popover: a search entry over the matches */
  self->search_entry = GTK_SEARCH_ENTRY (gtk_search_entry_new ());
  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (search_changed_cb), self);
  g_signal_connect_swapped (self->search_entry, "activate", G_CALLBACK (search_activated_cb), self);
  g_signal_connect_swapped (self->search_entry, "stop-search", G_CALLBACK (stop_search_cb), self);
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (search_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->search_entry), keys);

  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_BROWSE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "navigation-sidebar");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Matches"), -1);
  g_signal_connect_swapped (self->list, "row-activated", G_CALLBACK (match_activated_cb), self);
  self->scroller = GTK_SCROLLED_WINDOW (scroller);
  gtk_scrolled_window_set_policy (self->scroller, GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_max_content_height (self->scroller, 320);
  gtk_scrolled_window_set_propagate_natural_height (self->scroller, TRUE);
  gtk_scrolled_window_set_child (self->scroller, GTK_WIDGET (self->list));

  self->status_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->status_label, TRUE);
  gtk_label_set_xalign (self->status_label, 0);
  gtk_widget_set_margin_start (GTK_WIDGET (self->status_label), 6);
  gtk_widget_set_margin_end (GTK_WIDGET (self->status_label), 6);
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "dim-label");

  self->popover_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_box_append (GTK_BOX (self->popover_box), GTK_WIDGET (self->search_entry));
  gtk_box_append (GTK_BOX (self->popover_box), scroller);
  gtk_box_append (GTK_BOX (self->popover_box), GTK_WIDGET (self->status_label));

  self->popover = GTK_POPOVER (gtk_popover_new ());
  gtk_popover_set_child (self->popover, self->popover_box);
  gtk_popover_set_position (self->popover, GTK_POS_BOTTOM);
  gtk_popover_set_has_arrow (self->popover, FALSE);
  g_signal_connect_swapped (self->popover, "show", G_CALLBACK (popover_shown_cb), self);
  g_signal_connect_swapped (self->popover, "closed", G_CALLBACK (popover_closed_cb), self);
  gtk_widget_set_parent (GTK_WIDGET (self->popover), GTK_WIDGET (self));

  keys = gtk_event_controller_key_new ();
  g_signal_connect (keys, "key-pressed", G_CALLBACK (row_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);

  g_signal_connect (self, "notify::title", G_CALLBACK (title_changed_cb), NULL);
  update_display (self);
}

/* Public API **********************************************************/

GtkWidget *
crm_record_picker_new (CrmContext *context,
                       const char *entity)
{
  g_return_val_if_fail (context == NULL || CRM_IS_CONTEXT (context), NULL);
  g_return_val_if_fail (crm_entity_lookup (entity) != NULL, NULL);

  return g_object_new (CRM_TYPE_RECORD_PICKER, "context", context, "entity", entity, NULL);
}

CrmContext *
crm_record_picker_get_context (CrmRecordPicker *self)
{
  g_return_val_if_fail (CRM_IS_RECORD_PICKER (self), NULL);
  return self->context;
}

void
crm_record_picker_set_context (CrmRecordPicker *self,
                               CrmContext      *context)
{
  g_return_if_fail (CRM_IS_RECORD_PICKER (self));
  g_return_if_fail (context == NULL || CRM_IS_CONTEXT (context));

  if (!g_set_object (&self->context, context))
    return;
  /* The choice's title is the store's to tell */
  if (self->record_id && self->entity)
    set_choice (self, self->record_id, dup_title_of (self, self->entity, self->record_id));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTEXT]);
}

const char *
crm_record_picker_get_entity (CrmRecordPicker *self)
{
  g_return_val_if_fail (CRM_IS_RECORD_PICKER (self), NULL);
  return self->entity;
}

const char *
crm_record_picker_get_record_id (CrmRecordPicker *self)
{
  g_return_val_if_fail (CRM_IS_RECORD_PICKER (self), NULL);
  return self->record_id;
}

/* @id: (nullable): a record of the picker's entity; "" is none too */
void
crm_record_picker_set_record_id (CrmRecordPicker *self,
                                 const char      *id)
{
  g_return_if_fail (CRM_IS_RECORD_PICKER (self));

  if (id && *id == '\0')
    id = NULL;
  set_choice (self, id, dup_title_of (self, self->entity, id));
}

gboolean
crm_record_picker_get_allow_none (CrmRecordPicker *self)
{
  g_return_val_if_fail (CRM_IS_RECORD_PICKER (self), FALSE);
  return self->allow_none;
}

void
crm_record_picker_set_allow_none (CrmRecordPicker *self,
                                  gboolean         allow_none)
{
  g_return_if_fail (CRM_IS_RECORD_PICKER (self));

  allow_none = !!allow_none;
  if (self->allow_none == allow_none)
    return;
  self->allow_none = allow_none;
  update_display (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALLOW_NONE]);
}
