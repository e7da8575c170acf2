//! The site built from the embedded monitor: snapshots of a few pages, and
//! checks that hold for every page (links resolve, nothing external, the
//! statuses as the seeds write them).

use std::collections::BTreeMap;

use zicht_model::{Cell, DocumentKind, Instant};

use super::*;

/// The cells as of a moment, as the store answers: per cell the latest
/// version recorded up to `until` (the embedded monitor records each
/// document's figures at its cut-off).
fn as_of(cells: &[zicht_ingest::RecordedCell], until: Instant) -> Vec<Cell> {
    let mut latest: BTreeMap<(String, zicht_model::Period, String), (Instant, &Cell)> =
        BTreeMap::new();
    for rc in cells.iter().filter(|c| c.recorded_at <= until) {
        let key = (
            rc.cell.indicator.to_string(),
            rc.cell.period.clone(),
            rc.cell.breakdown.to_string(),
        );
        match latest.get(&key) {
            Some((at, _)) if *at > rc.recorded_at => {}
            _ => {
                latest.insert(key, (rc.recorded_at, &rc.cell));
            }
        }
    }
    latest.into_values().map(|(_, c)| c.clone()).collect()
}

fn embedded_input(edition: Option<&str>) -> SiteInput {
    let (monitor, _) = zicht_ingest::embedded_monitor();
    let cat = monitor.catalogue.clone();
    let eds: Vec<(String, Instant)> = cat
        .editions()
        .into_iter()
        .filter(|d| d.kind == DocumentKind::Edition)
        .map(|d| (d.id.to_string(), d.cutoff.end_utc()))
        .collect();
    let until = match edition {
        Some(e) => eds.iter().find(|(id, _)| id == e).unwrap().1,
        None => Instant::MAX,
    };
    SiteInput {
        cells: as_of(&monitor.cells, until),
        editions: eds
            .iter()
            .filter(|(_, c)| *c <= until)
            .map(|(id, c)| EditionCells {
                edition: id.clone(),
                cells: as_of(&monitor.cells, *c),
            })
            .collect(),
        catalogue: cat,
        edition: edition.map(str::to_owned),
        now: Instant::from(std::time::SystemTime::now()),
    }
}

fn page(site: &Site, path: &str) -> String {
    String::from_utf8(
        site.files
            .get(path)
            .unwrap_or_else(|| panic!("{path} missing"))
            .clone(),
    )
    .unwrap()
}

#[test]
fn snapshots_of_pages() {
    let site = build(&embedded_input(None)).unwrap();
    for path in [
        "index.html",
        "indicator/jenv.minor_victims_temporary_permit.html",
        "en/indicator/politie.child_prostitution_reports.html",
        "measure/wet-seksuele-misdrijven.html",
        "en/downloads.html",
    ] {
        insta::assert_snapshot!(path.replace('/', "__"), page(&site, path));
    }
}

