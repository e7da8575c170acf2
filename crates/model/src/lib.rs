//! The domain of zicht: cells with a status, indicators, dimensions, documents
//! (editions and other sources), recommendations, policy measures and texts.
//!
//! This crate does no I/O. Everything that reads or writes data sits in other
//! crates; here are the types and the rules that make a value valid.

mod breakdown;
mod catalogue;
mod cell;
mod display;
mod period;
mod prose;
mod role;
mod slug;
mod time;
mod validate;

pub use breakdown::{Breakdown, BreakdownError};
pub use catalogue::{
    About, ActionLine, ActionPlan, Assessment, AssessmentStatus, Catalogue, CatalogueError,
    CatalogueIndex, CountingUnit, Derivation, DerivationKind, Dimension, DimensionValue, Document,
    DocumentKind, Event, EventKind, Footnote, Frequency, Indicator, Measure, Organisation, Ranking,
    Recommendation, Section, Text, TextKind, Theme, Unit,
};
pub use cell::{Cell, Figure, FigureError, FigureParts, Provenance, Status, StatusParseError};
pub use display::{date_in_words, format_number_nl, FigureDisplay, Lang};
pub use period::{Period, PeriodError};
pub use prose::{
    citations, pieces, CellRef, CellRefError, Citations, Piece, Prose, ProseKind, NO_FIGURE,
};
pub use role::{Role, RoleParseError};
pub use slug::{Slug, SlugError};
pub use time::{Day, Instant, TimeError};
pub use validate::{
    check_additivity, check_figures, AdditivityViolation, CellProblem, FigureProblem,
};
