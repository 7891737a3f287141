/* crm-forecast.c: periods, rollups, adjustments and submissions
 *
 * The rules, as a sales manager reads a forecast:
 *
 * - A deal counts in the period of its expected close date, in the
 *   company currency, converted at the latest exchange rate effective on
 *   or before that date. Each deal is converted to minor units once,
 *   rounding half up; every sum after that is exact.
 * - Its category comes from the deal when set, else from its stage. A deal
 *   in a won stage is Closed whatever its category says; a deal in a lost
 *   stage, or an omitted one, counts nowhere. Every other deal is open.
 * - Rollups are cumulative: closed = won; commit = commit + closed;
 *   best_case = best case + commit + closed; pipeline = pipeline + best
 *   case + commit of open deals; weighted = Σ over open deals of amount ×
 *   probability ÷ 100, each deal's share rounded half up to minor units
 *   so that rows add up to their total.
 * - A user's quota for a period is their quota record for that period, or
 *   without one the sum of their quotas for its quarters (of a fiscal
 *   year) or months (of a quarter). A row's quota is the sum over the
 *   people it covers. attainment = closed ÷ quota; gap = quota − closed.
 * - The viewer's rollup has a row per direct report covering that
 *   report's whole subtree, a row of the viewer's own deals, and the total.
 * - An adjustment sets a person's whole Commit or Best Case figure (their
 *   subtree's, for a manager). In the view of V, the adjustments on U that
 *   count are those made by U or by a manager between U and V (V
 *   included); the highest of those authors wins, and among one author's
 *   the latest that is not reverted. Where none applies the adjusted
 *   figure is the computed one, with the adjusted figures of the reports
 *   below rolled into it. The row of the viewer's own deals is never
 *   adjusted: an adjustment is of a forecast, not of a list of deals.
 * - A submission is stored as a done "note" activity of the submitter, so
 *   it syncs and their managers see it; its notes hold the figures as
 *   {"forecast_submission":{…}}.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-forecast"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>

#include "crm-forecast.h"
#include "crm-money.h"
#include "crm-store-private.h"

G_DEFINE_QUARK (crm-forecast-error-quark, crm_forecast_error)

#define RATE_SCALE 8           /* exchange_rates.rate */
#define SUBMISSION_MARK "{\"forecast_submission\":"

typedef enum
{
  CATEGORY_PIPELINE,
  CATEGORY_BEST_CASE,
  CATEGORY_COMMIT,
  CATEGORY_CLOSED,
  CATEGORY_OMITTED,
  CATEGORY_NONE,
  CATEGORY_LOST,
} Category;

typedef struct
{
  Category category;
  gint64   probability;   /* percent at scale 2 */
  gboolean won;
  gboolean lost;
} Stage;

typedef struct
{
  char     date[11];
  gint64   rate;
  gboolean inverse;       /* a rate of the company currency in this one */
} Rate;

typedef struct _User User;

struct _User
{
  char     *id;
  char     *name;
  char     *email;
  char     *manager_id;
  User     *manager;
  GPtrArray *reports;     /* User*, not owned */

  /* Filled for the users in the view only */
  gboolean  in_view;
  gint64    won;          /* raw sums of their own deals */
  gint64    commit;
  gint64    best_case;
  gint64    pipeline;
  gint64    weighted;
  gint64    quota;
  /* Subtree sums, then the adjusted figures, in the view */
  gint64    sub_won, sub_commit, sub_best_case, sub_pipeline, sub_weighted, sub_quota;
  gint64    adj_commit, adj_best_case;
  gboolean  commit_adjusted, best_case_adjusted;
  /* The winning adjustment so far: its author's rank, -1 for none */
  int       commit_rank, best_case_rank;
  gint64    commit_value, best_case_value;
  /* The row of the viewer's forecast this user's deals fall in */
  guint     row;
};

typedef struct
{
  CrmStore   *store;
  sqlite3    *db;
  char        currency[4];
  int         digits;
  guint       fiscal_start;
  GPtrArray  *users;      /* User*, owned */
  GHashTable *user_index; /* id → User* */
  GHashTable *rates;      /* currency → GArray of Rate, sorted by date */
  GHashTable *stages;     /* id → Stage */
} Context;

/* Helpers *************************************************************/

static void
user_free (User *user)
{
  g_free (user->id);
  g_free (user->name);
  g_free (user->email);
  g_free (user->manager_id);
  g_ptr_array_unref (user->reports);
  g_free (user);
}

static void
context_clear (Context *ctx)
{
  g_clear_pointer (&ctx->user_index, g_hash_table_unref);
  g_clear_pointer (&ctx->users, g_ptr_array_unref);
  g_clear_pointer (&ctx->rates, g_hash_table_unref);
  g_clear_pointer (&ctx->stages, g_hash_table_unref);
}

static gboolean
set_sqlite_error (Context  *ctx,
                  GError  **error)
{
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED,
               _("Cannot read the forecast: %s"), sqlite3_errmsg (ctx->db));
  return FALSE;
}

static sqlite3_stmt *
prepare (Context     *ctx,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (ctx->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sqlite_error (ctx, error);
      sqlite3_finalize (stmt);
      return NULL;
    }
  return stmt;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

static const char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  return (const char *) sqlite3_column_text (stmt, column);
}

static Category
category_from_string (const char *text)
{
  static const char * const names[] = { "pipeline", "best_case", "commit", "closed", "omitted" };

  if (text != NULL)
    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      if (strcmp (text, names[i]) == 0)
        return (Category) i;
  return CATEGORY_NONE;
}

/* Ids are UUIDs, looked up once or twice per deal: hashing them 8 bytes
 * at a time (FNV-1a over words) costs a fraction of g_str_hash's byte at
 * a time, a tenth of the waterfall in bench-forecast. */
static guint
id_hash (gconstpointer key)
{
  const char *text = key;
  gsize len = strlen (text);
  guint64 hash = G_GUINT64_CONSTANT (14695981039346656037);

  for (; len >= 8; text += 8, len -= 8)
    {
      guint64 word;

      memcpy (&word, text, 8);
      hash = (hash ^ word) * G_GUINT64_CONSTANT (1099511628211);
      hash ^= hash >> 29;
    }
  for (; len > 0; text++, len--)
    hash = (hash ^ (guchar) *text) * G_GUINT64_CONSTANT (1099511628211);
  return (guint) (hash ^ (hash >> 32));
}

/* How the forecast counts a deal: a won stage is Closed and a lost one
 * Lost whatever the deal says; otherwise the deal's own category, else
 * its stage's. A category no one knows counts nowhere, like Omitted. */
static Category
resolve_category (const Stage *stage,
                  const char  *own_category)
{
  Category category;

  if (stage && stage->lost)
    return CATEGORY_LOST;
  if (stage && stage->won)
    return CATEGORY_CLOSED;
  if ((category = category_from_string (own_category)) == CATEGORY_NONE)
    category = stage ? stage->category : CATEGORY_PIPELINE;
  return category == CATEGORY_NONE ? CATEGORY_OMITTED : category;
}

