//! The release path against the ways a hidden figure could still get out:
//! an earlier edition, a derived figure, an embargo.

use serde_json::json;
use zicht_model::Instant;
use zicht_model::{Breakdown, Catalogue, Cell, Figure, Period, Provenance, Slug};
use zicht_release::{public_catalogue, public_cells, public_moments, EXPOSED};

fn at(s: &str) -> Instant {
    s.parse().unwrap()
}

/// Editions `ed-1` and `ed-2` (the latter under embargo until
/// `embargo`), counts of victims by sex, and a share and a change derived
/// from them.
fn catalogue(embargo: Option<&str>) -> Catalogue {
    let indicator = |id: &str, unit: &str, derived: serde_json::Value| {
        json!({
            "id": id, "theme": "t", "label_nl": id, "label_en": id, "unit": unit,
            "dimensions": ["sex"], "exclusive": true, "frequency": "year",
            "derived": derived,
        })
    };
    let doc = |id: &str, cutoff: &str, embargo: Option<&str>| {
        let mut d = json!({
            "id": id, "kind": "edition", "label_nl": id, "label_en": id, "cutoff": cutoff,
        });
        if let Some(e) = embargo {
            d["embargo"] = json!(e);
        }
        d
    };
    serde_json::from_value(json!({
        "themes": [{ "id": "t", "label_nl": "t", "label_en": "t", "min_count": 10 }],
        "documents": [doc("ed-1", "2021-09-01", None), doc("ed-2", "2023-10-01", embargo)],
        "organisations": [],
        "dimensions": [{ "id": "sex", "label_nl": "geslacht", "label_en": "sex", "values": [
            { "id": "boys", "label_nl": "jongens", "label_en": "boys" },
            { "id": "girls", "label_nl": "meisjes", "label_en": "girls" },
        ]}],
        "counting_units": [],
        "indicators": [
            indicator("victims", "count", serde_json::Value::Null),
            indicator("victims.share", "percent", json!({ "kind": "share", "from": ["victims"] })),
            indicator("victims.change", "percent_change", json!({ "kind": "change", "from": ["victims"] })),
            indicator("victims.share.bar", "percent", json!({ "kind": "share", "from": ["victims.share"] })),
        ],
        "footnotes": [], "recommendations": [],
        "assessments": [],
        "measures": [], "action_plans": [],
        "texts": [
            { "theme": "t", "document": "ed-2", "kind": "summary", "body_nl": "Samenvatting 2023" },
        ],
        "rankings": [],
    }))
    .unwrap()
}

fn cell(indicator: &str, period: &str, breakdown: &str, value: f64, document: &str) -> Cell {
    Cell {
        indicator: Slug::parse(indicator).unwrap(),
        period: Period::parse(period).unwrap(),
        breakdown: Breakdown::parse(breakdown).unwrap(),
        figure: Figure::Exact { value },
        provenance: Provenance {
            source: None,
            source_ref: String::new(),
            document: Some(Slug::parse(document).unwrap()),
            footnotes: vec![],
            quote: String::new(),
        },
    }
}

fn figure_of<'a>(cells: &'a [Cell], indicator: &str, period: &str, breakdown: &str) -> &'a Figure {
    &cells
        .iter()
        .find(|c| {
            c.indicator.as_str() == indicator
                && c.period.to_string() == period
                && c.breakdown.to_string() == breakdown
        })
        .unwrap_or_else(|| panic!("no cell {indicator} {period} {breakdown}"))
        .figure
}

fn exact(f: &Figure) -> Option<f64> {
    match f {
        Figure::Exact { value } => Some(*value),
        _ => None,
    }
}

const NOW: &str = "2026-01-01T00:00:00Z";

