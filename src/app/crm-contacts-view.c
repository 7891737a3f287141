/* crm-contacts-view.c: contacts and accounts, a list and a detail pane
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-contacts"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-format.h"
#include "crm-record-list.h"

#include "crm-contacts-io.h"
#include "crm-contacts-view.h"
#include "crm-record-detail.h"

struct _CrmContactsView
{
  GtkWidget        parent_instance;

  AdwToastOverlay *toast_overlay;
  AdwLeaflet      *leaflet;
  GtkToggleButton *contacts_toggle;
  GtkToggleButton *accounts_toggle;
  GtkSearchEntry  *search_entry;
  GtkStack        *list_stack;
  GtkListView     *list_view;
  AdwStatusPage   *empty_page;
  CrmRecordDetail *detail;

  CrmContext      *context;
  CrmRecordList   *records;   /* read a page at a time */
  const char      *entity;
  /* Cancelled when the view goes: a file being read or written */
  GCancellable    *cancellable;
};

/* An import waiting on the file, the parse or the user's choice */
typedef struct
{
  CrmContactsView *self;
  char            *name;
  CrmImportPlan   *plan;
  CrmContactsFormat format;
} Import;

G_DEFINE_FINAL_TYPE (CrmContactsView, crm_contacts_view, GTK_TYPE_WIDGET)

enum {
  RECORD_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Helpers *************************************************************/

static char *
contact_name (CrmRecord *record)
{
  const char *first = crm_record_get_string (record, "first_name");
  const char *last = crm_record_get_string (record, "last_name");

  if (first == NULL && last == NULL)
    return g_strdup (_("Unnamed contact"));
  return g_strdup_printf ("%s%s%s", first ? first : "", first && last ? " " : "", last ? last : "");
}

/* Shows what @query matches, keeping the rows of records that did not
 * change (a sync's reload then costs the rows that did) */
static gboolean
show_query (CrmContactsView  *self,
            CrmQuery         *query,
            GError          **error)
{
  CrmStore *store = crm_context_get_store (self->context);
  g_autoptr(GPtrArray) first = NULL;
  gint64 count;

  if ((count = crm_store_query_count (store, query, error)) < 0 ||
      !(first = crm_store_query (store, query, crm_record_list_get_page_size (), 0, error)))
    {
      crm_record_list_set_query (self->records, NULL, NULL, NULL);
      return FALSE;
    }
  crm_record_list_set_results (self->records, store, query, (guint) MIN (count, G_MAXUINT), first);
  return TRUE;
}

static void
reload (CrmContactsView *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmQuery) query = NULL;
  g_auto(GStrv) deleting = NULL;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  GtkSelectionModel *selection = gtk_list_view_get_model (self->list_view);

  /* Unselected first: a selection looks for its item through every new
   * one, and every read makes new records (the detail pane keeps showing
   * the record) */
  gtk_single_selection_set_selected (GTK_SINGLE_SELECTION (selection), GTK_INVALID_LIST_POSITION);
  if (self->context == NULL)
    {
      crm_record_list_set_query (self->records, NULL, NULL, NULL);
      return;
    }
  query = crm_query_new (self->entity);
  crm_query_set_search (query, text, NULL);
  /* What is being deleted has left the list already */
  deleting = crm_context_dup_deleting_ids (self->context, self->entity);
  crm_query_add_not_ids (query, (const char * const *) deleting);
  if (!show_query (self, query, &error))
    g_warning ("Listing %s: %s", self->entity, error->message);

  if (g_list_model_get_n_items (G_LIST_MODEL (self->records)) == 0)
    {
      adw_status_page_set_description (self->empty_page,
                                       *text ? _("No record matches every word you typed.")
                                             : _("There are no records here yet."));
      gtk_stack_set_visible_child_name (self->list_stack, "empty");
    }
  else
    gtk_stack_set_visible_child_name (self->list_stack, "list");
}

static void
import_free (Import *import)
{
  g_clear_object (&import->self);
  g_free (import->name);
  g_clear_pointer (&import->plan, crm_import_plan_free);
  g_free (import);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Import, import_free)

