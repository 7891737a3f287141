/* crm-cli-contacts.c: the import and export commands of crm-cli
 *
 *   crm-cli import FILE [--format vcard|csv] [--duplicates merge|skip] [--json]
 *   crm-cli export contacts FILE [--format vcard|vcard3|csv]
 *
 * The format comes from the file's extension (.vcf, .vcard, .csv) unless
 * --format names it. A file that cannot be read as contacts is a wrong
 * value (exit status 2) with the line at fault, and nothing is written.
 * When the file repeats e-mail addresses the profile has, --duplicates
 * says what to do; without it a terminal is asked, and a script is told
 * to choose (exit status 2, nothing written).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <unistd.h>

#include "crm-cli-contacts.h"
#include "crm-cli-util.h"
#include "crm-contacts-io.h"
#include "crm-store.h"

static struct
{
  char     *format;
  char     *duplicates;
  gboolean  json;
} contacts_options;

static const GOptionEntry import_entries[] = {
  { "format", 0, 0, G_OPTION_ARG_STRING, &contacts_options.format,
    N_("The file’s format, when its name does not end in .vcf, .vcard or .csv"), N_("vcard|csv") },
  { "duplicates", 0, 0, G_OPTION_ARG_STRING, &contacts_options.duplicates,
    N_("What to do with contacts whose e-mail address is already here: merge them into the "
       "existing contact, or skip them"), N_("merge|skip") },
  { "json", 0, 0, G_OPTION_ARG_NONE, &contacts_options.json, N_("Print JSON"), NULL },
  { NULL }
};

static const GOptionEntry export_entries[] = {
  { "format", 0, 0, G_OPTION_ARG_STRING, &contacts_options.format,
    N_("vcard (4.0), vcard3 (3.0) or csv; by default the file’s extension says"), N_("FORMAT") },
  { NULL }
};

/* Helpers *************************************************************/

/* A file that is not contacts, or a value a contact cannot hold, is a
 * wrong value (2); a store that cannot be written is work not done (1) */
static int
fail_error (const char   *path,
            const GError *error)
{
  int status = 1;

  if (error->domain == CRM_CONTACTS_IO_ERROR || error->domain == CRM_ENTITY_ERROR)
    status = CRM_CLI_EXIT_USAGE;
  if (path && error->domain == CRM_CONTACTS_IO_ERROR && error->code != CRM_CONTACTS_IO_ERROR_FORMAT)
    return crm_cli_fail (status, "%s: %s", path, error->message);
  return crm_cli_fail (status, "%s", error->message);
}

static void
clear_options (void)
{
  g_clear_pointer (&contacts_options.format, g_free);
  g_clear_pointer (&contacts_options.duplicates, g_free);
}

static gboolean
choose_format (const char         *path,
               CrmContactsFormat  *format,
               GError            **error)
{
  if (contacts_options.format)
    return crm_contacts_format_from_name (contacts_options.format, format, error);
  return crm_contacts_format_from_path (path, format, error);
}

/* Asks on the terminal; FALSE when there is none to ask */
static gboolean
ask_choice (CrmImportPlan      *plan,
            CrmDuplicateChoice *choice)
{
  guint n = crm_import_plan_get_n_duplicates (plan);
  char answer[64];

  if (!isatty (STDIN_FILENO) || !isatty (STDERR_FILENO))
    return FALSE;
  for (guint i = 0; i < n && i < 10; i++)
    {
      guint line;
      const char *email;
      const char *existing;

      crm_import_plan_get_duplicate (plan, i, &line, &email, &existing);
      g_printerr (existing ? _("line %u: %s is already contact %s\n")
                           : _("line %u: %s is also on an earlier line%s\n"),
                  line, email, existing ? existing : "");
    }
  if (n > 10)
    g_printerr (_("… and %u more\n"), n - 10);

  for (;;)
    {
      g_printerr (ngettext ("%u contact is already here. [M]erge or [s]kip? ",
                            "%u contacts are already here. [M]erge or [s]kip them? ", n), n);
      if (fgets (answer, sizeof answer, stdin) == NULL)
        return FALSE;
      g_strstrip (answer);
      if (*answer == '\0' || g_ascii_strncasecmp (answer, "m", 1) == 0)
        {
          *choice = CRM_DUPLICATE_MERGE;
          return TRUE;
        }
      if (g_ascii_strncasecmp (answer, "s", 1) == 0)
        {
          *choice = CRM_DUPLICATE_SKIP;
          return TRUE;
        }
    }
}

