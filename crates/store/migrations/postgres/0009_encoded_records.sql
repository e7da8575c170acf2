-- Encoded records in a round (issue 13): a request to one supplier
-- organisation for the encodings of its records (from `zicht encode`, no
-- identifiers), the uploaded file until it is linked or its retention date
-- comes, and each linkage made from a round's files. The file is in its own
-- table so that deleting it is a DELETE of that row; the request keeps who
-- uploaded what (size, SHA-256) and when and why it was deleted, and the
-- audit trail records both.
CREATE TABLE encoded_requests (
    id           BIGSERIAL PRIMARY KEY,
    round_id     BIGINT NOT NULL REFERENCES rounds (id),
    organisation TEXT    NOT NULL,
    -- The retention date (ISO day, Amsterdam): the file is deleted on this
    -- day at the latest, linked or not.
    delete_on    TEXT    NOT NULL,
    asked_by     TEXT    NOT NULL,
    asked_at     TEXT    NOT NULL,
    uploaded_by  TEXT,
    uploaded_at  TEXT,
    records      BIGINT,
    sha256       TEXT,
    deleted_at   TEXT,
    -- linked, retention
    deleted_why  TEXT,
    UNIQUE (round_id, organisation)
);
CREATE INDEX encoded_requests_delete_on ON encoded_requests (delete_on);

CREATE TABLE encoded_files (
    request_id BIGINT PRIMARY KEY REFERENCES encoded_requests (id),
    content    TEXT   NOT NULL
);

-- A linkage of a round's encoded files: the parameters (zicht_linkage's
-- LinkageRecord as JSON), the capture histories at the chosen threshold and
-- the report. Counts only: no record id, no encoding.
CREATE TABLE linkages (
    id         BIGSERIAL PRIMARY KEY,
    round_id   BIGINT NOT NULL REFERENCES rounds (id),
    linked_by  TEXT    NOT NULL,
    linked_at  TEXT    NOT NULL,
    parameters TEXT    NOT NULL,
    histories  TEXT    NOT NULL,
    report     TEXT    NOT NULL
);
CREATE INDEX linkages_round ON linkages (round_id, id);
