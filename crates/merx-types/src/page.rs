//! Offset pagination as Medusa does it: `limit`, `offset`, and a total `count`.

use time::OffsetDateTime;

use crate::DomainError;

/// The largest page a client may ask for.
pub const MAX_LIMIT: i64 = 1000;

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: i64,
    pub offset: i64,
}

impl PageRequest {
    /// Validates client-supplied values, filling in the route's default limit.
    pub fn parse(
        limit: Option<i64>,
        offset: Option<i64>,
        default_limit: i64,
    ) -> Result<Self, DomainError> {
        let limit = limit.unwrap_or(default_limit);
        let offset = offset.unwrap_or(0);
        if limit < 0 {
            return Err(DomainError::invalid("limit must be a non-negative integer"));
        }
        if limit > MAX_LIMIT {
            return Err(DomainError::invalid(format!(
                "limit must be at most {MAX_LIMIT}"
            )));
        }
        if offset < 0 {
            return Err(DomainError::invalid(
                "offset must be a non-negative integer",
            ));
        }
        Ok(Self { limit, offset })
    }
}

/// A comparison in a filter (`created_at[$gt]=…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Cmp {
    pub fn parse(op: &str) -> Option<Self> {
        match op {
            "$eq" => Some(Self::Eq),
            "$ne" => Some(Self::Ne),
            "$gt" => Some(Self::Gt),
            "$gte" => Some(Self::Gte),
            "$lt" => Some(Self::Lt),
            "$lte" => Some(Self::Lte),
            _ => None,
        }
    }
    pub fn sql(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Ne => "<>",
            Self::Gt => ">",
            Self::Gte => ">=",
            Self::Lt => "<",
            Self::Lte => "<=",
        }
    }
    /// Whether `a` compares to `b` this way (for lists kept in memory).
    pub fn holds<T: Ord>(self, a: &T, b: &T) -> bool {
        match self {
            Self::Eq => a == b,
            Self::Ne => a != b,
            Self::Gt => a > b,
            Self::Gte => a >= b,
            Self::Lt => a < b,
            Self::Lte => a <= b,
        }
    }
}

/// How a list is ordered: one of the fields its listing sorts by, ascending or descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    /// One of the listing's sortable fields (a column name: listings put it into SQL).
    pub field: &'static str,
    pub descending: bool,
}

impl Sort {
    /// Medusa's `order` value, `field` or `-field`, where `field` must be one of `fields`.
    pub fn parse(value: &str, fields: &[&'static str]) -> Result<Sort, DomainError> {
        let (name, descending) = match value.trim().strip_prefix('-') {
            Some(f) => (f, true),
            None => (value.trim(), false),
        };
        let field = fields.iter().find(|f| **f == name).ok_or_else(|| {
            DomainError::invalid(format!(
                "Invalid request: cannot order by {name:?}; order by one of {}",
                fields.join(", ")
            ))
        })?;
        Ok(Sort { field, descending })
    }

    /// `ORDER BY` terms: the field, then the id in the same direction so pages are stable.
    pub fn order_by(&self, prefix: &str) -> String {
        let dir = if self.descending { "DESC" } else { "ASC" };
        if self.field == "id" {
            return format!("{prefix}id {dir}");
        }
        format!("{prefix}{} {dir}, {prefix}id {dir}", self.field)
    }
}

/// Bounds on a list's timestamps (`created_at[$gte]=…&updated_at[$lt]=…`); all must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimeBounds {
    pub created_at: Vec<(Cmp, OffsetDateTime)>,
    pub updated_at: Vec<(Cmp, OffsetDateTime)>,
}

impl TimeBounds {
    /// Whether a row with these timestamps is inside every bound.
    pub fn admit(&self, created_at: OffsetDateTime, updated_at: OffsetDateTime) -> bool {
        self.created_at.iter().all(|(c, t)| c.holds(&created_at, t))
            && self.updated_at.iter().all(|(c, t)| c.holds(&updated_at, t))
    }

    /// The bounds as `AND`ed SQL conditions on `{prefix}created_at` and `{prefix}updated_at`, with
    /// their values in order.
    pub fn sql(&self, prefix: &str) -> (String, Vec<OffsetDateTime>) {
        let mut sql = String::new();
        let mut values = Vec::new();
        for (column, bounds) in [
            ("created_at", &self.created_at),
            ("updated_at", &self.updated_at),
        ] {
            for (cmp, t) in bounds {
                sql.push_str(&format!(" AND {prefix}{column} {} ?", cmp.sql()));
                values.push(*t);
            }
        }
        (sql, values)
    }
}

/// One page of results and the total number matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub count: i64,
    pub limit: i64,
    pub offset: i64,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            count: self.count,
            limit: self.limit,
            offset: self.offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bounds() {
        assert_eq!(
            PageRequest::parse(None, None, 20).unwrap(),
            PageRequest {
                limit: 20,
                offset: 0
            }
        );
        assert!(PageRequest::parse(Some(-1), None, 20).is_err());
        assert!(PageRequest::parse(None, Some(-5), 20).is_err());
        assert!(PageRequest::parse(Some(MAX_LIMIT + 1), None, 20).is_err());
        assert!(PageRequest::parse(Some(0), Some(10), 20).is_ok());
    }

    #[test]
    fn sorts_are_one_of_the_listing_fields() {
        let fields = ["created_at", "name", "id"];
        assert_eq!(
            Sort::parse("-created_at", &fields).unwrap(),
            Sort {
                field: "created_at",
                descending: true
            }
        );
        assert_eq!(
            Sort::parse("name", &fields).unwrap().order_by("r."),
            "r.name ASC, r.id ASC"
        );
        assert_eq!(Sort::parse("-id", &fields).unwrap().order_by(""), "id DESC");
        assert!(Sort::parse("password", &fields).is_err());
        assert!(Sort::parse("name; DROP TABLE x", &fields).is_err());
    }

    #[test]
    fn time_bounds_admit_and_render() {
        let t = |s| crate::time::parse(s).unwrap();
        let b = TimeBounds {
            created_at: vec![(Cmp::Gte, t("2024-01-01T00:00:00Z"))],
            updated_at: vec![(Cmp::Lt, t("2024-06-01T00:00:00Z"))],
        };
        assert!(b.admit(t("2024-01-01T00:00:00Z"), t("2024-02-01T00:00:00Z")));
        assert!(!b.admit(t("2023-12-31T00:00:00Z"), t("2024-02-01T00:00:00Z")));
        assert!(!b.admit(t("2024-03-01T00:00:00Z"), t("2024-06-01T00:00:00Z")));
        let (sql, values) = b.sql("p.");
        assert_eq!(sql, " AND p.created_at >= ? AND p.updated_at < ?");
        assert_eq!(values.len(), 2);
    }
}