static gboolean
add_checked (gint64  *sum,
             gint64   value,
             GError **error)
{
  if (__builtin_add_overflow (*sum, value, sum))
    {
      g_set_error_literal (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_OVERFLOW,
                           _("The forecast’s amounts are too large to add up"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_iso_date (const char *text,
                GDate      *date)
{
  guint y, m, d;
  char tail;

  if (text == NULL || strlen (text) != 10 || text[4] != '-' || text[7] != '-' ||
      sscanf (text, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3 ||
      !g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y))
    return FALSE;
  g_date_clear (date, 1);
  g_date_set_dmy (date, (GDateDay) d, (GDateMonth) m, (GDateYear) y);
  return TRUE;
}

static void
format_iso_date (const GDate *date,
                 char         out[11])
{
  g_snprintf (out, 11, "%04u-%02u-%02u", g_date_get_year (date),
              g_date_get_month (date), g_date_get_day (date));
}

/* Fills the dates of a period that starts on the first of @first_month of
 * @first_year and lasts @months months. */
static void
set_period_span (CrmPeriod *period,
                 int        first_year,
                 int        first_month,
                 int        months)
{
  GDate date;

  g_date_clear (&date, 1);
  g_date_set_dmy (&date, 1, (GDateMonth) first_month, (GDateYear) first_year);
  format_iso_date (&date, period->first_day);
  g_date_add_months (&date, (guint) months);
  g_date_subtract_days (&date, 1);
  format_iso_date (&date, period->last_day);
}

static void
period_init (CrmPeriod     *period,
             CrmPeriodKind  kind,
             int            year,
             int            number,
             guint          fiscal_start)
{
  int offset;

  memset (period, 0, sizeof *period);
  period->kind = kind;
  period->year = year;
  period->number = number;
  switch (kind)
    {
    case CRM_PERIOD_MONTH:
      g_snprintf (period->name, sizeof period->name, "%04d-%02d", year, number);
      set_period_span (period, year, number, 1);
      break;
    case CRM_PERIOD_QUARTER:
      g_snprintf (period->name, sizeof period->name, "%04d-Q%d", year, number);
      offset = (int) fiscal_start - 1 + 3 * (number - 1);
      set_period_span (period, year + offset / 12, offset % 12 + 1, 3);
      break;
    case CRM_PERIOD_YEAR:
    default:
      g_snprintf (period->name, sizeof period->name, "FY%04d", year);
      set_period_span (period, year, (int) fiscal_start, 12);
      break;
    }
}

/* The periods whose quotas add up to @period's when it has none itself */
static GArray *
period_parts (const CrmPeriod *period,
              guint            fiscal_start)
{
  GArray *parts = g_array_new (FALSE, FALSE, sizeof (CrmPeriod));
  CrmPeriod part;

  if (period->kind == CRM_PERIOD_YEAR)
    for (int q = 1; q <= 4; q++)
      {
        period_init (&part, CRM_PERIOD_QUARTER, period->year, q, fiscal_start);
        g_array_append_val (parts, part);
      }
  else if (period->kind == CRM_PERIOD_QUARTER)
    {
      GDate date;

      parse_iso_date (period->first_day, &date);
      for (int m = 0; m < 3; m++)
        {
          period_init (&part, CRM_PERIOD_MONTH, g_date_get_year (&date),
                       g_date_get_month (&date), fiscal_start);
          g_array_append_val (parts, part);
          g_date_add_months (&date, 1);
        }
    }
  return parts;
}

/* Loading *************************************************************/

static gboolean
load_users (Context  *ctx,
            GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  ctx->users = g_ptr_array_new_with_free_func ((GDestroyNotify) user_free);
  ctx->user_index = g_hash_table_new (id_hash, g_str_equal);
  if (!(stmt = prepare (ctx, "SELECT id, name, email, manager_id FROM users WHERE deleted = 0", error)))
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      User *user = g_new0 (User, 1);

      user->id = g_strdup (column_text (stmt, 0));
      user->name = g_strdup (column_text (stmt, 1));
      user->email = g_strdup (column_text (stmt, 2));
      user->manager_id = g_strdup (column_text (stmt, 3));
      user->reports = g_ptr_array_new ();
      user->commit_rank = user->best_case_rank = -1;
      g_ptr_array_add (ctx->users, user);
      g_hash_table_insert (ctx->user_index, user->id, user);
    }
  if (rc != SQLITE_DONE)
    return set_sqlite_error (ctx, error);

  for (guint i = 0; i < ctx->users->len; i++)
    {
      User *user = g_ptr_array_index (ctx->users, i);

      if (user->manager_id && (user->manager = g_hash_table_lookup (ctx->user_index, user->manager_id)))
        g_ptr_array_add (user->manager->reports, user);
    }
  return TRUE;
}

static int
compare_rates (gconstpointer a,
               gconstpointer b)
{
  return strcmp (((const Rate *) a)->date, ((const Rate *) b)->date);
}

static gboolean
load_rates (Context  *ctx,
            GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  GHashTableIter iter;
  gpointer value;
  int rc;

  ctx->rates = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  if (!(stmt = prepare (ctx, "SELECT currency, base_currency, rate, effective_date FROM exchange_rates "
                             "WHERE deleted = 0 AND rate > 0 AND (currency = ?1 OR base_currency = ?1) "
                             "ORDER BY effective_date, updated_at, rid", error)))
    return FALSE;
  sqlite3_bind_text (stmt, 1, ctx->currency, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *currency = column_text (stmt, 0);
      const char *base = column_text (stmt, 1);
      const char *other;
      GArray *list;
      Rate rate = { "", sqlite3_column_int64 (stmt, 2), FALSE };

      if (g_strcmp0 (currency, base) == 0 || column_text (stmt, 3) == NULL)
        continue;
      rate.inverse = g_strcmp0 (currency, ctx->currency) == 0;
      other = rate.inverse ? base : currency;
      g_strlcpy (rate.date, column_text (stmt, 3), sizeof rate.date);
      if (!(list = g_hash_table_lookup (ctx->rates, other)))
        {
          list = g_array_new (FALSE, FALSE, sizeof (Rate));
          g_hash_table_insert (ctx->rates, g_strdup (other), list);
        }
      g_array_append_val (list, rate);
    }
  if (rc != SQLITE_DONE)
    return set_sqlite_error (ctx, error);

  /* Already in date order; a stable sort keeps the later edit of a day last */
  g_hash_table_iter_init (&iter, ctx->rates);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_array_sort (value, compare_rates);
  return TRUE;
}

/* Converts @minor of @currency into the company currency at the latest
 * rate effective on or before @date; FALSE when there is none. */
static gboolean
convert (Context    *ctx,
         gint64      minor,
         const char *currency,
         const char *date,
         gint64     *out)
{
  GArray *list;
  const Rate *rate = NULL;
  int digits;
  guint lo, hi;

  if (currency == NULL)
    return FALSE;
  if (strcmp (currency, ctx->currency) == 0)
    {
      *out = minor;
      return TRUE;
    }
  if (date == NULL || (digits = crm_currency_minor_digits (currency)) < 0 ||
      !(list = g_hash_table_lookup (ctx->rates, currency)))
    return FALSE;

  /* The last rate dated on or before @date */
  lo = 0;
  hi = list->len;
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (strcmp (g_array_index (list, Rate, mid).date, date) <= 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (lo == 0)
    return FALSE;
  rate = &g_array_index (list, Rate, lo - 1);

  if (rate->inverse)
    return crm_decimal_div (minor, (guint) digits, rate->rate, RATE_SCALE, (guint) ctx->digits,
                            CRM_ROUND_HALF_UP, out, NULL);
  return crm_decimal_mul (minor, (guint) digits, rate->rate, RATE_SCALE, (guint) ctx->digits,
                          CRM_ROUND_HALF_UP, out, NULL);
}

static gboolean
context_init (Context   *ctx,
              CrmStore  *store,
              GError   **error)
{
  g_autofree char *currency = crm_store_dup_setting (store, CRM_SETTING_COMPANY_CURRENCY);

  memset (ctx, 0, sizeof *ctx);
  ctx->store = store;
  ctx->db = _crm_store_get_db (store);
  g_strlcpy (ctx->currency, currency && crm_currency_is_valid (currency) ? currency : "EUR",
             sizeof ctx->currency);
  ctx->digits = crm_currency_minor_digits (ctx->currency);
  ctx->fiscal_start = crm_forecast_fiscal_start (store);
  return load_users (ctx, error);
}

/* Who is in the view of @viewer: marks them and lists them so that
 * everyone comes after their manager. Cycles in bad data end the walk. */
static GPtrArray *
collect_view (User *viewer)
{
  GPtrArray *order = g_ptr_array_new ();

  viewer->in_view = TRUE;
  g_ptr_array_add (order, viewer);
  for (guint i = 0; i < order->len; i++)
    {
      User *user = g_ptr_array_index (order, i);

      for (guint j = 0; j < user->reports->len; j++)
        {
          User *report = g_ptr_array_index (user->reports, j);

          if (!report->in_view)
            {
              report->in_view = TRUE;
              g_ptr_array_add (order, report);
            }
        }
    }
  return order;
}

static gboolean
load_stages (Context  *ctx,
             GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  ctx->stages = g_hash_table_new_full (id_hash, g_str_equal, g_free, g_free);
  if (!(stmt = prepare (ctx, "SELECT id, forecast_category, probability, is_won, is_lost "
                             "FROM stages WHERE deleted = 0", error)))
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Stage *stage = g_new0 (Stage, 1);

      stage->category = category_from_string (column_text (stmt, 1));
      stage->probability = sqlite3_column_int64 (stmt, 2);
      stage->won = sqlite3_column_int (stmt, 3) != 0;
      stage->lost = sqlite3_column_int (stmt, 4) != 0;
      g_hash_table_insert (ctx->stages, g_strdup (column_text (stmt, 0)), stage);
    }
  if (rc != SQLITE_DONE)
    return set_sqlite_error (ctx, error);
  return TRUE;
}

static const Stage *
lookup_stage (Context    *ctx,
              const char *stage_id)
{
  return stage_id ? g_hash_table_lookup (ctx->stages, stage_id) : NULL;
}

static gboolean
load_deals (Context         *ctx,
            const CrmPeriod *period,
            guint           *n_unconverted,
            GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  /* One range of the covering index opportunities_forecast (schema 3):
   * 14 ms for the 25k deals of a quarter of 100k in bench-forecast,
   * against 31 ms for a table scan and 46 ms for the close-date index
   * with a lookup of each row. */
  if (!(stmt = prepare (ctx, "SELECT owner_id, stage_id, amount, currency, probability, "
                             "expected_close_date, forecast_category FROM opportunities "
                             "INDEXED BY opportunities_forecast "
                             "WHERE deleted = 0 AND expected_close_date BETWEEN ?1 AND ?2", error)))
    return FALSE;
  sqlite3_bind_text (stmt, 1, period->first_day, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, period->last_day, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *owner_id = column_text (stmt, 0);
      const char *stage_id = column_text (stmt, 1);
      const Stage *stage;
      User *user;
      Category category;
      gint64 amount, probability, share;

      if (owner_id == NULL || !(user = g_hash_table_lookup (ctx->user_index, owner_id)) || !user->in_view)
        continue;

      stage = lookup_stage (ctx, stage_id);
      category = resolve_category (stage, column_text (stmt, 6));
      if (category == CATEGORY_OMITTED || category == CATEGORY_LOST)
        continue;

      if (!convert (ctx, sqlite3_column_int64 (stmt, 2), column_text (stmt, 3),
                    column_text (stmt, 5), &amount))
        {
          (*n_unconverted)++;
          continue;
        }

      if (category == CATEGORY_CLOSED)
        {
          if (!add_checked (&user->won, amount, error))
            return FALSE;
          continue;
        }

      if (sqlite3_column_type (stmt, 4) != SQLITE_NULL)
        probability = sqlite3_column_int64 (stmt, 4);
      else
        probability = stage ? stage->probability : 0;
      /* A percentage at scale 2 is the same number as a fraction at scale 4 */
      if (!crm_decimal_mul (amount, 0, probability, 4, 0, CRM_ROUND_HALF_UP, &share, NULL))
        {
          g_set_error_literal (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_OVERFLOW,
                               _("The forecast’s amounts are too large to add up"));
          return FALSE;
        }
      if (!add_checked (&user->weighted, share, error) ||
          !add_checked (category == CATEGORY_COMMIT ? &user->commit :
                        category == CATEGORY_BEST_CASE ? &user->best_case : &user->pipeline,
                        amount, error))
        return FALSE;
    }
  if (rc != SQLITE_DONE)
    return set_sqlite_error (ctx, error);
  return TRUE;
}

/* One user's quota for @period: the record for it, else the sum of its
 * parts' (recursively). The latest edited record of a period wins. */
static gboolean
quota_for (Context         *ctx,
           GHashTable      *quotas,
           const User      *user,
           const CrmPeriod *period,
           gint64          *out,
           guint           *n_unconverted,
           GError         **error)
{
  g_autofree char *key = g_strconcat (user->id, "\t", period->name, NULL);
  const char *record = g_hash_table_lookup (quotas, key);
  g_autoptr(GArray) parts = NULL;

  *out = 0;
  if (record != NULL)
    {
      /* "minor\tcurrency" */
      const char *tab = strchr (record, '\t');
      gint64 minor = g_ascii_strtoll (record, NULL, 10);

      if (!convert (ctx, minor, tab + 1, period->last_day, out))
        (*n_unconverted)++;
      return TRUE;
    }

  parts = period_parts (period, ctx->fiscal_start);
  for (guint i = 0; i < parts->len; i++)
    {
      gint64 part;

      if (!quota_for (ctx, quotas, user, &g_array_index (parts, CrmPeriod, i), &part, n_unconverted, error) ||
          !add_checked (out, part, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
load_quotas (Context         *ctx,
             GPtrArray       *view,
             const CrmPeriod *period,
             guint           *n_unconverted,
             GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GHashTable) quotas = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  int rc;

  if (!(stmt = prepare (ctx, "SELECT user_id, period, amount, currency FROM quotas "
                             "WHERE deleted = 0 ORDER BY updated_at, rid", error)))
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *user_id = column_text (stmt, 0);
      const User *user = user_id ? g_hash_table_lookup (ctx->user_index, user_id) : NULL;

      if (user == NULL || !user->in_view || column_text (stmt, 1) == NULL || column_text (stmt, 3) == NULL)
        continue;
      g_hash_table_insert (quotas,
                           g_strconcat (user_id, "\t", column_text (stmt, 1), NULL),
                           g_strdup_printf ("%" G_GINT64_FORMAT "\t%s", (gint64) sqlite3_column_int64 (stmt, 2),
                                            column_text (stmt, 3)));
    }
  if (rc != SQLITE_DONE)
    return set_sqlite_error (ctx, error);

  for (guint i = 0; i < view->len; i++)
    {
      User *user = g_ptr_array_index (view, i);

      if (!quota_for (ctx, quotas, user, period, &user->quota, n_unconverted, error))
        return FALSE;
    }
  return TRUE;
}

/* How far above @user @author stands on the way up to @viewer: 0 for the
 * user themself, -1 when @author is not on that way. */
static int
author_rank (const User *user,
             const User *author,
             const User *viewer,
             guint       n_users)
{
  int rank = 0;

  for (const User *u = user; u != NULL && (guint) rank <= n_users; u = u->manager, rank++)
    {
      if (u == author)
        return rank;
      if (u == viewer)
        break;
    }
  return -1;
}

static gboolean
load_adjustments (Context         *ctx,
                  const User      *viewer,
                  const CrmPeriod *period,
                  guint           *n_unconverted,
                  GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  if (!(stmt = prepare (ctx, "SELECT user_id, author_id, category, amount, currency "
                             "FROM forecast_adjustments WHERE deleted = 0 AND reverted = 0 "
                             "AND period = ?1 ORDER BY created_at, rid", error)))
    return FALSE;
  sqlite3_bind_text (stmt, 1, period->name, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *user_id = column_text (stmt, 0);
      const char *author_id = column_text (stmt, 1);
      const char *category = column_text (stmt, 2);
      User *user = user_id ? g_hash_table_lookup (ctx->user_index, user_id) : NULL;
      const User *author = author_id ? g_hash_table_lookup (ctx->user_index, author_id) : NULL;
      gboolean is_commit = g_strcmp0 (category, "commit") == 0;
      int rank;
      gint64 amount;

      if (user == NULL || author == NULL || !user->in_view ||
          (!is_commit && g_strcmp0 (category, "best_case") != 0) ||
          (rank = author_rank (user, author, viewer, ctx->users->len)) < 0)
        continue;
      if (!convert (ctx, sqlite3_column_int64 (stmt, 3), column_text (stmt, 4), period->last_day, &amount))
        {
          (*n_unconverted)++;
          continue;
        }
      /* Rows come oldest first, so a later one of the same rank wins */
      if (is_commit && rank >= user->commit_rank)
        {
          user->commit_rank = rank;
          user->commit_value = amount;
        }
      else if (!is_commit && rank >= user->best_case_rank)
        {
          user->best_case_rank = rank;
          user->best_case_value = amount;
        }
    }
  if (rc != SQLITE_DONE)
    return set_sqlite_error (ctx, error);
  return TRUE;
}

/* Adds everyone's figures into their managers', bottom up, and settles
 * the adjusted ones on the way. */
static gboolean
roll_up (GPtrArray  *view,
         User       *viewer,
         GError    **error)
{
  for (guint i = 0; i < view->len; i++)
    {
      User *user = g_ptr_array_index (view, i);

      user->sub_won = user->won;
      user->sub_commit = user->commit;
      user->sub_best_case = user->best_case;
      user->sub_pipeline = user->pipeline;
      user->sub_weighted = user->weighted;
      user->sub_quota = user->quota;
      /* Own deals, cumulative; reports are added below */
      user->adj_commit = user->commit + user->won;
      user->adj_best_case = user->best_case + user->commit + user->won;
    }

  for (guint i = view->len; i-- > 0;)
    {
      User *user = g_ptr_array_index (view, i);
      User *manager = user->manager;

      if ((user->commit_adjusted = user->commit_rank >= 0))
        user->adj_commit = user->commit_value;
      if ((user->best_case_adjusted = user->best_case_rank >= 0))
        user->adj_best_case = user->best_case_value;

      if (user == viewer)
        continue;
      if (!add_checked (&manager->sub_won, user->sub_won, error) ||
          !add_checked (&manager->sub_commit, user->sub_commit, error) ||
          !add_checked (&manager->sub_best_case, user->sub_best_case, error) ||
          !add_checked (&manager->sub_pipeline, user->sub_pipeline, error) ||
          !add_checked (&manager->sub_weighted, user->sub_weighted, error) ||
          !add_checked (&manager->sub_quota, user->sub_quota, error))
        return FALSE;
      /* An adjusted manager’s figure stands for their whole team */
      if (manager->commit_rank < 0 &&
          !add_checked (&manager->adj_commit, user->adj_commit, error))
        return FALSE;
      if (manager->best_case_rank < 0 &&
          !add_checked (&manager->adj_best_case, user->adj_best_case, error))
        return FALSE;
    }
  return TRUE;
}

static CrmForecastRow *
row_new (const User *user,
         gboolean    own,
         gboolean    subtree)
{
  CrmForecastRow *row = g_new0 (CrmForecastRow, 1);
  gint64 won = subtree ? user->sub_won : user->won;
  gint64 commit = subtree ? user->sub_commit : user->commit;
  gint64 best_case = subtree ? user->sub_best_case : user->best_case;

  row->user_id = g_strdup (user->id);
  row->user_name = g_strdup (user->name);
  row->own = own;
  row->quota = subtree ? user->sub_quota : user->quota;
  row->closed = won;
  row->commit = commit + won;
  row->best_case = best_case + commit + won;
  row->pipeline = (subtree ? user->sub_pipeline : user->pipeline) + best_case + commit;
  row->weighted = subtree ? user->sub_weighted : user->weighted;
  if (subtree)
    {
      row->adjusted_commit = user->adj_commit;
      row->adjusted_best_case = user->adj_best_case;
      row->commit_is_adjusted = user->commit_adjusted;
      row->best_case_is_adjusted = user->best_case_adjusted;
    }
  else
    {
      row->adjusted_commit = row->commit;
      row->adjusted_best_case = row->best_case;
    }
  return row;
}

static void
row_free (CrmForecastRow *row)
{
  g_free (row->user_id);
  g_free (row->user_name);
  g_free (row);
}

static int
compare_users_by_name (gconstpointer a,
                       gconstpointer b)
{
  const User *ua = *(const User * const *) a;
  const User *ub = *(const User * const *) b;
  int c = g_utf8_collate (ua->name ? ua->name : "", ub->name ? ub->name : "");

  return c ? c : g_strcmp0 (ua->id, ub->id);
}

static gboolean
is_above (const User *manager,
          const User *user,
          guint       n_users)
{
  guint steps = 0;

  for (const User *u = user->manager; u != NULL && steps <= n_users; u = u->manager, steps++)
    if (u == manager)
      return TRUE;
  return FALSE;
}

static User *
lookup_user (Context     *ctx,
             const char  *user_id,
             GError     **error)
{
  User *user = user_id ? g_hash_table_lookup (ctx->user_index, user_id) : NULL;

  if (user == NULL)
    g_set_error (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_UNKNOWN_USER,
                 _("Unknown user “%s”"), user_id ? user_id : "");
  return user;
}

static char *
format_minor (const char *currency,
              gint64      minor)
{
  CrmMoney money;

  crm_money_init (&money, minor, currency);
  return crm_money_format (&money);
}

/* Public API **********************************************************/

/**
 * crm_forecast_fiscal_start:
 *
 * The month (1–12) the company's fiscal year starts in, from the
 * `fiscal_year_start_month` setting; January when unset or not a month.
 */
guint
crm_forecast_fiscal_start (CrmStore *store)
{
  g_autofree char *text = crm_store_dup_setting (store, CRM_SETTING_FISCAL_YEAR_START);
  guint64 month;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 1, 12, &month, NULL))
    return 1;
  return (guint) month;
}

/**
 * crm_period_parse:
 * @text: "2026-11" (a month), "2026-Q4" (a fiscal quarter) or "FY2026"
 *
 * Parses a period; upper or lower case "q" and "fy" are both accepted.
 */
gboolean
crm_period_parse (const char  *text,
                  guint        fiscal_start_month,
                  CrmPeriod   *out,
                  GError     **error)
{
  guint64 year, number;
  gsize len;

  g_return_val_if_fail (fiscal_start_month >= 1 && fiscal_start_month <= 12, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  len = text ? strlen (text) : 0;
  if (len == 6 && g_ascii_strncasecmp (text, "FY", 2) == 0 &&
      g_ascii_isdigit (text[2]) && g_ascii_string_to_unsigned (text + 2, 10, 1000, 9998, &year, NULL))
    {
      period_init (out, CRM_PERIOD_YEAR, (int) year, 0, fiscal_start_month);
      return TRUE;
    }
  if (len >= 7 && text[4] == '-' && g_ascii_isdigit (text[0]) && g_ascii_isdigit (text[1]) &&
      g_ascii_isdigit (text[2]) && g_ascii_isdigit (text[3]))
    {
      g_autofree char *year_text = g_strndup (text, 4);

      if (g_ascii_string_to_unsigned (year_text, 10, 1000, 9998, &year, NULL))
        {
          if (len == 7 && g_ascii_toupper (text[5]) == 'Q' && text[6] >= '1' && text[6] <= '4')
            {
              period_init (out, CRM_PERIOD_QUARTER, (int) year, text[6] - '0', fiscal_start_month);
              return TRUE;
            }
          if (len == 7 && g_ascii_isdigit (text[5]) &&
              g_ascii_string_to_unsigned (text + 5, 10, 1, 12, &number, NULL))
            {
              period_init (out, CRM_PERIOD_MONTH, (int) year, (int) number, fiscal_start_month);
              return TRUE;
            }
        }
    }

  g_set_error (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_INVALID_PERIOD,
               _("“%s” is not a period; use a month like 2026-11, a quarter like 2026-Q4 "
                 "or a fiscal year like FY2026"), text ? text : "");
  return FALSE;
}

gboolean
crm_period_for_date (CrmPeriodKind  kind,
                     const char    *date,
                     guint          fiscal_start_month,
                     CrmPeriod     *out)
{
  GDate d;
  int year, month, fiscal_month;

  g_return_val_if_fail (fiscal_start_month >= 1 && fiscal_start_month <= 12, FALSE);

  if (!parse_iso_date (date, &d))
    return FALSE;
  year = g_date_get_year (&d);
  month = g_date_get_month (&d);
  /* Months since the start of the fiscal year the date is in */
  fiscal_month = (month - (int) fiscal_start_month + 12) % 12;
  if (month < (int) fiscal_start_month)
    year--;

  if (kind == CRM_PERIOD_MONTH)
    period_init (out, kind, g_date_get_year (&d), month, fiscal_start_month);
  else
    period_init (out, kind, year, kind == CRM_PERIOD_QUARTER ? fiscal_month / 3 + 1 : 0,
                 fiscal_start_month);
  return TRUE;
}

char *
crm_forecast_find_user (CrmStore    *store,
                        const char  *name,
                        GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) matches = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *wanted = NULL;
  Context ctx = { store, _crm_store_get_db (store) };
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  wanted = g_utf8_casefold (name, -1);
  if (!(stmt = prepare (&ctx, "SELECT id, name, email FROM users WHERE deleted = 0 ORDER BY name, id", error)))
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *id = column_text (stmt, 0);
      const char *email = column_text (stmt, 2);
      g_autofree char *user_name = g_utf8_casefold (column_text (stmt, 1) ? column_text (stmt, 1) : "", -1);
      g_autofree char *mail = g_utf8_casefold (email ? email : "", -1);
      const char *at = strchr (mail, '@');

      if (g_ascii_strcasecmp (id, name) == 0 || g_str_equal (user_name, wanted) ||
          (*mail && g_str_equal (mail, wanted)) ||
          (at && (gsize) (at - mail) == strlen (wanted) && strncmp (mail, wanted, at - mail) == 0))
        g_ptr_array_add (matches, g_strdup (id));
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (&ctx, error);
      return NULL;
    }

  if (matches->len == 1)
    return g_strdup (g_ptr_array_index (matches, 0));
  if (matches->len == 0)
    g_set_error (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_UNKNOWN_USER,
                 _("Unknown user “%s”; give a user’s name or e-mail address"), name);
  else
    g_set_error (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_UNKNOWN_USER,
                 _("“%s” names %u users; give the e-mail address"), name, matches->len);
  return NULL;
}

/**
 * crm_forecast_compute:
 * @user_id: whose forecast: their own deals and everyone below them
 *
 * Rolls up the forecast of @user_id for @period from the store, in one
 * read transaction so that a sync in between cannot tear it.
 */
CrmForecast *
crm_forecast_compute (CrmStore         *store,
                      const CrmPeriod  *period,
                      const char       *user_id,
                      GError          **error)
{
  g_autoptr(CrmForecast) forecast = NULL;
  g_autoptr(GPtrArray) view = NULL;
  g_autoptr(GPtrArray) reports = NULL;
  Context ctx;
  User *viewer;
  gboolean ok;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (period != NULL, NULL);
  g_return_val_if_fail (user_id != NULL, NULL);

  if (!context_init (&ctx, store, error))
    {
      context_clear (&ctx);
      return NULL;
    }
  if (!(viewer = lookup_user (&ctx, user_id, error)))
    {
      context_clear (&ctx);
      return NULL;
    }

  forecast = g_new0 (CrmForecast, 1);
  forecast->period = *period;
  g_strlcpy (forecast->currency, ctx.currency, sizeof forecast->currency);
  forecast->user_id = g_strdup (viewer->id);
  forecast->user_name = g_strdup (viewer->name);
  forecast->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);

  view = collect_view (viewer);
  sqlite3_exec (ctx.db, "SAVEPOINT forecast_read", NULL, NULL, NULL);
  ok = load_rates (&ctx, error) &&
       load_stages (&ctx, error) &&
       load_deals (&ctx, period, &forecast->n_unconverted, error) &&
       load_quotas (&ctx, view, period, &forecast->n_unconverted, error) &&
       load_adjustments (&ctx, viewer, period, &forecast->n_unconverted, error) &&
       roll_up (view, viewer, error);
  sqlite3_exec (ctx.db, "RELEASE forecast_read", NULL, NULL, NULL);
  if (!ok)
    {
      context_clear (&ctx);
      return NULL;
    }

  reports = g_ptr_array_copy (viewer->reports, NULL, NULL);
  g_ptr_array_sort (reports, compare_users_by_name);
  for (guint i = 0; i < reports->len; i++)
    {
      User *report = g_ptr_array_index (reports, i);

      /* Someone who is their own manager is the own row, not a report */
      if (report != viewer)
        g_ptr_array_add (forecast->rows, row_new (report, FALSE, TRUE));
    }
  g_ptr_array_add (forecast->rows, row_new (viewer, TRUE, FALSE));
  forecast->total = row_new (viewer, FALSE, TRUE);

  context_clear (&ctx);
  return g_steal_pointer (&forecast);
}

void
crm_forecast_free (CrmForecast *forecast)
{
  if (forecast == NULL)
    return;
  g_free (forecast->user_id);
  g_free (forecast->user_name);
  g_clear_pointer (&forecast->rows, g_ptr_array_unref);
  g_clear_pointer (&forecast->total, row_free);
  g_free (forecast);
}

char *
crm_forecast_format_amount (CrmForecast *forecast,
                            gint64       minor)
{
  return format_minor (forecast->currency, minor);
}

char *
crm_forecast_row_attainment (const CrmForecastRow *row)
{
  gint64 fraction;

  if (row->quota <= 0 ||
      !crm_decimal_div (row->closed, 0, row->quota, 0, 4, CRM_ROUND_HALF_UP, &fraction, NULL))
    return NULL;
  return crm_decimal_format (fraction, 4);
}

static void
add_amount (JsonBuilder *builder,
            const char  *currency,
            const char  *name,
            gint64       minor)
{
  g_autofree char *text = format_minor (currency, minor);

  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, text);
}

