/* crm-cli.c: the core from a shell
 *
 * crm-cli [--data-dir DIR] [--profile NAME] COMMAND [ARGS…]
 *
 * Exit status: 0 on success, 1 when the work could not be done (a record
 * that does not exist, a database that cannot be written), 2 for a wrong
 * command line or value, in which case nothing was written.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <unistd.h>

#include "crm-cli-contacts.h"
#include "crm-cli-forecast.h"
#include "crm-cli-quote.h"
#include "crm-cli-util.h"
#include "crm-credentials.h"
#include "crm-demo.h"
#include "crm-http.h"
#include "crm-json.h"
#include "crm-money.h"
#include "crm-profile.h"
#include "crm-quote-pdf.h"
#include "crm-quote-record.h"
#include "crm-quote.h"
#include "crm-store.h"
#include "crm-sync.h"
#include "crm-terminal.h"

typedef struct
{
  char     *data_dir;
  char     *profile;
  gboolean  json;
  char     *search;
  int       limit;
  char     *server;
  char     *user;
  gboolean  remember_password;
  char     *trust_fingerprint;
  char     *keep;
  gboolean  explain;
} Options;

typedef struct
{
  const char *name;
  const char *args;
  const char *summary;
  int       (*run) (Options *options, int argc, char **argv);
} Command;

static Options options;

/* Output helpers ******************************************************/

static int
fail_error (const GError *error)
{
  int status = 1;

  if (error->domain == CRM_ENTITY_ERROR || error->domain == CRM_DECIMAL_ERROR ||
      error->domain == CRM_QUOTE_ERROR ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT))
    status = CRM_CLI_EXIT_USAGE;
  return crm_cli_fail (status, "%s", error->message);
}

static void
print_json (JsonNode *node)
{
  g_autofree char *text = json_to_string (node, TRUE);

  g_print ("%s\n", text);
}

static char *
value_to_text (JsonNode *value)
{
  if (value == NULL || JSON_NODE_HOLDS_NULL (value))
    return g_strdup ("");
  if (JSON_NODE_HOLDS_ARRAY (value))
    {
      JsonArray *array = json_node_get_array (value);
      g_autoptr(GString) out = g_string_new (NULL);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonObject *item = json_array_get_object_element (array, i);

          if (item && json_object_has_member (item, "value"))
            g_string_append_printf (out, "%s%s", out->len ? ", " : "",
                                    json_object_get_string_member (item, "value"));
          else if (item && json_object_has_member (item, "description"))
            g_string_append_printf (out, "%s%s", out->len ? "; " : "",
                                    json_object_get_string_member (item, "description"));
        }
      return g_string_free (g_steal_pointer (&out), FALSE);
    }
  if (json_node_get_value_type (value) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (value));
  if (json_node_get_value_type (value) == G_TYPE_BOOLEAN)
    return g_strdup (json_node_get_boolean (value) ? "yes" : "no");
  return json_to_string (value, FALSE);
}

/* The columns `list` shows, after the id */
static const struct {
  const char *entity;
  const char *columns[5];
} list_columns[] = {
  { "users", { "name", "email", "role" } },
  { "accounts", { "name", "industry", "phone" } },
  { "contacts", { "first_name", "last_name", "title", "emails" } },
  { "stages", { "position", "name", "probability", "forecast_category" } },
  { "opportunities", { "name", "amount", "currency", "expected_close_date" } },
  { "activities", { "kind", "subject", "due_at", "done" } },
  { "products", { "sku", "name", "unit_price", "currency" } },
  { "quotes", { "number", "revision", "status", "currency" } },
  { "quotas", { "period", "amount", "currency" } },
  { "forecast_adjustments", { "period", "category", "amount", "currency" } },
  { "currencies", { "code", "name", "symbol" } },
  { "exchange_rates", { "currency", "base_currency", "rate", "effective_date" } },
};

