/* crm-fault-proxy.c: an HTTP proxy on loopback that misbehaves on purpose
 *
 * The proxy listens on a free port of 127.0.0.1 and forwards each request
 * to a server on 127.0.0.1. It accepts in a thread of its own, with its
 * own GMainContext, and handles each connection with blocking I/O in a
 * thread pool, so a stalled request does not hold up the others.
 *
 * One request per connection: the whole request is read, sent over a
 * fresh upstream connection with "Connection: close", the whole answer is
 * read, and it goes back to the client with "Connection: close". A seeded
 * GRand picks, for each request, whether to pass it or to misbehave in
 * one of the ways of CrmFault; with a fault rate of 0 the proxy is a
 * plain relay.
 *
 * With no upstream (crm_fault_proxy_set_upstream (proxy, NULL)) the proxy
 * stops listening, so clients see their connections refused as they would
 * with the server down; given an upstream again, it listens on the same
 * port, so a client keeps the one server address across server restarts.
 *
 * Every loop is bounded: heads, bodies and chunk counts have caps, and
 * every socket has a timeout.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-fault-proxy"

#include <string.h>
#include <sys/socket.h>

#include "crm-fault-proxy.h"

#define MAX_HEAD        (64 * 1024)
#define MAX_BODY        (128 * 1024 * 1024)
#define MAX_CHUNKS      100000
#define READ_CHUNK      (16 * 1024)
#define IO_TIMEOUT_S    30
#define MAX_THREADS     32
#define DRAIN_ROUNDS    100

struct _CrmFaultProxy
{
  GMutex          lock;           /* guards what follows, up to the thread */
  GCond           cond;
  GRand          *rand;
  double          rate;
  char           *upstream_host;  /* NULL: offline */
  guint16         upstream_port;
  char           *drop_prefix;
  guint           drop_left;
  guint           requests;
  guint           counts[CRM_FAULT_N_KINDS];
  gboolean        closing;

  GThread        *thread;
  GMainContext   *context;
  GMainLoop      *loop;
  GThreadPool    *pool;
  GSocketService *service;        /* only touched in the proxy thread */
  guint16         port;
  char           *url;
};

/* A request or an answer: start line, header lines, whole body */
typedef struct
{
  char       *start_line;
  GPtrArray  *headers;
  GByteArray *body;
} Message;

/* Buffered blocking reads from one stream */
typedef struct
{
  GInputStream *in;
  GByteArray   *buffer;
} Reader;

/* A call run in the proxy thread, waited for */
typedef struct
{
  CrmFaultProxy *self;
  void         (*func) (CrmFaultProxy *self);
  gboolean       done;
} Call;

static const char * const fault_names[] = {
  "pass", "reset", "stall", "status", "drop-reply", "truncate", "garbage",
};
G_STATIC_ASSERT (G_N_ELEMENTS (fault_names) == CRM_FAULT_N_KINDS);

/* Messages ************************************************************/

static void
message_free (Message *message)
{
  if (message == NULL)
    return;
  g_free (message->start_line);
  g_ptr_array_unref (message->headers);
  g_byte_array_unref (message->body);
  g_free (message);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Message, message_free)

static Message *
message_new (const char *start_line)
{
  Message *message = g_new0 (Message, 1);

  message->start_line = g_strdup (start_line);
  message->headers = g_ptr_array_new_with_free_func (g_free);
  message->body = g_byte_array_new ();
  return message;
}

/* The value of header @name, or NULL */
static const char *
message_header (Message    *message,
                const char *name)
{
  gsize length = strlen (name);

  for (guint i = 0; i < message->headers->len; i++)
    {
      const char *line = g_ptr_array_index (message->headers, i);

      if (g_ascii_strncasecmp (line, name, length) == 0 && line[length] == ':')
        {
          const char *value = line + length + 1;

          while (*value == ' ' || *value == '\t')
            value++;
          return value;
        }
    }
  return NULL;
}

