//! What index.html gets besides Trunk's work, and the service worker.
//!
//! All of it inline (a request fewer each), allowed by their hashes in the Content-Security-Policy
//! (the store and the deploy kit compute them):
//! - above the stylesheet (an inline script after one waits for it, so the code would only start
//!   downloading once the CSS is here): the loader (src/loader/start.js), which starts the sign-in
//!   module on Sign in, Create account and Join (the paths come from the module itself) and the
//!   app everywhere else; a preload of config.json, both modules' first request; and the app's
//!   first files, which the sign-in page prefetches once the person types;
//! - at the end of the body: the sign-in pages' markup (crates/signin `Page::markup`) and the
//!   script that shows the one the address names (src/loader/signin_form.js), and Home's frame
//!   and heading (src/loader/home.html), which the loader shows on `/` once the session is here.

use std::fs;
use std::path::Path;

use crate::app::AppFiles;
use crate::signin::SignInFiles;
use crate::step::{self, Failure, Step};

/// Writes the loader and the sign-in pages into dist/index.html.
pub fn write_loader(root: &Path, dist: &Path, app: &AppFiles, signin: &SignInFiles) -> Result<(), Failure> {
    let built = std::env::var_os("XOPS_SIGNIN_PAGES_BIN");
    let pages_program = |args: &[&str]| {
        let mut command = match &built {
            // The test command's native layer built it already; `cargo run -p xops-signin` alone
            // would unify features differently and compile ~40 s again.
            Some(program) => step::command(&program.to_string_lossy(), root),
            None => {
                let mut cargo = step::command("cargo", root);
                cargo.args(["run", "--quiet", "-p", "xops-signin", "--bin", "xops-signin-pages", "--"]);
                cargo
            }
        };
        command.args(args);
        step::output(Step::SignInPages, &mut command)
    };
    let (pages, paths) = (pages_program(&[])?, pages_program(&["--paths"])?);
    let start = fill(
        &read_script(root, "src/loader/start.js")?,
        &[
            ("__XOPS_SIGNIN_PATHS__", &paths),
            ("__XOPS_SIGNIN_JS__", &signin.js),
            ("__XOPS_SIGNIN_WASM__", &signin.wasm),
            ("__XOPS_APP_JS__", &app.js),
            ("__XOPS_APP_WASM__", &app.wasm),
            ("__XOPS_APP_LOADER__", &app.loader),
        ],
    )?;
    let signed_in = step::io(Step::Loader, dist, step::files_ending(dist, ".wasm"))?
        .into_iter()
        .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
        .find(|n| n.starts_with("xops-split_signed_in-"));
    let mut first_files = format!("/{} /{} /{}", app.js, app.loader, app.wasm);
    if let Some(chunk) = signed_in {
        first_files.push_str(&format!(" /{chunk}"));
    }
    let head = format!(
        "<link rel=\"preload\" href=\"/config.json\" as=\"fetch\" crossorigin><script>{start}</script>\
         <meta name=\"xops-app-files\" content=\"{first_files}\">"
    );
    let home = read_markup(root, "src/loader/home.html")?;
    let body = format!(
        "{pages}<template id=\"xops-home\">{home}</template><script>{}</script>",
        read_script(root, "src/loader/signin_form.js")?
    );
    let index = dist.join("index.html");
    let html = step::io(Step::Loader, &index, fs::read_to_string(&index))?;
    let html = insert_before(&html, "<link rel=\"stylesheet\"", &head)?;
    let html = insert_before(&without_skipped_rust_link(&html), "</body>", &body)?;
    if !html.contains(&signin.js) || !html.contains("template data-path=\"/login\"") || !html.contains("id=\"xops-home\"") {
        return Err(Failure::new(Step::Loader, "the loader or the sign-in pages are missing from index.html"));
    }
    step::io(Step::Loader, &index, fs::write(&index, html))
}

/// Markup from src/loader/: its opening comment left out, the rest as it is.
fn read_markup(root: &Path, path: &str) -> Result<String, Failure> {
    let text = step::io(Step::Loader, &root.join(path), fs::read_to_string(root.join(path)))?;
    Ok(without_opening_comment(&text).trim().to_string())
}

fn without_opening_comment(text: &str) -> &str {
    match text.trim_start().strip_prefix("<!--").and_then(|rest| rest.split_once("-->")) {
        Some((_, after)) => after,
        None => text,
    }
}

/// An inline script from src/loader/: its comment lines left out, the rest as it is.
fn read_script(root: &Path, path: &str) -> Result<String, Failure> {
    let text = step::io(Step::Loader, &root.join(path), fs::read_to_string(root.join(path)))?;
    Ok(inline_script(&text))
}

fn inline_script(text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim_start().starts_with("//")).collect();
    lines.join("\n").trim_end_matches('\n').to_string()
}

/// `template` with each placeholder replaced; every `__XOPS_…` must be one of them.
fn fill(template: &str, values: &[(&str, &str)]) -> Result<String, Failure> {
    let filled = values.iter().fold(template.to_string(), |text, (name, value)| text.replace(name, value));
    match filled.find("__XOPS_") {
        Some(at) => Err(Failure::new(
            Step::Loader,
            format!(
                "src/loader/start.js names something the build does not fill in: {}",
                &filled[at..].chars().take(30).collect::<String>()
            ),
        )),
        None => Ok(filled),
    }
}