static void
print_row (CrmRecord *record)
{
  const char *entity = crm_record_get_entity (record)->name;
  g_autoptr(GString) line = g_string_new (crm_record_get_id (record));

  for (guint i = 0; i < G_N_ELEMENTS (list_columns); i++)
    {
      if (!g_str_equal (list_columns[i].entity, entity))
        continue;
      for (guint j = 0; list_columns[i].columns[j]; j++)
        {
          g_autofree char *text = value_to_text (crm_record_get_field (record, list_columns[i].columns[j]));
          g_string_append_printf (line, "\t%s", text);
        }
    }
  g_print ("%s\n", line->str);
}

/* Helpers *************************************************************/

static CrmStore *
open_store (GError **error)
{
  return crm_cli_open_store (options.data_dir, options.profile, error);
}

/* Commands ************************************************************/

static int
run_create (Options  *opts,
            int       argc,
            char    **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) fields = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(CrmRecord) record = NULL;
  const CrmEntity *entity;

  if (argc < 1)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("create needs an entity, e.g. crm-cli create contacts first_name=Ada"));
  if (!(entity = crm_entity_lookup_checked (argv[0], &error)) ||
      !(fields = crm_cli_parse_assignments (entity, argc - 1, argv + 1, TRUE, &error)) ||
      !(store = open_store (&error)) ||
      !(record = crm_store_create (store, entity->name, fields, &error)))
    return fail_error (error);

  if (opts->json)
    {
      g_autoptr(JsonNode) node = crm_record_to_json (record);
      print_json (node);
    }
  else
    g_print ("%s\n", crm_record_get_id (record));
  return 0;
}

static int
run_update (Options  *opts,
            int       argc,
            char    **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) fields = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(CrmRecord) record = NULL;
  const CrmEntity *entity;

  if (argc < 2)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("update needs an entity and an id, e.g. crm-cli update contacts ID title=CTO"));
  if (!(entity = crm_entity_lookup_checked (argv[0], &error)) ||
      !(fields = crm_cli_parse_assignments (entity, argc - 2, argv + 2, FALSE, &error)))
    return fail_error (error);
  if (!crm_is_uuid (argv[1]))
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("“%s” is not a record id"), argv[1]);
  if (!(store = open_store (&error)) ||
      !(record = crm_store_update (store, entity->name, argv[1], fields, &error)))
    return fail_error (error);

  if (opts->json)
    {
      g_autoptr(JsonNode) node = crm_record_to_json (record);
      print_json (node);
    }
  return 0;
}

static int
run_delete (Options  *opts,
            int       argc,
            char    **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  const CrmEntity *entity;

  if (argc != 2)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("delete needs an entity and an id, e.g. crm-cli delete contacts ID"));
  if (!(entity = crm_entity_lookup_checked (argv[0], &error)))
    return fail_error (error);
  if (!crm_is_uuid (argv[1]))
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("“%s” is not a record id"), argv[1]);
  if (!(store = open_store (&error)) ||
      !crm_store_delete (store, entity->name, argv[1], &error))
    return fail_error (error);
  return 0;
}

static int
run_list (Options  *opts,
          int       argc,
          char    **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(GPtrArray) records = NULL;
  const CrmEntity *entity;

  if (argc != 1)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("list needs one entity, e.g. crm-cli list contacts"));
  if (opts->limit < 0)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("--limit must be 0 or more"));
  if (!(entity = crm_entity_lookup_checked (argv[0], &error)) ||
      !(store = open_store (&error)) ||
      !(records = crm_store_list (store, entity->name, opts->search, opts->limit, 0, &error)))
    return fail_error (error);

  if (opts->json)
    {
      g_autoptr(JsonArray) array = json_array_sized_new (records->len);
      g_autoptr(JsonNode) node = NULL;

      for (guint i = 0; i < records->len; i++)
        json_array_add_element (array, crm_record_to_json (g_ptr_array_index (records, i)));
      node = json_node_init_array (json_node_alloc (), array);
      print_json (node);
    }
  else
    for (guint i = 0; i < records->len; i++)
      print_row (g_ptr_array_index (records, i));
  return 0;
}

