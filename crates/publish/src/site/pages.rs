//! The pages: view models built from the public cells and the catalogue,
//! rendered by askama templates (auto-escaped; only the SVG charts, escaped
//! by [`super::escape`] when drawn, are inserted as markup).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use askama::Template;
use zicht_model::{
    Breakdown, Catalogue, Cell, Citations, Document, DocumentKind, Figure, FigureDisplay,
    Indicator, Lang, Period, Status, Text, TextKind, Unit,
};

use super::chart::{Chart, ChartKind, Series};
use super::words::{event_kind, words, Words};
use super::{Site, SiteError, SiteInput, FAVICON, STYLE};
use crate::{render, Format};

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
    /// How the monitor protects small counts, linked from every page.
    pub methodology: String,
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

pub struct TextBlock {
    pub title: String,
    pub paras: Vec<String>,
}

// ---------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------

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

pub struct KeyFigure {
    pub link: Link,
    pub figures: Vec<(FigCell, String)>,
}

pub struct RecBlock {
    pub link: Link,
    pub text: String,
    pub quantitative: Vec<String>,
    pub policy: Vec<String>,
    pub measures: Vec<Link>,
}

#[derive(Template)]
#[template(path = "theme.html", config = "src/site/askama.toml")]
pub struct ThemePage {
    pub c: Chrome,
    pub summary: Option<TextBlock>,
    pub keys: Vec<KeyFigure>,
    pub texts: Vec<TextBlock>,
    pub charts: Vec<ChartBlock>,
    pub recs: Vec<RecBlock>,
    pub latest: Option<TextBlock>,
    pub indicators: Vec<Link>,
}

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

pub struct AssessmentBlock {
    pub edition: String,
    pub quantitative: Vec<String>,
    pub policy: Vec<String>,
}

pub struct EventRow {
    pub iso: String,
    pub date: String,
    pub kind: String,
    pub text: String,
    pub document: String,
}

pub struct MeasureBlock {
    pub link: Link,
    pub events: Vec<EventRow>,
}

#[derive(Template)]
#[template(path = "recommendation.html", config = "src/site/askama.toml")]
pub struct RecommendationPage {
    pub c: Chrome,
    pub text: String,
    pub facts: Vec<(String, String)>,
    pub parent: Option<Link>,
    pub children: Vec<Link>,
    pub indicators: Vec<Link>,
    pub assessments: Vec<AssessmentBlock>,
    pub measures: Vec<MeasureBlock>,
}

#[derive(Template)]
#[template(path = "measure.html", config = "src/site/askama.toml")]
pub struct MeasurePage {
    pub c: Chrome,
    pub description: Vec<String>,
    pub recs: Vec<Link>,
    pub url: Option<String>,
    pub events: Vec<EventRow>,
}

#[derive(Template)]
#[template(path = "list.html", config = "src/site/askama.toml")]
pub struct ListPage {
    pub c: Chrome,
    pub items: Vec<(Link, String)>,
}

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

#[derive(Template)]
#[template(path = "methodology.html", config = "src/site/askama.toml")]
pub struct MethodologyPage {
    pub c: Chrome,
}

#[derive(Template)]
#[template(path = "downloads.html", config = "src/site/askama.toml")]
pub struct DownloadsPage {
    pub c: Chrome,
    pub count: usize,
    pub files: Vec<(Link, String)>,
}

// ---------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------

/// The public cells of one moment, by indicator, in the store's order
/// (period in time, then breakdown).
struct Moment<'a> {
    by_indicator: HashMap<&'a str, Vec<&'a Cell>>,
}

