//! `repere estimate`: one JSON request on stdin, one JSON answer on stdout.
//!
//! Request:
//!
//! ```json
//! {"items": [{"a": 1.2, "b": -0.5, "c": 0.2, "d": 1.0},
//!            {"model": "gpcm", "a": 0.9, "steps": [-0.5, 0.7]},
//!            {"model": "grm", "a": 1.4, "thresholds": [-1.0, 0.2, 1.1]}],
//!  "responses": [1, 2, 0],
//!  "method": "eap",
//!  "prior": {"mean": 0, "sd": 1},
//!  "range": [-6, 6],
//!  "points": 401}
//! ```
//!
//! Dichotomous items (no `model`, or `"model": "logistic"`) take `a`, `b` and optionally
//! `c` (default 0) and `d` (default 1). `method` is `eap`, `map`, `mle` or `wle`;
//! `prior` (EAP and MAP, default N(0, 1)), `range` (default [−6, 6]: the EAP grid
//! bounds, or the search range of the others) and `points` (EAP only, default 401)
//! are optional. Answer: `{"theta": …, "se": …}`.
//!
//! Every problem with the request is reported as one line naming the field
//! (`items[3].a: discrimination must be > 0 (got -1)`), with line and column for
//! malformed JSON; unknown fields are rejected. The checks are done here, on the raw
//! JSON, so the message can say exactly which field is wrong.

use std::io::{Read, Write};

use repere_engine::estimate::{
    AbilityEstimator, Eap, Estimate, Grid, Map, Mle, Prior, Wle, DEFAULT_GRID_POINTS,
    DEFAULT_RANGE, MAX_GRID_POINTS,
};
use repere_engine::irt::{Item, ParamError};
use serde_json::{Map as JsonMap, Value};

use crate::CliError;

/// Reads the request from stdin and prints the answer.
pub fn run_stdio() -> Result<(), CliError> {
    let mut request = String::new();
    std::io::stdin()
        .read_to_string(&mut request)
        .map_err(|e| CliError::Other(format!("cannot read stdin: {e}")))?;
    let out = answer(&request)?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{out}")
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::Other(format!("cannot write stdout: {e}")))
}

/// Computes the answer (one line of JSON, without the newline) to one request.
///
/// Pure: no I/O, so the whole contract can be tested without a process.
pub fn answer(request: &str) -> Result<String, CliError> {
    let value: Value =
        serde_json::from_str(request).map_err(|e| CliError::Input(format!("invalid JSON: {e}")))?;
    let estimate = Request::parse(&value)
        .and_then(|r| r.run())
        .map_err(CliError::Input)?;
    if !(estimate.theta.is_finite() && estimate.se.is_finite()) {
        return Err(CliError::Other(format!(
            "internal error: non-finite estimate {estimate:?}"
        )));
    }
    Ok(serde_json::json!({ "theta": estimate.theta, "se": estimate.se }).to_string())
}

/// The estimators the command line offers.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Method {
    Eap,
    Map,
    Mle,
    Wle,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Eap => "eap",
            Method::Map => "map",
            Method::Mle => "mle",
            Method::Wle => "wle",
        }
    }
}

/// A request with every field checked.
#[derive(Debug)]
struct Request {
    items: Vec<Item>,
    responses: Vec<usize>,
    method: Method,
    prior: Option<(f64, f64)>,
    range: Option<(f64, f64)>,
    points: Option<usize>,
}

const REQUEST_FIELDS: &str = "items, responses, method, prior, range, points";

