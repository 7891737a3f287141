/* fuzz-request.c: libFuzzer harness over the server's request-body decoding
 *
 * Each input is a request body. It is decoded the way read_json_body()
 * does it (UTF-8 check, json-glib parse), then
 *
 *   a. decoded as a record of each of the 12 entities (and each element of
 *      an array), and every record that decodes is encoded and decoded
 *      again: the canonical form must decode to itself, as the server
 *      relies on when it reads back what it stored;
 *   b. pushed, as POST /api/v1/sync/push would, against a real server
 *      database in a temporary directory, as an admin user; then pushed
 *      again, which must give the same results (every mutation id is now
 *      answered from the store, as for a client retrying a lost response).
 *
 * Besides the sanitizers, it aborts when an API breaks its contract: a
 * NULL result without a GError, a GError with a result, a GLib critical,
 * a record the codec wrote but cannot read, a response that is not UTF-8,
 * or a retry answered differently.
 *
 * Two kinds of body are skipped because json-glib 1.6 itself leaks on
 * them (several top-level values; a malformed \u surrogate pair): they run
 * no Crm code that a shorter input does not. With FUZZ_REQUEST_BODY_UTF8=1
 * bodies whose parsed strings are not UTF-8 are skipped too, as
 * read_json_body() should refuse them.
 *
 * Pushes commit: the database grows over a run, so an input may behave
 * differently alone than it did in the run. Reproduce with
 *   fuzz-request CRASH-FILE
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crm-entity.h"
#include "crm-record.h"
#include "crm-server.h"
#include "crm-server-admin.h"
#include "crm-server-auth.h"
#include "crm-server-db.h"
#include "crm-server-sync.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gboolean body_utf8_check;
static char *fuzz_dir;
static CrmServerDb *fuzz_db;
static CrmServerAccess *fuzz_access;

G_GNUC_NORETURN static void
contract_broken (const char *format,
                 ...) G_GNUC_PRINTF (1, 2);

G_GNUC_NORETURN static void
contract_broken (const char *format,
                 ...)
{
  va_list args;

  fprintf (stderr, "fuzz-request: ");
  va_start (args, format);
  vfprintf (stderr, format, args);
  va_end (args);
  fprintf (stderr, "\n");
  abort ();
}

/* A critical is a broken contract in GLib terms: make it a crash. Not with
 * g_log_set_always_fatal(): GLib stops on a fatal message with SIGTRAP,
 * which libFuzzer does not catch, so it would keep no crash input. */
