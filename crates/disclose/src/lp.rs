//! The linear programs: the attacker's (how far can a hidden cell move given
//! everything published) and the protector's (which cells to hide so that it
//! can move far enough). Both are solved on a region around one cell, with
//! every cell outside the region held at a consistent point: that only shrinks
//! the attacker's freedom, so a cell proven protected on a region is protected.

use std::collections::{HashMap, HashSet, VecDeque};

use microlp::{ComparisonOp, LinearExpr, OptimizationDirection, Problem, Variable};

use crate::table::{CellId, Inconsistency, Publication, Relation, Table, TableError, Truth};

/// A fast, fixed hasher for maps keyed by small integers: no random state,
/// and lookups only (results never depend on iteration order).
#[derive(Default, Clone, Copy)]
pub(crate) struct Fx(u64);

impl std::hash::Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }

    fn write_u32(&mut self, i: u32) {
        self.write_u64(i as u64);
    }
}

pub(crate) type FxMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fx>>;
pub(crate) type FxSet<K> = HashSet<K, std::hash::BuildHasherDefault<Fx>>;

/// Below this a difference is round-off, relative to the magnitudes involved.
pub(crate) const TOLERANCE: f64 = 1e-6;

pub(crate) fn tolerance(scale: f64) -> f64 {
    TOLERANCE * scale.abs().max(1.0)
}

pub(crate) fn comparison(relation: Relation) -> ComparisonOp {
    // Equations read `total - Σ parts (op) 0`.
    match relation {
        Relation::Equal => ComparisonOp::Eq,
        Relation::PartsAtMost => ComparisonOp::Ge,
        Relation::PartsAtLeast => ComparisonOp::Le,
    }
}

pub(crate) enum Solved {
    Optimal {
        objective: f64,
        values: Vec<f64>,
    },
    Infeasible,
    Unbounded,
    /// The solver gave up; callers treat this as "not proven".
    Failed,
}

pub(crate) fn solve(problem: &Problem, vars: &[Variable]) -> Solved {
    match problem.solve() {
        Ok(outcome) => match outcome.into_solution() {
            Ok(solution) => Solved::Optimal {
                objective: solution.objective(),
                values: vars.iter().map(|&v| solution.var_value(v)).collect(),
            },
            Err(_) => Solved::Failed,
        },
        Err(microlp::Error::Infeasible) => Solved::Infeasible,
        Err(microlp::Error::Unbounded) => Solved::Unbounded,
        Err(_) => Solved::Failed,
    }
}

/// Cells reachable from `start` through shared equations, breadth first, in a
/// fixed order, keeping only cells `keep` accepts; stops once `cap` are found.
pub(crate) fn region(
    table: &Table,
    start: CellId,
    cap: usize,
    keep: impl Fn(CellId) -> bool,
) -> (Vec<CellId>, bool) {
    let mut seen: FxSet<CellId> = FxSet::default();
    let mut order = vec![start];
    seen.insert(start);
    let mut queue = VecDeque::from([start]);
    while let Some(c) = queue.pop_front() {
        for &e in table.incidence(c) {
            for (d, _) in table.terms(e as usize) {
                if keep(d) && seen.insert(d) {
                    if order.len() >= cap {
                        return (order, false);
                    }
                    order.push(d);
                    queue.push_back(d);
                }
            }
        }
    }
    // Complete: nothing reachable was left out.
    (order, true)
}

/// The part of a region an equality does not pin down. An equation whose
/// other cells are all fixed fixes its last region cell at the reference
/// point (the point satisfies it, and no other value does); that may pin the
/// next one. What is left is where the attacker's freedom is, and the
/// program on it alone has the same optimum: pinned cells sit at the point,
/// as cells outside the region do.
pub(crate) fn core(table: &Table, region: &[CellId]) -> Vec<CellId> {
    let local: HashMap<CellId, usize> = region.iter().enumerate().map(|(i, &c)| (c, i)).collect();
    let eqs = touching(table, region);
    let mut free = vec![true; region.len()];
    let mut count: HashMap<usize, usize> = HashMap::with_capacity(eqs.len());
    let mut queue = Vec::new();
    for &e in &eqs {
        if table.equations()[e].relation != Relation::Equal {
            continue;
        }
        let n = table
            .terms(e)
            .filter(|(c, _)| local.contains_key(c))
            .count();
        count.insert(e, n);
        if n == 1 {
            queue.push(e);
        }
    }
    while let Some(e) = queue.pop() {
        let Some(i) = table
            .terms(e)
            .filter_map(|(c, _)| local.get(&c).copied())
            .find(|&i| free[i])
        else {
            continue;
        };
        if count[&e] != 1 {
            continue;
        }
        free[i] = false;
        for &f in table.incidence(region[i]) {
            if let Some(n) = count.get_mut(&(f as usize)) {
                *n -= 1;
                if *n == 1 {
                    queue.push(f as usize);
                }
            }
        }
    }
    region
        .iter()
        .zip(&free)
        .filter(|(_, &f)| f)
        .map(|(&c, _)| c)
        .collect()
}

