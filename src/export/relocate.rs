//! What of the exporting machine a rendered step names (its project path, its home, devup's
//! state and data directories there, the ports chosen there) is replaced by what stands for it
//! where the export runs: a shell variable the script sets when it starts, or, for an image, the
//! value it has in the container.
//!
//! The steps are rendered as shell with the exporting machine's values in them, quoted as each
//! context needs (`'pg_ctl -D /home/ann/.local/...'`). A value is replaced by an expansion that is
//! valid where it stands, read with the shell's own quoting rules: `"${v}"` in plain words,
//! `${v}` between double quotes and in an unquoted here-document, `'"${v}"'` between single
//! quotes. A value in a quoted here-document cannot be expanded: the export refuses rather than
//! leave the exporting machine's value in it.

/// A value of the exporting machine that an export must not carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// As it appears in rendered text (`/home/ann/.local/state/devup/projects/shop-1a2b3c4d5e6f`).
    pub literal: String,
    /// The shell variable that stands for it in the script (`devup_state_dir`).
    pub var: String,
    /// A number (a port) rather than a path: matched as a whole number.
    pub number: bool,
}

impl Place {
    pub fn path(literal: &str, var: &str) -> Place {
        Place { literal: literal.to_string(), var: var.to_string(), number: false }
    }

    pub fn number(literal: u16, var: &str) -> Place {
        Place { literal: literal.to_string(), var: var.to_string(), number: true }
    }

    /// Whether the text at `at` is this place, whole: a path not inside a longer name (it may go
    /// on with `/`), a number not inside a longer number or word.
    fn at(&self, text: &str, at: usize) -> bool {
        if self.literal.is_empty() || !text[at..].starts_with(&self.literal) {
            return false;
        }
        let before = text[..at].chars().next_back();
        let after = text[at + self.literal.len()..].chars().next();
        if self.number {
            let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
            !before.is_some_and(word) && !after.is_some_and(word)
        } else {
            let name = |c: char| c.is_ascii_alphanumeric() || "._-~+@%".contains(c);
            !before.is_some_and(|c| name(c) || c == '/') && !after.is_some_and(name)
        }
    }
}

/// The places, longest first: a project inside the home is the project's.
fn ordered(places: &[Place]) -> Vec<&Place> {
    let mut sorted: Vec<&Place> = places.iter().filter(|p| !p.literal.is_empty()).collect();
    sorted.sort_by_key(|p| std::cmp::Reverse(p.literal.len()));
    sorted
}

/// Each place in `text` replaced by its value (`values` in the order of `places`), where the
/// text is not shell (an image's `ENV`, a JSON document).
pub fn to_values(text: &str, places: &[Place], values: &[String]) -> String {
    let sorted = ordered(places);
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if let Some(place) = sorted.iter().find(|p| p.at(text, i)) {
            let index = places.iter().position(|p| p == *place).expect("a place of the list");
            out.push_str(&values[index]);
            i += place.literal.len();
            continue;
        }
        let c = text[i..].chars().next().expect("inside the text");
        out.push(c);
        i += c.len_utf8();
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// Plain words: the script's top level, or inside `$( )` (with its open parentheses).
    Plain {
        parens: usize,
        substitution: bool,
    },
    Double,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Code,
    Single,
    Comment,
    /// A here-document's body; `expands` when its delimiter was not quoted.
    HereDoc {
        expands: bool,
    },
}

