CREATE TABLE alliances (
    id              uuid PRIMARY KEY,          -- UUIDv7: time-ordered, the keyset for paging
    display_name    text        NOT NULL,
    short_name      text        NOT NULL DEFAULT '',
    industry_chain  text        NOT NULL,
    lead_code       text        NOT NULL,
    lead_name       text        NOT NULL,
    charter_summary text        NOT NULL DEFAULT '',
    founded_date    date,
    state           smallint    NOT NULL,
    state_reason    text        NOT NULL DEFAULT '',
    member_count    integer     NOT NULL DEFAULT 0,
    create_time     timestamptz NOT NULL DEFAULT now(),
    update_time     timestamptz NOT NULL DEFAULT now(),
    version         bigint      NOT NULL DEFAULT 1
);
-- Names are unique among alliances that are not dissolved (state 5).
CREATE UNIQUE INDEX alliances_live_name ON alliances (lower(display_name)) WHERE state <> 5;
CREATE INDEX alliances_state ON alliances (state, id);
CREATE INDEX alliances_chain_state ON alliances (industry_chain, state, id);
CREATE INDEX alliances_lead ON alliances (lead_code, id);

CREATE TABLE alliance_members (
    id          uuid PRIMARY KEY,
    alliance_id uuid        NOT NULL REFERENCES alliances (id),
    credit_code text        NOT NULL,
    org_name    text        NOT NULL,
    org_kind    smallint    NOT NULL,
    role        smallint    NOT NULL,
    joined_date date        NOT NULL,
    left_date   date,
    create_time timestamptz NOT NULL DEFAULT now()
);
-- An organisation is a current member at most once; history rows (left_date set) stay.
CREATE UNIQUE INDEX alliance_members_current ON alliance_members (alliance_id, credit_code) WHERE left_date IS NULL;
CREATE INDEX alliance_members_by_code ON alliance_members (credit_code, alliance_id) WHERE left_date IS NULL;
CREATE INDEX alliance_members_by_alliance ON alliance_members (alliance_id, id);

CREATE TABLE alliance_evaluations (
    alliance_id uuid        NOT NULL REFERENCES alliances (id),
    year        integer     NOT NULL,
    score       integer     NOT NULL CHECK (score BETWEEN 0 AND 100),
    grade       smallint    NOT NULL,
    remarks     text        NOT NULL DEFAULT '',
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (alliance_id, year)
);
