//! The embedded monitor: it parses without errors, and the cases the seeds
//! make hard come out as the documents give them.

use zicht_ingest::{embedded_monitor, export_row, Severity};
use zicht_model::{Figure, Status};

fn monitor() -> zicht_ingest::Monitor {
    let (m, diags) = embedded_monitor();
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "embedded monitor has errors:\n{}",
        errors.join("\n")
    );
    m
}

/// The figure a document gives for a cell.
fn figure(
    m: &zicht_ingest::Monitor,
    doc: &str,
    ind: &str,
    period: &str,
    breakdown: &str,
) -> Figure {
    let found: Vec<&Figure> = m
        .cells
        .iter()
        .filter(|rc| {
            rc.cell.provenance.document.as_ref().map(|d| d.as_str()) == Some(doc)
                && rc.cell.indicator.as_str() == ind
                && rc.cell.period.to_string() == period
                && rc.cell.breakdown.to_string() == breakdown
        })
        .map(|rc| &rc.cell.figure)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{doc} {ind} {period} [{breakdown}]: found {found:?}"
    );
    *found[0]
}

#[test]
fn the_monitor_declares_its_editions_and_recommendations() {
    let m = monitor();
    let eds: Vec<&str> = m
        .catalogue
        .editions()
        .iter()
        .map(|d| d.id.as_str())
        .collect();
    assert_eq!(eds, ["kic-2020", "kib-2023", "kib-2025"]);
    let recs: Vec<&str> = m
        .catalogue
        .recommendations
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    for r in [
        "19a", "19b", "39a", "39b", "39c", "42-i", "42-ii", "42-iii", "42-iv",
    ] {
        assert!(recs.contains(&r), "recommendation {r} missing");
    }
    assert!(m.catalogue.measures.iter().any(|ms| ms.events.len() >= 2));
    let plan = &m.catalogue.action_plans[0];
    assert_eq!(
        plan.target.as_ref().map(|t| t.to_string()).as_deref(),
        Some("2027-07-01")
    );
    assert!(m.cells.len() > 300, "only {} cells", m.cells.len());
}

#[test]
fn below_ten_is_below_with_upper_ten() {
    let m = monitor();
    assert_eq!(
        figure(
            &m,
            "kic-2020",
            "jenv.minor_victims_temporary_permit",
            "2015",
            ""
        ),
        Figure::Below { upper: 10.0 }
    );
    assert_eq!(
        figure(
            &m,
            "kib-2023",
            "politie.child_prostitution_reports",
            "2017",
            ""
        ),
        Figure::Below { upper: 10.0 }
    );
}

#[test]
fn x_is_refused_with_the_ministrys_reason() {
    let m = monitor();
    let rc = m
        .cells
        .iter()
        .find(|rc| {
            rc.cell.indicator.as_str() == "jenv.minor_victims_temporary_permit"
                && rc.cell.period.to_string() == "2020"
        })
        .unwrap();
    assert_eq!(rc.cell.figure.status(), Status::Refused);
    let reasons: Vec<&str> = rc
        .cell
        .provenance
        .footnotes
        .iter()
        .filter_map(|f| m.catalogue.footnote(f.as_str()))
        .map(|f| f.text_nl.as_str())
        .collect();
    assert!(
        reasons.iter().any(|t| t.contains("vierde jaar op een rij")),
        "{reasons:?}"
    );
}

#[test]
fn coa_plus_nidos_with_a_range_for_protected_reception() {
    let m = monitor();
    assert_eq!(
        figure(
            &m,
            "kic-2020",
            "amv.disappearances",
            "2019",
            "organisation=coa"
        ),
        Figure::Exact { value: 480.0 }
    );
    assert_eq!(
        figure(
            &m,
            "kic-2020",
            "amv.disappearances",
            "2019",
            "organisation=nidos"
        ),
        Figure::Exact { value: 70.0 }
    );
    assert_eq!(
        figure(
            &m,
            "kic-2020",
            "amv.disappearances",
            "2019",
            "reception=protected"
        ),
        Figure::Range {
            lower: 7.0,
            upper: 28.0
        }
    );
    assert_eq!(
        figure(
            &m,
            "kic-2020",
            "amv.disappearances",
            "2020",
            "organisation=coa"
        ),
        Figure::Rounded {
            value: 320.0,
            base: 10.0
        }
    );
}

#[test]
fn a_count_a_share_and_a_derived_count() {
    let m = monitor();
    assert_eq!(
        figure(&m, "kic-2020", "offlimits.reports", "2012", ""),
        Figure::Exact { value: 19872.0 }
    );
    assert_eq!(
        figure(
            &m,
            "kic-2020",
            "offlimits.reports.illegal_share",
            "2012",
            ""
        ),
        Figure::Exact { value: 58.0 }
    );
    assert_eq!(
        figure(&m, "kic-2020", "offlimits.reports_illegal", "2012", ""),
        Figure::Exact { value: 11565.0 }
    );
    assert_eq!(
        figure(
            &m,
            "kic-2020",
            "offlimits.reports.illegal_share",
            "2019",
            ""
        ),
        Figure::Exact { value: 76.6 }
    );
}

