//! Query strings as the `qs` library writes them (what `@medusajs/js-sdk` sends): `a=1`, repeated
//! keys, `a[]=1&a[]=2`, indexed `a[0]=x`, and nested maps such as `created_at[$gt]=…`.

use std::collections::BTreeMap;

use merx_types::Cmp;

use crate::error::ApiError;

/// A parsed value.
#[derive(Debug, Clone, PartialEq)]
pub enum QsValue {
    Str(String),
    Seq(Vec<QsValue>),
    Map(BTreeMap<String, QsValue>),
}

/// A parsed query string.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Qs(pub BTreeMap<String, QsValue>);

const MAX_PARAMS: usize = 200;
const MAX_DEPTH: usize = 5;

fn segments(key: &str) -> Option<Vec<String>> {
    let (head, mut rest) = match key.find('[') {
        Some(i) => (&key[..i], &key[i..]),
        None if key.contains(']') => return None,
        None => return Some(vec![key.to_string()]),
    };
    if head.contains(']') {
        return None;
    }
    let mut out = vec![head.to_string()];
    while !rest.is_empty() {
        let close = rest.find(']')?;
        if !rest.starts_with('[') {
            return None;
        }
        out.push(rest[1..close].to_string());
        rest = &rest[close + 1..];
    }
    Some(out)
}

fn insert(map: &mut BTreeMap<String, QsValue>, path: &[String], value: String) {
    let key = &path[0];
    if path.len() == 1 {
        match map.remove(key) {
            None => {
                map.insert(key.clone(), QsValue::Str(value));
            }
            Some(QsValue::Str(old)) => {
                map.insert(
                    key.clone(),
                    QsValue::Seq(vec![QsValue::Str(old), QsValue::Str(value)]),
                );
            }
            Some(QsValue::Seq(mut items)) => {
                items.push(QsValue::Str(value));
                map.insert(key.clone(), QsValue::Seq(items));
            }
            Some(QsValue::Map(mut m)) => {
                let next = m.len().to_string();
                m.insert(next, QsValue::Str(value));
                map.insert(key.clone(), QsValue::Map(m));
            }
        }
        return;
    }
    let entry = map
        .entry(key.clone())
        .or_insert_with(|| QsValue::Map(BTreeMap::new()));
    if let QsValue::Str(s) = entry {
        let mut m = BTreeMap::new();
        m.insert("0".to_string(), QsValue::Str(std::mem::take(s)));
        *entry = QsValue::Map(m);
    }
    if let QsValue::Seq(items) = entry {
        let m = items
            .drain(..)
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect();
        *entry = QsValue::Map(m);
    }
    if let QsValue::Map(m) = entry {
        let mut rest = path[1..].to_vec();
        if rest[0].is_empty() {
            rest[0] = format!("{:010}", m.len());
        } else if let Ok(i) = rest[0].parse::<usize>() {
            rest[0] = format!("{i:010}");
        }
        insert(m, &rest, value);
    }
}

/// Maps whose keys are all indexes become sequences.
fn normalise(v: QsValue) -> QsValue {
    match v {
        QsValue::Map(m) => {
            let all_numeric =
                !m.is_empty() && m.keys().all(|k| k.chars().all(|c| c.is_ascii_digit()));
            if all_numeric {
                QsValue::Seq(m.into_values().map(normalise).collect())
            } else {
                QsValue::Map(m.into_iter().map(|(k, v)| (k, normalise(v))).collect())
            }
        }
        QsValue::Seq(items) => QsValue::Seq(items.into_iter().map(normalise).collect()),
        s => s,
    }
}

impl Qs {
    pub fn parse(query: &str) -> Result<Qs, ApiError> {
        let mut root = BTreeMap::new();
        for (n, (k, v)) in form_urlencoded::parse(query.as_bytes()).enumerate() {
            if n >= MAX_PARAMS {
                return Err(ApiError::invalid(format!(
                    "Too many query parameters (at most {MAX_PARAMS})"
                )));
            }
            let path = segments(&k)
                .ok_or_else(|| ApiError::invalid(format!("Malformed query parameter name: {k}")))?;
            if path.len() > MAX_DEPTH || path[0].is_empty() {
                return Err(ApiError::invalid(format!(
                    "Malformed query parameter name: {k}"
                )));
            }
            insert(&mut root, &path, v.into_owned());
        }
        Ok(Qs(root
            .into_iter()
            .map(|(k, v)| (k, normalise(v)))
            .collect()))
    }

