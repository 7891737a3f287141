/* crm-contacts-io.c: contacts in and out as vCard and CSV
 *
 * Importing is a plan and then its application. crm_import_plan_parse()
 * reads the whole file and checks every value, touching no store, so a
 * bad file is refused with the line at fault before anything is written
 * (and it may run in a worker thread). crm_import_plan_find_duplicates()
 * matches the e-mail addresses against the store and the file itself;
 * crm_import_plan_apply() writes everything in one transaction through
 * crm_store_create() and crm_store_update(), so each contact is queued
 * for sync like any edit, and a failure leaves the store as it was.
 *
 * vCards are parsed by evolution-data-server's libebook-contacts; this
 * file only cuts a file into its cards, so that errors can name lines.
 * CSV is parsed and written with libcsv.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "crm-contacts-io"

#include "config.h"

#include <csv.h>
#include <glib/gi18n-lib.h>
#include <libebook-contacts/libebook-contacts.h>
#include <stdio.h>
#include <string.h>

#include "crm-contacts-io.h"
#include "crm-store-private.h"

G_DEFINE_QUARK (crm-contacts-io-error-quark, crm_contacts_io_error)

typedef struct
{
  guint       line;
  JsonObject *fields;     /* checked contact fields, without account_id */
  char       *account;    /* the organisation's name */
  GPtrArray  *keys;       /* its e-mail addresses, case-folded */
  int         choice;     /* a CrmDuplicateChoice, or -1: the one given to apply */
  /* What find_duplicates found: a stored contact or an earlier, new
   * entry of the file with one of the same addresses */
  char       *dup_email;
  char       *dup_id;
  int         dup_index;
} Entry;

struct _CrmImportPlan
{
  GPtrArray *entries;
  GPtrArray *ignored;     /* CSV columns that mean nothing here, NULL-terminated */
  GArray    *duplicates;  /* indexes of the entries that are duplicates */
};

/* A vCard as cut from the file: its text and where its properties start */
typedef struct
{
  guint    begin_line;
  GString *text;
  GArray  *lines;         /* guint: the line of each property */
  GPtrArray *names;       /* char *: the name of each property, upper case, without group */
} Card;

/* The CSV columns this understands, by their normalised header */
typedef enum
{
  COLUMN_IGNORED,
  COLUMN_FIRST_NAME,
  COLUMN_LAST_NAME,
  COLUMN_NAME,
  COLUMN_TITLE,
  COLUMN_ACCOUNT,
  COLUMN_EMAILS,          /* type:value,… as crm-cli takes them */
  COLUMN_EMAIL,           /* addresses, " ::: " between them (Google) */
  COLUMN_EMAIL_TYPE,
  COLUMN_PHONES,
  COLUMN_PHONE,
  COLUMN_PHONE_TYPE,
  COLUMN_ADDRESS,
  COLUMN_ADDRESS_PART,    /* Outlook's street, city, state, code, country */
  COLUMN_NOTES,
} ColumnKind;

typedef struct
{
  ColumnKind  kind;
  const char *type;       /* EMAIL, PHONE: the type of the values */
  guint       slot;       /* pairs "E-mail 1 - Value" with "E-mail 1 - Type"; ADDRESS_PART: its order */
} Column;

static const struct
{
  const char *header;
  Column      column;
} known_columns[] = {
  { "first name", { COLUMN_FIRST_NAME, NULL, 0 } },
  { "firstname", { COLUMN_FIRST_NAME, NULL, 0 } },
  { "given name", { COLUMN_FIRST_NAME, NULL, 0 } },
  { "last name", { COLUMN_LAST_NAME, NULL, 0 } },
  { "lastname", { COLUMN_LAST_NAME, NULL, 0 } },
  { "family name", { COLUMN_LAST_NAME, NULL, 0 } },
  { "surname", { COLUMN_LAST_NAME, NULL, 0 } },
  { "name", { COLUMN_NAME, NULL, 0 } },
  { "full name", { COLUMN_NAME, NULL, 0 } },
  { "display name", { COLUMN_NAME, NULL, 0 } },
  { "title", { COLUMN_TITLE, NULL, 0 } },
  { "job title", { COLUMN_TITLE, NULL, 0 } },
  { "organization 1 - title", { COLUMN_TITLE, NULL, 0 } },
  { "account", { COLUMN_ACCOUNT, NULL, 0 } },
  { "company", { COLUMN_ACCOUNT, NULL, 0 } },
  { "company name", { COLUMN_ACCOUNT, NULL, 0 } },
  { "organization", { COLUMN_ACCOUNT, NULL, 0 } },
  { "organisation", { COLUMN_ACCOUNT, NULL, 0 } },
  { "organization 1 - name", { COLUMN_ACCOUNT, NULL, 0 } },
  { "emails", { COLUMN_EMAILS, NULL, 0 } },
  { "email", { COLUMN_EMAIL, "work", 0 } },
  { "e-mail", { COLUMN_EMAIL, "work", 0 } },
  { "email address", { COLUMN_EMAIL, "work", 0 } },
  { "e-mail address", { COLUMN_EMAIL, "work", 0 } },
  { "work email", { COLUMN_EMAIL, "work", 0 } },
  { "home email", { COLUMN_EMAIL, "home", 0 } },
  { "phones", { COLUMN_PHONES, NULL, 0 } },
  { "phone", { COLUMN_PHONE, "work", 0 } },
  { "phone number", { COLUMN_PHONE, "work", 0 } },
  { "telephone", { COLUMN_PHONE, "work", 0 } },
  { "work phone", { COLUMN_PHONE, "work", 0 } },
  { "business phone", { COLUMN_PHONE, "work", 0 } },
  { "mobile", { COLUMN_PHONE, "mobile", 0 } },
  { "mobile phone", { COLUMN_PHONE, "mobile", 0 } },
  { "cell phone", { COLUMN_PHONE, "mobile", 0 } },
  { "home phone", { COLUMN_PHONE, "home", 0 } },
  { "fax", { COLUMN_PHONE, "fax", 0 } },
  { "business fax", { COLUMN_PHONE, "fax", 0 } },
  { "address", { COLUMN_ADDRESS, NULL, 0 } },
  { "business address", { COLUMN_ADDRESS, NULL, 0 } },
  { "address 1 - formatted", { COLUMN_ADDRESS, NULL, 0 } },
  { "business street", { COLUMN_ADDRESS_PART, NULL, 0 } },
  { "business city", { COLUMN_ADDRESS_PART, NULL, 1 } },
  { "business state", { COLUMN_ADDRESS_PART, NULL, 2 } },
  { "business postal code", { COLUMN_ADDRESS_PART, NULL, 3 } },
  { "business country/region", { COLUMN_ADDRESS_PART, NULL, 4 } },
  { "notes", { COLUMN_NOTES, NULL, 0 } },
  { "note", { COLUMN_NOTES, NULL, 0 } },
};

#define N_ADDRESS_PARTS 5

/* What crm_contacts_export() writes, and reads back */
static const char * const csv_columns[] = {
  "first_name", "last_name", "title", "account", "emails", "phones", "address", "notes",
};

/* Helpers *************************************************************/

static void
set_line_error (GError     **error,
                guint        line,
                const char  *format,
                ...) G_GNUC_PRINTF (3, 4);

static void
set_line_error (GError     **error,
                guint        line,
                const char  *format,
                ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, CRM_CONTACTS_IO_ERROR, CRM_CONTACTS_IO_ERROR_INVALID,
               _("line %u: %s"), line, message);
}

static void
entry_free (Entry *entry)
{
  g_clear_pointer (&entry->fields, json_object_unref);
  g_clear_pointer (&entry->keys, g_ptr_array_unref);
  g_free (entry->account);
  g_free (entry->dup_email);
  g_free (entry->dup_id);
  g_free (entry);
}

static Entry *
entry_new (guint line)
{
  Entry *entry = g_new0 (Entry, 1);

  entry->line = line;
  entry->fields = json_object_new ();
  entry->keys = g_ptr_array_new_with_free_func (g_free);
  entry->choice = -1;
  entry->dup_index = -1;
  return entry;
}

static void
card_free (Card *card)
{
  g_string_free (card->text, TRUE);
  g_array_unref (card->lines);
  g_ptr_array_unref (card->names);
  g_free (card);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Entry, entry_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Card, card_free)