/// The equations that touch any cell of a region, ascending.
fn touching(table: &Table, region: &[CellId]) -> Vec<usize> {
    let mut eqs: Vec<usize> = region
        .iter()
        .flat_map(|&c| table.incidence(c).iter().map(|&e| e as usize))
        .collect();
    eqs.sort_unstable();
    eqs.dedup();
    eqs
}

/// How a region cell enters a program.
#[derive(Clone, Copy)]
pub(crate) enum Slot {
    /// A free variable within bounds.
    Var(Variable),
    /// A published value that may move at a cost: `base + plus - minus`.
    Shifted {
        plus: Variable,
        minus: Variable,
        base: f64,
    },
}

/// Adds one constraint per equation touching the region; cells outside the
/// region are constants at `point`.
pub(crate) fn add_equations(
    problem: &mut Problem,
    table: &Table,
    region: &[CellId],
    slots: &HashMap<CellId, Slot>,
    point: &[f64],
) {
    for e in touching(table, region) {
        let mut expr = LinearExpr::empty();
        let mut constant = 0.0;
        let mut any = false;
        for (c, coef) in table.terms(e) {
            match slots.get(&c) {
                Some(Slot::Var(v)) => {
                    expr.add(*v, coef);
                    any = true;
                }
                Some(Slot::Shifted { plus, minus, base }) => {
                    expr.add(*plus, coef);
                    expr.add(*minus, -coef);
                    constant += coef * base;
                    any = true;
                }
                None => constant += coef * point[c],
            }
        }
        if any {
            problem.add_constraint(expr, comparison(table.equations()[e].relation), -constant);
        }
    }
}

/// The attacker's extreme value of `target` over a region of hidden cells,
/// each within its published bounds.
pub(crate) enum Extreme {
    /// The optimum, and the point reaching it (values of the region's cells).
    Reached {
        value: f64,
        point: Vec<f64>,
    },
    Unbounded,
    NotProven,
}

pub(crate) fn extreme(
    table: &Table,
    bounds: &[(f64, f64)],
    point: &[f64],
    region: &[CellId],
    target: CellId,
    maximize: bool,
) -> Extreme {
    match extreme_program(table, bounds, point, region, target, maximize, false) {
        Solved::Optimal { objective, values } => Extreme::Reached {
            value: objective,
            point: values,
        },
        Solved::Unbounded => Extreme::Unbounded,
        // Infeasible cannot be: the reference point is feasible. Round-off can
        // say so all the same; then nothing is proven.
        Solved::Infeasible | Solved::Failed => Extreme::NotProven,
    }
}

/// The attacker's program for `target` on a region, in real or whole numbers.
fn extreme_program(
    table: &Table,
    bounds: &[(f64, f64)],
    point: &[f64],
    region: &[CellId],
    target: CellId,
    maximize: bool,
    integer: bool,
) -> Solved {
    let direction = if maximize {
        OptimizationDirection::Maximize
    } else {
        OptimizationDirection::Minimize
    };
    let mut problem = Problem::new(direction);
    let mut slots = HashMap::with_capacity(region.len());
    let mut vars = Vec::with_capacity(region.len());
    for &c in region {
        let objective = if c == target { 1.0 } else { 0.0 };
        let v = add_var(&mut problem, objective, bounds[c], integer);
        slots.insert(c, Slot::Var(v));
        vars.push(v);
    }
    add_equations(&mut problem, table, region, &slots, point);
    if integer {
        solve_integer(&problem, &vars, PROOF_NODES)
    } else {
        solve(&problem, &vars)
    }
}

/// Branch-and-bound nodes an integer program may take before it counts as not
/// proven. Deterministic (nodes, not seconds), and generous: table programs are
/// nearly totally unimodular, so the relaxation is mostly whole already.
pub(crate) const PROOF_NODES: u64 = 2_000;
const REFERENCE_NODES: u64 = 20_000;

