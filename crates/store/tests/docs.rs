//! The documentation names only what exists. README.md and every page of docs/ are read, and each
//! file, flag and route they name is looked up in the code: files in the repository, flags in the
//! store's command line (clap) or in the scripts that take them, API routes in the OpenAPI document
//! the store serves, app routes in `crates/web/src/routes.rs`. A rename that leaves a page behind
//! fails here, with the page and the name.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use utoipa::OpenApi;
use xops_store::http::openapi::ApiDoc;
use xops_store::Cli;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// README.md and docs/*.md, with their text.
fn pages() -> Vec<(PathBuf, String)> {
    let root = root();
    let mut pages = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = fs::read_dir(root.join("docs"))
        .expect("docs/ exists")
        .map(|e| e.expect("a docs/ entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
        .into_iter()
        .map(|p| {
            let text = fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, text)
        })
        .collect()
}

/// What a page writes as code: the inline code spans of its prose, and each line of its fenced
/// blocks.
fn code_of(text: &str) -> Vec<String> {
    let mut code = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            code.push(line.to_string());
        } else {
            code.extend(line.split('`').skip(1).step_by(2).map(str::to_string));
        }
    }
    code
}

/// The targets of the page's Markdown links that stay in the repository.
fn links_of(text: &str) -> Vec<String> {
    text.split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .filter(|t| !t.contains("://") && !t.starts_with('#') && !t.starts_with("mailto:"))
        .map(|t| t.split('#').next().unwrap_or(t).to_string())
        .collect()
}

/// Every file of the repository (not what builds or installs leave), relative to its root.
fn repository_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if path.is_dir() {
                if !matches!(name.as_ref(), "target" | "node_modules" | ".git" | "dist" | "data") {
                    walk(&path, root, out);
                }
            } else if let Ok(relative) = path.strip_prefix(root) {
                out.push(relative.to_path_buf());
            }
        }
    }
    let root = root();
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out
}

const FILE_ENDINGS: [&str; 10] = [".rs", ".mjs", ".js", ".sh", ".toml", ".md", ".json", ".css", ".html", ".sql"];

/// Files the build or the product writes, named by the pages but never in the repository.
const WRITTEN_FILES: [&str; 5] = [
    "sw.js",                   // the service worker, written from src/service_worker.js
    "xops-readonly-role.json", // the AWS page's CloudFormation template download
    "__wasm_split.js",         // wasm-split-cli's loader
    "main.js",                 // wasm-bindgen's output before its rename
    "openapi.json",            // served by the store
];

/// The words of a code span or line that name a file (`src/sync/view.rs`, `tickets.test.mjs`).
fn file_names(code: &str) -> Vec<String> {
    code.split(|c: char| c.is_whitespace() || ",;()\"'[]".contains(c))
        .map(|w| w.trim_end_matches([':', '.']))
        .filter(|w| FILE_ENDINGS.iter().any(|e| w.ends_with(e)))
        .filter(|w| !w.contains(['*', '<', '{', '$', '…', '=']) && !w.contains("://"))
        .filter(|w| !w.starts_with('/') && !w.starts_with("../") && !w.starts_with('-'))
        .filter(|w| !["dist/", "data/", "target/", "deploy/", "node_modules/"].iter().any(|p| w.starts_with(p)))
        .map(str::to_string)
        .collect()
}

fn file_exists(name: &str, files: &[PathBuf]) -> bool {
    if WRITTEN_FILES.contains(&name) {
        return true;
    }
    if name.contains('/') {
        // From the root, or from a crate, its src/ or the app's src/ (the map names `sync/view.rs`).
        let root = root();
        let mut bases = vec![root.clone(), root.join("src")];
        for dir in fs::read_dir(root.join("crates")).into_iter().flatten().flatten() {
            bases.push(dir.path());
            bases.push(dir.path().join("src"));
        }
        bases.iter().any(|b| b.join(name).exists())
    } else {
        files.iter().any(|f| f.file_name().is_some_and(|n| n == name))
    }
}

/// Flags of programs the pages tell an operator to run that no script of ours runs.
const OTHER_TOOLS_FLAGS: [&str; 2] = [
    "--help",   // every command's
    "--config", // `caddy run --config deploy/Caddyfile`
];

