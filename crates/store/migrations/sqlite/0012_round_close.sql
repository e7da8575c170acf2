-- A round closed by an editor takes no more deliveries and sends no more
-- reminders; what was delivered stays as it was. NULL while open.
ALTER TABLE rounds ADD COLUMN closed_at TEXT;
ALTER TABLE rounds ADD COLUMN closed_by TEXT;
