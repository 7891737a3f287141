/* crm-credentials.c: sign-in secrets, kept only in the system keyring
 *
 * The token, and the password when the user asks Crm to remember it, live
 * in the default collection of the Secret Service through libsecret;
 * nothing here ever writes them anywhere else. Without a usable keyring
 * every call fails with CRM_CREDENTIALS_ERROR_NO_KEYRING: there is no
 * plain-text fallback.
 *
 * libsecret reports a prompt the user dismissed as a failure without an
 * error, and skips locked items when it looks up or clears; both are
 * turned into NO_KEYRING here, so that "no such entry" always means it.
 * Those checks search by D-Bus object path, not with
 * secret_password_search_sync(): LeakSanitizer finds memory lost with each
 * SecretItem proxy such a synchronous search makes (GLib 2.74, libsecret
 * 0.20), and a worker thread would lose it on every sync.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-credentials"

#include "config.h"

/* secret_service_search_for_dbus_paths_sync() is in libsecret's "unstable" API */
#ifndef SECRET_API_SUBJECT_TO_CHANGE
#define SECRET_API_SUBJECT_TO_CHANGE
#endif

#include <string.h>
#include <glib/gi18n-lib.h>
#include <libsecret/secret.h>

#include "crm-credentials.h"

G_DEFINE_QUARK (crm-credentials-error-quark, crm_credentials_error)

