/* crm-quotes-view.c: the quotes in the profile, as a table
 *
 * Filtered by status (as a person sees it: a sent quote past its date is
 * expired), by account and by the words of its number, lines, notes and
 * terms.
 *
 * A worker thread reads the quotes and their accounts' names on its own
 * read-only connection (10,000 quotes with their lines take a third of a
 * second to read), so a sync that brings quotes never stalls the window;
 * the filters then work on what it read.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-quotes"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "crm-format.h"
#include "crm-quote-record.h"
#include "crm-quotes-view.h"
#include "crm-table.h"

struct _CrmQuotesView
{
  GtkWidget      parent_instance;

  GtkStack      *stack;
  GtkColumnView *table;
  AdwStatusPage *empty_page;
  GtkSearchEntry *search_entry;
  GtkDropDown   *status_dropdown;
  GtkDropDown   *account_dropdown;

  CrmContext    *context;
  GListStore    *quotes;
  GHashTable    *account_names;
  GPtrArray     *account_ids;   /* the account filter's choices; "" for any */
  GPtrArray     *all;           /* every quote, before the filters */
  gboolean       reloading;
  guint          generation;    /* of the read under way, or the last */
  gboolean       loading;
  gboolean       load_again;    /* records changed during it */
};

G_DEFINE_FINAL_TYPE (CrmQuotesView, crm_quotes_view, GTK_TYPE_WIDGET)

enum {
  RECORD_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Cells ***************************************************************/

static char *
number_cell (CrmRecord *quote,
             gboolean   for_sorting,
             gpointer   user_data)
{
  return g_strdup (crm_record_get_string (quote, "number"));
}

static char *
revision_cell (CrmRecord *quote,
               gboolean   for_sorting,
               gpointer   user_data)
{
  JsonNode *revision = crm_record_get_field (quote, "revision");
  gint64 value = revision && JSON_NODE_HOLDS_VALUE (revision) ? json_node_get_int (revision) : 0;

  return for_sorting ? g_strdup_printf ("%010" G_GINT64_FORMAT, value)
                     : g_strdup_printf ("%" G_GINT64_FORMAT, value);
}

static char *
status_cell (CrmRecord *quote,
             gboolean   for_sorting,
             gpointer   user_data)
{
  const char *status = crm_quote_record_get_status (quote, NULL);

  if (status == NULL || for_sorting)
    return g_strdup (status);
  return g_strdup_printf ("%c%s", g_ascii_toupper (status[0]), status + 1);
}

static char *
account_cell (CrmRecord *quote,
              gboolean   for_sorting,
              gpointer   user_data)
{
  CrmQuotesView *self = user_data;
  const char *id = crm_record_get_string (quote, "account_id");

  return g_strdup (id ? g_hash_table_lookup (self->account_names, id) : NULL);
}

static char *
valid_until_cell (CrmRecord *quote,
                  gboolean   for_sorting,
                  gpointer   user_data)
{
  const char *date = crm_record_get_string (quote, "valid_until");

  if (date == NULL || for_sorting)
    return g_strdup (date);
  return crm_format_date (date);
}

static char *
lines_cell (CrmRecord *quote,
            gboolean   for_sorting,
            gpointer   user_data)
{
  JsonNode *lines = crm_record_get_field (quote, "lines");
  guint n = lines && JSON_NODE_HOLDS_ARRAY (lines) ? json_array_get_length (json_node_get_array (lines)) : 0;

  return for_sorting ? g_strdup_printf ("%06u", n) : g_strdup_printf ("%u", n);
}

static char *
total_cell (CrmRecord *quote,
            gboolean   for_sorting,
            gpointer   user_data)
{
  CrmQuotesView *self = user_data;
  const char *total = crm_record_get_string (quote, "total");
  g_autoptr(GError) error = NULL;
  gint64 minor;

  if (total == NULL)
    return NULL;
  if (for_sorting)
    {
      /* Amounts sort by value, whatever their decimals */
      if (!crm_decimal_parse (total, 4, &minor, &error))
        return g_strdup (total);
      return g_strdup_printf ("%c%020" G_GINT64_MODIFIER "u", minor < 0 ? '0' : '1',
                              (guint64) (minor < 0 ? G_MAXINT64 + minor : minor));
    }
  return crm_format_money (total, crm_record_get_string (quote, "currency"),
                           self->context && crm_context_get_use_symbols (self->context));
}

static char *
currency_cell (CrmRecord *quote,
               gboolean   for_sorting,
               gpointer   user_data)
{
  return g_strdup (crm_record_get_string (quote, "currency"));
}

/* Helpers *************************************************************/

/* Whether every word of @search is in the quote's number, notes, terms
 * or a line's description, ignoring case */
static gboolean
matches_text (CrmRecord  *quote,
              const char *search)
{
  g_autoptr(GString) haystack = g_string_new (NULL);
  g_auto(GStrv) words = g_strsplit_set (search, " \t", -1);
  g_autofree char *folded = NULL;
  JsonNode *lines = crm_record_get_field (quote, "lines");
  JsonArray *array = lines && JSON_NODE_HOLDS_ARRAY (lines) ? json_node_get_array (lines) : NULL;
  const char * const fields[] = { "number", "notes", "terms" };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (crm_record_get_string (quote, fields[i]))
      g_string_append_printf (haystack, "%s ", crm_record_get_string (quote, fields[i]));
  for (guint i = 0; array && i < json_array_get_length (array); i++)
    {
      JsonNode *line = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_OBJECT (line))
        g_string_append_printf (haystack, "%s ", json_object_get_string_member_with_default (
                                                   json_node_get_object (line), "description", ""));
    }
  folded = g_utf8_casefold (haystack->str, -1);
  for (guint i = 0; words[i]; i++)
    {
      g_autofree char *word = g_utf8_casefold (words[i], -1);

      if (*word && strstr (folded, word) == NULL)
        return FALSE;
    }
  return TRUE;
}

