//! How much linkage moves the estimate: multiple systems estimation
//! (`zicht-estimate`) on the capture histories of each threshold.

use zicht_estimate::{estimate, fmt_count, CaptureHistories, Options};

use crate::link::Histories;

/// The estimate from the histories linked at one threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdEstimate {
    pub threshold: f64,
    /// People seen (clusters with a record on some list).
    pub observed: u64,
    /// The estimate with its interval's bounds (`None`: open), or why
    /// `zicht-estimate` gave none.
    pub estimate: Result<(f64, Option<f64>, Option<f64>), String>,
}

/// The histories in `zicht-estimate`'s form, lists named in pattern-bit order.
pub fn capture_histories(
    lists: &[String],
    histories: &Histories,
) -> Result<CaptureHistories, zicht_estimate::EstimateError> {
    let rows = histories
        .counts
        .iter()
        .filter(|(&p, &n)| p != 0 && n > 0)
        .map(|(&p, &n)| ((0..lists.len()).map(|l| p >> l & 1 == 1).collect(), n))
        .collect();
    CaptureHistories::new(lists.to_vec(), rows)
}

/// Estimates N from the histories of each threshold with the same options.
pub fn sensitivity(
    lists: &[String],
    runs: &[(f64, Histories)],
    opts: &Options,
) -> Vec<ThresholdEstimate> {
    runs.iter()
        .map(|(threshold, h)| ThresholdEstimate {
            threshold: *threshold,
            observed: h.observed(),
            estimate: capture_histories(lists, h)
                .and_then(|data| estimate(&data, opts))
                .map(|r| (r.estimate, r.ci_lower, r.ci_upper))
                .map_err(|e| e.to_string()),
        })
        .collect()
}

/// "linked at 0.82: 4,930 (4,100–6,010); at 0.79: 5,120 (…); at 0.85: …",
/// the `chosen` threshold first.
pub fn sensitivity_sentence(estimates: &[ThresholdEstimate], chosen: usize) -> String {
    let one = |e: &ThresholdEstimate| match &e.estimate {
        Ok((n, lo, hi)) => {
            let bound = |b: &Option<f64>| b.map_or("open".to_string(), fmt_count);
            format!(
                "at {:.2}: {} ({}–{})",
                e.threshold,
                fmt_count(*n),
                bound(lo),
                bound(hi)
            )
        }
        Err(why) => format!("at {:.2}: no estimate ({why})", e.threshold),
    };
    let mut order: Vec<usize> = vec![chosen];
    order.extend((0..estimates.len()).filter(|&i| i != chosen).rev());
    let parts: Vec<String> = order
        .into_iter()
        .filter_map(|i| estimates.get(i).map(one))
        .collect();
    format!("linked {}", parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn three_lists(counts: [u64; 7]) -> Histories {
        Histories {
            counts: (1..8u64).zip(counts).collect::<BTreeMap<_, _>>(),
        }
    }

    #[test]
    fn more_links_mean_fewer_people_seen_and_a_smaller_estimate() {
        // The looser threshold joins singletons into overlaps: the same
        // records, fewer people, more overlap, so a smaller N.
        let lists: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let strict = three_lists([500, 500, 110, 500, 110, 110, 30]);
        let chosen = three_lists([480, 480, 120, 480, 120, 120, 30]);
        let loose = three_lists([460, 460, 130, 460, 130, 130, 30]);
        let runs = vec![(0.85, strict), (0.82, chosen), (0.79, loose)];
        let opts = Options {
            bootstrap: 0,
            sensitivity: false,
            ..Options::default()
        };
        let est = sensitivity(&lists, &runs, &opts);
        let n: Vec<f64> = est.iter().map(|e| e.estimate.as_ref().unwrap().0).collect();
        assert!(n[0] > n[1] && n[1] > n[2], "{n:?}");
        assert_eq!(est[1].observed, 1_830);
        let s = sensitivity_sentence(&est, 1);
        assert!(s.starts_with("linked at 0.82: "), "{s}");
        let at = |t: &str| s.find(t).unwrap();
        assert!(
            at("at 0.82") < at("at 0.79") && at("at 0.79") < at("at 0.85"),
            "{s}"
        );
        assert!(s.contains(&fmt_count(n[1])), "{s}");
    }

    #[test]
    fn histories_that_cannot_be_estimated_say_why() {
        let lists: Vec<String> = ["a", "b"].map(String::from).to_vec();
        let none_shared = Histories {
            counts: BTreeMap::from([(0b01, 10), (0b10, 12)]),
        };
        let est = sensitivity(&lists, &[(0.82, none_shared)], &Options::default());
        assert!(est[0].estimate.is_err());
        assert!(sensitivity_sentence(&est, 0).contains("no estimate"));
    }
}
