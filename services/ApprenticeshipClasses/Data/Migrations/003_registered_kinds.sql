-- Organisations are facts of the directory (the identity service), not what a caller types: the college's and
-- each employer's registered kind is stored with the registered name when the cohort or placement is written.
-- Existing rows were shown as a vocational college (3) and an enterprise (1), as before (OrganizationKind).
ALTER TABLE cohorts ADD COLUMN college_kind smallint NOT NULL DEFAULT 3;
ALTER TABLE placements ADD COLUMN employer_kind smallint NOT NULL DEFAULT 1;
