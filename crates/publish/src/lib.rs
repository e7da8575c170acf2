//! What zicht publishes. For now: the downloads of the data export contract
//! (CSV, JSON, XLSX), rendered to bytes; the caller decides where they go.

mod downloads;
pub mod site;

pub use downloads::{render, CellWriter, Format, JsonCell, JsonCells, PublishError};
