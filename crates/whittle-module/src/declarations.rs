//! Keep `ref.func` declared.
//!
//! A function may only be the operand of `ref.func` in code if the module
//! mentions it outside code: in an element segment (a declarative one, `(elem
//! declare func $f)`, exists just for that), a global's or table's
//! initializer, or an export. Removing an element segment, emptying one, or
//! removing a global or an export can take away the only mention, and the
//! code's `ref.func` stops validating. After such an edit the output is
//! checked, and the functions that lost their mention are declared again in
//! one declarative segment at the end of the element section.

use anyhow::Result;
use std::collections::BTreeSet;
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{ElementMode, ElementSegment, Elements, RawSection};
use wasmparser::{ConstExpr, ElementItems, ExternalKind, Operator, Parser, Payload, TableInit};

/// Section ids the element section precedes.
const AFTER_ELEMENTS: [u8; 3] = [10, 11, 12];

/// `bytes`, with a declarative element segment for every function its code
/// takes a `ref.func` of and nothing else mentions.
pub fn declare_referenced_functions(bytes: Vec<u8>) -> Result<Vec<u8>> {
    let mut mentioned = BTreeSet::new();
    let mut referenced = BTreeSet::new();
    for payload in Parser::new(0).parse_all(&bytes) {
        match payload? {
            Payload::ElementSection(s) => {
                for e in s {
                    let e = e?;
                    if let wasmparser::ElementKind::Active { offset_expr, .. } = &e.kind {
                        ref_funcs(offset_expr, &mut mentioned)?;
                    }
                    match e.items {
                        ElementItems::Functions(funcs) => {
                            for f in funcs {
                                mentioned.insert(f?);
                            }
                        }
                        ElementItems::Expressions(_, exprs) => {
                            for expr in exprs {
                                ref_funcs(&expr?, &mut mentioned)?;
                            }
                        }
                    }
                }
            }
            Payload::GlobalSection(s) => {
                for g in s {
                    ref_funcs(&g?.init_expr, &mut mentioned)?;
                }
            }
            Payload::TableSection(s) => {
                for t in s {
                    if let TableInit::Expr(expr) = t?.init {
                        ref_funcs(&expr, &mut mentioned)?;
                    }
                }
            }
            Payload::ExportSection(s) => {
                for e in s {
                    let e = e?;
                    if e.kind == ExternalKind::Func {
                        mentioned.insert(e.index);
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let mut ops = body.get_operators_reader()?;
                while !ops.eof() {
                    if let Operator::RefFunc { function_index } = ops.read()? {
                        referenced.insert(function_index);
                    }
                }
            }
            _ => {}
        }
    }
    let missing: Vec<u32> = referenced.difference(&mentioned).copied().collect();
    if missing.is_empty() {
        return Ok(bytes);
    }
    let declaration = ElementSegment {
        mode: ElementMode::Declared,
        elements: Elements::Functions(missing.into()),
    };
    let mut out = wasm_encoder::Module::new();
    let mut declared = false;
    for payload in Parser::new(0).parse_all(&bytes) {
        let payload = payload?;
        if let Payload::ElementSection(s) = payload {
            let mut section = wasm_encoder::ElementSection::new();
            RoundtripReencoder.parse_element_section(&mut section, s)?;
            section.segment(declaration.clone());
            out.section(&section);
            declared = true;
            continue;
        }
        let Some((id, range)) = payload.as_section() else {
            continue;
        };
        if !declared && AFTER_ELEMENTS.contains(&id) {
            let mut section = wasm_encoder::ElementSection::new();
            section.segment(declaration.clone());
            out.section(&section);
            declared = true;
        }
        out.section(&RawSection {
            id,
            data: &bytes[range],
        });
    }
    Ok(out.finish())
}

fn ref_funcs(expr: &ConstExpr<'_>, into: &mut BTreeSet<u32>) -> Result<()> {
    let mut ops = expr.get_operators_reader();
    while !ops.eof() {
        if let Operator::RefFunc { function_index } = ops.read()? {
            into.insert(function_index);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared(wat: &str) -> String {
        let out = declare_referenced_functions(wat::parse_str(wat).unwrap()).unwrap();
        wasmparser::Validator::new().validate_all(&out).unwrap();
        wasmprinter::print_bytes(&out).unwrap()
    }

    #[test]
    fn declares_what_code_references_and_nothing_mentions() {
        let out = declared(
            r#"(module
              (global funcref (ref.func 1))
              (func (result funcref) ref.func 1 drop ref.func 2)
              (func) (func)
              (data "x"))"#,
        );
        assert!(out.contains("(elem (;0;) declare func 2)\n"), "{out}");
        // Added to an existing element section, after its segments.
        let out = declared(
            r#"(module (table 1 funcref) (elem (i32.const 0) func 0)
              (func (result funcref) ref.func 1) (func))"#,
        );
        assert!(
            out.contains("(elem (;0;) (i32.const 0) func 0)\n  (elem (;1;) declare func 1)"),
            "{out}"
        );
    }

    #[test]
    fn leaves_a_module_alone_when_all_is_declared() {
        let wasm =
            wat::parse_str(r#"(module (elem declare func 0) (func (result funcref) ref.func 0))"#)
                .unwrap();
        assert_eq!(declare_referenced_functions(wasm.clone()).unwrap(), wasm);
    }
}
