CREATE TABLE labs (
    id                    uuid PRIMARY KEY,          -- UUIDv7: time-ordered, the keyset for paging
    kind                  smallint    NOT NULL,
    level                 smallint    NOT NULL,
    display_name          text        NOT NULL,
    host_code             text        NOT NULL,
    host_name             text        NOT NULL,
    host_kind             smallint    NOT NULL,
    research_field        text        NOT NULL,
    director_name         text        NOT NULL DEFAULT '',
    director_title        text        NOT NULL DEFAULT '',
    application_summary   text        NOT NULL DEFAULT '',
    state                 smallint    NOT NULL,
    state_reason          text        NOT NULL DEFAULT '',
    accreditation_date    date,
    construction_deadline date,
    upgrade_of            uuid REFERENCES labs (id),
    superseded_by         uuid REFERENCES labs (id),
    partner_count         integer     NOT NULL DEFAULT 0,
    create_time           timestamptz NOT NULL DEFAULT now(),
    update_time           timestamptz NOT NULL DEFAULT now(),
    version               bigint      NOT NULL DEFAULT 1
);
CREATE INDEX labs_state ON labs (state, id);
CREATE INDEX labs_host ON labs (host_code, id);
CREATE INDEX labs_kind_level ON labs (kind, level, state, id);
CREATE INDEX labs_field ON labs (research_field, id);
-- "construction overdue": approved for construction (6) or under construction (7) past the deadline.
CREATE INDEX labs_construction_deadline ON labs (construction_deadline) WHERE state IN (6, 7);
-- At most one live upgrade application per platform (not rejected, 12).
CREATE UNIQUE INDEX labs_live_upgrade ON labs (upgrade_of) WHERE upgrade_of IS NOT NULL AND state <> 12;

CREATE TABLE lab_partners (
    id          uuid PRIMARY KEY,
    lab_id      uuid        NOT NULL REFERENCES labs (id),
    credit_code text        NOT NULL,
    org_name    text        NOT NULL,
    org_kind    smallint    NOT NULL,
    joined_date date        NOT NULL,
    left_date   date,
    create_time timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX lab_partners_current ON lab_partners (lab_id, credit_code) WHERE left_date IS NULL;
CREATE INDEX lab_partners_by_code ON lab_partners (credit_code, lab_id) WHERE left_date IS NULL;
CREATE INDEX lab_partners_by_lab ON lab_partners (lab_id, id);

CREATE TABLE lab_evaluations (
    lab_id      uuid        NOT NULL REFERENCES labs (id),
    cycle       integer     NOT NULL,
    score       integer     CHECK (score BETWEEN 0 AND 100),  -- NULL: not filed
    band        smallint    NOT NULL,
    remarks     text        NOT NULL DEFAULT '',
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (lab_id, cycle)
);
CREATE INDEX lab_evaluations_cycle ON lab_evaluations (cycle, lab_id);

CREATE TABLE lab_posts (
    id               uuid PRIMARY KEY,
    lab_id           uuid        NOT NULL REFERENCES labs (id),
    kind             smallint    NOT NULL,
    field            text        NOT NULL,
    engagement       smallint    NOT NULL,
    state            smallint    NOT NULL,
    person_name      text,
    home_code        text,
    home_name        text,
    home_kind        smallint,
    start_date       date,
    end_date         date,
    create_time      timestamptz NOT NULL DEFAULT now(),
    update_time      timestamptz NOT NULL DEFAULT now(),
    version          bigint      NOT NULL DEFAULT 1
);
CREATE INDEX lab_posts_by_lab ON lab_posts (lab_id, id);
