/* crm-search-window.c: type-ahead search over accounts, contacts and deals
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-search"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-format.h"
#include "crm-search-window.h"

/* Hits per kind of record: enough to pick from while typing */
#define HITS_PER_ENTITY 15

struct _CrmSearchWindow
{
  AdwWindow           parent_instance;

  GtkSearchEntry     *entry;
  GtkStack           *stack;
  AdwStatusPage      *status_page;
  GtkListView        *list_view;

  CrmContext         *context;
  GListStore         *hits;
  GtkSingleSelection *selection;
};

G_DEFINE_FINAL_TYPE (CrmSearchWindow, crm_search_window, ADW_TYPE_WINDOW)

enum {
  RECORD_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Helpers *************************************************************/

static void
search (CrmSearchWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry));
  g_autoptr(GPtrArray) hits = NULL;
  g_autoptr(GError) error = NULL;

  if (text[strspn (text, " \t")] == '\0')
    {
      g_list_store_remove_all (self->hits);
      adw_status_page_set_title (self->status_page, _("Search Everything"));
      adw_status_page_set_description (self->status_page,
                                       _("Type part of a name, company, deal or e-mail address. Press Enter to open the first result."));
      gtk_stack_set_visible_child_name (self->stack, "hint");
      return;
    }

  hits = crm_store_search (crm_context_get_store (self->context), text, HITS_PER_ENTITY, &error);
  if (hits == NULL)
    {
      g_list_store_remove_all (self->hits);
      adw_status_page_set_title (self->status_page, _("Search Failed"));
      adw_status_page_set_description (self->status_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "hint");
      return;
    }
  g_list_store_splice (self->hits, 0, g_list_model_get_n_items (G_LIST_MODEL (self->hits)),
                       hits->pdata, hits->len);
  if (hits->len == 0)
    {
      adw_status_page_set_title (self->status_page, _("No Results"));
      adw_status_page_set_description (self->status_page, _("No account, contact or deal matches every word you typed."));
      gtk_stack_set_visible_child_name (self->stack, "hint");
      return;
    }
  gtk_single_selection_set_selected (self->selection, 0);
  gtk_stack_set_visible_child_name (self->stack, "results");
}

static void
open_hit (CrmSearchWindow *self,
          guint            position)
{
  g_autoptr(CrmRecord) hit = g_list_model_get_item (G_LIST_MODEL (self->hits), position);
  g_autofree char *entity = NULL;
  g_autofree char *id = NULL;

  if (hit == NULL)
    return;
  entity = g_strdup (crm_record_get_entity (hit)->name);
  id = g_strdup (crm_record_get_id (hit));
  g_object_ref (self);
  gtk_window_close (GTK_WINDOW (self));
  g_signal_emit (self, signals[RECORD_ACTIVATED], 0, entity, id);
  g_object_unref (self);
}

static void
move_selection (CrmSearchWindow *self,
                int              delta)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->hits));
  guint selected = gtk_single_selection_get_selected (self->selection);
  guint next;

  if (n == 0)
    return;
  if (selected == GTK_INVALID_LIST_POSITION)
    next = 0;
  else
    next = (guint) CLAMP ((int) selected + delta, 0, (int) n - 1);
  gtk_single_selection_set_selected (self->selection, next);
  gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", next);
}

/* Callbacks ***********************************************************/

static void
hit_setup_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              CrmSearchWindow          *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *subtitle = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_box_append (GTK_BOX (labels), title);
  gtk_box_append (GTK_BOX (labels), subtitle);
  gtk_box_append (GTK_BOX (box), gtk_image_new ());
  gtk_box_append (GTK_BOX (box), labels);
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);
  gtk_list_item_set_child (item, box);
}

static void
hit_bind_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             CrmSearchWindow          *self)
{
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkImage *icon = GTK_IMAGE (gtk_widget_get_first_child (box));
  GtkWidget *labels = gtk_widget_get_last_child (box);
  GtkLabel *title = GTK_LABEL (gtk_widget_get_first_child (labels));
  GtkLabel *subtitle = GTK_LABEL (gtk_widget_get_last_child (labels));
  CrmRecord *hit = gtk_list_item_get_item (item);
  const char *entity = crm_record_get_entity (hit)->name;
  g_autofree char *name = NULL;
  g_autofree char *detail = NULL;

  if (g_str_equal (entity, "contacts"))
    {
      const char *first = crm_record_get_string (hit, "first_name");
      const char *last = crm_record_get_string (hit, "last_name");
      const char *job = crm_record_get_string (hit, "title");

      name = g_strdup_printf ("%s%s%s", first ? first : "", first && last ? " " : "", last ? last : "");
      detail = job ? g_strdup_printf (_("Contact · %s"), job) : g_strdup (_("Contact"));
      gtk_image_set_from_icon_name (icon, "avatar-default-symbolic");
    }
  else if (g_str_equal (entity, "accounts"))
    {
      const char *industry = crm_record_get_string (hit, "industry");

      name = crm_record_dup_title (hit);
      detail = industry ? g_strdup_printf (_("Account · %s"), industry) : g_strdup (_("Account"));
      gtk_image_set_from_icon_name (icon, "system-users-symbolic");
    }
  else
    {
      g_autofree char *amount = crm_format_money (crm_record_get_string (hit, "amount"),
                                                  crm_record_get_string (hit, "currency"),
                                                  crm_context_get_use_symbols (self->context));

      name = crm_record_dup_title (hit);
      detail = amount ? g_strdup_printf (_("Deal · %s"), amount) : g_strdup (_("Deal"));
      gtk_image_set_from_icon_name (icon, "view-grid-symbolic");
    }
  gtk_label_set_text (title, name);
  gtk_label_set_text (subtitle, detail);
}