/// `html` with `text` before the first `marker` (taken literally).
fn insert_before(html: &str, marker: &str, text: &str) -> Result<String, Failure> {
    let at = html.find(marker).ok_or_else(|| Failure::new(Step::Loader, format!("index.html has no {marker}")))?;
    Ok(format!("{}{text}{}", &html[..at], &html[at..]))
}

/// Trunk leaves index.html's `<link data-trunk rel="rust" data-trunk-skip>` in the page (this
/// build, not Trunk, compiles the code); it goes.
fn without_skipped_rust_link(html: &str) -> String {
    let skipped = |line: &str| {
        line.find("<link data-trunk")
            .is_some_and(|at| line[at..].split('>').next().is_some_and(|tag| tag.contains("data-trunk-skip")))
    };
    let mut kept: String = html.lines().filter(|l| !skipped(l)).collect::<Vec<_>>().join("\n");
    if html.ends_with('\n') {
        kept.push('\n');
    }
    kept
}

/// dist/sw.js: the service worker (src/service_worker.js) with this build's id and the exact list
/// of the build's files it keeps on the device: the page, config.json, the stylesheet, the icons,
/// the manifest and every module, those loaded later included. Any change to any file is a new id.
pub fn write_service_worker(root: &Path, dist: &Path) -> Result<(), Failure> {
    let mut files = Vec::new();
    let mut ids = Vec::new();
    for file in step::io(Step::ServiceWorker, dist, step::files_under(dist))? {
        let Ok(relative) = file.strip_prefix(dist) else { continue };
        let path = format!("/{}", relative.to_string_lossy());
        if kept_by_worker(&path) {
            let bytes = step::io(Step::ServiceWorker, &file, fs::read(&file))?;
            ids.push(format!("{path} {}", step::short_hash([bytes.as_slice()])));
            files.push(path);
        }
    }
    let build = step::short_hash(ids.iter().map(|i| i.as_bytes()));
    let list: String = files.iter().map(|f| format!("'{f}',")).collect();
    let source = root.join("src/service_worker.js");
    let worker = step::io(Step::ServiceWorker, &source, fs::read_to_string(&source))?
        .replace("__XOPS_BUILD__", &build)
        .replace("__XOPS_FILES__", &format!("[{list}]"));
    if !worker.contains(&build) {
        return Err(Failure::new(Step::ServiceWorker, "src/service_worker.js has no __XOPS_BUILD__"));
    }
    step::io(Step::ServiceWorker, &dist.join("sw.js"), fs::write(dist.join("sw.js"), worker))
}

/// The compressed twins, the worker itself and a static host's rule files are not kept.
fn kept_by_worker(path: &str) -> bool {
    !(path.ends_with(".br") || path.ends_with(".gz") || ["/sw.js", "/_headers", "/_redirects"].contains(&path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_lines_leave_the_inline_script() {
        assert_eq!(
            inline_script("// about\n(function () {\n  // why\n  go('//x');\n})();\n"),
            "(function () {\n  go('//x');\n})();"
        );
    }

    #[test]
    fn the_opening_comment_leaves_the_markup() {
        assert_eq!(without_opening_comment("<!-- about\n  more -->\n<a>x</a><!-- kept -->\n"), "\n<a>x</a><!-- kept -->\n");
        assert_eq!(without_opening_comment("<a>x</a>"), "<a>x</a>");
    }

    #[test]
    fn every_placeholder_is_filled_or_the_step_fails() {
        assert_eq!(fill("a('/__XOPS_A__')", &[("__XOPS_A__", "x.js")]).expect("filled"), "a('/x.js')");
        let failure = fill("a(__XOPS_A__, __XOPS_B__)", &[("__XOPS_A__", "1")]).expect_err("B is not filled");
        assert!(failure.what.contains("__XOPS_B__"), "{}", failure.what);
    }

    #[test]
    fn text_goes_before_the_marker_taken_literally() {
        let html = "<head><link rel=\"stylesheet\" href=\"a.css\"></head>";
        assert_eq!(
            insert_before(html, "<link rel=\"stylesheet\"", "<script>$& $1</script>").expect("inserted"),
            "<head><script>$& $1</script><link rel=\"stylesheet\" href=\"a.css\"></head>"
        );
        assert!(insert_before(html, "</body>", "x").is_err());
    }

    #[test]
    fn only_the_skipped_rust_link_leaves_the_page() {
        let html = "<head>\n    <link data-trunk rel=\"rust\" data-trunk-skip>\n    <link data-trunk rel=\"css\" href=\"a.css\">\n</head>\n";
        assert_eq!(without_skipped_rust_link(html), "<head>\n    <link data-trunk rel=\"css\" href=\"a.css\">\n</head>\n");
    }

    #[test]
    fn the_worker_keeps_the_build_and_not_the_twins() {
        assert!(kept_by_worker("/index.html") && kept_by_worker("/xops-abc_bg.wasm"));
        assert!(!kept_by_worker("/xops-abc_bg.wasm.br") && !kept_by_worker("/sw.js") && !kept_by_worker("/_headers"));
    }
}
