CREATE TABLE cohorts (
    id                      uuid PRIMARY KEY,          -- UUIDv7: time-ordered, the keyset for paging
    kind                    smallint    NOT NULL,
    display_name            text        NOT NULL,
    college_code            text        NOT NULL,
    college_name            text        NOT NULL,
    industrial_college_name text        NOT NULL DEFAULT '',
    major_code              text        NOT NULL,
    major_version           text        NOT NULL,
    occupation_code         text        NOT NULL,
    occupation_version      text        NOT NULL,
    industry_chain          text        NOT NULL,
    seats                   integer     NOT NULL CHECK (seats > 0),
    placement_commitment    integer     NOT NULL CHECK (placement_commitment >= 0),
    start_date              date        NOT NULL,
    end_date                date        NOT NULL CHECK (end_date > start_date),
    state                   smallint    NOT NULL,
    state_reason            text        NOT NULL DEFAULT '',
    create_time             timestamptz NOT NULL DEFAULT now(),
    update_time             timestamptz NOT NULL DEFAULT now(),
    version                 bigint      NOT NULL DEFAULT 1
);
CREATE INDEX cohorts_college ON cohorts (college_code, id);
CREATE INDEX cohorts_state ON cohorts (state, id);
CREATE INDEX cohorts_chain ON cohorts (industry_chain, id);

-- Sponsorships are dated links: history is kept, never overwritten.
CREATE TABLE cohort_sponsors (
    cohort_id   uuid        NOT NULL REFERENCES cohorts (id),
    credit_code text        NOT NULL,
    org_name    text        NOT NULL,
    joined_date date        NOT NULL,
    left_date   date,
    PRIMARY KEY (cohort_id, credit_code, joined_date)
);
CREATE UNIQUE INDEX cohort_sponsors_current ON cohort_sponsors (cohort_id, credit_code) WHERE left_date IS NULL;
CREATE INDEX cohort_sponsors_by_code ON cohort_sponsors (credit_code, cohort_id);

-- One learner in one cohort. The identity number itself is never stored: only an HMAC-SHA256 under
-- the service's key (Learners:IdentityKey) and the last four characters for the masked display.
CREATE TABLE enrolments (
    id                uuid PRIMARY KEY,
    cohort_id         uuid        NOT NULL REFERENCES cohorts (id),
    college_code      text        NOT NULL,
    student_number    text        NOT NULL,
    display_name      text        NOT NULL,
    identity_hash     bytea       NOT NULL,
    identity_last4    text        NOT NULL,
    state             smallint    NOT NULL,
    college_mentor    text        NOT NULL DEFAULT '',
    enterprise_mentor text        NOT NULL DEFAULT '',
    sponsor_code      text        NOT NULL,
    create_time       timestamptz NOT NULL DEFAULT now(),
    update_time       timestamptz NOT NULL DEFAULT now(),
    version           bigint      NOT NULL DEFAULT 1
);
-- A student number names one learner within a college; a person is enrolled in a cohort once.
CREATE UNIQUE INDEX enrolments_student_number ON enrolments (college_code, student_number);
CREATE UNIQUE INDEX enrolments_person ON enrolments (cohort_id, identity_hash);
CREATE INDEX enrolments_cohort ON enrolments (cohort_id, id);

CREATE TABLE placements (
    enrolment_id  uuid PRIMARY KEY REFERENCES enrolments (id),
    cohort_id     uuid        NOT NULL REFERENCES cohorts (id),
    state         smallint    NOT NULL,
    employer_code text        NOT NULL,
    employer_name text        NOT NULL,
    in_city       boolean     NOT NULL,
    start_date    date,
    create_time   timestamptz NOT NULL DEFAULT now(),
    update_time   timestamptz NOT NULL DEFAULT now(),
    version       bigint      NOT NULL DEFAULT 1
);
CREATE INDEX placements_cohort ON placements (cohort_id);

CREATE TABLE retention_checks (
    enrolment_id   uuid        NOT NULL REFERENCES placements (enrolment_id),
    month          integer     NOT NULL CHECK (month IN (6, 12, 24)),
    still_employed boolean     NOT NULL,
    same_employer  boolean     NOT NULL,
    record_time    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (enrolment_id, month)
);

CREATE TABLE sponsor_changes (
    id           uuid PRIMARY KEY,
    cohort_id    uuid        NOT NULL REFERENCES cohorts (id),
    enrolment_id uuid        NOT NULL REFERENCES enrolments (id),
    from_code    text        NOT NULL,
    to_code      text        NOT NULL,
    reason       text        NOT NULL DEFAULT '',
    state        smallint    NOT NULL,
    create_time  timestamptz NOT NULL DEFAULT now(),
    update_time  timestamptz NOT NULL DEFAULT now(),
    version      bigint      NOT NULL DEFAULT 1
);
-- At most one pending request per learner.
CREATE UNIQUE INDEX sponsor_changes_pending ON sponsor_changes (enrolment_id) WHERE state = 1;
CREATE INDEX sponsor_changes_enrolment ON sponsor_changes (enrolment_id, id);
