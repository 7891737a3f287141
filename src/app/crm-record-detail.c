/* crm-record-detail.c: one record's fields, linked records and activities
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-record-detail"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-format.h"
#include "crm-quote-editor.h"
#include "crm-record-detail.h"
#include "crm-record-editor.h"

/* Linked records shown per group; the rest are counted */
#define MAX_LINKED 25

struct _CrmRecordDetail
{
  GtkWidget      parent_instance;

  GtkStack      *stack;
  AdwStatusPage *empty_page;
  GtkLabel      *title_label;
  GtkLabel      *subtitle_label;
  GtkBox        *groups;
  GtkWidget     *activity_buttons;
  GtkButton     *next_stage_button;
  GtkWidget     *new_quote_button;

  CrmContext    *context;
  char          *entity;
  char          *id;
};

G_DEFINE_FINAL_TYPE (CrmRecordDetail, crm_record_detail, GTK_TYPE_WIDGET)

enum {
  RECORD_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void update_actions    (CrmRecordDetail *self,
                               gboolean         shown);
static void update_next_stage (CrmRecordDetail *self,
                               gboolean         shown);

/* Helpers *************************************************************/

static gboolean
entity_opens (const char *entity)
{
  static const char * const openable[] = {
    "accounts", "contacts", "opportunities", "quotes", "activities", NULL
  };

  return g_strv_contains (openable, entity);
}

static char *
title_of (CrmStore   *store,
          const char *entity,
          const char *id)
{
  g_autoptr(CrmRecord) record = NULL;

  if (id == NULL || !(record = crm_store_get (store, entity, id, NULL)))
    return NULL;
  return crm_record_dup_title (record);
}

static void row_activated_cb (AdwActionRow    *row,
                              CrmRecordDetail *self);

static AdwActionRow *
add_row (AdwPreferencesGroup *group,
         CrmRecordDetail     *self,
         const char          *title,
         const char          *subtitle,
         const char          *icon_name)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle && *subtitle)
    adw_action_row_set_subtitle (row, subtitle);
  if (icon_name)
    adw_action_row_set_icon_name (row, icon_name);
  adw_preferences_group_add (group, GTK_WIDGET (row));
  return row;
}

/* Makes @row open a record, or a URI such as mailto: */
static void
link_row (AdwActionRow    *row,
          CrmRecordDetail *self,
          const char      *entity,
          const char      *id,
          const char      *uri)
{
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  adw_action_row_add_suffix (row, gtk_image_new_from_icon_name (uri ? "adw-external-link-symbolic" : "go-next-symbolic"));
  g_object_set_data_full (G_OBJECT (row), "entity", g_strdup (entity), g_free);
  g_object_set_data_full (G_OBJECT (row), "id", g_strdup (id), g_free);
  g_object_set_data_full (G_OBJECT (row), "uri", g_strdup (uri), g_free);
  g_signal_connect (row, "activated", G_CALLBACK (row_activated_cb), self);
}

static AdwPreferencesGroup *
new_group (CrmRecordDetail *self,
           const char      *title)
{
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());

  adw_preferences_group_set_title (group, title);
  gtk_box_append (self->groups, GTK_WIDGET (group));
  return group;
}

static char *
tel_uri (const char *number)
{
  GString *uri = g_string_new ("tel:");

  for (const char *p = number; *p; p++)
    if (g_ascii_isdigit (*p) || *p == '+')
      g_string_append_c (uri, *p);
  return g_string_free (uri, FALSE);
}

