//! Primary and secondary suppression.
//!
//! Primary: a cell whose own count is under its rule's minimum is published as
//! "<k". Secondary, in two passes:
//! 1. every equation that hides exactly one cell gives it away, so a partner
//!    in that equation is hidden too (cheapest first: a part with room to
//!    move, then small values), until no equation hides exactly one cell;
//! 2. every protected cell is proven with the attacker's program on a small
//!    region around it; where the proof fails, a protector's program finds the
//!    cheapest published cells whose hiding lets the cell move as far as its
//!    rule demands, and hides them. That program's optimum is the proof.

use std::collections::HashMap;

use microlp::{ComparisonOp, OptimizationDirection, Problem};
use rayon::prelude::*;

use crate::audit::{is_sensitive, reaches, requirement, within_reach, Checker, Requirement};
use crate::certificate::Certificates;
use crate::lp::{self, Slot, Solved};
use crate::table::{CellId, Publication, Relation, Table, TableError, Truth};
use crate::witness::{Search, Witness};

/// Why a cell is published the way it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    /// Exactly.
    Published,
    /// Rounded, because its rule says so.
    Rounded,
    /// "<k": its own count is small.
    Primary,
    /// Hidden to protect another cell.
    Secondary,
    /// As the supplier gave it ("<5", a range, rounded), widened to "<k" where small.
    Given,
    /// Nothing known, nothing published.
    Withheld,
    /// Fixed by an earlier edition.
    Locked,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProtectOptions {
    /// Region sizes for proving a cell protected (see [`crate::AuditOptions`]).
    pub audit_caps: Vec<usize>,
    /// Region sizes for finding cells to hide; past the last one the cell is
    /// reported as unprotectable rather than solving an unbounded program.
    pub repair_caps: Vec<usize>,
    /// Expansions the witness search may try per cell.
    pub search_budget: usize,
    /// Most cells one witness may move.
    pub search_cells: usize,
    /// Publish again the secondary cells no proof needs.
    pub prune: bool,
    /// What the witnesses minimise.
    pub cost: Cost,
    /// Places tried per dimension in a hypercube.
    pub alternatives: usize,
    /// Place a small count's window wherever its witness is cheapest.
    pub any_window: bool,
    /// Protect the most detailed cells (longest breakdowns) first.
    pub detail_first: bool,
    /// Places tried per dimension in the prune's hypercube, which looks
    /// among the hidden cells only (no cost to minimise, so more places
    /// cost little and find more proofs that do without a cell).
    pub prune_alternatives: usize,
    /// How much cheaper a published cell is to hide the more small counts
    /// share an equation with it (0: not at all; below 1, so that hiding
    /// never becomes free). Such a cell lies near the witnesses of small
    /// counts not yet protected, which then find it hidden: with 0.3,
    /// 12.38 → 11.10% secondary on the 3-d benchmark, 27.76 → 27.08% on
    /// the 5-d one (bench/RESULTS.md, "disclose").
    pub demand_bonus: f64,
    /// After the first pass, choose again which hypercubes prove the small
    /// counts: a greedy set cover that takes, each time, the one that hides
    /// least per small count it proves, among the cells the first pass hid
    /// (see [`ProtectOptions::recover_penalty`]). The first pass proves one
    /// small count at a time, each hypercube choosing its corners for
    /// itself; the cover puts the climbs to the margins where many small
    /// counts share them. 5d-s 26.95 → 26.19%, 5-d 27.08 → 26.11%, 3-d
    /// 11.10 → 10.82%, for about the same time: the prune after it has less
    /// to publish again (bench/RESULTS.md, "disclose").
    pub recover: bool,
    /// What a cell the first pass left published costs the cover, as a
    /// multiple of its ordinary cost (at least 1; infinite: only the first
    /// pattern's cells). 2: new cells where they serve several small counts
    /// (5d-s, the windows placed again: infinite 26.65%, 1.5 / 2.5 / 4:
    /// 26.13 / 25.97 / 26.41%; the windows kept: 2 / 2.5 / 3: 26.27 / 26.29
    /// / 26.42%).
    pub recover_penalty: f64,
}

/// What a hidden cell costs the protector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cost {
    /// Each cell one, its value a tie-break (a margin in the millions
    /// counts as the hundreds of cells it sums): fewest cells hidden. On
    /// the 3-d benchmark it hides fewer cells *and* less value than
    /// `Value`, whose preference for many small cells over one larger one
    /// hides more cells that no other witness can share.
    Cells,
    /// `1 + value`: smallest values hidden, the classic hypercube cost.
    Value,
}

impl ProtectOptions {
    /// The greedy hypercube (with its search and LP fallbacks) and nothing
    /// after it: the baseline the other passes are measured against.
    pub fn hypercube_alone() -> Self {
        ProtectOptions {
            prune: false,
            alternatives: 4,
            any_window: false,
            detail_first: false,
            demand_bonus: 0.0,
            recover: false,
            ..ProtectOptions::default()
        }
    }
}

impl Default for ProtectOptions {
    fn default() -> Self {
        ProtectOptions {
            audit_caps: crate::AuditOptions::default().caps,
            repair_caps: vec![200, 1500, 12000, 60000],
            search_budget: 400,
            search_cells: 96,
            prune: true,
            cost: Cost::Cells,
            alternatives: 4,
            any_window: true,
            detail_first: true,
            prune_alternatives: 6,
            demand_bonus: 0.3,
            recover: true,
            recover_penalty: 2.0,
        }
    }
}

/// How much a pattern hides. Values add margins and inner cells alike, so a
/// share of value is "of everything printed", not "of all victims".
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    pub cells: usize,
    pub primary: usize,
    pub secondary: usize,
    pub value_total: f64,
    pub value_primary: f64,
    pub value_secondary: f64,
    pub lp_solves: usize,
}

impl Summary {
    /// Share of cells hidden (primary and secondary).
    pub fn hidden_share(&self) -> f64 {
        ratio((self.primary + self.secondary) as f64, self.cells as f64)
    }

    /// Share of cells hidden to protect others: the cost of protection.
    pub fn secondary_share(&self) -> f64 {
        ratio(self.secondary as f64, self.cells as f64)
    }

    pub fn hidden_value_share(&self) -> f64 {
        ratio(self.value_primary + self.value_secondary, self.value_total)
    }

    pub fn secondary_value_share(&self) -> f64 {
        ratio(self.value_secondary, self.value_total)
    }