static const CrmField *
contact_field (const char *name)
{
  const CrmField *field = crm_entity_get_field (crm_entity_lookup ("contacts"), name);

  g_assert (field != NULL);
  return field;
}

static gboolean
is_blank (const char *text)
{
  return text == NULL || text[strspn (text, " \t\r\n")] == '\0';
}

/* Only spaces, tabs and a carriage return in @length bytes */
static gboolean
all_blank (const char *text,
           gsize       length)
{
  for (gsize i = 0; i < length; i++)
    if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r')
      return FALSE;
  return TRUE;
}

static char *
email_key (const char *email)
{
  g_autofree char *stripped = g_strstrip (g_strdup (email));

  return g_utf8_casefold (stripped, -1);
}

/* Only the digits and a leading plus: "+1 (555) 010-2000" = "+15550102000" */
static char *
phone_key (const char *phone)
{
  GString *key = g_string_new (NULL);

  for (const char *p = phone; *p; p++)
    if (g_ascii_isdigit (*p) || (*p == '+' && key->len == 0))
      g_string_append_c (key, *p);
  return g_string_free (key, FALSE);
}

/* Checks a text field with the entity's rules and keeps it */
static gboolean
entry_set_text (Entry       *entry,
                const char  *name,
                const char  *text,
                guint        line,
                GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(JsonNode) normal = NULL;
  g_autofree char *stripped = NULL;

  if (is_blank (text))
    return TRUE;
  /* Lines end in \n, whichever system wrote the file */
  {
    g_auto(GStrv) lines = g_strsplit (text, "\r\n", -1);

    stripped = g_strstrip (g_strjoinv ("\n", lines));
  }
  value = json_node_init_string (json_node_alloc (), stripped);
  if (!(normal = crm_field_normalize (contact_field (name), value, NULL, &local_error)))
    {
      set_line_error (error, line, "%s", local_error->message);
      return FALSE;
    }
  json_object_set_member (entry->fields, name, g_steal_pointer (&normal));
  return TRUE;
}

/* Adds one e-mail address or phone number, checked on its own so that
 * the message names the line it came from */
static gboolean
entry_add_point (Entry       *entry,
                 const char  *name,
                 const char  *type,
                 const char  *text,
                 guint        line,
                 GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(JsonNode) normal = NULL;
  g_autofree char *stripped = NULL;
  JsonArray *points;

  if (is_blank (text))
    return TRUE;
  stripped = g_strstrip (g_strdup (text));

  builder = json_builder_new ();
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type ? type : "other");
  json_builder_set_member_name (builder, "value");
  json_builder_add_string_value (builder, stripped);
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  value = json_builder_get_root (builder);
  if (!(normal = crm_field_normalize (contact_field (name), value, NULL, &local_error)))
    {
      set_line_error (error, line, "%s", local_error->message);
      return FALSE;
    }

  if (!json_object_has_member (entry->fields, name))
    json_object_set_array_member (entry->fields, name, json_array_new ());
  points = json_object_get_array_member (entry->fields, name);

  /* The same address twice in one card is one address */
  {
    g_autofree char *key = g_str_equal (name, "emails") ? email_key (stripped) : phone_key (stripped);

    for (guint i = 0; i < json_array_get_length (points); i++)
      {
        JsonObject *point = json_array_get_object_element (points, i);
        const char *other = json_object_get_string_member (point, "value");
        g_autofree char *other_key = g_str_equal (name, "emails") ? email_key (other) : phone_key (other);

        if (g_str_equal (key, other_key))
          return TRUE;
      }
    if (g_str_equal (name, "emails"))
      g_ptr_array_add (entry->keys, g_steal_pointer (&key));
  }
  json_array_add_element (points, json_node_copy (json_array_get_element (json_node_get_array (normal), 0)));
  return TRUE;
}

static gboolean
entry_set_account (Entry       *entry,
                   const char  *name,
                   guint        line,
                   GError     **error)
{
  const CrmField *field = crm_entity_get_field (crm_entity_lookup ("accounts"), "name");
  g_autofree char *stripped = NULL;

  if (is_blank (name))
    return TRUE;
  stripped = g_strstrip (g_strdup (name));
  if (g_utf8_strlen (stripped, -1) > field->scale_or_length)
    {
      set_line_error (error, line, _("account: longer than %u characters"), field->scale_or_length);
      return FALSE;
    }
  g_free (entry->account);
  entry->account = g_steal_pointer (&stripped);
  return TRUE;
}

/* "Ada Augusta King" → first "Ada Augusta", last "King" */
static gboolean
entry_set_full_name (Entry       *entry,
                     const char  *full_name,
                     guint        line,
                     GError     **error)
{
  ENameWestern *name;
  g_autofree char *first = NULL;
  gboolean ok;

  if (is_blank (full_name))
    return TRUE;
  name = e_name_western_parse (full_name);
  if (name->first && name->middle)
    first = g_strconcat (name->first, " ", name->middle, NULL);
  else
    first = g_strdup (name->first ? name->first : name->middle);
  ok = entry_set_text (entry, "first_name", first, line, error) &&
       entry_set_text (entry, "last_name", name->last, line, error);
  e_name_western_free (name);
  return ok;
}

static gboolean
entry_check_identity (Entry       *entry,
                      const char  *what,
                      GError     **error)
{
  if (json_object_has_member (entry->fields, "first_name") ||
      json_object_has_member (entry->fields, "last_name") ||
      json_object_has_member (entry->fields, "emails") ||
      json_object_has_member (entry->fields, "phones"))
    return TRUE;
  set_line_error (error, entry->line, _("the %s has no name, e-mail address or phone number"), what);
  return FALSE;
}

/* A file is text in UTF-8; the first byte that is not names its line */
static gboolean
check_utf8 (const char  *data,
            gsize        length,
            GError     **error)
{
  const char *end;
  guint line = 1;

  if (g_utf8_validate_len (data, length, &end))
    return TRUE;
  for (const char *p = data; p < end; p++)
    if (*p == '\n')
      line++;
  set_line_error (error, line, _("the text is not UTF-8; save the file as UTF-8 and try again"));
  return FALSE;
}

static int
add_entry (CrmImportPlan *self,
           Entry         *entry)
{
  g_ptr_array_add (self->entries, entry);
  return (int) self->entries->len - 1;
}

/* vCard ***************************************************************/

static gboolean
line_is (const char *line,
         gsize       length,
         const char *what)
{
  gsize n = strlen (what);

  while (length > 0 && (line[length - 1] == ' ' || line[length - 1] == '\t'))
    length--;
  return length == n && g_ascii_strncasecmp (line, what, n) == 0;
}

/* The property name of a content line, "item1.EMAIL;TYPE=work:…" →
 * "EMAIL"; NULL when the line is not "NAME[;params]:value" */
static char *
property_name (const char *line,
               gsize       length)
{
  gsize n = 0;
  const char *name = line;

  while (n < length && (g_ascii_isalnum (line[n]) || line[n] == '-' || line[n] == '.' || line[n] == '_'))
    {
      if (line[n] == '.')
        name = line + n + 1;
      n++;
    }
  if (n == 0 || n == length || (line[n] != ':' && line[n] != ';') || name == line + n)
    return NULL;
  return g_ascii_strup (name, line + n - name);
}

static char *
excerpt (const char *line,
         gsize       length)
{
  g_autofree char *text = g_strndup (line, MIN (length, 40));

  return g_strdup_printf ("%s%s", text, length > 40 ? "…" : "");
}

/* Cuts the file into cards: BEGIN:VCARD … END:VCARD, nothing between
 * them but blank lines, every property a NAME:value line (folded lines
 * go with the one before). The properties themselves are EDS's. */
