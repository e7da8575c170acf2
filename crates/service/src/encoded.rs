//! Encoded records in a round (issue 13): an editor asks a supplier for
//! the encodings of its records with a retention date, the supplier uploads
//! the file `zicht encode` wrote, an editor (or `zicht link --from-round`)
//! links the round's files into capture histories, and the files are
//! deleted then, or at their retention date, whichever comes first.
//!
//! An upload is read with `zicht_linkage`'s own reader before it is stored:
//! a file with identifier columns (the records instead of their encodings)
//! or a row that is no encoding is refused, and nothing is kept.

use std::time::Instant as Clock;

use zicht_linkage::{link_lists, sha256_hex, EncodedList, LinkOptions, LinkRun, LinkageRecord};
use zicht_model::{Day, Instant, Role, Slug};
use zicht_portal::Actor;
use zicht_store::{EncodedRequest, NewLinkage, Store};

use crate::rounds::editor;
use crate::ServiceError;

/// The largest encoded file taken: 64 MiB, some 350,000 records.
pub const ENCODED_LIMIT: usize = 64 << 20;

/// Today in Amsterdam: the day retention dates are compared with.
pub fn today() -> Day {
    Instant::from(std::time::SystemTime::now()).amsterdam_day()
}

/// Asks `organisation` for its encoded records in `round`, to be deleted
/// on `delete_on` at the latest (a day after today).
pub async fn ask(
    store: &Store,
    caller: &Actor,
    round: i64,
    organisation: &Slug,
    delete_on: Day,
) -> Result<EncodedRequest, ServiceError> {
    editor(caller)?;
    if delete_on <= today() {
        return Err(ServiceError::Invalid(format!(
            "the retention date {delete_on} must lie after today: the file is deleted on that day"
        )));
    }
    Ok(store
        .ask_encoded(caller, round, organisation, delete_on)
        .await?)
}

/// Reads an encoded file as linkage will: every problem named by line and
/// column, never by value.
fn read(bytes: &[u8]) -> Result<EncodedList, ServiceError> {
    EncodedList::parse(bytes, &[])
        .map_err(|e| ServiceError::Invalid(format!("the encoded file: {e}")))
}

/// Stores a supplier's encoded file for its organisation's request in
/// `round`, after reading it whole.
pub async fn upload(
    store: &Store,
    caller: &Actor,
    round: i64,
    bytes: Vec<u8>,
) -> Result<EncodedRequest, ServiceError> {
    if caller.role != Role::Supplier {
        return Err(ServiceError::role());
    }
    if bytes.len() > ENCODED_LIMIT {
        return Err(ServiceError::Invalid(format!(
            "the encoded file has {} bytes; at most {ENCODED_LIMIT} are taken",
            bytes.len()
        )));
    }
    let (text, records, sha) = tokio::task::spawn_blocking(move || {
        let list = read(&bytes)?;
        let sha = sha256_hex(&bytes);
        let text = String::from_utf8(bytes)
            .map_err(|_| ServiceError::Invalid("the encoded file is not UTF-8 text".into()))?;
        Ok::<_, ServiceError>((text, list.len() as i64, sha))
    })
    .await
    .map_err(ServiceError::internal)??;
    Ok(store
        .upload_encoded(caller, round, &text, records, &sha, today())
        .await?)
}

/// Deletes every encoded file whose retention date has come. `caller` is
/// `None` for the server's own sweep and the terminal.
pub async fn sweep(store: &Store) -> Result<Vec<EncodedRequest>, ServiceError> {
    Ok(store.sweep_encoded(None, today()).await?)
}

/// A round's linkage, stored, with its files deleted.
#[derive(Debug, Clone)]
pub struct RoundLinkage {
    pub id: i64,
    /// How the histories were made, as kept with them.
    pub record: LinkageRecord,
    /// Capture histories at the chosen threshold, in the estimation format.
    pub histories: String,
    pub report: String,
    /// The whole run, for a caller that writes more (the CLI's stricter and
    /// looser histories, its clusters file); record ids are the suppliers'.
    pub run: LinkRun,
    pub record_ids: Vec<Vec<String>>,
    /// Files deleted before linkage because their retention date had come.
    pub swept: Vec<EncodedRequest>,
}

/// Links the encoded files a round holds (at least two organisations'),
/// each list named by its organisation, stores the histories with the
/// linkage's parameters and deletes the files, in one transaction. The
/// files past their retention date are deleted first and not linked.
/// `caller` is `None` for the terminal (`zicht link --from-round`).
pub async fn link_round(
    store: &Store,
    caller: Option<&Actor>,
    round: i64,
    by: &[String],
    options: &LinkOptions,
) -> Result<RoundLinkage, ServiceError> {
    if let Some(c) = caller {
        editor(c)?;
    }
    store.round(round).await?;
    let swept = store
        .sweep_encoded(caller.map(|c| c.login.as_str()), today())
        .await?;
    let files = store.encoded_files(round).await?;
    if files.len() < 2 {
        let asked = store.encoded_requests(round).await?;
        let waiting: Vec<String> = asked
            .iter()
            .filter(|r| r.uploaded_at.is_none())
            .map(|r| r.organisation.to_string())
            .collect();
        return Err(ServiceError::Invalid(format!(
            "round {round} holds the encoded records of {} organisation(s); linkage needs two or more{}",
            files.len(),
            if waiting.is_empty() {
                String::new()
            } else {
                format!(" (not uploaded yet: {})", waiting.join(", "))
            }
        )));
    }
    let by = by.to_vec();
    let options = options.clone();
    let (requests, contents): (Vec<EncodedRequest>, Vec<String>) = files.into_iter().unzip();
    let names: Vec<String> = requests
        .iter()
        .map(|r| r.organisation.to_string())
        .collect();
    let (run, record_ids, seconds) = tokio::task::spawn_blocking(move || {
        let started = Clock::now();
        let mut lists = Vec::new();
        for (name, content) in names.iter().zip(&contents) {
            let list = EncodedList::parse(content.as_bytes(), &by).map_err(|e| {
                ServiceError::Invalid(format!("the encoded records of {name}: {e}"))
            })?;
            lists.push(list);
        }
        let run = link_lists(&names, &lists, &by, &options, |_| {});
        let ids = lists.into_iter().map(|l| l.record_ids).collect();
        Ok::<_, ServiceError>((run, ids, started.elapsed().as_secs_f64()))
    })
    .await
    .map_err(ServiceError::internal)??;
    let record = run.record(1);
    let histories = String::from_utf8(run.histories_csv(1)).map_err(ServiceError::internal)?;
    let report = {
        let run = run.clone();
        tokio::task::spawn_blocking(move || run.report(seconds, &[]))
            .await
            .map_err(ServiceError::internal)?
    };
    let parameters = serde_json::to_string(&record).map_err(ServiceError::internal)?;
    let linked: Vec<i64> = requests.iter().map(|r| r.id).collect();
    let id = store
        .save_linkage(
            caller.map(|c| c.login.as_str()),
            &NewLinkage {
                round_id: round,
                parameters: &parameters,
                histories: &histories,
                report: &report,
                linked: &linked,
            },
        )
        .await?;
    Ok(RoundLinkage {
        id,
        record,
        histories,
        report,
        run,
        record_ids,
        swept,
    })
}
