//! What went wrong, as the app's pages and workflows carry it: the sentence a person reads and,
//! when the store said so, its [`ErrorCode`] and the field it is about (the browser's client turns
//! the store's errors into one: `xops_web`). A form puts a problem about one of its
//! fields beside that field ([`Problem::is_about`]); code that must decide (sign in again, reload
//! the record) asks the code, never the words.

use std::fmt;

use crate::ErrorCode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What is wrong and how to fix it, as shown.
    pub message: String,
    /// The store's code, when the store answered with one (none for what went wrong in this
    /// browser: IndexedDB, WebCrypto, a download).
    pub code: Option<ErrorCode>,
    /// The request field the store said it is about.
    pub field: Option<String>,
}

impl Problem {
    /// A problem found in this browser: a sentence, no code, no field.
    pub fn new(message: impl Into<String>) -> Problem {
        Problem { message: message.into(), code: None, field: None }
    }

    /// The same problem, its sentence put in the words of the step that met it
    /// (`|m| format!("Could not load the activity: {m}")`); the code and field stay.
    pub fn context(self, sentence: impl FnOnce(&str) -> String) -> Problem {
        Problem { message: sentence(&self.message), ..self }
    }

    /// Whether the store said this is about `field` (a form shows it beside that field).
    pub fn is_about(&self, field: &str) -> bool {
        self.field.as_deref() == Some(field)
    }
}

impl From<String> for Problem {
    fn from(message: String) -> Problem {
        Problem::new(message)
    }
}

impl From<&str> for Problem {
    fn from(message: &str) -> Problem {
        Problem::new(message)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_changes_the_words_only() {
        let problem =
            Problem { message: "Only owners may do this.".into(), code: Some(ErrorCode::Forbidden), field: Some("role".into()) };
        let problem = problem.context(|m| format!("Could not save: {m}"));
        assert_eq!(problem.to_string(), "Could not save: Only owners may do this.");
        assert_eq!(problem.code, Some(ErrorCode::Forbidden));
        assert!(problem.is_about("role"));
    }

    #[test]
    fn what_went_wrong_here_has_no_code_or_field() {
        let problem = Problem::from("The key could not be kept.");
        assert!(!problem.is_about("name"));
        assert_eq!((problem.code, problem.field), (None, None));
    }
}