static void
apply_filters (CrmQuotesView *self)
{
  static const char * const statuses[] = { NULL, "draft", "sent", "accepted", "rejected", "expired" };
  g_autoptr(GPtrArray) shown = g_ptr_array_new ();
  guint status_index = gtk_drop_down_get_selected (self->status_dropdown);
  guint account_index = gtk_drop_down_get_selected (self->account_dropdown);
  const char *status = status_index < G_N_ELEMENTS (statuses) ? statuses[status_index] : NULL;
  const char *account = account_index < self->account_ids->len ? g_ptr_array_index (self->account_ids, account_index) : "";
  const char *search = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  for (guint i = 0; self->all && i < self->all->len; i++)
    {
      CrmRecord *quote = g_ptr_array_index (self->all, i);

      if ((status && !g_str_equal (crm_quote_record_get_status (quote, NULL), status)) ||
          (*account && g_strcmp0 (crm_record_get_string (quote, "account_id"), account) != 0) ||
          (*search && !matches_text (quote, search)))
        continue;
      g_ptr_array_add (shown, quote);
    }
  g_list_store_splice (self->quotes, 0, g_list_model_get_n_items (G_LIST_MODEL (self->quotes)),
                       shown->pdata, shown->len);
  if (self->all && self->all->len)
    {
      adw_status_page_set_title (self->empty_page, _("No Matching Quotes"));
      adw_status_page_set_description (self->empty_page, _("No quote has that status, account and words."));
    }
  else
    {
      adw_status_page_set_title (self->empty_page, _("No Quotes"));
      adw_status_page_set_description (self->empty_page, _("Make one with New Quote, or from a deal’s page."));
    }
  gtk_stack_set_visible_child_name (self->stack, shown->len ? "table" : "empty");
}

/* The account filter's choices: the accounts that have quotes, keeping
 * the one chosen */
