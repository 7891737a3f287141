/* crm-record-editor.c: a form to create or edit one record
 *
 * The form is built from the entity's fields, so every kind of record the
 * core knows gets one: a row per field, an entry for text, numbers, money
 * and dates, a drop-down for choices and for references to the few (a
 * stage, an owner), a picker that searches as you type for references to
 * the many (an account, a contact, a deal), a switch for yes/no.
 * What is typed is checked by the same code crm-cli uses, and saved
 * through the store: the change is on disk and in the outbox when the
 * form closes, so it works offline and syncs later. A value the core
 * refuses keeps the form open, with the reason and the field marked.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-record-editor"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-entity.h"
#include "crm-format.h"
#include "crm-record-editor.h"
#include "crm-record-picker.h"
#include "crm-store.h"

typedef struct
{
  const CrmField *field;
  GtkWidget      *row;
  GtkWidget      *toggle;   /* BOOLEAN: the switch */
  CrmRecordPicker *picker;  /* REF to a searchable entity: the row itself */
  GPtrArray      *values;   /* ENUM and other REF: what each drop-down item stands for; "" is none */
} Row;

struct _CrmRecordEditor
{
  AdwWindow          parent_instance;

  AdwWindowTitle    *window_title;
  GtkButton         *save_button;
  GtkRevealer       *error_revealer;
  GtkLabel          *error_label;
  AdwPreferencesGroup *group;

  CrmContext        *context;
  const CrmEntity   *entity;
  CrmRecord         *record;   /* being edited; NULL for a new one */
  GPtrArray         *rows;     /* Row */
  char              *error;
  char              *saved_id;
};

G_DEFINE_FINAL_TYPE (CrmRecordEditor, crm_record_editor, ADW_TYPE_WINDOW)

enum {
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
row_free (Row *row)
{
  g_clear_pointer (&row->values, g_ptr_array_unref);
  g_free (row);
}

/* Helpers *************************************************************/

static char *
entity_noun (const CrmEntity *entity)
{
  if (g_str_equal (entity->name, "opportunities"))
    return g_strdup (_("Deal"));
  if (g_str_equal (entity->name, "contacts"))
    return g_strdup (_("Contact"));
  if (g_str_equal (entity->name, "accounts"))
    return g_strdup (_("Account"));
  if (g_str_equal (entity->name, "activities"))
    return g_strdup (_("Activity"));
  if (g_str_equal (entity->name, "products"))
    return g_strdup (_("Product"));
  return crm_format_field_label (entity->name);
}

/* "work:ada@example.com, home:ada@home.example", as the core reads it back */
static char *
contact_points_text (JsonNode *value)
{
  g_autoptr(GString) text = g_string_new (NULL);
  JsonArray *array;

  if (value == NULL || !JSON_NODE_HOLDS_ARRAY (value))
    return g_strdup ("");
  array = json_node_get_array (value);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      JsonObject *point = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
      const char *type = point ? json_object_get_string_member_with_default (point, "type", NULL) : NULL;
      const char *item = point ? json_object_get_string_member_with_default (point, "value", NULL) : NULL;

      if (item == NULL)
        continue;
      if (text->len)
        g_string_append (text, ", ");
      if (type)
        g_string_append_printf (text, "%s:", type);
      g_string_append (text, item);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
value_text (const CrmField *field,
            JsonNode       *value)
{
  if (value == NULL || JSON_NODE_HOLDS_NULL (value))
    return g_strdup ("");
  if (field->type == CRM_FIELD_CONTACT_POINTS)
    return contact_points_text (value);
  if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (value));
  if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (value));
  return json_to_string (value, FALSE);
}

/* The fields a form shows: what a person types, not what the core keeps */
static gboolean
is_editable (const CrmField *field)
{
  if (crm_entity_is_system_field (field->name))
    return FALSE;
  /* Of the structured values, contact points are typed as text; quote
   * lines and price lists have editors of their own */
  if (crm_field_stores_json (field))
    return field->type == CRM_FIELD_CONTACT_POINTS;
  return TRUE;
}

static JsonNode *
initial_value (CrmRecordEditor *self,
               const CrmField  *field,
               JsonObject      *defaults)
{
  if (self->record)
    return crm_record_get_field (self->record, field->name);
  if (defaults && json_object_has_member (defaults, field->name))
    return json_object_get_member (defaults, field->name);
  return NULL;
}

