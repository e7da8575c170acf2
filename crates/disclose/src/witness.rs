//! Cheap proofs: a direction in which a hidden cell can move by the amount its
//! rule demands while every equation stays satisfied and every hidden cell
//! stays within what was published. Such a point is consistent with the whole
//! publication, so the attacker cannot exclude it: proof without a program.
//!
//! The search is the hypercube method generalised to any equations: move the
//! cell by ±t, then repair each equation the move unbalanced with one more
//! hidden cell moving by ∓t, depth first, preferring cells that rebalance
//! several equations at once. It gives up after a fixed budget; the linear
//! program then decides.

use std::collections::BTreeSet;

use crate::lp::FxMap;

use crate::lp::tolerance;
use crate::table::{CellId, Publication, Relation, Table};

pub(crate) struct Search<'a> {
    pub table: &'a Table,
    pub point: &'a [f64],
    pub bounds: &'a [(f64, f64)],
    /// Expansions tried before giving up.
    pub budget: usize,
    /// Largest number of cells a witness may move.
    pub max_cells: usize,
    /// Most equations one cell is in.
    pub degree: usize,
    /// Per cell, what "x" would tell the attacker ([`Table::cell_bounds`]
    /// of a suppressed cell), where the caller has it at hand.
    pub as_hidden: Option<&'a [(f64, f64)]>,
}

/// Cells moved (by +1 or -1 times the amount) and what hiding them costs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Witness {
    pub moved: Vec<(CellId, i8)>,
    pub cost: f64,
}

impl Witness {
    /// The cells and their values at the end of the witness that moves
    /// `maximize ? up : down`.
    pub fn points(
        &self,
        point: &[f64],
        up: f64,
        down: f64,
        maximize: bool,
    ) -> (Vec<CellId>, Vec<f64>) {
        self.moved
            .iter()
            .map(|&(c, s)| {
                let y = if maximize {
                    point[c] + up * s as f64
                } else {
                    point[c] - down * s as f64
                };
                (c, y)
            })
            .unzip()
    }
}

/// The cost of hiding a published cell, `None` if it may not be hidden.
pub(crate) type Extra<'b> = &'b dyn Fn(CellId) -> Option<f64>;

struct State {
    moved: Vec<(CellId, i8)>,
    in_moved: FxMap<CellId, i8>,
    net: FxMap<usize, i32>,
    unbalanced: BTreeSet<usize>,
    cost: f64,
    best: Option<Witness>,
    budget: usize,
    limit: usize,
}