static void
add_row (JsonBuilder          *builder,
         const char           *currency,
         const CrmForecastRow *row)
{
  g_autofree char *attainment = crm_forecast_row_attainment (row);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "user");
  json_builder_add_string_value (builder, row->user_name);
  add_amount (builder, currency, "quota", row->quota);
  add_amount (builder, currency, "closed", row->closed);
  add_amount (builder, currency, "commit", row->commit);
  add_amount (builder, currency, "best_case", row->best_case);
  add_amount (builder, currency, "pipeline", row->pipeline);
  add_amount (builder, currency, "weighted", row->weighted);
  json_builder_set_member_name (builder, "attainment");
  if (attainment)
    json_builder_add_string_value (builder, attainment);
  else
    json_builder_add_null_value (builder);
  add_amount (builder, currency, "gap", row->quota - row->closed);
  json_builder_set_member_name (builder, "adjusted");
  json_builder_begin_object (builder);
  add_amount (builder, currency, "commit", row->adjusted_commit);
  add_amount (builder, currency, "best_case", row->adjusted_best_case);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
}

/**
 * crm_forecast_to_json:
 *
 * {"period","currency","user","rows":[{"user","quota","closed","commit",
 * "best_case","pipeline","weighted","attainment","gap","adjusted":
 * {"commit","best_case"}}],"total":{…}}: amounts as decimal strings of
 * the company currency, attainment a fraction to 4 decimals (null
 * without a quota).
 */
