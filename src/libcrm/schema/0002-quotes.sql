-- Schema version 2: quotes carry their totals and lifecycle, products
-- their prices per currency and a full-text index.
--
-- A quote keeps the rounding and tax mode it was computed with, so the
-- server recomputes it the same way, and the totals the engine made of
-- its lines (integer minor units of its currency). Quotes from schema 1
-- have no totals until they are next saved.

ALTER TABLE quotes ADD COLUMN tax_mode TEXT;
ALTER TABLE quotes ADD COLUMN rounding TEXT;
ALTER TABLE quotes ADD COLUMN subtotal INTEGER;
ALTER TABLE quotes ADD COLUMN discount INTEGER;
ALTER TABLE quotes ADD COLUMN tax INTEGER;
ALTER TABLE quotes ADD COLUMN total INTEGER;
ALTER TABLE quotes ADD COLUMN previous_id TEXT;
CREATE INDEX quotes_number ON quotes (number, revision);
CREATE INDEX quotes_account ON quotes (account_id);

-- {"USD": "260.00", …}: the prices besides unit_price in currency
ALTER TABLE products ADD COLUMN prices TEXT NOT NULL DEFAULT '{}';

CREATE VIRTUAL TABLE products_fts USING fts5 (
  sku, name, description,
  content = '', prefix = '1 2 3', tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO products_fts (rowid, sku, name, description)
SELECT rid, sku, name, description FROM products WHERE deleted = 0;
CREATE TRIGGER products_fts_insert AFTER INSERT ON products WHEN new.deleted = 0
BEGIN
  INSERT INTO fts_pending (entity, rid) VALUES ('products', new.rid);
END;
CREATE TRIGGER products_fts_delete AFTER DELETE ON products
WHEN old.deleted = 0 AND NOT EXISTS (SELECT 1 FROM fts_pending WHERE entity = 'products' AND rid = old.rid)
BEGIN
  INSERT INTO products_fts (products_fts, rowid, sku, name, description)
  VALUES ('delete', old.rid, old.sku, old.name, old.description);
END;
CREATE TRIGGER products_fts_update AFTER UPDATE ON products
WHEN NOT EXISTS (SELECT 1 FROM fts_pending WHERE entity = 'products' AND rid = old.rid)
BEGIN
  INSERT INTO products_fts (products_fts, rowid, sku, name, description)
  SELECT 'delete', old.rid, old.sku, old.name, old.description WHERE old.deleted = 0;
  INSERT INTO products_fts (rowid, sku, name, description)
  SELECT new.rid, new.sku, new.name, new.description WHERE new.deleted = 0;
END;
