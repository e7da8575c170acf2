-- The PostgreSQL migration of this number makes the version key compare as
-- bytes and checks the foreign key to `loads` once per statement instead of
-- once per row. SQLite already compares text as bytes (BINARY), and its
-- per-row foreign key check is a B-tree probe in the same process, a small
-- share of a load (bench/foundation.sh), so it keeps the constraint. Nothing
-- changes here; the number stays paired across the two directories.
SELECT 1;
