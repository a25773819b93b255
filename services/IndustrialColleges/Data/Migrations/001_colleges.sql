CREATE TABLE industrial_colleges (
    id                   uuid PRIMARY KEY,          -- UUIDv7: time-ordered, the keyset for paging
    display_name         text        NOT NULL,
    host_code            text        NOT NULL,
    host_name            text        NOT NULL,
    host_kind            smallint    NOT NULL,
    industry_chain       text        NOT NULL,
    enrolment_capacity   integer     NOT NULL CHECK (enrolment_capacity > 0),
    major_catalogue_year integer     NOT NULL,
    major_codes          text[]      NOT NULL DEFAULT '{}',
    state                smallint    NOT NULL,
    state_reason         text        NOT NULL DEFAULT '',
    partner_count        integer     NOT NULL DEFAULT 0,
    create_time          timestamptz NOT NULL DEFAULT now(),
    update_time          timestamptz NOT NULL DEFAULT now(),
    version              bigint      NOT NULL DEFAULT 1
);
-- Names are unique among colleges that are not closed (state 6).
CREATE UNIQUE INDEX industrial_colleges_live_name ON industrial_colleges (lower(display_name)) WHERE state <> 6;
CREATE INDEX industrial_colleges_state ON industrial_colleges (state, id);
CREATE INDEX industrial_colleges_chain_state ON industrial_colleges (industry_chain, state, id);
CREATE INDEX industrial_colleges_host ON industrial_colleges (host_code, id);

CREATE TABLE college_partners (
    id          uuid PRIMARY KEY,
    college_id  uuid        NOT NULL REFERENCES industrial_colleges (id),
    credit_code text        NOT NULL,
    org_name    text        NOT NULL,
    role        smallint    NOT NULL,
    joined_date date        NOT NULL,
    left_date   date,
    create_time timestamptz NOT NULL DEFAULT now()
);
-- An enterprise is a current partner at most once; removed partners stay as history.
CREATE UNIQUE INDEX college_partners_current ON college_partners (college_id, credit_code) WHERE left_date IS NULL;
CREATE INDEX college_partners_by_code ON college_partners (credit_code, college_id) WHERE left_date IS NULL;
CREATE INDEX college_partners_by_college ON college_partners (college_id, id);

-- Contributions keep the enterprise's code, not a partner row, so they outlive the partnership.
CREATE TABLE college_courses (
    id              uuid PRIMARY KEY,
    college_id      uuid        NOT NULL REFERENCES industrial_colleges (id),
    title           text        NOT NULL,
    hours           integer     NOT NULL CHECK (hours > 0),
    enterprise_code text        NOT NULL,
    major_codes     text[]      NOT NULL DEFAULT '{}',
    create_time     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX college_courses_by_college ON college_courses (college_id, id);

CREATE TABLE college_training_bases (
    id              uuid PRIMARY KEY,
    college_id      uuid        NOT NULL REFERENCES industrial_colleges (id),
    display_name    text        NOT NULL,
    enterprise_code text        NOT NULL,
    address         text        NOT NULL,
    capacity        integer     NOT NULL CHECK (capacity > 0),
    create_time     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX college_training_bases_by_college ON college_training_bases (college_id, id);

CREATE TABLE college_mentors (
    id              uuid PRIMARY KEY,
    college_id      uuid        NOT NULL REFERENCES industrial_colleges (id),
    display_name    text        NOT NULL,
    enterprise_code text        NOT NULL,
    specialty       text        NOT NULL DEFAULT '',
    title           text        NOT NULL DEFAULT '',
    create_time     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX college_mentors_by_college ON college_mentors (college_id, id);

-- Only the reported figures are stored; indicators are computed on read.
CREATE TABLE college_reports (
    college_id                     uuid        NOT NULL REFERENCES industrial_colleges (id),
    year                           integer     NOT NULL,
    enrolment                      integer     NOT NULL CHECK (enrolment >= 0),
    graduates                      integer     NOT NULL CHECK (graduates >= 0),
    graduates_cohort_year          integer     NOT NULL,
    courses_delivered              integer     NOT NULL CHECK (courses_delivered >= 0),
    co_developed_courses_delivered integer     NOT NULL CHECK (co_developed_courses_delivered >= 0),
    mentor_hours                   integer     NOT NULL CHECK (mentor_hours >= 0),
    trainees_hosted                integer     NOT NULL CHECK (trainees_hosted >= 0),
    state                          smallint    NOT NULL,
    create_time                    timestamptz NOT NULL DEFAULT now(),
    update_time                    timestamptz NOT NULL DEFAULT now(),
    version                        bigint      NOT NULL DEFAULT 1,
    PRIMARY KEY (college_id, year)
);