static void
fill_accounts (CrmQuotesView *self)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint index = gtk_drop_down_get_selected (self->account_dropdown);
  g_autofree char *chosen = g_strdup (index < self->account_ids->len ? g_ptr_array_index (self->account_ids, index) : "");
  guint selected = 0;

  g_ptr_array_set_size (self->account_ids, 0);
  g_ptr_array_add (self->account_ids, g_strdup (""));
  gtk_string_list_append (names, _("Any Account"));
  for (guint i = 0; self->all && i < self->all->len; i++)
    {
      const char *id = crm_record_get_string (g_ptr_array_index (self->all, i), "account_id");
      const char *name = id ? g_hash_table_lookup (self->account_names, id) : NULL;

      if (name == NULL || g_hash_table_contains (seen, id))
        continue;
      g_hash_table_add (seen, (gpointer) id);
      if (g_str_equal (id, chosen))
        selected = self->account_ids->len;
      g_ptr_array_add (self->account_ids, g_strdup (id));
      gtk_string_list_append (names, name);
    }
  gtk_drop_down_set_model (self->account_dropdown, G_LIST_MODEL (names));
  gtk_drop_down_set_selected (self->account_dropdown, selected);
}

/* What the worker read */
typedef struct
{
  GPtrArray  *quotes;
  GHashTable *account_names;
} Loaded;

static void
loaded_free (Loaded *loaded)
{
  g_clear_pointer (&loaded->quotes, g_ptr_array_unref);
  g_clear_pointer (&loaded->account_names, g_hash_table_unref);
  g_free (loaded);
}

/* Worker: every quote, and the names of the accounts they are for */
static void
load_thread (GTask        *task,
             gpointer      source,
             gpointer      path,
             GCancellable *cancellable)
{
  g_autoptr(CrmStore) reader = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Loaded *loaded = g_new0 (Loaded, 1);

  if (!(reader = crm_store_open_reader (path, &error)) || !crm_store_begin_read (reader, &error))
    goto failed;
  if (!(loaded->quotes = crm_store_list (reader, "quotes", NULL, 0, 0, &error)))
    {
      crm_store_end_read (reader);
      goto failed;
    }
  for (guint i = 0; i < loaded->quotes->len; i++)
    {
      const char *account = crm_record_get_string (g_ptr_array_index (loaded->quotes, i), "account_id");

      if (account)
        g_ptr_array_add (ids, (gpointer) account);
    }
  if (!(loaded->account_names = crm_store_dup_titles (reader, "accounts", (const char * const *) ids->pdata,
                                                      ids->len, &error)))
    {
      crm_store_end_read (reader);
      goto failed;
    }
  crm_store_end_read (reader);
  g_task_return_pointer (task, loaded, (GDestroyNotify) loaded_free);
  return;

failed:
  loaded_free (loaded);
  g_task_return_error (task, g_steal_pointer (&error));
}

static void reload (CrmQuotesView *self);

static void
load_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  CrmQuotesView *self = CRM_QUOTES_VIEW (object);
  g_autoptr(GError) error = NULL;
  Loaded *loaded = g_task_propagate_pointer (G_TASK (result), &error);

  self->loading = FALSE;
  if (loaded == NULL)
    g_warning ("Reading the quotes: %s", error->message);
  else if (self->context && GPOINTER_TO_UINT (user_data) == self->generation)
    {
      g_hash_table_unref (self->account_names);
      self->account_names = g_steal_pointer (&loaded->account_names);
      g_clear_pointer (&self->all, g_ptr_array_unref);
      self->all = g_steal_pointer (&loaded->quotes);
      /* Filling the choices notifies the filter, which shows the quotes */
      self->reloading = TRUE;
      fill_accounts (self);
      self->reloading = FALSE;
      apply_filters (self);
    }
  g_clear_pointer (&loaded, loaded_free);
  crm_release_worker_memory ();

  if (self->load_again)
    {
      self->load_again = FALSE;
      reload (self);
    }
}

static void
reload (CrmQuotesView *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->context == NULL)
    return;
  /* One read at a time; the last request wins */
  if (self->loading)
    {
      self->load_again = TRUE;
      return;
    }
  self->loading = TRUE;
  task = g_task_new (self, NULL, load_done_cb, GUINT_TO_POINTER (++self->generation));
  g_task_set_source_tag (task, reload);
  g_task_set_task_data (task, g_strdup (crm_store_get_path (crm_context_get_store (self->context))), g_free);
  g_task_run_in_thread (task, load_thread);
}

/* Callbacks ***********************************************************/

static void
filter_changed_cb (CrmQuotesView *self)
{
  if (!self->reloading)
    apply_filters (self);
}