/* Hop-by-hop headers and those the proxy writes itself */
static gboolean
is_own_header (const char *line)
{
  static const char * const names[] = {
    "Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length", "Proxy-Connection", "Host", "TE",
    "Upgrade",
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      gsize length = strlen (names[i]);

      if (g_ascii_strncasecmp (line, names[i], length) == 0 && line[length] == ':')
        return TRUE;
    }
  return FALSE;
}

/* Reading *************************************************************/

/* Reads more into the buffer; FALSE at the end of the stream (no error)
 * or on an error */
static gboolean
reader_fill (Reader  *reader,
             GError **error)
{
  guint8 data[READ_CHUNK];
  gssize n = g_input_stream_read (reader->in, data, sizeof data, NULL, error);

  if (n <= 0)
    return FALSE;
  g_byte_array_append (reader->buffer, data, (guint) n);
  return TRUE;
}

static gssize
find_bytes (GByteArray *buffer,
            const char *needle)
{
  gsize length = strlen (needle);

  for (gsize i = 0; buffer->len >= length && i <= buffer->len - length; i++)
    if (memcmp (buffer->data + i, needle, length) == 0)
      return (gssize) i;
  return -1;
}

static gboolean
set_closed (GError     **error,
            const char  *what)
{
  if (error && *error == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "The peer closed the connection %s", what);
  return FALSE;
}

/* Takes one CRLF-terminated line off the buffer, reading as needed */
static char *
read_line (Reader  *reader,
           gsize    max,
           GError **error)
{
  for (;;)
    {
      gssize end = find_bytes (reader->buffer, "\r\n");

      if (end >= 0)
        {
          char *line = g_strndup ((const char *) reader->buffer->data, (gsize) end);

          g_byte_array_remove_range (reader->buffer, 0, (guint) end + 2);
          return line;
        }
      if (reader->buffer->len > max)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE, "A line is too long");
          return NULL;
        }
      if (!reader_fill (reader, error))
        {
          set_closed (error, "in a line");
          return NULL;
        }
    }
}

/* Moves @length bytes of body from the stream to @body */
static gboolean
read_exactly (Reader      *reader,
              gsize        length,
              GByteArray  *body,
              GError     **error)
{
  if (length > MAX_BODY || body->len + length > MAX_BODY)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE, "A body is too large");
      return FALSE;
    }
  while (reader->buffer->len < length)
    if (!reader_fill (reader, error))
      return set_closed (error, "in a body");
  g_byte_array_append (body, reader->buffer->data, (guint) length);
  g_byte_array_remove_range (reader->buffer, 0, (guint) length);
  return TRUE;
}

static gboolean
read_chunked (Reader      *reader,
              GByteArray  *body,
              GError     **error)
{
  for (guint i = 0; i < MAX_CHUNKS; i++)
    {
      g_autofree char *line = read_line (reader, MAX_HEAD, error);
      guint64 size;
      char *end = NULL;

      if (line == NULL)
        return FALSE;
      size = g_ascii_strtoull (line, &end, 16);
      if (end == line)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Bad chunk size “%s”", line);
          return FALSE;
        }
      if (size == 0)
        {
          /* Trailers, up to the empty line */
          for (guint j = 0; j < 100; j++)
            {
              g_autofree char *trailer = read_line (reader, MAX_HEAD, error);

              if (trailer == NULL)
                return FALSE;
              if (*trailer == '\0')
                return TRUE;
            }
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Too many trailers");
          return FALSE;
        }
      if (!read_exactly (reader, size, body, error))
        return FALSE;
      {
        g_autofree char *crlf = read_line (reader, 2, error);

        if (crlf == NULL)
          return FALSE;
      }
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Too many chunks");
  return FALSE;
}

