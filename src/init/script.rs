//! CI scripts read as the shell reads them, as far as init needs: a script is logical lines
//! (a `\` at the end of a line continues it, so does a quote left open, and a here-document's
//! body belongs to the line that opens it), a line is words and operators (`|`, `&&`, `<`,
//! `2>`, `<<-`), and its commands are the words between its control operators, their
//! redirections set apart. A word the shell computes as the script runs (`$DEPS`, `${X}`,
//! `` `ls dist/*` ``, `$(...)`, a glob, GitHub's `${{ matrix.x }}`) is marked: what it will be is
//! not known before CI runs it, so it must not be taken for a name.

/// One word of a command line, its quotes removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Without its quotes; substitutions and variables as written (`$(ls dist)`, `${X}`).
    pub text: String,
    /// The shell leaves it as written: no substitution, variable, glob or `~`.
    pub literal: bool,
    /// An unquoted operator: `|`, `&&`, `;`, `<`, `>>`, `2>`, `<<`.
    pub operator: bool,
}

/// One logical line of a script.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Line {
    /// As written, continuations joined and its comment left out; here-documents' bodies are
    /// not in it.
    pub text: String,
    /// The bodies of its here-documents (`<< EOF` ... `EOF`), in order, as written.
    pub heredocs: Vec<String>,
}

/// One simple command of a line: `psql -d app < schema.sql` of `createdb app && psql ...`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Command {
    /// Its words, without its redirections.
    pub words: Vec<Word>,
    /// What it reads on its standard input, if redirected.
    pub input: Option<Input>,
    /// The files it writes (`> log`, `>> postgresql.conf`, `2> err`).
    pub outputs: Vec<Word>,
    /// Its input is the previous command's output (`cat schema.sql | psql`).
    pub piped: bool,
}

/// A command's redirected standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// `< FILE`.
    File(Word),
    /// A here-document's body, or a here-string's word (`<<< "SELECT 1"`).
    Text(String),
}

/// Pure: the logical lines of a script.
pub fn lines(script: &str) -> Vec<Line> {
    let physical: Vec<&str> = script.lines().collect();
    let mut out = Vec::new();
    let mut next = 0;
    while next < physical.len() {
        let start = next;
        let mut text = String::new();
        let scanned = loop {
            text.push_str(physical[next]);
            next += 1;
            let scanned = scan(&text);
            if scanned.continued {
                text.pop();
            } else if scanned.open {
                text.push('\n');
            } else {
                break scanned;
            }
            if next == physical.len() {
                if scanned.open {
                    // A quote never closed is a mistake, not a string running to the end of
                    // the script: the line is its own.
                    text = physical[start].to_string();
                    next = start + 1;
                    break scan(&text);
                }
                break scanned;
            }
        };
        if let Some(at) = scanned.comment {
            text.truncate(at);
        }
        let mut heredocs = Vec::new();
        for (delimiter, strip_tabs) in heredoc_delimiters(&scanned.words) {
            let mut body = Vec::new();
            while next < physical.len() {
                let line = physical[next];
                next += 1;
                let line = if strip_tabs { line.trim_start_matches('\t') } else { line };
                if line.trim_end() == delimiter {
                    break;
                }
                body.push(line);
            }
            heredocs.push(body.join("\n"));
        }
        if !text.trim().is_empty() || !heredocs.is_empty() {
            out.push(Line { text: text.trim().to_string(), heredocs });
        }
    }
    out
}

/// The delimiter of each here-document a line opens (`<< EOF`, `<<'EOF'`, `<<-"EOF"`), and
/// whether its lines lose their leading tabs (`<<-`).
fn heredoc_delimiters(words: &[Word]) -> Vec<(String, bool)> {
    words
        .windows(2)
        .filter(|pair| pair[0].operator && !pair[1].operator)
        .filter_map(|pair| match redirection(&pair[0].text) {
            (_, "<<") => Some((pair[1].text.clone(), false)),
            (_, "<<-") => Some((pair[1].text.clone(), true)),
            _ => None,
        })
        .collect()
}