static GLogWriterOutput
abort_on_critical (GLogLevelFlags   log_level,
                   const GLogField *fields,
                   gsize            n_fields,
                   gpointer         user_data)
{
  GLogWriterOutput output = g_log_writer_default (log_level, fields, n_fields, user_data);

  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    abort ();
  return output;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
cleanup (void)
{
  g_clear_pointer (&fuzz_access, crm_server_access_free);
  g_clear_pointer (&fuzz_db, crm_server_db_free);
  if (fuzz_dir)
    remove_tree (fuzz_dir);
  g_clear_pointer (&fuzz_dir, g_free);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *user_id = NULL;

  /* GSlice's magazines hide use-after-free from AddressSanitizer (JsonNode
   * and JsonObject are slice-allocated in json-glib 1.6), and GSlice reads
   * G_SLICE when GLib starts: set it and start again. */
  if (g_getenv ("G_SLICE") == NULL)
    {
      g_setenv ("G_SLICE", "always-malloc", TRUE);
      execv ("/proc/self/exe", *argv);
      fprintf (stderr, "fuzz-request: cannot re-execute with G_SLICE=always-malloc; continuing\n");
    }

  /* FUZZ_REQUEST_BODY_UTF8=1: refuse bodies whose parsed strings are not
   * UTF-8, as read_json_body() should (see is_tree_utf8()) */
  body_utf8_check = g_strcmp0 (g_getenv ("FUZZ_REQUEST_BODY_UTF8"), "1") == 0;

  g_log_set_writer_func (abort_on_critical, NULL, NULL);

  if (!crm_server_auth_init (&error) ||
      !(fuzz_dir = g_dir_make_tmp ("crm-fuzz-request-XXXXXX", &error)))
    contract_broken ("setup: %s", error->message);
  atexit (cleanup);
  path = g_build_filename (fuzz_dir, "crm-server.db", NULL);
  if (!(fuzz_db = crm_server_db_open (path, &error)) ||
      !crm_server_add_user (fuzz_db, "fuzz", "admin", NULL, "fuzz-password", &user_id, &error) ||
      !(fuzz_access = crm_server_access_load (fuzz_db, user_id, &error)))
    contract_broken ("setup: %s", error->message);
  return 0;
}

/* The codec's own output must decode, to the same thing */
static void
check_round_trip (const CrmEntity *entity,
                  CrmRecord       *record)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) encoded = crm_record_to_json (record);
  g_autoptr(CrmRecord) again = crm_record_new_from_json (entity, encoded, &error);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  first = json_to_string (encoded, FALSE);
  if (again == NULL)
    contract_broken ("%s: the codec's own output does not decode (%s): %s",
                     entity->name, error ? error->message : "no error", first);
  second = crm_record_to_json_string (again, FALSE);
  if (!g_str_equal (first, second))
    contract_broken ("%s: decoding the canonical form changed it:\n  %s\n  %s", entity->name, first, second);
}

static void
decode_record (const CrmEntity *entity,
               JsonNode        *node)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmRecord) record = crm_record_new_from_json (entity, node, &error);

  if ((record == NULL) == (error == NULL))
    contract_broken ("crm_record_new_from_json (%s): %s and %s", entity->name,
                     record ? "a record" : "no record", error ? "an error" : "no error");
  if (record)
    check_round_trip (entity, record);
}

static void
decode_records (JsonNode *root)
{
  guint n_entities;
  const CrmEntity * const *entities = crm_entity_list_all (&n_entities);

  for (guint i = 0; i < n_entities; i++)
    {
      decode_record (entities[i], root);
      if (JSON_NODE_HOLDS_ARRAY (root))
        {
          JsonArray *array = json_node_get_array (root);

          for (guint j = 0; j < json_array_get_length (array); j++)
            decode_record (entities[i], json_array_get_element (array, j));
        }
    }
}

/* json_object_get_string_member_with_default() is critical about a
 * member that is there but not a value */
static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* A record in a push result is what the server stored: it must decode */
static void
check_result_record (JsonNode *mutation,
                     JsonNode *result)
{
  JsonNode *record = json_object_get_member (json_node_get_object (result), "record");
  const char *name = NULL;
  const CrmEntity *entity;
  guint n_entities;
  const CrmEntity * const *entities;

  if (record == NULL || JSON_NODE_HOLDS_NULL (record))
    return;
  if (JSON_NODE_HOLDS_OBJECT (mutation))
    name = member_string (json_node_get_object (mutation), "entity");
  /* The result of a reused mutation id may be another entity's */
  if ((entity = crm_entity_lookup (name)))
    {
      g_autoptr(CrmRecord) decoded = crm_record_new_from_json (entity, record, NULL);

      if (decoded)
        return;
    }
  entities = crm_entity_list_all (&n_entities);
  for (guint i = 0; i < n_entities; i++)
    {
      g_autoptr(CrmRecord) decoded = crm_record_new_from_json (entities[i], record, NULL);

      if (decoded)
        return;
    }
  {
    g_autofree char *text = json_to_string (record, FALSE);

    contract_broken ("push stored a record no entity can decode: %s", text);
  }
}

