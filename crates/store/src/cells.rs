use std::collections::{BTreeMap, BTreeSet, HashMap};

use sqlx::Row;
use zicht_model::{
    Breakdown, Catalogue, Cell, Day, Figure, Instant, Period, Provenance, Slug, Status,
};

use crate::{catalogue_rows, Backend, Store, StoreError};

/// A value to record: the cell, when it became known, and for a correction
/// why.
#[derive(Debug, Clone, Copy)]
pub struct NewVersion<'a> {
    pub cell: &'a Cell,
    pub recorded_at: Instant,
    pub reason: Option<&'a str>,
}

/// A value as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCell {
    pub version: i64,
    pub cell: Cell,
    pub recorded_at: Instant,
    pub reason: Option<String>,
}

/// The capture histories last saved with an estimate cell.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredHistories {
    pub period: Period,
    pub breakdown: Breakdown,
    /// The estimation CSV as it was given.
    pub histories: String,
    /// The options of that run (JSON).
    pub options: String,
    pub recorded_at: Instant,
}

/// Which moment a query answers for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AsOf {
    /// Everything recorded so far.
    Latest,
    /// What was recorded up to the end of this day (UTC).
    Date(Day),
    /// What was known at an edition's cut-off.
    Edition(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadSummary {
    pub load_id: Option<i64>,
    pub definitions_changed: u64,
    pub cells_added: u64,
    /// Cells whose value and provenance were already what the store holds.
    pub cells_unchanged: u64,
}

pub(crate) const COLUMNS: &str =
    "id, indicator, period, breakdown, status, value, lower_bound, upper_bound, base, \
                       source, source_ref, document, footnotes, quote, recorded_at, reason";
/// [`COLUMNS`] one by one, to name a column that holds what it may not.
pub(crate) const COLUMN_NAMES: [&str; 16] = [
    "id",
    "indicator",
    "period",
    "breakdown",
    "status",
    "value",
    "lower_bound",
    "upper_bound",
    "base",
    "source",
    "source_ref",
    "document",
    "footnotes",
    "quote",
    "recorded_at",
    "reason",
];
pub(crate) const INSERT_COLUMNS: &str =
    "load_id, indicator, period, breakdown, status, value, lower_bound, upper_bound, base, \
                              source, source_ref, document, footnotes, quote, recorded_at, reason";
pub(crate) const INSERT_ARITY: usize = 16;
/// Rows per INSERT statement: well under SQLite's and PostgreSQL's limits on
/// bound parameters, large enough that a million cells load in seconds.
pub(crate) const ROWS_PER_INSERT: usize = 500;

pub(crate) fn corrupt(what: &str, detail: impl ToString) -> StoreError {
    StoreError::Corrupt {
        what: what.to_owned(),
        detail: detail.to_string(),
    }
}

pub(crate) fn join_footnotes(f: &[Slug]) -> String {
    f.iter().map(Slug::as_str).collect::<Vec<_>>().join(";")
}

/// A row of [`COLUMNS`] as some driver holds it: text read where the row
/// holds it, not copied first.
pub(crate) trait CellRow {
    fn text_at(&self, i: usize) -> Result<Option<&str>, StoreError>;
    fn number_at(&self, i: usize) -> Result<Option<f64>, StoreError>;
    fn integer_at(&self, i: usize) -> Result<i64, StoreError>;
}

impl<R: Row> CellRow for R
where
    usize: sqlx::ColumnIndex<R>,
    for<'a> &'a str: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> f64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    fn text_at(&self, i: usize) -> Result<Option<&str>, StoreError> {
        Ok(self.try_get(i)?)
    }
    fn number_at(&self, i: usize) -> Result<Option<f64>, StoreError> {
        Ok(self.try_get(i)?)
    }
    fn integer_at(&self, i: usize) -> Result<i64, StoreError> {
        Ok(self.try_get(i)?)
    }
}

