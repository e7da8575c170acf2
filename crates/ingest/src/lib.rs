//! Turns what people give zicht — the embedded monitor's data files, a CSV
//! export, a supplier's delivery — into cells and definitions. Every input
//! problem comes back as a [`Diagnostic`] naming file, line and field; the
//! caller decides whether anything is stored (nothing is, while any
//! diagnostic is an error).

mod diagnostic;
mod embedded;
mod export_csv;
mod monitor_files;

pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use embedded::{embedded_files, embedded_monitor};
pub use export_csv::{export_row, parse_export_csv, ExportCsvBatches, ImportRow, ParsedImport};
pub use monitor_files::{parse_monitor, DataFile, Monitor, RecordedCell};
