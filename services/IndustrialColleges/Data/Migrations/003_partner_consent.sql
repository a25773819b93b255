-- Partners consent (issue 12): a partner is invited and becomes current when the enterprise accepts. The link's state is
-- collaboration.common.v1.LinkState (1 invited, 2 active, 3 declined, 4 withdrawn, 5 left); existing partners were
-- current until their left date, so they become active, or left when one is set.
ALTER TABLE college_partners
    ADD COLUMN state          smallint,
    ADD COLUMN org_kind       smallint    NOT NULL DEFAULT 1,   -- the registered kind; existing partners were enterprises
    ADD COLUMN answer_time    timestamptz,
    ADD COLUMN decline_reason text        NOT NULL DEFAULT '';
UPDATE college_partners SET state = CASE WHEN left_date IS NULL THEN 2 ELSE 5 END;
ALTER TABLE college_partners ALTER COLUMN state SET NOT NULL;
-- An invitation may leave the date to the acceptance.
ALTER TABLE college_partners ALTER COLUMN joined_date DROP NOT NULL;

-- At most one live (invited or active) link per enterprise and college; ended links stay as history. A partial index
-- needs its predicate as literals: these are LinkConsent.LiveStates.
DROP INDEX college_partners_current;
DROP INDEX college_partners_by_code;
CREATE UNIQUE INDEX college_partners_live ON college_partners (college_id, credit_code) WHERE state IN (1, 2);
CREATE INDEX college_partners_by_code ON college_partners (credit_code, state, college_id);

-- partner_count counts active partners only.
UPDATE industrial_colleges c
SET partner_count = (SELECT count(*) FROM college_partners p WHERE p.college_id = c.id AND p.state = 2);
