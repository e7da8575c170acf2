pub mod encode;
pub mod estimate;
pub mod estimate_cmd;
pub mod export;
pub mod import;
pub mod indicators;
pub mod init;
pub mod link;
pub mod protect;
pub mod publish;
pub mod recommendations;
#[cfg(feature = "serve")]
pub mod serve;
pub mod show;
pub mod user;

use anyhow::Context;
use zicht_store::{AsOf, Store};

pub async fn open(db: &str) -> anyhow::Result<Store> {
    Store::open(db)
        .await
        .with_context(|| format!("opening the store {db}"))
}

/// `--as-of DATE` / `--edition ID`, shared by every reading command.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct AsOfArgs {
    /// Answer with what was known at the end of this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", conflicts_with = "edition")]
    pub as_of: Option<String>,
    /// Answer with what was known at this edition's cut-off.
    #[arg(long, value_name = "ID")]
    pub edition: Option<String>,
}

impl AsOfArgs {
    pub fn as_of(&self) -> anyhow::Result<AsOf> {
        if let Some(d) = &self.as_of {
            let day: zicht_model::Day = d.parse().map_err(|_| {
                anyhow::anyhow!("--as-of takes a day such as 2023-10-01, not '{d}'")
            })?;
            return Ok(AsOf::Date(day));
        }
        Ok(match &self.edition {
            Some(e) => AsOf::Edition(e.clone()),
            None => AsOf::Latest,
        })
    }
}