static GtkWindow *
parent_window (CrmContactsView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static void
show_toast (CrmContactsView *self,
            const char      *title)
{
  AdwToast *toast = adw_toast_new (title);

  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* A bad file's message names its line: a dialog keeps it whole */
static void
show_error (CrmContactsView *self,
            const char      *heading,
            const char      *message)
{
  GtkWidget *dialog = adw_message_dialog_new (parent_window (self), heading, message);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
apply_import (Import             *import,
              CrmDuplicateChoice  choice)
{
  CrmContactsView *self = import->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *title = NULL;
  CrmImportResult result;

  if (self->context == NULL)
    return;
  if (!crm_import_plan_apply (import->plan, crm_context_get_store (self->context), choice, &result, &error))
    {
      heading = g_strdup_printf (_("Could Not Import “%s”"), import->name);
      show_error (self, heading, error->message);
      return;
    }
  /* Translators: "Imported 12 new contacts, merged 2, skipped 0" */
  title = g_strdup_printf (ngettext ("Imported %u new contact, merged %u, skipped %u",
                                     "Imported %u new contacts, merged %u, skipped %u", result.created),
                           result.created, result.merged, result.skipped);
  show_toast (self, title);
}

static void
duplicates_response_cb (AdwMessageDialog *dialog,
                        const char       *response,
                        gpointer          user_data)
{
  g_autoptr(Import) import = user_data;

  if (g_str_equal (response, "merge"))
    apply_import (import, CRM_DUPLICATE_MERGE);
  else if (g_str_equal (response, "skip"))
    apply_import (import, CRM_DUPLICATE_SKIP);
}

/* On the main loop, with the file read and checked: find what is here
 * already, ask what to do with it, and write */
static void
plan_ready (Import *import)
{
  CrmContactsView *self = import->self;
  g_autoptr(GError) error = NULL;
  GtkWidget *dialog;
  guint n;

  if (self->context == NULL)
    {
      import_free (import);
      return;
    }
  if (!crm_import_plan_find_duplicates (import->plan, crm_context_get_store (self->context), &error))
    {
      g_autofree char *heading = g_strdup_printf (_("Could Not Import “%s”"), import->name);

      show_error (self, heading, error->message);
      import_free (import);
      return;
    }
  if ((n = crm_import_plan_get_n_duplicates (import->plan)) == 0)
    {
      apply_import (import, CRM_DUPLICATE_MERGE);
      import_free (import);
      return;
    }

  dialog = adw_message_dialog_new (parent_window (self),
                                   ngettext ("A Contact Is Already Here", "Contacts Are Already Here", n),
                                   NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  ngettext ("%u of the %u contacts in “%s” has the e-mail address of a contact "
                                            "you have. Merge it into that contact (filling its empty fields and "
                                            "adding new addresses and numbers), or skip it?",
                                            "%u of the %u contacts in “%s” have the e-mail address of a contact "
                                            "you have. Merge them into those contacts (filling their empty fields "
                                            "and adding new addresses and numbers), or skip them?", n),
                                  n, crm_import_plan_get_n_contacts (import->plan), import->name);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "skip", _("_Skip"),
                                    "merge", _("_Merge"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "merge", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "merge");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (duplicates_response_cb), import);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Callbacks ***********************************************************/

static void
parse_thread_cb (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  Import *import = task_data;
  GBytes *bytes = g_object_get_data (G_OBJECT (task), "bytes");
  GError *error = NULL;
  CrmImportPlan *plan;
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);

  if ((plan = crm_import_plan_parse (import->format, data ? data : "", length, &error)))
    g_task_return_pointer (task, plan, (GDestroyNotify) crm_import_plan_free);
  else
    g_task_return_error (task, error);
}

static void
parsed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  CrmContactsView *self = CRM_CONTACTS_VIEW (object);
  Import *import = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  CrmImportPlan *plan = g_task_propagate_pointer (G_TASK (result), &error);

  if (plan == NULL)
    {
      g_autofree char *heading = g_strdup_printf (_("Cannot Import “%s”"), import->name);

      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, heading, error->message);
      return;
    }
  /* It goes on to the dialog, and the task goes */
  {
    Import *ready = g_new0 (Import, 1);

    ready->self = g_object_ref (self);
    ready->name = g_strdup (import->name);
    ready->plan = plan;
    plan_ready (ready);
  }
}