static GPtrArray *
split_vcards (const char  *data,
              gsize        length,
              GError     **error)
{
  g_autoptr(GPtrArray) cards = g_ptr_array_new_with_free_func ((GDestroyNotify) card_free);
  g_autoptr(Card) card = NULL;
  const char *end = data + length;
  gboolean qp_continues = FALSE;
  guint line = 0;

  for (const char *pos = data; pos < end;)
    {
      const char *nl = memchr (pos, '\n', end - pos);
      const char *next = nl ? nl + 1 : end;
      gsize len = (nl ? nl : end) - pos;
      g_autofree char *name = NULL;

      line++;
      if (len > 0 && pos[len - 1] == '\r')
        len--;

      if (card == NULL)
        {
          if (all_blank (pos, len))
            ;
          else if (line_is (pos, len, "BEGIN:VCARD"))
            {
              card = g_new0 (Card, 1);
              card->begin_line = line;
              card->text = g_string_new (NULL);
              card->lines = g_array_new (FALSE, FALSE, sizeof (guint));
              card->names = g_ptr_array_new_with_free_func (g_free);
              g_string_append_len (card->text, pos, len);
              g_string_append (card->text, "\r\n");
            }
          else
            {
              g_autofree char *text = excerpt (pos, len);

              set_line_error (error, line, _("expected BEGIN:VCARD, found “%s”"), text);
              return NULL;
            }
          pos = next;
          continue;
        }

      if (all_blank (pos, len))
        {
          /* Blank lines inside a card carry nothing */
          pos = next;
          continue;
        }
      if (pos[0] == ' ' || pos[0] == '\t' || qp_continues)
        {
          /* A folded line, or a quoted-printable one going on (2.1) */
          qp_continues = qp_continues && len > 0 && pos[len - 1] == '=';
          g_string_append_len (card->text, pos, len);
          g_string_append (card->text, "\r\n");
          pos = next;
          continue;
        }

      if (line_is (pos, len, "END:VCARD"))
        {
          g_string_append (card->text, "END:VCARD\r\n");
          g_ptr_array_add (cards, g_steal_pointer (&card));
          pos = next;
          continue;
        }
      if (line_is (pos, len, "BEGIN:VCARD"))
        {
          set_line_error (error, line, _("a card begins before the card of line %u has ended with END:VCARD"),
                          card->begin_line);
          return NULL;
        }
      if (!(name = property_name (pos, len)))
        {
          g_autofree char *text = excerpt (pos, len);

          set_line_error (error, line, _("“%s” is not a vCard property (NAME:value)"), text);
          return NULL;
        }
      if (g_str_equal (name, "VERSION"))
        {
          const char *colon = memchr (pos, ':', len);
          g_autofree char *version = g_strstrip (colon ? g_strndup (colon + 1, pos + len - colon - 1) : g_strdup (""));

          if (!g_str_equal (version, "2.1") && !g_str_equal (version, "3.0") && !g_str_equal (version, "4.0"))
            {
              set_line_error (error, line, _("vCard version “%s” is not supported; use 3.0 or 4.0"), version);
              return NULL;
            }
        }
      {
        g_autofree char *head = g_ascii_strup (pos, MIN (len, 200));

        qp_continues = strstr (head, "QUOTED-PRINTABLE") != NULL && pos[len - 1] == '=';
      }
      g_array_append_val (card->lines, line);
      g_ptr_array_add (card->names, g_steal_pointer (&name));
      g_string_append_len (card->text, pos, len);
      g_string_append (card->text, "\r\n");
      pos = next;
    }

  if (card != NULL)
    {
      set_line_error (error, card->begin_line, _("the card that begins here has no END:VCARD"));
      return NULL;
    }
  return g_steal_pointer (&cards);
}

/* The line of the @nth property called @name in @card (EDS keeps them
 * in the file's order), else of the card's BEGIN */
static guint
card_line (Card       *card,
           const char *name,
           guint       nth)
{
  for (guint i = 0; i < card->names->len; i++)
    if (g_str_equal (g_ptr_array_index (card->names, i), name) && nth-- == 0)
      return g_array_index (card->lines, guint, i);
  return card->begin_line;
}

/* TYPE=WORK,VOICE / TYPE=work;TYPE=cell / 2.1's bare ;WORK → one of our
 * types: mobile and fax first, then work and home, then any other word
 * the card uses, else "other" */
static char *
vcard_type (EVCardAttribute *attr,
            gboolean         phone)
{
  static const char * const ignored[] = {
    "internet", "pref", "voice", "text", "x400", "msg", "dom", "intl", "postal", "parcel", NULL
  };
  g_autofree char *found = NULL;
  gboolean work = FALSE, home = FALSE;

  for (GList *p = e_vcard_attribute_get_params (attr); p; p = p->next)
    {
      EVCardAttributeParam *param = p->data;

      if (g_ascii_strcasecmp (e_vcard_attribute_param_get_name (param), EVC_TYPE) != 0)
        continue;
      for (GList *v = e_vcard_attribute_param_get_values (param); v; v = v->next)
        {
          g_auto(GStrv) words = g_strsplit (v->data, ",", -1);

          for (guint i = 0; words[i]; i++)
            {
              g_autofree char *word = g_ascii_strdown (g_strstrip (words[i]), -1);

              if (phone && (g_str_equal (word, "cell") || g_str_equal (word, "mobile")))
                return g_strdup ("mobile");
              if (phone && g_str_equal (word, "fax"))
                return g_strdup ("fax");
              if (g_str_equal (word, "work"))
                work = TRUE;
              else if (g_str_equal (word, "home"))
                home = TRUE;
              else if (found == NULL && *word && strlen (word) <= 30 && !g_strv_contains (ignored, word))
                found = g_steal_pointer (&word);
            }
        }
    }
  if (work)
    return g_strdup ("work");
  if (home)
    return g_strdup ("home");
  return found ? g_steal_pointer (&found) : g_strdup ("other");
}

/* ADR: post office box; extended; street; locality; region; code; country */
static char *
vcard_address (EVCardAttribute *attr)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  g_autoptr(GString) town = g_string_new (NULL);
  GList *values = e_vcard_attribute_get_values (attr);
  const char *component[7] = { NULL };
  guint n = 0;

  for (GList *v = values; v && n < G_N_ELEMENTS (component); v = v->next)
    component[n++] = v->data;

  for (guint i = 0; i < 3; i++)
    if (!is_blank (component[i]))
      g_ptr_array_add (parts, (gpointer) component[i]);
  if (!is_blank (component[3]))
    g_string_append (town, component[3]);
  if (!is_blank (component[4]))
    g_string_append_printf (town, "%s%s", town->len ? ", " : "", component[4]);
  if (!is_blank (component[5]))
    g_string_append_printf (town, "%s%s", town->len ? " " : "", component[5]);
  if (town->len)
    g_ptr_array_add (parts, town->str);
  if (!is_blank (component[6]))
    g_ptr_array_add (parts, (gpointer) component[6]);
  g_ptr_array_add (parts, NULL);
  return g_strjoinv ("\n", (char **) parts->pdata);
}