/// Each place in shell `text` replaced by its variable, expanded as the quoting around it needs.
/// `Err` names a place the shell cannot expand where it stands (a quoted here-document).
pub fn to_shell(text: &str, places: &[Place]) -> Result<String, String> {
    let sorted = ordered(places);
    let mut out = String::with_capacity(text.len() + 64);
    let mut frames = vec![Frame::Plain { parens: 0, substitution: false }];
    let mut mode = Mode::Code;
    // Here-documents opened on the current line: (delimiter, quoted, strip tabs).
    let mut pending: Vec<(String, bool, bool)> = Vec::new();
    // The here-documents whose bodies follow, and the current one's delimiter.
    let mut bodies: Vec<(String, bool, bool)> = Vec::new();
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < text.len() {
        let frame = *frames.last().expect("the top frame stays");
        if let Some(place) = sorted.iter().find(|p| p.at(text, i)) {
            let var = &place.var;
            let expansion = match (mode, frame) {
                (Mode::Single, _) => format!("'\"${{{var}}}\"'"),
                (Mode::HereDoc { expands: false }, _) => {
                    return Err(format!(
                        "`{}` of this machine is in a quoted here-document, where the shell cannot put the value of where the export runs",
                        place.literal
                    ));
                }
                (Mode::Comment | Mode::HereDoc { expands: true }, _) | (Mode::Code, Frame::Double) => {
                    format!("${{{var}}}")
                }
                (Mode::Code, Frame::Plain { .. }) => format!("\"${{{var}}}\""),
            };
            out.push_str(&expansion);
            i += place.literal.len();
            continue;
        }
        let c = text[i..].chars().next().expect("inside the text");
        let next = bytes.get(i + 1).copied();
        let start_of_line = i == 0 || bytes[i - 1] == b'\n';
        match mode {
            Mode::Single => {
                if c == '\'' {
                    mode = Mode::Code;
                }
            }
            Mode::Comment => {
                if c == '\n' {
                    mode = Mode::Code;
                    start_bodies(&mut pending, &mut bodies, &mut mode);
                }
            }
            Mode::HereDoc { .. } => {
                if start_of_line {
                    let line_end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                    let (delimiter, _, strip) = &bodies[0];
                    let line = &text[i..line_end];
                    let line = if *strip { line.trim_start_matches('\t') } else { line };
                    if line == delimiter {
                        out.push_str(&text[i..line_end]);
                        i = line_end;
                        bodies.remove(0);
                        mode = match bodies.first() {
                            Some((_, quoted, _)) => Mode::HereDoc { expands: !quoted },
                            None => Mode::Code,
                        };
                        if i < text.len() {
                            out.push('\n');
                            i += 1;
                        }
                        continue;
                    }
                }
            }
            Mode::Code => match (frame, c) {
                (_, '\\') => {
                    out.push(c);
                    i += 1;
                    if let Some(escaped) = text[i..].chars().next() {
                        out.push(escaped);
                        i += escaped.len_utf8();
                    }
                    continue;
                }
                (Frame::Double, '"') => {
                    frames.pop();
                }
                (_, '$') if next == Some(b'(') => {
                    frames.push(Frame::Plain { parens: 0, substitution: true });
                    out.push_str("$(");
                    i += 2;
                    continue;
                }
                (Frame::Double, _) => {}
                (Frame::Plain { .. }, '\'') => mode = Mode::Single,
                (Frame::Plain { .. }, '"') => frames.push(Frame::Double),
                (Frame::Plain { .. }, '#') if word_start(text, i) => mode = Mode::Comment,
                (Frame::Plain { parens, substitution }, '(') => {
                    *frames.last_mut().expect("a frame") = Frame::Plain { parens: parens + 1, substitution };
                }
                (Frame::Plain { parens, substitution }, ')') => {
                    if parens > 0 {
                        *frames.last_mut().expect("a frame") = Frame::Plain { parens: parens - 1, substitution };
                    } else if substitution {
                        frames.pop();
                    }
                }
                (Frame::Plain { .. }, '<') if text[i..].starts_with("<<") && !text[i..].starts_with("<<<") => {
                    let (delimiter, quoted, strip, used) = heredoc_operator(&text[i..]);
                    out.push_str(&text[i..i + used]);
                    i += used;
                    if !delimiter.is_empty() {
                        pending.push((delimiter, quoted, strip));
                    }
                    continue;
                }
                (Frame::Plain { .. }, '\n') => {
                    out.push(c);
                    i += 1;
                    start_bodies(&mut pending, &mut bodies, &mut mode);
                    continue;
                }
                _ => {}
            },
        }
        out.push(c);
        i += c.len_utf8();
    }
    Ok(out)
}