/// `--flag`s in a code span or line.
fn flags_in(code: &str) -> Vec<String> {
    let mut flags = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("--") {
        let before = rest[..at].chars().last();
        let after = &rest[at + 2..];
        let flag: String = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        let starts_word = before.is_none_or(|c| c.is_whitespace() || "`([,\"".contains(c));
        if starts_word && flag.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
            flags.push(format!("--{flag}"));
        }
        rest = &after[flag.len().min(after.len())..];
    }
    flags
}

/// The store's flags (every command's), and every `--flag` our scripts, tests, the build
/// (xtask) and its settings pass or take.
fn known_flags(files: &[PathBuf]) -> BTreeSet<String> {
    fn walk(command: &clap::Command, out: &mut BTreeSet<String>) {
        for arg in command.get_arguments() {
            if let Some(long) = arg.get_long() {
                out.insert(format!("--{long}"));
            }
        }
        for sub in command.get_subcommands() {
            walk(sub, out);
        }
    }
    let mut known: BTreeSet<String> = OTHER_TOOLS_FLAGS.iter().map(|f| f.to_string()).collect();
    walk(&Cli::command(), &mut known);
    let root = root();
    for file in files {
        let name = file.to_string_lossy();
        let ours = name.starts_with("scripts/") && (name.ends_with(".sh") || name.ends_with(".mjs"))
            || name.starts_with("tests/e2e/") && name.ends_with(".mjs")
            || name.starts_with("crates/store/benches/")
            || name.starts_with("xtask/src/")
            || name == ".ci/run"
            || name == ".cargo/config.toml";
        if ours {
            let text = fs::read_to_string(root.join(file)).unwrap_or_default();
            known.extend(flags_in(&text));
        }
    }
    known
}

/// A path with every `{…}` segment as `{}`, without its query or fragment.
fn route_shape(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    path.split('/').map(|s| if s.starts_with('{') || s == "…" { "{}" } else { s }).collect::<Vec<_>>().join("/")
}

fn api_routes() -> BTreeSet<String> {
    ApiDoc::openapi().paths.paths.keys().map(|p| route_shape(p.strip_prefix("/api/v1").unwrap_or(p))).collect()
}

/// The app's pages (`pub const NAME: &str = "/path"` in crates/web/src/routes.rs), an account's
/// page, and the files the app serves at its root.
fn app_routes() -> BTreeSet<String> {
    let root = root();
    let routes = fs::read_to_string(root.join("crates/web/src/routes.rs")).expect("routes.rs");
    let mut known: BTreeSet<String> = routes
        .lines()
        .filter(|l| l.starts_with("pub const ") && l.contains(": &str = \"/"))
        .filter_map(|l| l.split('"').nth(1))
        .map(str::to_string)
        .collect();
    known.insert("/integrations/{}".into());
    for file in fs::read_dir(root.join("public")).expect("public/").flatten() {
        known.insert(format!("/{}", file.file_name().to_string_lossy()));
    }
    known.extend(["/sw.js".to_string(), "/index.html".to_string()]);
    known
}

/// A route a code span names: `GET /records/{id}`, `/api/v1/me`, `/integrations/azure/new`.
/// Spans that are URLs' tails or examples (`/%09/evil.example`) are not routes.
fn route_in(span: &str) -> Option<(bool, String)> {
    let span = span.trim();
    let (api, path) = match span.split_once(' ') {
        Some((method, path)) if ["GET", "POST", "PUT", "DELETE"].contains(&method) => {
            (true, path.split_whitespace().next().unwrap_or(path))
        }
        _ => (span == "/api" || span.starts_with("/api/"), span),
    };
    let looks_like_path = path.starts_with('/')
        && path.len() > 1
        && path.chars().all(|c| c.is_ascii_alphanumeric() || "/{}_-.?=&#*…".contains(c))
        && !path.contains("..")
        && !path.starts_with("//");
    if !looks_like_path {
        return None;
    }
    let path = path.strip_prefix("/api/v1").unwrap_or(path);
    Some((api, route_shape(path)))
}

/// Other services' routes the pages name: Microsoft Graph's and Azure Resource Manager's.
const OTHER_SERVICES_ROUTES: [&str; 2] = ["/v1.0/", "/subscriptions/"];

