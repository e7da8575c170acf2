//! Planning a round that fits the data: the breakdowns each indicator can
//! be asked for (its own dimensions, not one list for all), a round read
//! back from its asked cells (to edit or copy it), and last year's round
//! moved one year on.
//!
//! A request asks one list of breakdowns of all its indicators; an
//! indicator with breakdowns of its own is simply a request of its own, so
//! a plan that fits every indicator needs no new shape of `Request`.

use std::collections::{BTreeMap, BTreeSet};

use zicht_model::{Breakdown, Catalogue, Period, Slug};

use crate::{AskedCell, Request, RoundPlan};

/// The breakdowns an editor can ask of `indicator`: the total, then each
/// value of each of its own dimensions, in the catalogue's order. Empty for
/// an indicator the catalogue does not know.
pub fn offered_breakdowns(catalogue: &Catalogue, indicator: &str) -> Vec<Breakdown> {
    let Some(ind) = catalogue.indicator(indicator) else {
        return Vec::new();
    };
    let mut out = vec![Breakdown::total()];
    for dim in &ind.dimensions {
        if let Some(d) = catalogue.dimension(dim.as_str()) {
            out.extend(
                d.values
                    .iter()
                    .map(|v| Breakdown::total().with(d.id.clone(), v.id.clone())),
            );
        }
    }
    out
}

/// What a round asks when it asks every organisation the same: which
/// organisations, which periods, and per indicator its breakdowns. The
/// planning page edits exactly this.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanChoice {
    pub organisations: BTreeSet<Slug>,
    pub periods: BTreeSet<Period>,
    /// Each chosen indicator with the breakdowns asked of it (the total
    /// when none is chosen).
    pub indicators: BTreeMap<Slug, BTreeSet<Breakdown>>,
}

impl PlanChoice {
    /// The requests: one per organisation and indicator, each with that
    /// indicator's own breakdowns.
    pub fn requests(&self) -> Vec<Request> {
        let periods: Vec<Period> = self.periods.iter().cloned().collect();
        let mut out = Vec::new();
        for org in &self.organisations {
            for (ind, breakdowns) in &self.indicators {
                out.push(Request {
                    organisation: org.clone(),
                    indicators: vec![ind.clone()],
                    periods: periods.clone(),
                    breakdowns: breakdowns.iter().cloned().collect(),
                });
            }
        }
        out
    }

    /// The choice behind these asked cells, or `None` when the round asks
    /// organisations different things, or an indicator's breakdowns differ
    /// by period (such a round is edited through the API).
    pub fn of_asked(asked: &[AskedCell]) -> Option<PlanChoice> {
        let mut per_org: BTreeMap<&Slug, BTreeSet<(&Slug, &Period, &Breakdown)>> = BTreeMap::new();
        for a in asked {
            per_org.entry(&a.organisation).or_default().insert((
                &a.key.indicator,
                &a.key.period,
                &a.key.breakdown,
            ));
        }
        let mut orgs = per_org.values();
        let first = orgs.next()?;
        if orgs.any(|cells| cells != first) {
            return None;
        }
        let mut choice = PlanChoice {
            organisations: per_org.keys().map(|o| (*o).clone()).collect(),
            ..PlanChoice::default()
        };
        for (ind, period, breakdown) in first {
            choice.periods.insert((*period).clone());
            choice
                .indicators
                .entry((*ind).clone())
                .or_default()
                .insert((*breakdown).clone());
        }
        let n: usize = choice.indicators.values().map(BTreeSet::len).sum();
        (n * choice.periods.len() == first.len()).then_some(choice)
    }
}

/// The requests that ask exactly these cells: per organisation and
/// indicator, the periods grouped by the breakdowns asked of them. Opening
/// a round with them asks the same cells again.
pub fn requests_of(asked: &[AskedCell]) -> Vec<Request> {
    let mut by_cell: BTreeMap<(&Slug, &Slug), BTreeMap<&Period, BTreeSet<Breakdown>>> =
        BTreeMap::new();
    for a in asked {
        by_cell
            .entry((&a.organisation, &a.key.indicator))
            .or_default()
            .entry(&a.key.period)
            .or_default()
            .insert(a.key.breakdown.clone());
    }
    let mut out = Vec::new();
    for ((org, ind), periods) in by_cell {
        let mut groups: BTreeMap<BTreeSet<Breakdown>, Vec<Period>> = BTreeMap::new();
        for (period, breakdowns) in periods {
            groups.entry(breakdowns).or_default().push(period.clone());
        }
        for (breakdowns, periods) in groups {
            out.push(Request {
                organisation: org.clone(),
                indicators: vec![ind.clone()],
                periods,
                breakdowns: breakdowns.into_iter().collect(),
            });
        }
    }
    out
}

