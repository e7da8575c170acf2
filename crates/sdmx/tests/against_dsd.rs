//! The SDMX-CSV 2.0 data of the embedded monitor, read back and checked
//! against the SDMX-ML structure message emitted beside it: the rules of
//! SDMX-CSV 2.0 (the three leading columns, one column per component, a
//! dataflow that exists) and the DSD's own (every coded value in its code
//! list, mandatory attributes given, unique series keys, time periods as
//! SDMX writes them). The structure is parsed from the XML, not taken from
//! the code that wrote it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use quick_xml::events::Event;
use quick_xml::Reader;
use zicht_model::{Cell, Figure, Status};

#[derive(Debug, Default)]
struct Component {
    id: String,
    position: Option<usize>,
    usage: Option<String>,
    concept: String,
    /// The code list URN, or None for a text format.
    enumeration: Option<String>,
    text_type: Option<String>,
}

#[derive(Debug, Default)]
struct Structure {
    /// Code list URN → code ids.
    codelists: HashMap<String, BTreeSet<String>>,
    /// Concept URNs declared.
    concepts: BTreeSet<String>,
    dimensions: Vec<Component>,
    time_dimension: Option<Component>,
    attributes: Vec<Component>,
    measures: Vec<Component>,
    /// Dataflow short id (AGENCY:ID(VERSION)) → the DSD URN it uses.
    dataflows: HashMap<String, String>,
    dsd_urns: BTreeSet<String>,
}

fn attr(e: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        // The ids and URNs zicht writes hold no entity references.
        .map(|a| a.value.as_ref().to_owned())
}

fn local(name: quick_xml::name::QName<'_>) -> String {
    name.local_name().as_ref().to_owned()
}

