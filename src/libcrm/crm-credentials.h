/* crm-credentials.h: sign-in secrets, kept only in the system keyring
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Entries use the libsecret schema "org.example.Crm" (so `secret-tool
 * search xdg:schema org.example.Crm` lists them) with the attributes
 * "server" (the profile's server URL, spelled the same way every time),
 * "user" (the user name on that server) and "kind", one of these: */
#define CRM_CREDENTIALS_TOKEN    "token"
#define CRM_CREDENTIALS_PASSWORD "password"

#define CRM_CREDENTIALS_ERROR (crm_credentials_error_quark ())

typedef enum
{
  /* No Secret Service on the bus, or a locked keyring that was not
   * unlocked: the message tells the user what to do */
  CRM_CREDENTIALS_ERROR_NO_KEYRING,
  /* The keyring answered, but not as the Secret Service should */
  CRM_CREDENTIALS_ERROR_FAILED,
} CrmCredentialsError;

GQuark    crm_credentials_error_quark (void);

/* All of these block on D-Bus and may wait for the user to unlock the
 * keyring: call them from a worker thread or a command-line tool. */
gboolean  crm_credentials_store       (const char  *server,
                                       const char  *user,
                                       const char  *kind,
                                       const char  *secret,
                                       GError     **error);
/* %NULL without an error when there is no such entry */
char     *crm_credentials_lookup      (const char  *server,
                                       const char  *user,
                                       const char  *kind,
                                       GError     **error);
/* Removes one kind; nothing to remove is a success */
gboolean  crm_credentials_forget      (const char  *server,
                                       const char  *user,
                                       const char  *kind,
                                       GError     **error);
/* Removes both kinds; nothing to remove is a success */
gboolean  crm_credentials_clear       (const char  *server,
                                       const char  *user,
                                       GError     **error);

/* Overwrites a looked-up secret before freeing it; %NULL is fine */
void      crm_credentials_free_secret (char        *secret);

G_END_DECLS
