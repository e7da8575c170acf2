//! Workbooks written as a stream: each sheet's rows go straight into the
//! zip's deflate stream, so a workbook of the whole monitor is never held as
//! cells. zicht's workbooks need little of the format: text and numbers, a
//! bold heading style and a frozen header row, so this writes that subset
//! of SpreadsheetML itself.
//!
//! Why not rust_xlsxwriter (still used by the portal's templates, which
//! need data validation): it keeps every cell of every sheet until the
//! workbook is saved, about 0.6 GB for the synthetic monitor's workbook of
//! 180,000 cells, and its constant-memory mode opens a temporary file for
//! every sheet at once (2,001 for that workbook, past the usual limit of
//! 1,024 open files, and it panics when it cannot).
//!
//! Text goes to the shared-string table, as Excel writes it: one entry per
//! distinct text, written at the end, so memory holds the distinct texts,
//! not the cells (a monitor's labels, codes and statuses repeat; inline,
//! the whole-monitor workbook's sheets were 230 MB of XML to deflate). Text
//! is never a formula. Excel's `_xHHHH_` escape carries the characters XML
//! cannot; a cell holds at most 32,767 characters and a sheet 1,048,576
//! rows, as in Excel, and past either the writer refuses with the sheet,
//! row and column. The bytes depend only on what is written (no creation
//! time), so a workbook of unchanged cells is the same file.

use std::fmt::Write as _;
use std::io::{Seek, Write};

use zip::write::SimpleFileOptions;
use zip::ZipWriter;

/// Excel's limits: characters in a cell, rows in a sheet, characters in a
/// sheet name.
const CELL_CHARS_MAX: usize = 32_767;
const ROWS_MAX: u32 = 1_048_576;
const SHEET_NAME_MAX: usize = 31;

#[derive(Debug, thiserror::Error)]
pub enum XlsxError {
    #[error("sheet name {0:?} cannot be used: 1 to 31 characters, none of []:*?/\\, not starting or ending with ', unique regardless of case, not \"History\"")]
    SheetName(String),
    #[error("sheet {sheet}, row {row}, column {column}: a cell holds at most 32,767 characters ({chars} given); shorten the text")]
    CellTooLong {
        sheet: String,
        row: u32,
        column: usize,
        chars: usize,
    },
    #[error("sheet {sheet}: more than 1,048,576 rows, Excel's limit; download the CSV instead")]
    TooManyRows { sheet: String },
    #[error("more sheets written than named")]
    NoSuchSheet,
    #[error("a workbook needs at least one sheet")]
    NoSheets,
    #[error("writing the workbook: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("writing the workbook: {0}")]
    Io(#[from] std::io::Error),
}

/// One value of a row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Text(&'a str),
    /// Bold text, for headings.
    Heading(&'a str),
    /// A number a spreadsheet can compute with (text when not finite).
    Number(f64),
    /// Nothing in this column.
    Empty,
}

/// A workbook whose sheets are named up front and then written one after
/// another, in that order.
pub struct Book<W: Write + Seek> {
    zip: ZipWriter<W>,
    names: Vec<String>,
    /// The next sheet to write, and whether one is open.
    next: usize,
    open: Option<Open>,
    buf: String,
    /// Each distinct text and its index in the shared-string table, and
    /// how many cells cite one.
    strings: crate::HashMap<String, u32>,
    cited: u64,
}

struct Open {
    name: String,
    rows: u32,
}

/// Deflate level 3, not zlib's default 6: on the synthetic monitor's 2,002
/// workbooks (`bench/publish.sh`) level 6 spent about 2.2 s of CPU more for
/// 4.5% smaller files (38.8 against 40.6 MB); level 1 is faster still but
/// 49% larger, level 2 6% larger and no faster than 3.
const DEFLATE_LEVEL: i64 = 3;

fn options() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(DEFLATE_LEVEL))
        .last_modified_time(zip::DateTime::default())
}

const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

