//! Versioned schema migrations, applied in order once each, in one transaction each.

use super::{Backend, Db};
use crate::startup::{Result, StartError as Error};
use sqlx::Row;

/// A migration's SQL (`;`-separated statements) for both backends, unless PostgreSQL needs
/// its own variant.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
    pub postgres: Option<&'static str>,
    /// Work SQL cannot do (it needs the model), run after `sql` in the same transaction.
    pub then: Option<Then>,
}

#[derive(Debug, Clone, Copy)]
pub enum Then {
    /// Fill `record_keys` from the live records (see [`crate::record_keys::fill_record_keys`]).
    FillRecordKeys,
}

impl Migration {
    fn sql(&self, backend: Backend) -> &'static str {
        match backend {
            Backend::Sqlite => self.sql,
            Backend::Postgres => self.postgres.unwrap_or(self.sql),
        }
    }
}

/// Held (PostgreSQL advisory lock) while migrating, so store processes starting together
/// migrate one after another: the second finds the work done.
const MIGRATION_LOCK: i64 = 0x7870_6f70_735f_6d67; // "xpops_mg"

/// Migration 7's SQL, with each backend's auto-numbered key.
macro_rules! team_migration {
    ($seq:literal) => {
        concat!(
            "ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'owner';
            ALTER TABLE users ADD COLUMN last_sign_in_at BIGINT;
            CREATE TABLE invitations (
                id TEXT PRIMARY KEY NOT NULL,
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                token_hash TEXT NOT NULL UNIQUE,
                email TEXT NOT NULL,
                role TEXT NOT NULL,
                invited_by_email TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                used_at BIGINT,
                revoked_at BIGINT
            );
            CREATE INDEX invitations_organization ON invitations(organization_id);
            CREATE TABLE activity (",
            $seq,
            ",
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                at BIGINT NOT NULL,
                actor_id TEXT,
                actor_email TEXT NOT NULL,
                kind TEXT NOT NULL,
                account_id TEXT,
                account_name TEXT,
                detail TEXT,
                address TEXT NOT NULL
            );
            CREATE INDEX activity_by_organization ON activity(organization_id, seq);
            CREATE INDEX activity_by_time ON activity(at)"
        )
    };
}

