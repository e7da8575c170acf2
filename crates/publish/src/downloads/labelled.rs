//! The downloads people read rather than machines: the contract's columns
//! with the Dutch and English label of every code beside them, as a CSV, as
//! the same CSV for Dutch Excel, and as a workbook with a sheet per
//! indicator. They are made of the cells the caller gives (for anything
//! public: the release path's output) and add no figure of their own.

use std::borrow::Cow;

use crate::HashMap;

use zicht_contract::inert;
use zicht_ingest::export_row;
use zicht_model::{Catalogue, Cell, Indicator, Status, Unit};

use super::PublishError;

/// The columns of the labelled downloads: the export contract's ten, each
/// code followed by its labels.
pub const LABELLED_HEADER: [&str; 21] = [
    "indicator",
    "indicator_nl",
    "indicator_en",
    "period",
    "breakdown",
    "breakdown_nl",
    "breakdown_en",
    "status",
    "status_nl",
    "status_en",
    "value",
    "lower",
    "upper",
    "unit",
    "unit_nl",
    "unit_en",
    "source",
    "source_nl",
    "source_en",
    "footnote",
    "footnote_en",
];

/// Where the numbers are in [`LABELLED_HEADER`]: written as numbers in a
/// workbook and with a decimal comma for Dutch Excel.
pub(crate) const NUMBER_COLUMNS: [usize; 3] = [10, 11, 12];

/// Each status: its code, its labels, what it means (Dutch, English).
pub const STATUSES: [(Status, [&str; 4]); 8] = [
    (
        Status::Exact,
        [
            "exact",
            "exact",
            "Het cijfer zoals de bron het geeft (value).",
            "The figure as the source gives it (value).",
        ],
    ),
    (
        Status::Below,
        [
            "minder dan",
            "fewer than",
            "Minder dan de bovengrens (upper); '<10' heeft upper 10. Kleine aantallen worden niet exact gepubliceerd.",
            "Fewer than the upper bound (upper); '<10' has upper 10. Small counts are not published exactly.",
        ],
    ),
    (
        Status::Range,
        [
            "bereik",
            "range",
            "Het cijfer ligt tussen lower en upper.",
            "The figure lies between lower and upper.",
        ],
    ),
    (
        Status::Rounded,
        [
            "afgerond",
            "rounded",
            "Door de leverancier afgerond (value).",
            "Rounded by the supplier (value).",
        ],
    ),
    (
        Status::Estimate,
        [
            "schatting",
            "estimate",
            "Een schatting (value) met haar interval (lower, upper), niet een geregistreerd aantal.",
            "An estimate (value) with its interval (lower, upper), not a registered count.",
        ],
    ),
    (
        Status::Refused,
        [
            "geweigerd",
            "refused",
            "De leverancier gaf het cijfer niet; de reden staat in de voetnoot.",
            "The supplier did not give the figure; the reason is in the footnote.",
        ],
    ),
    (
        Status::NotAvailable,
        [
            "niet beschikbaar",
            "not available",
            "Er is geen cijfer voor deze cel.",
            "There is no figure for this cell.",
        ],
    ),
    (
        Status::Suppressed,
        [
            "afgeschermd",
            "withheld",
            "Niet gepubliceerd om een ander, klein cijfer te beschermen (secundaire geheimhouding).",
            "Not published, to protect another, small figure (secondary suppression).",
        ],
    ),
];

/// The labels of a status: (Dutch, English).
pub(crate) fn status_labels(s: Status) -> (&'static str, &'static str) {
    let [nl, en, _, _] = STATUSES
        .iter()
        .find(|(st, _)| *st == s)
        .map(|(_, t)| *t)
        .unwrap_or(["", "", "", ""]);
    (nl, en)
}

/// The labels of a unit code as the contract writes it: (Dutch, English).
pub(crate) fn unit_labels<'c>(cat: &'c Catalogue, ind: &Indicator) -> (&'c str, &'c str) {
    if let (Unit::Count, Some(cu)) = (ind.unit, &ind.counting_unit) {
        if let Some(u) = cat.counting_unit(cu.as_str()) {
            return (&u.label_nl, &u.label_en);
        }
    }
    unit_words(ind.unit)
}

