//! The downloads page: the public cells as CSV, JSON and XLSX, and in SDMX
//! (SDMX-CSV 2.0 data with its SDMX-ML 3.0 structure).

use askama::Template;

use super::ctx::NoteBook;
use super::{Chrome, Link, Out, Parts};
use crate::site::SiteError;

#[derive(Template)]
#[template(path = "downloads.html", config = "src/site/askama.toml")]
pub struct DownloadsPage {
    pub c: Chrome,
    pub count: usize,
    pub files: Vec<(Link, String)>,
}

pub(super) fn write(parts: &Parts<'_>, out: &mut Out) -> Result<(), SiteError> {
    let ctx = &parts.ctx;
    let w = ctx.w;
    let b = parts.b;
    let path = "downloads.html";
    let root = ctx.root(path);
    let header = zicht_contract::EXPORT_HEADER.join(",");
    let files = [
        ("cells.csv", w.csv, header.as_str()),
        ("cells.json", w.json, "{\"cells\": [...]}"),
        ("cells.xlsx", w.xlsx, ""),
        ("sdmx-data.csv", w.sdmx_data, "STRUCTURE,STRUCTURE_ID,ACTION,INDICATOR,…,OBS_VALUE,OBS_STATUS,CONF_STATUS,UNIT_MEASURE"),
        ("sdmx-structure.xml", w.sdmx_structure, ""),
    ]
    .into_iter()
    .map(|(name, text, note)| {
        (
            Link {
                href: format!("{root}downloads/{name}"),
                text: format!("{text}: {name}"),
                current: false,
            },
            note.to_owned(),
        )
    })
    .collect();
    let page = DownloadsPage {
        c: ctx.chrome(path, w.downloads.to_owned(), NoteBook::default()),
        count: b.public.len(),
        files,
    };
    out.put(path, page.render()?);
    Ok(())
}