impl<W: Write + Seek> Book<W> {
    /// Starts a workbook of the sheets `names`, in that order.
    pub fn new(out: W, names: &[&str]) -> Result<Book<W>, XlsxError> {
        if names.is_empty() {
            return Err(XlsxError::NoSheets);
        }
        let mut seen = std::collections::HashSet::new();
        for n in names {
            let chars = n.chars().count();
            let bad = chars == 0
                || chars > SHEET_NAME_MAX
                || n.contains(['[', ']', ':', '*', '?', '/', '\\'])
                || n.starts_with('\'')
                || n.ends_with('\'')
                || n.eq_ignore_ascii_case("history")
                || !seen.insert(n.to_lowercase());
            if bad {
                return Err(XlsxError::SheetName((*n).to_owned()));
            }
        }
        let mut zip = ZipWriter::new(out);
        let mut types = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
             <Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
             <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
             <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
             <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
             <Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>\
             <Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>",
        );
        for i in 1..=names.len() {
            let _ = write!(
                types,
                "<Override PartName=\"/xl/worksheets/sheet{i}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
            );
        }
        types.push_str("</Types>");
        zip.start_file("[Content_Types].xml", options())?;
        zip.write_all(types.as_bytes())?;

        zip.start_file("_rels/.rels", options())?;
        zip.write_all(
            b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
              <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
              <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>\
              </Relationships>",
        )?;

