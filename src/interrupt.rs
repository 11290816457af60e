//! Ctrl-C. At a terminal it reaches devup and the commands it runs at once (one process
//! group). Where devup asks or applies, it catches it: the prompt gives the terminal back as it
//! found it (the cursor shown), and a converge starts no further step, lets the running
//! commands end (they received the same Ctrl-C), records what they finished and says what was
//! done and what was not, then exits 130, as a shell reports a Ctrl-C. A second Ctrl-C leaves
//! at once, the cursor shown. Elsewhere (`plan`, `doctor`) Ctrl-C ends devup as usual: they
//! change nothing.

use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);
static INSTALLED: Once = Once::new();

/// Catches Ctrl-C (SIGINT) from now on; the first only sets a flag (see `requested`).
pub fn catch() {
    INSTALLED.call_once(|| {
        // SAFETY: the handler only touches an atomic and calls async-signal-safe functions
        // (write, _exit); the sigaction structure is zeroed then filled.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_interrupt as *const () as libc::sighandler_t;
            libc::sigemptyset(&mut action.sa_mask);
            action.sa_flags = libc::SA_RESTART;
            libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut());
        }
    });
}

extern "C" fn on_interrupt(_signal: libc::c_int) {
    if REQUESTED.swap(true, Ordering::SeqCst) {
        // The second Ctrl-C: leave now, the cursor shown.
        const SHOW_CURSOR: &[u8] = b"\x1b[?25h\n";
        // SAFETY: write and _exit are async-signal-safe.
        unsafe {
            if libc::isatty(2) == 1 {
                libc::write(2, SHOW_CURSOR.as_ptr().cast(), SHOW_CURSOR.len());
            }
            libc::_exit(i32::from(crate::error::exit::INTERRUPTED));
        }
    }
}

/// Whether Ctrl-C was pressed since `catch`.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Gives the terminal back as devup found it: the cursor shown (a prompt or a spinner hides
/// it). Harmless when stderr is not a terminal (nothing is written).
pub fn restore_terminal() {
    let _ = console::Term::stderr().show_cursor();
}