impl Search<'_> {
    fn coef(&self, e: usize, c: CellId) -> i32 {
        if self.table.equations()[e].total == c {
            1
        } else {
            -1
        }
    }

    /// The sign an equation needs its net movement to change by, if any. The
    /// witness moves the cells by `+up` one way and `-down` the other.
    fn needs(&self, e: usize, net: i32, up: f64, down: f64) -> Option<i32> {
        if net == 0 {
            return None;
        }
        let eq = &self.table.equations()[e];
        if eq.relation == Relation::Equal {
            return Some(-net.signum());
        }
        let residual: f64 = self.table.terms(e).map(|(c, k)| k * self.point[c]).sum();
        let slack = tolerance(residual);
        let ok = |moved: f64| match eq.relation {
            Relation::PartsAtMost => moved >= -slack,
            _ => moved <= slack,
        };
        let n = net as f64;
        (!(ok(residual + up * n) && ok(residual - down * n))).then(|| -net.signum())
    }

    /// The cost of moving a cell by `sign`, if it can: 0 for a hidden cell.
    fn fits(&self, c: CellId, sign: i8, up: f64, down: f64, extra: Option<Extra>) -> Option<f64> {
        let (mut lo, mut hi) = self.bounds[c];
        let mut cost = 0.0;
        if lo >= hi {
            cost = extra.and_then(|f| f(c))?;
            // Hidden, it is what "x" tells the attacker: never a small
            // count, a zero never at all (see `Table::cell_bounds`).
            (lo, hi) = match self.as_hidden {
                Some(b) => b[c],
                None => self.table.cell_bounds(c, &Publication::Suppressed),
            };
            if lo >= hi {
                return None;
            }
        }
        let x = self.point[c];
        let s = sign as f64;
        let within = |y: f64| y >= lo - tolerance(lo) && y <= hi + tolerance(hi);
        (within(x + up * s) && within(x - down * s)).then_some(cost)
    }

    fn apply(
        &self,
        st: &mut State,
        c: CellId,
        sign: i8,
        cost: f64,
        up: f64,
        down: f64,
        undo: bool,
    ) {
        let d = if undo { -(sign as i32) } else { sign as i32 };
        for &f in self.table.incidence(c) {
            let f = f as usize;
            let n = st.net.entry(f).or_insert(0);
            *n += self.coef(f, c) * d;
            let n = *n;
            if self.needs(f, n, up, down).is_some() {
                st.unbalanced.insert(f);
            } else {
                st.unbalanced.remove(&f);
            }
        }
        if undo {
            st.moved.pop();
            st.in_moved.remove(&c);
            st.cost -= cost;
        } else {
            st.moved.push((c, sign));
            st.in_moved.insert(c, sign);
            st.cost += cost;
        }
    }

    /// The best gain among the candidates of equation `e` and their number,
    /// as [`Search::candidates`] would list them; `None` if there are none.
    fn candidate_summary(
        &self,
        st: &State,
        e: usize,
        up: f64,
        down: f64,
        extra: Option<Extra>,
    ) -> Option<(i32, usize)> {
        let need = self.needs(e, st.net.get(&e).copied().unwrap_or(0), up, down)?;
        let mut best: Option<i32> = None;
        let mut count = 0;
        for (c, _) in self.table.terms(e) {
            // Most cells of a long equation are published: `fits` turns
            // them away before the hash lookup.
            let sign = (need * self.coef(e, c)) as i8;
            if self.fits(c, sign, up, down, extra).is_none() || st.in_moved.contains_key(&c) {
                continue;
            }
            let gain = self.gain(st, e, c, sign);
            best = Some(best.map_or(gain, |b| b.max(gain)));
            count += 1;
        }
        best.map(|g| (g, count))
    }

    /// How much moving `c` by `sign` settles its equations other than `e`.
    fn gain(&self, st: &State, e: usize, c: CellId, sign: i8) -> i32 {
        let mut gain = 0;
        for &f in self.table.incidence(c) {
            let f = f as usize;
            if f == e {
                continue;
            }
            let n = st.net.get(&f).copied().unwrap_or(0);
            let after = n + self.coef(f, c) * sign as i32;
            gain += n.abs() - after.abs();
        }
        gain
    }

    /// Candidates that fix equation `e` in the direction it needs: first those
    /// that rebalance most of their other equations (a compact witness), then
    /// the cheapest.
    fn candidates(
        &self,
        st: &State,
        e: usize,
        up: f64,
        down: f64,
        extra: Option<Extra>,
    ) -> Vec<(CellId, i8, f64, i32)> {
        let Some(need) = self.needs(e, st.net.get(&e).copied().unwrap_or(0), up, down) else {
            return Vec::new();
        };
        let mut out: Vec<(i32, f64, CellId, i8)> = Vec::new();
        for (c, _) in self.table.terms(e) {
            let sign = (need * self.coef(e, c)) as i8;
            let Some(cost) = self.fits(c, sign, up, down, extra) else {
                continue;
            };
            if st.in_moved.contains_key(&c) {
                continue;
            }
            let gain = self.gain(st, e, c, sign);
            out.push((-gain, cost, c, sign));
        }
        out.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then(a.1.total_cmp(&b.1))
                .then((a.2, a.3).cmp(&(b.2, b.3)))
        });
        out.into_iter().map(|(g, w, c, s)| (c, s, w, -g)).collect()
    }

    /// A witness that `cell` can move up by `up` and down by `down` (either
    /// may be 0): the cheapest found within budget, or `None`. With `extra`,
    /// published cells may join at their cost (they are to be hidden).
    pub fn find(&self, cell: CellId, up: f64, down: f64, extra: Option<Extra>) -> Option<Witness> {
        if up <= 0.0 && down <= 0.0 {
            return Some(Witness {
                moved: Vec::new(),
                cost: 0.0,
            });
        }
        let cost = self.fits(cell, 1, up, down, None)?;
        let mut st = State {
            moved: Vec::new(),
            in_moved: FxMap::default(),
            net: FxMap::default(),
            unbalanced: BTreeSet::new(),
            cost: 0.0,
            best: None,
            budget: self.budget,
            limit: self.max_cells,
        };
        self.apply(&mut st, cell, 1, cost, up, down, false);
        // Iterative deepening: a small witness (a square, a cube) is found
        // before the search can wander off into a sprawling one.
        let mut limit = 8;
        loop {
            st.limit = limit.min(self.max_cells);
            self.dfs(&mut st, up, down, extra);
            if st.best.is_some() || st.budget == 0 || limit >= self.max_cells {
                return st.best;
            }
            limit *= 2;
        }
    }

    fn dfs(&self, st: &mut State, up: f64, down: f64, extra: Option<Extra>) {
        if st.unbalanced.is_empty() {
            if st.best.as_ref().is_none_or(|b| st.cost < b.cost) {
                st.best = Some(Witness {
                    moved: st.moved.clone(),
                    cost: st.cost,
                });
            }
            return;
        }
        if st.budget == 0 || st.moved.len() >= st.limit {
            return;
        }
        // Each cell added can settle at most a few equations.
        if st.unbalanced.len() > self.degree * (st.limit - st.moved.len()) {
            return;
        }
        // Branch on the equation whose best candidate closes most of the
        // others (a corner of the hypercube), then on the one with fewest
        // ways out; one with none is a dead end.
        // Only the chosen equation's candidates are listed and sorted; the
        // others are only counted (listing them all was most of the search).
        let mut chosen: Option<(i32, usize, usize)> = None;
        for &e in st.unbalanced.iter() {
            let Some((best_gain, count)) = self.candidate_summary(st, e, up, down, extra) else {
                return;
            };
            let better = chosen
                .as_ref()
                .is_none_or(|&(g, n, _)| best_gain > g || (best_gain == g && count < n));
            if better {
                chosen = Some((best_gain, count, e));
            }
        }
        let Some((_, _, e)) = chosen else { return };
        let cands = self.candidates(st, e, up, down, extra);
        for (c, sign, cost, _) in cands {
            let bound = st.best.as_ref().map_or(f64::INFINITY, |b| b.cost);
            // A free witness cannot be beaten; a dearer one is not worth it.
            if st.budget == 0 || bound == 0.0 || st.cost + cost >= bound {
                return;
            }
            st.budget -= 1;
            self.apply(st, c, sign, cost, up, down, false);
            self.dfs(st, up, down, extra);
            self.apply(st, c, sign, cost, up, down, true);
        }
    }
}