fn route_exists(api: bool, shape: &str, api_routes: &BTreeSet<String>, app: &BTreeSet<String>) -> bool {
    if OTHER_SERVICES_ROUTES.iter().any(|r| shape.starts_with(r)) {
        return true;
    }
    let matches = |known: &BTreeSet<String>| match shape.strip_suffix('*') {
        Some(prefix) => known.iter().any(|r| r.starts_with(prefix)),
        None => known.contains(shape),
    };
    // `/api`, `/api/v1` and `/api/v1/auth` name where routes live: a prefix of some.
    let api_prefix = shape.is_empty() || shape == "/api" || api_routes.iter().any(|r| r.starts_with(&format!("{shape}/")));
    matches(api_routes) || (api && api_prefix) || (!api && matches(app))
}

#[test]
fn every_file_flag_and_route_the_documentation_names_exists() {
    let files = repository_files();
    let flags = known_flags(&files);
    let api = api_routes();
    let app = app_routes();
    let mut missing = Vec::new();
    for (page, text) in pages() {
        let page_name = page.strip_prefix(root()).unwrap_or(&page).display().to_string();
        let dir = page.parent().expect("a page is in a folder");
        for link in links_of(&text) {
            if !dir.join(&link).exists() {
                missing.push(format!("{page_name}: the link ({link}) leads nowhere"));
            }
        }
        for code in code_of(&text) {
            for file in file_names(&code) {
                if !file_exists(&file, &files) {
                    missing.push(format!("{page_name}: the file `{file}` does not exist"));
                }
            }
            for flag in flags_in(&code) {
                if !flags.contains(&flag) {
                    missing.push(format!("{page_name}: the flag `{flag}` is not one the store or a script takes"));
                }
            }
            if let Some((is_api, shape)) = route_in(&code) {
                if !route_exists(is_api, &shape, &api, &app) {
                    missing.push(format!("{page_name}: the route `{code}` is not in the API or the app"));
                }
            }
        }
    }
    missing.dedup();
    assert!(missing.is_empty(), "the documentation names what does not exist:\n{}", missing.join("\n"));
}

/// The checks above can fail: names that do not exist are caught, and real ones pass.
#[test]
fn the_checks_catch_a_wrong_name() {
    let files = repository_files();
    assert!(file_exists("src/sync/view.rs", &files));
    assert!(file_exists("sync/view.rs", &files), "from the app's src/");
    assert!(file_exists("tickets.test.mjs", &files));
    assert!(!file_exists("src/sync/viewer.rs", &files));
    assert!(!file_exists("ticket.test.mjs", &files));
    let flags = known_flags(&files);
    assert!(flags.contains("--secrets-key-file") && flags.contains("--baseline"));
    assert!(!flags.contains("--secret-key-file"));
    assert_eq!(flags_in("xops-store --listen :0 --database x"), ["--listen", "--database"]);
    assert!(flags_in("a → b, x--y").is_empty());
    let (api, app) = (api_routes(), app_routes());
    let shape = |s: &str| route_in(s).expect("a route");
    let exists = |s: &str| {
        let (is_api, shape) = shape(s);
        route_exists(is_api, &shape, &api, &app)
    };
    assert!(exists("GET /records/{id}") && exists("POST /integrations/{id}/verify") && exists("/members*"));
    assert!(exists("/integrations/microsoft/m365/new") && exists("/login?next=<page>".split('<').next().unwrap_or("")));
    assert!(!exists("GET /record/{id}") && !exists("/integrations/gcp/new") && !exists("POST /login"));
    assert!(route_in("/%09/evil.example").is_none() && route_in("//evil.example").is_none());
    assert!(exists("/api/v1/auth") && !exists("/api/v1/autho"));
    assert_eq!(links_of("see [sync](sync.md#conflicts) and [x](https://a.b)"), ["sync.md"]);
}

/// The OpenAPI document names exactly the paths of the shared paths module (which the route table
/// and the clients use): a handler's `#[utoipa::path]` cannot name a path the router does not serve.
#[test]
fn the_openapi_document_has_every_path_of_the_route_table_and_no_other() {
    let documented: BTreeSet<String> =
        ApiDoc::openapi().paths.paths.keys().map(|p| p.strip_prefix("/api/v1").unwrap_or(p).to_string()).collect();
    let served: BTreeSet<String> = xops_model::paths::ALL.iter().map(|p| p.to_string()).collect();
    assert_eq!(documented, served);
}
