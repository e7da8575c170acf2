//! Capture histories: how many people were seen on exactly which lists.

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

use crate::error::EstimateError;

/// More lists than this make the 2^t table and the pair set unwieldy; in
/// practice sources are merged long before that.
pub const MAX_LISTS: usize = 12;

/// Stop collecting parse problems after this many: a file with a systematic
/// problem would otherwise produce one message per line.
const MAX_DIAGNOSTICS: usize = 50;

/// Counts per capture pattern. Pattern `mask` has bit `i` set when the person
/// is on list `i` (the i-th list column, counting from 0).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaptureHistories {
    lists: Vec<String>,
    /// Indexed by pattern mask; entry 0 (seen on no list) is always 0.
    counts: Vec<u64>,
}

/// One problem found in an input file, located so that the user can fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// 1-based line in the file; `None` for problems with the file as a whole.
    pub line: Option<u64>,
    /// The column (by header name) the problem is in, if any.
    pub column: Option<String>,
    /// What is wrong and what to do about it.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.line, &self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column `{c}`: {}", self.message),
            (Some(l), None) => write!(f, "line {l}: {}", self.message),
            (None, Some(c)) => write!(f, "column `{c}`: {}", self.message),
            (None, None) => write!(f, "{}", self.message),
        }
    }
}

fn diag(line: Option<u64>, column: Option<&str>, message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        line,
        column: column.map(str::to_string),
        message: message.into(),
    }
}

impl CaptureHistories {
    /// Builds histories from list names and `(membership per list, count)`
    /// rows, as stored by callers that keep linked records in a database.
    /// Patterns not given count as zero.
    pub fn new(lists: Vec<String>, rows: Vec<(Vec<bool>, u64)>) -> Result<Self, EstimateError> {
        let t = lists.len();
        let mut masked = Vec::with_capacity(rows.len());
        for (bits, count) in rows {
            if bits.len() != t {
                return Err(EstimateError::PatternLength {
                    pattern: bits.iter().map(|&b| if b { '1' } else { '0' }).collect(),
                    found: bits.len(),
                    expected: t,
                });
            }
            let mask = bits
                .iter()
                .enumerate()
                .fold(0u32, |m, (i, &b)| if b { m | (1 << i) } else { m });
            masked.push((mask, count));
        }
        Self::from_masks(lists, masked)
    }

    /// Builds histories from `(pattern mask, count)` rows; bit `i` of the mask
    /// is membership of `lists[i]`.
    pub fn from_masks(lists: Vec<String>, rows: Vec<(u32, u64)>) -> Result<Self, EstimateError> {
        validate_lists(&lists)?;
        let t = lists.len();
        let mut counts = vec![0u64; 1 << t];
        let mut seen = vec![false; 1 << t];
        for (mask, count) in rows {
            if (mask as usize) >= (1 << t) {
                return Err(EstimateError::PatternLength {
                    pattern: format!("{mask:b}"),
                    found: 32 - mask.leading_zeros() as usize,
                    expected: t,
                });
            }
            if mask == 0 {
                if count > 0 {
                    return Err(EstimateError::AllZeroPattern);
                }
                continue;
            }
            if seen[mask as usize] {
                return Err(EstimateError::DuplicatePattern {
                    pattern: pattern_string(mask, t),
                });
            }
            seen[mask as usize] = true;
            counts[mask as usize] = count;
        }
        Ok(CaptureHistories { lists, counts })
    }

    /// Parses the estimation CSV: one 0/1 column per list, then `count`.
    pub fn parse_csv(text: &str) -> Result<Self, Vec<Diagnostic>> {
        let mut strata = parse(text, None)?;
        match strata.pop() {
            Some((_, h)) if strata.is_empty() => Ok(h),
            _ => Err(vec![diag(None, None, "internal: expected one stratum")]),
        }
    }

    /// Parses a CSV that also has a column naming the stratum of each row
    /// (e.g. `sex` or `year`); returns the histories of each stratum in order
    /// of first appearance.
    pub fn parse_csv_strata(
        text: &str,
        stratum_column: &str,
    ) -> Result<Vec<(String, Self)>, Vec<Diagnostic>> {
        parse(text, Some(stratum_column))
    }

    pub fn lists(&self) -> &[String] {
        &self.lists
    }

