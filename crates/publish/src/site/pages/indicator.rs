//! An indicator's page: its charts, every public cell with its source, and
//! the figure per edition where editions differ.

use std::collections::BTreeMap;

use crate::HashMap;

use askama::Template;
use rayon::prelude::*;
use zicht_model::{Breakdown, Cell, Figure, Period};

use super::charts::indicator_charts;
use super::ctx::{period_label, Ctx, NoteBook};
use super::{ChartBlock, Chrome, FigCell, Link, Out, Parts};
use crate::site::SiteError;

pub struct CellRow {
    pub period: String,
    pub breakdown: String,
    pub figure: FigCell,
    pub source: String,
}

pub struct HistoryRow {
    pub period: String,
    pub breakdown: String,
    pub cells: Vec<FigCell>,
}

#[derive(Template)]
#[template(path = "indicator.html", config = "src/site/askama.toml")]
pub struct IndicatorPage {
    pub c: Chrome,
    pub id: String,
    pub definition: String,
    pub facts: Vec<(String, String)>,
    pub links: Vec<Link>,
    pub charts: Vec<ChartBlock>,
    pub rows: Vec<CellRow>,
    pub history_cols: Vec<String>,
    pub history: Vec<HistoryRow>,
}

/// One page per indicator.
pub(super) fn write(parts: &Parts<'_>, out: &Out) -> Result<(), SiteError> {
    let ctx = &parts.ctx;
    let cat = ctx.cat;
    let w = ctx.w;
    let (current, moments) = (&parts.current, &parts.moments);
    let b = parts.b;
    // Pages are independent of each other: rendered side by side.
    cat.indicators.par_iter().try_for_each(|ind| {
        let path = format!("indicator/{}.html", ind.id);
        let mut book = NoteBook::default();
        let cells = current.of(ind.id.as_str());
        let charts = indicator_charts(ctx, ind, cells, "c-", &mut book);
        let rows = cells
            .iter()
            .map(|c| CellRow {
                period: period_label(&c.period),
                breakdown: ctx.breakdown_label(c),
                figure: ctx.fig(c, ind.unit, &mut book),
                source: ctx.source(c),
            })
            .collect();
        let mut facts = vec![(w.unit.to_owned(), ctx.unit_label(ind))];
        if let Some(t) = cat.theme(ind.theme.as_str()) {
            facts.push((
                w.theme.to_owned(),
                ctx.t(&t.label_nl, &t.label_en).to_owned(),
            ));
        }
        if !ind.sources.is_empty() {
            facts.push((
                w.sources.to_owned(),
                ind.sources
                    .iter()
                    .map(|s| ctx.org(s.as_str()))
                    .collect::<Vec<_>>()
                    .join("; "),
            ));
        }
        let mut links = vec![ctx.link(
            &path,
            &format!("theme/{}.html", ind.theme),
            cat.theme(ind.theme.as_str())
                .map(|t| ctx.t(&t.label_nl, &t.label_en).to_owned())
                .unwrap_or_else(|| ind.theme.to_string()),
        )];
        for r in &ind.recommendations {
            links.push(ctx.link(
                &path,
                &format!("recommendation/{r}.html"),
                ctx.rec_title(r.as_str()),
            ));
        }
        // The public figure per edition, at each edition's cut-off.
        let mut history_cols: Vec<String> = moments.iter().map(|(l, _)| l.clone()).collect();
        let mut columns: Vec<HashMap<(&Period, &Breakdown), &Cell>> = moments
            .iter()
            .map(|(_, m)| {
                m.of(ind.id.as_str())
                    .iter()
                    .map(|c| ((&c.period, &c.breakdown), *c))
                    .collect()
            })
            .collect();
        if b.asked.is_none() {
            history_cols.push(w.now.to_owned());
            columns.push(
                cells
                    .iter()
                    .map(|c| ((&c.period, &c.breakdown), *c))
                    .collect(),
            );
        }
        let mut keys: BTreeMap<(&Period, &Breakdown), &Cell> = BTreeMap::new();
        for col in &columns {
            for (k, c) in col {
                keys.entry(*k).or_insert(*c);
            }
        }
        let mut history = Vec::new();
        if columns.len() > 1 {
            for (k, sample) in &keys {
                let figs: Vec<Option<&Figure>> = columns
                    .iter()
                    .map(|col| col.get(k).map(|c| &c.figure))
                    .collect();
                let differs = figs.windows(2).any(|p| p[0] != p[1]);
                if !(sample.breakdown.is_total() || differs) {
                    continue;
                }
                history.push(HistoryRow {
                    period: period_label(k.0),
                    breakdown: ctx.breakdown_label(sample),
                    cells: columns
                        .iter()
                        .map(|col| match col.get(k) {
                            Some(c) => ctx.fig_plain(c, ind.unit),
                            None => Ctx::none_cell(),
                        })
                        .collect(),
                });
            }
        } else {
            history_cols.clear();
        }
        let page = IndicatorPage {
            c: ctx.chrome(&path, ctx.ind_label(ind), book),
            id: ind.id.to_string(),
            definition: ctx.t(&ind.definition_nl, &ind.definition_en).to_owned(),
            facts,
            links,
            charts,
            rows,
            history_cols,
            history,
        };
        out.put(&path, page.render()?);
        Ok(())
    })
}
