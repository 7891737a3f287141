/* crm-record-window.c: a record of its own, e.g. a deal from the board
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-record-window"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-record-detail.h"
#include "crm-record-window.h"

struct _CrmRecordWindow
{
  AdwWindow        parent_instance;

  AdwWindowTitle  *window_title;
  CrmRecordDetail *detail;

  char            *entity;
  char            *id;
};

G_DEFINE_FINAL_TYPE (CrmRecordWindow, crm_record_window, ADW_TYPE_WINDOW)

enum {
  RECORD_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Callbacks ***********************************************************/

static void
record_activated_cb (CrmRecordWindow *self,
                     const char      *entity,
                     const char      *id)
{
  g_signal_emit (self, signals[RECORD_ACTIVATED], 0, entity, id);
}

/* Deleting the record closes its window; the main window offers the undo */
static void
record_deleting_cb (CrmRecordWindow *self,
                    const char      *entity,
                    const char      *id)
{
  if (g_strcmp0 (entity, self->entity) == 0 && g_strcmp0 (id, self->id) == 0)
    gtk_window_close (GTK_WINDOW (self));
}

/* GObject *************************************************************/

static void
crm_record_window_finalize (GObject *object)
{
  CrmRecordWindow *self = CRM_RECORD_WINDOW (object);

  g_free (self->entity);
  g_free (self->id);

  G_OBJECT_CLASS (crm_record_window_parent_class)->finalize (object);
}

static void
crm_record_window_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CRM_TYPE_RECORD_WINDOW);

  G_OBJECT_CLASS (crm_record_window_parent_class)->dispose (object);
}

static void
crm_record_window_class_init (CrmRecordWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_record_window_dispose;
  object_class->finalize = crm_record_window_finalize;

  /**
   * CrmRecordWindow::record-activated:
   *
   * A linked record was chosen, for the main window to show.
   */
  signals[RECORD_ACTIVATED] = g_signal_new ("record-activated",
                                            G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  g_type_ensure (CRM_TYPE_RECORD_DETAIL);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/Crm/crm-record-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmRecordWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, CrmRecordWindow, detail);
  gtk_widget_class_bind_template_callback (widget_class, record_activated_cb);
}

static void
crm_record_window_init (CrmRecordWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* Public API **********************************************************/

GtkWindow *
crm_record_window_new (CrmContext *context,
                       const char *entity,
                       const char *id,
                       GtkWindow  *parent)
{
  CrmRecordWindow *self;
  const char *kind;

  g_return_val_if_fail (CRM_IS_CONTEXT (context), NULL);
  g_return_val_if_fail (entity != NULL && id != NULL, NULL);

  self = g_object_new (CRM_TYPE_RECORD_WINDOW, "transient-for", parent, NULL);
  self->entity = g_strdup (entity);
  self->id = g_strdup (id);
  g_signal_connect_object (context, "record-deleting", G_CALLBACK (record_deleting_cb), self, G_CONNECT_SWAPPED);
  crm_record_detail_set_context (self->detail, context);
  crm_record_detail_show (self->detail, entity, id);

  kind = g_str_equal (entity, "opportunities") ? _("Opportunity") :
         g_str_equal (entity, "quotes") ? _("Quote") :
         g_str_equal (entity, "activities") ? _("Activity") : _("Record");
  adw_window_title_set_title (self->window_title, crm_record_detail_get_title (self->detail));
  adw_window_title_set_subtitle (self->window_title, kind);
  gtk_window_set_title (GTK_WINDOW (self), crm_record_detail_get_title (self->detail));
  return GTK_WINDOW (self);
}
