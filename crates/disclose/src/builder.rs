//! Building a [`Table`] from breakdowns: a breakdown with fewer dimensions is
//! the sum of the breakdowns that refine it by one dimension.

use std::collections::{BTreeMap, HashMap};

use crate::rules::Rule;
use crate::table::{Cell, CellId, Coordinates, Equation, Relation, Table, TableError, Truth};

/// A dimension nested in another: each value of `child` sits under one value
/// of `parent` (country under origin, municipality under region).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Hierarchy {
    pub parent: String,
    pub child: String,
    /// Child value → parent value.
    pub parent_of: BTreeMap<String, String>,
}

/// Parses `dim=value` pairs joined by `;` (the export format's `breakdown`).
pub fn parse_breakdown(s: &str) -> Result<Vec<(String, String)>, TableError> {
    let mut pairs = Vec::new();
    for pair in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (d, v) = pair
            .split_once('=')
            .ok_or_else(|| TableError::BadBreakdown(pair.to_owned()))?;
        let (d, v) = (d.trim(), v.trim());
        if d.is_empty() || v.is_empty() {
            return Err(TableError::BadBreakdown(pair.to_owned()));
        }
        pairs.push((d.to_owned(), v.to_owned()));
    }
    Ok(pairs)
}

/// The canonical text of a breakdown: pairs sorted by dimension, joined by `;`.
pub fn format_breakdown<S: AsRef<str>>(pairs: &[(S, S)]) -> String {
    let mut sorted: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(d, v)| (d.as_ref(), v.as_ref()))
        .collect();
    sorted.sort();
    sorted
        .iter()
        .map(|(d, v)| format!("{d}={v}"))
        .collect::<Vec<_>>()
        .join(";")
}

type Key = Box<[(u32, u32)]>;

/// Collects the cells of one indicator × period (or of several linked tables)
/// and derives their equations.
#[derive(Debug, Default)]
pub struct TableBuilder {
    relation: Relation,
    integer: Option<bool>,
    nonnegative: bool,
    dims: BTreeMap<String, u32>,
    dim_names: Vec<String>,
    values: BTreeMap<String, u32>,
    value_names: Vec<String>,
    hierarchies: Vec<Hierarchy>,
    keys: Vec<Key>,
    index: HashMap<Key, CellId>,
    cells: Vec<Cell>,
}

impl TableBuilder {
    /// Counts: non-negative, parts adding up to their total, integrality
    /// inferred from the figures.
    pub fn new() -> Self {
        TableBuilder {
            nonnegative: true,
            ..TableBuilder::default()
        }
    }

    /// How parts relate to totals (an indicator's `exclusive` flag).
    pub fn relation(mut self, relation: Relation) -> Self {
        self.relation = relation;
        self
    }

    /// Whether the cells are whole numbers; by default, whether every figure is.
    pub fn integer(mut self, integer: bool) -> Self {
        self.integer = Some(integer);
        self
    }

    pub fn nonnegative(mut self, nonnegative: bool) -> Self {
        self.nonnegative = nonnegative;
        self
    }

    /// Declares a nested dimension, so that a breakdown naming only the child
    /// (`country=gn`) also counts towards its parent's value (`origin=foreign`).
    pub fn hierarchy(mut self, hierarchy: Hierarchy) -> Self {
        self.hierarchies.push(hierarchy);
        self
    }

    fn intern(map: &mut BTreeMap<String, u32>, names: &mut Vec<String>, s: &str) -> u32 {
        if let Some(&id) = map.get(s) {
            return id;
        }
        let id = names.len() as u32;
        map.insert(s.to_owned(), id);
        names.push(s.to_owned());
        id
    }

    /// Adds a cell; its label is the canonical breakdown. The pairs may come in
    /// any order.
    pub fn push<S: AsRef<str>>(
        &mut self,
        breakdown: &[(S, S)],
        truth: Truth,
        rule: Rule,
    ) -> Result<CellId, TableError> {
        let label = format_breakdown(breakdown);
        self.push_labelled(breakdown, truth, rule, label)
    }