JsonNode *
crm_forecast_to_json (CrmForecast *forecast)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (forecast != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "period");
  json_builder_add_string_value (builder, forecast->period.name);
  json_builder_set_member_name (builder, "currency");
  json_builder_add_string_value (builder, forecast->currency);
  json_builder_set_member_name (builder, "user");
  json_builder_add_string_value (builder, forecast->user_name);
  json_builder_set_member_name (builder, "rows");
  json_builder_begin_array (builder);
  for (guint i = 0; i < forecast->rows->len; i++)
    add_row (builder, forecast->currency, g_ptr_array_index (forecast->rows, i));
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "total");
  add_row (builder, forecast->currency, forecast->total);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* Adjustments *********************************************************/

/**
 * crm_forecast_can_adjust:
 *
 * Whether @author_id may adjust the forecast of @user_id: their own, or
 * that of anyone below them. Never their manager's, nor a peer's.
 */
gboolean
crm_forecast_can_adjust (CrmStore    *store,
                         const char  *author_id,
                         const char  *user_id,
                         GError     **error)
{
  Context ctx;
  User *author, *user;
  gboolean ok = FALSE;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  if (context_init (&ctx, store, error) &&
      (author = lookup_user (&ctx, author_id, error)) &&
      (user = lookup_user (&ctx, user_id, error)))
    {
      ok = author == user || is_above (author, user, ctx.users->len);
      if (!ok)
        g_set_error (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_NOT_ALLOWED,
                     _("%s may not adjust the forecast of %s: only their own, "
                       "or that of someone who reports to them"),
                     author->name, user->name);
    }
  context_clear (&ctx);
  return ok;
}

/**
 * crm_forecast_adjust:
 * @category: "commit" or "best_case"
 * @amount: the adjusted figure in the company currency, such as "120000"
 * @note: why, 1 to 255 characters
 *
 * Records @author_id's adjustment of @user_id's forecast, through the
 * outbox so that it syncs.
 */
CrmRecord *
crm_forecast_adjust (CrmStore         *store,
                     const CrmPeriod  *period,
                     const char       *author_id,
                     const char       *user_id,
                     const char       *category,
                     const char       *amount,
                     const char       *note,
                     GError          **error)
{
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autofree char *currency = NULL;
  g_autofree char *canonical = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *stripped = NULL;
  CrmMoney money;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (period != NULL, NULL);

  if (g_strcmp0 (category, "commit") != 0 && g_strcmp0 (category, "best_case") != 0)
    {
      g_set_error (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_INVALID,
                   _("Only Commit and Best Case can be adjusted, not “%s”"), category ? category : "");
      return NULL;
    }
  stripped = g_strstrip (g_strdup (note ? note : ""));
  if (*stripped == '\0' || !g_utf8_validate (note, -1, NULL) || g_utf8_strlen (note, -1) > 255)
    {
      g_set_error_literal (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_INVALID,
                           _("An adjustment needs a note of 1 to 255 characters saying why"));
      return NULL;
    }

  currency = crm_store_dup_setting (store, CRM_SETTING_COMPANY_CURRENCY);
  if (currency == NULL || !crm_currency_is_valid (currency))
    {
      g_free (currency);
      currency = g_strdup ("EUR");
    }
  if (!crm_money_parse (amount ? amount : "", currency, &money, &local_error))
    {
      g_set_error (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_INVALID,
                   _("“%s” is not an amount in %s: %s"), amount ? amount : "", currency,
                   local_error->message);
      return NULL;
    }
  if (money.minor < 0)
    {
      g_set_error (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_INVALID,
                   _("An adjusted figure cannot be negative, not %s"), amount);
      return NULL;
    }
  if (!crm_forecast_can_adjust (store, author_id, user_id, error))
    return NULL;

  canonical = crm_money_format (&money);
  json_object_set_string_member (fields, "user_id", user_id);
  json_object_set_string_member (fields, "period", period->name);
  json_object_set_string_member (fields, "category", category);
  json_object_set_string_member (fields, "amount", canonical);
  json_object_set_string_member (fields, "currency", currency);
  json_object_set_string_member (fields, "note", note);
  json_object_set_string_member (fields, "author_id", author_id);
  return crm_store_create (store, "forecast_adjustments", fields, error);
}

/**
 * crm_forecast_revert:
 *
 * Withdraws an adjustment; the one it replaced applies again. Its author
 * or a manager above them may revert it, as long as they may adjust the
 * forecast it is of.
 */
CrmRecord *
crm_forecast_revert (CrmStore    *store,
                     const char  *author_id,
                     const char  *adjustment_id,
                     GError     **error)
{
  g_autoptr(CrmRecord) record = NULL;
  g_autoptr(JsonObject) changes = NULL;
  JsonNode *reverted;
  const char *made_by;
  Context ctx;
  User *actor, *maker;
  gboolean allowed = FALSE;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (!(record = crm_store_get (store, "forecast_adjustments", adjustment_id, error)))
    return NULL;
  reverted = crm_record_get_field (record, "reverted");
  if (reverted && JSON_NODE_HOLDS_VALUE (reverted) && json_node_get_boolean (reverted))
    {
      g_set_error (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_INVALID,
                   _("Adjustment %s is already reverted"), adjustment_id);
      return NULL;
    }
  if (!crm_forecast_can_adjust (store, author_id, crm_record_get_string (record, "user_id"), error))
    return NULL;

  made_by = crm_record_get_string (record, "author_id");
  if (!context_init (&ctx, store, error))
    {
      context_clear (&ctx);
      return NULL;
    }
  actor = g_hash_table_lookup (ctx.user_index, author_id);
  maker = made_by ? g_hash_table_lookup (ctx.user_index, made_by) : NULL;
  allowed = maker == NULL || actor == maker || is_above (actor, maker, ctx.users->len);
  if (!allowed)
    g_set_error (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_NOT_ALLOWED,
                 _("%s may not revert an adjustment %s made"), actor->name, maker->name);
  context_clear (&ctx);
  if (!allowed)
    return NULL;

  changes = json_object_new ();
  json_object_set_boolean_member (changes, "reverted", TRUE);
  return crm_store_update (store, "forecast_adjustments", adjustment_id, changes, error);
}

/**
 * crm_forecast_dup_history:
 *
 * Every adjustment of @user_id's forecast for @period, reverted ones
 * included, oldest first.
 */
GPtrArray *
crm_forecast_dup_history (CrmStore         *store,
                          const CrmPeriod  *period,
                          const char       *user_id,
                          GError          **error)
{
  g_autoptr(GPtrArray) history = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  Context ctx = { store, _crm_store_get_db (store) };
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (!(stmt = prepare (&ctx, "SELECT id FROM forecast_adjustments WHERE deleted = 0 "
                              "AND user_id = ?1 AND period = ?2 ORDER BY created_at, rid", error)))
    return NULL;
  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, period->name, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup (column_text (stmt, 0)));
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (&ctx, error);
      return NULL;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  for (guint i = 0; i < ids->len; i++)
    {
      CrmRecord *record = crm_store_get (store, "forecast_adjustments", g_ptr_array_index (ids, i), error);

      if (record == NULL)
        return NULL;
      g_ptr_array_add (history, record);
    }
  return g_steal_pointer (&history);
}

/* Submissions *********************************************************/

/**
 * crm_forecast_submit:
 *
 * Stores @user_id's forecast for @period as it is now, with the time: a
 * done note activity, so that it syncs and their managers see it.
 */
