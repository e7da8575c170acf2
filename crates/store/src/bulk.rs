//! Bulk work in bounded memory: a load written batch by batch inside one
//! transaction, and reads that hand over one cell at a time as the rows
//! come from the database. Both go through the typed drivers
//! ([`crate::Typed`]), not `Any`: a million rows each way.

use std::collections::BTreeMap;

use futures_util::TryStreamExt;
use sqlx::Row;
use zicht_model::{Breakdown, Catalogue, Cell, Instant, Period, Slug};

use crate::cells::{
    insert_sqlite_rows, join_footnotes, same, stored_of, RecordedText, COLUMNS, INSERT_COLUMNS,
};
use crate::rows::sqlite_rows;
use crate::{
    catalogue_rows, now_utc, on_typed, AsOf, LoadSummary, NewVersion, Store, StoreError,
    StoredCell, Typed, TypedTx,
};

/// Periods per `IN (…)` list: far below either backend's parameter limit.
const PERIODS_PER_QUERY: usize = 500;

/// A load written in batches inside one transaction: either all of it is
/// stored or none. Dropped without [`BulkLoad::finish`], nothing is.
pub struct BulkLoad {
    tx: TypedTx,
    origin: String,
    reason: Option<String>,
    now: String,
    summary: LoadSummary,
    /// The SQLite file, read directly while the load has written nothing
    /// ([`BulkLoad::current`]).
    sqlite_file: Option<std::path::PathBuf>,
}

impl Store {
    /// Starts a load that is written in batches ([`BulkLoad::record`]) and
    /// committed by [`BulkLoad::finish`]. Like [`Store::load`], a load that
    /// changes nothing leaves no trace.
    pub async fn begin_bulk_load(
        &self,
        origin: &str,
        reason: Option<&str>,
    ) -> Result<BulkLoad, StoreError> {
        // As `begin_write`: SQLite takes the write lock at once.
        let tx = match &self.typed {
            Typed::Sqlite(p) => Typed::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Typed::Postgres(p) => Typed::Postgres(p.begin().await?),
        };
        Ok(BulkLoad {
            tx,
            origin: origin.to_owned(),
            reason: reason.map(str::to_owned),
            now: now_utc(),
            summary: LoadSummary::default(),
            sqlite_file: self.sqlite_file.clone(),
        })
    }
}

impl BulkLoad {
    /// The current value of every cell of `indicator` in `periods`, as this
    /// load sees the store (with what it has recorded so far), in no order.
    pub async fn current(
        &mut self,
        indicator: &str,
        periods: &[&Period],
    ) -> Result<Vec<StoredCell>, StoreError> {
        // The versions of a key come together, oldest last-but-one: the
        // latest of each is the last before the key changes, so no key is
        // looked up and only the rows kept are decoded.
        let mut out: Vec<StoredCell> = Vec::new();
        for chunk in periods.chunks(PERIODS_PER_QUERY) {
            let list = (0..chunk.len())
                .map(|i| format!("${}", i + 2))
                .collect::<Vec<_>>()
                .join(",");
            let sql = format!(
                "SELECT {COLUMNS} FROM cell_versions WHERE indicator = $1 AND period IN ({list}) \
                 ORDER BY period, breakdown, recorded_at, id"
            );
            // Until the load writes, its transaction sees what any reader
            // sees: it holds the write lock, so nobody else commits. Such
            // reads (all of them when a file is imported again unchanged)
            // step SQLite directly, as the store's bulk reads do.
            if let (Typed::Sqlite(_), Some(file), None) =
                (&self.tx, &self.sqlite_file, self.summary.load_id)
            {
                let mut binds = vec![indicator.to_owned()];
                binds.extend(chunk.iter().map(|p| p.to_string()));
                sqlite_rows(file.clone(), sql, binds)
                    .each(true, |s| {
                        out.push(s);
                        Ok::<_, StoreError>(())
                    })
                    .await?;
                continue;
            }
            on_typed!(&mut self.tx, tx => {
                let mut q = sqlx::query(&sql).persistent(false).bind(indicator);
                for p in chunk {
                    q = q.bind(p.to_string());
                }
                let mut rows = q.fetch(&mut **tx);
                let mut pending = None;
                while let Some(r) = rows.try_next().await? {
                    if let Some(p) = pending.take() {
                        if !same_key(&p, &r)? {
                            out.push(stored_of(&p)?);
                        }
                    }
                    pending = Some(r);
                }
                if let Some(p) = pending {
                    out.push(stored_of(&p)?);
                }
            });
        }
        Ok(out)
    }

