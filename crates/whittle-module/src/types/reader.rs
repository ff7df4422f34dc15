//! Reading a type section into the model, without `wasmparser`'s limits.

use super::model::{Composite, Field, Heap, RecGroup, SubType, ValType};
use anyhow::{bail, Context, Result};

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
