//! Password hashing: argon2id with a random salt per password.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use merx_types::DomainError;

/// Shortest accepted password.
pub const MIN_LENGTH: usize = 8;

pub fn validate(password: &str) -> Result<(), DomainError> {
    if password.chars().count() < MIN_LENGTH {
        return Err(DomainError::invalid(format!(
            "password must be at least {MIN_LENGTH} characters"
        )));
    }
    if password.len() > 1024 {
        return Err(DomainError::invalid("password is too long"));
    }
    Ok(())
}

/// The PHC string (`$argon2id$v=19$…`) of `password`.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}

pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashes_verify_and_are_salted() {
        let a = super::hash("correct horse").unwrap();
        let b = super::hash("correct horse").unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(super::verify("correct horse", &a));
        assert!(!super::verify("wrong horse", &a));
        assert!(super::validate("short").is_err());
    }
}
