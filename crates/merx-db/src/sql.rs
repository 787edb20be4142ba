//! The one place where the SQL dialects differ at run time.

use std::borrow::Cow;

/// Rewrites `?` placeholders to Postgres's `$1, $2, …`, leaving quoted text and identifiers alone.
pub fn to_postgres(sql: &str) -> Cow<'_, str> {
    if !sql.contains('?') {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    let mut quote: Option<char> = None;
    for ch in sql.chars() {
        match (quote, ch) {
            (Some(q), c) if c == q => {
                quote = None;
                out.push(c);
            }
            (Some(_), c) => out.push(c),
            (None, '\'' | '"') => {
                quote = Some(ch);
                out.push(ch);
            }
            (None, '?') => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            (None, c) => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `c.id, c.title, …`: each of `columns` (a comma-separated list) qualified by a table alias.
pub fn qualified(alias: &str, columns: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `i.id AS i_id, i.title AS i_title, …`: each of `columns` taken from a joined table under a
/// prefixed name, to be read back with [`Row::prefixed`](crate::Row::prefixed).
pub fn aliased(alias: &str, columns: &str) -> String {
    columns
        .split(',')
        .map(|c| {
            let c = c.trim();
            format!("{alias}.{c} AS {alias}_{c}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `?, ?, ?` for an `IN (…)` list of `n` values; `NULL` for none, so `IN (NULL)` stays valid SQL
/// and matches nothing (with no placeholder left unbound).
pub fn placeholders(n: usize) -> String {
    if n == 0 {
        return "NULL".to_string();
    }
    let mut s = String::with_capacity(n * 3);
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('?');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_qualified_and_aliased() {
        assert_eq!(qualified("c", "id, title"), "c.id, c.title");
        assert_eq!(
            aliased("i", "id,\n  cart_id"),
            "i.id AS i_id, i.cart_id AS i_cart_id"
        );
    }

    #[test]
    fn placeholders_are_numbered_outside_quotes_only() {
        assert_eq!(
            to_postgres("SELECT '?' , \"a?\" FROM t WHERE a = ? AND b IN (?, ?)"),
            "SELECT '?' , \"a?\" FROM t WHERE a = $1 AND b IN ($2, $3)"
        );
        assert_eq!(to_postgres("SELECT 1"), "SELECT 1");
        assert_eq!(
            to_postgres("x = 'it''s ?' AND y = ?"),
            "x = 'it''s ?' AND y = $1"
        );
    }

    #[test]
    fn in_lists() {
        assert_eq!(placeholders(3), "?, ?, ?");
        assert_eq!(placeholders(0), "NULL");
    }
}
