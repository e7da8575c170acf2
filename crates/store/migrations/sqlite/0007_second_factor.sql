-- Accounts, second part: a password an admin reset must be changed by its
-- user, a second factor (TOTP, RFC 6238) with one-time recovery codes, and
-- sessions that remember whether they passed it.
--
-- The TOTP secret is kept as it is (base32): checking a code needs it, so
-- unlike a password it cannot be stored as a one-way hash. It is never
-- shown again after enrolment and never written to the audit trail.
ALTER TABLE users ADD COLUMN password_change_due TEXT;
ALTER TABLE users ADD COLUMN totp_secret TEXT;
-- A secret shown for enrolment, kept until a code made with it confirms it.
ALTER TABLE users ADD COLUMN totp_pending TEXT;
ALTER TABLE users ADD COLUMN totp_enabled_at TEXT;
-- The last time step whose code was accepted: a code is good once
-- (RFC 6238 section 5.2), so a code seen over a shoulder cannot be replayed.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
-- When the session passed the second factor, or needed none when it began;
-- NULL while a code is still owed.
ALTER TABLE sessions ADD COLUMN second_factor_at TEXT;
CREATE TABLE recovery_codes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    -- The hex SHA-256 of the code; the code itself is shown once.
    code_hash  TEXT    NOT NULL UNIQUE,
    created_at TEXT    NOT NULL,
    used_at    TEXT
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);
