//! Truncate data segments to the shortest prefix that still fails, by
//! bisection; most reduced test cases need none of their data.

use crate::contract::LengthPass;
use anyhow::{Context, Result};
use wasmparser::{Parser, Payload};
use whittle_module::{Edit, Module};

pub struct TruncateData;

impl LengthPass for TruncateData {
    /// A data segment's index; its length is its size in bytes.
    type Target = u32;

    fn targets(&self, m: &Module) -> Vec<(u32, usize)> {
        (0..m.num_data)
            .zip(m.data_lengths.iter().copied())
            .collect()
    }

    /// Most reduced cases need none of the data (`remove-data` removes
    /// segments, this pass empties the ones that must stay).
    fn shortest_first(&self) -> bool {
        true
    }

    fn edit(&self, m: &Module, chosen: &[(&u32, usize)]) -> Result<Edit> {
        let mut contents = Vec::new();
        for payload in Parser::new(0).parse_all(&m.bytes) {
            if let Payload::DataSection(s) = payload? {
                for d in s {
                    contents.push(d?.data);
                }
            }
        }
        let mut edit = Edit::default();
        for &(&i, len) in chosen {
            let data = contents.get(i as usize).context("no such data segment")?;
            edit.data_contents
                .insert(i, data[..len.min(data.len())].to_vec());
        }
        Ok(edit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, lengths_of, module, run_lengths};

    const WAT: &str = r#"(module (memory 1)
        (data (i32.const 8) "hello")
        (data "passive!"))"#;

    #[test]
    fn lengths_are_byte_counts() {
        assert_eq!(lengths_of(&TruncateData, &module(WAT)), vec![5, 8]);
    }

    #[test]
    fn keeps_a_prefix_and_the_mode() {
        let out = run_lengths(&TruncateData, WAT, &[(0, 2), (1, 0)]);
        assert_wat(
            &out,
            r#"(module
              (memory (;0;) 1)
              (data (;0;) (i32.const 8) "he")
              (data (;1;) "")
            )"#,
        );
    }
}
