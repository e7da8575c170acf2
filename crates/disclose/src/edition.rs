//! Editions: a table protected together with what an earlier edition
//! published of the same figures.
//!
//! The earlier cells join the table as a linked table whose publication is
//! locked: its equations and its published figures ("<10", exact values,
//! rounding) constrain the attacker. A current cell is tied to its earlier
//! self by an equation only where both exact values are equal: an unrevised
//! figure is the same unknown in both editions. A revised figure is a new
//! unknown (see the README for what that leaves open).

use crate::table::{Cell, CellId, Equation, Publication, Relation, Table, TableError, Truth};

/// What an earlier edition published of the same table.
#[derive(Debug, Clone, Copy)]
pub struct EarlierEdition<'a> {
    /// The earlier figures as the publisher knew them then.
    pub table: &'a Table,
    /// What was published then, cell by cell.
    pub publications: &'a [Publication],
    /// Pairs (cell of the current table, the same cell in the earlier one).
    pub same_cells: &'a [(CellId, CellId)],
}

/// The current table with the earlier edition linked in: current cells keep
/// their ids; earlier cell `e` is `earlier_offset + e`, locked.
#[derive(Debug, Clone)]
pub struct Linked {
    pub table: Table,
    pub earlier_offset: usize,
}

pub fn link_earlier(current: &Table, earlier: &EarlierEdition<'_>) -> Result<Linked, TableError> {
    let offset = current.len();
    if earlier.publications.len() != earlier.table.len() {
        return Err(TableError::BadCell {
            label: "earlier edition".into(),
            problem: format!(
                "{} publications for {} cells",
                earlier.publications.len(),
                earlier.table.len()
            ),
        });
    }
    let mut cells: Vec<Cell> = current.cells().to_vec();
    cells.extend(
        earlier
            .table
            .cells()
            .iter()
            .zip(earlier.publications)
            .map(|(c, p)| Cell {
                label: format!("{} (earlier edition)", c.label),
                truth: c.truth,
                rule: c.rule,
                locked: Some(*p),
            }),
    );
    let mut equations: Vec<Equation> = current.equations().to_vec();
    equations.extend(earlier.table.equations().iter().map(|e| Equation {
        total: e.total + offset,
        parts: e.parts.iter().map(|p| p + offset).collect(),
        relation: e.relation,
    }));
    for &(now, then) in earlier.same_cells {
        let (Some(a), Some(b)) = (current.cells().get(now), earlier.table.cells().get(then)) else {
            return Err(TableError::NoSuchCell {
                equation: equations.len(),
                cell: now.max(then),
                cells: current.len().min(earlier.table.len()),
            });
        };
        if let (Truth::Exact(x), Truth::Exact(y)) = (a.truth, b.truth) {
            if x == y {
                equations.push(Equation {
                    total: now,
                    parts: vec![then + offset],
                    relation: Relation::Equal,
                });
            }
        }
    }
    let table = Table::new(
        cells,
        equations,
        current.is_integer(),
        current.is_nonnegative(),
    )?;
    Ok(Linked {
        table,
        earlier_offset: offset,
    })
}
