//! The shape of `devup.toml` as serde reads it, with the byte spans needed for diagnostics.
//! `mod.rs` turns this into the validated `Manifest`.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};
use toml::Spanned;

pub type Map<T> = BTreeMap<Spanned<String>, Spanned<T>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawManifest {
    pub project: Option<RawProject>,
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
    pub step: Vec<Spanned<RawStep>>,
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
    pub description: Option<String>,
    pub check: Spanned<String>,
    pub apply: Spanned<String>,
    #[serde(default)]
    pub requires: Vec<Spanned<String>>,
    pub cwd: Option<Spanned<String>>,
    #[serde(default)]
    pub env: Map<toml::Value>,
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
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let value = map.next_value::<Spanned<toml::Value>>()?;
                    table.insert(key, value);
                }
                Ok(RawEntry::Table(table))
            }
        }

        deserializer.deserialize_any(EntryVisitor)
    }
}
