//! The public snapshot: every answer of the public side — the site's
//! files, the read API's answers, the downloads — built once per state of
//! the store and of the embargoes passed, as bytes compressed once, and
//! swapped in whole. Readers load the current snapshot without a lock; a
//! rebuild runs off the async workers and readers keep the previous
//! snapshot, complete, until the new one replaces it.
//!
//! A rebuild is asked for by a write through the server (awaited before
//! the write answers, so the writer sees it), by a change of
//! [`Store::revision`] made elsewhere (`zicht import`, another server; a
//! cheap check every [`POLL`]), and at the next embargo instant, so that an
//! edition appears at its time and never before: a snapshot is built for a
//! moment `now` and shows only what is public at `now`.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwapOption;
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::sync::OnceCell;
use zicht_model::{Catalogue, Day, Instant};
use zicht_publish::site::{Site, SiteError};
use zicht_publish::PublishError;
use zicht_service::{Contents, LoadError};
use zicht_store::Store;

/// How often the store's revision is checked for changes made elsewhere.
pub(crate) const POLL: Duration = Duration::from_millis(250);

/// How many days asked for with `as_of` a snapshot keeps answered.
const DAYS_KEPT: usize = 64;

/// What the public may cache: anything, but it asks again each time (a
/// 304 when nothing changed), so that a correction or a release shows at
/// once.
const CACHE_CONTROL: &str = "public, no-cache";

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Store(#[from] zicht_store::StoreError),
    #[error(transparent)]
    Site(#[from] SiteError),
    #[error(transparent)]
    Publish(#[from] PublishError),
    #[error("cannot serialise an answer: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the build stopped: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// One answer as served: its bytes, compressed once, and its validators.
pub(crate) struct Entry {
    content_type: &'static str,
    identity: Bytes,
    gzip: Option<Bytes>,
    br: Option<Bytes>,
    /// A hash of the bytes: the entity tag, and how an unchanged answer
    /// is recognised in the next snapshot.
    hash: u64,
    etag: [HeaderValue; 3],
    /// When these bytes were first served, to the second.
    modified: SystemTime,
    last_modified: HeaderValue,
}

fn hash_of(bytes: &[u8]) -> u64 {
    // `DefaultHasher::new` has fixed keys: the same bytes give the same
    // tag in every snapshot and every process of one build.
    let mut h = std::hash::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// Whether a media type is worth compressing (the workbook already is).
fn compressible(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || content_type.starts_with("application/json")
        || content_type.starts_with("image/svg")
}

fn gzip(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(bytes).ok()?;
    e.finish().ok()
}

/// Brotli at quality 6. This encoder's quality 9 always allocates a 32 MB
/// hash table, whatever the body, and each snapshot build compressed one
/// body after another through it: the server's peak at start went
/// 73 → 104 → 137 MB in two such steps. Quality 6 hashes into 4 MB. On the
/// embedded monitor's 433 text files (4.9 MB), alone: 16.68% of their size
/// against 16.62% at quality 9, in 0.2 s against 2.2 s, at 16 MB peak
/// against 43 MB. (Quality 10, with a window fitted to each body, made
/// them 15.3% but tripled the server's build: 6.9 s at start, and an
/// edition built ahead of its embargo was late.)
fn brotli(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 6,
        lgwin: 22,
        size_hint: bytes.len(),
        ..Default::default()
    };
    brotli::BrotliCompress(&mut std::io::Cursor::new(bytes), &mut out, &params).ok()?;
    Some(out)
}

impl Entry {
    /// An answer, compressed when that makes it smaller; `compress: false`
    /// for answers made on demand, which are served once or a few times.
    fn new(content_type: &'static str, body: Vec<u8>, compress: bool) -> Entry {
        let hash = hash_of(&body);
        Entry::with_hash(content_type, body, hash, compress, SystemTime::now())
    }

    fn with_hash(
        content_type: &'static str,
        body: Vec<u8>,
        hash: u64,
        compress: bool,
        modified: SystemTime,
    ) -> Entry {
        let worth = compress && body.len() > 256 && compressible(content_type);
        let smaller = |c: Option<Vec<u8>>| c.filter(|c| c.len() < body.len()).map(Bytes::from);
        let (gz, br) = if worth {
            (smaller(gzip(&body)), smaller(brotli(&body)))
        } else {
            (None, None)
        };
        // HTTP dates have whole seconds; If-Modified-Since compares them.
        let secs = modified
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let modified = SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
        let tag = |suffix: &str| {
            HeaderValue::from_str(&format!("\"{hash:016x}{suffix}\"")).expect("hex is a header")
        };
        Entry {
            content_type,
            identity: Bytes::from(body),
            gzip: gz,
            br,
            hash,
            etag: [tag(""), tag("-gz"), tag("-br")],
            modified,
            last_modified: HeaderValue::from_str(&httpdate::fmt_http_date(modified))
                .expect("an HTTP date is a header"),
        }
    }

    /// The answer to a GET or HEAD with these request headers: the
    /// representation the client accepts best, or 304 when it holds it.
    pub(crate) fn respond(&self, request: &HeaderMap) -> Response {
        let accepts = |coding: &str| accepts_encoding(request, coding);
        let (body, etag, encoding) = match (&self.br, &self.gzip) {
            (Some(b), _) if accepts("br") => (b, &self.etag[2], Some("br")),
            (_, Some(g)) if accepts("gzip") => (g, &self.etag[1], Some("gzip")),
            _ => (&self.identity, &self.etag[0], None),
        };
        let varies = self.gzip.is_some() || self.br.is_some();
        let not_modified = match request.get(header::IF_NONE_MATCH) {
            // If-Modified-Since counts only without If-None-Match (RFC 9110).
            Some(tags) => tags.to_str().is_ok_and(|t| self.matches(t)),
            None => request
                .get(header::IF_MODIFIED_SINCE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| httpdate::parse_http_date(v).ok())
                .is_some_and(|since| self.modified <= since),
        };
        let mut res = if not_modified {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let mut res = Response::new(Body::from(body.clone()));
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(self.content_type),
            );
            if let Some(e) = encoding {
                h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(e));
            }
            res
        };
        let h = res.headers_mut();
        h.insert(header::ETAG, etag.clone());
        h.insert(header::LAST_MODIFIED, self.last_modified.clone());
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_CONTROL),
        );
        if varies {
            h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        res
    }

    /// Whether an If-None-Match names this answer, in any encoding (a weak
    /// comparison, as RFC 9110 asks for If-None-Match).
    fn matches(&self, tags: &str) -> bool {
        tags.split(',').map(str::trim).any(|t| {
            t == "*"
                || self
                    .etag
                    .iter()
                    .any(|e| e.as_bytes() == t.trim_start_matches("W/").as_bytes())
        })
    }

    #[cfg(test)]
    fn encodings(&self) -> (bool, bool) {
        (self.gzip.is_some(), self.br.is_some())
    }
}