static GtkWidget *
add_choice_row (Row        *row,
                const char *title,
                GPtrArray  *labels,
                const char *current)
{
  GtkWidget *combo = adw_combo_row_new ();
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);
  guint selected = 0;

  for (guint i = 0; i < labels->len; i++)
    {
      gtk_string_list_append (model, g_ptr_array_index (labels, i));
      if (current && g_str_equal (current, g_ptr_array_index (row->values, i)))
        selected = i;
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (combo), title);
  adw_combo_row_set_model (ADW_COMBO_ROW (combo), G_LIST_MODEL (model));
  adw_combo_row_set_selected (ADW_COMBO_ROW (combo), selected);
  return combo;
}

static void
add_row (CrmRecordEditor *self,
         const CrmField  *field,
         JsonObject      *defaults)
{
  CrmStore *store = crm_context_get_store (self->context);
  JsonNode *value = initial_value (self, field, defaults);
  g_autofree char *label = crm_format_field_label (field->name);
  g_autofree char *title = (field->flags & CRM_FIELD_FLAG_REQUIRED) ? g_strdup_printf (_("%s (required)"), label)
                                                                    : g_strdup (label);
  g_autofree char *text = value_text (field, value);
  Row *row = g_new0 (Row, 1);

  row->field = field;
  if (field->type == CRM_FIELD_REF && crm_entity_lookup (field->related)->searchable)
    {
      /* Too many to list: the picker reads only what matches the typing */
      row->row = crm_record_picker_new (self->context, field->related);
      row->picker = CRM_RECORD_PICKER (row->row);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row->row), title);
      crm_record_picker_set_allow_none (row->picker, !(field->flags & CRM_FIELD_FLAG_REQUIRED));
      crm_record_picker_set_record_id (row->picker, text);
    }
  else if (field->type == CRM_FIELD_ENUM || field->type == CRM_FIELD_REF)
    {
      g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);

      row->values = g_ptr_array_new_with_free_func (g_free);
      if (!(field->flags & CRM_FIELD_FLAG_REQUIRED) || !*text)
        {
          g_ptr_array_add (row->values, g_strdup (""));
          g_ptr_array_add (labels, g_strdup (_("None")));
        }
      if (field->type == CRM_FIELD_ENUM)
        for (guint i = 0; field->choices && field->choices[i]; i++)
          {
            g_ptr_array_add (row->values, g_strdup (field->choices[i]));
            g_ptr_array_add (labels, crm_format_field_label (field->choices[i]));
          }
      else
        {
          g_autoptr(GPtrArray) targets = crm_store_list (store, field->related, NULL, 0, 0, NULL);

          for (guint i = 0; targets && i < targets->len; i++)
            {
              CrmRecord *target = g_ptr_array_index (targets, i);

              g_ptr_array_add (row->values, g_strdup (crm_record_get_id (target)));
              g_ptr_array_add (labels, crm_record_dup_title (target));
            }
        }
      row->row = add_choice_row (row, title, labels, text);
    }
  else if (field->type == CRM_FIELD_BOOLEAN)
    {
      row->row = adw_action_row_new ();
      row->toggle = gtk_switch_new ();
      gtk_widget_set_valign (row->toggle, GTK_ALIGN_CENTER);
      gtk_switch_set_active (GTK_SWITCH (row->toggle),
                             value && JSON_NODE_HOLDS_VALUE (value) &&
                             json_node_get_value_type (value) == G_TYPE_BOOLEAN && json_node_get_boolean (value));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row->row), title);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row->row), row->toggle);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row->row), row->toggle);
    }
  else
    {
      row->row = adw_entry_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row->row), title);
      gtk_editable_set_text (GTK_EDITABLE (row->row), text);
      if (field->type == CRM_FIELD_DATE)
        gtk_widget_set_tooltip_text (row->row, _("A date as YYYY-MM-DD, e.g. 2026-12-31"));
      else if (field->type == CRM_FIELD_DATETIME)
        gtk_widget_set_tooltip_text (row->row, _("A date and time, e.g. 2026-12-31T14:30:00Z"));
      else if (field->type == CRM_FIELD_CONTACT_POINTS)
        gtk_widget_set_tooltip_text (row->row, _("One or more, separated by commas; a kind may come first, "
                                                 "e.g. work:ada@example.com, home:ada@home.example"));
      else if (field->type == CRM_FIELD_CURRENCY)
        gtk_widget_set_tooltip_text (row->row, _("A three-letter code such as EUR or USD"));
    }

  gtk_widget_set_name (row->row, field->name);
  adw_preferences_group_add (self->group, row->row);
  g_ptr_array_add (self->rows, row);
}

