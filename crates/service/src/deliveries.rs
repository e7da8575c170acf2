//! A delivery coming in and being taken into the monitor: save a draft,
//! sign off, accept. Every way in (the grid form, a CSV or XLSX file; the
//! portal or the API) passes the same parse and the same check of figures,
//! [`zicht_model::check_figures`], against what the store holds now.

use std::collections::{BTreeSet, HashMap};

use zicht_model::{Catalogue, Cell, Instant, Role};
use zicht_portal::{
    parse_csv, parse_grid, parse_xlsx, template_csv, template_rows, template_xlsx, Actor, Asked,
    AskedCell, CellKey, DeliveredCell, Limits, ParsedDelivery, Problem,
};
use zicht_store::{AsOf, Delivery, LoadSummary, Round, Store, SubmitOutcome};

use crate::ServiceError;

/// The reason a figure a delivery changes is recorded with: the editor
/// reviews every delivery before it is accepted, so a supplier's
/// correction of a published figure is a reviewed one.
pub const REVIEW_REASON: &str = "delivery review";

/// Which file an upload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadKind {
    Csv,
    Xlsx,
}

/// Which file an upload is: by its declared type or name, else by its
/// first bytes (an XLSX is a zip).
pub fn upload_kind(
    content_type: Option<&str>,
    file_name: Option<&str>,
    bytes: &[u8],
) -> UploadKind {
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    let name = file_name.unwrap_or("").to_ascii_lowercase();
    if ct.contains("spreadsheetml") || name.ends_with(".xlsx") || bytes.starts_with(b"PK\x03\x04") {
        UploadKind::Xlsx
    } else {
        UploadKind::Csv
    }
}

/// What a supplier sends: the grid form's fields (named by
/// [`zicht_portal::grid_field`]) or a file.
#[derive(Debug, Clone)]
pub enum Incoming {
    Grid(HashMap<String, String>),
    File { kind: UploadKind, bytes: Vec<u8> },
}

/// What a saved draft holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saved {
    pub cells: usize,
    /// Asked cells still without an answer.
    pub missing: usize,
}

/// Suppliers fill in and sign off their own deliveries; editors never do
/// it in a supplier's name.
fn supplier(caller: &Actor) -> Result<(), ServiceError> {
    if caller.role == Role::Supplier {
        Ok(())
    } else {
        Err(ServiceError::role())
    }
}

/// What checking an incoming delivery needs of the store.
struct Context {
    delivery: Delivery,
    round: Round,
    catalogue: Catalogue,
    asked: Vec<AskedCell>,
    /// The current cells of every indicator asked of the organisation.
    current: Vec<Cell>,
}

async fn context(store: &Store, caller: &Actor, delivery: i64) -> Result<Context, ServiceError> {
    let delivery = store.delivery(caller, delivery).await?;
    let round = store.round(delivery.round_id).await?;
    let catalogue = store.catalogue().await?;
    let asked = store.asked_cells(delivery.round_id).await?;
    let indicators: BTreeSet<&str> = asked
        .iter()
        .filter(|a| a.organisation == delivery.organisation)
        .map(|a| a.key.indicator.as_str())
        .collect();
    let current = current_cells(store, indicators).await?;
    Ok(Context {
        delivery,
        round,
        catalogue,
        asked,
        current,
    })
}

async fn current_cells(
    store: &Store,
    indicators: BTreeSet<&str>,
) -> Result<Vec<Cell>, ServiceError> {
    let mut current = Vec::new();
    for i in indicators {
        current.extend(
            store
                .cells(&AsOf::Latest, Some(i))
                .await?
                .into_iter()
                .map(|s| s.cell),
        );
    }
    Ok(current)
}

