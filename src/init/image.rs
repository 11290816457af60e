//! Container image references (`postgres:16-alpine`, `docker.io/bitnami/redis:7.2`) → the
//! datastore they run and its release line.

use super::store::Store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub store: Store,
    /// The release line from the tag: `16-alpine` → `16`; none for `latest` or `alpine`.
    pub version: Option<String>,
    /// Said when the image is a relative of the store (MariaDB, Valkey).
    pub remark: Option<&'static str>,
    /// A PostgreSQL extension the image has built in (PostGIS).
    pub extension: Option<&'static str>,
}

/// Pure. `None` when the image is no datastore devup knows, or its name is not written out
/// (`${{ matrix.image }}`). Interpolations with a default (`postgres:${PG:-15}`) use the default.
pub fn parse(reference: &str) -> Option<Image> {
    let (reference, complete) = super::service::resolve(reference);
    let reference = reference.split('@').next().unwrap_or_default();
    let last = reference.rsplit('/').next().unwrap_or_default();
    let (name, tag) = last.split_once(':').unwrap_or((last, ""));
    let (store, remark) = Store::from_name(name)?;
    let numeric: String = tag.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    let numeric = numeric.trim_end_matches('.');
    let same = Store::same_versions(name);
    let version = (complete && same && !numeric.is_empty()).then(|| store.release_line(numeric));
    let note = store.detect().image_version_note.as_str();
    let remark = remark.or((!same && !note.is_empty() && !numeric.is_empty()).then_some(note));
    let extension = store
        .detect()
        .image_extensions
        .iter()
        .find(|(image, _)| image.eq_ignore_ascii_case(name))
        .map(|(_, e)| e.as_str());
    Some(Image { store, version, remark, extension })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(reference: &str) -> Option<String> {
        parse(reference).and_then(|i| i.version)
    }

    #[test]
    fn stores_and_versions() {
        assert_eq!(parse("postgres:16").unwrap().store, Store::postgres());
        assert_eq!(version("postgres:16").as_deref(), Some("16"));
        assert_eq!(version("postgres:15.4-alpine3.18").as_deref(), Some("15"));
        assert_eq!(version("docker.io/library/postgres:14-bookworm").as_deref(), Some("14"));
        assert_eq!(version("postgis/postgis:15-3.4").as_deref(), Some("15"));
        assert_eq!(parse("postgis/postgis:15-3.4").unwrap().extension, Some("postgis"));
        assert_eq!(version("redis:7-alpine").as_deref(), Some("7"));
        assert_eq!(version("bitnami/redis:7.2.4").as_deref(), Some("7"));
        assert_eq!(version("memcached:1.6-alpine").as_deref(), Some("1.6"));
        assert_eq!(version("registry.local:5000/postgres:13").as_deref(), Some("13"));
        assert_eq!(version("postgres@sha256:abc").as_deref(), None);
    }

    #[test]
    fn no_version() {
        assert_eq!(parse("postgres").unwrap().version, None);
        assert_eq!(version("postgres:latest"), None);
        assert_eq!(version("redis:alpine"), None);
        let maria = parse("mariadb:10.11").unwrap();
        assert_eq!((maria.store, maria.version), (Store::mysql(), None));
        assert!(maria.remark.is_some());
        let mysql = parse("mysql:8.0.33").unwrap();
        assert_eq!((mysql.store, mysql.version), (Store::mysql(), None), "devup's mysql is MariaDB on Debian");
        assert!(mysql.remark.unwrap().contains("MariaDB's versions are not MySQL's"));
        assert_eq!(parse("mysql").unwrap().remark, None, "no version, nothing to say");
    }

    #[test]
    fn interpolation() {
        assert_eq!(version("postgres:${PG_VERSION:-15}").as_deref(), Some("15"));
        assert_eq!(version("postgres:${PG_VERSION}"), None);
        assert_eq!(parse("postgres:${{ matrix.pg }}").unwrap().version, None);
        assert_eq!(parse("${{ matrix.image }}"), None);
    }

    #[test]
    fn not_a_datastore() {
        assert_eq!(parse("node:20"), None);
        assert_eq!(parse("mongo:7"), None);
        assert_eq!(parse(""), None);
    }
}
