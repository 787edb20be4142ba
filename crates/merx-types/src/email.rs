//! Email addresses as every part of Merx takes them: trimmed, lower-cased, and checked once.

use crate::DomainError;

/// The address in its stored form (trimmed, lower case), or 400 `invalid_data` when it is not an
/// address: one `@` with something before it, a dotted domain after it, no whitespace, at most
/// 254 characters.
pub fn normalise(email: &str) -> Result<String, DomainError> {
    let e = email.trim().to_lowercase();
    let valid = e.len() <= 254
        && e.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !e.chars().any(char::is_whitespace);
    if valid {
        Ok(e)
    } else {
        Err(DomainError::invalid(format!(
            "{email:?} is not a valid email address"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn emails() {
        assert_eq!(normalise(" Ada@Example.COM ").unwrap(), "ada@example.com");
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "not-an-email",
            "a@b@example.com",
        ] {
            assert!(normalise(bad).is_err(), "{bad}");
        }
    }
}
