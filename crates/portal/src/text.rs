//! The working side's words in both languages, in one place: a problem, a
//! refusal, a state. A page shows one of them ([`Text::get`]); the JSON API,
//! the CLI and the logs keep the English ([`fmt::Display`]).

use std::fmt;

use zicht_model::{Lang, Role};

use zicht_contract::NumberError;
use zicht_model::{FigureError, PeriodError};

use crate::delivered::{DeliveredError, MAX_REASON};
use crate::delivery::{DeliveryState, TransitionError};

/// A message in Dutch and English.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text {
    pub nl: String,
    pub en: String,
}

impl Text {
    pub fn new(nl: impl Into<String>, en: impl Into<String>) -> Text {
        Text {
            nl: nl.into(),
            en: en.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Nl => &self.nl,
            Lang::En => &self.en,
        }
    }

    /// `prefix` (in both languages) before this text.
    pub fn after(self, nl: &str, en: &str) -> Text {
        Text::new(format!("{nl}{}", self.nl), format!("{en}{}", self.en))
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

/// A message of another room that has no Dutch yet (a slug, a breakdown,
/// a status, the catalogue's cell checks): the English in both.
pub fn foreign(e: &dyn fmt::Display) -> Text {
    let en = e.to_string();
    Text::new(en.clone(), en)
}

/// A number a person typed that is not one, with the fix, in both languages.
pub fn number(e: &NumberError) -> Text {
    use NumberError as N;
    let nl = match e {
        N::Empty => "het veld is leeg: schrijf een getal (0 als er geen zijn)".to_owned(),
        N::DutchThousands { text, plain, decimal } => format!(
            "'{text}' heeft punten als duizendtalscheiding: schrijf {plain} zonder scheiding; een aantal personen is een geheel getal{}",
            decimal
                .as_deref()
                .map(|d| format!(" (een decimaal getal met drie cijfers achter de punt krijgt een vierde: {d})"))
                .unwrap_or_default()
        ),
        N::DecimalComma { text, plain } => format!(
            "'{text}' is geen getal: de punt scheidt de decimalen, schrijf dus {plain}"
        ),
        N::AmbiguousComma { text, whole, decimal } => format!(
            "'{text}' is geen getal: schrijf {whole} als de komma duizendtallen scheidt, of {decimal} als het een decimale komma is (de punt scheidt de decimalen)"
        ),
        N::ThousandsComma { text, plain } => format!(
            "'{text}' is geen getal: schrijf {plain} zonder duizendtalscheiding"
        ),
        N::Spaces { text, plain } => {
            format!("'{text}' is geen getal: schrijf {plain} zonder spaties")
        }
        N::Exponent { text, plain } => format!(
            "'{text}' gebruikt een exponent: schrijf het getal uit in cijfers, {plain}"
        ),
        N::PlusSign { text, plain } => {
            format!("'{text}' heeft een '+': laat die weg en schrijf {plain}")
        }
        N::BarePoint { text, plain } => format!(
            "'{text}' heeft aan beide kanten van de punt een cijfer nodig: schrijf {plain}"
        ),
        N::NotFinite { text } => format!(
            "'{text}' is geen cijfer: laat het veld leeg en geef de status die zegt waarom er geen cijfer is"
        ),
        N::TooLarge { text } => {
            format!("'{text}' is te groot voor een cijfer: kijk het getal na")
        }
        N::Other { text } => format!(
            "'{text}' is geen getal: schrijf cijfers, met een punt voor de decimalen en zonder duizendtalscheiding, bijv. 283 of 76.6"
        ),
        N::NotWhole { text } => format!(
            "'{text}' is geen geheel getal: schrijf een aantal personen als een geheel getal van 0 of meer"
        ),
        N::Negative { text } => format!(
            "'{text}' is negatief: schrijf een aantal personen als een geheel getal van 0 of meer"
        ),
    };
    Text::new(nl, e.to_string())
}

/// A figure whose parts do not fit its status.
pub fn figure(e: &FigureError) -> Text {
    use FigureError as F;
    let nl = match e {
        F::Missing { status, field } => {
            format!("status {status} heeft een {} nodig", field_nl(field))
        }
        F::Unexpected { status, field } => {
            format!(
                "status {status} heeft geen {}: laat het leeg",
                field_nl(field)
            )
        }
        F::NotFinite { field } => format!("{} is geen eindig getal", field_nl(field)),
        F::Inverted { lower, upper } => {
            format!("ondergrens {lower} ligt boven bovengrens {upper}")
        }
        F::OutsideInterval {
            value,
            lower,
            upper,
        } => format!("schatting {value} ligt buiten haar interval {lower}–{upper}"),
        F::EmptyEstimate => "een schatting heeft een waarde nodig, of beide grenzen".to_owned(),
        F::BadBase(b) => format!("de afrondingsbasis moet positief zijn, niet {b}"),
    };
    Text::new(nl, e.to_string())
}

fn field_nl(field: &str) -> &str {
    match field {
        "value" => "waarde",
        "lower" => "ondergrens",
        "upper" => "bovengrens",
        other => other,
    }
}

/// A delivered cell refused.
pub fn delivered(e: &DeliveredError) -> Text {
    use DeliveredError as D;
    let nl = match e {
        D::NotDeliverable(s) => format!(
            "een leverancier kan status {s} niet leveren: gebruik exact, below, range, rounded, refused of not_available"
        ),
        D::ReasonRequired => "een weigering heeft een reden nodig: zeg waarom het cijfer niet wordt gegeven".to_owned(),
        D::ReasonUnexpected => "een reden is alleen voor refused of not_available: laat haar leeg bij een cijfer".to_owned(),
        D::Text(p) => format!("de reden {p}"),
        D::ReasonTooLong(n) => format!(
            "de reden is {n} tekens lang: houd haar onder {MAX_REASON} (ze wordt als voetnoot gepubliceerd)"
        ),
        D::ReasonControl => "de reden bevat een stuurteken: typ haar als gewone tekst op één regel".to_owned(),
    };
    Text::new(nl, e.to_string())
}

/// A period that is not one.
pub fn period(e: &PeriodError) -> Text {
    let nl = match e {
        PeriodError::Syntax(p) => format!(
            "'{p}' is geen ISO 8601-periode: schrijf een jaar (2020), een maand (2023-05), een dag (2023-05-15) of een reeks (2017/2021)"
        ),
        PeriodError::NoSuchDate(p) => format!("'{p}' is geen bestaande datum"),
        PeriodError::Backwards(p) => format!("de reeks '{p}' eindigt voordat ze begint"),
    };
    Text::new(nl, e.to_string())
}

/// A state as a person reads it.
pub fn state(s: DeliveryState) -> Text {
    let (nl, en) = match s {
        DeliveryState::Draft => ("concept", "draft"),
        DeliveryState::Submitted => ("ingediend", "submitted"),
        DeliveryState::Accepted => ("geaccepteerd", "accepted"),
        DeliveryState::Returned => ("teruggestuurd", "returned"),
    };
    Text::new(nl, en)
}

/// A role as a person reads it.
pub fn role(r: Role) -> Text {
    let (nl, en) = match r {
        Role::Admin => ("beheerder", "admin"),
        Role::Editor => ("redacteur", "editor"),
        Role::Supplier => ("leverancier", "supplier"),
    };
    Text::new(nl, en)
}

impl TransitionError {
    /// The refusal in both languages; its `Display` is the English. A
    /// phrase without Dutch below stays English (a test walks them all).
    pub fn text(&self) -> Text {
        let nl = match self {
            TransitionError::NotOwnOrganisation { organisation, verb } => format!(
                "alleen een leverancier van {organisation} mag {}",
                verb_nl(verb)
            ),
            TransitionError::NotEditor { verb } => {
                format!("alleen een redacteur mag {}", verb_nl(verb))
            }
            TransitionError::WrongState { state: s, done, hint } => format!(
                "een levering met de status {} kan niet worden {}: {}",
                state(*s).nl,
                done_nl(done),
                hint_nl(hint)
            ),
            TransitionError::Incomplete(n) => format!(
                "{n} gevraagde cel(len) hebben nog geen antwoord: geef bij elke cel een waarde of een status (geweigerd met een reden, niet beschikbaar) voordat u aftekent"
            ),
            TransitionError::MessageRequired => {
                "schrijf een bericht aan de leverancier met wat er verbeterd moet worden".into()
            }
        };
        Text::new(nl, self.to_string())
    }
}

fn verb_nl(verb: &'static str) -> &'static str {
    match verb {
        "save a draft of" => "een concept van de levering opslaan",
        "sign off" => "de levering aftekenen",
        "accept" => "een levering accepteren",
        "return" => "een levering terugsturen",
        "reopen a cell of" => "een cel van een levering heropenen",
        other => other,
    }
}

fn done_nl(done: &'static str) -> &'static str {
    match done {
        "changed" => "gewijzigd",
        "signed off again" => "opnieuw afgetekend",
        "accepted" => "geaccepteerd",
        "returned" => "teruggestuurd",
        "reopened" => "heropend",
        other => other,
    }
}

fn hint_nl(hint: &'static str) -> &'static str {
    match hint {
        "it is signed off; ask an editor to return it or reopen a cell" => {
            "ze is afgetekend; vraag een redacteur haar terug te sturen of een cel te heropenen"
        }
        "it is already signed off; ask an editor to return it or reopen a cell" => {
            "ze is al afgetekend; vraag een redacteur haar terug te sturen of een cel te heropenen"
        }
        "only a signed-off delivery that is waiting for review can be accepted" => {
            "alleen een afgetekende levering die op beoordeling wacht kan worden geaccepteerd"
        }
        "only a signed-off delivery that is waiting for review can be returned; reopen a cell of an accepted one" => {
            "alleen een afgetekende levering die op beoordeling wacht kan worden teruggestuurd; heropen een cel van een geaccepteerde levering"
        }
        "its cells are still open to the supplier" => {
            "haar cellen staan nog open voor de leverancier"
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::{transition, Actor, DeliveryAction};
    use zicht_model::Slug;

    /// Every refusal the state machine can give has its Dutch: no English
    /// phrase is left in the Dutch text.
    #[test]
    fn every_refusal_has_its_dutch() {
        let org = Slug::parse("comensha").unwrap();
        let actors = [
            Actor::supplier("sup", org.clone()),
            Actor::supplier("pol", Slug::parse("politie").unwrap()),
            Actor {
                login: "ed".into(),
                role: Role::Editor,
                organisation: None,
            },
        ];
        let mut seen = 0;
        for action in DeliveryAction::ALL {
            for s in DeliveryState::ALL {
                for actor in &actors {
                    for (missing, message) in [(0, Some("fix it")), (2, None)] {
                        let Err(e) = transition(action, s, actor, &org, missing, message) else {
                            continue;
                        };
                        seen += 1;
                        let text = e.text();
                        assert_eq!(text.en, e.to_string());
                        for english in [" the ", " a ", " only ", " may ", " cannot "] {
                            assert!(!text.nl.contains(english), "{english:?} in {:?}", text.nl);
                        }
                    }
                }
            }
        }
        assert!(seen > 20, "{seen}");
    }
}
