//! The catalogue the round and encoded-record suites share: one theme, two
//! organisations, an edition, an indicator with a sex breakdown and a text.
// Each test binary includes `common`; the suites without rounds use none of
// this.
#![allow(dead_code)]

use zicht_model::{
    Catalogue, Dimension, DimensionValue, Document, DocumentKind, Frequency, Indicator,
    Organisation, Slug, Text, TextKind, Theme, Unit,
};

fn slug(s: &str) -> Slug {
    Slug::parse(s).unwrap()
}

pub fn catalogue() -> Catalogue {
    let value = |id: &str| DimensionValue {
        id: slug(id),
        label_nl: id.into(),
        label_en: id.into(),
        parent: None,
    };
    let org = |id: &str| Organisation {
        id: slug(id),
        label_nl: id.into(),
        label_en: id.into(),
    };
    Catalogue {
        about: None,
        themes: vec![Theme {
            id: slug("t"),
            label_nl: "Thema".into(),
            label_en: "Theme".into(),
            min_count: None,
            headline: Vec::new(),
        }],
        documents: vec![Document {
            id: slug("ed-2025"),
            kind: DocumentKind::Edition,
            label_nl: "Editie 2025".into(),
            label_en: "Edition 2025".into(),
            publisher: None,
            cutoff: "2099-12-31".parse().unwrap(),
            published: None,
            seed: None,
            embargo: None,
        }],
        organisations: vec![org("registry"), org("police")],
        dimensions: vec![Dimension {
            id: slug("sex"),
            label_nl: "Geslacht".into(),
            label_en: "Sex".into(),
            parent: None,
            min_count: None,
            values: vec![value("boys"), value("girls")],
        }],
        indicators: vec![Indicator {
            id: slug("victims"),
            theme: slug("t"),
            label_nl: "Slachtoffers".into(),
            label_en: "Victims".into(),
            definition_nl: String::new(),
            definition_en: String::new(),
            unit: Unit::Count,
            counting_unit: None,
            dimensions: vec![slug("sex")],
            exclusive: false,
            estimates: false,
            frequency: Frequency::Year,
            from: None,
            to: None,
            sources: vec![],
            recommendations: vec![],
            min_count: None,
            rounding_base: None,
            zeros_sensitive: None,
            protection: None,
            derived: None,
            registered: None,
        }],
        texts: vec![Text {
            theme: slug("t"),
            document: slug("ed-2025"),
            kind: TextKind::Analysis,
            title_nl: "Analyse".into(),
            title_en: String::new(),
            body_nl: "Eerste versie.".into(),
            body_en: String::new(),
        }],
        ..Default::default()
    }
}
