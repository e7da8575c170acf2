//! What zicht publishes. For now: the downloads of the data export contract
//! (CSV, JSON, XLSX), rendered to bytes; the caller decides where they go.

mod downloads;
pub mod site;
pub mod xlsx;

pub use downloads::{
    codebook, codebook_csv, codebook_markdown, labelled_csv, labelled_files, render,
    render_versions, sheet_names, workbook, CellWriter, CodebookEntry, Dialect, Format, JsonCell,
    JsonCells, PublishError, CODEBOOK_HEADER, LABELLED_HEADER, NOTES_SHEET, STATUSES,
    VERSIONS_HEADER, VERSION_COLUMNS,
};

/// The maps of publishing (labels, cells by indicator, shared strings):
/// looked up for every cell of every file, where std's SipHash was a few
/// per cent of a publish. foldhash is seeded per process, as std's is.
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
