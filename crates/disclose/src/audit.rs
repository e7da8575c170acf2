//! The auditor: for every protected cell, how far an attacker who knows
//! everything published (additivity, non-negativity, "<k" bounds, rounding
//! intervals, earlier editions) can narrow it down, against what its rule
//! demands.

use rayon::prelude::*;

use crate::certificate::{self, Certificates};
use crate::lp::{self, Extreme};
use crate::table::{CellId, Publication, Table, TableError, Truth};
use crate::witness::Search;

/// What a cell's rule demands of the attacker's interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Requirement {
    /// The attacker must not be able to exclude `[lower, upper]`: their
    /// minimum must be at most `lower`, their maximum at least `upper`.
    Contains { lower: f64, upper: f64 },
    /// The supplier gave only bounds: the attacker's interval must stay at
    /// least this wide.
    Width(f64),
}

/// Whether a count is small enough that its own rule hides it.
pub fn is_sensitive(value: f64, rule: &crate::Rule) -> bool {
    value < rule.min_count && (value != 0.0 || rule.hides_zeros())
}

/// The policy's window for a hidden count `x`: `width` wide, around `x`
/// (⌊width/2⌋ below it), shifted to lie inside `[low, high]`, the range "<k"
/// already tells the attacker. A 9 under "<10" thus needs its room below it
/// ([6, 9]), a 1 above it ([1, 4]). Where "<k" itself is narrower than the
/// width, the window is all of it: no release can do better than "<k".
pub fn protection_window(x: f64, width: f64, low: f64, high: f64) -> (f64, f64) {
    let width = width.min(high - low).max(0.0);
    let mut lower = x - (width / 2.0).floor();
    let mut upper = lower + width;
    if upper > high {
        upper = high;
        lower = high - width;
    }
    if lower < low {
        lower = low;
        upper = low + width;
    }
    (lower, upper)
}

/// The window moved, width kept, inside `[low, high]` where an end of it lies
/// beyond what any point can reach ([`lp::reach`]): a 7 whose margin of 8 is
/// "<10" beside a sibling "<10" can never be 9, so its window [6, 9] becomes
/// [5, 8]. The policy is the width; aiming at an end nothing reaches would
/// only cost programs over ever larger regions. Unchanged where the bounds
/// are narrower than the window.
pub(crate) fn within_reach(lower: f64, upper: f64, (low, high): (f64, f64)) -> (f64, f64) {
    let width = upper - lower;
    if high - low < width {
        return (lower, upper);
    }
    if upper > high {
        (high - width, high)
    } else if lower < low {
        (low, low + width)
    } else {
        (lower, upper)
    }
}

/// The requirement of a cell, or `None` when it needs no protection: it is
/// big enough, unknown to the publisher, or locked by an earlier edition.
///
/// - A small count x: the attacker's interval must contain the policy window
///   of the rule's width around x, inside "<k" as the attacker reads it
///   ([1, k−1] where zeros are published).
/// - A refused cell: the supplier's confidentiality request. Its value is not
///   known here (a value stored or published before is the history's, and an
///   earlier edition's cell carries its own requirement), so the attacker's
///   interval must stay at least the width wide wherever it lies — never one
///   value derived from the cells around it.
/// - A figure the supplier gave as bounds: the attacker must not narrow it
///   below the width (or below what the supplier gave, if narrower).
pub fn requirement(table: &Table, id: CellId) -> Option<Requirement> {
    let cell = table.cell(id);
    // A locked cell (an earlier edition's) that was published as it is
    // needs nothing; one that was hidden must stay hidden, so this release
    // may not give it away either.
    if matches!(
        cell.locked,
        Some(Publication::Exact(_) | Publication::Rounded { .. })
    ) {
        return None;
    }
    let rule = &cell.rule;
    let width = if table.is_integer() {
        rule.width().ceil()
    } else {
        rule.width()
    };
    match cell.truth {
        Truth::Exact(x) => {
            if !is_sensitive(x, rule) {
                return None;
            }
            // Clipped to what "<k" already says, not to what was published:
            // a small count published exactly must fail the audit.
            let (low, high) = table.below_domain(id);
            let (lower, upper) = protection_window(x, width, low, high);
            Some(Requirement::Contains { lower, upper })
        }
        Truth::Unknown => None,
        Truth::Refused => Some(Requirement::Width(width.max(1.0))),
        ref bounded => {
            let (lo, hi) = table.truth_bounds(bounded);
            let width = width.min(hi - lo);
            (width > 0.0).then_some(Requirement::Width(width))
        }
    }
}

