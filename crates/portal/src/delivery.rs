//! The life of a delivery — one per round and supplier organisation — and
//! who may move it.
//!
//! ```text
//!            save_draft              submit (sign-off, complete)
//!   ┌──────┐ ─────────▶ draft ───────────────────────────────▶ submitted
//!   │      │                                                   │   │
//!   │  returned ◀──────────── return (message) ────────────────┘   │ accept
//!   │      ▲  ─── submit ───▶ submitted                            ▼
//!   │      └────────── reopen cell (message) ────────────────── accepted
//! ```
//!
//! A supplier works on its own organisation's delivery only; an editor (or
//! admin) reviews. Each rule is a plain function so the store can call it
//! inside the transaction that makes the change.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use zicht_model::{Role, Slug};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// The supplier is filling it in; nothing is signed off.
    Draft,
    /// Signed off by the supplier; waiting for review.
    Submitted,
    /// Accepted by an editor; its cells are in the monitor.
    Accepted,
    /// Sent back to the supplier with a message (or a cell reopened); to be
    /// corrected and signed off again.
    Returned,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 4] = [
        DeliveryState::Draft,
        DeliveryState::Submitted,
        DeliveryState::Accepted,
        DeliveryState::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Draft => "draft",
            DeliveryState::Submitted => "submitted",
            DeliveryState::Accepted => "accepted",
            DeliveryState::Returned => "returned",
        }
    }

    /// Whether the supplier may change its cells in this state.
    pub fn editable(self) -> bool {
        matches!(self, DeliveryState::Draft | DeliveryState::Returned)
    }
}

impl fmt::Display for DeliveryState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a delivery state: use draft, submitted, accepted or returned")]
pub struct DeliveryStateParseError(pub String);

impl FromStr for DeliveryState {
    type Err = DeliveryStateParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DeliveryState::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| DeliveryStateParseError(s.to_owned()))
    }
}

/// Who acts: a login with its role and, for a supplier, its organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub login: String,
    pub role: Role,
    /// The organisation a supplier delivers for; `None` for editors and
    /// admins.
    pub organisation: Option<Slug>,
}

impl Actor {
    pub fn supplier(login: &str, organisation: Slug) -> Actor {
        Actor {
            login: login.to_owned(),
            role: Role::Supplier,
            organisation: Some(organisation),
        }
    }

    pub fn editor(login: &str) -> Actor {
        Actor {
            login: login.to_owned(),
            role: Role::Editor,
            organisation: None,
        }
    }

    /// Whether this actor delivers for `organisation`.
    pub fn supplies(&self, organisation: &Slug) -> bool {
        self.role == Role::Supplier && self.organisation.as_ref() == Some(organisation)
    }

    /// Whether this actor may see `organisation`'s deliveries: its own
    /// supplier, or anyone who edits.
    pub fn may_see(&self, organisation: &Slug) -> bool {
        self.role.edits() || self.supplies(organisation)
    }
}

/// What can be done to a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryAction {
    SaveDraft,
    Submit,
    Accept,
    Return,
    ReopenCell,
}

impl DeliveryAction {
    pub const ALL: [DeliveryAction; 5] = [
        DeliveryAction::SaveDraft,
        DeliveryAction::Submit,
        DeliveryAction::Accept,
        DeliveryAction::Return,
        DeliveryAction::ReopenCell,
    ];

