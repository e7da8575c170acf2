//! The rules of zicht's working side, with no I/O: data request rounds and
//! what they ask, deliveries and who may move them, parsing a delivery from a
//! form, CSV or XLSX, the templates suppliers fill in, and the differences an
//! editor reviews. `zicht-store` persists what these rules allow; the web
//! layer calls both.
//!
//! Times are passed in (`today`), nothing is read from a clock, a file or the
//! network, so every rule is tested as a plain function.

mod delivered;
mod delivery;
mod parse;
mod plan;
mod request;
mod review;
mod template;
pub mod text;

pub use delivered::{DeliveredCell, DeliveredError, DELIVERABLE};
pub use delivery::{
    transition, Actor, DeliveryAction, DeliveryState, DeliveryStateParseError, TransitionError,
};
pub use parse::{
    check_rows, check_zip, grid_field, parse_csv, parse_grid, parse_xlsx, Asked, Limits,
    ParsedDelivery, Problem, RawRow, COLUMNS, GRID_PARTS,
};
pub use plan::{next_year, offered_breakdowns, requests_of, title_next_year, PlanChoice};
pub use request::{is_day, AskedCell, CellKey, PlanProblem, Request, RoundPlan};
pub use review::{differences, progress, Difference, EarlierFigure, Flag, Progress};
pub use template::{
    reference_text, template_csv, template_rows, template_xlsx, TemplateError, TemplateRow,
};
pub use text::Text;
