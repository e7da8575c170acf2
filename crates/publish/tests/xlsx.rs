//! The streaming workbook writer read back by calamine, an independent
//! reader: what goes in as text comes out as the same text, numbers as the
//! same numbers, sheets in their order under their names.

use calamine::{Data, Reader};
use proptest::prelude::*;
use zicht_publish::xlsx::{Book, Value};

fn read(bytes: Vec<u8>) -> calamine::Xlsx<std::io::Cursor<Vec<u8>>> {
    calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("a workbook calamine reads")
}

fn one_sheet(rows: &[Vec<Value<'_>>]) -> Vec<u8> {
    let mut book = Book::new(std::io::Cursor::new(Vec::new()), &["s"]).unwrap();
    book.sheet(true).unwrap();
    for r in rows {
        book.row(r).unwrap();
    }
    book.finish().unwrap().into_inner()
}

#[test]
fn texts_and_numbers_come_back_as_written() {
    let texts = [
        "a<b>&\"c\" 'd'",
        "  leading and trailing  ",
        "line\nbreak\ttab",
        "carriage\r\nreturn",
        "control \u{1}\u{8}\u{1f} characters",
        "literal _x0041_ and _x005F_ stay",
        "=SUM(A1:A2)",
        "Zoë, Ĳssel, 儿童, 🚸",
    ];
    let numbers = [0.1 + 0.2, 1e300, -0.0, 12.0, 5e-324, -123456.789];
    let mut rows: Vec<Vec<Value<'_>>> =
        vec![vec![Value::Heading("text"), Value::Heading("number")]];
    for (t, n) in texts.iter().zip(numbers.iter().cycle()) {
        rows.push(vec![Value::Text(t), Value::Number(*n)]);
    }
    rows.push(vec![Value::Empty, Value::Number(f64::NAN)]);
    let mut book = read(one_sheet(&rows));
    let range = book.worksheet_range("s").unwrap();
    let got: Vec<&[Data]> = range.rows().collect();
    assert_eq!(got[0][0], Data::String("text".into()));
    for (k, (t, n)) in texts.iter().zip(numbers.iter().cycle()).enumerate() {
        assert_eq!(
            got[k + 1][0],
            Data::String((*t).to_owned()),
            "row {}",
            k + 2
        );
        match got[k + 1][1] {
            Data::Float(v) => assert_eq!(v.to_bits(), n.to_bits(), "row {}: {v} for {n}", k + 2),
            ref other => panic!("row {}: {other:?} for {n}", k + 2),
        }
    }
    let last = got.last().unwrap();
    assert_eq!(last[0], Data::Empty);
    assert_eq!(
        last[1],
        Data::String("NaN".into()),
        "a number that is not finite stays text"
    );
}

#[test]
fn sheets_keep_their_order_and_names_and_a_blank_row_its_place() {
    let names = ["notes", "comensha.minor_victims", "b~1", "leeg"];
    let mut book = Book::new(std::io::Cursor::new(Vec::new()), &names).unwrap();
    book.sheet(false).unwrap();
    book.row(&[Value::Heading("title")]).unwrap();
    book.row(&[]).unwrap();
    book.row(&[Value::Empty, Value::Text("third row, second column")])
        .unwrap();
    book.sheet(true).unwrap();
    book.row(&[Value::Number(7.0)]).unwrap();
    book.sheet(true).unwrap();
    // The fourth sheet is never started: it is written empty.
    let bytes = book.finish().unwrap().into_inner();
    let mut read = read(bytes);
    assert_eq!(read.sheet_names(), names);
    let notes = read.worksheet_range("notes").unwrap();
    assert_eq!(notes.get_value((0, 0)), Some(&Data::String("title".into())));
    assert_eq!(notes.get_value((1, 0)), Some(&Data::Empty));
    assert_eq!(
        notes.get_value((2, 1)),
        Some(&Data::String("third row, second column".into()))
    );
    let second = read.worksheet_range("comensha.minor_victims").unwrap();
    assert_eq!(second.get_value((0, 0)), Some(&Data::Float(7.0)));
    assert!(read.worksheet_range("leeg").unwrap().is_empty());
}

#[test]
fn the_same_rows_make_the_same_bytes() {
    let rows = vec![vec![Value::Text("a"), Value::Number(1.5)]];
    assert_eq!(one_sheet(&rows), one_sheet(&rows));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn any_text_comes_back_unchanged(text in "\\PC{0,40}|[_x0-9A-F\u{0}-\u{1f} <>&\"']{0,20}") {
        // Whitespace only, control characters, XML's own characters and
        // literal `_xHHHH_` included.
        let rows = vec![vec![Value::Text(&text)]];
        let mut book = read(one_sheet(&rows));
        let range = book.worksheet_range("s").unwrap();
        let got = range.get_value((0, 0)).cloned().unwrap_or(Data::Empty);
        if text.is_empty() {
            prop_assert_eq!(got, Data::Empty);
        } else {
            prop_assert_eq!(got, Data::String(text.clone()));
        }
    }
}
