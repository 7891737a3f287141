-- Schema version 1: the records, the outbox, conflicts and search.
--
-- Every record table starts with the same columns. `rid` is an internal
-- integer key: it is the rowid the full-text index refers to, so it must be
-- stable (an INTEGER PRIMARY KEY survives VACUUM). `id` is the record's
-- client-generated UUID, the only key that leaves the device.
-- Money columns hold integer minor units of the row's currency; decimal
-- columns hold integers scaled by the field's fixed number of decimals
-- (see crm-entity.c).
--
-- References (account_id, stage_id, …) are not declared as foreign keys.
-- The change feed orders records by their last change, so a pulled page
-- can name a record that arrives in a later page, or one this user may
-- never see (an account of another team behind a shared contact); a
-- constraint would stop sync there. Local edits are checked in code
-- (check_references in crm-store.c) and the server checks every push.

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT
) WITHOUT ROWID;

CREATE TABLE users (
  rid        INTEGER PRIMARY KEY,
  id         TEXT NOT NULL UNIQUE,
  version    INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  owner_id   TEXT,
  deleted    INTEGER NOT NULL DEFAULT 0,
  name       TEXT NOT NULL,
  email      TEXT,
  role       TEXT NOT NULL CHECK (role IN ('rep', 'manager', 'admin')),
  manager_id TEXT
);

CREATE TABLE accounts (
  rid            INTEGER PRIMARY KEY,
  id             TEXT NOT NULL UNIQUE,
  version        INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0),
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL,
  owner_id       TEXT,
  deleted        INTEGER NOT NULL DEFAULT 0,
  name           TEXT NOT NULL,
  industry       TEXT,
  website        TEXT,
  phone          TEXT,
  address        TEXT,
  annual_revenue INTEGER
);

CREATE TABLE contacts (
  rid        INTEGER PRIMARY KEY,
  id         TEXT NOT NULL UNIQUE,
  version    INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  owner_id   TEXT,
  deleted    INTEGER NOT NULL DEFAULT 0,
  first_name TEXT,
  last_name  TEXT,
  title      TEXT,
  account_id TEXT,
  emails     TEXT NOT NULL DEFAULT '[]',
  phones     TEXT NOT NULL DEFAULT '[]',
  address    TEXT,
  notes      TEXT
);
CREATE INDEX contacts_account ON contacts (account_id);

CREATE TABLE stages (
  rid               INTEGER PRIMARY KEY,
  id                TEXT NOT NULL UNIQUE,
  version           INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0),
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL,
  owner_id          TEXT,
  deleted           INTEGER NOT NULL DEFAULT 0,
  name              TEXT NOT NULL,
  position          INTEGER NOT NULL,
  probability       INTEGER NOT NULL CHECK (probability BETWEEN 0 AND 10000),
  forecast_category TEXT NOT NULL,
  is_won            INTEGER NOT NULL DEFAULT 0,
  is_lost           INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE opportunities (
  rid                 INTEGER PRIMARY KEY,
  id                  TEXT NOT NULL UNIQUE,
  version             INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0),
  created_at          TEXT NOT NULL,
  updated_at          TEXT NOT NULL,
  owner_id            TEXT,
  deleted             INTEGER NOT NULL DEFAULT 0,
  name                TEXT NOT NULL,
  account_id          TEXT,
  contact_id          TEXT,
  stage_id            TEXT NOT NULL,
  amount              INTEGER,
  currency            TEXT NOT NULL,
  probability         INTEGER CHECK (probability BETWEEN 0 AND 10000),
  expected_close_date TEXT,
  forecast_category   TEXT,
  next_step           TEXT,
  lost_reason         TEXT
);
CREATE INDEX opportunities_account ON opportunities (account_id);
CREATE INDEX opportunities_stage ON opportunities (stage_id);
CREATE INDEX opportunities_close ON opportunities (expected_close_date);

CREATE TABLE activities (
  rid            INTEGER PRIMARY KEY,
  id             TEXT NOT NULL UNIQUE,
  version        INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0),
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL,
  owner_id       TEXT,
  deleted        INTEGER NOT NULL DEFAULT 0,
  kind           TEXT NOT NULL CHECK (kind IN ('call', 'meeting', 'task', 'note')),
  subject        TEXT NOT NULL,
  due_at         TEXT,
  done           INTEGER NOT NULL DEFAULT 0,
  contact_id     TEXT,
  account_id     TEXT,
  opportunity_id TEXT,
  notes          TEXT
);
CREATE INDEX activities_contact ON activities (contact_id);
CREATE INDEX activities_account ON activities (account_id);
CREATE INDEX activities_opportunity ON activities (opportunity_id);

