//! Truncate data segments to the shortest prefix that still fails, by
//! bisection; most reduced test cases need none of their data.

use crate::{Choice, Pass, Search};
use anyhow::{Context, Result};
use wasmparser::{Parser, Payload};
use whittle_module::{Edit, Module};

pub struct TruncateData;

impl Pass for TruncateData {
    fn search(&self, m: &Module) -> Search {
        Search::Lengths(m.data_lengths.clone())
    }

    fn edit(&self, m: &Module, choice: Choice<'_>) -> Result<Edit> {
        let mut contents = Vec::new();
        for payload in Parser::new(0).parse_all(&m.bytes) {
            if let Payload::DataSection(s) = payload? {
                for d in s {
                    contents.push(d?.data);
                }
            }
        }
        let mut edit = Edit::default();
        for (&i, &len) in choice.lengths() {
            let data = contents.get(i).context("no such data segment")?;
            edit.data_contents
                .insert(i as u32, data[..len.min(data.len())].to_vec());
        }
        Ok(edit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, module, run};
    use std::collections::BTreeMap;

    const WAT: &str = r#"(module (memory 1)
        (data (i32.const 8) "hello")
        (data "passive!"))"#;

    #[test]
    fn lengths_are_byte_counts() {
        assert_eq!(
            TruncateData.search(&module(WAT)),
            Search::Lengths(vec![5, 8])
        );
    }

    #[test]
    fn keeps_a_prefix_and_the_mode() {
        let lengths = BTreeMap::from([(0, 2), (1, 0)]);
        let out = run(&TruncateData, WAT, Choice::Lengths(&lengths));
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
