//! `--emit-wast`: the reduced module as a test in the format Wasmtime's own
//! test suite reads (`tests/misc_testsuite/*.wast`), ready to paste into
//! the pull request that fixes the bug.
//!
//! The file starts with the `;;! feature = true` lines that Wasmtime's
//! harness (`cargo test --test wast`) reads — every proposal is off there
//! unless a test turns it on, so the module's own features are listed, and
//! the user's `-W` switches win — then comments saying where the module
//! came from, what Wasmtime 48.0.8 does with it today, and the
//! `wasmtime wast` command with the flags the header cannot say (`-C`,
//! `--target`: the harness runs every compiler).
//!
//! What the directives assert:
//! - a compile error: `assert_invalid` with the error's innermost cause
//!   (the test passes while Wasmtime rejects the module);
//! - a panic, crash or hang while compiling: `(module definition ...)`, a
//!   module that must compile (the test fails today, passes once fixed);
//! - a trap at run time: `assert_trap` on the same `invoke`; at
//!   instantiation: `assert_trap` on the module;
//! - a differential: `assert_return` of the first configuration's result,
//!   run under the second configuration's flags (fails today).
//!
//! Some failures have no `.wast` form — a predicate's verdict, a resource
//! bound, an endless loop without fuel, store limits (`wasmtime wast` sets
//! none), a module needing imports — and then no file is written.

use crate::oracle_opts::OracleOpts;
use crate::reproduce::Reduced;
use crate::wast_text::{
    around, const_of, definition, innermost, module_text, prefixed, quote, result_value,
};
use anyhow::{bail, Result};
use whittle_module::Module;
use whittle_oracle::{Criterion, Outcome, Phase};

/// Refuse, before reducing, what no `.wast` can express.
pub fn check_expressible(opts: &OracleOpts) -> Result<()> {
    if opts.predicate.is_some() {
        bail!("--emit-wast: a predicate's verdict has no .wast form");
    }
    if opts.peak_rss_above.is_some() || opts.compile_time_above.is_some() {
        bail!("--emit-wast: a resource bound has no .wast form");
    }
    if opts.phase != Phase::Compile {
        let limits = opts.flags.wasm.iter().flat_map(|w| w.split(',')).find(|w| {
            [
                "max-memory-size",
                "max-table-elements",
                "max-instances",
                "trap-on-grow-failure",
            ]
            .iter()
            .any(|limit| w.starts_with(limit))
        });
        if let Some(limit) = limits {
            bail!(
                "--emit-wast: `-W {limit}` is a store limit, which `wasmtime wast` does not apply"
            );
        }
    }
    Ok(())
}

/// What the test is about.
pub struct Failure<'a> {
    /// The reduction's result (its outcome is the first configuration's
    /// for a differential).
    pub reduced: &'a Reduced<'a>,
    /// Where the module came from and how big it was, for the comment.
    pub source: &'a str,
    pub source_bytes: usize,
    /// The `.wast` file's name, for the command in the comment.
    pub file_name: &'a str,
}

