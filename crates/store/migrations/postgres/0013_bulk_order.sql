-- Three costs of a bulk load on PostgreSQL, found by timing a bare COPY of a
-- million versions (bench/foundation.sh; see ARCHITECTURE.md, "Store").
--
-- 1. The key columns compare as bytes. Exports and loads read versions in
--    byte order, as SQLite and Rust order text; under the database's own
--    collation the key index could not give that order, so every export
--    sorted an indicator's versions again. "C" equality is byte equality,
--    as it was, so no lookup changes its answer.
ALTER TABLE cell_versions
    ALTER COLUMN indicator TYPE TEXT COLLATE "C",
    ALTER COLUMN period TYPE TEXT COLLATE "C",
    ALTER COLUMN breakdown TYPE TEXT COLLATE "C",
    ALTER COLUMN recorded_at TYPE TEXT COLLATE "C";

-- 2. A B-tree on recorded_at cost a fifth of that COPY. Versions are
--    appended as they are recorded, so recorded_at follows the table's
--    physical order and a block-range index answers "recorded by then" as
--    well, at almost no cost per row. (Rows recorded out of order, such as
--    a history imported with its own dates, only widen a range: the index
--    is rechecked, never wrong.)
DROP INDEX cell_versions_recorded;
CREATE INDEX cell_versions_recorded ON cell_versions USING brin (recorded_at);

-- 3. The foreign key to `loads` was checked row by row: half the time of a
--    million-row COPY. One check per statement, over the rows it added,
--    keeps the same guarantee; the guards on `loads` keep the other half of
--    it (a load that versions name is never deleted, renumbered or
--    truncated away).
ALTER TABLE cell_versions DROP CONSTRAINT cell_versions_load_id_fkey;

CREATE FUNCTION cell_versions_name_a_load() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM added a WHERE NOT EXISTS (SELECT 1 FROM loads l WHERE l.id = a.load_id)) THEN
        RAISE EXCEPTION 'a cell version names a load that does not exist'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER cell_versions_load_exists AFTER INSERT ON cell_versions
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION cell_versions_name_a_load();

CREATE FUNCTION loads_named_stay() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF EXISTS (SELECT 1 FROM cell_versions) THEN
            RAISE EXCEPTION 'loads are named by cell versions'
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF NEW.id = OLD.id THEN
            RETURN NEW;
        END IF;
    END IF;
    IF EXISTS (SELECT 1 FROM cell_versions WHERE load_id = OLD.id) THEN
        RAISE EXCEPTION 'load % is named by cell versions', OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER loads_named_no_change BEFORE UPDATE OF id OR DELETE ON loads
    FOR EACH ROW EXECUTE FUNCTION loads_named_stay();
CREATE TRIGGER loads_named_no_truncate BEFORE TRUNCATE ON loads
    FOR EACH STATEMENT EXECUTE FUNCTION loads_named_stay();
