//! Sign in, Create account, Join and Reset (crates/signin): a small module of their own, without
//! Leptos, built from the same target folder and flags as the app.

use std::fs;
use std::path::{Path, PathBuf};

use crate::step::{self, Failure, Step};
use crate::toolchain::WasmBuild;
use crate::wasm;

/// The sign-in module's files in dist/.
pub struct SignInFiles {
    pub js: String,
    pub wasm: String,
}

/// The sign-in crate's package and binary.
pub const BINARY: (&str, &str) = ("xops-signin", "xops-signin");

/// The compiled sign-in module, bound, its relocations stripped (not yet optimized).
pub struct Bound {
    pub module: PathBuf,
    glue: PathBuf,
}

/// Binds the compiled sign-in module and strips the relocations the app's splitter needed.
pub fn bind(build: &WasmBuild, root: &Path) -> Result<Bound, Failure> {
    let out = build.target_dir.join("out-signin");
    if out.exists() {
        step::io(Step::Bindgen, &out, fs::remove_dir_all(&out))?;
    }
    step::io(Step::Bindgen, &out, fs::create_dir_all(&out))?;
    let mut bindgen = step::command("wasm-bindgen", root);
    bindgen.args(["--target", "web", "--no-typescript"]).args(build.keep_debug());
    bindgen.arg("--out-dir").arg(&out).args(["--out-name", "signin"]).arg(build.linked("xops-signin"));
    step::run(Step::Bindgen, &mut bindgen)?;
    let module = out.join("signin_bg.wasm");
    let bytes = step::io(Step::Optimize, &module, fs::read(&module))?;
    let stripped = wasm::without_relocations(&bytes)
        .ok_or_else(|| Failure::new(Step::Optimize, format!("{} is not a whole wasm module", module.display())))?;
    step::io(Step::Optimize, &module, fs::write(&module, &stripped))?;
    Ok(Bound { module, glue: out.join("signin.js") })
}

/// The sign-in module's files into `dist` under their hash.
pub fn name(bound: &Bound, dist: &Path) -> Result<SignInFiles, Failure> {
    let (module, glue) = (&bound.module, &bound.glue);
    let js = step::io(Step::Name, glue, fs::read_to_string(glue))?;
    let bytes = step::io(Step::Name, module, fs::read(module))?;
    let hash = step::short_hash([js.as_bytes(), bytes.as_slice()]);
    let files = SignInFiles { js: format!("xops-signin-{hash}.js"), wasm: format!("xops-signin-{hash}_bg.wasm") };
    let js = js.replace("'signin_bg.wasm'", &format!("'{}'", files.wasm));
    step::io(Step::Name, &dist.join(&files.js), fs::write(dist.join(&files.js), js))?;
    step::io(Step::Name, &dist.join(&files.wasm), fs::write(dist.join(&files.wasm), bytes))?;
    Ok(files)
}
