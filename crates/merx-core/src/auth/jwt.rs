//! JSON Web Tokens, HS256, with Medusa's claims. Hand-written because only HMAC-SHA256 is needed.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Medusa's token claims, plus `purpose` for single-use tokens (password reset), `auth_time` and
/// `token_version` (see [`Claims::authenticated_at`] and docs/auth.md, Sessions and revocation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The customer or user id; empty for a registration token.
    pub actor_id: String,
    /// `customer` or `user`.
    pub actor_type: String,
    pub auth_identity_id: String,
    #[serde(default)]
    pub app_metadata: serde_json::Value,
    pub iat: i64,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// When the person last proved who they are (unix seconds): kept by refresh, which stops at an
    /// absolute limit from it. Absent in tokens from before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// The identity's token version when issued; a revocation increments the identity's, so the
    /// token stops working. 0 in tokens from before it existed, as for identities never revoked.
    #[serde(default)]
    pub token_version: i64,
}

impl Claims {
    /// When the person last proved who they are: `auth_time`, else (an older token) `iat`.
    pub fn authenticated_at(&self) -> i64 {
        self.auth_time.unwrap_or(self.iat)
    }
}

fn mac(secret: &[u8]) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length")
}

/// Signs `claims`.
pub fn encode(secret: &[u8], claims: &Claims) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let mut m = mac(secret);
    m.update(signing_input.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(m.finalize().into_bytes());
    format!("{signing_input}.{sig}")
}

/// The claims of a token signed with `secret` and not expired at `now` (unix seconds).
pub fn decode(secret: &[u8], token: &str, now: i64) -> Option<Claims> {
    let mut parts = token.split('.');
    let (header, payload, sig) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
    if header["alg"] != "HS256" {
        return None;
    }
    let mut m = mac(secret);
    m.update(format!("{}.{}", token.split('.').next()?, payload).as_bytes());
    m.verify_slice(&URL_SAFE_NO_PAD.decode(sig).ok()?).ok()?;
    let claims: Claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    (claims.exp > now).then_some(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims {
            actor_id: "cus_1".into(),
            actor_type: "customer".into(),
            auth_identity_id: "authid_1".into(),
            app_metadata: serde_json::json!({"customer_id": "cus_1"}),
            iat: 100,
            exp,
            purpose: None,
            auth_time: Some(90),
            token_version: 3,
        }
    }

    #[test]
    fn round_trip_and_rejections() {
        let t = encode(b"secret", &claims(200));
        assert_eq!(decode(b"secret", &t, 150), Some(claims(200)));
        assert_eq!(decode(b"secret", &t, 200), None, "expired");
        assert_eq!(decode(b"other", &t, 150), None, "wrong key");
        let mut tampered: Vec<&str> = t.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(br#"{"actor_id":"cus_2","actor_type":"customer","auth_identity_id":"x","iat":1,"exp":999}"#);
        tampered[1] = &forged;
        assert_eq!(decode(b"secret", &tampered.join("."), 150), None);
        let none_alg = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            t.split('.').nth(1).unwrap()
        );
        assert_eq!(decode(b"secret", &none_alg, 150), None);
    }
}