/* Reads a request (@is_request) or an answer to @method */
static Message *
read_message (GInputStream  *in,
              gboolean       is_request,
              const char    *method,
              GError       **error)
{
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  Reader reader = { in, buffer };
  g_autoptr(Message) message = NULL;
  g_autofree char *start = NULL;
  const char *length;
  const char *encoding;
  guint status = 0;

  if (!(start = read_line (&reader, MAX_HEAD, error)))
    return NULL;
  message = message_new (start);
  for (;;)
    {
      g_autofree char *line = NULL;

      if (message->headers->len > 200)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE, "Too many headers");
          return NULL;
        }
      if (!(line = read_line (&reader, MAX_HEAD, error)))
        return NULL;
      if (*line == '\0')
        break;
      g_ptr_array_add (message->headers, g_steal_pointer (&line));
    }

  if (!is_request)
    {
      const char *space = strchr (start, ' ');

      status = space ? (guint) g_ascii_strtoull (space + 1, NULL, 10) : 0;
      if ((status >= 100 && status < 200) || status == 204 || status == 304 ||
          g_strcmp0 (method, "HEAD") == 0)
        return g_steal_pointer (&message);
    }

  length = message_header (message, "Content-Length");
  encoding = message_header (message, "Transfer-Encoding");
  if (encoding && g_ascii_strcasecmp (encoding, "identity") != 0)
    {
      if (!read_chunked (&reader, message->body, error))
        return NULL;
    }
  else if (length)
    {
      guint64 size;

      if (!g_ascii_string_to_unsigned (length, 10, 0, MAX_BODY, &size, error) ||
          !read_exactly (&reader, size, message->body, error))
        return NULL;
    }
  else if (!is_request)
    {
      /* The end of the answer is the end of the connection */
      g_autoptr(GError) local_error = NULL;

      for (guint i = 0; i < MAX_BODY / READ_CHUNK + 1 && reader_fill (&reader, &local_error); i++)
        ;
      if (local_error)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      g_byte_array_append (message->body, buffer->data, buffer->len);
    }
  return g_steal_pointer (&message);
}

/* Writing *************************************************************/

/* Writes the start line and headers, with @content_length and
 * "Connection: close", then @send_body bytes of the body */
static gboolean
write_message (GOutputStream  *out,
               Message        *message,
               const char     *host,
               gsize           content_length,
               gsize           send_body,
               gboolean        with_length,
               GError        **error)
{
  g_autoptr(GString) head = g_string_new (message->start_line);

  g_string_append (head, "\r\n");
  if (host)
    g_string_append_printf (head, "Host: %s\r\n", host);
  for (guint i = 0; i < message->headers->len; i++)
    {
      const char *line = g_ptr_array_index (message->headers, i);

      if (!is_own_header (line))
        g_string_append_printf (head, "%s\r\n", line);
    }
  if (with_length)
    g_string_append_printf (head, "Content-Length: %" G_GSIZE_FORMAT "\r\n", content_length);
  g_string_append (head, "Connection: close\r\n\r\n");

  if (!g_output_stream_write_all (out, head->str, head->len, NULL, NULL, error))
    return FALSE;
  if (send_body > 0 &&
      !g_output_stream_write_all (out, message->body->data, MIN (send_body, message->body->len), NULL, NULL, error))
    return FALSE;
  return g_output_stream_flush (out, NULL, error);
}

/* Closes at once with a reset, as a crashed peer or a middlebox does */
static void
reset_connection (GSocketConnection *connection)
{
  GSocket *socket = g_socket_connection_get_socket (connection);
  struct linger linger = { 1, 0 };

  setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
  g_socket_close (socket, NULL);
}

