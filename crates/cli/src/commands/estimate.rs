//! `zicht estimate FILE.csv`: how many victims are out of sight, by multiple
//! systems estimation on capture histories (one 0/1 column per list, then
//! `count`). The numerics live in `zicht-estimate`; this is file reading and
//! printing only.

use std::path::PathBuf;

use anyhow::Context;
use zicht_estimate::{
    estimate, estimate_covariates, estimate_strata, render_strata_text, CaptureHistories,
    CovariateHistories, LcmOptions, Method, Options, Report, Resampling, StratumReport,
};

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MethodArg {
    /// Forward selection of interactions by Poisson p-value (SparseMSE).
    Stepwise,
    /// All models, lowest BIC; profile-likelihood estimate (Rcapture).
    Bic,
    /// All models, lowest AIC; profile-likelihood estimate.
    Aic,
    /// Main effects only: the lists are taken as independent.
    Main,
    /// Chapman's two-list estimator.
    Chapman,
    /// Bayesian latent-class model (LCMCR): capture that differs between people.
    Lcm,
}

impl From<MethodArg> for Method {
    fn from(m: MethodArg) -> Self {
        match m {
            MethodArg::Stepwise => Method::Stepwise,
            MethodArg::Bic => Method::Bic,
            MethodArg::Aic => Method::Aic,
            MethodArg::Main => Method::MainEffects,
            MethodArg::Chapman => Method::Chapman,
            MethodArg::Lcm => Method::Lcm,
        }
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResamplingArg {
    /// Draw from the estimated population, so the observed count varies too
    /// (wider: 97–98% coverage of 95% intervals in simulations).
    Population,
    /// Resample exactly the observed people, as SparseMSE (the default:
    /// nearer 95% coverage in simulations).
    Observed,
}

#[derive(clap::Args, Debug, Clone)]
pub struct EstimateArgs {
    /// Capture histories: one 0/1 column per list (named by the list), then
    /// `count`. Leave out with --from-store.
    #[arg(required_unless_present = "from_store")]
    pub file: Option<PathBuf>,
    /// How the model is chosen.
    #[arg(long, value_enum, default_value_t = MethodArg::Stepwise)]
    pub method: MethodArg,
    /// p-value below which the stepwise method adds an interaction.
    #[arg(long, value_name = "P", default_value_t = 0.02)]
    pub threshold: f64,
    /// BCa bootstrap replicates with the selection repeated in each; 0 for none.
    /// Default 1000, except for bic/aic where every replicate searches all
    /// models and the default is 0.
    #[arg(long, value_name = "N")]
    pub bootstrap: Option<usize>,
    /// How bootstrap replicates draw people.
    #[arg(long, value_enum, default_value_t = ResamplingArg::Observed)]
    pub resampling: ResamplingArg,
    /// Seed of the bootstrap; the same seed gives the same interval.
    #[arg(long, value_name = "S", default_value_t = 1234)]
    pub seed: u64,
    /// Coverage of the intervals.
    #[arg(long, value_name = "LEVEL", default_value_t = 0.95)]
    pub level: f64,
    /// Estimate each stratum named in this column separately.
    #[arg(long, value_name = "NAME")]
    pub stratum_column: Option<String>,
    /// Categorical covariate columns beside the lists (e.g. `age,sex`): a
    /// log-linear model with list × covariate interactions chosen on BIC,
    /// an estimate per stratum and their total.
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub covariates: Vec<String>,
    /// Leave out the sensitivity table (merging or dropping lists, other models).
    #[arg(long)]
    pub no_sensitivity: bool,
    /// Print JSON (`estimate`, `ci_lower`, `ci_upper`, `observed`, `model`, …) instead of text.
    #[arg(long)]
    pub json: bool,
    /// lcm: the most latent classes (truncation of the Dirichlet process).
    #[arg(long, value_name = "K", default_value_t = LcmOptions::default().classes)]
    pub classes: usize,
    /// lcm: iterations dropped at the start of each chain.
    #[arg(long, value_name = "N", default_value_t = LcmOptions::default().burn_in)]
    pub burn_in: usize,
    /// lcm: iterations between kept draws.
    #[arg(long, value_name = "N", default_value_t = LcmOptions::default().thinning)]
    pub thinning: usize,
    /// lcm: draws kept per chain.
    #[arg(long, value_name = "N", default_value_t = LcmOptions::default().samples)]
    pub samples: usize,
    /// lcm: chains, run in parallel; the draws do not depend on the thread count.
    #[arg(long, value_name = "N", default_value_t = LcmOptions::default().chains)]
    pub chains: usize,
}

/// What was estimated, for callers that store the result (`--save`): one
/// entry without `--stratum-column`, else one per stratum that has an
/// estimate (the others were reported as having none).
#[derive(Debug, Clone)]
pub struct EstimateOutcome {
    pub reports: Vec<(Option<String>, Report)>,
}

fn options(args: &EstimateArgs) -> Options {
    let method = Method::from(args.method);
    let default_boot = match method {
        Method::Bic | Method::Aic | Method::Lcm => 0,
        _ => 1000,
    };
    Options {
        method,
        threshold: args.threshold,
        bootstrap: args.bootstrap.unwrap_or(default_boot),
        seed: args.seed,
        level: args.level,
        sensitivity: !args.no_sensitivity,
        resampling: match args.resampling {
            ResamplingArg::Population => Resampling::Population,
            ResamplingArg::Observed => Resampling::Observed,
        },
        lcm: LcmOptions {
            classes: args.classes,
            burn_in: args.burn_in,
            thinning: args.thinning,
            samples: args.samples,
            chains: args.chains,
            ..LcmOptions::default()
        },
    }
}

fn diagnostics_error(file: &str, diags: Vec<zicht_estimate::Diagnostic>) -> anyhow::Error {
    let lines: Vec<String> = diags.iter().map(|d| format!("{file}: {d}")).collect();
    anyhow::anyhow!(
        "{} cannot be used for estimation:\n{}",
        file,
        lines.join("\n")
    )
}

pub fn run(args: &EstimateArgs) -> anyhow::Result<EstimateOutcome> {
    let Some(file) = &args.file else {
        anyhow::bail!("give a capture-histories file, or --from-store INDICATOR --period P");
    };
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {name}"))?;
    run_text(args, &name, &text)
}

/// Estimates from capture histories already read (a file, or the store).
pub fn run_text(args: &EstimateArgs, name: &str, text: &str) -> anyhow::Result<EstimateOutcome> {
    let name = name.to_owned();
    let text = text.to_owned();
    let opts = options(args);
    if !args.covariates.is_empty() {
        let names: Vec<&str> = args.covariates.iter().map(String::as_str).collect();
        let data = CovariateHistories::parse_csv(&text, &names)
            .map_err(|d| diagnostics_error(&name, d))?;
        let report =
            estimate_covariates(&data, opts.level).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        if args.json {
            println!("{}", report.to_json());
        } else {
            print!("{}", report.render_text());
        }
        return Ok(EstimateOutcome {
            reports: Vec::new(),
        });
    }
    match &args.stratum_column {
        None => {
            let data =
                CaptureHistories::parse_csv(&text).map_err(|d| diagnostics_error(&name, d))?;
            let report = estimate(&data, &opts).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
            if args.json {
                println!("{}", report.to_json());
            } else {
                print!("{}", report.render_text());
            }
            Ok(EstimateOutcome {
                reports: vec![(None, report)],
            })
        }
        Some(column) => {
            let strata = CaptureHistories::parse_csv_strata(&text, column)
                .map_err(|d| diagnostics_error(&name, d))?;
            let results: Vec<StratumReport> = estimate_strata(&strata, &opts);
            if args.json {
                println!("{}", serde_json::to_string_pretty(&results)?);
            } else {
                print!("{}", render_strata_text(&results));
            }
            if results.iter().all(|r| r.report.is_none()) {
                anyhow::bail!("{name}: no stratum has an estimate");
            }
            Ok(EstimateOutcome {
                reports: results
                    .into_iter()
                    .filter_map(|r| r.report.map(|rep| (Some(r.stratum), rep)))
                    .collect(),
            })
        }
    }
}