/// A variable within `(lo, hi)`; an integer one for counts, where the bounds
/// fit microlp's integer range (beyond it, a real variable: the proof is then
/// checked for whole numbers by whoever uses it).
pub(crate) fn add_var(
    problem: &mut Problem,
    objective: f64,
    (lo, hi): (f64, f64),
    integer: bool,
) -> Variable {
    let limit = f64::from(i32::MAX);
    let fits = |v: f64| v.is_infinite() || v.abs() < limit;
    if integer && fits(lo) && fits(hi) {
        let lo = if lo.is_finite() {
            lo.ceil() as i32
        } else {
            i32::MIN
        };
        let hi = if hi.is_finite() {
            hi.floor() as i32
        } else {
            i32::MAX
        };
        if lo <= hi {
            return problem.add_integer_var(objective, (lo, hi));
        }
    }
    problem.add_var(objective, (lo, hi))
}

/// Solves a program with integer variables within a node budget; values
/// within tolerance of a whole number are rounded onto it.
pub(crate) fn solve_integer(problem: &Problem, vars: &[Variable], nodes: u64) -> Solved {
    let mut options = microlp::SolveOptions::default();
    options.node_limit = Some(nodes);
    match problem.solve_with(options) {
        Ok(outcome) => {
            if !outcome.is_optimal() {
                return Solved::Failed;
            }
            match outcome.into_solution() {
                Ok(solution) => Solved::Optimal {
                    objective: solution.objective().round(),
                    values: vars.iter().map(|&v| snap(solution.var_value(v))).collect(),
                },
                Err(_) => Solved::Failed,
            }
        }
        Err(microlp::Error::Infeasible) => Solved::Infeasible,
        Err(microlp::Error::Unbounded) => Solved::Unbounded,
        Err(_) => Solved::Failed,
    }
}

fn snap(v: f64) -> f64 {
    let r = v.round();
    if (v - r).abs() <= 1e-6 {
        r
    } else {
        v
    }
}

/// Whether every value is a whole number (within round-off).
pub(crate) fn is_whole(values: &[f64]) -> bool {
    values
        .iter()
        .all(|v| (v - v.round()).abs() <= tolerance(*v))
}

/// The attacker's extreme of `target` in whole numbers: the relaxation
/// first, and only where its optimum is fractional and would reach `need`
/// (an integer optimum can only be less extreme) the integer program on the
/// same region. `Reached` with an empty point is a bound, not a proof: the
/// relaxation's optimum rounded inward, which the attacker's integer optimum
/// cannot pass.
pub(crate) fn extreme_whole(
    table: &Table,
    bounds: &[(f64, f64)],
    point: &[f64],
    region: &[CellId],
    target: CellId,
    maximize: bool,
    need: Option<f64>,
) -> Extreme {
    let relaxed = extreme(table, bounds, point, region, target, maximize);
    if !table.is_integer() {
        return relaxed;
    }
    let Extreme::Reached {
        value,
        point: values,
    } = relaxed
    else {
        return relaxed;
    };
    if is_whole(&values) {
        let values = values.into_iter().map(f64::round).collect();
        return Extreme::Reached {
            value: value.round(),
            point: values,
        };
    }
    let reaches = |v: f64| {
        need.is_none_or(|n| {
            if maximize {
                v >= n - tolerance(n)
            } else {
                v <= n + tolerance(n)
            }
        })
    };
    let inward = if maximize {
        (value + tolerance(value)).floor()
    } else {
        (value - tolerance(value)).ceil()
    };
    if !reaches(inward) {
        return Extreme::Reached {
            value: inward,
            point: Vec::new(),
        };
    }
    match extreme_program(table, bounds, point, region, target, maximize, true) {
        Solved::Optimal { objective, values } if is_whole(&values) => Extreme::Reached {
            value: objective,
            point: values,
        },
        Solved::Unbounded => Extreme::Unbounded,
        _ => Extreme::NotProven,
    }
}

/// Union-find, for components of cells linked by equations.
pub(crate) struct Components {
    parent: Vec<usize>,
}

impl Components {
    pub(crate) fn new(n: usize) -> Self {
        Components {
            parent: (0..n).collect(),
        }
    }

    pub(crate) fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    pub(crate) fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        // The smaller root wins, so the result does not depend on call order.
        if a < b {
            self.parent[b] = a;
        } else if b < a {
            self.parent[a] = b;
        }
    }
}