static Entry *
entry_from_card (Card    *card,
                 GError **error)
{
  g_autoptr(Entry) entry = entry_new (card->begin_line);
  g_autoptr(GObject) object = G_OBJECT (e_contact_new_from_vcard (card->text->str));
  EContact *contact = E_CONTACT (object);
  EContactName *name = e_contact_get (contact, E_CONTACT_NAME);
  guint n_email = 0, n_tel = 0;
  gboolean have_address = FALSE;
  gboolean ok = TRUE;

  if (name && (!is_blank (name->given) || !is_blank (name->family)))
    {
      g_autofree char *first = NULL;

      if (!is_blank (name->given) && !is_blank (name->additional))
        first = g_strconcat (name->given, " ", name->additional, NULL);
      else
        first = g_strdup (is_blank (name->given) ? name->additional : name->given);
      ok = entry_set_text (entry, "first_name", first, card_line (card, "N", 0), error) &&
           entry_set_text (entry, "last_name", name->family, card_line (card, "N", 0), error);
    }
  else
    {
      const char *full_name = e_contact_get_const (contact, E_CONTACT_FULL_NAME);

      /* A card with no name is often called by its address or company
       * (and our own export does so); that is no person's name */
      if (full_name && !strchr (full_name, '@') &&
          g_strcmp0 (full_name, e_contact_get_const (contact, E_CONTACT_ORG)) != 0)
        ok = entry_set_full_name (entry, full_name, card_line (card, "FN", 0), error);
    }
  g_clear_pointer (&name, e_contact_name_free);
  if (!ok ||
      !entry_set_text (entry, "title", e_contact_get_const (contact, E_CONTACT_TITLE),
                       card_line (card, "TITLE", 0), error) ||
      !entry_set_text (entry, "notes", e_contact_get_const (contact, E_CONTACT_NOTE),
                       card_line (card, "NOTE", 0), error) ||
      !entry_set_account (entry, e_contact_get_const (contact, E_CONTACT_ORG),
                          card_line (card, "ORG", 0), error))
    return NULL;

  for (GList *l = e_vcard_get_attributes (E_VCARD (contact)); l; l = l->next)
    {
      EVCardAttribute *attr = l->data;
      const char *attr_name = e_vcard_attribute_get_name (attr);

      if (g_ascii_strcasecmp (attr_name, EVC_EMAIL) == 0)
        {
          g_autofree char *value = e_vcard_attribute_get_value (attr);
          g_autofree char *type = vcard_type (attr, FALSE);
          const char *address = value;

          if (value && g_ascii_strncasecmp (value, "mailto:", 7) == 0)
            address += 7;
          if (!entry_add_point (entry, "emails", type, address, card_line (card, "EMAIL", n_email++), error))
            return NULL;
        }
      else if (g_ascii_strcasecmp (attr_name, EVC_TEL) == 0)
        {
          g_autofree char *value = e_vcard_attribute_get_value (attr);
          g_autofree char *type = vcard_type (attr, TRUE);
          const char *number = value;

          /* vCard 4.0 may give it as a URI: TEL;VALUE=uri:tel:+1-555-0100 */
          if (value && g_ascii_strncasecmp (value, "tel:", 4) == 0)
            number += 4;
          if (!entry_add_point (entry, "phones", type, number, card_line (card, "TEL", n_tel++), error))
            return NULL;
        }
      else if (g_ascii_strcasecmp (attr_name, EVC_ADR) == 0 && !have_address)
        {
          g_autofree char *address = vcard_address (attr);

          have_address = !is_blank (address);
          if (!entry_set_text (entry, "address", address, card_line (card, "ADR", 0), error))
            return NULL;
        }
    }

  if (!entry_check_identity (entry, _("card"), error))
    return NULL;
  return g_steal_pointer (&entry);
}

static gboolean
parse_vcards (CrmImportPlan  *self,
              const char     *data,
              gsize           length,
              GError        **error)
{
  g_autoptr(GPtrArray) cards = split_vcards (data, length, error);

  if (cards == NULL)
    return FALSE;
  for (guint i = 0; i < cards->len; i++)
    {
      Entry *entry = entry_from_card (g_ptr_array_index (cards, i), error);

      if (entry == NULL)
        return FALSE;
      add_entry (self, entry);
    }
  return TRUE;
}

/* CSV *****************************************************************/

typedef struct
{
  guint  line;
  GStrv  fields;
} Row;

typedef struct
{
  GPtrArray *fields;      /* of the row being read */
  GPtrArray *rows;
  guint      line;        /* being fed to the parser */
  guint      row_line;    /* where the row being read began */
  guint      field_line;  /* where the field being read began */
  gboolean   row_started;
} CsvReader;

static void
row_free (Row *row)
{
  g_strfreev (row->fields);
  g_free (row);
}

static void
csv_field_cb (void   *data,
              size_t  length,
              void   *user_data)
{
  CsvReader *reader = user_data;

  g_ptr_array_add (reader->fields, data ? g_strndup (data, length) : g_strdup (""));
  /* The next field begins after this field's comma, on this line */
  reader->field_line = reader->line;
}

static void
csv_row_cb (int   terminator,
            void *user_data)
{
  CsvReader *reader = user_data;
  Row *row = g_new0 (Row, 1);

  row->line = reader->row_line;
  g_ptr_array_add (reader->fields, NULL);
  row->fields = (GStrv) g_ptr_array_free (reader->fields, FALSE);
  reader->fields = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (reader->rows, row);
  reader->row_started = FALSE;
}

