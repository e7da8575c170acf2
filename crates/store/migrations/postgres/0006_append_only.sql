-- What is never changed once written is now guarded by the database, as the
-- audit trail already was: every cell version, every signed-off revision of
-- a delivery with its cells, every review. Row triggers do not see TRUNCATE,
-- so a statement trigger refuses that too, for the audit trail as well.
CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();

CREATE TRIGGER cell_versions_no_change BEFORE UPDATE OR DELETE ON cell_versions
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER cell_versions_no_truncate BEFORE TRUNCATE ON cell_versions
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();

CREATE TRIGGER delivery_revisions_no_change BEFORE UPDATE OR DELETE ON delivery_revisions
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER delivery_revisions_no_truncate BEFORE TRUNCATE ON delivery_revisions
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();

CREATE TRIGGER revision_cells_no_change BEFORE UPDATE OR DELETE ON revision_cells
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER revision_cells_no_truncate BEFORE TRUNCATE ON revision_cells
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();

CREATE TRIGGER reviews_no_change BEFORE UPDATE OR DELETE ON reviews
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER reviews_no_truncate BEFORE TRUNCATE ON reviews
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