static void
search_changed_cb (CrmSearchWindow *self)
{
  search (self);
}

static void
entry_activated_cb (CrmSearchWindow *self)
{
  /* Enter right after typing: the results of what is typed now */
  search (self);
  crm_search_window_open_selected (self);
}

static void
next_match_cb (CrmSearchWindow *self)
{
  move_selection (self, 1);
}

static void
previous_match_cb (CrmSearchWindow *self)
{
  move_selection (self, -1);
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                CrmSearchWindow       *self)
{
  if (keyval == GDK_KEY_Down || keyval == GDK_KEY_KP_Down)
    move_selection (self, 1);
  else if (keyval == GDK_KEY_Up || keyval == GDK_KEY_KP_Up)
    move_selection (self, -1);
  else
    return GDK_EVENT_PROPAGATE;
  return GDK_EVENT_STOP;
}

static void
result_activated_cb (CrmSearchWindow *self,
                     guint            position)
{
  open_hit (self, position);
}

/* GObject *************************************************************/

static void
crm_search_window_dispose (GObject *object)
{
  CrmSearchWindow *self = CRM_SEARCH_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_SEARCH_WINDOW);
  g_clear_object (&self->selection);
  g_clear_object (&self->hits);
  g_clear_object (&self->context);

  G_OBJECT_CLASS (crm_search_window_parent_class)->dispose (object);
}

static void
crm_search_window_class_init (CrmSearchWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_search_window_dispose;

  /**
   * CrmSearchWindow::record-activated:
   *
   * A hit was opened; the window has closed.
   */
  signals[RECORD_ACTIVATED] = g_signal_new ("record-activated",
                                            G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/Crm/crm-search-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmSearchWindow, entry);
  gtk_widget_class_bind_template_child (widget_class, CrmSearchWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, CrmSearchWindow, status_page);
  gtk_widget_class_bind_template_child (widget_class, CrmSearchWindow, list_view);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, next_match_cb);
  gtk_widget_class_bind_template_callback (widget_class, previous_match_cb);
  gtk_widget_class_bind_template_callback (widget_class, result_activated_cb);
}

static void
crm_search_window_init (CrmSearchWindow *self)
{
  GtkListItemFactory *factory;
  GtkEventController *keys;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->hits = g_list_store_new (CRM_TYPE_RECORD);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->hits)));
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (hit_setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (hit_bind_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);

  /* Up and Down pick a result while the typing goes on in the entry */
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->entry), keys);
}

/* Public API **********************************************************/

GtkWindow *
crm_search_window_new (CrmContext *context,
                       GtkWindow  *parent)
{
  CrmSearchWindow *self;

  g_return_val_if_fail (CRM_IS_CONTEXT (context), NULL);

  self = g_object_new (CRM_TYPE_SEARCH_WINDOW, "transient-for", parent, NULL);
  self->context = g_object_ref (context);
  return GTK_WINDOW (self);
}

void
crm_search_window_set_text (CrmSearchWindow *self,
                            const char      *text)
{
  g_return_if_fail (CRM_IS_SEARCH_WINDOW (self));

  gtk_editable_set_text (GTK_EDITABLE (self->entry), text);
  search (self);
}

GListModel *
crm_search_window_get_model (CrmSearchWindow *self)
{
  g_return_val_if_fail (CRM_IS_SEARCH_WINDOW (self), NULL);
  return G_LIST_MODEL (self->hits);
}

void
crm_search_window_open_selected (CrmSearchWindow *self)
{
  guint selected;

  g_return_if_fail (CRM_IS_SEARCH_WINDOW (self));

  selected = gtk_single_selection_get_selected (self->selection);
  if (selected != GTK_INVALID_LIST_POSITION)
    open_hit (self, selected);
}

void
crm_search_window_select (CrmSearchWindow *self,
                          guint            position)
{
  g_return_if_fail (CRM_IS_SEARCH_WINDOW (self));
  g_return_if_fail (position < g_list_model_get_n_items (G_LIST_MODEL (self->hits)));

  gtk_single_selection_set_selected (self->selection, position);
}