static int
run_show (Options  *opts,
          int       argc,
          char    **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(CrmRecord) record = NULL;
  g_autoptr(JsonNode) node = NULL;
  const CrmEntity *entity;
  JsonObject *object;
  g_autoptr(GList) members = NULL;

  if (argc != 2)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("show needs an entity and an id, e.g. crm-cli show contacts ID"));
  if (!(entity = crm_entity_lookup_checked (argv[0], &error)))
    return fail_error (error);
  if (!crm_is_uuid (argv[1]))
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("“%s” is not a record id"), argv[1]);
  if (!(store = open_store (&error)) ||
      !(record = crm_store_get (store, entity->name, argv[1], &error)))
    return fail_error (error);

  node = crm_record_to_json (record);
  if (opts->json)
    {
      print_json (node);
      return 0;
    }

  object = json_node_get_object (node);
  members = json_object_get_members (object);
  for (const GList *l = members; l; l = l->next)
    {
      g_autofree char *text = value_to_text (json_object_get_member (object, l->data));
      g_print ("%-20s %s\n", (const char *) l->data, text);
    }
  return 0;
}

static int
run_status (Options  *opts,
            int       argc,
            char    **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  CrmStoreStatus status;
  const CrmEntity * const *entities;
  guint n_entities;

  if (argc != 0)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("status takes no arguments"));
  if (!(store = open_store (&error)) ||
      !crm_store_get_status (store, &status, &error))
    return fail_error (error);

  entities = crm_entity_list_all (&n_entities);
  if (opts->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "pending");
      json_builder_add_int_value (builder, status.pending);
      json_builder_set_member_name (builder, "conflicts");
      json_builder_add_int_value (builder, status.conflicts);
      json_builder_set_member_name (builder, "rejected");
      json_builder_add_int_value (builder, status.rejected);
      json_builder_set_member_name (builder, "profile");
      json_builder_add_string_value (builder, opts->profile ? opts->profile : "default");
      json_builder_set_member_name (builder, "database");
      json_builder_add_string_value (builder, crm_store_get_path (store));
      json_builder_set_member_name (builder, "schema_version");
      json_builder_add_int_value (builder, crm_store_get_schema_version (store));
      json_builder_set_member_name (builder, "records");
      json_builder_begin_object (builder);
      for (guint i = 0; i < n_entities; i++)
        {
          json_builder_set_member_name (builder, entities[i]->name);
          json_builder_add_int_value (builder, crm_store_count (store, entities[i]->name, NULL));
        }
      json_builder_end_object (builder);
      json_builder_end_object (builder);
      node = json_builder_get_root (builder);
      print_json (node);
      return 0;
    }

  g_print (_("Profile:          %s\n"), opts->profile ? opts->profile : "default");
  g_print (_("Database:         %s\n"), crm_store_get_path (store));
  g_print (_("Pending changes:  %u\n"), status.pending);
  g_print (_("Rejected changes: %u\n"), status.rejected);
  g_print (_("Conflicts:        %u\n"), status.conflicts);
  g_print (_("Records:\n"));
  for (guint i = 0; i < n_entities; i++)
    g_print ("  %-22s %" G_GINT64_FORMAT "\n", entities[i]->name,
             crm_store_count (store, entities[i]->name, NULL));
  return 0;
}

static int
run_fields (Options  *opts,
            int       argc,
            char    **argv)
{
  g_autoptr(GError) error = NULL;
  const CrmEntity *entity;

  if (argc != 1)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("fields needs one entity, e.g. crm-cli fields contacts"));
  if (!(entity = crm_entity_lookup_checked (argv[0], &error)))
    return fail_error (error);

  for (guint i = 0; i < entity->n_fields; i++)
    {
      const CrmField *field = &entity->fields[i];
      g_autofree char *choices = field->choices ? g_strjoinv ("|", (char **) field->choices) : NULL;

      g_print ("%-22s %-15s%s%s%s%s%s\n", field->name, crm_field_type_to_string (field->type),
               (field->flags & CRM_FIELD_FLAG_REQUIRED) ? _(" required") : "",
               choices ? " " : "", choices ? choices : "",
               field->type == CRM_FIELD_REF ? " " : "", field->type == CRM_FIELD_REF ? field->related : "");
    }
  return 0;
}