/* Sends @request to the server and reads its whole answer */
static Message *
forward (const char  *host,
         guint16      port,
         Message     *request,
         GError     **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) upstream = NULL;
  g_autoptr(Message) reply = NULL;
  g_auto(GStrv) words = g_strsplit (request->start_line, " ", 3);
  g_autofree char *authority = g_strdup_printf ("%s:%u", host, port);
  gboolean with_body;

  g_socket_client_set_timeout (client, IO_TIMEOUT_S);
  if (!(upstream = g_socket_client_connect_to_host (client, host, port, NULL, error)))
    return NULL;
  with_body = request->body->len > 0 || message_header (request, "Content-Length") != NULL ||
              message_header (request, "Transfer-Encoding") != NULL;
  if (!write_message (g_io_stream_get_output_stream (G_IO_STREAM (upstream)), request, authority,
                      request->body->len, request->body->len, with_body, error))
    return NULL;
  reply = read_message (g_io_stream_get_input_stream (G_IO_STREAM (upstream)), FALSE, words[0], error);
  g_io_stream_close (G_IO_STREAM (upstream), NULL, NULL);
  return g_steal_pointer (&reply);
}

/* Deciding ************************************************************/

static CrmFault
choose_fault (CrmFaultProxy *self,
              const char    *path,
              guint         *stall_ms,
              guint         *status,
              guint         *retry_after,
              guint         *garbage)
{
  CrmFault fault = CRM_FAULT_PASS;

  g_mutex_lock (&self->lock);
  self->requests++;
  if (self->drop_left > 0 && self->drop_prefix && g_str_has_prefix (path, self->drop_prefix))
    {
      self->drop_left--;
      fault = CRM_FAULT_DROP_REPLY;
    }
  else if (g_rand_double (self->rand) < self->rate)
    fault = (CrmFault) g_rand_int_range (self->rand, CRM_FAULT_PASS + 1, CRM_FAULT_N_KINDS);
  self->counts[fault]++;
  *stall_ms = (guint) g_rand_int_range (self->rand, 50, 800);
  *status = (guint[]) { 500, 503, 429 }[g_rand_int_range (self->rand, 0, 3)];
  *retry_after = (guint) g_rand_int_range (self->rand, 0, 2);
  *garbage = (guint) g_rand_int_range (self->rand, 0, 4);
  g_mutex_unlock (&self->lock);
  return fault;
}

static Message *
status_reply (guint status,
              guint retry_after)
{
  const char *phrase = status == 500 ? "Internal Server Error" : status == 503 ? "Service Unavailable"
                                                                              : "Too Many Requests";
  g_autofree char *line = g_strdup_printf ("HTTP/1.1 %u %s", status, phrase);
  g_autofree char *body = g_strdup_printf ("{\"error\":{\"code\":\"fault_proxy\",\"message\":\"%s (from the fault proxy)\"}}",
                                           phrase);
  Message *reply = message_new (line);

  g_ptr_array_add (reply->headers, g_strdup ("Content-Type: application/json"));
  if (status != 500)
    g_ptr_array_add (reply->headers, g_strdup_printf ("Retry-After: %u", retry_after));
  g_byte_array_append (reply->body, (const guint8 *) body, strlen (body));
  return reply;
}

/* Malformed JSON of a few kinds, in place of the body */
static void
spoil_body (Message *reply,
            guint    kind)
{
  static const char * const junk[] = {
    "{\"results\": [{\"mutation_id\": ",
    "<html><body>502 Bad Gateway</body></html>",
    "{\"changes\":[{\"entity\":\"accounts\",\"id\":}]}",
    "\x01\x02 not json \xff",
  };
  const char *text = junk[kind % G_N_ELEMENTS (junk)];

  g_byte_array_set_size (reply->body, 0);
  g_byte_array_append (reply->body, (const guint8 *) text, strlen (text));
}

/* One connection **************************************************************/

