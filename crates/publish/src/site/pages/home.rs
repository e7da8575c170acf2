//! The home page: per theme its headline figures with their trend and, for
//! an estimate, how much of it is in view; then one table of what changed
//! since the previous edition.

use crate::HashMap;

use askama::Template;
use zicht_model::{format_number_nl, Breakdown, Cell, Figure, Indicator, Period, Status};

use super::charts::spark;
use super::ctx::{period_label, Ctx, Moment, NoteBook};
use super::{Chrome, FigCell, Link, Out, Parts};
use crate::site::chart::InView;
use crate::site::SiteError;

/// How much of an estimate the registered count covers.
pub struct InViewBlock {
    pub registered: FigCell,
    pub registered_label: String,
    pub estimate: FigCell,
    pub period: String,
    /// "14%–20%", or one share where the estimate has no interval.
    pub share: String,
    pub svg: String,
}

pub struct Headline {
    pub link: Link,
    pub figure: FigCell,
    pub period: String,
    pub spark: Option<String>,
    pub in_view: Option<InViewBlock>,
}

pub struct ThemeBlock {
    pub id: String,
    pub link: Link,
    pub note: String,
    pub headlines: Vec<Headline>,
}

pub struct ChangeRow {
    pub link: Link,
    pub new: usize,
    pub revised: usize,
    pub latest: Option<(FigCell, String)>,
}

#[derive(Template)]
#[template(path = "index.html", config = "src/site/askama.toml")]
pub struct IndexPage {
    pub c: Chrome,
    pub themes: Vec<ThemeBlock>,
    pub previous: Option<String>,
    pub changes: Vec<ChangeRow>,
}

/// The latest yearly total that says something (not "not available").
fn latest_total<'c>(cells: &[&'c Cell]) -> Option<&'c Cell> {
    cells.iter().rev().copied().find(|c| {
        c.breakdown.is_total()
            && c.period.as_year().is_some()
            && c.figure.status() != Status::NotAvailable
    })
}

/// The registered count beside the latest estimate of its whole, where
/// both are public and the count is a number.
fn in_view(
    ctx: &Ctx<'_>,
    ind: &Indicator,
    current: &Moment<'_>,
    id: &str,
    book: &mut NoteBook,
) -> Option<InViewBlock> {
    let reg_ind = ctx.cat.indicator(ind.registered.as_ref()?.as_str())?;
    let registered_of = |p: &Period| {
        current
            .of(reg_ind.id.as_str())
            .iter()
            .copied()
            .find(|c| c.breakdown.is_total() && &c.period == p)
            .filter(|c| matches!(c.figure, Figure::Exact { .. } | Figure::Rounded { .. }))
    };
    let (est, reg) = current.of(ind.id.as_str()).iter().rev().find_map(|c| {
        let total = c.breakdown.is_total() && matches!(c.figure, Figure::Estimate { .. });
        total.then(|| registered_of(&c.period).map(|r| (*c, r)))?
    })?;
    let n = reg.figure.point()?;
    let Figure::Estimate {
        value,
        lower,
        upper,
    } = est.figure
    else {
        return None;
    };
    let pct = |v: f64| {
        format!(
            "{}%",
            format_number_nl((100.0 * v).round() / 100.0, ctx.lang)
        )
    };
    let whole = |v: f64| (v > 0.0).then(|| (n / v * 100.0).round());
    let (share, lo, hi) = match (lower, upper) {
        (Some(l), Some(u)) => {
            let (a, b) = (whole(u)?, whole(l)?);
            (format!("{}–{}", pct(a), pct(b)), l, u)
        }
        _ => {
            let v = value?;
            (pct(whole(v)?), v, v)
        }
    };
    let title = format!(
        "{}: {} {} {}",
        ctx.w.in_view,
        share,
        ctx.w.in_view_of,
        ctx.figure(&est.figure, ind.unit)
    );
    Some(InViewBlock {
        registered: ctx.fig(reg, reg_ind.unit, book),
        registered_label: ctx.ind_label(reg_ind),
        estimate: ctx.fig(est, ind.unit, book),
        period: period_label(&est.period),
        svg: InView {
            id: id.to_owned(),
            title,
            desc: ctx.w.in_view_desc.to_owned(),
            registered: n,
            lower: lo,
            upper: hi,
        }
        .svg(),
        share,
    })
}

