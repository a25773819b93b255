CREATE TABLE catalogue_editions (
    year                integer PRIMARY KEY,
    state               smallint    NOT NULL,
    entry_count         integer     NOT NULL DEFAULT 0,
    scarce_hundredths   bigint      NOT NULL,
    urgent_hundredths   bigint      NOT NULL,
    compile_time        timestamptz NOT NULL,
    publish_time        timestamptz,
    superseded_by_year  integer,
    create_time         timestamptz NOT NULL DEFAULT now(),
    update_time         timestamptz NOT NULL DEFAULT now(),
    row_version         bigint      NOT NULL DEFAULT 1
);
CREATE INDEX catalogue_editions_state ON catalogue_editions (state, year);

CREATE TABLE catalogue_entries (
    year                     integer     NOT NULL REFERENCES catalogue_editions (year),
    occupation_code          text        NOT NULL,
    industry_chain           text        NOT NULL,
    occupation_title         text        NOT NULL,
    total_demand             integer     NOT NULL,
    declaring_enterprises    integer     NOT NULL,
    pay_min_yuan             integer     NOT NULL,
    pay_max_yuan             integer     NOT NULL,
    supply_seats             integer     NOT NULL,
    supply_graduates_placed  integer     NOT NULL,
    index_hundredths         bigint,                 -- NULL: no supply
    computed_band            smallint    NOT NULL,
    band_override            smallint,               -- the admin's band, NULL: the computed one
    note                     text        NOT NULL DEFAULT '',
    update_time              timestamptz NOT NULL DEFAULT now(),
    row_version              bigint      NOT NULL DEFAULT 1,
    PRIMARY KEY (year, occupation_code, industry_chain)
);