/// A row of [`COLUMNS`], of any driver, as a stored cell.
pub(crate) fn stored_of(r: &impl CellRow) -> Result<StoredCell, StoreError> {
    let opt_text = |i: usize| r.text_at(i);
    let num = |i: usize| r.number_at(i);
    let text = |i: usize| -> Result<&str, StoreError> {
        opt_text(i)?.ok_or_else(|| corrupt(COLUMN_NAMES[i], "NULL"))
    };
    let indicator = Slug::parse(text(1)?).map_err(|e| corrupt("indicator", e))?;
    let period = Period::parse(text(2)?).map_err(|e| corrupt("period", e))?;
    let breakdown = Breakdown::parse(text(3)?).map_err(|e| corrupt("breakdown", e))?;
    let status: Status = text(4)?.parse().map_err(|e| corrupt("status", e))?;
    let figure = Figure::from_parts(status, num(5)?, num(6)?, num(7)?, num(8)?)
        .map_err(|e| corrupt("figure", e))?;
    let source = opt_text(9)?
        .map(Slug::parse)
        .transpose()
        .map_err(|e| corrupt("source", e))?;
    let document = opt_text(11)?
        .map(Slug::parse)
        .transpose()
        .map_err(|e| corrupt("document", e))?;
    let footnotes = text(12)?
        .split(';')
        .filter(|s| !s.is_empty())
        .map(Slug::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| corrupt("footnotes", e))?;
    Ok(StoredCell {
        version: r.integer_at(0)?,
        cell: Cell {
            indicator,
            period,
            breakdown,
            figure,
            provenance: Provenance {
                source,
                source_ref: text(10)?.to_owned(),
                document,
                footnotes,
                quote: text(13)?.to_owned(),
            },
        },
        recorded_at: text(14)?.parse().map_err(|e| corrupt("recorded_at", e))?,
        reason: opt_text(15)?.map(str::to_owned),
    })
}

/// Whether `incoming` says nothing new over `current`: the same figure and
/// provenance. A document or quote the incoming value does not carry (an
/// import of an export has neither) is not a disagreement.
pub(crate) fn same(current: &Cell, incoming: &Cell) -> bool {
    let (c, i) = (&current.provenance, &incoming.provenance);
    current.figure == incoming.figure
        && c.source == i.source
        && c.source_ref == i.source_ref
        && c.footnotes == i.footnotes
        && (i.document.is_none() || c.document == i.document)
        && (i.quote.is_empty() || c.quote == i.quote)
}

