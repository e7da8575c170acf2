//! A delivered cell: the supplier's answer to one asked cell.

use serde::{Deserialize, Serialize};
use zicht_model::{Cell, Figure, Footnote, Provenance, Slug, Status};

use crate::CellKey;

/// The statuses a supplier may deliver. `estimate` is made by zicht's own
/// models and `suppressed` only by disclosure control, never by a supplier.
pub const DELIVERABLE: [Status; 6] = [
    Status::Exact,
    Status::Below,
    Status::Range,
    Status::Rounded,
    Status::Refused,
    Status::NotAvailable,
];

/// One answer: a figure, and for a refusal (required) or a figure that is
/// not available (optional) the supplier's reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveredCell {
    pub key: CellKey,
    pub figure: Figure,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveredError {
    #[error("a supplier cannot deliver status {0}: use exact, below, range, rounded, refused or not_available")]
    NotDeliverable(Status),
    #[error("a refusal needs a reason: say why the figure is not given")]
    ReasonRequired,
    #[error("a reason is only for refused or not_available: leave it empty for a figure")]
    ReasonUnexpected,
    /// A reason a spreadsheet would run, or one with a direction control.
    #[error("the reason {0}")]
    Text(zicht_contract::TextProblem),
    #[error("the reason is {0} characters long: keep it under {MAX_REASON} (it is published as a footnote)")]
    ReasonTooLong(usize),
    #[error("the reason holds a control character: type it as plain text on one line")]
    ReasonControl,
}

/// The longest reason a supplier may give: it becomes a public footnote.
pub const MAX_REASON: usize = 1000;

impl DeliveredCell {
    /// Builds an answer, refusing a status a supplier does not give, a
    /// refusal without a reason, and a reason a spreadsheet would run.
    pub fn new(
        key: CellKey,
        figure: Figure,
        reason: Option<String>,
    ) -> Result<DeliveredCell, DeliveredError> {
        let status = figure.status();
        if !DELIVERABLE.contains(&status) {
            return Err(DeliveredError::NotDeliverable(status));
        }
        let reason = reason
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        match (status, &reason) {
            (Status::Refused, None) => return Err(DeliveredError::ReasonRequired),
            (Status::Refused | Status::NotAvailable, _) | (_, None) => {}
            _ => return Err(DeliveredError::ReasonUnexpected),
        }
        if let Some(p) = reason
            .as_deref()
            .and_then(zicht_contract::cell_text_problem)
        {
            return Err(DeliveredError::Text(p));
        }
        if let Some(r) = &reason {
            let n = r.chars().count();
            if n > MAX_REASON {
                return Err(DeliveredError::ReasonTooLong(n));
            }
            if r.chars().any(char::is_control) {
                return Err(DeliveredError::ReasonControl);
            }
        }
        Ok(DeliveredCell {
            key,
            figure,
            reason,
        })
    }

    /// The footnote that carries the reason into the monitor: the public
    /// outputs show a cell's footnotes, so a refusal stays explained next
    /// to its `x`. Its id is derived from the text as `zicht import` does,
    /// so the same reason is one footnote however often it is given.
    pub fn reason_footnote(&self) -> Option<Footnote> {
        self.reason.as_ref().map(|r| Footnote {
            id: Slug::for_footnote_text(r),
            text_nl: r.clone(),
            text_en: String::new(),
        })
    }