/* libcsv in strict mode, fed a line at a time so that errors have one */
static GPtrArray *
read_csv (const char  *data,
          gsize        length,
          GError     **error)
{
  struct csv_parser parser;
  CsvReader reader = { 0 };
  const char *end = data + length;
  gboolean ok = TRUE;

  if (csv_init (&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
    g_error ("libcsv could not start: out of memory");
  reader.fields = g_ptr_array_new_with_free_func (g_free);
  reader.rows = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);

  for (const char *pos = data; pos < end;)
    {
      const char *nl = memchr (pos, '\n', end - pos);
      const char *next = nl ? nl + 1 : end;

      reader.line++;
      if (!reader.row_started && !all_blank (pos, (nl ? nl : end) - pos))
        {
          reader.row_started = TRUE;
          reader.row_line = reader.field_line = reader.line;
        }
      if (csv_parse (&parser, pos, next - pos, csv_field_cb, csv_row_cb, &reader) != (size_t) (next - pos))
        {
          if (csv_error (&parser) == CSV_EPARSE)
            set_line_error (error, reader.line,
                            _("a stray quote: a field with quotes in it must be quoted whole, "
                              "with each quote inside doubled (\"\")"));
          else
            set_line_error (error, reader.line, "%s", csv_strerror (csv_error (&parser)));
          ok = FALSE;
          break;
        }
      pos = next;
    }
  if (ok && csv_fini (&parser, csv_field_cb, csv_row_cb, &reader) != 0)
    {
      set_line_error (error, reader.field_line,
                      _("a quoted field that begins on this line is never closed"));
      ok = FALSE;
    }

  csv_free (&parser);
  g_ptr_array_free (reader.fields, TRUE);
  if (!ok)
    {
      g_ptr_array_unref (reader.rows);
      return NULL;
    }
  return reader.rows;
}

/* "E-Mail_Address " → "e-mail address" */
static char *
normalize_header (const char *header)
{
  g_autofree char *down = g_utf8_strdown (header, -1);
  g_auto(GStrv) words = g_strsplit_set (g_strdelimit (down, "_", ' '), " \t", -1);
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();

  for (guint i = 0; words[i]; i++)
    if (*words[i])
      g_ptr_array_add (kept, words[i]);
  g_ptr_array_add (kept, NULL);
  return g_strjoinv (" ", (char **) kept->pdata);
}

static Column
column_for (const char *header)
{
  g_autofree char *name = normalize_header (header);
  Column column = { COLUMN_IGNORED, NULL, 0 };
  static const struct
  {
    const char *format;
    ColumnKind  kind;
  } numbered[] = {
    { "e-mail %u - value%n", COLUMN_EMAIL }, { "email %u - value%n", COLUMN_EMAIL },
    { "e-mail %u - type%n", COLUMN_EMAIL_TYPE }, { "email %u - type%n", COLUMN_EMAIL_TYPE },
    { "e-mail %u address%n", COLUMN_EMAIL }, { "phone %u - value%n", COLUMN_PHONE },
    { "phone %u - type%n", COLUMN_PHONE_TYPE },
  };

  /* Export files start with a UTF-8 byte order mark now and then */
  if (g_str_has_prefix (name, "\xef\xbb\xbf"))
    memmove (name, name + 3, strlen (name + 3) + 1);

  for (guint i = 0; i < G_N_ELEMENTS (known_columns); i++)
    if (g_str_equal (name, known_columns[i].header))
      return known_columns[i].column;

  for (guint i = 0; i < G_N_ELEMENTS (numbered); i++)
    {
      guint slot = 0;
      int used = -1;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
      if (sscanf (name, numbered[i].format, &slot, &used) == 1 && used == (int) strlen (name) && slot > 0)
        {
          column.kind = numbered[i].kind;
          column.type = "other";
          column.slot = slot;
          return column;
        }
#pragma GCC diagnostic pop
    }
  return column;
}

/* Google writes "* Work" for the primary one */
static char *
csv_type (const char *text,
          const char *fallback)
{
  g_autofree char *down = NULL;

  if (is_blank (text))
    return g_strdup (fallback);
  down = g_utf8_strdown (text, -1);
  g_strstrip (g_strdelimit (down, "*", ' '));
  if (g_str_equal (down, "cell") || g_str_equal (down, "mobile"))
    return g_strdup ("mobile");
  if (g_str_has_suffix (down, "fax"))
    return g_strdup ("fax");
  return g_steal_pointer (&down);
}

/* "type:value,…" as crm-cli takes it, values checked one by one */
static gboolean
add_point_list (Entry       *entry,
                const char  *name,
                const char  *text,
                guint        line,
                GError     **error)
{
  g_auto(GStrv) items = NULL;

  if (is_blank (text))
    return TRUE;
  items = g_strsplit (text, ",", -1);
  for (guint i = 0; items[i]; i++)
    {
      char *item = g_strstrip (items[i]);
      const char *colon = strchr (item, ':');
      g_autofree char *type = NULL;
      const char *value = item;

      if (colon != NULL && colon != item &&
          strspn (item, "abcdefghijklmnopqrstuvwxyz_-") == (gsize) (colon - item))
        {
          type = g_strndup (item, colon - item);
          value = colon + 1;
        }
      if (!entry_add_point (entry, name, type ? type : "work", value, line, error))
        return FALSE;
    }
  return TRUE;
}

static Entry *
entry_from_row (Row     *row,
                Column  *columns,
                guint    n_columns,
                GError **error)
{
  g_autoptr(Entry) entry = entry_new (row->line);
  const char *parts[N_ADDRESS_PARTS] = { NULL };
  const char *name = NULL;
  guint n_fields = g_strv_length (row->fields);
  gboolean empty = TRUE;

  if (n_fields > n_columns)
    {
      set_line_error (error, row->line, _("%u fields, but the header names %u columns"), n_fields, n_columns);
      return NULL;
    }
  for (guint i = 0; i < n_fields; i++)
    empty = empty && is_blank (row->fields[i]);
  if (empty)
    return entry_new (0);

  for (guint i = 0; i < n_fields; i++)
    {
      const char *value = row->fields[i];
      gboolean ok = TRUE;

      switch (columns[i].kind)
        {
        case COLUMN_FIRST_NAME:
          ok = entry_set_text (entry, "first_name", value, row->line, error);
          break;
        case COLUMN_LAST_NAME:
          ok = entry_set_text (entry, "last_name", value, row->line, error);
          break;
        case COLUMN_NAME:
          name = value;
          break;
        case COLUMN_TITLE:
          ok = entry_set_text (entry, "title", value, row->line, error);
          break;
        case COLUMN_ACCOUNT:
          ok = entry_set_account (entry, value, row->line, error);
          break;
        case COLUMN_NOTES:
          ok = entry_set_text (entry, "notes", value, row->line, error);
          break;
        case COLUMN_ADDRESS:
          ok = entry_set_text (entry, "address", value, row->line, error);
          break;
        case COLUMN_ADDRESS_PART:
          parts[columns[i].slot] = value;
          break;
        case COLUMN_EMAILS:
          ok = add_point_list (entry, "emails", value, row->line, error);
          break;
        case COLUMN_PHONES:
          ok = add_point_list (entry, "phones", value, row->line, error);
          break;
        case COLUMN_EMAIL:
        case COLUMN_PHONE:
          {
            gboolean email = columns[i].kind == COLUMN_EMAIL;
            const char *type_text = NULL;
            g_autofree char *type = NULL;
            g_auto(GStrv) values = NULL;

            if (is_blank (value))
              break;
            for (guint j = 0; columns[i].slot && j < n_fields; j++)
              if (columns[j].slot == columns[i].slot &&
                  columns[j].kind == (email ? COLUMN_EMAIL_TYPE : COLUMN_PHONE_TYPE))
                type_text = row->fields[j];
            type = csv_type (type_text, columns[i].type);
            values = g_strsplit (value, " ::: ", -1);
            for (guint j = 0; ok && values[j]; j++)
              ok = entry_add_point (entry, email ? "emails" : "phones", type, values[j], row->line, error);
          }
          break;
        case COLUMN_EMAIL_TYPE:
        case COLUMN_PHONE_TYPE:
        case COLUMN_IGNORED:
          break;
        default:
          g_assert_not_reached ();
        }
      if (!ok)
        return NULL;
    }

  if (!json_object_has_member (entry->fields, "first_name") &&
      !json_object_has_member (entry->fields, "last_name") &&
      !entry_set_full_name (entry, name, row->line, error))
    return NULL;

  if (!json_object_has_member (entry->fields, "address"))
    {
      g_autoptr(GString) address = g_string_new (NULL);
      g_autoptr(GString) town = g_string_new (NULL);

      if (!is_blank (parts[0]))
        g_string_append (address, parts[0]);
      for (guint i = 1; i < 4; i++)
        if (!is_blank (parts[i]))
          g_string_append_printf (town, "%s%s", town->len ? (i == 2 ? ", " : " ") : "", parts[i]);
      if (town->len)
        g_string_append_printf (address, "%s%s", address->len ? "\n" : "", town->str);
      if (!is_blank (parts[4]))
        g_string_append_printf (address, "%s%s", address->len ? "\n" : "", parts[4]);
      if (!entry_set_text (entry, "address", address->str, row->line, error))
        return NULL;
    }

  if (!entry_check_identity (entry, _("row"), error))
    return NULL;
  return g_steal_pointer (&entry);
}

static gboolean
parse_csv (CrmImportPlan  *self,
           const char     *data,
           gsize           length,
           GError        **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree Column *columns = NULL;
  Row *header;
  guint n_columns;
  gboolean known = FALSE;

  /* A byte order mark is not part of the first column's name */
  if (length >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    {
      data += 3;
      length -= 3;
    }
  if (!(rows = read_csv (data, length, error)))
    return FALSE;
  if (rows->len == 0)
    return TRUE;

  header = g_ptr_array_index (rows, 0);
  n_columns = g_strv_length (header->fields);
  columns = g_new0 (Column, n_columns);
  for (guint i = 0; i < n_columns; i++)
    {
      columns[i] = column_for (header->fields[i]);
      if (columns[i].kind == COLUMN_IGNORED)
        {
          if (!is_blank (header->fields[i]))
            g_ptr_array_insert (self->ignored, self->ignored->len - 1, g_strdup (header->fields[i]));
        }
      else
        known = TRUE;
    }
  if (!known)
    {
      set_line_error (error, header->line,
                      _("the first row names no column this understands; it should name columns such as "
                        "first_name, last_name, email, phone, title, account, address, notes"));
      return FALSE;
    }

  for (guint i = 1; i < rows->len; i++)
    {
      Entry *entry = entry_from_row (g_ptr_array_index (rows, i), columns, n_columns, error);

      if (entry == NULL)
        return FALSE;
      if (entry->line == 0)
        entry_free (entry);
      else
        add_entry (self, entry);
    }
  return TRUE;
}

/* Duplicates **********************************************************/

/* Every live contact's addresses, case-folded, to its id */
static GHashTable *
load_email_index (CrmStore  *store,
                  GError   **error)
{
  static const char sql[] =
    "SELECT c.id, json_extract (e.value, '$.value') "
    "FROM contacts AS c, json_each (c.emails) AS e WHERE c.deleted = 0 ORDER BY c.rid";
  g_autoptr(GHashTable) index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  sqlite3 *db = _crm_store_get_db (store);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if ((rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL)) != SQLITE_OK)
    goto failed;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);
      const char *email = (const char *) sqlite3_column_text (stmt, 1);
      char *key;

      if (email == NULL)
        continue;
      key = email_key (email);
      /* The oldest contact with an address is the one it belongs to */
      if (g_hash_table_contains (index, key))
        g_free (key);
      else
        g_hash_table_insert (index, key, g_strdup (id));
    }
  if (rc != SQLITE_DONE)
    goto failed;
  sqlite3_finalize (stmt);
  return g_steal_pointer (&index);

failed:
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED,
               _("Could not read the contacts’ e-mail addresses: %s"), sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  return NULL;
}

static const char *
entry_email (Entry *entry,
             guint  nth)
{
  JsonArray *emails = json_object_get_array_member (entry->fields, "emails");

  return json_object_get_string_member (json_array_get_object_element (emails, nth), "value");
}

