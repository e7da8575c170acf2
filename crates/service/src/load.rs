//! Reading what a public output is made from out of the store: the moment
//! asked for and the editions published before it, without what is still
//! under embargo.

use std::collections::BTreeSet;

use zicht_model::{Catalogue, Cell, Day, Instant};
use zicht_publish::site::{EditionCells, SiteInput};
use zicht_release::ReleaseError;
use zicht_store::{AsOf, Store, StoreError, StoredCell};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Release(#[from] ReleaseError),
    #[error("unknown edition '{0}': run `zicht editions` for the list")]
    UnknownEdition(String),
}

/// The documents still under embargo at `now`.
fn closed(catalogue: &Catalogue, now: Instant) -> BTreeSet<String> {
    catalogue
        .documents
        .iter()
        .filter(|d| !d.is_public_at(now))
        .map(|d| d.id.to_string())
        .collect()
}

/// The edition's cut-off, or an error naming it when it is not a public
/// edition at `now`: an edition under embargo does not exist yet.
fn public_cutoff(catalogue: &Catalogue, edition: &str, now: Instant) -> Result<Day, LoadError> {
    zicht_release::editions_before(catalogue, None, now)
        .into_iter()
        .find(|d| d.id.as_str() == edition)
        .map(|d| d.cutoff)
        .ok_or_else(|| LoadError::UnknownEdition(edition.to_owned()))
}

/// What every public output is made from, read from the store at once:
/// the catalogue and every version, at one revision.
#[derive(Debug, Clone)]
pub struct Contents {
    /// [`Store::revision`] when read: the contents are of this revision.
    pub revision: i64,
    pub catalogue: Catalogue,
    /// Every version, in [`Store::versions`] order.
    pub versions: Vec<StoredCell>,
}

/// Reads the catalogue and every version of one revision: a load that
/// commits between the two reads makes the read start over, so the
/// catalogue and the cells never come from two different states.
pub async fn read_contents(store: &Store) -> Result<Contents, LoadError> {
    let mut revision = store.revision().await?;
    loop {
        let catalogue = store.catalogue().await?;
        let versions = store.versions(&AsOf::Latest, None).await?;
        let after = store.revision().await?;
        if after == revision {
            return Ok(Contents {
                revision,
                catalogue,
                versions,
            });
        }
        revision = after;
    }
}

/// The catalogue and the cells of the site at `now`: as of `edition`'s
/// cut-off, or the latest, with the cells as of every edition up to it.
pub async fn site_input(
    store: &Store,
    edition: Option<&str>,
    now: Instant,
) -> Result<SiteInput, LoadError> {
    let contents = Contents {
        revision: 0,
        catalogue: store.catalogue().await?,
        versions: store.versions(&AsOf::Latest, None).await?,
    };
    site_input_of(&contents, edition, now)
}

/// [`site_input`] from contents already read.
pub fn site_input_of(
    contents: &Contents,
    edition: Option<&str>,
    now: Instant,
) -> Result<SiteInput, LoadError> {
    let catalogue = &contents.catalogue;
    let versions = &contents.versions;
    let cutoff = edition
        .map(|e| public_cutoff(catalogue, e, now))
        .transpose()?;
    let closed = closed(catalogue, now);
    // One read of every version, then each moment picked in memory.
    let cells = as_of(versions, cutoff.map(Day::end_utc), &closed);
    let mut per_edition = Vec::new();
    for d in zicht_release::editions_before(catalogue, None, now) {
        if cutoff.is_some_and(|c| d.cutoff > c) {
            continue;
        }
        let these = if Some(d.id.as_str()) == edition {
            cells.clone()
        } else {
            as_of(versions, Some(d.cutoff.end_utc()), &closed)
        };
        per_edition.push(EditionCells {
            edition: d.id.to_string(),
            cells: these,
        });
    }
    Ok(SiteInput {
        catalogue: catalogue.clone(),
        cells,
        editions: per_edition,
        edition: edition.map(str::to_owned),
        now,
    })
}

/// Every moment the public may ask for by name at `now`, released: the
/// latest figures and each public edition's, each exactly as
/// [`public_cells`] answers it, for every indicator at once.
#[derive(Debug, Clone)]
pub struct PublicMoments {
    /// The catalogue without what is under embargo.
    pub catalogue: Catalogue,
    pub latest: Vec<Cell>,
    /// Per public edition, oldest first: its id and its cells.
    pub editions: Vec<(String, Vec<Cell>)>,
}

