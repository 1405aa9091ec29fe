//! The operator's AWS credentials (to assume customers' roles with), found as the AWS tools find
//! them, and a role's temporary ones. Their secrets never reach a log (`Debug` shows the key id).

/// AWS credentials: the operator's own (to assume roles with), or a role's temporary ones.
#[derive(Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key id names the credentials; the secret and the token never appear.
        f.debug_struct("Credentials").field("access_key_id", &self.access_key_id).finish_non_exhaustive()
    }
}

/// Where the operator's credentials come from: the standard environment variables, then the
/// shared credentials and config files (profile `AWS_PROFILE`, else `default`), as `variable`
/// reads the environment. `None` when there are none at all; an error (for the operator's log)
/// when some are there but unusable.
pub fn operator_credentials(variable: impl Fn(&str) -> Option<String>) -> Result<Option<Credentials>, String> {
    let env = |name: &str| variable(name).filter(|v| !v.trim().is_empty());
    match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
        (Some(access_key_id), Some(secret_access_key)) => {
            return Ok(Some(Credentials { access_key_id, secret_access_key, session_token: env("AWS_SESSION_TOKEN") }))
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together".into())
        }
        (None, None) => {}
    }
    let profile = env("AWS_PROFILE").unwrap_or_else(|| "default".into());
    let home = env("HOME").map(std::path::PathBuf::from);
    let file = |variable: &str, default: &str| env(variable).map(Into::into).or_else(|| home.as_ref().map(|h| h.join(default)));
    // The credentials file names a profile `[name]`; the config file `[profile name]` (or `[default]`).
    let places = [
        (file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"), profile.clone()),
        (
            file("AWS_CONFIG_FILE", ".aws/config"),
            if profile == "default" { profile.clone() } else { format!("profile {profile}") },
        ),
    ];
    for (path, section) in places {
        let Some(path) = path else { continue };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("{} could not be read: {e}", path.display())),
        };
        let values = ini_section(&text, &section);
        let get = |k: &str| values.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        match (get("aws_access_key_id"), get("aws_secret_access_key")) {
            (Some(access_key_id), Some(secret_access_key)) => {
                return Ok(Some(Credentials { access_key_id, secret_access_key, session_token: get("aws_session_token") }))
            }
            (Some(_), None) | (None, Some(_)) => {
                return Err(format!("profile {profile} in {} has only half of a key pair", path.display()))
            }
            (None, None) => {}
        }
    }
    Ok(None)
}

/// The `key = value` lines of one `[section]` of an INI file (comments and other sections skipped).
fn ini_section(text: &str, section: &str) -> Vec<(String, String)> {
    let mut inside = false;
    let mut values = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            inside = name.trim() == section;
            continue;
        }
        if let (true, Some((k, v))) = (inside, line.split_once('=')) {
            values.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_read_from_their_section() {
        let text =
            "[default]\naws_access_key_id = A\n# a comment\n[profile ops]\naws_access_key_id=B\naws_secret_access_key = S\n";
        assert_eq!(
            ini_section(text, "profile ops"),
            [("aws_access_key_id".into(), "B".into()), ("aws_secret_access_key".into(), "S".into())]
        );
        assert_eq!(ini_section(text, "default").len(), 1);
        assert!(ini_section(text, "none").is_empty());
        let c =
            Credentials { access_key_id: "AKID".into(), secret_access_key: "SECRET".into(), session_token: Some("TOKEN".into()) };
        let shown = format!("{c:?}");
        assert!(shown.contains("AKID") && !shown.contains("SECRET") && !shown.contains("TOKEN"), "{shown}");
    }

    #[test]
    fn the_environment_comes_first_then_the_profile() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(name, _)| *name == k).map(|(_, v)| v.to_string())
        };
        let found = operator_credentials(env(&[("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_SECRET_ACCESS_KEY", "S")])).unwrap().unwrap();
        assert_eq!((found.access_key_id.as_str(), found.session_token), ("AKID", None));
        assert!(operator_credentials(env(&[("AWS_ACCESS_KEY_ID", "AKID")])).unwrap_err().contains("together"));
        let none = env(&[("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"), ("AWS_CONFIG_FILE", "/nonexistent")]);
        assert!(operator_credentials(none).unwrap().is_none(), "nothing at all: no credentials, not an error");
    }
}