impl<'a> Moment<'a> {
    fn new(cells: &'a [Cell]) -> Self {
        let mut by_indicator: HashMap<&str, Vec<&Cell>> = HashMap::new();
        for c in cells {
            by_indicator
                .entry(c.indicator.as_str())
                .or_default()
                .push(c);
        }
        Moment { by_indicator }
    }
    fn of(&self, indicator: &str) -> &[&'a Cell] {
        self.by_indicator
            .get(indicator)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// Footnotes of one page, numbered in the order they are first referred to.
#[derive(Default)]
struct NoteBook {
    order: Vec<String>,
    numbers: HashMap<String, usize>,
}

impl NoteBook {
    fn refer(&mut self, id: &str) -> usize {
        if let Some(n) = self.numbers.get(id) {
            return *n;
        }
        self.order.push(id.to_owned());
        let n = self.order.len();
        self.numbers.insert(id.to_owned(), n);
        n
    }
}

struct Ctx<'a> {
    cat: &'a Catalogue,
    lang: Lang,
    w: &'static Words,
    /// The edition the site publishes (the latest edition when none is named).
    edition: Option<&'a Document>,
    /// Editions up to the site's, oldest first.
    editions: Vec<&'a Document>,
    edition_label: String,
    dim_values: HashMap<(&'a str, &'a str), (&'a str, &'a str)>,
    org_labels: HashMap<&'a str, (&'a str, &'a str)>,
    /// The site's own public cells, which the texts' citations show.
    cited: Citations<'a>,
}

fn paras(s: &str) -> Vec<String> {
    s.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

fn short_label(label: &str) -> &str {
    label.split(" — ").next().unwrap_or(label)
}

fn period_label(p: &Period) -> String {
    p.to_string().replace('/', "–")
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::NotAvailable => "not-available",
        other => other.as_str(),
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let cut: String = s.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map(|(a, _)| a).unwrap_or(&cut);
    format!("{cut} …")
}

impl<'a> Ctx<'a> {
    fn t<'s>(&self, nl: &'s str, en: &'s str) -> &'s str {
        if self.lang == Lang::En && !en.is_empty() {
            en
        } else {
            nl
        }
    }

    /// A text of the monitor in the page's language, each citation shown as
    /// the site's tables show that cell. A Dutch text shown on an English
    /// page (no translation) keeps Dutch figures, so it reads as one text.
    fn prose(&self, nl: &str, en: &str) -> String {
        let lang = if self.lang == Lang::En && !en.is_empty() {
            Lang::En
        } else {
            Lang::Nl
        };
        self.cited.render(self.t(nl, en), lang)
    }

    fn prefix(&self) -> &'static str {
        match self.lang {
            Lang::Nl => "",
            Lang::En => "en/",
        }
    }

    /// The root of the site as seen from a page at `path` (a page path of
    /// this language, without the language prefix).
    fn root(&self, path: &str) -> String {
        let depth = format!("{}{path}", self.prefix()).matches('/').count();
        "../".repeat(depth)
    }

    fn link(&self, from: &str, to: &str, text: impl Into<String>) -> Link {
        Link {
            href: format!("{}{}{to}", self.root(from), self.prefix()),
            text: text.into(),
            current: from == to,
        }
    }

    fn chrome(&self, path: &str, title: String, book: NoteBook) -> Chrome {
        let root = self.root(path);
        let other = match self.lang {
            Lang::Nl => "en/",
            Lang::En => "",
        };
        let mut nav = vec![self.link(path, "index.html", self.w.home)];
        if self.cat.themes.len() <= 3 {
            for t in &self.cat.themes {
                nav.push(self.link(
                    path,
                    &format!("theme/{}.html", t.id),
                    self.t(&t.label_nl, &t.label_en),
                ));
            }
        }
        nav.push(self.link(path, "table.html", self.w.table));
        nav.push(self.link(path, "recommendations.html", self.w.recommendations));
        nav.push(self.link(path, "measures.html", self.w.measures));
        nav.push(self.link(path, "downloads.html", self.w.downloads));
        let notes = book
            .order
            .iter()
            .enumerate()
            .map(|(i, id)| Note {
                number: i + 1,
                text: match self.cat.footnote(id) {
                    Some(f) => self.t(&f.text_nl, &f.text_en).to_owned(),
                    None => id.clone(),
                },
            })
            .collect();
        Chrome {
            w: self.w,
            title,
            home: format!("{root}{}index.html", self.prefix()),
            methodology: format!("{root}{}methodology.html", self.prefix()),
            switch_href: format!("{root}{other}{path}"),
            other_lang: match self.lang {
                Lang::Nl => "en",
                Lang::En => "nl",
            },
            root,
            nav,
            edition_label: self.edition_label.clone(),
            notes,
        }
    }

    fn figure(&self, f: &Figure, unit: Unit) -> String {
        FigureDisplay {
            figure: f,
            unit,
            lang: self.lang,
        }
        .to_string()
    }

    fn fig(&self, cell: &Cell, unit: Unit, book: &mut NoteBook) -> FigCell {
        FigCell {
            text: self.figure(&cell.figure, unit),
            status: status_class(cell.figure.status()),
            notes: cell
                .provenance
                .footnotes
                .iter()
                .map(|f| book.refer(f.as_str()))
                .collect(),
        }
    }

    fn fig_plain(&self, cell: &Cell, unit: Unit) -> FigCell {
        FigCell {
            text: self.figure(&cell.figure, unit),
            status: status_class(cell.figure.status()),
            notes: Vec::new(),
        }
    }

    fn none_cell() -> FigCell {
        FigCell {
            text: "–".to_owned(),
            status: "none",
            notes: Vec::new(),
        }
    }

    fn breakdown_label(&self, cell: &Cell) -> String {
        if cell.breakdown.is_total() {
            return self.w.total.to_owned();
        }
        cell.breakdown
            .pairs()
            .map(
                |(d, v)| match self.dim_values.get(&(d.as_str(), v.as_str())) {
                    Some((nl, en)) => self.t(nl, en).to_owned(),
                    None => format!("{d}={v}"),
                },
            )
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn value_label(&self, dim: &str, value: &str) -> String {
        match self.dim_values.get(&(dim, value)) {
            Some((nl, en)) => self.t(nl, en).to_owned(),
            None => value.to_owned(),
        }
    }

    fn org(&self, id: &str) -> String {
        match self.org_labels.get(id) {
            Some((nl, en)) => self.t(nl, en).to_owned(),
            None => id.to_owned(),
        }
    }

    fn source(&self, cell: &Cell) -> String {
        let org = cell
            .provenance
            .source
            .as_ref()
            .map(|s| self.org(s.as_str()))
            .unwrap_or_default();
        let r = &cell.provenance.source_ref;
        match (org.is_empty(), r.is_empty()) {
            (true, _) => r.clone(),
            (false, true) => org,
            (false, false) if r.starts_with(&org) => r.clone(),
            (false, false) => format!("{org}: {r}"),
        }
    }

    fn doc_label(&self, id: &str) -> String {
        match self.cat.document(id) {
            Some(d) => short_label(self.t(&d.label_nl, &d.label_en)).to_owned(),
            None => id.to_owned(),
        }
    }

    fn unit_label(&self, ind: &Indicator) -> String {
        if let (Unit::Count, Some(cu)) = (ind.unit, &ind.counting_unit) {
            if let Some(u) = self.cat.counting_unit(cu.as_str()) {
                return self.t(&u.label_nl, &u.label_en).to_owned();
            }
        }
        let nl = self.lang == Lang::Nl;
        match ind.unit {
            Unit::Count => {
                if nl {
                    "aantal"
                } else {
                    "count"
                }
            }
            Unit::Percent => {
                if nl {
                    "procent"
                } else {
                    "percent"
                }
            }
            Unit::PercentChange => {
                if nl {
                    "verandering in procent"
                } else {
                    "change in percent"
                }
            }
            Unit::Euro => "euro",
            Unit::Months => {
                if nl {
                    "maanden"
                } else {
                    "months"
                }
            }
            Unit::Years => {
                if nl {
                    "jaren"
                } else {
                    "years"
                }
            }
        }
        .to_owned()
    }

    fn ind_label(&self, ind: &Indicator) -> String {
        self.t(&ind.label_nl, &ind.label_en).to_owned()
    }

    fn rec_title(&self, id: &str) -> String {
        format!("{} {id}", self.w.recommendation)
    }

    /// The texts of a theme in the site's edition, or the latest edition
    /// before it that has texts for the theme.
    fn theme_texts(&self, theme: &str) -> Vec<&'a Text> {
        for ed in self.editions.iter().rev() {
            let texts: Vec<&Text> = self
                .cat
                .texts
                .iter()
                .filter(|t| t.theme.as_str() == theme && t.document == ed.id)
                .collect();
            if !texts.is_empty() {
                return texts;
            }
        }
        Vec::new()
    }

    fn assessments(&self, rec: &str) -> Vec<&'a zicht_model::Assessment> {
        let mut out: Vec<&zicht_model::Assessment> = self
            .cat
            .assessments
            .iter()
            .filter(|a| {
                a.recommendation.as_str() == rec && self.editions.iter().any(|e| e.id == a.document)
            })
            .collect();
        out.sort_by_key(|a| {
            std::cmp::Reverse(
                self.editions
                    .iter()
                    .position(|e| e.id == a.document)
                    .unwrap_or(0),
            )
        });
        out
    }