static void
add_contact_points (AdwPreferencesGroup *group,
                    CrmRecordDetail     *self,
                    const CrmField      *field,
                    JsonNode            *value)
{
  gboolean email = g_str_equal (field->name, "emails");
  JsonArray *array;

  if (value == NULL || !JSON_NODE_HOLDS_ARRAY (value))
    return;
  array = json_node_get_array (value);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *point = json_array_get_object_element (array, i);
      const char *text = point ? json_object_get_string_member_with_default (point, "value", NULL) : NULL;
      const char *type = point ? json_object_get_string_member_with_default (point, "type", NULL) : NULL;
      g_autofree char *uri = NULL;
      g_autofree char *subtitle = NULL;
      AdwActionRow *row;

      if (text == NULL || *text == '\0')
        continue;
      subtitle = type ? g_strdup_printf ("%s · %s", email ? _("E-mail") : _("Phone"), type)
                      : g_strdup (email ? _("E-mail") : _("Phone"));
      row = add_row (group, self, text, subtitle, email ? "mail-unread-symbolic" : "call-start-symbolic");
      uri = email ? g_strconcat ("mailto:", text, NULL) : tel_uri (text);
      link_row (row, self, NULL, NULL, uri);
    }
}

static void
add_quote_lines (AdwPreferencesGroup *group,
                 CrmRecordDetail     *self,
                 CrmRecord           *record,
                 JsonNode            *value)
{
  const char *currency = crm_record_get_string (record, "currency");
  JsonArray *array;

  if (value == NULL || !JSON_NODE_HOLDS_ARRAY (value))
    return;
  array = json_node_get_array (value);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *line = json_array_get_object_element (array, i);
      const char *description, *quantity, *price;
      g_autofree char *money = NULL;
      g_autofree char *subtitle = NULL;

      if (line == NULL)
        continue;
      description = json_object_get_string_member_with_default (line, "description", "");
      quantity = json_object_get_string_member_with_default (line, "quantity", NULL);
      price = json_object_get_string_member_with_default (line, "unit_price", NULL);
      /* Unit prices have four decimals, more than most currencies */
      money = price && currency ? g_strdup_printf ("%s %s", price, currency) : NULL;
      if (quantity && money)
        subtitle = g_strdup_printf (_("%s × %s"), quantity, money);
      add_row (group, self, *description ? description : _("Line"), subtitle, NULL);
    }
}

static void
add_fields (CrmRecordDetail *self,
            CrmRecord       *record)
{
  CrmStore *store = crm_context_get_store (self->context);
  const CrmEntity *entity = crm_record_get_entity (record);
  gboolean symbols = crm_context_get_use_symbols (self->context);
  AdwPreferencesGroup *details = new_group (self, _("Details"));
  AdwPreferencesGroup *points = NULL;
  AdwPreferencesGroup *lines = NULL;
  g_autofree char *owner = NULL;

  for (guint i = 0; i < entity->n_fields; i++)
    {
      const CrmField *field = &entity->fields[i];
      JsonNode *value = crm_record_get_field (record, field->name);
      g_autofree char *label = crm_format_field_label (field->name);
      g_autofree char *text = NULL;
      AdwActionRow *row;

      if (field->type == CRM_FIELD_CONTACT_POINTS)
        {
          if (points == NULL)
            points = new_group (self, _("E-mail and Phone"));
          add_contact_points (points, self, field, value);
          continue;
        }
      if (field->type == CRM_FIELD_QUOTE_LINES)
        {
          lines = new_group (self, _("Lines"));
          add_quote_lines (lines, self, record, value);
          continue;
        }
      if (value == NULL || JSON_NODE_HOLDS_NULL (value))
        continue;

      switch (field->type)
        {
        case CRM_FIELD_REF:
          text = title_of (store, field->related, json_node_get_string (value));
          row = add_row (details, self, label, text ? text : _("(not here)"), NULL);
          if (text && entity_opens (field->related))
            link_row (row, self, field->related, json_node_get_string (value), NULL);
          continue;
        case CRM_FIELD_MONEY:
          text = crm_format_money (json_node_get_string (value),
                                   crm_record_get_string (record, field->related), symbols);
          break;
        case CRM_FIELD_DATE:
          text = crm_format_date (json_node_get_string (value));
          break;
        case CRM_FIELD_DECIMAL:
          text = crm_format_value (value);
          if (g_str_equal (field->name, "probability"))
            {
              g_autofree char *number = g_steal_pointer (&text);

              text = g_strdup_printf ("%s %%", number);
            }
          break;
        case CRM_FIELD_TEXT:
        case CRM_FIELD_ENUM:
        case CRM_FIELD_INTEGER:
        case CRM_FIELD_BOOLEAN:
        case CRM_FIELD_DATETIME:
        case CRM_FIELD_CURRENCY:
        case CRM_FIELD_CONTACT_POINTS:
        case CRM_FIELD_QUOTE_LINES:
        case CRM_FIELD_PRICES:
        default:
          text = crm_format_value (value);
          break;
        }
      if (text == NULL || *text == '\0')
        continue;
      row = add_row (details, self, label, text, NULL);
      if (g_str_equal (field->name, "website") && g_str_has_prefix (text, "http"))
        link_row (row, self, NULL, NULL, text);
      else if (g_str_equal (field->name, "phone"))
        {
          g_autofree char *uri = tel_uri (text);

          link_row (row, self, NULL, NULL, uri);
        }
    }

  if ((owner = title_of (store, "users", crm_record_get_owner_id (record))))
    add_row (details, self, _("Owner"), owner, NULL);
}

