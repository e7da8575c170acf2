//! The SDMX-ML 3.0 structure message: code lists, the concept scheme, the
//! data structure definition and the dataflow the data names.

use std::fmt::Write as _;

use quick_xml::escape::escape;
use zicht_model::{Catalogue, Unit};

use crate::{dimension_id, sdmx_id, SdmxError, AGENCY, DATAFLOW, DSD, TOTAL, VERSION};

const MES: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message";
const STR: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/structure";
const COM: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/common";

/// The cross-domain code lists whose codes the data use, by SDMX's agency
/// and version: the subset zicht needs, with their standard names.
const OBS_STATUS: [(&str, &str); 6] = [
    ("A", "Normal value"),
    ("E", "Estimated value"),
    ("L", "Missing value; data exist but were not collected"),
    ("O", "Missing value"),
    ("Q", "Missing value; suppressed"),
    ("M", "Missing value; data cannot exist"),
];
const CONF_STATUS: [(&str, &str); 4] = [
    ("F", "Free"),
    ("A", "Primary confidentiality due to small counts"),
    (
        "D",
        "Secondary confidentiality set by the sender, not for publication",
    ),
    ("N", "Not for publication, restricted for internal use only"),
];

/// One name per language (`com:Name xml:lang=…`), skipping an empty one.
fn names(out: &mut String, nl: &str, en: &str) {
    for (lang, text) in [("nl", nl), ("en", en)] {
        if !text.is_empty() {
            let _ = write!(
                out,
                "<com:Name xml:lang=\"{lang}\">{}</com:Name>",
                escape(text)
            );
        }
    }
}

fn urn(class: &str, id: &str) -> String {
    format!("urn:sdmx:org.sdmx.infomodel.{class}={AGENCY}:{id}({VERSION})")
}

fn codelist_urn(agency: &str, id: &str, version: &str) -> String {
    format!("urn:sdmx:org.sdmx.infomodel.codelist.Codelist={agency}:{id}({version})")
}

fn concept_urn(id: &str) -> String {
    format!("urn:sdmx:org.sdmx.infomodel.conceptscheme.Concept={AGENCY}:CS_ZICHT({VERSION}).{id}")
}

/// A code list; each code is (id, name nl, name en, parent).
fn codelist(
    out: &mut String,
    (agency, id, version): (&str, &str, &str),
    (nl, en): (&str, &str),
    codes: &[(String, String, String, Option<String>)],
) {
    let _ = write!(
        out,
        "<str:Codelist id=\"{id}\" agencyID=\"{agency}\" version=\"{version}\" urn=\"{}\">",
        codelist_urn(agency, id, version)
    );
    names(out, nl, en);
    for (code, nl, en, parent) in codes {
        let _ = write!(out, "<str:Code id=\"{code}\">");
        names(out, nl, en);
        if let Some(p) = parent {
            let _ = write!(out, "<str:Parent>{p}</str:Parent>");
        }
        out.push_str("</str:Code>");
    }
    out.push_str("</str:Codelist>");
}

fn code(id: &str, nl: &str, en: &str) -> (String, String, String, Option<String>) {
    (id.to_owned(), nl.to_owned(), en.to_owned(), None)
}

/// The code list id of a catalogue dimension.
pub(crate) fn dimension_codelist(dim: &str) -> String {
    format!("CL_{}", dimension_id(dim))
}