    /// Records the versions that say something new over `current`, which
    /// must be what [`BulkLoad::current`] gave for their keys (each key at
    /// most once per load): a value identical to the current one is
    /// counted as unchanged and not recorded again.
    pub async fn record(
        &mut self,
        versions: &[NewVersion<'_>],
        current: &[StoredCell],
    ) -> Result<(), StoreError> {
        type Key<'k> = (&'k str, &'k Period, &'k Breakdown);
        let held: foldhash::HashMap<Key<'_>, (Instant, &Cell)> = current
            .iter()
            .map(|s| (s.cell.key_ref(), (s.recorded_at, &s.cell)))
            .collect();
        let fresh: Vec<&NewVersion<'_>> = versions
            .iter()
            .filter(|v| {
                !held
                    .get(&v.cell.key_ref())
                    .is_some_and(|(at, c)| *at <= v.recorded_at && same(c, v.cell))
            })
            .collect();
        self.summary.cells_unchanged += (versions.len() - fresh.len()) as u64;
        if fresh.is_empty() {
            return Ok(());
        }
        let load_id = self.load_id().await?;
        let reason = self.reason.as_deref();
        match &mut self.tx {
            Typed::Sqlite(tx) => insert_sqlite_rows!(tx, load_id, &fresh, reason)?,
            Typed::Postgres(tx) => insert_postgres(tx, load_id, &fresh, reason).await?,
        }
        self.summary.cells_added += fresh.len() as u64;
        Ok(())
    }

    /// The load's row, made when the load first records something.
    async fn load_id(&mut self) -> Result<i64, StoreError> {
        if let Some(id) = self.summary.load_id {
            return Ok(id);
        }
        let sql = "INSERT INTO loads (started_at, origin, reason, cells_added) \
                   VALUES ($1, $2, $3, 0) RETURNING id";
        let id: i64 = on_typed!(&mut self.tx, tx => sqlx::query_scalar(sql)
            .bind(&self.now)
            .bind(&self.origin)
            .bind(self.reason.as_deref())
            .fetch_one(&mut **tx)
            .await?);
        self.summary.load_id = Some(id);
        Ok(id)
    }

    /// Saves the definitions, when given, and commits everything recorded.
    pub async fn finish(
        mut self,
        catalogue: Option<&Catalogue>,
    ) -> Result<LoadSummary, StoreError> {
        if let Some(c) = catalogue {
            self.summary.definitions_changed =
                catalogue_rows::save_typed(&mut self.tx, c, &self.now).await?;
        }
        if self.summary.definitions_changed > 0 || self.summary.cells_added > 0 {
            let id = self.load_id().await?;
            let added = self.summary.cells_added as i64;
            let sql = "UPDATE loads SET cells_added = $1 WHERE id = $2";
            on_typed!(&mut self.tx, tx => {
                sqlx::query(sql).bind(added).bind(id).execute(&mut **tx).await?;
            });
        }
        if let Typed::Postgres(tx) = &mut self.tx {
            analyze_if_grown(tx, self.summary.cells_added).await?;
        }
        on_typed!(self.tx, tx => tx.commit().await?);
        Ok(self.summary)
    }
}