/// The problems of delivered cells as figures of the monitor, each at the
/// row `rows` gives its cell (`None`: named by its cell instead).
fn figure_problems(cx: &Context, cells: &[DeliveredCell], rows: Option<&[usize]>) -> Vec<Problem> {
    let as_cells: Vec<Cell> = cells
        .iter()
        .map(|c| {
            let mut cell = c.to_cell(
                &cx.delivery.organisation,
                &cx.round.edition,
                &cx.round.title,
            );
            // A delivered cell's only footnote is its reason, which becomes
            // a footnote of the catalogue when the delivery is accepted.
            cell.provenance.footnotes.clear();
            cell
        })
        .collect();
    zicht_model::check_figures(&cx.catalogue, &as_cells, &cx.current, Some(REVIEW_REASON))
        .into_iter()
        .map(|p| match rows {
            Some(rows) => Problem::new(
                rows.get(p.cell).copied(),
                Some(p.field),
                zicht_portal::text::foreign(&p.message),
            ),
            None => Problem::new(
                None,
                Some(p.field),
                zicht_portal::text::foreign(&format!("{}: {}", cells[p.cell].key, p.message)),
            ),
        })
        .collect()
}

/// Reads and checks an incoming delivery, off the async workers: every
/// valid cell, or every problem with its row and column.
async fn read(cx: Context, incoming: Incoming) -> Result<(Context, ParsedDelivery), ServiceError> {
    tokio::task::spawn_blocking(move || {
        let asked = Asked::of(&cx.delivery.organisation, &cx.asked);
        let limits = Limits::default();
        let parsed = match &incoming {
            Incoming::Grid(form) => parse_grid(form, &asked, &cx.catalogue, &limits),
            Incoming::File {
                kind: UploadKind::Csv,
                bytes,
            } => parse_csv(bytes, &asked, &cx.catalogue, &limits),
            Incoming::File {
                kind: UploadKind::Xlsx,
                bytes,
            } => parse_xlsx(bytes, &asked, &cx.catalogue, &limits),
        }
        .map_err(ServiceError::Delivery)?;
        let problems = figure_problems(&cx, &parsed.cells, Some(&parsed.rows));
        if problems.is_empty() {
            Ok((cx, parsed))
        } else {
            Err(ServiceError::Delivery(problems))
        }
    })
    .await
    .map_err(ServiceError::internal)?
}

/// The asked cells without an answer, as problems: at their position in
/// the grid form, or (a file) named by their cell.
fn unanswered(cx: &Context, missing: &[CellKey], grid: bool) -> Vec<Problem> {
    let asked = Asked::of(&cx.delivery.organisation, &cx.asked);
    let positions: HashMap<&CellKey, usize> = asked
        .cells
        .iter()
        .enumerate()
        .map(|(i, k)| (k, i + 1))
        .collect();
    missing
        .iter()
        .map(|k| {
            let message = zicht_portal::Text::new(
                format!(
                    "{k} heeft nog geen antwoord: geef een cijfer of een status voordat u aftekent"
                ),
                format!("{k} is not answered: give a figure or a status before signing off"),
            );
            if grid {
                Problem::new(positions.get(k).copied(), Some("status"), message)
            } else {
                Problem::new(None, None, message)
            }
        })
        .collect()
}

/// Saves the supplier's working copy from the grid or a file: all of it,
/// or nothing and every problem.
pub async fn save_draft(
    store: &Store,
    caller: &Actor,
    delivery: i64,
    incoming: Incoming,
) -> Result<Saved, ServiceError> {
    supplier(caller)?;
    let cx = context(store, caller, delivery).await?;
    let (_, parsed) = read(cx, incoming).await?;
    store.save_draft(caller, delivery, &parsed.cells).await?;
    Ok(Saved {
        cells: parsed.cells.len(),
        missing: parsed.missing.len(),
    })
}

/// Signs off a delivery: what is sent (every asked cell answered), or the
/// working copy when nothing is.
pub async fn submit(
    store: &Store,
    caller: &Actor,
    delivery: i64,
    incoming: Option<Incoming>,
) -> Result<SubmitOutcome, ServiceError> {
    supplier(caller)?;
    let cx = context(store, caller, delivery).await?;
    let cells = match incoming {
        Some(incoming) => {
            let grid = matches!(incoming, Incoming::Grid(_));
            let (cx, parsed) = read(cx, incoming).await?;
            if !parsed.missing.is_empty() {
                return Err(ServiceError::Delivery(unanswered(
                    &cx,
                    &parsed.missing,
                    grid,
                )));
            }
            parsed.cells
        }
        None => {
            let draft = store.draft(caller, delivery).await?;
            // The working copy was checked when saved; the store may hold
            // other figures since.
            let problems = figure_problems(&cx, &draft, None);
            if !problems.is_empty() {
                return Err(ServiceError::Delivery(problems));
            }
            draft
        }
    };
    Ok(store.submit(caller, delivery, &cells).await?)
}