/// The attacker's interval for one protected cell, as far as the auditor
/// proved it: the attacker cannot exclude any value in `[low, high]`.
#[derive(Debug, Clone, PartialEq)]
pub struct CellAudit {
    pub cell: CellId,
    pub label: String,
    pub requirement: Requirement,
    pub low: f64,
    pub high: f64,
    /// `low` and `high` are the attacker's exact minimum and maximum (an LP
    /// over everything linked to the cell); otherwise they only show enough.
    pub exact: bool,
}

impl CellAudit {
    pub fn holds(&self) -> bool {
        meets(&self.requirement, self.low, self.high)
    }
}

fn meets(req: &Requirement, low: f64, high: f64) -> bool {
    match *req {
        // The cell's true value always lies in the attacker's interval, so an
        // interval as wide as the window protects it wherever the window
        // sits: the window is where the protector aims, the width is the
        // policy.
        Requirement::Contains { lower, upper } => {
            let w = upper - lower;
            high - low >= w - lp::tolerance(w)
        }
        Requirement::Width(w) => high - low >= w - lp::tolerance(w),
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AuditReport {
    /// Every cell with a requirement, ascending.
    pub cells: Vec<CellAudit>,
    /// Cells an earlier edition already gives away: nothing in this release
    /// can protect them, so they do not stop it (see the README).
    pub exposed: Vec<CellId>,
    pub lp_solves: usize,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AuditError {
    #[error(transparent)]
    Table(#[from] TableError),
    #[error("the publication has {publications} cells, the table {cells}")]
    Length { publications: usize, cells: usize },
    #[error("published figures contradict the table: {}", .0.join("; "))]
    Contradiction(Vec<String>),
    #[error("release refused: {} cell(s) can be narrowed down further than their rule allows:\n{}",
        .0.len(), .0.iter().map(|c| format!("  {}", describe(c))).collect::<Vec<_>>().join("\n"))]
    Unprotected(Vec<CellAudit>),
}

fn describe(c: &CellAudit) -> String {
    let demand = match c.requirement {
        Requirement::Contains { lower, upper } => format!("must allow [{lower}, {upper}]"),
        Requirement::Width(w) => format!("must stay {w} wide"),
    };
    format!(
        "'{}': an attacker finds it within [{}, {}] but it {demand}",
        c.label, c.low, c.high
    )
}

/// How far the auditor looks before solving a whole linked group at once.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditOptions {
    /// Region sizes tried in turn; past the last, the whole group is solved.
    pub caps: Vec<usize>,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            caps: vec![48, 400, 3000],
        }
    }
}

/// Audits a release: `Ok` with every protected cell's proven interval, or
/// `Err(AuditError::Unprotected)` naming every cell narrower than its rule.
pub fn audit(table: &Table, publications: &[Publication]) -> Result<AuditReport, AuditError> {
    audit_with(table, publications, &AuditOptions::default())
}

pub fn audit_with(
    table: &Table,
    publications: &[Publication],
    options: &AuditOptions,
) -> Result<AuditReport, AuditError> {
    audit_inner(table, publications, options, None)
}

/// [`audit`], starting from the protector's proofs: each is checked by
/// arithmetic against the publication, and a cell whose proof is missing or
/// does not hold is audited from scratch. The verdict does not depend on the
/// proofs being right, only the time it takes.
pub fn audit_certified(
    table: &Table,
    publications: &[Publication],
    certificates: &Certificates,
) -> Result<AuditReport, AuditError> {
    audit_inner(
        table,
        publications,
        &AuditOptions::default(),
        Some(certificates),
    )
}

