use std::fmt;

/// A database failure. Constraint violations are told apart so services can turn them into
/// domain errors (a taken handle is the client's mistake, not the server's).
#[derive(Debug)]
pub struct DbError(pub sqlx::Error);

impl DbError {
    /// A unique or primary-key constraint was violated.
    pub fn is_unique_violation(&self) -> bool {
        matches!(&self.0, sqlx::Error::Database(e) if e.is_unique_violation())
    }
    /// A foreign-key constraint was violated.
    pub fn is_foreign_key_violation(&self) -> bool {
        matches!(&self.0, sqlx::Error::Database(e) if e.is_foreign_key_violation())
    }
    /// A check constraint was violated (e.g. stock below zero).
    pub fn is_check_violation(&self) -> bool {
        matches!(&self.0, sqlx::Error::Database(e) if e.is_check_violation())
    }
    pub(crate) fn decode(column: &str, message: impl fmt::Display) -> Self {
        DbError(sqlx::Error::ColumnDecode {
            index: column.to_string(),
            source: message.to_string().into(),
        })
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "database error: {}", self.0)
    }
}

impl std::error::Error for DbError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        DbError(e)
    }
}
