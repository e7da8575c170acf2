//! What the working side says by e-mail, and when.
//!
//! The events queue their mails in the store themselves (a round opened, a
//! delivery returned or signed off); [`schedule`] queues the reminders, the
//! overdue notices and the editors' digest from the rounds and the day.
//! [`write`] writes a queued mail's text in its recipient's one language,
//! with the catalogue's labels (edition, organisation, indicator,
//! breakdown) and never an id, at the moment it is sent; a reminder whose
//! delivery was signed off meanwhile is not written at all.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use zicht_model::{Breakdown, Catalogue, Day, Lang};
use zicht_portal::{Actor, DeliveryState};
use zicht_store::{Audience, MailKind, MailRequest, QueuedMail, Store};

use crate::ServiceError;

/// Reminders go out this many days before the deadline by default: a
/// week gives an organisation one working week, weekend included, to
/// collect its figures and have them signed off internally, and it is one
/// reminder, not a series that people learn to ignore.
pub const DEFAULT_REMIND_DAYS: u32 = 7;

/// The editors' digest comes once per this many days by default: weekly,
/// the pace at which a round of a few weeks changes enough to be worth
/// reading.
pub const DEFAULT_DIGEST_DAYS: u32 = 7;

/// When the schedule queues reminders and digests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// A reminder when the deadline is at most this many days away.
    pub remind_days: u32,
    /// One digest per this many days; 0: none.
    pub digest_days: u32,
}

impl Default for Schedule {
    fn default() -> Schedule {
        Schedule {
            remind_days: DEFAULT_REMIND_DAYS,
            digest_days: DEFAULT_DIGEST_DAYS,
        }
    }
}

/// Days from `from` to `to` (negative when `to` is earlier).
fn days_between(from: Day, to: Day) -> i64 {
    (to.start_utc().unix_seconds() - from.start_utc().unix_seconds()).div_euclid(86_400)
}

/// Queues what is due on `today` (Amsterdam): a reminder per delivery not
/// signed off whose deadline is at most `remind_days` away, an overdue
/// notice per delivery not signed off past its deadline, and the digest
/// of this period while a round is open. Each is keyed by delivery and
/// deadline (the digest by period), so asking again queues nothing; a
/// deadline that moves gets its own reminder. Gives how many mails were
/// queued.
pub async fn schedule(store: &Store, today: Day, plan: &Schedule) -> Result<u64, ServiceError> {
    let mut requests = Vec::new();
    let mut open = false;
    // A closed round chases nobody.
    for round in store.open_rounds().await? {
        let Ok(due) = round.due.parse::<Day>() else {
            continue;
        };
        let left = days_between(today, due);
        for d in store.deliveries(round.id).await? {
            open |= d.state != DeliveryState::Accepted;
            if !d.state.editable() {
                continue;
            }
            let kind = if left < 0 {
                MailKind::Overdue
            } else if left <= i64::from(plan.remind_days) {
                MailKind::Reminder
            } else {
                continue;
            };
            requests.push(MailRequest {
                key: format!("{}:{}:{}", kind.as_str(), d.id, round.due),
                kind,
                params: json!({
                    "delivery": d.id,
                    "round": round.id,
                    "organisation": d.organisation.as_str(),
                    "due": round.due,
                }),
                audience: Audience::Suppliers(d.organisation.clone()),
            });
        }
    }
    if open && plan.digest_days > 0 {
        let day = today.start_utc().unix_seconds().div_euclid(86_400);
        let period = day.div_euclid(i64::from(plan.digest_days));
        requests.push(MailRequest {
            key: format!("digest:{}:{period}", plan.digest_days),
            kind: MailKind::Digest,
            params: json!({ "days": plan.digest_days }),
            audience: Audience::Editors,
        });
    }
    Ok(store.queue_mails(&requests).await?)
}

/// A mail's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub subject: String,
    pub body: String,
}

fn param_i64(params: &Value, name: &str) -> Result<i64, ServiceError> {
    params[name]
        .as_i64()
        .ok_or_else(|| ServiceError::internal(format!("a queued mail has no '{name}'")))
}

fn param_str<'a>(params: &'a Value, name: &str) -> Result<&'a str, ServiceError> {
    params[name]
        .as_str()
        .ok_or_else(|| ServiceError::internal(format!("a queued mail has no '{name}'")))
}

/// The words of one language.
struct Words {
    lang: Lang,
}