fn audit_inner(
    table: &Table,
    publications: &[Publication],
    options: &AuditOptions,
    certificates: Option<&Certificates>,
) -> Result<AuditReport, AuditError> {
    if publications.len() != table.len() {
        return Err(AuditError::Length {
            publications: publications.len(),
            cells: table.len(),
        });
    }
    let point = table.reference_point()?;
    let bounds = lp::published_bounds(table, publications);
    check_consistent(table, &point, &bounds)?;
    let required: Vec<(CellId, Requirement)> = (0..table.len())
        .filter_map(|c| requirement(table, c).map(|r| (c, r)))
        .collect();
    let checker = Checker {
        table,
        point: &point,
        bounds: &bounds,
        caps: &options.caps,
    };
    // Which of the protector's points hold, checked once each.
    let valid: Vec<bool> = match certificates {
        Some(c) if c.low.len() == table.len() => c
            .points
            .par_iter()
            .map(|p| certificate::verify(table, &bounds, &point, p))
            .collect(),
        _ => Vec::new(),
    };
    let proof = |c: CellId, high: bool| -> Option<f64> {
        let certs = certificates?;
        let p = if high { certs.high[c]? } else { certs.low[c]? } as usize;
        valid
            .get(p)
            .copied()
            .unwrap_or(false)
            .then(|| certificate::value_at(&certs.points[p], &point, c))
    };
    // Fixed chunks, whatever the number of threads: the report is the same.
    let results: Vec<(Vec<CellAudit>, usize)> = required
        .par_chunks(64)
        .map(|chunk| checker.check_chunk(chunk, &proof))
        .collect();
    let mut report = AuditReport::default();
    let mut failures = Vec::new();
    let locked = table.cells().iter().any(|c| c.locked.is_some());
    for (audits, solves) in results {
        report.lp_solves += solves;
        for a in audits {
            if !a.holds() {
                if locked && exposed(table, &point, a.cell, &a.requirement) {
                    report.exposed.push(a.cell);
                } else {
                    failures.push(a.clone());
                }
            }
            report.cells.push(a);
        }
    }
    if failures.is_empty() {
        Ok(report)
    } else {
        Err(AuditError::Unprotected(failures))
    }
}

fn check_consistent(table: &Table, point: &[f64], bounds: &[(f64, f64)]) -> Result<(), AuditError> {
    let bad: Vec<String> = (0..table.len())
        .filter(|&c| {
            let (lo, hi) = bounds[c];
            let x = point[c];
            x < lo - lp::tolerance(lo) || x > hi + lp::tolerance(hi)
        })
        .take(20)
        .map(|c| {
            format!(
                "'{}' is published as {:?} but is {}",
                table.cell(c).label,
                bounds[c],
                point[c]
            )
        })
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(AuditError::Contradiction(bad))
    }
}

/// Whether a cell fails its requirement even with every cell this release
/// controls hidden: then an earlier edition gave it away.
pub(crate) fn exposed(table: &Table, point: &[f64], cell: CellId, req: &Requirement) -> bool {
    let floor = table.floor();
    let bounds: Vec<(f64, f64)> = table
        .cells()
        .iter()
        .enumerate()
        .map(|(c, x)| match &x.locked {
            Some(p) => table.cell_bounds(c, p),
            None if c == cell => match req {
                Requirement::Contains { .. } => table.below_domain(c),
                Requirement::Width(_) => table.truth_bounds(&x.truth),
            },
            // Everything this release controls hidden: a small count as
            // "<k", anything else as "x" (never a small count).
            None => match x.truth {
                Truth::Exact(v) if is_sensitive(v, &x.rule) && !table.shows_small_as_x() => {
                    table.below_domain(c)
                }
                Truth::Exact(_) => table.cell_bounds(c, &Publication::Suppressed),
                _ => (floor, f64::INFINITY),
            },
        })
        .collect();
    let checker = Checker {
        table,
        point,
        bounds: &bounds,
        caps: &[],
    };
    let (audit, _) = checker.check_chunk(&[(cell, *req)], &|_, _| None);
    !audit[0].holds()
}