/// Edition 1 publishes 109 victims with 9 girls; edition 2 revises the
/// total to 110 and the girls to 10, boys unchanged at 100. On its own,
/// edition 2 hides nothing (no count under 10). Against edition 1 its boys
/// would give edition 1's girls away: 109 − 100 = 9.
#[test]
fn a_later_edition_cannot_give_away_what_an_earlier_one_hid() {
    let cat = catalogue(None);
    let ed1 = vec![
        cell("victims", "2019", "", 109.0, "ed-1"),
        cell("victims", "2019", "sex=boys", 100.0, "ed-1"),
        cell("victims", "2019", "sex=girls", 9.0, "ed-1"),
    ];
    let ed2 = vec![
        cell("victims", "2019", "", 110.0, "ed-2"),
        cell("victims", "2019", "sex=boys", 100.0, "ed-2"),
        cell("victims", "2019", "sex=girls", 10.0, "ed-2"),
    ];
    let now = at(NOW);

    let alone = public_cells(&cat, &ed2, now).unwrap();
    assert!(
        alone.iter().all(|c| exact(&c.figure).is_some()),
        "on its own edition 2 is all public: {alone:?}"
    );

    let released = public_moments(&cat, &[&ed1, &ed2], now).unwrap();
    let (p1, p2) = (&released[0], &released[1]);
    assert_eq!(
        figure_of(p1, "victims", "2019", "sex=girls"),
        &Figure::Below { upper: 10.0 }
    );
    assert_eq!(exact(figure_of(p1, "victims", "2019", "")), Some(109.0));
    // The attacker: everything both editions publish, unrevised cells equal
    // in both. Edition 1's girls must not be pinned down.
    let known = |cells: &[Cell], b: &str| exact(figure_of(cells, "victims", "2019", b));
    let mut girls_1 = Vec::new();
    for g1 in 0..10u32 {
        let b1 = 109 - g1;
        if known(p1, "sex=boys").is_some_and(|v| v != f64::from(b1)) {
            continue;
        }
        // Boys are unrevised: the same count in edition 2, where total =
        // boys + girls; a figure edition 2 hides can be anything.
        let b2 = b1;
        if known(p2, "sex=boys").is_some_and(|v| v != f64::from(b2)) {
            continue;
        }
        let fits = (0..=300u32).any(|g2| {
            known(p2, "sex=girls").is_none_or(|v| v == f64::from(g2))
                && known(p2, "").is_none_or(|v| v == f64::from(b2 + g2))
        });
        if fits {
            girls_1.push(g1);
        }
    }
    assert!(
        girls_1.len() > 1,
        "edition 1's 9 girls are recoverable from edition 2: only {girls_1:?} fit; edition 2 published {p2:?}"
    );
}

#[test]
fn the_same_figures_in_the_next_moment_are_published_the_same_way() {
    let cat = catalogue(None);
    let ed1 = vec![
        cell("victims", "2019", "", 109.0, "ed-1"),
        cell("victims", "2019", "sex=boys", 100.0, "ed-1"),
        cell("victims", "2019", "sex=girls", 9.0, "ed-1"),
    ];
    let released = public_moments(&cat, &[&ed1, &ed1], at(NOW)).unwrap();
    assert_eq!(released[0], released[1]);
}

#[test]
fn a_figure_derived_from_a_hidden_cell_is_hidden_with_it() {
    let cat = catalogue(None);
    let cells = vec![
        cell("victims", "2020", "", 109.0, "ed-1"),
        cell("victims", "2020", "sex=boys", 100.0, "ed-1"),
        cell("victims", "2020", "sex=girls", 9.0, "ed-1"),
        cell("victims", "2019", "sex=boys", 90.0, "ed-1"),
        cell("victims", "2019", "sex=girls", 20.0, "ed-1"),
        cell("victims", "2019", "", 110.0, "ed-1"),
        // 9 of 109: the share gives the girls away; so would the change.
        cell("victims.share", "2020", "sex=girls", 8.3, "ed-1"),
        cell("victims.change", "2020", "sex=girls", -55.0, "ed-1"),
        // A bar drawn from the share.
        cell("victims.share.bar", "2020", "sex=girls", 8.3, "ed-1"),
        // Last year's figures are all public: so are their shares.
        cell("victims.share", "2019", "sex=girls", 18.2, "ed-1"),
    ];
    let public = public_cells(&cat, &cells, at(NOW)).unwrap();
    assert_eq!(
        figure_of(&public, "victims", "2020", "sex=girls"),
        &Figure::Below { upper: 10.0 }
    );
    for ind in ["victims.share", "victims.change", "victims.share.bar"] {
        assert_eq!(
            figure_of(&public, ind, "2020", "sex=girls"),
            &Figure::Suppressed,
            "{ind}"
        );
    }
    assert_eq!(
        exact(figure_of(&public, "victims.share", "2019", "sex=girls")),
        Some(18.2)
    );
}

#[test]
fn nothing_of_a_document_under_embargo_is_public_before_its_time() {
    let embargo = "2025-10-01T10:00:00+02:00";
    let cat = catalogue(Some(embargo));
    let cells = vec![
        cell("victims", "2022", "", 120.0, "ed-2"),
        cell("victims", "2019", "", 109.0, "ed-1"),
    ];
    let before = public_cells(&cat, &cells, at("2025-10-01T07:59:59Z")).unwrap();
    assert_eq!(before.len(), 1);
    assert_eq!(before[0].period.to_string(), "2019");
    let open = public_catalogue(&cat, at("2025-10-01T07:59:59Z"));
    assert!(open.document("ed-2").is_none());
    assert!(open.texts.is_empty(), "the edition's texts wait too");

    let after = public_cells(&cat, &cells, at("2025-10-01T08:00:00Z")).unwrap();
    assert_eq!(after.len(), 2);
    let mut open = public_catalogue(&cat, at("2025-10-01T08:00:00Z"));
    // The release's own footnotes are always there; nothing else differs.
    open.footnotes.retain(|f| {
        ![
            EXPOSED,
            zicht_release::ZEROS_HIDDEN,
            zicht_release::ALL_HIDDEN,
        ]
        .contains(&f.id.as_str())
    });
    assert_eq!(open, cat);
}