static gboolean
find_duplicates (CrmImportPlan  *self,
                 CrmStore       *store,
                 GError        **error)
{
  g_autoptr(GHashTable) index = load_email_index (store, error);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  if (index == NULL)
    return FALSE;
  g_array_set_size (self->duplicates, 0);

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);
      const char *id = NULL;
      int earlier = -1;
      guint matched = 0;

      g_clear_pointer (&entry->dup_email, g_free);
      g_clear_pointer (&entry->dup_id, g_free);
      entry->dup_index = -1;

      /* A stored contact wins over an earlier card of the file */
      for (guint k = 0; id == NULL && k < entry->keys->len; k++)
        if ((id = g_hash_table_lookup (index, g_ptr_array_index (entry->keys, k))))
          matched = k;
      for (guint k = 0; id == NULL && earlier < 0 && k < entry->keys->len; k++)
        {
          gpointer value;

          if (g_hash_table_lookup_extended (seen, g_ptr_array_index (entry->keys, k), NULL, &value))
            {
              Entry *other = g_ptr_array_index (self->entries, GPOINTER_TO_INT (value));

              matched = k;
              /* Point at what the earlier one itself is: stored, or new */
              if (other->dup_id)
                id = other->dup_id;
              else
                earlier = other->dup_index >= 0 ? other->dup_index : GPOINTER_TO_INT (value);
            }
        }

      if (id || earlier >= 0)
        {
          entry->dup_id = g_strdup (id);
          entry->dup_index = earlier;
          entry->dup_email = g_strdup (entry_email (entry, matched));
          g_array_append_val (self->duplicates, i);
        }
      for (guint k = 0; k < entry->keys->len; k++)
        if (!g_hash_table_contains (seen, g_ptr_array_index (entry->keys, k)))
          g_hash_table_insert (seen, g_ptr_array_index (entry->keys, k), GINT_TO_POINTER (i));
    }
  return TRUE;
}

/* Applying ************************************************************/

typedef struct
{
  CrmStore        *store;
  GHashTable      *accounts;   /* case-folded name → id */
  CrmImportResult *result;
} Apply;

static gboolean
load_accounts (Apply   *apply,
               GError **error)
{
  g_autoptr(GPtrArray) accounts = NULL;

  if (apply->accounts)
    return TRUE;
  if (!(accounts = crm_store_list (apply->store, "accounts", NULL, 0, 0, error)))
    return FALSE;
  apply->accounts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < accounts->len; i++)
    {
      CrmRecord *account = g_ptr_array_index (accounts, i);
      char *key = g_utf8_casefold (crm_record_get_string (account, "name"), -1);

      if (g_hash_table_contains (apply->accounts, key))
        g_free (key);
      else
        g_hash_table_insert (apply->accounts, key, g_strdup (crm_record_get_id (account)));
    }
  return TRUE;
}

/* The account of that name, made when there is none */
static const char *
account_id (Apply       *apply,
            const char  *name,
            GError     **error)
{
  g_autofree char *key = NULL;
  g_autoptr(JsonObject) fields = NULL;
  g_autoptr(CrmRecord) account = NULL;
  const char *id;

  if (!load_accounts (apply, error))
    return NULL;
  key = g_utf8_casefold (name, -1);
  if ((id = g_hash_table_lookup (apply->accounts, key)))
    return id;

  fields = json_object_new ();
  json_object_set_string_member (fields, "name", name);
  if (!(account = crm_store_create (apply->store, "accounts", fields, error)))
    return NULL;
  apply->result->accounts_created++;
  id = g_strdup (crm_record_get_id (account));
  g_hash_table_insert (apply->accounts, g_steal_pointer (&key), (char *) id);
  return id;
}

static CrmRecord *
create_contact (Apply    *apply,
                Entry    *entry,
                GError  **error)
{
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autoptr(GList) members = json_object_get_members (entry->fields);

  for (const GList *l = members; l; l = l->next)
    json_object_set_member (fields, l->data, json_node_copy (json_object_get_member (entry->fields, l->data)));
  if (entry->account)
    {
      const char *id = account_id (apply, entry->account, error);

      if (id == NULL)
        return NULL;
      json_object_set_string_member (fields, "account_id", id);
    }
  return crm_store_create (apply->store, "contacts", fields, error);
}

/* The stored points plus those of @incoming it has not got */
static JsonNode *
merge_points (JsonNode   *stored,
              JsonNode   *incoming,
              gboolean    emails)
{
  g_autoptr(JsonArray) merged = json_array_new ();
  g_autoptr(GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  JsonArray *arrays[2] = {
    stored && JSON_NODE_HOLDS_ARRAY (stored) ? json_node_get_array (stored) : NULL,
    json_node_get_array (incoming),
  };
  guint n_stored = arrays[0] ? json_array_get_length (arrays[0]) : 0;

  for (guint a = 0; a < 2; a++)
    for (guint i = 0; arrays[a] && i < json_array_get_length (arrays[a]); i++)
      {
        JsonNode *point = json_array_get_element (arrays[a], i);
        const char *value = json_object_get_string_member (json_node_get_object (point), "value");
        char *key = emails ? email_key (value) : phone_key (value);

        if (g_hash_table_add (keys, key))
          json_array_add_element (merged, json_node_copy (point));
      }
  if (json_array_get_length (merged) == n_stored)
    return NULL;
  return json_node_init_array (json_node_alloc (), merged);
}

/* Fills the empty fields of the stored contact and adds the addresses
 * and numbers it lacks; what it has already stays */
static gboolean
merge_contact (Apply       *apply,
               const char  *id,
               Entry       *entry,
               GError     **error)
{
  static const char * const texts[] = { "first_name", "last_name", "title", "address", "notes" };
  g_autoptr(CrmRecord) stored = crm_store_get (apply->store, "contacts", id, error);
  g_autoptr(JsonObject) changes = json_object_new ();
  g_autoptr(CrmRecord) updated = NULL;

  if (stored == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    if (json_object_has_member (entry->fields, texts[i]) &&
        is_blank (crm_record_get_string (stored, texts[i])))
      json_object_set_member (changes, texts[i], json_node_copy (json_object_get_member (entry->fields, texts[i])));

  if (entry->account && crm_record_get_string (stored, "account_id") == NULL)
    {
      const char *account = account_id (apply, entry->account, error);

      if (account == NULL)
        return FALSE;
      json_object_set_string_member (changes, "account_id", account);
    }

  for (guint i = 0; i < 2; i++)
    {
      const char *name = i == 0 ? "emails" : "phones";
      JsonNode *merged;

      if (json_object_has_member (entry->fields, name) &&
          (merged = merge_points (crm_record_get_field (stored, name),
                                  json_object_get_member (entry->fields, name), i == 0)))
        json_object_set_member (changes, name, merged);
    }

  if (json_object_get_size (changes) == 0)
    return TRUE;
  updated = crm_store_update (apply->store, "contacts", id, changes, error);
  return updated != NULL;
}

static gboolean
apply_entries (CrmImportPlan       *self,
               Apply               *apply,
               CrmDuplicateChoice   choice,
               GError             **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_full (self->entries->len, g_free);

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);
      CrmDuplicateChoice entry_choice = entry->choice >= 0 ? (CrmDuplicateChoice) entry->choice : choice;
      char *id = NULL;

      if (entry->dup_id == NULL && entry->dup_index < 0)
        {
          g_autoptr(CrmRecord) record = create_contact (apply, entry, error);

          if (record == NULL)
            return FALSE;
          id = g_strdup (crm_record_get_id (record));
          apply->result->created++;
        }
      else
        switch (entry_choice)
          {
          case CRM_DUPLICATE_SKIP:
            apply->result->skipped++;
            break;
          case CRM_DUPLICATE_MERGE:
            if (!merge_contact (apply, entry->dup_id ? entry->dup_id : g_ptr_array_index (ids, entry->dup_index),
                                entry, error))
              return FALSE;
            apply->result->merged++;
            break;
          default:
            g_assert_not_reached ();
          }
      g_ptr_array_add (ids, id);
    }
  return TRUE;
}

/* Exporting ***********************************************************/

static char *
display_name (CrmRecord *record)
{
  const char *first = crm_record_get_string (record, "first_name");
  const char *last = crm_record_get_string (record, "last_name");

  if (first && last)
    return g_strconcat (first, " ", last, NULL);
  return g_strdup (first ? first : last);
}

static const char *
account_name (CrmStore    *store,
              GHashTable  *names,
              CrmRecord   *record)
{
  const char *id = crm_record_get_string (record, "account_id");
  g_autoptr(CrmRecord) account = NULL;
  char *name;

  if (id == NULL)
    return NULL;
  if (g_hash_table_lookup_extended (names, id, NULL, (gpointer *) &name))
    return name;
  account = crm_store_get (store, "accounts", id, NULL);
  name = account && !crm_record_get_deleted (account) ? g_strdup (crm_record_get_string (account, "name")) : NULL;
  g_hash_table_insert (names, g_strdup (id), name);
  return name;
}

