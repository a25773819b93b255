-- Tables every service keeps in its own database.

-- AIP-155 request ids: recorded in the same transaction as the write they belong to.
CREATE TABLE request_ids (
    request_id  uuid PRIMARY KEY,
    method      text        NOT NULL,
    fingerprint bytea       NOT NULL,
    response    bytea,
    create_time timestamptz NOT NULL DEFAULT now()
);

-- Every state change (and every other write) of a resource, written with the change itself.
CREATE TABLE audit_entries (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    root               text        NOT NULL,  -- the top-level resource, e.g. alliances/{id}
    resource           text        NOT NULL,  -- the resource acted on (root or a child of it)
    action             text        NOT NULL,
    actor              text        NOT NULL,
    actor_organization text        NOT NULL,
    from_state         text        NOT NULL,
    to_state           text        NOT NULL,
    detail             text        NOT NULL DEFAULT '',
    create_time        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_entries_root ON audit_entries (root, id);