    /// The audit trail's name for it.
    pub fn audit_action(self) -> &'static str {
        match self {
            DeliveryAction::SaveDraft => "delivery.save_draft",
            DeliveryAction::Submit => "delivery.submit",
            DeliveryAction::Accept => "delivery.accept",
            DeliveryAction::Return => "delivery.return",
            DeliveryAction::ReopenCell => "cell.reopen",
        }
    }

    fn verb(self) -> &'static str {
        match self {
            DeliveryAction::SaveDraft => "save a draft of",
            DeliveryAction::Submit => "sign off",
            DeliveryAction::Accept => "accept",
            DeliveryAction::Return => "return",
            DeliveryAction::ReopenCell => "reopen a cell of",
        }
    }

    fn by_supplier(self) -> bool {
        matches!(self, DeliveryAction::SaveDraft | DeliveryAction::Submit)
    }
}

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("only a supplier of {organisation} may {verb} its delivery")]
    NotOwnOrganisation {
        organisation: String,
        verb: &'static str,
    },
    #[error("only an editor may {verb} a delivery")]
    NotEditor { verb: &'static str },
    #[error("a {state} delivery cannot be {done}: {hint}")]
    WrongState {
        state: DeliveryState,
        done: &'static str,
        hint: &'static str,
    },
    #[error("{0} asked cell(s) have no answer yet: give a value or a status (refused with a reason, not available) for each before signing off")]
    Incomplete(usize),
    #[error("write a message for the supplier saying what to correct")]
    MessageRequired,
}