CrmRecord *
crm_forecast_submit (CrmStore         *store,
                     const CrmPeriod  *period,
                     const char       *user_id,
                     GError          **error)
{
  g_autoptr(CrmForecast) forecast = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autofree char *notes = NULL;
  g_autofree char *now = crm_timestamp_now ();
  g_autofree char *subject = NULL;
  g_autofree char *commit = NULL;
  g_autofree char *best_case = NULL;
  CrmForecastRow *total;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (!(forecast = crm_forecast_compute (store, period, user_id, error)))
    return NULL;
  total = forecast->total;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "forecast_submission");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "period");
  json_builder_add_string_value (builder, period->name);
  json_builder_set_member_name (builder, "user_id");
  json_builder_add_string_value (builder, forecast->user_id);
  json_builder_set_member_name (builder, "submitted_at");
  json_builder_add_string_value (builder, now);
  json_builder_set_member_name (builder, "currency");
  json_builder_add_string_value (builder, forecast->currency);
  json_builder_set_member_name (builder, "figures");
  add_row (builder, forecast->currency, total);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  notes = json_to_string (root, FALSE);
  g_assert (g_str_has_prefix (notes, SUBMISSION_MARK));

  commit = format_minor (forecast->currency, total->adjusted_commit);
  best_case = format_minor (forecast->currency, total->adjusted_best_case);
  subject = g_strdup_printf (_("Submitted the %s forecast: commit %s %s, best case %s %s"),
                             period->name, commit, forecast->currency, best_case, forecast->currency);

  json_object_set_string_member (fields, "kind", "note");
  json_object_set_string_member (fields, "subject", subject);
  json_object_set_string_member (fields, "due_at", now);
  json_object_set_boolean_member (fields, "done", TRUE);
  json_object_set_string_member (fields, "notes", notes);
  return crm_store_create (store, "activities", fields, error);
}

/**
 * crm_forecast_dup_submission:
 *
 * The latest forecast @user_id submitted for @period: {"period",
 * "user_id","submitted_at","currency","figures":{…a row as in
 * crm_forecast_to_json()…}}, or %NULL without error when there is none.
 */
JsonObject *
crm_forecast_dup_submission (CrmStore         *store,
                             const CrmPeriod  *period,
                             const char       *user_id,
                             GError          **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(JsonNode) node = NULL;
  Context ctx = { store, _crm_store_get_db (store) };
  JsonObject *object;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  /* Only the submitter's own note counts, so no one else's can pass for
   * it; a record of a profile not yet signed in has no owner */
  if (!(stmt = prepare (&ctx, "SELECT notes FROM activities WHERE deleted = 0 AND kind = 'note' "
                              "AND notes LIKE '" SUBMISSION_MARK "%' AND json_valid (notes) "
                              "AND json_extract (notes, '$.forecast_submission.period') = ?1 "
                              "AND json_extract (notes, '$.forecast_submission.user_id') = ?2 "
                              "AND (owner_id = ?2 OR owner_id IS NULL) "
                              "ORDER BY json_extract (notes, '$.forecast_submission.submitted_at') DESC, rid DESC "
                              "LIMIT 1", error)))
    return NULL;
  sqlite3_bind_text (stmt, 1, period->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, user_id, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return NULL;
  if (rc != SQLITE_ROW)
    {
      set_sqlite_error (&ctx, error);
      return NULL;
    }
  if (!(node = json_from_string (column_text (stmt, 0), error)))
    return NULL;
  object = json_object_get_object_member (json_node_get_object (node), "forecast_submission");
  return object ? json_object_ref (object) : NULL;
}

/* Deals **************************************************************/

static void
forecast_deal_free (CrmForecastDeal *deal)
{
  g_free (deal->id);
  g_free (deal->name);
  g_free (deal);
}

static const char *category_name (Category category);

/**
 * crm_forecast_dup_deals:
 *
 * The deals behind a row of @user_id's own deals: what a manager drills
 * down to. Lost and omitted deals are listed too, with their category.
 */
GPtrArray *
crm_forecast_dup_deals (CrmStore         *store,
                        const CrmPeriod  *period,
                        const char       *user_id,
                        GError          **error)
{
  g_autoptr(GPtrArray) deals = g_ptr_array_new_with_free_func ((GDestroyNotify) forecast_deal_free);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  Context ctx;
  gboolean ok;
  int rc = SQLITE_DONE;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (period != NULL, NULL);
  g_return_val_if_fail (user_id != NULL, NULL);

  ok = context_init (&ctx, store, error) && lookup_user (&ctx, user_id, error) &&
       load_rates (&ctx, error) && load_stages (&ctx, error) &&
       (stmt = prepare (&ctx, "SELECT id, name, stage_id, amount, currency, expected_close_date, forecast_category "
                              "FROM opportunities WHERE deleted = 0 AND owner_id = ?3 "
                              "AND expected_close_date BETWEEN ?1 AND ?2 ORDER BY expected_close_date, name, id",
                        error));
  if (ok)
    {
      sqlite3_bind_text (stmt, 1, period->first_day, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, period->last_day, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, user_id, -1, SQLITE_STATIC);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          CrmForecastDeal *deal = g_new0 (CrmForecastDeal, 1);

          deal->id = g_strdup (column_text (stmt, 0));
          deal->name = g_strdup (column_text (stmt, 1));
          g_strlcpy (deal->close, column_text (stmt, 5), sizeof deal->close);
          deal->category = category_name (resolve_category (lookup_stage (&ctx, column_text (stmt, 2)),
                                                            column_text (stmt, 6)));
          deal->converted = convert (&ctx, sqlite3_column_int64 (stmt, 3), column_text (stmt, 4),
                                     column_text (stmt, 5), &deal->amount);
          g_ptr_array_add (deals, deal);
        }
      if (rc != SQLITE_DONE)
        ok = set_sqlite_error (&ctx, error);
    }
  context_clear (&ctx);
  return ok ? g_steal_pointer (&deals) : NULL;
}

/* Snapshots ***********************************************************/

/*
 * A snapshot stores only what changed since the one before: each deal's
 * forecast-relevant state has a row valid from the snapshot that saw it
 * (since) until the one that saw it change or go (until), so the picture
 * at snapshot S is every row with since ≤ S and (until unset or > S).
 */

static const char *
category_name (Category category)
{
  static const char * const names[] = {
    [CATEGORY_PIPELINE] = "pipeline", [CATEGORY_BEST_CASE] = "best_case",
    [CATEGORY_COMMIT] = "commit", [CATEGORY_CLOSED] = "closed",
    [CATEGORY_OMITTED] = "omitted", [CATEGORY_NONE] = "omitted", [CATEGORY_LOST] = "lost",
  };

  return names[category];
}

static Category
recorded_category (const char *text)
{
  Category category;

  if (g_strcmp0 (text, "lost") == 0)
    return CATEGORY_LOST;
  category = category_from_string (text);
  return category == CATEGORY_NONE ? CATEGORY_OMITTED : category;
}

/* A deal as the latest snapshot recorded it */
typedef struct
{
  char     *owner_id;
  char     *currency;
  char     *close;
  gint64    amount;
  gboolean  has_amount;
  Category  category;
  gboolean  seen;
} Recorded;

static void
recorded_free (Recorded *recorded)
{
  g_free (recorded->owner_id);
  g_free (recorded->currency);
  g_free (recorded->close);
  g_free (recorded);
}

static gboolean
load_recorded (Context     *ctx,
               GHashTable  *recorded,
               GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  if (!(stmt = prepare (ctx, "SELECT opportunity_id, owner_id, amount, currency, expected_close_date, category "
                             "FROM forecast_snapshot_deals INDEXED BY forecast_snapshot_deals_current "
                             "WHERE until IS NULL", error)))
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Recorded *r = g_new0 (Recorded, 1);

      r->owner_id = g_strdup (column_text (stmt, 1));
      r->has_amount = sqlite3_column_type (stmt, 2) != SQLITE_NULL;
      r->amount = sqlite3_column_int64 (stmt, 2);
      r->currency = g_strdup (column_text (stmt, 3));
      r->close = g_strdup (column_text (stmt, 4));
      r->category = recorded_category (column_text (stmt, 5));
      g_hash_table_insert (recorded, g_strdup (column_text (stmt, 0)), r);
    }
  if (rc != SQLITE_DONE)
    return set_sqlite_error (ctx, error);
  return TRUE;
}

static gboolean
step_done (Context       *ctx,
           sqlite3_stmt  *stmt,
           GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return rc == SQLITE_DONE || set_sqlite_error (ctx, error);
}

/* Records the deals whose state differs from the latest snapshot's, and
 * closes the rows of those that are gone, under snapshot @id. */
static gboolean
record_deals (Context  *ctx,
              gint64    id,
              guint    *n_deals,
              guint    *n_changed,
              GError  **error)
{
  g_autoptr(GHashTable) recorded = g_hash_table_new_full (id_hash, g_str_equal, g_free,
                                                          (GDestroyNotify) recorded_free);
  g_autoptr(sqlite3_stmt) deals = NULL;
  g_autoptr(sqlite3_stmt) close_stmt = NULL;
  g_autoptr(sqlite3_stmt) insert = NULL;
  GHashTableIter iter;
  gpointer key, value;
  int rc;

  if (!load_recorded (ctx, recorded, error) ||
      !(deals = prepare (ctx, "SELECT id, name, owner_id, stage_id, amount, currency, expected_close_date, "
                              "forecast_category FROM opportunities WHERE deleted = 0", error)) ||
      !(close_stmt = prepare (ctx, "UPDATE forecast_snapshot_deals SET until = ?1 "
                                   "WHERE opportunity_id = ?2 AND until IS NULL", error)) ||
      !(insert = prepare (ctx, "INSERT INTO forecast_snapshot_deals (opportunity_id, since, name, owner_id, "
                               "amount, currency, expected_close_date, category) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", error)))
    return FALSE;

  while ((rc = sqlite3_step (deals)) == SQLITE_ROW)
    {
      const char *deal_id = column_text (deals, 0);
      gboolean has_amount = sqlite3_column_type (deals, 4) != SQLITE_NULL;
      gint64 amount = sqlite3_column_int64 (deals, 4);
      Category category = resolve_category (lookup_stage (ctx, column_text (deals, 3)), column_text (deals, 7));
      Recorded *r = g_hash_table_lookup (recorded, deal_id);

      (*n_deals)++;
      if (r != NULL)
        {
          r->seen = TRUE;
          if (g_strcmp0 (r->owner_id, column_text (deals, 2)) == 0 && r->has_amount == has_amount &&
              r->amount == amount && g_strcmp0 (r->currency, column_text (deals, 5)) == 0 &&
              g_strcmp0 (r->close, column_text (deals, 6)) == 0 && r->category == category)
            continue;
          sqlite3_bind_int64 (close_stmt, 1, id);
          sqlite3_bind_text (close_stmt, 2, deal_id, -1, SQLITE_STATIC);
          if (!step_done (ctx, close_stmt, error))
            return FALSE;
        }

      sqlite3_bind_text (insert, 1, deal_id, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (insert, 2, id);
      sqlite3_bind_value (insert, 3, sqlite3_column_value (deals, 1));  /* name */
      sqlite3_bind_value (insert, 4, sqlite3_column_value (deals, 2));  /* owner_id */
      sqlite3_bind_value (insert, 5, sqlite3_column_value (deals, 4));  /* amount */
      sqlite3_bind_value (insert, 6, sqlite3_column_value (deals, 5));  /* currency */
      sqlite3_bind_value (insert, 7, sqlite3_column_value (deals, 6));  /* expected_close_date */
      sqlite3_bind_text (insert, 8, category_name (category), -1, SQLITE_STATIC);
      if (!step_done (ctx, insert, error))
        return FALSE;
      (*n_changed)++;
    }
  if (rc != SQLITE_DONE)
    return set_sqlite_error (ctx, error);

  g_hash_table_iter_init (&iter, recorded);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!((Recorded *) value)->seen)
      {
        sqlite3_bind_int64 (close_stmt, 1, id);
        sqlite3_bind_text (close_stmt, 2, key, -1, SQLITE_STATIC);
        if (!step_done (ctx, close_stmt, error))
          return FALSE;
        (*n_changed)++;
      }
  return TRUE;
}

