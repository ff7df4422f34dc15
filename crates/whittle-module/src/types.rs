//! The type section, parsed and encoded by hand.
//!
//! Why not `wasmparser`'s reader: it enforces implementation limits while
//! *parsing* (e.g. at most 1000 results per function type), and a module that
//! breaks such a limit is exactly what a user may need to reduce ("Wasmtime
//! rejects my function type"). So the type section is read into this small,
//! limit-free model, and every other section is read with `wasmparser`.
//! Type indices stored here are absolute module indices, as in the binary.

use anyhow::{bail, Context, Result};

/// Where a heap type points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Heap {
    /// `func`, `extern`, `any`, ... by their one-byte code, possibly `shared`.
    Abstract { shared: bool, code: u8 },
    /// A type index.
    Concrete(u32),
    /// `exact $t` (custom descriptors).
    Exact(u32),
}

/// A value type (or a packed storage type, for struct and array fields).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
    V128,
    Ref {
        nullable: bool,
        heap: Heap,
    },
    /// Packed field storage: only inside struct and array types.
    I8,
    I16,
}

/// A field of a struct or the element of an array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    pub storage: ValType,
    pub mutable: bool,
}

/// The shape of a defined type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Composite {
    Func {
        params: Vec<ValType>,
        results: Vec<ValType>,
    },
    Struct(Vec<Field>),
    Array(Field),
    Cont(u32),
}

/// One defined type with its subtyping and proposal prefixes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SubType {
    /// Written with an explicit `sub`/`sub final` prefix.
    pub explicit_sub: bool,
    pub is_final: bool,
    pub supertype: Option<u32>,
    pub shared: bool,
    pub describes: Option<u32>,
    pub descriptor: Option<u32>,
    pub composite: Composite,
}

impl SubType {
    /// A plain final function type, as `(type (func ...))` writes it.
    pub fn func(params: Vec<ValType>, results: Vec<ValType>) -> SubType {
        SubType {
            explicit_sub: false,
            is_final: true,
            supertype: None,
            shared: false,
            describes: None,
            descriptor: None,
            composite: Composite::Func { params, results },
        }
    }

    /// Parameters and results, if this is a function type.
    pub fn as_func(&self) -> Option<(&[ValType], &[ValType])> {
        match &self.composite {
            Composite::Func { params, results } => Some((params, results)),
            _ => None,
        }
    }
}

/// A recursion group: one or more types defined together.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RecGroup {
    /// Written with the `rec` prefix (a group of one may be explicit too).
    pub explicit: bool,
    pub types: Vec<SubType>,
}

/// Parse the payload of a type section (after the section id and size).
pub fn parse_type_section(bytes: &[u8], offset: usize) -> Result<Vec<RecGroup>> {
    let mut r = Reader {
        bytes,
        pos: 0,
        offset,
    };
    let count = r.u32()?;
    let mut groups = Vec::new();
    for _ in 0..count {
        groups.push(r.rec_group()?);
    }
    if r.pos != bytes.len() {
        bail!(
            "type section has trailing bytes at offset {}",
            offset + r.pos
        );
    }
    Ok(groups)
}

/// Encode a whole type section payload, mapping every type index through `map`.
pub fn encode_type_section(
    groups: &[RecGroup],
    map: &mut dyn FnMut(u32) -> Result<u32>,
) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    write_u32(&mut out, groups.len() as u32);
    for group in groups {
        if group.explicit {
            out.push(0x4e);
            write_u32(&mut out, group.types.len() as u32);
        }
        for ty in &group.types {
            encode_sub_type(&mut out, ty, map)?;
        }
    }
    Ok(out)
}

fn encode_sub_type(
    out: &mut Vec<u8>,
    ty: &SubType,
    map: &mut dyn FnMut(u32) -> Result<u32>,
) -> Result<()> {
    if ty.explicit_sub || !ty.is_final || ty.supertype.is_some() {
        out.push(if ty.is_final { 0x4f } else { 0x50 });
        match ty.supertype {
            Some(s) => {
                write_u32(out, 1);
                write_u32(out, map(s)?);
            }
            None => write_u32(out, 0),
        }
    }
    if ty.shared {
        out.push(0x65);
    }
    if let Some(d) = ty.describes {
        out.push(0x4c);
        write_u32(out, map(d)?);
    }
    if let Some(d) = ty.descriptor {
        out.push(0x4d);
        write_u32(out, map(d)?);
    }
    match &ty.composite {
        Composite::Func { params, results } => {
            out.push(0x60);
            write_u32(out, params.len() as u32);
            for p in params {
                encode_val_type(out, *p, map)?;
            }
            write_u32(out, results.len() as u32);
            for p in results {
                encode_val_type(out, *p, map)?;
            }
        }
        Composite::Struct(fields) => {
            out.push(0x5f);
            write_u32(out, fields.len() as u32);
            for f in fields {
                encode_field(out, *f, map)?;
            }
        }
        Composite::Array(f) => {
            out.push(0x5e);
            encode_field(out, *f, map)?;
        }
        Composite::Cont(t) => {
            out.push(0x5d);
            write_u32(out, map(*t)?);
        }
    }
    Ok(())
}