/// Proves requirements with local programs, growing the region until the
/// requirement is met or the whole linked group has been solved exactly.
pub(crate) struct Checker<'a> {
    pub table: &'a Table,
    pub point: &'a [f64],
    pub bounds: &'a [(f64, f64)],
    pub caps: &'a [usize],
}

/// One side of a cell, as far as proven so far.
#[derive(Clone, Copy)]
pub(crate) struct Side {
    pub value: f64,
    pub exact: bool,
}

/// Whether `v` is as far as `need` in the direction asked.
pub(crate) fn reaches(need: f64, maximize: bool, v: f64) -> bool {
    if maximize {
        v >= need - lp::tolerance(need)
    } else {
        v <= need + lp::tolerance(need)
    }
}

impl Checker<'_> {
    pub fn search(&self) -> Search<'_> {
        Search {
            table: self.table,
            point: self.point,
            bounds: self.bounds,
            budget: 400,
            max_cells: 128,
            degree: self.table.degree(),
            as_hidden: None,
        }
    }

    /// A witness among the hidden cells: the hypercube where coordinates
    /// are known, else a depth-first search.
    fn free_witness(&self, cell: CellId, up: f64, down: f64) -> Option<crate::witness::Witness> {
        let search = self.search();
        search
            .hypercube(cell, up, down, None)
            .or_else(|| search.find(cell, up, down, None))
    }

    fn hidden(&self, c: CellId) -> bool {
        let (lo, hi) = self.bounds[c];
        lo < hi
    }

    /// The attacker's extreme of `cell` on growing regions, stopping as soon
    /// as `good` accepts it. Every program's optimum is passed to `witness`.
    pub fn side(
        &self,
        cell: CellId,
        maximize: bool,
        need: Option<f64>,
        solves: &mut usize,
        mut witness: impl FnMut(&[CellId], &[f64], bool),
    ) -> Side {
        let x = self.point[cell];
        let good = |v: f64| need.is_some_and(|n| reaches(n, maximize, v));
        let mut best = Side {
            value: x,
            exact: false,
        };
        if !self.hidden(cell) {
            return Side {
                value: x,
                exact: true,
            };
        }
        if let Some(n) = need {
            if good(x) {
                return best;
            }
            let (up, down) = if maximize { (n - x, 0.0) } else { (0.0, x - n) };
            if let Some(w) = self.free_witness(cell, up, down) {
                let (cells, values) = w.points(self.point, up, down, maximize);
                witness(&cells, &values, maximize);
                return Side {
                    value: n,
                    exact: false,
                };
            }
        }
        let caps = self.caps.iter().copied().chain([usize::MAX]);
        let mut last_len = 0;
        for cap in caps {
            let (region, complete) = lp::region(self.table, cell, cap, |c| self.hidden(c));
            if region.len() == last_len && !complete {
                continue;
            }
            last_len = region.len();
            let region = lp::core(self.table, &region);
            if !region.contains(&cell) {
                // Pinned at its value on this region: look further.
                if complete {
                    return Side {
                        value: self.point[cell],
                        exact: true,
                    };
                }
                continue;
            }
            *solves += 1;
            match lp::extreme_whole(
                self.table,
                self.bounds,
                self.point,
                &region,
                cell,
                maximize,
                need,
            ) {
                Extreme::Unbounded => {
                    let value = if maximize {
                        f64::INFINITY
                    } else {
                        f64::NEG_INFINITY
                    };
                    return Side { value, exact: true };
                }
                Extreme::Reached { value, point } => {
                    witness(&region, &point, maximize);
                    best = Side {
                        value,
                        exact: complete,
                    };
                    if complete || good(value) {
                        return best;
                    }
                }
                Extreme::NotProven => {
                    if complete {
                        return best;
                    }
                }
            }
        }
        best
    }

    /// Audits a run of cells, letting each program's optimum vouch for the
    /// other cells it happens to move far enough.
    pub fn check_chunk(
        &self,
        chunk: &[(CellId, Requirement)],
        proof: &(dyn Fn(CellId, bool) -> Option<f64> + Sync),
    ) -> (Vec<CellAudit>, usize) {
        use std::collections::HashMap;
        let index: HashMap<CellId, usize> = chunk
            .iter()
            .enumerate()
            .map(|(i, (c, _))| (*c, i))
            .collect();
        // Proven reachable extremes so far, per chunk cell.
        let mut low: Vec<Option<f64>> = vec![None; chunk.len()];
        let mut high: Vec<Option<f64>> = vec![None; chunk.len()];
        let mut exact_low = vec![false; chunk.len()];
        let mut exact_high = vec![false; chunk.len()];
        let mut solves = 0;
        let mut out = Vec::with_capacity(chunk.len());
        for (i, &(cell, req)) in chunk.iter().enumerate() {
            let x = self.point[cell];
            for (high, slot) in [(false, &mut low[i]), (true, &mut high[i])] {
                if let Some(v) = proof(cell, high) {
                    let merged = slot.map_or(v, |s| if high { s.max(v) } else { s.min(v) });
                    *slot = Some(merged);
                }
            }
            // Aim inside what the published bounds let any point reach.
            let aim = match req {
                Requirement::Contains { lower, upper } => {
                    let (lower, upper) = within_reach(
                        lower,
                        upper,
                        lp::reach(self.table, cell, |d| self.bounds[d]),
                    );
                    Requirement::Contains { lower, upper }
                }
                width => width,
            };
            match aim {
                Requirement::Contains { lower, upper } if low[i].is_none() && high[i].is_none() => {
                    // Both sides at once, as the protector proves them.
                    let (up, down) = ((upper - x).max(0.0), (x - lower).max(0.0));
                    if let Some(w) = self.free_witness(cell, up, down) {
                        for maximize in [false, true] {
                            let (cells, values) = w.points(self.point, up, down, maximize);
                            share(&index, chunk, &cells, &values, &mut low, &mut high);
                        }
                    }
                }
                _ => {}
            }
            match aim {
                Requirement::Contains { lower, upper } => {
                    // Aim at the window first; where one end falls short of
                    // it, the other end must make up the width.
                    let width = upper - lower;
                    let mut need_low = lower;
                    let mut need_high = upper;
                    for round in 0..3 {
                        // Points already as far apart as the width pass it,
                        // wherever the protector placed its window.
                        if low[i].zip(high[i]).is_some_and(|(l, h)| meets(&req, l, h)) {
                            break;
                        }
                        let done_low =
                            low[i].is_some_and(|l| l <= need_low + lp::tolerance(need_low));
                        if !done_low && !exact_low[i] {
                            let s = self.side(
                                cell,
                                false,
                                Some(need_low),
                                &mut solves,
                                |region, values, _| {
                                    share(&index, chunk, region, values, &mut low, &mut high)
                                },
                            );
                            low[i] = Some(s.value.min(low[i].unwrap_or(x)));
                            exact_low[i] = s.exact;
                        }
                        let l = low[i].unwrap_or(x);
                        need_high = need_high.max(l + width);
                        let done_high =
                            high[i].is_some_and(|h| h >= need_high - lp::tolerance(need_high));
                        if !done_high && !exact_high[i] {
                            let s = self.side(
                                cell,
                                true,
                                Some(need_high),
                                &mut solves,
                                |region, values, _| {
                                    share(&index, chunk, region, values, &mut low, &mut high)
                                },
                            );
                            high[i] = Some(s.value.max(high[i].unwrap_or(x)));
                            exact_high[i] = s.exact;
                        }
                        let h = high[i].unwrap_or(x);
                        if meets(&req, l, h) || (exact_low[i] && exact_high[i]) || round == 2 {
                            break;
                        }
                        // The high end fell short: the low end must go further.
                        need_low = need_low.min(h - width);
                    }
                }
                Requirement::Width(w)
                    if low[i].zip(high[i]).is_some_and(|(l, h)| meets(&req, l, h)) =>
                {
                    let _ = w;
                }
                Requirement::Width(w) => {
                    let (lo, hi, exact) = self.width(cell, w, &mut solves, |_, _, _| {});
                    low[i] = Some(lo);
                    high[i] = Some(hi);
                    exact_low[i] = exact;
                    exact_high[i] = exact;
                }
            }
            out.push(CellAudit {
                cell,
                label: self.table.cell(cell).label.clone(),
                requirement: req,
                low: low[i].unwrap_or(x),
                high: high[i].unwrap_or(x),
                exact: exact_low[i] && exact_high[i],
            });
        }
        (out, solves)
    }

    /// Both extremes on the same growing regions, until they are `w` apart.
    /// `proof` hears each point found, and whether it is the upper end.
    pub fn width(
        &self,
        cell: CellId,
        w: f64,
        solves: &mut usize,
        mut proof: impl FnMut(&[CellId], &[f64], bool),
    ) -> (f64, f64, bool) {
        let x = self.point[cell];
        if !self.hidden(cell) {
            return (x, x, true);
        }
        for (up, down) in [(w, 0.0), (0.0, w)] {
            if let Some(found) = self.free_witness(cell, up, down) {
                let (cells, values) = found.points(self.point, up, down, up > 0.0);
                proof(&cells, &values, up > 0.0);
                return (x - down, x + up, false);
            }
        }
        let mut result = (x, x, false);
        let mut last_len = 0;
        for cap in self.caps.iter().copied().chain([usize::MAX]) {
            let (region, complete) = lp::region(self.table, cell, cap, |c| self.hidden(c));
            if region.len() == last_len && !complete {
                continue;
            }
            last_len = region.len();
            let region = lp::core(self.table, &region);
            if !region.contains(&cell) {
                result = (x, x, complete);
                if complete {
                    break;
                }
                continue;
            }
            let mut ends = [x, x];
            for (k, maximize) in [false, true].into_iter().enumerate() {
                *solves += 1;
                // Where the two ends lie is open: each is solved exactly
                // (in whole numbers for counts). Width requirements are
                // rare (refused cells, suppliers' own bounds).
                ends[k] = match lp::extreme_whole(
                    self.table,
                    self.bounds,
                    self.point,
                    &region,
                    cell,
                    maximize,
                    None,
                ) {
                    Extreme::Reached { value, point } => {
                        proof(&region, &point, maximize);
                        value
                    }
                    Extreme::Unbounded => {
                        if maximize {
                            f64::INFINITY
                        } else {
                            f64::NEG_INFINITY
                        }
                    }
                    Extreme::NotProven => x,
                };
            }
            result = (ends[0], ends[1], complete);
            if complete || meets(&Requirement::Width(w), ends[0], ends[1]) {
                break;
            }
        }
        result
    }
}

