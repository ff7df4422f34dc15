//! The built-in oracle's child (the hidden `__check` subcommand): compile
//! (and, with `--phase`, instantiate and run) one module with the
//! `wasmtime` crate and print the outcome as one JSON line, with its own
//! peak memory. What it is asked and how it answers is
//! `whittle_oracle::child_protocol`.
//!
//! It runs in its own process (the parent re-executes `whittle`), so a
//! panic is caught here and reported with its message and location, while
//! an abort, a segfault or a stack overflow kills only this process and is
//! seen by the parent as a signal.
//!
//! Instantiation satisfies every import with a stub of the declared type
//! (functions return zeros, or trap with `--stubs trap`; memories, tables,
//! globals and tags are created fresh), under the store limits of the
//! `-W max-memory-size=...`-style flags. Running calls `--invoke NAME` (or
//! `_start`) with default arguments, under `-W fuel=N` if given, else under
//! an epoch deadline, so an infinite loop ends as a timeout, not a hang.
//!
//! With `--coverage FILE` the module is a recording copy (see
//! `whittle_hint`): the child runs its exported start function itself, then
//! `--invoke` as usual, and writes the copy's marks to FILE whatever the run
//! did (returned, trapped, ran out of fuel or time, panicked).

use crate::flags::WasmtimeFlags;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;
use wasmtime::{
    Engine, ExternType, Func, Global, Instance, Linker, Memory, Module, Ref, Store, StoreLimits,
    StoreLimitsBuilder, Table, Tag, Val,
};
use wasmtime_cli_flags::CommonOptions;
use whittle_oracle::{ChildPeak, ChildRequest, Outcome, Phase, Stubs};

static PANIC: Mutex<Option<(String, Option<String>)>> = Mutex::new(None);

pub fn run(opts: ChildRequest) -> i32 {
    let (args, path) = opts.flags_and_module();
    panic::set_hook(Box::new(|info| {
        let message = if let Some(s) = info.payload().downcast_ref::<&str>() {
            s.to_string()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "Box<dyn Any>".to_string()
        };
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()));
        eprintln!(
            "panicked at {}: {message}",
            location.as_deref().unwrap_or("?")
        );
        let mut slot = PANIC.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            *slot = Some((message, location));
        }
    }));
    let outcome = match panic::catch_unwind(AssertUnwindSafe(|| check(&opts, args, &path))) {
        Ok(outcome) => outcome,
        Err(_) => {
            let (message, location) = PANIC
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .unwrap_or_else(|| ("unknown panic".to_string(), None));
            Outcome::Panic {
                message,
                location: location.map(|l| whittle_oracle::normalize_location(&l)),
            }
        }
    };
    // With our own high-water mark, now that the work is done: the parent
    // cannot tell it apart from its own (see `whittle_oracle::memory`).
    let line = ChildPeak::report(&outcome, whittle_oracle::memory::own_peak());
    println!("{line}");
    0
}

fn error(e: impl std::fmt::Display) -> Outcome {
    Outcome::Error {
        message: format!("{e:#}"),
    }
}

/// A trap as an outcome; an epoch or fuel interruption is a timeout.
fn trap_or_error(e: wasmtime::Error) -> Outcome {
    match e.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::Interrupt | wasmtime::Trap::OutOfFuel) => Outcome::Timeout,
        // The trap's own words: the backtrace around them names functions
        // (from the name section) that a reduction renames or drops.
        Some(trap) => Outcome::Trap {
            code: format!("{trap:?}"),
            message: trap.to_string(),
        },
        None => error(e),
    }
}

