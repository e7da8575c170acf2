//! Bulk work in bounded memory: a load written batch by batch inside one
//! transaction, and reads that hand over one cell at a time as the rows
//! come from the database.

use std::collections::{BTreeMap, HashMap};

use futures_util::TryStreamExt;
use sqlx::any::AnyRow;
use sqlx::Row;
use zicht_model::{Breakdown, Catalogue, Cell, Instant, Period};

use crate::cells::{insert_versions, row_to_stored, same, COLUMNS};
use crate::{
    catalogue_rows, now_utc, AsOf, Backend, LoadSummary, NewVersion, Store, StoreError, StoredCell,
};

/// Periods per `IN (…)` list: far below either backend's parameter limit.
const PERIODS_PER_QUERY: usize = 500;

/// A load written in batches inside one transaction: either all of it is
/// stored or none. Dropped without [`BulkLoad::finish`], nothing is.
pub struct BulkLoad {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    backend: Backend,
    origin: String,
    reason: Option<String>,
    now: String,
    summary: LoadSummary,
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
        Ok(BulkLoad {
            tx: self.begin_write().await?,
            backend: self.backend,
            origin: origin.to_owned(),
            reason: reason.map(str::to_owned),
            now: now_utc(),
            summary: LoadSummary::default(),
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
        let mut all: Vec<StoredCell> = Vec::new();
        for chunk in periods.chunks(PERIODS_PER_QUERY) {
            let list = (0..chunk.len())
                .map(|i| format!("${}", i + 2))
                .collect::<Vec<_>>()
                .join(",");
            let sql = format!(
                "SELECT {COLUMNS} FROM cell_versions WHERE indicator = $1 AND period IN ({list})"
            );
            let mut q = sqlx::query(&sql)
                .persistent(false)
                .bind(indicator.to_owned());
            for p in chunk {
                q = q.bind(p.to_string());
            }
            let mut rows = q.fetch(&mut *self.tx);
            while let Some(r) = rows.try_next().await? {
                all.push(row_to_stored(&r)?);
            }
        }
        // Per key the latest version (ties by version), found by the key's
        // parts as they are, without writing any key out as text.
        type Key<'k> = (&'k str, &'k Period, &'k Breakdown);
        let mut latest: HashMap<Key<'_>, usize> = HashMap::with_capacity(all.len());
        for (i, s) in all.iter().enumerate() {
            let newer = |j: &usize| {
                let old = &all[*j];
                (s.recorded_at, s.version) > (old.recorded_at, old.version)
            };
            match latest.get(&s.cell.key_ref()) {
                Some(j) if !newer(j) => {}
                _ => {
                    latest.insert(s.cell.key_ref(), i);
                }
            }
        }
        let mut keep = vec![false; all.len()];
        for &i in latest.values() {
            keep[i] = true;
        }
        let mut keep = keep.into_iter();
        all.retain(|_| keep.next().unwrap_or(false));
        Ok(all)
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
        let held: HashMap<Key<'_>, (Instant, &Cell)> = current
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
        insert_versions(
            &mut self.tx,
            self.backend,
            load_id,
            &fresh,
            self.reason.as_deref(),
        )
        .await?;
        self.summary.cells_added += fresh.len() as u64;
        Ok(())
    }

    /// The load's row, made when the load first records something.
    async fn load_id(&mut self) -> Result<i64, StoreError> {
        if let Some(id) = self.summary.load_id {
            return Ok(id);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO loads (started_at, origin, reason, cells_added) VALUES ($1, $2, $3, 0) RETURNING id",
        )
        .bind(&self.now)
        .bind(&self.origin)
        .bind(self.reason.as_deref())
        .fetch_one(&mut *self.tx)
        .await?;
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
                catalogue_rows::save(&mut self.tx, c, &self.now).await?;
        }
        if self.summary.definitions_changed > 0 || self.summary.cells_added > 0 {
            let id = self.load_id().await?;
            sqlx::query("UPDATE loads SET cells_added = $1 WHERE id = $2")
                .bind(self.summary.cells_added as i64)
                .bind(id)
                .execute(&mut *self.tx)
                .await?;
        }
        self.tx.commit().await?;
        Ok(self.summary)
    }
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
        let pairs: Vec<(String, String)> = sqlx::query_as(
            "SELECT DISTINCT indicator, period FROM cell_versions \
             WHERE recorded_at <= $1 AND ($2 = '' OR indicator = $2)",
        )
        .bind(&cutoff)
        .bind(indicator.unwrap_or("").to_owned())
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::from)?;
        let mut periods: BTreeMap<String, Vec<(Period, String)>> = BTreeMap::new();
        for (ind, text) in pairs {
            let p = Period::parse(&text).map_err(|e| StoreError::Corrupt {
                what: "period".into(),
                detail: e.to_string(),
            })?;
            periods.entry(ind).or_default().push((p, text));
        }
        // Byte order, as Rust orders `String`s, on either backend.
        let c = match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " COLLATE \"C\"",
        };
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
                     ORDER BY period{c}, breakdown{c}, recorded_at{c}, id"
                );
                let mut rows = sqlx::query(&sql)
                    .bind(ind.as_str())
                    .bind(&cutoff)
                    .bind(period.unwrap_or("").to_owned())
                    .fetch(&self.pool);
                // The last version of a key is the current one: hold it
                // until the key changes.
                let mut pending: Option<AnyRow> = None;
                while let Some(r) = rows.try_next().await.map_err(StoreError::from)? {
                    if let Some(p) = pending.take() {
                        if !latest_only || !same_key(&p, &r)? {
                            each(row_to_stored(&p)?)?;
                        }
                    }
                    pending = Some(r);
                }
                if let Some(p) = pending {
                    each(row_to_stored(&p)?)?;
                }
            }
        }
        Ok(())
    }
}

/// Whether two rows of `COLUMNS` are versions of one cell.
fn same_key(a: &AnyRow, b: &AnyRow) -> Result<bool, StoreError> {
    for i in 1..=3 {
        if a.try_get::<String, _>(i)? != b.try_get::<String, _>(i)? {
            return Ok(false);
        }
    }
    Ok(true)
}