/// Records, for every chunk cell in a program's region, the values that
/// program shows the attacker must allow.
fn share(
    index: &std::collections::HashMap<CellId, usize>,
    _chunk: &[(CellId, Requirement)],
    region: &[CellId],
    values: &[f64],
    low: &mut [Option<f64>],
    high: &mut [Option<f64>],
) {
    for (&c, &v) in region.iter().zip(values) {
        if let Some(&i) = index.get(&c) {
            low[i] = Some(low[i].map_or(v, |l| l.min(v)));
            high[i] = Some(high[i].map_or(v, |h| h.max(v)));
        }
    }
}

/// The attacker's exact interval for every cell not published exactly: an LP
/// per cell and side over everything linked to it. Meant for tests and small
/// tables; [`audit`] is the fast verdict.
pub fn attacker_intervals(
    table: &Table,
    publications: &[Publication],
) -> Result<Vec<Option<(f64, f64)>>, AuditError> {
    if publications.len() != table.len() {
        return Err(AuditError::Length {
            publications: publications.len(),
            cells: table.len(),
        });
    }
    let point = table.reference_point()?;
    let bounds = lp::published_bounds(table, publications);
    check_consistent(table, &point, &bounds)?;
    let checker = Checker {
        table,
        point: &point,
        bounds: &bounds,
        caps: &[],
    };
    Ok((0..table.len())
        .into_par_iter()
        .map(|c| {
            if bounds[c].0 >= bounds[c].1 {
                return None;
            }
            let mut solves = 0;
            let lo = checker.side(c, false, None, &mut solves, |_, _, _| {});
            let hi = checker.side(c, true, None, &mut solves, |_, _, _| {});
            Some((lo.value, hi.value))
        })
        .collect())
}
