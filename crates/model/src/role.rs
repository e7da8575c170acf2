//! Who may do what on the working side. The checks themselves run on the
//! server; this is the vocabulary they share with the store and the CLI.

use std::fmt;
use std::str::FromStr;

/// A user's role. A supplier is bound to one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Manages users, sees the audit trail, and may do what an editor does.
    Admin,
    /// Runs request rounds, reviews deliveries, writes the monitor's texts,
    /// releases editions.
    Editor,
    /// Delivers the figures its organisation is asked for, and nothing else.
    Supplier,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Editor, Role::Supplier];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Supplier => "supplier",
        }
    }

    /// Whether this role may do what an editor does.
    pub fn edits(self) -> bool {
        matches!(self, Role::Admin | Role::Editor)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a role: use admin, editor or supplier")]
pub struct RoleParseError(pub String);

impl FromStr for Role {
    type Err = RoleParseError;
    fn from_str(s: &str) -> Result<Role, RoleParseError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| RoleParseError(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_the_unknown() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert!("Admin".parse::<Role>().is_err());
        assert!(Role::Admin.edits() && Role::Editor.edits() && !Role::Supplier.edits());
    }
}