CREATE TABLE products (
  rid         INTEGER PRIMARY KEY,
  id          TEXT NOT NULL UNIQUE,
  version     INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  owner_id    TEXT,
  deleted     INTEGER NOT NULL DEFAULT 0,
  sku         TEXT NOT NULL,
  name        TEXT NOT NULL,
  description TEXT,
  unit        TEXT,
  unit_price  INTEGER NOT NULL,
  currency    TEXT NOT NULL,
  tax_rate    INTEGER
);

CREATE TABLE quotes (
  rid               INTEGER PRIMARY KEY,
  id                TEXT NOT NULL UNIQUE,
  version           INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0),
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL,
  owner_id          TEXT,
  deleted           INTEGER NOT NULL DEFAULT 0,
  number            TEXT NOT NULL,
  revision          INTEGER,
  status            TEXT NOT NULL,
  opportunity_id    TEXT,
  account_id        TEXT,
  contact_id        TEXT,
  currency          TEXT NOT NULL,
  valid_until       TEXT,
  terms             TEXT,
  notes             TEXT,
  lines             TEXT NOT NULL DEFAULT '[]',
  discount_percent  INTEGER,
  discount_amount   INTEGER,
  shipping          INTEGER,
  shipping_tax_rate INTEGER
);
CREATE INDEX quotes_opportunity ON quotes (opportunity_id);

CREATE TABLE quotas (
  rid        INTEGER PRIMARY KEY,
  id         TEXT NOT NULL UNIQUE,
  version    INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  owner_id   TEXT,
  deleted    INTEGER NOT NULL DEFAULT 0,
  user_id    TEXT NOT NULL,
  period     TEXT NOT NULL,
  amount     INTEGER NOT NULL,
  currency   TEXT NOT NULL
);
CREATE INDEX quotas_user ON quotas (user_id, period);

CREATE TABLE forecast_adjustments (
  rid        INTEGER PRIMARY KEY,
  id         TEXT NOT NULL UNIQUE,
  version    INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  owner_id   TEXT,
  deleted    INTEGER NOT NULL DEFAULT 0,
  user_id    TEXT NOT NULL,
  period     TEXT NOT NULL,
  category   TEXT NOT NULL CHECK (category IN ('commit', 'best_case')),
  amount     INTEGER NOT NULL,
  currency   TEXT NOT NULL,
  note       TEXT CHECK (note IS NULL OR length (note) <= 255),
  author_id  TEXT,
  reverted   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX forecast_adjustments_user ON forecast_adjustments (user_id, period);

CREATE TABLE currencies (
  rid        INTEGER PRIMARY KEY,
  id         TEXT NOT NULL UNIQUE,
  version    INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  owner_id   TEXT,
  deleted    INTEGER NOT NULL DEFAULT 0,
  code       TEXT NOT NULL,
  name       TEXT,
  symbol     TEXT
);

CREATE TABLE exchange_rates (
  rid            INTEGER PRIMARY KEY,
  id             TEXT NOT NULL UNIQUE,
  version        INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0),
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL,
  owner_id       TEXT,
  deleted        INTEGER NOT NULL DEFAULT 0,
  currency       TEXT NOT NULL,
  base_currency  TEXT NOT NULL,
  rate           INTEGER NOT NULL CHECK (rate > 0),
  effective_date TEXT NOT NULL
);
CREATE INDEX exchange_rates_lookup ON exchange_rates (currency, base_currency, effective_date);

-- The outbox: one row per local edit not yet acknowledged by the server.
-- `fields` is {"name":{"old":…,"new":…}} with only the changed fields.
CREATE TABLE outbox (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  mutation_id  TEXT NOT NULL UNIQUE,
  entity       TEXT NOT NULL,
  record_id    TEXT NOT NULL,
  op           TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),
  base_version INTEGER NOT NULL,
  fields       TEXT NOT NULL DEFAULT '{}',
  created_at   TEXT NOT NULL,
  state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'rejected')),
  error        TEXT,
  attempts     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_record ON outbox (entity, record_id);

-- A field both sides changed, kept until the user chooses. Values are JSON.
CREATE TABLE conflicts (
  id             TEXT PRIMARY KEY,
  entity         TEXT NOT NULL,
  record_id      TEXT NOT NULL,
  field          TEXT NOT NULL,
  original       TEXT,
  mine           TEXT,
  server         TEXT,
  server_version INTEGER NOT NULL DEFAULT 0,
  created_at     TEXT NOT NULL,
  UNIQUE (entity, record_id, field)
);

-- Full-text search. The indexes are contentless: a hit is joined back to
-- its row through `rid`. New rows are not indexed one by one: FTS5 writes
-- its pending index out at every statement savepoint, which made each
-- insert pay for a segment write. An insert only queues the row in
-- fts_pending, and the outermost commit indexes the queue with one
-- INSERT … SELECT per table (crm-store.c). Updates and deletes of rows
-- already indexed keep the index in step at once; of rows still queued,
-- they leave it to the commit, which indexes what the row is by then.
CREATE TABLE fts_pending (
  entity TEXT NOT NULL,
  rid    INTEGER NOT NULL,
  PRIMARY KEY (entity, rid)
) WITHOUT ROWID;