pub(crate) fn unit_words(unit: Unit) -> (&'static str, &'static str) {
    match unit {
        Unit::Count => ("aantal", "count"),
        Unit::Percent => ("procent", "percent"),
        Unit::PercentChange => ("verandering in procent", "change in percent"),
        Unit::Euro => ("euro", "euro"),
        Unit::Months => ("maanden", "months"),
        Unit::Years => ("jaren", "years"),
    }
}

/// The catalogue's labels, looked up once for many rows.
pub(crate) struct Labels<'c> {
    cat: &'c Catalogue,
    values: HashMap<(&'c str, &'c str), (&'c str, &'c str)>,
    dims: HashMap<&'c str, (&'c str, &'c str)>,
    orgs: HashMap<&'c str, (&'c str, &'c str)>,
}

impl<'c> Labels<'c> {
    pub(crate) fn new(cat: &'c Catalogue) -> Self {
        let mut values = HashMap::default();
        let mut dims = HashMap::default();
        for d in &cat.dimensions {
            dims.insert(d.id.as_str(), (d.label_nl.as_str(), d.label_en.as_str()));
            for v in &d.values {
                values.insert(
                    (d.id.as_str(), v.id.as_str()),
                    (v.label_nl.as_str(), v.label_en.as_str()),
                );
            }
        }
        let orgs = cat
            .organisations
            .iter()
            .map(|o| (o.id.as_str(), (o.label_nl.as_str(), o.label_en.as_str())))
            .collect();
        Labels {
            cat,
            values,
            dims,
            orgs,
        }
    }

    /// The 21 fields of [`LABELLED_HEADER`] for one cell, as written
    /// (numbers in the contract's plain form, texts not yet made inert);
    /// the catalogue's labels borrowed, not copied.
    pub(crate) fn fields(&self, cell: &Cell) -> Fields<'c> {
        let r = export_row(cell, self.cat);
        let ind = self.cat.indicator(cell.indicator.as_str());
        let (ind_nl, ind_en) = ind
            .map(|i| (i.label_nl.as_str(), i.label_en.as_str()))
            .unwrap_or_default();
        let (unit_nl, unit_en) = ind.map(|i| unit_labels(self.cat, i)).unwrap_or_default();
        let (status_nl, status_en) = status_labels(cell.figure.status());
        let breakdown = |en: bool| -> Cow<'c, str> {
            if cell.breakdown.is_total() {
                return Cow::Borrowed(if en { "total" } else { "totaal" });
            }
            let mut text = String::new();
            for (k, (d, v)) in cell.breakdown.pairs().enumerate() {
                let pick = |(nl, en_): (&'c str, &'c str)| if en { en_ } else { nl };
                let dim = self.dims.get(d.as_str()).map(|l| pick(*l));
                let value = self.values.get(&(d.as_str(), v.as_str())).map(|l| pick(*l));
                if k > 0 {
                    text.push_str("; ");
                }
                text.push_str(dim.unwrap_or(d.as_str()));
                text.push_str(": ");
                text.push_str(value.unwrap_or(v.as_str()));
            }
            Cow::Owned(text)
        };
        let p = &cell.provenance;
        let source = |en: bool| -> Cow<'c, str> {
            let org = p.source.as_ref().map(|s| {
                self.orgs
                    .get(s.as_str())
                    .map(|(nl, en_)| Cow::Borrowed(if en { *en_ } else { *nl }))
                    .unwrap_or_else(|| Cow::Owned(s.as_str().to_owned()))
            });
            match (org, p.source_ref.is_empty()) {
                (Some(org), true) => org,
                (Some(org), false) => Cow::Owned(format!("{org}: {}", p.source_ref)),
                (None, _) => Cow::Owned(p.source_ref.clone()),
            }
        };
        let footnote_en = p
            .footnotes
            .iter()
            .map(|f| match self.cat.footnote(f.as_str()) {
                // Not every footnote has been translated: the Dutch text
                // says more than nothing.
                Some(f) if !f.text_en.is_empty() => f.text_en.as_str(),
                Some(f) => f.text_nl.as_str(),
                None => f.as_str(),
            })
            .collect::<Vec<_>>()
            .join(zicht_contract::FOOTNOTE_SEPARATOR);
        [
            Cow::Owned(r.indicator),
            Cow::Borrowed(ind_nl),
            Cow::Borrowed(ind_en),
            Cow::Owned(r.period),
            Cow::Owned(r.breakdown),
            breakdown(false),
            breakdown(true),
            Cow::Owned(r.status),
            Cow::Borrowed(status_nl),
            Cow::Borrowed(status_en),
            Cow::Owned(r.value),
            Cow::Owned(r.lower),
            Cow::Owned(r.upper),
            Cow::Owned(r.unit),
            Cow::Borrowed(unit_nl),
            Cow::Borrowed(unit_en),
            Cow::Owned(r.source),
            source(false),
            source(true),
            Cow::Owned(r.footnote),
            Cow::Owned(footnote_en),
        ]
    }
}

