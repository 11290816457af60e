//! Redis: `PING` answered by `+PONG` (RESP's inline command form).

use std::io::{BufRead, BufReader, Write};

pub fn ping<S: std::io::Read + Write>(stream: &mut S) -> Result<(), String> {
    stream.write_all(b"PING\r\n").map_err(|e| format!("cannot send PING: {e}"))?;
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).map_err(|e| format!("no answer to PING: {e}"))?;
    match line.trim_end() {
        "+PONG" => Ok(()),
        other if other.starts_with('-') => Err(format!("the server refused PING: {}", &other[1..])),
        other => Err(format!("not a Redis server (it answered `{}`)", other.escape_debug())),
    }
}
