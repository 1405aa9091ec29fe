//! How the release wasm is compiled, shared by the app and the sign-in module: one target folder
//! and one set of flags, so neither build invalidates the other's compiled dependencies.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Nightly's size levers: the standard library rebuilt for size, panics that abort at once with
/// no message or location, and no Debug formatting (about a seventh off every module; see
/// docs/first-load.md).
const NIGHTLY_FLAGS: &str = "-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none";

/// The linker keeps its relocations, which wasm-split-cli reads to cut the app into chunks.
const LINK_FLAGS: &str = "-Clink-args=--emit-relocs";

pub struct WasmBuild {
    root: PathBuf,
    nightly: bool,
    /// `XOPS_WASM_DEBUG=1`: names and panic messages kept, no wasm-opt (stable).
    pub debug: bool,
    /// The target folder of these builds (not the browser tests': the flags differ).
    pub target_dir: PathBuf,
}

impl WasmBuild {
    /// Nightly when the machine has it, unless `XOPS_WASM_STABLE` or `XOPS_WASM_DEBUG` is set.
    pub fn for_this_machine(root: &Path) -> Self {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        let debug = set("XOPS_WASM_DEBUG");
        let nightly = !debug && !set("XOPS_WASM_STABLE") && nightly_available();
        let folder = if nightly { "split-nightly" } else { "split" };
        WasmBuild { root: root.to_path_buf(), nightly, debug, target_dir: root.join("target").join(folder) }
    }

    /// `cargo build` for the browser of each binary, as `(package, binary)`, with `features`
    /// (`package/feature`). One cargo for all: the dependencies compile once, and the binaries'
    /// last steps (fat LTO into one codegen unit, one core each) run side by side. 70 s less than
    /// one cargo after the other, or than the sign-in's beside the app's wasm-opt (docs/first-load.md).
    /// The price: cargo unifies the features of what it builds together, so the sign-in module
    /// gets serde_json's `raw_value` (the app's sync needs it), 0.7 KB brotli.
    pub fn cargo(&self, binaries: &[(&str, &str)], features: &[&str]) -> Command {
        let mut command = Command::new("cargo");
        command.current_dir(&self.root);
        if self.nightly {
            command.arg("+nightly").args(["build", "--quiet", "-Zbuild-std=std,panic_abort"]);
        } else {
            command.args(["build", "--quiet"]);
        }
        command.args(["--target", "wasm32-unknown-unknown", "--profile", "wasm-release", "--target-dir"]);
        command.arg(&self.target_dir);
        for feature in features {
            command.args(["--features", feature]);
        }
        for (package, bin) in binaries {
            command.args(["-p", package, "--bin", bin]);
        }
        // The outer `cargo xtask` may have chosen a toolchain for its children; this one chooses its own.
        command.env_remove("RUSTUP_TOOLCHAIN");
        command.env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS", self.rustflags());
        command
    }

    fn rustflags(&self) -> String {
        // Cargo adds these to .cargo/config.toml's flags for the target (erase_components).
        let mut flags = LINK_FLAGS.to_string();
        if self.nightly {
            flags = format!("{flags} {NIGHTLY_FLAGS}");
        }
        flags
    }

    /// The linked wasm of a binary built by [`WasmBuild::cargo`].
    pub fn linked(&self, bin: &str) -> PathBuf {
        self.target_dir.join("wasm32-unknown-unknown/wasm-release").join(format!("{bin}.wasm"))
    }

    /// wasm-bindgen's `--keep-debug` when the build keeps names.
    pub fn keep_debug(&self) -> &'static [&'static str] {
        if self.debug {
            &["--keep-debug"]
        } else {
            &[]
        }
    }
}

fn nightly_available() -> bool {
    Command::new("rustup").args(["run", "nightly", "rustc", "--version"]).output().is_ok_and(|out| out.status.success())
}