        // The sheets' views name workbook view 0: Excel expects it listed.
        let mut book = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
             <workbook xmlns=\"{MAIN_NS}\" xmlns:r=\"{REL_NS}\">\
             <bookViews><workbookView/></bookViews><sheets>"
        );
        let mut rels = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
             <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
        );
        for (k, n) in names.iter().enumerate() {
            let i = k + 1;
            book.push_str("<sheet name=\"");
            escape_into(&mut book, n);
            let _ = write!(book, "\" sheetId=\"{i}\" r:id=\"rId{i}\"/>");
            let _ = write!(
                rels,
                "<Relationship Id=\"rId{i}\" Type=\"{REL_NS}/worksheet\" Target=\"worksheets/sheet{i}.xml\"/>"
            );
        }
        book.push_str("</sheets></workbook>");
        let _ = write!(
            rels,
            "<Relationship Id=\"rId{}\" Type=\"{REL_NS}/styles\" Target=\"styles.xml\"/>\
             <Relationship Id=\"rId{}\" Type=\"{REL_NS}/sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>",
            names.len() + 1,
            names.len() + 2
        );
        zip.start_file("xl/workbook.xml", options())?;
        zip.write_all(book.as_bytes())?;
        zip.start_file("xl/_rels/workbook.xml.rels", options())?;
        zip.write_all(rels.as_bytes())?;

        // Style 0 is the default, style 1 bold: the only two used.
        zip.start_file("xl/styles.xml", options())?;
        write!(
            zip,
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
             <styleSheet xmlns=\"{MAIN_NS}\">\
             <fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>\
             <font><b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font></fonts>\
             <fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>\
             <borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
             <cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>\
             <cellXfs count=\"2\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>\
             <xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/></cellXfs>\
             <cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>\
             </styleSheet>"
        )?;
        Ok(Book {
            zip,
            names: names.iter().map(|n| (*n).to_owned()).collect(),
            next: 0,
            open: None,
            buf: String::new(),
            strings: Default::default(),
            cited: 0,
        })
    }

    /// Starts the next named sheet (closing the one before); with
    /// `freeze_header` its first row stays in view when scrolling.
    pub fn sheet(&mut self, freeze_header: bool) -> Result<(), XlsxError> {
        self.close_sheet()?;
        let name = self
            .names
            .get(self.next)
            .ok_or(XlsxError::NoSuchSheet)?
            .clone();
        self.next += 1;
        self.zip
            .start_file(format!("xl/worksheets/sheet{}.xml", self.next), options())?;
        let selected = if self.next == 1 {
            " tabSelected=\"1\""
        } else {
            ""
        };
        let pane = if freeze_header {
            "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>\
             <selection pane=\"bottomLeft\"/>"
        } else {
            ""
        };
        write!(
            self.zip,
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
             <worksheet xmlns=\"{MAIN_NS}\" xmlns:r=\"{REL_NS}\">\
             <sheetViews><sheetView{selected} workbookViewId=\"0\">{pane}</sheetView></sheetViews>\
             <sheetData>"
        )?;
        self.open = Some(Open { name, rows: 0 });
        Ok(())
    }

    /// Writes the next row of the open sheet; an empty row leaves a blank
    /// line.
    pub fn row(&mut self, values: &[Value<'_>]) -> Result<(), XlsxError> {
        let open = self.open.as_mut().ok_or(XlsxError::NoSuchSheet)?;
        if open.rows == ROWS_MAX {
            return Err(XlsxError::TooManyRows {
                sheet: open.name.clone(),
            });
        }
        open.rows += 1;
        let r = open.rows;
        if values
            .iter()
            .all(|v| matches!(v, Value::Empty | Value::Text("") | Value::Heading("")))
        {
            return Ok(());
        }
        let buf = &mut self.buf;
        buf.clear();
        let mut row_digits = itoa::Buffer::new();
        let row = row_digits.format(r);
        let mut digits = itoa::Buffer::new();
        buf.push_str("<row r=\"");
        buf.push_str(row);
        buf.push_str("\">");
        for (c, v) in values.iter().enumerate() {
            let owned;
            let (text, style): (&str, &str) = match *v {
                Value::Empty => continue,
                Value::Number(n) if n.is_finite() => {
                    buf.push_str("<c r=\"");
                    column_into(buf, c);
                    buf.push_str(row);
                    buf.push_str("\"><v>");
                    number_into(buf, n);
                    buf.push_str("</v></c>");
                    continue;
                }
                Value::Number(n) => {
                    owned = n.to_string();
                    (&owned, "")
                }
                Value::Text(t) => (t, ""),
                Value::Heading(t) => (t, " s=\"1\""),
            };
            // An empty text is an empty cell, as a spreadsheet shows it.
            if text.is_empty() {
                continue;
            }
            // Bytes bound characters from above: most texts are not counted.
            if text.len() > CELL_CHARS_MAX {
                let chars = text.chars().count();
                if chars > CELL_CHARS_MAX {
                    return Err(XlsxError::CellTooLong {
                        sheet: open.name.clone(),
                        row: r,
                        column: c + 1,
                        chars,
                    });
                }
            }
            let next = self.strings.len() as u32;
            let index = match self.strings.get(text) {
                Some(&i) => i,
                None => {
                    self.strings.insert(text.to_owned(), next);
                    next
                }
            };
            self.cited += 1;
            buf.push_str("<c r=\"");
            column_into(buf, c);
            buf.push_str(row);
            buf.push('"');
            buf.push_str(style);
            buf.push_str(" t=\"s\"><v>");
            buf.push_str(digits.format(index));
            buf.push_str("</v></c>");
        }
        buf.push_str("</row>");
        self.zip.write_all(buf.as_bytes())?;
        Ok(())
    }

    fn close_sheet(&mut self) -> Result<(), XlsxError> {
        if self.open.take().is_some() {
            self.zip.write_all(b"</sheetData></worksheet>")?;
        }
        Ok(())
    }

    /// Closes the workbook; every named sheet must have been started.
    pub fn finish(mut self) -> Result<W, XlsxError> {
        self.close_sheet()?;
        // A sheet named but never written is written empty: the workbook
        // lists it.
        while self.next < self.names.len() {
            self.sheet(false)?;
            self.close_sheet()?;
        }
        self.zip.start_file("xl/sharedStrings.xml", options())?;
        let mut texts: Vec<(&String, &u32)> = self.strings.iter().collect();
        texts.sort_unstable_by_key(|(_, &i)| i);
        write!(
            self.zip,
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
             <sst xmlns=\"{MAIN_NS}\" count=\"{}\" uniqueCount=\"{}\">",
            self.cited,
            texts.len()
        )?;
        let mut buf = String::new();
        for (text, _) in texts {
            buf.clear();
            // Without it a reader drops leading and trailing whitespace.
            buf.push_str("<si><t xml:space=\"preserve\">");
            escape_into(&mut buf, text);
            buf.push_str("</t></si>");
            self.zip.write_all(buf.as_bytes())?;
        }
        self.zip.write_all(b"</sst>")?;
        Ok(self.zip.finish()?)
    }
}

