//! The recording copy of a module: the same module, plus a memory of one
//! byte per probe, and at every probe point a store of 1 to that probe's
//! byte.
//!
//! Why a memory: a store of a constant to a constant address of a memory
//! that never grows is the cheapest mark Wasm has (no bounds check with
//! Wasmtime's default reservations, no call into the host), it keeps every
//! index of the original (the memory comes last, so no memory index moves;
//! no function, global or type is added), and the host reads all marks at
//! once after the run, even after a trap or an interruption. Globals would
//! need one per probe; a call to an imported marker function would shift
//! every function index and cost a host call per arm.
//!
//! The copy also exports its start function instead of starting it, so the
//! recording child can read the marks when the start function traps (a trap
//! during instantiation leaves no instance to read them from). Custom
//! sections are left out: the recording needs no names, and offsets in
//! sections such as branch hints would no longer match the code.

use crate::probes::Probes;
use anyhow::{bail, Context, Result};
use wasm_encoder::{Encode, ExportKind, Instruction, MemArg, MemoryType, RawSection};
use wasmparser::BinaryReader;
use whittle_module::Module;

/// The export of the recording copy's mark memory.
pub const COVERAGE_EXPORT: &str = "whittle:coverage";
/// The export of the original's start function in the recording copy (which
/// has no start section).
pub const START_EXPORT: &str = "whittle:start";

/// The recording copy of a module and where its probes are.
pub struct Instrumented {
    pub bytes: Vec<u8>,
    pub probes: Probes,
}

const MEMORY_SECTION: u8 = 5;
const EXPORT_SECTION: u8 = 7;
const START_SECTION: u8 = 8;
const CODE_SECTION: u8 = 10;

/// Where a section goes among the others (custom sections aside).
fn rank(id: u8) -> u8 {
    // type, import, function, table, memory, tag, global, export, start,
    // element, data count, code, data.
    const ORDER: [u8; 13] = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];
    ORDER.iter().position(|&o| o == id).unwrap_or(ORDER.len()) as u8
}

/// The recording copy of `m`. Fails on a module whose bodies cannot be read
/// or that already uses one of the reserved export names.
pub fn instrument(m: &Module) -> Result<Instrumented> {
    for reserved in [COVERAGE_EXPORT, START_EXPORT] {
        if m.exports.iter().any(|e| e.name == reserved) {
            bail!("the module already exports `{reserved}`");
        }
    }
    let probes = Probes::of(m)?;
    let memory_index = m.num_memories;
    let pages = u64::from(probes.count).div_ceil(1 << 16).max(1);
    let mut memory = Vec::new();
    MemoryType {
        minimum: pages,
        maximum: Some(pages),
        memory64: false,
        shared: false,
        page_size_log2: None,
    }
    .encode(&mut memory);
    let mut exports = vec![export(COVERAGE_EXPORT, ExportKind::Memory, memory_index)];
    if let Some(start) = m.start {
        exports.push(export(START_EXPORT, ExportKind::Func, start));
    }
    let code = code_section(m, &probes, memory_index)?;

    let mut out = wasm_encoder::Module::new();
    // What the copy adds to two sections: appended to the section when the
    // module has it, else emitted as a section of its own in its place.
    let mut additions = [
        (MEMORY_SECTION, Some(vec![memory])),
        (EXPORT_SECTION, Some(exports)),
    ];
    for section in m.sections.iter().filter(|s| s.id != 0) {
        add_missing_sections(&mut out, &mut additions, rank(section.id))?;
        let payload = &m.bytes[section.range.clone()];
        let data = match section.id {
            START_SECTION => continue,
            CODE_SECTION => code.clone(),
            id => match additions.iter_mut().find(|(a, _)| *a == id) {
                Some((_, entries)) => {
                    extended(payload, &entries.take().context("a repeated section")?)?
                }
                None => payload.to_vec(),
            },
        };
        out.section(&RawSection {
            id: section.id,
            data: &data,
        });
    }
    add_missing_sections(&mut out, &mut additions, u8::MAX)?;
    Ok(Instrumented {
        bytes: out.finish(),
        probes,
    })
}

/// Emit, as sections of their own, the additions that must come before a
/// section of rank `before` and have not found their section.
fn add_missing_sections(
    out: &mut wasm_encoder::Module,
    additions: &mut [(u8, Option<Vec<Vec<u8>>>)],
    before: u8,
) -> Result<()> {
    for (id, entries) in additions {
        if rank(*id) < before {
            if let Some(entries) = entries.take() {
                let data = extended(&[0], &entries)?;
                out.section(&RawSection {
                    id: *id,
                    data: &data,
                });
            }
        }
    }
    Ok(())
}

/// One export entry, encoded.
fn export(name: &str, kind: ExportKind, index: u32) -> Vec<u8> {
    let mut entry = Vec::new();
    name.encode(&mut entry);
    kind.encode(&mut entry);
    index.encode(&mut entry);
    entry
}

/// A vector section's payload with `entries` (encoded) appended.
fn extended(payload: &[u8], entries: &[Vec<u8>]) -> Result<Vec<u8>> {
    let mut reader = BinaryReader::new(payload, 0);
    let count = reader.read_var_u32()?;
    let rest = &payload[reader.original_position()..];
    let mut data = Vec::with_capacity(payload.len() + entries.iter().map(Vec::len).sum::<usize>());
    (count + entries.len() as u32).encode(&mut data);
    data.extend_from_slice(rest);
    entries.iter().for_each(|e| data.extend_from_slice(e));
    Ok(data)
}