    pub fn add(&mut self, other: &Summary) {
        self.cells += other.cells;
        self.primary += other.primary;
        self.secondary += other.secondary;
        self.value_total += other.value_total;
        self.value_primary += other.value_primary;
        self.value_secondary += other.value_secondary;
        self.lp_solves += other.lp_solves;
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} cells: {} primary, {} secondary ({:.2}% of cells hidden, {:.2}% for protection; \
             {:.2}% of value hidden, {:.2}% for protection; {} LPs)",
            self.cells,
            self.primary,
            self.secondary,
            100.0 * self.hidden_share(),
            100.0 * self.secondary_share(),
            100.0 * self.hidden_value_share(),
            100.0 * self.secondary_value_share(),
            self.lp_solves
        )
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Protected {
    pub publications: Vec<Publication>,
    pub reasons: Vec<Reason>,
    /// Small cells an earlier edition already gives away: published "<k"
    /// all the same, but no suppression now can protect them.
    pub exposed: Vec<CellId>,
    pub summary: Summary,
    /// The proofs found on the way, for [`crate::audit_certified`].
    pub certificates: Certificates,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProtectError {
    #[error(transparent)]
    Table(#[from] TableError),
}

/// The suppression pattern of a table: same table, same pattern.
pub fn protect(table: &Table) -> Result<Protected, ProtectError> {
    protect_with(table, &ProtectOptions::default())
}

/// How far [`protect_table`] had to go beyond the ordinary pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fallback {
    /// The ordinary pattern protects every small count.
    #[default]
    None,
    /// Zeros are hidden as "<k" too: with zeros shown, "<k" means at least
    /// 1, and a small total of small parts pins them (two "<4" making a "<4"
    /// are both 1).
    ZerosHidden,
    /// Every figure this release controls is hidden as "x", small counts
    /// too. Used where no pattern protects a small count.
    AllHidden,
}

/// The release's protection of one table: [`protect`], and where a small
/// count is still left narrower than its rule (not by an earlier edition:
/// that is `exposed`), the same table with zeros hidden too, and as a last
/// resort with every figure this release controls hidden. Returns the table
/// the publication belongs to — with zeros hidden, its rules say so — so that
/// the audit reasons with the rules applied, and how far it went.
pub fn protect_table(table: &Table) -> Result<(Table, Protected, Fallback), ProtectError> {
    protect_table_with(table, &ProtectOptions::default())
}

/// [`protect_table`] with options.
pub fn protect_table_with(
    table: &Table,
    options: &ProtectOptions,
) -> Result<(Table, Protected, Fallback), ProtectError> {
    let first = protect_with(table, options)?;
    if first.exposed.is_empty() {
        return Ok((table.clone(), first, Fallback::None));
    }
    let (mut used, mut protected, mut fallback) = (table.clone(), first, Fallback::None);
    if table.shows_zeros() {
        let hiding = table.hiding_zeros();
        let again = protect_with(&hiding, options)?;
        if again.exposed.len() < protected.exposed.len() {
            (used, protected, fallback) = (hiding, again, Fallback::ZerosHidden);
        }
    }
    if protected.exposed.is_empty() {
        return Ok((used, protected, fallback));
    }
    // Last resort: every figure this release controls hidden, small counts
    // as "x" too, so that "x" tells the attacker nothing but "not a shown
    // zero" (with small counts as "<k", "x" means at least k, which in a
    // table of mostly small counts pins them from the margins).
    used = used.small_counts_as_x();
    let point = used.reference_point()?;
    for c in 0..used.len() {
        if used.cell(c).locked.is_some() {
            continue;
        }
        let (lo, hi) = used.cell_bounds(c, &Publication::Suppressed);
        let hide = match protected.reasons[c] {
            Reason::Published | Reason::Rounded => lo < hi,
            Reason::Primary => true,
            _ => false,
        };
        if hide {
            protected.publications[c] = Publication::Suppressed;
            if protected.reasons[c] != Reason::Primary {
                protected.reasons[c] = Reason::Secondary;
            }
        }
    }
    // What still fails now fails with everything hidden: an earlier edition
    // gave it away.
    protected.exposed.retain(|&c| {
        requirement(&used, c).is_some_and(|req| crate::audit::exposed(&used, &point, c, &req))
    });
    protected.summary = summarize(
        &used,
        &point,
        &protected.reasons,
        protected.summary.lp_solves,
    );
    Ok((used, protected, Fallback::AllHidden))
}

fn summarize(table: &Table, point: &[f64], reasons: &[Reason], lp_solves: usize) -> Summary {
    let mut summary = Summary {
        cells: table.len(),
        lp_solves,
        ..Summary::default()
    };
    for (r, x) in reasons.iter().zip(point) {
        let v = if x.is_finite() { x.abs() } else { 0.0 };
        summary.value_total += v;
        match r {
            Reason::Primary => {
                summary.primary += 1;
                summary.value_primary += v;
            }
            Reason::Secondary => {
                summary.secondary += 1;
                summary.value_secondary += v;
            }
            _ => {}
        }
    }
    summary
}

pub fn protect_with(table: &Table, options: &ProtectOptions) -> Result<Protected, ProtectError> {
    // The search hands a cell's windows, and the prune a cell's users, to
    // both cores, tens of thousands of times a table. Run on a pool thread,
    // the protection takes part in that work itself; run beside the pool, it
    // would wait while two workers spin up and down around it: three
    // threads on two cores, a third of the CPU spent in the scheduler.
    rayon::scope(|_| {
        let point = table.reference_point()?;
        let mut state = State::new(table, &point, options);
        state.prove_and_repair()?;
        if options.recover {
            state.recover();
        }
        if options.prune {
            state.prune();
        }
        Ok(state.finish())
    })
}

struct State<'a> {
    table: &'a Table,
    point: &'a [f64],
    options: &'a ProtectOptions,
    publications: Vec<Publication>,
    reasons: Vec<Reason>,
    bounds: Vec<(f64, f64)>,
    /// Per cell, its bounds once hidden as "x".
    as_hidden: Vec<(f64, f64)>,
    required: Vec<Option<Requirement>>,
    proofs: Certificates,
    exposed: Vec<CellId>,
    solves: usize,
    equalities_with_coordinates: bool,
    /// Per cell, the discount [`ProtectOptions::demand_bonus`] gives it.
    discount: Vec<f64>,
    /// The witnesses the first pass filed (small count, its moves up and
    /// down, the corners), where [`ProtectOptions::recover`] starts from them.
    filed: Vec<(CellId, f64, f64, Vec<(CellId, i8)>)>,
}

fn initial(table: &Table, c: CellId) -> (Publication, Reason) {
    let cell = table.cell(c);
    if let Some(p) = cell.locked {
        return (p, Reason::Locked);
    }
    let rule = &cell.rule;
    let k = rule.min_count;
    let below = Publication::Below { upper: k };
    match cell.truth {
        Truth::Exact(x) if is_sensitive(x, rule) => (below, Reason::Primary),
        Truth::Exact(x) => {
            let b = rule.rounding_base;
            if b > 0.0 && (b > 1.0 || !table.is_integer()) {
                let value = (x / b + 0.5).floor() * b;
                (Publication::Rounded { value, base: b }, Reason::Rounded)
            } else {
                (Publication::Exact(x), Reason::Published)
            }
        }
        Truth::Unknown | Truth::Refused => (Publication::Withheld, Reason::Withheld),
        Truth::Below { upper } => (
            Publication::Below {
                upper: upper.max(k),
            },
            Reason::Given,
        ),
        ref given => {
            let (_, hi) = table.truth_bounds(given);
            if k > 0.0 && hi < k {
                (below, Reason::Given)
            } else {
                (crate::table::truth_as_publication(given), Reason::Given)
            }
        }
    }
}

/// What a cell could be at most once the protector has hidden what it may:
/// a published figure as "x" would say it, anything else as it is.
fn widest(
    bounds: &[(f64, f64)],
    reasons: &[Reason],
    as_hidden: &[(f64, f64)],
    d: CellId,
) -> (f64, f64) {
    let (lo, hi) = bounds[d];
    if reasons[d] == Reason::Published && lo >= hi {
        let (slo, shi) = as_hidden[d];
        (lo.min(slo), hi.max(shi))
    } else {
        (lo, hi)
    }
}