/// A load smaller than this never analyzes: a plan misled by it costs
/// milliseconds, and autovacuum catches up within its naptime (60 s).
const ANALYZE_AT_LEAST: u64 = 1_000;

/// PostgreSQL plans from the table's statistics, which a large load leaves
/// stale until autovacuum's next round (up to a minute): an export straight
/// after the first million versions was planned for 637 rows and sorted them
/// all again (bench/foundation.sh: 5.5-6.0 s against 4.3 s). So a load that
/// grew the table by more than autovacuum's own share (a tenth of the rows
/// the planner believes in) analyzes before it commits. ANALYZE reads a fixed
/// sample of 30,000 rows: 0.27 s on a million.
async fn analyze_if_grown(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    added: u64,
) -> Result<(), StoreError> {
    if added < ANALYZE_AT_LEAST {
        return Ok(());
    }
    // -1 when the table was never analyzed.
    let believed: f32 =
        sqlx::query_scalar("SELECT reltuples FROM pg_class WHERE oid = 'cell_versions'::regclass")
            .fetch_one(&mut **tx)
            .await?;
    if added as f64 > 0.1 * f64::from(believed.max(0.0)) {
        sqlx::query("ANALYZE cell_versions")
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

impl Store {
    /// [`Store::cells`] one cell at a time, in the same order, streamed from
    /// the database: memory holds one indicator's periods and one row, not
    /// every cell. `each` stops the read at its first error.
    pub async fn each_cell<E: From<StoreError>>(
        &self,
        as_of: &AsOf,
        indicator: Option<&str>,
        each: impl FnMut(StoredCell) -> Result<(), E>,
    ) -> Result<(), E> {
        self.stream_cells(as_of, indicator, true, each).await
    }

    /// [`Store::versions`] one version at a time, in the same order.
    pub async fn each_version<E: From<StoreError>>(
        &self,
        as_of: &AsOf,
        indicator: Option<&str>,
        each: impl FnMut(StoredCell) -> Result<(), E>,
    ) -> Result<(), E> {
        self.stream_cells(as_of, indicator, false, each).await
    }

    async fn stream_cells<E: From<StoreError>>(
        &self,
        as_of: &AsOf,
        indicator: Option<&str>,
        latest_only: bool,
        mut each: impl FnMut(StoredCell) -> Result<(), E>,
    ) -> Result<(), E> {
        let cutoff = self
            .cutoff_of(as_of)
            .await?
            .unwrap_or(Instant::MAX)
            .to_string();
        // Which periods each indicator has, to order them in time as
        // `Store::cells` does: the database orders text.
        let sql = "SELECT DISTINCT indicator, period FROM cell_versions \
                   WHERE recorded_at <= $1 AND ($2 = '' OR indicator = $2)";
        let pairs: Vec<(String, String)> = on_typed!(&self.typed, pool => sqlx::query_as(sql)
            .bind(&cutoff)
            .bind(indicator.unwrap_or(""))
            .fetch_all(pool)
            .await
            .map_err(StoreError::from)?);
        let mut periods: BTreeMap<String, Vec<(Period, String)>> = BTreeMap::new();
        for (ind, text) in pairs {
            let p = Period::parse(&text).map_err(|e| StoreError::Corrupt {
                what: "period".into(),
                detail: e.to_string(),
            })?;
            periods.entry(ind).or_default().push((p, text));
        }
        // Byte order, as Rust orders `String`s, on either backend: SQLite
        // compares text as bytes, and PostgreSQL's key columns are declared
        // `COLLATE "C"` (migration 0013), so its key index gives the order.
        for (ind, mut ps) in periods {
            ps.sort();
            // One query for the indicator when text order is time order
            // (one frequency, as usual); else one per period.
            let by_text = ps.windows(2).all(|w| w[0].1 < w[1].1);
            let selections: Vec<Option<&str>> = if by_text {
                vec![None]
            } else {
                ps.iter().map(|(_, t)| Some(t.as_str())).collect()
            };
            for period in selections {
                let sql = format!(
                    "SELECT {COLUMNS} FROM cell_versions \
                     WHERE indicator = $1 AND recorded_at <= $2 AND ($3 = '' OR period = $3) \
                     ORDER BY period, breakdown, recorded_at, id"
                );
                let binds = vec![ind.clone(), cutoff.clone(), period.unwrap_or("").to_owned()];
                self.cell_rows(&sql, binds)
                    .each(latest_only, &mut each)
                    .await?;
            }
        }
        Ok(())
    }
}

/// Whether two rows of `COLUMNS` are versions of one cell.
fn same_key<R: Row>(a: &R, b: &R) -> Result<bool, StoreError>
where
    usize: sqlx::ColumnIndex<R>,
    for<'a> &'a str: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    for i in 1..=3 {
        if a.try_get::<&str, _>(i)? != b.try_get::<&str, _>(i)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Rows per message of a load's COPY: about a megabyte of text.
const ROWS_PER_COPY_MESSAGE: usize = 5_000;

/// Appends a load's versions on PostgreSQL with `COPY … FROM STDIN` in its
/// text format: the server parses rows straight into the table, where a
/// multi-row INSERT builds and plans arrays first (a million cells: see
/// bench/foundation.sh). Rows go in order, so ids follow the file.
async fn insert_postgres(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    load_id: i64,
    fresh: &[&NewVersion<'_>],
    reason: Option<&str>,
) -> Result<(), StoreError> {
    let sql = format!("COPY cell_versions ({INSERT_COLUMNS}) FROM STDIN");
    let mut copy = tx.copy_in_raw(&sql).await?;
    let mut recorded = RecordedText(None);
    let mut text = String::new();
    let load = load_id.to_string();
    for chunk in fresh.chunks(ROWS_PER_COPY_MESSAGE) {
        text.clear();
        for v in chunk {
            let c = v.cell;
            let p = c.figure.parts();
            let row = [
                Some(load.as_str()),
                Some(c.indicator.as_str()),
                Some(&c.period.to_string()),
                Some(&c.breakdown.to_string()),
                Some(c.figure.status().as_str()),
            ];
            for (k, field) in row.iter().enumerate() {
                if k > 0 {
                    text.push('\t');
                }
                copy_field(&mut text, *field);
            }
            for n in [p.value, p.lower, p.upper, p.base] {
                text.push('\t');
                copy_number(&mut text, n);
            }
            let rest = [
                c.provenance.source.as_ref().map(Slug::as_str),
                Some(c.provenance.source_ref.as_str()),
                c.provenance.document.as_ref().map(Slug::as_str),
                Some(&join_footnotes(&c.provenance.footnotes)),
                Some(c.provenance.quote.as_str()),
                Some(recorded.of(v.recorded_at)),
                v.reason.or(reason),
            ];
            for field in rest {
                text.push('\t');
                copy_field(&mut text, field);
            }
            text.push('\n');
        }
        copy.send(text.as_bytes()).await?;
    }
    copy.finish().await?;
    Ok(())
}

/// A text field of COPY's text format: `\N` for NULL, and the four
/// characters that format gives a meaning escaped.
fn copy_field(out: &mut String, field: Option<&str>) {
    let Some(field) = field else {
        out.push_str("\\N");
        return;
    };
    for ch in field.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// A float8 field: Rust's shortest text that reads back to the same
/// number (PostgreSQL parses it exactly), and PostgreSQL's own words for
/// what is not finite.
fn copy_number(out: &mut String, n: Option<f64>) {
    use std::fmt::Write;
    match n {
        None => out.push_str("\\N"),
        Some(x) if x.is_nan() => out.push_str("NaN"),
        Some(x) if x.is_infinite() => out.push_str(if x > 0.0 { "Infinity" } else { "-Infinity" }),
        Some(x) => {
            let _ = write!(out, "{x}");
        }
    }
}
