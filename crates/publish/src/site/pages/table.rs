//! The yearly table: per theme, each indicator's totals over the last ten
//! years and the change in the last year.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use zicht_model::{Cell, Figure, FigureDisplay, Indicator, Lang, Unit};

use super::ctx::{Ctx, NoteBook};
use super::{Chrome, FigCell, Link, Out, Parts};
use crate::site::SiteError;

pub struct YearRow {
    pub link: Link,
    pub cells: Vec<FigCell>,
    pub change: String,
}

pub struct YearTable {
    pub title: String,
    pub years: Vec<String>,
    pub previous: String,
    pub rows: Vec<YearRow>,
}

#[derive(Template)]
#[template(path = "table.html", config = "src/site/askama.toml")]
pub struct TablePage {
    pub c: Chrome,
    pub tables: Vec<YearTable>,
}

pub(super) fn write(parts: &Parts<'_>, out: &mut Out) -> Result<(), SiteError> {
    let ctx = &parts.ctx;
    let cat = ctx.cat;
    let w = ctx.w;
    let current = &parts.current;
    let path = "table.html";
    let mut book = NoteBook::default();
    let mut tables = Vec::new();
    for theme in &cat.themes {
        let inds: Vec<&Indicator> = cat
            .indicators
            .iter()
            .filter(|i| i.theme == theme.id)
            .collect();
        let mut series: Vec<(&Indicator, BTreeMap<i32, &Cell>)> = Vec::new();
        let mut years: BTreeSet<i32> = BTreeSet::new();
        for ind in inds {
            let m: BTreeMap<i32, &Cell> = current
                .of(ind.id.as_str())
                .iter()
                .filter(|c| c.breakdown.is_total())
                .filter_map(|c| c.period.as_year().map(|y| (y, *c)))
                .collect();
            if !m.is_empty() {
                years.extend(m.keys());
                series.push((ind, m));
            }
        }
        let years: Vec<i32> = years.into_iter().rev().take(10).rev().collect();
        if years.is_empty() {
            continue;
        }
        let (last, prev) = (
            years[years.len() - 1],
            years.len().checked_sub(2).map(|i| years[i]),
        );
        let rows = series
            .into_iter()
            .filter(|(_, m)| years.iter().any(|y| m.contains_key(y)))
            .map(|(ind, m)| {
                let change = match (prev.and_then(|p| m.get(&p)), m.get(&last)) {
                    (Some(a), Some(b)) => change(ctx.lang, ind.unit, &a.figure, &b.figure),
                    _ => String::new(),
                };
                YearRow {
                    link: ctx.link(
                        path,
                        &format!("indicator/{}.html", ind.id),
                        ctx.ind_label(ind),
                    ),
                    // Newest first, beside the change: what a reader comes
                    // for is never behind a scroll.
                    cells: years
                        .iter()
                        .rev()
                        .map(|y| match m.get(y) {
                            Some(c) => ctx.fig(c, ind.unit, &mut book),
                            None => Ctx::none_cell(),
                        })
                        .collect(),
                    change,
                }
            })
            .collect();
        tables.push(YearTable {
            title: ctx.t(&theme.label_nl, &theme.label_en).to_owned(),
            years: years.iter().rev().map(|y| y.to_string()).collect(),
            previous: prev.map(|p| p.to_string()).unwrap_or_default(),
            rows,
        });
    }
    let page = TablePage {
        c: ctx.chrome(path, w.table.to_owned(), book),
        tables,
    };
    out.put(path, page.render()?);
    Ok(())
}

/// The change between two years in percent, only where both are published
/// numbers (exact or rounded) of a unit where a ratio means something.
fn change(lang: Lang, unit: Unit, before: &Figure, after: &Figure) -> String {
    if !matches!(unit, Unit::Count | Unit::Euro | Unit::Months | Unit::Years) {
        return String::new();
    }
    let num = |f: &Figure| match *f {
        Figure::Exact { value } | Figure::Rounded { value, .. } => Some(value),
        _ => None,
    };
    match (num(before), num(after)) {
        (Some(a), Some(b)) if a > 0.0 => {
            let pct = ((b - a) / a * 100.0).round();
            FigureDisplay {
                figure: &Figure::Exact { value: pct + 0.0 },
                unit: Unit::PercentChange,
                lang,
            }
            .to_string()
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_is_never_computed_from_a_bound() {
        let e = |v| Figure::Exact { value: v };
        assert_eq!(change(Lang::Nl, Unit::Count, &e(550.0), &e(360.0)), "-35%");
        assert_eq!(change(Lang::Nl, Unit::Count, &e(100.0), &e(112.0)), "+12%");
        assert_eq!(
            change(
                Lang::Nl,
                Unit::Count,
                &Figure::Below { upper: 10.0 },
                &e(12.0)
            ),
            ""
        );
        assert_eq!(
            change(Lang::Nl, Unit::Count, &e(12.0), &Figure::Suppressed),
            ""
        );
        assert_eq!(change(Lang::Nl, Unit::Percent, &e(12.0), &e(13.0)), "");
    }
}
