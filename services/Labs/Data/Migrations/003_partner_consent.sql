-- Partners consent (collaboration.common.v1.LinkState): invited (1) → active (2) | declined (3) | withdrawn (4);
-- active → left (5). Links made before consent existed were current or had left.
ALTER TABLE lab_partners ADD COLUMN state smallint NOT NULL DEFAULT 2;
ALTER TABLE lab_partners ADD COLUMN answer_time timestamptz;
ALTER TABLE lab_partners ADD COLUMN decline_reason text NOT NULL DEFAULT '';
UPDATE lab_partners SET state = 5 WHERE left_date IS NOT NULL;
ALTER TABLE lab_partners ALTER COLUMN state DROP DEFAULT;
-- An invitation without a date takes effect on the day it is accepted.
ALTER TABLE lab_partners ALTER COLUMN joined_date DROP NOT NULL;

-- At most one live (invited or active) link per organisation and platform.
DROP INDEX lab_partners_current;
CREATE UNIQUE INDEX lab_partners_live ON lab_partners (lab_id, credit_code) WHERE state IN (1, 2);
DROP INDEX lab_partners_by_code;
CREATE INDEX lab_partners_by_code ON lab_partners (credit_code, lab_id) WHERE state IN (1, 2);

UPDATE labs l SET partner_count = (SELECT count(*) FROM lab_partners p WHERE p.lab_id = l.id AND p.state = 2);
