-- Definitions (themes, indicators, documents, …) as JSON documents, one row per
-- definition, in the order the monitor declares them.
CREATE TABLE catalogue (
    kind       TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    seq        BIGINT  NOT NULL,
    body       TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    PRIMARY KEY (kind, id)
);

-- One row per load (init, import, estimate): what arrived together.
CREATE TABLE loads (
    id          BIGSERIAL PRIMARY KEY,
    started_at  TEXT    NOT NULL,
    origin      TEXT    NOT NULL,
    reason      TEXT,
    cells_added BIGINT  NOT NULL DEFAULT 0
);

-- Every value ever recorded. Never updated, never deleted: a correction is a
-- new row, and a query "as of" a date takes the latest row recorded by then.
CREATE TABLE cell_versions (
    id          BIGSERIAL PRIMARY KEY,
    load_id     BIGINT  NOT NULL REFERENCES loads (id),
    indicator   TEXT    NOT NULL,
    period      TEXT    NOT NULL,
    breakdown   TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    value       DOUBLE PRECISION,
    lower_bound DOUBLE PRECISION,
    upper_bound DOUBLE PRECISION,
    base        DOUBLE PRECISION,
    source      TEXT,
    source_ref  TEXT    NOT NULL,
    document    TEXT,
    footnotes   TEXT    NOT NULL,
    quote       TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL,
    reason      TEXT
);
CREATE INDEX cell_versions_key ON cell_versions (indicator, period, breakdown, recorded_at);
CREATE INDEX cell_versions_recorded ON cell_versions (recorded_at);