    pub fn n_lists(&self) -> usize {
        self.lists.len()
    }

    /// Number of people with exactly this pattern.
    pub fn count(&self, mask: u32) -> u64 {
        self.counts.get(mask as usize).copied().unwrap_or(0)
    }

    /// Counts indexed by pattern mask (entry 0 is the unobserved cell, always 0).
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Patterns with a non-zero count.
    pub fn patterns(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, &c)| c > 0)
            .map(|(m, &c)| (m as u32, c))
    }

    /// Number of distinct people observed on any list.
    pub fn observed(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// People on list `i` (alone or with others).
    pub fn list_size(&self, i: usize) -> u64 {
        self.sum_where(1 << i)
    }

    /// People on both list `i` and list `j`.
    pub fn overlap(&self, i: usize, j: usize) -> u64 {
        self.sum_where((1 << i) | (1 << j))
    }

    fn sum_where(&self, need: u32) -> u64 {
        self.counts
            .iter()
            .enumerate()
            .filter(|(m, _)| (*m as u32) & need == need)
            .map(|(_, &c)| c)
            .sum()
    }

    /// The pattern written as in the CSV, first list first: `100101`.
    pub fn pattern_string(&self, mask: u32) -> String {
        pattern_string(mask, self.n_lists())
    }

    /// The same people with list `drop` removed: those seen only there vanish.
    /// `None` when fewer than two lists would remain.
    pub fn drop_list(&self, drop: usize) -> Option<Self> {
        if self.n_lists() <= 2 || drop >= self.n_lists() {
            return None;
        }
        let lists: Vec<String> = self
            .lists
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != drop)
            .map(|(_, l)| l.clone())
            .collect();
        Some(self.remap(lists, |m| remove_bit(m, drop)))
    }

    /// The same people with lists `a` and `b` treated as one list named
    /// `A+B` (placed where `a` was). `None` when fewer than two lists would remain.
    pub fn merge_lists(&self, a: usize, b: usize) -> Option<Self> {
        let t = self.n_lists();
        if t <= 2 || a == b || a >= t || b >= t {
            return None;
        }
        let (a, b) = (a.min(b), a.max(b));
        let mut lists = self.lists.clone();
        lists[a] = format!("{}+{}", self.lists[a], self.lists[b]);
        lists.remove(b);
        Some(self.remap(lists, |m| {
            let on_b = m & (1 << b) != 0;
            let m = if on_b { m | (1 << a) } else { m };
            remove_bit(m, b)
        }))
    }

    fn remap(&self, lists: Vec<String>, f: impl Fn(u32) -> u32) -> Self {
        let mut counts = vec![0u64; 1 << lists.len()];
        for (m, &c) in self.counts.iter().enumerate() {
            counts[f(m as u32) as usize] += c;
        }
        counts[0] = 0;
        CaptureHistories { lists, counts }
    }

    /// Replaces the counts (same lists), used for resampling.
    pub(crate) fn with_counts(&self, counts: Vec<u64>) -> Self {
        CaptureHistories {
            lists: self.lists.clone(),
            counts,
        }
    }
}

fn remove_bit(m: u32, bit: usize) -> u32 {
    let low = m & ((1 << bit) - 1);
    let high = (m >> (bit + 1)) << bit;
    low | high
}

pub(crate) fn pattern_string(mask: u32, t: usize) -> String {
    (0..t)
        .map(|i| if mask & (1 << i) != 0 { '1' } else { '0' })
        .collect()
}

fn validate_lists(lists: &[String]) -> Result<(), EstimateError> {
    if lists.len() < 2 {
        return Err(EstimateError::TooFewLists { found: lists.len() });
    }
    if lists.len() > MAX_LISTS {
        return Err(EstimateError::TooManyLists {
            found: lists.len(),
            max: MAX_LISTS,
        });
    }
    let mut seen = HashMap::new();
    for (i, l) in lists.iter().enumerate() {
        if l.trim().is_empty() {
            return Err(EstimateError::InvalidListName {
                reason: format!("list {} has an empty name; give every list a name", i + 1),
            });
        }
        if let Some(j) = seen.insert(l.as_str(), i) {
            return Err(EstimateError::InvalidListName {
                reason: format!(
                    "lists {} and {} are both named `{l}`; list names must be unique",
                    j + 1,
                    i + 1
                ),
            });
        }
    }
    Ok(())
}

