//! The type section, parsed and encoded by hand.
//!
//! Why not `wasmparser`'s reader: it enforces implementation limits while
//! *parsing* (e.g. at most 1000 results per function type), and a module that
//! breaks such a limit is exactly what a user may need to reduce ("Wasmtime
//! rejects my function type"). So the type section is read into this small,
//! limit-free model, and every other section is read with `wasmparser`.
//! Type indices stored here are absolute module indices, as in the binary.
//!
//! The model is in `model.rs`, the reader in `reader.rs`, the writer in
//! `writer.rs`, and the conversions to and from `wasmparser`'s and
//! `wasm-encoder`'s types in `convert.rs`.

mod convert;
mod model;
mod reader;
mod writer;

pub use convert::{abstract_heap, default_instruction, from_wasmparser};
pub use model::{Composite, Field, Heap, RecGroup, SubType, ValType};
pub use reader::parse_type_section;
pub use writer::{encode_type_section, encode_val_type};

#[cfg(test)]
mod tests {
    use super::*;

    fn type_section_payload(wat: &str) -> (Vec<u8>, usize) {
        let wasm = wat::parse_str(wat).unwrap();
        for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
            if let wasmparser::Payload::TypeSection(s) = payload.unwrap() {
                let r = s.range();
                return (wasm[r.clone()].to_vec(), r.start);
            }
        }
        panic!("no type section");
    }

    fn roundtrip(wat: &str) {
        let (payload, offset) = type_section_payload(wat);
        let groups = parse_type_section(&payload, offset).unwrap();
        let again = encode_type_section(&groups, &mut |i| Ok(i)).unwrap();
        assert_eq!(payload, again, "{groups:?}");
    }

    #[test]
    fn roundtrips_function_types() {
        roundtrip("(module (type (func (param i32 i64 f32 f64 v128) (result funcref externref))))");
    }

    #[test]
    fn roundtrips_gc_types() {
        roundtrip(
            "(module (rec (type $a (sub (struct (field i8) (field (mut i16)) (field (ref null $b)))))
                          (type $b (sub final $a (struct (field i8) (field (mut i16)) (field (ref $b))))))
                     (type (array (mut anyref)))
                     (type (func (param (ref 70)) (result (ref null i31)))))",
        );
    }

    #[test]
    fn parses_more_results_than_wasmparser_allows() {
        let results = " i32".repeat(1003);
        let (payload, offset) =
            type_section_payload(&format!("(module (type (func (result{results}))))"));
        let groups = parse_type_section(&payload, offset).unwrap();
        assert_eq!(groups[0].types[0].as_func().unwrap().1.len(), 1003);
    }

    #[test]
    fn remaps_concrete_indices() {
        let (payload, offset) =
            type_section_payload("(module (type (func)) (type (func (param (ref 0)))))");
        let groups = parse_type_section(&payload, offset).unwrap();
        let out = encode_type_section(&groups[1..], &mut |i| Ok(i + 5)).unwrap();
        assert_eq!(out, [1, 0x60, 1, 0x64, 5, 0]);
    }
}