static void
row_activated_cb (CrmQuotesView *self,
                  guint          position)
{
  GListModel *model = G_LIST_MODEL (gtk_column_view_get_model (self->table));
  g_autoptr(CrmRecord) quote = g_list_model_get_item (model, position);

  if (quote)
    g_signal_emit (self, signals[RECORD_ACTIVATED], 0, "quotes", crm_record_get_id (quote));
}

/* GObject *************************************************************/

static void
crm_quotes_view_dispose (GObject *object)
{
  GtkWidget *child;
  CrmQuotesView *self = CRM_QUOTES_VIEW (object);

  crm_quotes_view_set_context (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_QUOTES_VIEW);
  /* The template's top widget is not bound, so not unparented above */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  g_clear_object (&self->quotes);
  g_clear_pointer (&self->account_names, g_hash_table_unref);
  g_clear_pointer (&self->account_ids, g_ptr_array_unref);
  g_clear_pointer (&self->all, g_ptr_array_unref);

  G_OBJECT_CLASS (crm_quotes_view_parent_class)->dispose (object);
}

static void
crm_quotes_view_class_init (CrmQuotesViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_quotes_view_dispose;

  /**
   * CrmQuotesView::record-activated:
   *
   * A quote was clicked.
   */
  signals[RECORD_ACTIVATED] = g_signal_new ("record-activated",
                                            G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/Crm/crm-quotes-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmQuotesView, stack);
  gtk_widget_class_bind_template_child (widget_class, CrmQuotesView, table);
  gtk_widget_class_bind_template_child (widget_class, CrmQuotesView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, CrmQuotesView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, CrmQuotesView, status_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CrmQuotesView, account_dropdown);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, filter_changed_cb);
}

static void
crm_quotes_view_init (CrmQuotesView *self)
{
  self->account_ids = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
  crm_fix_mnemonic_names (GTK_WIDGET (self));

  self->quotes = g_list_store_new (CRM_TYPE_RECORD);
  self->account_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  crm_table_add_column (self->table, _("Number"), number_cell, self, FALSE, FALSE);
  crm_table_add_column (self->table, _("Revision"), revision_cell, self, FALSE, TRUE);
  crm_table_add_column (self->table, _("Account"), account_cell, self, TRUE, FALSE);
  crm_table_add_column (self->table, _("Status"), status_cell, self, FALSE, FALSE);
  crm_table_add_column (self->table, _("Valid Until"), valid_until_cell, self, FALSE, FALSE);
  crm_table_add_column (self->table, _("Lines"), lines_cell, self, FALSE, TRUE);
  crm_table_add_column (self->table, _("Total"), total_cell, self, FALSE, TRUE);
  crm_table_add_column (self->table, _("Currency"), currency_cell, self, FALSE, FALSE);
  crm_table_set_records (self->table, G_LIST_MODEL (self->quotes));
}

/* A sync or an edit changed records: reload now if shown, else when shown */
static void
records_changed_cb (CrmQuotesView *self)
{
  crm_reload_when_shown (GTK_WIDGET (self), (void (*) (gpointer)) reload);
}

/* Public API **********************************************************/

void
crm_quotes_view_set_context (CrmQuotesView *self,
                             CrmContext    *context)
{
  g_return_if_fail (CRM_IS_QUOTES_VIEW (self));

  if (self->context)
    g_signal_handlers_disconnect_by_data (self->context, self);
  g_set_object (&self->context, context);
  /* What a read under way brings is for the old profile */
  self->generation++;
  self->load_again = FALSE;
  g_clear_pointer (&self->all, g_ptr_array_unref);
  if (self->quotes)
    g_list_store_remove_all (self->quotes);
  if (context)
    g_signal_connect_swapped (context, "records-changed", G_CALLBACK (records_changed_cb), self);
  /* Behind another view, it loads when it shows */
  crm_reload_when_shown (GTK_WIDGET (self), (void (*) (gpointer)) reload);
}

GListModel *
crm_quotes_view_get_model (CrmQuotesView *self)
{
  g_return_val_if_fail (CRM_IS_QUOTES_VIEW (self), NULL);
  return G_LIST_MODEL (self->quotes);
}