/// The same period one year later (`2024` → `2025`, `2023-05` → `2024-05`,
/// `2017/2021` → `2018/2022`). 29 February has no twin the next year; the
/// month's last day stands in.
pub fn next_year(period: &Period) -> Period {
    let text = period.to_string();
    let moved: Vec<String> = text
        .split('/')
        .map(|point| {
            let (year, rest) = point.split_at(4.min(point.len()));
            let year = year.parse::<i32>().map_or(0, |y| y + 1);
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
            let rest = if rest == "-02-29" && !leap {
                "-02-28"
            } else {
                rest
            };
            format!("{year:04}{rest}")
        })
        .collect();
    // A period's year is four digits and its month and day stay real in the
    // next year, so the moved text always reads.
    Period::parse(&moved.join("/")).unwrap_or_else(|_| period.clone())
}

/// Every year in a title written as four digits from 1900 to 2199 moved
/// on by one ("Uitvraag 2025" → "Uitvraag 2026").
pub fn title_next_year(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    let chars: Vec<char> = title.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if run == 0 {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let digits: String = chars[i..i + run].iter().collect();
        match digits.parse::<u32>() {
            Ok(y) if run == 4 && (1900..2200).contains(&y) => out.push_str(&(y + 1).to_string()),
            _ => out.push_str(&digits),
        }
        i += run;
    }
    out
}

impl RoundPlan {
    /// Last year's round for this year: the same requests, every period one
    /// year on, for `edition` and due on `due`.
    pub fn next_year(&self, edition: Slug, title: String, due: String) -> RoundPlan {
        RoundPlan {
            edition,
            title,
            due,
            requests: self
                .requests
                .iter()
                .map(|r| Request {
                    periods: r.periods.iter().map(next_year).collect(),
                    ..r.clone()
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CellKey;

    fn slug(s: &str) -> Slug {
        Slug::parse(s).unwrap()
    }

    fn cell(org: &str, ind: &str, period: &str, breakdown: &str) -> AskedCell {
        AskedCell {
            organisation: slug(org),
            key: CellKey {
                indicator: slug(ind),
                period: Period::parse(period).unwrap(),
                breakdown: Breakdown::parse(breakdown).unwrap(),
            },
        }
    }

    fn expand(requests: &[Request]) -> BTreeSet<AskedCell> {
        let mut out = BTreeSet::new();
        for r in requests {
            let total = [Breakdown::total()];
            let bs: &[Breakdown] = if r.breakdowns.is_empty() {
                &total
            } else {
                &r.breakdowns
            };
            for i in &r.indicators {
                for p in &r.periods {
                    for b in bs {
                        out.insert(AskedCell {
                            organisation: r.organisation.clone(),
                            key: CellKey {
                                indicator: i.clone(),
                                period: p.clone(),
                                breakdown: b.clone(),
                            },
                        });
                    }
                }
            }
        }
        out
    }

    #[test]
    fn requests_of_asked_cells_ask_exactly_those_cells() {
        let asked = vec![
            cell("a", "x", "2024", ""),
            cell("a", "x", "2024", "sex=girls"),
            cell("a", "x", "2025", ""),
            cell("a", "y", "2024", ""),
            cell("b", "y", "2023", "origin=foreign"),
        ];
        let requests = requests_of(&asked);
        assert_eq!(expand(&requests), asked.into_iter().collect());
        // x 2024 has two breakdowns, x 2025 one: two requests for a/x.
        assert_eq!(requests.len(), 4);
    }

    #[test]
    fn a_uniform_round_reads_back_as_its_choice() {
        let asked = vec![
            cell("a", "x", "2024", ""),
            cell("a", "x", "2024", "sex=girls"),
            cell("a", "y", "2024", ""),
            cell("b", "x", "2024", ""),
            cell("b", "x", "2024", "sex=girls"),
            cell("b", "y", "2024", ""),
        ];
        let choice = PlanChoice::of_asked(&asked).unwrap();
        assert_eq!(choice.organisations.len(), 2);
        assert_eq!(choice.indicators[&slug("x")].len(), 2);
        assert_eq!(choice.indicators[&slug("y")].len(), 1);
        assert_eq!(expand(&choice.requests()), asked.into_iter().collect());
    }

    #[test]
    fn a_round_asking_organisations_different_things_has_no_single_choice() {
        let asked = vec![cell("a", "x", "2024", ""), cell("b", "y", "2024", "")];
        assert_eq!(PlanChoice::of_asked(&asked), None);
        // Breakdowns that differ by period cannot be one choice either.
        let asked = vec![
            cell("a", "x", "2024", ""),
            cell("a", "x", "2024", "sex=girls"),
            cell("a", "x", "2025", ""),
        ];
        assert_eq!(PlanChoice::of_asked(&asked), None);
    }

    #[test]
    fn periods_and_titles_move_one_year_on() {
        let next = |p: &str| next_year(&Period::parse(p).unwrap()).to_string();
        assert_eq!(next("2024"), "2025");
        assert_eq!(next("2023-05"), "2024-05");
        assert_eq!(next("2024-02-29"), "2025-02-28");
        assert_eq!(next("2017/2021"), "2018/2022");
        assert_eq!(
            title_next_year("Uitvraag 2025 (ronde 12345)"),
            "Uitvraag 2026 (ronde 12345)"
        );
        assert_eq!(title_next_year("Monitor 2024/2025"), "Monitor 2025/2026");
    }
}
