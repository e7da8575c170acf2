//! Reading what the site is built from out of the store.

use zicht_model::Cell;
use zicht_model::DocumentKind;
use zicht_publish::site::{EditionCells, SiteInput};
use zicht_store::{AsOf, Store, StoreError, StoredCell};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("unknown edition '{0}': run `zicht editions` for the list")]
    UnknownEdition(String),
}

/// The catalogue and the cells of the site: as of `edition`'s cut-off, or
/// the latest, with the cells as of every edition up to it.
pub async fn site_input(store: &Store, edition: Option<&str>) -> Result<SiteInput, LoadError> {
    let catalogue = store.catalogue().await?;
    let editions: Vec<(String, String)> = catalogue
        .editions()
        .into_iter()
        .filter(|d| d.kind == DocumentKind::Edition)
        .map(|d| (d.id.to_string(), d.cutoff.clone()))
        .collect();
    let upto: Vec<String> = match edition {
        Some(e) => {
            let cutoff = editions
                .iter()
                .find(|(id, _)| id == e)
                .map(|(_, c)| c.clone())
                .ok_or_else(|| LoadError::UnknownEdition(e.to_owned()))?;
            editions
                .iter()
                .filter(|(_, c)| *c <= cutoff)
                .map(|(id, _)| id.clone())
                .collect()
        }
        None => editions.iter().map(|(id, _)| id.clone()).collect(),
    };
    // One read of every version, then each moment picked in memory: the
    // store's as-of rule (per cell the latest version recorded up to the
    // end of the cut-off day; ties by version) on the store's own order.
    let versions = store.versions(&AsOf::Latest, None).await?;
    let until = |id: &str| -> Option<String> {
        editions
            .iter()
            .find(|(e, _)| e == id)
            .map(|(_, c)| format!("{c}T23:59:59Z"))
    };
    let cells = as_of(&versions, edition.and_then(until).as_deref());
    let mut per_edition = Vec::new();
    for id in upto {
        let these = if Some(id.as_str()) == edition {
            cells.clone()
        } else {
            as_of(&versions, until(&id).as_deref())
        };
        per_edition.push(EditionCells {
            edition: id,
            cells: these,
        });
    }
    Ok(SiteInput {
        catalogue,
        cells,
        editions: per_edition,
        edition: edition.map(str::to_owned),
    })
}

/// The current cells at a moment (`None`: the latest) from every version in
/// [`Store::versions`] order: by cell, then recording time and version.
fn as_of(versions: &[StoredCell], until: Option<&str>) -> Vec<Cell> {
    let mut out: Vec<Cell> = Vec::new();
    let mut pending: Option<&StoredCell> = None;
    for v in versions {
        if let Some(p) = pending {
            if p.cell.key() != v.cell.key() {
                out.push(p.cell.clone());
                pending = None;
            }
        }
        if until.is_none_or(|u| v.recorded_at.as_str() <= u) {
            pending = Some(v);
        }
    }
    if let Some(p) = pending {
        out.push(p.cell.clone());
    }
    out
}
