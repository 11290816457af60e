//! Shell quoting, for the commands devup shows and the scripts it writes.

use std::borrow::Cow;

/// Shell-quotes one word. NUL cannot be passed to a process at all, so it is dropped.
pub fn quote(word: &str) -> String {
    let clean: Cow<str> = if word.contains('\0') { Cow::Owned(word.replace('\0', "")) } else { Cow::Borrowed(word) };
    shlex::try_quote(&clean).map(Cow::into_owned).unwrap_or_else(|_| "''".to_string())
}
