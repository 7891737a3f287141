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

/**
 * crm_server_login:
 * @retry_after: (out): seconds to wait, when throttled
 *
 * Returns: a new token, or %NULL with UNAUTHORIZED (wrong name or
 *   password, the same either way) or TOO_MANY_REQUESTS
 */
char *
crm_server_login (CrmServerDb  *db,
                  const char   *username,
                  const char   *password,
                  char        **user_id,
                  gint64       *expires_at,
                  guint        *retry_after,
                  GError      **error)
{
  g_autofree char *found_id = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *token = NULL;
  g_autofree char *token_hash = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 first_at;
  guint failures;
  gboolean ok;

  *retry_after = 0;
  if (!crm_server_db_get_failures (db, username, &failures, &first_at, error))
    return NULL;
  if (now - first_at >= CRM_SERVER_FAILURE_WINDOW)
    failures = 0;
  if (failures >= CRM_SERVER_MAX_FAILURES)
    {
      *retry_after = MAX (1, first_at + CRM_SERVER_FAILURE_WINDOW - now);
      g_set_error (error, CRM_SERVER_ERROR, CRM_SERVER_ERROR_TOO_MANY_REQUESTS,
                   _("Too many failed logins for this name; try again in %u seconds"), *retry_after);
      return NULL;
    }

  if (!crm_server_db_get_login (db, username, &found_id, &hash, error))
    return NULL;
  ok = crm_server_verify_password (hash ? hash : dummy_hash, password) && hash != NULL;

  if (!crm_server_db_begin (db, TRUE, error))
    return NULL;
  if (!ok)
    {
      if (!crm_server_db_put_failures (db, username, failures + 1, failures ? first_at : now, error) ||
          !crm_server_db_commit (db, error))
        goto failed;
      g_set_error (error, CRM_SERVER_ERROR, CRM_SERVER_ERROR_UNAUTHORIZED,
                   _("Wrong user name or password"));
      return NULL;
    }

  token = new_token ();
  token_hash = crm_server_token_hash (token);
  *expires_at = now + CRM_SERVER_TOKEN_LIFETIME;
  if (!crm_server_db_put_failures (db, username, 0, 0, error) ||
      !crm_server_db_put_token (db, token_hash, found_id, *expires_at, error) ||
      !crm_server_db_commit (db, error))
    goto failed;

  *user_id = g_steal_pointer (&found_id);
  return g_steal_pointer (&token);

failed:
  crm_server_db_rollback (db);
  return NULL;
}

/**
 * crm_server_authenticate:
 * @authorization: (nullable): the Authorization header
 *
 * Returns: the user id the bearer token belongs to
 */
char *
crm_server_authenticate (CrmServerDb  *db,
                         const char   *authorization,
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
  user_id = crm_server_db_get_token (db, hash, &expires_at, &local_error);
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
