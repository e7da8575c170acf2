/// The columns every file of figures starts with, in this order: the export
/// contract, the data directory's cells files and a supplier's delivery.
pub const FIGURE_COLUMNS: [&str; 7] = [
    "indicator",
    "period",
    "breakdown",
    "status",
    "value",
    "lower",
    "upper",
];

/// The export format's columns, in order.
pub const EXPORT_HEADER: [&str; 10] = columns(FIGURE_COLUMNS, ["unit", "source", "footnote"]);

/// `first` followed by `then`: a header that starts with [`FIGURE_COLUMNS`].
pub const fn columns<const A: usize, const B: usize, const N: usize>(
    first: [&'static str; A],
    then: [&'static str; B],
) -> [&'static str; N] {
    assert!(A + B == N, "a header has as many columns as its two parts");
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = if i < A { first[i] } else { then[i - A] };
        i += 1;
    }
    out
}

/// Footnotes of one cell are joined with this in the `footnote` column; a
/// reader splits on its trimmed form, `|`.
pub const FOOTNOTE_SEPARATOR: &str = " | ";

/// One row of the export contract, every field as written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExportRow {
    pub indicator: String,
    pub period: String,
    pub breakdown: String,
    pub status: String,
    pub value: String,
    pub lower: String,
    pub upper: String,
    pub unit: String,
    pub source: String,
    pub footnote: String,
}

impl ExportRow {
    /// From the ten fields in [`EXPORT_HEADER`] order; `None` for any other
    /// number of fields.
    pub fn from_fields<S: AsRef<str>>(fields: &[S]) -> Option<ExportRow> {
        let [indicator, period, breakdown, status, value, lower, upper, unit, source, footnote] =
            fields
        else {
            return None;
        };
        let s = |f: &S| f.as_ref().to_owned();
        Some(ExportRow {
            indicator: s(indicator),
            period: s(period),
            breakdown: s(breakdown),
            status: s(status),
            value: s(value),
            lower: s(lower),
            upper: s(upper),
            unit: s(unit),
            source: s(source),
            footnote: s(footnote),
        })
    }

    /// The ten fields in [`EXPORT_HEADER`] order.
    pub fn fields(&self) -> [&str; 10] {
        [
            &self.indicator,
            &self.period,
            &self.breakdown,
            &self.status,
            &self.value,
            &self.lower,
            &self.upper,
            &self.unit,
            &self.source,
            &self.footnote,
        ]
    }

    /// [`ExportRow::fields`] as a CSV file for spreadsheets must hold them:
    /// a text a spreadsheet would run is made inert ([`crate::inert`]).
    /// Every CSV writer of the contract writes these.
    pub fn csv_fields(&self) -> [std::borrow::Cow<'_, str>; 10] {
        self.fields().map(crate::inert)
    }
}

/// A stable id (`fn-` and 16 hex digits) for a footnote known only by its
/// text, so that the same text imported or delivered twice finds the same
/// footnote. Surrounding white space does not count.
pub fn footnote_id_for_text(text: &str) -> String {
    // FNV-1a: stable across platforms and releases, unlike std's hasher.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in text.trim().as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("fn-{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_export_header_is_the_figure_columns_and_three_more() {
        assert_eq!(
            EXPORT_HEADER.join(","),
            "indicator,period,breakdown,status,value,lower,upper,unit,source,footnote"
        );
    }

    #[test]
    fn fields_come_back_in_header_order() {
        let fields: Vec<String> = EXPORT_HEADER.iter().map(|h| h.to_uppercase()).collect();
        let row = ExportRow::from_fields(&fields).unwrap();
        assert_eq!(row.breakdown, "BREAKDOWN");
        assert_eq!(row.fields().to_vec(), fields);
        assert!(ExportRow::from_fields(&fields[1..]).is_none());
    }

    #[test]
    fn footnote_ids_are_stable_and_ignore_surrounding_space() {
        // Ids already in stores and published files: this value must not change.
        assert_eq!(footnote_id_for_text("abc"), "fn-e71fa2190541574b");
        assert_eq!(footnote_id_for_text(" abc\n"), footnote_id_for_text("abc"));
        assert_ne!(footnote_id_for_text("abd"), footnote_id_for_text("abc"));
    }
}