    /// The cell this answer becomes when a delivery is accepted: supplied by
    /// `organisation`, published in `edition`, referenced as `source_ref`
    /// (the round's title). The reason is kept twice: as the cell's quote
    /// (the supplier's own words, for reviewers) and as a footnote (for the
    /// public).
    pub fn to_cell(&self, organisation: &Slug, edition: &Slug, source_ref: &str) -> Cell {
        Cell {
            indicator: self.key.indicator.clone(),
            period: self.key.period.clone(),
            breakdown: self.key.breakdown.clone(),
            figure: self.figure,
            provenance: Provenance {
                source: Some(organisation.clone()),
                source_ref: source_ref.to_owned(),
                document: Some(edition.clone()),
                footnotes: self.reason_footnote().map(|f| f.id).into_iter().collect(),
                quote: self.reason.clone().unwrap_or_default(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zicht_contract::TextProblem;
    use zicht_model::{Breakdown, Period};

    fn key() -> CellKey {
        CellKey {
            indicator: Slug::parse("victims").unwrap(),
            period: Period::year(2024),
            breakdown: Breakdown::total(),
        }
    }

    #[test]
    fn a_refusal_needs_a_reason_and_keeps_it_in_quote_and_footnote() {
        assert_eq!(
            DeliveredCell::new(key(), Figure::Refused, Some("  ".into())),
            Err(DeliveredError::ReasonRequired)
        );
        let d = DeliveredCell::new(
            key(),
            Figure::Refused,
            Some("Het ministerie geeft deze cijfers niet".into()),
        )
        .unwrap();
        let org = Slug::parse("jenv").unwrap();
        let ed = Slug::parse("ed-2025").unwrap();
        let cell = d.to_cell(&org, &ed, "Uitvraag 2025");
        assert_eq!(
            cell.provenance.quote,
            "Het ministerie geeft deze cijfers niet"
        );
        let f = d.reason_footnote().unwrap();
        assert_eq!(cell.provenance.footnotes, vec![f.id.clone()]);
        assert_eq!(f.text_nl, "Het ministerie geeft deze cijfers niet");
        assert_eq!(cell.provenance.document, Some(ed));
        assert_eq!(cell.provenance.source, Some(org));
    }

    #[test]
    fn statuses_a_supplier_does_not_give_and_stray_reasons_are_refused() {
        assert_eq!(
            DeliveredCell::new(key(), Figure::Suppressed, None),
            Err(DeliveredError::NotDeliverable(Status::Suppressed))
        );
        assert_eq!(
            DeliveredCell::new(key(), Figure::Exact { value: 3.0 }, Some("why".into())),
            Err(DeliveredError::ReasonUnexpected)
        );
        assert!(DeliveredCell::new(
            key(),
            Figure::NotAvailable,
            Some("niet geregistreerd".into())
        )
        .is_ok());
        assert_eq!(
            DeliveredCell::new(key(), Figure::Refused, Some("=HYPERLINK(\"x\")".into())),
            Err(DeliveredError::Text(TextProblem::FormulaStart('=')))
        );
        assert_eq!(
            DeliveredCell::new(key(), Figure::Refused, Some("＝HYPERLINK(1)".into())),
            Err(DeliveredError::Text(TextProblem::FormulaStart('＝')))
        );
        // Hidden behind invisible characters or written as a look-alike.
        for reason in [
            "\u{200B}=1+1",
            "\u{FEFF}@x",
            "\u{00AD}-1",
            "\u{2060}+1",
            "\u{FE66}1",
            "\u{207C}1",
            "\u{208C}1",
        ] {
            assert!(
                matches!(
                    DeliveredCell::new(key(), Figure::Refused, Some(reason.into())),
                    Err(DeliveredError::Text(TextProblem::FormulaStart(_)))
                ),
                "{reason:?} passed"
            );
        }
        assert!(matches!(
            DeliveredCell::new(key(), Figure::Refused, Some("geweigerd \u{202E}txt".into())),
            Err(DeliveredError::Text(TextProblem::BidiControl('\u{202E}')))
        ));
        assert_eq!(
            DeliveredCell::new(key(), Figure::Refused, Some("x".repeat(MAX_REASON + 1))),
            Err(DeliveredError::ReasonTooLong(MAX_REASON + 1))
        );
        assert_eq!(
            DeliveredCell::new(key(), Figure::Refused, Some("a\u{0}b".into())),
            Err(DeliveredError::ReasonControl)
        );
    }
}
