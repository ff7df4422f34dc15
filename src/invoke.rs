//! `--invoke NAME [ARGS]...`: the export a run calls, with its arguments
//! read as `wasmtime run --invoke` reads them (`i32`/`i64` in decimal or
//! `0x` hex, `f32`/`f64` as decimal floats), so that a command line moves
//! between the two unchanged. Without ARGS every parameter gets zero.
//!
//! The arguments are checked against the original's export before any run:
//! a wrong count would otherwise make every check fail "the same way".

use anyhow::{bail, Context, Result};
use wasmtime::Val;
use whittle_module::types::ValType;
use whittle_module::Module;

/// The parameter types an argument can be given for on a command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgType {
    I32,
    I64,
    F32,
    F64,
}

impl ArgType {
    pub fn of(ty: &ValType) -> Option<ArgType> {
        Some(match ty {
            ValType::I32 => ArgType::I32,
            ValType::I64 => ArgType::I64,
            ValType::F32 => ArgType::F32,
            ValType::F64 => ArgType::F64,
            _ => return None,
        })
    }

    fn name(ty: &ValType) -> &'static str {
        match ArgType::of(ty) {
            Some(ArgType::I32) => "i32",
            Some(ArgType::I64) => "i64",
            Some(ArgType::F32) => "f32",
            Some(ArgType::F64) => "f64",
            None if *ty == ValType::V128 => "v128",
            None => "reference",
        }
    }

    pub fn of_wasmtime(ty: &wasmtime::ValType) -> Option<ArgType> {
        Some(match ty {
            wasmtime::ValType::I32 => ArgType::I32,
            wasmtime::ValType::I64 => ArgType::I64,
            wasmtime::ValType::F32 => ArgType::F32,
            wasmtime::ValType::F64 => ArgType::F64,
            _ => return None,
        })
    }
}

/// One argument, parsed exactly as `wasmtime run --invoke` does.
pub fn parse_arg(ty: ArgType, text: &str) -> Result<Val> {
    let hex = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X"));
    Ok(match ty {
        ArgType::I32 => Val::I32(match hex {
            Some(digits) => i32::from_str_radix(digits, 16)?,
            None => text.parse()?,
        }),
        ArgType::I64 => Val::I64(match hex {
            Some(digits) => i64::from_str_radix(digits, 16)?,
            None => text.parse()?,
        }),
        ArgType::F32 => Val::F32(text.parse::<f32>()?.to_bits()),
        ArgType::F64 => Val::F64(text.parse::<f64>()?.to_bits()),
    })
}

/// The parameter types of the function `module` exports as `name`.
pub fn export_params(module: &Module, name: &str) -> Option<Vec<ValType>> {
    let export = module
        .exports
        .iter()
        .find(|e| e.name == name && e.kind == wasmparser::ExternalKind::Func)?;
    Some(module.func_sig(export.index)?.0.to_vec())
}

/// Check `--invoke NAME ARGS...` against the original module.
pub fn check(name: &str, args: &[String], original: &Module) -> Result<()> {
    let Some(params) = export_params(original, name) else {
        bail!("--invoke {name}: the module exports no function `{name}`");
    };
    if args.is_empty() {
        return Ok(()); // zeros, whatever the types
    }
    let shown: Vec<&str> = params.iter().map(ArgType::name).collect();
    if args.len() != params.len() {
        bail!(
            "--invoke {name}: `{name}` takes {} arguments ({}), {} given",
            params.len(),
            shown.join(" "),
            args.len()
        );
    }
    for (ty, arg) in params.iter().zip(args) {
        let shown = ArgType::name(ty);
        let Some(arg_type) = ArgType::of(ty) else {
            bail!("--invoke {name}: a {shown} parameter cannot be given on the command line (give no arguments: all zeros)");
        };
        parse_arg(arg_type, arg)
            .with_context(|| format!("--invoke {name}: `{arg}` is not an {shown}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_read_as_wasmtime_run_reads_them() {
        let i32_of = |t: &str| parse_arg(ArgType::I32, t).map(|v| v.unwrap_i32());
        assert_eq!(i32_of("-7").unwrap(), -7);
        assert_eq!(i32_of("0x10").unwrap(), 16);
        assert_eq!(i32_of("0X7fffffff").unwrap(), i32::MAX);
        // As in wasmtime: hex is read as a signed number, so this overflows.
        assert!(i32_of("0xffffffff").is_err());
        assert!(i32_of("1.5").is_err());
        let i64_of = |t: &str| parse_arg(ArgType::I64, t).map(|v| v.unwrap_i64());
        assert_eq!(i64_of("0xffffffff").unwrap(), 0xffff_ffff);
        let f64_of = |t: &str| parse_arg(ArgType::F64, t).map(|v| v.unwrap_f64());
        assert_eq!(f64_of("2.5").unwrap(), 2.5);
        assert!(f64_of("inf").unwrap().is_infinite());
        assert!(parse_arg(ArgType::F32, "NaN")
            .unwrap()
            .unwrap_f32()
            .is_nan());
        assert!(f64_of("x").is_err());
    }
}