fn check(opts: &ChildRequest, args: &[String], path: &Path) -> Outcome {
    // The engine first, then the module: the engine does not depend on it,
    // and a check started ahead (`whittle_oracle::ahead`) builds it while
    // it waits for its module on stdin, not once the module has come.
    let (common, engine) = match engine_for(opts, args) {
        Ok(made) => made,
        Err(outcome) => return outcome,
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return error(format!(
                "whittle child: cannot read {}: {e}",
                path.display()
            ))
        }
    };
    if opts.phase == Phase::Compile {
        return match engine.precompile_module(&bytes) {
            Ok(_) => Outcome::Ok,
            Err(e) => error(e),
        };
    }
    let fuel = common.wasm.fuel;
    let module = match Module::new(&engine, &bytes) {
        Ok(m) => m,
        Err(e) => return error(e),
    };
    let mut limits = StoreLimitsBuilder::new();
    if let Some(n) = common.wasm.max_memory_size {
        limits = limits.memory_size(n);
    }
    if let Some(n) = common.wasm.max_table_elements {
        limits = limits.table_elements(n);
    }
    if let Some(n) = common.wasm.max_instances {
        limits = limits.instances(n);
    }
    if let Some(b) = common.wasm.trap_on_grow_failure {
        limits = limits.trap_on_grow_failure(b);
    }
    let mut store: Store<StoreLimits> = Store::new(&engine, limits.build());
    store.limiter(|l| l);
    match fuel {
        Some(n) => {
            if let Err(e) = store.set_fuel(n) {
                return error(e);
            }
        }
        None => {
            // Ticks of 10 ms from a background thread.
            let ticks = (opts.run_timeout.as_millis() / 10).max(1) as u64;
            store.set_epoch_deadline(ticks);
            let engine = engine.clone();
            std::thread::spawn(move || loop {
                std::thread::sleep(Duration::from_millis(10));
                engine.increment_epoch();
            });
        }
    }
    let mut linker: Linker<StoreLimits> = Linker::new(&engine);
    for import in module.imports() {
        let (m, n) = (import.module().to_string(), import.name().to_string());
        let item: wasmtime::Extern = match import.ty() {
            ExternType::Func(ft) => {
                let trap = opts.stubs == Stubs::Trap;
                let defaults: Vec<Option<Val>> =
                    ft.results().map(|r| Val::default_for_ty(&r)).collect();
                Func::new(&mut store, ft, move |_, _, results| {
                    if trap {
                        return Err(wasmtime::Error::msg("stub import called"));
                    }
                    for (slot, default) in results.iter_mut().zip(&defaults) {
                        match default {
                            Some(v) => *slot = *v,
                            None => {
                                return Err(wasmtime::Error::msg(
                                    "stub import cannot return a non-nullable reference",
                                ))
                            }
                        }
                    }
                    Ok(())
                })
                .into()
            }
            ExternType::Memory(mt) => match Memory::new(&mut store, mt) {
                Ok(mem) => mem.into(),
                Err(e) => return trap_or_error(e),
            },
            ExternType::Table(tt) => {
                let init = Ref::null(tt.element().heap_type());
                match Table::new(&mut store, tt, init) {
                    Ok(t) => t.into(),
                    Err(e) => return trap_or_error(e),
                }
            }
            ExternType::Global(gt) => {
                let Some(val) = Val::default_for_ty(gt.content()) else {
                    return error(format!("cannot stub import {m}::{n}: no default value"));
                };
                match Global::new(&mut store, gt, val) {
                    Ok(g) => g.into(),
                    Err(e) => return error(e),
                }
            }
            ExternType::Tag(tt) => match Tag::new(&mut store, &tt) {
                Ok(t) => t.into(),
                Err(e) => return error(e),
            },
        };
        if let Err(e) = linker.define(&store, &m, &n, item) {
            return error(e);
        }
    }
    let instance = match linker.instantiate(&mut store, &module) {
        Ok(i) => i,
        Err(e) => return trap_or_error(e),
    };
    match &opts.coverage {
        None => run_instance(opts, &mut store, &instance),
        Some(marks) => record(opts, marks, &mut store, &instance),
    }
}

/// The Wasmtime options of `args` and the engine they describe for
/// `opts`' phase (interrupted by epochs when it runs without fuel; with the
/// coverage's memory and fuel costs when it records).
fn engine_for(opts: &ChildRequest, args: &[String]) -> Result<(CommonOptions, Engine), Outcome> {
    let mut common = WasmtimeFlags::common_options(args).map_err(error)?;
    let mut config = common.config(None).map_err(error)?;
    if opts.phase != Phase::Compile {
        if common.wasm.fuel.is_none() {
            config.epoch_interruption(true);
        }
        if opts.coverage.is_some() {
            // The marks live in a memory of their own.
            config.wasm_multi_memory(true);
            // A mark is `i32.const; i32.const; i32.store8`: with those free,
            // the recording's fuel lasts at least as far into the run as the
            // original's (further only records more, which cuts less).
            let mut cost = wasmtime::OperatorCost::new();
            cost.I32Const = 0;
            cost.I32Store8 = 0;
            config.operator_cost(cost);
        }
    }
    let engine = Engine::new(&config).map_err(error)?;
    Ok((common, engine))
}

