//! The linked table disclosure control works on: cells and the additive
//! relations between them. Everything else in the crate reads this.

use std::sync::Arc;

use crate::rules::{check_rule, Rule};

/// Index of a cell in its [`Table`].
pub type CellId = usize;

/// What the publisher knows of a cell (confidential: never published as is).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Truth {
    Exact(f64),
    /// The supplier only said "under `upper`" (`<10`: upper = 10).
    Below {
        upper: f64,
    },
    /// The supplier gave bounds (both included).
    Range {
        lower: f64,
        upper: f64,
    },
    /// The supplier rounded (half up) to `base`.
    Rounded {
        value: f64,
        base: f64,
    },
    /// Not available, or a model estimate: no count the table adds up with.
    Unknown,
    /// The supplier refused to share it: no count known to the publisher here,
    /// and a confidentiality request, so it is protected like a small count.
    Refused,
}

/// What a release says of a cell: the attacker's knowledge, cell by cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Publication {
    Exact(f64),
    /// Rounded half up to `base`.
    Rounded {
        value: f64,
        base: f64,
    },
    /// "<upper": hidden for its own small count, or given so by the supplier.
    Below {
        upper: f64,
    },
    Range {
        lower: f64,
        upper: f64,
    },
    /// Hidden to protect another cell: no value, no bounds.
    Suppressed,
    /// Nothing published because nothing is known (refused, not available).
    Withheld,
}

impl Publication {
    pub fn is_exact(&self) -> bool {
        matches!(self, Publication::Exact(_))
    }
}

/// One cell: indicator × period × breakdown, as disclosure control needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// How errors name the cell (the breakdown, or whatever the caller likes).
    pub label: String,
    pub truth: Truth,
    pub rule: Rule,
    /// Set when the cell's publication cannot change any more (a cell of an
    /// earlier edition): it constrains the attacker but is not protected again.
    pub locked: Option<Publication>,
}

impl Cell {
    pub fn new(label: impl Into<String>, truth: Truth, rule: Rule) -> Self {
        Cell {
            label: label.into(),
            truth,
            rule,
            locked: None,
        }
    }
}

/// How the parts of an equation relate to its total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Relation {
    /// The parts add up to the total.
    #[default]
    Equal,
    /// Exclusive parts that need not cover the total (an "unknown" left out).
    PartsAtMost,
    /// Parts that may count a case twice (a victim of two forms of exploitation).
    PartsAtLeast,
}

/// `total (=|≥|≤) Σ parts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Equation {
    pub total: CellId,
    pub parts: Vec<CellId>,
    pub relation: Relation,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TableError {
    #[error("equation {equation} names cell {cell}, but the table has {cells} cells")]
    NoSuchCell {
        equation: usize,
        cell: CellId,
        cells: usize,
    },
    #[error("equation {equation} names cell '{label}' twice")]
    RepeatedCell { equation: usize, label: String },
    #[error("equation {equation} has no parts")]
    NoParts { equation: usize },
    #[error("cell '{label}': {problem}")]
    BadCell { label: String, problem: String },
    #[error("cell '{label}' appears twice")]
    DuplicateCell { label: String },
    #[error("the table does not add up:\n{}", .0.iter().map(|i| format!("  {i}")).collect::<Vec<_>>().join("\n"))]
    NotAdditive(Vec<Inconsistency>),
}

/// An equation the known figures break, with the cells it involves.
#[derive(Debug, Clone, PartialEq)]
pub struct Inconsistency {
    pub equation: usize,
    /// The total first, then the parts.
    pub cells: Vec<CellId>,
    pub message: String,
}

impl std::fmt::Display for Inconsistency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Where each cell sits, for a table built from breakdowns: lets the
/// protector look along a dimension (a sibling, the margin, a child).
#[derive(Debug, Clone, Default)]
pub(crate) struct Coordinates {
    /// Per cell, its (dimension, value) pairs, sorted.
    pub keys: Vec<Box<[(u32, u32)]>>,
    pub index: crate::lp::FxMap<Box<[(u32, u32)]>, CellId>,
    /// Per dimension, the values it takes.
    pub values: Vec<Vec<u32>>,
    /// Per dimension, the dimension nested in it.
    pub child_of: Vec<Option<u32>>,
    /// Per dimension, the dimension it is nested in.
    pub parent_of: Vec<Option<u32>>,
    /// (nested dimension, value) → the parent dimension's value.
    pub parent_value: crate::lp::FxMap<(u32, u32), u32>,
    /// (nested dimension, parent's value) → its values under it, ascending
    /// (the hypercube asks for them for every cell it moves).
    pub children: crate::lp::FxMap<(u32, u32), Vec<u32>>,
}

