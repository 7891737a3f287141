/* crm-http.c: the HTTP session, and JSON requests to a Crm server
 *
 * Every SoupSession comes from crm_http_session_new(): 30-second timeouts,
 * "Crm/VERSION" as the User-Agent, and GIO's usual certificate checks. A
 * CrmHttp adds one thing to them: a certificate the user pinned by its
 * SHA-256 fingerprint is accepted when GIO would refuse it (a self-signed
 * server), and only that certificate. Nothing else relaxes verification.
 *
 * Requests never follow redirects, so a body with a password is sent only
 * where the user pointed; the request body and the reply are overwritten
 * when freed, and nothing here logs a body, a token or a header.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-http"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-http.h"
#include "crm-json.h"

#define TIMEOUT_SECONDS   30
#define SHA256_LENGTH     32
/* A pull page of a thousand records is a few megabytes */
#define MAX_REPLY_BYTES   (64 * 1024 * 1024)
#define READ_CHUNK        (16 * 1024)

struct _CrmHttp
{
  GObject      parent_instance;

  SoupSession *session;
  char        *server;        /* as given, without a trailing "/" */
  char        *base_url;      /* requests go to base_url + path */
  guint8      *pin;           /* SHA256_LENGTH bytes, or NULL */
  GError      *invalid;       /* why no request can be made, or NULL */

  GMutex       lock;          /* guards what follows */
  char        *peer_fingerprint;
};

/* What one request learnt about a certificate GIO refused */
typedef struct
{
  CrmHttp              *self;
  char                 *fingerprint;
  GTlsCertificateFlags  errors;
} TlsCheck;

G_DEFINE_TYPE (CrmHttp, crm_http, G_TYPE_OBJECT)

G_DEFINE_QUARK (crm-http-error-quark, crm_http_error)

/* Helpers *************************************************************/

static void
wipe_string (gpointer data)
{
  char *text = data;

  if (text == NULL)
    return;
  memset (text, 0, strlen (text));
  g_free (text);
}

static void
wipe_byte_array (GByteArray *array)
{
  memset (array->data, 0, array->len);
  g_byte_array_unref (array);
}

/* A reply may hold a token: g_autoptr(WipedBytes) overwrites it when freed */
typedef GByteArray WipedBytes;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WipedBytes, wipe_byte_array)

static char *
format_fingerprint (const guint8 *digest)
{
  GString *text = g_string_sized_new (SHA256_LENGTH * 3);

  for (guint i = 0; i < SHA256_LENGTH; i++)
    g_string_append_printf (text, i ? ":%02X" : "%02X", digest[i]);
  return g_string_free (text, FALSE);
}

/* Fills @digest (SHA256_LENGTH bytes) from "AB:CD…" or "abcd…" */
static gboolean
parse_fingerprint (const char *text,
                   guint8     *digest)
{
  const char *p = text;
  guint n = 0;

  /* openssl x509 -fingerprint prints "sha256 Fingerprint=AB:CD:…" */
  if (strchr (p, '=') != NULL)
    p = strchr (p, '=') + 1;
  else if (g_ascii_strncasecmp (p, "sha256:", 7) == 0)
    p += 7;

  for (; *p; p++)
    {
      int high, low;

      if (*p == ':' || g_ascii_isspace (*p))
        continue;
      if (n == SHA256_LENGTH || (high = g_ascii_xdigit_value (p[0])) < 0 ||
          (low = g_ascii_xdigit_value (p[1])) < 0)
        return FALSE;
      digest[n++] = (guint8) (high << 4 | low);
      p++;
    }
  return n == SHA256_LENGTH;
}

static gboolean
certificate_digest (GTlsCertificate *certificate,
                    guint8          *digest)
{
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GChecksum) checksum = NULL;
  gsize length = SHA256_LENGTH;

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return FALSE;
  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, der->data, der->len);
  g_checksum_get_digest (checksum, digest, &length);
  return TRUE;
}

static void
remember_peer (CrmHttp    *self,
               const char *fingerprint)
{
  g_mutex_lock (&self->lock);
  g_free (self->peer_fingerprint);
  self->peer_fingerprint = g_strdup (fingerprint);
  g_mutex_unlock (&self->lock);
}