/// `i32.const probe; i32.const 1; i32.store8 memory`: mark `probe` as run.
fn mark(probe: u32, memory: u32, sink: &mut Vec<u8>) {
    Instruction::I32Const(probe as i32).encode(sink);
    Instruction::I32Const(1).encode(sink);
    Instruction::I32Store8(MemArg {
        offset: 0,
        align: 0,
        memory_index: memory,
    })
    .encode(sink);
}

/// The code section with a mark at every probe point.
fn code_section(m: &Module, probes: &Probes, memory: u32) -> Result<Vec<u8>> {
    let mut section = wasm_encoder::CodeSection::new();
    let mut body = Vec::new();
    for f in &probes.funcs {
        let original = m.body(f.func).context("no body")?;
        body.clear();
        body.extend_from_slice(&original[..f.code_start]);
        mark(f.entry, memory, &mut body);
        let mut copied = f.code_start;
        for arm in &f.arms {
            body.extend_from_slice(&original[copied..arm.content.start]);
            mark(arm.probe, memory, &mut body);
            copied = arm.content.start;
        }
        body.extend_from_slice(&original[copied..]);
        section.raw(&body);
    }
    let mut data = Vec::new();
    section.encode(&mut data);
    // `encode` writes the section's payload with its size in front: the
    // raw section wants the payload alone.
    let mut reader = BinaryReader::new(&data, 0);
    reader.read_var_u32()?;
    Ok(data[reader.original_position()..].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instrumented(wat: &str) -> String {
        let m = Module::parse(wat::parse_str(wat).unwrap()).unwrap();
        let out = instrument(&m).unwrap();
        let mut features = wasmparser::WasmFeatures::default();
        features |= wasmparser::WasmFeatures::MULTI_MEMORY;
        wasmparser::Validator::new_with_features(features)
            .validate_all(&out.bytes)
            .unwrap();
        wasmprinter::print_bytes(&out.bytes).unwrap()
    }

    #[test]
    fn marks_entries_and_arms_in_a_memory_added_last() {
        let out = instrumented(
            r#"(module
                 (import "env" "m" (memory 1))
                 (memory 2)
                 (func $f (export "f") (param i32) (result i32) (local i64)
                   local.get 0
                   if (result i32)
                     i32.const 1
                   else
                     block
                       loop
                       end
                     end
                     i32.const 2
                   end)
                 (func $s)
                 (start $s)
                 (@custom "keep-out" "x"))"#,
        );
        assert_eq!(
            out,
            r#"(module
  (type (;0;) (func (param i32) (result i32)))
  (type (;1;) (func))
  (import "env" "m" (memory (;0;) 1))
  (memory (;1;) 2)
  (memory (;2;) 1 1)
  (export "f" (func 0))
  (export "whittle:coverage" (memory 2))
  (export "whittle:start" (func 1))
  (func (;0;) (type 0) (param i32) (result i32)
    (local i64)
    i32.const 0
    i32.const 1
    i32.store8 2
    local.get 0
    if (result i32) ;; label = @1
      i32.const 1
      i32.const 1
      i32.store8 2
      i32.const 1
    else
      i32.const 2
      i32.const 1
      i32.store8 2
      block ;; label = @2
        i32.const 3
        i32.const 1
        i32.store8 2
        loop ;; label = @3
          i32.const 4
          i32.const 1
          i32.store8 2
        end
      end
      i32.const 2
    end
  )
  (func (;1;) (type 1)
    i32.const 5
    i32.const 1
    i32.store8 2
  )
)
"#
        );
    }

    #[test]
    fn adds_the_sections_a_module_lacks_in_their_place() {
        // No memory and no export section; a data count section and a data
        // segment around the code.
        let out = instrumented(
            r#"(module
                 (type (func (param i32 i32 i32)))
                 (table 1 funcref)
                 (global i32 (i32.const 0))
                 (elem declare func 0)
                 (func (type 0)
                   try_table
                   end)
                 (data "x"))"#,
        );
        assert_eq!(
            out,
            r#"(module
  (type (;0;) (func (param i32 i32 i32)))
  (table (;0;) 1 funcref)
  (memory (;0;) 1 1)
  (global (;0;) i32 i32.const 0)
  (export "whittle:coverage" (memory 0))
  (elem (;0;) declare func 0)
  (func (;0;) (type 0) (param i32 i32 i32)
    i32.const 0
    i32.const 1
    i32.store8
    try_table ;; label = @1
      i32.const 1
      i32.const 1
      i32.store8
    end
  )
  (data (;0;) "x")
)
"#
        );
    }

    #[test]
    fn sizes_the_memory_to_the_probes_and_refuses_reserved_names() {
        let many = format!("(module (func {}))", "block end ".repeat(70_000));
        let m = Module::parse(wat::parse_str(&many).unwrap()).unwrap();
        let out = instrument(&m).unwrap();
        assert_eq!(out.probes.count, 70_001);
        assert!(wasmprinter::print_bytes(&out.bytes)
            .unwrap()
            .contains("(memory (;0;) 2 2)"));
        let taken =
            Module::parse(wat::parse_str(r#"(module (func (export "whittle:start")))"#).unwrap())
                .unwrap();
        assert_eq!(
            instrument(&taken).err().unwrap().to_string(),
            "the module already exports `whittle:start`"
        );
    }
}