CREATE VIRTUAL TABLE accounts_fts USING fts5 (
  name, industry, website, phone,
  content = '', prefix = '1 2 3', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER accounts_fts_insert AFTER INSERT ON accounts WHEN new.deleted = 0
BEGIN
  INSERT INTO fts_pending (entity, rid) VALUES ('accounts', new.rid);
END;
CREATE TRIGGER accounts_fts_delete AFTER DELETE ON accounts
WHEN old.deleted = 0 AND NOT EXISTS (SELECT 1 FROM fts_pending WHERE entity = 'accounts' AND rid = old.rid)
BEGIN
  INSERT INTO accounts_fts (accounts_fts, rowid, name, industry, website, phone)
  VALUES ('delete', old.rid, old.name, old.industry, old.website, old.phone);
END;
CREATE TRIGGER accounts_fts_update AFTER UPDATE ON accounts
WHEN NOT EXISTS (SELECT 1 FROM fts_pending WHERE entity = 'accounts' AND rid = old.rid)
BEGIN
  INSERT INTO accounts_fts (accounts_fts, rowid, name, industry, website, phone)
  SELECT 'delete', old.rid, old.name, old.industry, old.website, old.phone WHERE old.deleted = 0;
  INSERT INTO accounts_fts (rowid, name, industry, website, phone)
  SELECT new.rid, new.name, new.industry, new.website, new.phone WHERE new.deleted = 0;
END;

CREATE VIRTUAL TABLE contacts_fts USING fts5 (
  first_name, last_name, title, emails, phones,
  content = '', prefix = '1 2 3', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts WHEN new.deleted = 0
BEGIN
  INSERT INTO fts_pending (entity, rid) VALUES ('contacts', new.rid);
END;
CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts
WHEN old.deleted = 0 AND NOT EXISTS (SELECT 1 FROM fts_pending WHERE entity = 'contacts' AND rid = old.rid)
BEGIN
  INSERT INTO contacts_fts (contacts_fts, rowid, first_name, last_name, title, emails, phones)
  VALUES ('delete', old.rid, old.first_name, old.last_name, old.title,
          (SELECT group_concat (json_extract (value, '$.value'), ' ') FROM json_each (old.emails)),
          (SELECT group_concat (json_extract (value, '$.value'), ' ') FROM json_each (old.phones)));
END;
CREATE TRIGGER contacts_fts_update AFTER UPDATE ON contacts
WHEN NOT EXISTS (SELECT 1 FROM fts_pending WHERE entity = 'contacts' AND rid = old.rid)
BEGIN
  INSERT INTO contacts_fts (contacts_fts, rowid, first_name, last_name, title, emails, phones)
  SELECT 'delete', old.rid, old.first_name, old.last_name, old.title,
         (SELECT group_concat (json_extract (value, '$.value'), ' ') FROM json_each (old.emails)),
         (SELECT group_concat (json_extract (value, '$.value'), ' ') FROM json_each (old.phones))
  WHERE old.deleted = 0;
  INSERT INTO contacts_fts (rowid, first_name, last_name, title, emails, phones)
  SELECT new.rid, new.first_name, new.last_name, new.title,
         (SELECT group_concat (json_extract (value, '$.value'), ' ') FROM json_each (new.emails)),
         (SELECT group_concat (json_extract (value, '$.value'), ' ') FROM json_each (new.phones))
  WHERE new.deleted = 0;
END;

CREATE VIRTUAL TABLE opportunities_fts USING fts5 (
  name, next_step,
  content = '', prefix = '1 2 3', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER opportunities_fts_insert AFTER INSERT ON opportunities WHEN new.deleted = 0
BEGIN
  INSERT INTO fts_pending (entity, rid) VALUES ('opportunities', new.rid);
END;
CREATE TRIGGER opportunities_fts_delete AFTER DELETE ON opportunities
WHEN old.deleted = 0 AND NOT EXISTS (SELECT 1 FROM fts_pending WHERE entity = 'opportunities' AND rid = old.rid)
BEGIN
  INSERT INTO opportunities_fts (opportunities_fts, rowid, name, next_step)
  VALUES ('delete', old.rid, old.name, old.next_step);
END;
CREATE TRIGGER opportunities_fts_update AFTER UPDATE ON opportunities
WHEN NOT EXISTS (SELECT 1 FROM fts_pending WHERE entity = 'opportunities' AND rid = old.rid)
BEGIN
  INSERT INTO opportunities_fts (opportunities_fts, rowid, name, next_step)
  SELECT 'delete', old.rid, old.name, old.next_step WHERE old.deleted = 0;
  INSERT INTO opportunities_fts (rowid, name, next_step)
  SELECT new.rid, new.name, new.next_step WHERE new.deleted = 0;
END;
