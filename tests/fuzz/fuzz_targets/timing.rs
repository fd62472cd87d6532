//! What both targets share (each includes this file with `#[path]`): the `AUDIT_EXT_FUZZ_*` switches, and with
//! `AUDIT_EXT_FUZZ_TIMING=1` (tests/scripts/fuzz.sh sets it) each input's CPU time, a new slowest input reported
//! on stderr.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// Whether the environment variable `name` is "1".
pub fn env_on(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| v == "1")
}

/// Whether `AUDIT_EXT_FUZZ_TIMING=1`: the run reports slow inputs and first-seen events on stderr.
pub fn timing() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| env_on("AUDIT_EXT_FUZZ_TIMING"))
}

/// This thread's CPU time in microseconds: unlike wall time, not inflated when the scheduler runs
/// something else (the machine is shared, and libFuzzer's -timeout already bounds wall time).
fn cpu_us() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid clock id and a valid out-pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1_000
}

/// Runs `one(data)`; with timing on, measures its CPU time and reports it when no input so far took longer.
pub fn run(data: &[u8], one: impl FnOnce(&[u8])) {
    static SLOWEST_US: AtomicU64 = AtomicU64::new(0);
    if !timing() {
        return one(data);
    }
    let t = cpu_us();
    one(data);
    let us = cpu_us() - t;
    if us > SLOWEST_US.fetch_max(us, Ordering::Relaxed) {
        eprintln!("audit_ext-fuzz: new slowest input: {us} µs CPU, {} bytes", data.len());
    }
}