#[test]
fn a_total_with_boys_and_girls() {
    let m = monitor();
    assert_eq!(
        figure(&m, "kic-2020", "comensha.minor_victims", "2019", ""),
        Figure::Exact { value: 109.0 }
    );
    assert_eq!(
        figure(&m, "kic-2020", "comensha.minor_victims", "2019", "sex=boys"),
        Figure::Exact { value: 23.0 }
    );
    assert_eq!(
        figure(
            &m,
            "kic-2020",
            "comensha.minor_victims",
            "2019",
            "sex=girls"
        ),
        Figure::Exact { value: 86.0 }
    );
    // Where documents disagree both stay, each with its edition.
    assert_eq!(
        figure(&m, "kib-2023", "comensha.minor_victims", "2019", ""),
        Figure::Exact { value: 108.0 }
    );
    assert_eq!(
        figure(&m, "kib-2025", "comensha.minor_victims", "2023", ""),
        Figure::Exact { value: 52.0 }
    );
}

#[test]
fn the_rapporteurs_estimates_are_estimates_with_bounds() {
    let m = monitor();
    assert_eq!(
        figure(&m, "nr-factsheet-2020", "nr.estimate.victims", "2020", ""),
        Figure::Estimate {
            value: None,
            lower: Some(5000.0),
            upper: Some(7500.0)
        }
    );
}

#[test]
fn registrations_and_persons_are_counted_apart() {
    let m = monitor();
    // "Totaal (=73) … waarvan 67 individuele slachtoffers": a victim of two
    // forms is two registrations but one person.
    assert_eq!(
        figure(
            &m,
            "kic-2020",
            "comensha.minor_victim_registrations",
            "2020",
            ""
        ),
        Figure::Exact { value: 73.0 }
    );
    assert_eq!(
        figure(&m, "kic-2020", "comensha.minor_victims", "2020", ""),
        Figure::Exact { value: 67.0 }
    );
    assert_eq!(
        m.catalogue
            .indicator("comensha.minor_victim_registrations")
            .unwrap()
            .counting_unit
            .as_ref()
            .unwrap()
            .as_str(),
        "registrations"
    );
    assert_eq!(
        figure(
            &m,
            "kib-2025",
            "comensha.minor_victims.multiple_forms",
            "2023",
            ""
        ),
        Figure::Exact { value: 2.0 }
    );
}

#[test]
fn the_series_the_issue_names_are_covered() {
    let m = monitor();
    let years = |ind: &str| -> Vec<i32> {
        let mut ys: Vec<i32> = m
            .cells
            .iter()
            .filter(|rc| rc.cell.indicator.as_str() == ind && rc.cell.breakdown.is_total())
            .filter_map(|rc| rc.cell.period.as_year())
            .collect();
        ys.sort();
        ys.dedup();
        ys
    };
    let comensha = years("comensha.minor_victims");
    // 2021 is only drawn in the seeds' Figure 1, never written out.
    for y in (2012..=2020).chain([2022, 2023]) {
        assert!(
            comensha.contains(&y),
            "CoMensha minors {y} missing: {comensha:?}"
        );
    }
    let offlimits = years("offlimits.reports");
    for y in [2012, 2019, 2022, 2023, 2024] {
        assert!(
            offlimits.contains(&y),
            "Offlimits reports {y} missing: {offlimits:?}"
        );
    }
    assert!(years("ncmec.reports_nl") == [2023, 2024]);
    assert!(years("municipalities.trafficking_policy_share").contains(&2021));
}

#[test]
fn every_cell_survives_the_export_row() {
    let m = monitor();
    for rc in &m.cells {
        let row = export_row(&rc.cell, &m.catalogue);
        assert_eq!(row.status, rc.cell.figure.status().to_string());
        if rc.cell.figure.status() == Status::Below {
            assert!(row.value.is_empty() && !row.upper.is_empty(), "{row:?}");
        }
        assert!(!row.unit.is_empty(), "{} has no unit", rc.cell.indicator);
    }
}

#[test]
fn a_citation_of_a_cell_or_indicator_that_does_not_exist_is_an_error_naming_file_and_text() {
    let files = zicht_ingest::embedded_files();
    let texts = files.iter().find(|f| f.path == "texts.toml").unwrap();
    let planted = format!(
        "{}\n[[text]]\ntheme = \"kinderhandel\"\ndocument = \"kib-2025\"\nkind = \"analysis\"\ntitle_nl = \"Plant\"\nbody_nl = \"Van {{cell:comensha.minor_victims.b8_reflection/1999/origin=foreign}} en {{cell:no.such.indicator/2023}} en {{cell:comensha.minor_victims.b8_reflection/2023/origin=foreign}}.\"\n",
        texts.text
    );
    let mut changed: Vec<zicht_ingest::DataFile<'_>> = files
        .iter()
        .filter(|f| f.path != "texts.toml")
        .copied()
        .collect();
    changed.push(zicht_ingest::DataFile {
        path: "texts.toml",
        text: &planted,
    });
    let (_, diags) = zicht_ingest::parse_monitor(&changed);
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.to_string())
        .collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors.iter().all(|e| e.starts_with(
            "texts.toml: field 'body_nl': text kinderhandel · kib-2025 · analysis “Plant”"
        )),
        "{errors:#?}"
    );
    assert!(
        errors[0].contains("1999") && errors[0].contains("cites a cell no file under cells/ gives")
            || errors[0].contains("starts in"),
        "{errors:#?}"
    );
    assert!(
        errors[1].contains("no.such.indicator") && errors[1].contains("does not exist"),
        "{errors:#?}"
    );
}
