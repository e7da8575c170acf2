//! The list of policy measures, and a page per measure with its events.

use askama::Template;

use super::ctx::{paras, truncate, NoteBook};
use super::{Chrome, EventRow, Link, ListPage, Out, Parts};
use crate::site::SiteError;

#[derive(Template)]
#[template(path = "measure.html", config = "src/site/askama.toml")]
pub struct MeasurePage {
    pub c: Chrome,
    pub description: Vec<String>,
    pub recs: Vec<Link>,
    pub url: Option<String>,
    pub events: Vec<EventRow>,
}

/// The list of measures.
pub(super) fn write_list(parts: &Parts<'_>, out: &mut Out) -> Result<(), SiteError> {
    let ctx = &parts.ctx;
    let cat = ctx.cat;
    let w = ctx.w;
    let path = "measures.html";
    let items = cat
        .measures
        .iter()
        .map(|m| {
            (
                ctx.link(
                    path,
                    &format!("measure/{}.html", m.id),
                    ctx.t(&m.label_nl, &m.label_en),
                ),
                truncate(&ctx.prose(&m.description_nl, &m.description_en), 240),
            )
        })
        .collect();
    let page = ListPage {
        c: ctx.chrome(path, w.measures.to_owned(), NoteBook::default()),
        items,
    };
    out.put(path, page.render()?);
    Ok(())
}

/// One page per measure.
pub(super) fn write(parts: &Parts<'_>, out: &mut Out) -> Result<(), SiteError> {
    let ctx = &parts.ctx;
    let cat = ctx.cat;
    for m in &cat.measures {
        let path = format!("measure/{}.html", m.id);
        let page = MeasurePage {
            c: ctx.chrome(
                &path,
                ctx.t(&m.label_nl, &m.label_en).to_owned(),
                NoteBook::default(),
            ),
            description: paras(&ctx.prose(&m.description_nl, &m.description_en)),
            recs: m
                .recommendations
                .iter()
                .map(|r| {
                    ctx.link(
                        &path,
                        &format!("recommendation/{r}.html"),
                        ctx.rec_title(r.as_str()),
                    )
                })
                .collect(),
            url: m.url.clone(),
            events: ctx.events(m),
        };
        out.put(&path, page.render()?);
    }
    Ok(())
}