static gint
compare_due_desc (gconstpointer a,
                  gconstpointer b)
{
  CrmRecord *ra = *(CrmRecord **) a;
  CrmRecord *rb = *(CrmRecord **) b;

  return g_strcmp0 (crm_record_get_string (rb, "due_at"), crm_record_get_string (ra, "due_at"));
}

/* Records of @entity whose @field is this record's id */
static void
add_linked (CrmRecordDetail *self,
            const char      *title,
            const char      *entity,
            const char      *field)
{
  CrmStore *store = crm_context_get_store (self->context);
  g_autoptr(CrmQuery) query = crm_query_new (entity);
  g_auto(GStrv) deleting = crm_context_dup_deleting_ids (self->context, entity);
  g_autoptr(GPtrArray) hits = NULL;
  g_autoptr(GError) error = NULL;
  gboolean symbols = crm_context_get_use_symbols (self->context);
  AdwPreferencesGroup *group;

  /* Only this record's, from the index on @field, not every record */
  crm_query_add_equal (query, field, self->id);
  crm_query_add_not_ids (query, (const char * const *) deleting);
  if (!(hits = crm_store_query (store, query, 0, 0, &error)))
    {
      g_warning ("Reading the %s of %s: %s", entity, self->id, error->message);
      return;
    }
  if (hits->len == 0)
    return;
  if (g_str_equal (entity, "activities"))
    g_ptr_array_sort (hits, compare_due_desc);

  group = new_group (self, title);
  for (guint i = 0; i < hits->len && i < MAX_LINKED; i++)
    {
      CrmRecord *hit = g_ptr_array_index (hits, i);
      g_autofree char *name = crm_record_dup_title (hit);
      g_autofree char *subtitle = NULL;
      const char *icon = NULL;
      AdwActionRow *row;

      if (g_str_equal (entity, "contacts"))
        subtitle = g_strdup (crm_record_get_string (hit, "title"));
      else if (g_str_equal (entity, "opportunities"))
        {
          g_autofree char *amount = crm_format_money (crm_record_get_string (hit, "amount"),
                                                      crm_record_get_string (hit, "currency"), symbols);
          g_autofree char *stage = title_of (store, "stages", crm_record_get_string (hit, "stage_id"));

          subtitle = g_strdup_printf ("%s · %s", stage ? stage : "", amount ? amount : "");
        }
      else if (g_str_equal (entity, "activities"))
        {
          const char *kind = crm_record_get_string (hit, "kind");
          const char *due = crm_record_get_string (hit, "due_at");
          g_autofree char *date = due ? g_strndup (due, 10) : NULL;
          g_autofree char *when = date ? crm_format_date (date) : NULL;
          JsonNode *done = crm_record_get_field (hit, "done");

          icon = g_strcmp0 (kind, "call") == 0 ? "call-start-symbolic" :
                 g_strcmp0 (kind, "meeting") == 0 ? "appointment-new-symbolic" :
                 g_strcmp0 (kind, "task") == 0 ? "task-due-symbolic" : "document-edit-symbolic";
          subtitle = g_strdup_printf ("%s%s%s%s", kind ? kind : "", when ? " · " : "", when ? when : "",
                                      done && JSON_NODE_HOLDS_VALUE (done) && json_node_get_boolean (done)
                                        ? _(" · done") : "");
        }
      row = add_row (group, self, name ? name : "", subtitle, icon);
      if (!g_str_equal (entity, "activities"))
        link_row (row, self, entity, crm_record_get_id (hit), NULL);
    }
  if (hits->len > MAX_LINKED)
    {
      g_autofree char *more = g_strdup_printf (ngettext ("%u more", "%u more", hits->len - MAX_LINKED),
                                               hits->len - MAX_LINKED);
      add_row (group, self, more, NULL, NULL);
    }
}

