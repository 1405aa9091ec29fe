//! The build's steps, the failure that names one, and running a tool as a step.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One step of the build. A failure says which, so "the build failed" always has a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Trunk: the page, the stylesheet, the icon, config.json and the manifest into dist/.
    Trunk,
    /// cargo: the app's and the sign-in module's release wasm, linked with relocations (the app's
    /// splitter reads them; the sign-in module's are stripped).
    Compile,
    /// wasm-split-cli: the first module, one module per split point, the shared chunks.
    Split,
    /// wasm-bindgen: the JS glue for a module.
    Bindgen,
    /// wasm-opt -Oz on every module.
    Optimize,
    /// The build's files under their hashed names, with the imports between them renamed.
    Name,
    /// esbuild --minify on the JS glue and the splitter's loader (release builds).
    Minify,
    /// The sign-in pages' markup and paths, printed by the sign-in crate's own program.
    SignInPages,
    /// The inline loader and the sign-in pages, written into index.html.
    Loader,
    /// dist/sw.js with this build's id and file list.
    ServiceWorker,
    /// gzip and brotli twins.
    Compress,
}

impl Step {
    fn name(self) -> &'static str {
        match self {
            Step::Trunk => "trunk build",
            Step::Compile => "compile the app and the sign-in module (cargo)",
            Step::Split => "split the app (wasm-split-cli)",
            Step::Bindgen => "JS glue (wasm-bindgen)",
            Step::Optimize => "optimize (wasm-opt)",
            Step::Name => "name the files",
            Step::Minify => "minify the JS (esbuild)",
            Step::SignInPages => "the sign-in pages (xops-signin-pages)",
            Step::Loader => "the loader in index.html",
            Step::ServiceWorker => "the service worker",
            Step::Compress => "compressed twins (gzip, brotli)",
        }
    }
}

/// A step that failed, and why.
#[derive(Debug)]
pub struct Failure {
    pub step: Step,
    pub what: String,
}

impl Failure {
    pub fn new(step: Step, what: impl fmt::Display) -> Self {
        Failure { step, what: what.to_string() }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "build-app: the step \"{}\" failed: {}", self.step.name(), self.what)
    }
}

impl std::error::Error for Failure {}

/// A line of progress, as scripts/setup.sh writes its own.
pub fn say(line: &str) {
    eprintln!("\x1b[1m==> {line}\x1b[0m");
}

/// `program`, run in `dir`.
pub fn command(program: &str, dir: &Path) -> Command {
    let mut command = Command::new(program);
    command.current_dir(dir);
    command
}

/// How long each step's tools ran, in the order the steps first ran.
static SPENT: Mutex<Vec<(Step, Duration)>> = Mutex::new(Vec::new());

/// Adds `spent` to `step`'s time.
fn record(step: Step, spent: Duration) {
    let mut steps = SPENT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    match steps.iter_mut().find(|(s, _)| *s == step) {
        Some((_, total)) => *total += spent,
        None => steps.push((step, spent)),
    }
}

/// The time each step's tools took so far, one line per step, as `  12.3 s  compile the app (cargo)`.
pub fn time_table() -> String {
    let steps = SPENT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    steps.iter().map(|(step, spent)| format!("{:>7.1} s  {}\n", spent.as_secs_f64(), step.name())).collect()
}

/// Runs `command` and counts its time to `step`.
fn timed<T>(step: Step, command: &mut Command, run: impl FnOnce(&mut Command) -> T) -> T {
    let start = Instant::now();
    let result = run(command);
    record(step, start.elapsed());
    result
}

/// Runs a tool as part of `step`; its output goes to the terminal.
pub fn run(step: Step, command: &mut Command) -> Result<(), Failure> {
    let status = timed(step, command, |c| c.status())
        .map_err(|e| Failure::new(step, format!("could not start {}: {e}", program(command))))?;
    if status.success() {
        Ok(())
    } else {
        Err(Failure::new(step, format!("{} ended with {status}", program(command))))
    }
}

/// Runs a tool whose output matters only when it fails (wasm-opt's warnings about name sections
/// it does not know): what it printed goes into the failure.
pub fn run_quietly(step: Step, command: &mut Command) -> Result<(), Failure> {
    output(step, command).map(|_| ())
}

/// Runs a tool and returns what it printed (without the final newlines).
pub fn output(step: Step, command: &mut Command) -> Result<String, Failure> {
    let out = timed(step, command, |c| c.output())
        .map_err(|e| Failure::new(step, format!("could not start {}: {e}", program(command))))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(Failure::new(step, format!("{} ended with {}: {}", program(command), out.status, stderr.trim())));
    }
    let text =
        String::from_utf8(out.stdout).map_err(|e| Failure::new(step, format!("{} printed no UTF-8: {e}", program(command))))?;
    Ok(text.trim_end_matches('\n').to_string())
}

fn program(command: &Command) -> String {
    command.get_program().to_string_lossy().into_owned()
}

/// Every file under `dir`, sorted.
pub fn files_under(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder)? {
            let path = entry?.path();
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The files directly in `dir` whose names end with `ending`, sorted.
pub fn files_ending(dir: &Path, ending: &str) -> io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<io::Result<_>>()?;
    files.retain(|p| p.is_file() && p.file_name().is_some_and(|n| n.to_string_lossy().ends_with(ending)));
    files.sort();
    Ok(files)
}

/// A step's file operation, its error naming the file.
pub fn io<T>(step: Step, path: &Path, result: io::Result<T>) -> Result<T, Failure> {
    result.map_err(|e| Failure::new(step, format!("{}: {e}", path.display())))
}

/// The first 16 hex digits of the SHA-256 of `parts`, one after another.
pub fn short_hash<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_names_its_step() {
        let failure = Failure::new(Step::Split, "no main.wasm");
        assert_eq!(failure.to_string(), "build-app: the step \"split the app (wasm-split-cli)\" failed: no main.wasm");
    }

    #[test]
    fn a_tool_that_fails_or_is_missing_is_a_failure_of_its_step() {
        let here = Path::new(".");
        let failed = run(Step::Optimize, &mut command("false", here)).expect_err("false fails");
        assert_eq!(failed.step, Step::Optimize);
        assert!(failed.what.contains("false ended with"), "{}", failed.what);
        let missing = run(Step::Bindgen, &mut command("xops-no-such-tool", here)).expect_err("no such tool");
        assert!(missing.what.starts_with("could not start xops-no-such-tool"), "{}", missing.what);
        assert_eq!(output(Step::Loader, command("echo", here).arg("a\n")).expect("echo runs"), "a");
    }

    #[test]
    fn each_step_counts_the_time_of_its_tools() {
        let here = Path::new(".");
        run(Step::ServiceWorker, command("sleep", here).arg("0.2")).expect("sleep runs");
        run(Step::ServiceWorker, command("sleep", here).arg("0.1")).expect("sleep runs");
        let table = time_table();
        let line = table.lines().find(|l| l.ends_with("the service worker")).expect("a line for the step");
        let seconds: f64 = line.trim().split(' ').next().and_then(|n| n.parse().ok()).expect("seconds first");
        assert!((0.3..5.0).contains(&seconds), "both runs counted: {line}");
    }

    #[test]
    fn the_hash_is_of_the_content_in_order() {
        assert_eq!(short_hash([b"ab".as_slice()]), short_hash([b"a".as_slice(), b"b".as_slice()]));
        assert_ne!(short_hash([b"ab".as_slice()]), short_hash([b"ba".as_slice()]));
        assert_eq!(short_hash([b"".as_slice()]), "e3b0c44298fc1c14");
    }
}
