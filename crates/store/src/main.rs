use clap::Parser;
use std::io::BufRead;
use std::process::ExitCode;
use xops_store::config::{Command, UserCommand};
use xops_store::{accounts, auth, Cli, Config, Db};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        None => serve(cli.config).await,
        Some(Command::User(UserCommand::Add { email, organization, database })) => {
            user_add(&database, &email, &organization).await
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
async fn user_add(database: &str, email: &str, organization: &str) -> Result<(), String> {
    let email = xops_model::Email::parse(email).map_err(|e| format!("--email: {e}"))?;
    let organization = xops_model::OrganizationName::parse(organization).map_err(|e| format!("--organization: {e}"))?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    let password = line.strip_suffix('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).unwrap_or(&line);
    let password = xops_model::NewPassword::parse(password).map_err(|e| format!("password (standard input): {e}"))?;
    let db = Db::open(database).await.map_err(|e| e.to_string())?;
    let hash = auth::hash_password_blocking(password.expose().to_string()).await.map_err(|e| e.body.to_string())?;
    let (user, created) = accounts::add_user(&db, &organization, &email, &hash).await.map_err(|e| e.body.to_string())?;
    println!(
        "created user {email} ({}) in {} organization \"{}\" ({})",
        user.user_id,
        if created { "the new" } else { "the existing" },
        organization.as_str(),
        user.organization_id
    );
    Ok(())
}