/* Why GIO refused a certificate, for the message that offers to trust it */
static const char *
describe_certificate_errors (GTlsCertificateFlags errors)
{
  if (errors & G_TLS_CERTIFICATE_UNKNOWN_CA)
    return _("it is not signed by a known certificate authority (it may be self-signed)");
  if (errors & G_TLS_CERTIFICATE_BAD_IDENTITY)
    return _("it was issued for another server name");
  if (errors & G_TLS_CERTIFICATE_EXPIRED)
    return _("it has expired");
  if (errors & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    return _("it is not valid yet");
  if (errors & G_TLS_CERTIFICATE_REVOKED)
    return _("it has been revoked");
  if (errors & G_TLS_CERTIFICATE_INSECURE)
    return _("it uses an insecure algorithm");
  return _("it could not be verified");
}

static void
set_untrusted_error (CrmHttp   *self,
                     TlsCheck  *check,
                     GError   **error)
{
  if (self->pin != NULL)
    {
      g_autofree char *pinned = format_fingerprint (self->pin);

      g_set_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_TLS_UNTRUSTED,
                   _("The certificate of %s is not the one trusted for this profile: its "
                     "SHA-256 fingerprint is %s, not %s. If you trust this certificate, "
                     "log in again with --trust-fingerprint %s"),
                   self->server, check->fingerprint, pinned, check->fingerprint);
    }
  else
    g_set_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_TLS_UNTRUSTED,
                 _("The certificate of %s is not trusted: %s. Its SHA-256 fingerprint is %s. "
                   "If you trust this certificate, log in again with --trust-fingerprint %s"),
                 self->server, describe_certificate_errors (check->errors),
                 check->fingerprint, check->fingerprint);
}

/* When no answer came */
static void
set_transport_error (CrmHttp       *self,
                     TlsCheck      *check,
                     const GError  *local_error,
                     GError       **error)
{
  if (g_error_matches (local_error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE) &&
      check->fingerprint != NULL)
    set_untrusted_error (self, check, error);
  else if (local_error->domain == SOUP_SESSION_ERROR)
    g_set_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_BAD_RESPONSE,
                 _("The server at %s did not answer in HTTP: %s"), self->server, local_error->message);
  else
    g_set_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_NETWORK,
                 _("Could not reach the server at %s: %s"), self->server, local_error->message);
}

/* Reads the whole body, up to MAX_REPLY_BYTES */
static GByteArray *
read_reply (CrmHttp       *self,
            GInputStream  *stream,
            GError       **error)
{
  g_autoptr(WipedBytes) reply = g_byte_array_new ();
  g_autoptr(GError) local_error = NULL;

  for (;;)
    {
      gssize n;

      if (reply->len > MAX_REPLY_BYTES)
        {
          g_set_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_BAD_RESPONSE,
                       _("The reply from %s is larger than %d MB"), self->server,
                       MAX_REPLY_BYTES / (1024 * 1024));
          return NULL;
        }
      g_byte_array_set_size (reply, reply->len + READ_CHUNK);
      n = g_input_stream_read (stream, reply->data + reply->len - READ_CHUNK, READ_CHUNK,
                               NULL, &local_error);
      g_byte_array_set_size (reply, reply->len - READ_CHUNK + MAX (n, 0));
      if (n == 0)
        break;
      if (n < 0)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
            g_set_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_NETWORK,
                         _("Could not reach the server at %s: %s"), self->server, local_error->message);
          else
            g_set_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_BAD_RESPONSE,
                         _("The reply from %s was cut off: %s"), self->server, local_error->message);
          return NULL;
        }
    }
  return g_steal_pointer (&reply);
}

/* For a status of 300 or more: the server's {"error":{"code","message"}} */
static void
set_status_error (CrmHttp      *self,
                  SoupMessage  *msg,
                  GByteArray   *reply,
                  GError      **error)
{
  guint status = soup_message_get_status (msg);
  const char *location = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location");
  const char *phrase = soup_message_get_reason_phrase (msg);
  g_autoptr(JsonNode) root = NULL;
  const char *message = NULL;

  if (phrase == NULL || *phrase == '\0')
    phrase = soup_status_get_phrase (status);

  if (reply->len > 0)
    root = crm_json_parse ((const char *) reply->data, reply->len, NULL);
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonNode *inner = json_object_get_member (json_node_get_object (root), "error");

      if (inner != NULL && JSON_NODE_HOLDS_OBJECT (inner))
        {
          JsonNode *text = json_object_get_member (json_node_get_object (inner), "message");

          if (text != NULL && JSON_NODE_HOLDS_VALUE (text) &&
              json_node_get_value_type (text) == G_TYPE_STRING)
            message = json_node_get_string (text);
        }
    }

  if (status == SOUP_STATUS_UNAUTHORIZED)
    g_set_error_literal (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_UNAUTHORIZED,
                         message ? message : _("The server did not accept the sign-in"));
  else if (message != NULL)
    g_set_error_literal (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_HTTP, message);
  else if (SOUP_STATUS_IS_REDIRECTION (status) && location != NULL)
    g_set_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_HTTP,
                 _("The server at %s redirected to %s; use that address instead"),
                 self->server, location);
  else
    g_set_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_HTTP,
                 _("The server at %s answered %u %s"), self->server, status, phrase);
}