impl Failure<'_> {
    /// The `.wast` text, or why there is none.
    pub fn wast(&self) -> Result<String> {
        check_expressible(self.reduced.opts)?;
        let phase = self.reduced.opts.phase;
        if phase != Phase::Compile {
            if let Some(import) = self.reduced.module.imports.first() {
                bail!(
                    "--emit-wast: the module imports `{}::{}`, and a .wast would need a module providing it",
                    import.module,
                    import.name
                );
            }
        }
        // Under which flags the test shows the failure (the second
        // configuration of a differential).
        let (run_flags, reference) = match (&self.reduced.opts.differential, self.reduced.criterion)
        {
            (Some(configs), Criterion::Differential { .. }) => (
                self.reduced.opts.with_flags(&configs[1])?,
                Some(self.reduced.outcome),
            ),
            _ => (self.reduced.opts.clone(), None),
        };
        let module = module_text(&self.reduced.module.bytes);
        let (directives, today) = match (reference, self.reduced.outcome) {
            (Some(expected), _) => {
                let invoke = self.invoke()?;
                let directive = match expected {
                    Outcome::Returned { values } => {
                        let values = values
                            .iter()
                            .map(|v| result_value(v))
                            .collect::<Result<Vec<_>>>()?;
                        format!("(assert_return {invoke}{})", prefixed(&values))
                    }
                    Outcome::Trap { message, .. } => {
                        format!("(assert_trap {invoke} {})", quote(&innermost(message)))
                    }
                    other => bail!("--emit-wast: a differential of `{}`", other.summary()),
                };
                (
                    format!("{module}\n{directive}\n"),
                    "fails today (the second configuration disagrees) and passes once they agree",
                )
            }
            (None, Outcome::Error { message })
                if phase == Phase::Compile || is_compile_error(message) =>
            {
                (
                    around("assert_invalid", &module, message),
                    "passes while Wasmtime rejects the module this way",
                )
            }
            (None, Outcome::Panic { .. } | Outcome::Signal { .. } | Outcome::OutOfMemory)
            | (None, Outcome::Timeout)
                if phase == Phase::Compile =>
            {
                (
                    definition(&module),
                    "fails today (the module must compile) and passes once the bug is fixed",
                )
            }
            (None, Outcome::Error { message }) if phase == Phase::Instantiate => (
                around("assert_unlinkable", &module, message),
                "passes while instantiation fails this way",
            ),
            (None, Outcome::Trap { message, .. }) if phase == Phase::Instantiate => (
                around("assert_trap", &module, message),
                "passes while instantiation traps this way",
            ),
            (None, Outcome::Trap { message, .. }) if phase == Phase::Run => (
                format!(
                    "{module}\n(assert_trap {} {})\n",
                    self.invoke()?,
                    quote(&innermost(message))
                ),
                "passes while the call traps this way",
            ),
            (None, Outcome::Timeout) if has_fuel(&run_flags) => (
                format!(
                    "{module}\n(assert_exhaustion {} \"all fuel consumed\")\n",
                    self.invoke()?
                ),
                "passes while the call runs out of fuel",
            ),
            (None, other) => bail!(
                "--emit-wast: `{}` in the {} phase has no .wast form",
                other.summary(),
                format!("{phase:?}").to_lowercase()
            ),
        };
        let header = header(self.reduced.module, &run_flags);
        let gap = if header.is_empty() { "" } else { "\n" };
        Ok(format!(
            "{header}{gap}{}\n{directives}",
            self.comment(&run_flags, today)
        ))
    }

    fn comment(&self, run_flags: &OracleOpts, today: &str) -> String {
        let mut lines = vec![
            format!(
                "Reduced by wasm-whittle {} from `{}` ({} -> {} bytes).",
                env!("CARGO_PKG_VERSION"),
                self.source,
                self.source_bytes,
                self.reduced.module.bytes.len()
            ),
            if self.reduced.opts.wasmtime.is_empty() {
                format!(
                    "Wasmtime {} (built into whittle, debug assertions {}) gives:",
                    crate::WASMTIME_VERSION,
                    if crate::version::WASMTIME_DEBUG_ASSERTIONS {
                        "on"
                    } else {
                        "off"
                    }
                )
            } else {
                format!("The {} gives:", self.reduced.opts.oracle_name())
            },
            format!("  {}", self.reduced.outcome.summary()),
        ];
        if let Criterion::Differential { shape } = self.reduced.criterion {
            if let Some([a, b]) = self.reduced.opts.differential.as_deref() {
                lines.push(format!(
                    "under `{a}`, while `{b}` disagrees ({} vs {}); the first is taken as right.",
                    shape.0, shape.1
                ));
            }
        }
        lines.push(format!("This test {today}. Run it with:"));
        let mut command = vec!["wasmtime".to_string(), "wast".to_string()];
        command.extend(run_flags.flags.to_args());
        command.push(self.file_name.to_string());
        lines.push(format!(
            "  {}",
            command
                .iter()
                .map(|w| whittle_oracle::shell_quote(std::ffi::OsStr::new(w)))
                .collect::<Vec<_>>()
                .join(" ")
        ));
        if let Some(target) = foreign_target(run_flags) {
            lines.push(format!(
                "`wasmtime wast` runs what it compiles: this needs a {} host (here: {}).",
                target,
                std::env::consts::ARCH
            ));
        }
        if run_flags
            .flags
            .to_args()
            .iter()
            .any(|w| w == "-C" || w == "--target")
        {
            lines.push(
                "(Wasmtime's test harness runs every compiler: the -C/--target flags above are needed to see the failure.)"
                    .to_string(),
            );
        }
        lines
            .iter()
            .map(|l| format!(";; {l}\n"))
            .collect::<String>()
    }

    /// `(invoke "name" args...)` as the reduction called it.
    fn invoke(&self) -> Result<String> {
        let name = self.reduced.opts.invoke_name().unwrap_or("_start");
        let Some(params) = crate::invoke::export_params(self.reduced.module, name) else {
            bail!("--emit-wast: the module exports no function `{name}`");
        };
        let given = self.reduced.opts.invoke_args();
        let mut args = Vec::new();
        for (i, p) in params.iter().enumerate() {
            let Some(ty) = crate::invoke::ArgType::of(p) else {
                bail!("--emit-wast: `{name}` takes a parameter with no constant form");
            };
            let value = match given.get(i) {
                Some(text) => crate::invoke::parse_arg(ty, text)?,
                None => crate::invoke::parse_arg(ty, "0")?,
            };
            args.push(const_of(&value)?);
        }
        Ok(format!("(invoke {}{})", quote(name), prefixed(&args)))
    }
}