pub(super) fn write(parts: &Parts<'_>, out: &mut Out) -> Result<(), SiteError> {
    let ctx = &parts.ctx;
    let cat = ctx.cat;
    let w = ctx.w;
    let (current, moments) = (&parts.current, &parts.moments);
    let b = parts.b;
    let path = "index.html";
    let mut book = NoteBook::default();
    let mut themes = Vec::new();
    for t in &cat.themes {
        let inds: Vec<&Indicator> = cat.indicators.iter().filter(|i| i.theme == t.id).collect();
        // The editors' choice; without one, the first indicators that have
        // a yearly figure.
        let chosen: Vec<&Indicator> = if t.headline.is_empty() {
            inds.iter()
                .copied()
                .filter(|i| latest_total(current.of(i.id.as_str())).is_some())
                .take(4)
                .collect()
        } else {
            t.headline
                .iter()
                .filter_map(|h| cat.indicator(h.as_str()))
                .collect()
        };
        let mut headlines = Vec::new();
        for ind in chosen {
            let cells = current.of(ind.id.as_str());
            let Some(last) = latest_total(cells) else {
                continue;
            };
            let n = themes.len() * 10 + headlines.len() + 1;
            headlines.push(Headline {
                link: ctx.link(
                    path,
                    &format!("indicator/{}.html", ind.id),
                    ctx.ind_label(ind),
                ),
                figure: ctx.fig(last, ind.unit, &mut book),
                period: period_label(&last.period),
                spark: spark(ctx, ind, cells, &format!("h{n}")),
                in_view: in_view(ctx, ind, current, &format!("v{n}"), &mut book),
            });
        }
        themes.push(ThemeBlock {
            id: t.id.to_string(),
            link: ctx.link(
                path,
                &format!("theme/{}.html", t.id),
                ctx.t(&t.label_nl, &t.label_en),
            ),
            note: format!("{} {}", inds.len(), w.indicators.to_lowercase()),
            headlines,
        });
    }
    let mut changes = Vec::new();
    let previous = b.previous.map(|p| &moments[p]);
    if let Some((_, prev)) = previous {
        for ind in &cat.indicators {
            let before: HashMap<(&Period, &Breakdown), &Cell> = prev
                .of(ind.id.as_str())
                .iter()
                .map(|c| ((&c.period, &c.breakdown), *c))
                .collect();
            let (mut new, mut revised) = (0, 0);
            for c in current.of(ind.id.as_str()) {
                match before.get(&(&c.period, &c.breakdown)) {
                    None => new += 1,
                    Some(o) if o.figure != c.figure => revised += 1,
                    Some(_) => {}
                }
            }
            if new + revised == 0 {
                continue;
            }
            changes.push(ChangeRow {
                link: ctx.link(
                    path,
                    &format!("indicator/{}.html", ind.id),
                    ctx.ind_label(ind),
                ),
                new,
                revised,
                latest: latest_total(current.of(ind.id.as_str()))
                    .map(|c| (ctx.fig(c, ind.unit, &mut book), period_label(&c.period))),
            });
        }
    }
    let title = match cat.themes.as_slice() {
        [t] => ctx.t(&t.label_nl, &t.label_en).to_owned(),
        _ => w.site.to_owned(),
    };
    let page = IndexPage {
        c: ctx.chrome(path, title, book),
        themes,
        previous: previous.map(|(label, _)| label.clone()),
        changes,
    };
    out.put(path, page.render()?);
    Ok(())
}