impl Request {
    fn parse(value: &Value) -> Result<Self, String> {
        let obj = value.as_object().ok_or("request: expected a JSON object")?;
        for key in obj.keys() {
            if !matches!(
                key.as_str(),
                "items" | "responses" | "method" | "prior" | "range" | "points"
            ) {
                return Err(format!(
                    "request: unknown field `{key}` (expected one of {REQUEST_FIELDS})"
                ));
            }
        }
        let method = match obj.get("method") {
            None => return Err("method: missing (one of eap, map, mle, wle)".into()),
            Some(Value::String(s)) => match s.as_str() {
                "eap" => Method::Eap,
                "map" => Method::Map,
                "mle" => Method::Mle,
                "wle" => Method::Wle,
                other => {
                    return Err(format!(
                        "method: unknown method {other:?} (expected eap, map, mle or wle)"
                    ))
                }
            },
            Some(other) => return Err(format!("method: expected a string (got {other})")),
        };
        let items = array(obj, "items")?
            .iter()
            .enumerate()
            .map(|(i, v)| parse_item(i, v))
            .collect::<Result<Vec<_>, _>>()?;
        let responses = array(obj, "responses")?
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| {
                        format!("responses[{i}]: expected a non-negative integer score (got {v})")
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if responses.len() != items.len() {
            return Err(format!(
                "responses: {} responses for {} items (one score per item)",
                responses.len(),
                items.len()
            ));
        }
        for (i, (item, &score)) in items.iter().zip(&responses).enumerate() {
            if score > item.max_score() {
                return Err(format!(
                    "responses[{i}]: score {score} is above the maximum {} of items[{i}]",
                    item.max_score()
                ));
            }
        }
        let prior = obj.get("prior").map(parse_prior).transpose()?;
        let range = obj.get("range").map(parse_range).transpose()?;
        let points = match obj.get("points") {
            None => None,
            Some(v) => Some(
                v.as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .filter(|n| (2..=MAX_GRID_POINTS).contains(n))
                    .ok_or_else(|| {
                        format!("points: expected an integer from 2 to {MAX_GRID_POINTS} (got {v})")
                    })?,
            ),
        };
        if prior.is_some() && matches!(method, Method::Mle | Method::Wle) {
            return Err(format!(
                "prior: not used by method {} (only eap and map have a prior)",
                method.name()
            ));
        }
        if points.is_some() && method != Method::Eap {
            return Err(format!(
                "points: not used by method {} (only eap has a quadrature grid)",
                method.name()
            ));
        }
        if items.is_empty() && matches!(method, Method::Mle | Method::Wle) {
            return Err(format!(
                "items: method {} needs at least one item (eap and map fall back on the prior)",
                method.name()
            ));
        }
        Ok(Request {
            items,
            responses,
            method,
            prior,
            range,
            points,
        })
    }

    fn run(&self) -> Result<Estimate, String> {
        let range = self.range.unwrap_or(DEFAULT_RANGE);
        let (mean, sd) = self.prior.unwrap_or((0.0, 1.0));
        let estimator: Box<dyn AbilityEstimator> = match self.method {
            Method::Eap => {
                let points = self.points.unwrap_or(DEFAULT_GRID_POINTS);
                let grid =
                    Grid::new(range.0, range.1, points).map_err(|e| format!("range: {e}"))?;
                Box::new(Eap {
                    grid,
                    prior: Prior::Normal { mean, sd },
                })
            }
            Method::Map => Box::new(Map {
                prior_mean: mean,
                prior_sd: sd,
                range,
            }),
            Method::Mle => Box::new(Mle { range }),
            Method::Wle => Box::new(Wle { range }),
        };
        estimator
            .estimate(&self.items, &self.responses)
            .map_err(|e| format!("{}: {e}", self.method.name()))
    }
}

fn array<'a>(obj: &'a JsonMap<String, Value>, key: &str) -> Result<&'a Vec<Value>, String> {
    match obj.get(key) {
        None => Err(format!("{key}: missing (expected an array)")),
        Some(Value::Array(a)) => Ok(a),
        Some(other) => Err(format!("{key}: expected an array (got {other})")),
    }
}

/// A number field of an object; `Ok(None)` when absent.
fn number(obj: &JsonMap<String, Value>, key: &str, path: &str) -> Result<Option<f64>, String> {
    match obj.get(key) {
        None => Ok(None),
        Some(v) => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| format!("{path}.{key}: expected a number (got {v})")),
    }
}

fn required(obj: &JsonMap<String, Value>, key: &str, path: &str) -> Result<f64, String> {
    number(obj, key, path)?.ok_or_else(|| format!("{path}.{key}: missing"))
}

fn numbers(obj: &JsonMap<String, Value>, key: &str, path: &str) -> Result<Vec<f64>, String> {
    match obj.get(key) {
        None => Err(format!(
            "{path}.{key}: missing (expected an array of numbers)"
        )),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(k, v)| {
                v.as_f64()
                    .ok_or_else(|| format!("{path}.{key}[{k}]: expected a number (got {v})"))
            })
            .collect(),
        Some(other) => Err(format!(
            "{path}.{key}: expected an array of numbers (got {other})"
        )),
    }
}