static const SecretSchema crm_schema = {
  .name = "org.example.Crm",
  .flags = SECRET_SCHEMA_NONE,
  .attributes = {
    { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
};

typedef enum
{
  OPERATION_STORE,
  OPERATION_LOOKUP,
  OPERATION_REMOVE,
} Operation;

/* Helpers *************************************************************/

G_GNUC_UNUSED static gboolean
kind_is_valid (const char *kind)
{
  return g_strcmp0 (kind, CRM_CREDENTIALS_TOKEN) == 0 ||
         g_strcmp0 (kind, CRM_CREDENTIALS_PASSWORD) == 0;
}

static void
set_no_keyring (GError    **error,
                Operation   operation)
{
  switch (operation)
    {
    case OPERATION_STORE:
      g_set_error_literal (error, CRM_CREDENTIALS_ERROR, CRM_CREDENTIALS_ERROR_NO_KEYRING,
                           _("No keyring is available: Crm keeps your sign-in only in the system "
                             "keyring (Secret Service). Start or unlock GNOME Keyring (or another "
                             "Secret Service) and try again; nothing was stored."));
      break;
    case OPERATION_LOOKUP:
      g_set_error_literal (error, CRM_CREDENTIALS_ERROR, CRM_CREDENTIALS_ERROR_NO_KEYRING,
                           _("No keyring is available: Crm keeps your sign-in only in the system "
                             "keyring (Secret Service). Start or unlock GNOME Keyring (or another "
                             "Secret Service) and try again."));
      break;
    case OPERATION_REMOVE:
      g_set_error_literal (error, CRM_CREDENTIALS_ERROR, CRM_CREDENTIALS_ERROR_NO_KEYRING,
                           _("No keyring is available: Crm keeps your sign-in only in the system "
                             "keyring (Secret Service). Start or unlock GNOME Keyring (or another "
                             "Secret Service) and try again; nothing was removed."));
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Any failure to reach the service, over a bus that is missing, has no
 * org.freedesktop.secrets, cannot start it, or loses it, means there is no
 * keyring to use; so does a locked keyring or a default collection that
 * could not be created or unlocked. Unregistered remote errors arrive as
 * G_IO_ERROR_DBUS_ERROR. */
static gboolean
means_no_keyring (const GError *error)
{
  if (error->domain == G_DBUS_ERROR || error->domain == G_IO_ERROR)
    return TRUE;
  if (error->domain == SECRET_ERROR)
    return error->code == SECRET_ERROR_IS_LOCKED || error->code == SECRET_ERROR_NO_SUCH_OBJECT;
  return FALSE;
}

/* Takes @local_error, which may be %NULL for a dismissed prompt */
static void
propagate (GError    **error,
           GError     *local_error,
           Operation   operation)
{
  if (local_error == NULL)
    {
      g_debug ("The keyring did not complete the operation; a prompt was dismissed");
      set_no_keyring (error, operation);
      return;
    }

  /* libsecret's messages name services and objects, never secrets */
  g_debug ("Keyring call failed: %s (%s, %d)", local_error->message,
           g_quark_to_string (local_error->domain), local_error->code);
  if (means_no_keyring (local_error))
    set_no_keyring (error, operation);
  else
    g_set_error (error, CRM_CREDENTIALS_ERROR, CRM_CREDENTIALS_ERROR_FAILED,
                 _("The keyring failed: %s"), local_error->message);
  g_error_free (local_error);
}

static char *
dup_label (const char *server,
           const char *user,
           const char *kind)
{
  if (strcmp (kind, CRM_CREDENTIALS_TOKEN) == 0)
    return g_strdup_printf (_("Crm token for %s on %s"), user, server);
  return g_strdup_printf (_("Crm password for %s on %s"), user, server);
}

/* Whether entries match @attributes, and whether any of them is locked */
static gboolean
find_matches (GHashTable  *attributes,
              gboolean    *any,
              gboolean    *any_locked,
              GError     **error)
{
  g_autoptr(SecretService) service = NULL;
  g_auto(GStrv) unlocked = NULL;
  g_auto(GStrv) locked = NULL;

  if (!(service = secret_service_get_sync (SECRET_SERVICE_NONE, NULL, error)) ||
      !secret_service_search_for_dbus_paths_sync (service, &crm_schema, attributes, NULL,
                                                  &unlocked, &locked, error))
    return FALSE;
  *any_locked = locked != NULL && locked[0] != NULL;
  *any = *any_locked || (unlocked != NULL && unlocked[0] != NULL);
  return TRUE;
}

static GHashTable *
build_attributes (const char *server,
                  const char *user,
                  const char *kind)
{
  GHashTable *attributes = secret_attributes_build (&crm_schema, "server", server, "user", user, NULL);

  if (kind != NULL)
    g_hash_table_insert (attributes, g_strdup ("kind"), g_strdup (kind));
  return attributes;
}

/* Removes what matches @kind (any kind when %NULL), then checks that
 * nothing is left: libsecret clears only unlocked items and says nothing
 * about the locked ones it skipped. */
static gboolean
remove_matching (const char  *server,
                 const char  *user,
                 const char  *kind,
                 GError     **error)
{
  g_autoptr(GHashTable) attributes = build_attributes (server, user, kind);
  GError *local_error = NULL;
  gboolean left = FALSE;
  gboolean left_locked = FALSE;

  if (!secret_password_clearv_sync (&crm_schema, attributes, NULL, &local_error) &&
      local_error != NULL)
    {
      propagate (error, local_error, OPERATION_REMOVE);
      return FALSE;
    }
  if (!find_matches (attributes, &left, &left_locked, &local_error))
    {
      propagate (error, local_error, OPERATION_REMOVE);
      return FALSE;
    }
  if (left)
    {
      g_debug ("Entries left after clearing (locked: %d)", left_locked);
      set_no_keyring (error, OPERATION_REMOVE);
      return FALSE;
    }
  return TRUE;
}

/* Public API **********************************************************/

/**
 * crm_credentials_store:
 * @server: the server URL, spelled as the profile keeps it
 * @user: the user name on that server
 * @kind: %CRM_CREDENTIALS_TOKEN or %CRM_CREDENTIALS_PASSWORD
 * @secret: what to keep
 *
 * Stores @secret in the default collection, replacing an entry with the
 * same server, user and kind. May wait for the user to unlock the keyring.
 *
 * Returns: %TRUE once stored; %FALSE with CRM_CREDENTIALS_ERROR_NO_KEYRING
 *   when there is no keyring or it stayed locked, and then nothing was
 *   stored anywhere
 */
gboolean
crm_credentials_store (const char  *server,
                       const char  *user,
                       const char  *kind,
                       const char  *secret,
                       GError     **error)
{
  g_autofree char *label = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (server != NULL && *server != '\0', FALSE);
  g_return_val_if_fail (user != NULL && *user != '\0', FALSE);
  g_return_val_if_fail (kind_is_valid (kind), FALSE);
  g_return_val_if_fail (secret != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  label = dup_label (server, user, kind);
  if (secret_password_store_sync (&crm_schema, SECRET_COLLECTION_DEFAULT, label, secret,
                                  NULL, &local_error,
                                  "server", server,
                                  "user", user,
                                  "kind", kind,
                                  NULL))
    return TRUE;
  propagate (error, local_error, OPERATION_STORE);
  return FALSE;
}

/**
 * crm_credentials_lookup:
 * @server: the server URL, spelled as the profile keeps it
 * @user: the user name on that server
 * @kind: %CRM_CREDENTIALS_TOKEN or %CRM_CREDENTIALS_PASSWORD
 *
 * Looks the secret up, asking to unlock the keyring when it is locked.
 *
 * Returns: (transfer full) (nullable): the secret, to free with
 *   crm_credentials_free_secret(); %NULL without an error when there is no
 *   such entry, %NULL with CRM_CREDENTIALS_ERROR_NO_KEYRING when there is
 *   no keyring or the entry stayed locked
 */
char *
crm_credentials_lookup (const char  *server,
                        const char  *user,
                        const char  *kind,
                        GError     **error)
{
  g_autoptr(GHashTable) attributes = NULL;
  GError *local_error = NULL;
  gboolean any = FALSE;
  gboolean any_locked = FALSE;
  char *secret;

  g_return_val_if_fail (server != NULL && *server != '\0', NULL);
  g_return_val_if_fail (user != NULL && *user != '\0', NULL);
  g_return_val_if_fail (kind_is_valid (kind), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  attributes = build_attributes (server, user, kind);
  secret = secret_password_lookupv_sync (&crm_schema, attributes, NULL, &local_error);
  if (secret != NULL)
    return secret;
  if (local_error != NULL)
    {
      propagate (error, local_error, OPERATION_LOOKUP);
      return NULL;
    }

  /* Nothing, or an entry the user did not unlock? Only the latter is
   * an error; when even asking fails, the lookup's answer stands. */
  if (!find_matches (attributes, &any, &any_locked, &local_error))
    {
      g_debug ("Could not tell a missing entry from a locked one: %s", local_error->message);
      g_error_free (local_error);
      return NULL;
    }
  if (any_locked)
    {
      g_debug ("The entry stayed locked");
      set_no_keyring (error, OPERATION_LOOKUP);
    }
  return NULL;
}

/**
 * crm_credentials_forget:
 * @server: the server URL, spelled as the profile keeps it
 * @user: the user name on that server
 * @kind: %CRM_CREDENTIALS_TOKEN or %CRM_CREDENTIALS_PASSWORD
 *
 * Removes the entry of one kind, such as a remembered password the user
 * no longer wants kept.
 *
 * Returns: %TRUE when no such entry is left, including when there was none
 */
gboolean
crm_credentials_forget (const char  *server,
                        const char  *user,
                        const char  *kind,
                        GError     **error)
{
  g_return_val_if_fail (server != NULL && *server != '\0', FALSE);
  g_return_val_if_fail (user != NULL && *user != '\0', FALSE);
  g_return_val_if_fail (kind_is_valid (kind), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return remove_matching (server, user, kind, error);
}

/**
 * crm_credentials_clear:
 * @server: the server URL, spelled as the profile keeps it
 * @user: the user name on that server
 *
 * Removes the token and the password of @user on @server, as logging out
 * does. Other users and other servers keep theirs.
 *
 * Returns: %TRUE when neither is left, including when there were none
 */
gboolean
crm_credentials_clear (const char  *server,
                       const char  *user,
                       GError     **error)
{
  g_return_val_if_fail (server != NULL && *server != '\0', FALSE);
  g_return_val_if_fail (user != NULL && *user != '\0', FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return remove_matching (server, user, NULL, error);
}

/**
 * crm_credentials_free_secret:
 * @secret: (nullable) (transfer full): a secret from crm_credentials_lookup()
 *
 * Overwrites the secret, so a later crash dump does not hold it, and frees it.
 */
void
crm_credentials_free_secret (char *secret)
{
  secret_password_free (secret);
}
