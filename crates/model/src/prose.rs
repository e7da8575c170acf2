//! The monitor's prose and the cells it cites.
//!
//! A text never writes a count itself where it can cite the cell instead:
//! `{cell:INDICATOR/PERIOD}` is the total, `{cell:INDICATOR/PERIOD/BREAKDOWN}`
//! a part, with the breakdown written as everywhere else in zicht
//! (`origin=foreign;sex=boys`, see [`Breakdown::parse`]). A span period keeps
//! its slash (`{cell:i/2017/2021/sex=boys}`): the breakdown is the last
//! segment only when it holds a `=`, which no period does. The caller
//! renders a citation from the *public* cells, so a text shows exactly what
//! the table beside it shows and can never say more.

use std::collections::HashMap;

use crate::{Breakdown, Catalogue, Cell, FigureDisplay, Lang, Period, Slug};

const OPEN: &str = "{cell:";

/// A cell a text cites.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellRef {
    pub indicator: Slug,
    pub period: Period,
    pub breakdown: Breakdown,
}

impl std::fmt::Display for CellRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{OPEN}{}/{}", self.indicator, self.period)?;
        if !self.breakdown.is_total() {
            write!(f, "/{}", self.breakdown)?;
        }
        f.write_str("}")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CellRefError {
    #[error("'{0}' is not closed: end a citation with '}}'")]
    Unclosed(String),
    #[error("'{written}' does not read as {{cell:INDICATOR/PERIOD}} or {{cell:INDICATOR/PERIOD/dim=value;…}}: {why}")]
    Syntax { written: String, why: String },
}

/// A stretch of a text: plain words, or a citation as written with what it
/// cites.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece<'a> {
    Words(&'a str),
    Cited {
        written: &'a str,
        cited: Result<CellRef, CellRefError>,
    },
}

fn parse_ref(written: &str) -> Result<CellRef, CellRefError> {
    let syntax = |why: String| CellRefError::Syntax {
        written: written.to_owned(),
        why,
    };
    let inner = &written[OPEN.len()..written.len() - 1];
    let (indicator, rest) = inner
        .split_once('/')
        .ok_or_else(|| syntax("a citation names an indicator and a period".into()))?;
    let indicator = Slug::parse(indicator.trim()).map_err(|e| syntax(e.to_string()))?;
    let (period, breakdown) = match rest.rsplit_once('/') {
        Some((p, b)) if b.contains('=') => (p, b),
        _ => (rest, ""),
    };
    let period = Period::parse(period).map_err(|e| syntax(e.to_string()))?;
    let breakdown = Breakdown::parse(breakdown).map_err(|e| syntax(e.to_string()))?;
    Ok(CellRef {
        indicator,
        period,
        breakdown,
    })
}

/// Splits a text into plain words and citations, in order.
pub fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(OPEN) {
        if at > 0 {
            out.push(Piece::Words(&rest[..at]));
        }
        let from = &rest[at..];
        match from.find('}') {
            Some(end) => {
                let written = &from[..=end];
                out.push(Piece::Cited {
                    written,
                    cited: parse_ref(written),
                });
                rest = &from[end + 1..];
            }
            None => {
                out.push(Piece::Cited {
                    written: from,
                    cited: Err(CellRefError::Unclosed(from.to_owned())),
                });
                rest = "";
            }
        }
    }
    if !rest.is_empty() {
        out.push(Piece::Words(rest));
    }
    out
}

/// The cells a text cites, and the citations that do not read.
pub fn citations(text: &str) -> Vec<Result<CellRef, CellRefError>> {
    pieces(text)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Cited { cited, .. } => Some(cited),
            Piece::Words(_) => None,
        })
        .collect()
}

/// What a citation is shown as when it cannot be shown: the mark a table
/// gives a cell it has no figure for. Never the citation's raw text.
pub const NO_FIGURE: &str = "–";

/// The cells citations are rendered from, by key. Give it only public
/// cells (the release path's): it shows whatever it is given.
pub struct Citations<'a> {
    catalogue: &'a Catalogue,
    public: &'a [Cell],
    /// Indexed at the first citation: most texts cite nothing, and a
    /// monitor may hold hundreds of thousands of cells.
    cells: std::sync::OnceLock<CellIndex<'a>>,
}

type CellIndex<'a> = HashMap<(&'a str, &'a Period, &'a Breakdown), &'a Cell>;