static void
add_vcard_text (EVCard     *card,
                const char *name,
                const char *value)
{
  EVCardAttribute *attr;

  if (is_blank (value))
    return;
  attr = e_vcard_attribute_new (NULL, name);
  e_vcard_append_attribute_with_value (card, attr, value);
}

/* Our type as a TYPE parameter; "other" has none */
static void
add_vcard_points (EVCard     *card,
                  const char *name,
                  JsonNode   *points,
                  gboolean    version_3)
{
  gboolean email = g_str_equal (name, EVC_EMAIL);

  if (points == NULL || !JSON_NODE_HOLDS_ARRAY (points))
    return;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (points)); i++)
    {
      JsonObject *point = json_array_get_object_element (json_node_get_array (points), i);
      const char *type = json_object_get_string_member (point, "type");
      EVCardAttribute *attr = e_vcard_attribute_new (NULL, name);
      EVCardAttributeParam *param = e_vcard_attribute_param_new (EVC_TYPE);
      g_autofree char *vtype = NULL;

      if (g_str_equal (type, "mobile"))
        vtype = g_strdup ("cell");
      else if (!g_str_equal (type, "other"))
        vtype = g_strdup (type);
      if (version_3 && vtype)
        {
          char *up = g_ascii_strup (vtype, -1);

          g_free (vtype);
          vtype = up;
        }
      if (version_3 && email)
        e_vcard_attribute_param_add_value (param, "INTERNET");
      if (vtype)
        e_vcard_attribute_param_add_value (param, vtype);
      if (e_vcard_attribute_param_get_values (param))
        e_vcard_attribute_add_param (attr, param);
      else
        e_vcard_attribute_param_free (param);
      e_vcard_append_attribute_with_value (card, attr, json_object_get_string_member (point, "value"));
    }
}

static void
append_vcard (GString    *out,
              CrmStore   *store,
              GHashTable *names,
              CrmRecord  *record,
              gboolean    version_3)
{
  g_autoptr(GObject) object = G_OBJECT (e_vcard_new ());
  EVCard *card = E_VCARD (object);
  g_autofree char *full_name = display_name (record);
  g_autofree char *uid = NULL;
  g_autofree char *text = NULL;
  const char *first = crm_record_get_string (record, "first_name");
  const char *last = crm_record_get_string (record, "last_name");
  const char *account = account_name (store, names, record);
  const char *address = crm_record_get_string (record, "address");
  EVCardAttribute *attr;

  /* FN is required; a contact known only by an address is called by it */
  if (full_name == NULL)
    {
      JsonNode *emails = crm_record_get_field (record, "emails");

      if (emails && JSON_NODE_HOLDS_ARRAY (emails) && json_array_get_length (json_node_get_array (emails)) > 0)
        full_name = g_strdup (json_object_get_string_member (json_array_get_object_element (json_node_get_array (emails), 0), "value"));
      else
        full_name = g_strdup (account ? account : "");
    }
  attr = e_vcard_attribute_new (NULL, EVC_FN);
  e_vcard_append_attribute_with_value (card, attr, full_name);
  attr = e_vcard_attribute_new (NULL, EVC_N);
  e_vcard_append_attribute_with_values (card, attr, last ? last : "", first ? first : "", "", "", "", NULL);
  add_vcard_text (card, EVC_ORG, account);
  add_vcard_text (card, EVC_TITLE, crm_record_get_string (record, "title"));
  add_vcard_points (card, EVC_EMAIL, crm_record_get_field (record, "emails"), version_3);
  add_vcard_points (card, EVC_TEL, crm_record_get_field (record, "phones"), version_3);
  if (!is_blank (address))
    {
      /* Kept as we hold it: the whole text as the street */
      attr = e_vcard_attribute_new (NULL, EVC_ADR);
      e_vcard_attribute_add_param_with_value (attr, e_vcard_attribute_param_new (EVC_TYPE),
                                              version_3 ? "WORK" : "work");
      e_vcard_append_attribute_with_values (card, attr, "", "", address, "", "", "", "", NULL);
    }
  add_vcard_text (card, EVC_NOTE, crm_record_get_string (record, "notes"));
  uid = version_3 ? g_strdup (crm_record_get_id (record)) : g_strconcat ("urn:uuid:", crm_record_get_id (record), NULL);
  add_vcard_text (card, EVC_UID, uid);

  /* EDS 3.46 writes 3.0; 4.0 has the same content lines, folding and
   * escaping, so only the version line differs (and the lower-case,
   * INTERNET-less types above) */
  text = e_vcard_to_string (card, EVC_FORMAT_VCARD_30);
  if (!version_3 && g_str_has_prefix (text, "BEGIN:VCARD\r\nVERSION:3.0\r\n"))
    text[strlen ("BEGIN:VCARD\r\nVERSION:") ] = '4';
  g_string_append (out, text);
  if (!g_str_has_suffix (text, "\r\n"))
    g_string_append (out, "\r\n");
}

static void
append_csv_field (GString    *out,
                  const char *value,
                  gboolean    first)
{
  gsize length = value ? strlen (value) : 0;
  gsize size;

  if (!first)
    g_string_append_c (out, ',');
  if (length == 0)
    return;
  size = csv_write (NULL, 0, value, length);
  g_string_set_size (out, out->len + size);
  csv_write (out->str + out->len - size, size, value, length);
}

/* "work:ada@example.com,home:ada@home.example", as the importer reads it */
static char *
points_text (JsonNode *points)
{
  g_autoptr(GString) text = g_string_new (NULL);

  if (points == NULL || !JSON_NODE_HOLDS_ARRAY (points))
    return NULL;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (points)); i++)
    {
      JsonObject *point = json_array_get_object_element (json_node_get_array (points), i);

      g_string_append_printf (text, "%s%s:%s", i ? "," : "",
                              json_object_get_string_member (point, "type"),
                              json_object_get_string_member (point, "value"));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
append_csv_row (GString    *out,
                CrmStore   *store,
                GHashTable *names,
                CrmRecord  *record)
{
  g_autofree char *emails = points_text (crm_record_get_field (record, "emails"));
  g_autofree char *phones = points_text (crm_record_get_field (record, "phones"));

  append_csv_field (out, crm_record_get_string (record, "first_name"), TRUE);
  append_csv_field (out, crm_record_get_string (record, "last_name"), FALSE);
  append_csv_field (out, crm_record_get_string (record, "title"), FALSE);
  append_csv_field (out, account_name (store, names, record), FALSE);
  append_csv_field (out, emails, FALSE);
  append_csv_field (out, phones, FALSE);
  append_csv_field (out, crm_record_get_string (record, "address"), FALSE);
  append_csv_field (out, crm_record_get_string (record, "notes"), FALSE);
  g_string_append (out, "\r\n");
}

/* Public API **********************************************************/

/**
 * crm_contacts_format_from_name:
 * @name: "vcard" (4.0), "vcard3" (3.0), "vcf" or "csv"
 */
gboolean
crm_contacts_format_from_name (const char         *name,
                               CrmContactsFormat  *format,
                               GError            **error)
{
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (format != NULL, FALSE);

  if (g_ascii_strcasecmp (name, "vcard") == 0 || g_ascii_strcasecmp (name, "vcf") == 0 ||
      g_ascii_strcasecmp (name, "vcard4") == 0)
    *format = CRM_CONTACTS_FORMAT_VCARD;
  else if (g_ascii_strcasecmp (name, "vcard3") == 0)
    *format = CRM_CONTACTS_FORMAT_VCARD_30;
  else if (g_ascii_strcasecmp (name, "csv") == 0)
    *format = CRM_CONTACTS_FORMAT_CSV;
  else
    {
      g_set_error (error, CRM_CONTACTS_IO_ERROR, CRM_CONTACTS_IO_ERROR_FORMAT,
                   _("“%s” is not a contacts format; use vcard, vcard3 or csv"), name);
      return FALSE;
    }
  return TRUE;
}

/**
 * crm_contacts_format_from_path:
 *
 * The format a file's extension names: .vcf or .vcard, or .csv.
 */
gboolean
crm_contacts_format_from_path (const char         *path,
                               CrmContactsFormat  *format,
                               GError            **error)
{
  const char *dot;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (format != NULL, FALSE);

  dot = strrchr (path, '.');
  if (dot && strchr (dot, G_DIR_SEPARATOR) == NULL)
    {
      if (g_ascii_strcasecmp (dot, ".vcf") == 0 || g_ascii_strcasecmp (dot, ".vcard") == 0)
        {
          *format = CRM_CONTACTS_FORMAT_VCARD;
          return TRUE;
        }
      if (g_ascii_strcasecmp (dot, ".csv") == 0)
        {
          *format = CRM_CONTACTS_FORMAT_CSV;
          return TRUE;
        }
    }
  g_set_error (error, CRM_CONTACTS_IO_ERROR, CRM_CONTACTS_IO_ERROR_FORMAT,
               _("Cannot tell the format of “%s” from its name: it should end in .vcf, .vcard or .csv"),
               path);
  return FALSE;
}

/**
 * crm_import_plan_parse:
 * @data: the file's bytes; UTF-8 text
 *
 * Reads and checks every contact of a file, without a store, so it may
 * run in a worker thread. A malformed file, or a value a contact cannot
 * hold, is a %CRM_CONTACTS_IO_ERROR_INVALID naming the line; a file with
 * no contacts is %CRM_CONTACTS_IO_ERROR_EMPTY.
 *
 * Returns: (transfer full): the plan
 */
CrmImportPlan *
crm_import_plan_parse (CrmContactsFormat   format,
                       const char         *data,
                       gsize               length,
                       GError            **error)
{
  g_autoptr(CrmImportPlan) self = g_new0 (CrmImportPlan, 1);
  gboolean ok = FALSE;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  self->ignored = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->ignored, NULL);
  self->duplicates = g_array_new (FALSE, FALSE, sizeof (guint));

  if (!check_utf8 (data, length, error))
    return NULL;

  switch (format)
    {
    case CRM_CONTACTS_FORMAT_VCARD:
    case CRM_CONTACTS_FORMAT_VCARD_30:
      ok = parse_vcards (self, data, length, error);
      break;
    case CRM_CONTACTS_FORMAT_CSV:
      ok = parse_csv (self, data, length, error);
      break;
    default:
      g_assert_not_reached ();
    }
  if (!ok)
    return NULL;
  if (self->entries->len == 0)
    {
      g_set_error_literal (error, CRM_CONTACTS_IO_ERROR, CRM_CONTACTS_IO_ERROR_EMPTY,
                           format == CRM_CONTACTS_FORMAT_CSV ? _("The file has no contacts: no row below the header")
                                                             : _("The file has no contacts: no BEGIN:VCARD"));
      return NULL;
    }
  return g_steal_pointer (&self);
}

