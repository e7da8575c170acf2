//! Multiple systems estimation (capture–recapture with several lists) for
//! zicht: how many victims are out of sight, given who was seen on which list.
//!
//! Pure numerics: no files, no network, no printing. See README.md for the
//! algorithms and why they were chosen.
//!
//! ```
//! use zicht_estimate::{estimate, CaptureHistories, Options};
//! let data = CaptureHistories::parse_csv("A,B,C,count\n1,0,0,50\n0,1,0,40\n0,0,1,30\n1,1,0,10\n1,0,1,8\n0,1,1,6\n1,1,1,2\n").unwrap();
//! let report = estimate(&data, &Options { bootstrap: 0, sensitivity: false, ..Options::default() }).unwrap();
//! assert!(report.estimate > report.observed as f64);
//! println!("{}", report.render_text());
//! ```

mod average;
mod bootstrap;
mod covariates;
pub mod data;
pub mod error;
mod estimate;
mod exist;
mod fit;
mod interval;
mod lcm;
mod model;
mod report;
mod select;
mod work;

pub use average::{ModelAverage, WeightedModel};
pub use bootstrap::{BootstrapSummary, Resampling};
pub use covariates::{estimate_covariates, CovariateHistories, CovariateReport, StratumEstimate};
pub use data::{CaptureHistories, Diagnostic, MAX_LISTS};
pub use error::EstimateError;
pub use estimate::{
    fit, FitSummary, IntervalKind, Method, ModelEstimate, ProfileSummary, RankedModel,
};
pub use lcm::{
    effective_sample_size, fit_lcm, split_rhat, LcmOptions, LcmResult, ESS_WARN, RHAT_WARN,
};
pub use report::{
    estimate, estimate_strata, fmt_count, render_strata_text, Disagreement, ListSummary, Options,
    Overlap, Report, SensitivityRow, StratumReport, BOOTSTRAP_LP_BUDGET, DISAGREEMENT,
    MAX_BOOTSTRAP, SENSITIVITY_LP_BUDGET,
};
pub use select::{MAX_SEARCH_LISTS, SEARCH_LP_BUDGET};
pub use work::WorkDone;
