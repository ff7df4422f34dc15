//! Wasmtime configuration flags, mirroring the `wasmtime` CLI.
//!
//! They are kept as the raw strings the user typed so that exactly the same
//! words reach every oracle: the built-in child parses them with
//! `wasmtime-cli-flags` (the crate the `wasmtime` CLI itself uses), and
//! `--wasmtime PATH` passes them to `wasmtime compile` unchanged. They are
//! also validated up front, in process, for a clear error before any run.

use anyhow::Result;
use clap::Parser;
use wasmtime_cli_flags::CommonOptions;

#[derive(clap::Args, Clone, Debug, Default)]
pub struct WasmtimeFlags {
    /// Optimization and tuning options, as `wasmtime -O` (e.g. `-O opt-level=0`).
    #[arg(short = 'O', long = "optimize", value_name = "KEY[=VAL[,..]]")]
    pub optimize: Vec<String>,
    /// Codegen options, as `wasmtime -C` (e.g. `-C compiler=winch`,
    /// `-C cranelift-has_avx=true`).
    #[arg(short = 'C', long = "codegen", value_name = "KEY[=VAL[,..]]")]
    pub codegen: Vec<String>,
    /// WebAssembly features and semantics, as `wasmtime -W` (e.g. `-W simd=n,relaxed-simd=n`).
    #[arg(short = 'W', long = "wasm", value_name = "KEY[=VAL[,..]]")]
    pub wasm: Vec<String>,
    /// Debug options, as `wasmtime -D`.
    #[arg(short = 'D', long = "debug", value_name = "KEY[=VAL[,..]]")]
    pub debug: Vec<String>,
    /// Compile for another target triple (e.g. aarch64, riscv64gc-unknown-linux-gnu, s390x, pulley64).
    #[arg(long, value_name = "TRIPLE")]
    pub target: Option<String>,
}

impl WasmtimeFlags {
    /// The flags as command-line words, in a fixed order.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        for (flag, values) in [
            ("-O", &self.optimize),
            ("-C", &self.codegen),
            ("-W", &self.wasm),
            ("-D", &self.debug),
        ] {
            for v in values {
                args.push(flag.to_string());
                args.push(v.clone());
            }
        }
        if let Some(t) = &self.target {
            args.push("--target".to_string());
            args.push(t.clone());
        }
        args
    }

    /// Parse words produced by [`WasmtimeFlags::to_args`] (in the child).
    pub fn common_options(args: &[String]) -> Result<CommonOptions> {
        CommonOptions::try_parse_from(
            std::iter::once("wasmtime".to_string()).chain(args.iter().cloned()),
        )
        .map_err(|e| anyhow::anyhow!("{}", e.to_string().trim()))
    }

    /// The engine configuration these flags describe.
    pub fn config(&self) -> Result<wasmtime::Config> {
        Self::config_from_args(&self.to_args())
    }

    pub fn config_from_args(args: &[String]) -> Result<wasmtime::Config> {
        let mut opts = Self::common_options(args)?;
        opts.config(None).map_err(|e| anyhow::anyhow!("{e:#}"))
    }

    /// Whether a module validates under the engine these flags describe,
    /// answered in whittle's own process by the same call the built-in
    /// child makes before compiling (`Module::validate`: the same
    /// validator, with the engine's features). For the built-in oracle when
    /// only a validation error counts (`Oracle::validation_first`). The
    /// engine never compiles or instantiates: Wasmtime's thread pool and
    /// its pooling allocator's reservation, which the flags may ask for,
    /// stay out of whittle.
    pub fn in_process_validation(&self) -> Result<whittle_oracle::InProcessValidation> {
        let mut config = self.config()?;
        config
            .parallel_compilation(false)
            .allocation_strategy(wasmtime::InstanceAllocationStrategy::OnDemand);
        let engine = wasmtime::Engine::new(&config).map_err(|e| anyhow::anyhow!("{e:#}"))?;
        Ok(whittle_oracle::InProcessValidation::new(move |bytes| {
            // A validator that panics on a candidate is a bug to keep, not
            // one to die of: the candidate goes to the child, which reports
            // the panic as its outcome.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                wasmtime::Module::validate(&engine, bytes).is_ok()
            }))
            .unwrap_or(false)
        }))
    }

    /// Check the flags by building an engine, so that a typo fails now with
    /// Wasmtime's own message instead of making every candidate "fail".
    pub fn validate(&self) -> Result<()> {
        let config = self
            .config()
            .map_err(|e| anyhow::anyhow!("invalid wasmtime flags: {}", with_way_out(e)))?;
        wasmtime::Engine::new(&config)
            .map_err(|e| anyhow::anyhow!("invalid wasmtime flags: {}", with_way_out(e)))?;
        Ok(())
    }
}

/// Wasmtime's "support for X was disabled at compile time", with the two
/// ways to get X: the cargo feature of the same name (Cargo.toml lists the
/// ones whittle offers), or a `wasmtime` CLI build that has it.
fn with_way_out(e: impl std::fmt::Display) -> String {
    let message = format!("{e:#}");
    let feature = message
        .split("support for ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .filter(|_| message.contains("disabled at compile"));
    match feature {
        Some(feature) => format!(
            "{message}: this whittle is built without Wasmtime's `{feature}`; build it with \
             `cargo install --path . --locked --features {feature}`, or use \
             --wasmtime PATH with a wasmtime CLI built with it"
        ),
        None => message,
    }
}