static int
run_outbox (Options  *opts,
            int       argc,
            char    **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(JsonNode) outbox = NULL;
  JsonArray *array;

  /* A change the server refused: send it again, or give it up */
  if (argc == 2 && (g_str_equal (argv[0], "retry") || g_str_equal (argv[0], "discard")))
    {
      gboolean retry = g_str_equal (argv[0], "retry");

      if (!(store = open_store (&error)) ||
          !(retry ? crm_store_retry_rejected (store, argv[1], &error)
                  : crm_store_discard_rejected (store, argv[1], &error)))
        return fail_error (error);
      g_print (retry ? _("Queued again; it goes with the next sync\n") : _("Discarded; the record is as it was before\n"));
      return 0;
    }
  if (argc != 0)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("outbox takes no arguments, or retry|discard MUTATION_ID for a refused change"));
  if (!(store = open_store (&error)) ||
      !(outbox = crm_store_dup_outbox (store, &error)))
    return fail_error (error);

  if (opts->json)
    {
      print_json (outbox);
      return 0;
    }
  array = json_node_get_array (outbox);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *entry = json_array_get_object_element (array, i);
      g_autoptr(GList) fields = json_object_get_members (json_object_get_object_member (entry, "fields"));
      g_autoptr(GString) names = g_string_new (NULL);

      for (const GList *l = fields; l; l = l->next)
        g_string_append_printf (names, "%s%s", names->len ? "," : "", (const char *) l->data);
      g_print ("%s\t%s\t%s\t%s\t%s\n",
               json_object_get_string_member (entry, "op"),
               json_object_get_string_member (entry, "entity"),
               json_object_get_string_member (entry, "id"),
               json_object_get_string_member (entry, "state"),
               names->str);
    }
  return 0;
}

static gboolean
profile_has_records (CrmStore *store)
{
  guint n_entities;
  const CrmEntity * const *entities = crm_entity_list_all (&n_entities);

  for (guint i = 0; i < n_entities; i++)
    if (crm_store_count (store, entities[i]->name, NULL) != 0)
      return TRUE;
  return FALSE;
}

static int
run_demo (Options  *opts,
          int       argc,
          char    **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  CrmDemoSize size = CRM_DEMO_SIZE_FULL;

  if (argc != 0)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("demo takes no arguments"));
  if (!(store = open_store (&error)))
    return fail_error (error);
  if (crm_demo_is_seeded (store))
    {
      g_print (_("The demo company is already in %s\n"), crm_store_get_path (store));
      return 0;
    }
  if (profile_has_records (store))
    return crm_cli_fail (1, _("Profile “%s” already holds records; use a new profile for the demo"),
                 opts->profile ? opts->profile : "default");
  if (!crm_demo_seed (store, &size, NULL, &error))
    return fail_error (error);
  g_print (_("Seeded the demo company into %s\n"), crm_store_get_path (store));
  return 0;
}

static int
run_login (Options  *opts,
           int       argc,
           char    **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autofree char *password = NULL;
  g_autofree char *server = NULL;
  g_autofree char *fingerprint = NULL;
  g_autoptr(GUri) uri = NULL;

  if (argc != 0)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("login takes no arguments besides its options"));
  if (opts->server == NULL || opts->user == NULL)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("login needs --server URL and --user NAME"));
  if (!(uri = g_uri_parse (opts->server, G_URI_FLAGS_NONE, NULL)) ||
      (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 && g_strcmp0 (g_uri_get_scheme (uri), "https") != 0))
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("--server must be an http:// or https:// URL, not “%s”"), opts->server);
  /* One spelling per server, so the keyring finds its entry again */
  server = g_strdup (opts->server);
  while (g_str_has_suffix (server, "/"))
    server[strlen (server) - 1] = '\0';

  /* Pinned as one spelling, however the user copied it */
  if (opts->trust_fingerprint && !(fingerprint = crm_http_normalize_fingerprint (opts->trust_fingerprint, &error)))
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, "%s", error->message);

  password = crm_terminal_read_password (_("Password: "));
  if (password == NULL || *password == '\0')
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("No password given"));

  if (!(store = open_store (&error)))
    return fail_error (error);
  if (!crm_profile_login (store, server, opts->user, password, opts->remember_password,
                          fingerprint, &error))
    return crm_cli_fail (1, "%s", error->message);

  g_print (_("Logged in to %s as %s\n"), server, opts->user);
  return 0;
}

