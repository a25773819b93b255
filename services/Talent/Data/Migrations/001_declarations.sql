CREATE TABLE declarations (
    id                   uuid PRIMARY KEY,          -- UUIDv7: time-ordered, the keyset for paging
    lineage_id           uuid        NOT NULL,      -- the first version's id, shared by its corrections
    version              integer     NOT NULL,
    revises_id           uuid REFERENCES declarations (id),
    superseded_by_id     uuid REFERENCES declarations (id),
    enterprise_code      text        NOT NULL,
    enterprise_name      text        NOT NULL,
    enterprise_kind      smallint    NOT NULL,
    year                 integer     NOT NULL,
    occupation_code      text        NOT NULL,
    occupation_version   text        NOT NULL,
    major_codes          text[]      NOT NULL DEFAULT '{}',
    major_version        text        NOT NULL,
    industry_chain       text        NOT NULL,
    headcount            integer     NOT NULL CHECK (headcount BETWEEN 1 AND 10000),
    education_level      smallint    NOT NULL,
    skill_level          smallint    NOT NULL CHECK (skill_level BETWEEN 1 AND 5),
    urgency              smallint    NOT NULL,
    pay_min_yuan         integer     NOT NULL,
    pay_max_yuan         integer     NOT NULL,
    work_district        text        NOT NULL,
    description          text        NOT NULL DEFAULT '',
    state                smallint    NOT NULL,
    state_reason         text        NOT NULL DEFAULT '',
    submit_time          timestamptz,
    create_time          timestamptz NOT NULL DEFAULT now(),
    update_time          timestamptz NOT NULL DEFAULT now(),
    row_version          bigint      NOT NULL DEFAULT 1,
    CHECK (pay_min_yuan >= 1 AND pay_min_yuan <= pay_max_yuan),
    UNIQUE (lineage_id, version)
);
-- One open correction (draft, state 1) per declaration at a time.
CREATE UNIQUE INDEX declarations_open_correction ON declarations (lineage_id) WHERE state = 1 AND version > 1;
CREATE INDEX declarations_enterprise ON declarations (enterprise_code, id);
CREATE INDEX declarations_year_state ON declarations (year, state, id);