/// An operator's file descriptor and its kind: `2>` → (`2`, `>`).
fn redirection(operator: &str) -> (&str, &str) {
    let kind = operator.trim_start_matches(|c: char| c.is_ascii_digit());
    (&operator[..operator.len() - kind.len()], kind)
}

impl Line {
    /// Its words and operators.
    pub fn words(&self) -> Vec<Word> {
        words(&self.text)
    }

    /// Its commands, in order.
    pub fn commands(&self) -> Vec<Command> {
        let mut bodies = self.heredocs.iter();
        let mut out = Vec::new();
        let mut command = Command::default();
        let mut words = self.words().into_iter().peekable();
        while let Some(word) = words.next() {
            if !word.operator {
                command.words.push(word);
                continue;
            }
            let (fd, kind) = redirection(&word.text);
            let stdin = fd.is_empty() || fd == "0";
            match kind {
                "<<" | "<<-" => {
                    if words.next_if(|w| !w.operator).is_some()
                        && let Some(body) = bodies.next()
                        && stdin
                    {
                        command.input = Some(Input::Text(body.clone()));
                    }
                }
                "<<<" | "<" => {
                    let target = words.next_if(|w| !w.operator);
                    if stdin && let Some(target) = target {
                        command.input = Some(if kind == "<" { Input::File(target) } else { Input::Text(target.text) });
                    }
                }
                ">" | ">>" | ">|" | "&>" | "&>>" => command.outputs.extend(words.next_if(|w| !w.operator)),
                // Another descriptor (`2>&1`), or a file opened both ways.
                ">&" | "<&" | "<>" => {
                    words.next_if(|w| !w.operator);
                }
                control => {
                    if !command.words.is_empty() || command.input.is_some() || !command.outputs.is_empty() {
                        out.push(std::mem::take(&mut command));
                    }
                    command.piped = matches!(control, "|" | "|&");
                }
            }
        }
        if !command.words.is_empty() || command.input.is_some() || !command.outputs.is_empty() {
            out.push(command);
        }
        out
    }
}

/// Pure: a command line as words, with quotes removed (`"a b"` is one word) and operators
/// words of their own (`a|b` is `a`, `|`, `b`); a comment is left out.
pub fn words(text: &str) -> Vec<Word> {
    scan(text).words
}

/// What scanning a text found.
struct Scan {
    words: Vec<Word>,
    /// Where its comment starts (a byte offset).
    comment: Option<usize>,
    /// It ends inside a quote or a substitution.
    open: bool,
    /// It ends with a `\` that continues it on the next line.
    continued: bool,
}

/// Operators, longest first.
const OPERATORS: &[&str] = &[
    "&>>", "<<<", "<<-", "&&", "||", ";;", "|&", "&>", "<<", "<>", "<&", ">>", ">&", ">|", "|", "&", ";", "<", ">",
    "(", ")",
];

struct Scanner {
    chars: Vec<(usize, char)>,
    at: usize,
    words: Vec<Word>,
    word: String,
    in_word: bool,
    literal: bool,
    quoted: bool,
    open: bool,
}

fn scan(text: &str) -> Scan {
    let mut s = Scanner {
        chars: text.char_indices().collect(),
        at: 0,
        words: Vec::new(),
        word: String::new(),
        in_word: false,
        literal: true,
        quoted: false,
        open: false,
    };
    let mut comment = None;
    let mut continued = false;
    while let Some(c) = s.peek(0) {
        match c {
            c if c.is_whitespace() => {
                s.finish();
                s.at += 1;
            }
            '#' if !s.in_word => {
                comment = Some(s.chars[s.at].0);
                break;
            }
            '\\' => match s.peek(1) {
                Some('\n') => s.at += 2,
                Some(next) => {
                    s.push(next);
                    s.at += 2;
                }
                None => {
                    continued = true;
                    s.at += 1;
                }
            },
            '\'' => {
                s.at += 1;
                s.start_quote();
                s.single_quoted(false);
            }
            '"' => {
                s.at += 1;
                s.start_quote();
                s.double_quoted();
            }
            '$' => s.dollar(false),
            '`' => s.backtick(),
            '*' | '?' => {
                s.push(c);
                s.literal = false;
                s.at += 1;
            }
            '~' if !s.in_word => {
                s.push(c);
                s.literal = false;
                s.at += 1;
            }
            '|' | '&' | ';' | '<' | '>' | '(' | ')' => s.operator(),
            c => {
                s.push(c);
                s.at += 1;
            }
        }
    }
    s.finish();
    Scan { words: s.words, comment, open: s.open, continued }
}

