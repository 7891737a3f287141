/* crm-server-writer.c: the server's writes, off the main loop, committed
 * in groups
 *
 * A write is only acknowledged once its COMMIT came back, and a durable
 * commit waits for the disk (SQLite: synchronous=FULL, an fsync of the
 * WAL; PostgreSQL: the WAL flush of synchronous_commit). Done on the main
 * loop, as it was, every request waited behind every commit, and each
 * commit paid for one fsync.
 *
 * So writes go to one thread with a connection of its own. It takes
 * every write queued since its last commit (up to MAX_GROUP), runs them
 * in one write transaction (a write that fails is rolled back alone, see
 * run_job()), commits once, and only then hands each caller its result: a group costs one fsync, and while it waits for the
 * disk the next group gathers. If the COMMIT fails, every write of the
 * group fails and none is acknowledged. The main loop meanwhile serves
 * reads on its own connection, which see only what has committed.
 *
 * Nothing else changes for the change feed: the group is one write
 * transaction, holding the sequence as any other does (see
 * crm-server-db.h), and the writes in it get their seqs in the order
 * they were queued.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-server"

#include "config.h"

#include "crm-server-writer.h"

/* Bounds how long the first write of a group waits for the last */
#define MAX_GROUP 64

struct _CrmServerWriter
{
  CrmServerDb *db;
  GAsyncQueue *queue;   /* GTask, or the writer itself to stop */
  GThread     *thread;
};

typedef struct
{
  CrmServerWriteFunc func;
  gpointer           data;
  GDestroyNotify     data_free;
  GDestroyNotify     result_free;
  gpointer           result;
  GError            *error;
} Job;

static void
job_free (Job *job)
{
  if (job->data_free)
    g_clear_pointer (&job->data, job->data_free);
  if (job->result && job->result_free)
    g_clear_pointer (&job->result, job->result_free);
  g_clear_error (&job->error);
  g_free (job);
}

/* Every write of @group fails with @error */
static void
fail_group (GPtrArray    *group,
            const GError *error)
{
  for (guint i = 0; i < group->len; i++)
    {
      Job *job = g_task_get_task_data (g_ptr_array_index (group, i));

      if (job->result && job->result_free)
        g_clear_pointer (&job->result, job->result_free);
      job->result = NULL;
      if (job->error == NULL)
        job->error = g_error_copy (error);
    }
}

/* Runs one write of the group. In a group of several, each is in a
 * savepoint, so one that fails takes back only what it wrote. Alone, it
 * needs none: if it fails, nothing of the transaction commits (and on
 * PostgreSQL, whose writers take turns, that is two round trips fewer). */
static gboolean
run_job (CrmServerDb *db,
         Job         *job,
         gboolean     alone)
{
  if (!alone && !crm_server_db_savepoint (db, &job->error))
    return FALSE;
  if (!(job->result = job->func (db, job->data, &job->error)))
    {
      g_assert (job->error != NULL);
      if (!alone)
        crm_server_db_rollback_to (db);
      return FALSE;
    }
  if (!alone)
    crm_server_db_release (db);
  return TRUE;
}

static void
run_group (CrmServerWriter *self,
           GPtrArray       *group)
{
  g_autoptr(GError) error = NULL;
  gboolean alone = group->len == 1;
  gboolean commit = TRUE;

  if (!crm_server_db_begin (self->db, TRUE, &error))
    fail_group (group, error);
  else
    {
      for (guint i = 0; i < group->len; i++)
        if (!run_job (self->db, g_task_get_task_data (g_ptr_array_index (group, i)), alone) && alone)
          commit = FALSE;
      if (!commit)
        crm_server_db_rollback (self->db);
      else if (!crm_server_db_commit (self->db, &error))
        fail_group (group, error);
    }

  /* Only now, committed (or not at all), do the callers hear of it */
  for (guint i = 0; i < group->len; i++)
    {
      g_autoptr(GTask) task = g_ptr_array_index (group, i);
      Job *job = g_task_get_task_data (task);

      if (job->error)
        g_task_return_error (task, g_steal_pointer (&job->error));
      else
        g_task_return_pointer (task, g_steal_pointer (&job->result), job->result_free);
    }
  g_ptr_array_set_size (group, 0);
}

static gpointer
writer_thread (gpointer user_data)
{
  CrmServerWriter *self = user_data;
  g_autoptr(GPtrArray) group = g_ptr_array_sized_new (MAX_GROUP);
  gboolean stopping = FALSE;

  while (!stopping)
    {
      gpointer item = g_async_queue_pop (self->queue);

      /* Whatever else came while the last group committed joins this one */
      do
        {
          if (item == self)
            stopping = TRUE;
          else
            g_ptr_array_add (group, item);
        }
      while (!stopping && group->len < MAX_GROUP && (item = g_async_queue_try_pop (self->queue)));
      if (group->len > 0)
        run_group (self, group);
    }
  return NULL;
}

/* Public API **********************************************************/

/**
 * crm_server_writer_new:
 * @location: the store, as crm_server_db_open() takes it
 *
 * Opens a connection of its own and starts the writer thread.
 */
CrmServerWriter *
crm_server_writer_new (const char  *location,
                       GError     **error)
{
  CrmServerWriter *self;
  CrmServerDb *db;

  if (!(db = crm_server_db_open (location, error)))
    return NULL;
  self = g_new0 (CrmServerWriter, 1);
  self->db = db;
  self->queue = g_async_queue_new ();
  self->thread = g_thread_new ("crm-writer", writer_thread, self);
  return self;
}

/**
 * crm_server_writer_free:
 *
 * Lets the writes queued so far commit, then stops the thread and closes
 * its connection. Their callbacks still run, on the main context.
 */
void
crm_server_writer_free (CrmServerWriter *self)
{
  if (self == NULL)
    return;
  g_async_queue_push (self->queue, self);
  g_thread_join (self->thread);
  g_async_queue_unref (self->queue);
  crm_server_db_free (self->db);
  g_free (self);
}

/**
 * crm_server_writer_run_async:
 * @func: the write, run in the writer thread inside its transaction
 * @data: (transfer full): what @func gets; freed with @data_free
 * @result_free: frees what @func returns
 * @callback: called on the thread-default main context once the write
 *   has committed or failed
 *
 * Queues a write. @func must not touch anything the main thread uses
 * meanwhile; it is given its own data and the writer's connection.
 */
void
crm_server_writer_run_async (CrmServerWriter     *self,
                             CrmServerWriteFunc   func,
                             gpointer             data,
                             GDestroyNotify       data_free,
                             GDestroyNotify       result_free,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  Job *job = g_new0 (Job, 1);

  g_task_set_source_tag (task, crm_server_writer_run_async);
  /* The answer goes out ahead of requests waiting on the main loop: the
   * write is done, only its answer is missing */
  g_task_set_priority (task, G_PRIORITY_HIGH);
  job->func = func;
  job->data = data;
  job->data_free = data_free;
  job->result_free = result_free;
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_async_queue_push (self->queue, task);
}

/**
 * crm_server_writer_run_finish:
 *
 * Returns: (transfer full): what the write returned, committed; %NULL
 *   with @error when it failed or its group did not commit
 */
gpointer
crm_server_writer_run_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