/// Whether the request's Accept-Encoding takes `coding` (not with q=0).
fn accepts_encoding(request: &HeaderMap, coding: &str) -> bool {
    request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            name.eq_ignore_ascii_case(coding) && !refused
        })
}

/// The cells answers of one `as_of` day, by indicator, made when first
/// asked.
type DayAnswers = Arc<HashMap<String, Arc<Entry>>>;

/// Everything the public side answers for one state of the store at one
/// moment.
pub(crate) struct Snapshot {
    /// The store's revision the contents are of.
    pub(crate) revision: i64,
    /// The moment it shows: what is under embargo then is not in it.
    pub(crate) now: Instant,
    /// The first embargo after `now`: the snapshot is out of date then.
    pub(crate) next_embargo: Option<Instant>,
    /// The site's files by relative path (`index.html`, `en/…`).
    site: HashMap<String, Arc<Entry>>,
    /// The read API's answers by path, with `?edition=` for an edition's
    /// cells.
    api: HashMap<String, Arc<Entry>>,
    /// The catalogue as the public may see it at `now`.
    pub(crate) catalogue: Catalogue,
    contents: Arc<Contents>,
    days: Mutex<HashMap<Day, Arc<OnceCell<DayAnswers>>>>,
}

impl Snapshot {
    /// Builds a snapshot of `contents` at `now`. An answer whose bytes did
    /// not change since `previous` is taken over from it, with its
    /// compression and its Last-Modified.
    fn build(
        contents: Arc<Contents>,
        edition: Option<&str>,
        now: Instant,
        previous: Option<&Snapshot>,
    ) -> Result<Snapshot, BuildError> {
        let input = zicht_service::site_input_of(&contents, edition, now)?;
        let site = zicht_publish::site::build(&input)?;
        drop(input);
        let moments = zicht_service::public_moments_of(&contents, now)?;
        let answers = crate::api::answers(&moments)?;
        let built = SystemTime::now();
        let entry = |old: Option<&Arc<Entry>>, content_type: &'static str, body: Vec<u8>| {
            let hash = hash_of(&body);
            match old {
                Some(e) if e.hash == hash && e.identity.len() == body.len() => e.clone(),
                _ => Arc::new(Entry::with_hash(content_type, body, hash, true, built)),
            }
        };
        let site: HashMap<String, Arc<Entry>> = site
            .files
            .into_iter()
            .map(|(path, body)| {
                let old = previous.and_then(|p| p.site.get(&path));
                let e = entry(old, Site::content_type(&path), body);
                (path, e)
            })
            .collect();
        let api: HashMap<String, Arc<Entry>> = answers
            .into_iter()
            .map(|(path, body)| {
                let old = previous.and_then(|p| p.api.get(&path));
                let e = entry(old, "application/json", body);
                (path, e)
            })
            .collect();
        let next_embargo = contents
            .catalogue
            .documents
            .iter()
            .filter_map(|d| d.embargo)
            .filter(|e| *e > now)
            .min();
        Ok(Snapshot {
            revision: contents.revision,
            now,
            next_embargo,
            site,
            api,
            catalogue: moments.catalogue,
            contents,
            days: Mutex::new(HashMap::new()),
        })
    }

    /// Whether this snapshot still shows the store at `revision` at `now`.
    fn is_current(&self, revision: i64, now: Instant) -> bool {
        self.revision == revision && self.next_embargo.is_none_or(|e| e > now)
    }

    /// A site file by URL path: `/` and directories answer with their
    /// `index.html` (as [`Site::get`]).
    pub(crate) fn site_file(&self, path: &str) -> Option<&Entry> {
        zicht_publish::site::Site::keys(path)?
            .iter()
            .find_map(|k| self.site.get(k))
            .map(Arc::as_ref)
    }

    /// Whether the site has a directory at this relative path.
    pub(crate) fn is_directory(&self, path: &str) -> bool {
        self.site
            .contains_key(&format!("{}/index.html", path.trim_start_matches('/')))
    }

    /// A read API answer by its path (and `?edition=ID` for an edition's
    /// cells).
    pub(crate) fn answer(&self, key: &str) -> Option<&Entry> {
        self.api.get(key).map(Arc::as_ref)
    }

    /// An indicator's cells as of the end of `day`, made on first asking
    /// off the async workers, for every indicator at once, and kept with
    /// this snapshot. `None`: the indicator has no such answer.
    pub(crate) async fn as_of(
        self: &Arc<Self>,
        day: Day,
        indicator: &str,
    ) -> Result<Option<Arc<Entry>>, BuildError> {
        let cell = {
            let mut days = self.days.lock().unwrap_or_else(|e| e.into_inner());
            if days.len() >= DAYS_KEPT && !days.contains_key(&day) {
                if let Some(k) = days.keys().next().copied() {
                    days.remove(&k);
                }
            }
            days.entry(day).or_default().clone()
        };
        let answers = cell
            .get_or_try_init(|| {
                let snap = self.clone();
                async move { tokio::task::spawn_blocking(move || snap.answer_day(day)).await? }
            })
            .await?;
        Ok(answers.get(indicator).cloned())
    }

    fn answer_day(&self, day: Day) -> Result<DayAnswers, BuildError> {
        let cells = zicht_service::public_moment_of(&self.contents, Some(day), self.now)?;
        let answers = crate::api::cells_answers(&self.catalogue, &cells)?;
        Ok(Arc::new(
            answers
                .into_iter()
                .map(|(id, body)| (id, Arc::new(Entry::new("application/json", body, false))))
                .collect(),
        ))
    }
}

