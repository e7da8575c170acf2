//! The public monitor in SDMX, the format statistical offices and .Stat
//! Suite exchange: the data as SDMX-CSV 2.0 ([`data_csv`]) and its structure
//! as one SDMX-ML 3.0 structure message ([`structure_xml`]): a data
//! structure definition (DSD), its code lists and concepts, and the dataflow
//! the CSV names. No I/O; the CLI and the site write the files.
//!
//! One DSD serves every indicator. Its dimensions are `INDICATOR`, one per
//! dimension the catalogue declares (sex, age, origin, …) and
//! `TIME_PERIOD`; an indicator that is not broken down by a dimension, and a
//! cell that is its total, carry `_T`, SDMX's code for "total". Hierarchical
//! values (origin → country) are codes with a parent.
//!
//! zicht's statuses map onto SDMX's cross-domain code lists, `OBS_STATUS`
//! for what is known about the value and `CONF_STATUS` for why it is not
//! shown (see [`STATUS_MAP`]). Bounds (`<10`, a range, an estimate's
//! interval) go in the attributes `LOWER_BOUND` and `UPPER_BOUND`.
//!
//! The cells given must be the public ones (after the release path):
//! nothing here protects anything, and a confidential value given in would
//! go out.

mod structure;
mod time;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use zicht_model::{Catalogue, Cell, Status, Unit};

pub use structure::structure_xml;
pub use time::time_period;

/// The maintenance agency of zicht's own artefacts.
pub const AGENCY: &str = "ZICHT";
/// The version of the DSD, code lists and dataflow. Raise it when their
/// shape changes (a new dimension, a new attribute), not for new codes.
pub const VERSION: &str = "1.0.0";
pub const DATAFLOW: &str = "DF_ZICHT";
pub const DSD: &str = "DSD_ZICHT";
/// SDMX's code for the total of a dimension.
pub const TOTAL: &str = "_T";

/// How each status of a public cell is written: `OBS_STATUS` (SDMX
/// CL_OBS_STATUS 2.2) and `CONF_STATUS` (CL_CONF_STATUS 1.3), and whether
/// `OBS_VALUE` is given.
///
/// - exact, rounded: `A` normal value, `F` free, with the value;
/// - estimate: `E` estimated value, `F`, with the value and its interval;
/// - range: `O` missing value (no single value is known), `F`, with the
///   bounds;
/// - below (`<10`, hidden under a minimum-count rule): `Q` missing value,
///   suppressed, `A` primary confidentiality due to small counts, with the
///   upper bound the monitor shows;
/// - suppressed (hidden to protect another cell): `Q`, `D` secondary
///   confidentiality;
/// - refused (the supplier asked for it not to be shown): `Q`, `N` not for
///   publication;
/// - not available: `L` missing value, data exist but were not collected,
///   `F`.
pub const STATUS_MAP: [(Status, &str, &str, bool); 8] = [
    (Status::Exact, "A", "F", true),
    (Status::Rounded, "A", "F", true),
    (Status::Estimate, "E", "F", true),
    (Status::Range, "O", "F", false),
    (Status::Below, "Q", "A", false),
    (Status::Suppressed, "Q", "D", false),
    (Status::Refused, "Q", "N", false),
    (Status::NotAvailable, "L", "F", false),
];

fn status_codes(status: Status) -> (&'static str, &'static str, bool) {
    STATUS_MAP
        .iter()
        .find(|(s, ..)| *s == status)
        .map(|&(_, o, c, v)| (o, c, v))
        // Every status is in the table (a unit test checks it).
        .unwrap_or(("O", "F", false))
}

/// The code of a unit in the DSD's `CL_UNIT`.
pub fn unit_code(unit: Unit) -> &'static str {
    match unit {
        Unit::Count => "NUMBER",
        Unit::Percent => "PC",
        Unit::PercentChange => "PC_CHANGE",
        Unit::Euro => "EUR",
        Unit::Months => "MONTHS",
        Unit::Years => "YEARS",
    }
}

/// Why the monitor cannot be written in SDMX.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdmxError {
    /// Two ids of the catalogue become the same SDMX id (`a.b` and `a_b`).
    #[error(
        "{what} '{a}' and '{b}' both become the SDMX id '{id}': rename one of them in the data"
    )]
    IdClash {
        what: &'static str,
        a: String,
        b: String,
        id: String,
    },
    /// A cell names an indicator or a dimension value the catalogue lacks.
    #[error("cell {indicator} {period} [{breakdown}]: {why}")]
    UnknownCode {
        indicator: String,
        period: String,
        breakdown: String,
        why: String,
    },
}

/// An id of the catalogue as an SDMX id: SDMX ids allow letters, digits,
/// `_`, `@`, `$` and `-`, not the `.` zicht's ids use.
pub fn sdmx_id(id: &str) -> String {
    id.replace('.', "_")
}

/// The SDMX id of a dimension (its concept and column): upper case, as the
/// cross-domain concepts are written (`SEX`, `AGE`).
pub fn dimension_id(id: &str) -> String {
    sdmx_id(id).to_uppercase()
}

/// The dimensions of the DSD in order, after `INDICATOR` and before
/// `TIME_PERIOD`: the catalogue's dimensions in their declared order.
fn dimension_columns(cat: &Catalogue) -> Vec<(String, &zicht_model::Dimension)> {
    cat.dimensions
        .iter()
        .map(|d| (dimension_id(d.id.as_str()), d))
        .collect()
}

