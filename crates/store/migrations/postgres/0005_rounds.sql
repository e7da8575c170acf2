-- Data request rounds ("uitvraag"): what is asked of which supplier
-- organisation, what each delivers, every signed-off revision of it, and the
-- editors' reviews. Users are named by login, not by a key into a users
-- table, so this history outlives any account.
CREATE TABLE rounds (
    id        BIGSERIAL PRIMARY KEY,
    -- The edition (catalogue document) the figures are for.
    edition   TEXT    NOT NULL,
    title     TEXT    NOT NULL,
    -- ISO 8601 day.
    due       TEXT    NOT NULL,
    opened_by TEXT    NOT NULL,
    opened_at TEXT    NOT NULL
);

-- One row per asked cell per organisation.
CREATE TABLE round_requests (
    round_id     BIGINT  NOT NULL REFERENCES rounds (id),
    organisation TEXT    NOT NULL,
    indicator    TEXT    NOT NULL,
    period       TEXT    NOT NULL,
    breakdown    TEXT    NOT NULL,
    PRIMARY KEY (round_id, organisation, indicator, period, breakdown)
);

-- One per round and organisation, made when the round opens.
CREATE TABLE deliveries (
    id            BIGSERIAL PRIMARY KEY,
    round_id      BIGINT  NOT NULL REFERENCES rounds (id),
    organisation  TEXT    NOT NULL,
    -- draft, submitted, accepted, returned (zicht_portal::DeliveryState).
    state         TEXT    NOT NULL,
    -- Grows with every change. Every change updates it first, which takes
    -- the row's lock, so two changes to one delivery run one after another.
    version       BIGINT  NOT NULL DEFAULT 0,
    signed_off_by TEXT,
    signed_off_at TEXT,
    -- The editor's last message (return, reopen).
    message       TEXT,
    updated_at    TEXT    NOT NULL,
    UNIQUE (round_id, organisation)
);
CREATE INDEX deliveries_organisation ON deliveries (organisation);

-- The supplier's working copy, replaced by every save. What was signed off
-- is in revision_cells and never changes.
CREATE TABLE delivery_drafts (
    delivery_id BIGINT  NOT NULL REFERENCES deliveries (id),
    indicator   TEXT    NOT NULL,
    period      TEXT    NOT NULL,
    breakdown   TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    value       DOUBLE PRECISION,
    lower_bound DOUBLE PRECISION,
    upper_bound DOUBLE PRECISION,
    base        DOUBLE PRECISION,
    reason      TEXT,
    PRIMARY KEY (delivery_id, indicator, period, breakdown)
);

-- Every sign-off: a numbered snapshot of the whole delivery.
CREATE TABLE delivery_revisions (
    id           BIGSERIAL PRIMARY KEY,
    delivery_id  BIGINT  NOT NULL REFERENCES deliveries (id),
    number       BIGINT  NOT NULL,
    submitted_by TEXT    NOT NULL,
    submitted_at TEXT    NOT NULL,
    -- The cells as canonical JSON: a retried sign-off with the same content
    -- is recognised and makes no second revision.
    content      TEXT    NOT NULL,
    UNIQUE (delivery_id, number)
);

CREATE TABLE revision_cells (
    revision_id BIGINT  NOT NULL REFERENCES delivery_revisions (id),
    indicator   TEXT    NOT NULL,
    period      TEXT    NOT NULL,
    breakdown   TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    value       DOUBLE PRECISION,
    lower_bound DOUBLE PRECISION,
    upper_bound DOUBLE PRECISION,
    base        DOUBLE PRECISION,
    reason      TEXT,
    PRIMARY KEY (revision_id, indicator, period, breakdown)
);

-- An editor's decision on a revision: accepted, returned, or one cell reopened.
CREATE TABLE reviews (
    id          BIGSERIAL PRIMARY KEY,
    delivery_id BIGINT  NOT NULL REFERENCES deliveries (id),
    revision_id BIGINT  NOT NULL REFERENCES delivery_revisions (id),
    decision    TEXT    NOT NULL,
    editor      TEXT    NOT NULL,
    at          TEXT    NOT NULL,
    message     TEXT,
    -- The reopened cell, for a reopen.
    indicator   TEXT,
    period      TEXT,
    breakdown   TEXT,
    -- The load that put the cells in cell_versions, for an acceptance.
    load_id     BIGINT  REFERENCES loads (id)
);
CREATE INDEX reviews_delivery ON reviews (delivery_id, id);

-- Who may see an edition before its embargo ends (pre-release access).
CREATE TABLE edition_access (
    edition    TEXT NOT NULL,
    login      TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (edition, login)
);
