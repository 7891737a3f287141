/* crm-record-list.c: the records of an entity as a list model that reads
 * them from the store a page at a time
 *
 * A list view asks only for the rows it shows, so a list of 100,000
 * contacts costs a count and a page or two, not 100,000 records in memory.
 * The records are those a CrmQuery matches (its filters and search are
 * SQL): the count comes from crm_store_query_count() and each page from
 * crm_store_query() with an offset, in the entity's order. Or they are
 * given as ids in order (a sort the database worked out once), and each
 * page is read by its ids. A few pages stay cached; an update drops them.
 *
 * An update whose count and first page were read elsewhere (a worker
 * thread) is crm_record_list_set_results(): the rows read since the last
 * update keep their objects where the record did not change, so a list
 * view keeps their rows, and the change it announces is bounded, since a
 * GTK 4.8 list view reads every row a change adds. A position the store
 * no longer fills (another connection wrote after the count) holds an
 * empty record until the reload that write causes.
 *
 * A GtkSingleSelection over this model should be unselected before a new
 * query, or it may look for its old item through the new ones.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-record-list"

#include "config.h"

#include <string.h>

#include "crm-entity.h"
#include "crm-record-list.h"

#define PAGE_SIZE  256
#define MAX_PAGES  16

struct _CrmRecordList
{
  GObject     parent_instance;

  CrmStore   *store;
  CrmQuery   *query;
  guint       n_items;
  GHashTable *pages;    /* page number → GPtrArray of CrmRecord */
  GHashTable *previous; /* id → CrmRecord the list held before its last update */
  GPtrArray  *ids;      /* char *: the records in order, when given by id */
  guint       max_read; /* the furthest position read since the last update (+1) */
};

static void crm_record_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CrmRecordList, crm_record_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, crm_record_list_model_init))

/* Puts in @page the record objects the list showed before for those that
 * did not change (same id, version and last change): a list view keeps the
 * row of an item it is given again, and makes a new one for a new object */
static void
keep_previous (CrmRecordList *self,
               GPtrArray     *page)
{
  if (self->previous == NULL)
    return;
  for (guint i = 0; i < page->len; i++)
    {
      CrmRecord *record = g_ptr_array_index (page, i);
      CrmRecord *before = g_hash_table_lookup (self->previous, crm_record_get_id (record));

      if (before && before != record &&
          crm_record_get_version (before) == crm_record_get_version (record) &&
          g_strcmp0 (crm_record_get_updated_at (before), crm_record_get_updated_at (record)) == 0)
        {
          g_object_unref (record);
          page->pdata[i] = g_object_ref (before);
        }
    }
}

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

/* What a position holds when the store changed under the count (another
 * connection wrote since; the reload that follows puts it right): an
 * empty record, since a list model may not leave a position empty */
static gpointer
placeholder (CrmRecordList *self)
{
  return crm_record_new (crm_entity_lookup (crm_query_get_entity (self->query)), NULL);
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
  /* Reads while a change is announced count too: a list view then reads
   * the rows it goes on showing, which the next change must cover */
  self->max_read = MAX (self->max_read, position + 1);

  page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (page_number));
  if (page == NULL)
    {
      g_autoptr(GError) error = NULL;

      /* A deleted record is left out: a reload is on its way */
      if (self->ids)
        page = crm_store_get_many (self->store, crm_query_get_entity (self->query),
                                   (const char * const *) self->ids->pdata + page_number * PAGE_SIZE,
                                   MIN (PAGE_SIZE, self->ids->len - page_number * PAGE_SIZE), &error);
      else
        page = crm_store_query (self->store, self->query, PAGE_SIZE, page_number * PAGE_SIZE, &error);
      if (page == NULL)
        {
          g_warning ("Reading %s: %s", crm_query_get_entity (self->query), error->message);
          return placeholder (self);
        }
      keep_previous (self, page);
      /* A bounded cache: scrolling far away starts it again */
      if (g_hash_table_size (self->pages) >= MAX_PAGES)
        g_hash_table_remove_all (self->pages);
      g_hash_table_insert (self->pages, GUINT_TO_POINTER (page_number), page);
    }
  if (position % PAGE_SIZE >= page->len)
    return placeholder (self);
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
  g_clear_pointer (&self->query, crm_query_unref);
  g_clear_pointer (&self->pages, g_hash_table_unref);
  g_clear_pointer (&self->previous, g_hash_table_unref);
  g_clear_pointer (&self->ids, g_ptr_array_unref);

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

/* Forgets the old query and its rows, and says so: emptied, then filled,
 * because a GTK 4.8 list view given one change that removes rows and adds
 * others reads every added item */