struct Header {
    lists: Vec<(usize, String)>,
    count: usize,
    stratum: Option<usize>,
    width: usize,
}

fn parse_header(
    record: &csv::StringRecord,
    stratum_column: Option<&str>,
) -> Result<Header, Vec<Diagnostic>> {
    let names: Vec<&str> = record.iter().collect();
    let line = Some(1);
    let mut diags = Vec::new();
    let last = names.last().copied().unwrap_or("");
    if !last.eq_ignore_ascii_case("count") {
        let msg = if names.iter().any(|n| n.eq_ignore_ascii_case("count")) {
            "the column `count` must be the last column; move it to the end".to_string()
        } else {
            format!(
                "the last column must be `count` (the number of people with each pattern), found `{last}`; add or rename it"
            )
        };
        diags.push(diag(line, Some(last), msg));
    }
    let stratum = match stratum_column {
        Some(s) => match names.iter().position(|n| *n == s) {
            Some(p) => Some(p),
            None => {
                diags.push(diag(
                    line,
                    Some(s),
                    format!(
                        "no column named `{s}` for the strata; the columns are {}",
                        names.join(", ")
                    ),
                ));
                None
            }
        },
        None => None,
    };
    let count = names.len().saturating_sub(1);
    let mut lists = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, n) in names.iter().enumerate() {
        if i == count || Some(i) == stratum {
            continue;
        }
        if n.is_empty() {
            diags.push(diag(
                line,
                None,
                format!("column {} has no name; name it after its list", i + 1),
            ));
            continue;
        }
        if seen.insert(n, i).is_some() {
            diags.push(diag(
                line,
                Some(n),
                "this list name appears twice; list names must be unique",
            ));
            continue;
        }
        lists.push((i, n.to_string()));
    }
    if diags.is_empty() {
        if lists.len() < 2 {
            diags.push(diag(
                line,
                None,
                format!(
                    "{} list column(s) found; estimation needs at least two lists (one 0/1 column per list before `count`)",
                    lists.len()
                ),
            ));
        } else if lists.len() > MAX_LISTS {
            diags.push(diag(
                line,
                None,
                format!(
                    "{} list columns found; at most {MAX_LISTS} are supported. Merge related lists into one column",
                    lists.len()
                ),
            ));
        }
    }
    if diags.is_empty() {
        Ok(Header {
            lists,
            count,
            stratum,
            width: names.len(),
        })
    } else {
        Err(diags)
    }
}

struct StratumAcc {
    name: String,
    rows: Vec<(u32, u64)>,
    first_line: HashMap<u32, u64>,
}