/// The state of one hypercube's walk through its combinations.
struct Walk<'o, 'e> {
    cell: CellId,
    options: &'o [(u32, Option<u32>, Vec<Vec<(Place, i8)>>)],
    up: f64,
    down: f64,
    extra: Option<Extra<'e>>,
    pick: Vec<usize>,
    /// Per level, the corners so far (reused: no allocation per choice).
    buffers: Vec<Vec<(CellId, i8)>>,
    best: Option<Witness>,
}

fn lp_slack(bound: f64) -> f64 {
    1e-9 * bound.abs().max(1.0)
}

/// Most products one hypercube tries: 7^5, so that up to six places per
/// dimension fit the 5-d benchmark's five top dimensions (the walk rules
/// most out early; the default tries four).
const MAX_COMBINATIONS: usize = 16807;

/// A place along one dimension (a nested pair counts as one): the value of
/// the dimension and of the one nested in it, `None` for their margin.
type Place = (Option<u32>, Option<u32>);

impl Search<'_> {
    /// The hypercube, where the table's coordinates are known. Along each
    /// dimension, a small signed set of places that balances that
    /// dimension's equations (the cell and another value moving against it;
    /// the cell and its margin moving with it; in a nested dimension, the
    /// path up to the top); the witness is their product: every combination
    /// of places is a corner, its sign the product of theirs. Such a product
    /// balances every equation of a table with margins, so one exists as long
    /// as the margins may be hidden; the cheapest of the combinations tried is
    /// kept, after checking every equation it touches.
    pub fn hypercube(
        &self,
        cell: CellId,
        up: f64,
        down: f64,
        extra: Option<Extra>,
    ) -> Option<Witness> {
        self.hypercube_with(cell, up, down, extra, 2)
    }

    /// The hypercube trying up to `alternatives` places per dimension (the
    /// cheapest siblings, groups or values), fewer where the combinations
    /// would pass [`MAX_COMBINATIONS`]. More alternatives find more corners
    /// that are hidden already, so fewer cells need hiding.
    pub fn hypercube_with(
        &self,
        cell: CellId,
        up: f64,
        down: f64,
        extra: Option<Extra>,
        alternatives: usize,
    ) -> Option<Witness> {
        let co = self.table.coordinates()?;
        let top = co.parent_of.iter().filter(|p| p.is_none()).count() as u32;
        let mut alternatives = alternatives.max(1);
        while alternatives > 1 && (alternatives + 1).saturating_pow(top) > MAX_COMBINATIONS {
            alternatives -= 1;
        }
        if up <= 0.0 && down <= 0.0 {
            return Some(Witness {
                moved: Vec::new(),
                cost: 0.0,
            });
        }
        self.fits(cell, 1, up, down, None)?;
        // Dimensions that are not nested in another, with their nested one.
        let mut options: Vec<(u32, Option<u32>, Vec<Vec<(Place, i8)>>)> = Vec::new();
        for d in 0..co.values.len() as u32 {
            if co.parent_of[d as usize].is_some() {
                continue;
            }
            let child = co.child_of[d as usize];
            let local = self.local_witnesses(cell, d, child, up, down, extra, alternatives);
            match local {
                Some(list) if !list.is_empty() => options.push((d, child, list)),
                Some(_) => return None,
                None => {}
            }
        }
        let combos: usize = options.iter().map(|o| o.2.len()).product();
        if combos > MAX_COMBINATIONS {
            return None;
        }
        let mut walk = Walk {
            cell,
            options: &options,
            up,
            down,
            extra,
            pick: vec![0usize; options.len()],
            buffers: vec![Vec::new(); options.len()],
            best: None,
        };
        let start = self.fits(cell, 1, up, down, extra)?;
        self.walk(&mut walk, options.len(), &[(cell, 1)], start);
        walk.best
    }

    /// The combinations of local witnesses in a fixed order (the first
    /// dimension's choice changing fastest), dimension by dimension from the
    /// last: a choice whose partial product already has a corner that cannot
    /// move, or costs past the best so far, rules out every combination
    /// sharing it at once (trying each combination in full was most of
    /// the 3-d benchmark's time). A combination that survives is built and
    /// checked in full by [`Search::product`], so the witness and its cost
    /// are exactly those of trying every combination in that order. Returns
    /// true once a free witness is found: none can beat it.
    fn walk(&self, w: &mut Walk, level: usize, corners: &[(CellId, i8)], cost: f64) -> bool {
        let bound = w.best.as_ref().map_or(f64::INFINITY, |b| b.cost);
        if level == 0 {
            let found = self.product(w.cell, w.options, &w.pick, w.up, w.down, w.extra, bound);
            if let Some(found) = found.filter(|f| f.cost < bound) {
                let free = found.cost == 0.0;
                w.best = Some(found);
                return free;
            }
            return false;
        }
        let i = level - 1;
        let (d, child, list) = &w.options[i];
        let mut next = std::mem::take(&mut w.buffers[i]);
        for (j, local) in list.iter().enumerate() {
            w.pick[i] = j;
            // Sums in another order than `product`'s may differ in the last
            // bit: only a partial cost clearly past the bound rules out.
            let bound = w.best.as_ref().map_or(f64::INFINITY, |b| b.cost);
            let past = |c: f64| c > bound + lp_slack(bound);
            next.clear();
            let mut total = cost;
            let mut holds = true;
            'corners: for &(c, s) in corners {
                for (k, &(place, sign)) in local.iter().enumerate() {
                    if k == 0 && sign == 1 {
                        next.push((c, s));
                        continue;
                    }
                    let Some(corner) = self.locate(c, *d, *child, place) else {
                        holds = false;
                        break 'corners;
                    };
                    match self.fits(corner, s * sign, w.up, w.down, w.extra) {
                        Some(x) if !past(total + x) => total += x,
                        _ => {
                            holds = false;
                            break 'corners;
                        }
                    }
                    next.push((corner, s * sign));
                }
            }
            if holds && self.walk(w, i, &next, total) {
                w.buffers[i] = next;
                return true;
            }
        }
        w.buffers[i] = next;
        false
    }

    fn weight(&self, c: CellId, extra: Option<Extra>) -> f64 {
        let (lo, hi) = self.bounds[c];
        if lo < hi {
            0.0
        } else {
            extra.and_then(|f| f(c)).unwrap_or(f64::INFINITY)
        }
    }

    /// The signed sets of places along dimension `d` (with `child` nested in
    /// it) that balance its equations through the cell. `None`: the cell is
    /// in no equation along it.
    #[allow(clippy::too_many_arguments)]
    fn local_witnesses(
        &self,
        cell: CellId,
        d: u32,
        child: Option<u32>,
        up: f64,
        down: f64,
        extra: Option<Extra>,
        alternatives: usize,
    ) -> Option<Vec<Vec<(Place, i8)>>> {
        let co = self.table.coordinates()?;
        let key = &co.keys[cell];
        let value = |dim: u32| key.iter().find(|p| p.0 == dim).map(|p| p.1);
        let cv = child.and_then(value);
        let pv = value(d).or_else(|| cv.and_then(|c| co.parent_value.get(&(child?, c)).copied()));
        let here: Place = (pv, cv);
        // The cell at another place, if the table has it and it can move so.
        let at = |place: Place, sign: i8| -> Option<f64> {
            let c = self.locate(cell, d, child, place)?;
            self.fits(c, sign, up, down, extra)?;
            Some(self.weight(c, extra))
        };
        let cheapest = |cands: Vec<(f64, u32)>, n: usize| -> Vec<u32> {
            let mut c: Vec<(f64, u32)> = cands.into_iter().filter(|x| x.0.is_finite()).collect();
            c.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            c.into_iter().take(n).map(|x| x.1).collect()
        };
        let children_of = |g: Option<u32>| -> &[u32] {
            child
                .zip(g)
                .and_then(|k| co.children.get(&k))
                .map_or(&[], Vec::as_slice)
        };
        let mut out: Vec<Vec<(Place, i8)>> = Vec::new();
        let top: Place = (None, None);
        let has_top = self.locate(cell, d, child, top).is_some();
        match here {
            // A leaf of a flat dimension, or of a nested one.
            (Some(p), c) if child.is_none() || c.is_some() => {
                let siblings: Vec<(f64, u32)> = if let Some(c) = c {
                    children_of(Some(p))
                        .iter()
                        .copied()
                        .filter(|&x| x != c)
                        .filter_map(|x| Some((at((Some(p), Some(x)), -1)?, x)))
                        .collect()
                } else {
                    co.values[d as usize]
                        .iter()
                        .filter(|&&x| x != p)
                        .filter_map(|&x| Some((at((Some(x), None), -1)?, x)))
                        .collect()
                };
                for x in cheapest(siblings, alternatives) {
                    let other = if c.is_some() {
                        (Some(p), Some(x))
                    } else {
                        (Some(x), None)
                    };
                    out.push(vec![(here, 1), (other, -1)]);
                }
                let mut path = vec![(here, 1)];
                if c.is_some() && at((Some(p), None), 1).is_some() {
                    path.push(((Some(p), None), 1));
                }
                if has_top && at(top, 1).is_some() {
                    path.push((top, 1));
                    out.push(path);
                } else if path.len() == 1 && !has_top && c.is_none() {
                    // A dimension without a margin: no equation along it.
                    return None;
                }
            }
            // A group of a nested dimension: down to a leaf, up to the top.
            (Some(p), _) => {
                let leaves: Vec<(f64, u32)> = children_of(Some(p))
                    .iter()
                    .copied()
                    .filter_map(|x| Some((at((Some(p), Some(x)), 1)?, x)))
                    .collect();
                let leaf = cheapest(leaves, 1).first().copied()?;
                if has_top && at(top, 1).is_some() {
                    out.push(vec![(here, 1), ((Some(p), Some(leaf)), 1), (top, 1)]);
                }
                let groups: Vec<(f64, u32)> = co.values[d as usize]
                    .iter()
                    .filter(|&&g| g != p)
                    .filter_map(|&g| Some((at((Some(g), None), -1)?, g)))
                    .collect();
                for g in cheapest(groups, alternatives) {
                    let leaves: Vec<(f64, u32)> = children_of(Some(g))
                        .iter()
                        .copied()
                        .filter_map(|x| Some((at((Some(g), Some(x)), -1)?, x)))
                        .collect();
                    if let Some(&l) = cheapest(leaves, 1).first() {
                        out.push(vec![
                            (here, 1),
                            ((Some(p), Some(leaf)), 1),
                            ((Some(g), None), -1),
                            ((Some(g), Some(l)), -1),
                        ]);
                    }
                }
            }
            // The margin: down to a value (and a leaf under it).
            (None, _) => {
                let values: Vec<(f64, u32)> = co.values[d as usize]
                    .iter()
                    .filter_map(|&x| Some((at((Some(x), None), 1)?, x)))
                    .collect();
                for x in cheapest(values, alternatives) {
                    let mut path = vec![(here, 1), ((Some(x), None), 1)];
                    if child.is_some() {
                        let leaves: Vec<(f64, u32)> = children_of(Some(x))
                            .iter()
                            .copied()
                            .filter_map(|l| Some((at((Some(x), Some(l)), 1)?, l)))
                            .collect();
                        let Some(&l) = cheapest(leaves, 1).first() else {
                            continue;
                        };
                        path.push(((Some(x), Some(l)), 1));
                    }
                    out.push(path);
                }
                if out.is_empty() && values_empty(co, d) {
                    return None;
                }
            }
        }
        Some(out)
    }

    /// The cell `cell` with dimension `d` (and `child`) moved to `place`.
    fn locate(&self, cell: CellId, d: u32, child: Option<u32>, place: Place) -> Option<CellId> {
        if let Some(pk) = self.table.packed() {
            let base = match child {
                Some(ch) => pk.without_both(cell, d, ch),
                None => pk.without(cell, d),
            };
            return match place {
                (p, Some(c)) => {
                    let with_child = base + pk.part(child?, c)?;
                    if let Some(cell) = pk.cell(with_child) {
                        return Some(cell);
                    }
                    // A leaf may also be named with its parent.
                    pk.cell(with_child + pk.part(d, p?)?)
                }
                (Some(p), None) => pk.cell(base + pk.part(d, p)?),
                (None, None) => pk.cell(base),
            };
        }
        let co = self.table.coordinates()?;
        // Keys are short: build them on the stack.
        let mut buf = [(0u32, 0u32); 24];
        let mut n = 0;
        for &p in co.keys[cell].iter() {
            if p.0 != d && Some(p.0) != child {
                *buf.get_mut(n)? = p;
                n += 1;
            }
        }
        let push = |p: (u32, u32), buf: &mut [(u32, u32); 24], n: &mut usize| -> Option<()> {
            *buf.get_mut(*n)? = p;
            *n += 1;
            buf[..*n].sort_unstable();
            Some(())
        };
        match place {
            (p, Some(c)) => {
                push((child?, c), &mut buf, &mut n)?;
                if let Some(&cell) = co.index.get(&buf[..n]) {
                    return Some(cell);
                }
                // A leaf may also be named with its parent.
                push((d, p?), &mut buf, &mut n)?;
            }
            (Some(p), None) => push((d, p), &mut buf, &mut n)?,
            (None, None) => {}
        }
        co.index.get(&buf[..n]).copied()
    }

    /// The product of one local witness per dimension, if it holds and costs
    /// less than `bound`.
    #[allow(clippy::too_many_arguments)]
    fn product(
        &self,
        cell: CellId,
        options: &[(u32, Option<u32>, Vec<Vec<(Place, i8)>>)],
        pick: &[usize],
        up: f64,
        down: f64,
        extra: Option<Extra>,
        bound: f64,
    ) -> Option<Witness> {
        self.table.coordinates()?;
        let mut corners: Vec<(CellId, i8)> = vec![(cell, 1)];
        // Every local witness starts at the cell's own place with sign +1,
        // so each partial product is a subset of the final corners: a corner
        // that cannot move, or a cost past the bound, ends the product early.
        let mut cost = self.fits(cell, 1, up, down, extra)?;
        if cost >= bound {
            return None;
        }
        for (i, (d, child, list)) in options.iter().enumerate() {
            let local = &list[pick[i]];
            let mut next = Vec::with_capacity(corners.len() * local.len());
            for &(c, s) in &corners {
                for (j, &(place, sign)) in local.iter().enumerate() {
                    if j == 0 && sign == 1 {
                        next.push((c, s));
                        continue;
                    }
                    let corner = self.locate(c, *d, *child, place)?;
                    cost += self.fits(corner, s * sign, up, down, extra)?;
                    if cost >= bound {
                        return None;
                    }
                    next.push((corner, s * sign));
                }
            }
            corners = next;
        }
        let mut net: FxMap<usize, i32> = FxMap::default();
        for &(c, sign) in &corners {
            for &e in self.table.incidence(c) {
                *net.entry(e as usize).or_insert(0) += self.coef(e as usize, c) * sign as i32;
            }
        }
        if net
            .iter()
            .any(|(&e, &n)| self.needs(e, n, up, down).is_some())
        {
            return None;
        }
        let mut cells: Vec<CellId> = corners.iter().map(|m| m.0).collect();
        cells.sort_unstable();
        cells.dedup();
        (cells.len() == corners.len()).then_some(Witness {
            moved: corners,
            cost,
        })
    }
}

