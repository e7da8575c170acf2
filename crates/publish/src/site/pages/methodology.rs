//! The methodology page (what each status means, how small counts are
//! protected, how estimates are made) and the about page (publisher,
//! contact, licence, how to cite), both from the monitor's `about` data.

use askama::Template;
use zicht_model::Section;

use super::ctx::{paras, Ctx, NoteBook};
use super::{Chrome, Link, Out, Parts, TextBlock};
use crate::site::SiteError;

#[derive(Template)]
#[template(path = "methodology.html", config = "src/site/askama.toml")]
pub struct MethodologyPage {
    pub c: Chrome,
    pub sections: Vec<(String, TextBlock)>,
    /// The disclosure rule of each theme: "<k" below k.
    pub rules: Vec<(String, u32)>,
}

pub struct Colophon {
    pub publisher: String,
    pub contact: Link,
    pub licence: Link,
    pub citation: String,
}

#[derive(Template)]
#[template(path = "about.html", config = "src/site/askama.toml")]
pub struct AboutPage {
    pub c: Chrome,
    pub sections: Vec<(String, TextBlock)>,
    pub colophon: Option<Colophon>,
}

fn blocks(ctx: &Ctx<'_>, sections: &[Section]) -> Vec<(String, TextBlock)> {
    sections
        .iter()
        .map(|s| {
            (
                s.id.to_string(),
                TextBlock {
                    title: ctx.t(&s.title_nl, &s.title_en).to_owned(),
                    paras: paras(&ctx.prose(&s.body_nl, &s.body_en)),
                },
            )
        })
        .collect()
}

pub(super) fn write(parts: &Parts<'_>, out: &mut Out) -> Result<(), SiteError> {
    let ctx = &parts.ctx;
    let w = ctx.w;
    let about = ctx.cat.about.as_ref();
    let path = "methodology.html";
    let page = MethodologyPage {
        c: ctx.chrome(path, w.methodology.to_owned(), NoteBook::default()),
        sections: about
            .map(|a| blocks(ctx, &a.methodology))
            .unwrap_or_default(),
        rules: ctx
            .cat
            .themes
            .iter()
            .filter_map(|t| Some((ctx.t(&t.label_nl, &t.label_en).to_owned(), t.min_count?)))
            .collect(),
    };
    out.put(path, page.render()?);

    let path = "about.html";
    let colophon = about.map(|a| {
        let (year, edition) = match ctx.edition {
            Some(e) => (
                e.published.unwrap_or(e.cutoff).year().to_string(),
                ctx.t(&e.label_nl, &e.label_en).to_owned(),
            ),
            None => (String::new(), ctx.edition_label.clone()),
        };
        let contact_href = if a.contact.contains('@') && !a.contact.contains("://") {
            format!("mailto:{}", a.contact)
        } else {
            a.contact.clone()
        };
        Colophon {
            publisher: ctx.org(a.publisher.as_str()),
            contact: Link {
                href: contact_href,
                text: a.contact.clone(),
                current: false,
            },
            licence: Link {
                href: a.licence_url.clone(),
                text: a.licence.clone(),
                current: false,
            },
            citation: ctx
                .t(&a.citation_nl, &a.citation_en)
                .replace("{edition}", &edition)
                .replace("{year}", &year),
        }
    });
    let page = AboutPage {
        c: ctx.chrome(path, w.about.to_owned(), NoteBook::default()),
        sections: about.map(|a| blocks(ctx, &a.about)).unwrap_or_default(),
        colophon,
    };
    out.put(path, page.render()?);
    Ok(())
}
