//! The corpus index: what happened to each input (`inputs/<name>.json`,
//! one [`InputRecord`] each, written by whichever shard reduced it), and
//! what is rebuilt from those records alone: the records grouped by
//! signature, each signature's smallest repro in `signatures/<id>/`, and
//! `index.json` + `index.md`. `whittle corpus` rebuilds it at the end of
//! every run; `whittle recheck` reads it.

use crate::output::write_atomically;
use crate::report::Report;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use whittle_oracle::{Outcome, Signature};

/// What happened to one input.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct InputRecord {
    /// Path relative to IN_DIR.
    pub input: String,
    pub status: Status,
    pub outcome: Option<Outcome>,
    pub signature: Option<Signature>,
    pub signature_id: Option<String>,
    pub original_bytes: Option<usize>,
    pub reduced_bytes: Option<usize>,
    pub error: Option<String>,
}

/// What became of one input (`reduced`, `passes`, `fails-otherwise` or
/// `error` in its record).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Reduced,
    /// It does not fail.
    Passes,
    /// It fails, but not as --expect/--expect-kind ask.
    FailsOtherwise,
    /// It could not be reduced: the record's `error` says why.
    Error,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Status::Reduced => "reduced",
            Status::Passes => "passes",
            Status::FailsOtherwise => "fails-otherwise",
            Status::Error => "error",
        })
    }
}

/// A file name for an input's results: its relative path, flattened.
pub fn flat_name(rel: &Path) -> String {
    rel.to_string_lossy()
        .chars()
        .map(|c| if c == '/' || c == '\\' { '_' } else { c })
        .collect()
}

/// The index: every signature with its smallest repro and members.
#[derive(Serialize, Deserialize, Debug, Default)]
pub struct Index {
    pub signatures: Vec<SignatureEntry>,
    pub passing: Vec<String>,
    pub errors: Vec<(String, String)>,
}

#[derive(Serialize, Deserialize, Debug)]
pub struct SignatureEntry {
    pub id: String,
    pub signature: Signature,
    pub smallest: String,
    pub smallest_bytes: usize,
    pub members: Vec<String>,
    pub reproduce: String,
}

/// Rebuild `signatures/` and the index from `inputs/`.
pub fn build_index(out: &Path) -> Result<Index> {
    let mut records: Vec<InputRecord> = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(out.join("inputs"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    entries.sort();
    for path in entries {
        if let Ok(r) = serde_json::from_slice::<InputRecord>(&std::fs::read(&path)?) {
            records.push(r);
        }
    }
    let mut index = Index::default();
    let mut groups: BTreeMap<String, Vec<&InputRecord>> = BTreeMap::new();
    for r in &records {
        match r.status {
            Status::Reduced => groups
                .entry(r.signature_id.clone().unwrap_or_default())
                .or_default()
                .push(r),
            Status::Passes | Status::FailsOtherwise => index.passing.push(r.input.clone()),
            Status::Error => index
                .errors
                .push((r.input.clone(), r.error.clone().unwrap_or_default())),
        }
    }
    for (id, members) in groups {
        let smallest = members
            .iter()
            .min_by_key(|r| (r.reduced_bytes.unwrap_or(usize::MAX), r.input.clone()))
            .expect("a group has members");
        let name = flat_name(Path::new(&smallest.input));
        let reduced = out.join("reduced").join(format!("{name}.wasm"));
        let dir = out.join("signatures").join(&id);
        std::fs::create_dir_all(&dir)?;
        let bytes = std::fs::read(&reduced)
            .with_context(|| format!("{}: missing reduced module", reduced.display()))?;
        write_atomically(&dir.join("repro.wasm"), &bytes)?;
        write_atomically(
            &dir.join("repro.wat"),
            whittle_module::to_wat(&bytes).as_bytes(),
        )?;
        let report_path = crate::output::sibling(&reduced, "report.json");
        let report = std::fs::read(&report_path).unwrap_or_default();
        write_atomically(&dir.join("report.json"), &report)?;
        // Written by this run or an earlier one, on this machine or another
        // shard's: read back typed.
        let reproduce = serde_json::from_slice::<Report>(&report)
            .map_or(String::new(), |report| report.reproduce)
            .replace(&reduced.display().to_string(), "repro.wasm");
        write_atomically(
            &dir.join("reproduce.sh"),
            format!("#!/bin/sh\n# Run in this folder.\n{reproduce}\n").as_bytes(),
        )?;
        let wast = crate::output::sibling(&reduced, "wast");
        if let Ok(text) = std::fs::read_to_string(&wast) {
            let own_name = wast.file_name().unwrap_or_default().to_string_lossy();
            write_atomically(
                &dir.join("repro.wast"),
                text.replace(own_name.as_ref(), "repro.wast").as_bytes(),
            )?;
        }
        let member_names: Vec<String> = members.iter().map(|r| r.input.clone()).collect();
        write_atomically(
            &dir.join("members.txt"),
            (member_names.join("\n") + "\n").as_bytes(),
        )?;
        index.signatures.push(SignatureEntry {
            id,
            signature: smallest
                .signature
                .clone()
                .expect("reduced records have one"),
            smallest: smallest.input.clone(),
            smallest_bytes: bytes.len(),
            members: member_names,
            reproduce,
        });
    }
    write_atomically(
        &out.join("index.json"),
        serde_json::to_string_pretty(&index)?.as_bytes(),
    )?;
    write_atomically(&out.join("index.md"), markdown(&index).as_bytes())?;
    Ok(index)
}

fn markdown(index: &Index) -> String {
    let mut s = String::from(
        "# Corpus index\n\n| signature | failure | modules | smallest repro |\n|---|---|---|---|\n",
    );
    for e in &index.signatures {
        s.push_str(&format!(
            "| [{id}](signatures/{id}/) | {desc} | {n} | {bytes} bytes (from `{from}`) |\n",
            id = e.id,
            desc = e.signature.describe().replace('|', "\\|"),
            n = e.members.len(),
            bytes = e.smallest_bytes,
            from = e.smallest
        ));
    }
    s.push_str(&format!("\n## Not failing ({})\n\n", index.passing.len()));
    for p in &index.passing {
        s.push_str(&format!("- `{p}`\n"));
    }
    s.push_str(&format!("\n## Errors ({})\n\n", index.errors.len()));
    for (p, e) in &index.errors {
        s.push_str(&format!("- `{p}`: {e}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_prints_as_its_record_names_it() {
        for status in [
            Status::Reduced,
            Status::Passes,
            Status::FailsOtherwise,
            Status::Error,
        ] {
            assert_eq!(
                serde_json::to_string(&status).unwrap(),
                format!("\"{status}\"")
            );
        }
        assert_eq!(Status::FailsOtherwise.to_string(), "fails-otherwise");
    }
}
