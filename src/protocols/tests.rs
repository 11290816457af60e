use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use super::*;

/// A one-shot server on a free loopback port that answers one line with `reply`.
fn serve(reply: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut line = String::new();
            let _ = BufReader::new(stream.try_clone().unwrap()).read_line(&mut line);
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    port
}

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

#[test]
fn redis_and_memcached_pings() {
    let system = System::new();
    assert_eq!(Probe::Redis(addr(serve("+PONG\r\n"))).run(&system, &[]), Ok(()));
    let err = Probe::Redis(addr(serve("-NOAUTH Authentication required.\r\n"))).run(&system, &[]).unwrap_err();
    assert!(err.contains("NOAUTH"), "{err}");
    assert_eq!(Probe::Memcached(addr(serve("VERSION 1.6.18\r\n"))).run(&system, &[]), Ok(()));
    assert!(Probe::Memcached(addr(serve("+PONG\r\n"))).run(&system, &[]).is_err());
}

#[test]
fn a_closed_port_says_so() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err = Probe::Tcp(addr(port)).run(&System::new(), &[]).unwrap_err();
    assert_eq!(err, format!("nothing listens on port {port}"));
}

#[test]
fn an_account_is_looked_up_in_the_password_database() {
    let system = System::new();
    assert_eq!(Probe::Account("root".into()).run(&system, &[]), Ok(()));
    let err = Probe::Account("devup-no-such-account".into()).run(&system, &[]).unwrap_err();
    assert_eq!(err, "there is no account `devup-no-such-account`");
    assert_eq!(system.spawned(), 0, "answered in-process");
}