static int
run_logout (Options  *opts,
            int       argc,
            char    **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autofree char *server = NULL;
  g_autofree char *user = NULL;

  if (argc != 0)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("logout takes no arguments"));
  if (!(store = open_store (&error)))
    return fail_error (error);
  server = crm_store_dup_setting (store, "server_url");
  user = crm_store_dup_setting (store, "username");
  if (server == NULL || user == NULL)
    return crm_cli_fail (1, _("This profile is not logged in"));
  if (!crm_credentials_clear (server, user, &error))
    return crm_cli_fail (1, "%s", error->message);
  g_print (_("Logged out of %s; queued changes stay until you log in again\n"), server);
  return 0;
}

static void
progress_cb (guint    done,
             guint    total,
             gpointer user_data)
{
  if (isatty (STDERR_FILENO))
    g_printerr ("\r%u/%u", done, total);
}

static int
run_sync (Options  *opts,
          int       argc,
          char    **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  CrmSyncStats stats;

  if (argc != 0)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("sync takes no arguments"));
  if (!(path = crm_store_dup_profile_path (opts->data_dir, opts->profile ? opts->profile : "default", &error)))
    return fail_error (error);
  if (!crm_sync_run (path, progress_cb, NULL, &stats, NULL, &error))
    {
      if (isatty (STDERR_FILENO))
        g_printerr ("\n");
      return crm_cli_fail (1, "%s", error->message);
    }
  if (isatty (STDERR_FILENO))
    g_printerr ("\r");

  if (opts->json)
    g_print ("{\"pushed\": %u, \"pulled\": %u, \"conflicts\": %u, \"rejected\": %u}\n",
             stats.pushed, stats.pulled, stats.conflicts, stats.rejected);
  else if (stats.rejected)
    g_print ("pushed %u, pulled %u, conflicts %u, rejected %u\n",
             stats.pushed, stats.pulled, stats.conflicts, stats.rejected);
  else
    g_print ("pushed %u, pulled %u, conflicts %u\n", stats.pushed, stats.pulled, stats.conflicts);
  return 0;
}

static int
run_conflicts (Options  *opts,
               int       argc,
               char    **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(JsonNode) conflicts = NULL;
  JsonArray *array;

  if (argc != 0)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("conflicts takes no arguments"));
  if (!(store = open_store (&error)) ||
      !(conflicts = crm_store_dup_conflicts (store, &error)))
    return fail_error (error);

  if (opts->json)
    {
      print_json (conflicts);
      return 0;
    }
  array = json_node_get_array (conflicts);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *c = json_array_get_object_element (array, i);
      g_autofree char *original = json_to_string (json_object_get_member (c, "original"), FALSE);
      g_autofree char *mine = json_to_string (json_object_get_member (c, "mine"), FALSE);
      g_autofree char *server = json_to_string (json_object_get_member (c, "server"), FALSE);

      g_print ("%s\t%s %s\t%s\toriginal %s\tmine %s\tserver %s\n",
               json_object_get_string_member (c, "id"),
               json_object_get_string_member (c, "entity"),
               json_object_get_string_member (c, "record_id"),
               json_object_get_string_member (c, "field"),
               original, mine, server);
    }
  return 0;
}

static int
run_resolve (Options  *opts,
             int       argc,
             char    **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  gboolean keep_mine;
  guint n;

  if (argc != 1)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("resolve needs a conflict or record id, e.g. crm-cli resolve ID --keep mine"));
  if (g_strcmp0 (opts->keep, "mine") == 0)
    keep_mine = TRUE;
  else if (g_strcmp0 (opts->keep, "server") == 0)
    keep_mine = FALSE;
  else
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("resolve needs --keep mine or --keep server"));
  if (!crm_is_uuid (argv[0]))
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("“%s” is not a conflict or record id"), argv[0]);
  if (!(store = open_store (&error)))
    return fail_error (error);
  if (!(n = crm_store_resolve_conflict (store, argv[0], keep_mine, &error)))
    return fail_error (error);
  g_print (keep_mine ? _("Kept your value for %u field(s); it will be sent with the next sync\n")
                     : _("Took the server’s value for %u field(s)\n"), n);
  return 0;
}

