//! The app (Leptos), cut into chunks at its split points (src/split.rs), under one hash.

use std::fs;
use std::path::{Path, PathBuf};

use crate::step::{self, Failure, Step};
use crate::toolchain::WasmBuild;

/// wasm-opt's features: those the Rust toolchain's wasm32 target emits.
const WASM_OPT_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// The app's files in dist/ that the loader names.
pub struct AppFiles {
    /// The first module's JS glue.
    pub js: String,
    /// The first module.
    pub wasm: String,
    /// The splitter's loader, which fetches the chunks.
    pub loader: String,
}

impl AppFiles {
    /// The names of a build whose content hashes to `hash`. One hash for the whole build: the
    /// first module and the loader import each other, so no file's name can carry a hash of its
    /// own content alone. Any change renames every file.
    fn named(hash: &str) -> Self {
        AppFiles { js: format!("xops-{hash}.js"), wasm: format!("xops-{hash}_bg.wasm"), loader: format!("xops-loader-{hash}.js") }
    }
}

/// The app's package and binary, and the feature that cuts it at its split points.
pub const BINARY: (&str, &str) = ("xops-integrations", "xops-integrations");
pub const FEATURES: [&str; 1] = ["xops-integrations/split"];

/// The compiled app, split and bound: its modules (not yet optimized) beside their JS.
pub struct Bound {
    web: PathBuf,
    pub modules: Vec<PathBuf>,
}

/// Splits the compiled app into modules and binds the first one.
pub fn split_and_bind(wasm: &WasmBuild, root: &Path) -> Result<Bound, Failure> {
    let out = wasm.target_dir.join("out");
    let (split, web) = (out.join("split"), out.join("web"));
    if out.exists() {
        step::io(Step::Split, &out, fs::remove_dir_all(&out))?;
    }
    for dir in [&split, &web] {
        step::io(Step::Split, dir, fs::create_dir_all(dir))?;
    }
    let linked = wasm.linked("xops-integrations");
    step::run(Step::Split, step::command("wasm-split-cli", root).arg(&linked).arg(&split))?;
    let mut bindgen = step::command("wasm-bindgen", root);
    bindgen.args(["--target", "web", "--no-typescript", "--keep-lld-exports"]).args(wasm.keep_debug());
    bindgen.arg("--out-dir").arg(&web).args(["--out-name", "main"]).arg(split.join("main.wasm"));
    step::run(Step::Bindgen, &mut bindgen)?;
    for chunk in step::io(Step::Split, &split, step::files_ending(&split, ".wasm"))? {
        if chunk.file_name().is_some_and(|n| n != "main.wasm") {
            copy(Step::Split, &chunk, &web.join(file_name(&chunk)))?;
        }
    }
    copy(Step::Split, &split.join("__wasm_split.js"), &web.join("__wasm_split.js"))?;
    let modules = step::io(Step::Split, &web, step::files_ending(&web, ".wasm"))?;
    Ok(Bound { web, modules })
}

/// wasm-opt -Oz on every module, in place, as many at once as the machine has cores (wasm-opt
/// keeps about one and a third busy on one module of ours).
pub fn optimize(modules: &[&Path]) -> Result<(), Failure> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let optimize_next = || -> Result<(), Failure> {
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(module) = modules.get(i) else { return Ok(()) };
            let mut command = step::command("wasm-opt", module.parent().unwrap_or(module));
            command.arg("-Oz").args(WASM_OPT_FEATURES).arg(module).arg("-o").arg(module);
            step::run_quietly(Step::Optimize, &mut command)?;
        }
    };
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..cores.min(modules.len())).map(|_| scope.spawn(optimize_next)).collect();
        workers
            .into_iter()
            .try_for_each(|w| w.join().unwrap_or_else(|_| Err(Failure::new(Step::Optimize, "a wasm-opt worker panicked"))))
    })
}

/// The app's files into `dist` under the build's hash, the imports between them renamed.
pub fn name(bound: &Bound, dist: &Path) -> Result<AppFiles, Failure> {
    let (web, modules) = (&bound.web, &bound.modules);
    let files = step::io(Step::Name, web, step::files_under(web))?;
    let contents = files.iter().map(|f| step::io(Step::Name, f, fs::read(f))).collect::<Result<Vec<_>, _>>()?;
    let hash = step::short_hash(contents.iter().map(Vec::as_slice));
    let names = AppFiles::named(&hash);
    let chunks: Vec<String> =
        modules.iter().map(|m| file_name(m).trim_end_matches(".wasm").to_string()).filter(|m| m != "main_bg").collect();
    let read = |name: &str| step::io(Step::Name, &web.join(name), fs::read_to_string(web.join(name)));
    write(&dist.join(&names.js), &renamed(&read("main.js")?, &names, &chunks, &hash))?;
    write(&dist.join(&names.loader), &renamed(&read("__wasm_split.js")?, &names, &chunks, &hash))?;
    copy(Step::Name, &web.join("main_bg.wasm"), &dist.join(&names.wasm))?;
    for chunk in &chunks {
        copy(Step::Name, &web.join(format!("{chunk}.wasm")), &dist.join(chunk_name(chunk, &hash)))?;
    }
    Ok(names)
}

fn chunk_name(chunk: &str, hash: &str) -> String {
    format!("xops-{chunk}-{hash}.wasm")
}

/// The JS of the first module or of the splitter's loader, pointing at the hashed names: only the
/// `from "…"` of the imports and the wasm files' paths (the wasm's own import names stay as the
/// splitter wrote them).
fn renamed(js: &str, names: &AppFiles, chunks: &[String], hash: &str) -> String {
    let mut js = js
        .replace("from \"./__wasm_split.js\"", &format!("from \"./{}\"", names.loader))
        .replace("from \"./main.js\"", &format!("from \"./{}\"", names.js))
        .replace("'main_bg.wasm'", &format!("'{}'", names.wasm));
    for chunk in chunks {
        js = js.replace(&format!("./{chunk}.wasm"), &format!("./{}", chunk_name(chunk, hash)));
    }
    js
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn copy(step: Step, from: &Path, to: &Path) -> Result<(), Failure> {
    step::io(step, from, fs::copy(from, to)).map(|_| ())
}

fn write(to: &Path, text: &str) -> Result<(), Failure> {
    step::io(Step::Name, to, fs::write(to, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_and_wasm_paths_take_the_hashed_names() {
        let names = AppFiles::named("abc");
        let chunks = ["split_link".to_string(), "chunk_1".to_string()];
        let js = "import * as m from \"./main.js\";\nimport { x } from \"./__wasm_split.js\";\n\
                  fetch('main_bg.wasm'); load(\"./split_link.wasm\"); load(\"./chunk_1.wasm\"); load(\"./chunk_10.wasm\");\n\
                  const name = \"main.js\"; // not an import";
        assert_eq!(
            renamed(js, &names, &chunks, "abc"),
            "import * as m from \"./xops-abc.js\";\nimport { x } from \"./xops-loader-abc.js\";\n\
             fetch('xops-abc_bg.wasm'); load(\"./xops-split_link-abc.wasm\"); load(\"./xops-chunk_1-abc.wasm\"); load(\"./chunk_10.wasm\");\n\
             const name = \"main.js\"; // not an import"
        );
    }
}