#[test]
fn every_internal_link_resolves_and_nothing_is_external() {
    let site = build(&embedded_input(None)).unwrap();
    let mut checked = 0;
    for (path, bytes) in &site.files {
        if !path.ends_with(".html") {
            continue;
        }
        let html = std::str::from_utf8(bytes).unwrap();
        assert!(!html.contains("<script"), "{path} has a script");
        assert!(!html.contains("style=\""), "{path} has an inline style");
        let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        for attr in ["href=\"", "src=\""] {
            for piece in html.split(attr).skip(1) {
                let target = piece.split('"').next().unwrap();
                if target.starts_with("https://") || target.starts_with("http://") {
                    // Only the links to a measure's own source and the about
                    // page's contact and licence leave the site.
                    assert!(
                        path.contains("measure/") || path.ends_with("about.html"),
                        "{path} links out to {target}"
                    );
                    continue;
                }
                let target = target.split('#').next().unwrap();
                if target.is_empty() {
                    continue;
                }
                let mut parts: Vec<&str> = if dir.is_empty() {
                    Vec::new()
                } else {
                    dir.split('/').collect()
                };
                for seg in target.split('/') {
                    match seg {
                        ".." => {
                            assert!(parts.pop().is_some(), "{path}: {target} leaves the site");
                        }
                        s => parts.push(s),
                    }
                }
                let resolved = parts.join("/");
                assert!(
                    site.files.contains_key(&resolved),
                    "{path}: broken link {target} ({resolved})"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "only {checked} links checked");
}

#[test]
fn statuses_appear_as_the_seeds_write_them() {
    let site = build(&embedded_input(None)).unwrap();
    let police = page(&site, "indicator/politie.child_prostitution_reports.html");
    assert!(police.contains(
        "<th scope=\"row\">2017</th><td>totaal</td><td><span class=\"fig st-below\">&#60;10</span>"
    ));
    let permits = page(&site, "indicator/jenv.minor_victims_temporary_permit.html");
    assert!(permits.contains(
        "<th scope=\"row\">2020</th><td>totaal</td><td><span class=\"fig st-refused\">x</span>"
    ));
    assert!(permits
        .contains("Deze cijfers wil het ministerie voor het vierde jaar op een rij niet geven"));
    let amv = page(&site, "indicator/amv.disappearances.html");
    assert!(amv.contains("7–28"));
    let estimate = page(&site, "indicator/nr.estimate.victims.html");
    assert!(estimate.contains("5.000–7.500"));
    let estimate_en = page(&site, "en/indicator/nr.estimate.victims.html");
    assert!(estimate_en.contains("5,000–7,500"));
    let theme = page(&site, "theme/kinderhandel.html");
    assert!(theme.contains("<span class=\"fig st-exact\">108</span>"));
    assert!(theme.contains("in 2019</span> <span aria-hidden=\"true\">→</span> <span class=\"pair\"><span class=\"fig st-exact\">52</span>"));
    let table = page(&site, "table.html");
    assert!(table.contains("Verschil met"));
}

#[test]
fn an_edition_knows_only_its_own_figures() {
    let site = build(&embedded_input(Some("kic-2020"))).unwrap();
    let minors = page(&site, "indicator/comensha.minor_victims.html");
    // kic-2020 gave 109 for 2019; later editions say 108.
    assert!(minors.contains(">109<"));
    assert!(!minors.contains(">52<"));
    let home = page(&site, "index.html");
    assert!(home.contains("Dit is de eerste editie"));
}

#[test]
fn a_small_count_never_reaches_a_page() {
    // Confidential: an exact 3 in a theme with min_count 10.
    let mut input = embedded_input(None);
    let mut c = input
        .cells
        .iter()
        .find(|c| c.indicator.as_str() == "comensha.minor_victims" && c.breakdown.is_total())
        .unwrap()
        .clone();
    c.period = zicht_model::Period::year(2030);
    c.figure = zicht_model::Figure::Exact { value: 3.0 };
    input.cells.push(c);
    let site = build(&input).unwrap();
    let minors = page(&site, "indicator/comensha.minor_victims.html");
    assert!(minors.contains(
        "<th scope=\"row\">2030</th><td>totaal</td><td><span class=\"fig st-below\">&#60;10</span>"
    ));
    let csv = String::from_utf8(site.files["downloads/cells.csv"].clone()).unwrap();
    assert!(csv.contains("comensha.minor_victims,2030,,below,,,10,"));
}

#[test]
fn site_paths_answer_with_index_pages() {
    let site = build(&embedded_input(None)).unwrap();
    assert!(site.get("/").is_some());
    assert!(site.get("/en/").is_some());
    assert!(site.get("/en").is_some());
    assert!(site.get("/../etc/passwd").is_none());
    assert_eq!(Site::content_type("a/b.css"), "text/css; charset=utf-8");
}

#[test]
fn a_text_shows_a_cited_cell_as_its_table_does() {
    let site = build(&embedded_input(None)).unwrap();
    let nl = page(&site, "recommendation/39a.html");
    assert!(
        nl.contains("Van &#60;10 van hen is bekend"),
        "the 2023 count"
    );
    assert!(!nl.contains("{cell:"));
    let en = page(&site, "en/recommendation/39a.html");
    assert!(en.contains("Of &#60;10 of them it is known"));
    // The same cell on the indicator's page, as the text shows it.
    let table = page(&site, "indicator/comensha.minor_victims.b8_reflection.html");
    assert!(table.contains("&#60;10"));
    // An edition's site shows the citation as that edition's table does.
    let ed = build(&embedded_input(Some("kib-2023"))).unwrap();
    let old = page(&ed, "recommendation/39a.html");
    assert!(old.contains("Van &#60;10 van hen is bekend"));
    assert!(!old.contains("{cell:"));
}

#[test]
fn the_methodology_page_states_the_policy_in_both_languages() {
    let site = build(&embedded_input(None)).unwrap();
    let nl = page(&site, "methodology.html");
    for words in [
        "&#60;k",
        "1 tot en met 9",
        "0,3 keer de ondergrens",
        "vier hele getallen",
        "Een 9",
        "(“x”)",
        "afgeschermd",
        "verwijzen naar het cijfer",
    ] {
        assert!(nl.contains(words), "nl: {words}");
    }
    let en = page(&site, "en/methodology.html");
    for words in [
        "1 to 9",
        "0.3 times the minimum",
        "four whole numbers",
        "A 9 published",
        "(“x”)",
        "withheld",
        "refer to the figure",
    ] {
        assert!(en.contains(words), "en: {words}");
    }
    // Linked from every page's footer.
    assert!(page(&site, "index.html").contains("href=\"methodology.html\""));
    assert!(page(
        &site,
        "en/indicator/comensha.minor_victims.b8_reflection.html"
    )
    .contains("href=\"../../en/methodology.html\""));
}

#[test]
fn the_home_page_leads_with_the_chosen_headlines_and_what_is_in_view() {
    let site = build(&embedded_input(None)).unwrap();
    let home = page(&site, "index.html");
    // The editors' order from monitor.toml.
    let at = |id: &str| {
        home.find(&format!("<h3><a href=\"indicator/{id}.html\""))
            .unwrap_or_else(|| panic!("{id} is not a headline"))
    };
    assert!(at("comensha.minor_victims") < at("nr.estimate.victims"));
    assert!(at("nr.estimate.victims") < at("municipalities.trafficking_policy_share"));
    assert_eq!(home.matches("class=\"chart spark\"").count(), 6);
    // 1.013 registered of 5.000–7.500 estimated: 14% to 20% in view.
    assert!(home.contains("In beeld: 14%–20%"), "no in-view share");
    assert!(page(&site, "en/index.html").contains("In view: 14%–20%"));
    // One table of what changed, not one per indicator.
    assert_eq!(home.matches("<table").count(), 1);
}

#[test]
fn chart_titles_do_not_repeat_words_and_axes_say_their_unit() {
    let site = build(&embedded_input(None)).unwrap();
    for (path, bytes) in &site.files {
        let html = std::str::from_utf8(bytes).unwrap_or("");
        for twice in [
            "per jaar, per jaar",
            "per year, by year",
            "by year, by year",
        ] {
            assert!(!html.contains(twice), "{path}: {twice}");
        }
    }
    let ind = page(&site, "indicator/comensha.minor_victims.html");
    assert!(ind.contains("class=\"axis-title\""));
    assert!(
        ind.contains(">aantal personen</text>"),
        "count axis names its unit"
    );
    let est = page(&site, "en/indicator/nr.estimate.victims.html");
    assert!(est.contains(">number of persons</text>"));
}

#[test]
fn recommendations_have_a_status_per_edition_and_timelines_dates_in_words() {
    let site = build(&embedded_input(None)).unwrap();
    let list = page(&site, "recommendations.html");
    assert!(list.contains("class=\"data recs\""));
    assert!(list.contains("badge st-partly\">deels uitgevoerd"));
    assert!(list.contains("badge st-not_implemented\">niet uitgevoerd"));
    assert!(page(&site, "en/recommendations.html").contains("partly implemented"));
    let m = page(&site, "measure/wet-seksuele-misdrijven.html");
    assert!(m.contains("4 juli 2023"), "Dutch date");
    assert!(page(&site, "en/measure/wet-seksuele-misdrijven.html").contains("4 July 2023"));
    for (path, bytes) in &site.files {
        let html = std::str::from_utf8(bytes).unwrap_or("");
        if path.contains("measure") || path.starts_with("recommendation") {
            assert!(!html.contains("<strong>overig</strong>"), "{path}");
        }
    }
}

#[test]
fn about_states_publisher_licence_and_citation_from_the_data() {
    let input = embedded_input(None);
    let site = build(&input).unwrap();
    let nl = page(&site, "about.html");
    assert!(nl.contains("rel=\"license\">CC BY 4.0"));
    assert!(nl.contains("Kinderrechtencollectief (2025). Kinderrechten in Beweging 2025"));
    let en = page(&site, "en/about.html");
    assert!(en
        .contains("Children&#39;s Rights Collective (2025). Children&#39;s Rights in Motion 2025"));
    // The licence is the data's, not the code's.
    let mut other = input.clone();
    if let Some(a) = other.catalogue.about.as_mut() {
        a.licence = "CC0 1.0".into();
    }
    assert!(page(&build(&other).unwrap(), "about.html").contains("rel=\"license\">CC0 1.0"));
}

#[test]
fn the_theme_page_puts_figures_before_prose() {
    let site = build(&embedded_input(None)).unwrap();
    let theme = page(&site, "theme/kinderhandel.html");
    let at = |needle: &str| theme.find(needle).unwrap_or_else(|| panic!("{needle}"));
    assert!(at("id=\"keys\"") < at("id=\"figures\""));
    assert!(at("id=\"figures\"") < at("id=\"quantitative\""));
    assert!(at("id=\"quantitative\"") < at("id=\"recs\""));
    assert!(at("id=\"recs\"") < at("id=\"latest\""));
    assert!(at("id=\"latest\"") < at("id=\"background\""));
}
