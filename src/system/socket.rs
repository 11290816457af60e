//! Every socket devup opens: probes' connections (through `System`) and the test of whether a
//! port is free, which expansion makes before any `System` exists (ports are chosen while the
//! project is expanded, so that every step, the plan and `devup env` agree on one).

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

/// How long a free-port test waits for an answer: a local port that is held answers at once.
const PORT_TIMEOUT: Duration = Duration::from_millis(200);

/// A TCP connection.
pub fn connect(addr: SocketAddr, timeout: Duration) -> io::Result<TcpStream> {
    TcpStream::connect_timeout(&addr, timeout)
}

/// A connection to a unix socket.
pub fn connect_unix(path: &Path) -> io::Result<UnixStream> {
    UnixStream::connect(path)
}

/// Whether something accepts a connection on 127.0.0.1 at `port`: the port is taken. Only
/// connects, sends nothing, and closes at once.
pub fn port_in_use(port: u16) -> bool {
    connect(SocketAddr::from(([127, 0, 0, 1], port)), PORT_TIMEOUT).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listened_port_is_in_use_and_a_closed_one_is_not() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(port_in_use(port));
        drop(listener);
        assert!(!port_in_use(port));
    }
}