    fn events(&self, m: &zicht_model::Measure) -> Vec<EventRow> {
        let mut events: Vec<&zicht_model::Event> = m.events.iter().collect();
        events.sort_by(|a, b| a.date.cmp(&b.date).then(a.kind.cmp(&b.kind)));
        events
            .into_iter()
            .map(|e| EventRow {
                iso: e.date.to_string(),
                date: e.date.to_string(),
                kind: event_kind(e.kind, self.lang).to_owned(),
                text: self.prose(&e.text_nl, &e.text_en),
                document: e
                    .document
                    .as_ref()
                    .map(|d| self.doc_label(d.as_str()))
                    .unwrap_or_default(),
            })
            .collect()
    }

    /// The recommendations a theme follows: those its indicators measure and
    /// those an edition with texts on the theme assesses.
    fn theme_recs(&self, theme: &str) -> Vec<&'a zicht_model::Recommendation> {
        let mut ids: BTreeSet<&str> = BTreeSet::new();
        for i in &self.cat.indicators {
            if i.theme.as_str() == theme {
                ids.extend(i.recommendations.iter().map(|r| r.as_str()));
            }
        }
        let docs: BTreeSet<&str> = self
            .cat
            .texts
            .iter()
            .filter(|t| t.theme.as_str() == theme)
            .map(|t| t.document.as_str())
            .collect();
        for a in &self.cat.assessments {
            if docs.contains(a.document.as_str()) {
                ids.insert(a.recommendation.as_str());
            }
        }
        self.cat
            .recommendations
            .iter()
            .filter(|r| ids.contains(r.id.as_str()))
            .collect()
    }
}

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
fn indicator_charts(
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
                caption: format!("{label}, {}", ctx.w.per_year),
                kind: if percent {
                    ChartKind::Line
                } else {
                    ChartKind::Bars
                },
                unit: ind.unit,
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
                caption: format!("{label}, {} {dim_label}, {}", ctx.w.by, ctx.w.per_year),
                kind,
                unit: ind.unit,
            },
            &years,
            series,
            book,
        ));
    }
    out
}

