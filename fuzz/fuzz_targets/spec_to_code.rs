//! Fuzz target `spec_to_code` (issue 7); the checks are in `fuzz/harness.rs`,
//! shared with `tests/hardening.rs`. See `fuzz/README.md`.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(
    init: {
        // libfuzzer-sys's panic hook aborts at every panic, caught or not,
        // so the stack is intact for the report. One panic is caught on
        // purpose: openapiv3 2.2's `ReferenceOr` reader panics ("somehow
        // this parsed successfully the second time") on some nodes, and
        // `spec` catches it per piece and refuses the piece (see
        // tests/fuzz_regressions/spec_to_code/). Let that one unwind to
        // its `catch_unwind`; any other panic still aborts here, and one
        // that escaped `spec` would abort in libfuzzer-sys's own wrapper.
        let abort_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let known = info.location().is_some_and(|l| {
                l.file().contains("openapiv3-2.2") && l.file().ends_with("reference.rs")
            });
            if !known {
                abort_hook(info);
            }
        }));
    },
    |data: &[u8]| harness::spec_to_code(data)
);
