use merx_db::DbError;
use merx_types::DomainError;

/// A service's failure: the client's (a [`DomainError`]) or the server's (anything else).
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// `Result` for service operations.
pub type CoreResult<T> = Result<T, CoreError>;