/// Checks that no two ids become the same SDMX id, among indicators, among
/// dimensions, and among each dimension's values.
fn check_ids(cat: &Catalogue) -> Result<(), SdmxError> {
    fn unique<'a>(
        what: &'static str,
        ids: impl Iterator<Item = (&'a str, String)>,
    ) -> Result<(), SdmxError> {
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for (id, sdmx) in ids {
            if let Some(other) = seen.insert(sdmx.clone(), id) {
                return Err(SdmxError::IdClash {
                    what,
                    a: other.to_owned(),
                    b: id.to_owned(),
                    id: sdmx,
                });
            }
        }
        Ok(())
    }
    unique(
        "indicator",
        cat.indicators
            .iter()
            .map(|i| (i.id.as_str(), sdmx_id(i.id.as_str()))),
    )?;
    let reserved = ["INDICATOR", "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS"];
    unique(
        "dimension",
        reserved.iter().map(|r| (*r, (*r).to_owned())).chain(
            cat.dimensions
                .iter()
                .map(|d| (d.id.as_str(), dimension_id(d.id.as_str()))),
        ),
    )?;
    for d in &cat.dimensions {
        unique(
            "dimension value",
            std::iter::once((TOTAL, TOTAL.to_owned())).chain(
                d.values
                    .iter()
                    .map(|v| (v.id.as_str(), sdmx_id(v.id.as_str()))),
            ),
        )?;
    }
    Ok(())
}

/// The `STRUCTURE_ID` of the data: the dataflow's short URN.
pub fn structure_id() -> String {
    format!("{AGENCY}:{DATAFLOW}({VERSION})")
}

/// The header of the SDMX-CSV file for this catalogue.
pub fn header(cat: &Catalogue) -> Vec<String> {
    let mut h: Vec<String> = ["STRUCTURE", "STRUCTURE_ID", "ACTION", "INDICATOR"]
        .map(str::to_owned)
        .to_vec();
    h.extend(dimension_columns(cat).into_iter().map(|(id, _)| id));
    h.extend(
        [
            "TIME_PERIOD",
            "OBS_VALUE",
            "OBS_STATUS",
            "CONF_STATUS",
            "UNIT_MEASURE",
            "LOWER_BOUND",
            "UPPER_BOUND",
        ]
        .map(str::to_owned),
    );
    h
}

/// A field as RFC 4180 wants it, and made inert for spreadsheets like every
/// CSV zicht writes (a code or number never needs it).
fn field(out: &mut String, text: &str) {
    let text = zicht_contract::inert(text);
    if text.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&text);
    }
}

/// The cells as SDMX-CSV 2.0: one observation per cell, in the order given,
/// `ACTION` `I` (information: merge into what the receiver holds).
pub fn data_csv(cat: &Catalogue, cells: &[Cell]) -> Result<String, SdmxError> {
    check_ids(cat)?;
    let dims = dimension_columns(cat);
    let index = cat.index();
    let structure = structure_id();
    let mut out = String::new();
    let header = header(cat);
    out.push_str(&header.join(","));
    out.push('\n');
    for c in cells {
        let unknown = |why: String| SdmxError::UnknownCode {
            indicator: c.indicator.to_string(),
            period: c.period.to_string(),
            breakdown: c.breakdown.to_string(),
            why,
        };
        let Some(ind) = index.indicator(c.indicator.as_str()) else {
            return Err(unknown("unknown indicator".into()));
        };
        for (dim, _) in c.breakdown.pairs() {
            if !dims.iter().any(|(_, d)| d.id == *dim) {
                return Err(unknown(format!("unknown dimension '{dim}'")));
            }
        }
        let _ = write!(out, "dataflow,{structure},I,{}", sdmx_id(ind.id.as_str()));
        for (_, d) in &dims {
            out.push(',');
            match c.breakdown.get(d.id.as_str()) {
                None => out.push_str(TOTAL),
                Some(v) if d.value(v.as_str()).is_some() => out.push_str(&sdmx_id(v.as_str())),
                Some(v) => {
                    return Err(unknown(format!(
                        "'{v}' is not a value of dimension '{}'",
                        d.id
                    )))
                }
            }
        }
        let (obs_status, conf_status, with_value) = status_codes(c.figure.status());
        let parts = c.figure.parts();
        let num = |v: Option<f64>| v.map(zicht_contract::write_number).unwrap_or_default();
        out.push(',');
        field(&mut out, &time_period(&c.period));
        out.push(',');
        out.push_str(&if with_value {
            num(parts.value)
        } else {
            String::new()
        });
        let _ = write!(out, ",{obs_status},{conf_status},{},", unit_code(ind.unit));
        out.push_str(&num(parts.lower));
        out.push(',');
        out.push_str(&num(parts.upper));
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_its_codes_and_a_hidden_one_no_value() {
        for s in Status::ALL {
            let (_, conf, with_value) = STATUS_MAP
                .iter()
                .find(|(t, ..)| *t == s)
                .map(|&(_, o, c, v)| (o, c, v))
                .unwrap_or_else(|| panic!("{s:?} has no SDMX codes"));
            if conf != "F" {
                assert!(!with_value, "{s:?} is confidential but carries its value");
            }
        }
    }

    #[test]
    fn ids_lose_their_points() {
        assert_eq!(sdmx_id("comensha.minor_victims"), "comensha_minor_victims");
        assert_eq!(dimension_id("age_band"), "AGE_BAND");
    }
}
