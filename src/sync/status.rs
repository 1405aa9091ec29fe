//! What the sync says of itself: the status line, the engine's phase, and the errors a change
//! to this device's copy can meet.

use std::fmt;

/// What the top bar says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncStatus {
    Loading,
    Saved,
    Saving,
    Offline { waiting: usize },
    Error(String),
}

impl fmt::Display for SyncStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncStatus::Loading => f.write_str("Loading…"),
            SyncStatus::Saved => f.write_str("Saved"),
            SyncStatus::Saving => f.write_str("Saving…"),
            SyncStatus::Offline { waiting: 0 } => f.write_str("Offline"),
            SyncStatus::Offline { waiting: 1 } => f.write_str("Offline — 1 change waiting"),
            SyncStatus::Offline { waiting } => write!(f, "Offline — {waiting} changes waiting"),
            SyncStatus::Error(reason) => write!(f, "Sync error: {reason}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Phase {
    Stopped,
    Idle,
    Syncing,
    Offline,
    Error(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum SyncError {
    NotReady,
    NotFound,
    Storage(String),
}

impl From<SyncError> for xops_model::Problem {
    fn from(e: SyncError) -> xops_model::Problem {
        xops_model::Problem::new(e.to_string())
    }
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncError::NotReady => f.write_str("Your records are still loading; try again in a moment."),
            SyncError::NotFound => f.write_str("That record no longer exists."),
            SyncError::Storage(e) => {
                write!(f, "This browser could not save the change ({e}). Nothing was lost on the server; try again.")
            }
        }
    }
}

pub(super) fn status_of(phase: &Phase, waiting: usize, caught_up: bool) -> SyncStatus {
    match phase {
        Phase::Stopped => SyncStatus::Loading,
        Phase::Syncing | Phase::Idle if waiting == 0 && !caught_up => SyncStatus::Loading,
        Phase::Offline => SyncStatus::Offline { waiting },
        Phase::Error(reason) => SyncStatus::Error(reason.clone()),
        Phase::Syncing if waiting > 0 => SyncStatus::Saving,
        Phase::Idle if waiting > 0 => SyncStatus::Saving,
        Phase::Syncing | Phase::Idle => SyncStatus::Saved,
    }
}
