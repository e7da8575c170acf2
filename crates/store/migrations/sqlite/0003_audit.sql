-- The audit trail: every change made through the portal, the API or the
-- terminal — who, when, what, before and after. Append-only: the triggers
-- refuse any UPDATE or DELETE, so not even a bug in zicht can rewrite it.
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           TEXT    NOT NULL,
    -- The login of who made the change; NULL for the terminal (`zicht …`).
    actor        TEXT,
    -- What was done, as `thing.verb`: user.add, delivery.submit, …
    action       TEXT    NOT NULL,
    -- What it was done to, as `kind:id`: user:alice, delivery:12, …
    entity       TEXT    NOT NULL,
    -- The supplier organisation the change concerns, so a supplier can be
    -- shown the history of its own cells and nothing else.
    organisation TEXT,
    -- JSON documents; NULL where there was nothing before or after.
    before       TEXT,
    after        TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, id);
CREATE INDEX audit_log_organisation ON audit_log (organisation, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