static char *
push (JsonNode *root)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = crm_server_push (fuzz_db, fuzz_access, root, &error);
  g_autofree char *text = NULL;
  JsonArray *mutations;
  JsonArray *results;

  if ((response == NULL) == (error == NULL))
    contract_broken ("crm_server_push: %s and %s (handle_push would then %s)",
                     response ? "a response" : "no response", error ? "an error" : "no error",
                     error ? "leak it" : "pass a NULL GError to respond_error()");
  if (response == NULL)
    {
      /* Only the shape of the body is the client's fault */
      if (crm_server_error_status (error) != 400)
        contract_broken ("crm_server_push failed: %s", error->message);
      return NULL;
    }

  mutations = json_object_get_array_member (json_node_get_object (root), "mutations");
  results = json_object_get_array_member (json_node_get_object (response), "results");
  if (results == NULL || json_array_get_length (results) != json_array_get_length (mutations))
    contract_broken ("crm_server_push: not one result per mutation");
  for (guint i = 0; i < json_array_get_length (results); i++)
    {
      JsonNode *result = json_array_get_element (results, i);
      const char *status;

      if (!JSON_NODE_HOLDS_OBJECT (result) ||
          !(status = member_string (json_node_get_object (result), "status")))
        contract_broken ("crm_server_push: result %u has no status", i);
      if (!g_str_equal (status, "applied") && !g_str_equal (status, "merged") &&
          !g_str_equal (status, "conflict") && !g_str_equal (status, "rejected"))
        contract_broken ("crm_server_push: result %u has status “%s”", i, status);
      check_result_record (json_array_get_element (mutations, i), result);
    }
  text = json_to_string (response, FALSE);
  /* The server sends it as application/json: RFC 8259 says UTF-8 */
  if (!g_utf8_validate (text, -1, NULL))
    contract_broken ("crm_server_push answered with invalid UTF-8: %s", text);
  return g_steal_pointer (&text);
}