/// The coordinates as one number per cell: every dimension a digit (0 for
/// its total, 1 + the value's position otherwise), so the protector finds a
/// neighbour by arithmetic instead of hashing a sorted key. Looking cells up
/// along a dimension is most of what the hypercube search does; with the
/// hashed keys it was a third of the time on the 3-d benchmark.
#[derive(Debug, Clone)]
pub(crate) struct Packed {
    /// Per dimension, value id → digit (0: not a value of the dimension).
    digit: Vec<Vec<u32>>,
    stride: Vec<u64>,
    /// Per cell, its number: moving a cell along a dimension is then a
    /// subtraction and an addition, without reading its pairs.
    keys: Vec<u64>,
    /// Per cell, its digit in every dimension (cell × dimensions), so that
    /// no move divides.
    digits: Vec<u32>,
    cells: PackedCells,
}

#[derive(Debug, Clone)]
enum PackedCells {
    /// Every combination has a slot (`u32::MAX`: no such cell).
    Dense(Vec<u32>),
    Sparse(crate::lp::FxMap<u64, CellId>),
}

/// Above this many combinations the packed index is a hash map: 16 million
/// slots are 64 MB, the most a table of a million cells should cost for it.
const DENSE_SLOTS: u64 = 16 * 1024 * 1024;

impl Packed {
    fn new(co: &Coordinates) -> Option<Packed> {
        let mut stride = Vec::with_capacity(co.values.len());
        let mut digit = Vec::with_capacity(co.values.len());
        let mut slots: u64 = 1;
        for values in &co.values {
            stride.push(slots);
            let max = values.iter().copied().max().map_or(0, |m| m as usize + 1);
            let mut d = vec![0u32; max];
            for (pos, &v) in values.iter().enumerate() {
                d[v as usize] = pos as u32 + 1;
            }
            digit.push(d);
            slots = slots.checked_mul(values.len() as u64 + 1)?;
        }
        let mut packed = Packed {
            digit,
            stride,
            keys: Vec::new(),
            digits: Vec::new(),
            cells: PackedCells::Sparse(Default::default()),
        };
        let keys: Option<Vec<u64>> = co.keys.iter().map(|k| packed.key(k)).collect();
        let keys = keys?;
        packed.cells = if slots <= DENSE_SLOTS {
            let mut dense = vec![u32::MAX; slots as usize];
            for (cell, &k) in keys.iter().enumerate() {
                dense[k as usize] = cell as u32;
            }
            PackedCells::Dense(dense)
        } else {
            PackedCells::Sparse(
                keys.iter()
                    .enumerate()
                    .map(|(cell, &k)| (k, cell as CellId))
                    .collect(),
            )
        };
        let dims = co.values.len();
        let mut digits = vec![0u32; co.keys.len() * dims];
        for (cell, pairs) in co.keys.iter().enumerate() {
            for &(d, v) in pairs.iter() {
                digits[cell * dims + d as usize] = packed.digit[d as usize][v as usize];
            }
        }
        packed.keys = keys;
        packed.digits = digits;
        Some(packed)
    }

    /// The number of `value` in dimension `dim`, placed at its digit.
    pub(crate) fn part(&self, dim: u32, value: u32) -> Option<u64> {
        let d = *self.digit.get(dim as usize)?.get(value as usize)?;
        (d != 0).then(|| u64::from(d) * self.stride[dim as usize])
    }

    /// The number of `cell` with its digit of dimension `dim` set to 0
    /// (that dimension's total).
    pub(crate) fn without(&self, cell: CellId, dim: u32) -> u64 {
        let dims = self.stride.len();
        self.keys[cell]
            - u64::from(self.digits[cell * dims + dim as usize]) * self.stride[dim as usize]
    }

    /// [`Packed::without`] two dimensions.
    pub(crate) fn without_both(&self, cell: CellId, dim: u32, other: u32) -> u64 {
        let dims = self.stride.len();
        self.without(cell, dim)
            - u64::from(self.digits[cell * dims + other as usize]) * self.stride[other as usize]
    }

    pub(crate) fn key(&self, pairs: &[(u32, u32)]) -> Option<u64> {
        pairs.iter().map(|&(d, v)| self.part(d, v)).sum()
    }

    pub(crate) fn cell(&self, key: u64) -> Option<CellId> {
        match &self.cells {
            PackedCells::Dense(d) => d
                .get(key as usize)
                .copied()
                .filter(|&c| c != u32::MAX)
                .map(|c| c as CellId),
            PackedCells::Sparse(m) => m.get(&key).copied(),
        }
    }
}