/// One cell's row of the labelled downloads, [`LABELLED_HEADER`]'s order.
pub(crate) type Fields<'c> = [Cow<'c, str>; 21];

/// Which CSV: the plain one, or the one Dutch Excel opens by a double click.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// UTF-8, `,` between fields, `.` in numbers, `\n` after each row.
    Plain,
    /// What Excel with Dutch regional settings reads without an import
    /// wizard: a UTF-8 byte-order mark (else it guesses Windows-1252), `;`
    /// between fields (its list separator), a decimal comma, `\r\n`.
    ExcelNl,
}

/// The labelled CSV of `cells`, in the order given. Every text field is
/// made inert ([`zicht_contract::inert`]); numbers are written plain, with a
/// decimal comma in [`Dialect::ExcelNl`].
pub fn labelled_csv(
    cells: &[Cell],
    catalogue: &Catalogue,
    dialect: Dialect,
) -> Result<Vec<u8>, PublishError> {
    labelled_csv_of(cells.iter(), &Labels::new(catalogue), dialect)
}

pub(crate) fn labelled_csv_of<'a>(
    cells: impl Iterator<Item = &'a Cell>,
    labels: &Labels<'_>,
    dialect: Dialect,
) -> Result<Vec<u8>, PublishError> {
    labelled_csv_rows(cells.map(|c| labels.fields(c)), dialect)
}

/// The labelled CSV of rows already labelled ([`Labels::fields`]): one
/// cell's labels serve the CSV, the Dutch Excel CSV and the workbook.
pub(crate) fn labelled_csv_rows<'f, F: std::borrow::Borrow<Fields<'f>>>(
    rows: impl Iterator<Item = F>,
    dialect: Dialect,
) -> Result<Vec<u8>, PublishError> {
    let (delimiter, terminator, start): (u8, csv::Terminator, &[u8]) = match dialect {
        Dialect::Plain => (b',', csv::Terminator::Any(b'\n'), b""),
        Dialect::ExcelNl => (b';', csv::Terminator::CRLF, "\u{FEFF}".as_bytes()),
    };
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(terminator)
        .from_writer(start.to_vec());
    w.write_record(LABELLED_HEADER)?;
    for fields in rows {
        let fields = fields.borrow();
        let out = std::array::from_fn::<_, 21, _>(|i| {
            let f: &str = &fields[i];
            match dialect {
                Dialect::ExcelNl if NUMBER_COLUMNS.contains(&i) && f.contains('.') => {
                    Cow::Owned(decimal_comma(f))
                }
                Dialect::ExcelNl if NUMBER_COLUMNS.contains(&i) => Cow::Borrowed(f),
                _ => inert(f),
            }
        });
        w.write_record(out.iter().map(|f| f.as_bytes()))?;
    }
    w.into_inner()
        .map_err(|e| PublishError::Csv(e.into_error().into()))
}

/// A number of the contract (`1234.5`, `-3`, no thousands separator) as
/// Dutch Excel reads it: `1234,5`. It starts with a digit or a minus sign
/// followed by one, so it is a number there, never a formula.
fn decimal_comma(number: &str) -> String {
    debug_assert!(number.is_empty() || zicht_contract::parse_number(number).is_ok());
    number.replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_labels_and_a_meaning() {
        for s in Status::ALL {
            let (nl, en) = status_labels(s);
            assert!(!nl.is_empty() && !en.is_empty(), "{s}");
        }
        assert_eq!(decimal_comma("1234.5"), "1234,5");
        assert_eq!(decimal_comma("-3"), "-3");
    }
}
