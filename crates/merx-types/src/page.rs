//! Offset pagination as Medusa does it: `limit`, `offset`, and a total `count`.

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
}
