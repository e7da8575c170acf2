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
    .chain(labelled_files(ctx))
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

/// The labelled downloads of the whole monitor (`crate::labelled_files`):
/// file name, what it is, a note.
fn labelled_files(ctx: &super::ctx::Ctx<'_>) -> [(&'static str, &'static str, &'static str); 5] {
    let t = |nl: &'static str, en: &'static str| {
        if ctx.lang == zicht_model::Lang::Nl {
            nl
        } else {
            en
        }
    };
    [
        (
            "labelled.csv",
            t(
                "CSV met codes en namen (Nederlands en Engels)",
                "CSV with codes and labels (Dutch and English)",
            ),
            t(
                "de kolommen van het exportformaat, elke code met haar namen ernaast",
                "the export format's columns, each code with its labels beside it",
            ),
        ),
        (
            "labelled-excel-nl.csv",
            t(
                "Dezelfde CSV voor Nederlandse Excel",
                "The same CSV for Dutch Excel",
            ),
            t(
                "puntkomma, decimale komma, UTF-8 met BOM",
                "semicolon, decimal comma, UTF-8 with BOM",
            ),
        ),
        (
            "workbook.xlsx",
            t("Excel-werkmap (XLSX)", "Excel workbook (XLSX)"),
            t(
                "een tabblad per indicator en een tabblad 'notes' met de toelichting",
                "a sheet per indicator and a 'notes' sheet",
            ),
        ),
        (
            "codebook.md",
            t("Codeboek", "Codebook"),
            t(
                "elke kolom, elke code met haar Nederlandse en Engelse naam, de statussen",
                "every column, every code with its Dutch and English label, the statuses",
            ),
        ),
        ("codebook.csv", t("Codeboek (CSV)", "Codebook (CSV)"), ""),
    ]
}
