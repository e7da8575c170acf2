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
    /// How far below its value an attacker must still think a hidden cell can be.
    pub protection_lower: f64,
    /// How far above its value an attacker must still think a hidden cell can be.
    pub protection_upper: f64,
}

impl Default for Rule {
    /// The theme default: counts under 10 are not shared, and a hidden cell must
    /// not be pinned to its value (the attacker must allow one more and one less).
    fn default() -> Self {
        Rule {
            min_count: 10.0,
            rounding_base: 0.0,
            zeros_sensitive: false,
            protection_lower: 1.0,
            protection_upper: 1.0,
        }
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
    pub protection_lower: Option<f64>,
    pub protection_upper: Option<f64>,
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
        if let Some(v) = self.protection_lower {
            rule.protection_lower = v;
        }
        if let Some(v) = self.protection_upper {
            rule.protection_upper = v;
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
        if let Some(v) = self.protection_lower {
            rule.protection_lower = rule.protection_lower.max(v);
        }
        if let Some(v) = self.protection_upper {
            rule.protection_upper = rule.protection_upper.max(v);
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
        for dim in dimensions {
            if let Some(patch) = self.dimensions.get(dim) {
                patch.tighten(&mut rule);
            }
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
        ("protection_lower", rule.protection_lower),
        ("protection_upper", rule.protection_upper),
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
                protection_upper: Some(3.0),
                ..RulePatch::default()
            },
        );
        let rule = rules.effective("x", ["region"]);
        assert_eq!(rule.rounding_base, 5.0);
        assert!(rule.zeros_sensitive);
        assert_eq!(rule.protection_upper, 3.0);
        assert_eq!(rule.protection_lower, 1.0);
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
        rules.default.protection_lower = -1.0;
        assert_eq!(rules.check().unwrap_err().field, "protection_lower");
    }
}
