//! The pages: view models built from the public cells and the catalogue,
//! rendered by askama templates (auto-escaped; only the SVG charts, escaped
//! by [`super::escape`] when drawn, are inserted as markup).
//!
//! One module per page kind, each with its view models and the function
//! that writes its pages; [`ctx`] holds what they share (labels, links,
//! figures, footnotes), [`charts`] an indicator's charts.

mod charts;
mod ctx;
mod downloads;
mod home;
mod indicator;
mod measures;
mod methodology;
mod recommendations;
mod table;
mod theme;

use crate::HashMap;

use askama::Template;
use zicht_model::{Catalogue, Cell, Citations, Document, DocumentKind, Instant, Lang};

use super::words::{words, Words};
use super::{SiteError, FAVICON, STYLE};
use crate::{render, Format};
use ctx::{Ctx, Moment};

// ---------------------------------------------------------------------------
// View models shared by the templates
// ---------------------------------------------------------------------------

pub struct Link {
    pub href: String,
    pub text: String,
    pub current: bool,
}

pub struct Note {
    pub number: usize,
    pub text: String,
}

/// The frame of every page.
pub struct Chrome {
    pub w: &'static Words,
    pub title: String,
    pub root: String,
    pub home: String,
    /// Statuses, disclosure and estimates, linked from every page.
    pub methodology: String,
    /// Publisher, contact, licence and citation, linked from every page.
    pub about: String,
    pub switch_href: String,
    pub other_lang: &'static str,
    pub nav: Vec<Link>,
    pub edition_label: String,
    pub notes: Vec<Note>,
}

/// A figure as a page shows it.
pub struct FigCell {
    pub text: String,
    pub status: &'static str,
    pub notes: Vec<usize>,
}

pub struct ChartRow {
    pub label: String,
    pub cells: Vec<FigCell>,
}

pub struct ChartBlock {
    pub caption: String,
    pub svg: String,
    pub table_id: String,
    pub series: Vec<String>,
    pub rows: Vec<ChartRow>,
}

/// A recommendation's status in an edition, as a badge.
pub struct Badge {
    pub class: &'static str,
    pub text: &'static str,
}

pub struct TextBlock {
    pub title: String,
    pub paras: Vec<String>,
}

pub struct EventRow {
    pub iso: String,
    pub date: String,
    pub kind: String,
    pub text: String,
    pub document: String,
}

#[derive(Template)]
#[template(path = "list.html", config = "src/site/askama.toml")]
pub struct ListPage {
    pub c: Chrome,
    pub items: Vec<(Link, String)>,
}

// ---------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------

struct Built<'a> {
    cat: &'a Catalogue,
    /// The edition asked for; `None`: the latest figures.
    asked: Option<&'a str>,
    public: Vec<Cell>,
    editions: Vec<(String, Vec<Cell>)>,
    edition: Option<&'a Document>,
    editions_upto: Vec<&'a Document>,
    previous: Option<usize>,
}

/// Builds the site of the public catalogue `cat` from the cells of each
/// edition (oldest first) and of the site's own moment, handing each file to
/// `each`; returns the public cells of each moment, the site's own last.
pub fn build(
    cat: &Catalogue,
    editions: &[(&str, &[Cell])],
    cells: &[Cell],
    asked: Option<&str>,
    now: Instant,
    each: &(dyn Fn(String, Vec<u8>) + Sync),
) -> Result<Vec<Vec<Cell>>, SiteError> {
    // Every figure on the site passes the release path here: the editions
    // in order, then the site's own moment, each protected together with
    // what the ones before it published.
    let mut moments: Vec<&[Cell]> = editions.iter().map(|(_, cells)| *cells).collect();
    moments.push(cells);
    let mut released = zicht_release::public_moments(cat, &moments, now)?;
    let public = released.pop().unwrap_or_default();
    let editions: Vec<(String, Vec<Cell>)> = editions
        .iter()
        .map(|(id, _)| (*id).to_owned())
        .zip(released)
        .collect();
    let all_editions: Vec<&Document> = cat
        .editions()
        .into_iter()
        .filter(|d| d.kind == DocumentKind::Edition)
        .collect();
    let edition = match asked {
        Some(id) => Some(
            *all_editions
                .iter()
                .find(|d| d.id.as_str() == id)
                .ok_or_else(|| SiteError::UnknownEdition(id.to_owned()))?,
        ),
        None => all_editions.last().copied(),
    };
    let editions_upto: Vec<&Document> = match edition {
        Some(e) => all_editions
            .iter()
            .copied()
            .filter(|d| d.cutoff <= e.cutoff)
            .collect(),
        None => Vec::new(),
    };
    // The edition before the site's, among those whose cells were given.
    let previous = edition.and_then(|e| {
        let pos = editions.iter().position(|(id, _)| id == e.id.as_str())?;
        pos.checked_sub(1)
    });
    let built = Built {
        cat,
        asked,
        public,
        editions,
        edition,
        editions_upto,
        previous,
    };
    each("style.css".to_owned(), STYLE.as_bytes().to_vec());
    // Browsers ask for an icon on every page; without one each page logs a
    // 404.
    each("favicon.svg".to_owned(), FAVICON.as_bytes().to_vec());
    // The two languages, the indicators' downloads and the whole monitor's
    // are independent: built side by side on rayon's threads, each file
    // handed on as it is made. Each download of the whole monitor is as
    // large as the monitor: they are made one after another, so that no
    // two are held at once.
    let b = &built;
    let results: Vec<std::sync::Mutex<Result<(), SiteError>>> =
        (0..4).map(|_| std::sync::Mutex::new(Ok(()))).collect();
    let keep = |i: usize, r: Result<(), SiteError>| {
        *results[i]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = r;
    };
    rayon::scope(|s| {
        let keep = &keep;
        s.spawn(move |_| keep(0, whole_downloads(b, each)));
        s.spawn(move |_| keep(1, build_lang(b, Lang::Nl, each)));
        s.spawn(move |_| keep(2, build_lang(b, Lang::En, each)));
        s.spawn(move |_| {
            keep(
                3,
                crate::downloads::labelled_indicators_each(&b.public, cat, each)
                    .map_err(SiteError::from),
            )
        });
    });
    for r in results {
        r.into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)?;
    }
    let Built {
        public, editions, ..
    } = built;
    let mut moments: Vec<Vec<Cell>> = editions.into_iter().map(|(_, cells)| cells).collect();
    moments.push(public);
    Ok(moments)
}

