//! What every Store list route takes besides its own filters — `limit`, `offset`, `order` and,
//! where its rows have them, `created_at`/`updated_at` operator maps — parsed the same way
//! everywhere: a negative page, an order by a field the route does not sort by, an unknown
//! operator or a value that is not a date is 400 `invalid_data`, never ignored.

use merx_types::{Page, PageRequest, Sort, TimeBounds};
use time::OffsetDateTime;

use crate::error::ApiError;
use crate::qs::Qs;

/// A list route's paging, order and time bounds.
#[derive(Debug, Clone)]
pub struct ListParams {
    pub page: PageRequest,
    /// `None`: the route's own order.
    pub sort: Option<Sort>,
    pub times: TimeBounds,
}

/// How a route lists: its default page size, the fields it sorts by, whether its rows have
/// `created_at`/`updated_at` to bound.
pub struct ListSpec {
    pub default_limit: i64,
    pub sorts: &'static [&'static str],
    pub dated: bool,
}

impl ListParams {
    pub fn parse(qs: &Qs, spec: &ListSpec) -> Result<ListParams, ApiError> {
        let page = PageRequest::parse(qs.int("limit")?, qs.int("offset")?, spec.default_limit)?;
        let sort = qs
            .str("order")?
            .map(|o| Sort::parse(o, spec.sorts))
            .transpose()?;
        let times = if spec.dated {
            TimeBounds {
                created_at: qs.time_ops("created_at")?,
                updated_at: qs.time_ops("updated_at")?,
            }
        } else {
            TimeBounds::default()
        };
        Ok(ListParams { page, sort, times })
    }

    /// Keeps the rows of a list held in memory that are inside the time bounds; `stamps` gives a
    /// row's created and updated times.
    pub fn within<T>(
        &self,
        mut rows: Vec<T>,
        stamps: impl Fn(&T) -> (OffsetDateTime, OffsetDateTime),
    ) -> Vec<T> {
        rows.retain(|r| {
            let (created, updated) = stamps(r);
            self.times.admit(created, updated)
        });
        rows
    }

    /// Pages a list held in memory (in its own order) as a SQL listing would: sorted by the order
    /// asked for, the requested page of it. `key` gives a row's value of a sortable field.
    pub fn page<T>(&self, mut rows: Vec<T>, key: impl Fn(&T, &str) -> SortKey) -> Page<T> {
        if let Some(sort) = self.sort {
            // Stable, so rows with equal keys keep the list's own order.
            rows.sort_by(|a, b| {
                let ord = key(a, sort.field).cmp(&key(b, sort.field));
                if sort.descending {
                    ord.reverse()
                } else {
                    ord
                }
            });
        }
        let count = rows.len() as i64;
        let items = rows
            .into_iter()
            .skip(usize::try_from(self.page.offset).unwrap_or(usize::MAX))
            .take(usize::try_from(self.page.limit).unwrap_or(usize::MAX))
            .collect();
        Page {
            items,
            count,
            limit: self.page.limit,
            offset: self.page.offset,
        }
    }
}

/// A row's value of the field a list is sorted by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortKey {
    /// A field the row does not have (sorts first).
    None,
    Text(String),
    Time(OffsetDateTime),
}

impl From<&str> for SortKey {
    fn from(s: &str) -> Self {
        SortKey::Text(s.to_string())
    }
}

impl From<Option<&str>> for SortKey {
    fn from(s: Option<&str>) -> Self {
        s.map_or(SortKey::None, SortKey::from)
    }
}

impl From<OffsetDateTime> for SortKey {
    fn from(t: OffsetDateTime) -> Self {
        SortKey::Time(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: ListSpec = ListSpec {
        default_limit: 20,
        sorts: &["value", "created_at"],
        dated: true,
    };

    fn parse(q: &str) -> Result<ListParams, ApiError> {
        ListParams::parse(&Qs::parse(q).unwrap(), &SPEC)
    }

    #[test]
    fn bad_list_parameters_are_refused() {
        for bad in [
            "limit=-1",
            "offset=-1",
            "limit=x",
            "order=nope",
            "order=-nope",
            "created_at[$gt]=yesterday",
            "created_at[$near]=2024-01-01",
            "updated_at=not-a-date",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let ok = parse("limit=2&offset=1&order=-value&created_at[$gte]=2024-01-01").unwrap();
        assert_eq!(ok.page.limit, 2);
        assert_eq!(ok.sort.unwrap().field, "value");
        assert_eq!(ok.times.created_at.len(), 1);
    }

    #[test]
    fn in_memory_lists_are_bounded_sorted_and_paged() {
        let t = |d: &str| merx_types::time::parse(&format!("{d}T00:00:00Z")).unwrap();
        let rows = vec![
            ("b", t("2024-01-02")),
            ("a", t("2024-01-03")),
            ("c", t("2023-12-31")),
        ];
        let p = parse("order=-value&created_at[$gte]=2024-01-01&limit=1&offset=1").unwrap();
        let page = p.page(p.within(rows, |r| (r.1, r.1)), |r, _| SortKey::from(r.0));
        assert_eq!(page.count, 2);
        assert_eq!(page.items.iter().map(|r| r.0).collect::<Vec<_>>(), ["a"]);
    }
}