static char *
dup_json_string (JsonObject *object,
                 const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (node));
}

/* Callbacks ***********************************************************/

/* Emitted only for a certificate GIO does not trust */
static gboolean
accept_certificate_cb (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  TlsCheck *check = user_data;
  CrmHttp *self = check->self;
  guint8 digest[SHA256_LENGTH];

  if (!certificate_digest (certificate, digest))
    return FALSE;
  g_free (check->fingerprint);
  check->fingerprint = format_fingerprint (digest);
  check->errors = errors;
  remember_peer (self, check->fingerprint);

  return self->pin != NULL && memcmp (digest, self->pin, SHA256_LENGTH) == 0;
}

/* GObject overrides ***************************************************/

static void
crm_http_finalize (GObject *object)
{
  CrmHttp *self = CRM_HTTP (object);

  g_clear_object (&self->session);
  g_free (self->server);
  g_free (self->base_url);
  g_free (self->pin);
  g_clear_error (&self->invalid);
  g_free (self->peer_fingerprint);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (crm_http_parent_class)->finalize (object);
}

static void
crm_http_class_init (CrmHttpClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = crm_http_finalize;
}

static void
crm_http_init (CrmHttp *self)
{
  g_mutex_init (&self->lock);
}

/* Public API **********************************************************/

/**
 * crm_http_session_new:
 *
 * Returns: (transfer full): a session for talking to Crm servers: I/O and
 *   connection timeouts of 30 seconds, the User-Agent "Crm/VERSION", and
 *   the system's trusted certificate authorities
 */
SoupSession *
crm_http_session_new (void)
{
  return soup_session_new_with_options ("timeout", TIMEOUT_SECONDS,
                                        "idle-timeout", TIMEOUT_SECONDS,
                                        "user-agent", "Crm/" PACKAGE_VERSION,
                                        NULL);
}

/**
 * crm_http_normalize_fingerprint:
 * @text: a SHA-256 fingerprint as a user copies it
 *
 * Returns: (transfer full): the fingerprint as "AB:CD:…", or %NULL with
 *   CRM_HTTP_ERROR_INVALID
 */
char *
crm_http_normalize_fingerprint (const char  *text,
                                GError     **error)
{
  guint8 digest[SHA256_LENGTH];

  g_return_val_if_fail (text != NULL, NULL);

  if (!parse_fingerprint (text, digest))
    {
      g_set_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_INVALID,
                   _("“%s” is not a SHA-256 fingerprint: give 64 hexadecimal digits, "
                     "in pairs separated by colons or not"), text);
      return NULL;
    }
  return format_fingerprint (digest);
}

/**
 * crm_http_new:
 * @base_url: the server, http:// or https://
 * @pinned_sha256: (nullable): the fingerprint of a certificate to trust
 *
 * Returns: (transfer full): a client for the server
 */