/// Keeps the current snapshot and makes the next.
pub(crate) struct Publisher {
    store: Store,
    /// The edition the site publishes (`zicht serve --edition`).
    edition: Option<String>,
    current: ArcSwapOption<Snapshot>,
    /// The snapshot of the same contents at the current one's next embargo
    /// instant, built ahead: readers take it from that instant on, so an
    /// edition appears at its time without waiting for a build.
    upcoming: ArcSwapOption<Snapshot>,
    /// One build at a time; readers never take it.
    building: tokio::sync::Mutex<()>,
    watching: AtomicBool,
}

impl Publisher {
    pub(crate) fn new(store: Store, edition: Option<String>) -> Publisher {
        Publisher {
            store,
            edition,
            current: ArcSwapOption::empty(),
            upcoming: ArcSwapOption::empty(),
            building: tokio::sync::Mutex::new(()),
            watching: AtomicBool::new(false),
        }
    }

    /// The current snapshot; the first is built when first asked for
    /// (`zicht serve` builds it before it listens).
    pub(crate) async fn snapshot(self: &Arc<Self>) -> Result<Arc<Snapshot>, BuildError> {
        self.watch();
        match self.current.load_full() {
            Some(s) => Ok(self.at_embargo(s)),
            None => self.refresh().await,
        }
    }