fn parse(
    text: &str,
    stratum_column: Option<&str>,
) -> Result<Vec<(String, CaptureHistories)>, Vec<Diagnostic>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        None => {
            return Err(vec![diag(
            None,
            None,
            "the file is empty; expected a header such as `A,B,C,count` and one row per pattern",
        )])
        }
        Some(Err(e)) => return Err(vec![diag(Some(1), None, format!("unreadable header: {e}"))]),
        Some(Ok(r)) => parse_header(&r, stratum_column)?,
    };
    let t = header.lists.len();
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut strata: Vec<StratumAcc> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut rows_seen = 0usize;
    for rec in records {
        if diags.len() >= MAX_DIAGNOSTICS {
            diags.push(diag(
                None,
                None,
                format!("stopped after {MAX_DIAGNOSTICS} problems; fix these and try again"),
            ));
            break;
        }
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line());
                diags.push(diag(line, None, format!("unreadable row: {e}")));
                continue;
            }
        };
        let line = rec.position().map(|p| p.line());
        if rec.iter().all(str::is_empty) {
            continue;
        }
        rows_seen += 1;
        if rec.len() != header.width {
            diags.push(diag(
                line,
                None,
                format!(
                    "{} fields but the header has {}; every row needs one 0/1 value per list and a count",
                    rec.len(),
                    header.width
                ),
            ));
            continue;
        }
        let mut mask = 0u32;
        let mut ok = true;
        for (bit, (col, name)) in header.lists.iter().enumerate() {
            match rec.get(*col).unwrap_or("") {
                "1" => mask |= 1 << bit,
                "0" => {}
                v => {
                    ok = false;
                    diags.push(diag(
                        line,
                        Some(name),
                        format!("`{v}` is not 0 or 1; write 1 if the people in this row are on list `{name}`, else 0"),
                    ));
                }
            }
        }
        // Counts are read as every figure of the monitor is, with its messages.
        let count = match zicht_contract::parse_count(rec.get(header.count).unwrap_or("")) {
            Ok(c) => Some(c),
            Err(e) => {
                diags.push(diag(line, Some("count"), e.to_string()));
                None
            }
        };
        let (Some(count), true) = (count, ok) else {
            continue;
        };
        if mask == 0 {
            if count > 0 {
                diags.push(diag(
                    line,
                    None,
                    "a pattern with 0 on every list cannot have been observed (that number is what is estimated); remove this row",
                ));
            }
            continue;
        }
        let sname = header
            .stratum
            .map(|s| rec.get(s).unwrap_or("").to_string())
            .unwrap_or_default();
        let si = *index.entry(sname.clone()).or_insert_with(|| {
            strata.push(StratumAcc {
                name: sname.clone(),
                rows: Vec::new(),
                first_line: HashMap::new(),
            });
            strata.len() - 1
        });
        let acc = &mut strata[si];
        let l = line.unwrap_or(0);
        if let Some(prev) = acc.first_line.insert(mask, l) {
            let within = if header.stratum.is_some() {
                format!(" in stratum `{}`", acc.name)
            } else {
                String::new()
            };
            diags.push(diag(
                line,
                None,
                format!(
                    "pattern {} already appears on line {prev}{within}; add the counts together into one row",
                    pattern_string(mask, t)
                ),
            ));
            continue;
        }
        acc.rows.push((mask, count));
    }
    if rows_seen == 0 && diags.is_empty() {
        diags.push(diag(
            None,
            None,
            "no data rows; give one row per capture pattern with its count",
        ));
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let names: Vec<String> = header.lists.into_iter().map(|(_, n)| n).collect();
    let mut out = Vec::with_capacity(strata.len());
    if strata.is_empty() {
        // Only zero-count rows: still a valid (if hopeless) table.
        strata.push(StratumAcc {
            name: String::new(),
            rows: Vec::new(),
            first_line: HashMap::new(),
        });
    }
    for s in strata {
        let h = CaptureHistories::from_masks(names.clone(), s.rows)
            .map_err(|e| vec![diag(None, None, e.to_string())])?;
        out.push((s.name, h));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_sums() {
        let h = CaptureHistories::parse_csv("A,B,count\n1,0,5\n0,1,7\n1,1,3\n").unwrap();
        assert_eq!(h.observed(), 15);
        assert_eq!(h.list_size(0), 8);
        assert_eq!(h.list_size(1), 10);
        assert_eq!(h.overlap(0, 1), 3);
        assert_eq!(h.pattern_string(0b01), "10");
    }

    #[test]
    fn drop_and_merge() {
        let h = CaptureHistories::parse_csv("A,B,C,count\n100,0,0,1\n").err();
        assert!(h.is_some());
        let h = CaptureHistories::parse_csv("A,B,C,count\n1,0,0,1\n0,1,1,2\n1,0,1,4\n").unwrap();
        let d = h.drop_list(1).unwrap();
        assert_eq!(d.lists(), &["A".to_string(), "C".to_string()]);
        assert_eq!(d.count(0b01), 1);
        assert_eq!(d.count(0b10), 2);
        assert_eq!(d.count(0b11), 4);
        let m = h.merge_lists(0, 1).unwrap();
        assert_eq!(m.lists(), &["A+B".to_string(), "C".to_string()]);
        assert_eq!(m.count(0b01), 1);
        assert_eq!(m.count(0b11), 6);
        assert_eq!(m.observed(), h.observed());
    }

    #[test]
    fn strata_split() {
        let s =
            CaptureHistories::parse_csv_strata("sex,A,B,count\nm,1,0,1\nf,1,0,2\nm,1,1,3\n", "sex")
                .unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].0, "m");
        assert_eq!(s[0].1.observed(), 4);
        assert_eq!(s[1].1.observed(), 2);
    }
}