fn encode_field(
    out: &mut Vec<u8>,
    f: Field,
    map: &mut dyn FnMut(u32) -> Result<u32>,
) -> Result<()> {
    encode_val_type(out, f.storage, map)?;
    out.push(f.mutable as u8);
    Ok(())
}

/// Encode a value type; concrete heap types go through `map`.
pub fn encode_val_type(
    out: &mut Vec<u8>,
    ty: ValType,
    map: &mut dyn FnMut(u32) -> Result<u32>,
) -> Result<()> {
    match ty {
        ValType::I32 => out.push(0x7f),
        ValType::I64 => out.push(0x7e),
        ValType::F32 => out.push(0x7d),
        ValType::F64 => out.push(0x7c),
        ValType::V128 => out.push(0x7b),
        ValType::I8 => out.push(0x78),
        ValType::I16 => out.push(0x77),
        ValType::Ref { nullable, heap } => {
            if let (
                true,
                Heap::Abstract {
                    shared: false,
                    code,
                },
            ) = (nullable, heap)
            {
                out.push(code);
                return Ok(());
            }
            out.push(if nullable { 0x63 } else { 0x64 });
            match heap {
                Heap::Abstract { shared, code } => {
                    if shared {
                        out.push(0x65);
                    }
                    out.push(code);
                }
                Heap::Concrete(t) => write_s33(out, map(t)? as i64),
                Heap::Exact(t) => {
                    out.push(0x62);
                    write_u32(out, map(t)?);
                }
            }
        }
    }
    Ok(())
}

