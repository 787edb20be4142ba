use time::OffsetDateTime;

use crate::auth::Role;

/// `publishable` or `secret`, as Medusa names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    Publishable,
    Secret,
}

impl KeyType {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::Publishable => "publishable",
            KeyType::Secret => "secret",
        }
    }
    pub fn parse(s: &str) -> Option<KeyType> {
        match s {
            "publishable" => Some(KeyType::Publishable),
            "secret" => Some(KeyType::Secret),
            _ => None,
        }
    }
}

/// An API key (never holding a secret key's token).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    pub id: String,
    /// The token of a publishable key (public by design); `None` for secret keys.
    pub token: Option<String>,
    /// A recognisable, non-secret form (`sk_1a2b…9f8e`).
    pub redacted: String,
    pub title: String,
    pub key_type: KeyType,
    /// The role a secret key acts with.
    pub role: Option<Role>,
    pub created_by: Option<String>,
    pub revoked_by: Option<String>,
    pub revoked_at: Option<OffsetDateTime>,
    pub last_used_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl ApiKey {
    pub fn is_revoked(&self) -> bool {
        self.revoked_at.is_some()
    }
}