/// Checks whether `actor` may do `action` to a delivery of `organisation`
/// in `state`, and gives the state it moves to.
///
/// `missing` is how many asked cells the delivery still lacks; only a submit
/// looks at it. `message` is the editor's message for a return or a reopen.
pub fn transition(
    action: DeliveryAction,
    state: DeliveryState,
    actor: &Actor,
    organisation: &Slug,
    missing: usize,
    message: Option<&str>,
) -> Result<DeliveryState, TransitionError> {
    use DeliveryAction as A;
    use DeliveryState as S;
    if action.by_supplier() {
        if !actor.supplies(organisation) {
            return Err(TransitionError::NotOwnOrganisation {
                organisation: organisation.to_string(),
                verb: action.verb(),
            });
        }
    } else if !actor.role.edits() {
        return Err(TransitionError::NotEditor {
            verb: action.verb(),
        });
    }
    let wrong = |done, hint| Err(TransitionError::WrongState { state, done, hint });
    match (action, state) {
        (A::SaveDraft, S::Draft) => Ok(S::Draft),
        // Correcting a returned delivery keeps it returned until it is
        // signed off again, so the editor's message stays in view.
        (A::SaveDraft, S::Returned) => Ok(S::Returned),
        (A::SaveDraft, S::Submitted | S::Accepted) => wrong(
            "changed",
            "it is signed off; ask an editor to return it or reopen a cell",
        ),
        (A::Submit, S::Draft | S::Returned) => {
            if missing > 0 {
                Err(TransitionError::Incomplete(missing))
            } else {
                Ok(S::Submitted)
            }
        }
        (A::Submit, S::Submitted | S::Accepted) => wrong(
            "signed off again",
            "it is already signed off; ask an editor to return it or reopen a cell",
        ),
        (A::Accept, S::Submitted) => Ok(S::Accepted),
        (A::Accept, S::Draft | S::Returned | S::Accepted) => wrong(
            "accepted",
            "only a signed-off delivery that is waiting for review can be accepted",
        ),
        (A::Return, S::Submitted) => match message {
            Some(m) if !m.trim().is_empty() => Ok(S::Returned),
            _ => Err(TransitionError::MessageRequired),
        },
        (A::Return, S::Draft | S::Returned | S::Accepted) => wrong(
            "returned",
            "only a signed-off delivery that is waiting for review can be returned; reopen a cell of an accepted one",
        ),
        (A::ReopenCell, S::Submitted | S::Accepted) => match message {
            Some(m) if !m.trim().is_empty() => Ok(S::Returned),
            _ => Err(TransitionError::MessageRequired),
        },
        (A::ReopenCell, S::Draft | S::Returned) => wrong(
            "reopened",
            "its cells are still open to the supplier",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DeliveryAction as A;
    use DeliveryState as S;

    fn org(s: &str) -> Slug {
        Slug::parse(s).unwrap()
    }

    fn supplier() -> Actor {
        Actor::supplier("sup", org("comensha"))
    }
    fn other_supplier() -> Actor {
        Actor::supplier("pol", org("politie"))
    }
    fn admin() -> Actor {
        Actor {
            login: "adm".into(),
            role: Role::Admin,
            organisation: None,
        }
    }

    /// The complete table: every action in every state, with the state it
    /// moves to or `None` where it is refused for the right actor.
    fn expected(action: DeliveryAction, state: DeliveryState) -> Option<DeliveryState> {
        match (action, state) {
            (A::SaveDraft, S::Draft) => Some(S::Draft),
            (A::SaveDraft, S::Returned) => Some(S::Returned),
            (A::Submit, S::Draft | S::Returned) => Some(S::Submitted),
            (A::Accept, S::Submitted) => Some(S::Accepted),
            (A::Return, S::Submitted) => Some(S::Returned),
            (A::ReopenCell, S::Submitted | S::Accepted) => Some(S::Returned),
            _ => None,
        }
    }

    #[test]
    fn every_action_in_every_state_by_the_right_actor() {
        let o = org("comensha");
        for action in DeliveryAction::ALL {
            for state in DeliveryState::ALL {
                let actor = if action.by_supplier() {
                    supplier()
                } else {
                    Actor::editor("ed")
                };
                let got = transition(action, state, &actor, &o, 0, Some("fix 2022"));
                match expected(action, state) {
                    Some(next) => assert_eq!(got, Ok(next), "{action:?} in {state}"),
                    None => assert!(
                        matches!(got, Err(TransitionError::WrongState { .. })),
                        "{action:?} in {state}: {got:?}"
                    ),
                }
            }
        }
    }

    #[test]
    fn suppliers_act_only_for_their_own_organisation_and_never_review() {
        let o = org("comensha");
        for state in DeliveryState::ALL {
            for action in [A::SaveDraft, A::Submit] {
                assert!(matches!(
                    transition(action, state, &other_supplier(), &o, 0, None),
                    Err(TransitionError::NotOwnOrganisation { .. })
                ));
                // Editors review; they do not sign off in a supplier's name.
                for actor in [Actor::editor("ed"), admin()] {
                    assert!(matches!(
                        transition(action, state, &actor, &o, 0, None),
                        Err(TransitionError::NotOwnOrganisation { .. })
                    ));
                }
            }
            for action in [A::Accept, A::Return, A::ReopenCell] {
                assert!(matches!(
                    transition(action, state, &supplier(), &o, 0, Some("m")),
                    Err(TransitionError::NotEditor { .. })
                ));
            }
        }
    }

    #[test]
    fn admins_review_like_editors() {
        let o = org("comensha");
        assert_eq!(
            transition(A::Accept, S::Submitted, &admin(), &o, 0, None),
            Ok(S::Accepted)
        );
        assert_eq!(
            transition(A::ReopenCell, S::Accepted, &admin(), &o, 0, Some("check")),
            Ok(S::Returned)
        );
    }

    #[test]
    fn sign_off_needs_every_asked_cell_and_a_return_needs_a_message() {
        let o = org("comensha");
        assert_eq!(
            transition(A::Submit, S::Draft, &supplier(), &o, 3, None),
            Err(TransitionError::Incomplete(3))
        );
        // A draft may be saved with cells missing.
        assert_eq!(
            transition(A::SaveDraft, S::Draft, &supplier(), &o, 3, None),
            Ok(S::Draft)
        );
        for m in [None, Some(""), Some("  ")] {
            assert_eq!(
                transition(A::Return, S::Submitted, &Actor::editor("e"), &o, 0, m),
                Err(TransitionError::MessageRequired)
            );
            assert_eq!(
                transition(A::ReopenCell, S::Accepted, &Actor::editor("e"), &o, 0, m),
                Err(TransitionError::MessageRequired)
            );
        }
    }

    #[test]
    fn states_round_trip_as_text() {
        for s in DeliveryState::ALL {
            assert_eq!(s.as_str().parse::<DeliveryState>(), Ok(s));
        }
        assert!("Draft".parse::<DeliveryState>().is_err());
    }
}
