//! A module's statements, listed ahead of the pass that asks for them.
//!
//! Listing the statements of a giant function is the largest share of
//! whittle's own work on it (110 ms for 640k statements, a walk with the
//! validator), and `remove-statements` comes after passes that leave the
//! bodies alone (exports, limits, memories) and whose checks of such a
//! module take seconds. So the listing can be made on another core while
//! those run ([`Module::list_statements_ahead`], started by the driver with
//! each round), and handed over once ([`Module::take_statements_listed_ahead`]).
//! A plan listed only to build a guess from (the prefetch's path lists the
//! plan of the pass it predicts next) hands its level back
//! ([`Module::hand_back_statements`]), and the pass that reaches the module
//! takes it: on a function of 640,000 statements that walk had been made
//! twice, and the second time no check ran beside it.
//!
//! A candidate keeps its base's listing ahead ([`crate::candidate`]) only
//! when its bodies are the same bytes and its edit leaves every body as
//! valid as it was ([`crate::Edit::leaves_bodies_valid`]: nothing a body is
//! checked against changes, no index moves). A listing is a function of
//! the bodies and of what they are checked against, so it is then exactly
//! the candidate's own.

use crate::module::Module;
use crate::statements::{statements, Statement};
use std::sync::{Condvar, Mutex, PoisonError};

/// Where a module's listing ahead is, shared with the candidates that keep
/// it.
#[derive(Debug, Default)]
pub(crate) struct StatementsAhead {
    state: Mutex<Ahead>,
    made: Condvar,
}

#[derive(Debug, Default)]
enum Ahead {
    #[default]
    NotAsked,
    Listing,
    Listed(Vec<Statement>),
    /// One level's statements, handed back by a plan that did not use
    /// them up ([`Module::hand_back_statements`]).
    Level(usize, Vec<Statement>),
    /// Handed over (or the listing failed): whoever asks next lists.
    Gone,
}

impl Module {
    /// List this module's statements for a later
    /// [`Module::take_statements_listed_ahead`], unless that was done (or
    /// is being done) already. Meant for a thread of its own.
    pub fn list_statements_ahead(&self) {
        let ahead = &self.statements_ahead;
        {
            let mut state = ahead.state.lock().unwrap_or_else(PoisonError::into_inner);
            if !matches!(*state, Ahead::NotAsked) {
                return;
            }
            *state = Ahead::Listing;
        }
        // A listing that panics must not leave a taker waiting for ever.
        let listed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| statements(self)));
        let listed = match listed {
            Ok(Ok(listed)) => Ahead::Listed(listed),
            _ => Ahead::Gone,
        };
        *ahead.state.lock().unwrap_or_else(PoisonError::into_inner) = listed;
        ahead.made.notify_all();
    }

    /// The statements of depth `level` listed ahead, once (waiting for a
    /// listing under way); `None` when none was made: the caller lists
    /// them.
    pub fn take_statements_listed_ahead(&self, level: usize) -> Option<Vec<Statement>> {
        let ahead = &self.statements_ahead;
        let mut state = ahead.state.lock().unwrap_or_else(PoisonError::into_inner);
        while matches!(*state, Ahead::Listing) {
            state = ahead
                .made
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if matches!(*state, Ahead::NotAsked) {
            return None;
        }
        match std::mem::replace(&mut *state, Ahead::Gone) {
            Ahead::Listed(mut listed) => {
                listed.retain(|s| s.depth == level);
                Some(listed)
            }
            Ahead::Level(depth, listed) if depth == level => Some(listed),
            _ => None,
        }
    }

    /// Keep `statements`, this module's own of depth `level` as listed, for
    /// the next [`Module::take_statements_listed_ahead`] of that level,
    /// unless a listing is made or kept already. A plan listed to build a
    /// guess from (the prefetch's path) hands its statements back, and the
    /// pass that reaches the module takes them: the walk of a giant
    /// function was made twice, once for each.
    pub fn hand_back_statements(&self, level: usize, statements: Vec<Statement>) {
        let ahead = &self.statements_ahead;
        let mut state = ahead.state.lock().unwrap_or_else(PoisonError::into_inner);
        if matches!(*state, Ahead::NotAsked | Ahead::Gone) {
            *state = Ahead::Level(level, statements);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::module;
    use crate::{candidate, statements, Edit, Module, Statement};
    use std::sync::Arc;

    const WAT: &str = r#"(module (memory 2) (export "m" (memory 0))
        (func (param i32) local.get 0 i32.const 1 i32.add local.set 0
              i32.const 0 i32.load drop))"#;

    #[test]
    fn a_listing_ahead_is_handed_over_once_on_another_thread() {
        let m = Arc::new(module(WAT));
        assert!(m.take_statements_listed_ahead(0).is_none());
        let listing = Arc::clone(&m);
        std::thread::spawn(move || listing.list_statements_ahead())
            .join()
            .unwrap();
        assert_eq!(m.take_statements_listed_ahead(0).unwrap(), level(&m, 0));
        assert!(m.take_statements_listed_ahead(0).is_none());
        // Once handed over it is not made again.
        m.list_statements_ahead();
        assert!(m.take_statements_listed_ahead(0).is_none());
    }

    fn level(m: &Module, depth: usize) -> Vec<Statement> {
        let mut all = statements(m).unwrap();
        all.retain(|s| s.depth == depth);
        all
    }

    /// A level handed back is handed over again, for that level only; a
    /// listing made ahead is not replaced by it.
    #[test]
    fn a_level_handed_back_is_taken_once_for_that_level() {
        let m = module(WAT);
        m.hand_back_statements(1, level(&m, 1));
        assert!(m.take_statements_listed_ahead(0).is_none());
        assert!(m.take_statements_listed_ahead(1).is_none());
        m.hand_back_statements(1, level(&m, 1));
        assert_eq!(m.take_statements_listed_ahead(1).unwrap(), level(&m, 1));
        assert!(m.take_statements_listed_ahead(1).is_none());
        let m = module(WAT);
        m.list_statements_ahead();
        m.hand_back_statements(1, Vec::new());
        assert_eq!(m.take_statements_listed_ahead(1).unwrap(), level(&m, 1));
    }

    #[test]
    fn a_candidate_keeps_it_only_when_its_bodies_are_checked_as_before() {
        let m = module(WAT);
        m.list_statements_ahead();
        // Removing the export leaves the bodies and what they are checked
        // against: the listing is the candidate's.
        let no_export = candidate(
            &m,
            &Edit {
                remove_exports: [0].into(),
                ..Edit::default()
            },
        )
        .unwrap();
        assert_eq!(
            no_export.take_statements_listed_ahead(0).unwrap(),
            level(&no_export, 0)
        );
        // Removing the memory makes the load invalid: not kept (and the
        // edit is refused anyway); a 64-bit memory would change the repairs.
        let m = module(WAT);
        m.list_statements_ahead();
        let mut edit = Edit::default();
        edit.memory_type(&m, 0).memory64 = true;
        let memory64 = candidate(&m, &edit).unwrap();
        assert!(memory64.take_statements_listed_ahead(0).is_none());
        assert!(m.take_statements_listed_ahead(0).is_some());
    }
}