/// What [`State::place_window`] did.
enum Placed {
    /// A window is proven.
    Proven,
    /// No window has a witness among the hidden cells, and none is cheaper
    /// than the aimed one, whose cheapest witness this is.
    Aimed(Option<Witness>),
    /// Nothing tried: one window only, or a proof on file.
    NotTried,
}

/// What one repair program found.
enum RepairProgram {
    /// The proof (values of the region's cells) and the cells it hides.
    Solved {
        point: Vec<f64>,
        hide: Vec<CellId>,
    },
    /// The cell's own bounds exclude the target.
    Impossible,
    Infeasible,
    /// Round-off, an unbounded program or an integer program over budget.
    Failed,
}

fn cost(value: f64, costs: Cost) -> f64 {
    match costs {
        Cost::Cells => 1.0 + value.abs() / 1e4,
        Cost::Value => 1.0 + value.abs(),
    }
}

impl<'a> State<'a> {
    fn new(table: &'a Table, point: &'a [f64], options: &'a ProtectOptions) -> Self {
        let (publications, reasons): (Vec<_>, Vec<_>) =
            (0..table.len()).map(|c| initial(table, c)).unzip();
        let as_hidden: Vec<(f64, f64)> = (0..table.len())
            .map(|c| table.cell_bounds(c, &Publication::Suppressed))
            .collect();
        let bounds = lp::published_bounds(table, &publications);
        // A window end that no hiding can reach moves inwards, width kept
        // (see `within_reach`): what `State::reach` bounds.
        let hideable = |d: CellId| widest(&bounds, &reasons, &as_hidden, d);
        let required: Vec<Option<Requirement>> = (0..table.len())
            .map(|c| match requirement(table, c)? {
                Requirement::Contains { lower, upper } => {
                    let (lower, upper) = within_reach(lower, upper, lp::reach(table, c, hideable));
                    Some(Requirement::Contains { lower, upper })
                }
                width => Some(width),
            })
            .collect();
        let bonus = options.demand_bonus.clamp(0.0, 0.99);
        let discount = demand(table, &required)
            .into_iter()
            .map(|d| bonus * d)
            .collect();
        State {
            discount,
            filed: Vec::new(),
            as_hidden,
            table,
            point,
            options,
            publications,
            reasons,
            bounds,
            required,
            proofs: Certificates::new(table.len()),
            exposed: Vec::new(),
            solves: 0,
            equalities_with_coordinates: table.coordinates().is_some()
                && table
                    .equations()
                    .iter()
                    .all(|e| e.relation == Relation::Equal),
        }
    }

    fn suppress(&mut self, c: CellId) {
        self.publications[c] = Publication::Suppressed;
        self.reasons[c] = Reason::Secondary;
        self.bounds[c] = self.as_hidden[c];
    }

    /// A witness among the hidden cells: the hypercube first where the
    /// coordinates are known, then a short search for any other shape.
    fn free_witness(&self, c: CellId, up: f64, down: f64) -> Option<Witness> {
        self.free_witness_with(c, up, down, self.options.alternatives)
    }

    /// [`State::free_witness`] trying `alternatives` places per dimension.
    fn free_witness_with(
        &self,
        c: CellId,
        up: f64,
        down: f64,
        alternatives: usize,
    ) -> Option<Witness> {
        let search = self.search();
        if let Some(w) = search.hypercube_with(c, up, down, None, alternatives) {
            return Some(w);
        }
        // Where the coordinates are known and every equation is one, the
        // search among hidden cells finds few witnesses the hypercube missed
        // (3-d benchmark: 103 of 21,532 tries), and hiding without them costs
        // no more (12,761 secondary cells against 12,770; 5-d 28.34% against
        // 28.31%) and saves about a third of the first pass's time (the
        // prune skipped it before). Inequalities leave room the hypercube does not
        // look for: there the search finds shapes it has not (a part moving
        // against another part's group).
        if self.equalities_with_coordinates {
            return None;
        }
        let budget = if self.table.coordinates().is_some() {
            self.options.search_budget / 8
        } else {
            self.options.search_budget
        };
        Search { budget, ..search }.find(c, up, down, None)
    }

