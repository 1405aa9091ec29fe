use clap::Parser;
use std::io::BufRead;
use std::process::ExitCode;
use xops_store::config::{Command, Database, OrganizationCommand, ServiceCommand, UserCommand};
use xops_store::{accounts, auth, Cli, Config, Db};

#[tokio::main]
async fn main() -> ExitCode {
    xops_store::memory::return_large_allocations();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        None => serve(cli.config).await,
        Some(Command::User(UserCommand::Add { email, organization_id, organization, role, database })) => {
            user_add(&database, &email, organization_id.as_deref(), organization.as_deref(), role.as_deref()).await
        }
        Some(Command::User(UserCommand::ResetLink { email, origin, database })) => reset_link(&database, &email, &origin).await,
        Some(Command::Organization(OrganizationCommand::List { database })) => org_list(&database).await,
        Some(Command::Service(command)) => service(command).await,
        Some(Command::DeployKit { dist, api_origin, out, root, listen, check }) => {
            deploy_kit(&dist, api_origin.as_deref(), &out, &root, &listen, check)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e} (is another store running? pass --listen)", config.listen))?;
    let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    // The test harness and scripts read this line to learn the port when --listen ends in :0.
    println!("xops-store listening on http://{addr}");
    xops_store::serve(listener, config).await.map_err(|e| e.to_string())
}

