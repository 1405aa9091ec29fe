//! The database: one code path for SQLite (the embedded default) and PostgreSQL (several store
//! processes behind a load balancer).
//!
//! Queries go through sqlx's `Any` driver with `$1`-style placeholders, which both backends
//! accept. The few statements that differ per backend live in `migrations` below, side by side.

use crate::startup::{Result, StartError as Error};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::path::Path;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

impl Db {
    /// Opens (creating if needed) the database named by `--database` and brings its schema up to date.
    pub async fn open(database: &str) -> Result<Db> {
        Db::open_with_pool(database, 8).await
    }

    /// `pool_size`: connections this process keeps (PostgreSQL; SQLite uses up to 8).
    pub async fn open_with_pool(database: &str, pool_size: u32) -> Result<Db> {
        sqlx::any::install_default_drivers();
        if database.starts_with("postgres://") || database.starts_with("postgresql://") {
            let pool = AnyPoolOptions::new()
                .max_connections(pool_size)
                .acquire_timeout(std::time::Duration::from_secs(10))
                .connect(database)
                .await
                .map_err(|e| Error::new(format!("cannot connect to the PostgreSQL database: {e}")))?;
            let db = Db { pool, backend: Backend::Postgres };
            migrations::run(&db).await?;
            return Ok(db);
        }
        let path = Path::new(database);
        private_file(path)?;
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|e| Error::new(format!("--database {database} is not a usable path: {e}")))?;
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    // WAL lets readers work beside the writer; synchronous=FULL makes every
                    // acknowledged commit survive a crash or power loss.
                    conn.execute("PRAGMA journal_mode=WAL").await?;
                    conn.execute("PRAGMA synchronous=FULL").await?;
                    conn.execute("PRAGMA foreign_keys=ON").await?;
                    conn.execute("PRAGMA busy_timeout=5000").await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| Error::new(format!("cannot open the database {database}: {e}")))?;
        let db = Db { pool, backend: Backend::Sqlite };
        migrations::run(&db).await?;
        Ok(db)
    }

    /// A cheap round trip, for the health check.
    pub async fn ping(&self) -> std::result::Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ())
    }
}

/// The SQLite file holds password and session hashes: only the store's user may read it. Creates
/// its folder (0700) and the file (0600) if missing, and narrows an existing file that others
/// could read. SQLite gives its -wal and -shm files the database file's permissions.
fn private_file(path: &Path) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
        let mut folder = std::fs::DirBuilder::new();
        folder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut folder, 0o700);
        folder.create(parent).map_err(|e| Error::new(format!("cannot create the database folder {}: {e}", parent.display())))?;
    }
    let mut file = std::fs::OpenOptions::new();
    file.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
    file.open(path).map_err(|e| Error::new(format!("cannot create the database {}: {e}", path.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map(|m| m.permissions().mode()).unwrap_or(0);
        if mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| Error::new(format!("cannot make the database {} private (chmod 600): {e}", path.display())))?;
            tracing::warn!(path = %path.display(), "the database file could be read by other users of this machine; it is now 0600");
        }
    }
    Ok(())
}

pub mod migrations;

/// A time in milliseconds since the Unix epoch as the UTC calendar has it: year, month, day, and
/// seconds into the day (Howard Hinnant's days-to-civil algorithm).
pub fn civil(unix_ms: i64) -> (i64, i64, i64, i64) {
    let secs = unix_ms.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day, rest)
}

/// Milliseconds since the Unix epoch: the store's one time format in the database.
/// Milliseconds since the epoch as `YYYY-MM-DD HH:MM` (UTC).
pub fn utc_minute(millis: i64) -> String {
    let (year, month, day, secs) = civil(millis);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

pub fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
