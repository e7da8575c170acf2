//! The charts of an indicator, each with the table that says what it
//! shows (the theme pages and the indicator pages draw them).

use std::collections::BTreeMap;

use zicht_model::{Cell, Indicator, Unit};

use super::ctx::{Ctx, NoteBook};
use super::{ChartBlock, ChartRow};
use crate::site::chart::{Chart, ChartKind, Series};

/// Yearly cells of an indicator by breakdown.
fn yearly<'c>(cells: &[&'c Cell]) -> Vec<&'c Cell> {
    cells
        .iter()
        .copied()
        .filter(|c| c.period.as_year().is_some())
        .collect()
}

/// What a chart is: its id on the page, caption, kind and unit.
struct ChartSpec {
    id: String,
    caption: String,
    kind: ChartKind,
    unit: Unit,
    axis: String,
}

fn chart_block(
    ctx: &Ctx<'_>,
    spec: ChartSpec,
    years: &[i32],
    series: Vec<(String, BTreeMap<i32, &Cell>)>,
    book: &mut NoteBook,
) -> ChartBlock {
    let ChartSpec {
        id,
        caption,
        kind,
        unit,
        axis,
    } = spec;
    let table_id = format!("{id}-data");
    let chart = Chart {
        id: id.clone(),
        title: caption.clone(),
        desc: format!(
            "{} ({}–{}). {}",
            match kind {
                ChartKind::Bars => ctx.w.chart_bars,
                ChartKind::Stacked => ctx.w.chart_stacked,
                ChartKind::Line => ctx.w.chart_line,
            },
            years.first().copied().unwrap_or_default(),
            years.last().copied().unwrap_or_default(),
            ctx.w.chart_note
        ),
        table_id: table_id.clone(),
        kind,
        unit,
        lang: ctx.lang,
        categories: years.iter().map(|y| y.to_string()).collect(),
        series: series
            .iter()
            .map(|(label, m)| Series {
                label: label.clone(),
                values: years.iter().map(|y| m.get(y).map(|c| c.figure)).collect(),
            })
            .collect(),
        axis,
        spark: false,
    };
    let rows = years
        .iter()
        .map(|y| ChartRow {
            label: y.to_string(),
            cells: series
                .iter()
                .map(|(_, m)| match m.get(y) {
                    Some(c) => ctx.fig(c, unit, book),
                    None => Ctx::none_cell(),
                })
                .collect(),
        })
        .collect();
    ChartBlock {
        caption,
        svg: chart.svg(),
        table_id,
        series: series.into_iter().map(|(l, _)| l).collect(),
        rows,
    }
}

/// The charts of an indicator: its total by year, and one chart per
/// dimension with the parts by year.
pub(super) fn indicator_charts(
    ctx: &Ctx<'_>,
    ind: &Indicator,
    cells: &[&Cell],
    prefix: &str,
    book: &mut NoteBook,
) -> Vec<ChartBlock> {
    let yc = yearly(cells);
    let Some(first) = yc.iter().filter_map(|c| c.period.as_year()).min() else {
        return Vec::new();
    };
    let last = yc
        .iter()
        .filter_map(|c| c.period.as_year())
        .max()
        .unwrap_or(first);
    let years: Vec<i32> = (first..=last).collect();
    let percent = matches!(ind.unit, Unit::Percent | Unit::PercentChange);
    let label = ctx.ind_label(ind);
    let mut out = Vec::new();
    let total: BTreeMap<i32, &Cell> = yc
        .iter()
        .filter(|c| c.breakdown.is_total())
        .filter_map(|c| c.period.as_year().map(|y| (y, *c)))
        .collect();
    if !total.is_empty() {
        out.push(chart_block(
            ctx,
            ChartSpec {
                id: format!("{prefix}total"),
                caption: ctx.by_year(&label),
                kind: if percent {
                    ChartKind::Line
                } else {
                    ChartKind::Bars
                },
                unit: ind.unit,
                axis: ctx.axis_title(ind),
            },
            &years,
            vec![(ctx.w.total.to_owned(), total)],
            book,
        ));
    }
    for dim in &ind.dimensions {
        let mut series: Vec<(String, BTreeMap<i32, &Cell>)> = Vec::new();
        let values: Vec<&str> = match ctx.cat.dimension(dim.as_str()) {
            Some(d) => d.values.iter().map(|v| v.id.as_str()).collect(),
            None => Vec::new(),
        };
        for v in values {
            let m: BTreeMap<i32, &Cell> = yc
                .iter()
                .filter(|c| {
                    c.breakdown.len() == 1
                        && c.breakdown.get(dim.as_str()).map(|s| s.as_str()) == Some(v)
                })
                .filter_map(|c| c.period.as_year().map(|y| (y, *c)))
                .collect();
            if !m.is_empty() {
                series.push((ctx.value_label(dim.as_str(), v), m));
            }
        }
        if series.is_empty() {
            continue;
        }
        let dim_label = ctx
            .cat
            .dimension(dim.as_str())
            .map(|d| ctx.t(&d.label_nl, &d.label_en).to_owned())
            .unwrap_or_else(|| dim.to_string());
        let kind = if percent {
            ChartKind::Line
        } else if ind.exclusive && ind.unit == Unit::Count && series.len() > 1 {
            ChartKind::Stacked
        } else {
            ChartKind::Bars
        };
        out.push(chart_block(
            ctx,
            ChartSpec {
                id: format!("{prefix}{dim}"),
                caption: ctx.by_year(&format!("{label}, {} {dim_label}", ctx.w.by)),
                kind,
                unit: ind.unit,
                axis: ctx.axis_title(ind),
            },
            &years,
            series,
            book,
        ));
    }
    out
}

/// An indicator's yearly total as a small trend for a card, with the id
/// of nothing beside it: the card says the figure in words.
pub(super) fn spark(ctx: &Ctx<'_>, ind: &Indicator, cells: &[&Cell], id: &str) -> Option<String> {
    let total: BTreeMap<i32, &Cell> = yearly(cells)
        .into_iter()
        .filter(|c| c.breakdown.is_total())
        .filter_map(|c| c.period.as_year().map(|y| (y, c)))
        .collect();
    let (first, last) = (*total.keys().next()?, *total.keys().next_back()?);
    let years: Vec<i32> = (first..=last).collect();
    let label = ctx.by_year(&ctx.ind_label(ind));
    let chart = Chart {
        id: id.to_owned(),
        title: label,
        desc: format!(
            "{} ({}). {}",
            if matches!(ind.unit, Unit::Percent | Unit::PercentChange) {
                ctx.w.chart_line
            } else {
                ctx.w.chart_bars
            },
            if first == last {
                first.to_string()
            } else {
                format!("{first}–{last}")
            },
            ctx.w.spark_note
        ),
        table_id: String::new(),
        kind: if matches!(ind.unit, Unit::Percent | Unit::PercentChange) {
            ChartKind::Line
        } else {
            ChartKind::Bars
        },
        unit: ind.unit,
        lang: ctx.lang,
        categories: years.iter().map(|y| y.to_string()).collect(),
        series: vec![Series {
            label: ctx.w.total.to_owned(),
            values: years
                .iter()
                .map(|y| total.get(y).map(|c| c.figure))
                .collect(),
        }],
        axis: String::new(),
        spark: true,
    };
    Some(chart.svg())
}
