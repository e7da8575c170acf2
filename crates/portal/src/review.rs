//! What an editor looks at before accepting: each delivered cell against
//! last year's figure and against what the supplier delivered before, and
//! the progress of a round per supplier.

use std::collections::HashMap;

use serde::Serialize;
use zicht_model::{Cell, Figure, Status};

use crate::{CellKey, DeliveredCell, DeliveryState};

/// An earlier answer to the same cell: a previous revision of this delivery.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EarlierFigure {
    pub revision: i64,
    pub figure: Figure,
}

/// Why a cell deserves a second look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// The relative change against last year is above the threshold (or
    /// last year was zero and this year is not).
    LargeChangeVsLastYear,
    /// Last year had a number, this year a status without one, or the
    /// other way round.
    StatusChangedVsLastYear,
    /// The supplier gave another figure for this cell in an earlier revision.
    ChangedSinceEarlierRevision,
}

/// One delivered cell with what to compare it with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    pub key: CellKey,
    pub figure: Figure,
    /// The published figure of the previous period, same indicator and
    /// breakdown.
    pub last_year: Option<Figure>,
    /// (this − last) / last, where both have a number and last is not zero.
    pub relative_change: Option<f64>,
    /// Earlier revisions' figures for this cell, oldest first.
    pub earlier: Vec<EarlierFigure>,
    pub flags: Vec<Flag>,
}

/// Compares each delivered cell with last year's published figure
/// (`published`: current cells) and with earlier revisions (oldest first).
/// A relative change above `threshold` (0.5 = 50%) is flagged.
pub fn differences(
    delivered: &[DeliveredCell],
    published: &[Cell],
    earlier: &[(i64, Vec<DeliveredCell>)],
    threshold: f64,
) -> Vec<Difference> {
    let published: HashMap<(&str, String, String), &Figure> = published
        .iter()
        .map(|c| {
            (
                (
                    c.indicator.as_str(),
                    c.period.to_string(),
                    c.breakdown.to_string(),
                ),
                &c.figure,
            )
        })
        .collect();
    delivered
        .iter()
        .map(|d| {
            let key = &d.key;
            let last_year = key
                .period
                .previous_year()
                .and_then(|p| {
                    published
                        .get(&(
                            key.indicator.as_str(),
                            p.to_string(),
                            key.breakdown.to_string(),
                        ))
                        .copied()
                })
                .copied();
            let mut flags = Vec::new();
            let mut relative_change = None;
            if let Some(last) = &last_year {
                match (d.figure.point(), last.point()) {
                    (Some(now), Some(before)) if before != 0.0 => {
                        let r = (now - before) / before;
                        if r.abs() > threshold {
                            flags.push(Flag::LargeChangeVsLastYear);
                        }
                        relative_change = Some(r);
                    }
                    (Some(now), Some(_)) => {
                        if now != 0.0 {
                            flags.push(Flag::LargeChangeVsLastYear);
                        }
                    }
                    (now, before) if now.is_some() != before.is_some() => {
                        flags.push(Flag::StatusChangedVsLastYear)
                    }
                    _ => {
                        if d.figure.status() != last.status()
                            && !matches!(last.status(), Status::Suppressed)
                        {
                            flags.push(Flag::StatusChangedVsLastYear);
                        }
                    }
                }
            }
            let earlier: Vec<EarlierFigure> = earlier
                .iter()
                .filter_map(|(rev, cells)| {
                    cells.iter().find(|c| &c.key == key).map(|c| EarlierFigure {
                        revision: *rev,
                        figure: c.figure,
                    })
                })
                .collect();
            if earlier.iter().any(|e| e.figure != d.figure) {
                flags.push(Flag::ChangedSinceEarlierRevision);
            }
            Difference {
                key: key.clone(),
                figure: d.figure,
                last_year,
                relative_change,
                earlier,
                flags,
            }
        })
        .collect()
}

