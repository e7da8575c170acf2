//! The published monitor: a bilingual static site built from the store's
//! cells and the catalogue, with SVG charts, the yearly table and the
//! downloads.
//!
//! [`build`] takes the cells *as the store holds them* and passes every set
//! through [`zicht_release::public_cells`] itself, so no caller can put a
//! confidential figure on a page. It does no I/O: it returns the files as
//! bytes by their relative path, and the caller writes them to a directory
//! (`zicht publish`) or serves them (`zicht serve`).
//!
//! Dutch pages sit at the root, English ones under `en/`; every link is
//! relative, so the site works from `file://` and under any path of any web
//! server. No script, no external resource, one stylesheet.

mod chart;
mod pages;
mod words;

use std::collections::BTreeMap;

pub use chart::{Chart, ChartKind, Series};
use zicht_model::{Catalogue, Cell};

/// Everything the site is built from. The cells are the store's, before
/// disclosure control: [`build`] applies it.
#[derive(Debug, Clone)]
pub struct SiteInput {
    pub catalogue: Catalogue,
    /// The cells as of the site's moment (the edition's cut-off, or the
    /// latest when the site is not frozen at an edition).
    pub cells: Vec<Cell>,
    /// The cells as of each edition's cut-off, oldest edition first, up to
    /// and including the site's edition: the history of each figure and what
    /// changed since the previous edition.
    pub editions: Vec<EditionCells>,
    /// The edition the site publishes; `None`: the latest figures, compared
    /// with the last edition before the latest one.
    pub edition: Option<String>,
    /// The moment of publication: what is still under embargo then is left
    /// out.
    pub now: zicht_model::Instant,
}

#[derive(Debug, Clone)]
pub struct EditionCells {
    pub edition: String,
    pub cells: Vec<Cell>,
}

#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error(transparent)]
    Release(#[from] zicht_release::ReleaseError),
    #[error("cannot render a page: {0}")]
    Template(#[from] askama::Error),
    #[error(transparent)]
    Download(#[from] crate::PublishError),
    #[error(transparent)]
    Sdmx(#[from] zicht_sdmx::SdmxError),
    #[error("unknown edition '{0}': run `zicht editions` for the list")]
    UnknownEdition(String),
}

/// The built site: relative path → bytes.
#[derive(Debug, Clone, Default)]
pub struct Site {
    pub files: BTreeMap<String, Vec<u8>>,
}

impl Site {
    /// The file for a URL path under the site's root: `/` and directories
    /// answer with their `index.html`.
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        Site::keys(path)?
            .iter()
            .find_map(|k| self.files.get(k))
            .map(Vec::as_slice)
    }

    /// The keys a URL path may be stored under, in the order to try: the
    /// file itself (`index.html` for `/` and a path ending in `/`), then a
    /// directory's `index.html`. None for a path with `.` or `..` segments.
    /// Whoever serves the site's files looks them up this way.
    pub fn keys(path: &str) -> Option<[String; 2]> {
        let p = path.trim_start_matches('/');
        if p.split('/').any(|seg| seg == ".." || seg == ".") {
            return None;
        }
        let key = if p.is_empty() || p.ends_with('/') {
            format!("{p}index.html")
        } else {
            p.to_owned()
        };
        let index = format!("{key}/index.html");
        Some([key, index])
    }

    /// The media type of a site path, by its extension.
    pub fn content_type(path: &str) -> &'static str {
        let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        match ext {
            "html" | "" => "text/html; charset=utf-8",
            "css" => "text/css; charset=utf-8",
            "csv" => "text/csv; charset=utf-8",
            "json" => "application/json",
            "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "svg" => "image/svg+xml",
            _ => "application/octet-stream",
        }
    }
}

/// Text escaped for HTML and XML, attributes included, written where it
/// goes (a chart writes hundreds of labels).
pub(crate) struct Esc<'a>(pub(crate) &'a str);

impl std::fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..at])?;
            f.write_str(match rest.as_bytes()[at] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[at + 1..];
        }
        f.write_str(rest)
    }
}

/// The stylesheet of the site.
pub const STYLE: &str = include_str!("style.css");

/// The icon of the site and the portal.
pub const FAVICON: &str = include_str!("favicon.svg");

/// Builds the whole site. Every figure on it went through
/// [`zicht_release::public_cells`].
pub fn build(input: &SiteInput) -> Result<Site, SiteError> {
    let files = std::sync::Mutex::new(BTreeMap::new());
    build_each(input, &|path, bytes| {
        files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(path, bytes);
    })?;
    Ok(Site {
        files: files
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    })
}

/// [`build`], handing each file to `each` (relative path, bytes) as soon as
/// it is rendered, from more than one thread, instead of holding the site:
/// a caller that writes them out holds a few pages at a time, not the site.
pub fn build_each(
    input: &SiteInput,
    each: &(dyn Fn(String, Vec<u8>) + Sync),
) -> Result<(), SiteError> {
    build_shown(input, each).map(drop)
}

/// What a built site shows, as the release path gave it: the public
/// catalogue and the public cells of each moment (each edition the site
/// knows, oldest first, then the site's own moment), so that a caller
/// checks the texts against them without releasing everything again.
#[derive(Debug, Clone)]
pub struct Shown {
    pub catalogue: Catalogue,
    pub moments: Vec<Vec<Cell>>,
}

/// [`build_each`], returning what the site shows.
pub fn build_shown(
    input: &SiteInput,
    each: &(dyn Fn(String, Vec<u8>) + Sync),
) -> Result<Shown, SiteError> {
    let public = zicht_release::public_catalogue(&input.catalogue, input.now);
    // A document under embargo: the site is built as if it did not exist
    // yet — its edition, its texts and its figures.
    let open = |id: &str| public.document(id).is_some();
    if let Some(e) = input.edition.as_deref().filter(|e| !open(e)) {
        return Err(SiteError::UnknownEdition(e.to_owned()));
    }
    let editions: Vec<(&str, &[Cell])> = input
        .editions
        .iter()
        .filter(|e| open(&e.edition))
        .map(|e| (e.edition.as_str(), e.cells.as_slice()))
        .collect();
    let moments = pages::build(
        &public,
        &editions,
        &input.cells,
        input.edition.as_deref(),
        input.now,
        each,
    )?;
    Ok(Shown {
        catalogue: public,
        moments,
    })
}

#[cfg(test)]
mod tests;
