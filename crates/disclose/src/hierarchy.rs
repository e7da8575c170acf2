//! Nested dimensions as text: the one format `zicht protect --hierarchy`
//! reads, so that a file and the monitor's data (`dimension.parent`) end up
//! as the same [`Hierarchy`], checked by the same rules.
//!
//! One nesting per line, as two breakdown pairs, parent first:
//!
//! ```text
//! # region → municipality
//! region=north,municipality=groningen
//! region=north,municipality=assen
//! origin=foreign,country=gn
//! ```
//!
//! Blank lines and lines starting with `#` are skipped. One file may nest
//! several dimensions.

use std::collections::BTreeMap;

use crate::builder::Hierarchy;

/// A line of a hierarchy that cannot be used: its 1-based number and what to
/// do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct HierarchyError {
    pub line: usize,
    pub message: String,
}

const SHAPE: &str = "write `parent_dimension=value,child_dimension=value`, \
                     e.g. `region=north,municipality=assen`";

fn pair(text: &str) -> Option<(&str, &str)> {
    let (d, v) = text.trim().split_once('=')?;
    let (d, v) = (d.trim(), v.trim());
    (!d.is_empty() && !v.is_empty() && !v.contains('=')).then_some((d, v))
}

impl Hierarchy {
    /// A nesting of `child` under `parent` from (child value, parent value)
    /// pairs; a child value placed under two parent values is refused, as
    /// it would count towards both.
    pub fn new<S: AsRef<str>>(
        parent: &str,
        child: &str,
        pairs: impl IntoIterator<Item = (S, S)>,
    ) -> Result<Hierarchy, String> {
        if parent == child {
            return Err(format!("'{child}' cannot be nested in itself"));
        }
        let mut parent_of = BTreeMap::new();
        for (c, p) in pairs {
            let (c, p) = (c.as_ref(), p.as_ref());
            match parent_of.get(c) {
                Some(q) if q != p => {
                    return Err(format!(
                        "{child}={c} sits under both {parent}={q} and {parent}={p}; keep one"
                    ))
                }
                _ => {
                    parent_of.insert(c.to_owned(), p.to_owned());
                }
            }
        }
        Ok(Hierarchy {
            parent: parent.to_owned(),
            child: child.to_owned(),
            parent_of,
        })
    }

    /// Every nesting in `text` (see the module documentation), in the order
    /// their child dimensions first appear; every bad line is reported.
    pub fn parse(text: &str) -> Result<Vec<Hierarchy>, Vec<HierarchyError>> {
        let mut errors = Vec::new();
        // child dimension → (parent dimension, child value → (parent value, line)).
        let mut nests: Vec<(String, String, BTreeMap<String, (String, usize)>)> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let body = raw.trim().trim_start_matches('\u{feff}');
            if body.is_empty() || body.starts_with('#') {
                continue;
            }
            let mut bad = |message: String| errors.push(HierarchyError { line, message });
            let fields: Vec<&str> = body.split(',').collect();
            let [p, c] = fields.as_slice() else {
                bad(format!("{} fields, expected 2: {SHAPE}", fields.len()));
                continue;
            };
            let (Some((pd, pv)), Some((cd, cv))) = (pair(p), pair(c)) else {
                bad(format!(
                    "'{body}' is not two dimension=value pairs: {SHAPE}"
                ));
                continue;
            };
            if pd == cd {
                bad(format!("'{cd}' cannot be nested in itself: {SHAPE}"));
                continue;
            }
            let at = match nests.iter().position(|n| n.0 == cd) {
                Some(at) => at,
                None => {
                    nests.push((cd.to_owned(), pd.to_owned(), BTreeMap::new()));
                    nests.len() - 1
                }
            };
            let (_, parent, members) = &mut nests[at];
            if parent != pd {
                bad(format!(
                    "'{cd}' is already nested in '{parent}'; a dimension has one parent dimension"
                ));
                continue;
            }
            match members.get(cv) {
                Some((q, first)) if q != pv => bad(format!(
                    "{cd}={cv} is already under {pd}={q} (line {first}); keep one"
                )),
                Some(_) => {}
                None => {
                    members.insert(cv.to_owned(), (pv.to_owned(), line));
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(nests
            .into_iter()
            .map(|(child, parent, members)| Hierarchy {
                parent,
                child,
                parent_of: members.into_iter().map(|(c, (p, _))| (c, p)).collect(),
            })
            .collect())
    }

    /// The lines [`Hierarchy::parse`] reads back as this nesting.
    pub fn to_lines(&self) -> String {
        self.parent_of
            .iter()
            .map(|(c, p)| format!("{}={p},{}={c}\n", self.parent, self.child))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_several_dimensions_with_comments() {
        let text = "# two nestings\n\
                    region=north,municipality=assen\n\
                    \n\
                    origin=foreign,country=gn\n\
                    region=north , municipality=groningen\n";
        let h = Hierarchy::parse(text).unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(
            (h[0].parent.as_str(), h[0].child.as_str()),
            ("region", "municipality")
        );
        assert_eq!(h[0].parent_of["groningen"], "north");
        assert_eq!(h[1].parent_of["gn"], "foreign");
        assert_eq!(Hierarchy::parse(&h[0].to_lines()).unwrap()[0], h[0]);
    }

    #[test]
    fn names_every_bad_line_and_what_to_do() {
        let text = "region=north,municipality=assen\n\
                    north,assen\n\
                    region=south,municipality=assen\n\
                    province=drenthe,municipality=emmen\n\
                    a=1,b=2,c=3\n";
        let errors = Hierarchy::parse(text).unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5]);
        assert!(
            errors[0].message.contains("parent_dimension=value"),
            "{errors:?}"
        );
        assert!(errors[1].message.contains("(line 1)"), "{errors:?}");
        assert!(
            errors[2].message.contains("one parent dimension"),
            "{errors:?}"
        );
        assert!(errors[3].message.contains("3 fields"), "{errors:?}");
    }

    #[test]
    fn the_same_line_twice_is_harmless() {
        let h = Hierarchy::parse("r=n,m=a\nr=n,m=a\n").unwrap();
        assert_eq!(h[0].parent_of.len(), 1);
    }

    proptest::proptest! {
        /// What `to_lines` writes, `parse` reads back as the same nesting,
        /// whatever the values and however many.
        #[test]
        fn lines_read_back_as_the_same_nesting(
            members in proptest::collection::btree_map("[a-z][a-z0-9_]{0,6}", "[a-z][a-z0-9]{0,4}", 1..30),
        ) {
            let h = Hierarchy::new("region", "municipality", members.iter()).unwrap();
            let back = Hierarchy::parse(&h.to_lines()).unwrap();
            proptest::prop_assert_eq!(back, vec![h]);
        }
    }

    #[test]
    fn new_refuses_a_child_under_two_parents() {
        assert!(Hierarchy::new("r", "m", [("a", "n"), ("a", "s")]).is_err());
        assert!(Hierarchy::new("r", "r", [("a", "n")]).is_err());
        let h = Hierarchy::new("r", "m", [("a", "n"), ("b", "n")]).unwrap();
        assert_eq!(h.parent_of.len(), 2);
    }
}
