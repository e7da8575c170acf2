use include_dir::{include_dir, Dir, DirEntry};

use crate::{parse_monitor, DataFile, Diagnostics, Monitor};

/// The data directory, built into the binary so that `zicht init` works
/// anywhere without the source tree.
static DATA: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../data");

/// Every text file of the embedded data directory, by relative path.
pub fn embedded_files() -> Vec<DataFile<'static>> {
    fn walk(dir: &'static Dir<'static>, out: &mut Vec<DataFile<'static>>) {
        for entry in dir.entries() {
            match entry {
                DirEntry::Dir(d) => walk(d, out),
                DirEntry::File(f) => {
                    let path = f.path().to_str().unwrap_or("");
                    let data = path.ends_with(".toml") || path.ends_with(".csv");
                    if let (true, Some(text)) = (data, f.contents_utf8()) {
                        out.push(DataFile { path, text });
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(&DATA, &mut out);
    out.sort_by_key(|f| f.path);
    out
}

/// The embedded default monitor, parsed.
pub fn embedded_monitor() -> (Monitor, Diagnostics) {
    parse_monitor(&embedded_files())
}