static Row *
find_row (CrmRecordEditor *self,
          const char      *name)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (g_str_equal (row->field->name, name))
        return row;
    }
  return NULL;
}

static void
show_error (CrmRecordEditor *self,
            const char      *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  gtk_label_set_text (self->error_label, message ? message : "");
  gtk_revealer_set_reveal_child (self->error_revealer, message != NULL);
  if (message)
    {
      /* The core's messages start with the field's name: mark that row */
      g_autofree char *name = g_strndup (message, strcspn (message, ":"));
      Row *row = find_row (self, name);

      gtk_accessible_update_property (GTK_ACCESSIBLE (self->error_label),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, message, -1);
      if (row)
        {
          gtk_widget_add_css_class (row->row, "error");
          gtk_widget_grab_focus (row->row);
        }
    }
}

static void
clear_marks (CrmRecordEditor *self)
{
  for (guint i = 0; i < self->rows->len; i++)
    gtk_widget_remove_css_class (((Row *) g_ptr_array_index (self->rows, i))->row, "error");
  show_error (self, NULL);
}

/* What the row holds, checked; %NULL with @error set when it is wrong */
static JsonNode *
row_value (Row     *row,
           GError **error)
{
  g_autofree char *text = NULL;

  if (row->picker)
    {
      const char *id = crm_record_picker_get_record_id (row->picker);

      return crm_field_parse_text (row->field, id ? id : "", error);
    }
  if (row->values)
    {
      guint selected = adw_combo_row_get_selected (ADW_COMBO_ROW (row->row));
      const char *value = selected < row->values->len ? g_ptr_array_index (row->values, selected) : "";

      return crm_field_parse_text (row->field, value, error);
    }
  if (row->toggle)
    return json_node_init_boolean (json_node_alloc (), gtk_switch_get_active (GTK_SWITCH (row->toggle)));

  text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (row->row)));
  return crm_field_parse_text (row->field, g_strstrip (text), error);
}

/* Callbacks ***********************************************************/

static void
save_clicked_cb (CrmRecordEditor *self)
{
  if (crm_record_editor_save (self))
    gtk_window_close (GTK_WINDOW (self));
}

static void
cancel_clicked_cb (CrmRecordEditor *self)
{
  gtk_window_close (GTK_WINDOW (self));
}

/* GObject *************************************************************/

static void
crm_record_editor_dispose (GObject *object)
{
  CrmRecordEditor *self = CRM_RECORD_EDITOR (object);

  g_clear_object (&self->context);
  g_clear_object (&self->record);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->error, g_free);
  g_clear_pointer (&self->saved_id, g_free);

  G_OBJECT_CLASS (crm_record_editor_parent_class)->dispose (object);
}

static void
crm_record_editor_class_init (CrmRecordEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_record_editor_dispose;

  /**
   * CrmRecordEditor::saved:
   * @entity: the entity
   * @id: the record saved
   *
   * The record is in the store (and its change in the outbox).
   */
  signals[SAVED] = g_signal_new ("saved",
                                 G_TYPE_FROM_CLASS (klass),
                                 G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL,
                                 G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
crm_record_editor_init (CrmRecordEditor *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  GtkWidget *page = adw_preferences_page_new ();

  self->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);

  self->window_title = ADW_WINDOW_TITLE (adw_window_title_new ("", NULL));
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), GTK_WIDGET (self->window_title));
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  g_signal_connect_swapped (cancel, "clicked", G_CALLBACK (cancel_clicked_cb), self);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  self->save_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Save")));
  gtk_widget_add_css_class (GTK_WIDGET (self->save_button), "suggested-action");
  g_signal_connect_swapped (self->save_button, "clicked", G_CALLBACK (save_clicked_cb), self);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), GTK_WIDGET (self->save_button));

  self->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->error_label, TRUE);
  gtk_label_set_xalign (self->error_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->error_label), "offline-strip");
  gtk_widget_add_css_class (GTK_WIDGET (self->error_label), "error");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->error_label),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, _("What is wrong with the form"), -1);
  self->error_revealer = GTK_REVEALER (gtk_revealer_new ());
  gtk_revealer_set_child (self->error_revealer, GTK_WIDGET (self->error_label));

  self->group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->group);
  gtk_widget_set_vexpand (page, TRUE);

  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->error_revealer));
  gtk_box_append (GTK_BOX (box), page);
  adw_window_set_content (ADW_WINDOW (self), box);
  gtk_window_set_default_size (GTK_WINDOW (self), 480, 640);
  gtk_widget_set_size_request (GTK_WIDGET (self), 360, 294);
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);
  gtk_window_set_default_widget (GTK_WINDOW (self), GTK_WIDGET (self->save_button));
}

