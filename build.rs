//! Link the `whittle` binary as a position-dependent executable on Linux.
//!
//! Every oracle check starts `whittle __check` (the built-in oracle's
//! child), so the binary's start-up is paid at every check: hundreds of
//! times a reduction, and most of the cost of a check of a small module. As
//! a position-independent executable, the dynamic loader applies about
//! 43,000 relative relocations at each start, writing (and so copying) the
//! pages of `.data.rel.ro`. Linked with `-no-pie` those addresses are fixed
//! at link time. Measured with `perf stat -r 100 whittle __check` on a
//! 1 KB module: 540 -> 360 page faults, 2.6 -> 2.1 ms of CPU, 3.5 -> 2.7 ms
//! of wall time; whole reductions of the small corpus cases 5-12% faster.
//! The cost is that the binary's own code and data sit at a fixed address
//! (libraries, heap and stacks are still placed at random). Set
//! `WHITTLE_PIE=1` when building to keep a PIE.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=WHITTLE_PIE");
    let target = std::env::var("TARGET").unwrap_or_default();
    let keep_pie = std::env::var_os("WHITTLE_PIE").is_some_and(|v| v != "0");
    if target.contains("-linux-gnu") && !keep_pie {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