/// At the end of a line: the here-documents it opened start.
fn start_bodies(pending: &mut Vec<(String, bool, bool)>, bodies: &mut Vec<(String, bool, bool)>, mode: &mut Mode) {
    if pending.is_empty() {
        return;
    }
    bodies.append(pending);
    *mode = Mode::HereDoc { expands: !bodies[0].1 };
}

/// Whether a `#` at `at` starts a comment: it begins a word.
fn word_start(text: &str, at: usize) -> bool {
    text[..at].chars().next_back().is_none_or(|c| c.is_whitespace() || ";&|()".contains(c))
}

/// `<<WORD`, `<<-'WORD'`, `<< "WORD"`: (delimiter, quoted, strip tabs, bytes read).
fn heredoc_operator(text: &str) -> (String, bool, bool, usize) {
    let mut i = 2;
    let strip = text[i..].starts_with('-');
    if strip {
        i += 1;
    }
    while text[i..].starts_with([' ', '\t']) {
        i += 1;
    }
    let mut delimiter = String::new();
    let mut quoted = false;
    let mut quote: Option<char> = None;
    for c in text[i..].chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => delimiter.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                quoted = true;
            }
            (None, '\\') => quoted = true,
            (None, c) if c.is_whitespace() || ";&|<>()".contains(c) => break,
            (None, c) => delimiter.push(c),
        }
        i += c.len_utf8();
    }
    (delimiter, quoted, strip, i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places() -> Vec<Place> {
        vec![
            Place::path("/home/ann", "HOME"),
            Place::path("/home/ann/.local/state/devup/projects/p-0123", "devup_state_dir"),
            Place::number(64001, "devup_port_1"),
        ]
    }

    /// What `sh` prints for `script` with the places' variables set.
    fn sh(script: &str) -> String {
        let set = "HOME='/home/b c'; devup_state_dir=/s; devup_port_1=5433\n";
        let out = std::process::Command::new("sh").arg("-c").arg(format!("{set}{script}")).output().unwrap();
        assert!(out.status.success(), "{script}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn each_quoting_gets_an_expansion_valid_there() {
        let cases = [
            ("printf '%s\\n' /home/ann/x", "/home/b c/x\n"),
            ("printf '%s\\n' '/home/ann/.local/state/devup/projects/p-0123/deps'", "/s/deps\n"),
            ("printf '%s\\n' \"port 64001 at /home/ann\"", "port 5433 at /home/b c\n"),
            ("printf '%s\\n' 'a \"-p 64001\" b'", "a \"-p 5433\" b\n"),
            ("printf '%s\\n' \"$(echo 64001)\"", "5433\n"),
            ("cat <<EOF\nat /home/ann:64001\nEOF\necho 64001", "at /home/b c:5433\n5433\n"),
            ("# a comment at /home/ann\necho ok", "ok\n"),
            ("echo \"it's\" '/home/ann'", "it's /home/b c\n"),
        ];
        for (script, want) in cases {
            let shell = to_shell(script, &places()).unwrap();
            assert!(!shell.contains("/home/ann") && !shell.contains("64001"), "{shell}");
            assert_eq!(sh(&shell), want, "{script}\n=> {shell}");
        }
    }

    #[test]
    fn only_whole_paths_and_numbers_are_replaced() {
        let text = "/home/anna 164001 64001.5 /x/home/ann v64001 /home/ann";
        assert_eq!(to_shell(text, &places()).unwrap(), "/home/anna 164001 64001.5 /x/home/ann v64001 \"${HOME}\"");
        let values = ["/root".to_string(), "/s".to_string(), "5432".to_string()];
        assert_eq!(to_values("postgres://h:64001/db /home/ann/x", &places(), &values), "postgres://h:5432/db /root/x");
    }

    #[test]
    fn a_quoted_heredoc_cannot_take_a_value_of_where_it_runs() {
        assert!(to_shell("cat <<'EOF'\n/home/ann\nEOF\n", &places()).unwrap_err().contains("quoted here-document"));
        // After its end, the text is code again.
        assert_eq!(
            to_shell("cat <<'EOF'\nx\nEOF\necho 64001", &places()).unwrap(),
            "cat <<'EOF'\nx\nEOF\necho \"${devup_port_1}\""
        );
    }
}