    /// `current`, or the snapshot built ahead for its next embargo once
    /// that instant has come (a clock read only while an embargo is
    /// pending).
    fn at_embargo(&self, current: Arc<Snapshot>) -> Arc<Snapshot> {
        let Some(at) = current.next_embargo else {
            return current;
        };
        if Instant::from(SystemTime::now()) < at {
            return current;
        }
        match self.upcoming.load_full() {
            Some(up) if up.revision == current.revision && up.now == at => {
                self.current.store(Some(up.clone()));
                up
            }
            _ => current,
        }
    }

    /// After a write through the server: the public side shows it before
    /// the write answers. Nothing to do before anyone read the public side.
    pub(crate) async fn after_write(self: &Arc<Self>) {
        if self.watching.load(Ordering::Relaxed) {
            if let Err(e) = self.refresh().await {
                tracing::error!(error = %e, "the public snapshot could not be rebuilt");
            }
        }
    }

    /// The snapshot of the store's current revision at this moment: the
    /// current one when still so, else a new one, built off the async
    /// workers while readers keep the current one.
    pub(crate) async fn refresh(&self) -> Result<Arc<Snapshot>, BuildError> {
        let _one = self.building.lock().await;
        let revision = self.store.revision().await?;
        let now = Instant::from(SystemTime::now());
        let previous = self.current.load_full().map(|s| self.at_embargo(s));
        if let Some(s) = previous.as_ref().filter(|s| s.is_current(revision, now)) {
            return Ok(s.clone());
        }
        let contents = Arc::new(zicht_service::read_contents(&self.store).await?);
        let edition = self.edition.clone();
        let snapshot = tokio::task::spawn_blocking(move || {
            Snapshot::build(contents, edition.as_deref(), now, previous.as_deref())
        })
        .await??;
        let snapshot = Arc::new(snapshot);
        self.current.store(Some(snapshot.clone()));
        tracing::info!(
            revision = snapshot.revision,
            now = %snapshot.now,
            "public snapshot built"
        );
        Ok(snapshot)
    }

    /// Builds ahead the snapshot of the current one's contents at its
    /// next embargo instant, unless it is there. Shown only from that
    /// instant on ([`Publisher::at_embargo`]), so nothing appears early.
    async fn prepare(&self) -> Result<(), BuildError> {
        let _one = self.building.lock().await;
        let Some(current) = self.current.load_full() else {
            return Ok(());
        };
        let Some(at) = current.next_embargo else {
            return Ok(());
        };
        let ready = self
            .upcoming
            .load()
            .as_ref()
            .is_some_and(|up| up.revision == current.revision && up.now == at);
        if ready {
            return Ok(());
        }
        let contents = current.contents.clone();
        let edition = self.edition.clone();
        let previous = current;
        let upcoming = tokio::task::spawn_blocking(move || {
            Snapshot::build(contents, edition.as_deref(), at, Some(&previous))
        })
        .await??;
        self.upcoming.store(Some(Arc::new(upcoming)));
        Ok(())
    }

