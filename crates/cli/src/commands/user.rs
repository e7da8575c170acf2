//! `zicht user …`: accounts from the terminal, for the first admin and for
//! scripts. Changes made here are audited with no actor (the terminal).

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;
use zicht_model::Role;
use zicht_store::{Contact, NewUser, StoreError};

#[derive(clap::Args, Debug)]
pub struct UserArgs {
    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user; prints a generated password once unless --password-stdin.
    Add(AddArgs),
    /// List the users.
    List,
    /// Make an API token for a user and print it once.
    Token(TokenArgs),
    /// Set where a user gets mail and in which language.
    Contact(ContactArgs),
}

/// The language a user's mail is written in.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Language {
    Nl,
    En,
}

impl From<Language> for zicht_model::Lang {
    fn from(l: Language) -> zicht_model::Lang {
        match l {
            Language::Nl => zicht_model::Lang::Nl,
            Language::En => zicht_model::Lang::En,
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct ContactArgs {
    pub login: String,
    /// The address; an empty one ("") stops their mail.
    #[arg(long)]
    pub email: String,
    /// nl (Dutch) or en (English).
    #[arg(long, value_enum, default_value = "nl")]
    pub language: Language,
}

#[derive(clap::Args, Debug)]
pub struct AddArgs {
    /// The login: a-z, 0-9, '.', '_', '-'.
    pub login: String,
    /// admin, editor or supplier.
    #[arg(long)]
    pub role: Role,
    /// The catalogue organisation a supplier delivers for (suppliers only).
    #[arg(long, value_name = "ORG")]
    pub organisation: Option<String>,
    /// The name shown in the portal; default: the login.
    #[arg(long)]
    pub name: Option<String>,
    /// Read the password from standard input instead of generating one.
    #[arg(long)]
    pub password_stdin: bool,
    /// Where the user gets mail (rounds, reminders, returns; editors: sign-offs
    /// and the digest). Without one, none.
    #[arg(long)]
    pub email: Option<String>,
    /// The one language of the user's mail: nl (Dutch) or en (English).
    #[arg(long, value_enum, default_value = "nl")]
    pub language: Language,
}

#[derive(clap::Args, Debug)]
pub struct TokenArgs {
    pub login: String,
    /// What the token is for, e.g. the script that uses it.
    #[arg(long)]
    pub name: String,
}

pub async fn run(db: &str, args: &UserArgs) -> anyhow::Result<ExitCode> {
    let store = super::open(db).await?;
    match &args.command {
        UserCommand::Add(a) => add(&store, a).await,
        UserCommand::List => list(&store).await,
        UserCommand::Token(a) => token(&store, a).await,
        UserCommand::Contact(a) => contact(&store, a).await,
    }
}

async fn add(store: &zicht_store::Store, a: &AddArgs) -> anyhow::Result<ExitCode> {
    let (password, generated) = if a.password_stdin {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading the password from standard input")?;
        // One trailing newline is how `echo` and most tools end a line.
        let text = text
            .strip_suffix('\n')
            .map(|t| t.strip_suffix('\r').unwrap_or(t))
            .unwrap_or(&text)
            .to_owned();
        (text, false)
    } else {
        (zicht_service::secrets::generate_password(), true)
    };
    let hash = zicht_service::secrets::hash_password(&password)?;
    let name = a.name.clone().unwrap_or_else(|| a.login.clone());
    let user = store
        .create_user_with_contact(
            None,
            &NewUser {
                login: &a.login,
                name: &name,
                role: a.role,
                organisation: a.organisation.as_deref(),
                password_hash: &hash,
            },
            &Contact {
                email: a.email.clone(),
                language: a.language.into(),
            },
        )
        .await
        .map_err(|e| match e {
            StoreError::UnknownOrganisation(org) => anyhow::anyhow!(
                "unknown organisation '{org}': it is not in the store's catalogue. Run `zicht init` first \
                 to load the monitor's organisations, or see `zicht init --data DIR`"
            ),
            e => e.into(),
        })?;
    println!(
        "added {} ({}{})",
        user.login,
        user.role,
        user.organisation
            .as_deref()
            .map(|o| format!(", {o}"))
            .unwrap_or_default()
    );
    if generated {
        println!("password (shown once): {password}");
    }
    Ok(ExitCode::SUCCESS)
}

async fn contact(store: &zicht_store::Store, a: &ContactArgs) -> anyhow::Result<ExitCode> {
    let c = store
        .set_contact(
            None,
            &a.login,
            &Contact {
                email: Some(a.email.clone()),
                language: a.language.into(),
            },
        )
        .await?;
    match c.email {
        Some(e) => println!(
            "{}: mail to {e}, in {}",
            a.login,
            zicht_store::lang_code(c.language)
        ),
        None => println!("{}: no mail", a.login),
    }
    Ok(ExitCode::SUCCESS)
}

async fn list(store: &zicht_store::Store) -> anyhow::Result<ExitCode> {
    let users = store.users().await?;
    if users.is_empty() {
        eprintln!("no users yet: add the first admin with `zicht user add LOGIN --role admin`");
    }
    for u in users {
        println!(
            "{}\t{}\t{}\t{}\t{}",
            u.login,
            u.role,
            u.organisation.as_deref().unwrap_or("-"),
            if u.disabled { "disabled" } else { "active" },
            u.name
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn token(store: &zicht_store::Store, a: &TokenArgs) -> anyhow::Result<ExitCode> {
    let user = store
        .user_by_login(&a.login)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user '{}': see `zicht user list`", a.login))?;
    let secret = zicht_service::secrets::new_api_token();
    let t = store
        .create_token(
            None,
            user.id,
            &a.name,
            &zicht_service::secrets::hash_token(&secret),
        )
        .await?;
    eprintln!(
        "token {} '{}' for {} (shown once; use it as Authorization: Bearer TOKEN):",
        t.id, t.name, user.login
    );
    println!("{secret}");
    Ok(ExitCode::SUCCESS)
}