/// Cells linked by additive equations: one indicator × period with all its
/// breakdowns, possibly linked with other tables or an earlier edition.
///
/// The cells, equations and coordinates are shared between clones: the
/// release protects variants of one table (zeros hidden, small counts as
/// "x") and hands the one it used back, and copying 100,000 labels and a
/// coordinate index each time was a tenth of protecting the 3-d benchmark.
#[derive(Debug, Clone)]
pub struct Table {
    cells: Arc<Vec<Cell>>,
    equations: Arc<Vec<Equation>>,
    integer: bool,
    nonnegative: bool,
    /// For each cell, the equations it appears in (ascending).
    incidence: Arc<Vec<Vec<u32>>>,
    degree: usize,
    coordinates: Option<Arc<Coordinates>>,
    packed: Option<Arc<Packed>>,
    /// Small counts are published as "x" like the cells hidden for them, so
    /// "x" no longer tells the attacker "at least k" (the last resort of
    /// [`crate::protect_table`]).
    small_as_x: bool,
}

impl Table {
    /// Checks the cells and equations (not yet that the figures add up: see
    /// [`Table::reference_point`]).
    ///
    /// `integer`: the cells are counts, so "<10" means at most 9 and an attacker
    /// interval is read in whole numbers. `nonnegative`: no cell is below zero.
    pub fn new(
        cells: Vec<Cell>,
        equations: Vec<Equation>,
        integer: bool,
        nonnegative: bool,
    ) -> Result<Table, TableError> {
        for cell in &cells {
            check_cell(cell, integer, nonnegative)?;
        }
        let n = cells.len();
        let mut incidence: Vec<Vec<u32>> = vec![Vec::new(); n];
        let mut seen = vec![usize::MAX; n];
        for (e, eq) in equations.iter().enumerate() {
            if eq.parts.is_empty() {
                return Err(TableError::NoParts { equation: e });
            }
            for &c in std::iter::once(&eq.total).chain(&eq.parts) {
                if c >= n {
                    return Err(TableError::NoSuchCell {
                        equation: e,
                        cell: c,
                        cells: n,
                    });
                }
                if seen[c] == e {
                    return Err(TableError::RepeatedCell {
                        equation: e,
                        label: cells[c].label.clone(),
                    });
                }
                seen[c] = e;
                incidence[c].push(e as u32);
            }
        }
        let degree = incidence.iter().map(Vec::len).max().unwrap_or(0);
        Ok(Table {
            cells: Arc::new(cells),
            equations: Arc::new(equations),
            integer,
            nonnegative,
            incidence: Arc::new(incidence),
            degree,
            coordinates: None,
            packed: None,
            small_as_x: false,
        })
    }

    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    pub fn cell(&self, id: CellId) -> &Cell {
        &self.cells[id]
    }

    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    pub fn equations(&self) -> &[Equation] {
        &self.equations
    }

    pub fn is_integer(&self) -> bool {
        self.integer
    }

    pub fn is_nonnegative(&self) -> bool {
        self.nonnegative
    }

    pub(crate) fn with_coordinates(mut self, coordinates: Coordinates) -> Self {
        if coordinates.keys.len() == self.cells.len() {
            self.packed = Packed::new(&coordinates).map(Arc::new);
            self.coordinates = Some(Arc::new(coordinates));
        }
        self
    }

    pub(crate) fn packed(&self) -> Option<&Packed> {
        self.packed.as_deref()
    }

    pub(crate) fn coordinates(&self) -> Option<&Coordinates> {
        self.coordinates.as_deref()
    }

    /// The most equations any cell appears in.
    pub(crate) fn degree(&self) -> usize {
        self.degree
    }

    /// The equations a cell appears in.
    pub(crate) fn incidence(&self, id: CellId) -> &[u32] {
        &self.incidence[id]
    }