    pub fn has(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// A single string value.
    pub fn str(&self, key: &str) -> Result<Option<&str>, ApiError> {
        match self.0.get(key) {
            None => Ok(None),
            Some(QsValue::Str(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(ApiError::invalid(format!(
                "Invalid request: {key} must be a single value"
            ))),
        }
    }

    /// A non-negative integer.
    pub fn int(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.str(key)? {
            None => Ok(None),
            Some(s) => s.trim().parse::<i64>().map(Some).map_err(|_| {
                ApiError::invalid(format!(
                    "Invalid request: {key} must be an integer, not {s:?}"
                ))
            }),
        }
    }

    /// A boolean written as `true`/`false`.
    pub fn bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.str(key)? {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(s) => Err(ApiError::invalid(format!(
                "Invalid request: {key} must be true or false, not {s:?}"
            ))),
        }
    }

    /// One or many strings (`a=x`, `a=x&a=y`, `a[]=x`, `a[0]=x`).
    pub fn list(&self, key: &str) -> Result<Vec<String>, ApiError> {
        match self.0.get(key) {
            None => Ok(Vec::new()),
            Some(QsValue::Str(s)) => Ok(vec![s.clone()]),
            Some(QsValue::Seq(items)) => items
                .iter()
                .map(|v| match v {
                    QsValue::Str(s) => Ok(s.clone()),
                    _ => Err(ApiError::invalid(format!(
                        "Invalid request: {key} must be a list of values"
                    ))),
                })
                .collect(),
            Some(QsValue::Map(_)) => Err(ApiError::invalid(format!(
                "Invalid request: {key} must be a list of values"
            ))),
        }
    }

    /// An operator map of instants (`created_at[$gt]=2024-01-01`): known operators only, each
    /// value an ISO-8601 date or date-time.
    pub fn time_ops(&self, key: &str) -> Result<Vec<(Cmp, time::OffsetDateTime)>, ApiError> {
        self.ops(key)?
            .into_iter()
            .map(|(op, v)| {
                let cmp = Cmp::parse(&op).ok_or_else(|| {
                    ApiError::invalid(format!("Invalid request: unknown operator {op} on {key}"))
                })?;
                let at = merx_types::time::parse(&v)
                    .or_else(|| merx_types::time::parse(&format!("{v}T00:00:00Z")))
                    .ok_or_else(|| {
                        ApiError::invalid(format!(
                            "Invalid request: {key} must be an ISO-8601 date, not {v:?}"
                        ))
                    })?;
                Ok((cmp, at))
            })
            .collect()
    }

    /// Operator map (`created_at[$gt]=…`); a plain value is `$eq`.
    pub fn ops(&self, key: &str) -> Result<Vec<(String, String)>, ApiError> {
        match self.0.get(key) {
            None => Ok(Vec::new()),
            Some(QsValue::Str(s)) => Ok(vec![("$eq".into(), s.clone())]),
            Some(QsValue::Map(m)) => m
                .iter()
                .map(|(op, v)| match v {
                    QsValue::Str(s) => Ok((op.clone(), s.clone())),
                    _ => Err(ApiError::invalid(format!(
                        "Invalid request: {key}[{op}] must be a single value"
                    ))),
                })
                .collect(),
            Some(QsValue::Seq(_)) => Err(ApiError::invalid(format!(
                "Invalid request: {key} must be a value or an operator map"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qs_shapes() {
        let q = Qs::parse("id[0]=a&id[1]=b&tag_id[]=t1&tag_id[]=t2&handle=h&x=1&x=2&created_at%5B%24gt%5D=2024-01-01&limit=5").unwrap();
        assert_eq!(q.list("id").unwrap(), ["a", "b"]);
        assert_eq!(q.list("tag_id").unwrap(), ["t1", "t2"]);
        assert_eq!(q.list("handle").unwrap(), ["h"]);
        assert_eq!(q.list("x").unwrap(), ["1", "2"]);
        assert_eq!(
            q.ops("created_at").unwrap(),
            [("$gt".to_string(), "2024-01-01".to_string())]
        );
        assert_eq!(q.int("limit").unwrap(), Some(5));
        assert!(q.str("id").is_err());
        assert!(Qs::parse("a]=1").is_err());
        assert!(Qs::parse("limit=x").unwrap().int("limit").is_err());
        let many: Vec<String> = (0..11).map(|i| format!("id[{i}]=v{i}")).collect();
        let q = Qs::parse(&many.join("&")).unwrap();
        assert_eq!(q.list("id").unwrap()[10], "v10", "indexes sort numerically");
    }
}