void
crm_import_plan_free (CrmImportPlan *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_clear_pointer (&self->ignored, g_ptr_array_unref);
  g_clear_pointer (&self->duplicates, g_array_unref);
  g_free (self);
}

guint
crm_import_plan_get_n_contacts (CrmImportPlan *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->entries->len;
}

/**
 * crm_import_plan_get_ignored_columns:
 *
 * Returns: (transfer none): the CSV header's columns that were not read
 */
const char * const *
crm_import_plan_get_ignored_columns (CrmImportPlan *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return (const char * const *) self->ignored->pdata;
}

/**
 * crm_import_plan_find_duplicates:
 *
 * Finds the contacts of the file that have an e-mail address (compared
 * without case) of a stored contact or of a contact before them in the
 * file. Only reads the store.
 */
gboolean
crm_import_plan_find_duplicates (CrmImportPlan  *self,
                                 CrmStore       *store,
                                 GError        **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  return find_duplicates (self, store, error);
}

guint
crm_import_plan_get_n_duplicates (CrmImportPlan *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->duplicates->len;
}

/**
 * crm_import_plan_get_duplicate:
 * @line: (out) (optional): where the duplicate begins in the file
 * @email: (out) (optional) (transfer none): the address it shares
 * @existing_id: (out) (optional) (transfer none): the stored contact it
 *   repeats, or %NULL when it repeats a new contact earlier in the file
 */
gboolean
crm_import_plan_get_duplicate (CrmImportPlan  *self,
                               guint           index,
                               guint          *line,
                               const char    **email,
                               const char    **existing_id)
{
  Entry *entry;

  g_return_val_if_fail (self != NULL, FALSE);

  if (index >= self->duplicates->len)
    return FALSE;
  entry = g_ptr_array_index (self->entries, g_array_index (self->duplicates, guint, index));
  if (line)
    *line = entry->line;
  if (email)
    *email = entry->dup_email;
  if (existing_id)
    *existing_id = entry->dup_id;
  return TRUE;
}

/**
 * crm_import_plan_set_choice:
 *
 * What to do with the duplicate @index; the others follow the choice
 * given to crm_import_plan_apply().
 */
void
crm_import_plan_set_choice (CrmImportPlan      *self,
                            guint               index,
                            CrmDuplicateChoice  choice)
{
  Entry *entry;

  g_return_if_fail (self != NULL);
  g_return_if_fail (index < self->duplicates->len);

  entry = g_ptr_array_index (self->entries, g_array_index (self->duplicates, guint, index));
  entry->choice = choice;
}

/**
 * crm_import_plan_apply:
 * @choice: what to do with duplicates that have no choice of their own
 * @result: (out caller-allocates) (optional): what was done
 *
 * Writes the plan in one transaction: new contacts (and the accounts
 * their organisations name) through crm_store_create(), merges through
 * crm_store_update(), so everything is queued for sync. Duplicates are
 * found again inside the transaction, against the store as it is now.
 * On failure nothing is written.
 */
gboolean
crm_import_plan_apply (CrmImportPlan       *self,
                       CrmStore            *store,
                       CrmDuplicateChoice   choice,
                       CrmImportResult     *result,
                       GError             **error)
{
  CrmImportResult tally = { 0 };
  Apply apply = { store, NULL, &tally };
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  if (!crm_store_begin (store, error))
    return FALSE;
  ok = find_duplicates (self, store, error) &&
       apply_entries (self, &apply, choice, error);
  g_clear_pointer (&apply.accounts, g_hash_table_unref);
  if (!ok)
    {
      crm_store_rollback (store);
      return FALSE;
    }
  if (!crm_store_commit (store, error))
    return FALSE;
  if (result)
    *result = tally;
  return TRUE;
}

/**
 * crm_contacts_export:
 * @ids: (nullable) (array zero-terminated=1): the contacts to write, or
 *   %NULL for every live contact
 * @format: vCard 4.0 or 3.0, or CSV with the columns first_name,
 *   last_name, title, account, emails, phones, address, notes
 * @n_exported: (out) (optional): how many contacts were written
 *
 * Returns: (transfer full): the file's text, which crm_import_plan_parse()
 *   reads back to the same contacts
 */
char *
crm_contacts_export (CrmStore            *store,
                     const char * const  *ids,
                     CrmContactsFormat    format,
                     guint               *n_exported,
                     GError             **error)
{
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GString) out = g_string_new (NULL);

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (ids == NULL)
    {
      if (!(records = crm_store_list (store, "contacts", NULL, 0, 0, error)))
        return NULL;
    }
  else
    {
      records = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0; ids[i]; i++)
        {
          CrmRecord *record = crm_store_get (store, "contacts", ids[i], error);

          if (record == NULL)
            return NULL;
          g_ptr_array_add (records, record);
        }
    }

  if (format == CRM_CONTACTS_FORMAT_CSV)
    {
      for (guint i = 0; i < G_N_ELEMENTS (csv_columns); i++)
        g_string_append_printf (out, "%s%s", i ? "," : "", csv_columns[i]);
      g_string_append (out, "\r\n");
    }
  for (guint i = 0; i < records->len; i++)
    {
      CrmRecord *record = g_ptr_array_index (records, i);

      switch (format)
        {
        case CRM_CONTACTS_FORMAT_VCARD:
        case CRM_CONTACTS_FORMAT_VCARD_30:
          append_vcard (out, store, names, record, format == CRM_CONTACTS_FORMAT_VCARD_30);
          break;
        case CRM_CONTACTS_FORMAT_CSV:
          append_csv_row (out, store, names, record);
          break;
        default:
          g_assert_not_reached ();
        }
    }
  if (n_exported)
    *n_exported = records->len;
  return g_string_free (g_steal_pointer (&out), FALSE);
}