CrmHttp *
crm_http_new (const char *base_url,
              const char *pinned_sha256)
{
  CrmHttp *self;
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  g_return_val_if_fail (base_url != NULL, NULL);

  self = g_object_new (CRM_TYPE_HTTP, NULL);
  self->session = crm_http_session_new ();
  self->server = g_strdup (base_url);
  while (g_str_has_suffix (self->server, "/"))
    self->server[strlen (self->server) - 1] = '\0';

  uri = g_uri_parse (self->server, G_URI_FLAGS_NONE, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  /* Messages do not quote what may hold a password */
  if (uri == NULL)
    g_set_error_literal (&self->invalid, CRM_HTTP_ERROR, CRM_HTTP_ERROR_INVALID,
                         _("The server address is not a URL: give an http:// or https:// one"));
  /* A password in the URL would end up in the profile */
  else if (g_uri_get_userinfo (uri) != NULL)
    g_set_error_literal (&self->invalid, CRM_HTTP_ERROR, CRM_HTTP_ERROR_INVALID,
                         _("The server address must not hold a user name or a password; "
                           "give them to the login instead"));
  else if ((g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0) ||
           g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    g_set_error (&self->invalid, CRM_HTTP_ERROR, CRM_HTTP_ERROR_INVALID,
                 _("“%s” is not a server address: give an http:// or https:// URL"), self->server);
  else if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    g_set_error (&self->invalid, CRM_HTTP_ERROR, CRM_HTTP_ERROR_INVALID,
                 _("The server address %s must not have a query or a fragment"), self->server);
  else
    self->base_url = g_strdup (self->server);

  if (pinned_sha256 != NULL && *pinned_sha256 != '\0' && self->invalid == NULL)
    {
      self->pin = g_malloc (SHA256_LENGTH);
      if (!parse_fingerprint (pinned_sha256, self->pin))
        {
          g_clear_pointer (&self->pin, g_free);
          self->invalid = g_error_new (CRM_HTTP_ERROR, CRM_HTTP_ERROR_INVALID,
                                       _("“%s” is not a SHA-256 fingerprint: give 64 hexadecimal "
                                         "digits, in pairs separated by colons or not"),
                                       pinned_sha256);
        }
    }
  return self;
}

/**
 * crm_http_request:
 * @method: "GET", "POST", …
 * @path: from the server's root, starting with "/", query included
 * @token: (nullable): sent as "Authorization: Bearer"
 * @body: (nullable): sent as application/json
 * @status: (out) (optional): the HTTP status, 0 when no answer came
 * @retry_after: (out) (optional): the Retry-After header, or %NULL
 *
 * Blocks until the server answers or fails to. The reply is parsed with
 * crm_json_parse(), so deep nesting cannot exhaust the stack.
 *
 * Returns: (transfer full): the reply of a 2xx, a JSON null when it is
 *   empty; %NULL with a CRM_HTTP_ERROR otherwise
 */
JsonNode *
crm_http_request (CrmHttp     *self,
                  const char  *method,
                  const char  *path,
                  const char  *token,
                  JsonNode    *body,
                  guint       *status,
                  char       **retry_after,
                  GError     **error)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(WipedBytes) reply = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *url = NULL;
  SoupMessageHeaders *headers;
  GTlsCertificate *peer;
  TlsCheck check = { self, NULL, 0 };
  const char *header;
  guint code;

  g_return_val_if_fail (CRM_IS_HTTP (self), NULL);
  g_return_val_if_fail (method != NULL, NULL);
  g_return_val_if_fail (path != NULL && path[0] == '/', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (status)
    *status = 0;
  if (retry_after)
    *retry_after = NULL;
  if (self->invalid != NULL)
    {
      g_propagate_error (error, g_error_copy (self->invalid));
      return NULL;
    }

  url = g_strconcat (self->base_url, path, NULL);
  if ((msg = soup_message_new (method, url)) == NULL)
    {
      g_set_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_INVALID,
                   _("%s%s is not a valid address"), self->server, path);
      return NULL;
    }
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  /* A push names each mutation, so sending it twice is harmless; libsoup
   * otherwise opens a new connection for every POST rather than reuse one */
  if (g_str_has_prefix (path, "/api/v1/sync/push"))
    soup_message_add_flags (msg, SOUP_MESSAGE_IDEMPOTENT);
  headers = soup_message_get_request_headers (msg);
  soup_message_headers_replace (headers, "Accept", "application/json");
  if (token != NULL)
    {
      g_autofree char *authorization = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (headers, "Authorization", authorization);
      memset (authorization, 0, strlen (authorization));
    }
  if (body != NULL)
    {
      char *text = json_to_string (body, FALSE);
      g_autoptr(GBytes) bytes = g_bytes_new_with_free_func (text, strlen (text), wipe_string, text);

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_certificate_cb), &check);

  stream = soup_session_send (self->session, msg, NULL, &local_error);
  if (stream == NULL)
    {
      g_debug ("%s %s failed: %s", method, path, local_error->message);
      set_transport_error (self, &check, local_error, error);
      g_free (check.fingerprint);
      return NULL;
    }
  g_clear_pointer (&check.fingerprint, g_free);

  if ((peer = soup_message_get_tls_peer_certificate (msg)) != NULL)
    {
      guint8 digest[SHA256_LENGTH];

      if (certificate_digest (peer, digest))
        {
          g_autofree char *fingerprint = format_fingerprint (digest);

          remember_peer (self, fingerprint);
        }
    }

  code = soup_message_get_status (msg);
  if (status)
    *status = code;
  header = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Retry-After");
  if (retry_after && header)
    *retry_after = g_strdup (header);

  reply = read_reply (self, stream, error);
  g_debug ("%s %s: %u", method, path, code);
  if (reply == NULL)
    return NULL;

  if (!SOUP_STATUS_IS_SUCCESSFUL (code))
    {
      set_status_error (self, msg, reply, error);
      return NULL;
    }
  if (reply->len == 0)
    return json_node_new (JSON_NODE_NULL);
  if ((root = crm_json_parse ((const char *) reply->data, reply->len, &local_error)) == NULL)
    {
      g_set_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_BAD_RESPONSE,
                   _("The server at %s sent a reply that is not valid JSON: %s"),
                   self->server, local_error->message);
      return NULL;
    }
  return g_steal_pointer (&root);
}

