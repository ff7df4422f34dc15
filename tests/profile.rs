//! `whittle profile` through the real binary: per-function sizes exactly,
//! and the function that blows up compile memory on top.

mod util;

use util::*;

fn module(dir: &std::path::Path) {
    let wat = generate(
        "memory-blowup",
        &["--handlers", "1024", "--functions", "12"],
    );
    std::fs::write(dir.join("m.wat"), wat).unwrap();
}

#[test]
fn finds_the_expensive_function_and_measures_every_one() {
    let tmp = tempfile::tempdir().unwrap();
    module(tmp.path());
    let out = whittle_in(tmp.path())
        .args(["profile", "m.wat", "--json", "--sort", "memory"])
        .exits(0);
    let p: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = p["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 13);
    // The handlers function (index 13: one import, 12 fillers before it).
    let top = &rows[0];
    assert_eq!(top["function"], 13);
    let baseline = p["baseline_peak_rss_bytes"].as_u64().unwrap();
    assert!(
        top["peak_rss_bytes"].as_u64().unwrap() > baseline + (8 << 20),
        "{p:#}"
    );

    // Sizes, checked against wasmparser's own reading of the module.
    let wasm = wat::parse_file(tmp.path().join("m.wat")).unwrap();
    let mut bodies = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
        if let wasmparser::Payload::CodeSectionEntry(b) = payload.unwrap() {
            let mut ops = b.get_operators_reader().unwrap();
            let mut n = 0;
            while !ops.eof() {
                ops.read().unwrap();
                n += 1;
            }
            bodies.push((b.range().len(), n));
        }
    }
    for row in rows {
        let i = row["function"].as_u64().unwrap() as usize - 1;
        assert_eq!(row["body_bytes"], bodies[i].0);
        assert_eq!(row["instructions"], bodies[i].1);
        assert!(row["compile_seconds"].as_f64().unwrap() > 0.0);
    }
    assert_eq!(
        p["total_body_bytes"].as_u64().unwrap(),
        bodies.iter().map(|b| b.0 as u64).sum::<u64>()
    );
}

#[test]
fn largest_limits_what_is_compiled_and_the_table_prints() {
    let tmp = tempfile::tempdir().unwrap();
    module(tmp.path());
    let out = whittle_in(tmp.path())
        .args([
            "profile",
            "m.wat",
            "--json",
            "--largest",
            "1",
            "--sort",
            "bytes",
        ])
        .exits(0);
    let p: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let compiled: Vec<_> = p["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["compile_seconds"].is_null())
        .collect();
    assert_eq!(compiled.len(), 1);
    assert_eq!(compiled[0]["function"], 13);
    let out = whittle_in(tmp.path())
        .args(["profile", "m.wat", "--top", "3"])
        .exits(0);
    let table = text(&out.stdout);
    assert_eq!(table.lines().count(), 1 + 1 + 3 + 1, "{table}");
    assert!(
        table
            .lines()
            .nth(2)
            .unwrap()
            .trim_start()
            .starts_with("13 "),
        "{table}"
    );
}
