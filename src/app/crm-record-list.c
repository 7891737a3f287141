/* crm-record-list.c: the records of an entity as a list model that reads
 * them from the store a page at a time
 *
 * A list view asks only for the rows it shows, so a list of 100,000
 * contacts costs a count and a page or two, not 100,000 records in memory.
 * Without search text the count comes from crm_store_count() and each page
 * from crm_store_list() with an offset, in the entity's order; with search
 * text the matches are read at once (they are what the user narrowed the
 * list to). A few pages stay cached; a new query drops them.
 *
 * Each read makes new record objects: a GtkSingleSelection over this
 * model should be unselected before a new query, or it may look for its
 * old item through every new one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-record-list"

#include "config.h"

#include <string.h>

#include "crm-record-list.h"

#define PAGE_SIZE  256
#define MAX_PAGES  16

struct _CrmRecordList
{
  GObject     parent_instance;

  CrmStore   *store;
  char       *entity;
  guint       n_items;
  GPtrArray  *all;      /* CrmRecord: every match, when searching */
  GHashTable *pages;    /* page number → GPtrArray of CrmRecord */
};

static void crm_record_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CrmRecordList, crm_record_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, crm_record_list_model_init))

/* GListModel **********************************************************/

static GType
crm_record_list_get_item_type (GListModel *model)
{
  return CRM_TYPE_RECORD;
}

static guint
crm_record_list_get_n_items (GListModel *model)
{
  return CRM_RECORD_LIST (model)->n_items;
}

static gpointer
crm_record_list_get_item (GListModel *model,
                          guint       position)
{
  CrmRecordList *self = CRM_RECORD_LIST (model);
  guint page_number = position / PAGE_SIZE;
  GPtrArray *page;

  if (position >= self->n_items)
    return NULL;
  if (self->all)
    return g_object_ref (g_ptr_array_index (self->all, position));

  page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (page_number));
  if (page == NULL)
    {
      g_autoptr(GError) error = NULL;

      page = crm_store_list (self->store, self->entity, NULL, PAGE_SIZE, page_number * PAGE_SIZE, &error);
      if (page == NULL)
        {
          g_warning ("Reading %s: %s", self->entity, error->message);
          return NULL;
        }
      /* A bounded cache: scrolling far away starts it again */
      if (g_hash_table_size (self->pages) >= MAX_PAGES)
        g_hash_table_remove_all (self->pages);
      g_hash_table_insert (self->pages, GUINT_TO_POINTER (page_number), page);
    }
  /* The store changed under a stale count: no row rather than a wrong one */
  if (position % PAGE_SIZE >= page->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (page, position % PAGE_SIZE));
}

static void
crm_record_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = crm_record_list_get_item_type;
  iface->get_n_items = crm_record_list_get_n_items;
  iface->get_item = crm_record_list_get_item;
}

/* GObject *************************************************************/

static void
crm_record_list_finalize (GObject *object)
{
  CrmRecordList *self = CRM_RECORD_LIST (object);

  g_clear_object (&self->store);
  g_free (self->entity);
  g_clear_pointer (&self->all, g_ptr_array_unref);
  g_clear_pointer (&self->pages, g_hash_table_unref);

  G_OBJECT_CLASS (crm_record_list_parent_class)->finalize (object);
}

static void
crm_record_list_class_init (CrmRecordListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = crm_record_list_finalize;
}

static void
crm_record_list_init (CrmRecordList *self)
{
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
}

/* Public API **********************************************************/

CrmRecordList *
crm_record_list_new (void)
{
  return g_object_new (CRM_TYPE_RECORD_LIST, NULL);
}

gboolean
crm_record_list_set_query (CrmRecordList  *self,
                           CrmStore       *store,
                           const char     *entity,
                           const char     *search,
                           GError        **error)
{
  guint old;
  gboolean ok = TRUE;

  g_return_val_if_fail (CRM_IS_RECORD_LIST (self), FALSE);

  old = self->n_items;
  g_set_object (&self->store, store);
  g_free (self->entity);
  self->entity = g_strdup (entity);
  g_clear_pointer (&self->all, g_ptr_array_unref);
  g_hash_table_remove_all (self->pages);
  self->n_items = 0;
  /* Emptied, then filled: a GTK 4.8 list view given one change that
   * removes rows and adds others reads every added item, looking for ones
   * it could keep a row for */
  if (old > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old, 0);

  if (store && search && search[strspn (search, " \t")] != '\0')
    {
      if ((self->all = crm_store_list (store, entity, search, 0, 0, error)))
        self->n_items = self->all->len;
      else
        ok = FALSE;
    }
  else if (store)
    {
      gint64 count = crm_store_count (store, entity, error);

      if (count >= 0)
        self->n_items = (guint) MIN (count, G_MAXUINT);
      else
        ok = FALSE;
    }
  if (self->n_items > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, self->n_items);
  return ok;
}