/// Groups the cells `member` accepts into components linked by equations;
/// each group is ascending, groups are ordered by their first cell.
pub(crate) fn components(table: &Table, member: impl Fn(CellId) -> bool) -> Vec<Vec<CellId>> {
    let n = table.len();
    let mut uf = Components::new(n);
    for e in 0..table.equations().len() {
        let mut first = None;
        for (c, _) in table.terms(e) {
            if member(c) {
                match first {
                    None => first = Some(c),
                    Some(f) => uf.union(f, c),
                }
            }
        }
    }
    let mut by_root: HashMap<usize, usize> = HashMap::new();
    let mut groups: Vec<Vec<CellId>> = Vec::new();
    for c in 0..n {
        if member(c) {
            let root = uf.find(c);
            let g = *by_root.entry(root).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[g].push(c);
        }
    }
    groups
}

pub(crate) fn reference_point(table: &Table) -> Result<Vec<f64>, TableError> {
    let exact = |c: CellId| matches!(table.cell(c).truth, Truth::Exact(_));
    let mut point: Vec<f64> = table
        .cells()
        .iter()
        .map(|c| match c.truth {
            Truth::Exact(v) => v,
            _ => f64::NAN,
        })
        .collect();
    let mut problems = Vec::new();
    // Equations of known figures only: check them directly, to name them.
    for (e, eq) in table.equations().iter().enumerate() {
        let cells: Vec<CellId> = std::iter::once(eq.total)
            .chain(eq.parts.iter().copied())
            .collect();
        if !cells.iter().all(|&c| exact(c)) {
            continue;
        }
        let sum: f64 = eq.parts.iter().map(|&p| point[p]).sum();
        let total = point[eq.total];
        let slack = tolerance(total.abs().max(sum.abs()));
        let holds = match eq.relation {
            Relation::Equal => (total - sum).abs() <= slack,
            Relation::PartsAtMost => sum <= total + slack,
            Relation::PartsAtLeast => sum >= total - slack,
        };
        if !holds {
            let relation = match eq.relation {
                Relation::Equal => "add up to",
                Relation::PartsAtMost => "stay within",
                Relation::PartsAtLeast => "reach",
            };
            problems.push(Inconsistency {
                equation: e,
                message: format!(
                    "the {} parts of '{}' sum to {sum}, which does not {relation} its {total}",
                    eq.parts.len(),
                    table.cell(eq.total).label
                ),
                cells,
            });
        }
    }
    // Cells known by bounds only: one feasibility program per group of them.
    let bounds: Vec<(f64, f64)> = table
        .cells()
        .iter()
        .map(|c| table.truth_bounds(&c.truth))
        .collect();
    for group in components(table, |c| !exact(c)) {
        let mut problem = Problem::new(OptimizationDirection::Minimize);
        let mut slots = HashMap::with_capacity(group.len());
        let mut vars = Vec::with_capacity(group.len());
        // Counts: the completion is whole numbers, so that proofs built on
        // it (the point moved by whole steps) are points an attacker who
        // knows counts are integers must allow.
        let integer = table.is_integer();
        for &c in &group {
            let v = add_var(&mut problem, 0.0, bounds[c], integer);
            slots.insert(c, Slot::Var(v));
            vars.push(v);
        }
        add_equations(&mut problem, table, &group, &slots, &point);
        let solved = if integer {
            solve_integer(&problem, &vars, REFERENCE_NODES)
        } else {
            solve(&problem, &vars)
        };
        match solved {
            Solved::Optimal { values, .. } => {
                for (&c, v) in group.iter().zip(values) {
                    point[c] = v;
                }
            }
            _ => {
                let mut eqs: Vec<usize> = touching(table, &group);
                eqs.truncate(20);
                for e in eqs {
                    let eq = &table.equations()[e];
                    problems.push(Inconsistency {
                        equation: e,
                        message: format!(
                            "'{}' and its parts cannot add up with the bounds given for {}",
                            table.cell(eq.total).label,
                            group
                                .iter()
                                .take(5)
                                .map(|&c| format!("'{}'", table.cell(c).label))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        cells: std::iter::once(eq.total)
                            .chain(eq.parts.iter().copied())
                            .collect(),
                    });
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(point)
    } else {
        Err(TableError::NotAdditive(problems))
    }
}

/// Bounds the attacker reads off a publication, per cell.
pub(crate) fn published_bounds(table: &Table, publications: &[Publication]) -> Vec<(f64, f64)> {
    publications
        .iter()
        .enumerate()
        .map(|(c, p)| table.cell_bounds(c, p))
        .collect()
}

/// The cells of a hypercube-like region around `cell`, for a table built from
/// breakdowns: along each dimension in turn, the cheapest other value and the
/// margin (or, where the cell is a margin, the cheapest value), applied to
/// every cell gathered so far. A protection pattern for a cell in a table with
/// margins is a hypercube of such moves; this region holds many of them and
/// stays small (about 3 per dimension), where a breadth-first region of the
/// same size would hold none in five dimensions.
pub(crate) fn cube_region(
    table: &Table,
    cell: CellId,
    siblings: usize,
    weight: &dyn Fn(CellId) -> f64,
) -> Option<Vec<CellId>> {
    let co = table.coordinates()?;
    let lookup = |key: &[(u32, u32)]| co.index.get(key).copied();
    let cheapest = |cands: &mut dyn Iterator<Item = (CellId, u32)>| {
        cands.min_by(|a, b| weight(a.0).total_cmp(&weight(b.0)).then(a.1.cmp(&b.1)))
    };
    let mut region = vec![cell];
    let mut seen: FxSet<CellId> = FxSet::default();
    seen.insert(cell);
    let ks = &co.keys[cell];
    for d in 0..co.values.len() as u32 {
        let here = ks.iter().find(|p| p.0 == d).map(|p| p.1);
        let mut moves: Vec<Option<u32>> = Vec::new();
        let mut others: Vec<(f64, u32)> = co.values[d as usize]
            .iter()
            .filter(|&&v| Some(v) != here)
            .filter_map(|&v| lookup(&with(ks, d, Some(v))).map(|c| (weight(c), v)))
            .collect();
        others.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        moves.extend(others.iter().take(siblings).map(|o| Some(o.1)));
        if here.is_some() && lookup(&with(ks, d, None)).is_some() {
            moves.push(None);
        }
        let gathered = region.clone();
        for &r in &gathered {
            for &m in &moves {
                let key = with(&co.keys[r], d, m);
                // A nested dimension's value moves with its parent's.
                let found = lookup(&key).or_else(|| {
                    let child = co.child_of[d as usize]?;
                    key.iter().any(|p| p.0 == child).then_some(())?;
                    cheapest(
                        &mut co.values[child as usize]
                            .iter()
                            .filter_map(|&v| lookup(&with(&key, child, Some(v))).map(|c| (c, v))),
                    )
                    .map(|(c, _)| c)
                });
                if let Some(c) = found {
                    if seen.insert(c) {
                        region.push(c);
                    }
                }
            }
        }
    }
    Some(region)
}

fn with(key: &[(u32, u32)], dim: u32, value: Option<u32>) -> Vec<(u32, u32)> {
    let mut k: Vec<(u32, u32)> = key.iter().copied().filter(|p| p.0 != dim).collect();
    if let Some(v) = value {
        k.push((dim, v));
        k.sort_unstable();
    }
    k
}

/// Bounds on a cell that no program can pass: each equality through it
/// bounds it by the extremes its other cells may take (`widest`), and the
/// tightest wins; rounded inwards for counts. One step of interval
/// propagation: a sound outer bound on the attacker's (or a repair's)
/// extreme, cheap on a table of any size, but never a proof that a value is
/// reachable — that always takes a point.
pub(crate) fn reach(table: &Table, c: CellId, widest: impl Fn(CellId) -> (f64, f64)) -> (f64, f64) {
    let (mut lo, mut hi) = widest(c);
    for &e in table.incidence(c) {
        let e = e as usize;
        if table.equations()[e].relation != Relation::Equal {
            continue;
        }
        // total − Σ parts = 0: a·c + rest = 0.
        let (mut rest_lo, mut rest_hi, mut a) = (0.0, 0.0, 0.0);
        for (d, k) in table.terms(e) {
            if d == c {
                a += k;
                continue;
            }
            let (dlo, dhi) = widest(d);
            if k > 0.0 {
                rest_lo += k * dlo;
                rest_hi += k * dhi;
            } else {
                rest_lo += k * dhi;
                rest_hi += k * dlo;
            }
        }
        if a > 0.0 {
            hi = hi.min(-rest_lo / a);
            lo = lo.max(-rest_hi / a);
        } else if a < 0.0 {
            hi = hi.min(rest_hi / -a);
            lo = lo.max(rest_lo / -a);
        }
    }
    if table.is_integer() {
        // Sums of whole numbers: only round off may sit between.
        ((lo - tolerance(lo)).ceil(), (hi + tolerance(hi)).floor())
    } else {
        (lo, hi)
    }
}
