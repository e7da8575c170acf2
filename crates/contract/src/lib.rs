//! The export contract of DESIGN.md as text, in one place: the row and its
//! header, the plain number, the breakdown syntax and the ids of footnotes
//! known only by their text. Every way a figure comes in or goes out (import,
//! portal uploads, `zicht protect`, downloads) reads and writes through this
//! crate, so the same text gets the same answer everywhere.
//!
//! It knows no domain types: `zicht-model` builds its `Slug` and `Breakdown`
//! on the syntax here, and `zicht-disclose` (which must not depend on the
//! model) works on the rows and pairs directly.

mod breakdown;
mod number;
mod row;
mod text;

pub use breakdown::{
    breakdown_text, check_identifier, parse_breakdown, BreakdownError, IdentifierError,
};
pub use number::{
    parse_count, parse_number, parse_optional_number, whole_count, write_number,
    write_optional_number, NumberError,
};
pub use row::{
    columns, footnote_id_for_text, ExportRow, EXPORT_HEADER, FIGURE_COLUMNS, FOOTNOTE_SEPARATOR,
};
pub use text::{bidi_control, cell_text_problem, formula_start, inert, TextProblem, FORMULA_SIGNS};
