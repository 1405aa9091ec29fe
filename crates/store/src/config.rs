//! The store's configuration: one typed struct, from flags or their environment equivalents.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use xops_model::api::{DEFAULT_MICROSOFT_AUTHORITY, DEFAULT_MICROSOFT_GRAPH};

/// Where the data lives: a SQLite file path or a PostgreSQL URL. Its `Debug` hides the password a
/// URL may carry (`postgres://xops:***@db/xops`), so a config that is logged or printed never shows
/// it; the value itself is the string as given (`Deref` to `str`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Database(String);

impl std::str::FromStr for Database {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Database(s.to_string()))
    }
}

impl std::ops::Deref for Database {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl Database {
    /// The value with any password replaced by `***`: the one in `user:password@`, and a
    /// `password=` parameter.
    pub fn redacted(&self) -> String {
        let mut s = self.0.clone();
        if let Some(scheme_end) = s.find("://") {
            let rest = scheme_end + 3;
            let authority_end = s[rest..].find(['/', '?']).map_or(s.len(), |i| rest + i);
            if let Some(at) = s[rest..authority_end].rfind('@').map(|i| rest + i) {
                if let Some(colon) = s[rest..at].find(':').map(|i| rest + i) {
                    s.replace_range(colon + 1..at, "***");
                }
            }
        }
        let mut out = String::with_capacity(s.len());
        for (i, part) in s.split('&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            match part.to_ascii_lowercase().rfind("password=") {
                Some(p) => {
                    out.push_str(&part[..p + "password=".len()]);
                    out.push_str("***");
                }
                None => out.push_str(part),
            }
        }
        out
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Database({:?})", self.redacted())
    }
}

/// An environment to read the operator's AWS credentials from instead of the process's. Its
/// `Debug` names the variables, never their values.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Environment(pub std::collections::BTreeMap<String, String>);

impl From<std::collections::BTreeMap<String, String>> for Environment {
    fn from(m: std::collections::BTreeMap<String, String>) -> Self {
        Environment(m)
    }
}

