//! Policy parameters: `context.params.<name>`, typed from the defaults beside
//! the policies and overridden from `stagegate.toml`. An override keeps its
//! default's type, so a policy that compares `context.params.coverage_floor`
//! with a decimal cannot be handed a string.

use std::collections::BTreeMap;

use super::DecisionError;
use crate::facts::{FactType, FactValue};

/// Typed policy parameters, `context.params.<name>`.
pub type Params = BTreeMap<String, (FactType, FactValue)>;

/// Types the defaults (TOML text) and applies `overrides` to them. A new name
/// is added; an override must keep its default's type (an integer may stand
/// for a decimal).
pub fn resolve_params(defaults: &str, overrides: &toml::Table) -> Result<Params, DecisionError> {
    let err = |m: String| DecisionError::Params(m);
    let table: toml::Table =
        toml::from_str(defaults).map_err(|e| err(format!("defaults are not valid TOML: {e}")))?;
    let mut params = Params::new();
    for (name, value) in &table {
        params.insert(name.clone(), typed_value(name, value, None).map_err(err)?);
    }
    for (name, value) in overrides {
        let expected = params.get(name).map(|(ty, _)| *ty);
        params.insert(
            name.clone(),
            typed_value(name, value, expected).map_err(err)?,
        );
    }
    Ok(params)
}

/// `value` as a typed value, of type `expected` when given (an integer may
/// stand for a decimal); `name` is for messages.
pub fn typed_value(
    name: &str,
    value: &toml::Value,
    expected: Option<FactType>,
) -> Result<(FactType, FactValue), String> {
    use toml::Value as T;
    let typed = match (value, expected) {
        (T::Boolean(b), _) => (FactType::Bool, FactValue::Bool(*b)),
        (T::Integer(n), Some(FactType::Decimal)) => {
            (FactType::Decimal, FactValue::String(format!("{n}.0")))
        }
        (T::Integer(n), _) => (FactType::Long, FactValue::Long(*n)),
        (T::Float(f), _) if f.is_finite() && f.abs() < 9.0e14 => {
            let text = format!("{f:.4}");
            let trimmed = text.trim_end_matches('0');
            let text = if trimmed.ends_with('.') {
                format!("{trimmed}0")
            } else {
                trimmed.to_owned()
            };
            (FactType::Decimal, FactValue::String(text))
        }
        (T::String(s), Some(FactType::Decimal)) if is_decimal(s) => {
            (FactType::Decimal, FactValue::String(s.clone()))
        }
        (T::String(s), _) => (FactType::String, FactValue::String(s.clone())),
        (T::Array(items), _) => {
            let set = items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<std::collections::BTreeSet<String>>>()
                .ok_or_else(|| format!("`{name}`: only arrays of strings are supported"))?;
            (FactType::SetOfString, FactValue::Set(set))
        }
        _ => return Err(format!("`{name}`: unsupported value `{value}`")),
    };
    match expected {
        Some(ty) if ty != typed.0 => Err(format!(
            "`{name}` must be {}, not {}",
            ty.cedar(),
            typed.0.cedar()
        )),
        _ => Ok(typed),
    }
}

/// Whether `text` is a Cedar decimal: digits, a point, one to four digits.
fn is_decimal(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    digits.split_once('.').is_some_and(|(int, frac)| {
        !int.is_empty()
            && int.len() <= 15
            && (1..=4).contains(&frac.len())
            && int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    })
}
