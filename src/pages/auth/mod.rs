//! Sign in and Create account, and what they share (the frame, the form-level alert, where to go
//! next). These two pages stand alone: they need no session, no sync and no key store.

mod form;
pub mod login;
pub mod signup;
