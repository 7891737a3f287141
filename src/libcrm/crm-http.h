/* crm-http.h: the HTTP session, and JSON requests to a Crm server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define CRM_HTTP_ERROR (crm_http_error_quark ())

typedef enum
{
  CRM_HTTP_ERROR_NETWORK,        /* refused, reset, timed out, no such host; names the server */
  CRM_HTTP_ERROR_TLS_UNTRUSTED,  /* the certificate is not trusted; the message gives its fingerprint */
  CRM_HTTP_ERROR_BAD_RESPONSE,   /* not HTTP, not JSON, cut off or too large */
  CRM_HTTP_ERROR_HTTP,           /* any other status of 300 or more, with the server's message */
  CRM_HTTP_ERROR_UNAUTHORIZED,   /* 401: a wrong password, or a token expired or revoked */
  CRM_HTTP_ERROR_INVALID,        /* the server URL or the fingerprint to trust is unusable */
} CrmHttpError;

#define CRM_TYPE_HTTP (crm_http_get_type ())

G_DECLARE_FINAL_TYPE (CrmHttp, crm_http, CRM, HTTP, GObject)

GQuark       crm_http_error_quark           (void);

/* The one place a SoupSession is made: timeouts, User-Agent, TLS verified */
SoupSession *crm_http_session_new           (void);

/* "ab:cd:…", "ABCD…" or openssl's "sha256 Fingerprint=AB:CD:…" to
 * "AB:CD:…" (32 colon-separated pairs of uppercase hex digits) */
char        *crm_http_normalize_fingerprint (const char   *text,
                                             GError      **error);

/* @base_url: http:// or https://, with an optional path prefix; a trailing
 * "/" is ignored. @pinned_sha256: (nullable): a certificate to trust even
 * when GIO does not, as crm_http_normalize_fingerprint() accepts it. An
 * unusable URL or fingerprint makes every request fail with
 * CRM_HTTP_ERROR_INVALID. Requests may come from any thread, several at
 * once; each blocks that thread until the answer. */
CrmHttp     *crm_http_new                   (const char   *base_url,
                                             const char   *pinned_sha256);

/* Sends @body (nullable) as JSON to the server's @path ("/api/v1/…",
 * query included) with the bearer @token (nullable) and blocks for the
 * answer. Returns the parsed reply of a 2xx (a JSON null for an empty
 * one), else %NULL with an error. @status is set to the HTTP status, or 0
 * when no answer came; @retry_after to the Retry-After header, if any. */
JsonNode    *crm_http_request               (CrmHttp      *self,
                                             const char   *method,
                                             const char   *path,
                                             const char   *token,
                                             JsonNode     *body,
                                             guint        *status,
                                             char        **retry_after,
                                             GError      **error);

/* The SHA-256 fingerprint ("AB:CD:…") of the last certificate the server
 * presented, trusted or not; %NULL before any https:// request */
char        *crm_http_dup_peer_fingerprint  (CrmHttp      *self);

/* POST /api/v1/auth/token. A 401 is CRM_HTTP_ERROR_UNAUTHORIZED, "Wrong
 * user name or password". @user_id and @expires_at may be %NULL. */
gboolean     crm_http_login                 (CrmHttp      *self,
                                             const char   *user,
                                             const char   *password,
                                             char        **token,
                                             char        **user_id,
                                             char        **expires_at,
                                             GError      **error);

G_END_DECLS