#[test]
fn an_embargo_that_cannot_be_read_refuses_the_catalogue() {
    // A typo must not publish early: the catalogue is not read at all.
    let refused = std::panic::catch_unwind(|| catalogue(Some("1 oktober 2025")));
    let message = *refused.unwrap_err().downcast::<String>().unwrap();
    assert!(
        message.contains("document 'ed-2', embargo: '1 oktober 2025' is not an RFC 3339 instant"),
        "{message}"
    );
}

/// Edition 1 has the total and the girls only; edition 2 adds the boys,
/// 3, with both unrevised. Nothing edition 2 hides can keep 20 − 17 from
/// an attacker: the boys are hidden all the same and say that they are
/// exposed, in every output (the footnote is in the public catalogue).
#[test]
fn a_small_count_an_earlier_edition_gives_away_says_so() {
    let cat = catalogue(None);
    let ed1 = vec![
        cell("victims", "2019", "", 20.0, "ed-1"),
        cell("victims", "2019", "sex=girls", 17.0, "ed-1"),
    ];
    let mut ed2 = ed1.clone();
    ed2.push(cell("victims", "2019", "sex=boys", 3.0, "ed-2"));
    let released = public_moments(&cat, &[&ed1, &ed2], at(NOW)).unwrap();
    let boys = released[1]
        .iter()
        .find(|c| c.breakdown.to_string() == "sex=boys")
        .unwrap();
    assert!(exact(&boys.figure).is_none(), "{boys:?}");
    assert!(
        boys.provenance
            .footnotes
            .iter()
            .any(|f| f.as_str() == EXPOSED),
        "{boys:?}"
    );
    let note = public_catalogue(&cat, at(NOW));
    assert!(note
        .footnote(EXPOSED)
        .is_some_and(|f| !f.text_en.is_empty()));
    // A cell nothing gives away carries no such note.
    let alone = public_cells(&cat, &ed2, at(NOW)).unwrap();
    assert!(alone
        .iter()
        .all(|c| c.provenance.footnotes.iter().all(|f| f.as_str() != EXPOSED)));
}

/// A factsheet (a source, not an edition) states that 4 of 109 victims
/// were boys. The release hides the 4 by its rule all the same, and says
/// that the source itself states it; a small count of an edition does not
/// carry the note.
#[test]
fn a_small_count_its_own_source_states_says_so() {
    let mut cat = catalogue(None);
    let mut factsheet = cat.documents[0].clone();
    factsheet.id = Slug::parse("factsheet").unwrap();
    factsheet.kind = zicht_model::DocumentKind::Source;
    cat.documents.push(factsheet);
    let cells = vec![
        cell("victims", "2019", "", 109.0, "factsheet"),
        cell("victims", "2019", "sex=boys", 4.0, "factsheet"),
        cell("victims", "2019", "sex=girls", 105.0, "factsheet"),
        cell("victims", "2020", "", 109.0, "ed-1"),
        cell("victims", "2020", "sex=boys", 4.0, "ed-1"),
        cell("victims", "2020", "sex=girls", 105.0, "ed-1"),
    ];
    let public = public_cells(&cat, &cells, at(NOW)).unwrap();
    let noted = |period: &str| {
        let boys = public
            .iter()
            .find(|c| c.period.to_string() == period && c.breakdown.to_string() == "sex=boys")
            .unwrap();
        assert!(exact(&boys.figure).is_none(), "{boys:?}");
        boys.provenance
            .footnotes
            .iter()
            .any(|f| f.as_str() == EXPOSED)
    };
    assert!(noted("2019"), "the factsheet states it");
    assert!(!noted("2020"), "nothing but this release publishes it");
}

/// Total 2 of boys 1 and girls 1 under a minimum of 4: with zeros shown,
/// "<4" means 1–3 and the three "<4" pin the boys to 1 or 2, narrower than
/// the policy's width of 2. The release hides zeros too in this table, and
/// says so next to each "<4".
#[test]
fn a_table_that_needs_its_zeros_hidden_says_so() {
    let mut cat = catalogue(None);
    cat.themes[0].min_count = Some(4);
    let cells = vec![
        cell("victims", "2019", "", 2.0, "ed-1"),
        cell("victims", "2019", "sex=boys", 1.0, "ed-1"),
        cell("victims", "2019", "sex=girls", 1.0, "ed-1"),
    ];
    let released = public_cells(&cat, &cells, at(NOW)).unwrap();
    for c in &released {
        assert_eq!(c.figure, Figure::Below { upper: 4.0 }, "{c:?}");
        assert!(
            c.provenance
                .footnotes
                .iter()
                .any(|f| f.as_str() == zicht_release::ZEROS_HIDDEN),
            "{c:?}"
        );
    }
    let public = zicht_release::public_catalogue(&cat, at(NOW));
    assert!(public.footnote(zicht_release::ZEROS_HIDDEN).is_some());
}
