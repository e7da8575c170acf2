//! Disclosure control for zicht, as a pure library: no I/O, no clock.
//!
//! - [`Rules`]: per indicator and per dimension, resolved per cell (strictest wins).
//! - [`TableBuilder`]: cells with breakdowns → a [`Table`] of additive equations
//!   (margins in any number of dimensions, nested dimensions, linked tables).
//! - [`protect`]: primary and secondary suppression → a [`Publication`] per cell.
//! - [`audit`]: the attacker's linear programs; refuses a release with the cells named.
//! - [`derived_to_hide`], [`link_earlier`]: derived figures, earlier
//!   editions.
//! - [`export`]: the same for rows of the export CSV format (used by `zicht protect`).
//!
//! See README.md for the method and why.

// The witness search passes its state as plain tuples and many scalars on
// purpose: it is the hot loop, and structs there cost measurable time.
#![allow(clippy::too_many_arguments, clippy::type_complexity)]

mod audit;
mod builder;
mod certificate;
mod derived;
mod edition;
pub mod export;
mod hierarchy;
mod lp;
mod rules;
mod suppress;
mod table;
mod witness;

pub use audit::{
    attacker_intervals, audit, audit_certified, audit_with, is_sensitive, requirement, AuditError,
    AuditOptions, AuditReport, CellAudit, Requirement,
};
pub use builder::{Hierarchy, Relaxed, TableBuilder};
pub use certificate::Certificates;
pub use derived::derived_to_hide;
pub use edition::{link_earlier, EarlierEdition, Linked};
pub use hierarchy::HierarchyError;
pub use rules::{Rule, RuleError, RulePatch, Rules};
pub use suppress::{
    protect, protect_table, protect_table_with, protect_with, Cost, Fallback, ProtectError,
    ProtectOptions, Protected, Reason, Summary,
};
pub use table::{
    Cell, CellId, Equation, Inconsistency, Publication, Relation, Table, TableError, Truth,
};
