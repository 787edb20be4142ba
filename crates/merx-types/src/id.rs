//! Prefixed ULID identifiers in Medusa's style (`prod_01H…`).

/// Medusa's id prefixes, plus Merx-only ones in the same style.
pub mod prefix {
    pub const PRODUCT: &str = "prod";
    pub const VARIANT: &str = "variant";
    pub const OPTION: &str = "opt";
    pub const OPTION_VALUE: &str = "optval";
    pub const COLLECTION: &str = "pcol";
    pub const CATEGORY: &str = "pcat";
    pub const TAG: &str = "ptag";
    pub const TYPE: &str = "ptyp";
    pub const IMAGE: &str = "img";
    pub const REGION: &str = "reg";
    pub const SALES_CHANNEL: &str = "sc";
    pub const API_KEY: &str = "apk";
    pub const CUSTOMER: &str = "cus";
    pub const CART: &str = "cart";
    pub const ORDER: &str = "order";
    pub const EVENT: &str = "evt";
    pub const WORKFLOW_EXECUTION: &str = "wfx";
    pub const WEBHOOK: &str = "wh";
    pub const WEBHOOK_DELIVERY: &str = "whd";
    pub const SPOT: &str = "spot";
    pub const FEED: &str = "feed";
    pub const EXPERIMENT: &str = "exp";
}

/// A fresh id: `prefix` + `_` + a ULID (sortable by creation time).
pub fn new_id(prefix: &str) -> String {
    let ulid = ulid::Ulid::new();
    let mut id = String::with_capacity(prefix.len() + 27);
    id.push_str(prefix);
    id.push('_');
    id.push_str(&ulid.to_string());
    id
}

/// Whether `id` is `prefix_` followed by a well-formed ULID.
pub fn has_prefix(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('_'))
        .is_some_and(|ulid| ulid::Ulid::from_string(ulid).is_ok())
}

/// A secret token: `prefix` followed by `bytes` random bytes in hex (e.g. `sk_` + 64 hex digits).
pub fn random_token(prefix: &str, bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    let mut token = String::with_capacity(prefix.len() + bytes * 2);
    token.push_str(prefix);
    for b in buf {
        token.push_str(&format!("{b:02x}"));
    }
    token
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_carry_their_prefix_and_sort_by_creation() {
        let a = new_id(prefix::PRODUCT);
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = new_id(prefix::PRODUCT);
        assert!(has_prefix(&a, "prod"));
        assert!(!has_prefix(&a, "variant"));
        assert!(a < b);
        assert_eq!(a.len(), "prod_".len() + 26);
    }

    #[test]
    fn malformed_ids_are_rejected() {
        assert!(!has_prefix("prod_", "prod"));
        assert!(!has_prefix("prod_not-a-ulid", "prod"));
        assert!(!has_prefix("prod01H", "prod"));
    }
}
