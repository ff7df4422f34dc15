//! The text the `.wast` test is written in: the module (as text when it
//! reads back to the same bytes, else `(module binary ...)`), a directive
//! around a module with the message it must contain, string literals, and
//! values as constants.

use anyhow::{bail, Result};

/// The module as text when it reads back to the same bytes, else as
/// `(module binary ...)`.
pub fn module_text(bytes: &[u8]) -> String {
    let text = whittle_module::to_wat(bytes);
    if wat::parse_str(&text).is_ok_and(|b| b == bytes) {
        return text.trim_end().to_string();
    }
    let mut s = String::from("(module binary");
    for chunk in bytes.chunks(32) {
        s.push_str("\n  \"");
        for b in chunk {
            s.push_str(&format!("\\{b:02x}"));
        }
        s.push('"');
    }
    s.push(')');
    s
}

/// `(module ...)` as `(module definition ...)`: compiled, not instantiated.
pub fn definition(module: &str) -> String {
    format!("{}\n", module.replacen("(module", "(module definition", 1))
}

/// `(directive MODULE "message")`, the module indented inside.
pub fn around(directive: &str, module: &str, message: &str) -> String {
    format!(
        "({directive}\n{}  {})\n",
        indent(module),
        quote(&innermost(message))
    )
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

pub fn prefixed(items: &[String]) -> String {
    items.iter().map(|i| format!(" {i}")).collect()
}

/// A wast string literal.
pub fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_ascii_graphic() || c == ' ' => out.push(c),
            c => {
                let mut buf = [0; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\{b:02x}"));
                }
            }
        }
    }
    out.push('"');
    out
}

/// The innermost cause of an error chain, without a parser's `(at offset
/// 0x..)`: what the directive's message must contain.
pub fn innermost(message: &str) -> String {
    let cause = crate::reproduce::innermost(message);
    match cause.rfind(" (at offset 0x") {
        Some(at) if cause.ends_with(')') => cause[..at].to_string(),
        _ => cause,
    }
}

fn float_text(bits: u64, exponent_bits: u32, mantissa_bits: u32, value: f64) -> String {
    let sign = if bits >> (exponent_bits + mantissa_bits) & 1 == 1 {
        "-"
    } else {
        ""
    };
    if value.is_nan() {
        format!("{sign}nan:0x{:x}", bits & ((1u64 << mantissa_bits) - 1))
    } else if value.is_infinite() {
        format!("{sign}inf")
    } else {
        // Rust prints the shortest decimal that reads back to the same float.
        format!("{value:?}")
    }
}

/// An argument as a wast constant.
pub fn const_of(v: &wasmtime::Val) -> Result<String> {
    Ok(match v {
        wasmtime::Val::I32(x) => format!("(i32.const {x})"),
        wasmtime::Val::I64(x) => format!("(i64.const {x})"),
        wasmtime::Val::F32(bits) => {
            let f = f32::from_bits(*bits);
            let text = if f.is_nan() || f.is_infinite() {
                float_text(u64::from(*bits), 8, 23, f64::from(f))
            } else {
                format!("{f:?}")
            };
            format!("(f32.const {text})")
        }
        wasmtime::Val::F64(bits) => {
            format!(
                "(f64.const {})",
                float_text(*bits, 11, 52, f64::from_bits(*bits))
            )
        }
        other => bail!("--emit-wast: no constant form for {other:?}"),
    })
}

/// A returned value (`i32:5`, `f32:0x7fc00000`, ...) as a wast result.
pub fn result_value(v: &str) -> Result<String> {
    let (ty, text) = v
        .split_once(':')
        .ok_or_else(|| anyhow::anyhow!("--emit-wast: unreadable result `{v}`"))?;
    let hex = |t: &str| u128::from_str_radix(t.trim_start_matches("0x"), 16);
    Ok(match ty {
        "i32" | "i64" => format!("({ty}.const {text})"),
        "f32" => const_of(&wasmtime::Val::F32(hex(text)? as u32))?,
        "f64" => const_of(&wasmtime::Val::F64(hex(text)? as u64))?,
        "v128" => {
            let bits = hex(text)?;
            format!(
                "(v128.const i64x2 0x{:x} 0x{:x})",
                bits as u64,
                (bits >> 64) as u64
            )
        }
        "funcref" | "externref" if text == "null" => {
            format!("(ref.null {})", ty.trim_end_matches("ref"))
        }
        _ => bail!("--emit-wast: no result form for `{v}`"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_print_as_wast_constants() {
        for (value, constant) in [
            ("i32:-5", "(i32.const -5)"),
            ("f32:0x7fc00000", "(f32.const nan:0x400000)"),
            ("f32:0xffc00001", "(f32.const -nan:0x400001)"),
            ("f32:0x3fc00000", "(f32.const 1.5)"),
            ("f64:0x8000000000000000", "(f64.const -0.0)"),
            ("f64:0x7ff0000000000000", "(f64.const inf)"),
            (
                "v128:0x00000000000000200000000000000001",
                "(v128.const i64x2 0x1 0x20)",
            ),
            ("funcref:null", "(ref.null func)"),
        ] {
            assert_eq!(result_value(value).unwrap(), constant, "{value}");
        }
        assert!(result_value("funcref:func").is_err());
        assert_eq!(quote("a \"b\"\\ é"), "\"a \\\"b\\\"\\\\ \\c3\\a9\"");
    }

    #[test]
    fn modules_the_text_format_cannot_round_trip_go_in_binary() {
        let bytes = wat::parse_str("(module (func))").unwrap();
        assert!(module_text(&bytes).starts_with("(module\n"));
        assert_eq!(module_text(b"\0asm\x01\0\0\0"), "(module)");
        // A type count written in two LEB bytes prints as text that
        // assembles to one byte: this module goes in binary.
        let long_count = b"\0asm\x01\0\0\0\x01\x05\x81\x00\x60\x00\x00";
        assert_eq!(
            module_text(long_count),
            "(module binary\n  \"\\00\\61\\73\\6d\\01\\00\\00\\00\\01\\05\\81\\00\\60\\00\\00\")"
        );
    }
}