static void
file_loaded_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Import) import = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_load_contents_finish (G_FILE (object), result, &contents, &length, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *heading = g_strdup_printf (_("Cannot Import “%s”"), import->name);

          show_error (import->self, heading, error->message);
        }
      return;
    }

  task = g_task_new (import->self, import->self->cancellable, parsed_cb, NULL);
  g_task_set_source_tag (task, file_loaded_cb);
  g_object_set_data_full (G_OBJECT (task), "bytes",
                          g_bytes_new_take (g_steal_pointer (&contents), length),
                          (GDestroyNotify) g_bytes_unref);
  g_task_set_task_data (task, g_steal_pointer (&import), (GDestroyNotify) import_free);
  g_task_run_in_thread (task, parse_thread_cb);
}

static void
import_chosen_cb (GtkNativeDialog *chooser,
                  int              response,
                  CrmContactsView *self)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  Import *import;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
  if (file == NULL)
    return;

  import = g_new0 (Import, 1);
  import->self = g_object_ref (self);
  import->name = g_file_get_basename (file);
  if (!crm_contacts_format_from_path (import->name, &import->format, &error))
    {
      show_error (self, _("Cannot Import This File"), error->message);
      import_free (import);
      return;
    }
  g_file_load_contents_async (file, self->cancellable, file_loaded_cb, import);
}

static void
file_saved_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(CrmContactsView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_basename (G_FILE (object));
  guint n = GPOINTER_TO_UINT (g_object_get_data (object, "n-contacts"));

  if (!g_file_replace_contents_finish (G_FILE (object), result, NULL, &error))
    {
      g_autofree char *heading = g_strdup_printf (_("Could Not Save “%s”"), name);

      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, heading, error->message);
      return;
    }
  {
    g_autofree char *title = g_strdup_printf (ngettext ("Exported %u contact to “%s”",
                                                        "Exported %u contacts to “%s”", n), n, name);
    show_toast (self, title);
  }
}

static void
export_chosen_cb (GtkNativeDialog *chooser,
                  int              response,
                  CrmContactsView *self)
{
  g_autoptr(GFile) chosen = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  CrmContactsFormat format;
  GBytes *bytes;
  guint n = 0;

  if (response == GTK_RESPONSE_ACCEPT)
    chosen = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
  if (chosen == NULL || self->context == NULL)
    return;

  /* A name without a known extension is saved as a vCard */
  path = g_file_get_path (chosen);
  if (path && !crm_contacts_format_from_path (path, &format, NULL))
    {
      g_autofree char *with_extension = g_strconcat (path, ".vcf", NULL);

      file = g_file_new_for_path (with_extension);
      format = CRM_CONTACTS_FORMAT_VCARD;
    }
  else
    {
      file = g_object_ref (chosen);
      if (path == NULL)
        format = CRM_CONTACTS_FORMAT_VCARD;
    }

  if (!(text = crm_contacts_export (crm_context_get_store (self->context), NULL, format, &n, &error)))
    {
      show_error (self, _("Could Not Export the Contacts"), error->message);
      return;
    }
  {
    gsize length = strlen (text);

    bytes = g_bytes_new_take (g_steal_pointer (&text), length);
  }
  g_object_set_data (G_OBJECT (file), "n-contacts", GUINT_TO_POINTER (n));
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       self->cancellable, file_saved_cb, g_object_ref (self));
  g_bytes_unref (bytes);
}