/// [`PublicMoments`] from contents already read.
pub fn public_moments_of(contents: &Contents, now: Instant) -> Result<PublicMoments, LoadError> {
    let catalogue = &contents.catalogue;
    let closed = closed(catalogue, now);
    let editions = zicht_release::editions_before(catalogue, None, now);
    // Each edition is protected together with the editions before its
    // cut-off, and the latest with all of them; one pass over the editions
    // in order answers every one whose earlier editions are exactly those
    // before it in the list (always, unless two share a cut-off).
    let mut moments: Vec<Vec<Cell>> = editions
        .iter()
        .map(|d| as_of(&contents.versions, Some(d.cutoff.end_utc()), &closed))
        .collect();
    moments.push(as_of(&contents.versions, None, &closed));
    let refs: Vec<&[Cell]> = moments.iter().map(Vec::as_slice).collect();
    let mut released = zicht_release::public_moments(catalogue, &refs, now)?;
    let latest = released.pop().unwrap_or_default();
    let mut per_edition = Vec::with_capacity(editions.len());
    for (k, (d, cells)) in editions.iter().zip(released).enumerate() {
        let before = zicht_release::editions_before(catalogue, Some(d.cutoff), now);
        let in_order =
            before.len() == k && before.iter().zip(&editions[..k]).all(|(a, b)| a.id == b.id);
        let cells = if in_order {
            cells
        } else {
            public_moment_of(contents, Some(d.cutoff), now)?
        };
        per_edition.push((d.id.to_string(), cells));
    }
    Ok(PublicMoments {
        catalogue: zicht_release::public_catalogue(catalogue, now),
        latest,
        editions: per_edition,
    })
}

/// The public cells of every indicator as of the end of `cutoff` (`None`:
/// the latest), protected together with every edition published before
/// it: [`public_cells`] from contents already read.
pub fn public_moment_of(
    contents: &Contents,
    cutoff: Option<Day>,
    now: Instant,
) -> Result<Vec<Cell>, LoadError> {
    released_moment(&contents.catalogue, &contents.versions, cutoff, now)
}

/// What a public output may show of a moment (optionally of one indicator)
/// at `now`: the cells through the release path, protected together with
/// every edition published before the moment, and the catalogue without
/// what is under embargo.
pub async fn public_cells(
    store: &Store,
    moment: &AsOf,
    indicator: Option<&str>,
    now: Instant,
) -> Result<(Catalogue, Vec<Cell>), LoadError> {
    let catalogue = store.catalogue().await?;
    let cutoff = match moment {
        AsOf::Latest => None,
        AsOf::Date(d) => Some(*d),
        AsOf::Edition(e) => Some(public_cutoff(&catalogue, e, now)?),
    };
    // A derived figure is released together with what it is derived from,
    // or its sources' protection cannot reach it.
    let mut versions = Vec::new();
    match indicator {
        None => versions = store.versions(&AsOf::Latest, None).await?,
        Some(i) => {
            for needed in with_sources(&catalogue, i) {
                versions.extend(store.versions(&AsOf::Latest, Some(&needed)).await?);
            }
        }
    }
    let mut cells = released_moment(&catalogue, &versions, cutoff, now)?;
    if let Some(i) = indicator {
        cells.retain(|c| c.indicator.as_str() == i);
    }
    Ok((zicht_release::public_catalogue(&catalogue, now), cells))
}

/// The cells of a moment through the release path, protected together
/// with every edition published before it.
fn released_moment(
    catalogue: &Catalogue,
    versions: &[StoredCell],
    cutoff: Option<Day>,
    now: Instant,
) -> Result<Vec<Cell>, LoadError> {
    let closed = closed(catalogue, now);
    let earlier = zicht_release::editions_before(catalogue, cutoff, now);
    let mut moments: Vec<Vec<Cell>> = earlier
        .iter()
        .map(|d| as_of(versions, Some(d.cutoff.end_utc()), &closed))
        .collect();
    moments.push(as_of(versions, cutoff.map(Day::end_utc), &closed));
    let refs: Vec<&[Cell]> = moments.iter().map(Vec::as_slice).collect();
    Ok(zicht_release::public_moments(catalogue, &refs, now)?
        .pop()
        .unwrap_or_default())
}

/// What a text of the monitor says that its tables hide: every number under
/// the rule's k in a text next to a cell the public outputs hide, as the
/// site would publish at `now` (each public edition and the latest
/// figures). For `zicht init`, `zicht publish` and the portal's text
/// editor; warnings never block.
pub async fn text_warnings(
    store: &Store,
    now: Instant,
) -> Result<Vec<zicht_release::TextWarning>, LoadError> {
    let input = site_input(store, None, now).await?;
    let catalogue = zicht_release::public_catalogue(&input.catalogue, now);
    let mut moments: Vec<&[Cell]> = input.editions.iter().map(|e| e.cells.as_slice()).collect();
    moments.push(&input.cells);
    let released = zicht_release::public_moments(&catalogue, &moments, now)?;
    Ok(zicht_release::text_warnings(&catalogue, &released))
}