static void
handle_connection (CrmFaultProxy     *self,
                   GSocketConnection *connection)
{
  GIOStream *stream = G_IO_STREAM (connection);
  GOutputStream *out = g_io_stream_get_output_stream (stream);
  g_autoptr(GError) error = NULL;
  g_autoptr(Message) request = NULL;
  g_autoptr(Message) reply = NULL;
  g_auto(GStrv) words = NULL;
  g_autofree char *host = NULL;
  guint stall_ms, status, retry_after, garbage;
  guint16 port;
  CrmFault fault;
  gboolean closing;

  g_socket_set_timeout (g_socket_connection_get_socket (connection), IO_TIMEOUT_S);
  if (!(request = read_message (g_io_stream_get_input_stream (stream), TRUE, NULL, &error)))
    {
      /* A client that gave up; nothing to answer */
      g_debug ("No request: %s", error ? error->message : "closed");
      g_io_stream_close (stream, NULL, NULL);
      return;
    }
  words = g_strsplit (request->start_line, " ", 3);
  if (g_strv_length (words) != 3)
    {
      reset_connection (connection);
      return;
    }

  fault = choose_fault (self, words[1], &stall_ms, &status, &retry_after, &garbage);
  g_mutex_lock (&self->lock);
  host = g_strdup (self->upstream_host);
  port = self->upstream_port;
  closing = self->closing;
  g_mutex_unlock (&self->lock);
  g_debug ("%s %s: %s", words[0], words[1], fault_names[fault]);

  switch (fault)
    {
    case CRM_FAULT_RESET:
      reset_connection (connection);
      return;

    case CRM_FAULT_STATUS:
      reply = status_reply (status, retry_after);
      write_message (out, reply, NULL, reply->body->len, reply->body->len, TRUE, NULL);
      g_io_stream_close (stream, NULL, NULL);
      return;

    case CRM_FAULT_STALL:
      if (!closing)
        g_usleep (stall_ms * 1000);
      break;

    case CRM_FAULT_PASS:
    case CRM_FAULT_DROP_REPLY:
    case CRM_FAULT_TRUNCATE:
    case CRM_FAULT_GARBAGE:
    case CRM_FAULT_N_KINDS:
    default:
      break;
    }

  if (host == NULL || !(reply = forward (host, port, request, &error)))
    {
      /* The server is gone: so is the answer */
      g_debug ("Could not forward %s %s: %s", words[0], words[1], error ? error->message : "offline");
      reset_connection (connection);
      return;
    }

  switch (fault)
    {
    case CRM_FAULT_DROP_REPLY:
      /* The server has carried the request out; the client never learns */
      g_io_stream_close (stream, NULL, NULL);
      return;

    case CRM_FAULT_TRUNCATE:
      if (reply->body->len > 1)
        write_message (out, reply, NULL, reply->body->len, reply->body->len / 2, TRUE, NULL);
      else
        {
          /* Nothing to cut but the head */
          g_autofree char *half = g_strndup (reply->start_line, strlen (reply->start_line) / 2);

          g_output_stream_write_all (out, half, strlen (half), NULL, NULL, NULL);
        }
      g_io_stream_close (stream, NULL, NULL);
      return;

    case CRM_FAULT_GARBAGE:
      spoil_body (reply, garbage);
      break;

    case CRM_FAULT_PASS:
    case CRM_FAULT_RESET:
    case CRM_FAULT_STALL:
    case CRM_FAULT_STATUS:
    case CRM_FAULT_N_KINDS:
    default:
      break;
    }

  if (!write_message (out, reply, NULL, reply->body->len, reply->body->len, TRUE, &error))
    g_debug ("Could not answer %s %s: %s", words[0], words[1], error->message);
  g_io_stream_close (stream, NULL, NULL);
}

static void
connection_job (gpointer data,
                gpointer user_data)
{
  g_autoptr(GSocketConnection) connection = data;

  handle_connection (user_data, connection);
}

/* The proxy thread **************************************************************/

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  CrmFaultProxy *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_thread_pool_push (self->pool, g_object_ref (connection), &error))
    g_error ("Cannot handle a connection: %s", error->message);
  return TRUE;
}