/* Public API **********************************************************/

GtkWindow *
crm_record_editor_new (CrmContext *context,
                       const char *entity,
                       const char *id,
                       JsonObject *defaults,
                       GtkWindow  *parent)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *noun = NULL;
  g_autofree char *title = NULL;
  CrmRecordEditor *self;

  g_return_val_if_fail (CRM_IS_CONTEXT (context), NULL);
  g_return_val_if_fail (crm_entity_lookup (entity) != NULL, NULL);

  self = g_object_new (CRM_TYPE_RECORD_EDITOR, "transient-for", parent, NULL);
  self->context = g_object_ref (context);
  self->entity = crm_entity_lookup (entity);
  noun = entity_noun (self->entity);

  if (id != NULL)
    {
      self->record = crm_store_get (crm_context_get_store (context), entity, id, &error);
      if (self->record == NULL)
        show_error (self, error->message);
    }
  title = self->record ? g_strdup_printf (_("Edit %s"), noun) : g_strdup_printf (_("New %s"), noun);
  adw_window_title_set_title (self->window_title, title);
  gtk_window_set_title (GTK_WINDOW (self), title);
  if (self->record)
    {
      g_autofree char *name = crm_record_dup_title (self->record);

      adw_window_title_set_subtitle (self->window_title, name);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), id == NULL || self->record != NULL);

  for (guint i = 0; i < self->entity->n_fields; i++)
    if (is_editable (&self->entity->fields[i]))
      add_row (self, &self->entity->fields[i], defaults);

  return GTK_WINDOW (self);
}

void
crm_record_editor_set_text (CrmRecordEditor *self,
                            const char      *field,
                            const char      *text)
{
  Row *row;

  g_return_if_fail (CRM_IS_RECORD_EDITOR (self));

  if (!(row = find_row (self, field)))
    {
      g_critical ("%s has no field %s in its form", self->entity->name, field);
      return;
    }
  if (row->picker)
    crm_record_picker_set_record_id (row->picker, text);
  else if (row->values)
    {
      for (guint i = 0; i < row->values->len; i++)
        if (g_str_equal (g_ptr_array_index (row->values, i), text))
          adw_combo_row_set_selected (ADW_COMBO_ROW (row->row), i);
    }
  else if (row->toggle)
    gtk_switch_set_active (GTK_SWITCH (row->toggle), g_str_equal (text, "true"));
  else
    gtk_editable_set_text (GTK_EDITABLE (row->row), text);
}

gboolean
crm_record_editor_save (CrmRecordEditor *self)
{
  CrmStore *store;
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autoptr(CrmRecord) saved = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (CRM_IS_RECORD_EDITOR (self), FALSE);

  store = crm_context_get_store (self->context);
  clear_marks (self);
  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);
      JsonNode *value = row_value (row, &error);

      if (value == NULL)
        {
          show_error (self, error->message);
          return FALSE;
        }
      /* A new record leaves empty fields to their defaults; an edit sends
       * only what changed */
      if ((self->record == NULL && JSON_NODE_HOLDS_NULL (value)) ||
          (self->record && crm_values_equal (crm_record_get_field (self->record, row->field->name), value)))
        json_node_unref (value);
      else
        json_object_set_member (fields, row->field->name, value);
    }

  if (self->record == NULL)
    saved = crm_store_create (store, self->entity->name, fields, &error);
  else if (json_object_get_size (fields) == 0)
    saved = g_object_ref (self->record);
  else
    saved = crm_store_update (store, self->entity->name, crm_record_get_id (self->record), fields, &error);
  if (saved == NULL)
    {
      show_error (self, error->message);
      return FALSE;
    }

  g_free (self->saved_id);
  self->saved_id = g_strdup (crm_record_get_id (saved));
  g_signal_emit (self, signals[SAVED], 0, self->entity->name, self->saved_id);
  return TRUE;
}

const char *
crm_record_editor_get_error (CrmRecordEditor *self)
{
  g_return_val_if_fail (CRM_IS_RECORD_EDITOR (self), NULL);
  return self->error;
}

const char *
crm_record_editor_get_saved_id (CrmRecordEditor *self)
{
  g_return_val_if_fail (CRM_IS_RECORD_EDITOR (self), NULL);
  return self->saved_id;
}
