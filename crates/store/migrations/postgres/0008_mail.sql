-- E-mail. A user may have an address and reads mail in one language; a
-- user without an address gets no mail.
ALTER TABLE users ADD COLUMN email TEXT;
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT 'nl' CHECK (language IN ('nl', 'en'));

-- The outgoing mail: one row per mail per recipient, written in the same
-- transaction as the event that causes it (or by the reminder schedule),
-- sent by the server's mail worker. Never deleted: the row is the record
-- that a mail was sent, so it is never sent twice.
CREATE TABLE mail_queue (
    id              BIGSERIAL PRIMARY KEY,
    -- What the mail is about and to whom ("reminder:12:2025-03-31:login"):
    -- a mail with a key already queued is not queued again.
    mail_key        TEXT    NOT NULL UNIQUE,
    -- round_opened, reminder, overdue, returned, signed_off, digest.
    kind            TEXT    NOT NULL,
    -- What the text is made from (ids, the editor's message), as JSON; the
    -- text itself is written in the recipient's language when it is sent.
    params          TEXT    NOT NULL,
    login           TEXT    NOT NULL,
    address         TEXT    NOT NULL,
    language        TEXT    NOT NULL CHECK (language IN ('nl', 'en')),
    queued_at       TEXT    NOT NULL,
    -- queued -> sending -> sent; failed (refused for good), dropped (no
    -- longer applies), uncertain (the server stopped while handing it over).
    state           TEXT    NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'dropped', 'uncertain')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    last_error      TEXT,
    -- As handed to the SMTP server.
    subject         TEXT,
    body            TEXT,
    sent_at         TEXT
);
CREATE INDEX mail_queue_due ON mail_queue (state, next_attempt_at);