/// `xops-store user add`: the password comes from standard input, never from the command line
/// (where other users of the machine could read it from the process list).
async fn user_add(
    database: &str,
    email: &str,
    organization_id: Option<&str>,
    organization: Option<&str>,
    role: Option<&str>,
) -> Result<(), String> {
    let email = xops_model::Email::parse(email).map_err(|e| format!("--email: {e}"))?;
    let new_name = organization
        .map(|name| xops_model::OrganizationName::parse(name).map_err(|e| format!("--organization: {e}")))
        .transpose()?;
    let existing = organization_id
        .map(|id| {
            xops_model::OrganizationId::parse(id)
                .map_err(|e| format!("--organization-id: {e} See the ids with: xops-store org list"))
        })
        .transpose()?;
    let role =
        role.map(|r| xops_model::Role::parse(r).ok_or_else(|| format!("--role {r}: use owner, admin or viewer"))).transpose()?;
    let (joining, role) = match (&existing, &new_name, role) {
        (Some(id), _, Some(role)) => (accounts::Joining::Existing(id), role),
        (Some(_), _, None) => return Err("give --role owner, admin or viewer: what the user may do in the organization".into()),
        (None, Some(name), None | Some(xops_model::Role::Owner)) => (accounts::Joining::New(name), xops_model::Role::Owner),
        (None, Some(_), Some(role)) => {
            return Err(format!("a new organization's first user is its owner; leave out --role {}", role.as_str()))
        }
        (None, None, _) => return Err("give --organization-id ID (to join) or --organization NAME (to create)".into()),
    };
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    let password = line.strip_suffix('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).unwrap_or(&line);
    let password =
        xops_model::NewPassword::parse_for(password, email.as_str()).map_err(|e| format!("password (standard input): {e}"))?;
    let db = Db::open(database).await.map_err(|e| e.to_string())?;
    let hash = auth::hash_password_blocking(password.expose().to_string()).await.map_err(|e| e.body.to_string())?;
    let (user, name) = accounts::add_user(&db, joining, &email, &hash, role).await.map_err(|e| match e.body.error.code {
        xops_model::ErrorCode::Conflict => format!("a user with the email {email} already exists"),
        _ => e.body.error.message,
    })?;
    println!(
        "created user {email} ({}, {}) in {} organization \"{name}\" ({})",
        user.user_id,
        role.as_str(),
        if new_name.is_some() { "the new" } else { "the existing" },
        user.organization_id
    );
    Ok(())
}

/// `xops-store user reset-link`: the link goes to standard output, for the operator to hand to
/// the person; the store keeps only its hash.
async fn reset_link(database: &str, email: &str, origin: &str) -> Result<(), String> {
    let email = xops_model::Email::parse(email).map_err(|e| format!("--email: {e}"))?;
    let origin = origin.trim_end_matches('/');
    if !(origin.starts_with("https://") || origin.starts_with("http://")) {
        return Err(format!("--origin {origin}: give the address people open Xops at, such as https://xops.example.com"));
    }
    let db = Db::open(database).await.map_err(|e| e.to_string())?;
    let created = xops_store::resets::create_by_operator(&db, &email).await.map_err(|e| e.body.error.message)?;
    println!("{}", xops_model::security::reset_link(origin, &created.token));
    eprintln!(
        "This link sets a new password for {email} and ends all their sessions. It works once, until {} UTC. Give it to {email} only.",
        utc(created.expires_at)
    );
    Ok(())
}

/// `xops-store service add | list | revoke`: Xops's scanners and their tokens.
async fn service(command: ServiceCommand) -> Result<(), String> {
    use xops_store::services;
    let open = |database: Database| async move { Db::open(&database).await.map_err(|e| e.to_string()) };
    match command {
        ServiceCommand::Add { name, database } => {
            let token = services::add(&open(database).await?, &name).await?;
            println!("{token}");
            eprintln!(
                "This is the service's token; it is shown only now. It takes sign-in tickets (POST /api/v1/service/accounts/ID/ticket with Authorization: Bearer TOKEN) and nothing else. Revoke it with: xops-store service revoke --name {}",
                name.trim()
            );
        }
        ServiceCommand::List { database } => {
            println!("name\tcreated (UTC)\tlast used (UTC)\trevoked (UTC)");
            for s in services::list(&open(database).await?).await? {
                let when = |t: Option<i64>| t.map_or("-".to_string(), utc);
                println!("{}\t{}\t{}\t{}", s.name, utc(s.created_at), when(s.last_used_at), when(s.revoked_at));
            }
        }
        ServiceCommand::Revoke { name, database } => {
            if !services::revoke(&open(database).await?, &name).await? {
                return Err(format!("there is no service called {:?} (see: xops-store service list)", name.trim()));
            }
            println!("revoked {}: its token opens nothing from now on", name.trim());
        }
    }
    Ok(())
}

/// `xops-store org list`: one organization a line, tab-separated, oldest first.
async fn org_list(database: &str) -> Result<(), String> {
    let db = Db::open(database).await.map_err(|e| e.to_string())?;
    let orgs = accounts::list_organizations(&db).await.map_err(|e| e.body.error.message)?;
    println!("id\tusers\tcreated (UTC)\tname");
    for o in orgs {
        println!("{}\t{}\t{}\t{}", o.id, o.users, utc(o.created_at), o.name);
    }
    Ok(())
}

use xops_store::db::utc_minute as utc;

/// `xops-store deploy-kit`: the static host's configuration for this build.
fn deploy_kit(
    dist: &std::path::Path,
    api_origin: Option<&str>,
    out: &std::path::Path,
    root: &str,
    listen: &str,
    check: bool,
) -> Result<(), String> {
    use xops_store::deploy_kit;
    if check {
        let kit = deploy_kit::build(dist, &deploy_kit::Host { root, listen }).map_err(|e| e.to_string())?;
        let stale = deploy_kit::stale(dist, out, &kit);
        if stale.is_empty() {
            println!("the deploy kit matches this build");
            return Ok(());
        }
        return Err(format!(
            "the deploy kit does not match this build ({}); run xops-store deploy-kit again and deploy its files",
            stale.join(", ")
        ));
    }
    if let Some(origin) = api_origin {
        let config = dist.join("config.json");
        std::fs::write(&config, format!("{{ \"api_base\": \"{origin}\" }}\n"))
            .map_err(|e| format!("cannot write {}: {e}", config.display()))?;
    }
    let kit = deploy_kit::build(dist, &deploy_kit::Host { root, listen }).map_err(|e| e.to_string())?;
    deploy_kit::write(dist, out, &kit).map_err(|e| e.to_string())?;
    println!("wrote {0}/_headers, {0}/_redirects, {1}/nginx.conf and {1}/Caddyfile", dist.display(), out.display());
    println!("Content-Security-Policy: {}", kit.csp);
    Ok(())
}
