/* crm-outbox-window.c: conflicts to settle, refused changes, changes waiting
 *
 * What the sync indicator summarises, in full:
 *
 * - Conflicts: a record changed both here and on the server, field by
 *   field, Original / Mine / Server side by side. The user picks per field
 *   and applies; a field kept as mine goes out again as a new change.
 * - Refused: changes the server would not take, with its message; each can
 *   be edited and sent again, or discarded (which takes it back here).
 * - Waiting: everything else in the outbox, and a way to send it now.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-outbox-window"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-format.h"
#include "crm-outbox-window.h"
#include "crm-record-editor.h"

struct _CrmOutboxWindow
{
  AdwWindow            parent_instance;

  AdwPreferencesPage  *page;
  GtkStack            *stack;
  AdwToastOverlay     *toast_overlay;
  GPtrArray           *groups;    /* AdwPreferencesGroup shown now */

  CrmContext          *context;
  GHashTable          *keep_mine; /* conflict id → GINT_TO_POINTER (keep mine) */
};

G_DEFINE_FINAL_TYPE (CrmOutboxWindow, crm_outbox_window, ADW_TYPE_WINDOW)

static void rebuild (CrmOutboxWindow *self);

/* Helpers *************************************************************/

static char *
record_title (CrmOutboxWindow *self,
              const char      *entity,
              const char      *id)
{
  g_autoptr(CrmRecord) record = crm_store_get (crm_context_get_store (self->context), entity, id, NULL);
  g_autofree char *kind = crm_format_field_label (entity);

  if (record)
    return crm_record_dup_title (record);
  /* A deleted record has no row to name it by */
  return g_strdup_printf (_("A deleted record (%s)"), kind);
}

static char *
value_text (JsonNode *value)
{
  g_autofree char *text = crm_format_value (value);

  return *text ? g_steal_pointer (&text) : g_strdup (_("(empty)"));
}

static AdwPreferencesGroup *
add_group (CrmOutboxWindow *self,
           const char      *title,
           const char      *description)
{
  GtkWidget *group = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  if (description)
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), description);
  adw_preferences_page_add (self->page, ADW_PREFERENCES_GROUP (group));
  g_ptr_array_add (self->groups, group);
  return ADW_PREFERENCES_GROUP (group);
}

static GtkWidget *
row_button (const char *label,
            const char *style)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  if (style)
    gtk_widget_add_css_class (button, style);
  return button;
}

static void
show_error (CrmOutboxWindow *self,
            const GError    *error)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
}

/* Conflicts ***********************************************************/

static void
choice_toggled_cb (GtkToggleButton *button,
                   CrmOutboxWindow *self)
{
  const char *id = g_object_get_data (G_OBJECT (button), "conflict-id");
  gboolean mine = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "mine"));

  if (gtk_toggle_button_get_active (button))
    g_hash_table_insert (self->keep_mine, g_strdup (id), GINT_TO_POINTER (mine));
}

static void
apply_clicked_cb (GtkButton       *button,
                  CrmOutboxWindow *self)
{
  crm_outbox_window_apply (self, g_object_get_data (G_OBJECT (button), "record-id"));
}

static GtkWidget *
choice_toggles (CrmOutboxWindow *self,
                const char      *conflict_id,
                const char      *field_label)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *mine = gtk_toggle_button_new_with_mnemonic (_("_Mine"));
  GtkWidget *server = gtk_toggle_button_new_with_mnemonic (_("_Server"));
  g_autofree char *mine_label = g_strdup_printf (_("Keep my %s"), field_label);
  g_autofree char *server_label = g_strdup_printf (_("Take the server’s %s"), field_label);
  gboolean keep_mine = GPOINTER_TO_INT (g_hash_table_lookup (self->keep_mine, conflict_id));

  gtk_widget_add_css_class (box, "linked");
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (server), GTK_TOGGLE_BUTTON (mine));
  gtk_accessible_update_property (GTK_ACCESSIBLE (mine), GTK_ACCESSIBLE_PROPERTY_LABEL, mine_label, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (server), GTK_ACCESSIBLE_PROPERTY_LABEL, server_label, -1);
  for (guint i = 0; i < 2; i++)
    {
      GtkWidget *toggle = i == 0 ? mine : server;

      g_object_set_data_full (G_OBJECT (toggle), "conflict-id", g_strdup (conflict_id), g_free);
      g_object_set_data (G_OBJECT (toggle), "mine", GINT_TO_POINTER (i == 0));
      g_signal_connect (toggle, "toggled", G_CALLBACK (choice_toggled_cb), self);
      gtk_box_append (GTK_BOX (box), toggle);
    }
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (keep_mine ? mine : server), TRUE);
  return box;
}

