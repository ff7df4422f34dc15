//! The functions that a constant expression needs: a `ref.func` in a
//! global's initializer, a table's, or an element segment's expressions,
//! where null would not do.
//!
//! The rewriter turns a `ref.func` of a removed function into `ref.null`.
//! In code it then asserts it non-null where typed references are on
//! (`body.rs`), which fits wherever the `ref.func` did; a constant
//! expression cannot hold `ref.as_non_null`. In a constant, then, the null
//! is valid where the constant's type is nullable and the `ref.func` is all
//! it is (`(global funcref ref.func $f)`), not in a non-nullable global,
//! nor inside a `struct.new` whose field may be non-nullable (a Wasm GC
//! vtable). So an edit that takes out functions wholesale (keeping only
//! the function a failure names, the execution hint's cut of what never
//! ran, `remove-functions`' targets) leaves these in: otherwise its
//! candidate is invalid and never reaches the oracle. Once whatever holds
//! the constant is gone, the next listing offers them.

use crate::module::Module;
use anyhow::Result;
use std::collections::BTreeSet;
use wasmparser::{
    BinaryReader, ConstExpr, ElementItems, Operator, RefType, SectionLimited, TableInit, ValType,
};

/// Absolute indices of the functions that some constant expression of `m`
/// needs (see the module doc). Only the table, global and element sections
/// are read: a module's code is never walked here.
pub fn functions_in_constants(m: &Module) -> Result<BTreeSet<u32>> {
    let mut named = BTreeSet::new();
    for section in &m.sections {
        let reader = || BinaryReader::new(&m.bytes[section.range.clone()], section.range.start);
        match section.id {
            4 => {
                for table in SectionLimited::<wasmparser::Table>::new(reader())? {
                    let table = table?;
                    if let TableInit::Expr(init) = table.init {
                        note(&mut named, &init, table.ty.element_type)?;
                    }
                }
            }
            6 => {
                for global in SectionLimited::<wasmparser::Global>::new(reader())? {
                    let global = global?;
                    if let ValType::Ref(ty) = global.ty.content_type {
                        note(&mut named, &global.init_expr, ty)?;
                    }
                }
            }
            9 => {
                for element in SectionLimited::<wasmparser::Element>::new(reader())? {
                    // A plain list of functions is repaired (a slot becomes
                    // null, a declaration goes): only expressions can need.
                    if let ElementItems::Expressions(ty, items) = element?.items {
                        for item in items {
                            note(&mut named, &item?, ty)?;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(named)
}

/// Add the functions `expr`, a constant of type `ty`, needs: none when it
/// is a lone `ref.func` of a nullable type (`ref.null` replaces it), else
/// every one it names.
fn note(named: &mut BTreeSet<u32>, expr: &ConstExpr<'_>, ty: RefType) -> Result<()> {
    let mut funcs = Vec::new();
    let mut others = 0;
    for op in expr.get_operators_reader() {
        match op? {
            Operator::RefFunc { function_index } => funcs.push(function_index),
            Operator::End => {}
            _ => others += 1,
        }
    }
    if !(ty.is_nullable() && others == 0 && funcs.len() == 1) {
        named.extend(funcs);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_what_a_constant_needs_where_null_would_not_do() {
        let m = Module::parse(
            wat::parse_str(
                r#"(module
                  (type $f (func))
                  (type $vt (struct (field (ref null $f))))
                  (import "env" "i" (func $imported))
                  (func $by_global)
                  (func $by_struct)
                  (func $by_table)
                  (func $by_expression)
                  (func $nullable_global)
                  (func $nullable_expression)
                  (func $by_list)
                  (func $by_code ref.func $by_code drop)
                  (global (ref $f) ref.func $by_global)
                  (global (ref $vt) ref.func $by_struct struct.new $vt)
                  (global (ref func) ref.func $imported)
                  (global funcref ref.func $nullable_global)
                  (table 1 (ref $f) ref.func $by_table)
                  (table 2 (ref null $f))
                  (table 2 funcref)
                  (elem (table 1) (i32.const 0) (ref $f) (ref.func $by_expression))
                  (elem (table 2) (i32.const 0) funcref (ref.func $nullable_expression))
                  (elem (table 2) (i32.const 1) func $by_list)
                  (elem declare func $by_code))"#,
            )
            .unwrap(),
        )
        .unwrap();
        // $imported 0, $by_global 1, $by_struct 2, $by_table 3,
        // $by_expression 4.
        assert_eq!(functions_in_constants(&m).unwrap(), [0, 1, 2, 3, 4].into());
        let none = Module::parse(wat::parse_str("(module (func))").unwrap()).unwrap();
        assert!(functions_in_constants(&none).unwrap().is_empty());
    }
}
