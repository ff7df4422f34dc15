//! A parallel map over a slice on scoped threads, results in order, for
//! work that ends with the call (building candidates, profiling
//! functions). Oracle checks, which may outlive the batch that asked for
//! them, run on `pool.rs`'s workers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// `f` over `items` on up to `jobs` threads, results in `items`' order.
pub fn parallel_map<T: Sync, R: Send>(
    jobs: usize,
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    if jobs <= 1 || items.len() <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(items.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= items.len() {
                    break;
                }
                let r = f(&items[i]);
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every item mapped"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_order_of_its_items() {
        let items: Vec<u64> = (0..100).collect();
        assert_eq!(
            parallel_map(4, &items, |&x| x * x),
            parallel_map(1, &items, |&x| x * x)
        );
        assert_eq!(parallel_map(3, &items, |&x| x + 1)[99], 100);
    }
}