static void
print_result (CrmImportPlan         *plan,
              const CrmImportResult *result)
{
  const char * const *ignored = crm_import_plan_get_ignored_columns (plan);

  if (contacts_options.json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *text = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "contacts");
      json_builder_add_int_value (builder, crm_import_plan_get_n_contacts (plan));
      json_builder_set_member_name (builder, "created");
      json_builder_add_int_value (builder, result->created);
      json_builder_set_member_name (builder, "merged");
      json_builder_add_int_value (builder, result->merged);
      json_builder_set_member_name (builder, "skipped");
      json_builder_add_int_value (builder, result->skipped);
      json_builder_set_member_name (builder, "accounts_created");
      json_builder_add_int_value (builder, result->accounts_created);
      json_builder_set_member_name (builder, "ignored_columns");
      json_builder_begin_array (builder);
      for (guint i = 0; ignored[i]; i++)
        json_builder_add_string_value (builder, ignored[i]);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      text = json_to_string (root, TRUE);
      g_print ("%s\n", text);
      return;
    }

  if (ignored[0])
    {
      g_autofree char *names = g_strjoinv (", ", (char **) ignored);

      g_printerr (_("crm-cli: ignored the columns %s\n"), names);
    }
  g_print (_("created %u, merged %u, skipped %u"), result->created, result->merged, result->skipped);
  if (result->accounts_created)
    g_print (ngettext ("; %u new account", "; %u new accounts", result->accounts_created),
             result->accounts_created);
  g_print ("\n");
}

/* Public API **********************************************************/

const GOptionEntry *
crm_cli_contacts_entries (gboolean import)
{
  return import ? import_entries : export_entries;
}

int
crm_cli_contacts_import_run (const char  *data_dir,
                             const char  *profile,
                             int          argc,
                             char       **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmImportPlan) plan = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autofree char *data = NULL;
  CrmImportResult result;
  CrmContactsFormat format;
  CrmDuplicateChoice choice = CRM_DUPLICATE_MERGE;
  gsize length;
  int status = 0;

  if (argc != 1)
    status = crm_cli_fail (CRM_CLI_EXIT_USAGE, _("import needs one file, e.g. crm-cli import contacts.vcf"));
  else if (contacts_options.duplicates && !g_str_equal (contacts_options.duplicates, "merge") &&
           !g_str_equal (contacts_options.duplicates, "skip"))
    status = crm_cli_fail (CRM_CLI_EXIT_USAGE, _("--duplicates takes merge or skip, not “%s”"), contacts_options.duplicates);
  else if (contacts_options.format && g_ascii_strcasecmp (contacts_options.format, "vcard3") == 0)
    status = crm_cli_fail (CRM_CLI_EXIT_USAGE, _("--format takes vcard or csv; a vCard file says its own version"));
  else if (!choose_format (argv[0], &format, &error))
    status = fail_error (NULL, error);
  else if (!g_file_get_contents (argv[0], &data, &length, &error))
    status = crm_cli_fail (1, "%s", error->message);
  else if (!(plan = crm_import_plan_parse (format, data, length, &error)))
    status = fail_error (argv[0], error);
  else if (!(store = crm_cli_open_store (data_dir, profile, &error)) ||
           !crm_import_plan_find_duplicates (plan, store, &error))
    status = fail_error (NULL, error);

  if (status == 0 && crm_import_plan_get_n_duplicates (plan) > 0)
    {
      if (contacts_options.duplicates)
        choice = g_str_equal (contacts_options.duplicates, "skip") ? CRM_DUPLICATE_SKIP : CRM_DUPLICATE_MERGE;
      else if (!ask_choice (plan, &choice))
        {
          guint line;
          const char *email;

          crm_import_plan_get_duplicate (plan, 0, &line, &email, NULL);
          status = crm_cli_fail (CRM_CLI_EXIT_USAGE,
                         ngettext ("%s: %u contact has an e-mail address that is already here "
                                   "(line %u: %s); choose --duplicates merge or --duplicates skip",
                                   "%s: %u contacts have e-mail addresses that are already here "
                                   "(the first on line %u: %s); choose --duplicates merge or --duplicates skip",
                                   crm_import_plan_get_n_duplicates (plan)),
                         argv[0], crm_import_plan_get_n_duplicates (plan), line, email);
        }
    }

  if (status == 0)
    {
      if (crm_import_plan_apply (plan, store, choice, &result, &error))
        print_result (plan, &result);
      else
        status = fail_error (NULL, error);
    }
  clear_options ();
  return status;
}

int
crm_cli_contacts_export_run (const char  *data_dir,
                             const char  *profile,
                             int          argc,
                             char       **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autofree char *text = NULL;
  CrmContactsFormat format;
  guint n = 0;
  int status = 0;

  if (argc != 2 || !g_str_equal (argv[0], "contacts"))
    status = crm_cli_fail (CRM_CLI_EXIT_USAGE, _("export needs contacts and a file, e.g. crm-cli export contacts contacts.vcf"));
  else if (g_str_equal (argv[1], "-") && contacts_options.format == NULL)
    status = crm_cli_fail (CRM_CLI_EXIT_USAGE, _("--format is needed to write to standard output"));
  else if (!choose_format (argv[1], &format, &error))
    status = fail_error (NULL, error);
  else if (!(store = crm_cli_open_store (data_dir, profile, &error)) ||
           !(text = crm_contacts_export (store, NULL, format, &n, &error)))
    status = fail_error (NULL, error);
  else if (g_str_equal (argv[1], "-"))
    fputs (text, stdout);
  else if (!g_file_set_contents (argv[1], text, -1, &error))
    status = crm_cli_fail (1, "%s", error->message);
  else
    g_print (ngettext ("exported %u contact\n", "exported %u contacts\n", n), n);

  clear_options ();
  return status;
}
