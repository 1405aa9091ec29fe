//! `cargo xtask build-app`: the app's release build into `dist/`, step by step. Each step is a
//! [`Step`]; a failure names its step and what went wrong, and stops the build. The tools
//! (Trunk, wasm-split-cli, wasm-bindgen, wasm-opt, esbuild, gzip, brotli) are installed by
//! `scripts/setup.sh`; the rewriting between them (names, imports, the page) is done here, in Rust.
//!
//! Environment: `XOPS_WASM_DEBUG=1` builds on stable with names and messages and without wasm-opt
//! or esbuild;
//! `XOPS_WASM_STABLE=1` builds on stable even when a nightly toolchain is there;
//! `XOPS_SIGNIN_PAGES_BIN=<path>` runs that already-built `xops-signin-pages` instead of
//! `cargo run` (scripts/test.sh, whose native layer built it).

mod app;
mod page;
mod signin;
mod step;
mod toolchain;
mod wasm;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use step::{Failure, Step};

fn main() -> ExitCode {
    tools_on_path(&root());
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["build-app"] => match build_app(&root()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(failure) => {
                eprintln!("{failure}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("usage: cargo xtask build-app\n\nBuilds the app's release into dist/ (see docs/first-load.md).");
            ExitCode::from(2)
        }
    }
}

/// wasm-opt comes from npm (`binaryen`, installed by scripts/setup.sh into scripts/tools/), and
/// cargo's own tools (Trunk, wasm-bindgen, wasm-split-cli) from ~/.cargo/bin, as setup.sh has them.
fn tools_on_path(root: &Path) {
    let mut path = vec![root.join("scripts/tools/node_modules/.bin")];
    if let Some(home) = std::env::var_os("HOME") {
        path.push(PathBuf::from(home).join(".cargo/bin"));
    }
    path.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    if let Ok(joined) = std::env::join_paths(path) {
        // Before any thread starts: the one place the build changes its own environment.
        std::env::set_var("PATH", joined);
    }
}

/// The workspace's root: xtask/ is one of its members.
fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The whole build, in order; `dist/` is written from scratch.
fn build_app(root: &Path) -> Result<(), Failure> {
    step::say("building the app (trunk build --release, then the split wasm and the sign-in page)");
    let dist = root.join("dist");
    step::run(Step::Trunk, step::command("trunk", root).args(["--log", "error", "build", "--release"]))?;
    let wasm = toolchain::WasmBuild::for_this_machine(root);
    step::run(Step::Compile, &mut wasm.cargo(&[app::BINARY, signin::BINARY], &app::FEATURES))?;
    let bound_app = app::split_and_bind(&wasm, root)?;
    let bound_signin = signin::bind(&wasm, root)?;
    if !wasm.debug {
        let modules: Vec<&Path> = bound_app.modules.iter().chain([&bound_signin.module]).map(PathBuf::as_path).collect();
        app::optimize(&modules)?;
    }
    let app = app::name(&bound_app, &dist)?;
    let signin = signin::name(&bound_signin, &dist)?;
    if !wasm.debug {
        minify(&dist, &[&app.js, &app.loader, &signin.js])?;
    }
    page::write_loader(root, &dist, &app, &signin)?;
    page::write_service_worker(root, &dist)?;
    compress(&dist)?;
    eprint!("build-app: the time each step's tools took (side by side, added up)\n{}", step::time_table());
    Ok(())
}

/// The JS the build wrote (wasm-bindgen's glue, the splitter's loader), minified in place: the
/// app's glue is on the way to Home's first paint and the sign-in's to the form's (74 → 34 KB, 9.4
/// → 7.8 KB brotli for the app's). Names of exports and imports stay; their file names are final.
/// The hash in those names is of the glue before minifying: the same glue minifies the same way
/// with the esbuild the lockfile pins, and the service worker's build id is of the files as served.
fn minify(dist: &Path, files: &[&str]) -> Result<(), Failure> {
    for name in files {
        let file = dist.join(name);
        let mut esbuild = step::command("esbuild", dist);
        esbuild
            .arg(&file)
            .args(["--minify", "--format=esm", "--log-level=error", "--allow-overwrite"])
            .arg(format!("--outfile={}", file.display()));
        step::run(Step::Minify, &mut esbuild)?;
    }
    Ok(())
}

/// Brotli and gzip twins of every text and wasm file: the store (and most CDNs) send brotli to
/// browsers that take it, else gzip. For the wasm, brotli is about a fifth smaller than gzip -9.
fn compress(dist: &Path) -> Result<(), Failure> {
    const COMPRESSED: [&str; 5] = ["wasm", "js", "css", "svg", "html"];
    for file in step::files_under(dist).map_err(|e| Failure::new(Step::Compress, e))? {
        if file.extension().is_some_and(|e| COMPRESSED.iter().any(|c| e == *c)) {
            step::run(Step::Compress, step::command("gzip", dist).args(["-9", "-k", "-f"]).arg(&file))?;
            step::run(Step::Compress, step::command("brotli", dist).args(["-q", "11", "-k", "-f"]).arg(&file))?;
        }
    }
    Ok(())
}