fn only_fields(obj: &JsonMap<String, Value>, allowed: &[&str], path: &str) -> Result<(), String> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        None => Ok(()),
        Some(key) => Err(format!(
            "{path}: unknown field `{key}` (expected one of {})",
            allowed.join(", ")
        )),
    }
}

fn parse_item(index: usize, value: &Value) -> Result<Item, String> {
    let path = format!("items[{index}]");
    let obj = value
        .as_object()
        .ok_or_else(|| format!("{path}: expected an object (got {value})"))?;
    let model = match obj.get("model") {
        None => "logistic",
        Some(Value::String(s)) => s.as_str(),
        Some(other) => return Err(format!("{path}.model: expected a string (got {other})")),
    };
    let (item, list_field) = match model {
        "logistic" => {
            only_fields(obj, &["model", "a", "b", "c", "d"], &path)?;
            let a = required(obj, "a", &path)?;
            let b = required(obj, "b", &path)?;
            let c = number(obj, "c", &path)?.unwrap_or(0.0);
            let d = number(obj, "d", &path)?.unwrap_or(1.0);
            (Item::logistic(a, b, c, d), "steps")
        }
        "gpcm" => {
            only_fields(obj, &["model", "a", "steps"], &path)?;
            let a = required(obj, "a", &path)?;
            (Item::gpcm(a, numbers(obj, "steps", &path)?), "steps")
        }
        "grm" => {
            only_fields(obj, &["model", "a", "thresholds"], &path)?;
            let a = required(obj, "a", &path)?;
            (
                Item::grm(a, numbers(obj, "thresholds", &path)?),
                "thresholds",
            )
        }
        other => {
            return Err(format!(
                "{path}.model: unknown model {other:?} (expected logistic, gpcm or grm)"
            ))
        }
    };
    item.map_err(|e| describe(&path, list_field, &e))
}

/// `items[i].field: what is wrong (got …)` for a refused parameter.
fn describe(path: &str, list_field: &str, error: &ParamError) -> String {
    match *error {
        ParamError::NotFinite { name } => {
            let field = match name {
                "step" | "threshold" => list_field,
                other => other,
            };
            format!("{path}.{field}: must be a finite number")
        }
        ParamError::NonPositiveDiscrimination(a) => {
            format!("{path}.a: discrimination must be > 0 (got {a})")
        }
        ParamError::GuessingOutOfRange(c) => {
            format!("{path}.c: lower asymptote must be in [0, 1) (got {c})")
        }
        ParamError::UpperOutOfRange(d) => {
            format!("{path}.d: upper asymptote must be in (0, 1] (got {d})")
        }
        ParamError::AsymptotesCrossed { c, d } => {
            format!("{path}.c: lower asymptote must be below the upper asymptote d = {d} (got {c})")
        }
        ParamError::NoSteps => format!("{path}.{list_field}: at least one value is needed"),
        ParamError::UnorderedThresholds {
            index,
            value,
            previous,
        } => format!(
            "{path}.thresholds[{index}]: thresholds must be strictly increasing (got {value} after {previous})"
        ),
    }
}

fn parse_prior(value: &Value) -> Result<(f64, f64), String> {
    let obj = value.as_object().ok_or_else(|| {
        format!("prior: expected an object {{\"mean\": …, \"sd\": …}} (got {value})")
    })?;
    only_fields(obj, &["mean", "sd"], "prior")?;
    let mean = number(obj, "mean", "prior")?.unwrap_or(0.0);
    let sd = number(obj, "sd", "prior")?.unwrap_or(1.0);
    if !(sd.is_finite() && sd > 0.0) {
        return Err(format!(
            "prior.sd: standard deviation must be > 0 (got {sd})"
        ));
    }
    Ok((mean, sd))
}

