//! Disclosure rules as data: per indicator and per dimension, resolved per cell.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The effective disclosure rule of one cell.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rule {
    /// Counts below this are not published exactly (`0` or `1`: no threshold).
    pub min_count: f64,
    /// Published values are rounded (half up) to this base (`0` or `1`: no rounding).
    pub rounding_base: f64,
    /// Whether a zero is itself sensitive ("nobody" can identify as much as "one").
    pub zeros_sensitive: bool,
    /// How wide the attacker's interval for a hidden cell must stay, in the
    /// cell's unit. `None`: the policy default, [`default_width`] of `min_count`.
    pub protection: Option<f64>,
}

impl Default for Rule {
    /// The theme default: counts under 10 are not shared, and a hidden count
    /// leaves the attacker at least ⌈0.3·10⌉ = 3 of room (four whole numbers).
    fn default() -> Self {
        Rule {
            min_count: 10.0,
            rounding_base: 0.0,
            zeros_sensitive: false,
            protection: None,
        }
    }
}

/// The policy's protection width for a minimum count `k`: ⌈0.3·k⌉.
///
/// Why 0.3: "<10" already tells an attacker 1–9 (zeros are published). A
/// hidden count must not be narrowed to fewer than four whole numbers — for
/// k = 10 that keeps at least a third of the range "<k" itself promises open,
/// so telling a 1 from a 4, or a 6 from a 9, stays impossible. Computed as
/// ⌈3k/10⌉ so that 0.3·10 does not round up to 4 in floating point.
pub fn default_width(min_count: f64) -> f64 {
    if min_count <= 0.0 {
        return 0.0;
    }
    (3.0 * min_count / 10.0 - 1e-9).ceil().max(1.0)
}

impl Rule {
    /// The width the attacker's interval must keep: the rule's own
    /// `protection`, else the policy default for its `min_count`.
    pub fn width(&self) -> f64 {
        self.protection
            .unwrap_or_else(|| default_width(self.min_count))
    }

    /// Whether a zero is hidden as "<k" too. Where zeros are published, "<k"
    /// tells the attacker 1..k−1; when that range cannot hold the protection
    /// width (k = 2: "<2" would mean exactly 1), zeros must be hidden as well,
    /// so that "<k" means 0..k−1.
    pub fn hides_zeros(&self) -> bool {
        self.zeros_sensitive
            || (self.min_count > 1.0 && self.min_count - 2.0 < self.width().min(1.0))
    }
}

/// A rule given in part: the fields it names replace (indicator) or tighten
/// (dimension) the rule it applies to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RulePatch {
    pub min_count: Option<f64>,
    pub rounding_base: Option<f64>,
    pub zeros_sensitive: Option<bool>,
    pub protection: Option<f64>,
}

impl RulePatch {
    pub fn min_count(k: f64) -> Self {
        RulePatch {
            min_count: Some(k),
            ..RulePatch::default()
        }
    }

    fn replace(&self, rule: &mut Rule) {
        if let Some(v) = self.min_count {
            rule.min_count = v;
        }
        if let Some(v) = self.rounding_base {
            rule.rounding_base = v;
        }
        if let Some(v) = self.zeros_sensitive {
            rule.zeros_sensitive = v;
        }
        if let Some(v) = self.protection {
            rule.protection = Some(v);
        }
    }

    fn tighten(&self, rule: &mut Rule) {
        if let Some(v) = self.min_count {
            rule.min_count = rule.min_count.max(v);
        }
        if let Some(v) = self.rounding_base {
            rule.rounding_base = rule.rounding_base.max(v);
        }
        if let Some(v) = self.zeros_sensitive {
            rule.zeros_sensitive |= v;
        }
    }

    /// The protection width is tightened after every dimension's minimum
    /// count, so that a default width follows the strictest `min_count`.
    fn tighten_width(&self, rule: &mut Rule) {
        if let Some(v) = self.protection {
            rule.protection = Some(rule.width().max(v));
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("rule {field} of {owner} is {value}: it must be a finite number ≥ 0")]
pub struct RuleError {
    pub owner: String,
    pub field: &'static str,
    pub value: f64,
}

/// All disclosure rules of a theme.
///
/// The effective rule of a cell is the theme default with its indicator's patch
/// applied (an indicator may relax the default: a count of URLs identifies no
/// child), then tightened by the patch of every dimension in its breakdown:
/// the strictest wins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rules {
    pub default: Rule,
    pub indicators: BTreeMap<String, RulePatch>,
    pub dimensions: BTreeMap<String, RulePatch>,
}

impl Default for Rules {
    /// The suppliers' rules of the Dutch monitor: under 10 on this theme, and a
    /// country of origin is not named for fewer than 4 persons.
    fn default() -> Self {
        let mut dimensions = BTreeMap::new();
        dimensions.insert("country".to_owned(), RulePatch::min_count(4.0));
        Rules {
            default: Rule::default(),
            indicators: BTreeMap::new(),
            dimensions,
        }
    }
}

impl Rules {
    /// The rule of a cell of `indicator` broken down by `dimensions`.
    pub fn effective<'a, I>(&self, indicator: &str, dimensions: I) -> Rule
    where
        I: IntoIterator<Item = &'a str>,
    {
        let mut rule = self.default;
        if let Some(patch) = self.indicators.get(indicator) {
            patch.replace(&mut rule);
        }
        let patches: Vec<&RulePatch> = dimensions
            .into_iter()
            .filter_map(|dim| self.dimensions.get(dim))
            .collect();
        for patch in &patches {
            patch.tighten(&mut rule);
        }
        for patch in &patches {
            patch.tighten_width(&mut rule);
        }
        rule
    }

