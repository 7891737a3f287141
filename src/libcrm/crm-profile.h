/* crm-profile.h: profiles in the data dir, and signing one in to a server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "crm-store.h"

G_BEGIN_DECLS

/* The names of the profiles in crm_store_dup_base_dir (@data_dir) that
 * hold a database, sorted; an empty array when there are none */
char     **crm_profile_list  (const char  *data_dir);

/* Signs @user in to @server (no trailing "/") and keeps the result: the
 * token, and the password if @remember_password, in the keyring; the
 * server, user and @fingerprint (normalized, nullable) in @store. Blocks
 * on the network and the keyring: call it from a worker thread or a
 * command-line tool. The error's message is for the user (wrong password,
 * unreachable server, untrusted certificate, no keyring). */
gboolean   crm_profile_login (CrmStore    *store,
                              const char  *server,
                              const char  *user,
                              const char  *password,
                              gboolean     remember_password,
                              const char  *fingerprint,
                              GError     **error);

G_END_DECLS