static void
read_snapshot_row (sqlite3_stmt        *stmt,
                   CrmForecastSnapshot *out)
{
  out->id = sqlite3_column_int64 (stmt, 0);
  g_strlcpy (out->taken_at, column_text (stmt, 1), sizeof out->taken_at);
  g_strlcpy (out->taken_on, column_text (stmt, 2), sizeof out->taken_on);
  out->deals = (guint) sqlite3_column_int64 (stmt, 3);
}

/* The first snapshot of @day when @first, else the last */
static gboolean
find_snapshot (Context             *ctx,
               const char          *sql,
               const char          *day,
               CrmForecastSnapshot *out,
               gboolean            *found,
               GError             **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  *found = FALSE;
  if (!(stmt = prepare (ctx, sql, error)))
    return FALSE;
  sqlite3_bind_text (stmt, 1, day, -1, SQLITE_STATIC);
  if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      read_snapshot_row (stmt, out);
      *found = TRUE;
      return TRUE;
    }
  return rc == SQLITE_DONE || set_sqlite_error (ctx, error);
}

#define SNAPSHOT_COLUMNS "SELECT rid, taken_at, taken_on, deals FROM forecast_snapshots "

/**
 * crm_forecast_snapshot:
 * @now: (nullable): when it is taken; %NULL for now
 * @daily: take one only if none was taken on @now's local day
 *
 * Records every deal's forecast-relevant state (owner, amount, currency,
 * close date and category as the forecast reads it), storing only what
 * changed since the last snapshot. Snapshots stay on this client.
 */
gboolean
crm_forecast_snapshot (CrmStore             *store,
                       GDateTime            *now,
                       gboolean              daily,
                       CrmForecastSnapshot  *out,
                       GError              **error)
{
  g_autoptr(GDateTime) local = now ? g_date_time_to_local (now) : g_date_time_new_now_local ();
  g_autoptr(GDateTime) utc = g_date_time_to_utc (local);
  g_autoptr(sqlite3_stmt) insert = NULL;
  g_autoptr(sqlite3_stmt) count = NULL;
  g_autofree char *day = g_date_time_format (local, "%Y-%m-%d");
  g_autofree char *at = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%S");
  Context ctx = { store, _crm_store_get_db (store) };
  gboolean found = FALSE;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  memset (out, 0, sizeof *out);
  if (!crm_store_begin (store, error))
    return FALSE;
  if (daily &&
      !find_snapshot (&ctx, SNAPSHOT_COLUMNS "WHERE taken_on = ?1 ORDER BY rid LIMIT 1", day, out, &found, error))
    goto failed;
  if (found)
    {
      crm_store_rollback (store);
      return TRUE;
    }

  g_snprintf (out->taken_at, sizeof out->taken_at, "%s.%03dZ", at, g_date_time_get_microsecond (utc) / 1000);
  g_strlcpy (out->taken_on, day, sizeof out->taken_on);
  if (!(insert = prepare (&ctx, "INSERT INTO forecast_snapshots (taken_at, taken_on, deals) VALUES (?1, ?2, 0)", error)))
    goto failed;
  sqlite3_bind_text (insert, 1, out->taken_at, -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 2, out->taken_on, -1, SQLITE_STATIC);
  if (!step_done (&ctx, insert, error))
    goto failed;
  out->id = sqlite3_last_insert_rowid (ctx.db);

  if (!load_stages (&ctx, error) ||
      !record_deals (&ctx, out->id, &out->deals, &out->changed, error) ||
      !(count = prepare (&ctx, "UPDATE forecast_snapshots SET deals = ?1 WHERE rid = ?2", error)))
    goto failed;
  sqlite3_bind_int64 (count, 1, out->deals);
  sqlite3_bind_int64 (count, 2, out->id);
  if (!step_done (&ctx, count, error) || !crm_store_commit (store, error))
    {
      context_clear (&ctx);
      return FALSE;
    }
  context_clear (&ctx);
  out->taken = TRUE;
  return TRUE;

failed:
  crm_store_rollback (store);
  context_clear (&ctx);
  return FALSE;
}

/* What changed ********************************************************/

/* A deal on one side of the waterfall, as the viewer's team sees it */
typedef struct
{
  User     *owner;      /* NULL: gone, or not in the team */
  char      close[11];
  Category  category;
  gint64    amount;     /* company currency */
  gboolean  in_period;  /* counts in the period: in the team, converted */
} DealState;

typedef struct
{
  char      *id;
  gint64     rid;       /* in opportunities, when it is there now */
  DealState  then;
  DealState  now;
  gboolean   matched;
} Deal;

/* A deal behind a step, waiting for its name: looked up by rid as it
 * is called now, or by id as it was last called before it went */
typedef struct
{
  CrmForecastDealChange *change;
  gint64                 rid;
} Unnamed;

static void
deal_free (Deal *deal)
{
  g_free (deal->id);
  g_free (deal);
}

static void
figures_of (Category            category,
            gint64              amount,
            CrmForecastFigures *out)
{
  memset (out, 0, sizeof *out);
  switch (category)
    {
    case CATEGORY_CLOSED:
      out->closed = out->commit = out->best_case = amount;
      break;
    case CATEGORY_COMMIT:
      out->commit = out->best_case = out->pipeline = amount;
      break;
    case CATEGORY_BEST_CASE:
      out->best_case = out->pipeline = amount;
      break;
    case CATEGORY_PIPELINE:
      out->pipeline = amount;
      break;
    case CATEGORY_OMITTED:
    case CATEGORY_NONE:
    case CATEGORY_LOST:
    default:
      break;
    }
}

static gboolean
figures_add (CrmForecastFigures       *sum,
             const CrmForecastFigures *value,
             gboolean                  subtract,
             GError                  **error)
{
  gint64 *to[] = { &sum->closed, &sum->commit, &sum->best_case, &sum->pipeline };
  const gint64 from[] = { value->closed, value->commit, value->best_case, value->pipeline };

  for (guint i = 0; i < G_N_ELEMENTS (to); i++)
    if (subtract ? __builtin_sub_overflow (*to[i], from[i], to[i]) : !add_checked (to[i], from[i], NULL))
      {
        g_set_error_literal (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_OVERFLOW,
                             _("The forecast’s amounts are too large to add up"));
        return FALSE;
      }
  return TRUE;
}

static gboolean
figures_are_zero (const CrmForecastFigures *f)
{
  return f->closed == 0 && f->commit == 0 && f->best_case == 0 && f->pipeline == 0;
}

/* Fills @state from a close date, a category and an amount of a currency */
static void
set_state (Context         *ctx,
           DealState       *state,
           const CrmPeriod *period,
           const char      *owner_id,
           const char      *close,
           Category         category,
           gint64           amount,
           const char      *currency,
           guint           *n_unconverted)
{
  User *owner = owner_id ? g_hash_table_lookup (ctx->user_index, owner_id) : NULL;
  gboolean converted;

  state->owner = owner && owner->in_view ? owner : NULL;
  g_strlcpy (state->close, close ? close : "", sizeof state->close);
  state->category = category;
  converted = convert (ctx, amount, currency, close, &state->amount);
  if (!converted)
    state->amount = 0;
  state->in_period = state->owner != NULL && close != NULL &&
                     strcmp (close, period->first_day) >= 0 && strcmp (close, period->last_day) <= 0;
  if (state->in_period && !converted)
    {
      (*n_unconverted)++;
      state->in_period = FALSE;
    }
}

/* SELECT owner_id, expected_close_date, category, amount, currency of
 * forecast_snapshot_deals */
static void
set_then_state (Context         *ctx,
                sqlite3_stmt    *stmt,
                int              first,
                const CrmPeriod *period,
                DealState       *state,
                guint           *n_unconverted)
{
  set_state (ctx, state, period, column_text (stmt, first), column_text (stmt, first + 1),
             recorded_category (column_text (stmt, first + 2)), sqlite3_column_int64 (stmt, first + 3),
             column_text (stmt, first + 4), n_unconverted);
}

/* SELECT owner_id, stage_id, amount, currency, expected_close_date,
 * forecast_category of opportunities */
static void
set_now_state (Context         *ctx,
               sqlite3_stmt    *stmt,
               int              first,
               const CrmPeriod *period,
               DealState       *state,
               guint           *n_unconverted)
{
  set_state (ctx, state, period, column_text (stmt, first), column_text (stmt, first + 4),
             resolve_category (lookup_stage (ctx, column_text (stmt, first + 1)), column_text (stmt, first + 5)),
             sqlite3_column_int64 (stmt, first + 2), column_text (stmt, first + 3), n_unconverted);
}

static void
deal_change_free (CrmForecastDealChange *change)
{
  g_free (change->id);
  g_free (change->name);
  g_free (change->owner_name);
  g_free (change);
}

static void
change_row_free (CrmForecastChangeRow *row)
{
  g_free (row->user_name);
  g_free (row);
}

static gboolean
add_change (CrmForecastChanges        *changes,
            GArray                    *unnamed,
            CrmForecastStepKind        kind,
            const Deal                *deal,
            const CrmForecastFigures  *effect,
            GError                   **error)
{
  CrmForecastStep *step = &changes->steps[kind];
  CrmForecastDealChange *change = g_new0 (CrmForecastDealChange, 1);
  const User *owner = deal->now.owner ? deal->now.owner : deal->then.owner;
  Unnamed pending = { change, deal->rid };

  g_ptr_array_add (step->deals, change);
  g_array_append_val (unnamed, pending);
  change->id = g_strdup (deal->id);
  change->owner_name = g_strdup (owner ? owner->name : NULL);
  if ((change->had_then = deal->then.owner != NULL))
    {
      g_strlcpy (change->then_close, deal->then.close, sizeof change->then_close);
      change->then_category = category_name (deal->then.category);
      change->then_amount = deal->then.amount;
    }
  if ((change->has_now = deal->now.owner != NULL))
    {
      g_strlcpy (change->now_close, deal->now.close, sizeof change->now_close);
      change->now_category = category_name (deal->now.category);
      change->now_amount = deal->now.amount;
    }
  change->effect = *effect;
  return figures_add (&step->effect, effect, FALSE, error);
}

