-- What is never changed once written is now guarded by the database, as the
-- audit trail already was: every cell version, every signed-off revision of
-- a delivery with its cells, every review. And the audit trail closes a gap:
-- INSERT OR REPLACE on an existing id deletes without firing the delete
-- trigger, so an insert that names an existing key is refused (not on
-- cell_versions, whose inserts come by the million and never name an id).
CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER cell_versions_no_update BEFORE UPDATE ON cell_versions
BEGIN
    SELECT RAISE(ABORT, 'cell_versions is append-only');
END;
CREATE TRIGGER cell_versions_no_delete BEFORE DELETE ON cell_versions
BEGIN
    SELECT RAISE(ABORT, 'cell_versions is append-only');
END;

CREATE TRIGGER delivery_revisions_no_update BEFORE UPDATE ON delivery_revisions
BEGIN
    SELECT RAISE(ABORT, 'delivery_revisions is append-only');
END;
CREATE TRIGGER delivery_revisions_no_delete BEFORE DELETE ON delivery_revisions
BEGIN
    SELECT RAISE(ABORT, 'delivery_revisions is append-only');
END;
CREATE TRIGGER delivery_revisions_no_replace BEFORE INSERT ON delivery_revisions
WHEN EXISTS (SELECT 1 FROM delivery_revisions WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'delivery_revisions is append-only');
END;

CREATE TRIGGER revision_cells_no_update BEFORE UPDATE ON revision_cells
BEGIN
    SELECT RAISE(ABORT, 'revision_cells is append-only');
END;
CREATE TRIGGER revision_cells_no_delete BEFORE DELETE ON revision_cells
BEGIN
    SELECT RAISE(ABORT, 'revision_cells is append-only');
END;
CREATE TRIGGER revision_cells_no_replace BEFORE INSERT ON revision_cells
WHEN EXISTS (SELECT 1 FROM revision_cells WHERE revision_id = NEW.revision_id
    AND indicator = NEW.indicator AND period = NEW.period AND breakdown = NEW.breakdown)
BEGIN
    SELECT RAISE(ABORT, 'revision_cells is append-only');
END;

CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews
BEGIN
    SELECT RAISE(ABORT, 'reviews is append-only');
END;
CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews
BEGIN
    SELECT RAISE(ABORT, 'reviews is append-only');
END;
CREATE TRIGGER reviews_no_replace BEFORE INSERT ON reviews
WHEN EXISTS (SELECT 1 FROM reviews WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'reviews is append-only');
END;