/// The schema's history. Never edit a migration that has shipped; add a new one.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "store metadata",
        postgres: None,
        then: None,
        sql: "CREATE TABLE store_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)",
    },
    Migration {
        version: 2,
        name: "organizations, users, sessions, sign-in throttling",
        postgres: None,
        then: None,
        sql: "
            CREATE TABLE organizations (
                id TEXT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL,
                revision BIGINT NOT NULL DEFAULT 0,
                created_at BIGINT NOT NULL
            );
            CREATE TABLE users (
                id TEXT PRIMARY KEY NOT NULL,
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                email TEXT NOT NULL UNIQUE,
                password_hash TEXT NOT NULL,
                created_at BIGINT NOT NULL
            );
            CREATE INDEX users_organization ON users(organization_id);
            CREATE TABLE sessions (
                token_hash TEXT PRIMARY KEY NOT NULL,
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                created_at BIGINT NOT NULL,
                last_seen_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            );
            CREATE INDEX sessions_user ON sessions(user_id);
            CREATE TABLE login_throttle (
                key TEXT PRIMARY KEY NOT NULL,
                failures BIGINT NOT NULL,
                window_started_at BIGINT NOT NULL,
                blocked_until BIGINT NOT NULL
            )",
    },
    Migration {
        version: 3,
        name: "per-organization records with revisions and tombstones",
        postgres: None,
        then: None,
        sql: "
            CREATE TABLE records (
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                id TEXT NOT NULL,
                kind TEXT NOT NULL,
                body TEXT,
                revision BIGINT NOT NULL,
                deleted BIGINT NOT NULL DEFAULT 0,
                updated_at BIGINT NOT NULL,
                updated_by TEXT NOT NULL,
                PRIMARY KEY (organization_id, id)
            );
            CREATE UNIQUE INDEX records_revision ON records(organization_id, revision)",
    },
    Migration {
        version: 4,
        name: "values unique per organization (account names per provider, AWS account IDs)",
        postgres: None,
        then: None,
        sql: "
            CREATE TABLE record_keys (
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                key TEXT NOT NULL,
                id TEXT NOT NULL,
                PRIMARY KEY (organization_id, key)
            );
            CREATE INDEX record_keys_by_record ON record_keys(organization_id, id)",
    },
    Migration {
        version: 5,
        name: "unique values of the records written before version 4",
        postgres: None,
        then: Some(Then::FillRecordKeys),
        sql: "",
    },
    Migration {
        version: 6,
        name: "each organization's live records and stored bytes, for its quota",
        then: None,
        sql: "
            ALTER TABLE organizations ADD COLUMN live_records BIGINT NOT NULL DEFAULT 0;
            ALTER TABLE organizations ADD COLUMN stored_bytes BIGINT NOT NULL DEFAULT 0;
            UPDATE organizations SET
                live_records = (SELECT COUNT(*) FROM records r WHERE r.organization_id = organizations.id AND r.deleted = 0),
                stored_bytes = (SELECT COALESCE(SUM(LENGTH(CAST(r.body AS BLOB))), 0) FROM records r
                                WHERE r.organization_id = organizations.id AND r.deleted = 0)",
        postgres: Some(
            "
            ALTER TABLE organizations ADD COLUMN live_records BIGINT NOT NULL DEFAULT 0;
            ALTER TABLE organizations ADD COLUMN stored_bytes BIGINT NOT NULL DEFAULT 0;
            UPDATE organizations SET
                live_records = (SELECT COUNT(*) FROM records r WHERE r.organization_id = organizations.id AND r.deleted = 0),
                stored_bytes = (SELECT COALESCE(SUM(octet_length(r.body)), 0) FROM records r
                                WHERE r.organization_id = organizations.id AND r.deleted = 0)",
        ),
    },
    Migration {
        version: 7,
        name: "roles, invitations and the activity log",
        then: None,
        // Everyone before roles could do everything: they stay owners.
        sql: team_migration!("seq INTEGER PRIMARY KEY AUTOINCREMENT"),
        postgres: Some(team_migration!("seq BIGSERIAL PRIMARY KEY")),
    },
    Migration {
        version: 8,
        name: "connection health: each record's last change by a person, and the scheduled checks",
        postgres: None,
        then: None,
        // content_revision: NULL until a person's next change (then the record's revision is it).
        sql: "
            ALTER TABLE records ADD COLUMN content_revision BIGINT;
            CREATE TABLE scheduled_checks (
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                record_id TEXT NOT NULL,
                next_at BIGINT NOT NULL,
                PRIMARY KEY (organization_id, record_id)
            );
            CREATE INDEX scheduled_checks_due ON scheduled_checks(next_at)",
    },
    Migration {
        version: 9,
        name: "sessions a person can see (id, browser, address) and password reset links",
        postgres: None,
        then: None,
        // Sessions from before get an id made of their token hash's first half (a hash of a
        // random token: it tells nothing of the token).
        sql: "
            ALTER TABLE sessions ADD COLUMN id TEXT;
            ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
            ALTER TABLE sessions ADD COLUMN address TEXT NOT NULL DEFAULT '';
            UPDATE sessions SET id = substr(token_hash, 1, 8) || '-' || substr(token_hash, 9, 4) || '-' || substr(token_hash, 13, 4)
                || '-' || substr(token_hash, 17, 4) || '-' || substr(token_hash, 21, 12);
            CREATE UNIQUE INDEX sessions_id ON sessions(id);
            CREATE TABLE password_resets (
                token_hash TEXT PRIMARY KEY NOT NULL,
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                created_by_email TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                used_at BIGINT
            );
            CREATE INDEX password_resets_user ON password_resets(user_id)",
    },
    Migration {
        version: 10,
        name: "passkeys, their ceremonies, and organizations that require them",
        postgres: None,
        then: None,
        sql: "
            ALTER TABLE users ADD COLUMN passkey_handle TEXT;
            ALTER TABLE organizations ADD COLUMN require_passkeys BIGINT NOT NULL DEFAULT 0;
            CREATE TABLE passkeys (
                id TEXT PRIMARY KEY NOT NULL,
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                credential_id TEXT NOT NULL UNIQUE,
                transports BIGINT NOT NULL,
                static_state TEXT NOT NULL,
                dynamic_state TEXT NOT NULL,
                name TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                last_used_at BIGINT
            );
            CREATE INDEX passkeys_user ON passkeys(user_id);
            CREATE TABLE webauthn_ceremonies (
                challenge TEXT PRIMARY KEY NOT NULL,
                kind TEXT NOT NULL,
                user_id TEXT,
                state TEXT NOT NULL,
                expires_at BIGINT NOT NULL
            )",
    },
    Migration {
        version: 11,
        name: "sign-in tickets signed ahead, sealed; and the services that take them",
        postgres: None,
        then: None,
        sql: "
            CREATE TABLE tickets (
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                account_id TEXT NOT NULL,
                window_start BIGINT NOT NULL,
                thumbprint TEXT NOT NULL,
                signed_by TEXT NOT NULL,
                sealed TEXT NOT NULL,
                PRIMARY KEY (organization_id, account_id, window_start)
            );
            CREATE INDEX tickets_account_window ON tickets(account_id, window_start);
            CREATE INDEX tickets_window ON tickets(window_start);
            CREATE TABLE ticket_horizons (
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                account_id TEXT NOT NULL,
                ends_at BIGINT NOT NULL,
                PRIMARY KEY (organization_id, account_id)
            );
            CREATE TABLE service_tokens (
                id TEXT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL,
                token_hash TEXT NOT NULL UNIQUE,
                created_at BIGINT NOT NULL,
                last_used_at BIGINT,
                revoked_at BIGINT
            );
            CREATE UNIQUE INDEX service_tokens_live_name ON service_tokens(name) WHERE revoked_at IS NULL",
    },
];

