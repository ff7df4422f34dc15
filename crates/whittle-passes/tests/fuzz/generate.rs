//! Random modules from a seed: `wasm-smith` with a random selection of the
//! proposals whittle reduces, so that a failure is reproduced from the seed
//! alone.
//!
//! Each proposal is on with probability 3/4: most modules use everything,
//! and the others check that no pass brings in a feature the input did not
//! use (outputs are validated with the input's features, not all of them).
//! Legacy exception handling (`try`/`catch`/`delegate`/`rethrow`), which
//! wasm-smith does not generate, comes from `legacy_eh.rs`.

use arbitrary::Unstructured;
use wasmparser::WasmFeatures;

use super::legacy_eh;
use super::rng::Rng;

/// One generated input: its bytes and the features it validates with.
pub struct Input {
    pub bytes: Vec<u8>,
    pub features: WasmFeatures,
}

/// The module of `seed`, made from up to `size` random bytes (wasm-smith's
/// modules grow with them), or `None` when the generator gave up on it or
/// made one that does not validate.
pub fn module(seed: u64, size: u64) -> Option<Input> {
    let mut rng = Rng::new(seed);
    // One seed in eight is a legacy exception-handling module.
    if rng.below(8) == 0 {
        return legacy_eh::module(&mut rng);
    }
    let config = config(&mut rng);
    // From a few items to about a hundred functions of up to a hundred
    // instructions.
    let len = 64 + rng.below(size) as usize;
    let dna: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
    let module = wasm_smith::Module::new(config, &mut Unstructured::new(&dna)).ok()?;
    let features = module.config().features();
    let mut bytes = module.to_bytes();
    if rng.one_in(2) {
        append_custom_sections(&mut bytes, &mut rng);
    }
    wasmparser::Validator::new_with_features(features)
        .validate_all(&bytes)
        .ok()?;
    Some(Input { bytes, features })
}

/// A `name` section naming every function, global and type, and a custom
/// section of random bytes: wasm-smith writes none for core modules.
fn append_custom_sections(bytes: &mut Vec<u8>, rng: &mut Rng) {
    use wasm_encoder::{IndirectNameMap, NameMap, NameSection, Section};
    use wasmparser::{Parser, Payload, TypeRef};
    let (mut funcs, mut globals, mut types) = (0, 0, 0);
    for payload in Parser::new(0).parse_all(bytes).flatten() {
        match payload {
            Payload::ImportSection(s) => {
                for import in s.into_imports().flatten() {
                    match import.ty {
                        TypeRef::Func(_) | TypeRef::FuncExact(_) => funcs += 1,
                        TypeRef::Global(_) => globals += 1,
                        _ => {}
                    }
                }
            }
            Payload::FunctionSection(s) => funcs += s.count(),
            Payload::GlobalSection(s) => globals += s.count(),
            Payload::TypeSection(s) => {
                types += s
                    .into_iter()
                    .flatten()
                    .map(|g| g.types().len() as u32)
                    .sum::<u32>()
            }
            _ => {}
        }
    }
    let map = |n: u32, prefix: &str| {
        let mut names = NameMap::new();
        for i in 0..n {
            names.append(i, &format!("{prefix}{i}"));
        }
        names
    };
    let mut names = NameSection::new();
    names.module("fuzzed");
    names.functions(&map(funcs, "f"));
    let mut locals = IndirectNameMap::new();
    for f in 0..funcs.min(3) {
        locals.append(f, &map(1, "l"));
    }
    names.locals(&locals);
    names.types(&map(types, "t"));
    names.globals(&map(globals, "g"));
    names.append_to(bytes);
    let data: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
    wasm_encoder::CustomSection {
        name: "whittle-fuzz".into(),
        data: data.into(),
    }
    .append_to(bytes);
}

fn config(rng: &mut Rng) -> wasm_smith::Config {
    let mut on = || rng.below(4) != 0;
    let mut c = wasm_smith::Config {
        multi_value_enabled: on(),
        reference_types_enabled: on(),
        bulk_memory_enabled: on(),
        saturating_float_to_int_enabled: on(),
        sign_extension_ops_enabled: on(),
        simd_enabled: on(),
        relaxed_simd_enabled: on(),
        threads_enabled: on(),
        memory64_enabled: on(),
        tail_call_enabled: on(),
        exceptions_enabled: on(),
        gc_enabled: on(),
        extended_const_enabled: on(),
        custom_page_sizes_enabled: on(),
        wide_arithmetic_enabled: on(),
        ..wasm_smith::Config::default()
    };
    // Multi-memory and several tables.
    c.max_memories = 1 + rng.below(4) as usize;
    c.max_tables = 1 + rng.below(4) as usize;
    // Sometimes every item is exported, so that nothing is dead code.
    c.export_everything = rng.below(8) == 0;
    c
}