static int
run_forecast (Options  *opts,
              int       argc,
              char    **argv)
{
  return crm_cli_forecast_run (opts->data_dir, opts->profile, argc, argv);
}

static int
run_import (Options  *opts,
            int       argc,
            char    **argv)
{
  return crm_cli_contacts_import_run (opts->data_dir, opts->profile, argc, argv);
}

static int
run_export (Options  *opts,
            int       argc,
            char    **argv)
{
  return crm_cli_contacts_export_run (opts->data_dir, opts->profile, argc, argv);
}

/* All of FILE, or of standard input for "-" */
static gboolean
read_input (const char  *path,
            char       **out_data,
            gsize       *out_length,
            GError     **error)
{
  g_autoptr(GString) data = NULL;
  char buffer[8192];
  size_t n;

  if (!g_str_equal (path, "-"))
    return g_file_get_contents (path, out_data, out_length, error);

  data = g_string_new (NULL);
  while ((n = fread (buffer, 1, sizeof buffer, stdin)) > 0)
    g_string_append_len (data, buffer, (gssize) n);
  if (ferror (stdin))
    {
      g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_IO, _("Cannot read standard input"));
      return FALSE;
    }
  *out_length = data->len;
  *out_data = g_string_free (g_steal_pointer (&data), FALSE);
  return TRUE;
}

static int
quote_totals (Options  *opts,
              int       argc,
              char    **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  gsize length;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(CrmQuote) quote = NULL;
  g_autoptr(CrmQuoteTotals) totals = NULL;
  g_autoptr(JsonNode) result = NULL;

  if (argc != 2)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("quote totals needs a file, e.g. crm-cli quote totals quote.json (- reads stdin)"));
  if (!read_input (argv[1], &data, &length, &error))
    return crm_cli_fail (1, "%s", error->message);
  if (!(root = crm_json_parse (data, length, &error)))
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("%s is not valid JSON: %s"),
                 g_str_equal (argv[1], "-") ? _("Standard input") : argv[1], error->message);
  if (!(quote = crm_quote_new_from_json (root, &error)) ||
      !(totals = crm_quote_compute (quote, &error)))
    return fail_error (error);

  result = crm_quote_totals_to_json (totals, opts->explain);
  print_json (result);
  return 0;
}

/* A text field of a related record, or NULL */
static int
quote_pdf (Options  *opts,
           int       argc,
           char    **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(CrmRecord) record = NULL;
  g_autoptr(CrmQuoteDocument) doc = NULL;

  if (argc != 3)
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("quote pdf needs a quote id and a file, e.g. crm-cli quote pdf ID quote.pdf"));
  if (!crm_is_uuid (argv[1]))
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("“%s” is not a record id"), argv[1]);
  if (!(store = open_store (&error)) ||
      !(record = crm_store_get (store, "quotes", argv[1], &error)))
    return fail_error (error);
  if (!(doc = crm_quote_document_new (store, record, &error)))
    return crm_cli_fail (1, _("Quote %s cannot be computed: %s"), argv[1], error->message);
  if (!crm_quote_pdf_write (&doc->header, doc->quote, doc->totals, argv[2], &error))
    return crm_cli_fail (1, "%s", error->message);
  return 0;
}

static int
run_quote (Options  *opts,
           int       argc,
           char    **argv)
{
  if (argc >= 1 && g_str_equal (argv[0], "totals"))
    return quote_totals (opts, argc, argv);
  if (argc >= 1 && g_str_equal (argv[0], "pdf"))
    return quote_pdf (opts, argc, argv);
  if (argc >= 1 && crm_cli_quote_handles (argv[0]))
    return crm_cli_quote_run (opts->data_dir, opts->profile, opts->explain, argc, argv);
  return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("quote needs totals FILE.json or pdf ID OUT.pdf, or create, add-line, remove-line, "
                             "move-line, send, accept, reject, revise, show or list, e.g. crm-cli quote totals quote.json"));
}

