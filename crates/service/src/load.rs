//! Reading what a public output is made from out of the store: the moment
//! asked for and the editions published before it, without what is still
//! under embargo.

use std::collections::BTreeSet;

use zicht_model::{Catalogue, Cell, Day, Instant};
use zicht_publish::site::{EditionCells, SiteInput};
use zicht_release::ReleaseError;
use zicht_store::{AsOf, Store, StoreError};

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

/// The catalogue and the cells of the site at `now`: as of `edition`'s
/// cut-off, or the latest, with the cells as of every edition up to it.
pub async fn site_input(
    store: &Store,
    edition: Option<&str>,
    now: Instant,
) -> Result<SiteInput, LoadError> {
    let catalogue = store.catalogue().await?;
    let cutoff = edition
        .map(|e| public_cutoff(&catalogue, e, now))
        .transpose()?;
    let closed = closed(&catalogue, now);
    let cells = public_moment(store, cutoff, None, &closed).await?;
    let mut per_edition = Vec::new();
    for d in zicht_release::editions_before(&catalogue, None, now) {
        if cutoff.is_some_and(|c| d.cutoff > c) {
            continue;
        }
        let these = if Some(d.id.as_str()) == edition {
            cells.clone()
        } else {
            public_moment(store, Some(d.cutoff), None, &closed).await?
        };
        per_edition.push(EditionCells {
            edition: d.id.to_string(),
            cells: these,
        });
    }
    Ok(SiteInput {
        catalogue,
        cells,
        editions: per_edition,
        edition: edition.map(str::to_owned),
        now,
    })
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
    let closed = closed(&catalogue, now);
    // A derived figure is released together with what it is derived from,
    // or its sources' protection cannot reach it.
    let needed = indicator.map(|i| with_sources(&catalogue, i));
    let mut moments: Vec<Vec<Cell>> = Vec::new();
    for d in zicht_release::editions_before(&catalogue, cutoff, now) {
        moments.push(public_moment(store, Some(d.cutoff), needed.as_ref(), &closed).await?);
    }
    moments.push(public_moment(store, cutoff, needed.as_ref(), &closed).await?);
    let refs: Vec<&[Cell]> = moments.iter().map(Vec::as_slice).collect();
    let mut cells = zicht_release::public_moments(&catalogue, &refs, now)?
        .pop()
        .unwrap_or_default();
    if let Some(i) = indicator {
        cells.retain(|c| c.indicator.as_str() == i);
    }
    Ok((zicht_release::public_catalogue(&catalogue, now), cells))
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

/// The current cells at the end of a day (`None`: the latest), of some
/// indicators or all, passing over versions from a document under embargo
/// (the store's [`Store::cells_without`]), so a cell shows what was public
/// before it.
async fn public_moment(
    store: &Store,
    day: Option<Day>,
    indicators: Option<&BTreeSet<String>>,
    closed: &BTreeSet<String>,
) -> Result<Vec<Cell>, StoreError> {
    let as_of = day.map_or(AsOf::Latest, AsOf::Date);
    let stored = match indicators {
        None => store.cells_without(&as_of, None, closed).await?,
        Some(set) => {
            let mut all = Vec::new();
            for i in set {
                all.extend(store.cells_without(&as_of, Some(i), closed).await?);
            }
            all
        }
    };
    Ok(stored.into_iter().map(|s| s.cell).collect())
}
