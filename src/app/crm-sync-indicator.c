/* crm-sync-indicator.c: synced, syncing, offline, pending, conflicts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-sync-indicator"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-sync-indicator.h"

struct _CrmSyncIndicator
{
  GtkWidget       parent_instance;

  GtkMenuButton  *button;
  GtkImage       *icon;
  GtkLabel       *label;
  GtkLabel       *title_label;
  GtkLabel       *detail_label;
  GtkProgressBar *progress_bar;
  GtkButton      *sync_button;
  GtkButton      *review_button;

  CrmContext     *context;
};

G_DEFINE_FINAL_TYPE (CrmSyncIndicator, crm_sync_indicator, GTK_TYPE_WIDGET)

/* Helpers *************************************************************/

static void
update (CrmSyncIndicator *self)
{
  g_autofree char *label = NULL;
  g_autofree char *detail = NULL;
  g_autoptr(GString) waiting = g_string_new (NULL);
  const char *icon = "emblem-ok-symbolic";
  const char *message;
  guint pending, conflicts, rejected;
  double fraction;

  if (self->context == NULL)
    return;

  pending = crm_context_get_pending (self->context);
  conflicts = crm_context_get_conflicts (self->context);
  rejected = crm_context_get_rejected (self->context);
  message = crm_context_get_sync_message (self->context);
  fraction = crm_context_get_sync_fraction (self->context);

  if (pending)
    g_string_append_printf (waiting, ngettext ("%u change is waiting to be sent.",
                                               "%u changes are waiting to be sent.", pending), pending);
  if (conflicts)
    g_string_append_printf (waiting, "%s%s", waiting->len ? " " : "",
                            ngettext ("One record was changed both here and on the server; it keeps your value until you choose.",
                                      "Records were changed both here and on the server; they keep your values until you choose.",
                                      conflicts));
  if (rejected)
    g_string_append_printf (waiting, "%s%s", waiting->len ? " " : "",
                            ngettext ("%u change was refused by the server.",
                                      "%u changes were refused by the server.", rejected));

  switch (crm_context_get_sync_state (self->context))
    {
    case CRM_SYNC_STATE_SYNCING:
      icon = "emblem-synchronizing-symbolic";
      label = fraction >= 0 ? g_strdup_printf (_("Syncing %d %%"), (int) (fraction * 100))
                            : g_strdup (_("Syncing…"));
      detail = g_strdup (waiting->len ? waiting->str : _("Sending your changes and fetching the server’s."));
      break;
    case CRM_SYNC_STATE_OFFLINE:
      icon = "network-offline-symbolic";
      label = g_strdup (_("Offline"));
      detail = g_strdup_printf ("%s%s%s", message ? message : "", waiting->len ? "\n" : "", waiting->str);
      break;
    case CRM_SYNC_STATE_FAILED:
      icon = "dialog-warning-symbolic";
      label = g_strdup (_("Sync failed"));
      detail = g_strdup_printf ("%s%s%s", message ? message : "", waiting->len ? "\n" : "", waiting->str);
      break;
    case CRM_SYNC_STATE_LOCAL:
      icon = "computer-symbolic";
      label = g_strdup (_("On this computer"));
      detail = g_strdup (_("This profile is not connected to a server: its records stay on this computer."));
      break;
    case CRM_SYNC_STATE_IDLE:
    default:
      if (conflicts)
        {
          icon = "dialog-warning-symbolic";
          label = g_strdup_printf (ngettext ("%u conflict", "%u conflicts", conflicts), conflicts);
        }
      else if (pending)
        {
          icon = "document-send-symbolic";
          label = g_strdup_printf (ngettext ("%u pending", "%u pending", pending), pending);
        }
      else
        label = g_strdup (_("Synced"));
      detail = g_strdup (waiting->len ? waiting->str : _("Everything is up to date with the server."));
      break;
    }

  gtk_widget_set_visible (GTK_WIDGET (self->sync_button),
                          crm_context_get_sync_state (self->context) != CRM_SYNC_STATE_LOCAL);
  gtk_widget_set_visible (GTK_WIDGET (self->review_button), pending + conflicts + rejected > 0);
  gtk_image_set_from_icon_name (self->icon, icon);
  gtk_label_set_text (self->label, label);
  gtk_label_set_text (self->title_label, label);
  gtk_label_set_text (self->detail_label, detail);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar),
                          crm_context_get_sync_state (self->context) == CRM_SYNC_STATE_SYNCING);
  if (fraction >= 0)
    gtk_progress_bar_set_fraction (self->progress_bar, fraction);
  else
    gtk_progress_bar_pulse (self->progress_bar);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, detail,
                                  -1);
}

/* GObject *************************************************************/

static void
crm_sync_indicator_dispose (GObject *object)
{
  GtkWidget *child;
  CrmSyncIndicator *self = CRM_SYNC_INDICATOR (object);

  crm_sync_indicator_set_context (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_SYNC_INDICATOR);
  /* The template's top widget is not bound, so not unparented above */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (crm_sync_indicator_parent_class)->dispose (object);
}

static void
crm_sync_indicator_class_init (CrmSyncIndicatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_sync_indicator_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/Crm/crm-sync-indicator.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmSyncIndicator, button);
  gtk_widget_class_bind_template_child (widget_class, CrmSyncIndicator, icon);
  gtk_widget_class_bind_template_child (widget_class, CrmSyncIndicator, label);
  gtk_widget_class_bind_template_child (widget_class, CrmSyncIndicator, title_label);
  gtk_widget_class_bind_template_child (widget_class, CrmSyncIndicator, detail_label);
  gtk_widget_class_bind_template_child (widget_class, CrmSyncIndicator, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, CrmSyncIndicator, sync_button);
  gtk_widget_class_bind_template_child (widget_class, CrmSyncIndicator, review_button);
}

static void
crm_sync_indicator_init (CrmSyncIndicator *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* Public API **********************************************************/

void
crm_sync_indicator_set_context (CrmSyncIndicator *self,
                                CrmContext       *context)
{
  g_return_if_fail (CRM_IS_SYNC_INDICATOR (self));

  if (self->context)
    g_signal_handlers_disconnect_by_data (self->context, self);
  g_set_object (&self->context, context);
  if (context)
    {
      g_signal_connect_swapped (context, "notify", G_CALLBACK (update), self);
      update (self);
    }
}

const char *
crm_sync_indicator_get_label (CrmSyncIndicator *self)
{
  g_return_val_if_fail (CRM_IS_SYNC_INDICATOR (self), NULL);
  return gtk_label_get_text (self->label);
}