static gsize
skip_space (const char *text,
            gsize       i,
            gsize       size)
{
  while (i < size && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
    i++;
  return i;
}

/* Whether @text is one JSON value and nothing else.
 *
 * json-glib 1.6 accepts several top-level values ("{…}{…}", "[…] […]",
 * "var a = […]; […]"), keeps the first and leaks the trees of the others;
 * read_json_body() has the same leak (see the report). Such an input runs
 * exactly what its first value alone runs, so skipping it loses nothing
 * and keeps the fuzzer on Crm's bugs. Brackets inside "…" and '…' strings
 * and comments are not counted, as json-glib's scanner does not. When in
 * doubt this says no: a skipped input only costs a little coverage. */
static gboolean
is_single_value (const char *text,
                 gsize       size)
{
  gsize i = skip_space (text, 0, size);
  guint depth = 0;

  if (i == size)
    return FALSE;
  if (text[i] != '{' && text[i] != '[')
    {
      /* A scalar: one token */
      if (text[i] == '"')
        {
          for (i++; i < size && text[i] != '"'; i++)
            if (text[i] == '\\')
              i++;
          i++;
        }
      else
        while (i < size && strchr (" \t\n\r{}[],:\"'/", text[i]) == NULL)
          i++;
      return i <= size && skip_space (text, i, size) == size;
    }

  for (; i < size; i++)
    {
      switch (text[i])
        {
        case '{':
        case '[':
          depth++;
          break;
        case '}':
        case ']':
          if (--depth == 0)
            return skip_space (text, i + 1, size) == size;
          break;
        case '"':
          for (i++; i < size && text[i] != '"'; i++)
            if (text[i] == '\\')
              i++;
          break;
        case '\'':
          for (i++; i < size && text[i] != '\''; i++)
            ;
          break;
        case '/':
          if (i + 1 < size && text[i + 1] == '*')
            {
              const char *end = g_strstr_len (text + i + 2, size - i - 2, "*/");

              if (end == NULL)
                return FALSE;
              i = end + 1 - text;
            }
          break;
        default:
          break;
        }
    }
  return FALSE;
}

/* The code point of the \u escape whose hex digits start at @i, as
 * json-glib 1.6 reads it: up to 4 hex digits, a short run ending at (and
 * swallowing) the first other character and counting as if padded with
 * zeros ("\udd-" is U+DD00). *end is where the scanner goes on. */
static gunichar
scan_unichar (const char *text,
              gsize       i,
              gsize       size,
              gsize      *end)
{
  gunichar value = 0;

  for (guint k = 0; k < 4; k++, i++)
    {
      int digit = i < size ? g_ascii_xdigit_value (text[i]) : -1;

      if (digit < 0)
        {
          i++;
          break;
        }
      value |= (gunichar) digit << ((3 - k) * 4);
    }
  *end = i;
  return value;
}

/* Whether json-glib 1.6 leaks on @text: a \u escape of a surrogate
 * followed at once by a \u escape that does not complete a pair
 * ("\ud83d\u0041", "\udc00\udc00", "\ud83d\uZZZZ", "\udd-\ude00") fails with
 * "malformed surrogate pair" and leaks the string being scanned (see the
 * report). Every backslash is looked at, escaped or not: when in doubt,
 * skip. A lone surrogate is left in: it does not leak (but see
 * is_tree_utf8()). */
static gboolean
has_malformed_surrogate_pair (const char *text,
                              gsize       size)
{
  for (gsize i = 0; i + 2 < size; i++)
    {
      gunichar high, low;
      gsize next;

      if (text[i] != '\\' || text[i + 1] != 'u' || !g_ascii_isxdigit (text[i + 2]))
        continue;
      high = scan_unichar (text, i + 2, size, &next);
      if (high < 0xd800 || high > 0xdfff)
        continue;
      if (next + 1 >= size || text[next] != '\\' || text[next + 1] != 'u')
        continue;
      low = scan_unichar (text, next + 2, size, &next);
      if (!(high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff))
        return TRUE;
    }
  return FALSE;
}

/* json-glib 1.6 turns a lone surrogate escape ("\ud800") into invalid
 * UTF-8 (and drops the character after it), although the body itself is
 * valid UTF-8; read_json_body() does not look, so such strings reach the
 * store and the responses. A body a fixed read_json_body() would refuse
 * is skipped when FUZZ_REQUEST_BODY_UTF8=1. */
static gboolean
is_tree_utf8 (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;

        json_object_iter_init (&iter, object);
        while (json_object_iter_next (&iter, &name, &member))
          if (!g_utf8_validate (name, -1, NULL) || !is_tree_utf8 (member))
            return FALSE;
        return TRUE;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        for (guint i = 0; i < json_array_get_length (array); i++)
          if (!is_tree_utf8 (json_array_get_element (array, i)))
            return FALSE;
        return TRUE;
      }
    case JSON_NODE_VALUE:
      return json_node_get_value_type (node) != G_TYPE_STRING ||
             g_utf8_validate (json_node_get_string (node), -1, NULL);
    case JSON_NODE_NULL:
    default:
      return TRUE;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *first = NULL;
  g_autofree char *again = NULL;

  /* As read_json_body(): too large, not UTF-8 (which includes NUL bytes),
   * not JSON or empty is a 4xx before anything else runs */
  if (size > CRM_SERVER_MAX_BODY || !g_utf8_validate ((const char *) data, size, NULL) ||
      !is_single_value ((const char *) data, size) ||
      has_malformed_surrogate_pair ((const char *) data, size))
    return 0;
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, (const char *) data, size, NULL) ||
      json_parser_get_root (parser) == NULL)
    return 0;
  root = json_node_copy (json_parser_get_root (parser));
  if (body_utf8_check && !is_tree_utf8 (root))
    return 0;

  decode_records (root);

  first = push (root);
  again = push (root);
  if (g_strcmp0 (first, again) != 0)
    contract_broken ("a retried push was answered differently:\n  %s\n  %s",
                     first ? first : "(error)", again ? again : "(error)");
  return 0;
}
