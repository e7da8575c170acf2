//! A theme's page: key figures, the edition's texts, a chart per key
//! indicator, the recommendations the theme follows and its indicators.

use askama::Template;
use rayon::prelude::*;
use zicht_model::{Cell, Indicator, Status, Text, TextKind};

use super::charts::indicator_charts;
use super::ctx::{paras, period_label, NoteBook};
use super::{Badge, ChartBlock, Chrome, FigCell, Link, Out, Parts, TextBlock};
use crate::site::SiteError;

pub struct KeyFigure {
    pub link: Link,
    pub figures: Vec<(FigCell, String)>,
}

pub struct RecBlock {
    pub link: Link,
    /// The site's edition's judgement, or the latest before it.
    pub status: Option<Badge>,
    pub text: String,
    pub quantitative: Vec<String>,
    pub policy: Vec<String>,
    pub measures: Vec<Link>,
}

#[derive(Template)]
#[template(path = "theme.html", config = "src/site/askama.toml")]
pub struct ThemePage {
    pub c: Chrome,
    /// The summary's first paragraph, under the title.
    pub lead: Option<String>,
    pub has_quantitative: bool,
    pub summary: Option<TextBlock>,
    pub keys: Vec<KeyFigure>,
    pub texts: Vec<TextBlock>,
    pub charts: Vec<ChartBlock>,
    pub recs: Vec<RecBlock>,
    pub latest: Option<TextBlock>,
    pub indicators: Vec<Link>,
}

/// One page per theme.
pub(super) fn write(parts: &Parts<'_>, out: &Out) -> Result<(), SiteError> {
    let ctx = &parts.ctx;
    let cat = ctx.cat;
    let current = &parts.current;
    // Pages are independent of each other: rendered side by side.
    cat.themes.par_iter().try_for_each(|theme| {
        let path = format!("theme/{}.html", theme.id);
        let mut book = NoteBook::default();
        let inds: Vec<&Indicator> = cat
            .indicators
            .iter()
            .filter(|i| i.theme == theme.id)
            .collect();
        // Key figures: the yearly totals the edition itself gives, first and
        // last year; without an edition's own figures, the first indicators.
        let mut key_inds: Vec<(&Indicator, Vec<&Cell>)> = Vec::new();
        if let Some(e) = ctx.edition {
            for ind in &inds {
                let own: Vec<&Cell> = current
                    .of(ind.id.as_str())
                    .iter()
                    .copied()
                    .filter(|c| {
                        c.breakdown.is_total()
                            && c.period.as_year().is_some()
                            && c.provenance.document.as_ref() == Some(&e.id)
                    })
                    .collect();
                if !own.is_empty() {
                    key_inds.push((ind, own));
                }
            }
        }
        if key_inds.is_empty() {
            for ind in &inds {
                let totals: Vec<&Cell> = current
                    .of(ind.id.as_str())
                    .iter()
                    .copied()
                    .filter(|c| c.breakdown.is_total() && c.period.as_year().is_some())
                    .collect();
                if !totals.is_empty() {
                    key_inds.push((ind, totals));
                }
                if key_inds.len() >= 6 {
                    break;
                }
            }
        }
        let mut keys = Vec::new();
        let mut charts = Vec::new();
        for (ind, cells) in &key_inds {
            let first = cells[0];
            let last = cells
                .iter()
                .rev()
                .find(|c| c.figure.status() != Status::NotAvailable)
                .copied()
                .unwrap_or(first);
            let mut figures = vec![(
                ctx.fig(first, ind.unit, &mut book),
                period_label(&first.period),
            )];
            if last.period != first.period {
                figures.push((
                    ctx.fig(last, ind.unit, &mut book),
                    period_label(&last.period),
                ));
            }
            keys.push(KeyFigure {
                link: ctx.link(
                    &path,
                    &format!("indicator/{}.html", ind.id),
                    ctx.ind_label(ind),
                ),
                figures,
            });
            let mut all = indicator_charts(
                ctx,
                ind,
                current.of(ind.id.as_str()),
                &format!("c{}-", charts.len() + 1),
                &mut book,
            );
            // Like the editions' "Figuur 1": the parts by year where there
            // are parts, else the total.
            let pick = all
                .iter()
                .position(|c| c.series.len() > 1 && c.rows.len() > 1)
                .unwrap_or(0);
            if !all.is_empty() {
                charts.push(all.swap_remove(pick));
            }
        }
        let texts = ctx.theme_texts(theme.id.as_str());
        let block = |t: &Text| TextBlock {
            title: ctx.prose(&t.title_nl, &t.title_en),
            paras: paras(&ctx.prose(&t.body_nl, &t.body_en)),
        };
        let summary = texts
            .iter()
            .find(|t| t.kind == TextKind::Summary)
            .map(|t| block(t));
        let latest = texts
            .iter()
            .find(|t| t.kind == TextKind::Latest)
            .map(|t| block(t));
        let middle = texts
            .iter()
            .filter(|t| {
                matches!(
                    t.kind,
                    TextKind::Focus | TextKind::Definition | TextKind::Analysis
                )
            })
            .map(|t| block(t))
            .collect();
        let recs: Vec<RecBlock> = ctx
            .theme_recs(theme.id.as_str())
            .into_iter()
            .map(|r| {
                let a = ctx.assessments(r.id.as_str()).into_iter().next();
                RecBlock {
                    status: a.and_then(|a| a.status).map(|st| ctx.badge(st)),
                    link: ctx.link(
                        &path,
                        &format!("recommendation/{}.html", r.id),
                        ctx.rec_title(r.id.as_str()),
                    ),
                    text: ctx.prose(&r.text_nl, &r.text_en),
                    quantitative: a
                        .map(|a| paras(&ctx.prose(&a.quantitative_nl, &a.quantitative_en)))
                        .unwrap_or_default(),
                    policy: a
                        .map(|a| paras(&ctx.prose(&a.policy_nl, &a.policy_en)))
                        .unwrap_or_default(),
                    measures: cat
                        .measures
                        .iter()
                        .filter(|m| m.recommendations.contains(&r.id))
                        .map(|m| {
                            ctx.link(
                                &path,
                                &format!("measure/{}.html", m.id),
                                ctx.t(&m.label_nl, &m.label_en),
                            )
                        })
                        .collect(),
                }
            })
            .collect();
        let indicators = inds
            .iter()
            .map(|i| ctx.link(&path, &format!("indicator/{}.html", i.id), ctx.ind_label(i)))
            .collect();
        let lead = summary.as_ref().and_then(|t| t.paras.first().cloned());
        let has_quantitative = recs.iter().any(|r: &RecBlock| !r.quantitative.is_empty());
        let page = ThemePage {
            lead,
            has_quantitative,
            c: ctx.chrome(
                &path,
                ctx.t(&theme.label_nl, &theme.label_en).to_owned(),
                book,
            ),
            summary,
            keys,
            texts: middle,
            charts,
            recs,
            latest,
            indicators,
        };
        out.put(&path, page.render()?);
        Ok(())
    })
}
