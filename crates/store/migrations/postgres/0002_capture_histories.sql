-- The capture histories an estimate cell was computed from, kept with the
-- options of the run, so the estimate can be reproduced from the store.
CREATE TABLE capture_histories (
    id          BIGSERIAL PRIMARY KEY,
    load_id     BIGINT  NOT NULL REFERENCES loads (id),
    indicator   TEXT    NOT NULL,
    period      TEXT    NOT NULL,
    breakdown   TEXT    NOT NULL,
    histories   TEXT    NOT NULL,
    options     TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL
);
CREATE INDEX capture_histories_key ON capture_histories (indicator, period, breakdown, recorded_at);
