//! What every page kind shares: the context of one language (labels,
//! links, figures as the tables show them, the page's footnotes) and the
//! public cells of one moment.

use std::collections::BTreeSet;

use crate::HashMap;

use zicht_model::{
    Catalogue, Cell, Citations, Document, Figure, FigureDisplay, Indicator, Lang, Period, Status,
    Text, Unit,
};

use super::{Chrome, EventRow, FigCell, Link, Note};
use crate::site::words::Words;

/// The public cells of one moment, by indicator, in the store's order
/// (period in time, then breakdown).
pub(super) struct Moment<'a> {
    by_indicator: HashMap<&'a str, Vec<&'a Cell>>,
}

impl<'a> Moment<'a> {
    pub(super) fn new(cells: &'a [Cell]) -> Self {
        let mut by_indicator: HashMap<&str, Vec<&Cell>> = HashMap::default();
        for c in cells {
            by_indicator
                .entry(c.indicator.as_str())
                .or_default()
                .push(c);
        }
        Moment { by_indicator }
    }
    pub(super) fn of(&self, indicator: &str) -> &[&'a Cell] {
        self.by_indicator
            .get(indicator)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// Footnotes of one page, numbered in the order they are first referred to.
#[derive(Default)]
pub(super) struct NoteBook {
    order: Vec<String>,
    numbers: HashMap<String, usize>,
}

impl NoteBook {
    pub(super) fn refer(&mut self, id: &str) -> usize {
        if let Some(n) = self.numbers.get(id) {
            return *n;
        }
        self.order.push(id.to_owned());
        let n = self.order.len();
        self.numbers.insert(id.to_owned(), n);
        n
    }
}

pub(super) struct Ctx<'a> {
    pub(super) cat: &'a Catalogue,
    pub(super) lang: Lang,
    pub(super) w: &'static Words,
    /// The edition the site publishes (the latest edition when none is named).
    pub(super) edition: Option<&'a Document>,
    /// Editions up to the site's, oldest first.
    pub(super) editions: Vec<&'a Document>,
    pub(super) edition_label: String,
    pub(super) dim_values: HashMap<(&'a str, &'a str), (&'a str, &'a str)>,
    pub(super) org_labels: HashMap<&'a str, (&'a str, &'a str)>,
    /// The site's own public cells, which the texts' citations show.
    pub(super) cited: Citations<'a>,
}

pub(super) fn paras(s: &str) -> Vec<String> {
    s.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

fn short_label(label: &str) -> &str {
    label.split(" — ").next().unwrap_or(label)
}

pub(super) fn period_label(p: &Period) -> String {
    p.to_string().replace('/', "–")
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::NotAvailable => "not-available",
        other => other.as_str(),
    }
}

pub(super) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let cut: String = s.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map(|(a, _)| a).unwrap_or(&cut);
    format!("{cut} …")
}

impl<'a> Ctx<'a> {
    pub(super) fn t<'s>(&self, nl: &'s str, en: &'s str) -> &'s str {
        if self.lang == Lang::En && !en.is_empty() {
            en
        } else {
            nl
        }
    }

    /// A text of the monitor in the page's language, each citation shown as
    /// the site's tables show that cell. A Dutch text shown on an English
    /// page (no translation) keeps Dutch figures, so it reads as one text.
    pub(super) fn prose(&self, nl: &str, en: &str) -> String {
        let lang = if self.lang == Lang::En && !en.is_empty() {
            Lang::En
        } else {
            Lang::Nl
        };
        self.cited.render(self.t(nl, en), lang)
    }