    fn search(&self) -> Search<'_> {
        Search {
            table: self.table,
            point: self.point,
            bounds: &self.bounds,
            budget: self.options.search_budget,
            max_cells: self.options.search_cells,
            degree: self.table.degree(),
            as_hidden: Some(&self.as_hidden),
        }
    }

    fn checker(&self) -> Checker<'_> {
        Checker {
            table: self.table,
            point: self.point,
            bounds: &self.bounds,
            caps: &self.options.audit_caps,
        }
    }

    /// Files a consistent point as the proof of every side of every cell it
    /// takes far enough that has none yet.
    fn vouch(&mut self, cells: &[CellId], values: &[f64]) {
        vouch(&mut self.proofs, &self.required, self.point, cells, values);
    }

    fn prove_and_repair(&mut self) -> Result<(), ProtectError> {
        let mut order: Vec<CellId> = (0..self.table.len()).collect();
        if self.options.detail_first {
            // The most detailed cells first: their witnesses hide the cells
            // the margins' witnesses then find hidden already.
            if let Some(co) = self.table.coordinates() {
                order.sort_by_key(|&c| (std::cmp::Reverse(co.keys[c].len()), c));
            }
        }
        for c in order {
            let Some(req) = self.required[c] else {
                continue;
            };
            let x = self.point[c];
            let (up, down) = match req {
                Requirement::Contains { lower, upper } => (
                    if self.proofs.high[c].is_some() {
                        0.0
                    } else {
                        (upper - x).max(0.0)
                    },
                    if self.proofs.low[c].is_some() {
                        0.0
                    } else {
                        (x - lower).max(0.0)
                    },
                ),
                Requirement::Width(w) => (w, 0.0),
            };
            if up <= lp::tolerance(x) && down <= lp::tolerance(x) {
                continue;
            }
            // The aimed window's cheapest witness, where the placement has
            // found it already (and no free one).
            let mut aimed = match self.place_window(c, &req) {
                Placed::Proven => continue,
                Placed::Aimed(w) => Some(w),
                Placed::NotTried => None,
            };
            // Witnesses among the hidden cells, one serving both sides or one
            // per side; else the cheapest that hides a few more cells.
            if aimed.is_none() {
                if let Some(w) = self.free_witness(c, up, down) {
                    self.file_witness(c, &req, &w, up, down);
                    continue;
                }
            }
            let mut open = Vec::new();
            for (u, d) in [(up, 0.0), (0.0, down)] {
                if u.max(d) <= lp::tolerance(x) {
                    continue;
                }
                // One side only: the same search just failed.
                if (u, d) == (up, down) {
                    open.push((u, d));
                    continue;
                }
                match self.free_witness(c, u, d) {
                    Some(w) => self.file_witness(c, &req, &w, u, d),
                    None => open.push((u, d)),
                }
            }
            // One witness for both sides, unless one per side hides less
            // (in many dimensions, an empty cell can spoil every corner set
            // that moves both ways).
            if open.len() == 2 {
                let both = match aimed.take() {
                    Some(w) => w,
                    None => self.cheapest_witness(c, up, down),
                };
                let apart: Option<f64> = open
                    .iter()
                    .map(|&(u, d)| self.cheapest_witness(c, u, d).map(|w| w.cost))
                    .sum();
                if let Some(w) = both.filter(|w| apart.is_none_or(|a| w.cost <= a)) {
                    self.hide_for(&w);
                    self.file_witness(c, &req, &w, up, down);
                    continue;
                }
            }
            let mut short = false;
            for (u, d) in open {
                // Nothing is hidden between the placement and here.
                let known = if (u, d) == (up, down) {
                    aimed.take()
                } else {
                    None
                };
                if let Some(w) = known.unwrap_or_else(|| self.cheapest_witness(c, u, d)) {
                    self.hide_for(&w);
                    self.file_witness(c, &req, &w, u, d);
                    continue;
                }
                match req {
                    Requirement::Contains { lower, upper } => {
                        let (maximize, need) = if u > 0.0 {
                            (true, upper)
                        } else {
                            (false, lower)
                        };
                        short |= !self.protect_side(c, maximize, need)?;
                    }
                    Requirement::Width(w) => self.protect_width(c, w)?,
                }
            }
            // One end of the window cannot be reached (what is published or
            // locked pins it): the policy is the width, so the other end
            // must make it up.
            if let (true, Requirement::Contains { lower, upper }) = (short, req) {
                self.protect_width(c, upper - lower)?;
            }
        }
        Ok(())
    }

    /// The windows of the policy's width that contain the cell's value,
    /// inside what "<k" says and what any point can reach: the one the
    /// protector aims at first, then the others from the highest down.
    fn windows(&self, c: CellId, lower: f64, upper: f64) -> Vec<(f64, f64)> {
        let mut out = vec![(lower, upper)];
        if !self.options.any_window {
            return out;
        }
        let x = self.point[c];
        let width = upper - lower;
        let (dlo, dhi) = self.table.below_domain(c);
        let (rlo, rhi) = self.reach(c);
        let (lo, hi) = (dlo.max(rlo), dhi.min(rhi));
        let steps = width.round() as i64;
        for j in 0..=steps {
            let l = x - j as f64;
            let u = l + width;
            let inside = l >= lo - lp::tolerance(lo) && u <= hi + lp::tolerance(hi);
            if inside && (l - lower).abs() > lp::tolerance(l) {
                out.push((l, u));
            }
        }
        out
    }

    /// Where no proof of `c` is on file yet, the window placed where the
    /// cheapest witness lies: the auditor asks for the width, and the true
    /// value lies in any window that contains it. A witness among the hidden
    /// cells at any placement first; else the cheapest that hides cells, if
    /// it beats the aimed window's.
    fn place_window(&mut self, c: CellId, req: &Requirement) -> Placed {
        let Requirement::Contains { lower, upper } = *req else {
            return Placed::NotTried;
        };
        if self.proofs.low[c].is_some() || self.proofs.high[c].is_some() {
            return Placed::NotTried;
        }
        let windows = self.windows(c, lower, upper);
        if windows.len() < 2 {
            return Placed::NotTried;
        }
        let x = self.point[c];
        let moves = |(l, u): (f64, f64)| ((u - x).max(0.0), (x - l).max(0.0));
        // The windows' witnesses are independent of each other: found on
        // both cores in one go (few cells have a free one, so the cheapest
        // is wanted nearly always), chosen in the windows' order, so the
        // pattern does not depend on the threads.
        let this = &*self;
        let found: Vec<(Option<Witness>, Option<Witness>)> = windows
            .par_iter()
            .map(|&win| {
                let (up, down) = moves(win);
                match this.free_witness(c, up, down) {
                    Some(w) => (Some(w), None),
                    None => (None, this.cheapest_witness(c, up, down)),
                }
            })
            .collect();
        let (free, mut cheapest): (Vec<_>, Vec<_>) = found.into_iter().unzip();
        if let Some((win, w)) = windows
            .iter()
            .zip(free)
            .find_map(|(&win, w)| Some((win, w?)))
        {
            self.adopt(c, win, &w);
            return Placed::Proven;
        }
        let mut best: Option<(usize, f64)> = None;
        for (i, w) in cheapest.iter().enumerate() {
            if let Some(w) = w {
                if best.is_none_or(|(_, cost)| w.cost < cost) {
                    best = Some((i, w.cost));
                }
            }
        }
        match best {
            Some((i, _)) if windows[i] != windows[0] => {
                let w = cheapest[i].take().expect("the best window has a witness");
                self.hide_for(&w);
                self.adopt(c, windows[i], &w);
                Placed::Proven
            }
            _ => Placed::Aimed(cheapest.swap_remove(0)),
        }
    }

    /// Files `w` as the proof of both ends of window `win` of `c`.
    fn adopt(&mut self, c: CellId, (lower, upper): (f64, f64), w: &Witness) {
        let req = Requirement::Contains { lower, upper };
        self.required[c] = Some(req);
        let x = self.point[c];
        self.file_witness(c, &req, w, (upper - x).max(0.0), (x - lower).max(0.0));
    }

    fn file_witness(&mut self, c: CellId, req: &Requirement, w: &Witness, up: f64, down: f64) {
        if self.options.recover {
            self.filed.push((c, up, down, w.moved.clone()));
        }
        for maximize in [false, true] {
            let (cells, values) = w.points(self.point, up, down, maximize);
            self.vouch(&cells, &values);
            if let Requirement::Width(_) = req {
                let p = self.proofs.add(&cells, &values, self.point);
                if maximize == (up > 0.0) {
                    self.proofs.high[c] = Some(p);
                } else {
                    self.proofs.low[c] = Some(p);
                }
            }
        }
    }

    /// The cheapest witness found that may also move published cells (to be
    /// hidden if it is used).
    fn cheapest_witness(&self, c: CellId, up: f64, down: f64) -> Option<Witness> {
        let reasons = &self.reasons;
        let point = self.point;
        let costs = self.options.cost;
        let discount = &self.discount;
        let extra = |d: CellId| {
            (reasons[d] == Reason::Published).then(|| cost(point[d], costs) - discount[d])
        };
        let search = self.search();
        search
            .hypercube_with(c, up, down, Some(&extra), self.options.alternatives)
            .or_else(|| search.find(c, up, down, Some(&extra)))
    }

    fn hide_for(&mut self, w: &Witness) {
        for &(d, _) in &w.moved {
            if self.reasons[d] == Reason::Published {
                self.suppress(d);
            }
        }
    }

    /// Proves one side of `c` as far as `need`, hiding what it must; false
    /// where nothing this release hides can take it that far.
    fn protect_side(&mut self, c: CellId, maximize: bool, need: f64) -> Result<bool, ProtectError> {
        if reaches(need, maximize, self.point[c]) {
            return Ok(true);
        }
        // Without coordinates, look for a proof among the hidden cells before
        // hiding more; with them, the repair below finds one that hides
        // nothing more if its region holds one.
        if self.table.coordinates().is_none() {
            let mut found: Vec<(Vec<CellId>, Vec<f64>)> = Vec::new();
            let mut solves = 0;
            let side =
                self.checker()
                    .side(c, maximize, Some(need), &mut solves, |cells, values, _| {
                        found.push((cells.to_vec(), values.to_vec()))
                    });
            self.solves += solves;
            for (cells, values) in found {
                self.vouch(&cells, &values);
            }
            if reaches(need, maximize, side.value) {
                return Ok(true);
            }
        }
        match self.repair(c, maximize, need)? {
            // The program's optimum is the proof.
            Some((region, values)) => {
                self.vouch(&region, &values);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn protect_width(&mut self, c: CellId, w: f64) -> Result<(), ProtectError> {
        let mut found: Vec<(Vec<CellId>, Vec<f64>, bool)> = Vec::new();
        let mut solves = 0;
        let (lo, hi, _) = self
            .checker()
            .width(c, w, &mut solves, |cells, values, high| {
                found.push((cells.to_vec(), values.to_vec(), high))
            });
        self.solves += solves;
        // The last point found at each end (the widest region's).
        let mut ends: [Option<u32>; 2] = [None, None];
        for (cells, values, high) in &found {
            ends[*high as usize] = Some(self.proofs.add(cells, values, self.point));
        }
        let reference = self.proofs.add(&[], &[], self.point);
        let [low, high] = ends.map(|e| e.unwrap_or(reference));
        if hi - lo >= w - lp::tolerance(w) {
            (self.proofs.low[c], self.proofs.high[c]) = (Some(low), Some(high));
            return Ok(());
        }
        // Stretch from the lowest proven value up, else from the highest down.
        if let Some((region, values)) = self.repair(c, true, lo + w)? {
            let p = self.proofs.add(&region, &values, self.point);
            (self.proofs.low[c], self.proofs.high[c]) = (Some(low), Some(p));
        } else if let Some((region, values)) = self.repair(c, false, hi - w)? {
            let p = self.proofs.add(&region, &values, self.point);
            (self.proofs.low[c], self.proofs.high[c]) = (Some(p), Some(high));
        } else {
            self.exposed.push(c);
        }
        Ok(())
    }

    /// Publishes again every secondary cell that no proof needs, dearest
    /// first: a cell stays hidden only if some protected cell finds no other
    /// witness without it.
    fn prune(&mut self) {
        let n = self.table.len();
        // Every proof must be on file, or publishing a cell could undo one
        // nobody re-checks (an unbounded side has no point to file).
        let untracked = (0..n).any(|t| {
            let x = self.point[t];
            match self.required[t] {
                Some(Requirement::Contains { lower, upper }) => {
                    (!reaches(lower, false, x) && self.proofs.low[t].is_none())
                        || (!reaches(upper, true, x) && self.proofs.high[t].is_none())
                }
                Some(Requirement::Width(_)) => {
                    self.proofs.high[t].is_none() && self.proofs.low[t].is_none()
                }
                None => false,
            }
        });
        if untracked || !self.exposed.is_empty() {
            return;
        }
        let mut users: Vec<Vec<CellId>> = vec![Vec::new(); n];
        for t in 0..n {
            for d in self.proofs.support(t) {
                users[d].push(t);
            }
        }
        let mut order: Vec<CellId> = (0..n)
            .filter(|&c| self.reasons[c] == Reason::Secondary)
            .collect();
        order.sort_by(|&a, &b| self.point[b].total_cmp(&self.point[a]).then(a.cmp(&b)));
        for q in order {
            let x = self.point[q];
            self.bounds[q] = (x, x);
            // The users' proofs are independent of each other: found on
            // both cores, kept in the users' order, so the pattern does not
            // depend on the threads.
            let fresh: Option<Vec<(CellId, Witness, f64, f64, Requirement)>> = if users[q].len() > 1
            {
                let this = &*self;
                users[q].par_iter().map(|&t| this.reprove(t)).collect()
            } else {
                users[q].iter().map(|&t| self.reprove(t)).collect()
            };
            let Some(fresh) = fresh else {
                self.bounds[q] = self.as_hidden[q];
                continue;
            };
            self.publications[q] = Publication::Exact(x);
            self.reasons[q] = Reason::Published;
            for (t, w, up, down, req) in fresh {
                self.required[t] = Some(req);
                for d in self.proofs.support(t) {
                    users[d].retain(|&u| u != t);
                }
                for (maximize, slot) in [(false, 0), (true, 1)] {
                    let (cells, values) = w.points(self.point, up, down, maximize);
                    let p = Some(self.proofs.add(&cells, &values, self.point));
                    if slot == 0 {
                        self.proofs.low[t] = p;
                    } else {
                        self.proofs.high[t] = p;
                    }
                }
                for d in self.proofs.support(t) {
                    users[d].push(t);
                }
            }
        }
    }

    /// A fresh witness for a cell among the hidden cells only, with the
    /// amounts it moves up and down.
    fn reprove(&self, t: CellId) -> Option<(CellId, Witness, f64, f64, Requirement)> {
        let x = self.point[t];
        let places = self.options.prune_alternatives;
        match self.required[t]? {
            Requirement::Contains { lower, upper } => {
                // The window it has, then any other placement.
                self.windows(t, lower, upper)
                    .into_iter()
                    .find_map(|(lower, upper)| {
                        let (up, down) = ((upper - x).max(0.0), (x - lower).max(0.0));
                        let req = Requirement::Contains { lower, upper };
                        self.free_witness_with(t, up, down, places)
                            .map(|w| (t, w, up, down, req))
                    })
            }
            req @ Requirement::Width(w) => self
                .free_witness_with(t, w, 0.0, places)
                .map(|found| (t, found, w, 0.0, req))
                .or_else(|| {
                    self.free_witness_with(t, 0.0, w, places)
                        .map(|found| (t, found, 0.0, w, req))
                }),
        }
    }

    /// Hides the cheapest published cells near `c` that let it reach `need`;
    /// returns the program's region and point (the proof), or `None` when no
    /// hiding can (an earlier edition pins it).
    fn repair(
        &mut self,
        c: CellId,
        maximize: bool,
        need: f64,
    ) -> Result<Option<(Vec<CellId>, Vec<f64>)>, ProtectError> {
        let table = self.table;
        let options = self.options;
        let caps = &options.repair_caps;
        // A side that no hiding can open (a small margin of small parts)
        // would otherwise cost every region's program up to the largest
        // before the caller learns so.
        let (can_lo, can_hi) = self.reach(c);
        let slack = lp::tolerance(need);
        if (maximize && can_hi < need - slack) || (!maximize && can_lo > need + slack) {
            return Ok(None);
        }
        let keep =
            |d: CellId| table.cell(d).locked.is_none() || self.bounds[d].0 < self.bounds[d].1;
        // Along the table's dimensions first, where they are known.
        // Hidden cells are free; an empty cell can only move up, so it
        // comes last.
        let weight = |d: CellId| {
            let x = self.point[d];
            if self.bounds[d].0 < self.bounds[d].1 {
                0.0
            } else if x < 1.0 {
                f64::MAX
            } else {
                cost(x, options.cost)
            }
        };
        let cubes: Vec<(Vec<CellId>, bool)> = [2, 4]
            .iter()
            .filter_map(|&k| lp::cube_region(table, c, k, &weight))
            .map(|r| (r.into_iter().filter(|&d| keep(d)).collect(), false))
            .collect();
        let mut last_len = 0;
        let plan = cubes
            .into_iter()
            .map(Ok)
            .chain(caps.iter().map(|&cap| Err(cap)));
        for step in plan {
            let (region, complete) = match step {
                Ok(cube) => cube,
                Err(cap) => lp::region(table, c, cap, keep),
            };
            if region.len() == last_len && !complete {
                continue;
            }
            last_len = region.len();
            // Cells an equation pins to their value cannot help.
            let region = lp::core(table, &region);
            if !region.contains(&c) {
                // Pinned by what cannot move: by nothing but locked cells
                // once the region is everything linked to it.
                if complete {
                    return Ok(None);
                }
                continue;
            }
            // The relaxation first; for counts, where its optimum is
            // fractional, the same program in whole numbers: the proof must
            // be a point an attacker who knows counts are integers allows.
            let mut solved = None;
            for integer in [false, true] {
                if integer && !table.is_integer() {
                    break;
                }
                let attempt = self.repair_program(c, maximize, need, &region, integer);
                match attempt {
                    RepairProgram::Solved { point, hide } => {
                        if !integer && table.is_integer() && !lp::is_whole(&point) {
                            continue;
                        }
                        solved = Some(Ok((point, hide)));
                        break;
                    }
                    RepairProgram::Impossible => return Ok(None),
                    RepairProgram::Infeasible => {
                        solved = Some(Err(true));
                        break;
                    }
                    RepairProgram::Failed => solved = Some(Err(false)),
                }
            }
            match solved {
                Some(Ok((point, hide))) => {
                    for d in hide {
                        self.suppress(d);
                    }
                    return Ok(Some((region, point)));
                }
                Some(Err(true)) if complete => return Ok(None),
                _ => {}
            }
            if complete {
                break;
            }
        }
        // Not reached within the largest region tried: as far as this
        // release can tell, nothing it hides takes the cell there (a total
        // of small parts, each at least 1 where zeros are shown, cannot reach
        // below their count). The caller makes up the width at the other end;
        // a cell still narrow goes to `protect_table`'s fallbacks, and the
        // audit has the last word — never a silent pass.
        Ok(None)
    }

    /// An interval no hiding can take `c` out of ([`lp::reach`] with every
    /// published cell as it would be hidden; a cell hidden or "<k" keeps
    /// what it says). The protector uses it to skip programs that cannot
    /// succeed and to place a window whose one end is closed; it proves that
    /// a side is closed, never that one is open.
    fn reach(&self, c: CellId) -> (f64, f64) {
        lp::reach(self.table, c, |d| {
            widest(&self.bounds, &self.reasons, &self.as_hidden, d)
        })
    }

    /// The repair program on one region: the cheapest published cells to
    /// hide so that `c` reaches `need`. Real or whole-number variables.
    fn repair_program(
        &self,
        c: CellId,
        maximize: bool,
        need: f64,
        region: &[CellId],
        integer: bool,
    ) -> RepairProgram {
        let table = self.table;
        let floor = table.floor();
        let mut problem = Problem::new(OptimizationDirection::Minimize);
        let mut slots: HashMap<CellId, Slot> = HashMap::with_capacity(region.len());
        let mut vars = Vec::new();
        // (cell, plus, minus) of the cells that may be hidden now.
        let mut movable = Vec::new();
        for &d in region {
            let (lo, hi) = self.bounds[d];
            let keep_bounds = d == c
                || table.cell(d).locked.is_some()
                || matches!(self.publications[d], Publication::Below { .. })
                || matches!(
                    self.reasons[d],
                    Reason::Primary | Reason::Secondary | Reason::Withheld
                );
            if d == c {
                let b = if maximize {
                    (lo.max(need), hi)
                } else {
                    (lo, hi.min(need))
                };
                if b.0 > b.1 {
                    return RepairProgram::Impossible;
                }
                let v = lp::add_var(&mut problem, 0.0, b, integer);
                slots.insert(d, Slot::Var(v));
                vars.push(v);
            } else if keep_bounds {
                let v = lp::add_var(&mut problem, 0.0, (lo, hi), integer);
                slots.insert(d, Slot::Var(v));
                vars.push(v);
            } else if lo == hi {
                // Hidden, it may move only as far as "x" lets the
                // attacker think it can (not below k, a zero not at all).
                let (slo, shi) = table.cell_bounds(d, &Publication::Suppressed);
                let w = cost(self.point[d], self.options.cost);
                let plus = lp::add_var(&mut problem, w, (0.0, (shi - lo).max(0.0)), integer);
                let minus = lp::add_var(
                    &mut problem,
                    w,
                    (0.0, (lo - slo.max(floor)).max(0.0)),
                    integer,
                );
                slots.insert(
                    d,
                    Slot::Shifted {
                        plus,
                        minus,
                        base: lo,
                    },
                );
                vars.push(plus);
                vars.push(minus);
                movable.push((d, plus, minus));
            } else {
                // Published as an interval (rounded, the supplier's range):
                // free within it, at a cost beyond it.
                let w = cost(self.point[d], self.options.cost);
                let y = lp::add_var(
                    &mut problem,
                    0.0,
                    table.cell_bounds(d, &Publication::Suppressed),
                    integer,
                );
                let plus = lp::add_var(&mut problem, w, (0.0, f64::INFINITY), integer);
                let minus = lp::add_var(&mut problem, w, (0.0, f64::INFINITY), integer);
                problem.add_constraint([(y, 1.0), (plus, -1.0)], ComparisonOp::Le, hi);
                problem.add_constraint([(y, 1.0), (minus, 1.0)], ComparisonOp::Ge, lo);
                slots.insert(d, Slot::Var(y));
                vars.push(y);
                vars.push(plus);
                vars.push(minus);
                movable.push((d, plus, minus));
            }
        }
        lp::add_equations(&mut problem, table, region, &slots, self.point);
        let solved = if integer {
            lp::solve_integer(&problem, &vars, lp::PROOF_NODES)
        } else {
            lp::solve(&problem, &vars)
        };
        match solved {
            Solved::Optimal { values, .. } => {
                let value_of: HashMap<usize, f64> = vars
                    .iter()
                    .map(|v| v.idx())
                    .zip(values.iter().copied())
                    .collect();
                let hide: Vec<CellId> = movable
                    .iter()
                    .filter(|&&(d, plus, minus)| {
                        let moved = value_of[&plus.idx()] + value_of[&minus.idx()];
                        moved > lp::tolerance(self.point[d])
                    })
                    .map(|&(d, _, _)| d)
                    .collect();
                let point: Vec<f64> = region
                    .iter()
                    .map(|d| match slots[d] {
                        Slot::Var(v) => value_of[&v.idx()],
                        Slot::Shifted { plus, minus, base } => {
                            base + value_of[&plus.idx()] - value_of[&minus.idx()]
                        }
                    })
                    .collect();
                RepairProgram::Solved { point, hide }
            }
            Solved::Infeasible => RepairProgram::Infeasible,
            Solved::Failed | Solved::Unbounded => RepairProgram::Failed,
        }
    }

    fn finish(mut self) -> Protected {
        // A cell hidden as "x" that the attacker's model pins anyway (a zero
        // where zeros are published: "x" would tell the attacker it is at
        // least k, which is false) proves nothing: no witness moves it, so it
        // is published as it is.
        for c in 0..self.table.len() {
            if self.reasons[c] == Reason::Secondary {
                let (lo, hi) = self.table.cell_bounds(c, &Publication::Suppressed);
                if lo >= hi {
                    self.publications[c] = Publication::Exact(self.point[c]);
                    self.reasons[c] = Reason::Published;
                }
            }
        }
        let summary = summarize(self.table, self.point, &self.reasons, self.solves);
        let mut exposed = self.exposed;
        exposed.sort_unstable();
        exposed.dedup();
        Protected {
            publications: self.publications,
            reasons: self.reasons,
            exposed,
            summary,
            certificates: self.proofs,
        }
    }
}

/// A hypercube the cover may take: what it would hide, the small counts it
/// would prove, and the small count it was found for.
#[derive(Default)]
struct Candidate {
    origin: CellId,
    up: f64,
    down: f64,
    moved: Vec<(CellId, i8)>,
    hide: Vec<CellId>,
    proves: Vec<CellId>,
}

/// A candidate's price in the cover's queue: cheapest first, ties by
/// candidate number (the order they were found in).
#[derive(PartialEq)]
struct Priced(f64, u32);

impl Eq for Priced {}

impl PartialOrd for Priced {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Priced {
    /// Reversed: `BinaryHeap` pops the greatest.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other.0.total_cmp(&self.0).then(other.1.cmp(&self.1))
    }
}

/// The cover's candidates, what each still costs and how many small counts
/// it still proves; its price is the one over the other.
struct Cover {
    candidates: Vec<Candidate>,
    by_cell: Vec<Vec<u32>>,
    by_target: Vec<Vec<u32>>,
    by_origin: Vec<Vec<u32>>,
    left_cost: Vec<f64>,
    left_count: Vec<u32>,
    heap: std::collections::BinaryHeap<Priced>,
}

impl Cover {
    fn new(n: usize) -> Self {
        Cover {
            candidates: Vec::new(),
            by_cell: vec![Vec::new(); n],
            by_target: vec![Vec::new(); n],
            by_origin: vec![Vec::new(); n],
            left_cost: Vec::new(),
            left_count: Vec::new(),
            heap: std::collections::BinaryHeap::new(),
        }
    }

    fn price(&self, j: usize) -> f64 {
        self.left_cost[j] / self.left_count[j] as f64
    }

    fn add(&mut self, cand: Candidate, units: &[f64]) {
        let i = self.candidates.len() as u32;
        for &d in &cand.hide {
            self.by_cell[d].push(i);
        }
        for &d in &cand.proves {
            self.by_target[d].push(i);
        }
        self.by_origin[cand.origin].push(i);
        self.left_cost
            .push(cand.hide.iter().map(|&d| units[d]).sum());
        self.left_count.push(cand.proves.len() as u32);
        self.heap.push(Priced(self.price(i as usize), i));
        self.candidates.push(cand);
    }

    /// `d` is hidden now: every candidate that would hide it costs less,
    /// and is queued again at its lower price.
    fn hidden(&mut self, d: CellId, unit: f64) {
        for &j in &self.by_cell[d] {
            let j = j as usize;
            self.left_cost[j] -= unit;
            if self.left_count[j] > 0 {
                self.heap.push(Priced(self.price(j), j as u32));
            }
        }
    }

    /// `d` is proven now: every candidate that would prove it proves one
    /// fewer (its price rises; the queue finds out when it pops it).
    fn proven(&mut self, d: CellId) {
        for &j in &self.by_target[d] {
            let j = j as usize;
            self.left_count[j] = self.left_count[j].saturating_sub(1);
        }
    }
}

/// Small counts whose hypercubes the cover finds again in one go, on both
/// cores (16 / 64 / 256: 5d-s 26.25 / 26.24 / 26.19%, 5-d 26.11% with 16
/// and 256, 59 against 55 s CPU).
const REFIND_BATCH: usize = 256;
/// Hypercubes taken since a small count's was found before it is found
/// again. With none, every batch is stale once one is taken: four times the
/// searches for nothing (5d-s 26.33 against 26.29% one at a time).
const REFIND_STALE: usize = 128;

impl State<'_> {
    /// The window `c` still has to prove, where it has no proof on file.
    fn open_target(&self, c: CellId) -> Option<(f64, f64)> {
        let Some(Requirement::Contains { lower, upper }) = self.required[c] else {
            return None;
        };
        if self.proofs.low[c].is_some() || self.proofs.high[c].is_some() {
            return None;
        }
        let x = self.point[c];
        if reaches(lower, false, x) && reaches(upper, true, x) {
            return None;
        }
        Some((lower, upper))
    }

    /// The cheapest hypercube for `c`'s window as a candidate, what the
    /// first pattern hid at `units`' cost.
    fn cube_of(&self, c: CellId, units: &[f64]) -> Option<Candidate> {
        let (lower, upper) = self.open_target(c)?;
        let x = self.point[c];
        let (up, down) = ((upper - x).max(0.0), (x - lower).max(0.0));
        let reasons = &self.reasons;
        let extra = |d: CellId| (reasons[d] == Reason::Published).then(|| units[d]);
        let w =
            self.search()
                .hypercube_with(c, up, down, Some(&extra), self.options.alternatives)?;
        self.candidate(c, up, down, w)
    }

    /// A witness of `c` moving `up` and `down` as a candidate.
    fn candidate(&self, c: CellId, up: f64, down: f64, w: Witness) -> Option<Candidate> {
        // Every corner moves the same spread, so each small count among
        // them is proven if that spread is as wide as its window.
        let spread = up + down;
        let proves: Vec<CellId> = w
            .moved
            .iter()
            .map(|&(d, _)| d)
            .filter(|&d| {
                self.open_target(d)
                    .is_some_and(|(l, u)| spread >= (u - l) - lp::tolerance(u - l))
            })
            .collect();
        let hide: Vec<CellId> = w
            .moved
            .iter()
            .map(|&(d, _)| d)
            .filter(|&d| self.reasons[d] == Reason::Published)
            .collect();
        (!proves.is_empty()).then_some(Candidate {
            origin: c,
            up,
            down,
            moved: w.moved,
            hide,
            proves,
        })
    }

    /// Finds the hypercubes of `batch`'s small counts again (on both cores),
    /// with what is hidden now, and queues them in the batch's order.
    fn refind(&self, cover: &mut Cover, batch: &mut Vec<CellId>, units: &[f64]) {
        let found: Vec<Option<Candidate>> =
            batch.par_iter().map(|&c| self.cube_of(c, units)).collect();
        for cand in found.into_iter().flatten() {
            cover.add(cand, units);
        }
        batch.clear();
    }

    /// Publishes again every secondary cell and drops every proof, then
    /// proves the small counts by [`State::cover`], where the cells the
    /// first pattern hid cost as before and the others `recover_penalty`
    /// times that; what the cover leaves goes through the cell-by-cell
    /// pass. Each small count keeps the window the first pass gave it
    /// (trying every placement again cost a third more time for 0.1 point
    /// on 5d-s). Where that fails, or ends with a small count unprotected
    /// or more cells hidden, the first pattern stays: it is whole already.
    fn recover(&mut self) {
        if !self.exposed.is_empty() || self.table.coordinates().is_none() {
            self.filed = Vec::new();
            return;
        }
        let secondary = |s: &Self| {
            s.reasons
                .iter()
                .filter(|&&r| r == Reason::Secondary)
                .count()
        };
        let before = secondary(self);
        let kept = (
            self.publications.clone(),
            self.reasons.clone(),
            self.bounds.clone(),
            self.required.clone(),
            self.proofs.clone(),
        );
        let n = self.table.len();
        let penalty = if self.options.recover_penalty.is_finite() {
            self.options.recover_penalty.max(1.0)
        } else {
            f64::INFINITY
        };
        let mut units = Vec::with_capacity(n);
        for c in 0..n {
            let unit = cost(self.point[c], self.options.cost) - self.discount[c];
            if self.reasons[c] == Reason::Secondary {
                let x = self.point[c];
                self.publications[c] = Publication::Exact(x);
                self.reasons[c] = Reason::Published;
                self.bounds[c] = (x, x);
                units.push(unit);
            } else {
                units.push(unit * penalty);
            }
        }
        self.proofs = Certificates::new(n);
        self.cover(&units);
        let repaired = self.prove_and_repair();
        self.filed = Vec::new();
        if repaired.is_err() || !self.exposed.is_empty() || secondary(self) > before {
            self.exposed.clear();
            (
                self.publications,
                self.reasons,
                self.bounds,
                self.required,
                self.proofs,
            ) = kept;
        }
    }

    /// Greedy weighted set cover over hypercubes, starting from the first
    /// pass's, each hiding cells at `units`' cost: the one that hides least
    /// per small count it proves (every small count among its corners whose
    /// window its spread covers) is taken, its cells hidden, its small counts
    /// proven; a candidate not found since too many were taken is first found
    /// again, with what is hidden by then.
    fn cover(&mut self, units: &[f64]) {
        let n = self.table.len();
        let mut cover = Cover::new(n);
        // The first pass's witnesses, priced as the cover prices them; each
        // is found again before it is taken (on its first turn, and after
        // [`REFIND_STALE`] more taken), so only the small counts whose turn
        // comes are searched: finding every one first (5-d: 41,554
        // searches, on both cores) cost 15-25 s for 0.01 point.
        for (c, up, down, moved) in std::mem::take(&mut self.filed) {
            let w = Witness { moved, cost: 0.0 };
            if let Some(cand) = self.candidate(c, up, down, w) {
                cover.add(cand, units);
            }
        }
        let mut taken = 0usize;
        let mut found_at = vec![0usize; n];
        let mut fresh = vec![false; n];
        // Small counts no longer open (each counted out of its candidates
        // once).
        let mut settled = vec![false; n];
        let mut batch: Vec<CellId> = Vec::new();
        loop {
            let Some(Priced(price, i)) = cover.heap.pop() else {
                if batch.is_empty() {
                    break;
                }
                self.refind(&mut cover, &mut batch, units);
                continue;
            };
            let i = i as usize;
            if cover.left_count[i] == 0 {
                continue;
            }
            let now = cover.price(i);
            if now > price {
                cover.heap.push(Priced(now, i as u32));
                continue;
            }
            if now < price {
                // Queued again at its lower price already.
                continue;
            }
            let origin = cover.candidates[i].origin;
            if (!fresh[origin] || found_at[origin] + REFIND_STALE < taken)
                && cover.left_cost[i] > 0.0
                && self.open_target(origin).is_some()
            {
                found_at[origin] = taken;
                fresh[origin] = true;
                for j in std::mem::take(&mut cover.by_origin[origin]) {
                    cover.left_count[j as usize] = 0;
                }
                batch.push(origin);
                if batch.len() >= REFIND_BATCH {
                    self.refind(&mut cover, &mut batch, units);
                }
                continue;
            }
            if !batch.is_empty() {
                // The batch may hold a cheaper one.
                cover.heap.push(Priced(now, i as u32));
                self.refind(&mut cover, &mut batch, units);
                continue;
            }
            let cand = std::mem::take(&mut cover.candidates[i]);
            cover.left_count[i] = 0;
            taken += 1;
            for &d in &cand.hide {
                if self.reasons[d] == Reason::Published {
                    self.suppress(d);
                    cover.hidden(d, units[d]);
                }
            }
            // Each small count it proves takes the window its corner spans
            // (the auditor asks for the width, not the placement).
            for &(d, s) in &cand.moved {
                let Some((l, u)) = self.open_target(d) else {
                    continue;
                };
                let width = u - l;
                if cand.up + cand.down < width - lp::tolerance(width) {
                    continue;
                }
                let x = self.point[d];
                let lo = if s > 0 { x - cand.down } else { x - cand.up };
                let lower = lo.max(x - width);
                self.required[d] = Some(Requirement::Contains {
                    lower,
                    upper: lower + width,
                });
            }
            let witness = Witness {
                moved: cand.moved,
                cost: 0.0,
            };
            for maximize in [false, true] {
                let (cells, values) = witness.points(self.point, cand.up, cand.down, maximize);
                self.vouch(&cells, &values);
            }
            for &(d, _) in &witness.moved {
                if !settled[d] && self.open_target(d).is_none() {
                    settled[d] = true;
                    cover.proven(d);
                }
            }
        }
    }
}

/// Per cell, how many protected cells share an equation with it, as a share of
/// the most any cell has (0 to 1): how likely the witnesses still to come
/// are to pass through it. Counted once, before anything is hidden; keeping
/// it current as small counts get proven did no better (5d-s 26.91%
/// against 26.95%).
fn demand(table: &Table, required: &[Option<Requirement>]) -> Vec<f64> {
    let mut demand = vec![0u32; table.len()];
    for (c, r) in required.iter().enumerate() {
        if r.is_none() {
            continue;
        }
        for &e in table.incidence(c) {
            for (d, _) in table.terms(e as usize) {
                if d != c {
                    demand[d] += 1;
                }
            }
        }
    }
    let top = demand.iter().copied().max().unwrap_or(0).max(1) as f64;
    demand.into_iter().map(|d| d as f64 / top).collect()
}

/// Files a consistent point as the proof of every side of every cell it takes
/// far enough that has none yet.
pub(crate) fn vouch(
    proofs: &mut Certificates,
    required: &[Option<Requirement>],
    point: &[f64],
    cells: &[CellId],
    values: &[f64],
) {
    let mut filed: Option<u32> = None;
    for (&t, &v) in cells.iter().zip(values) {
        let Some(Requirement::Contains { lower, upper }) = required[t] else {
            continue;
        };
        let low = proofs.low[t].is_none() && reaches(lower, false, v);
        let high = proofs.high[t].is_none() && reaches(upper, true, v);
        if low || high {
            let p = *filed.get_or_insert_with(|| proofs.add(cells, values, point));
            if low {
                proofs.low[t] = Some(p);
            }
            if high {
                proofs.high[t] = Some(p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2×2 table with margins: a=1;b=1 is the only small count.
    fn square() -> Table {
        crate::witness::tests::square(&[]).0
    }

    #[test]
    fn demand_counts_the_protected_cells_sharing_an_equation() {
        let t = square();
        let id = |label: &str| (0..t.len()).find(|&c| t.cell(c).label == label).unwrap();
        let required: Vec<Option<Requirement>> = (0..t.len()).map(|c| requirement(&t, c)).collect();
        assert!(required[id("a=1;b=1")].is_some());
        let d = demand(&t, &required);
        // Its row and column partners and both margins, once each.
        for near in ["a=1;b=2", "a=2;b=1", "a=1", "b=1"] {
            assert_eq!(d[id(near)], 1.0, "{near}");
        }
        for far in ["a=1;b=1", "a=2;b=2", "", "a=2", "b=2"] {
            assert_eq!(d[id(far)], 0.0, "{far}");
        }
    }

    #[test]
    fn the_bonus_never_makes_hiding_free() {
        let t = square();
        for bonus in [0.0, 0.3, 0.99, 5.0] {
            let options = ProtectOptions {
                demand_bonus: bonus,
                ..ProtectOptions::default()
            };
            let protected = protect_with(&t, &options).unwrap();
            assert!(protected.summary.secondary > 0, "bonus {bonus}");
            assert!(crate::audit(&t, &protected.publications).is_ok());
        }
    }
}