impl Scanner {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).map(|(_, c)| *c)
    }

    fn starts_with(&self, text: &str) -> bool {
        let mut chars = text.chars();
        chars.clone().count() <= self.chars.len() - self.at
            && self.chars[self.at..].iter().map(|(_, c)| *c).zip(&mut chars).all(|(a, b)| a == b)
    }

    fn push(&mut self, c: char) {
        self.word.push(c);
        self.in_word = true;
    }

    fn start_quote(&mut self) {
        self.quoted = true;
        self.in_word = true;
    }

    fn finish(&mut self) {
        if self.in_word {
            let text = std::mem::take(&mut self.word);
            self.words.push(Word { text, literal: self.literal, operator: false });
        }
        self.in_word = false;
        self.literal = true;
        self.quoted = false;
    }

    /// Copies up to and with `end`; `false` when the text ends first.
    fn copy_through(&mut self, end: &str) -> bool {
        while self.at < self.chars.len() {
            if self.starts_with(end) {
                for _ in end.chars() {
                    let c = self.chars[self.at].1;
                    self.push(c);
                    self.at += 1;
                }
                return true;
            }
            let c = self.chars[self.at].1;
            self.push(c);
            self.at += 1;
        }
        false
    }

    /// GitHub's `${{ ... }}`: GitHub puts its value in before any shell reads the script, in
    /// quotes too.
    fn github_expression(&mut self) -> bool {
        if !self.starts_with("${{") {
            return false;
        }
        self.copy_through("}}");
        self.literal = false;
        true
    }

    /// After an opening `'`: up to the closing one. `$'...'` keeps its backslashes, and `\'`
    /// does not close it.
    fn single_quoted(&mut self, escapes: bool) {
        loop {
            if self.github_expression() {
                continue;
            }
            match self.peek(0) {
                None => {
                    self.open = true;
                    return;
                }
                Some('\'') => {
                    self.at += 1;
                    return;
                }
                Some('\\') if escapes && self.peek(1).is_some() => {
                    self.push('\\');
                    let next = self.peek(1).unwrap_or_default();
                    self.push(next);
                    self.at += 2;
                }
                Some(c) => {
                    self.push(c);
                    self.at += 1;
                }
            }
        }
    }

    /// After an opening `"`: up to the closing one, substitutions expanded there too.
    fn double_quoted(&mut self) {
        loop {
            match self.peek(0) {
                None => {
                    self.open = true;
                    return;
                }
                Some('"') => {
                    self.at += 1;
                    return;
                }
                Some('\\') => match self.peek(1) {
                    Some('\n') => self.at += 2,
                    Some(c @ ('$' | '`' | '"' | '\\')) => {
                        self.push(c);
                        self.at += 2;
                    }
                    _ => {
                        self.push('\\');
                        self.at += 1;
                    }
                },
                Some('$') => self.dollar(true),
                Some('`') => self.backtick(),
                Some(c) => {
                    self.push(c);
                    self.at += 1;
                }
            }
        }
    }

    /// `$NAME`, `${...}`, `$(...)`, `$((...))`, `$1`, `$@`, `${{ ... }}`, `$'...'`; a lone
    /// `$` is itself.
    fn dollar(&mut self, in_double_quotes: bool) {
        if self.github_expression() {
            return;
        }
        match self.peek(1) {
            Some('{') => self.balanced('{', '}'),
            Some('(') => self.balanced('(', ')'),
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                self.push('$');
                self.at += 1;
                while let Some(c) = self.peek(0).filter(|c| c.is_ascii_alphanumeric() || *c == '_') {
                    self.push(c);
                    self.at += 1;
                }
                self.literal = false;
            }
            Some(c) if c.is_ascii_digit() || "@*#?$!-".contains(c) => {
                self.push('$');
                self.push(c);
                self.at += 2;
                self.literal = false;
            }
            Some('\'') if !in_double_quotes => {
                self.at += 2;
                self.start_quote();
                self.single_quoted(true);
            }
            _ => {
                self.push('$');
                self.at += 1;
            }
        }
    }

    /// `$` then `open` ... `close`, nested and with quotes inside, copied as written.
    fn balanced(&mut self, open: char, close: char) {
        self.literal = false;
        self.push('$');
        self.at += 1;
        let mut depth = 0;
        while let Some(c) = self.peek(0) {
            self.push(c);
            self.at += 1;
            match c {
                '\\' => {
                    if let Some(next) = self.peek(0) {
                        self.push(next);
                        self.at += 1;
                    }
                }
                // A quote inside: copied through its end, its brackets not counted.
                '\'' | '"' if !self.copy_through(&c.to_string()) => break,
                c if c == open => depth += 1,
                c if c == close => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
        self.open = true;
    }

    /// `` `command` ``, copied as written.
    fn backtick(&mut self) {
        self.literal = false;
        self.push('`');
        self.at += 1;
        while let Some(c) = self.peek(0) {
            self.push(c);
            self.at += 1;
            match c {
                '`' => return,
                '\\' => {
                    if let Some(next) = self.peek(0) {
                        self.push(next);
                        self.at += 1;
                    }
                }
                _ => {}
            }
        }
        self.open = true;
    }

    /// An operator; a redirection keeps the descriptor written right before it (`2>`).
    fn operator(&mut self) {
        let c = self.peek(0).unwrap_or_default();
        let descriptor = matches!(c, '<' | '>')
            && self.in_word
            && !self.quoted
            && self.literal
            && self.word.chars().all(|d| d.is_ascii_digit());
        let mut text = if descriptor {
            self.in_word = false;
            std::mem::take(&mut self.word)
        } else {
            self.finish();
            String::new()
        };
        let operator =
            OPERATORS.iter().find(|op| self.starts_with(op)).expect("each operator character is an operator");
        text.push_str(operator);
        self.at += operator.chars().count();
        self.words.push(Word { text, literal: true, operator: true });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        words(text).into_iter().map(|w| w.text).collect()
    }

    fn literal(text: &str) -> Vec<bool> {
        words(text).into_iter().map(|w| w.literal).collect()
    }

    #[test]
    fn quotes_escapes_and_comments() {
        assert_eq!(
            texts(r#"psql -c "CREATE ROLE a PASSWORD 'x'"  -c 'a=b c' \"q\" # a comment"#),
            ["psql", "-c", "CREATE ROLE a PASSWORD 'x'", "-c", "a=b c", "\"q\""]
        );
        assert_eq!(texts("x '' a#b"), ["x", "", "a#b"]);
        assert_eq!(texts(r#"echo "a \$b \\ \n" 'it'"'"'s'"#), ["echo", "a $b \\ \\n", "it's"]);
    }

    #[test]
    fn what_the_shell_computes_is_marked() {
        let found =
            words("pip install `ls dist/*`[test] $(cat reqs) \"$DEPS\" ${X:-a b} '$HOME' \\$5 *.whl ~/x .[dev]");
        let shown: Vec<(&str, bool)> = found.iter().map(|w| (w.text.as_str(), w.literal)).collect();
        assert_eq!(
            shown,
            [
                ("pip", true),
                ("install", true),
                ("`ls dist/*`[test]", false),
                ("$(cat reqs)", false),
                ("$DEPS", false),
                ("${X:-a b}", false),
                ("$HOME", true),
                ("$5", true),
                ("*.whl", false),
                ("~/x", false),
                (".[dev]", true),
            ]
        );
        assert_eq!(
            texts("docker run ${{ matrix.postgres }} -c x"),
            ["docker", "run", "${{ matrix.postgres }}", "-c", "x"]
        );
        assert_eq!(literal("'${{ matrix.pg }}' $((1 + 2)) $ $'a\\'b'"), [false, false, true, true]);
        assert_eq!(texts("$'a\\'b'"), ["a\\'b"]);
        assert_eq!(texts("x $(echo \")\" 'a)' $(date)) y"), ["x", "$(echo \")\" 'a)' $(date))", "y"]);
    }

    #[test]
    fn operators_are_words_of_their_own() {
        let found = words("a|b && c 2>&1 >>log <in; d<<-EOF x&>/dev/null \"|\"");
        let shown: Vec<(&str, bool)> = found.iter().map(|w| (w.text.as_str(), w.operator)).collect();
        assert_eq!(
            shown,
            [
                ("a", false),
                ("|", true),
                ("b", false),
                ("&&", true),
                ("c", false),
                ("2>&", true),
                ("1", false),
                (">>", true),
                ("log", false),
                ("<", true),
                ("in", false),
                (";", true),
                ("d", false),
                ("<<-", true),
                ("EOF", false),
                ("x", false),
                ("&>", true),
                ("/dev/null", false),
                ("|", false),
            ]
        );
    }

    #[test]
    fn continuations_are_joined() {
        let script = "docker run --rm -d \\\n  -e A=1 ${{ matrix.db }} \\\n  -c max_connections=10\necho done";
        let found = lines(script);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].text, "docker run --rm -d   -e A=1 ${{ matrix.db }}   -c max_connections=10");
        assert_eq!(found[1].text, "echo done");
        assert_eq!(lines("a \\").iter().map(|l| l.text.as_str()).collect::<Vec<_>>(), ["a"]);
        assert_eq!(lines("# psql \\\npsql -l")[0].text, "psql -l", "a comment continues nothing");
    }

    #[test]
    fn a_quote_runs_over_lines_unless_it_never_closes() {
        let found = lines("psql -c \"\n  CREATE DATABASE a;\n\"\necho it's\necho done");
        let texts: Vec<&str> = found.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["psql -c \"\n  CREATE DATABASE a;\n\"", "echo it's", "echo done"]);
        assert_eq!(found[0].words()[2].text, "\n  CREATE DATABASE a;\n");
    }

    #[test]
    fn here_documents_are_the_lines_data() {
        let script = "psql -AXqte \"dbname=test\" << HERE && echo ok\nCREATE ROLE a;\n\
                      SELECT 1 << 2;\nHERE\n\
                      cat <<-'EOF' | tee out\n\t\tx = 1\n\tEOF\n\
                      cat <<\"A\" <<B\none\nA\ntwo\nB\npytest";
        let found = lines(script);
        let texts: Vec<&str> = found.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            ["psql -AXqte \"dbname=test\" << HERE && echo ok", "cat <<-'EOF' | tee out", "cat <<\"A\" <<B", "pytest"]
        );
        assert_eq!(found[0].heredocs, ["CREATE ROLE a;\nSELECT 1 << 2;"]);
        assert_eq!(found[1].heredocs, ["x = 1"]);
        assert_eq!(found[2].heredocs, ["one", "two"]);
        let commands = found[0].commands();
        assert_eq!(commands.len(), 2);
        assert_eq!(commands[0].input, Some(Input::Text("CREATE ROLE a;\nSELECT 1 << 2;".into())));
        assert_eq!(
            commands[0].words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(),
            ["psql", "-AXqte", "dbname=test"]
        );
        assert_eq!(lines("cat << EOF\nnever closed")[0].heredocs, ["never closed"]);
    }

    #[test]
    fn commands_and_their_redirections() {
        let line = Line {
            text: "cat a.sql | psql -d x <b.sql 2>&1 >> log; mysql <<< 'SELECT 1' > out".into(),
            heredocs: vec![],
        };
        let commands = line.commands();
        let shown: Vec<Vec<&str>> =
            commands.iter().map(|c| c.words.iter().map(|w| w.text.as_str()).collect()).collect();
        assert_eq!(shown, [vec!["cat", "a.sql"], vec!["psql", "-d", "x"], vec!["mysql"]]);
        assert_eq!(commands.iter().map(|c| c.piped).collect::<Vec<_>>(), [false, true, false]);
        let file = |name: &str| Word { text: name.into(), literal: true, operator: false };
        assert_eq!(commands[1].input, Some(Input::File(file("b.sql"))));
        assert_eq!(commands[1].outputs, [file("log")]);
        assert_eq!(commands[2].input, Some(Input::Text("SELECT 1".into())));
        assert_eq!(commands[2].outputs, [file("out")]);
    }
}
