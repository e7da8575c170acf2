//! `Catalogue::check` reports every problem: duplicates, and one dangling
//! reference of each field, all in one catalogue; the references that
//! resolve (country → origin, gn's dimension) are not reported.

use super::*;

const BROKEN: &str = r#"
counting_units = []
footnotes = []
action_plans = []
rankings = []
organisations = [{ id = "org", label_nl = "", label_en = "" }]
assessments = [{ recommendation = "no-rec-a", document = "no-doc-a" }]

[[themes]]
id = "t"
label_nl = ""
label_en = ""

[[themes]]
id = "t"
label_nl = ""
label_en = ""

[[documents]]
id = "ed"
kind = "edition"
label_nl = ""
label_en = ""
publisher = "no-publisher"
cutoff = "2024-01-01"

[[dimensions]]
id = "origin"
label_nl = ""
label_en = ""
values = [
  { id = "foreign", label_nl = "", label_en = "" },
  { id = "foreign", label_nl = "", label_en = "" },
]

[[dimensions]]
id = "country"
parent = "origin"
label_nl = ""
label_en = ""
values = [{ id = "gn", parent = "no-value", label_nl = "", label_en = "" }]

[[dimensions]]
id = "region"
parent = "no-dimension"
label_nl = ""
label_en = ""
values = []

[[indicators]]
id = "i"
theme = "no-theme"
label_nl = ""
label_en = ""
unit = "count"
counting_unit = "no-unit"
dimensions = ["no-dim"]
derived = { kind = "change", from = ["no-source"] }
sources = ["no-org"]
recommendations = ["no-rec"]

[[recommendations]]
id = "1a"
body = "no-body"
year = 2022
parent = "no-parent"
text_nl = ""
text_en = ""

[[measures]]
id = "m"
label_nl = ""
label_en = ""
recommendations = ["no-rec-m"]
events = [{ date = "2024", kind = "other", document = "no-doc-m" }]

[[texts]]
theme = "no-theme-t"
document = "no-doc-t"
kind = "summary"
title_nl = ""
title_en = ""
body_nl = ""
body_en = ""
"#;

#[test]
fn every_duplicate_and_every_dangling_reference_is_reported() {
    let cat: Catalogue = toml::from_str(BROKEN).unwrap();
    let got: Vec<String> = cat.check().iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "theme 't' is declared twice",
            "dimension value 'origin=foreign' is declared twice",
            "document 'ed' refers to unknown organisation 'no-publisher'",
            "dimension 'region' refers to unknown dimension 'no-dimension'",
            "dimension value 'gn' refers to unknown parent value 'no-value'",
            "indicator 'i' refers to unknown theme 'no-theme'",
            "indicator 'i' refers to unknown counting unit 'no-unit'",
            "indicator 'i' refers to unknown dimension 'no-dim'",
            "indicator 'i' refers to unknown indicator (derived from) 'no-source'",
            "indicator 'i' refers to unknown organisation 'no-org'",
            "indicator 'i' refers to unknown recommendation 'no-rec'",
            "recommendation '1a' refers to unknown organisation 'no-body'",
            "recommendation '1a' refers to unknown recommendation 'no-parent'",
            "assessment 'no-rec-a' refers to unknown recommendation 'no-rec-a'",
            "assessment 'no-rec-a' refers to unknown document 'no-doc-a'",
            "measure 'm' refers to unknown recommendation 'no-rec-m'",
            "measure 'm' refers to unknown document 'no-doc-m'",
            "text 'no-doc-t' refers to unknown theme 'no-theme-t'",
            "text 'no-theme-t' refers to unknown document 'no-doc-t'",
        ]
    );
}
