-- Medusa's tax regions and rates name who made them (`created_by`), and a rate's rules are rows with
-- ids and times of their own. The rule table is rebuilt to key its rows by id.
ALTER TABLE tax_region ADD COLUMN created_by TEXT;
ALTER TABLE tax_rate ADD COLUMN created_by TEXT;
CREATE TABLE tax_rate_rule_v2 (
    id TEXT PRIMARY KEY,
    tax_rate_id TEXT NOT NULL REFERENCES tax_rate (id),
    reference TEXT NOT NULL,
    reference_id TEXT NOT NULL,
    created_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
INSERT INTO tax_rate_rule_v2 (id, tax_rate_id, reference, reference_id, created_at, updated_at)
SELECT 'txrule_' || upper(hex(randomblob(13))), r.tax_rate_id, r.reference, r.reference_id, t.created_at, t.created_at
FROM tax_rate_rule r JOIN tax_rate t ON t.id = r.tax_rate_id;
DROP TABLE tax_rate_rule;
ALTER TABLE tax_rate_rule_v2 RENAME TO tax_rate_rule;
CREATE UNIQUE INDEX tax_rate_rule_once ON tax_rate_rule (tax_rate_id, reference, reference_id);
CREATE INDEX tax_region_parent ON tax_region (parent_id);