    pub fn push_labelled<S: AsRef<str>>(
        &mut self,
        breakdown: &[(S, S)],
        truth: Truth,
        rule: Rule,
        label: String,
    ) -> Result<CellId, TableError> {
        let mut key: Vec<(u32, u32)> = breakdown
            .iter()
            .map(|(d, v)| {
                (
                    Self::intern(&mut self.dims, &mut self.dim_names, d.as_ref()),
                    Self::intern(&mut self.values, &mut self.value_names, v.as_ref()),
                )
            })
            .collect();
        key.sort_unstable();
        if key.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(TableError::BadCell {
                label,
                problem: "a dimension appears twice".into(),
            });
        }
        for h in &self.hierarchies {
            let (Some(child), Some(parent)) = (self.dims.get(&h.child), self.dims.get(&h.parent))
            else {
                continue;
            };
            let value_of = |dim: u32| {
                key.iter()
                    .find(|(d, _)| *d == dim)
                    .map(|&(_, v)| &self.value_names[v as usize])
            };
            if let (Some(c), Some(p)) = (value_of(*child), value_of(*parent)) {
                if h.parent_of.get(c).is_some_and(|expected| expected != p) {
                    return Err(TableError::BadCell {
                        label,
                        problem: format!("{}={c} does not sit under {}={p}", h.child, h.parent),
                    });
                }
            }
        }
        let key: Key = key.into_boxed_slice();
        if self.index.contains_key(&key) {
            return Err(TableError::DuplicateCell { label });
        }
        let id = self.cells.len();
        self.index.insert(key.clone(), id);
        self.keys.push(key);
        self.cells.push(Cell::new(label, truth, rule));
        Ok(id)
    }

    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Derives the equations: every cell is a part of each cell that has one
    /// dimension fewer (or, for a nested dimension named without its parent,
    /// of the cell that names the parent's value instead).
    pub fn build(self) -> Result<Table, TableError> {
        // (child dim, parent dim, child value → parent value), interned.
        let nests: Vec<(u32, u32, HashMap<u32, u32>)> = self
            .hierarchies
            .iter()
            .filter_map(|h| {
                let child = *self.dims.get(&h.child)?;
                let parent = *self.dims.get(&h.parent)?;
                let map = h
                    .parent_of
                    .iter()
                    .filter_map(|(c, p)| Some((*self.values.get(c)?, *self.values.get(p)?)))
                    .collect();
                Some((child, parent, map))
            })
            .collect();
        let mut memberships: Vec<(CellId, u32, CellId)> = Vec::new();
        let mut probe: Vec<(u32, u32)> = Vec::new();
        for (id, key) in self.keys.iter().enumerate() {
            for (i, &(d, v)) in key.iter().enumerate() {
                probe.clear();
                probe.extend(
                    key.iter()
                        .enumerate()
                        .filter(|&(j, _)| j != i)
                        .map(|(_, p)| *p),
                );
                if let Some(&total) = self.index.get(probe.as_slice()) {
                    memberships.push((total, d, id));
                }
                for (child, parent, map) in &nests {
                    if *child != d || key.iter().any(|(kd, _)| kd == parent) {
                        continue;
                    }
                    let Some(&pv) = map.get(&v) else { continue };
                    // The same count with its parent named is a cell of its own:
                    // that one takes this cell's place in the parent's sum.
                    let mut named: Vec<(u32, u32)> = key.to_vec();
                    named.push((*parent, pv));
                    named.sort_unstable();
                    if self.index.contains_key(named.as_slice()) {
                        continue;
                    }
                    probe.push((*parent, pv));
                    probe.sort_unstable();
                    if let Some(&total) = self.index.get(probe.as_slice()) {
                        memberships.push((total, d, id));
                    }
                }
            }
        }
        memberships.sort_unstable();
        memberships.dedup();
        let mut equations = Vec::new();
        for group in memberships.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            equations.push(Equation {
                total: group[0].0,
                parts: group.iter().map(|m| m.2).collect(),
                relation: self.relation,
            });
        }
        let integer = self.integer.unwrap_or_else(|| {
            self.cells.iter().all(|c| match c.truth {
                Truth::Exact(v) | Truth::Below { upper: v } => v.fract() == 0.0,
                Truth::Range { lower, upper } => lower.fract() == 0.0 && upper.fract() == 0.0,
                Truth::Rounded { value, base } => value.fract() == 0.0 && base.fract() == 0.0,
                Truth::Unknown | Truth::Refused => true,
            })
        });
        let mut values: Vec<Vec<u32>> = vec![Vec::new(); self.dim_names.len()];
        for key in &self.keys {
            for &(d, v) in key.iter() {
                values[d as usize].push(v);
            }
        }
        for v in &mut values {
            v.sort_unstable();
            v.dedup();
        }
        let mut child_of = vec![None; self.dim_names.len()];
        let mut parent_of = vec![None; self.dim_names.len()];
        let mut parent_value = crate::lp::FxMap::default();
        for (child, parent, map) in &nests {
            child_of[*parent as usize] = Some(*child);
            parent_of[*child as usize] = Some(*parent);
            for (&c, &p) in map {
                parent_value.insert((*child, c), p);
            }
        }
        let coordinates = Coordinates {
            index: self.index.into_iter().collect(),
            keys: self.keys,
            values,
            child_of,
            parent_of,
            parent_value,
        };
        Ok(
            Table::new(self.cells, equations, integer, self.nonnegative)?
                .with_coordinates(coordinates),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(s: &str) -> Vec<(String, String)> {
        parse_breakdown(s).unwrap()
    }

    fn labels(t: &Table, e: &Equation) -> String {
        let parts: Vec<&str> = e.parts.iter().map(|&p| t.cell(p).label.as_str()).collect();
        format!("[{}] = {}", t.cell(e.total).label, parts.join(" + "))
    }

    #[test]
    fn linked_breakdowns_share_their_margins() {
        let mut b = TableBuilder::new();
        for s in [
            "",
            "sex=b",
            "sex=g",
            "age=1",
            "age=2",
            "form=x",
            "form=y",
            "age=1;sex=b",
            "age=2;sex=b",
            "age=1;sex=g",
            "age=2;sex=g",
            "form=x;sex=b",
            "form=y;sex=b",
            "form=x;sex=g",
            "form=y;sex=g",
        ] {
            b.push(&pairs(s), Truth::Unknown, Rule::default()).unwrap();
        }
        let t = b.build().unwrap();
        let eqs: Vec<String> = t.equations().iter().map(|e| labels(&t, e)).collect();
        assert_eq!(
            eqs,
            [
                "[] = sex=b + sex=g",
                "[] = age=1 + age=2",
                "[] = form=x + form=y",
                "[sex=b] = age=1;sex=b + age=2;sex=b",
                "[sex=b] = form=x;sex=b + form=y;sex=b",
                "[sex=g] = age=1;sex=g + age=2;sex=g",
                "[sex=g] = form=x;sex=g + form=y;sex=g",
                "[age=1] = age=1;sex=b + age=1;sex=g",
                "[age=2] = age=2;sex=b + age=2;sex=g",
                "[form=x] = form=x;sex=b + form=x;sex=g",
                "[form=y] = form=y;sex=b + form=y;sex=g",
            ]
        );
    }

    #[test]
    fn a_child_named_alone_counts_towards_its_parent() {
        let h = Hierarchy {
            parent: "origin".into(),
            child: "country".into(),
            parent_of: [("gn", "foreign"), ("ro", "foreign"), ("nl", "domestic")]
                .iter()
                .map(|(c, p)| (c.to_string(), p.to_string()))
                .collect(),
        };
        let mut b = TableBuilder::new().hierarchy(h);
        for s in [
            "",
            "origin=foreign",
            "origin=domestic",
            "country=gn",
            "country=ro",
            "country=nl",
        ] {
            b.push(&pairs(s), Truth::Unknown, Rule::default()).unwrap();
        }
        let t = b.build().unwrap();
        let eqs: Vec<String> = t.equations().iter().map(|e| labels(&t, e)).collect();
        assert_eq!(
            eqs,
            [
                "[] = origin=foreign + origin=domestic",
                "[] = country=gn + country=ro + country=nl",
                "[origin=foreign] = country=gn + country=ro",
                "[origin=domestic] = country=nl",
            ]
        );
    }

    #[test]
    fn inconsistent_nesting_and_duplicates_are_refused() {
        let h = Hierarchy {
            parent: "origin".into(),
            child: "country".into(),
            parent_of: [("gn".to_string(), "foreign".to_string())].into(),
        };
        let mut b = TableBuilder::new().hierarchy(h);
        b.push(&pairs("origin=foreign"), Truth::Unknown, Rule::default())
            .unwrap();
        assert!(b
            .push(
                &pairs("country=gn;origin=domestic"),
                Truth::Unknown,
                Rule::default()
            )
            .is_err());
        assert!(matches!(
            b.push(&pairs("origin=foreign"), Truth::Unknown, Rule::default()),
            Err(TableError::DuplicateCell { .. })
        ));
        assert!(parse_breakdown("sex").is_err());
        assert!(parse_breakdown("sex=").is_err());
    }
}
