//! The codebook of the labelled downloads: every column, every code with
//! its Dutch and English label, and what each status means. Built from the
//! catalogue it is given (for the public: the public catalogue), so it names
//! nothing the downloads could not hold.

use zicht_contract::inert;
use zicht_model::{Catalogue, Unit};

use super::labelled::{unit_words, LABELLED_HEADER, STATUSES};
use super::PublishError;

/// One line of the codebook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodebookEntry {
    /// `column`, `status`, `indicator`, `dimension`, `dimension_value`,
    /// `unit` or `source`.
    pub kind: &'static str,
    /// The code as the downloads write it (a column's name, a status, an
    /// indicator id, `dim=value` for a dimension's value, …).
    pub code: String,
    pub label_nl: String,
    pub label_en: String,
    pub meaning_nl: String,
    pub meaning_en: String,
}

/// The codebook's columns, in this order.
pub const CODEBOOK_HEADER: [&str; 6] = [
    "kind",
    "code",
    "label_nl",
    "label_en",
    "meaning_nl",
    "meaning_en",
];

/// Each column of [`LABELLED_HEADER`]: label and meaning, Dutch and English.
const COLUMNS: [[&str; 4]; 21] = [
    [
        "indicator",
        "indicator",
        "Code van de indicator.",
        "Code of the indicator.",
    ],
    [
        "indicator (nl)",
        "indicator (nl)",
        "Naam van de indicator in het Nederlands.",
        "Name of the indicator in Dutch.",
    ],
    [
        "indicator (en)",
        "indicator (en)",
        "Naam van de indicator in het Engels.",
        "Name of the indicator in English.",
    ],
    [
        "periode",
        "period",
        "ISO 8601: een jaar (2020), een tijdvak (2017/2021) of een dag (2023-05-15).",
        "ISO 8601: a year (2020), a span (2017/2021) or a day (2023-05-15).",
    ],
    [
        "uitsplitsing",
        "breakdown",
        "Codes dim=waarde, gescheiden door ';' en op dimensie gesorteerd; leeg voor het totaal.",
        "Codes dim=value joined by ';', sorted by dimension; empty for the total.",
    ],
    [
        "uitsplitsing (nl)",
        "breakdown (nl)",
        "De uitsplitsing in woorden, 'dimensie: waarde', in het Nederlands.",
        "The breakdown in words, 'dimension: value', in Dutch.",
    ],
    [
        "uitsplitsing (en)",
        "breakdown (en)",
        "De uitsplitsing in woorden, 'dimensie: waarde', in het Engels.",
        "The breakdown in words, 'dimension: value', in English.",
    ],
    [
        "status",
        "status",
        "Wat de cel over haar getal zegt (zie de statussen).",
        "What the cell says about its number (see the statuses).",
    ],
    [
        "status (nl)",
        "status (nl)",
        "De status in het Nederlands.",
        "The status in Dutch.",
    ],
    [
        "status (en)",
        "status (en)",
        "De status in het Engels.",
        "The status in English.",
    ],
    [
        "waarde",
        "value",
        "Het getal bij exact, afgerond en schatting; anders leeg.",
        "The number with exact, rounded and estimate; else empty.",
    ],
    [
        "ondergrens",
        "lower",
        "Ondergrens bij bereik en schatting; anders leeg.",
        "Lower bound with range and estimate; else empty.",
    ],
    [
        "bovengrens",
        "upper",
        "Bovengrens bij minder dan ('<10' is 10), bereik en schatting; anders leeg.",
        "Upper bound with fewer than ('<10' is 10), range and estimate; else empty.",
    ],
    [
        "eenheid",
        "unit",
        "Code van de eenheid: wat geteld wordt bij aantallen, anders de eenheid zelf.",
        "Code of the unit: what is counted for counts, else the unit itself.",
    ],
    [
        "eenheid (nl)",
        "unit (nl)",
        "De eenheid in het Nederlands.",
        "The unit in Dutch.",
    ],
    [
        "eenheid (en)",
        "unit (en)",
        "De eenheid in het Engels.",
        "The unit in English.",
    ],
    [
        "bron",
        "source",
        "Code van de leverancier en de verwijzing zoals het document die geeft.",
        "Code of the supplier and the reference as the document gives it.",
    ],
    [
        "bron (nl)",
        "source (nl)",
        "De bron met de naam van de leverancier in het Nederlands.",
        "The source with the supplier's name in Dutch.",
    ],
    [
        "bron (en)",
        "source (en)",
        "De bron met de naam van de leverancier in het Engels.",
        "The source with the supplier's name in English.",
    ],
    [
        "voetnoot",
        "footnote",
        "Voetnoten in het Nederlands, gescheiden door ' | '.",
        "Footnotes in Dutch, joined by ' | '.",
    ],
    [
        "voetnoot (en)",
        "footnote (en)",
        "Voetnoten in het Engels (het Nederlands waar geen vertaling is), gescheiden door ' | '.",
        "Footnotes in English (the Dutch where there is no translation), joined by ' | '.",
    ],
];