/// An indicator and every indicator it is derived from, through chains of
/// derivations, each once, sorted.
fn with_sources(catalogue: &Catalogue, indicator: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut todo = vec![indicator.to_owned()];
    while let Some(i) = todo.pop() {
        if !out.insert(i.clone()) {
            continue;
        }
        if let Some(d) = catalogue.indicator(&i).and_then(|x| x.derived.as_ref()) {
            todo.extend(d.from.iter().map(|f| f.to_string()));
        }
    }
    out
}

/// The current cells at a moment (`None`: the latest) from every version in
/// [`Store::versions`] order: by cell, then recording time and version. A
/// version from a document under embargo is passed over, so the cell shows
/// what was public before it.
fn as_of(versions: &[StoredCell], until: Option<Instant>, closed: &BTreeSet<String>) -> Vec<Cell> {
    let mut out: Vec<Cell> = Vec::new();
    let mut pending: Option<&StoredCell> = None;
    for v in versions {
        if let Some(p) = pending {
            if p.cell.key() != v.cell.key() {
                out.push(p.cell.clone());
                pending = None;
            }
        }
        let open = v
            .cell
            .provenance
            .document
            .as_ref()
            .is_none_or(|d| !closed.contains(d.as_str()));
        if open && until.is_none_or(|u| v.recorded_at <= u) {
            pending = Some(v);
        }
    }
    if let Some(p) = pending {
        out.push(p.cell.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    //! The snapshot reads every version once and applies the as-of rule in
    //! memory (`as_of`); every other reader asks the store
    //! (`Store::cells_without`). Two implementations of one rule must agree,
    //! so random histories are read both ways.

    use super::*;
    use proptest::prelude::*;
    use zicht_model::{Breakdown, Figure, Period, Provenance, Slug};
    use zicht_store::NewVersion;

    /// One recorded version: which cell, when (day and hour), from which
    /// document, and its value.
    type Recorded = (usize, u8, u8, Option<usize>, u16);

    const KEYS: [(&str, &str); 3] = [("2019", ""), ("2019", "sex=girls"), ("2020", "")];
    const DOCUMENTS: [&str; 2] = ["ed-a", "ed-b"];

    fn cell(key: usize, document: Option<usize>, value: u16) -> Cell {
        let (period, breakdown) = KEYS[key];
        Cell {
            indicator: Slug::parse("victims").unwrap(),
            period: Period::parse(period).unwrap(),
            breakdown: Breakdown::parse(breakdown).unwrap(),
            figure: Figure::Exact {
                value: f64::from(value),
            },
            provenance: Provenance {
                document: document.map(|d| Slug::parse(DOCUMENTS[d]).unwrap()),
                ..Provenance::default()
            },
        }
    }

    fn instant(day: u8, hour: u8) -> Instant {
        format!("2021-01-{day:02}T{hour:02}:00:00Z")
            .parse()
            .unwrap()
    }

    async fn compare(history: Vec<Recorded>) {
        // A fresh directory per case: a case that failed may leave its
        // store's connections closing in the background.
        static CASE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let case = CASE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("zicht-service-as-of-{}-{case}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = Store::open(&format!("sqlite://{}/z.db", dir.display()))
            .await
            .unwrap();
        // One load per version, in the order drawn: a later load may record
        // an earlier moment, as a correction of the past does.
        for &(key, day, hour, document, value) in &history {
            let c = cell(key, document, value);
            let v = NewVersion {
                cell: &c,
                recorded_at: instant(day, hour),
                reason: None,
            };
            store.load("test", None, &[v], None).await.unwrap();
        }
        let versions = store.versions(&AsOf::Latest, None).await.unwrap();
        let moments = [None, Some(1u8), Some(2), Some(3), Some(4)];
        let closings: [&[&str]; 4] = [&[], &["ed-a"], &["ed-b"], &["ed-a", "ed-b"]];
        for day in moments {
            for closing in closings {
                let closed: BTreeSet<String> = closing.iter().map(|d| d.to_string()).collect();
                let (as_of_store, until) = match day {
                    None => (AsOf::Latest, None),
                    Some(d) => {
                        let day: Day = format!("2021-01-{d:02}").parse().unwrap();
                        (AsOf::Date(day), Some(day.end_utc()))
                    }
                };
                let from_store: Vec<Cell> = store
                    .cells_without(&as_of_store, None, &closed)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|s| s.cell)
                    .collect();
                let in_memory = as_of(&versions, until, &closed);
                assert_eq!(
                    in_memory, from_store,
                    "as of {day:?}, closed {closing:?}, history {history:?}"
                );
            }
        }
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn the_snapshot_and_the_store_read_the_same_moment(
            history in proptest::collection::vec(
                (0..KEYS.len(), 1u8..5, 0u8..3, proptest::option::of(0..DOCUMENTS.len()), 0u16..4),
                0..14,
            )
        ) {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(compare(history));
        }
    }
}
