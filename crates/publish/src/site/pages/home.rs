//! The home page: the themes, and what changed since the previous edition.

use std::collections::HashMap;

use askama::Template;
use zicht_model::{Breakdown, Cell, Period};

use super::ctx::{period_label, NoteBook};
use super::{Chrome, FigCell, Link, Out, Parts};
use crate::site::SiteError;

pub struct ThemeCard {
    pub link: Link,
    pub note: String,
}

pub struct ChangeRow {
    pub period: String,
    pub breakdown: String,
    pub before: Option<FigCell>,
    pub after: FigCell,
}

pub struct ChangeGroup {
    pub link: Link,
    pub rows: Vec<ChangeRow>,
}

#[derive(Template)]
#[template(path = "index.html", config = "src/site/askama.toml")]
pub struct IndexPage {
    pub c: Chrome,
    pub themes: Vec<ThemeCard>,
    pub previous: Option<String>,
    pub groups: Vec<ChangeGroup>,
    pub more: usize,
}

pub(super) fn write(parts: &Parts<'_>, out: &mut Out) -> Result<(), SiteError> {
    let ctx = &parts.ctx;
    let cat = ctx.cat;
    let w = ctx.w;
    let (current, moments) = (&parts.current, &parts.moments);
    let b = parts.b;
    let path = "index.html";
    let mut book = NoteBook::default();
    let themes = cat
        .themes
        .iter()
        .map(|t| {
            let n = cat.indicators.iter().filter(|i| i.theme == t.id).count();
            ThemeCard {
                link: ctx.link(
                    path,
                    &format!("theme/{}.html", t.id),
                    ctx.t(&t.label_nl, &t.label_en),
                ),
                note: format!("{n} {}", w.indicators.to_lowercase()),
            }
        })
        .collect();
    let mut groups = Vec::new();
    let mut more = 0;
    let previous = b.previous.map(|p| &moments[p]);
    if let Some((_, prev)) = previous {
        let mut shown = 0;
        for ind in &cat.indicators {
            let before: HashMap<(&Period, &Breakdown), &Cell> = prev
                .of(ind.id.as_str())
                .iter()
                .map(|c| ((&c.period, &c.breakdown), *c))
                .collect();
            let mut rows = Vec::new();
            for c in current.of(ind.id.as_str()) {
                let old = before.get(&(&c.period, &c.breakdown));
                if old.is_some_and(|o| o.figure == c.figure) {
                    continue;
                }
                if shown >= 300 {
                    more += 1;
                    continue;
                }
                shown += 1;
                rows.push(ChangeRow {
                    period: period_label(&c.period),
                    breakdown: ctx.breakdown_label(c),
                    before: old.map(|o| ctx.fig(o, ind.unit, &mut book)),
                    after: ctx.fig(c, ind.unit, &mut book),
                });
            }
            if !rows.is_empty() {
                groups.push(ChangeGroup {
                    link: ctx.link(
                        path,
                        &format!("indicator/{}.html", ind.id),
                        ctx.ind_label(ind),
                    ),
                    rows,
                });
            }
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
        groups,
        more,
    };
    out.put(path, page.render()?);
    Ok(())
}
