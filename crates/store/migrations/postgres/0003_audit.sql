-- The audit trail: every change made through the portal, the API or the
-- terminal — who, when, what, before and after. Append-only: the trigger
-- refuses any UPDATE or DELETE, so not even a bug in zicht can rewrite it.
CREATE TABLE audit_log (
    id           BIGSERIAL PRIMARY KEY,
    at           TEXT    NOT NULL,
    actor        TEXT,
    action       TEXT    NOT NULL,
    entity       TEXT    NOT NULL,
    organisation TEXT,
    before       TEXT,
    after        TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, id);
CREATE INDEX audit_log_organisation ON audit_log (organisation, id);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
