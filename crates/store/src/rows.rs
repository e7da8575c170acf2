//! Cells read in bulk, a row at a time, from either backend.
//!
//! On PostgreSQL the typed sqlx pool streams them. On SQLite they are
//! stepped by rusqlite on a blocking thread of their own and handed over in
//! chunks: sqlx's SQLite driver copies every value of every row on its
//! worker thread and sends each row over a channel, about 20 µs a row, four
//! times what stepping the same statement costs (measured on a million
//! rows). The thread decodes while the caller writes what it got, so the
//! two cores share the work. One statement is one read transaction: the
//! rows are one snapshot of the store, as on the pool.

use std::path::PathBuf;
use std::time::Duration;

use futures_util::stream::BoxStream;
use futures_util::TryStreamExt;
use rusqlite::types::ValueRef;

use crate::cells::{corrupt, stored_of, CellRow, COLUMN_NAMES};
use crate::{Store, StoreError, StoredCell, Typed};

/// Cells per chunk handed from the SQLite thread: a few hundred kilobytes.
const CHUNK: usize = 1024;
/// Chunks the SQLite thread may run ahead of the caller.
const CHUNKS_AHEAD: usize = 4;

/// Cells as a statement of [`crate::cells::COLUMNS`] gives them.
pub(crate) enum CellRows<'s> {
    Sqlite {
        chunks: tokio::sync::mpsc::Receiver<Result<Vec<StoredCell>, StoreError>>,
        chunk: std::vec::IntoIter<StoredCell>,
    },
    Postgres(BoxStream<'s, Result<sqlx::postgres::PgRow, sqlx::Error>>),
    /// A read that could not start: its error, once.
    Failed(Option<StoreError>),
}

impl CellRows<'_> {
    /// The next cell; `None` after the last.
    pub(crate) async fn next(&mut self) -> Result<Option<StoredCell>, StoreError> {
        match self {
            CellRows::Sqlite { chunks, chunk } => loop {
                if let Some(s) = chunk.next() {
                    return Ok(Some(s));
                }
                match chunks.recv().await {
                    Some(next) => *chunk = next?.into_iter(),
                    None => return Ok(None),
                }
            },
            CellRows::Postgres(rows) => match rows.try_next().await? {
                Some(r) => Ok(Some(stored_of(&r)?)),
                None => Ok(None),
            },
            CellRows::Failed(e) => e.take().map_or(Ok(None), Err),
        }
    }

    /// Hands every cell to `each`, or with `latest_only` only the last of
    /// each run of one key: in rows ordered by key and then by recording,
    /// that is the current version, and no key is looked up.
    pub(crate) async fn each<E: From<StoreError>>(
        mut self,
        latest_only: bool,
        mut each: impl FnMut(StoredCell) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut pending: Option<StoredCell> = None;
        while let Some(s) = self.next().await? {
            if let Some(p) = pending.take() {
                if !latest_only || p.cell.key_ref() != s.cell.key_ref() {
                    each(p)?;
                }
            }
            pending = Some(s);
        }
        match pending {
            Some(p) => each(p),
            None => Ok(()),
        }
    }
}

impl Store {
    /// The cells `sql` selects (its columns [`crate::cells::COLUMNS`]),
    /// with `$1`, `$2`, … bound to `binds` in order.
    pub(crate) fn cell_rows<'s>(&'s self, sql: &'s str, binds: Vec<String>) -> CellRows<'s> {
        match (&self.typed, &self.sqlite_file) {
            (Typed::Sqlite(_), Some(file)) => sqlite_rows(file.clone(), sql.to_owned(), binds),
            (Typed::Sqlite(_), None) => CellRows::Failed(Some(StoreError::Sqlite(
                "the store's SQLite file is not known".into(),
            ))),
            (Typed::Postgres(pool), _) => {
                let mut q = sqlx::query(sql);
                for b in binds {
                    q = q.bind(b);
                }
                CellRows::Postgres(q.fetch(pool))
            }
        }
    }
}

pub(crate) fn sqlite_rows<'s>(file: PathBuf, sql: String, binds: Vec<String>) -> CellRows<'s> {
    let (tx, chunks) = tokio::sync::mpsc::channel(CHUNKS_AHEAD);
    tokio::task::spawn_blocking(move || {
        let step = || -> Result<(), StoreError> {
            let conn = rusqlite::Connection::open_with_flags(
                &file,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(lite)?;
            conn.busy_timeout(Duration::from_secs(10)).map_err(lite)?;
            // This connection reads; it never writes.
            conn.pragma_update(None, "query_only", true).map_err(lite)?;
            let mut statement = conn.prepare(&sql).map_err(lite)?;
            for (i, b) in binds.iter().enumerate() {
                statement.raw_bind_parameter(i + 1, b).map_err(lite)?;
            }
            let mut rows = statement.raw_query();
            let mut chunk = Vec::with_capacity(CHUNK);
            while let Some(r) = rows.next().map_err(lite)? {
                chunk.push(stored_of(&Lite(r))?);
                if chunk.len() == CHUNK {
                    let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                    if tx.blocking_send(Ok(full)).is_err() {
                        // The reader went away: stop reading.
                        return Ok(());
                    }
                }
            }
            if !chunk.is_empty() {
                let _ = tx.blocking_send(Ok(chunk));
            }
            Ok(())
        };
        if let Err(e) = step() {
            let _ = tx.blocking_send(Err(e));
        }
    });
    CellRows::Sqlite {
        chunks,
        chunk: Vec::new().into_iter(),
    }
}

fn lite(e: rusqlite::Error) -> StoreError {
    StoreError::Sqlite(e.to_string())
}

/// A row as rusqlite steps it.
struct Lite<'r, 's>(&'r rusqlite::Row<'s>);

impl CellRow for Lite<'_, '_> {
    fn text_at(&self, i: usize) -> Result<Option<&str>, StoreError> {
        match self.0.get_ref(i).map_err(lite)? {
            ValueRef::Null => Ok(None),
            ValueRef::Text(t) => std::str::from_utf8(t)
                .map(Some)
                .map_err(|e| corrupt(COLUMN_NAMES[i], e)),
            other => Err(corrupt(
                COLUMN_NAMES[i],
                format!("{:?} where text belongs", other.data_type()),
            )),
        }
    }
    fn number_at(&self, i: usize) -> Result<Option<f64>, StoreError> {
        match self.0.get_ref(i).map_err(lite)? {
            ValueRef::Null => Ok(None),
            ValueRef::Real(x) => Ok(Some(x)),
            ValueRef::Integer(n) => Ok(Some(n as f64)),
            other => Err(corrupt(
                COLUMN_NAMES[i],
                format!("{:?} where a number belongs", other.data_type()),
            )),
        }
    }
    fn integer_at(&self, i: usize) -> Result<i64, StoreError> {
        match self.0.get_ref(i).map_err(lite)? {
            ValueRef::Integer(n) => Ok(n),
            other => Err(corrupt(
                COLUMN_NAMES[i],
                format!("{:?} where an integer belongs", other.data_type()),
            )),
        }
    }
}