impl<'a> Citations<'a> {
    pub fn new(catalogue: &'a Catalogue, public: &'a [Cell]) -> Self {
        Citations {
            catalogue,
            public,
            cells: std::sync::OnceLock::new(),
        }
    }

    /// The figure a citation shows in `lang`, as the tables write it.
    pub fn figure(&self, r: &CellRef, lang: Lang) -> String {
        let cell = self
            .cells
            .get_or_init(|| self.public.iter().map(|c| (c.key_ref(), c)).collect())
            .get(&(r.indicator.as_str(), &r.period, &r.breakdown));
        let unit = self
            .catalogue
            .indicator(r.indicator.as_str())
            .map(|i| i.unit);
        match (cell, unit) {
            (Some(c), Some(unit)) => FigureDisplay {
                figure: &c.figure,
                unit,
                lang,
            }
            .to_string(),
            _ => NO_FIGURE.to_owned(),
        }
    }

    /// The text with each citation replaced by its figure in `lang`. A
    /// citation that does not read, or of a cell not given, shows
    /// [`NO_FIGURE`].
    pub fn render(&self, text: &str, lang: Lang) -> String {
        if !text.contains(OPEN) {
            return text.to_owned();
        }
        pieces(text)
            .into_iter()
            .map(|p| match p {
                Piece::Words(w) => w.to_owned(),
                Piece::Cited { cited: Ok(r), .. } => self.figure(&r, lang),
                Piece::Cited { cited: Err(_), .. } => NO_FIGURE.to_owned(),
            })
            .collect()
    }
}

/// What a piece of prose belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProseKind {
    Recommendation,
    Assessment,
    Measure,
    Event,
    Text,
    Footnote,
}

/// One field of prose the monitor shows, with what it belongs to: the
/// ground on which [`crate::Catalogue::prose`]'s callers relate it to
/// indicators and periods.
#[derive(Debug, Clone, PartialEq)]
pub struct Prose<'a> {
    pub kind: ProseKind,
    /// Names the text for an editor: "assessment 39a · kib-2023 · quantitative_nl".
    pub id: String,
    pub lang: Lang,
    pub text: &'a str,
    /// The document (edition) it is part of, if any.
    pub document: Option<&'a Slug>,
    /// The recommendations it is about.
    pub recommendations: Vec<&'a Slug>,
    /// The theme of an edition's text.
    pub theme: Option<&'a Slug>,
    /// The footnote's id, for a footnote.
    pub footnote: Option<&'a Slug>,
}

