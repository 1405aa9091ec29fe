//! Where record changes are written: one transaction per change on PostgreSQL, and on SQLite a
//! group commit (see `Writes`).

use crate::accounts::Actor;
use crate::db::{Backend, Db};
use crate::error::AppError;
use crate::records::{write_in, Change, Outcome, Precondition, Quota};
use xops_model::RecordId;

/// The most changes one group commit carries.
const MAX_GROUP: usize = 64;

/// Where record changes are written. On PostgreSQL each change is a transaction of its own (row
/// locks let many run at once). On SQLite, with one writer at a time and every commit synced to
/// disk, changes queue for one task that commits those waiting together (a group commit): each
/// runs in a savepoint of its own, so one that fails or conflicts leaves the others as they
/// are, and every change is answered only after the commit that holds it.
#[derive(Clone)]
pub struct Writes {
    db: Db,
    queue: Option<tokio::sync::mpsc::UnboundedSender<Job>>,
}

/// A change waiting for its group commit.
struct Job {
    actor: Actor,
    id: RecordId,
    change: Change,
    precondition: Precondition,
    quota: Quota,
    answer: tokio::sync::oneshot::Sender<Result<Outcome, AppError>>,
}

impl Writes {
    /// Starts the group-commit task (SQLite); call within the runtime.
    pub fn new(db: Db) -> Writes {
        let queue = (db.backend == Backend::Sqlite).then(|| {
            let (send, receive) = tokio::sync::mpsc::unbounded_channel();
            tokio::spawn(group_commits(db.clone(), receive));
            send
        });
        Writes { db, queue }
    }

    /// Creates or updates a record, or deletes it (leaving a tombstone of the record's own kind).
    /// Answers once the change is durable (or known not to be made).
    pub async fn write(
        &self,
        actor: &Actor,
        id: &RecordId,
        change: Change,
        precondition: Precondition,
        quota: Quota,
    ) -> Result<Outcome, AppError> {
        let Some(queue) = &self.queue else {
            let mut tx = self.db.pool.begin().await?;
            let outcome = write_in(&mut tx, actor, id, &change, precondition, quota).await?;
            if outcome.wrote() {
                tx.commit().await?;
            }
            return Ok(outcome);
        };
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job = Job { actor: actor.clone(), id: id.clone(), change, precondition, quota, answer };
        queue.send(job).map_err(|_| AppError::internal("the record writer has stopped"))?;
        answered.await.map_err(|_| AppError::internal("the record writer dropped a change"))?
    }
}

/// The SQLite writer: takes every change waiting (up to `MAX_GROUP`), writes each in a savepoint
/// of one transaction, commits once, then answers each.
async fn group_commits(db: Db, mut queue: tokio::sync::mpsc::UnboundedReceiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let mut tx = match db.pool.begin().await {
            Ok(tx) => tx,
            Err(e) => {
                let message = e.to_string();
                for job in jobs {
                    let _ = job.answer.send(Err(AppError::internal(&message)));
                }
                continue;
            }
        };
        let mut outcomes = Vec::with_capacity(jobs.len());
        for job in &jobs {
            outcomes.push(write_in_savepoint(&mut tx, job).await);
        }
        let committed = tx.commit().await.map_err(|e| e.to_string());
        for (job, outcome) in jobs.into_iter().zip(outcomes) {
            let answer = match &committed {
                Ok(()) => outcome,
                Err(e) => Err(AppError::internal(format!("the change was not saved: {e}"))),
            };
            // The person may have gone (a closed connection): the change stands either way.
            let _ = job.answer.send(answer);
        }
    }
}

/// One change of a group, in a savepoint: kept when it wrote, else undone (its revision too).
async fn write_in_savepoint(tx: &mut sqlx::Transaction<'static, sqlx::Any>, job: &Job) -> Result<Outcome, AppError> {
    let mut savepoint = sqlx::Acquire::begin(&mut **tx).await?;
    let outcome = write_in(&mut savepoint, &job.actor, &job.id, &job.change, job.precondition, job.quota).await;
    match outcome {
        Ok(outcome) if outcome.wrote() => {
            savepoint.commit().await?;
            Ok(outcome)
        }
        other => {
            savepoint.rollback().await?;
            other
        }
    }
}