static void
import_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  CrmContactsView *self = CRM_CONTACTS_VIEW (widget);
  GtkFileChooserNative *chooser;
  GtkFileFilter *filter;

  chooser = gtk_file_chooser_native_new (_("Import Contacts"), parent_window (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"), _("_Cancel"));
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("Contacts (vCard, CSV)"));
  gtk_file_filter_add_suffix (filter, "vcf");
  gtk_file_filter_add_suffix (filter, "vcard");
  gtk_file_filter_add_suffix (filter, "csv");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect_object (chooser, "response", G_CALLBACK (import_chosen_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
export_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  CrmContactsView *self = CRM_CONTACTS_VIEW (widget);
  GtkFileChooserNative *chooser;

  /* The name's extension says the format: .vcf (vCard 4.0) or .csv */
  chooser = gtk_file_chooser_native_new (_("Export Contacts"), parent_window (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), _("contacts.vcf"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect_object (chooser, "response", G_CALLBACK (export_chosen_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}


static void
row_setup_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              CrmContactsView          *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *subtitle = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), subtitle);
  gtk_list_item_set_child (item, box);
}

static void
row_bind_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             CrmContactsView          *self)
{
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkLabel *title = GTK_LABEL (gtk_widget_get_first_child (box));
  GtkLabel *subtitle = GTK_LABEL (gtk_widget_get_last_child (box));
  CrmRecord *record = gtk_list_item_get_item (item);
  g_autofree char *name = NULL;
  g_autofree char *detail = NULL;

  if (g_str_equal (crm_record_get_entity (record)->name, "contacts"))
    {
      const char *job = crm_record_get_string (record, "title");
      const char *account_id = crm_record_get_string (record, "account_id");
      const char *account = crm_context_lookup_title (self->context, "accounts", account_id);

      name = contact_name (record);
      if (job && account)
        detail = g_strdup_printf (_("%s at %s"), job, account);
      else
        detail = g_strdup (job ? job : account);
    }
  else
    {
      name = crm_record_dup_title (record);
      detail = g_strdup (crm_record_get_string (record, "industry"));
    }
  gtk_label_set_text (title, name);
  gtk_label_set_text (subtitle, detail ? detail : "");
  gtk_widget_set_visible (GTK_WIDGET (subtitle), detail != NULL);
}

static void
row_activated_cb (CrmContactsView *self,
                  guint            position)
{
  g_autoptr(CrmRecord) record = g_list_model_get_item (G_LIST_MODEL (self->records), position);

  if (record == NULL)
    return;
  crm_record_detail_show (self->detail, self->entity, crm_record_get_id (record));
  adw_leaflet_set_visible_child_name (self->leaflet, "detail");
}

static void
entity_toggled_cb (CrmContactsView *self)
{
  crm_contacts_view_set_entity (self, gtk_toggle_button_get_active (self->contacts_toggle)
                                        ? "contacts" : "accounts");
}

static void
search_changed_cb (CrmContactsView *self)
{
  reload (self);
}

static void
back_clicked_cb (CrmContactsView *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
detail_record_activated_cb (CrmContactsView *self,
                            const char      *entity,
                            const char      *id)
{
  if (g_str_equal (entity, "contacts") || g_str_equal (entity, "accounts"))
    crm_contacts_view_show_record (self, entity, id);
  else
    g_signal_emit (self, signals[RECORD_ACTIVATED], 0, entity, id);
}

/* GObject *************************************************************/

static void
crm_contacts_view_dispose (GObject *object)
{
  GtkWidget *child;
  CrmContactsView *self = CRM_CONTACTS_VIEW (object);

  if (self->context)
    g_signal_handlers_disconnect_by_data (self->context, self);
  g_clear_object (&self->context);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_CONTACTS_VIEW);
  /* The template's top widget is not bound, so not unparented above */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  g_clear_object (&self->records);

  G_OBJECT_CLASS (crm_contacts_view_parent_class)->dispose (object);
}

static void
crm_contacts_view_class_init (CrmContactsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_contacts_view_dispose;

  /**
   * CrmContactsView::record-activated:
   *
   * A linked record that this view does not show was chosen.
   */
  signals[RECORD_ACTIVATED] = g_signal_new ("record-activated",
                                            G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  g_type_ensure (CRM_TYPE_RECORD_DETAIL);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/Crm/crm-contacts-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmContactsView, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CrmContactsView, leaflet);
  gtk_widget_class_bind_template_child (widget_class, CrmContactsView, contacts_toggle);
  gtk_widget_class_bind_template_child (widget_class, CrmContactsView, accounts_toggle);
  gtk_widget_class_bind_template_child (widget_class, CrmContactsView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, CrmContactsView, list_stack);
  gtk_widget_class_bind_template_child (widget_class, CrmContactsView, list_view);
  gtk_widget_class_bind_template_child (widget_class, CrmContactsView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, CrmContactsView, detail);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, entity_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, detail_record_activated_cb);

  gtk_widget_class_install_action (widget_class, "contacts.import", NULL, import_action_cb);
  gtk_widget_class_install_action (widget_class, "contacts.export", NULL, export_action_cb);
}

static void
crm_contacts_view_init (CrmContactsView *self)
{
  GtkListItemFactory *factory;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->entity = "contacts";
  self->cancellable = g_cancellable_new ();
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "contacts.import", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "contacts.export", FALSE);
  self->records = crm_record_list_new ();

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (row_setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (row_bind_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);
  {
    g_autoptr(GtkSingleSelection) selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->records)));

    gtk_single_selection_set_autoselect (selection, FALSE);
    gtk_single_selection_set_can_unselect (selection, TRUE);
    gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  }
}

