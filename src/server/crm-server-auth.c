/* crm-server-auth.c: passwords, tokens and throttling
 *
 * Passwords are Argon2id hashes (libsodium); tokens are 256 random bits
 * given to the client once and stored only as their SHA-256. A wrong
 * name and a wrong password get the same answer in about the same time.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-server-auth"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <sodium.h>
#include <string.h>

#include "crm-server-auth.h"
#include "crm-server-sync.h"

static char dummy_hash[crypto_pwhash_STRBYTES];

gboolean
crm_server_auth_init (GError **error)
{
  if (sodium_init () < 0)
    {
      g_set_error (error, CRM_SERVER_ERROR, CRM_SERVER_ERROR_UNAVAILABLE, "libsodium failed to start");
      return FALSE;
    }
  /* Verified against when the name is unknown, to take the same time */
  if (dummy_hash[0] == '\0' &&
      crypto_pwhash_str (dummy_hash, "not a password", 14,
                         crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    {
      g_set_error (error, CRM_SERVER_ERROR, CRM_SERVER_ERROR_UNAVAILABLE, "out of memory hashing a password");
      return FALSE;
    }
  return TRUE;
}

char *
crm_server_hash_password (const char  *password,
                          GError     **error)
{
  char hash[crypto_pwhash_STRBYTES];

  if (crypto_pwhash_str_alg (hash, password, strlen (password),
                             crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                             crypto_pwhash_ALG_ARGON2ID13) != 0)
    {
      g_set_error (error, CRM_SERVER_ERROR, CRM_SERVER_ERROR_UNAVAILABLE, "out of memory hashing a password");
      return NULL;
    }
  return g_strdup (hash);
}

gboolean
crm_server_verify_password (const char *hash,
                            const char *password)
{
  return crypto_pwhash_str_verify (hash, password, strlen (password)) == 0;
}

char *
crm_server_token_hash (const char *token)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

static char *
new_token (void)
{
  guchar bytes[32];
  char text[sodium_base64_ENCODED_LEN (32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

  randombytes_buf (bytes, sizeof bytes);
  sodium_bin2base64 (text, sizeof text, bytes, sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return g_strdup (text);
}

typedef struct
{
  CrmServerDb *db;
  char        *username;
  char        *password;
  char        *user_id;
  char        *hash;
  guint        failures;
  gint64       first_at;
  gboolean     ok;
  guint        retry_after;
  char        *token;
  gint64       expires_at;
} Login;

static void
login_free (Login *login)
{
  g_free (login->username);
  if (login->password)
    sodium_memzero (login->password, strlen (login->password));
  g_free (login->password);
  g_free (login->user_id);
  g_free (login->hash);
  g_free (login->token);
  g_free (login);
}

/* Argon2id takes tens of milliseconds on purpose: in a worker thread, so
 * other requests go on meanwhile. Only the hash and the password go
 * there; the database stays on the main thread. */
static void
verify_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Login *login = task_data;

  login->ok = crm_server_verify_password (login->hash ? login->hash : dummy_hash, login->password) &&
              login->hash != NULL;
  g_task_return_boolean (task, TRUE);
}

static void
verified_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Login *login = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *token_hash = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (!crm_server_db_begin (login->db, TRUE, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!login->ok)
    {
      if (!crm_server_db_put_failures (login->db, login->username, login->failures + 1,
                                       login->failures ? login->first_at : now, &error) ||
          !crm_server_db_commit (login->db, &error))
        goto failed;
      g_task_return_new_error (task, CRM_SERVER_ERROR, CRM_SERVER_ERROR_UNAUTHORIZED,
                               _("Wrong user name or password"));
      return;
    }

  login->token = new_token ();
  token_hash = crm_server_token_hash (login->token);
  login->expires_at = now + CRM_SERVER_TOKEN_LIFETIME;
  if (!crm_server_db_put_failures (login->db, login->username, 0, 0, &error) ||
      !crm_server_db_put_token (login->db, token_hash, login->user_id, login->expires_at, &error) ||
      !crm_server_db_commit (login->db, &error))
    goto failed;
  g_task_return_boolean (task, TRUE);
  return;

failed:
  crm_server_db_rollback (login->db);
  g_task_return_error (task, g_steal_pointer (&error));
}

/**
 * crm_server_login_async:
 *
 * Checks a name and password. Throttled names fail at once; the password
 * is verified in a worker thread.
 */
void
crm_server_login_async (CrmServerDb         *db,
                        const char          *username,
                        const char          *password,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, callback, user_data);
  g_autoptr(GTask) verify = NULL;
  g_autoptr(GError) error = NULL;
  Login *login = g_new0 (Login, 1);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_task_set_source_tag (task, crm_server_login_async);
  login->db = db;
  login->username = g_strdup (username);
  login->password = g_strdup (password);
  g_task_set_task_data (task, login, (GDestroyNotify) login_free);

  if (!crm_server_db_get_failures (db, username, &login->failures, &login->first_at, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (now - login->first_at >= CRM_SERVER_FAILURE_WINDOW)
    login->failures = 0;
  if (login->failures >= CRM_SERVER_MAX_FAILURES)
    {
      login->retry_after = MAX (1, login->first_at + CRM_SERVER_FAILURE_WINDOW - now);
      g_task_return_new_error (task, CRM_SERVER_ERROR, CRM_SERVER_ERROR_TOO_MANY_REQUESTS,
                               _("Too many failed logins for this name; try again in %u seconds"),
                               login->retry_after);
      return;
    }
  if (!crm_server_db_get_login (db, username, &login->user_id, &login->hash, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  verify = g_task_new (NULL, NULL, verified_cb, g_steal_pointer (&task));
  g_task_set_task_data (verify, login, NULL);
  g_task_run_in_thread (verify, verify_thread);
}

/**
 * crm_server_login_finish:
 * @retry_after: (out): seconds to wait, when throttled
 *
 * Returns: a new token, or %NULL with UNAUTHORIZED (wrong name or
 *   password, the same either way) or TOO_MANY_REQUESTS
 */
char *
crm_server_login_finish (GAsyncResult  *result,
                         char         **user_id,
                         gint64        *expires_at,
                         guint         *retry_after,
                         GError       **error)
{
  Login *login = g_task_get_task_data (G_TASK (result));

  *retry_after = login->retry_after;
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  *user_id = g_strdup (login->user_id);
  *expires_at = login->expires_at;
  return g_strdup (login->token);
}

/**
 * crm_server_authenticate:
 * @authorization: (nullable): the Authorization header
 * @directory_stamp: (out): the user directory's stamp, read in the same
 *   query (see crm_server_db_get_token())
 *
 * Returns: the user id the bearer token belongs to
 */
char *
crm_server_authenticate (CrmServerDb  *db,
                         const char   *authorization,
                         gint64       *directory_stamp,
                         GError      **error)
{
  g_autofree char *hash = NULL;
  g_autoptr(GError) local_error = NULL;
  char *user_id;
  gint64 expires_at = 0;

  if (authorization == NULL || g_ascii_strncasecmp (authorization, "Bearer ", 7) != 0 ||
      authorization[7] == '\0')
    {
      g_set_error (error, CRM_SERVER_ERROR, CRM_SERVER_ERROR_UNAUTHORIZED,
                   _("Log in first: send Authorization: Bearer TOKEN from /api/v1/auth/token"));
      return NULL;
    }
  hash = crm_server_token_hash (authorization + 7);
  user_id = crm_server_db_get_token (db, hash, &expires_at, directory_stamp, &local_error);
  if (local_error)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (user_id == NULL)
    {
      g_set_error (error, CRM_SERVER_ERROR, CRM_SERVER_ERROR_UNAUTHORIZED, _("This token is not valid"));
      return NULL;
    }
  if (expires_at <= g_get_real_time () / G_USEC_PER_SEC)
    {
      g_free (user_id);
      g_set_error (error, CRM_SERVER_ERROR, CRM_SERVER_ERROR_TOKEN_EXPIRED,
                   _("This token has expired; log in again"));
      return NULL;
    }
  return user_id;
}