    /// Cells of an equation with their coefficient in `total - Σ parts`.
    pub(crate) fn terms(&self, e: usize) -> impl Iterator<Item = (CellId, f64)> + '_ {
        let eq = &self.equations[e];
        std::iter::once((eq.total, 1.0)).chain(eq.parts.iter().map(|&p| (p, -1.0)))
    }

    /// The lowest value any cell can have.
    pub(crate) fn floor(&self) -> f64 {
        if self.nonnegative {
            0.0
        } else {
            f64::NEG_INFINITY
        }
    }

    /// The interval a publication (or a supplier's statement) allows.
    pub fn bounds(&self, publication: &Publication) -> (f64, f64) {
        let floor = self.floor();
        let (lo, hi) = match *publication {
            Publication::Exact(v) => (v, v),
            Publication::Rounded { value, base } => self.rounding_interval(value, base),
            Publication::Below { upper } => (floor, self.below(upper)),
            Publication::Range { lower, upper } => (lower, upper),
            Publication::Suppressed | Publication::Withheld => (floor, f64::INFINITY),
        };
        (lo.max(floor), hi)
    }

    /// What the publisher knows of a cell, as an interval.
    pub fn truth_bounds(&self, truth: &Truth) -> (f64, f64) {
        self.bounds(&truth_as_publication(truth))
    }

    /// What an attacker knows of cell `c` from its publication, using the
    /// rule, which is public, as well as the figure:
    /// - where zeros are published, a count shown as "<k" is at least 1;
    /// - a count hidden as "x" is never a small one (that would be "<k"),
    ///   so it is at least k. A zero is never hidden as "x" where zeros are
    ///   published (hiding it would tell nothing true), so a hidden zero is
    ///   modelled as fixed: no proof may move it.
    ///
    /// Only for exact counts: what a supplier gave as a bound ("<10" of its
    /// own, a range) may include 0 or a small count, so there the attacker
    /// infers nothing more than the figure says.
    pub fn cell_bounds(&self, c: CellId, publication: &Publication) -> (f64, f64) {
        let (lo, hi) = self.bounds(publication);
        let cell = &self.cells[c];
        let rule = &cell.rule;
        if !(self.integer && self.nonnegative) || rule.min_count <= 1.0 {
            return (lo, hi);
        }
        let truth_low = match cell.truth {
            Truth::Exact(x) => x,
            Truth::Unknown | Truth::Refused => return (lo, hi),
            ref given => self.truth_bounds(given).0,
        };
        let k = rule.min_count.ceil();
        match publication {
            Publication::Below { .. } if !rule.hides_zeros() && truth_low >= 1.0 => {
                (lo.max(1.0), hi)
            }
            Publication::Suppressed if matches!(cell.truth, Truth::Exact(_)) => {
                if truth_low == 0.0 && !rule.hides_zeros() {
                    (0.0, 0.0)
                } else if self.small_as_x {
                    // "x" is any count but a shown zero.
                    (lo.max(if rule.hides_zeros() { 0.0 } else { 1.0 }), hi)
                } else if truth_low >= k {
                    (lo.max(k), hi)
                } else {
                    (lo, hi)
                }
            }
            _ => (lo, hi),
        }
    }

    /// The same table with every zero hidden as "<k" too: then "<k" means
    /// 0..k−1 to the attacker, the room a table of only small counts needs
    /// (with zeros shown, a "<4" made of two "<4" pins both parts to 1).
    pub fn hiding_zeros(&self) -> Table {
        let mut table = self.clone();
        for cell in Arc::make_mut(&mut table.cells) {
            cell.rule.zeros_sensitive = true;
        }
        table
    }

    /// The same table with small counts published as "x", like the cells
    /// hidden to protect them.
    pub fn small_counts_as_x(&self) -> Table {
        let mut table = self.clone();
        table.small_as_x = true;
        table
    }

    /// Whether small counts are published as "x" rather than "<k".
    pub fn shows_small_as_x(&self) -> bool {
        self.small_as_x
    }

    /// Whether some cell's zero would be published as 0.
    pub fn shows_zeros(&self) -> bool {
        self.cells.iter().any(|c| !c.rule.hides_zeros())
    }

    /// The attacker's range of "<k" for cell `c`: [1, k−1] where zeros are
    /// published, else [0, k−1] (for counts).
    pub fn below_domain(&self, c: CellId) -> (f64, f64) {
        let k = self.cells[c].rule.min_count;
        self.cell_bounds(c, &Publication::Below { upper: k })
    }

    fn below(&self, upper: f64) -> f64 {
        if self.integer {
            upper.ceil() - 1.0
        } else {
            upper
        }
    }

    fn rounding_interval(&self, value: f64, base: f64) -> (f64, f64) {
        if base <= 0.0 {
            return (value, value);
        }
        let half = base / 2.0;
        if self.integer {
            // Round half up: r - b/2 ≤ x < r + b/2.
            ((value - half).ceil(), (value + half).ceil() - 1.0)
        } else {
            (value - half, value + half)
        }
    }

    /// A point that satisfies every equation and every fact the publisher
    /// knows: the exact values where known, a consistent completion elsewhere.
    /// Local attacker programs fix the cells outside their region at this point.
    ///
    /// Fails with the equations that cannot hold — the table does not add up.
    pub fn reference_point(&self) -> Result<Vec<f64>, TableError> {
        crate::lp::reference_point(self)
    }
}