/// Appends versions to `cell_versions` under one load: SQLite in multi-row
/// INSERTs of one prepared shape, PostgreSQL in one statement per batch.
pub(crate) async fn insert_versions(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    load_id: i64,
    fresh: &[&NewVersion<'_>],
    reason: Option<&str>,
) -> Result<(), StoreError> {
    match backend {
        Backend::Sqlite => insert_versions_sqlite(tx, load_id, fresh, reason).await,
        Backend::Postgres => insert_versions_postgres(tx, load_id, fresh, reason).await,
    }
}

/// The text of a time column, written once per distinct instant: a load
/// records all its versions at one.
pub(crate) struct RecordedText(pub(crate) Option<(Instant, String)>);

impl RecordedText {
    pub(crate) fn of(&mut self, at: Instant) -> &str {
        if self.0.as_ref().is_none_or(|(i, _)| *i != at) {
            // Canonical UTC text only: `cells` and `versions` compare and
            // order this column as text (see `now_utc`).
            self.0 = Some((at, at.to_string()));
        }
        self.0.as_ref().map(|(_, s)| s.as_str()).unwrap_or_default()
    }
}

/// Appends `$fresh` versions under one load through the SQLite transaction
/// `$tx` (of `Any` or of the typed driver: one text for both), in multi-row
/// INSERTs of one prepared shape.
macro_rules! insert_sqlite_rows {
    ($tx:expr, $load_id:expr, $fresh:expr, $reason:expr) => {{
        use $crate::cells::{join_footnotes, RecordedText, INSERT_ARITY, INSERT_COLUMNS};
        let (tx, load_id, fresh, reason) = ($tx, $load_id, $fresh, $reason);
        let mut recorded = RecordedText(None);
        // `?` is positional in SQLite; `$n` would be looked up by a linear
        // scan when the statement is prepared, quadratic in its length.
        let row = format!("({})", vec!["?"; INSERT_ARITY].join(","));
        let mut sql = String::new();
        for chunk in fresh.chunks($crate::cells::ROWS_PER_INSERT) {
            // Kept prepared: every full chunk has the same text, so a
            // million cells parse one statement (and one for the last,
            // shorter chunk).
            if sql.is_empty() || chunk.len() != $crate::cells::ROWS_PER_INSERT {
                sql = format!(
                    "INSERT INTO cell_versions ({INSERT_COLUMNS}) VALUES {}",
                    vec![row.as_str(); chunk.len()].join(",")
                );
            }
            let mut q = sqlx::query(&sql);
            for v in chunk {
                let c = v.cell;
                let p = c.figure.parts();
                q = q
                    .bind(load_id)
                    .bind(c.indicator.as_str())
                    .bind(c.period.to_string())
                    .bind(c.breakdown.to_string())
                    .bind(c.figure.status().as_str())
                    .bind(p.value)
                    .bind(p.lower)
                    .bind(p.upper)
                    .bind(p.base)
                    .bind(c.provenance.source.as_ref().map(|s| s.as_str()))
                    .bind(c.provenance.source_ref.as_str())
                    .bind(c.provenance.document.as_ref().map(|s| s.as_str()))
                    .bind(join_footnotes(&c.provenance.footnotes))
                    .bind(c.provenance.quote.as_str())
                    .bind(recorded.of(v.recorded_at).to_owned())
                    .bind(v.reason.or(reason));
            }
            q.execute(&mut **tx).await?;
        }
        Ok::<(), StoreError>(())
    }};
}
pub(crate) use insert_sqlite_rows;

async fn insert_versions_sqlite(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    load_id: i64,
    fresh: &[&NewVersion<'_>],
    reason: Option<&str>,
) -> Result<(), StoreError> {
    insert_sqlite_rows!(tx, load_id, fresh, reason)
}

/// Rows per statement on PostgreSQL: one JSON parameter of about a
/// megabyte.
const ROWS_PER_STATEMENT_PG: usize = 5_000;

/// PostgreSQL takes a batch as one JSON array of rows and unpacks it
/// itself: one parameter, one statement kept prepared, instead of sixteen
/// parameters a row. Numbers travel as their shortest exact text, which
/// `float8` reads back to the same double (JSON has no infinity).
async fn insert_versions_postgres(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    load_id: i64,
    fresh: &[&NewVersion<'_>],
    reason: Option<&str>,
) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO cell_versions (load_id, indicator, period, breakdown, status, \
         value, lower_bound, upper_bound, base, source, source_ref, document, footnotes, quote, \
         recorded_at, reason) \
         SELECT $1, r->>0, r->>1, r->>2, r->>3, (r->>4)::float8, (r->>5)::float8, \
         (r->>6)::float8, (r->>7)::float8, r->>8, r->>9, r->>10, r->>11, r->>12, r->>13, r->>14 \
         FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS t(r, n) ORDER BY n";
    let mut recorded = RecordedText(None);
    let number = |x: Option<f64>| x.map(|x| serde_json::Value::String(x.to_string()));
    let text = |x: Option<&str>| x.map(|s| serde_json::Value::String(s.to_owned()));
    for chunk in fresh.chunks(ROWS_PER_STATEMENT_PG) {
        let rows: Vec<[Option<serde_json::Value>; 15]> = chunk
            .iter()
            .map(|v| {
                let c = v.cell;
                let p = c.figure.parts();
                let pr = &c.provenance;
                [
                    text(Some(c.indicator.as_str())),
                    text(Some(&c.period.to_string())),
                    text(Some(&c.breakdown.to_string())),
                    text(Some(c.figure.status().as_str())),
                    number(p.value),
                    number(p.lower),
                    number(p.upper),
                    number(p.base),
                    text(pr.source.as_ref().map(Slug::as_str)),
                    text(Some(&pr.source_ref)),
                    text(pr.document.as_ref().map(Slug::as_str)),
                    text(Some(&join_footnotes(&pr.footnotes))),
                    text(Some(&pr.quote)),
                    text(Some(recorded.of(v.recorded_at))),
                    text(v.reason.or(reason)),
                ]
            })
            .collect();
        let json = serde_json::to_string(&rows).map_err(|e| corrupt("cell_versions batch", e))?;
        sqlx::query(SQL)
            .bind(load_id)
            .bind(json)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The clock, read when the store records something.
pub fn now() -> Instant {
    Instant::from(std::time::SystemTime::now())
}

/// [`now`] in the one text form the store writes into its time columns
/// (`recorded_at`, `at`, `created_at`, `expires_at`, …): canonical UTC,
/// fixed width, so that comparing and ordering those columns as text in
/// SQLite and PostgreSQL compares and orders them in time.
pub fn now_utc() -> String {
    now().to_string()
}

/// The moment `seconds` from now, in the form [`now_utc`] writes, rounded
/// up to the second: a retry or an expiry is never due before its time
/// (from [`now`], which drops the fraction, it came up to a second early,
/// so a mail refused at 10.9 s with a one-second back-off was due at 11 s).
pub fn utc_after(seconds: i64) -> String {
    let up = std::time::SystemTime::now() + std::time::Duration::from_nanos(999_999_999);
    Instant::from(up).plus_seconds(seconds).to_string()
}

impl Store {
    /// Records definitions and values in one transaction: either all of it
    /// is stored or none. A value that the store already holds as current at
    /// its recording time (same figure, same provenance) is not recorded
    /// again, so loading the same data twice changes nothing.
    pub async fn load(
        &self,
        origin: &str,
        catalogue: Option<&Catalogue>,
        versions: &[NewVersion<'_>],
        reason: Option<&str>,
    ) -> Result<LoadSummary, StoreError> {
        let mut tx = self.begin_write().await?;
        let summary = self
            .load_in(&mut tx, origin, catalogue, versions, reason)
            .await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// Records an estimate cell together with the capture histories and
    /// options it was computed from, in one transaction; with the catalogue
    /// when the cell brings a definition (its footnote).
    pub async fn save_estimate(
        &self,
        version: NewVersion<'_>,
        catalogue: Option<&Catalogue>,
        histories: &str,
        options: &str,
    ) -> Result<LoadSummary, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut summary = self
            .load_in(&mut tx, "estimate", catalogue, &[version], version.reason)
            .await?;
        let load_id = match summary.load_id {
            Some(id) => id,
            None => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO loads (started_at, origin, reason, cells_added) VALUES ($1, $2, $3, 0) RETURNING id",
                )
                .bind(now_utc())
                .bind("estimate")
                .bind(version.reason)
                .fetch_one(&mut *tx)
                .await?;
                summary.load_id = Some(id);
                id
            }
        };
        let c = version.cell;
        sqlx::query(
            "INSERT INTO capture_histories (load_id, indicator, period, breakdown, histories, options, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(load_id)
        .bind(c.indicator.as_str())
        .bind(c.period.to_string())
        .bind(c.breakdown.to_string())
        .bind(histories)
        .bind(options)
        // Canonical text: ordered as text below (see `now_utc`).
        .bind(version.recorded_at.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// The latest capture histories and options saved for a cell.
    pub async fn capture_histories(
        &self,
        indicator: &str,
        period: &Period,
        breakdown: &Breakdown,
    ) -> Result<Option<(String, String, Instant)>, StoreError> {
        let row: Option<(String, String, String)> = sqlx::query_as(
            "SELECT histories, options, recorded_at FROM capture_histories \
             WHERE indicator = $1 AND period = $2 AND breakdown = $3 ORDER BY recorded_at DESC, id DESC LIMIT 1",
        )
        .bind(indicator)
        .bind(period.to_string())
        .bind(breakdown.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(h, o, at)| {
            let at = at
                .parse()
                .map_err(|e| corrupt("capture_histories.recorded_at", e))?;
            Ok((h, o, at))
        })
        .transpose()
    }

    /// The latest capture histories saved for each cell of an indicator, by
    /// period and breakdown: the strata a re-estimate over years or
    /// breakdowns puts together.
    pub async fn capture_histories_of(
        &self,
        indicator: &str,
    ) -> Result<Vec<StoredHistories>, StoreError> {
        let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
            "SELECT period, breakdown, histories, options, recorded_at FROM capture_histories \
             WHERE indicator = $1 ORDER BY period, breakdown, recorded_at DESC, id DESC",
        )
        .bind(indicator)
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<StoredHistories> = Vec::new();
        for (period, breakdown, histories, options, at) in rows {
            let period =
                Period::parse(&period).map_err(|e| corrupt("capture_histories.period", e))?;
            let breakdown = Breakdown::parse(&breakdown)
                .map_err(|e| corrupt("capture_histories.breakdown", e))?;
            // Rows come newest first within a cell: keep the first.
            if out
                .last()
                .is_some_and(|l| l.period == period && l.breakdown == breakdown)
            {
                continue;
            }
            let recorded_at = at
                .parse()
                .map_err(|e| corrupt("capture_histories.recorded_at", e))?;
            out.push(StoredHistories {
                period,
                breakdown,
                histories,
                options,
                recorded_at,
            });
        }
        Ok(out)
    }

    pub(crate) async fn load_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        origin: &str,
        catalogue: Option<&Catalogue>,
        versions: &[NewVersion<'_>],
        reason: Option<&str>,
    ) -> Result<LoadSummary, StoreError> {
        let now = now_utc();
        let mut summary = LoadSummary::default();
        if let Some(c) = catalogue {
            summary.definitions_changed = catalogue_rows::save(tx, c, &now).await?;
        }

        // What the store already holds for the indicators in this load, and
        // what this load adds, per cell: (recorded_at, value). Keys borrow
        // from the cells, so a million-cell load allocates no keys.
        let mut indicators: Vec<&str> =
            versions.iter().map(|v| v.cell.indicator.as_str()).collect();
        indicators.sort_unstable();
        indicators.dedup();
        let mut stored: Vec<StoredCell> = Vec::new();
        for ind in indicators {
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM cell_versions WHERE indicator = $1 ORDER BY id"
            ))
            .bind(ind)
            .fetch_all(&mut **tx)
            .await?;
            for r in &rows {
                stored.push(stored_of(r)?);
            }
        }
        type Key<'k> = (&'k str, &'k Period, &'k Breakdown);
        let mut history: HashMap<Key<'_>, Vec<(Instant, &Cell)>> = HashMap::new();
        for s in &stored {
            history
                .entry(s.cell.key_ref())
                .or_default()
                .push((s.recorded_at, &s.cell));
        }

        let mut fresh: Vec<&NewVersion<'_>> = Vec::new();
        for v in versions {
            let versions_of_key = history.entry(v.cell.key_ref()).or_default();
            let current = versions_of_key
                .iter()
                .filter(|(at, _)| *at <= v.recorded_at)
                .max_by_key(|(at, _)| *at);
            if current.is_some_and(|(_, c)| same(c, v.cell)) {
                summary.cells_unchanged += 1;
                continue;
            }
            versions_of_key.push((v.recorded_at, v.cell));
            fresh.push(v);
        }
        drop(history);
        drop(stored);

        if fresh.is_empty() && summary.definitions_changed == 0 {
            return Ok(summary);
        }
        let load_id: i64 = sqlx::query_scalar(
            "INSERT INTO loads (started_at, origin, reason, cells_added) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(&now)
        .bind(origin)
        .bind(reason)
        .bind(fresh.len() as i64)
        .fetch_one(&mut **tx)
        .await?;
        summary.load_id = Some(load_id);

        insert_versions(tx, self.backend, load_id, &fresh, reason).await?;
        summary.cells_added = fresh.len() as u64;
        Ok(summary)
    }

    /// The last instant an as-of query sees, bound into SQL as canonical
    /// text (see [`now_utc`]).
    pub(crate) async fn cutoff_of(&self, as_of: &AsOf) -> Result<Option<Instant>, StoreError> {
        Ok(match as_of {
            AsOf::Latest => None,
            AsOf::Date(d) => Some(d.end_utc()),
            AsOf::Edition(id) => {
                let cat = self.catalogue().await?;
                let doc = cat
                    .document(id)
                    .ok_or_else(|| StoreError::UnknownEdition(id.clone()))?;
                Some(doc.cutoff.end_utc())
            }
        })
    }

    /// The current value of every cell as of a moment, optionally of one
    /// indicator, sorted by indicator, period (in time) and breakdown.
    pub async fn cells(
        &self,
        as_of: &AsOf,
        indicator: Option<&str>,
    ) -> Result<Vec<StoredCell>, StoreError> {
        self.cells_without(as_of, indicator, &BTreeSet::new()).await
    }

    /// [`Store::cells`], passing over every version from one of the
    /// `excluded` documents (those still under embargo): a cell a closed
    /// document revised shows the version before it, and a cell only such a
    /// document holds is not there. The one place the as-of rule lives: per
    /// cell, the latest version recorded up to the moment (ties by version).
    pub async fn cells_without(
        &self,
        as_of: &AsOf,
        indicator: Option<&str>,
        excluded: &BTreeSet<String>,
    ) -> Result<Vec<StoredCell>, StoreError> {
        let cutoff = self.cutoff_of(as_of).await?;
        let mut sql = format!("SELECT {COLUMNS} FROM cell_versions WHERE 1 = 1");
        let mut n = 0;
        if cutoff.is_some() {
            n += 1;
            sql.push_str(&format!(" AND recorded_at <= ${n}"));
        }
        if indicator.is_some() {
            n += 1;
            sql.push_str(&format!(" AND indicator = ${n}"));
        }
        if !excluded.is_empty() {
            let places: Vec<String> = (n + 1..=n + excluded.len())
                .map(|i| format!("${i}"))
                .collect();
            sql.push_str(&format!(
                " AND (document IS NULL OR document NOT IN ({}))",
                places.join(", ")
            ));
        }
        let mut latest: BTreeMap<(String, Period, String), StoredCell> = BTreeMap::new();
        // Row by row: a row as a driver gives it is several times the
        // size of the cell made of it.
        let mut binds: Vec<String> = Vec::new();
        if let Some(c) = cutoff {
            binds.push(c.to_string());
        }
        if let Some(i) = indicator {
            binds.push(i.to_owned());
        }
        binds.extend(excluded.iter().cloned());
        let mut rows = self.cell_rows(&sql, binds);
        while let Some(s) = rows.next().await? {
            let key = (
                s.cell.indicator.to_string(),
                s.cell.period.clone(),
                s.cell.breakdown.to_string(),
            );
            match latest.get(&key) {
                Some(old) if (old.recorded_at, old.version) > (s.recorded_at, s.version) => {}
                _ => {
                    latest.insert(key, s);
                }
            }
        }
        Ok(latest.into_values().collect())
    }

    /// Every version recorded up to a moment, each correction and each
    /// document's own figure included, sorted like [`Store::cells`] and then
    /// by recording time.
    pub async fn versions(
        &self,
        as_of: &AsOf,
        indicator: Option<&str>,
    ) -> Result<Vec<StoredCell>, StoreError> {
        let cutoff = self.cutoff_of(as_of).await?;
        let sql = format!(
            "SELECT {COLUMNS} FROM cell_versions WHERE recorded_at <= $1 AND ($2 = '' OR indicator = $2)"
        );
        let cutoff = cutoff.unwrap_or(Instant::MAX).to_string();
        // Row by row, as in `cells_without`.
        let mut out = Vec::new();
        let binds = vec![cutoff, indicator.unwrap_or("").to_owned()];
        let mut rows = self.cell_rows(&sql, binds);
        while let Some(s) = rows.next().await? {
            out.push(s);
        }
        // The breakdown's text written once per version, not once per
        // comparison.
        out.sort_by_cached_key(|s| {
            (
                s.cell.indicator.to_string(),
                s.cell.period.clone(),
                s.cell.breakdown.to_string(),
                s.recorded_at,
                s.version,
            )
        });
        Ok(out)
    }

    /// Every version ever recorded for an indicator, oldest first.
    pub async fn history(&self, indicator: &str) -> Result<Vec<StoredCell>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM cell_versions WHERE indicator = $1 ORDER BY recorded_at, id"
        ))
        .bind(indicator.to_owned())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored_of).collect()
    }

    /// A number that grows with every load: readers that cache what they
    /// built from the store rebuild when it changes.
    pub async fn revision(&self) -> Result<i64, StoreError> {
        let r: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM loads")
            .fetch_one(&self.pool)
            .await?;
        Ok(r.unwrap_or(0))
    }

    /// How many versions the store holds in all.
    pub async fn version_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM cell_versions")
            .fetch_one(&self.pool)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    #[test]
    fn a_moment_after_now_is_never_early() {
        for _ in 0..20 {
            let earliest = SystemTime::now() + Duration::from_secs(1);
            let at: Instant = utc_after(1).parse().unwrap();
            let at = SystemTime::UNIX_EPOCH + Duration::from_secs(at.unix_seconds() as u64);
            assert!(at >= earliest, "{at:?} < {earliest:?}");
            std::thread::sleep(Duration::from_millis(7));
        }
    }
}