/// The `;;!` lines: what the module needs, with the user's switches winning.
fn header(module: &Module, opts: &OracleOpts) -> String {
    let chosen = switches(opts);
    let mut lines = String::new();
    for (key, feature) in FEATURES {
        let value = chosen
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| *v)
            .or_else(|| needs(&module.bytes, *feature).then_some(true));
        if let Some(value) = value {
            lines.push_str(&format!(";;! {key} = {value}\n"));
        }
    }
    lines
}

/// The harness's configuration keys that are Wasm proposals, with the
/// validator feature each stands for.
const FEATURES: &[(&str, wasmparser::WasmFeatures)] = {
    use wasmparser::WasmFeatures as F;
    &[
        ("bulk_memory", F::BULK_MEMORY),
        ("reference_types", F::REFERENCE_TYPES),
        ("simd", F::SIMD),
        ("relaxed_simd", F::RELAXED_SIMD),
        ("multi_memory", F::MULTI_MEMORY),
        ("memory64", F::MEMORY64),
        ("custom_page_sizes", F::CUSTOM_PAGE_SIZES),
        ("threads", F::THREADS),
        ("shared_everything_threads", F::SHARED_EVERYTHING_THREADS),
        ("tail_call", F::TAIL_CALL),
        ("extended_const", F::EXTENDED_CONST),
        ("wide_arithmetic", F::WIDE_ARITHMETIC),
        ("function_references", F::FUNCTION_REFERENCES),
        ("gc", F::GC),
        ("exceptions", F::EXCEPTIONS),
        ("legacy_exceptions", F::LEGACY_EXCEPTIONS),
        ("stack_switching", F::STACK_SWITCHING),
        ("nan_canonicalization", F::empty()),
    ]
};

/// Whether validating `bytes` comes out differently without `feature`
/// (the module uses it, or, for a module invalid anyway, fails sooner).
fn needs(bytes: &[u8], feature: wasmparser::WasmFeatures) -> bool {
    if feature.is_empty() {
        return false;
    }
    let validate = |features| {
        wasmparser::Validator::new_with_features(features)
            .validate_all(bytes)
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    let all = wasmparser::WasmFeatures::all();
    validate(all) != validate(all - feature)
}

/// `-W key=value` switches that name a harness key.
fn switches(opts: &OracleOpts) -> Vec<(&'static str, bool)> {
    let mut chosen = Vec::new();
    for word in opts.flags.wasm.iter().flat_map(|w| w.split(',')) {
        let (name, value) = word.split_once('=').unwrap_or((word, "y"));
        let key = name.trim().replace('-', "_");
        let Some((key, _)) = FEATURES.iter().find(|(k, _)| *k == key) else {
            continue;
        };
        let on = matches!(value.trim(), "y" | "yes" | "true");
        chosen.retain(|(k, _)| k != key);
        chosen.push((*key, on));
    }
    chosen
}

/// Whether an error of the instantiate or run phase came from compiling
/// (Wasmtime's words for a module it rejects).
fn is_compile_error(message: &str) -> bool {
    [
        "failed to compile",
        "failed to parse",
        "WebAssembly translation error",
    ]
    .iter()
    .any(|m| message.contains(m))
}

/// `--target` for another architecture than this host's (Pulley, an
/// interpreter, runs anywhere): the architecture.
pub fn foreign_target(opts: &OracleOpts) -> Option<&str> {
    let target = opts.flags.target.as_deref()?;
    let arch = target.split('-').next().unwrap_or(target);
    let native = arch.starts_with(std::env::consts::ARCH) || arch.starts_with("pulley");
    (!native).then_some(arch)
}

fn has_fuel(opts: &OracleOpts) -> bool {
    opts.flags.wasm.iter().any(|w| w.contains("fuel="))
}
