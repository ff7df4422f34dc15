//! Writing the model back as a type section, type indices mapped.

use super::model::{Composite, Field, Heap, RecGroup, SubType, ValType};
use anyhow::Result;

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

fn write_u32(out: &mut Vec<u8>, mut v: u32) {
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
