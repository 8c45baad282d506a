//! The editorial write path: permissions, validation, the commands that change content, and the
//! records every change leaves (revision; audit entry and change-log row through
//! [`crate::journal`]), all in one transaction.

pub mod articles;
pub mod cascade;
pub mod catalog;
pub mod permissions;

use sea_orm::{DbErr, SqlErr};

use crate::error::AppError;

/// Maps a constraint violation to a field error; anything else stays a database error.
pub(crate) fn constraint_error(error: DbErr, field: &'static str, what: &str) -> AppError {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            field,
            message: format!("{what} is already taken"),
        },
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => AppError::Conflict {
            field,
            message: format!(
                "{what} is still referenced, or refers to something that does not exist"
            ),
        },
        // SQLite reports a RESTRICT action as code 1811, which SeaORM does not classify.
        _ if error.to_string().contains("FOREIGN KEY constraint failed") => AppError::Conflict {
            field,
            message: format!(
                "{what} is still referenced, or refers to something that does not exist"
            ),
        },
        _ => AppError::Database(error),
    }
}