/* Listens on self->port (0: any free one, which is then kept) */
static void
start_listening (CrmFaultProxy *self)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, self->port);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  g_assert (self->service == NULL);
  self->service = g_socket_service_new ();
  g_signal_connect (self->service, "incoming", G_CALLBACK (incoming_cb), self);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error))
    g_error ("The fault proxy cannot listen on 127.0.0.1:%u: %s", self->port, error->message);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_socket_service_start (self->service);
}

static void
stop_listening (CrmFaultProxy *self)
{
  if (self->service == NULL)
    return;
  /* The pending accept ends cancelled, quietly */
  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  g_signal_handlers_disconnect_by_func (self->service, incoming_cb, self);
  g_clear_object (&self->service);
  for (guint i = 0; i < DRAIN_ROUNDS && g_main_context_iteration (self->context, FALSE); i++)
    ;
}

static void
quit (CrmFaultProxy *self)
{
  stop_listening (self);
  g_main_loop_quit (self->loop);
}

static gboolean
call_cb (gpointer data)
{
  Call *call = data;
  CrmFaultProxy *self = call->self;

  call->func (self);
  g_mutex_lock (&self->lock);
  call->done = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return G_SOURCE_REMOVE;
}

/* Runs @func in the proxy thread and waits for it */
static void
run_in_thread (CrmFaultProxy *self,
               void         (*func) (CrmFaultProxy *self))
{
  Call call = { self, func, FALSE };
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;

  g_main_context_invoke (self->context, call_cb, &call);
  g_mutex_lock (&self->lock);
  while (!call.done)
    if (!g_cond_wait_until (&self->cond, &self->lock, deadline))
      g_error ("The fault proxy thread does not answer");
  g_mutex_unlock (&self->lock);
}

static gpointer
proxy_thread (gpointer data)
{
  CrmFaultProxy *self = data;

  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);
  for (guint i = 0; i < DRAIN_ROUNDS && g_main_context_iteration (self->context, FALSE); i++)
    ;
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static void
parse_upstream (const char  *url,
                char       **host,
                guint16     *port)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) error = NULL;

  if (!(uri = g_uri_parse (url, G_URI_FLAGS_NONE, &error)))
    g_error ("Not a URL: %s: %s", url, error->message);
  /* Loopback only: this is for tests */
  g_assert_cmpstr (g_uri_get_scheme (uri), ==, "http");
  g_assert_cmpstr (g_uri_get_host (uri), ==, "127.0.0.1");
  g_assert_cmpint (g_uri_get_port (uri), >, 0);
  *host = g_strdup (g_uri_get_host (uri));
  *port = (guint16) g_uri_get_port (uri);
}

/* Public API **********************************************************/

const char *
crm_fault_to_string (CrmFault kind)
{
  g_return_val_if_fail (kind < CRM_FAULT_N_KINDS, NULL);
  return fault_names[kind];
}

/**
 * crm_fault_proxy_new:
 * @upstream_url: the server, http://127.0.0.1:PORT/
 * @seed: for the choice of faults
 * @fault_rate: the share of requests to misbehave on, 0 to 1
 *
 * Starts a proxy on a free port of 127.0.0.1.
 */
CrmFaultProxy *
crm_fault_proxy_new (const char *upstream_url,
                     guint       seed,
                     double      fault_rate)
{
  CrmFaultProxy *self = g_new0 (CrmFaultProxy, 1);
  g_autoptr(GError) error = NULL;

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->rand = g_rand_new_with_seed (seed);
  self->rate = CLAMP (fault_rate, 0.0, 1.0);
  parse_upstream (upstream_url, &self->upstream_host, &self->upstream_port);
  self->pool = g_thread_pool_new (connection_job, self, MAX_THREADS, FALSE, &error);
  g_assert_no_error (error);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("crm-fault-proxy", proxy_thread, self);

  run_in_thread (self, start_listening);
  self->url = g_strdup_printf ("http://127.0.0.1:%u/", self->port);
  /* A TAP comment in tests; benchmarks keep their stdout to JSON */
  if (g_test_initialized ())
    g_test_message ("Fault proxy %s → %s, seed %u, fault rate %.2f", self->url, upstream_url, seed, self->rate);
  return self;
}