pub(crate) fn write_u32(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn write_s33(out: &mut Vec<u8>, mut v: i64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        let done = (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0);
        if done {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    offset: usize,
}

impl Reader<'_> {
    fn err_at(&self) -> String {
        format!(
            "malformed type section at offset {}",
            self.offset + self.pos
        )
    }

    fn u8(&mut self) -> Result<u8> {
        let b = *self.bytes.get(self.pos).with_context(|| self.err_at())?;
        self.pos += 1;
        Ok(b)
    }

    fn peek(&self) -> Result<u8> {
        self.bytes
            .get(self.pos)
            .copied()
            .with_context(|| self.err_at())
    }

    fn u32(&mut self) -> Result<u32> {
        let mut result: u64 = 0;
        let mut shift = 0;
        loop {
            let b = self.u8()?;
            result |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
            if shift > 35 {
                bail!("{}: integer too long", self.err_at());
            }
        }
        u32::try_from(result).with_context(|| self.err_at())
    }

    fn rec_group(&mut self) -> Result<RecGroup> {
        if self.peek()? == 0x4e {
            self.u8()?;
            let n = self.u32()?;
            let mut types = Vec::new();
            for _ in 0..n {
                types.push(self.sub_type()?);
            }
            Ok(RecGroup {
                explicit: true,
                types,
            })
        } else {
            Ok(RecGroup {
                explicit: false,
                types: vec![self.sub_type()?],
            })
        }
    }

    fn sub_type(&mut self) -> Result<SubType> {
        let mut ty = SubType::func(Vec::new(), Vec::new());
        let mut op = self.u8()?;
        if op == 0x4f || op == 0x50 {
            ty.explicit_sub = true;
            ty.is_final = op == 0x4f;
            let n = self.u32()?;
            for _ in 0..n {
                ty.supertype = Some(self.u32()?);
            }
            op = self.u8()?;
        }
        if op == 0x65 {
            ty.shared = true;
            op = self.u8()?;
        }
        if op == 0x4c {
            ty.describes = Some(self.u32()?);
            op = self.u8()?;
        }
        if op == 0x4d {
            ty.descriptor = Some(self.u32()?);
            op = self.u8()?;
        }
        ty.composite = match op {
            0x60 => {
                let n = self.u32()?;
                let params = (0..n)
                    .map(|_| self.val_type())
                    .collect::<Result<Vec<_>>>()?;
                let n = self.u32()?;
                let results = (0..n)
                    .map(|_| self.val_type())
                    .collect::<Result<Vec<_>>>()?;
                Composite::Func { params, results }
            }
            0x5f => {
                let n = self.u32()?;
                Composite::Struct((0..n).map(|_| self.field()).collect::<Result<Vec<_>>>()?)
            }
            0x5e => Composite::Array(self.field()?),
            0x5d => Composite::Cont(self.u32()?),
            other => bail!("{}: unknown type form 0x{other:02x}", self.err_at()),
        };
        Ok(ty)
    }

    fn field(&mut self) -> Result<Field> {
        let storage = match self.peek()? {
            0x78 => {
                self.u8()?;
                ValType::I8
            }
            0x77 => {
                self.u8()?;
                ValType::I16
            }
            _ => self.val_type()?,
        };
        let mutable = match self.u8()? {
            0 => false,
            1 => true,
            _ => bail!("{}: bad mutability", self.err_at()),
        };
        Ok(Field { storage, mutable })
    }

    fn val_type(&mut self) -> Result<ValType> {
        Ok(match self.u8()? {
            0x7f => ValType::I32,
            0x7e => ValType::I64,
            0x7d => ValType::F32,
            0x7c => ValType::F64,
            0x7b => ValType::V128,
            b @ (0x63 | 0x64) => ValType::Ref {
                nullable: b == 0x63,
                heap: self.heap()?,
            },
            0x65 => ValType::Ref {
                nullable: true,
                heap: Heap::Abstract {
                    shared: true,
                    code: self.u8()?,
                },
            },
            code @ 0x68..=0x75 => ValType::Ref {
                nullable: true,
                heap: Heap::Abstract {
                    shared: false,
                    code,
                },
            },
            other => bail!("{}: unknown value type 0x{other:02x}", self.err_at()),
        })
    }

    fn heap(&mut self) -> Result<Heap> {
        Ok(match self.peek()? {
            0x65 => {
                self.u8()?;
                Heap::Abstract {
                    shared: true,
                    code: self.u8()?,
                }
            }
            0x62 => {
                self.u8()?;
                Heap::Exact(self.u32()?)
            }
            code @ 0x68..=0x75 => {
                self.u8()?;
                Heap::Abstract {
                    shared: false,
                    code,
                }
            }
            // A non-negative s33 reads as an unsigned LEB.
            _ => Heap::Concrete(self.u32()?),
        })
    }
}

/// Convert a `wasmparser` value type (from locals, globals, block types...)
/// into this model. Concrete indices are module indices.
pub fn from_wasmparser(ty: wasmparser::ValType) -> ValType {
    match ty {
        wasmparser::ValType::I32 => ValType::I32,
        wasmparser::ValType::I64 => ValType::I64,
        wasmparser::ValType::F32 => ValType::F32,
        wasmparser::ValType::F64 => ValType::F64,
        wasmparser::ValType::V128 => ValType::V128,
        wasmparser::ValType::Ref(r) => ValType::Ref {
            nullable: r.is_nullable(),
            heap: heap_from_wasmparser(r.heap_type()),
        },
    }
}

fn heap_from_wasmparser(h: wasmparser::HeapType) -> Heap {
    use wasmparser::{AbstractHeapType as A, HeapType};
    let module_index = |i: wasmparser::UnpackedIndex| i.as_module_index().unwrap_or(u32::MAX);
    match h {
        HeapType::Concrete(i) => Heap::Concrete(module_index(i)),
        HeapType::Exact(i) => Heap::Exact(module_index(i)),
        HeapType::Abstract { shared, ty } => Heap::Abstract {
            shared,
            code: match ty {
                A::Func => 0x70,
                A::Extern => 0x6f,
                A::Any => 0x6e,
                A::None => 0x71,
                A::NoExtern => 0x72,
                A::NoFunc => 0x73,
                A::Eq => 0x6d,
                A::Struct => 0x6b,
                A::Array => 0x6a,
                A::I31 => 0x6c,
                A::Exn => 0x69,
                A::NoExn => 0x74,
                A::Cont => 0x68,
                A::NoCont => 0x75,
            },
        },
    }
}

/// `wasm-encoder`'s name for an abstract heap type code.
pub fn abstract_heap(code: u8) -> Option<wasm_encoder::AbstractHeapType> {
    use wasm_encoder::AbstractHeapType as A;
    Some(match code {
        0x70 => A::Func,
        0x6f => A::Extern,
        0x6e => A::Any,
        0x71 => A::None,
        0x72 => A::NoExtern,
        0x73 => A::NoFunc,
        0x6d => A::Eq,
        0x6b => A::Struct,
        0x6a => A::Array,
        0x6c => A::I31,
        0x69 => A::Exn,
        0x74 => A::NoExn,
        0x68 => A::Cont,
        0x75 => A::NoCont,
        _ => return None,
    })
}

/// An instruction pushing the default value of `ty`, in the same index
/// space as `ty`; `None` for a non-nullable reference (no default).
pub fn default_instruction(ty: ValType) -> Option<wasm_encoder::Instruction<'static>> {
    use wasm_encoder::{HeapType, Instruction};
    Some(match ty {
        ValType::I32 | ValType::I8 | ValType::I16 => Instruction::I32Const(0),
        ValType::I64 => Instruction::I64Const(0),
        ValType::F32 => Instruction::F32Const(0.0.into()),
        ValType::F64 => Instruction::F64Const(0.0.into()),
        ValType::V128 => Instruction::V128Const(0),
        ValType::Ref {
            nullable: true,
            heap,
        } => Instruction::RefNull(match heap {
            Heap::Concrete(t) => HeapType::Concrete(t),
            Heap::Exact(t) => HeapType::Exact(t),
            Heap::Abstract { shared, code } => HeapType::Abstract {
                shared,
                ty: abstract_heap(code)?,
            },
        }),
        ValType::Ref {
            nullable: false, ..
        } => return None,
    })
}

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