/* Sorts @deal into the steps; both sides are known by now */
static gboolean
classify (CrmForecastChanges  *changes,
          GArray              *unnamed,
          const Deal          *deal,
          GError             **error)
{
  const DealState *then = &deal->then, *now = &deal->now;
  CrmForecastFigures before, after, middle, effect;

  figures_of (then->in_period ? then->category : CATEGORY_OMITTED, then->amount, &before);
  figures_of (now->in_period ? now->category : CATEGORY_OMITTED, now->amount, &after);
  effect = after;
  if (!figures_add (&effect, &before, TRUE, error))
    return FALSE;

  if (!then->in_period && !now->in_period)
    return TRUE;
  if (!then->in_period)
    return add_change (changes, unnamed, then->owner ? CRM_FORECAST_STEP_PULLED_IN : CRM_FORECAST_STEP_NEW,
                       deal, &effect, error);
  if (!now->in_period)
    return add_change (changes, unnamed, now->owner ? CRM_FORECAST_STEP_SLIPPED_OUT : CRM_FORECAST_STEP_REMOVED,
                       deal, &effect, error);
  if (then->category != CATEGORY_CLOSED && now->category == CATEGORY_CLOSED)
    return add_change (changes, unnamed, CRM_FORECAST_STEP_WON, deal, &effect, error);
  if (then->category != CATEGORY_LOST && now->category == CATEGORY_LOST)
    return add_change (changes, unnamed, CRM_FORECAST_STEP_LOST, deal, &effect, error);

  /* The amount first, at the old category, then the category at the new
   * amount: the two parts add up to the whole change */
  figures_of (then->category, now->amount, &middle);
  effect = middle;
  if (!figures_add (&effect, &before, TRUE, error))
    return FALSE;
  if (!figures_are_zero (&effect) &&
      !add_change (changes, unnamed, CRM_FORECAST_STEP_AMOUNT, deal, &effect, error))
    return FALSE;
  effect = after;
  if (!figures_add (&effect, &middle, TRUE, error))
    return FALSE;
  if (then->category != now->category && !figures_are_zero (&effect) &&
      !add_change (changes, unnamed, CRM_FORECAST_STEP_CATEGORY, deal, &effect, error))
    return FALSE;
  return TRUE;
}

/* Picks the snapshot "since @day" reads from: the first taken that day,
 * else the last before it, else the first after it. */
static gboolean
find_baseline (Context              *ctx,
               const char           *day,
               CrmForecastSnapshot  *out,
               GError              **error)
{
  gboolean found;

  if (!find_snapshot (ctx, SNAPSHOT_COLUMNS "WHERE taken_on = ?1 ORDER BY rid LIMIT 1", day, out, &found, error) ||
      (!found &&
       !find_snapshot (ctx, SNAPSHOT_COLUMNS "WHERE taken_on < ?1 ORDER BY taken_on DESC, rid DESC LIMIT 1",
                       day, out, &found, error)) ||
      (!found &&
       !find_snapshot (ctx, SNAPSHOT_COLUMNS "WHERE taken_on > ?1 ORDER BY taken_on, rid LIMIT 1",
                       day, out, &found, error)))
    return FALSE;
  if (!found)
    g_set_error_literal (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_NO_SNAPSHOT,
                         _("No forecast snapshot has been taken yet, so there is nothing to compare with; "
                           "one is taken each day the profile syncs or its forecast is shown"));
  return found;
}

/* Row of the viewer's forecast for everyone in the view: a direct
 * report's subtree shares their row, the viewer's own deals the last */
static GPtrArray *
assign_rows (User      *viewer,
             GPtrArray *view)
{
  g_autoptr(GPtrArray) reports = g_ptr_array_copy (viewer->reports, NULL, NULL);
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) change_row_free);
  CrmForecastChangeRow *row;

  g_ptr_array_sort (reports, compare_users_by_name);
  for (guint i = 0; i < reports->len; i++)
    {
      User *report = g_ptr_array_index (reports, i);

      if (report == viewer)
        continue;
      report->row = rows->len;
      row = g_new0 (CrmForecastChangeRow, 1);
      row->user_name = g_strdup (report->name);
      g_ptr_array_add (rows, row);
    }
  viewer->row = rows->len;
  row = g_new0 (CrmForecastChangeRow, 1);
  row->user_name = g_strdup (viewer->name);
  row->own = TRUE;
  g_ptr_array_add (rows, row);

  /* Managers come before their reports in @view */
  for (guint i = 0; i < view->len; i++)
    {
      User *user = g_ptr_array_index (view, i);

      if (user != viewer && user->manager != viewer)
        user->row = user->manager->row;
    }
  return rows;
}

static gboolean
add_to_rows (CrmForecastChanges  *changes,
             const DealState     *state,
             gboolean             now,
             GError             **error)
{
  CrmForecastChangeRow *row;
  CrmForecastFigures figures;

  if (!state->in_period)
    return TRUE;
  row = g_ptr_array_index (changes->rows, state->owner->row);
  figures_of (state->category, state->amount, &figures);
  return figures_add (now ? &row->end : &row->start, &figures, FALSE, error) &&
         figures_add (now ? &changes->end : &changes->start, &figures, FALSE, error);
}

/* A JSON array of @ids, for "IN (SELECT value FROM json_each (?))": one
 * statement for a few thousand lookups instead of a few thousand */
static char *
ids_to_json (GPtrArray *ids)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; i < ids->len; i++)
    json_builder_add_string_value (builder, g_ptr_array_index (ids, i));
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

/* The snapshot's state of the deals in the period now but not then:
 * outside the period (pulled in), or not there at all (new) */
static gboolean
load_then_outside (Context             *ctx,
                   CrmForecastChanges  *changes,
                   GHashTable          *deals,
                   GPtrArray           *ids,
                   GError             **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *json = NULL;
  int rc;

  if (ids->len == 0)
    return TRUE;
  if (!(stmt = prepare (ctx, "SELECT opportunity_id, owner_id, expected_close_date, category, amount, currency "
                             "FROM forecast_snapshot_deals WHERE opportunity_id IN (SELECT value FROM json_each (?1)) "
                             "AND since <= ?2 AND (until IS NULL OR until > ?2)", error)))
    return FALSE;
  json = ids_to_json (ids);
  sqlite3_bind_text (stmt, 1, json, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, changes->baseline.id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Deal *deal = g_hash_table_lookup (deals, column_text (stmt, 0));
      guint ignored = 0;

      if (deal == NULL)
        continue;
      set_then_state (ctx, stmt, 1, &changes->period, &deal->then, &ignored);
      /* In the period then but not counted (no rate): not a move */
      deal->then.in_period = FALSE;
    }
  return rc == SQLITE_DONE || set_sqlite_error (ctx, error);
}

/* The live state of the deals in the period then but not now: outside
 * it (slipped out), or gone (removed) */
static gboolean
load_now_outside (Context             *ctx,
                  CrmForecastChanges  *changes,
                  GHashTable          *deals,
                  GPtrArray           *ids,
                  GError             **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *json = NULL;
  int rc;

  if (ids->len == 0)
    return TRUE;
  if (!(stmt = prepare (ctx, "SELECT id, owner_id, stage_id, amount, currency, expected_close_date, "
                             "forecast_category, rid FROM opportunities "
                             "WHERE id IN (SELECT value FROM json_each (?1)) AND deleted = 0", error)))
    return FALSE;
  json = ids_to_json (ids);
  sqlite3_bind_text (stmt, 1, json, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Deal *deal = g_hash_table_lookup (deals, column_text (stmt, 0));
      guint ignored = 0;

      if (deal == NULL)
        continue;
      set_now_state (ctx, stmt, 1, &changes->period, &deal->now, &ignored);
      deal->now.in_period = FALSE;
      deal->rid = sqlite3_column_int64 (stmt, 7);
    }
  return rc == SQLITE_DONE || set_sqlite_error (ctx, error);
}

/* Reads both sides of every deal that counts in the period on either */
static gboolean
load_changes (Context             *ctx,
              CrmForecastChanges  *changes,
              GHashTable          *deals,
              GError             **error)
{
  const CrmPeriod *period = &changes->period;
  g_autoptr(sqlite3_stmt) then_stmt = NULL;
  g_autoptr(sqlite3_stmt) now_stmt = NULL;
  g_autoptr(GPtrArray) new_now = g_ptr_array_new ();
  g_autoptr(GPtrArray) gone_now = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;
  int rc;

  if (!(then_stmt = prepare (ctx, "SELECT opportunity_id, owner_id, expected_close_date, category, amount, currency "
                                  "FROM forecast_snapshot_deals INDEXED BY forecast_snapshot_deals_close "
                                  "WHERE expected_close_date BETWEEN ?1 AND ?2 AND since <= ?3 "
                                  "AND (until IS NULL OR until > ?3)", error)) ||
      !(now_stmt = prepare (ctx, "SELECT id, owner_id, stage_id, amount, currency, expected_close_date, "
                                 "forecast_category, rid FROM opportunities INDEXED BY opportunities_forecast "
                                 "WHERE deleted = 0 AND expected_close_date BETWEEN ?1 AND ?2", error)))
    return FALSE;

  sqlite3_bind_text (then_stmt, 1, period->first_day, -1, SQLITE_STATIC);
  sqlite3_bind_text (then_stmt, 2, period->last_day, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (then_stmt, 3, changes->baseline.id);
  while ((rc = sqlite3_step (then_stmt)) == SQLITE_ROW)
    {
      Deal *deal = g_new0 (Deal, 1);

      set_then_state (ctx, then_stmt, 1, period, &deal->then, &changes->n_unconverted);
      if (!deal->then.in_period)
        {
          deal_free (deal);
          continue;
        }
      deal->id = g_strdup (column_text (then_stmt, 0));
      g_hash_table_insert (deals, deal->id, deal);
    }
  if (rc != SQLITE_DONE)
    return set_sqlite_error (ctx, error);

  sqlite3_bind_text (now_stmt, 1, period->first_day, -1, SQLITE_STATIC);
  sqlite3_bind_text (now_stmt, 2, period->last_day, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (now_stmt)) == SQLITE_ROW)
    {
      const char *id = column_text (now_stmt, 0);
      Deal *deal = g_hash_table_lookup (deals, id);
      DealState now;

      set_now_state (ctx, now_stmt, 1, period, &now, &changes->n_unconverted);
      if (!now.in_period)
        continue;
      if (deal == NULL)
        {
          deal = g_new0 (Deal, 1);
          deal->id = g_strdup (id);
          g_hash_table_insert (deals, deal->id, deal);
          g_ptr_array_add (new_now, deal->id);
        }
      deal->now = now;
      deal->rid = sqlite3_column_int64 (now_stmt, 7);
      deal->matched = TRUE;
    }
  if (rc != SQLITE_DONE)
    return set_sqlite_error (ctx, error);

  g_hash_table_iter_init (&iter, deals);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!((Deal *) value)->matched)
      g_ptr_array_add (gone_now, ((Deal *) value)->id);
  return load_then_outside (ctx, changes, deals, new_now, error) &&
         load_now_outside (ctx, changes, deals, gone_now, error);
}

static gint64
largest_effect (const CrmForecastDealChange *change)
{
  const gint64 figures[] = { change->effect.closed, change->effect.commit,
                             change->effect.best_case, change->effect.pipeline };
  gint64 largest = 0;

  for (guint i = 0; i < G_N_ELEMENTS (figures); i++)
    largest = MAX (largest, figures[i] < 0 ? -figures[i] : figures[i]);
  return largest;
}

/* The biggest moves first: what a manager asks about */
static int
compare_changes (gconstpointer a,
                 gconstpointer b)
{
  const CrmForecastDealChange *ca = *(const CrmForecastDealChange * const *) a;
  const CrmForecastDealChange *cb = *(const CrmForecastDealChange * const *) b;
  gint64 ea = largest_effect (ca), eb = largest_effect (cb);

  if (ea != eb)
    return ea > eb ? -1 : 1;
  return strcmp (ca->id, cb->id);
}