/**
 * crm_http_dup_peer_fingerprint:
 *
 * Returns: (transfer full) (nullable): the SHA-256 fingerprint ("AB:CD:…")
 *   of the certificate the server presented last, trusted or not
 */
char *
crm_http_dup_peer_fingerprint (CrmHttp *self)
{
  char *fingerprint;

  g_return_val_if_fail (CRM_IS_HTTP (self), NULL);

  g_mutex_lock (&self->lock);
  fingerprint = g_strdup (self->peer_fingerprint);
  g_mutex_unlock (&self->lock);
  return fingerprint;
}

/**
 * crm_http_login:
 * @user: the user name
 * @password: the password; never logged, and wiped from the request
 * @token: (out): the bearer token for later requests
 * @user_id: (out) (optional): the user's id on the server
 * @expires_at: (out) (optional): when the token expires, ISO 8601 UTC
 *
 * Trades a user name and password for a token (POST /api/v1/auth/token).
 *
 * Returns: %TRUE with the token; a 401 is CRM_HTTP_ERROR_UNAUTHORIZED
 */
gboolean
crm_http_login (CrmHttp     *self,
                const char  *user,
                const char  *password,
                char       **token,
                char       **user_id,
                char       **expires_at,
                GError     **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *new_token = NULL;
  g_autofree char *new_user_id = NULL;
  JsonObject *object = NULL;
  JsonNode *user_node = NULL;

  g_return_val_if_fail (CRM_IS_HTTP (self), FALSE);
  g_return_val_if_fail (user != NULL, FALSE);
  g_return_val_if_fail (password != NULL, FALSE);
  g_return_val_if_fail (token != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, user);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, password);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);

  reply = crm_http_request (self, "POST", "/api/v1/auth/token", NULL, body, NULL, NULL, &local_error);
  if (reply == NULL)
    {
      if (g_error_matches (local_error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_UNAUTHORIZED))
        g_set_error_literal (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_UNAUTHORIZED,
                             _("Wrong user name or password"));
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (JSON_NODE_HOLDS_OBJECT (reply))
    object = json_node_get_object (reply);
  if (object != NULL)
    user_node = json_object_get_member (object, "user");
  new_token = dup_json_string (object, "token");
  if (user_node != NULL && JSON_NODE_HOLDS_OBJECT (user_node))
    new_user_id = dup_json_string (json_node_get_object (user_node), "id");
  if (new_token == NULL || *new_token == '\0' || new_user_id == NULL)
    {
      wipe_string (g_steal_pointer (&new_token));
      g_set_error (error, CRM_HTTP_ERROR, CRM_HTTP_ERROR_BAD_RESPONSE,
                   _("The server at %s answered the login without a token and a user"),
                   self->server);
      return FALSE;
    }

  *token = g_steal_pointer (&new_token);
  if (user_id)
    *user_id = g_steal_pointer (&new_user_id);
  if (expires_at)
    *expires_at = dup_json_string (object, "expires_at");
  return TRUE;
}
