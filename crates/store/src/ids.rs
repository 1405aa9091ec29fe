//! Ids in the database: new ones (random UUIDs) and reading them back as their types.

use sqlx::any::AnyRow;
use sqlx::{ColumnIndex, Row};
use xops_model::{FieldError, Guid};

/// A new random identifier (a version 4 UUID) of whichever id type the caller needs.
pub fn new_id<T: From<Guid>>() -> T {
    let mut b = [0u8; 16];
    crate::random::fill_random(&mut b);
    T::from(Guid::from_random(b))
}

/// An id column (`UserId`, `RecordId`, ...), read as text and parsed into its type: a row that
/// holds something else is a decode error the request reports, never a panic or a plain string.
pub fn id_column<T, I>(row: &AnyRow, column: I) -> Result<T, sqlx::Error>
where
    T: TryFrom<String, Error = FieldError>,
    I: ColumnIndex<AnyRow> + std::fmt::Display + Copy,
{
    let text: String = row.try_get(column)?;
    T::try_from(text).map_err(|e| sqlx::Error::ColumnDecode { index: column.to_string(), source: Box::new(e) })
}
