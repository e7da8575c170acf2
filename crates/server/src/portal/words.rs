//! The catalogue's words for what the portal shows: an indicator's label,
//! a period and a breakdown in words, an organisation's and an edition's
//! name, in the page's language. The id stays beside them in small print
//! or on hover; an id the catalogue does not know is shown as it is.

use zicht_model::{date_in_words, Breakdown, Catalogue, Lang, Period};
use zicht_portal::CellKey;

use super::lang::pick;

pub fn indicator(cat: &Catalogue, id: &str, lang: Lang) -> String {
    cat.indicator(id).map_or_else(
        || id.to_owned(),
        |i| pick(lang, &i.label_nl, &i.label_en).to_owned(),
    )
}

pub fn organisation(cat: &Catalogue, id: &str, lang: Lang) -> String {
    cat.organisation(id).map_or_else(
        || id.to_owned(),
        |o| pick(lang, &o.label_nl, &o.label_en).to_owned(),
    )
}

/// An edition's (or any document's) label.
pub fn document(cat: &Catalogue, id: &str, lang: Lang) -> String {
    cat.document(id).map_or_else(
        || id.to_owned(),
        |d| pick(lang, &d.label_nl, &d.label_en).to_owned(),
    )
}

pub fn period(p: &Period, lang: Lang) -> String {
    date_in_words(&p.to_string(), lang)
}

/// "totaal", or each pair as "dimension: category" by the catalogue's
/// labels ("herkomst: buitenland").
pub fn breakdown(cat: &Catalogue, b: &Breakdown, lang: Lang) -> String {
    if b.is_total() {
        return pick(lang, "totaal", "total").to_owned();
    }
    b.pairs()
        .map(|(dim, value)| match cat.dimension(dim.as_str()) {
            Some(d) => {
                let value = d
                    .value(value.as_str())
                    .map_or(value.as_str(), |v| pick(lang, &v.label_nl, &v.label_en));
                format!("{}: {value}", pick(lang, &d.label_nl, &d.label_en))
            }
            None => format!("{dim}: {value}"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A cell as a person reads it: "Minderjarige slachtoffers, 2024,
/// herkomst: buitenland".
pub fn cell(cat: &Catalogue, key: &CellKey, lang: Lang) -> String {
    format!(
        "{}, {}, {}",
        indicator(cat, key.indicator.as_str(), lang),
        period(&key.period, lang),
        breakdown(cat, &key.breakdown, lang)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_breakdown_reads_in_the_catalogues_words() {
        let slug = |s: &str| zicht_model::Slug::parse(s).unwrap();
        let cat = Catalogue {
            dimensions: vec![zicht_model::Dimension {
                id: slug("origin"),
                label_nl: "Herkomst".into(),
                label_en: "Origin".into(),
                parent: None,
                min_count: None,
                values: vec![zicht_model::DimensionValue {
                    id: slug("foreign"),
                    label_nl: "buitenland".into(),
                    label_en: "abroad".into(),
                    parent: None,
                }],
            }],
            ..Catalogue::default()
        };
        let b = Breakdown::parse("origin=foreign").unwrap();
        assert_eq!(breakdown(&cat, &b, Lang::Nl), "Herkomst: buitenland");
        assert_eq!(breakdown(&cat, &b, Lang::En), "Origin: abroad");
        assert_eq!(breakdown(&cat, &Breakdown::total(), Lang::Nl), "totaal");
        // A dimension the catalogue does not know is shown by its ids.
        let b = Breakdown::parse("sex=girls").unwrap();
        assert_eq!(breakdown(&cat, &b, Lang::En), "sex: girls");
    }
}