static void
reset (CrmRecordList *self,
       CrmStore      *store,
       CrmQuery      *query)
{
  guint old = self->n_items;

  g_set_object (&self->store, store);
  g_clear_pointer (&self->previous, g_hash_table_unref);
  g_clear_pointer (&self->ids, g_ptr_array_unref);
  self->max_read = 0;
  if (query)
    crm_query_ref (query);
  g_clear_pointer (&self->query, crm_query_unref);
  self->query = query;
  g_hash_table_remove_all (self->pages);
  self->n_items = 0;
  if (old > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old, 0);
}

gboolean
crm_record_list_set_query (CrmRecordList  *self,
                           CrmStore       *store,
                           CrmQuery       *query,
                           GError        **error)
{
  gint64 count = 0;

  g_return_val_if_fail (CRM_IS_RECORD_LIST (self), FALSE);

  reset (self, store, query);
  if (store && query && (count = crm_store_query_count (store, query, error)) < 0)
    return FALSE;
  self->n_items = (guint) MIN (count, G_MAXUINT);
  if (self->n_items > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, self->n_items);
  return TRUE;
}

static void
install (CrmRecordList *self,
         CrmStore      *store,
         CrmQuery      *query,
         GPtrArray     *ids,
         guint          n_items,
         GPtrArray     *first_page)
{
  GHashTableIter iter;
  gpointer value;
  guint old = self->n_items, span, removed, added;

  if (store == NULL || query == NULL || first_page == NULL || old == 0 || store != self->store ||
      (ids == NULL) != (self->ids == NULL))
    {
      reset (self, store, query);
      if (store == NULL || query == NULL)
        return;
      self->ids = ids ? g_ptr_array_ref (ids) : NULL;
      if (first_page)
        g_hash_table_insert (self->pages, GUINT_TO_POINTER (0), g_ptr_array_ref (first_page));
      self->n_items = n_items;
      if (self->n_items > 0)
        g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, self->n_items);
      return;
    }

  /* The rows shown keep their widgets where their deal did not change:
   * what the list held is kept by id, and given again for the same record */
  g_clear_pointer (&self->previous, g_hash_table_unref);
  self->previous = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);
  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    for (guint i = 0; i < ((GPtrArray *) value)->len; i++)
      {
        CrmRecord *record = g_ptr_array_index ((GPtrArray *) value, i);

        g_hash_table_replace (self->previous, (gpointer) crm_record_get_id (record), g_object_ref (record));
      }
  g_hash_table_remove_all (self->pages);
  keep_previous (self, first_page);
  g_hash_table_insert (self->pages, GUINT_TO_POINTER (0), g_ptr_array_ref (first_page));
  if (query != self->query)
    {
      crm_query_ref (query);
      g_clear_pointer (&self->query, crm_query_unref);
      self->query = query;
    }
  if (ids)
    g_ptr_array_ref (ids);
  g_clear_pointer (&self->ids, g_ptr_array_unref);
  self->ids = ids;

  /* Only the rows read since the last update can be on screen: one
   * change covers them and the rest keeps its length, so what a list view
   * reads while it takes the change (the rows the change adds, and the
   * rows it shows) is all there. A list view reads every row a change
   * adds while it removes others, so when the difference is too large for
   * that, the list is emptied and filled (each alone reads nothing). */
  span = MAX (self->max_read, PAGE_SIZE);
  removed = MIN (old, span);
  self->max_read = 0;
  if (n_items >= old - removed && n_items - (old - removed) <= removed + 4 * PAGE_SIZE)
    {
      added = n_items - (old - removed);
      self->n_items = n_items;
      g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, added);
    }
  else
    {
      self->n_items = 0;
      g_list_model_items_changed (G_LIST_MODEL (self), 0, old, 0);
      self->n_items = n_items;
      if (n_items > 0)
        g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, n_items);
    }
}

void
crm_record_list_set_results (CrmRecordList *self,
                             CrmStore      *store,
                             CrmQuery      *query,
                             guint          n_items,
                             GPtrArray     *first_page)
{
  g_return_if_fail (CRM_IS_RECORD_LIST (self));

  install (self, store, query, NULL, n_items, first_page);
}

/**
 * crm_record_list_set_ids:
 * @ids: (element-type utf8): the records to list, in order (a sort the
 *   database worked out once, say); the list keeps a reference
 * @first_page: the records of the first page's ids, in order
 *
 * Lists @entity's records by id: pages are read by their ids.
 */
void
crm_record_list_set_ids (CrmRecordList *self,
                         CrmStore      *store,
                         const char    *entity,
                         GPtrArray     *ids,
                         GPtrArray     *first_page)
{
  g_autoptr(CrmQuery) query = NULL;

  g_return_if_fail (CRM_IS_RECORD_LIST (self));
  g_return_if_fail (entity != NULL && ids != NULL);

  query = crm_query_new (entity);
  install (self, store, query, ids, ids->len, first_page);
}

/* How many records crm_record_list_set_results() expects in a page */
guint
crm_record_list_get_page_size (void)
{
  return PAGE_SIZE;
}