impl Words {
    fn pick<'a>(&self, nl: &'a str, en: &'a str) -> &'a str {
        match self.lang {
            Lang::Nl => nl,
            Lang::En => en,
        }
    }

    /// "31 maart 2025" / "31 March 2025"; the text as stored if it is not
    /// a date.
    fn day(&self, iso: &str) -> String {
        zicht_model::date_in_words(iso, self.lang)
    }

    fn state(&self, s: DeliveryState) -> &'static str {
        match (s, self.lang) {
            (DeliveryState::Draft, Lang::Nl) => "in bewerking",
            (DeliveryState::Draft, Lang::En) => "in progress",
            (DeliveryState::Submitted, Lang::Nl) => "afgetekend",
            (DeliveryState::Submitted, Lang::En) => "signed off",
            (DeliveryState::Accepted, Lang::Nl) => "geaccepteerd",
            (DeliveryState::Accepted, Lang::En) => "accepted",
            (DeliveryState::Returned, Lang::Nl) => "teruggestuurd",
            (DeliveryState::Returned, Lang::En) => "returned",
        }
    }

    fn edition(&self, cat: &Catalogue, id: &str) -> String {
        cat.document(id)
            .map(|d| self.pick(&d.label_nl, &d.label_en).to_owned())
            .unwrap_or_else(|| id.to_owned())
    }

    fn organisation(&self, cat: &Catalogue, id: &str) -> String {
        cat.organisation(id)
            .map(|o| self.pick(&o.label_nl, &o.label_en).to_owned())
            .unwrap_or_else(|| id.to_owned())
    }

    fn indicator(&self, cat: &Catalogue, id: &str) -> String {
        cat.indicator(id)
            .map(|i| self.pick(&i.label_nl, &i.label_en).to_owned())
            .unwrap_or_else(|| id.to_owned())
    }

    /// "meisjes, buitenland" / "total".
    fn breakdown(&self, cat: &Catalogue, b: &Breakdown) -> String {
        if b.is_total() {
            return self.pick("totaal", "total").to_owned();
        }
        b.pairs()
            .map(|(dim, value)| {
                cat.dimension(dim.as_str())
                    .and_then(|d| d.value(value.as_str()))
                    .map(|v| self.pick(&v.label_nl, &v.label_en).to_owned())
                    .unwrap_or_else(|| value.to_string())
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn greeting(&self, name: &str) -> String {
        format!("{} {name},\n\n", self.pick("Beste", "Dear"))
    }

    fn closing(&self) -> &'static str {
        match self.lang {
            Lang::Nl => "\nMet vriendelijke groet,\nDe redactie van de monitor\n",
            Lang::En => "\nKind regards,\nThe monitor's editors\n",
        }
    }

    fn portal(&self) -> &'static str {
        match self.lang {
            Lang::Nl => "Log in op het portaal om de levering te bekijken.\n",
            Lang::En => "Log in to the portal to see the delivery.\n",
        }
    }
}

