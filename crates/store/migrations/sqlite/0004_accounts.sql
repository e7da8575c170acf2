-- Accounts of the working side: users with a role, their browser sessions and
-- their API tokens. Secrets are never stored: a password as its argon2 PHC
-- string, a session or API token as the hex SHA-256 of the random token.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    login         TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'editor', 'supplier')),
    -- The organisation (catalogue id) a supplier delivers for; NULL for the
    -- other roles, so a supplier can never be without one.
    organisation  TEXT,
    password_hash TEXT    NOT NULL,
    -- When the account was disabled; NULL while it may log in.
    disabled_at   TEXT,
    created_at    TEXT    NOT NULL,
    CHECK ((role = 'supplier') = (organisation IS NOT NULL))
);
CREATE TABLE sessions (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    csrf       TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    expires_at TEXT    NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    name       TEXT    NOT NULL,
    token_hash TEXT    NOT NULL UNIQUE,
    created_at TEXT    NOT NULL,
    revoked_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, id);