impl std::fmt::Debug for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// The command line: with no subcommand the store serves; `user add` is for operators.
#[derive(Debug, Parser)]
#[command(
    name = "xops-store",
    version,
    about = "The Xops Integrations storage endpoint (and, for a local run, the app's web server).",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage users without the web UI.
    #[command(subcommand)]
    User(UserCommand),
    /// Deployment-wide services (Xops's scanners): their tokens take sign-in tickets.
    #[command(subcommand)]
    Service(ServiceCommand),
    /// See the organizations (their ids are what `user add --organization-id` takes).
    #[command(subcommand, name = "org")]
    Organization(OrganizationCommand),
    /// Writes what a static host needs to serve a build as the store does: `_headers` and
    /// `_redirects` (Netlify, Cloudflare Pages) into the build folder, and an nginx server block
    /// and a Caddyfile into --out. Run it after every build: the CSP names the build's loader.
    DeployKit {
        /// The app's build (index.html, config.json and the hashed files).
        #[arg(long, default_value = "dist")]
        dist: std::path::PathBuf,
        /// Set config.json's api_base to the store's origin first (e.g. https://api.example.com);
        /// without it, config.json is used as it is.
        #[arg(long = "api-origin", value_parser = parse_origin)]
        api_origin: Option<String>,
        /// Where nginx.conf and the Caddyfile go.
        #[arg(long, default_value = "deploy")]
        out: std::path::PathBuf,
        /// The folder the static server serves (written into nginx.conf and the Caddyfile).
        #[arg(long, default_value = "/srv/xops")]
        root: String,
        /// What nginx listens on and Caddy's site address.
        #[arg(long, default_value = "80")]
        listen: String,
        /// Write nothing; fail if the kit on disk is not the one this build needs (a stale kit
        /// names an old loader, and the browser would refuse the new one).
        #[arg(long)]
        check: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ServiceCommand {
    /// Makes a service token and prints it once (the store keeps only its hash).
    Add {
        /// What the activity log calls the service ("scanner").
        #[arg(long)]
        name: String,
        /// The database, as for serving.
        #[arg(long, env = "XOPS_DATABASE", default_value = "data/xops.sqlite3")]
        database: Database,
    },
    /// Lists the services and when each last took a ticket.
    List {
        /// The database, as for serving.
        #[arg(long, env = "XOPS_DATABASE", default_value = "data/xops.sqlite3")]
        database: Database,
    },
    /// Revokes a service's token: its next request gets 401.
    Revoke {
        #[arg(long)]
        name: String,
        /// The database, as for serving.
        #[arg(long, env = "XOPS_DATABASE", default_value = "data/xops.sqlite3")]
        database: Database,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; the password is read from standard input (one line). With
    /// --organization-id and --role the user joins that existing organization; with --organization a new
    /// organization of that name is created for them. A name never joins anything: anyone can
    /// sign up an organization of any name.
    Add {
        #[arg(long)]
        email: String,
        /// Join this existing organization (its id, from `xops-store org list`).
        #[arg(long = "organization-id", conflicts_with = "organization", required_unless_present = "organization")]
        organization_id: Option<String>,
        /// Create a new organization with this name (the user is its owner).
        #[arg(long)]
        organization: Option<String>,
        /// What the user may do in the organization they join: owner, admin or viewer. A new
        /// organization's first user is always its owner.
        #[arg(long)]
        role: Option<String>,
        /// The database, as for serving.
        #[arg(long, env = "XOPS_DATABASE", default_value = "data/xops.sqlite3")]
        database: Database,
    },
    /// Print a one-time link (for an hour) that sets a new password for this user and ends all
    /// their sessions: the way back in for an owner with no other owner or admin to ask. Give it
    /// to that person only; the activity log records that it was made, never the link.
    ResetLink {
        #[arg(long)]
        email: String,
        /// Where people open Xops (the link starts with it), e.g. https://xops.example.com.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        origin: String,
        /// The database, as for serving.
        #[arg(long, env = "XOPS_DATABASE", default_value = "data/xops.sqlite3")]
        database: Database,
    },
}

#[derive(Debug, Subcommand)]
pub enum OrganizationCommand {
    /// Lists every organization: id, users, created, name.
    List {
        /// The database, as for serving.
        #[arg(long, env = "XOPS_DATABASE", default_value = "data/xops.sqlite3")]
        database: Database,
    },
}

/// When the session cookie gets the `Secure` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CookieSecure {
    /// When the request came over https (the browser's Origin, or X-Forwarded-Proto from a proxy).
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address and port to listen on.
    #[arg(long, env = "XOPS_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// The database: a SQLite file path (created if missing, with its folder), or a PostgreSQL
    /// URL (postgres://user:password@host:port/database) shared by any number of store processes.
    #[arg(long, env = "XOPS_DATABASE", default_value = "data/xops.sqlite3")]
    pub database: Database,

    /// PostgreSQL connections this process keeps open (at most). Size it so that the sum over
    /// all store processes stays under the server's max_connections.
    #[arg(long = "pool-size", env = "XOPS_POOL_SIZE", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub pool_size: u32,

    /// Folder of the app's release build (index.html and its assets) to serve, with the
    /// single-page-app fallback. Leave unset (or point at a missing folder) to serve the API only.
    #[arg(long, env = "XOPS_STATIC_DIR")]
    pub static_dir: Option<PathBuf>,

    /// Origins of an app hosted elsewhere (a CDN) that may call the API with credentials,
    /// comma-separated, e.g. https://app.example.com. The store's own origin is always allowed.
    #[arg(long = "allowed-origins", env = "XOPS_ALLOWED_ORIGINS", value_delimiter = ',', value_parser = parse_origin)]
    pub allowed_origins: Vec<String>,

    /// A session ends after this many seconds without a request.
    #[arg(long, env = "XOPS_SESSION_IDLE_SECS", default_value_t = 2 * 60 * 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub session_idle_secs: u64,

    /// A session ends this many seconds after sign-in, however active.
    #[arg(long, env = "XOPS_SESSION_LIFETIME_SECS", default_value_t = 7 * 24 * 60 * 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub session_lifetime_secs: u64,

    /// Origins this store itself is reached at by name, comma-separated, e.g.
    /// https://xops.example.com (behind a proxy: the public name). Requests naming any other host
    /// are refused (a DNS-rebinding page would name its own); IP addresses and localhost are
    /// always answered.
    #[arg(long = "public-origin", env = "XOPS_PUBLIC_ORIGIN", value_delimiter = ',', value_parser = parse_origin)]
    pub public_origins: Vec<String>,

    /// Addresses of reverse proxies / load balancers in front of the store, comma-separated.
    /// From these, the client address (for sign-in throttling) is the nearest untrusted hop in
    /// X-Forwarded-For; from anyone else that header is ignored, so it cannot be spoofed.
    #[arg(long = "trusted-proxies", env = "XOPS_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// When the session cookie is marked Secure (sent over https only).
    #[arg(long, env = "XOPS_COOKIE_SECURE", value_enum, default_value_t = CookieSecure::Auto)]
    pub cookie_secure: CookieSecure,

    /// The AWS account (12 digits) Xops assumes customers' roles from. The AWS link page shows it
    /// and writes it into the role's trust policy; without it, that page says it is missing.
    #[arg(long = "aws-account-id", env = "XOPS_AWS_ACCOUNT_ID", value_parser = parse_aws_account)]
    pub aws_account_id: Option<xops_model::AwsAccountId>,

    /// The Microsoft identity platform that "Test connection" relays client assertions to. Only
    /// this host is ever called; nothing in a request chooses it.
    #[arg(long = "microsoft-authority", env = "XOPS_MICROSOFT_AUTHORITY", default_value = DEFAULT_MICROSOFT_AUTHORITY, value_parser = parse_base_url)]
    pub microsoft_authority: String,

    /// Microsoft Graph, asked for the tenant's organization during "Test connection".
    #[arg(long = "microsoft-graph", env = "XOPS_MICROSOFT_GRAPH", default_value = DEFAULT_MICROSOFT_GRAPH, value_parser = parse_base_url)]
    pub microsoft_graph: String,

    /// Azure Resource Manager, asked during an Azure account's "Test connection" (its
    /// subscription or management group, and the app's permissions on it).
    #[arg(long = "azure-resource-manager", env = "XOPS_AZURE_RESOURCE_MANAGER", default_value = crate::azure::DEFAULT_RESOURCE_MANAGER, value_parser = parse_base_url)]
    pub azure_resource_manager: String,

    /// AWS STS, where the store assumes customers' roles to test AWS accounts (with the
    /// operator's own AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile
    /// in ~/.aws chosen by AWS_PROFILE). A regional endpoint (https://sts.REGION.amazonaws.com)
    /// signs for its region.
    #[arg(long = "aws-sts-endpoint", env = "XOPS_AWS_STS_ENDPOINT", default_value = crate::aws::DEFAULT_STS_ENDPOINT, value_parser = parse_base_url)]
    pub aws_sts_endpoint: String,

    /// Seconds between the store's own checks of each AWS account (each account's turn is
    /// spread over the last tenth of it).
    #[arg(long = "aws-check-interval-secs", env = "XOPS_AWS_CHECK_INTERVAL_SECS", default_value_t = 24 * 60 * 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub aws_check_interval_secs: u64,

    /// The environment the operator's AWS credentials are read from (`None`: this process's).
    /// Tests and embedders set it instead of changing the process's environment.
    #[arg(skip)]
    pub aws_environment: Option<Environment>,

    /// The `aud` a proof of possession carries for Graph's addKey and removeKey (certificate
    /// renewal). Microsoft's pages name 00000002-0000-0000-c000-000000000000; one version names
    /// Graph's id, 00000003-0000-0000-c000-000000000000.
    #[arg(long = "microsoft-proof-audience", env = "XOPS_MICROSOFT_PROOF_AUDIENCE", default_value = xops_model::renew::DEFAULT_PROOF_AUDIENCE)]
    pub microsoft_proof_audience: String,

    /// Sign-ups allowed from one client address per hour (the address as for sign-in throttling).
    #[arg(long = "signups-per-address", env = "XOPS_SIGNUPS_PER_ADDRESS", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub signups_per_address: u32,

    /// Sign-ups allowed per hour from everyone together (a flood from many addresses).
    #[arg(long = "signups-per-hour", env = "XOPS_SIGNUPS_PER_HOUR", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    pub signups_per_hour: u32,

    /// "Test connection" runs one organization may start per minute (each calls Microsoft).
    #[arg(long = "connection-tests-per-minute", env = "XOPS_CONNECTION_TESTS_PER_MINUTE", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub connection_tests_per_minute: u32,

    /// Live records (linked accounts and the like) one organization may keep.
    #[arg(long = "max-records-per-org", env = "XOPS_MAX_RECORDS_PER_ORG", default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_records_per_org: u32,

    /// MiB of record bodies one organization may keep.
    #[arg(long = "max-mib-per-org", env = "XOPS_MAX_MIB_PER_ORG", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_mib_per_org: u32,

    /// Days an invitation link works before it expires (unless used or revoked first).
    #[arg(long = "invitation-days", env = "XOPS_INVITATION_DAYS", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=90))]
    pub invitation_days: u32,

    /// Days the activity log keeps an entry; older ones are dropped (hourly).
    #[arg(long = "activity-retention-days", env = "XOPS_ACTIVITY_RETENTION_DAYS", default_value_t = 400, value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub activity_retention_days: u32,

    /// Connections this process keeps open at once; one more gets a 503 and is closed.
    #[arg(long = "max-connections", env = "XOPS_MAX_CONNECTIONS", default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_connections: u32,

    /// Seconds a client has to send a request's head (and the longest a kept-alive connection
    /// may sit idle); a slower client is disconnected.
    #[arg(long = "header-timeout-secs", env = "XOPS_HEADER_TIMEOUT_SECS", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout_secs: u64,

    /// How long after a Microsoft 365 or Azure account's last test (a browser's) the store tests
    /// it itself, with a sign-in ticket (when it keeps one for the current window).
    #[arg(long = "ticket-check-after-secs", env = "XOPS_TICKET_CHECK_AFTER_SECS", default_value_t = 24 * 60 * 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub ticket_check_after_secs: u64,

    /// A file holding the 32-byte key (64 hex digits, or base64) that seals sign-in tickets at
    /// rest (AES-256-GCM). Without it the store keeps no tickets. scripts/run.sh makes one, 0600.
    #[arg(long = "secrets-key-file", env = "XOPS_SECRETS_KEY_FILE")]
    pub secrets_key_file: Option<std::path::PathBuf>,
}

/// A service's base URL: scheme and host (and port), nothing after.
fn parse_base_url(s: &str) -> Result<String, String> {
    parse_origin(s).map_err(|e| e.replacen("origin", "URL", 1))
}

fn parse_aws_account(s: &str) -> Result<xops_model::AwsAccountId, String> {
    xops_model::AwsAccountId::parse(s).map_err(|e| e.message)
}

impl Config {
    /// A configuration for tests and embedding: the given database, no static site, no origins.
    pub fn for_database(database: impl Into<String>) -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database: Database(database.into()),
            static_dir: None,
            allowed_origins: Vec::new(),
            public_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            session_idle_secs: 2 * 60 * 60,
            session_lifetime_secs: 7 * 24 * 60 * 60,
            cookie_secure: CookieSecure::Auto,
            aws_account_id: None,
            pool_size: 10,
            microsoft_authority: DEFAULT_MICROSOFT_AUTHORITY.into(),
            microsoft_graph: DEFAULT_MICROSOFT_GRAPH.into(),
            microsoft_proof_audience: xops_model::renew::DEFAULT_PROOF_AUDIENCE.into(),
            azure_resource_manager: crate::azure::DEFAULT_RESOURCE_MANAGER.into(),
            aws_sts_endpoint: crate::aws::DEFAULT_STS_ENDPOINT.into(),
            aws_check_interval_secs: 24 * 60 * 60,
            aws_environment: None,
            max_connections: 512,
            header_timeout_secs: 15,
            signups_per_address: 20,
            signups_per_hour: 1000,
            connection_tests_per_minute: 20,
            max_records_per_org: 100_000,
            max_mib_per_org: 256,
            invitation_days: 7,
            activity_retention_days: 400,
            secrets_key_file: None,
            ticket_check_after_secs: 24 * 60 * 60,
        }
    }

    /// The client's address: the TCP peer, unless the peer is a trusted proxy, in which case the
    /// nearest address in X-Forwarded-For that is not itself a trusted proxy.
    pub fn client_address(&self, peer: std::net::IpAddr, forwarded_for: Option<&str>) -> std::net::IpAddr {
        if !self.trusted_proxies.contains(&peer) {
            return peer;
        }
        forwarded_for
            .into_iter()
            .flat_map(|h| h.split(','))
            .rev()
            .filter_map(|hop| hop.trim().parse::<std::net::IpAddr>().ok())
            .find(|ip| !self.trusted_proxies.contains(ip))
            .unwrap_or(peer)
    }

    /// The operator's AWS credentials, read now (see [`crate::aws::operator_credentials`]).
    pub fn aws_credentials(&self) -> Result<Option<crate::aws::Credentials>, String> {
        match &self.aws_environment {
            Some(env) => crate::aws::operator_credentials(|k| env.0.get(k).cloned()),
            None => crate::aws::operator_credentials(|k| std::env::var(k).ok()),
        }
    }

    pub fn aws_check_interval(&self) -> Duration {
        Duration::from_secs(self.aws_check_interval_secs)
    }

    pub fn invitation_lifetime(&self) -> Duration {
        Duration::from_secs(u64::from(self.invitation_days) * 24 * 60 * 60)
    }

    pub fn activity_retention(&self) -> Duration {
        Duration::from_secs(u64::from(self.activity_retention_days) * 24 * 60 * 60)
    }

    pub fn connection_limits(&self) -> crate::server::Limits {
        crate::server::Limits {
            max_connections: self.max_connections as usize,
            header_timeout: Duration::from_secs(self.header_timeout_secs),
        }
    }

    pub fn quota(&self) -> crate::records::Quota {
        crate::records::Quota {
            max_records: i64::from(self.max_records_per_org),
            max_bytes: i64::from(self.max_mib_per_org) * 1024 * 1024,
        }
    }

    /// Whether the store answers a request whose Host header is `host` (`name[:port]`): an IP
    /// address, localhost, or the host of a `--public-origin`. Any other name could be a
    /// DNS-rebinding page that resolves its own name to this store.
    pub fn answers_as(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let name = match host.strip_prefix('[') {
            Some(v6) => return v6.split(']').next().is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok()),
            None => host
                .rsplit_once(':')
                .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
                .map_or(host.as_str(), |(n, _)| n),
        };
        name.parse::<std::net::IpAddr>().is_ok()
            || name == "localhost"
            || name.ends_with(".localhost")
            || self.public_origins.iter().any(|o| {
                let authority = o.split_once("://").map_or(o.as_str(), |(_, a)| a);
                authority.rsplit_once(':').map_or(authority, |(n, _)| n) == name
            })
    }

    pub fn session_idle(&self) -> Duration {
        Duration::from_secs(self.session_idle_secs)
    }

    pub fn session_lifetime(&self) -> Duration {
        Duration::from_secs(self.session_lifetime_secs)
    }
}