static void
add_conflicts (CrmOutboxWindow *self,
               JsonArray       *conflicts)
{
  AdwPreferencesGroup *group;
  GtkWidget *expander = NULL;
  const char *current = NULL;

  if (json_array_get_length (conflicts) == 0)
    return;
  group = add_group (self, _("Conflicts"),
                     _("These fields changed both here and on the server. Until you choose, the record "
                       "keeps your value. A value you keep is sent again."));

  for (guint i = 0; i < json_array_get_length (conflicts); i++)
    {
      JsonObject *conflict = json_array_get_object_element (conflicts, i);
      const char *id = json_object_get_string_member (conflict, "id");
      const char *entity = json_object_get_string_member (conflict, "entity");
      const char *record_id = json_object_get_string_member (conflict, "record_id");
      g_autofree char *field = crm_format_field_label (json_object_get_string_member (conflict, "field"));
      g_autofree char *original = value_text (json_object_get_member (conflict, "original"));
      g_autofree char *mine = value_text (json_object_get_member (conflict, "mine"));
      g_autofree char *server = value_text (json_object_get_member (conflict, "server"));
      g_autofree char *subtitle = g_strdup_printf (_("Original: %s\nMine: %s\nServer: %s"), original, mine, server);
      GtkWidget *row;

      if (!g_hash_table_contains (self->keep_mine, id))
        g_hash_table_insert (self->keep_mine, g_strdup (id), GINT_TO_POINTER (TRUE));

      if (g_strcmp0 (current, record_id) != 0)
        {
          g_autofree char *title = record_title (self, entity, record_id);
          g_autofree char *kind = crm_format_field_label (entity);
          GtkWidget *apply = row_button (_("_Apply Choices"), "suggested-action");
          GtkWidget *apply_row = adw_action_row_new ();

          expander = adw_expander_row_new ();
          adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (expander), FALSE);
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), title);
          adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander), kind);
          adw_expander_row_set_expanded (ADW_EXPANDER_ROW (expander), TRUE);
          adw_preferences_group_add (group, expander);

          g_object_set_data_full (G_OBJECT (apply), "record-id", g_strdup (record_id), g_free);
          g_signal_connect (apply, "clicked", G_CALLBACK (apply_clicked_cb), self);
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (apply_row), _("Settle this record as chosen"));
          adw_action_row_add_suffix (ADW_ACTION_ROW (apply_row), apply);
          /* Added last, after the fields: kept aside until then */
          g_object_set_data (G_OBJECT (expander), "apply-row", apply_row);
          current = record_id;
        }

      row = adw_action_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), field);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), choice_toggles (self, id, field));
      adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);

      /* The record's last conflict: its Apply row goes under its fields */
      if (i + 1 == json_array_get_length (conflicts) ||
          g_strcmp0 (json_object_get_string_member (json_array_get_object_element (conflicts, i + 1), "record_id"),
                     record_id) != 0)
        adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), g_object_get_data (G_OBJECT (expander), "apply-row"));
    }
}

/* Refused and waiting changes *****************************************/

typedef struct
{
  CrmOutboxWindow *self;
  char            *mutation_id;
  char            *entity;
  char            *record_id;
} EntryAction;

static void
entry_action_free (EntryAction *action)
{
  g_free (action->mutation_id);
  g_free (action->entity);
  g_free (action->record_id);
  g_free (action);
}

static void
retry_clicked_cb (GtkButton   *button,
                  EntryAction *action)
{
  g_autoptr(GError) error = NULL;

  if (!crm_store_retry_rejected (crm_context_get_store (action->self->context), action->mutation_id, &error))
    show_error (action->self, error);
  else
    crm_context_sync (action->self->context);
}

static void
discard_clicked_cb (GtkButton   *button,
                    EntryAction *action)
{
  g_autoptr(GError) error = NULL;

  if (!crm_store_discard_rejected (crm_context_get_store (action->self->context), action->mutation_id, &error))
    show_error (action->self, error);
}

static void
edit_clicked_cb (GtkButton   *button,
                 EntryAction *action)
{
  gtk_window_present (crm_record_editor_new (action->self->context, action->entity, action->record_id, NULL,
                                             GTK_WINDOW (action->self)));
}