/// Takes a delivery's signed-off revision into the monitor, after checking
/// its figures again against what the store holds now (another
/// organisation's delivery may have been accepted since the sign-off).
pub async fn accept(
    store: &Store,
    caller: &Actor,
    delivery: i64,
) -> Result<LoadSummary, ServiceError> {
    if !matches!(caller.role, Role::Editor | Role::Admin) {
        return Err(ServiceError::role());
    }
    let d = store.delivery(caller, delivery).await?;
    let revisions = store.revisions(caller, delivery).await?;
    if let Some(latest) = revisions.last() {
        let round = store.round(d.round_id).await?;
        let catalogue = store.catalogue().await?;
        let indicators: BTreeSet<&str> = latest
            .cells
            .iter()
            .map(|c| c.key.indicator.as_str())
            .collect();
        let current = current_cells(store, indicators).await?;
        let cx = Context {
            delivery: d,
            round,
            catalogue,
            asked: Vec::new(),
            current,
        };
        let problems = figure_problems(&cx, &latest.cells, None);
        if !problems.is_empty() {
            return Err(ServiceError::Delivery(problems));
        }
    }
    // Without a revision the store refuses the transition itself.
    Ok(store.accept(caller, delivery).await?)
}

/// What the public sees now of the indicators of `keys`: the previous
/// year's figure a template and a review show beside each cell. Through
/// the release path, so a supplier never sees a figure the public may not.
pub async fn published(store: &Store, keys: &[&CellKey]) -> Result<Vec<Cell>, ServiceError> {
    let indicators: BTreeSet<&str> = keys.iter().map(|k| k.indicator.as_str()).collect();
    let now = Instant::from(std::time::SystemTime::now());
    let mut out = Vec::new();
    for i in indicators {
        let (_, cells) = crate::public_cells(store, &AsOf::Latest, Some(i), now)
            .await
            .map_err(ServiceError::internal)?;
        out.extend(cells);
    }
    Ok(out)
}

/// A delivery's template as a file: one row per cell asked of its
/// organisation, pre-filled with the working copy and last year's
/// published figure. Rendered off the async workers.
pub async fn template(
    store: &Store,
    caller: &Actor,
    delivery: i64,
    kind: UploadKind,
) -> Result<(Delivery, Vec<u8>), ServiceError> {
    let d = store.delivery(caller, delivery).await?;
    let asked: Vec<AskedCell> = store
        .asked_cells(d.round_id)
        .await?
        .into_iter()
        .filter(|a| a.organisation == d.organisation)
        .collect();
    let draft = store.draft(caller, d.id).await?;
    let catalogue = store.catalogue().await?;
    let keys: Vec<&CellKey> = asked.iter().map(|a| &a.key).collect();
    let published = published(store, &keys).await?;
    let organisation = d.organisation.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        let rows = template_rows(
            &Asked::of(&organisation, &asked),
            &catalogue,
            &published,
            &draft,
        );
        match kind {
            UploadKind::Csv => Ok(template_csv(&rows)),
            UploadKind::Xlsx => template_xlsx(&rows).map_err(ServiceError::internal),
        }
    })
    .await
    .map_err(ServiceError::internal)??;
    Ok((d, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_is_known_by_type_name_or_magic() {
        assert_eq!(upload_kind(Some("text/csv"), None, b"a,b"), UploadKind::Csv);
        assert_eq!(
            upload_kind(None, Some("Levering.XLSX"), b""),
            UploadKind::Xlsx
        );
        assert_eq!(upload_kind(None, None, b"PK\x03\x04rest"), UploadKind::Xlsx);
        assert_eq!(
            upload_kind(
                Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                None,
                b""
            ),
            UploadKind::Xlsx
        );
    }
}