/* A sync or an edit changed records: reload now if shown, else when shown */
static void
records_changed_cb (CrmContactsView *self)
{
  crm_reload_when_shown (GTK_WIDGET (self), (void (*) (gpointer)) reload);
}

/* Public API **********************************************************/

void
crm_contacts_view_set_context (CrmContactsView *self,
                               CrmContext      *context)
{
  g_return_if_fail (CRM_IS_CONTACTS_VIEW (self));

  if (self->context)
    g_signal_handlers_disconnect_by_data (self->context, self);
  g_set_object (&self->context, context);
  crm_record_detail_set_context (self->detail, context);
  if (context)
    g_signal_connect_swapped (context, "records-changed", G_CALLBACK (records_changed_cb), self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "contacts.import", context != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "contacts.export", context != NULL);
  /* Behind another view, it loads when it shows */
  crm_reload_when_shown (GTK_WIDGET (self), (void (*) (gpointer)) reload);
}

void
crm_contacts_view_set_entity (CrmContactsView *self,
                              const char      *entity)
{
  g_return_if_fail (CRM_IS_CONTACTS_VIEW (self));
  g_return_if_fail (g_strcmp0 (entity, "contacts") == 0 || g_strcmp0 (entity, "accounts") == 0);

  if (g_str_equal (entity, self->entity))
    return;
  self->entity = g_str_equal (entity, "contacts") ? "contacts" : "accounts";
  gtk_toggle_button_set_active (g_str_equal (entity, "contacts") ? self->contacts_toggle : self->accounts_toggle,
                                TRUE);
  crm_record_detail_show (self->detail, NULL, NULL);
  reload (self);
}

void
crm_contacts_view_set_search (CrmContactsView *self,
                              const char      *text)
{
  g_return_if_fail (CRM_IS_CONTACTS_VIEW (self));

  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text);
  /* At once, not after the entry's typing delay */
  reload (self);
}

GListModel *
crm_contacts_view_get_model (CrmContactsView *self)
{
  g_return_val_if_fail (CRM_IS_CONTACTS_VIEW (self), NULL);
  return G_LIST_MODEL (self->records);
}

void
crm_contacts_view_show_record (CrmContactsView *self,
                               const char      *entity,
                               const char      *id)
{
  GtkSelectionModel *selection;
  guint n;

  g_return_if_fail (CRM_IS_CONTACTS_VIEW (self));

  crm_contacts_view_set_entity (self, entity);
  if (*gtk_editable_get_text (GTK_EDITABLE (self->search_entry)))
    crm_contacts_view_set_search (self, "");

  selection = gtk_list_view_get_model (self->list_view);
  /* Selected in the list when it is near the top; the detail shows it
   * either way (looking through 100k rows would read them all) */
  n = MIN (g_list_model_get_n_items (G_LIST_MODEL (self->records)), 1024);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CrmRecord) record = g_list_model_get_item (G_LIST_MODEL (self->records), i);

      if (g_str_equal (crm_record_get_id (record), id))
        {
          gtk_selection_model_select_item (selection, i, TRUE);
          gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", i);
          break;
        }
    }
  crm_record_detail_show (self->detail, entity, id);
  adw_leaflet_set_visible_child_name (self->leaflet, "detail");
}

const char *
crm_contacts_view_get_detail_title (CrmContactsView *self)
{
  g_return_val_if_fail (CRM_IS_CONTACTS_VIEW (self), NULL);
  return crm_record_detail_get_title (self->detail);
}