struct Built<'a> {
    input: &'a SiteInput,
    public: Vec<Cell>,
    editions: Vec<(String, Vec<Cell>)>,
    edition: Option<&'a Document>,
    editions_upto: Vec<&'a Document>,
    previous: Option<usize>,
}

pub fn build(input: &SiteInput) -> Result<Site, SiteError> {
    let cat = &input.catalogue;
    // Every figure on the site passes the release path here: the editions
    // in order, then the site's own moment, each protected together with
    // what the ones before it published.
    let mut moments: Vec<&[Cell]> = input.editions.iter().map(|e| e.cells.as_slice()).collect();
    moments.push(&input.cells);
    let mut released = zicht_release::public_moments(cat, &moments, input.now)?;
    let public = released.pop().unwrap_or_default();
    let editions: Vec<(String, Vec<Cell>)> = input
        .editions
        .iter()
        .map(|e| e.edition.clone())
        .zip(released)
        .collect();
    let all_editions: Vec<&Document> = cat
        .editions()
        .into_iter()
        .filter(|d| d.kind == DocumentKind::Edition)
        .collect();
    let edition = match &input.edition {
        Some(id) => Some(
            *all_editions
                .iter()
                .find(|d| d.id.as_str() == id)
                .ok_or_else(|| SiteError::UnknownEdition(id.clone()))?,
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
    let b = Built {
        input,
        public,
        editions,
        edition,
        editions_upto,
        previous,
    };
    let mut site = Site::default();
    site.files
        .insert("style.css".to_owned(), STYLE.as_bytes().to_vec());
    // Browsers ask for an icon on every page; without one each page logs a
    // 404.
    site.files
        .insert("favicon.svg".to_owned(), FAVICON.as_bytes().to_vec());
    // The downloads and the two languages are independent: build them side
    // by side.
    std::thread::scope(|s| {
        let b = &b;
        let downloads: Vec<_> = [
            ("cells.csv", Format::Csv),
            ("cells.json", Format::Json),
            ("cells.xlsx", Format::Xlsx),
        ]
        .into_iter()
        .map(|(name, format)| (name, s.spawn(move || render(&b.public, cat, format))))
        .collect();
        let en = s.spawn(move || build_lang(b, Lang::En));
        let nl = build_lang(b, Lang::Nl)?;
        site.files.extend(nl);
        site.files.extend(en.join().expect("site thread panicked")?);
        for (name, h) in downloads {
            site.files.insert(
                format!("downloads/{name}"),
                h.join().expect("download thread panicked")?,
            );
        }
        Ok::<_, SiteError>(())
    })?;
    Ok(site)
}

fn build_lang(b: &Built<'_>, lang: Lang) -> Result<BTreeMap<String, Vec<u8>>, SiteError> {
    let mut files = BTreeMap::new();
    let site = &mut files;
    let cat = &b.input.catalogue;
    let w = words(lang);
    let mut dim_values = HashMap::new();
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
    ctx.edition_label = match (&b.input.edition, b.edition) {
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
    let prefix = ctx.prefix();
    let mut put = |path: &str, html: String| {
        site.insert(format!("{prefix}{path}"), html.into_bytes());
    };

    // Home.
    {
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
        put(path, page.render()?);
    }

    // Themes.
    for theme in &cat.themes {
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
                &ctx,
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
        let recs = ctx
            .theme_recs(theme.id.as_str())
            .into_iter()
            .map(|r| {
                let a = ctx.assessments(r.id.as_str()).into_iter().next();
                RecBlock {
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
        let page = ThemePage {
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
        put(&path, page.render()?);
    }

    // Indicators.
    for ind in &cat.indicators {
        let path = format!("indicator/{}.html", ind.id);
        let mut book = NoteBook::default();
        let cells = current.of(ind.id.as_str());
        let charts = indicator_charts(&ctx, ind, cells, "c-", &mut book);
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
        if b.input.edition.is_none() {
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
        put(&path, page.render()?);
    }

    // Recommendations.
    {
        let path = "recommendations.html";
        let items = cat
            .recommendations
            .iter()
            .map(|r| {
                (
                    ctx.link(
                        path,
                        &format!("recommendation/{}.html", r.id),
                        ctx.rec_title(r.id.as_str()),
                    ),
                    ctx.prose(&r.text_nl, &r.text_en),
                )
            })
            .collect();
        let page = ListPage {
            c: ctx.chrome(path, w.recommendations.to_owned(), NoteBook::default()),
            items,
        };
        put(path, page.render()?);
    }
    for r in &cat.recommendations {
        let path = format!("recommendation/{}.html", r.id);
        let body = cat
            .organisation(r.body.as_str())
            .map(|o| ctx.t(&o.label_nl, &o.label_en).to_owned())
            .unwrap_or_else(|| r.body.to_string());
        let assessments = ctx
            .assessments(r.id.as_str())
            .into_iter()
            .map(|a| AssessmentBlock {
                edition: ctx.doc_label(a.document.as_str()),
                quantitative: paras(&ctx.prose(&a.quantitative_nl, &a.quantitative_en)),
                policy: paras(&ctx.prose(&a.policy_nl, &a.policy_en)),
            })
            .collect();
        let measures = cat
            .measures
            .iter()
            .filter(|m| m.recommendations.contains(&r.id))
            .map(|m| MeasureBlock {
                link: ctx.link(
                    &path,
                    &format!("measure/{}.html", m.id),
                    ctx.t(&m.label_nl, &m.label_en),
                ),
                events: ctx.events(m),
            })
            .collect();
        let page = RecommendationPage {
            c: ctx.chrome(&path, ctx.rec_title(r.id.as_str()), NoteBook::default()),
            text: ctx.prose(&r.text_nl, &r.text_en),
            facts: vec![(body, r.year.to_string())],
            parent: r.parent.as_ref().map(|p| {
                ctx.link(
                    &path,
                    &format!("recommendation/{p}.html"),
                    ctx.rec_title(p.as_str()),
                )
            }),
            children: cat
                .recommendations
                .iter()
                .filter(|c| c.parent.as_ref() == Some(&r.id))
                .map(|c| {
                    ctx.link(
                        &path,
                        &format!("recommendation/{}.html", c.id),
                        ctx.rec_title(c.id.as_str()),
                    )
                })
                .collect(),
            indicators: cat
                .indicators
                .iter()
                .filter(|i| i.recommendations.contains(&r.id))
                .map(|i| ctx.link(&path, &format!("indicator/{}.html", i.id), ctx.ind_label(i)))
                .collect(),
            assessments,
            measures,
        };
        put(&path, page.render()?);
    }

    // Measures.
    {
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
        put(path, page.render()?);
    }
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
        put(&path, page.render()?);
    }

    // The yearly table.
    {
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
                        cells: years
                            .iter()
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
                years: years.iter().map(|y| y.to_string()).collect(),
                previous: prev.map(|p| p.to_string()).unwrap_or_default(),
                rows,
            });
        }
        let page = TablePage {
            c: ctx.chrome(path, w.table.to_owned(), book),
            tables,
        };
        put(path, page.render()?);
    }

    // How small counts are protected.
    {
        let path = "methodology.html";
        let page = MethodologyPage {
            c: ctx.chrome(path, w.methodology.to_owned(), NoteBook::default()),
        };
        put(path, page.render()?);
    }

    // Downloads.
    {
        let path = "downloads.html";
        let root = ctx.root(path);
        let header = zicht_contract::EXPORT_HEADER.join(",");
        let files = [
            ("cells.csv", w.csv, header.as_str()),
            ("cells.json", w.json, "{\"cells\": [...]}"),
            ("cells.xlsx", w.xlsx, ""),
        ]
        .into_iter()
        .map(|(name, text, note)| {
            (
                Link {
                    href: format!("{root}downloads/{name}"),
                    text: format!("{text}: {name}"),
                    current: false,
                },
                note.to_owned(),
            )
        })
        .collect();
        let page = DownloadsPage {
            c: ctx.chrome(path, w.downloads.to_owned(), NoteBook::default()),
            count: b.public.len(),
            files,
        };
        put(path, page.render()?);
    }
    Ok(files)
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