/// With `--phase run`, call the export (the instance is already there).
fn run_instance(
    opts: &ChildRequest,
    store: &mut Store<StoreLimits>,
    instance: &Instance,
) -> Outcome {
    if opts.phase == Phase::Instantiate {
        return Outcome::Ok;
    }
    let name = opts.invoke.as_deref().unwrap_or("_start");
    let Some(func) = instance.get_func(&mut *store, name) else {
        return error(format!("no exported function `{name}` to invoke"));
    };
    let ty = func.ty(&*store);
    let params = match invoke_params(name, &ty, &opts.invoke_args) {
        Ok(params) => params,
        Err(e) => return error(e),
    };
    let mut results: Vec<Val> = ty
        .results()
        .map(|r| Val::default_for_ty(&r).unwrap_or(Val::I32(0)))
        .collect();
    match func.call(&mut *store, &params, &mut results) {
        Ok(()) => Outcome::Returned {
            values: results.iter().map(show).collect(),
        },
        Err(e) => trap_or_error(e),
    }
}

/// Run a recording copy: its start function (which it exports instead of
/// starting, so that a trap there leaves an instance to read), then as
/// usual; write its marks to `marks` whatever happened, a panic included
/// (which then goes on to be reported as usual).
fn record(
    opts: &ChildRequest,
    marks: &Path,
    store: &mut Store<StoreLimits>,
    instance: &Instance,
) -> Outcome {
    let Some(memory) = instance.get_memory(&mut *store, whittle_hint::COVERAGE_EXPORT) else {
        return error("not a recording copy: no coverage memory");
    };
    let ran = panic::catch_unwind(AssertUnwindSafe(|| {
        if let Some(start) = instance.get_func(&mut *store, whittle_hint::START_EXPORT) {
            if let Err(e) = start.call(&mut *store, &[], &mut []) {
                return trap_or_error(e);
            }
        }
        run_instance(opts, store, instance)
    }));
    let written = std::fs::write(marks, memory.data(&*store));
    match (ran, written) {
        (Err(panic), _) => panic::resume_unwind(panic),
        (Ok(_), Err(e)) => error(format!(
            "whittle child: cannot write {}: {e}",
            marks.display()
        )),
        (Ok(outcome), Ok(())) => outcome,
    }
}

/// The given arguments (as `wasmtime run --invoke` reads them), or zeros.
fn invoke_params(name: &str, ty: &wasmtime::FuncType, args: &[String]) -> anyhow::Result<Vec<Val>> {
    if args.is_empty() {
        return ty
            .params()
            .map(|p| {
                Val::default_for_ty(&p)
                    .ok_or_else(|| anyhow::anyhow!("cannot invoke `{name}`: no default argument"))
            })
            .collect();
    }
    if args.len() != ty.params().len() {
        anyhow::bail!(
            "`{name}` takes {} arguments, {} given",
            ty.params().len(),
            args.len()
        );
    }
    ty.params()
        .zip(args)
        .map(|(p, arg)| {
            let arg_type = crate::invoke::ArgType::of_wasmtime(&p)
                .ok_or_else(|| anyhow::anyhow!("unsupported argument type {p}"))?;
            crate::invoke::parse_arg(arg_type, arg)
        })
        .collect()
}

/// A value as text that compares exactly: floats by their bits.
fn show(v: &Val) -> String {
    match v {
        Val::I32(x) => format!("i32:{x}"),
        Val::I64(x) => format!("i64:{x}"),
        Val::F32(bits) => format!("f32:{:#010x}", bits),
        Val::F64(bits) => format!("f64:{:#018x}", bits),
        Val::V128(x) => format!("v128:{:#034x}", x.as_u128()),
        Val::FuncRef(f) => format!("funcref:{}", if f.is_some() { "func" } else { "null" }),
        Val::ExternRef(r) => format!("externref:{}", if r.is_some() { "ref" } else { "null" }),
        other => format!("{other:?}")
            .split('(')
            .next()
            .unwrap_or("ref")
            .to_string(),
    }
}
