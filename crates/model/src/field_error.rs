//! A problem with one field, in a sentence a person can act on.

use std::borrow::Cow;
use std::fmt;

/// A field problem with a sentence that says what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The request/form field the message is about (snake_case, as in the API body; a path
    /// such as `details.tenant_id` inside a record body).
    pub field: Cow<'static, str>,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        FieldError { field: Cow::Borrowed(field), message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FieldError {}
