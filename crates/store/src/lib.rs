//! The Xops Integrations storage endpoint.
//!
//! Thin on purpose: it keeps accounts, sessions and per-organization records, checks every body
//! with the model crate, and (for a one-command local run) serves the app's static build.

pub mod accounts;
pub mod activity;
pub mod auth;
pub mod aws;
pub mod azure;
pub mod certificates;
pub mod config;
pub mod connection_tests;
pub mod db;
pub mod deploy_kit;
pub mod devices;
pub mod error;
pub mod graph_keys;
pub mod group_commit;
pub mod http;
pub mod ids;
pub mod memory;
pub mod microsoft;
pub mod passkeys;
pub mod passwords;
pub mod random;
pub mod recent;
pub mod record_keys;
pub mod records;
pub mod resets;
pub mod scheduled;
pub mod sealing;
pub mod secrets;
pub mod server;
pub mod services;
pub mod sessions;
pub mod store_keys;
pub mod team;
pub mod throttle;
pub mod ticket_checks;
pub mod ticket_desk;
pub mod tickets;
pub mod web;

use std::sync::Arc;
use xops_model::{OrganizationId, RecordId};

pub use config::{Cli, Config};
pub use db::Db;

/// Everything a request handler may need, shared by all of them: one `Arc`, so the copy each
/// extractor and middleware takes is one reference count, not one per field (measured: dropping
/// those copies was 5 % of the store's time on a cheap request).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub db: Db,
    /// Where record changes are written (a group commit on SQLite, see [`group_commit::Writes`]).
    pub writes: group_commit::Writes,
    pub config: Config,
    pub microsoft: microsoft::Relay,
    /// AWS STS, for AWS accounts' tests.
    pub aws: aws::Sts,
    /// What the store seals connection tests with (see [`connection_tests`]).
    pub seal: connection_tests::SealKey,
    /// What the store signs device cookies with (see [`devices`]).
    pub devices: devices::Devices,
    /// Password hashing at once (see [`auth::HashSlots`]).
    pub hashing: auth::HashSlots,
    /// Sessions checked lately (see [`recent`]): most requests need no database round trip to
    /// know who sent them. Keyed by the token's hash.
    pub sessions: recent::Recent<String, auth::Checked>,
    /// What sign-in tickets are sealed with (`--secrets-key-file`); without it the store keeps none.
    pub tickets_key: Option<sealing::SealingKey>,
    /// Records read lately, as served (see [`recent`]). Keyed by organization and id.
    pub records: recent::Recent<(OrganizationId, RecordId), records::Served>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The HTTP client every call to a cloud goes through (Microsoft, Azure, AWS): bounded in time,
/// and never following a redirect to a host nobody configured.
pub(crate) fn outbound_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .connect_timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|e| {
            // Only a TLS back end that cannot start fails here; the default client then says so
            // on its first call.
            tracing::error!(error = %e, "the HTTP client for calls to the clouds could not be set up");
            reqwest::Client::new()
        })
}

/// Opens the database (running migrations) and builds the whole HTTP application.
pub async fn build_app(config: Config) -> startup::Result<axum::Router> {
    let db = Db::open_with_pool(&config.database, config.pool_size).await?;
    auth::warm_up().await;
    let web = web::StaticSite::load(config.static_dir.as_deref())?;
    let microsoft = microsoft::Relay::new(&config.microsoft_authority, &config.microsoft_graph, &config.azure_resource_manager);
    let aws = aws::Sts::new(&config.aws_sts_endpoint);
    let seal = connection_tests::SealKey::load_or_create(&db)
        .await
        .map_err(|e| startup::StartError::new(format!("cannot read or make the connection tests' seal key: {e}")))?;
    let devices = devices::Devices::load_or_create(&db)
        .await
        .map_err(|e| startup::StartError::new(format!("cannot read or make the device cookies' key: {e}")))?;
    match config.aws_credentials() {
        Ok(Some(c)) => tracing::info!(access_key_id = %c.access_key_id, sts = %config.aws_sts_endpoint, "AWS accounts are tested with these AWS credentials"),
        Ok(None) => tracing::info!("no AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile in ~/.aws): AWS accounts cannot be tested"),
        Err(e) => tracing::error!(error = %e, "the AWS credentials cannot be used: AWS accounts cannot be tested"),
    }
    let tickets_key = match &config.secrets_key_file {
        Some(path) => Some(sealing::SealingKey::from_file(path).map_err(startup::StartError::new)?),
        None => {
            tracing::warn!("no --secrets-key-file: the store keeps no sign-in tickets, so Xops can use Microsoft 365 and Azure accounts only while someone has them open");
            None
        }
    };
    let hashing = auth::HashSlots::for_this_machine();
    let writes = group_commit::Writes::new(db.clone());
    activity::keep_pruning(db.clone(), config.activity_retention());
    tickets::keep_pruning(db.clone());
    let state = AppState(Arc::new(Shared {
        db,
        writes,
        config,
        microsoft,
        aws,
        seal,
        devices,
        hashing,
        tickets_key,
        sessions: Default::default(),
        records: Default::default(),
    }));
    scheduled::keep_checking(state.clone());
    ticket_checks::keep_checking(state.clone());
    Ok(http::router(state, web))
}

/// Runs the store on an already bound listener until Ctrl-C / SIGTERM.
pub async fn serve(listener: tokio::net::TcpListener, config: Config) -> startup::Result<()> {
    if config.aws_account_id.is_none() {
        // The link form tells customers only that AWS is not set up; the operator reads how here.
        tracing::warn!(
            "AWS linking is off: the AWS link form cannot name the account customers' roles must trust. \
             Turn it on with --aws-account-id <12 digits> (or XOPS_AWS_ACCOUNT_ID): the AWS account Xops works from"
        );
    }
    let limits = config.connection_limits();
    let app = build_app(config).await?;
    server::run(listener, app, limits, shutdown_signal()).await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// A start-up error is a sentence for the operator; there is no need for a general error crate.
pub mod startup {
    use std::fmt;

    #[derive(Debug)]
    pub struct StartError(String);

    impl StartError {
        pub fn new(message: impl Into<String>) -> Self {
            StartError(message.into())
        }
    }

    impl fmt::Display for StartError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.0)
        }
    }

    impl std::error::Error for StartError {}

    pub type Result<T> = std::result::Result<T, StartError>;
}