    /// Starts, once, the task that rebuilds on changes made elsewhere and
    /// at embargo instants; it ends with the last holder of the publisher.
    fn watch(self: &Arc<Self>) {
        if self.watching.swap(true, Ordering::Relaxed) {
            return;
        }
        let publisher = Arc::downgrade(self);
        tokio::spawn(watch(publisher));
    }
}

async fn watch(publisher: Weak<Publisher>) {
    loop {
        let wait = match publisher.upgrade() {
            Some(p) => until_next_check(p.current.load().as_deref()),
            None => return,
        };
        tokio::time::sleep(wait).await;
        let Some(p) = publisher.upgrade() else {
            return;
        };
        if let Err(e) = p.refresh().await {
            tracing::error!(error = %e, "the public snapshot could not be rebuilt");
        }
        if let Err(e) = p.prepare().await {
            tracing::error!(error = %e, "the next embargo's snapshot could not be built");
        }
    }
}

/// The next check: after [`POLL`], or at the next embargo instant when it
/// comes sooner, so an edition shows from its instant on.
fn until_next_check(current: Option<&Snapshot>) -> Duration {
    let embargo = current.and_then(|s| s.next_embargo).map(|at| {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(at.unix_seconds().max(0) as u64);
        at.duration_since(SystemTime::now()).unwrap_or_default()
    });
    embargo.map_or(POLL, |e| e.min(POLL))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn brotli_gives_the_body_back() {
        // Text with repeats near and far, as pages and answers have.
        let mut x: u32 = 7;
        for len in [1009, 65_521, 300_000] {
            let body: Vec<u8> = (0..len)
                .map(|i| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    if (x >> 16).is_multiple_of(4) {
                        b"0123456789;abcdef"[(x >> 20) as usize % 17]
                    } else {
                        b"cell,indicator,period\n"[i % 22]
                    }
                })
                .collect();
            let packed = brotli(&body).unwrap();
            assert!(packed.len() < body.len() / 2, "{len}: {}", packed.len());
            let mut back = Vec::new();
            brotli::BrotliDecompress(&mut std::io::Cursor::new(&packed), &mut back).unwrap();
            assert_eq!(back, body, "{len}");
        }
    }

    #[test]
    fn an_answer_is_compressed_once_and_revalidated() {
        let body = "<p>zicht</p>".repeat(100).into_bytes();
        let e = Entry::new("text/html; charset=utf-8", body.clone(), true);
        assert_eq!(e.encodings(), (true, true));

        let plain = e.respond(&HeaderMap::new());
        assert_eq!(plain.status(), StatusCode::OK);
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        let tag = plain.headers()[header::ETAG].clone();

        let br = e.respond(&request(&[(header::ACCEPT_ENCODING, "gzip, br")]));
        assert_eq!(br.headers()[header::CONTENT_ENCODING], "br");
        assert_eq!(br.headers()[header::VARY], "accept-encoding");
        let gz = e.respond(&request(&[(header::ACCEPT_ENCODING, "gzip, br;q=0")]));
        assert_eq!(gz.headers()[header::CONTENT_ENCODING], "gzip");
        assert_ne!(gz.headers()[header::ETAG], tag);

        let again = e.respond(&request(&[(header::IF_NONE_MATCH, tag.to_str().unwrap())]));
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        let other = e.respond(&request(&[(header::IF_NONE_MATCH, "\"0000000000000000\"")]));
        assert_eq!(other.status(), StatusCode::OK);

        let since = plain.headers()[header::LAST_MODIFIED].to_str().unwrap();
        let same = e.respond(&request(&[(header::IF_MODIFIED_SINCE, since)]));
        assert_eq!(same.status(), StatusCode::NOT_MODIFIED);
        let earlier = httpdate::fmt_http_date(e.modified - Duration::from_secs(1));
        let older = e.respond(&request(&[(header::IF_MODIFIED_SINCE, &earlier)]));
        assert_eq!(older.status(), StatusCode::OK);

        let small = Entry::new("text/html; charset=utf-8", b"<p>x</p>".to_vec(), true);
        assert_eq!(small.encodings(), (false, false));
        let xlsx = Entry::new(Site::content_type("a.xlsx"), body, true);
        assert_eq!(xlsx.encodings(), (false, false));
    }
}
