//! The store's errors as a [`Problem`] (the type is the model's, so the workflows crate carries
//! it too): the sentence, and the code and field the store sent.

use xops_model::Problem;

use crate::ApiClientError;

impl From<ApiClientError> for Problem {
    fn from(e: ApiClientError) -> Problem {
        Problem { message: e.to_string(), code: e.code(), field: e.field().map(str::to_string) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xops_model::ErrorCode;

    #[test]
    fn a_store_error_keeps_its_code_and_field() {
        let body = r#"{"error":{"code":"validation","message":"Enter a name of at most 100 characters.","field":"name"}}"#;
        let problem = Problem::from(ApiClientError::from_answer(400, body));
        assert_eq!(problem.code, Some(ErrorCode::Validation));
        assert!(problem.is_about("name"));
        assert!(!problem.is_about("email"));
        assert_eq!(problem.to_string(), "Enter a name of at most 100 characters.");
    }

    #[test]
    fn context_keeps_the_store_code() {
        let body = r#"{"error":{"code":"forbidden","message":"Only owners may do this."}}"#;
        let problem = Problem::from(ApiClientError::from_answer(403, body)).context(|m| format!("Could not save: {m}"));
        assert_eq!(problem.message, "Could not save: Only owners may do this.");
        assert_eq!((problem.code, problem.field), (Some(ErrorCode::Forbidden), None));
    }

    #[test]
    fn not_reaching_the_store_has_no_code() {
        assert_eq!(Problem::from(ApiClientError::Network).code, None);
    }
}