static void
clear_groups (CrmRecordDetail *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->groups))))
    gtk_box_remove (self->groups, child);
}

static char *
dup_subtitle (CrmRecordDetail *self,
              CrmRecord       *record)
{
  CrmStore *store = crm_context_get_store (self->context);
  const char *entity = crm_record_get_entity (record)->name;

  if (g_str_equal (entity, "contacts"))
    {
      const char *title = crm_record_get_string (record, "title");
      g_autofree char *account = title_of (store, "accounts", crm_record_get_string (record, "account_id"));

      if (title && account)
        return g_strdup_printf (_("%s at %s"), title, account);
      return g_strdup (title ? title : account);
    }
  if (g_str_equal (entity, "accounts"))
    return g_strdup (crm_record_get_string (record, "industry"));
  if (g_str_equal (entity, "opportunities"))
    {
      g_autofree char *stage = title_of (store, "stages", crm_record_get_string (record, "stage_id"));
      g_autofree char *amount = crm_format_money (crm_record_get_string (record, "amount"),
                                                  crm_record_get_string (record, "currency"),
                                                  crm_context_get_use_symbols (self->context));

      return g_strdup_printf ("%s · %s", stage ? stage : "", amount ? amount : "");
    }
  if (g_str_equal (entity, "quotes"))
    {
      g_autofree char *revision = crm_format_value (crm_record_get_field (record, "revision"));

      return g_strdup_printf (_("Revision %s · %s"), revision, crm_record_get_string (record, "status"));
    }
  return NULL;
}

static void
rebuild (CrmRecordDetail *self)
{
  g_autoptr(CrmRecord) record = NULL;
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;

  clear_groups (self);
  if (self->context == NULL || self->id == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      update_actions (self, FALSE);
      return;
    }
  if (!(record = crm_store_get (crm_context_get_store (self->context), self->entity, self->id, NULL)) ||
      crm_record_get_deleted (record) || crm_context_is_deleting (self->context, self->entity, self->id))
    {
      adw_status_page_set_title (self->empty_page, _("Record Deleted"));
      adw_status_page_set_description (self->empty_page, _("This record no longer exists."));
      gtk_stack_set_visible_child_name (self->stack, "empty");
      update_actions (self, FALSE);
      return;
    }
  update_actions (self, TRUE);

  title = crm_record_dup_title (record);
  if (g_str_equal (self->entity, "contacts"))
    {
      const char *first = crm_record_get_string (record, "first_name");
      const char *last = crm_record_get_string (record, "last_name");

      g_free (title);
      title = g_strdup_printf ("%s%s%s", first ? first : "", first && last ? " " : "", last ? last : "");
    }
  gtk_label_set_text (self->title_label, title);
  subtitle = dup_subtitle (self, record);
  gtk_label_set_text (self->subtitle_label, subtitle ? subtitle : "");
  gtk_widget_set_visible (GTK_WIDGET (self->subtitle_label), subtitle && *subtitle);

  add_fields (self, record);
  if (g_str_equal (self->entity, "accounts"))
    {
      add_linked (self, _("Contacts"), "contacts", "account_id");
      add_linked (self, _("Opportunities"), "opportunities", "account_id");
      add_linked (self, _("Quotes"), "quotes", "account_id");
      add_linked (self, _("Activities"), "activities", "account_id");
    }
  else if (g_str_equal (self->entity, "contacts"))
    {
      add_linked (self, _("Opportunities"), "opportunities", "contact_id");
      add_linked (self, _("Activities"), "activities", "contact_id");
    }
  else if (g_str_equal (self->entity, "opportunities"))
    {
      add_linked (self, _("Quotes"), "quotes", "opportunity_id");
      add_linked (self, _("Activities"), "activities", "opportunity_id");
    }
  gtk_stack_set_visible_child_name (self->stack, "record");
}