fn values_empty(co: &crate::table::Coordinates, d: u32) -> bool {
    co.values[d as usize].is_empty()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{Publication, Rule, TableBuilder, Truth};

    /// A 2×2 table with margins; `hidden` cells suppressed (also the
    /// protector's tests' table).
    pub(crate) fn square(hidden: &[&str]) -> (Table, Vec<(f64, f64)>, Vec<f64>) {
        let mut b = TableBuilder::new();
        let cells = [
            ("", 40.0),
            ("a=1", 20.0),
            ("a=2", 20.0),
            ("b=1", 15.0),
            ("b=2", 25.0),
            ("a=1;b=1", 5.0),
            ("a=1;b=2", 15.0),
            ("a=2;b=1", 10.0),
            ("a=2;b=2", 10.0),
        ];
        for (k, v) in cells {
            b.push(
                &zicht_contract::parse_breakdown(k).unwrap(),
                Truth::Exact(v),
                Rule::default(),
            )
            .unwrap();
        }
        let t = b.build().unwrap();
        let point = t.reference_point().unwrap();
        let bounds = (0..t.len())
            .map(|c| {
                if hidden.contains(&t.cell(c).label.as_str()) {
                    t.bounds(&Publication::Suppressed)
                } else {
                    (point[c], point[c])
                }
            })
            .collect();
        (t, bounds, point)
    }

    #[test]
    fn finds_the_rectangle() {
        let (t, bounds, point) = square(&["a=1;b=1", "a=1;b=2", "a=2;b=1", "a=2;b=2"]);
        let s = Search {
            table: &t,
            point: &point,
            bounds: &bounds,
            budget: 100,
            max_cells: 16,
            degree: 4,
            as_hidden: None,
        };
        let w = s.find(5, 3.0, 0.0, None).unwrap();
        assert_eq!(w.moved, vec![(5, 1), (6, -1), (7, -1), (8, 1)]);
        // Down by 5 takes a1b1 to 0 and a2b2 to 5; by 6, a1b1 would be below 0.
        assert!(s.find(5, 3.0, 5.0, None).is_some());
        assert!(s.find(5, 0.0, 6.0, None).is_none());
        // Up by 11 would take a2b1 below 0.
        assert!(s.find(5, 11.0, 0.0, None).is_none());
    }

    #[test]
    fn finds_nothing_when_a_corner_is_published() {
        let (t, bounds, point) = square(&["a=1;b=1", "a=1;b=2", "a=2;b=1"]);
        let s = Search {
            table: &t,
            point: &point,
            bounds: &bounds,
            budget: 100,
            max_cells: 16,
            degree: 4,
            as_hidden: None,
        };
        assert!(s.find(5, 1.0, 0.0, None).is_none());
        // Hiding the published corner at its cost makes the rectangle.
        let cost = |c: CellId| (c == 8).then_some(11.0);
        let w = s.find(5, 1.0, 0.0, Some(&cost)).unwrap();
        assert_eq!(w.cost, 11.0);
        assert_eq!(w.moved.len(), 4);
        // Not downwards: that takes the corner, 10, to 9, and a count shown
        // as "x" is never under k = 10 (it would have been "<10").
        assert!(s.find(5, 0.0, 1.0, Some(&cost)).is_none());
    }
}