fn parse_range(value: &Value) -> Result<(f64, f64), String> {
    let bad = || format!("range: expected [lo, hi] with lo < hi (got {value})");
    match value.as_array().map(Vec::as_slice) {
        Some([lo, hi]) => match (lo.as_f64(), hi.as_f64()) {
            (Some(lo), Some(hi)) if lo < hi => Ok((lo, hi)),
            _ => Err(bad()),
        },
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input_error(request: &str) -> String {
        match answer(request) {
            Err(CliError::Input(m)) => m,
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    #[test]
    fn defaults_and_polytomous_items() {
        let out = answer(
            r#"{"items":[{"a":1,"b":0},{"model":"gpcm","a":1,"steps":[0,1]},{"model":"grm","a":1.5,"thresholds":[-1,1]}],"responses":[1,2,1],"method":"eap"}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}"));
        assert!(v["theta"].as_f64().is_some_and(f64::is_finite));
        assert!(v["se"].as_f64().is_some_and(|s| s > 0.0));
        assert_eq!(v.as_object().map(JsonMap::len), Some(2));
    }

    #[test]
    fn messages_name_the_field() {
        let one = |items: &str| {
            input_error(&format!(
                r#"{{"items":[{{"a":1,"b":0}},{items}],"responses":[1,0],"method":"mle"}}"#
            ))
        };
        assert_eq!(
            one(r#"{"a":-1,"b":0}"#),
            "items[1].a: discrimination must be > 0 (got -1)"
        );
        assert_eq!(
            one(r#"{"a":1,"b":0,"c":0.5,"d":0.5}"#),
            "items[1].c: lower asymptote must be below the upper asymptote d = 0.5 (got 0.5)"
        );
        assert_eq!(
            one(r#"{"a":1,"b":0,"c":-0.1}"#),
            "items[1].c: lower asymptote must be in [0, 1) (got -0.1)"
        );
        assert_eq!(
            one(r#"{"a":1,"b":0,"d":1.5}"#),
            "items[1].d: upper asymptote must be in (0, 1] (got 1.5)"
        );
        assert_eq!(one(r#"{"a":1}"#), "items[1].b: missing");
        assert_eq!(
            one(r#"{"a":"x","b":0}"#),
            "items[1].a: expected a number (got \"x\")"
        );
        assert!(one(r#"{"a":1,"b":0,"e":1}"#).starts_with("items[1]: unknown field `e`"));
        assert_eq!(
            one(r#"{"model":"grm","a":1,"thresholds":[0,1,0.5]}"#),
            "items[1].thresholds[2]: thresholds must be strictly increasing (got 0.5 after 1)"
        );
        assert_eq!(
            one(r#"{"model":"gpcm","a":1,"steps":[]}"#),
            "items[1].steps: at least one value is needed"
        );
        assert!(one(r#"{"model":"nrm","a":1}"#).starts_with("items[1].model: unknown model"));
    }

    #[test]
    fn request_level_errors() {
        assert!(input_error("{\"items\": [").starts_with("invalid JSON: EOF while parsing"));
        assert!(input_error("{\"items\": [}").contains("line 1 column 12"));
        assert!(
            input_error(r#"{"items":[],"responses":[],"method":"eap","x":1}"#)
                .starts_with("request: unknown field `x`")
        );
        assert_eq!(
            input_error(r#"{"items":[],"responses":[]}"#),
            "method: missing (one of eap, map, mle, wle)"
        );
        assert!(
            input_error(r#"{"items":[],"responses":[],"method":"bayes"}"#)
                .starts_with("method: unknown method")
        );
        assert_eq!(
            input_error(r#"{"items":[{"a":1,"b":0}],"responses":[2],"method":"eap"}"#),
            "responses[0]: score 2 is above the maximum 1 of items[0]"
        );
        assert_eq!(
            input_error(r#"{"items":[{"a":1,"b":0}],"responses":[-1],"method":"eap"}"#),
            "responses[0]: expected a non-negative integer score (got -1)"
        );
        assert_eq!(
            input_error(r#"{"items":[{"a":1,"b":0}],"responses":[1,0],"method":"eap"}"#),
            "responses: 2 responses for 1 items (one score per item)"
        );
        assert_eq!(
            input_error(r#"{"items":[],"responses":[],"method":"eap","prior":{"sd":0}}"#),
            "prior.sd: standard deviation must be > 0 (got 0)"
        );
        assert!(
            input_error(r#"{"items":[],"responses":[],"method":"eap","range":[2,1]}"#)
                .starts_with("range: expected [lo, hi]")
        );
        assert!(
            input_error(r#"{"items":[],"responses":[],"method":"eap","points":1}"#)
                .starts_with("points: expected an integer")
        );
        assert!(input_error(r#"{"items":[],"responses":[],"method":"mle"}"#)
            .starts_with("items: method mle needs"));
        assert!(input_error(
            r#"{"items":[{"a":1,"b":0}],"responses":[1],"method":"mle","points":33}"#
        )
        .starts_with("points: not used"));
    }
}
