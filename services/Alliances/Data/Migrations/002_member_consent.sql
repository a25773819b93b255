-- Members consent (collaboration.common.v1.LinkState): 1 invited, 2 active, 3 declined, 4 withdrawn, 5 left.
-- Existing members were joined without being asked; they stay as they were: active, or left when they left.
ALTER TABLE alliance_members
    ADD COLUMN state          smallint NOT NULL DEFAULT 2,
    ADD COLUMN answer_time    timestamptz,
    ADD COLUMN decline_reason text     NOT NULL DEFAULT '';
UPDATE alliance_members SET state = 5 WHERE left_date IS NOT NULL;
ALTER TABLE alliance_members ALTER COLUMN state DROP DEFAULT;
-- An invitation without a date takes effect on the day it is accepted.
ALTER TABLE alliance_members ALTER COLUMN joined_date DROP NOT NULL;

-- At most one live (invited or active) link per organisation and alliance; ended ones stay as history.
DROP INDEX alliance_members_current;
CREATE UNIQUE INDEX alliance_members_live ON alliance_members (alliance_id, credit_code) WHERE state IN (1, 2);
DROP INDEX alliance_members_by_code;
CREATE INDEX alliance_members_by_code ON alliance_members (credit_code, alliance_id) WHERE state IN (1, 2);
