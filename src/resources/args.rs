//! Reading a kind's arguments (a recipe step's table) into the kind's `Args`, with an error
//! that says which argument is unknown as data, not as words to search.
//!
//! `toml::Value::try_into` would do the reading, but its error is text only. serde hands every
//! deserializer's error type the unknown field and the expected names (`de::Error::
//! unknown_field`); so the table is read through a deserializer whose error type is ours, which
//! keeps them. It reads a value as `toml::Value`'s own deserializer does (a datetime as its
//! text, `Some` for any present value), so the words of every error are serde's, as before.

use std::fmt;

use serde::de::value::{MapAccessDeserializer, MapDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};

use super::BuildError;

/// Reads a kind's arguments, rejecting unknown ones.
pub(super) fn parse_args<T: DeserializeOwned>(args: toml::Table) -> Result<T, BuildError> {
    T::deserialize(Arg(toml::Value::Table(args))).map_err(ArgsError::into_build_error)
}

/// What serde reported, with the unknown field when that is what it was.
#[derive(Debug)]
struct ArgsError {
    message: String,
    unknown: Option<(String, &'static [&'static str])>,
}

impl ArgsError {
    /// serde's "unknown field `pth`, expected one of `path`, `mode`" with the closest name added.
    fn into_build_error(self) -> BuildError {
        let Some((given, expected)) = self.unknown else {
            return BuildError::Arguments { message: self.message, unknown: None };
        };
        let message = match crate::diagnostic::closest(&given, expected.iter().copied()) {
            Some(close) => format!("{}; did you mean `{close}`?", self.message),
            None => self.message,
        };
        BuildError::Arguments { message, unknown: Some(given) }
    }
}

impl fmt::Display for ArgsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ArgsError {}

impl de::Error for ArgsError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        ArgsError { message: message.to_string(), unknown: None }
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        // serde's own wording, from the error type that keeps every default.
        let message = <de::value::Error as de::Error>::unknown_field(field, expected).to_string();
        ArgsError { message, unknown: Some((field.to_string(), expected)) }
    }
}

/// A value of the arguments, read with `ArgsError` as its error.
struct Arg(toml::Value);

impl<'de> IntoDeserializer<'de, ArgsError> for Arg {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl Arg {
    fn table<'de>(table: toml::Table) -> MapDeserializer<'de, impl Iterator<Item = (String, Arg)>, ArgsError> {
        MapDeserializer::new(table.into_iter().map(|(key, value)| (key, Arg(value))))
    }
}

impl<'de> de::Deserializer<'de> for Arg {
    type Error = ArgsError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ArgsError> {
        match self.0 {
            toml::Value::Boolean(b) => visitor.visit_bool(b),
            toml::Value::Integer(n) => visitor.visit_i64(n),
            toml::Value::Float(n) => visitor.visit_f64(n),
            toml::Value::String(s) => visitor.visit_string(s),
            toml::Value::Datetime(d) => visitor.visit_string(d.to_string()),
            toml::Value::Array(items) => {
                let mut seq = SeqDeserializer::new(items.into_iter().map(Arg));
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            toml::Value::Table(table) => {
                let mut map = Arg::table(table);
                let value = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(value)
            }
        }
    }

    /// A present value is `Some`; an absent one never reaches here.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ArgsError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ArgsError> {
        visitor.visit_newtype_struct(self)
    }

    /// A unit variant as a string (`"tcp"`), another as a table of one key.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ArgsError> {
        match self.0 {
            toml::Value::String(variant) => {
                de::Deserializer::deserialize_enum(variant.into_deserializer(), name, variants, visitor)
            }
            toml::Value::Table(table) => visitor.visit_enum(MapAccessDeserializer::new(Arg::table(table))),
            other => Arg(other).deserialize_any(visitor),
        }
    }

    serde::forward_to_deserialize_any! {
        bool u8 u16 u32 u64 i8 i16 i32 i64 f32 f64 char str string unit seq bytes byte_buf map
        unit_struct tuple_struct struct tuple ignored_any identifier
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Args {
        path: String,
        mode: Option<String>,
        #[serde(default)]
        ways: Vec<Way>,
        #[serde(default)]
        env: toml::Table,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Way {
        run: String,
        timeout: Option<u16>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(tag = "protocol", rename_all = "lowercase", deny_unknown_fields)]
    enum Probe {
        Tcp { port: String },
        Path { path: String, contains: Option<String> },
    }

    fn read<T: DeserializeOwned>(text: &str) -> Result<T, BuildError> {
        parse_args(toml::from_str(text).unwrap())
    }

    fn refused<T: DeserializeOwned + fmt::Debug>(text: &str) -> (String, Option<String>) {
        match read::<T>(text).unwrap_err() {
            BuildError::Arguments { message, unknown } => (message, unknown),
            other => panic!("not an argument error: {other:?}"),
        }
    }

    #[test]
    fn reads_what_toml_reads() {
        // A datetime reads as its text, as toml's own reading gives it.
        let text = "path = 1979-05-27\nmode = '0600'\nways = [{ run = 'x', timeout = 3 }]\nenv = { A = 'b', N = 1 }";
        let mine: Args = read(text).unwrap();
        let toml: Args = toml::Value::Table(toml::from_str(text).unwrap()).try_into().unwrap();
        assert_eq!(mine, toml);
        let probe: Probe = read("protocol = 'path'\npath = '/x'").unwrap();
        assert_eq!(probe, Probe::Path { path: "/x".into(), contains: None });
    }

    #[test]
    fn an_unknown_argument_is_named_with_the_closest_one() {
        let (message, unknown) = refused::<Args>("pth = 'p'");
        assert_eq!(message, "unknown field `pth`, expected one of `path`, `mode`, `ways`, `env`; did you mean `path`?");
        assert_eq!(unknown.as_deref(), Some("pth"));
        // Nested, and with two names to choose from.
        let (message, unknown) = refused::<Args>("path = 'p'\nways = [{ run = 'x', timout = 3 }]");
        assert_eq!(message, "unknown field `timout`, expected `run` or `timeout`; did you mean `timeout`?");
        assert_eq!(unknown.as_deref(), Some("timout"));
        let (_, unknown) = refused::<Probe>("protocol = 'path'\npath = '/x'\ncontians = 'y'");
        assert_eq!(unknown.as_deref(), Some("contians"));
        let (message, _) = refused::<Args>("path = 'p'\nzzz = 1");
        assert!(!message.contains("did you mean"), "{message}");
    }

    /// The words of every other refusal are the ones `toml::Value::try_into` gives.
    #[test]
    fn other_refusals_keep_serdes_words() {
        for text in
            ["mode = 'x'", "path = 3", "path = 'p'\nways = [{ run = 'x', timeout = 70000 }]", "path = 'p'\nways = 'x'"]
        {
            let toml = toml::Value::Table(toml::from_str(text).unwrap()).try_into::<Args>().unwrap_err();
            assert_eq!(refused::<Args>(text), (toml.message().to_string(), None), "{text}");
        }
        let toml = toml::Value::Table(toml::from_str("protocol = 'udp'").unwrap()).try_into::<Probe>().unwrap_err();
        assert_eq!(refused::<Probe>("protocol = 'udp'").0, toml.message());
    }
}