static GtkWidget *
entry_button (CrmOutboxWindow *self,
              JsonObject      *entry,
              const char      *label,
              const char      *style,
              GCallback        callback)
{
  GtkWidget *button = row_button (label, style);
  EntryAction *action = g_new0 (EntryAction, 1);

  action->self = self;
  action->mutation_id = g_strdup (json_object_get_string_member (entry, "mutation_id"));
  action->entity = g_strdup (json_object_get_string_member (entry, "entity"));
  action->record_id = g_strdup (json_object_get_string_member (entry, "id"));
  g_signal_connect_data (button, "clicked", callback, action, (GClosureNotify) (void (*) (void)) entry_action_free, 0);
  return button;
}

static char *
entry_title (CrmOutboxWindow *self,
             JsonObject      *entry)
{
  const char *op = json_object_get_string_member (entry, "op");
  g_autofree char *title = record_title (self, json_object_get_string_member (entry, "entity"),
                                         json_object_get_string_member (entry, "id"));

  if (g_strcmp0 (op, "create") == 0)
    return g_strdup_printf (_("New: %s"), title);
  if (g_strcmp0 (op, "delete") == 0)
    return g_strdup_printf (_("Deleted: %s"), title);
  return g_strdup_printf (_("Changed: %s"), title);
}

static char *
entry_fields (JsonObject *entry)
{
  JsonObject *fields = json_object_get_object_member (entry, "fields");
  g_autoptr(GList) names = fields ? json_object_get_members (fields) : NULL;
  g_autoptr(GString) text = g_string_new (NULL);

  for (const GList *l = names; l; l = l->next)
    {
      g_autofree char *label = crm_format_field_label (l->data);

      g_string_append_printf (text, "%s%s", text->len ? ", " : "", label);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
add_entries (CrmOutboxWindow *self,
             JsonArray       *outbox,
             gboolean         rejected)
{
  AdwPreferencesGroup *group = NULL;

  for (guint i = 0; i < json_array_get_length (outbox); i++)
    {
      JsonObject *entry = json_array_get_object_element (outbox, i);
      gboolean is_rejected = g_strcmp0 (json_object_get_string_member_with_default (entry, "state", ""),
                                        "rejected") == 0;
      g_autofree char *title = NULL;
      g_autofree char *fields = NULL;
      GtkWidget *row;

      if (is_rejected != rejected)
        continue;
      if (group == NULL)
        group = rejected ? add_group (self, _("Refused by the Server"),
                                      _("The server would not take these changes; its reason is under each. "
                                        "Edit the record and send it again, or discard the change.")) :
                           add_group (self, _("Waiting to Be Sent"),
                                      _("Saved on this computer and sent at the next sync."));
      title = entry_title (self, entry);
      fields = entry_fields (entry);
      row = adw_action_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      if (rejected)
        {
          const char *message = json_object_get_string_member_with_default (entry, "error", NULL);
          GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), message ? message : _("Refused by the server"));
          if (g_strcmp0 (json_object_get_string_member (entry, "op"), "delete") != 0)
            gtk_box_append (GTK_BOX (buttons), entry_button (self, entry, _("_Edit"), NULL, G_CALLBACK (edit_clicked_cb)));
          gtk_box_append (GTK_BOX (buttons), entry_button (self, entry, _("Send _Again"), NULL,
                                                           G_CALLBACK (retry_clicked_cb)));
          gtk_box_append (GTK_BOX (buttons), entry_button (self, entry, _("_Discard"), "destructive-action",
                                                           G_CALLBACK (discard_clicked_cb)));
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), buttons);
        }
      else if (*fields)
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), fields);
      adw_preferences_group_add (group, row);
    }
}

static void
rebuild (CrmOutboxWindow *self)
{
  CrmStore *store = crm_context_get_store (self->context);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) conflicts = crm_store_dup_conflicts (store, &error);
  g_autoptr(JsonNode) outbox = conflicts ? crm_store_dup_outbox (store, &error) : NULL;

  for (guint i = 0; i < self->groups->len; i++)
    adw_preferences_page_remove (self->page, g_ptr_array_index (self->groups, i));
  g_ptr_array_set_size (self->groups, 0);

  if (outbox == NULL)
    {
      show_error (self, error);
      return;
    }
  add_conflicts (self, json_node_get_array (conflicts));
  add_entries (self, json_node_get_array (outbox), TRUE);
  add_entries (self, json_node_get_array (outbox), FALSE);
  gtk_stack_set_visible_child_name (self->stack, self->groups->len ? "changes" : "empty");
  crm_fix_mnemonic_names (GTK_WIDGET (self));
}

