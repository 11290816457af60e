//! memcached: the text protocol's `version` command.

use std::io::{BufRead, BufReader, Write};

pub fn version<S: std::io::Read + Write>(stream: &mut S) -> Result<(), String> {
    stream.write_all(b"version\r\n").map_err(|e| format!("cannot send version: {e}"))?;
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).map_err(|e| format!("no answer to version: {e}"))?;
    if line.starts_with("VERSION ") {
        Ok(())
    } else {
        Err(format!("not a memcached server (it answered `{}`)", line.trim_end().escape_debug()))
    }
}