/// Every entry of the codebook, in a fixed order: columns, statuses,
/// indicators, dimensions and their values, units, sources.
pub fn codebook(cat: &Catalogue) -> Vec<CodebookEntry> {
    let e = |kind, code: &str, labels: [&str; 4]| CodebookEntry {
        kind,
        code: code.to_owned(),
        label_nl: labels[0].to_owned(),
        label_en: labels[1].to_owned(),
        meaning_nl: labels[2].to_owned(),
        meaning_en: labels[3].to_owned(),
    };
    let mut out: Vec<CodebookEntry> = LABELLED_HEADER
        .iter()
        .zip(COLUMNS)
        .map(|(c, l)| e("column", c, l))
        .collect();
    out.extend(STATUSES.iter().map(|(s, l)| e("status", s.as_str(), *l)));
    for i in &cat.indicators {
        out.push(e(
            "indicator",
            i.id.as_str(),
            [&i.label_nl, &i.label_en, &i.definition_nl, &i.definition_en],
        ));
    }
    for d in &cat.dimensions {
        out.push(e(
            "dimension",
            d.id.as_str(),
            [&d.label_nl, &d.label_en, "", ""],
        ));
        for v in &d.values {
            let code = format!("{}={}", d.id, v.id);
            out.push(e(
                "dimension_value",
                &code,
                [&v.label_nl, &v.label_en, "", ""],
            ));
        }
    }
    // The unit column holds a counting unit for counts, the unit otherwise.
    for u in [
        Unit::Percent,
        Unit::PercentChange,
        Unit::Euro,
        Unit::Months,
        Unit::Years,
        Unit::Count,
    ] {
        let (nl, en) = unit_words(u);
        out.push(e("unit", u.as_str(), [nl, en, "", ""]));
    }
    for cu in &cat.counting_units {
        out.push(e(
            "unit",
            cu.id.as_str(),
            [
                &cu.label_nl,
                &cu.label_en,
                "Wat geteld wordt (een aantal).",
                "What is counted (a count).",
            ],
        ));
    }
    for o in &cat.organisations {
        out.push(e(
            "source",
            o.id.as_str(),
            [&o.label_nl, &o.label_en, "", ""],
        ));
    }
    out
}

/// The codebook as CSV: [`CODEBOOK_HEADER`], every field inert.
pub fn codebook_csv(cat: &Catalogue) -> Result<Vec<u8>, PublishError> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(CODEBOOK_HEADER)?;
    for c in codebook(cat) {
        w.write_record(
            [
                c.kind,
                &c.code,
                &c.label_nl,
                &c.label_en,
                &c.meaning_nl,
                &c.meaning_en,
            ]
            .map(inert)
            .iter()
            .map(|f| f.as_bytes()),
        )?;
    }
    w.into_inner()
        .map_err(|e| PublishError::Csv(e.into_error().into()))
}

/// The codebook as Markdown: one table per kind, Dutch and English side by
/// side. A label cannot break the table or bring markup: `|`, `<`, `>` and
/// line breaks are escaped.
pub fn codebook_markdown(cat: &Catalogue) -> String {
    let entries = codebook(cat);
    let mut md = String::from(
        "# Codeboek / Codebook\n\n\
         Elke kolom van de gelabelde downloads, elke code met haar Nederlandse en Engelse \
         naam, en wat elke status betekent. Dezelfde inhoud staat in `codebook.csv`.\n\n\
         Every column of the labelled downloads, every code with its Dutch and English \
         label, and what each status means. The same content is in `codebook.csv`.\n",
    );
    let sections = [
        ("column", "Kolommen / Columns"),
        ("status", "Statussen / Statuses"),
        ("indicator", "Indicatoren / Indicators"),
        ("dimension", "Dimensies / Dimensions"),
        (
            "dimension_value",
            "Waarden van dimensies / Dimension values",
        ),
        ("unit", "Eenheden / Units"),
        ("source", "Bronnen / Sources"),
    ];
    for (kind, title) in sections {
        md.push_str(&format!(
            "\n## {title}\n\n| code | nl | en | betekenis | meaning |\n|---|---|---|---|---|\n"
        ));
        for c in entries.iter().filter(|c| c.kind == kind) {
            let cells = [
                &c.code,
                &c.label_nl,
                &c.label_en,
                &c.meaning_nl,
                &c.meaning_en,
            ]
            .map(|t| md_cell(t));
            md.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
    }
    md
}

fn md_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
