//! Printing a module as WAT, even one `wasmprinter` cannot read.
//!
//! `wasmprinter` parses with `wasmparser`, which rejects function types over
//! its limits (more than 1000 results). A reduced test case for exactly that
//! failure is a module holding such a type, and the user still wants to read
//! it: when `wasmprinter` fails on a module whose only non-custom section is
//! the type section, the types are printed from our own model. Likewise
//! `wasmprinter` refuses a function of more than 50,000 locals (what a
//! reduced "too many locals" failure holds): such a module is printed with
//! those locals left out and their declarations put back in the text.

use crate::edit::Edit;
use crate::module::Module;
use crate::types::{self, Composite, Heap, SubType, ValType};
use std::collections::BTreeMap;

/// The module as WAT text (ending in a newline).
pub fn to_wat(bytes: &[u8]) -> String {
    match wasmprinter::print_bytes(bytes) {
        Ok(text) => text,
        Err(e) => types_only(bytes)
            .or_else(|| with_many_locals(bytes))
            .unwrap_or_else(|| format!(";; wasmprinter cannot print this module: {e}\n")),
    }
}

/// The most locals `wasmprinter` prints in one function.
const PRINTABLE_LOCALS: u64 = 50_000;
/// The most locals printed here: beyond that the text is no use to anyone.
const MOST_LOCALS: u64 = 10_000_000;

fn with_many_locals(bytes: &[u8]) -> Option<String> {
    let m = Module::parse(bytes.to_vec()).ok()?;
    let mut edit = Edit::default();
    let mut declarations: BTreeMap<u32, String> = BTreeMap::new();
    for f in m.num_imported_funcs..m.num_funcs() {
        let body = m.function_body(f)?;
        let mut locals = Vec::new();
        let mut total = 0u64;
        for pair in body.get_locals_reader().ok()? {
            let (count, ty) = pair.ok()?;
            total += u64::from(count);
            locals.push((count, types::from_wasmparser(ty)));
        }
        if total <= PRINTABLE_LOCALS {
            continue;
        }
        if total > MOST_LOCALS {
            return None;
        }
        let mut declaration = String::from("    (local");
        for (count, ty) in locals {
            let ty = format!(" {}", val(ty));
            declaration.push_str(&ty.repeat(count as usize));
        }
        declarations.insert(f, declaration + ")");
        let code_start = body.get_operators_reader().ok()?.original_position() - body.range().start;
        let mut stripped = vec![0];
        stripped.extend_from_slice(&m.body(f)?[code_start..]);
        edit.bodies.insert(f, stripped);
    }
    if declarations.is_empty() {
        return None;
    }
    let text = wasmprinter::print_bytes(crate::rewrite::apply(&m, &edit).ok()?).ok()?;
    let mut out =
        String::with_capacity(text.len() + declarations.values().map(String::len).sum::<usize>());
    for line in text.lines() {
        out.push_str(line);
        out.push('\n');
        if let Some(declaration) = func_index(line).and_then(|f| declarations.get(&f)) {
            out.push_str(declaration);
            out.push('\n');
        }
    }
    Some(out)
}

/// The function index a `wasmprinter` function header line gives, as in
/// `  (func $name (;7;) (type 2) (param i32)`.
fn func_index(line: &str) -> Option<u32> {
    let rest = line.trim_start().strip_prefix("(func ")?;
    let (_, after) = rest.split_once("(;")?;
    after.split_once(";)")?.0.parse().ok()
}

fn types_only(bytes: &[u8]) -> Option<String> {
    let m = Module::parse(bytes.to_vec()).ok()?;
    if m.sections.iter().any(|s| s.id != 0 && s.id != 1) {
        return None;
    }
    let mut out = String::from("(module\n");
    for group in m.rec_groups.iter() {
        if group.explicit {
            out.push_str("  (rec\n");
        }
        for ty in &group.types {
            let indent = if group.explicit { "    " } else { "  " };
            out.push_str(&format!("{indent}(type {})\n", sub_type(ty)));
        }
        if group.explicit {
            out.push_str("  )\n");
        }
    }
    out.push_str(")\n");
    Some(out)
}