/* Names the deals behind the steps, a statement for all of them */
static gboolean
name_changes (Context  *ctx,
              GArray   *unnamed,
              GError  **error)
{
  g_autoptr(GHashTable) by_rid = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_autoptr(GHashTable) by_id = g_hash_table_new_full (id_hash, g_str_equal, g_free, g_free);
  g_autoptr(GString) rids = g_string_new ("[");
  g_autoptr(GPtrArray) gone = g_ptr_array_new ();
  g_autoptr(sqlite3_stmt) now_names = NULL;
  g_autoptr(sqlite3_stmt) old_names = NULL;
  g_autofree char *gone_json = NULL;
  int rc;

  for (guint i = 0; i < unnamed->len; i++)
    {
      const Unnamed *u = &g_array_index (unnamed, Unnamed, i);

      if (u->rid)
        g_string_append_printf (rids, "%s%" G_GINT64_FORMAT, rids->len > 1 ? "," : "", u->rid);
      else
        g_ptr_array_add (gone, u->change->id);
    }
  g_string_append_c (rids, ']');
  gone_json = ids_to_json (gone);

  if (!(now_names = prepare (ctx, "SELECT rid, name FROM opportunities "
                                  "WHERE rid IN (SELECT value FROM json_each (?1))", error)) ||
      !(old_names = prepare (ctx, "SELECT opportunity_id, name FROM forecast_snapshot_deals "
                                  "WHERE opportunity_id IN (SELECT value FROM json_each (?1)) "
                                  "ORDER BY opportunity_id, since", error)))
    return FALSE;
  sqlite3_bind_text (now_names, 1, rids->str, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (now_names)) == SQLITE_ROW)
    g_hash_table_insert (by_rid, g_memdup2 (&(gint64) { sqlite3_column_int64 (now_names, 0) }, sizeof (gint64)),
                         g_strdup (column_text (now_names, 1)));
  if (rc != SQLITE_DONE)
    return set_sqlite_error (ctx, error);
  /* The latest name last, so it stays */
  sqlite3_bind_text (old_names, 1, gone_json, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (old_names)) == SQLITE_ROW)
    g_hash_table_insert (by_id, g_strdup (column_text (old_names, 0)), g_strdup (column_text (old_names, 1)));
  if (rc != SQLITE_DONE)
    return set_sqlite_error (ctx, error);

  for (guint i = 0; i < unnamed->len; i++)
    {
      const Unnamed *u = &g_array_index (unnamed, Unnamed, i);

      u->change->name = g_strdup (u->rid ? g_hash_table_lookup (by_rid, &u->rid)
                                         : g_hash_table_lookup (by_id, u->change->id));
    }
  return TRUE;
}

static gboolean
compute_changes (Context             *ctx,
                 CrmForecastChanges  *changes,
                 GError             **error)
{
  g_autoptr(GHashTable) deals = g_hash_table_new_full (id_hash, g_str_equal, NULL, (GDestroyNotify) deal_free);
  g_autoptr(GArray) unnamed = g_array_new (FALSE, FALSE, sizeof (Unnamed));
  GHashTableIter iter;
  gpointer value;

  if (!load_rates (ctx, error) || !load_stages (ctx, error) ||
      !find_baseline (ctx, changes->since, &changes->baseline, error) ||
      !load_changes (ctx, changes, deals, error))
    return FALSE;

  g_hash_table_iter_init (&iter, deals);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Deal *deal = value;

      if (!add_to_rows (changes, &deal->then, FALSE, error) ||
          !add_to_rows (changes, &deal->now, TRUE, error) ||
          !classify (changes, unnamed, deal, error))
        return FALSE;
    }
  /* The nets crm_forecast_changes_to_json() prints must fit as well */
  for (guint i = 0; i <= changes->rows->len; i++)
    {
      const CrmForecastChangeRow *row = i < changes->rows->len ? g_ptr_array_index (changes->rows, i) : NULL;
      CrmForecastFigures net = row ? row->end : changes->end;

      if (!figures_add (&net, row ? &row->start : &changes->start, TRUE, error))
        return FALSE;
    }
  if (!name_changes (ctx, unnamed, error))
    return FALSE;
  for (guint k = 0; k < CRM_FORECAST_N_STEPS; k++)
    g_ptr_array_sort (changes->steps[k].deals, compare_changes);
  return TRUE;
}

/**
 * crm_forecast_changes:
 * @user_id: whose forecast: their own deals and everyone below them
 * @since: a day, "2026-11-23"
 *
 * The waterfall of @user_id's forecast for @period from the snapshot of
 * @since (the first taken that day, else the last before it, else the
 * first after it) to the store as it is now: the total then, each step
 * with its effect and its deals, and the total now. Amounts on both sides
 * are converted at today's rates for each deal's close date then and now.
 */
CrmForecastChanges *
crm_forecast_changes (CrmStore         *store,
                      const CrmPeriod  *period,
                      const char       *user_id,
                      const char       *since,
                      GError          **error)
{
  g_autoptr(CrmForecastChanges) changes = NULL;
  g_autoptr(GPtrArray) view = NULL;
  Context ctx;
  User *viewer;
  GDate date;
  gboolean ok;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (period != NULL, NULL);
  g_return_val_if_fail (user_id != NULL, NULL);

  if (!parse_iso_date (since, &date))
    {
      g_set_error (error, CRM_FORECAST_ERROR, CRM_FORECAST_ERROR_INVALID,
                   _("“%s” is not a date; use a day like 2026-11-23"), since ? since : "");
      return NULL;
    }
  if (!context_init (&ctx, store, error) || !(viewer = lookup_user (&ctx, user_id, error)))
    {
      context_clear (&ctx);
      return NULL;
    }

  changes = g_new0 (CrmForecastChanges, 1);
  changes->period = *period;
  g_strlcpy (changes->currency, ctx.currency, sizeof changes->currency);
  changes->user_id = g_strdup (viewer->id);
  changes->user_name = g_strdup (viewer->name);
  g_strlcpy (changes->since, since, sizeof changes->since);
  changes->now = crm_timestamp_now ();
  for (guint k = 0; k < CRM_FORECAST_N_STEPS; k++)
    {
      changes->steps[k].kind = (CrmForecastStepKind) k;
      changes->steps[k].deals = g_ptr_array_new_with_free_func ((GDestroyNotify) deal_change_free);
    }

  view = collect_view (viewer);
  changes->rows = assign_rows (viewer, view);
  sqlite3_exec (ctx.db, "SAVEPOINT forecast_read", NULL, NULL, NULL);
  ok = compute_changes (&ctx, changes, error);
  sqlite3_exec (ctx.db, "RELEASE forecast_read", NULL, NULL, NULL);
  context_clear (&ctx);
  return ok ? g_steal_pointer (&changes) : NULL;
}

void
crm_forecast_changes_free (CrmForecastChanges *changes)
{
  if (changes == NULL)
    return;
  g_free (changes->user_id);
  g_free (changes->user_name);
  g_free (changes->now);
  for (guint k = 0; k < CRM_FORECAST_N_STEPS; k++)
    g_clear_pointer (&changes->steps[k].deals, g_ptr_array_unref);
  g_clear_pointer (&changes->rows, g_ptr_array_unref);
  g_free (changes);
}

const char *
crm_forecast_step_name (CrmForecastStepKind kind)
{
  static const char * const names[] = {
    "new", "pulled_in", "won", "lost", "slipped_out", "removed", "amount_changed", "category_changed",
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (names) == CRM_FORECAST_N_STEPS);
  g_return_val_if_fail (kind < CRM_FORECAST_N_STEPS, NULL);
  return names[kind];
}

static void
add_figures (JsonBuilder              *builder,
             const char               *currency,
             const char               *name,
             const CrmForecastFigures *figures)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_object (builder);
  add_amount (builder, currency, "closed", figures->closed);
  add_amount (builder, currency, "commit", figures->commit);
  add_amount (builder, currency, "best_case", figures->best_case);
  add_amount (builder, currency, "pipeline", figures->pipeline);
  json_builder_end_object (builder);
}

static void
add_side (JsonBuilder *builder,
          const char  *currency,
          const char  *name,
          gboolean     present,
          const char  *close,
          const char  *category,
          gint64       amount)
{
  json_builder_set_member_name (builder, name);
  if (!present)
    {
      json_builder_add_null_value (builder);
      return;
    }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "close_date");
  json_builder_add_string_value (builder, close);
  json_builder_set_member_name (builder, "category");
  json_builder_add_string_value (builder, category);
  add_amount (builder, currency, "amount", amount);
  json_builder_end_object (builder);
}

static void
add_net (JsonBuilder              *builder,
         const char               *currency,
         const CrmForecastFigures *start,
         const CrmForecastFigures *end)
{
  CrmForecastFigures net = *end;

  /* crm_forecast_changes() checked that these fit */
  net.closed -= start->closed;
  net.commit -= start->commit;
  net.best_case -= start->best_case;
  net.pipeline -= start->pipeline;
  add_figures (builder, currency, "net", &net);
}

/**
 * crm_forecast_changes_to_json:
 *
 * {"period","currency","user","since","baseline":{"taken_at","taken_on"},
 * "now","start":{"closed","commit","best_case","pipeline"},"steps":[{"step",
 * "effect":{…},"deals":[{"id","name","owner","then":{"close_date",
 * "category","amount"}|null,"now":…,"effect":{…}}]}],"end":{…},"net":{…},
 * "rows":[{"user","own","start","end","net"}]}; amounts as decimal
 * strings of the company currency. Every step is listed, empty or not.
 */
JsonNode *
crm_forecast_changes_to_json (CrmForecastChanges *changes)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const char *currency;

  g_return_val_if_fail (changes != NULL, NULL);
  currency = changes->currency;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "period");
  json_builder_add_string_value (builder, changes->period.name);
  json_builder_set_member_name (builder, "currency");
  json_builder_add_string_value (builder, currency);
  json_builder_set_member_name (builder, "user");
  json_builder_add_string_value (builder, changes->user_name);
  json_builder_set_member_name (builder, "since");
  json_builder_add_string_value (builder, changes->since);
  json_builder_set_member_name (builder, "baseline");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "taken_at");
  json_builder_add_string_value (builder, changes->baseline.taken_at);
  json_builder_set_member_name (builder, "taken_on");
  json_builder_add_string_value (builder, changes->baseline.taken_on);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "now");
  json_builder_add_string_value (builder, changes->now);
  add_figures (builder, currency, "start", &changes->start);

  json_builder_set_member_name (builder, "steps");
  json_builder_begin_array (builder);
  for (guint k = 0; k < CRM_FORECAST_N_STEPS; k++)
    {
      const CrmForecastStep *step = &changes->steps[k];

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "step");
      json_builder_add_string_value (builder, crm_forecast_step_name (step->kind));
      add_figures (builder, currency, "effect", &step->effect);
      json_builder_set_member_name (builder, "deals");
      json_builder_begin_array (builder);
      for (guint i = 0; i < step->deals->len; i++)
        {
          const CrmForecastDealChange *deal = g_ptr_array_index (step->deals, i);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "id");
          json_builder_add_string_value (builder, deal->id);
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, deal->name);
          json_builder_set_member_name (builder, "owner");
          json_builder_add_string_value (builder, deal->owner_name);
          add_side (builder, currency, "then", deal->had_then, deal->then_close, deal->then_category,
                    deal->then_amount);
          add_side (builder, currency, "now", deal->has_now, deal->now_close, deal->now_category,
                    deal->now_amount);
          add_figures (builder, currency, "effect", &deal->effect);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  add_figures (builder, currency, "end", &changes->end);
  add_net (builder, currency, &changes->start, &changes->end);
  json_builder_set_member_name (builder, "rows");
  json_builder_begin_array (builder);
  for (guint i = 0; i < changes->rows->len; i++)
    {
      const CrmForecastChangeRow *row = g_ptr_array_index (changes->rows, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "user");
      json_builder_add_string_value (builder, row->user_name);
      json_builder_set_member_name (builder, "own");
      json_builder_add_boolean_value (builder, row->own);
      add_figures (builder, currency, "start", &row->start);
      add_figures (builder, currency, "end", &row->end);
      add_net (builder, currency, &row->start, &row->end);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}