/// Reads the structure message; panics on XML that is not well formed.
fn parse_structure(xml: &str) -> Structure {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut s = Structure::default();
    let mut path: Vec<String> = Vec::new();
    let mut codelist = String::new();
    let mut scheme = String::new();
    let mut dataflow = String::new();
    let mut component: Option<(String, Component)> = None;
    loop {
        let ev = reader.read_event().expect("well-formed XML");
        let (start, empty) = match &ev {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            let name = local(e.name());
            match name.as_str() {
                "Codelist" => {
                    codelist = attr(&e, "urn").expect("a code list has a URN");
                    s.codelists.entry(codelist.clone()).or_default();
                }
                "Code" => {
                    s.codelists
                        .get_mut(&codelist)
                        .unwrap()
                        .insert(attr(&e, "id").unwrap());
                }
                "ConceptScheme" => {
                    let urn = attr(&e, "urn").unwrap();
                    scheme = urn.replace(".ConceptScheme=", ".Concept=");
                }
                "Concept" => {
                    s.concepts
                        .insert(format!("{scheme}.{}", attr(&e, "id").unwrap()));
                }
                "Dataflow" => {
                    dataflow = format!(
                        "{}:{}({})",
                        attr(&e, "agencyID").unwrap(),
                        attr(&e, "id").unwrap(),
                        attr(&e, "version").unwrap()
                    );
                }
                "DataStructure" => {
                    s.dsd_urns.insert(attr(&e, "urn").unwrap());
                }
                "Dimension" | "TimeDimension" | "Attribute" | "Measure" => {
                    component = Some((
                        name.clone(),
                        Component {
                            id: attr(&e, "id").unwrap(),
                            position: attr(&e, "position").map(|p| p.parse().unwrap()),
                            usage: attr(&e, "usage"),
                            ..Default::default()
                        },
                    ));
                }
                "TextFormat" => {
                    if let Some((_, c)) = component.as_mut() {
                        c.text_type = attr(&e, "textType");
                    }
                }
                _ => {}
            }
            if !empty {
                path.push(name);
            }
            continue;
        }
        match ev {
            Event::Text(t) => {
                let text = t.xml10_content().trim().to_owned();
                match path.last().map(String::as_str) {
                    Some("ConceptIdentity") => component.as_mut().unwrap().1.concept = text,
                    Some("Enumeration") => component.as_mut().unwrap().1.enumeration = Some(text),
                    Some("Structure") if path.iter().any(|p| p == "Dataflow") => {
                        s.dataflows.insert(dataflow.clone(), text);
                    }
                    _ => {}
                }
            }
            Event::End(e) => {
                let name = local(e.name());
                path.pop();
                if let Some((kind, _)) = &component {
                    if *kind == name {
                        let (kind, c) = component.take().unwrap();
                        match kind.as_str() {
                            "Dimension" => s.dimensions.push(c),
                            "TimeDimension" => s.time_dimension = Some(c),
                            "Attribute" => s.attributes.push(c),
                            _ => s.measures.push(c),
                        }
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(path.is_empty(), "unclosed elements {path:?}");
    s
}

/// SDMX's ObservationalTimePeriod as zicht writes it: a Gregorian year,
/// month or day, or a time range (a day and an ISO 8601 duration).
fn is_time_period(t: &str) -> bool {
    fn digits(s: &str, n: usize) -> bool {
        s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
    }
    let date = |s: &str| {
        let p: Vec<&str> = s.split('-').collect();
        match p.as_slice() {
            [y] => digits(y, 4),
            [y, m] => digits(y, 4) && digits(m, 2),
            [y, m, d] => digits(y, 4) && digits(m, 2) && digits(d, 2),
            _ => false,
        }
    };
    match t.split_once('/') {
        None => date(t),
        Some((start, dur)) => {
            start.split('-').count() == 3
                && date(start)
                && dur.starts_with('P')
                && dur.len() > 2
                && dur[1..dur.len() - 1].bytes().all(|b| b.is_ascii_digit())
                && matches!(dur.as_bytes()[dur.len() - 1], b'Y' | b'M' | b'D')
        }
    }
}

/// The embedded monitor's cells, the latest version of each, plus one cell
/// of each status a public output may carry.
fn cells() -> (zicht_model::Catalogue, Vec<Cell>) {
    let (monitor, _) = zicht_ingest::embedded_monitor();
    let mut latest: BTreeMap<String, Cell> = BTreeMap::new();
    for rc in &monitor.cells {
        let c = &rc.cell;
        latest.insert(
            format!("{}|{}|{}", c.indicator, c.period, c.breakdown),
            c.clone(),
        );
    }
    let mut cells: Vec<Cell> = latest.into_values().collect();
    let template = cells
        .iter()
        .find(|c| c.breakdown.pairs().next().is_some())
        .unwrap()
        .clone();
    for (i, figure) in [
        Figure::Suppressed,
        Figure::Refused,
        Figure::NotAvailable,
        Figure::from_parts(Status::Below, None, None, Some(10.0), None).unwrap(),
    ]
    .into_iter()
    .enumerate()
    {
        let mut c = template.clone();
        c.period = zicht_model::Period::year(1990 + i as i32);
        c.figure = figure;
        cells.push(c);
    }
    (monitor.catalogue, cells)
}

#[test]
fn the_data_conform_to_the_structure_emitted_beside_them() {
    let (cat, cells) = cells();
    let xml = zicht_sdmx::structure_xml(&cat, "2026-12-02T00:00:00Z").unwrap();
    let data = zicht_sdmx::data_csv(&cat, &cells).unwrap();
    let s = parse_structure(&xml);

    // The structure holds together: every component's concept is declared,
    // every enumeration names a code list in the message, and the dataflow
    // uses the DSD.
    let time = s.time_dimension.as_ref().expect("a time dimension");
    let all: Vec<&Component> = s
        .dimensions
        .iter()
        .chain([time])
        .chain(&s.attributes)
        .chain(&s.measures)
        .collect();
    for c in &all {
        assert!(
            s.concepts.contains(&c.concept),
            "{}: concept {} undeclared",
            c.id,
            c.concept
        );
        if let Some(e) = &c.enumeration {
            assert!(
                s.codelists.contains_key(e),
                "{}: code list {e} missing",
                c.id
            );
        } else {
            assert!(c.text_type.is_some(), "{}: no representation", c.id);
        }
    }
    let mut positions: Vec<usize> = s.dimensions.iter().map(|d| d.position.unwrap()).collect();
    positions.sort();
    assert_eq!(positions, (1..=s.dimensions.len()).collect::<Vec<_>>());
    assert_eq!(s.measures.len(), 1);

    // SDMX-CSV 2.0: STRUCTURE, STRUCTURE_ID, ACTION, then one column per
    // component: the dimensions in their order, then the others.
    let mut reader = csv::Reader::from_reader(data.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header[..3], ["STRUCTURE", "STRUCTURE_ID", "ACTION"]);
    let mut dims: Vec<&Component> = s.dimensions.iter().collect();
    dims.sort_by_key(|d| d.position);
    let dim_ids: Vec<&str> = dims.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(header[3..3 + dims.len()], dim_ids[..]);
    let rest: BTreeSet<&str> = header[3 + dims.len()..]
        .iter()
        .map(String::as_str)
        .collect();
    let others: BTreeSet<&str> = [time]
        .into_iter()
        .chain(&s.attributes)
        .chain(&s.measures)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(rest, others, "columns other than the dimensions");
    assert_eq!(header.len(), 3 + all.len(), "one column per component");
    let col: HashMap<&str, usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_str(), i))
        .collect();

    let mut keys = BTreeSet::new();
    let mut rows = 0;
    for (n, row) in reader.records().enumerate() {
        let row = row.unwrap();
        let line = n + 2;
        rows += 1;
        assert_eq!(&row[0], "dataflow", "line {line}");
        let dsd = s
            .dataflows
            .get(&row[1])
            .unwrap_or_else(|| panic!("line {line}: no dataflow {}", &row[1]));
        assert!(
            s.dsd_urns.contains(dsd),
            "dataflow uses a DSD the message lacks"
        );
        assert!(
            ["I", "A", "R", "D"].contains(&&row[2]),
            "line {line}: action {}",
            &row[2]
        );
        for c in &all {
            let v = &row[col[c.id.as_str()]];
            if v.is_empty() {
                let optional = c.usage.as_deref() == Some("optional");
                assert!(optional, "line {line}: {} is empty but not optional", c.id);
                continue;
            }
            if let Some(list) = &c.enumeration {
                assert!(
                    s.codelists[list].contains(v),
                    "line {line}: {} = {v} not in {list}",
                    c.id
                );
            }
            match c.text_type.as_deref() {
                Some("Decimal") => assert!(v.parse::<f64>().is_ok(), "line {line}: {} = {v}", c.id),
                Some("ObservationalTimePeriod") => {
                    assert!(is_time_period(v), "line {line}: TIME_PERIOD {v}")
                }
                _ => {}
            }
        }
        let key: Vec<&str> = dims
            .iter()
            .map(|d| &row[col[d.id.as_str()]])
            .chain([&row[col["TIME_PERIOD"]]])
            .collect();
        assert!(
            keys.insert(key.join("|")),
            "line {line}: the key {key:?} repeats"
        );
        // What is not free carries no value.
        if &row[col["CONF_STATUS"]] != "F" {
            assert_eq!(
                &row[col["OBS_VALUE"]], "",
                "line {line}: a confidential value"
            );
        }
    }
    assert_eq!(rows, cells.len());
}

#[test]
fn a_cell_outside_the_catalogue_is_named() {
    let (cat, mut cells) = cells();
    cells[0].breakdown = zicht_model::Breakdown::parse("sex=unknown_value").unwrap();
    let err = zicht_sdmx::data_csv(&cat, &cells[..1]).unwrap_err();
    assert!(
        err.to_string()
            .contains("'unknown_value' is not a value of dimension 'sex'"),
        "{err}"
    );
}
