//! The release path: from the cells the store holds to the cells a public
//! output may show. Every public output — `zicht export --public`, the site,
//! the API, the downloads — takes its cells from [`public_cells`]; there is
//! no other way from the store to the public.
//!
//! No I/O: the caller reads the store and passes the moment ("now") in.

use zicht_model::{Catalogue, Cell, Figure, Unit};

#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error("disclosure audit refused the release: {0}")]
    Audit(String),
}

/// The smallest count a cell of this indicator and breakdown may show
/// exactly: the strictest of the theme's, the indicator's and each
/// dimension's rule.
pub fn min_count(catalogue: &Catalogue, cell: &Cell) -> Option<u32> {
    let ind = catalogue.indicator(cell.indicator.as_str())?;
    let theme = catalogue
        .theme(ind.theme.as_str())
        .and_then(|t| t.min_count);
    let dims = cell
        .breakdown
        .dimensions()
        .filter_map(|d| catalogue.dimension(d.as_str()).and_then(|d| d.min_count));
    theme.into_iter().chain(ind.min_count).chain(dims).max()
}

/// A count under its rule's k becomes `below` k, as the seeds publish "<10".
/// Zero is shown unless the rule says zeros are sensitive.
fn primary(catalogue: &Catalogue, cell: &Cell) -> Figure {
    let Some(ind) = catalogue.indicator(cell.indicator.as_str()) else {
        return Figure::Suppressed;
    };
    if ind.unit != Unit::Count {
        return cell.figure;
    }
    let Some(k) = min_count(catalogue, cell) else {
        return cell.figure;
    };
    let k = f64::from(k);
    let zeros_sensitive = ind.zeros_sensitive.unwrap_or(false);
    let small = |hi: f64, lo: f64| hi < k && (lo > 0.0 || zeros_sensitive);
    match cell.figure {
        Figure::Exact { value } if small(value, value) => Figure::Below { upper: k },
        Figure::Rounded { value, base } if small(value + base / 2.0, value) => {
            Figure::Below { upper: k }
        }
        Figure::Range { lower, upper } if upper < k && (lower > 0.0 || zeros_sensitive) => {
            Figure::Below { upper: k }
        }
        // "<5" published by a supplier is already coarser than "<10" would be
        // only if its bound is at least k; a finer bound is widened to k.
        Figure::Below { upper } if upper < k => Figure::Below { upper: k },
        f => f,
    }
}

/// The cells a public output may show, in the order given.
pub fn public_cells(catalogue: &Catalogue, cells: &[Cell]) -> Result<Vec<Cell>, ReleaseError> {
    Ok(cells
        .iter()
        .map(|c| Cell {
            figure: primary(catalogue, c),
            ..c.clone()
        })
        .collect())
}
