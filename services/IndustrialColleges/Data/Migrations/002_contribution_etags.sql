-- Courses, training bases and mentors become updatable: each carries an update time and a version (its etag).
ALTER TABLE college_courses ADD COLUMN update_time timestamptz NOT NULL DEFAULT now(), ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE college_training_bases ADD COLUMN update_time timestamptz NOT NULL DEFAULT now(), ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE college_mentors ADD COLUMN update_time timestamptz NOT NULL DEFAULT now(), ADD COLUMN version bigint NOT NULL DEFAULT 1;
-- Rows that were never changed were last updated when created.
UPDATE college_courses SET update_time = create_time;
UPDATE college_training_bases SET update_time = create_time;
UPDATE college_mentors SET update_time = create_time;
