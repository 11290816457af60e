//! The shape of `devup.toml` as serde reads it, with the byte spans needed for diagnostics.
//! `mod.rs` turns this into the validated `Manifest`.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{Error as _, MapAccess, Unexpected, Visitor};
use toml::Spanned;

pub type Map<T> = BTreeMap<Spanned<String>, Spanned<T>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawManifest {
    pub project: Option<Table<RawProject>>,
    #[serde(default)]
    pub languages: Map<RawEntry>,
    #[serde(default)]
    pub packages: Map<RawEntry>,
    #[serde(default)]
    pub datastores: Map<RawEntry>,
    #[serde(default)]
    pub dependencies: Map<RawEntry>,
    #[serde(default)]
    pub env: Map<toml::Value>,
    #[serde(default)]
    pub step: Vec<Spanned<Table<RawStep>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProject {
    pub name: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub name: Spanned<String>,
    pub description: Option<Spanned<String>>,
    pub check: Spanned<String>,
    pub apply: Spanned<String>,
    #[serde(default)]
    pub requires: Vec<Spanned<String>>,
    pub cwd: Option<Spanned<String>>,
    #[serde(default)]
    pub env: Map<toml::Value>,
}

/// A struct that must be written as a table. serde's derived structs also take their fields in
/// order from an array, so `project = ["shop"]` would be read as a name.
#[derive(Debug)]
pub struct Table<T>(pub T);

/// What the table is called in "expected ..." messages.
pub trait Expecting {
    const EXPECTING: &'static str;
}

impl Expecting for RawProject {
    const EXPECTING: &'static str = "a table";
}

impl Expecting for RawStep {
    const EXPECTING: &'static str = "a table with `name`, `check` and `apply`";
}

impl<'de, T: Deserialize<'de> + Expecting> Deserialize<'de> for Table<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TableVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de> + Expecting> Visitor<'de> for TableVisitor<T> {
            type Value = Table<T>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(T::EXPECTING)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Table<T>, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Table)
            }
        }

        deserializer.deserialize_map(TableVisitor(PhantomData))
    }
}

/// An entry such as `python = "3.11"` or `postgres = { version = "15", databases = [...] }`.
#[derive(Debug)]
pub enum RawEntry {
    Short(String),
    Table(Map<toml::Value>),
}

impl<'de> Deserialize<'de> for RawEntry {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntryVisitor;

        impl<'de> Visitor<'de> for EntryVisitor {
            type Value = RawEntry;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a version string such as \"3.11\" or \"*\", or a table such as { version = \"3.11\" }")
            }

            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<RawEntry, E> {
                Ok(RawEntry::Short(value.to_string()))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEntry, A::Error> {
                let mut table = Map::new();
                // toml hands a datetime to serde as a map with one private key, which no
                // spanned key accepts: say what the user wrote instead.
                let next_key = |map: &mut A| {
                    map.next_key::<Spanned<String>>().map_err(|e| {
                        if e.to_string().contains("$__toml_private_datetime") {
                            A::Error::invalid_type(Unexpected::Other("datetime"), &EntryVisitor)
                        } else {
                            e
                        }
                    })
                };
                while let Some(key) = next_key(&mut map)? {
                    let value = map.next_value::<Spanned<toml::Value>>()?;
                    table.insert(key, value);
                }
                Ok(RawEntry::Table(table))
            }
        }

        deserializer.deserialize_any(EntryVisitor)
    }
}