/* Editing *************************************************************/

static void
update_actions (CrmRecordDetail *self,
                gboolean         shown)
{
  gboolean links = shown && (g_strcmp0 (self->entity, "contacts") == 0 ||
                             g_strcmp0 (self->entity, "accounts") == 0 ||
                             g_strcmp0 (self->entity, "opportunities") == 0);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.edit", shown);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.delete", shown);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.add-activity", links);
  gtk_widget_set_visible (GTK_WIDGET (self->activity_buttons), links);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.new-quote",
                                 shown && g_strcmp0 (self->entity, "opportunities") == 0);
  gtk_widget_set_visible (self->new_quote_button, shown && g_strcmp0 (self->entity, "opportunities") == 0);
  gtk_widget_set_visible (gtk_widget_get_parent (self->new_quote_button),
                          shown && g_strcmp0 (self->entity, "opportunities") == 0);
  update_next_stage (self, shown);
}

static gboolean
stage_is_lost (CrmRecord *stage)
{
  JsonNode *lost = crm_record_get_field (stage, "is_lost");

  return lost && JSON_NODE_HOLDS_VALUE (lost) && json_node_get_value_type (lost) == G_TYPE_BOOLEAN &&
         json_node_get_boolean (lost);
}

/* The stage after the deal's in pipeline order, leaving out lost ones:
 * moving on is progress; losing a deal asks for a reason on the board */
static CrmRecord *
next_stage (CrmRecordDetail *self)
{
  CrmStore *store = crm_context_get_store (self->context);
  g_autoptr(CrmRecord) deal = crm_store_get (store, "opportunities", self->id, NULL);
  g_autoptr(GPtrArray) stages = crm_store_list (store, "stages", NULL, 0, 0, NULL);
  gboolean after = FALSE;

  for (guint i = 0; deal && stages && i < stages->len; i++)
    {
      CrmRecord *stage = g_ptr_array_index (stages, i);

      if (after && !stage_is_lost (stage))
        return g_object_ref (stage);
      if (g_strcmp0 (crm_record_get_id (stage), crm_record_get_string (deal, "stage_id")) == 0)
        after = TRUE;
    }
  return NULL;
}

static void
update_next_stage (CrmRecordDetail *self,
                   gboolean         shown)
{
  g_autoptr(CrmRecord) stage = NULL;
  g_autofree char *name = NULL;
  g_autofree char *label = NULL;

  if (shown && g_strcmp0 (self->entity, "opportunities") == 0)
    stage = next_stage (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.next-stage", stage != NULL);
  /* Its flow box slot too, or a hidden button leaves a gap */
  gtk_widget_set_visible (GTK_WIDGET (self->next_stage_button), stage != NULL);
  gtk_widget_set_visible (gtk_widget_get_parent (GTK_WIDGET (self->next_stage_button)), stage != NULL);
  if (stage == NULL)
    return;
  name = crm_record_dup_title (stage);
  /* The keyboard's way to do what dragging a card does */
  label = g_strdup_printf (_("Move to %s"), name);
  gtk_button_set_label (self->next_stage_button, label);
}

static void
next_stage_action_cb (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  CrmRecordDetail *self = CRM_RECORD_DETAIL (widget);
  g_autoptr(CrmRecord) stage = NULL;
  g_autoptr(JsonObject) changes = json_object_new ();
  g_autoptr(CrmRecord) saved = NULL;
  g_autoptr(GError) error = NULL;

  if (self->context == NULL || self->id == NULL || !(stage = next_stage (self)))
    return;
  json_object_set_string_member (changes, "stage_id", crm_record_get_id (stage));
  saved = crm_store_update (crm_context_get_store (self->context), "opportunities", self->id, changes, &error);
  if (saved == NULL)
    g_warning ("Could not move the deal: %s", error->message);
}

static GtkWindow *
parent_window (CrmRecordDetail *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static void
edit_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  CrmRecordDetail *self = CRM_RECORD_DETAIL (widget);

  if (self->context && self->id)
    gtk_window_present (crm_record_editor_new (self->context, self->entity, self->id, NULL, parent_window (self)));
}

static void
delete_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  CrmRecordDetail *self = CRM_RECORD_DETAIL (widget);

  /* The main window offers the undo */
  if (self->context && self->id)
    crm_context_delete_later (self->context, self->entity, self->id);
}