fn fields<'a>(
    out: &mut Vec<Prose<'a>>,
    base: &Prose<'a>,
    id: &str,
    fields: [(&str, Lang, &'a str); 2],
) {
    for (name, lang, text) in fields {
        if !text.trim().is_empty() {
            out.push(Prose {
                id: format!("{id} · {name}"),
                lang,
                text,
                ..base.clone()
            });
        }
    }
}

impl Catalogue {
    /// Every field of prose in the catalogue that an output shows, Dutch
    /// and English, empty fields left out.
    pub fn prose(&self) -> Vec<Prose<'_>> {
        let mut out = Vec::new();
        let base = |kind| Prose {
            kind,
            id: String::new(),
            lang: Lang::Nl,
            text: "",
            document: None,
            recommendations: Vec::new(),
            theme: None,
            footnote: None,
        };
        for r in &self.recommendations {
            let b = Prose {
                recommendations: vec![&r.id],
                ..base(ProseKind::Recommendation)
            };
            let id = format!("recommendation {}", r.id);
            fields(
                &mut out,
                &b,
                &id,
                [
                    ("text_nl", Lang::Nl, &r.text_nl),
                    ("text_en", Lang::En, &r.text_en),
                ],
            );
        }
        for a in &self.assessments {
            let b = Prose {
                document: Some(&a.document),
                recommendations: vec![&a.recommendation],
                ..base(ProseKind::Assessment)
            };
            let id = format!("assessment {} · {}", a.recommendation, a.document);
            fields(
                &mut out,
                &b,
                &id,
                [
                    ("quantitative_nl", Lang::Nl, &a.quantitative_nl),
                    ("quantitative_en", Lang::En, &a.quantitative_en),
                ],
            );
            fields(
                &mut out,
                &b,
                &id,
                [
                    ("policy_nl", Lang::Nl, &a.policy_nl),
                    ("policy_en", Lang::En, &a.policy_en),
                ],
            );
        }
        for m in &self.measures {
            let b = Prose {
                recommendations: m.recommendations.iter().collect(),
                ..base(ProseKind::Measure)
            };
            let id = format!("measure {}", m.id);
            fields(
                &mut out,
                &b,
                &id,
                [
                    ("description_nl", Lang::Nl, &m.description_nl),
                    ("description_en", Lang::En, &m.description_en),
                ],
            );
            for e in &m.events {
                let b = Prose {
                    kind: ProseKind::Event,
                    document: e.document.as_ref(),
                    ..b.clone()
                };
                let id = format!("measure {} · event {}", m.id, e.date);
                fields(
                    &mut out,
                    &b,
                    &id,
                    [
                        ("text_nl", Lang::Nl, &e.text_nl),
                        ("text_en", Lang::En, &e.text_en),
                    ],
                );
            }
        }
        for t in &self.texts {
            let b = Prose {
                document: Some(&t.document),
                theme: Some(&t.theme),
                ..base(ProseKind::Text)
            };
            let kind = format!("{:?}", t.kind).to_lowercase();
            let id = format!(
                "text {} · {} · {kind} “{}”",
                t.theme, t.document, t.title_nl
            );
            fields(
                &mut out,
                &b,
                &id,
                [
                    ("title_nl", Lang::Nl, &t.title_nl),
                    ("title_en", Lang::En, &t.title_en),
                ],
            );
            fields(
                &mut out,
                &b,
                &id,
                [
                    ("body_nl", Lang::Nl, &t.body_nl),
                    ("body_en", Lang::En, &t.body_en),
                ],
            );
        }
        for f in &self.footnotes {
            let b = Prose {
                footnote: Some(&f.id),
                ..base(ProseKind::Footnote)
            };
            let id = format!("footnote {}", f.id);
            fields(
                &mut out,
                &b,
                &id,
                [
                    ("text_nl", Lang::Nl, &f.text_nl),
                    ("text_en", Lang::En, &f.text_en),
                ],
            );
        }
        out
    }

    /// What is wrong with each citation of a text against the definitions:
    /// an indicator that does not exist, a period it does not have, a
    /// breakdown it is not broken down by. Whether the cell itself exists
    /// is for the caller, who has the cells. A footnote cannot cite: the
    /// downloads carry footnotes as plain text.
    pub fn citation_problems(&self, prose: &Prose<'_>) -> Vec<String> {
        let index = self.index();
        let mut out = Vec::new();
        for p in pieces(prose.text) {
            let Piece::Cited { written, cited } = p else {
                continue;
            };
            let r = match cited {
                Ok(r) => r,
                Err(e) => {
                    out.push(e.to_string());
                    continue;
                }
            };
            if prose.kind == ProseKind::Footnote {
                out.push(format!(
                    "'{written}': a footnote cannot cite a cell (the downloads show footnotes as plain text); cite it in the assessment or text instead"
                ));
                continue;
            }
            let Some(ind) = index.indicator(r.indicator.as_str()) else {
                out.push(format!(
                    "'{written}' cites indicator '{}', which does not exist: run `zicht indicators` for the list",
                    r.indicator
                ));
                continue;
            };
            if let Some(msg) = ind.period_problem(&r.period) {
                out.push(format!("'{written}': {msg}"));
            }
            for p in index.breakdown_problems(ind, &r.breakdown) {
                out.push(format!("'{written}': {}", p.message));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Figure;

    fn r(s: &str) -> CellRef {
        match pieces(s).as_slice() {
            [Piece::Cited { cited: Ok(r), .. }] => r.clone(),
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn reads_totals_parts_spans_and_several_dimensions() {
        let t = r("{cell:comensha.minor_victims.b8_reflection/2023/origin=foreign}");
        assert_eq!(t.indicator.as_str(), "comensha.minor_victims.b8_reflection");
        assert_eq!(t.period, Period::year(2023));
        assert_eq!(t.breakdown.to_string(), "origin=foreign");
        assert!(r("{cell:a/2020}").breakdown.is_total());
        let span = r("{cell:a/2017/2021/sex=boys;origin=domestic}");
        assert_eq!(span.period.to_string(), "2017/2021");
        assert_eq!(span.breakdown.to_string(), "origin=domestic;sex=boys");
        assert_eq!(r("{cell:a/2017/2021}").period.to_string(), "2017/2021");
        assert_eq!(
            span.to_string(),
            "{cell:a/2017/2021/origin=domestic;sex=boys}"
        );
    }

    #[test]
    fn a_citation_that_does_not_read_is_an_error_never_words() {
        for bad in [
            "{cell:a}",
            "{cell:A/2020}",
            "{cell:a/20x0}",
            "{cell:a/2020/sex}",
            "{cell:a/2020",
        ] {
            let ps = pieces(bad);
            assert!(
                matches!(ps.as_slice(), [Piece::Cited { cited: Err(_), .. }]),
                "{bad}: {ps:?}"
            );
        }
        let ps = pieces("Van {cell:a/2020} van hen, {curly} blijft.");
        assert_eq!(ps.len(), 3);
        assert_eq!(ps[2], Piece::Words(" van hen, {curly} blijft."));
    }

    fn catalogue() -> Catalogue {
        let mut cat = Catalogue::default();
        cat.indicators.push(crate::Indicator {
            id: Slug::parse("v").unwrap(),
            theme: Slug::parse("t").unwrap(),
            label_nl: String::new(),
            label_en: String::new(),
            definition_nl: String::new(),
            definition_en: String::new(),
            unit: crate::Unit::Count,
            counting_unit: None,
            dimensions: vec![Slug::parse("origin").unwrap()],
            exclusive: true,
            estimates: false,
            frequency: crate::Frequency::Year,
            from: None,
            to: None,
            sources: vec![],
            recommendations: vec![],
            min_count: None,
            rounding_base: None,
            zeros_sensitive: None,
            protection: None,
            derived: None,
            registered: None,
        });
        cat.dimensions.push(crate::Dimension {
            id: Slug::parse("origin").unwrap(),
            label_nl: String::new(),
            label_en: String::new(),
            parent: None,
            min_count: None,
            values: vec![crate::DimensionValue {
                id: Slug::parse("foreign").unwrap(),
                label_nl: String::new(),
                label_en: String::new(),
                parent: None,
            }],
        });
        cat
    }

    fn cell(b: &str, figure: Figure) -> Cell {
        Cell {
            indicator: Slug::parse("v").unwrap(),
            period: Period::year(2023),
            breakdown: Breakdown::parse(b).unwrap(),
            figure,
            provenance: Default::default(),
        }
    }

    #[test]
    fn renders_what_the_table_shows_in_the_page_language() {
        let cat = catalogue();
        let cells = [
            cell("origin=foreign", Figure::Below { upper: 10.0 }),
            cell("", Figure::Exact { value: 1234.0 }),
        ];
        let c = Citations::new(&cat, &cells);
        let text = "Van {cell:v/2023/origin=foreign} van hen; totaal {cell:v/2023}; {cell:v/2019}; {cell:x}.";
        assert_eq!(
            c.render(text, Lang::Nl),
            "Van <10 van hen; totaal 1.234; –; –."
        );
        assert_eq!(
            c.render(text, Lang::En),
            "Van <10 van hen; totaal 1,234; –; –."
        );
        let hidden = [cell("origin=foreign", Figure::Suppressed)];
        let c = Citations::new(&cat, &hidden);
        assert_eq!(
            c.render("{cell:v/2023/origin=foreign}", Lang::Nl),
            "afgeschermd"
        );
    }

    #[test]
    fn names_every_citation_the_definitions_do_not_have() {
        let mut cat = catalogue();
        cat.texts.push(crate::Text {
            theme: Slug::parse("t").unwrap(),
            document: Slug::parse("d").unwrap(),
            kind: crate::TextKind::Summary,
            title_nl: String::new(),
            title_en: String::new(),
            body_nl: "{cell:v/2023/origin=foreign} {cell:w/2023} {cell:v/2023/sex=boys} {cell:v/2023-05} {cell:v/2023/origin=mars}".into(),
            body_en: String::new(),
        });
        let prose = cat.prose();
        assert_eq!(prose.len(), 1);
        let problems = cat.citation_problems(&prose[0]);
        assert_eq!(problems.len(), 4, "{problems:#?}");
        assert!(problems[0].contains("'{cell:w/2023}'") && problems[0].contains("does not exist"));
    }
}