    pub(super) fn prefix(&self) -> &'static str {
        match self.lang {
            Lang::Nl => "",
            Lang::En => "en/",
        }
    }

    /// The root of the site as seen from a page at `path` (a page path of
    /// this language, without the language prefix).
    pub(super) fn root(&self, path: &str) -> String {
        let depth = format!("{}{path}", self.prefix()).matches('/').count();
        "../".repeat(depth)
    }

    pub(super) fn link(&self, from: &str, to: &str, text: impl Into<String>) -> Link {
        Link {
            href: format!("{}{}{to}", self.root(from), self.prefix()),
            text: text.into(),
            current: from == to,
        }
    }

    pub(super) fn chrome(&self, path: &str, title: String, book: NoteBook) -> Chrome {
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
            about: format!("{root}{}about.html", self.prefix()),
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

    pub(super) fn figure(&self, f: &Figure, unit: Unit) -> String {
        FigureDisplay {
            figure: f,
            unit,
            lang: self.lang,
        }
        .to_string()
    }

    pub(super) fn fig(&self, cell: &Cell, unit: Unit, book: &mut NoteBook) -> FigCell {
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

    pub(super) fn fig_plain(&self, cell: &Cell, unit: Unit) -> FigCell {
        FigCell {
            text: self.figure(&cell.figure, unit),
            status: status_class(cell.figure.status()),
            notes: Vec::new(),
        }
    }

    pub(super) fn none_cell() -> FigCell {
        FigCell {
            text: "–".to_owned(),
            status: "none",
            notes: Vec::new(),
        }
    }

    pub(super) fn breakdown_label(&self, cell: &Cell) -> String {
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

    pub(super) fn value_label(&self, dim: &str, value: &str) -> String {
        match self.dim_values.get(&(dim, value)) {
            Some((nl, en)) => self.t(nl, en).to_owned(),
            None => value.to_owned(),
        }
    }

    pub(super) fn org(&self, id: &str) -> String {
        match self.org_labels.get(id) {
            Some((nl, en)) => self.t(nl, en).to_owned(),
            None => id.to_owned(),
        }
    }

    pub(super) fn source(&self, cell: &Cell) -> String {
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

    pub(super) fn doc_label(&self, id: &str) -> String {
        match self.cat.document(id) {
            Some(d) => short_label(self.t(&d.label_nl, &d.label_en)).to_owned(),
            None => id.to_owned(),
        }
    }

    pub(super) fn unit_label(&self, ind: &Indicator) -> String {
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

    /// A chart's title "…, per jaar", unless the label already says so
    /// ("Geschat aantal slachtoffers per jaar").
    pub(super) fn by_year(&self, label: &str) -> String {
        let lower = label.to_lowercase();
        let said = [
            "per jaar",
            "per year",
            "by year",
            "a year",
            "jaarlijks",
            "annual",
        ]
        .iter()
        .any(|p| lower.contains(p));
        if said {
            label.to_owned()
        } else {
            format!("{label}, {}", self.w.per_year)
        }
    }

    /// What a chart's vertical axis counts, with its unit.
    pub(super) fn axis_title(&self, ind: &Indicator) -> String {
        let nl = self.lang == Lang::Nl;
        let pick = |a: &str, b: &str| if nl { a.to_owned() } else { b.to_owned() };
        match ind.unit {
            Unit::Count => {
                let what = self.unit_label(ind);
                match (nl, what.as_str()) {
                    (true, "aantal") => what,
                    (false, "count") => "number".to_owned(),
                    (true, _) => format!("aantal {what}"),
                    (false, _) => format!("number of {what}"),
                }
            }
            Unit::Percent => pick("aandeel (%)", "share (%)"),
            Unit::PercentChange => pick("verandering (%)", "change (%)"),
            Unit::Euro => pick("bedrag (euro)", "amount (euros)"),
            Unit::Months => pick("maanden", "months"),
            Unit::Years => pick("jaren", "years"),
        }
    }

    /// A date as a reader writes it, in the page's language.
    pub(super) fn date_label(&self, iso: &str) -> String {
        zicht_model::date_in_words(iso, self.lang)
    }

    pub(super) fn badge(&self, status: zicht_model::AssessmentStatus) -> super::Badge {
        super::Badge {
            class: status.as_str(),
            text: status.label(self.lang),
        }
    }

    pub(super) fn ind_label(&self, ind: &Indicator) -> String {
        self.t(&ind.label_nl, &ind.label_en).to_owned()
    }

    pub(super) fn rec_title(&self, id: &str) -> String {
        format!("{} {id}", self.w.recommendation)
    }

    /// The texts of a theme in the site's edition, or the latest edition
    /// before it that has texts for the theme.
    pub(super) fn theme_texts(&self, theme: &str) -> Vec<&'a Text> {
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

    pub(super) fn assessments(&self, rec: &str) -> Vec<&'a zicht_model::Assessment> {
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

    pub(super) fn events(&self, m: &zicht_model::Measure) -> Vec<EventRow> {
        let mut events: Vec<&zicht_model::Event> = m.events.iter().collect();
        events.sort_by(|a, b| a.date.cmp(&b.date).then(a.kind.cmp(&b.kind)));
        events
            .into_iter()
            .map(|e| EventRow {
                iso: e.date.to_string(),
                date: self.date_label(&e.date.to_string()),
                kind: e.kind.label(self.lang).to_owned(),
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
    pub(super) fn theme_recs(&self, theme: &str) -> Vec<&'a zicht_model::Recommendation> {
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