/// Writes a queued mail in its recipient's language: `None` when it no
/// longer applies (a reminder or overdue notice for a delivery signed off
/// since, or whose deadline moved; a digest with no round open).
pub async fn write(store: &Store, mail: &QueuedMail) -> Result<Option<Letter>, ServiceError> {
    let w = Words {
        lang: mail.language,
    };
    let cat = store.catalogue().await?;
    let name = store
        .user_by_login(&mail.login)
        .await?
        .map(|u| u.name)
        .unwrap_or_else(|| mail.login.clone());
    let editor = Actor::editor("mail");
    let p = &mail.params;
    let mut body = w.greeting(&name);
    let subject = match mail.kind {
        MailKind::RoundOpened => {
            let round = store.round(param_i64(p, "round")?).await?;
            let org = param_str(p, "organisation")?;
            let mut asked: BTreeMap<String, Vec<String>> = BTreeMap::new();
            let mut n = 0;
            for a in store.asked_cells(round.id).await? {
                if a.organisation.as_str() == org {
                    n += 1;
                    let periods = asked
                        .entry(w.indicator(&cat, a.key.indicator.as_str()))
                        .or_default();
                    let period = a.key.period.to_string();
                    if !periods.contains(&period) {
                        periods.push(period);
                    }
                }
            }
            // Closed meanwhile, or the organisation taken out of the round
            // before anyone started: nothing to ask any more.
            if round.is_closed() || n == 0 {
                return Ok(None);
            }
            let edition = w.edition(&cat, round.edition.as_str());
            let due = w.day(&round.due);
            let orgl = w.organisation(&cat, org);
            body += &match w.lang {
                Lang::Nl => format!(
                    "De redactie vraagt {orgl} om {n} cijfers voor {edition}: de uitvraag \"{}\". \
                     Teken de levering uiterlijk {due} af.\n\nGevraagd:\n",
                    round.title
                ),
                Lang::En => format!(
                    "The editors ask {orgl} for {n} figures for {edition}: the request \"{}\". \
                     Please sign the delivery off by {due}.\n\nAsked:\n",
                    round.title
                ),
            };
            for (indicator, periods) in &asked {
                body += &format!("- {indicator}: {}\n", periods.join(", "));
            }
            body += "\n";
            body += w.pick(
                "Log in op het portaal om de cijfers in te vullen of een bestand te uploaden.\n",
                "Log in to the portal to fill in the figures or upload a file.\n",
            );
            match w.lang {
                Lang::Nl => format!("Nieuwe uitvraag: {}", round.title),
                Lang::En => format!("New request: {}", round.title),
            }
        }
        MailKind::Reminder | MailKind::Overdue => {
            let delivery = store.delivery(&editor, param_i64(p, "delivery")?).await?;
            let round = store.round(delivery.round_id).await?;
            if !delivery.state.editable() || round.due != param_str(p, "due")? || round.is_closed()
            {
                return Ok(None);
            }
            let asked = store
                .asked_cells(round.id)
                .await?
                .iter()
                .filter(|a| a.organisation == delivery.organisation)
                .count();
            let answered = store.draft(&editor, delivery.id).await?.len();
            let missing = asked.saturating_sub(answered);
            let edition = w.edition(&cat, round.edition.as_str());
            let orgl = w.organisation(&cat, delivery.organisation.as_str());
            let due = w.day(&round.due);
            body += &match (mail.kind, w.lang) {
                (MailKind::Reminder, Lang::Nl) => format!(
                    "De levering van {orgl} voor \"{}\" ({edition}) is nog niet afgetekend. \
                     De termijn loopt af op {due}.\n",
                    round.title
                ),
                (MailKind::Reminder, Lang::En) => format!(
                    "The delivery of {orgl} for \"{}\" ({edition}) has not been signed off yet. \
                     It is due on {due}.\n",
                    round.title
                ),
                (_, Lang::Nl) => format!(
                    "De termijn van \"{}\" ({edition}) is op {due} verstreken, en de levering van \
                     {orgl} is nog niet afgetekend.\n",
                    round.title
                ),
                (_, Lang::En) => format!(
                    "The request \"{}\" ({edition}) was due on {due}, and the delivery of {orgl} \
                     has not been signed off yet.\n",
                    round.title
                ),
            };
            body += &match w.lang {
                Lang::Nl => format!("Ingevuld: {answered} van {asked}; nog open: {missing}.\n\n"),
                Lang::En => format!("Answered: {answered} of {asked}; still open: {missing}.\n\n"),
            };
            body += w.pick(
                "Log in op het portaal om de levering af te maken en af te tekenen.\n",
                "Log in to the portal to complete the delivery and sign it off.\n",
            );
            match (mail.kind, w.lang) {
                (MailKind::Reminder, Lang::Nl) => {
                    format!("Herinnering: \"{}\" uiterlijk {due}", round.title)
                }
                (MailKind::Reminder, Lang::En) => {
                    format!("Reminder: \"{}\" is due on {due}", round.title)
                }
                (_, Lang::Nl) => format!("Termijn verstreken: \"{}\"", round.title),
                (_, Lang::En) => format!("Past due: \"{}\"", round.title),
            }
        }
        MailKind::Returned => {
            let round = store.round(param_i64(p, "round")?).await?;
            let orgl = w.organisation(&cat, param_str(p, "organisation")?);
            let edition = w.edition(&cat, round.edition.as_str());
            let message = param_str(p, "message")?;
            body += &match w.lang {
                Lang::Nl => format!(
                    "De redactie heeft de levering van {orgl} voor \"{}\" ({edition}) teruggestuurd met dit bericht:\n\n",
                    round.title
                ),
                Lang::En => format!(
                    "The editors returned the delivery of {orgl} for \"{}\" ({edition}) with this message:\n\n",
                    round.title
                ),
            };
            for line in message.lines() {
                body += &format!("    {line}\n");
            }
            if let Some(cell) = p.get("cell").filter(|c| !c.is_null()) {
                let indicator = w.indicator(&cat, param_str(cell, "indicator")?);
                let breakdown = Breakdown::parse(param_str(cell, "breakdown")?)
                    .map(|b| w.breakdown(&cat, &b))
                    .unwrap_or_default();
                body += &format!(
                    "\n{}: {indicator}, {}, {breakdown}\n",
                    w.pick("Het gaat om", "It concerns"),
                    param_str(cell, "period")?
                );
            }
            body += "\n";
            body += w.pick(
                "Log in op het portaal om de levering te verbeteren en opnieuw af te tekenen.\n",
                "Log in to the portal to correct the delivery and sign it off again.\n",
            );
            match w.lang {
                Lang::Nl => format!("Levering teruggestuurd: \"{}\"", round.title),
                Lang::En => format!("Delivery returned: \"{}\"", round.title),
            }
        }
        MailKind::SignedOff => {
            let round = store.round(param_i64(p, "round")?).await?;
            let orgl = w.organisation(&cat, param_str(p, "organisation")?);
            let edition = w.edition(&cat, round.edition.as_str());
            let revision = param_i64(p, "revision")?;
            let by = param_str(p, "by")?;
            let by = store
                .user_by_login(by)
                .await?
                .map(|u| u.name)
                .unwrap_or_else(|| by.to_owned());
            body += &match w.lang {
                Lang::Nl => format!(
                    "{by} heeft namens {orgl} de levering voor \"{}\" ({edition}) afgetekend \
                     (revisie {revision}). Ze wacht op uw beoordeling.\n\n",
                    round.title
                ),
                Lang::En => format!(
                    "{by} signed off the delivery of {orgl} for \"{}\" ({edition}) \
                     (revision {revision}). It awaits your review.\n\n",
                    round.title
                ),
            };
            body += w.portal();
            match w.lang {
                Lang::Nl => format!("Levering afgetekend: {orgl}, \"{}\"", round.title),
                Lang::En => format!("Delivery signed off: {orgl}, \"{}\"", round.title),
            }
        }
        MailKind::Digest => {
            let today = crate::mail::today();
            let mut any = false;
            body += w.pick(
                "Zo staan de open uitvragen ervoor:\n",
                "This is where the open requests stand:\n",
            );
            for round in store.open_rounds().await? {
                let progress = store.round_progress(round.id, &today.to_string()).await?;
                if progress.iter().all(|s| s.state == DeliveryState::Accepted) {
                    continue;
                }
                any = true;
                body += &format!(
                    "\n\"{}\" ({}), {} {}:\n",
                    round.title,
                    w.edition(&cat, round.edition.as_str()),
                    w.pick("termijn", "due"),
                    w.day(&round.due)
                );
                for s in &progress {
                    let late = if s.progress.overdue {
                        w.pick(", te laat", ", overdue")
                    } else {
                        ""
                    };
                    body += &format!(
                        "- {}: {}, {} {} {}{late}\n",
                        w.organisation(&cat, s.organisation.as_str()),
                        w.state(s.state),
                        s.progress.delivered,
                        w.pick("van", "of"),
                        s.progress.asked,
                    );
                }
            }
            if !any {
                return Ok(None);
            }
            body += "\n";
            body += w.pick(
                "Log in op het portaal voor de leveringen.\n",
                "Log in to the portal for the deliveries.\n",
            );
            w.pick("Voortgang van de uitvragen", "Progress of the requests")
                .to_owned()
        }
    };
    body += w.closing();
    Ok(Some(Letter { subject, body }))
}

/// Today in Amsterdam: what decides reminders and what is overdue.
pub fn today() -> Day {
    zicht_model::Instant::from(std::time::SystemTime::now()).amsterdam_day()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_written_in_the_language() {
        let nl = Words { lang: Lang::Nl };
        let en = Words { lang: Lang::En };
        assert_eq!(nl.day("2025-03-31"), "31 maart 2025");
        assert_eq!(en.day("2025-03-01"), "1 March 2025");
        assert_eq!(nl.day("not a day"), "not a day");
    }

    #[test]
    fn days_between_counts_across_summer_time() {
        let d = |s: &str| s.parse::<Day>().unwrap();
        assert_eq!(days_between(d("2025-03-28"), d("2025-04-04")), 7);
        assert_eq!(days_between(d("2025-04-04"), d("2025-03-28")), -7);
        assert_eq!(days_between(d("2025-10-25"), d("2025-10-27")), 2);
    }
}
