//! Persistence for zicht. The only crate that knows SQL.
//!
//! One [`Store`] over SQLite (the embedded default: one file, WAL) or
//! PostgreSQL, chosen by URL. Queries are runtime SQL written once for both
//! backends through sqlx's `Any` driver, with `$n` placeholders, which both
//! SQLite and PostgreSQL accept. Values are append-only: a correction is a
//! new version, and every read can be asked as of a date or an edition.

mod accounts;
mod audit;
mod bulk;
mod catalogue_rows;
mod cells;
mod editions;
mod encoded;
mod error;
mod mail;
mod rounds;
mod rows;

use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use accounts::{check_login, ApiToken, NewUser, SecondFactor, SessionUser, User};
pub use audit::{AuditEntry, AuditFilter, AuditRecord};
pub use bulk::BulkLoad;
pub use catalogue_rows::{assessment_id, text_id};
pub use cells::{
    now, now_utc, utc_after, AsOf, LoadSummary, NewVersion, StoredCell, StoredHistories,
};
pub use encoded::{EncodedRequest, Linkage, NewLinkage};
pub use error::StoreError;
pub use mail::{
    check_email, lang_code, parse_lang, Audience, Contact, MailKind, MailRequest, MailState,
    QueuedMail,
};
pub use rounds::{
    DefinitionKind, Delivery, Review, Revision, Round, SubmitOutcome, SupplierProgress,
    SupplierRequest,
};

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The default store when no URL is given: a file in the working directory.
pub const DEFAULT_URL: &str = "sqlite://zicht.db";

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The same database through sqlx's own driver, for the bulk paths
    /// (import, export): `Any` copies every value of every row into a form
    /// of its own, several microseconds a row, more than a million-cell
    /// load may spend. Connected on first use.
    typed: TypedPool,
    /// The SQLite file, for the bulk reads that step it directly
    /// ([`rows`]); `None` on PostgreSQL.
    sqlite_file: Option<std::path::PathBuf>,
}

/// One thing of either driver: a pool, a transaction.
#[derive(Debug, Clone)]
pub(crate) enum Typed<S, P> {
    Sqlite(S),
    Postgres(P),
}

pub(crate) type TypedPool = Typed<sqlx::SqlitePool, sqlx::PgPool>;
pub(crate) type TypedTx =
    Typed<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Transaction<'static, sqlx::Postgres>>;

/// Connections of the typed pool: bulk work is one load or one read at a
/// time.
const TYPED_CONNECTIONS: u32 = 2;

/// Rows a typed SQLite connection may have read ahead of its reader: a few
/// megabytes.
const BULK_ROWS_IN_FLIGHT: usize = 4096;

/// Runs `$body` with `$p` bound to the [`Typed`] thing of either backend:
/// one text, compiled for each driver.
macro_rules! on_typed {
    ($typed:expr, $p:ident => $body:expr) => {
        match $typed {
            $crate::Typed::Sqlite($p) => $body,
            $crate::Typed::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_typed;

impl Store {
    /// Opens the store at `url`, creating an SQLite file when missing, and
    /// applies the migrations.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let mut sqlite_file = None;
        let (backend, url) = if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.trim_start_matches("//");
            let path = path.split('?').next().unwrap_or(path);
            sqlite_file = Some(std::path::PathBuf::from(path));
            if path.is_empty() {
                return Err(StoreError::BadUrl(format!(
                    "'{url}' names no file: write sqlite://PATH, e.g. sqlite://zicht.db or sqlite:///tmp/z.db"
                )));
            }
            if let Some(parent) = std::path::Path::new(path).parent() {
                if !parent.as_os_str().is_empty() && !parent.exists() {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        StoreError::BadUrl(format!(
                            "cannot create the directory {} for the store: {e}",
                            parent.display()
                        ))
                    })?;
                }
            }
            let url = if url.contains('?') {
                url.to_owned()
            } else {
                format!("{url}?mode=rwc")
            };
            (Backend::Sqlite, url)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_owned())
        } else {
            return Err(StoreError::BadUrl(format!(
                "'{url}' is not a store URL: use sqlite://PATH or postgres://user@host:port/db"
            )));
        };
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|e| StoreError::BadUrl(format!("'{url}': {e}")))?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
            // A connection that comes back from a cancelled request still
            // inside a transaction (sqlx's bookkeeping says so) is closed,
            // not reused: reused, its next BEGIN would fail or, worse, nest
            // inside a transaction that is never committed. Closing it
            // rolls that transaction back.
            .before_acquire(|conn, _| {
                Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) })
            })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers go on while a load writes; the busy
                        // timeout makes a second writer wait instead of fail.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        // A deleted encoded file (and any other deleted row)
                        // is overwritten in the file, not left in free pages.
                        conn.execute("PRAGMA secure_delete = ON").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Connect(format!("{e}")))?;
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&pool).await?;
        let typed = match backend {
            Backend::Sqlite => {
                use sqlx::sqlite::{
                    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
                };
                // The settings of the `Any` pool's connections, above.
                let options = SqliteConnectOptions::from_str(&url)
                    .map_err(|e| StoreError::BadUrl(format!("'{url}': {e}")))?
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(std::time::Duration::from_secs(10))
                    .pragma("secure_delete", "ON")
                    // sqlx steps SQLite on a thread of its own and hands
                    // the rows over a channel: a deep one lets that thread
                    // run ahead of the reader instead of waking it per row.
                    .row_buffer_size(BULK_ROWS_IN_FLIGHT);
                Typed::Sqlite(
                    SqlitePoolOptions::new()
                        .max_connections(TYPED_CONNECTIONS)
                        .before_acquire(|conn, _| {
                            Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) })
                        })
                        .connect_lazy_with(options),
                )
            }
            Backend::Postgres => {
                let options = sqlx::postgres::PgConnectOptions::from_str(&url)
                    .map_err(|e| StoreError::BadUrl(format!("'{url}': {e}")))?;
                Typed::Postgres(
                    sqlx::postgres::PgPoolOptions::new()
                        .max_connections(TYPED_CONNECTIONS)
                        .before_acquire(|conn, _| {
                            Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) })
                        })
                        .connect_lazy_with(options),
                )
            }
        };
        Ok(Store {
            pool,
            backend,
            typed,
            sqlite_file,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs one statement that returns nothing, such as `CREATE DATABASE`
    /// for a test's own database.
    pub async fn execute_raw(&self, sql: &str) -> Result<(), StoreError> {
        self.pool.execute(sql).await?;
        Ok(())
    }

    pub async fn close(self) {
        on_typed!(&self.typed, p => p.close().await);
        self.pool.close().await;
    }
}