/// An origin is `scheme://host[:port]`, exactly as a browser sends it in the Origin header.
pub fn parse_origin(s: &str) -> Result<String, String> {
    let s = s.trim();
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .ok_or_else(|| format!("origin \"{s}\" must start with https:// or http://"))?;
    if rest.is_empty() {
        return Err(format!("origin \"{s}\" has no host"));
    }
    if rest.contains(['/', '?', '#', ' ']) {
        return Err(format!("origin \"{s}\" must be only scheme://host[:port], without a path or a trailing slash"));
    }
    Ok(s.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_printed_config_shows_no_password_and_no_aws_secret() {
        let mut c = Config::for_database("postgres://xops:s3cret-pw@db.internal:5432/xops?sslmode=require&password=other-pw");
        c.aws_environment =
            Some(std::collections::BTreeMap::from([("AWS_SECRET_ACCESS_KEY".to_string(), "aws-s3cret".to_string())]).into());
        let printed = format!("{c:?}");
        for secret in ["s3cret-pw", "other-pw", "aws-s3cret"] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
        assert!(printed.contains("postgres://xops:***@db.internal:5432/xops?sslmode=require&password=***"), "{printed}");
        assert!(printed.contains("AWS_SECRET_ACCESS_KEY"), "the variable is named: {printed}");
        assert_eq!(&*c.database, "postgres://xops:s3cret-pw@db.internal:5432/xops?sslmode=require&password=other-pw");
        // A file path, and a URL without a password, print as they are.
        assert_eq!(Database("data/xops.sqlite3".into()).redacted(), "data/xops.sqlite3");
        assert_eq!(Database("postgres://xops@db/xops".into()).redacted(), "postgres://xops@db/xops");
        let cli = Cli::try_parse_from(["xops-store", "service", "list", "--database", "postgres://a:b@h/d"]).unwrap();
        assert!(!format!("{cli:?}").contains(":b@"), "{cli:?}");
    }

    #[test]
    fn the_client_address_comes_from_x_forwarded_for_only_through_a_trusted_proxy() {
        let mut c = Config::for_database("x");
        let (lb, client, spoofed) = ("10.0.0.1".parse().unwrap(), "203.0.113.7".parse().unwrap(), "198.51.100.9");
        assert_eq!(c.client_address(client, Some(spoofed)), client, "no trusted proxies: the header is ignored");
        c.trusted_proxies = vec![lb];
        assert_eq!(c.client_address(lb, Some("203.0.113.7")), client);
        // A client that sends its own X-Forwarded-For cannot choose its address: the proxy appends the real one.
        assert_eq!(c.client_address(lb, Some(&format!("{spoofed}, 203.0.113.7"))), client);
        assert_eq!(c.client_address(client, Some(spoofed)), client, "not through the proxy: ignored");
        assert_eq!(c.client_address(lb, None), lb);
    }

    #[test]
    fn the_store_answers_as_addresses_localhost_and_its_public_names_only() {
        let mut c = Config::for_database("x");
        for host in ["127.0.0.1:8080", "127.0.0.1", "[::1]:8080", "10.1.2.3", "localhost:8080", "app.localhost", "LOCALHOST"] {
            assert!(c.answers_as(host), "{host}");
        }
        for host in ["evil.example", "evil.example:8080", "xops.example.com", "localhost.evil.example", "[evil]:80", ""] {
            assert!(!c.answers_as(host), "{host}");
        }
        c.public_origins = vec!["https://xops.example.com".into(), "http://intranet:8443".into()];
        assert!(c.answers_as("xops.example.com") && c.answers_as("XOPS.example.com:443") && c.answers_as("intranet:8443"));
        assert!(!c.answers_as("evil.example"));
    }

    #[test]
    fn user_add_parses() {
        let cli = Cli::try_parse_from(["xops-store", "user", "add", "--email", "a@b.co", "--organization", "Contoso"]).unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::User(UserCommand::Add { organization: Some(_), organization_id: None, .. }))
        ));
        let id = "0b7c2f55-2a4c-4b8e-9a43-5d1c2e3f4a5b";
        let cli = Cli::try_parse_from(["xops-store", "user", "add", "--email", "a@b.co", "--organization-id", id]).unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::User(UserCommand::Add { organization: None, organization_id: Some(_), .. }))
        ));
        assert!(Cli::try_parse_from(["xops-store", "user", "add", "--email", "a@b.co"]).is_err(), "one of the two is needed");
        assert!(Cli::try_parse_from([
            "xops-store",
            "user",
            "add",
            "--email",
            "a@b.co",
            "--organization",
            "A",
            "--organization-id",
            id
        ])
        .is_err());
    }

    #[test]
    fn origins_are_checked() {
        assert_eq!(parse_origin("https://App.example.com").unwrap(), "https://app.example.com");
        assert_eq!(parse_origin("http://127.0.0.1:8081").unwrap(), "http://127.0.0.1:8081");
        assert!(parse_origin("app.example.com").unwrap_err().contains("https://"));
        assert!(parse_origin("https://app.example.com/").unwrap_err().contains("trailing slash"));
    }

    #[test]
    fn flags_parse_with_defaults() {
        let c = Cli::try_parse_from(["xops-store"]).unwrap().config;
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(&*c.database, "data/xops.sqlite3");
        assert_eq!(c.cookie_secure, CookieSecure::Auto);
        let c = Cli::try_parse_from(["xops-store", "--allowed-origins", "https://a.example,https://b.example"]).unwrap().config;
        assert_eq!(c.allowed_origins, vec!["https://a.example", "https://b.example"]);
        assert!(Cli::try_parse_from(["xops-store", "--session-idle-secs", "0"]).is_err());
        assert_eq!(c.aws_account_id, None);
        let c = Cli::try_parse_from(["xops-store", "--aws-account-id", "111122223333"]).unwrap().config;
        assert_eq!(c.aws_account_id.as_ref().map(|a| a.as_str()), Some("111122223333"));
        let err = Cli::try_parse_from(["xops-store", "--aws-account-id", "1111"]).unwrap_err().to_string();
        assert!(err.contains("12 digits"), "{err}");
    }
}
