#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    BadUrl(String),
    #[error("cannot open the store: {0}")]
    Connect(String),
    #[error("cannot migrate the store: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// From the SQLite reads that bypass sqlx ([`crate::rows`]).
    #[error("database error: {0}")]
    Sqlite(String),
    #[error("the store holds a value it cannot read ({what}): {detail}")]
    Corrupt { what: String, detail: String },
    #[error("unknown edition '{0}': run `zicht editions` for the list")]
    UnknownEdition(String),
    /// A delivery may not move that way, or not by this actor.
    #[error("{0}")]
    Transition(#[from] zicht_portal::TransitionError),
    /// A round plan with problems; each names where it is.
    #[error("the round cannot be opened: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Plan(Vec<zicht_portal::PlanProblem>),
    /// A round no longer allows this: it is closed (no deliveries, no
    /// reviews that ask for more), or a supplier has started (no edits).
    #[error("{0}")]
    RoundState(String),
    /// No such round, delivery, cell or definition.
    #[error("{0}")]
    NotFound(String),
    /// The actor may not see or change this.
    #[error("{0}")]
    Forbidden(String),
    /// The request itself is wrong (a cell not asked, an unreadable embargo).
    #[error("{0}")]
    Invalid(String),
    #[error("no user with the login '{0}'")]
    UnknownUser(String),
    #[error("the login '{0}' is taken")]
    LoginTaken(String),
    #[error("unknown organisation '{0}': it is not in the catalogue (run `zicht init` to load it, or `zicht init --data DIR` for another monitor)")]
    UnknownOrganisation(String),
    #[error("{0}")]
    InvalidUser(String),
    #[error("no API token {0} of this user")]
    UnknownToken(i64),
}