static const Command commands[] = {
  { "create", "ENTITY [id=UUID] FIELD=VALUE…", N_("Create a record and print its id"), run_create },
  { "update", "ENTITY ID FIELD=VALUE…", N_("Change fields of a record (an empty value clears one)"), run_update },
  { "delete", "ENTITY ID", N_("Delete a record"), run_delete },
  { "list", "ENTITY", N_("List records, optionally matching --search"), run_list },
  { "show", "ENTITY ID", N_("Show one record"), run_show },
  { "status", "", N_("Show pending changes and conflicts"), run_status },
  { "fields", "ENTITY", N_("Describe the fields of an entity"), run_fields },
  { "outbox", "[retry|discard MUTATION_ID]", N_("Show the changes waiting to be sent; send a refused one again or discard it"), run_outbox },
  { "demo", "", N_("Fill the profile with a sample company"), run_demo },
  { "import", "FILE.vcf|FILE.csv", N_("Import contacts from vCard or CSV (see --help)"), run_import },
  { "export", "contacts FILE.vcf|FILE.csv", N_("Write every contact to a vCard or CSV file"), run_export },
  { "login", "--server URL --user NAME", N_("Log in to a server; the password is read from the terminal or stdin"), run_login },
  { "logout", "", N_("Remove this profile’s sign-in from the keyring"), run_logout },
  { "sync", "", N_("Send local changes and fetch the server’s, once"), run_sync },
  { "conflicts", "", N_("List fields changed both here and on the server"), run_conflicts },
  { "resolve", "ID --keep mine|server", N_("Settle a conflict (or all of a record’s)"), run_resolve },
  { "quote", "totals FILE | pdf ID OUT.pdf | create | add-line | send | accept | revise | show | list …",
    N_("Compute totals (FILE - reads stdin), write a PDF, build and send quotes (see --help)"), run_quote },
  { "forecast", "[adjust|submit|history|revert ID|changes|snapshot]", N_("Show, adjust or submit a forecast, or what changed (see --help)"), run_forecast },
};

static const GOptionEntry global_entries[] = {
  { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &options.data_dir,
    N_("Keep profiles in DIR (default: $CRM_DATA_DIR or ~/.local/share/org.example.Crm)"), N_("DIR") },
  { "profile", 'p', 0, G_OPTION_ARG_STRING, &options.profile,
    N_("Use the profile NAME (default: default)"), N_("NAME") },
  { NULL }
};

static GOptionEntry *
command_entries (const Command *command)
{
  static const GOptionEntry json = {
    "json", 0, 0, G_OPTION_ARG_NONE, &options.json, N_("Print JSON"), NULL
  };
  static const GOptionEntry search = {
    "search", 's', 0, G_OPTION_ARG_STRING, &options.search,
    N_("Only records matching every word of TEXT (a word matches as you type it: “ada lov”)"), N_("TEXT")
  };
  static const GOptionEntry limit = {
    "limit", 'n', 0, G_OPTION_ARG_INT, &options.limit, N_("Show at most N records"), N_("N")
  };
  static const GOptionEntry login_entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &options.server, N_("The server’s URL"), N_("URL") },
    { "user", 0, 0, G_OPTION_ARG_STRING, &options.user, N_("Your user name"), N_("NAME") },
    { "remember-password", 0, 0, G_OPTION_ARG_NONE, &options.remember_password,
      N_("Keep the password in the keyring to renew expired sessions"), NULL },
    { "trust-fingerprint", 0, 0, G_OPTION_ARG_STRING, &options.trust_fingerprint,
      N_("Trust the server’s self-signed certificate with this SHA-256 fingerprint"), N_("SHA256") },
  };
  static const GOptionEntry keep = {
    "keep", 0, 0, G_OPTION_ARG_STRING, &options.keep, N_("Which value wins"), N_("mine|server")
  };
  static const GOptionEntry explain = {
    "explain", 0, 0, G_OPTION_ARG_NONE, &options.explain,
    N_("Add each step of the computation, in words, as \"explain\""), NULL
  };
  GArray *entries = g_array_new (TRUE, TRUE, sizeof (GOptionEntry));

  static const char * const with_json[] = {
    "create", "update", "list", "show", "status", "outbox", "sync", "conflicts", NULL
  };

  if (g_strv_contains (with_json, command->name))
    g_array_append_val (entries, json);
  if (g_str_equal (command->name, "login"))
    g_array_append_vals (entries, login_entries, G_N_ELEMENTS (login_entries));
  if (g_str_equal (command->name, "resolve"))
    g_array_append_val (entries, keep);
  if (g_str_equal (command->name, "quote"))
    {
      const GOptionEntry *quote = crm_cli_quote_entries ();

      g_array_append_val (entries, explain);
      for (guint i = 0; quote[i].long_name; i++)
        g_array_append_val (entries, quote[i]);
    }
  if (g_str_equal (command->name, "import") || g_str_equal (command->name, "export"))
    {
      const GOptionEntry *contacts = crm_cli_contacts_entries (g_str_equal (command->name, "import"));

      for (guint i = 0; contacts[i].long_name; i++)
        g_array_append_val (entries, contacts[i]);
    }
  if (g_str_equal (command->name, "forecast"))
    {
      const GOptionEntry *forecast = crm_cli_forecast_entries ();

      for (guint i = 0; forecast[i].long_name; i++)
        g_array_append_val (entries, forecast[i]);
    }
  if (g_str_equal (command->name, "list"))
    {
      g_array_append_val (entries, search);
      g_array_append_val (entries, limit);
    }
  return (GOptionEntry *) g_array_free (entries, FALSE);
}