/* A call, meeting, task or note about this record, in a form that has it
 * linked already; a call or note is about now, a meeting or task is due
 * tomorrow at this hour until the user says otherwise */
static void
add_activity_action_cb (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  CrmRecordDetail *self = CRM_RECORD_DETAIL (widget);
  const char *kind = g_variant_get_string (parameter, NULL);
  g_autoptr(JsonObject) defaults = json_object_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) due = NULL;
  g_autoptr(CrmRecord) record = NULL;
  g_autofree char *due_text = NULL;
  const char *link;

  if (self->context == NULL || self->id == NULL)
    return;
  record = crm_store_get (crm_context_get_store (self->context), self->entity, self->id, NULL);
  link = g_str_equal (self->entity, "contacts") ? "contact_id" :
         g_str_equal (self->entity, "accounts") ? "account_id" : "opportunity_id";
  json_object_set_string_member (defaults, "kind", kind);
  json_object_set_string_member (defaults, link, self->id);
  /* A contact's or deal's account comes along, so the account sees it too */
  if (record && !g_str_equal (self->entity, "accounts") && crm_record_get_string (record, "account_id"))
    json_object_set_string_member (defaults, "account_id", crm_record_get_string (record, "account_id"));
  if (record && g_str_equal (self->entity, "opportunities") && crm_record_get_string (record, "contact_id"))
    json_object_set_string_member (defaults, "contact_id", crm_record_get_string (record, "contact_id"));
  due = g_str_equal (kind, "meeting") || g_str_equal (kind, "task") ? g_date_time_add_days (now, 1)
                                                                    : g_date_time_ref (now);
  due_text = g_date_time_format (due, "%Y-%m-%dT%H:%M:00Z");
  json_object_set_string_member (defaults, "due_at", due_text);
  if (g_str_equal (kind, "call") || g_str_equal (kind, "note"))
    json_object_set_boolean_member (defaults, "done", TRUE);

  gtk_window_present (crm_record_editor_new (self->context, "activities", NULL, defaults, parent_window (self)));
}

/* A draft quote for the deal, in its currency, for its account and
 * contact; it is saved when the user saves it */
static void
new_quote_action_cb (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  CrmRecordDetail *self = CRM_RECORD_DETAIL (widget);
  g_autoptr(JsonObject) defaults = json_object_new ();
  g_autoptr(CrmRecord) deal = NULL;
  static const char * const links[] = { "account_id", "contact_id", "currency", NULL };

  if (self->context == NULL || self->id == NULL ||
      !(deal = crm_store_get (crm_context_get_store (self->context), "opportunities", self->id, NULL)))
    return;
  json_object_set_string_member (defaults, "opportunity_id", self->id);
  for (guint i = 0; links[i]; i++)
    if (crm_record_get_string (deal, links[i]))
      json_object_set_string_member (defaults, links[i], crm_record_get_string (deal, links[i]));
  gtk_window_present (crm_quote_editor_new (self->context, NULL, defaults, parent_window (self)));
}

/* Callbacks ***********************************************************/

static void
row_activated_cb (AdwActionRow    *row,
                  CrmRecordDetail *self)
{
  const char *uri = g_object_get_data (G_OBJECT (row), "uri");
  const char *entity = g_object_get_data (G_OBJECT (row), "entity");
  const char *id = g_object_get_data (G_OBJECT (row), "id");

  if (uri)
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

      gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME);
    }
  else if (entity && id)
    g_signal_emit (self, signals[RECORD_ACTIVATED], 0, entity, id);
}