fn sub_type(ty: &SubType) -> String {
    let inner = match &ty.composite {
        Composite::Func { params, results } => {
            let mut s = String::from("(func");
            if !params.is_empty() {
                s.push_str(&format!(" (param {})", list(params)));
            }
            if !results.is_empty() {
                s.push_str(&format!(" (result {})", list(results)));
            }
            s + ")"
        }
        Composite::Struct(fields) => {
            let fields: Vec<String> = fields.iter().map(|f| field(f.storage, f.mutable)).collect();
            format!("(struct {})", fields.join(" "))
        }
        Composite::Array(f) => format!("(array {})", field(f.storage, f.mutable)),
        Composite::Cont(t) => format!("(cont {t})"),
    };
    if ty.explicit_sub || ty.supertype.is_some() || !ty.is_final {
        let fin = if ty.is_final { " final" } else { "" };
        let sup = ty.supertype.map(|s| format!(" {s}")).unwrap_or_default();
        format!("(sub{fin}{sup} {inner})")
    } else {
        inner
    }
}

fn field(storage: ValType, mutable: bool) -> String {
    if mutable {
        format!("(field (mut {}))", val(storage))
    } else {
        format!("(field {})", val(storage))
    }
}

fn list(tys: &[ValType]) -> String {
    tys.iter().map(|t| val(*t)).collect::<Vec<_>>().join(" ")
}

fn val(ty: ValType) -> String {
    match ty {
        ValType::I32 => "i32".into(),
        ValType::I64 => "i64".into(),
        ValType::F32 => "f32".into(),
        ValType::F64 => "f64".into(),
        ValType::V128 => "v128".into(),
        ValType::I8 => "i8".into(),
        ValType::I16 => "i16".into(),
        ValType::Ref { nullable, heap } => {
            let heap = match heap {
                Heap::Concrete(t) => t.to_string(),
                Heap::Exact(t) => format!("(exact {t})"),
                Heap::Abstract { shared, code } => {
                    let name = match code {
                        0x70 => "func",
                        0x6f => "extern",
                        0x6e => "any",
                        0x71 => "none",
                        0x72 => "noextern",
                        0x73 => "nofunc",
                        0x6d => "eq",
                        0x6b => "struct",
                        0x6a => "array",
                        0x6c => "i31",
                        0x69 => "exn",
                        0x74 => "noexn",
                        0x68 => "cont",
                        0x75 => "nocont",
                        _ => "unknown",
                    };
                    if shared {
                        format!("(shared {name})")
                    } else {
                        name.to_string()
                    }
                }
            };
            if nullable {
                format!("(ref null {heap})")
            } else {
                format!("(ref {heap})")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_types_over_the_parser_limit() {
        let wat = format!(
            "(module (type (func (param i64) (result{}))))",
            " i32".repeat(1001)
        );
        let text = to_wat(&wat::parse_str(&wat).unwrap());
        assert_eq!(
            text,
            format!(
                "(module\n  (type (func (param i64) (result{})))\n)\n",
                " i32".repeat(1001)
            )
        );
        // And the printed text means the same module.
        assert_eq!(
            wat::parse_str(&text).unwrap(),
            wat::parse_str(&wat).unwrap()
        );
    }

    #[test]
    fn prints_functions_over_the_printer_locals_limit() {
        let wat = format!(
            "(module (func $f (param i64) (local{}) (local f32) local.get 50002 drop))",
            " i32".repeat(50_001)
        );
        let wasm = wat::parse_str(&wat).unwrap();
        let text = to_wat(&wasm);
        assert_eq!(
            text,
            format!(
                "(module
  (type (;0;) (func (param i64)))
  (func $f (;0;) (type 0) (param i64)
    (local{} f32)
    local.get 50002
    drop
  )
)
",
                " i32".repeat(50_001)
            )
        );
        assert_eq!(wat::parse_str(&text).unwrap(), wasm);
    }

    #[test]
    fn uses_wasmprinter_when_it_can() {
        let wasm = wat::parse_str("(module (func))").unwrap();
        assert_eq!(to_wat(&wasm), wasmprinter::print_bytes(&wasm).unwrap());
    }
}