static char *
commands_description (void)
{
  g_autoptr(GString) text = g_string_new (_("Commands:\n"));
  guint n_entities;
  const CrmEntity * const *entities = crm_entity_list_all (&n_entities);

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (text, "  %-8s %-30s %s\n", commands[i].name, commands[i].args,
                            _(commands[i].summary));
  g_string_append (text, _("\nEntities:\n "));
  for (guint i = 0; i < n_entities; i++)
    g_string_append_printf (text, " %s", entities[i]->name);
  g_string_append (text, _("\n\nRun “crm-cli COMMAND --help” for a command’s options.\n"
                           "Exit status: 0 done, 1 could not be done, 2 wrong usage or value."));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree GOptionEntry *entries = NULL;
  g_autofree char *description = NULL;
  g_autofree char *parameter = NULL;
  g_auto(GStrv) args = NULL;
  const Command *command = NULL;
  int n_args;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* The command is the first argument that is not an option or an
   * option's value, wherever the global options stand. */
  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--data-dir") || g_str_equal (argv[i], "-d") ||
          g_str_equal (argv[i], "--profile") || g_str_equal (argv[i], "-p"))
        {
          i++;
          continue;
        }
      if (argv[i][0] == '-')
        continue;
      for (guint j = 0; j < G_N_ELEMENTS (commands); j++)
        if (g_str_equal (argv[i], commands[j].name))
          command = &commands[j];
      if (command == NULL)
        return crm_cli_fail (CRM_CLI_EXIT_USAGE, _("Unknown command “%s”; run crm-cli --help"), argv[i]);
      break;
    }

  if (command)
    {
      parameter = g_strdup_printf ("%s %s", command->name, command->args);
      context = g_option_context_new (parameter);
      g_option_context_set_summary (context, _(command->summary));
      entries = command_entries (command);
      g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
    }
  else
    {
      context = g_option_context_new (_("COMMAND [ARGS…]"));
      g_option_context_set_summary (context, _("Work with Crm’s local records from a shell."));
      description = commands_description ();
      g_option_context_set_description (context, description);
    }
  g_option_context_add_main_entries (context, global_entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);

  /* strv parsing leaves "--" and values like "-5" for the command */
  args = g_strdupv (argv);
  if (!g_option_context_parse_strv (context, &args, &error))
    return crm_cli_fail (CRM_CLI_EXIT_USAGE, "%s", error->message);

  if (command == NULL)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);
      g_printerr ("%s", help);
      return CRM_CLI_EXIT_USAGE;
    }

  /* args: program, command, then the command's own arguments */
  n_args = g_strv_length (args);
  {
    int status = command->run (&options, n_args - 2, args + 2);

    g_free (options.data_dir);
    g_free (options.profile);
    g_free (options.search);
    g_free (options.server);
    g_free (options.user);
    g_free (options.trust_fingerprint);
    g_free (options.keep);
    return status;
  }
}