/* Stops listening, waits for the requests in hand, and frees */
void
crm_fault_proxy_free (CrmFaultProxy *self)
{
  if (self == NULL)
    return;

  g_mutex_lock (&self->lock);
  self->closing = TRUE;
  g_mutex_unlock (&self->lock);
  run_in_thread (self, quit);
  g_thread_join (self->thread);
  /* Each request ends within its sockets' timeouts */
  g_thread_pool_free (self->pool, FALSE, TRUE);

  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_rand_free (self->rand);
  g_free (self->upstream_host);
  g_free (self->drop_prefix);
  g_free (self->url);
  g_cond_clear (&self->cond);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/* The proxy's base URL, ending in "/"; the same for its whole life */
const char *
crm_fault_proxy_get_url (CrmFaultProxy *self)
{
  return self->url;
}

void
crm_fault_proxy_set_rate (CrmFaultProxy *self,
                          double         fault_rate)
{
  g_mutex_lock (&self->lock);
  self->rate = CLAMP (fault_rate, 0.0, 1.0);
  g_mutex_unlock (&self->lock);
}

/**
 * crm_fault_proxy_set_upstream:
 * @upstream_url: (nullable): the server's new address; %NULL to stop
 *   listening, as a server that is down
 */
void
crm_fault_proxy_set_upstream (CrmFaultProxy *self,
                              const char    *upstream_url)
{
  g_autofree char *host = NULL;
  guint16 port = 0;
  gboolean was_online;

  if (upstream_url)
    parse_upstream (upstream_url, &host, &port);

  g_mutex_lock (&self->lock);
  was_online = self->upstream_host != NULL;
  g_free (self->upstream_host);
  self->upstream_host = g_steal_pointer (&host);
  self->upstream_port = port;
  g_mutex_unlock (&self->lock);

  if (was_online && upstream_url == NULL)
    run_in_thread (self, stop_listening);
  else if (!was_online && upstream_url != NULL)
    run_in_thread (self, start_listening);
}

/**
 * crm_fault_proxy_drop_next_reply:
 * @path_prefix: such as "/api/v1/sync/push"
 * @n: how many requests
 *
 * The next @n requests whose path starts with @path_prefix reach the
 * server, whose answer is then dropped: the client cannot tell whether
 * they were carried out.
 */
void
crm_fault_proxy_drop_next_reply (CrmFaultProxy *self,
                                 const char    *path_prefix,
                                 guint          n)
{
  g_mutex_lock (&self->lock);
  g_free (self->drop_prefix);
  self->drop_prefix = g_strdup (path_prefix);
  self->drop_left = n;
  g_mutex_unlock (&self->lock);
}

guint
crm_fault_proxy_get_requests (CrmFaultProxy *self)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = self->requests;
  g_mutex_unlock (&self->lock);
  return n;
}

/* How many requests got a fault of any kind */
guint
crm_fault_proxy_get_faults (CrmFaultProxy *self)
{
  guint n = 0;

  g_mutex_lock (&self->lock);
  for (guint i = CRM_FAULT_PASS + 1; i < CRM_FAULT_N_KINDS; i++)
    n += self->counts[i];
  g_mutex_unlock (&self->lock);
  return n;
}

guint
crm_fault_proxy_get_fault_count (CrmFaultProxy *self,
                                 CrmFault       kind)
{
  guint n;

  g_return_val_if_fail (kind < CRM_FAULT_N_KINDS, 0);
  g_mutex_lock (&self->lock);
  n = self->counts[kind];
  g_mutex_unlock (&self->lock);
  return n;
}
