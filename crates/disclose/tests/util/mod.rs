//! Random additive tables with margins in every dimension and nested
//! dimensions, shared by the integration tests and the benchmark.
#![allow(dead_code)]

use zicht_disclose::{Hierarchy, Rule, Table, TableBuilder, Truth};

/// splitmix64: a seeded generator, so that a failing case can be replayed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(1e-12);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

/// A dimension: flat (`groups == 0`) or nested as `name` under `name_group`,
/// with `leaves` values spread evenly over the groups.
#[derive(Debug, Clone)]
pub struct Dim {
    pub name: String,
    pub leaves: usize,
    pub groups: usize,
}

impl Dim {
    pub fn flat(name: &str, leaves: usize) -> Self {
        Dim {
            name: name.into(),
            leaves,
            groups: 0,
        }
    }

    pub fn nested(name: &str, groups: usize, leaves: usize) -> Self {
        Dim {
            name: name.into(),
            leaves,
            groups,
        }
    }

    fn group_name(&self) -> String {
        format!("{}_group", self.name)
    }

    fn group_of(&self, leaf: usize) -> usize {
        leaf * self.groups / self.leaves
    }

    /// Positions: the total, each group, each leaf.
    fn positions(&self) -> Vec<Position> {
        let mut p = vec![Position::Total];
        p.extend((0..self.groups).map(Position::Group));
        p.extend((0..self.leaves).map(Position::Leaf));
        p
    }

    pub fn hierarchy(&self) -> Option<Hierarchy> {
        (self.groups > 0).then(|| Hierarchy {
            parent: self.group_name(),
            child: self.name.clone(),
            parent_of: (0..self.leaves)
                .map(|l| (format!("v{l}"), format!("g{}", self.group_of(l))))
                .collect(),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Position {
    Total,
    Group(usize),
    Leaf(usize),
}

/// How inner counts are drawn: zero with probability `zeros`, else
/// log-normal around `median`.
#[derive(Debug, Clone, Copy)]
pub struct Counts {
    pub zeros: f64,
    pub median: f64,
    pub spread: f64,
}

pub struct Generated {
    pub table: Table,
    /// The breakdown of each cell, pairs sorted by dimension.
    pub breakdowns: Vec<Vec<(String, String)>>,
}

/// Builds the full cube with all margins. `name_parents`: whether a leaf of a
/// nested dimension also names its group (`country=v3;country_group=g1`) or
/// relies on the declared hierarchy (`country=v3`).
pub fn generate(
    dims: &[Dim],
    counts: Counts,
    rule: Rule,
    name_parents: bool,
    seed: u64,
) -> Generated {
    let mut rng = Rng::new(seed);
    let leaves: Vec<usize> = dims.iter().map(|d| d.leaves).collect();
    let inner_count: usize = leaves.iter().product();
    let inner: Vec<f64> = (0..inner_count)
        .map(|_| {
            if rng.unit() < counts.zeros {
                0.0
            } else {
                (counts.median.ln() + counts.spread * rng.normal())
                    .exp()
                    .round()
                    .max(1.0)
            }
        })
        .collect();
    // Sums over every position combination, by summing the inner cube.
    let positions: Vec<Vec<Position>> = dims.iter().map(Dim::positions).collect();
    let mut builder = TableBuilder::new().integer(true);
    for d in dims {
        if let Some(h) = d.hierarchy() {
            builder = builder.hierarchy(h);
        }
    }
    let mut breakdowns = Vec::new();
    let mut index = vec![0usize; dims.len()];
    let strides: Vec<usize> = (0..dims.len())
        .map(|i| leaves[i + 1..].iter().product())
        .collect();
    // Marginal sums computed dimension by dimension: value of a position
    // combination = sum over inner cells matching it.
    let total_cells: usize = positions.iter().map(Vec::len).product();
    let mut values = vec![0.0; total_cells];
    let pos_strides: Vec<usize> = (0..dims.len())
        .map(|i| positions[i + 1..].iter().map(Vec::len).product())
        .collect();
    for (flat, &v) in inner.iter().enumerate() {
        if v == 0.0 {
            continue;
        }
        let leaf_of: Vec<usize> = (0..dims.len())
            .map(|i| flat / strides[i] % leaves[i])
            .collect();
        // Each dimension: the leaf, its group, the total.
        let choices: Vec<Vec<usize>> = dims
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let mut c = vec![0];
                if d.groups > 0 {
                    c.push(1 + d.group_of(leaf_of[i]));
                }
                c.push(1 + d.groups + leaf_of[i]);
                c
            })
            .collect();
        let mut pick = vec![0usize; dims.len()];
        loop {
            let at: usize = (0..dims.len())
                .map(|i| choices[i][pick[i]] * pos_strides[i])
                .sum();
            values[at] += v;
            let mut i = dims.len();
            loop {
                if i == 0 {
                    break;
                }
                i -= 1;
                pick[i] += 1;
                if pick[i] < choices[i].len() {
                    break;
                }
                pick[i] = 0;
            }
            if pick.iter().all(|&p| p == 0) {
                break;
            }
        }
    }
    for (at, &value) in values.iter().enumerate() {
        for i in 0..dims.len() {
            index[i] = at / pos_strides[i] % positions[i].len();
        }
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (i, d) in dims.iter().enumerate() {
            match positions[i][index[i]] {
                Position::Total => {}
                Position::Group(g) => pairs.push((d.group_name(), format!("g{g}"))),
                Position::Leaf(l) => {
                    pairs.push((d.name.clone(), format!("v{l}")));
                    if d.groups > 0 && name_parents {
                        pairs.push((d.group_name(), format!("g{}", d.group_of(l))));
                    }
                }
            }
        }
        pairs.sort();
        builder
            .push(&pairs, Truth::Exact(value), rule)
            .expect("generated cells are distinct");
        breakdowns.push(pairs);
    }
    Generated {
        table: builder.build().expect("generated tables are valid"),
        breakdowns,
    }
}