/* Callbacks ***********************************************************/

static void
send_now_cb (CrmOutboxWindow *self)
{
  crm_context_sync (self->context);
}

/* GObject *************************************************************/

static void
crm_outbox_window_dispose (GObject *object)
{
  CrmOutboxWindow *self = CRM_OUTBOX_WINDOW (object);

  if (self->context)
    g_signal_handlers_disconnect_by_data (self->context, self);
  g_clear_object (&self->context);
  g_clear_pointer (&self->groups, g_ptr_array_unref);
  g_clear_pointer (&self->keep_mine, g_hash_table_unref);

  G_OBJECT_CLASS (crm_outbox_window_parent_class)->dispose (object);
}

static void
crm_outbox_window_class_init (CrmOutboxWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_outbox_window_dispose;
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
crm_outbox_window_init (CrmOutboxWindow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *send = gtk_button_new_with_mnemonic (_("Send _Now"));
  GtkWidget *empty = adw_status_page_new ();

  self->groups = g_ptr_array_new ();
  self->keep_mine = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  gtk_widget_add_css_class (send, "suggested-action");
  g_signal_connect_swapped (send, "clicked", G_CALLBACK (send_now_cb), self);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), send);
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), adw_window_title_new (_("Changes and Conflicts"), NULL));

  adw_status_page_set_icon_name (ADW_STATUS_PAGE (empty), "emblem-ok-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (empty), _("Everything Is Sent"));
  adw_status_page_set_description (ADW_STATUS_PAGE (empty),
                                   _("No change is waiting, refused or in conflict."));
  self->page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_stack_add_named (self->stack, empty, "empty");
  gtk_stack_add_named (self->stack, GTK_WIDGET (self->page), "changes");
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  self->toast_overlay = ADW_TOAST_OVERLAY (adw_toast_overlay_new ());
  adw_toast_overlay_set_child (self->toast_overlay, GTK_WIDGET (self->stack));

  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->toast_overlay));
  adw_window_set_content (ADW_WINDOW (self), box);
  gtk_window_set_title (GTK_WINDOW (self), _("Changes and Conflicts"));
  gtk_window_set_default_size (GTK_WINDOW (self), 560, 600);
  gtk_widget_set_size_request (GTK_WIDGET (self), 360, 294);
}

/* Public API **********************************************************/

GtkWindow *
crm_outbox_window_new (CrmContext *context,
                       GtkWindow  *parent)
{
  CrmOutboxWindow *self;

  g_return_val_if_fail (CRM_IS_CONTEXT (context), NULL);

  self = g_object_new (CRM_TYPE_OUTBOX_WINDOW, "transient-for", parent, NULL);
  self->context = g_object_ref (context);
  g_signal_connect_swapped (context, "records-changed", G_CALLBACK (rebuild), self);
  rebuild (self);
  return GTK_WINDOW (self);
}

gboolean
crm_outbox_window_choose (CrmOutboxWindow *self,
                          const char      *conflict_id,
                          gboolean         keep_mine)
{
  g_return_val_if_fail (CRM_IS_OUTBOX_WINDOW (self), FALSE);

  if (!g_hash_table_contains (self->keep_mine, conflict_id))
    return FALSE;
  g_hash_table_insert (self->keep_mine, g_strdup (conflict_id), GINT_TO_POINTER (keep_mine));
  rebuild (self);
  return TRUE;
}

gboolean
crm_outbox_window_apply (CrmOutboxWindow *self,
                         const char      *record_id)
{
  CrmStore *store;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) conflicts = NULL;
  JsonArray *array;

  g_return_val_if_fail (CRM_IS_OUTBOX_WINDOW (self), FALSE);

  store = crm_context_get_store (self->context);
  if (!(conflicts = crm_store_dup_conflicts (store, &error)))
    {
      show_error (self, error);
      return FALSE;
    }
  array = json_node_get_array (conflicts);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *conflict = json_array_get_object_element (array, i);
      const char *id = json_object_get_string_member (conflict, "id");

      if (g_strcmp0 (json_object_get_string_member (conflict, "record_id"), record_id) != 0)
        continue;
      if (!crm_store_resolve_conflict (store, id, GPOINTER_TO_INT (g_hash_table_lookup (self->keep_mine, id)),
                                       &error))
        {
          show_error (self, error);
          return FALSE;
        }
      g_hash_table_remove (self->keep_mine, id);
    }
  /* What was kept goes out now, not at the next timer */
  crm_context_sync (self->context);
  return TRUE;
}