pub(crate) fn truth_as_publication(truth: &Truth) -> Publication {
    match *truth {
        Truth::Exact(v) => Publication::Exact(v),
        Truth::Below { upper } => Publication::Below { upper },
        Truth::Range { lower, upper } => Publication::Range { lower, upper },
        Truth::Rounded { value, base } => Publication::Rounded { value, base },
        Truth::Unknown | Truth::Refused => Publication::Withheld,
    }
}

fn check_cell(cell: &Cell, integer: bool, nonnegative: bool) -> Result<(), TableError> {
    let bad = |problem: String| TableError::BadCell {
        label: cell.label.clone(),
        problem,
    };
    check_rule(&cell.label, &cell.rule).map_err(|e| bad(e.to_string()))?;
    let numbers: Vec<f64> = match cell.truth {
        Truth::Exact(v) => vec![v],
        Truth::Below { upper } => vec![upper],
        Truth::Range { lower, upper } => {
            if lower > upper {
                return Err(bad(format!("range {lower}..{upper} is empty")));
            }
            vec![lower, upper]
        }
        Truth::Rounded { value, base } => {
            if base.is_nan() || base < 0.0 {
                return Err(bad(format!("rounding base {base}")));
            }
            vec![value, base]
        }
        Truth::Unknown | Truth::Refused => vec![],
    };
    if let Some(v) = numbers.iter().find(|v| !v.is_finite()) {
        return Err(bad(format!("{v} is not a finite number")));
    }
    if let Truth::Exact(v) = cell.truth {
        if nonnegative && v < 0.0 {
            return Err(bad(format!("{v} is negative")));
        }
        if integer && v.fract() != 0.0 {
            return Err(bad(format!("{v} is not a whole number")));
        }
    }
    if let Truth::Below { upper } = cell.truth {
        if nonnegative && upper <= 0.0 {
            return Err(bad(format!("below {upper} leaves no value")));
        }
    }
    if let Some(p) = &cell.locked {
        let ok = match *p {
            Publication::Exact(v) | Publication::Below { upper: v } => v.is_finite(),
            Publication::Rounded { value, base } => value.is_finite() && base.is_finite(),
            Publication::Range { lower, upper } => {
                lower.is_finite() && upper.is_finite() && lower <= upper
            }
            Publication::Suppressed | Publication::Withheld => true,
        };
        if !ok {
            return Err(bad(format!("locked publication {p:?}")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(v: f64) -> Cell {
        Cell::new(format!("c{v}"), Truth::Exact(v), Rule::default())
    }

    #[test]
    fn below_is_strict_for_counts() {
        let t = Table::new(vec![], vec![], true, true).unwrap();
        assert_eq!(t.bounds(&Publication::Below { upper: 10.0 }), (0.0, 9.0));
        let t = Table::new(vec![], vec![], false, true).unwrap();
        assert_eq!(t.bounds(&Publication::Below { upper: 10.0 }), (0.0, 10.0));
    }

    #[test]
    fn rounding_interval_is_half_up() {
        let t = Table::new(vec![], vec![], true, true).unwrap();
        // 315..=324 round to 320.
        let p = Publication::Rounded {
            value: 320.0,
            base: 10.0,
        };
        assert_eq!(t.bounds(&p), (315.0, 324.0));
        let p = Publication::Rounded {
            value: 0.0,
            base: 10.0,
        };
        assert_eq!(t.bounds(&p), (0.0, 4.0));
    }

    #[test]
    fn bad_equations_are_refused_not_panicked_on() {
        let cells = vec![cell(1.0), cell(2.0)];
        let eq = |total, parts: Vec<usize>| Equation {
            total,
            parts,
            relation: Relation::Equal,
        };
        assert!(matches!(
            Table::new(cells.clone(), vec![eq(0, vec![5])], true, true),
            Err(TableError::NoSuchCell { .. })
        ));
        assert!(matches!(
            Table::new(cells.clone(), vec![eq(0, vec![1, 1])], true, true),
            Err(TableError::RepeatedCell { .. })
        ));
        assert!(matches!(
            Table::new(cells, vec![eq(0, vec![])], true, true),
            Err(TableError::NoParts { .. })
        ));
    }

    #[test]
    fn bad_cells_are_refused() {
        for truth in [
            Truth::Exact(f64::NAN),
            Truth::Exact(-1.0),
            Truth::Exact(1.5),
            Truth::Range {
                lower: 3.0,
                upper: 1.0,
            },
        ] {
            let c = Cell::new("x", truth, Rule::default());
            assert!(
                Table::new(vec![c], vec![], true, true).is_err(),
                "{truth:?}"
            );
        }
    }
}