    /// Refuses negative or non-finite numbers, which would make "below k" or a
    /// protection interval meaningless.
    pub fn check(&self) -> Result<(), RuleError> {
        check_rule("the default", &self.default)?;
        for (owner, patch) in self.indicators.iter().chain(&self.dimensions) {
            let mut probe = Rule::default();
            patch.replace(&mut probe);
            check_rule(owner, &probe)?;
        }
        Ok(())
    }
}

pub(crate) fn check_rule(owner: &str, rule: &Rule) -> Result<(), RuleError> {
    let fields = [
        ("min_count", rule.min_count),
        ("rounding_base", rule.rounding_base),
        ("protection", rule.protection.unwrap_or(0.0)),
    ];
    for (field, value) in fields {
        if !value.is_finite() || value < 0.0 {
            return Err(RuleError {
                owner: owner.to_owned(),
                field,
                value,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theme_default_applies_without_patches() {
        let rules = Rules::default();
        assert_eq!(rules.effective("x", ["sex"]).min_count, 10.0);
    }

    #[test]
    fn strictest_dimension_wins_over_a_relaxed_indicator() {
        let mut rules = Rules::default();
        rules
            .indicators
            .insert("urls".into(), RulePatch::min_count(0.0));
        assert_eq!(rules.effective("urls", []).min_count, 0.0);
        assert_eq!(rules.effective("urls", ["country", "sex"]).min_count, 4.0);
        // The theme's 10 is stricter than the country's 4.
        assert_eq!(rules.effective("other", ["country"]).min_count, 10.0);
    }

    #[test]
    fn dimension_patches_tighten_every_field() {
        let mut rules = Rules::default();
        rules.dimensions.insert(
            "region".into(),
            RulePatch {
                rounding_base: Some(5.0),
                zeros_sensitive: Some(true),
                protection: Some(5.0),
                ..RulePatch::default()
            },
        );
        let rule = rules.effective("x", ["region"]);
        assert_eq!(rule.rounding_base, 5.0);
        assert!(rule.zeros_sensitive);
        assert_eq!(rule.width(), 5.0);
        // A dimension asking for less than the default keeps the default.
        rules.dimensions.get_mut("region").unwrap().protection = Some(1.0);
        assert_eq!(rules.effective("x", ["region"]).width(), 3.0);
    }

    #[test]
    fn the_default_width_is_three_tenths_of_k_rounded_up() {
        let widths: Vec<f64> = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 10.0, 11.0, 20.0]
            .into_iter()
            .map(default_width)
            .collect();
        assert_eq!(widths, [0.0, 1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 4.0, 6.0]);
        assert_eq!(Rule::default().width(), 3.0);
    }

    #[test]
    fn zeros_are_hidden_where_below_k_would_name_one_value() {
        let rule = |k: f64| Rule {
            min_count: k,
            ..Rule::default()
        };
        assert!(!rule(10.0).hides_zeros());
        assert!(!rule(3.0).hides_zeros(), "<3 leaves 1 and 2");
        assert!(rule(2.0).hides_zeros(), "<2 would be exactly 1");
        assert!(!rule(1.0).hides_zeros(), "no threshold");
    }

    #[test]
    fn rules_deserialize_with_defaults() {
        let json = r#"{"indicators": {"a": {"rounding_base": 10}}, "dimensions": {"country": {"min_count": 4}}}"#;
        let rules: Rules = serde_json::from_str(json).unwrap();
        assert_eq!(rules.default, Rule::default());
        assert_eq!(rules.effective("a", []).rounding_base, 10.0);
        assert!(rules.check().is_ok());
    }

    #[test]
    fn negative_rules_are_refused() {
        let mut rules = Rules::default();
        rules.default.protection = Some(-1.0);
        assert_eq!(rules.check().unwrap_err().field, "protection");
    }
}