/// The structure message for the catalogue: code lists (indicators, each
/// dimension, units, and the subsets of SDMX's OBS_STATUS and CONF_STATUS
/// used), the concepts, the DSD and the dataflow. `prepared` is the
/// message's timestamp (RFC 3339), given so the output is reproducible.
pub fn structure_xml(cat: &Catalogue, prepared: &str) -> Result<String, SdmxError> {
    crate::check_ids(cat)?;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = write!(
        out,
        "<mes:Structure xmlns:mes=\"{MES}\" xmlns:str=\"{STR}\" xmlns:com=\"{COM}\">\
         <mes:Header><mes:ID>{DSD}</mes:ID><mes:Test>false</mes:Test>\
         <mes:Prepared>{}</mes:Prepared><mes:Sender id=\"{AGENCY}\"/></mes:Header>\
         <mes:Structures>",
        escape(prepared)
    );

    // Code lists.
    out.push_str("<str:Codelists>");
    let indicators: Vec<_> = cat
        .indicators
        .iter()
        .map(|i| code(&sdmx_id(i.id.as_str()), &i.label_nl, &i.label_en))
        .collect();
    codelist(
        &mut out,
        (AGENCY, "CL_INDICATOR", VERSION),
        ("Indicatoren", "Indicators"),
        &indicators,
    );
    for d in &cat.dimensions {
        let mut codes = vec![code(TOTAL, "Totaal", "Total")];
        codes.extend(d.values.iter().map(|v| {
            (
                sdmx_id(v.id.as_str()),
                v.label_nl.clone(),
                v.label_en.clone(),
                // A parent names a value of the parent dimension, which is
                // another code list: SDMX parents are within one list, so
                // the nesting is kept only where the parent is a sibling.
                v.parent
                    .as_ref()
                    .filter(|p| d.value(p.as_str()).is_some())
                    .map(|p| sdmx_id(p.as_str())),
            )
        }));
        codelist(
            &mut out,
            (AGENCY, &dimension_codelist(d.id.as_str()), VERSION),
            (&d.label_nl, &d.label_en),
            &codes,
        );
    }
    let units: Vec<_> = [
        (Unit::Count, "Aantal", "Number"),
        (Unit::Percent, "Procent", "Percent"),
        (
            Unit::PercentChange,
            "Verandering in procent",
            "Change in percent",
        ),
        (Unit::Euro, "Euro", "Euro"),
        (Unit::Months, "Maanden", "Months"),
        (Unit::Years, "Jaren", "Years"),
    ]
    .iter()
    .map(|&(u, nl, en)| code(crate::unit_code(u), nl, en))
    .collect();
    codelist(
        &mut out,
        (AGENCY, "CL_UNIT", VERSION),
        ("Eenheden", "Units"),
        &units,
    );
    let sdmx_codes =
        |list: &[(&str, &str)]| -> Vec<_> { list.iter().map(|&(c, en)| code(c, "", en)).collect() };
    codelist(
        &mut out,
        ("SDMX", "CL_OBS_STATUS", "2.2"),
        ("", "Observation status"),
        &sdmx_codes(&OBS_STATUS),
    );
    codelist(
        &mut out,
        ("SDMX", "CL_CONF_STATUS", "1.3"),
        ("", "Confidentiality status"),
        &sdmx_codes(&CONF_STATUS),
    );
    out.push_str("</str:Codelists>");

    // Concepts: one per component.
    let mut concepts: Vec<(String, String, String)> =
        vec![("INDICATOR".into(), "Indicator".into(), "Indicator".into())];
    concepts.extend(cat.dimensions.iter().map(|d| {
        (
            dimension_id(d.id.as_str()),
            d.label_nl.clone(),
            d.label_en.clone(),
        )
    }));
    for (id, nl, en) in [
        ("TIME_PERIOD", "Periode", "Time period"),
        ("OBS_VALUE", "Waarde", "Observation value"),
        (
            "OBS_STATUS",
            "Status van de waarneming",
            "Observation status",
        ),
        ("CONF_STATUS", "Vertrouwelijkheid", "Confidentiality status"),
        ("UNIT_MEASURE", "Eenheid", "Unit of measure"),
        ("LOWER_BOUND", "Ondergrens", "Lower bound"),
        ("UPPER_BOUND", "Bovengrens", "Upper bound"),
    ] {
        concepts.push((id.into(), nl.into(), en.into()));
    }
    let _ = write!(
        out,
        "<str:ConceptSchemes><str:ConceptScheme id=\"CS_ZICHT\" agencyID=\"{AGENCY}\" \
         version=\"{VERSION}\" urn=\"{}\">",
        urn("conceptscheme.ConceptScheme", "CS_ZICHT")
    );
    names(&mut out, "Begrippen van zicht", "Concepts of zicht");
    for (id, nl, en) in &concepts {
        let _ = write!(out, "<str:Concept id=\"{id}\">");
        names(&mut out, nl, en);
        out.push_str("</str:Concept>");
    }
    out.push_str("</str:ConceptScheme></str:ConceptSchemes>");

    // The dataflow the data name in STRUCTURE_ID.
    let dsd_urn = urn("datastructure.DataStructure", DSD);
    let _ = write!(
        out,
        "<str:Dataflows><str:Dataflow id=\"{DATAFLOW}\" agencyID=\"{AGENCY}\" \
         version=\"{VERSION}\" urn=\"{}\">",
        urn("datastructure.Dataflow", DATAFLOW)
    );
    names(
        &mut out,
        "Monitor kinderhandel",
        "Child trafficking monitor",
    );
    let _ = write!(
        out,
        "<str:Structure>{dsd_urn}</str:Structure></str:Dataflow></str:Dataflows>"
    );

    // The data structure definition.
    let _ = write!(
        out,
        "<str:DataStructures><str:DataStructure id=\"{DSD}\" agencyID=\"{AGENCY}\" \
         version=\"{VERSION}\" urn=\"{dsd_urn}\">"
    );
    names(&mut out, "Cijfers van zicht", "Figures of zicht");
    out.push_str("<str:DataStructureComponents>");
    let enumerated =
        |out: &mut String, tag: &str, id: &str, position: Option<usize>, list: &str| {
            let pos = position
                .map(|p| format!(" position=\"{p}\""))
                .unwrap_or_default();
            let _ = write!(
                out,
                "<str:{tag} id=\"{id}\"{pos}><str:ConceptIdentity>{}</str:ConceptIdentity>\
             <str:LocalRepresentation><str:Enumeration>{list}</str:Enumeration>\
             </str:LocalRepresentation>",
                concept_urn(id)
            );
        };
    out.push_str("<str:DimensionList id=\"DimensionDescriptor\">");
    enumerated(
        &mut out,
        "Dimension",
        "INDICATOR",
        Some(1),
        &codelist_urn(AGENCY, "CL_INDICATOR", VERSION),
    );
    out.push_str("</str:Dimension>");
    for (i, d) in cat.dimensions.iter().enumerate() {
        enumerated(
            &mut out,
            "Dimension",
            &dimension_id(d.id.as_str()),
            Some(i + 2),
            &codelist_urn(AGENCY, &dimension_codelist(d.id.as_str()), VERSION),
        );
        out.push_str("</str:Dimension>");
    }
    let _ = write!(
        out,
        "<str:TimeDimension id=\"TIME_PERIOD\"><str:ConceptIdentity>{}</str:ConceptIdentity>\
         <str:LocalRepresentation><str:TextFormat textType=\"ObservationalTimePeriod\"/>\
         </str:LocalRepresentation></str:TimeDimension></str:DimensionList>",
        concept_urn("TIME_PERIOD")
    );
    out.push_str("<str:AttributeList id=\"AttributeDescriptor\">");
    for (id, list) in [
        ("OBS_STATUS", codelist_urn("SDMX", "CL_OBS_STATUS", "2.2")),
        ("CONF_STATUS", codelist_urn("SDMX", "CL_CONF_STATUS", "1.3")),
        ("UNIT_MEASURE", codelist_urn(AGENCY, "CL_UNIT", VERSION)),
    ] {
        let _ = write!(out, "<str:Attribute id=\"{id}\" usage=\"mandatory\">");
        let _ = write!(
            out,
            "<str:ConceptIdentity>{}</str:ConceptIdentity><str:LocalRepresentation>\
             <str:Enumeration>{list}</str:Enumeration></str:LocalRepresentation>\
             <str:AttributeRelationship><str:Observation/></str:AttributeRelationship>\
             </str:Attribute>",
            concept_urn(id)
        );
    }
    for id in ["LOWER_BOUND", "UPPER_BOUND"] {
        let _ = write!(
            out,
            "<str:Attribute id=\"{id}\" usage=\"optional\"><str:ConceptIdentity>{}\
             </str:ConceptIdentity><str:LocalRepresentation><str:TextFormat textType=\"Decimal\"/>\
             </str:LocalRepresentation><str:AttributeRelationship><str:Observation/>\
             </str:AttributeRelationship></str:Attribute>",
            concept_urn(id)
        );
    }
    out.push_str("</str:AttributeList>");
    let _ = write!(
        out,
        "<str:MeasureList id=\"MeasureDescriptor\"><str:Measure id=\"OBS_VALUE\" usage=\"optional\">\
         <str:ConceptIdentity>{}</str:ConceptIdentity><str:LocalRepresentation>\
         <str:TextFormat textType=\"Decimal\"/></str:LocalRepresentation></str:Measure>\
         </str:MeasureList>",
        concept_urn("OBS_VALUE")
    );
    out.push_str(
        "</str:DataStructureComponents></str:DataStructure></str:DataStructures>\
         </mes:Structures></mes:Structure>\n",
    );
    Ok(out)
}