static void
records_changed_cb (CrmRecordDetail *self)
{
  if (self->id)
    rebuild (self);
}

/* GObject *************************************************************/

static void
crm_record_detail_dispose (GObject *object)
{
  GtkWidget *child;
  CrmRecordDetail *self = CRM_RECORD_DETAIL (object);

  crm_record_detail_set_context (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_RECORD_DETAIL);
  /* The template's top widget is not bound, so not unparented above */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (crm_record_detail_parent_class)->dispose (object);
}

static void
crm_record_detail_finalize (GObject *object)
{
  CrmRecordDetail *self = CRM_RECORD_DETAIL (object);

  g_free (self->entity);
  g_free (self->id);

  G_OBJECT_CLASS (crm_record_detail_parent_class)->finalize (object);
}

static void
crm_record_detail_class_init (CrmRecordDetailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_record_detail_dispose;
  object_class->finalize = crm_record_detail_finalize;

  /**
   * CrmRecordDetail::record-activated:
   * @entity: the entity of the linked record
   * @id: its id
   */
  signals[RECORD_ACTIVATED] = g_signal_new ("record-activated",
                                            G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/Crm/crm-record-detail.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmRecordDetail, stack);
  gtk_widget_class_bind_template_child (widget_class, CrmRecordDetail, empty_page);
  gtk_widget_class_bind_template_child (widget_class, CrmRecordDetail, title_label);
  gtk_widget_class_bind_template_child (widget_class, CrmRecordDetail, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, CrmRecordDetail, groups);
  gtk_widget_class_bind_template_child (widget_class, CrmRecordDetail, activity_buttons);
  gtk_widget_class_bind_template_child (widget_class, CrmRecordDetail, next_stage_button);
  gtk_widget_class_bind_template_child (widget_class, CrmRecordDetail, new_quote_button);

  gtk_widget_class_install_action (widget_class, "detail.edit", NULL, edit_action_cb);
  gtk_widget_class_install_action (widget_class, "detail.delete", NULL, delete_action_cb);
  gtk_widget_class_install_action (widget_class, "detail.next-stage", NULL, next_stage_action_cb);
  gtk_widget_class_install_action (widget_class, "detail.new-quote", NULL, new_quote_action_cb);
  gtk_widget_class_install_action (widget_class, "detail.add-activity", "s", add_activity_action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "detail.edit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "detail.delete", NULL);
}

static void
crm_record_detail_init (CrmRecordDetail *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  update_actions (self, FALSE);
}

/* Public API **********************************************************/

GtkWidget *
crm_record_detail_new (void)
{
  return g_object_new (CRM_TYPE_RECORD_DETAIL, NULL);
}

void
crm_record_detail_set_context (CrmRecordDetail *self,
                               CrmContext      *context)
{
  g_return_if_fail (CRM_IS_RECORD_DETAIL (self));

  if (self->context)
    g_signal_handlers_disconnect_by_data (self->context, self);
  g_set_object (&self->context, context);
  if (context)
    g_signal_connect_swapped (context, "records-changed", G_CALLBACK (records_changed_cb), self);
  g_clear_pointer (&self->id, g_free);
  rebuild (self);
}

void
crm_record_detail_show (CrmRecordDetail *self,
                        const char      *entity,
                        const char      *id)
{
  g_return_if_fail (CRM_IS_RECORD_DETAIL (self));

  g_free (self->entity);
  self->entity = g_strdup (entity);
  g_free (self->id);
  self->id = g_strdup (id);
  rebuild (self);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (
                              GTK_SCROLLED_WINDOW (gtk_stack_get_child_by_name (self->stack, "record"))), 0);
}

const char *
crm_record_detail_get_title (CrmRecordDetail *self)
{
  g_return_val_if_fail (CRM_IS_RECORD_DETAIL (self), NULL);
  return gtk_label_get_text (self->title_label);
}