/// How far one supplier is in a round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub asked: usize,
    /// Asked cells with an answer (refusals and not available included).
    pub delivered: usize,
    pub refused: usize,
    pub not_available: usize,
    pub missing: usize,
    /// Past the due day and not signed off (draft or returned).
    pub overdue: bool,
}

/// Progress from the asked count, the answers so far, the delivery's state
/// and the round's due day; `today` is passed in (ISO 8601 days compare as
/// text).
pub fn progress(
    asked: usize,
    answers: &[DeliveredCell],
    state: DeliveryState,
    due: &str,
    today: &str,
) -> Progress {
    let count = |s: Status| answers.iter().filter(|a| a.figure.status() == s).count();
    Progress {
        asked,
        delivered: answers.len(),
        refused: count(Status::Refused),
        not_available: count(Status::NotAvailable),
        missing: asked.saturating_sub(answers.len()),
        overdue: state.editable() && today > due,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zicht_model::{Breakdown, Period, Provenance, Slug};

    fn key(year: i32) -> CellKey {
        CellKey {
            indicator: Slug::parse("victims").unwrap(),
            period: Period::year(year),
            breakdown: Breakdown::total(),
        }
    }
    fn published(year: i32, figure: Figure) -> Cell {
        Cell {
            indicator: Slug::parse("victims").unwrap(),
            period: Period::year(year),
            breakdown: Breakdown::total(),
            figure,
            provenance: Provenance::default(),
        }
    }
    fn answer(year: i32, figure: Figure) -> DeliveredCell {
        let reason = matches!(figure, Figure::Refused).then(|| "geen toestemming".to_owned());
        DeliveredCell::new(key(year), figure, reason).unwrap()
    }

    #[test]
    fn flags_large_changes_against_last_year_and_earlier_revisions() {
        let pubs = [published(2023, Figure::Exact { value: 100.0 })];
        let d = differences(
            &[answer(2024, Figure::Exact { value: 160.0 })],
            &pubs,
            &[(1, vec![answer(2024, Figure::Exact { value: 150.0 })])],
            0.5,
        );
        assert_eq!(d[0].relative_change, Some(0.6));
        assert_eq!(
            d[0].flags,
            vec![
                Flag::LargeChangeVsLastYear,
                Flag::ChangedSinceEarlierRevision
            ]
        );
        assert_eq!(d[0].earlier[0].revision, 1);

        let calm = differences(
            &[answer(2024, Figure::Exact { value: 120.0 })],
            &pubs,
            &[],
            0.5,
        );
        assert!(calm[0].flags.is_empty());
        assert!((calm[0].relative_change.unwrap() - 0.2).abs() < 1e-12);

        let refused = differences(&[answer(2024, Figure::Refused)], &pubs, &[], 0.5);
        assert_eq!(refused[0].flags, vec![Flag::StatusChangedVsLastYear]);

        let from_zero = differences(
            &[answer(2024, Figure::Exact { value: 3.0 })],
            &[published(2023, Figure::Exact { value: 0.0 })],
            &[],
            0.5,
        );
        assert_eq!(from_zero[0].flags, vec![Flag::LargeChangeVsLastYear]);
        assert_eq!(from_zero[0].relative_change, None);
    }

    #[test]
    fn progress_counts_and_overdue_only_while_not_signed_off() {
        let answers = [
            answer(2024, Figure::Exact { value: 1.0 }),
            answer(2023, Figure::Refused),
        ];
        let p = progress(
            3,
            &answers,
            DeliveryState::Draft,
            "2025-03-31",
            "2025-04-01",
        );
        assert_eq!(
            p,
            Progress {
                asked: 3,
                delivered: 2,
                refused: 1,
                not_available: 0,
                missing: 1,
                overdue: true
            }
        );
        assert!(
            !progress(
                3,
                &answers,
                DeliveryState::Draft,
                "2025-03-31",
                "2025-03-31"
            )
            .overdue
        );
        assert!(
            !progress(
                3,
                &answers,
                DeliveryState::Submitted,
                "2025-03-31",
                "2025-05-01"
            )
            .overdue
        );
    }
}