/// The shortest text that reads back as the same finite `n`: a count as
/// an integer (`170`, not `170.0`: most of a monitor's numbers, and
/// integer formatting is the cheaper), anything else as Rust's shortest
/// round-trip form. Below 2^53 every whole f64 is exact as an integer;
/// −0 keeps its sign through the float form.
fn number_into(buf: &mut String, n: f64) {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if n.fract() == 0.0 && n.abs() < EXACT && !(n == 0.0 && n.is_sign_negative()) {
        buf.push_str(itoa::Buffer::new().format(n as i64));
    } else {
        let _ = write!(buf, "{n:?}");
    }
}

/// `A`, `B`, …, `Z`, `AA`, … for the 0-based column `c`.
fn column_into(buf: &mut String, c: usize) {
    let mut letters = [0u8; 3];
    let mut n = c + 1;
    let mut k = letters.len();
    while n > 0 {
        k -= 1;
        letters[k] = b'A' + ((n - 1) % 26) as u8;
        n = (n - 1) / 26;
    }
    buf.push_str(std::str::from_utf8(&letters[k..]).expect("ASCII letters"));
}

/// Text as SpreadsheetML carries it: XML's five escapes, and Excel's
/// `_xHHHH_` for the control characters XML 1.0 cannot hold and for a
/// carriage return (which XML would turn into a line feed). A literal
/// `_xHHHH_` in the text keeps its underscore as `_x005F_`, or a reader
/// would decode it.
fn escape_into(buf: &mut String, text: &str) {
    let bytes = text.as_bytes();
    for (i, ch) in text.char_indices() {
        match ch {
            '&' => buf.push_str("&amp;"),
            '<' => buf.push_str("&lt;"),
            '>' => buf.push_str("&gt;"),
            '"' => buf.push_str("&quot;"),
            '\t' | '\n' => buf.push(ch),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => {
                let _ = write!(buf, "_x{:04X}_", ch as u32);
            }
            '_' if looks_escaped(&bytes[i..]) => buf.push_str("_x005F_"),
            _ => buf.push(ch),
        }
    }
}

/// Whether `s` starts with `_xHHHH_`.
fn looks_escaped(s: &[u8]) -> bool {
    s.len() >= 7
        && s[0] == b'_'
        && s[1] == b'x'
        && s[2..6].iter().all(u8::is_ascii_hexdigit)
        && s[6] == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(c: usize) -> String {
        let mut s = String::new();
        column_into(&mut s, c);
        s
    }

    #[test]
    fn columns_are_lettered_as_excel_does() {
        assert_eq!(column(0), "A");
        assert_eq!(column(20), "U");
        assert_eq!(column(25), "Z");
        assert_eq!(column(26), "AA");
        assert_eq!(column(701), "ZZ");
        assert_eq!(column(702), "AAA");
        assert_eq!(column(16_383), "XFD");
    }

    #[test]
    fn text_is_escaped_for_xml_and_excel() {
        let mut s = String::new();
        escape_into(&mut s, "a<b>&\"c\"\u{1}\r\n\t_x0041_ _x12_");
        assert_eq!(
            s,
            "a&lt;b&gt;&amp;&quot;c&quot;_x0001__x000D_\n\t_x005F_x0041_ _x12_"
        );
    }

    #[test]
    fn bad_sheet_names_are_refused() {
        for names in [
            vec![""],
            vec!["a[1]"],
            vec!["'a"],
            vec!["History"],
            vec!["abcdefghijklmnopqrstuvwxyz012345"],
            vec!["cells", "CELLS"],
        ] {
            let out = std::io::Cursor::new(Vec::new());
            assert!(
                matches!(Book::new(out, &names), Err(XlsxError::SheetName(_))),
                "{names:?}"
            );
        }
    }

    #[test]
    fn a_workbook_has_a_sheet() {
        let out = std::io::Cursor::new(Vec::new());
        assert!(matches!(Book::new(out, &[]), Err(XlsxError::NoSheets)));
    }

    #[test]
    fn a_cell_too_long_names_its_place() {
        let mut book = Book::new(std::io::Cursor::new(Vec::new()), &["s"]).unwrap();
        book.sheet(true).unwrap();
        book.row(&[Value::Text("ok")]).unwrap();
        let long = "x".repeat(CELL_CHARS_MAX + 1);
        let err = book
            .row(&[Value::Empty, Value::Text(&long)])
            .unwrap_err()
            .to_string();
        assert!(err.contains("sheet s, row 2, column 2"), "{err}");
    }
}