pub async fn run(db: &Db) -> Result<()> {
    let fail = |e: sqlx::Error| Error::new(format!("database migration failed: {e}"));
    // One connection for the whole run: the advisory lock belongs to it.
    let mut conn = db.pool.acquire().await.map_err(fail)?;
    if db.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_lock($1)").bind(MIGRATION_LOCK).execute(&mut *conn).await.map_err(fail)?;
    }
    let result = run_locked(db, &mut conn).await;
    if db.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_unlock($1)").bind(MIGRATION_LOCK).execute(&mut *conn).await.map_err(fail)?;
    }
    result
}

async fn run_locked(db: &Db, conn: &mut sqlx::AnyConnection) -> Result<()> {
    use sqlx::Connection;
    let fail = |e: sqlx::Error| Error::new(format!("database migration failed: {e}"));
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY NOT NULL, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(&mut *conn)
    .await
    .map_err(fail)?;
    let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations")
        .fetch_all(&mut *conn)
        .await
        .map_err(fail)?
        .iter()
        .map(|r| r.try_get::<i64, _>(0))
        .collect::<std::result::Result<_, _>>()
        .map_err(fail)?;
    if let Some(newest) = applied.iter().max() {
        if *newest > MIGRATIONS.last().map_or(0, |m| m.version) {
            return Err(Error::new(format!(
                "the database has schema version {newest}, newer than this store knows; run a newer store"
            )));
        }
    }
    for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        let mut tx = conn.begin().await.map_err(fail)?;
        for statement in m.sql(db.backend).split(';').map(str::trim).filter(|s| !s.is_empty()) {
            sqlx::query(statement).execute(&mut *tx).await.map_err(fail)?;
        }
        match m.then {
            Some(Then::FillRecordKeys) => {
                let filled = crate::record_keys::fill_record_keys(&mut tx).await.map_err(fail)?;
                tracing::info!(records = filled.records, keys = filled.keys, "filled the unique values of existing records");
                for clash in filled.clashes {
                    tracing::warn!("{clash}");
                }
            }
            None => {}
        }
        sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(m.version)
            .bind(m.name)
            .bind(crate::db::now_millis())
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        tracing::info!(version = m.version, name = m.name, "applied migration");
    }
    Ok(())
}
