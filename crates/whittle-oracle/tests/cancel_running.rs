//! `cancel_running` stops the runs in progress and no later one. It is
//! process-wide, so it has a test binary of its own: in the unit tests it
//! would cancel the runs of tests running beside it.

use std::ffi::OsString;
use std::path::Path;
use std::time::{Duration, Instant};
use whittle_oracle::{cancel_running, run, RunLimits, Termination};

#[test]
fn stops_runs_in_progress_but_not_later_ones() {
    let canceller = std::thread::spawn(|| {
        std::thread::sleep(Duration::from_millis(200));
        cancel_running();
    });
    let start = Instant::now();
    let err = run(
        Path::new("sleep"),
        &[OsString::from("30")],
        None,
        &RunLimits::default(),
    )
    .unwrap_err();
    canceller.join().unwrap();
    assert!(format!("{err:#}").contains("cancelled"), "{err:#}");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    let later = run(
        Path::new("/bin/sh"),
        &[OsString::from("-c"), OsString::from("exit 4")],
        None,
        &RunLimits::default(),
    )
    .unwrap();
    assert_eq!(later.termination, Termination::Exited(4));
}