/// The downloads of the whole monitor, one after another.
fn whole_downloads(
    b: &Built<'_>,
    each: &(dyn Fn(String, Vec<u8>) + Sync),
) -> Result<(), SiteError> {
    let cat = b.cat;
    for (name, format) in [
        ("cells.csv", Format::Csv),
        ("cells.json", Format::Json),
        ("cells.xlsx", Format::Xlsx),
    ] {
        each(format!("downloads/{name}"), render(&b.public, cat, format)?);
    }
    crate::downloads::labelled_whole_each(&b.public, cat, each)?;
    // SDMX: the data and the structure they conform to. The message's
    // timestamp is the newest edition's cut-off, so the same store gives
    // the same file (and the same ETag).
    let prepared = b
        .editions_upto
        .iter()
        .map(|d| d.cutoff.end_utc())
        .max()
        .map(|i| i.to_string())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned());
    each(
        "downloads/sdmx-data.csv".to_owned(),
        zicht_sdmx::data_csv(cat, &b.public)?.into_bytes(),
    );
    each(
        "downloads/sdmx-structure.xml".to_owned(),
        zicht_sdmx::structure_xml(cat, &prepared)?.into_bytes(),
    );
    Ok(())
}

/// What every page kind is built from, in one language.
struct Parts<'a> {
    b: &'a Built<'a>,
    ctx: Ctx<'a>,
    /// The site's own public cells.
    current: Moment<'a>,
    /// The public cells at each edition's cut-off, by the edition's label.
    moments: Vec<(String, Moment<'a>)>,
}

/// The pages of one language, each under the language's prefix, handed on
/// as each is rendered.
struct Out<'e> {
    prefix: &'static str,
    each: &'e (dyn Fn(String, Vec<u8>) + Sync),
}

impl Out<'_> {
    fn put(&self, path: &str, html: String) {
        (self.each)(format!("{}{path}", self.prefix), html.into_bytes());
    }
}

fn build_lang(
    b: &Built<'_>,
    lang: Lang,
    each: &(dyn Fn(String, Vec<u8>) + Sync),
) -> Result<(), SiteError> {
    let cat = b.cat;
    let w = words(lang);
    let mut dim_values = HashMap::default();
    for d in &cat.dimensions {
        for v in &d.values {
            dim_values.insert(
                (d.id.as_str(), v.id.as_str()),
                (v.label_nl.as_str(), v.label_en.as_str()),
            );
        }
    }
    let org_labels = cat
        .organisations
        .iter()
        .map(|o| (o.id.as_str(), (o.label_nl.as_str(), o.label_en.as_str())))
        .collect();
    let mut ctx = Ctx {
        cat,
        lang,
        w,
        edition: b.edition,
        editions: b.editions_upto.clone(),
        edition_label: String::new(),
        dim_values,
        org_labels,
        cited: Citations::new(cat, &b.public),
    };
    ctx.edition_label = match (b.asked, b.edition) {
        (Some(_), Some(e)) => ctx.t(&e.label_nl, &e.label_en).to_owned(),
        (None, Some(e)) => format!("{} ({})", ctx.t(&e.label_nl, &e.label_en), w.latest),
        _ => w.latest.to_owned(),
    };
    let ctx = ctx;
    let current = Moment::new(&b.public);
    let moments: Vec<(String, Moment<'_>)> = b
        .editions
        .iter()
        .map(|(id, cells)| (ctx.doc_label(id), Moment::new(cells)))
        .collect();
    let parts = Parts {
        b,
        ctx,
        current,
        moments,
    };
    let mut out = Out {
        prefix: parts.ctx.prefix(),
        each,
    };
    home::write(&parts, &mut out)?;
    theme::write(&parts, &out)?;
    indicator::write(&parts, &out)?;
    recommendations::write_list(&parts, &mut out)?;
    recommendations::write(&parts, &mut out)?;
    measures::write_list(&parts, &mut out)?;
    measures::write(&parts, &mut out)?;
    table::write(&parts, &mut out)?;
    methodology::write(&parts, &mut out)?;
    downloads::write(&parts, &mut out)?;
    Ok(())
}
