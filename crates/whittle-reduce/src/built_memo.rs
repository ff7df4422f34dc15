//! Candidates built lately, by the module they were built on and their
//! edit, so that the same candidate is not built twice.
//!
//! With two jobs or more a search's batch is speculation: it builds the
//! candidates along the answers it predicts, returns as soon as one answer
//! is in, and the next batch builds the same candidates again to read their
//! answers (cached by then) or wait for their checks. On a 680 KB module
//! whose failure needs one function of 7300, `-j 2` built 292 candidates
//! where 212 had been built before, and building them (writing the module,
//! parsing it back, validating it) was most of whittle's own time.
//!
//! A candidate is a function of its base's bytes and its edit
//! (`whittle_module::candidate`), so one built before is the same one:
//! taking it from here changes nothing but the time. The base is known by
//! its cache key (`Gate::key`), as answers are.
//!
//! Memory: the modules held, with their edits' new bodies and data, are at
//! most [`MAX_BYTES`] in all, and none over a quarter of that; past that
//! the memo starts afresh, since the repeats come soon after the first
//! build (the next batch of the same search). A 20 MB module's candidates
//! are not held until they are under 4 MB.

use crate::judge::Built;
use crate::pool::Key;
use std::collections::HashMap;
use std::sync::Arc;
use whittle_module::{Edit, Module, Validity};

/// The bytes of the candidates held at most.
const MAX_BYTES: usize = 16 << 20;

/// A candidate as built, and what was found of it then.
struct Made {
    module: Arc<Module>,
    validity: Option<Validity>,
    key: Option<Key>,
}

#[derive(Default)]
pub(crate) struct BuiltMemo {
    by_base: HashMap<Key, HashMap<Edit, Made>>,
    bytes: usize,
}

impl BuiltMemo {
    /// The candidate `edit` gives on the base of key `base`, if it was
    /// built lately.
    pub(crate) fn get(&self, base: Key, edit: &Edit) -> Option<Built> {
        let made = self.by_base.get(&base)?.get(edit)?;
        Some(Built {
            module: Arc::clone(&made.module),
            validity: made.validity.clone(),
            key: made.key,
        })
    }

    /// Hold `built`, the candidate `edit` gave on the base of key `base`.
    pub(crate) fn insert(&mut self, base: Key, edit: Edit, built: &Built) {
        // The edit is held too: its new bodies are as big as the function
        // they replace (a giant one's, megabytes).
        let size = built.module.bytes.len() + edit_bytes(&edit);
        if size > MAX_BYTES / 4 {
            return;
        }
        if self.bytes + size > MAX_BYTES {
            self.by_base.clear();
            self.bytes = 0;
        }
        let made = Made {
            module: Arc::clone(&built.module),
            validity: built.validity.clone(),
            key: built.key,
        };
        let held = self.by_base.entry(base).or_default();
        if let Some((old_edit, old)) = held.remove_entry(&edit) {
            self.bytes -= old.module.bytes.len() + edit_bytes(&old_edit);
        }
        held.insert(edit, made);
        self.bytes += size;
    }
}

/// The bytes an edit holds beyond its own size: new bodies and data.
fn edit_bytes(edit: &Edit) -> usize {
    let bodies: usize = edit.bodies.values().map(Vec::len).sum();
    let data: usize = edit.data_contents.values().map(Vec::len).sum();
    bodies + data
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn module(bytes: usize) -> Built {
        let wat = format!("(module (data \"{}\"))", "a".repeat(bytes));
        Built::unchecked(Module::parse(wat::parse_str(wat).unwrap()).unwrap())
    }

    fn removing(export: u32) -> Edit {
        Edit {
            remove_exports: BTreeSet::from([export]),
            ..Edit::default()
        }
    }

    /// A candidate is found by its base and its edit, and by nothing else;
    /// the one found is the one held, not a copy.
    #[test]
    fn a_candidate_is_found_by_its_base_and_edit() {
        let mut memo = BuiltMemo::default();
        let built = module(10);
        memo.insert((1, 100), removing(0), &built);
        let found = memo.get((1, 100), &removing(0)).expect("held");
        assert!(Arc::ptr_eq(&found.module, &built.module));
        assert!(memo.get((1, 100), &removing(1)).is_none());
        assert!(memo.get((2, 100), &removing(0)).is_none());
    }

    /// Past its bytes the memo starts afresh, and a module over a quarter
    /// of them is not held at all.
    #[test]
    fn the_memo_holds_a_bounded_number_of_bytes() {
        let mut memo = BuiltMemo::default();
        let big = module(MAX_BYTES / 4 + 1);
        memo.insert((1, 1), removing(0), &big);
        assert!(memo.get((1, 1), &removing(0)).is_none());
        assert_eq!(memo.bytes, 0);
        // A small module whose edit holds a big new body is big too.
        let giant_body = Edit {
            bodies: [(0, vec![0; MAX_BYTES / 4])].into(),
            ..Edit::default()
        };
        memo.insert((1, 1), giant_body.clone(), &module(10));
        assert!(memo.get((1, 1), &giant_body).is_none());
        let quarter = module(MAX_BYTES / 4 - 100);
        for export in 0..4 {
            memo.insert((1, 1), removing(export), &quarter);
        }
        assert!(memo.get((1, 1), &removing(3)).is_some());
        assert!(memo.bytes <= MAX_BYTES);
        memo.insert((1, 1), removing(4), &quarter);
        assert!(memo.get((1, 1), &removing(0)).is_none());
        assert!(memo.get((1, 1), &removing(4)).is_some());
        assert_eq!(memo.bytes, quarter.module.bytes.len());
    }
}
