//! How small counts are protected.

use askama::Template;

use super::ctx::NoteBook;
use super::{Chrome, Out, Parts};
use crate::site::SiteError;

#[derive(Template)]
#[template(path = "methodology.html", config = "src/site/askama.toml")]
pub struct MethodologyPage {
    pub c: Chrome,
}

pub(super) fn write(parts: &Parts<'_>, out: &mut Out) -> Result<(), SiteError> {
    let ctx = &parts.ctx;
    let w = ctx.w;
    let path = "methodology.html";
    let page = MethodologyPage {
        c: ctx.chrome(path, w.methodology.to_owned(), NoteBook::default()),
    };
    out.put(path, page.render()?);
    Ok(())
}
