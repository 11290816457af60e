//! Unpacking a tool's archive into a directory of its own, all or nothing.
//!
//! Entries go into a sibling directory (`.<name>.partial-<pid>-<random>`) renamed to the
//! destination once every entry is out, so a killed unpack never leaves a directory that passes
//! for an installed tool. An archive cannot write outside that directory: paths that are
//! absolute or hold `..` are refused, so is writing through a symlink the archive made, and
//! every symlink must resolve, link by link, to a place inside the tree.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Read, Seek};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::{DownloadError, partial_prefix, remove_stale_partials};

/// More links than this on one path is a loop (the kernel's limit is 40).
const MAX_HOPS: usize = 40;

pub(super) fn unpack(archive: &Path, dest: &Path, strip: usize) -> Result<(), DownloadError> {
    let (parent, name) = match (dest.parent(), dest.file_name()) {
        (Some(parent), Some(name)) => (if parent.as_os_str().is_empty() { Path::new(".") } else { parent }, name),
        _ => return Err(DownloadError::new(format!("cannot unpack into {}: it names no directory", dest.display()))),
    };
    if dest.symlink_metadata().is_ok() {
        return Err(DownloadError::new(format!(
            "cannot unpack {} into {}: it exists already; remove it to unpack again",
            archive.display(),
            dest.display()
        )));
    }
    let dir_error = |e| DownloadError::io(format!("cannot unpack into {}", parent.display()), e);
    fs::create_dir_all(parent).map_err(dir_error)?;
    remove_stale_partials(parent, name);
    let partial = tempfile::Builder::new().prefix(&partial_prefix(name)).tempdir_in(parent).map_err(dir_error)?;
    // tempfile makes it private; a tool's directory is for everyone to run.
    fs::set_permissions(partial.path(), fs::Permissions::from_mode(0o755)).map_err(dir_error)?;
    let unpacked = extract(archive, partial.path(), strip).and_then(|()| check_links(partial.path()));
    // Dropping `partial` on an error removes what was unpacked.
    unpacked.map_err(|e| DownloadError::new(format!("cannot unpack {}: {e}", archive.display())))?;
    fs::rename(partial.path(), dest)
        .map_err(|e| DownloadError::io(format!("cannot move the unpacked files to {}", dest.display()), e))?;
    // Renamed: nothing is left for it to remove.
    let _ = partial.keep();
    Ok(())
}

fn extract(archive: &Path, root: &Path, strip: usize) -> Result<(), String> {
    let mut tar = tar::Archive::new(decompressed(archive)?);
    for entry in tar.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| format!("the archive is damaged: {e}"))?;
        let path = entry.path().map_err(|e| format!("the archive is damaged: {e}"))?.into_owned();
        let placed = match relative(&path, strip) {
            Ok(Some(rel)) => place(&mut entry, root, &rel, strip),
            Ok(None) => Ok(()),
            Err(e) => Err(e),
        };
        placed.map_err(|e| format!("entry `{}` {e}", path.display()))?;
    }
    Ok(())
}

/// The archive's tar stream: it must be gzip-compressed (`.tgz`, `.tar.gz`). The cached file
/// has no extension (it is named by its checksum), so its first bytes tell.
fn decompressed(archive: &Path) -> Result<impl Read, String> {
    let mut file = File::open(archive).map_err(|e| e.to_string())?;
    let mut magic = [0; 2];
    file.read_exact(&mut magic).map_err(|e| format!("cannot read it: {e}"))?;
    if magic != [0x1f, 0x8b] {
        return Err("it is not gzip-compressed; devup unpacks .tgz and .tar.gz archives".into());
    }
    file.rewind().map_err(|e| e.to_string())?;
    // Multi-member: concatenated gzip streams are one valid archive.
    Ok(flate2::read::MultiGzDecoder::new(file))
}

/// `path` relative to the destination, without its first `strip` components; `None` when
/// nothing is left (npm's `package/` itself).
fn relative(path: &Path, strip: usize) -> Result<Option<PathBuf>, String> {
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part),
            Component::CurDir => {}
            Component::ParentDir => return Err("has a `..` component: refused, it could write outside".into()),
            Component::RootDir | Component::Prefix(_) => return Err("is an absolute path: refused".into()),
        }
    }
    Ok((parts.len() > strip).then(|| parts[strip..].iter().collect()))
}

fn place<R: Read>(entry: &mut tar::Entry<R>, root: &Path, rel: &Path, strip: usize) -> Result<(), String> {
    let dst = root.join(rel);
    make_parents(root, rel)?;
    let kind = entry.header().entry_type();
    match kind {
        tar::EntryType::Directory => make_dir(&dst),
        tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => write_file(entry, &dst),
        tar::EntryType::Symlink => {
            // Where it points is checked once the whole tree is out (`check_links`): a link's
            // target may come later in the archive.
            let target = link_name(entry)?;
            if target.has_root() {
                return Err(format!("is a symlink to the absolute path {}: refused", target.display()));
            }
            replace_non_dir(&dst)?;
            std::os::unix::fs::symlink(&target, &dst).map_err(|e| e.to_string())
        }
        tar::EntryType::Link => {
            let target = link_name(entry)?;
            let target = relative(&target, strip)
                .and_then(|t| t.ok_or_else(|| "is stripped away".to_string()))
                .map_err(|e| format!("is a hard link whose target `{}` {e}", target.display()))?;
            no_symlink_on_the_way(root, &target)?;
            replace_non_dir(&dst)?;
            fs::hard_link(root.join(&target), &dst)
                .map_err(|e| format!("is a hard link to `{}`: {e}", target.display()))
        }
        // pax global headers hold metadata for the whole archive, nothing to write.
        tar::EntryType::XGlobalHeader => Ok(()),
        other => Err(format!("is of type {other:?}, which a tool's archive has no use for: refused")),
    }
}

fn link_name<R: Read>(entry: &tar::Entry<R>) -> Result<PathBuf, String> {
    match entry.link_name() {
        Ok(Some(target)) => Ok(target.into_owned()),
        Ok(None) => Err("is a link without a target".into()),
        Err(e) => Err(format!("has an unreadable link target: {e}")),
    }
}

/// Makes the directories above `rel`, refusing to go through a symlink: the archive's own links
/// could otherwise lead a later entry outside the tree.
fn make_parents(root: &Path, rel: &Path) -> Result<(), String> {
    let mut dir = root.to_path_buf();
    for part in rel.parent().into_iter().flat_map(Path::components) {
        dir.push(part);
        match dir.symlink_metadata() {
            Ok(meta) if meta.is_dir() => {}
            Ok(meta) if meta.is_symlink() => return Err(through_symlink(root, &dir)),
            Ok(_) => return Err(format!("is inside `{}`, which is a file", shown(root, &dir))),
            Err(_) => fs::create_dir(&dir).map_err(|e| format!("cannot be created: {e}"))?,
        }
    }
    Ok(())
}

/// Refuses a hard link whose target is reached through a symlink (the link would share an
/// outside file).
fn no_symlink_on_the_way(root: &Path, rel: &Path) -> Result<(), String> {
    let mut path = root.to_path_buf();
    for part in rel.parent().into_iter().flat_map(Path::components) {
        path.push(part);
        if path.is_symlink() {
            return Err(through_symlink(root, &path));
        }
    }
    Ok(())
}

fn through_symlink(root: &Path, link: &Path) -> String {
    format!("goes through `{}`, a symlink in the archive: refused", shown(root, link))
}

fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

fn make_dir(dst: &Path) -> Result<(), String> {
    match dst.symlink_metadata() {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err("is a directory, but a file of that name came first".into()),
        Err(_) => fs::create_dir(dst).map_err(|e| e.to_string()),
    }
}

/// A later entry of the same name replaces an earlier one, as tar does, but never a directory.
fn replace_non_dir(dst: &Path) -> Result<(), String> {
    match dst.symlink_metadata() {
        Ok(meta) if meta.is_dir() => Err("is a file, but a directory of that name came first".into()),
        Ok(_) => fs::remove_file(dst).map_err(|e| e.to_string()),
        Err(_) => Ok(()),
    }
}

/// Writes a regular file with the archive's permissions, less setuid and group or world write:
/// executables stay executable, and nobody else can replace a tool devup runs.
fn write_file<R: Read>(entry: &mut tar::Entry<R>, dst: &Path) -> Result<(), String> {
    replace_non_dir(dst)?;
    let header = entry.header();
    let mode = header.mode().map_err(|e| format!("has an unreadable mode: {e}"))? & 0o755;
    let mtime = header.mtime().ok();
    // create_new: never follows a symlink that might be where the file goes.
    let mut file =
        fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(dst).map_err(|e| e.to_string())?;
    io::copy(entry, &mut file).map_err(|e| format!("cannot be read or written: {e}"))?;
    file.set_permissions(fs::Permissions::from_mode(mode)).map_err(|e| e.to_string())?;
    // Kept because some tools compare them (Python's .pyc caches record their source's mtime).
    if let Some(mtime) = mtime {
        let _ = file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(mtime));
    }
    Ok(())
}

/// Checks that every symlink in the tree resolves inside it. Done at the end because a link's
/// meaning depends on links that may come later in the archive (`s -> .` makes `s/..` leave).
fn check_links(root: &Path) -> Result<(), String> {
    let mut dirs = vec![PathBuf::new()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(root.join(&dir)).map_err(|e| e.to_string())? {
            let entry = entry.map_err(|e| e.to_string())?;
            let rel = dir.join(entry.file_name());
            let kind = entry.file_type().map_err(|e| e.to_string())?;
            if kind.is_dir() {
                dirs.push(rel);
            } else if kind.is_symlink() {
                resolve_inside(root, &rel)
                    .map_err(|e| format!("the unpacked `{}` is a symlink {e}: refused", rel.display()))?;
            }
        }
    }
    Ok(())
}

/// Follows the symlink at `rel` component by component, expanding the tree's own links as the
/// kernel would, and fails if that ever climbs above `root`. Parts that do not exist are taken
/// as they are written.
fn resolve_inside(root: &Path, rel: &Path) -> Result<(), String> {
    let mut at: Vec<OsString> = rel.parent().into_iter().flat_map(Path::iter).map(Into::into).collect();
    let mut todo = Vec::new();
    push_target(&mut todo, root, rel)?;
    let mut hops = 1;
    while let Some(part) = todo.pop() {
        match part {
            Part::Up if at.pop().is_none() => return Err("that points outside the directory".into()),
            Part::Up => {}
            Part::Name(name) => {
                at.push(name);
                let here: PathBuf = at.iter().collect();
                if root.join(&here).is_symlink() {
                    hops += 1;
                    if hops > MAX_HOPS {
                        return Err("in a loop of links".into());
                    }
                    at.pop();
                    push_target(&mut todo, root, &here)?;
                }
            }
        }
    }
    Ok(())
}

enum Part {
    Up,
    Name(OsString),
}

/// Pushes the target of the link at `rel` onto `todo`, last component first (it is a stack).
fn push_target(todo: &mut Vec<Part>, root: &Path, rel: &Path) -> Result<(), String> {
    let target = fs::read_link(root.join(rel)).map_err(|e| e.to_string())?;
    let mut parts = Vec::new();
    for component in target.components() {
        match component {
            Component::Normal(name) => parts.push(Part::Name(name.into())),
            Component::ParentDir => parts.push(Part::Up),
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!("to the absolute path {}", target.display()));
            }
        }
    }
    todo.extend(parts.into_iter().rev());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::System;
    use flate2::write::GzEncoder;

    type Builder = tar::Builder<GzEncoder<Vec<u8>>>;

    /// A .tgz made by `add`, written into a fresh directory, with where to unpack it.
    fn archive(add: impl FnOnce(&mut Builder)) -> (tempfile::TempDir, PathBuf, PathBuf) {
        let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), flate2::Compression::fast()));
        add(&mut builder);
        let bytes = builder.into_inner().unwrap().finish().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tool.tgz");
        fs::write(&path, bytes).unwrap();
        let dest = dir.path().join("tool");
        (dir, path, dest)
    }

    fn file(builder: &mut Builder, path: &str, mode: u32, content: &[u8]) {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(content.len() as u64);
        header.set_mode(mode);
        header.set_mtime(1_000_000_000);
        builder.append_data(&mut header, path, content).unwrap();
    }

    fn dir(builder: &mut Builder, path: &str) {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Directory);
        header.set_size(0);
        header.set_mode(0o755);
        builder.append_data(&mut header, path, io::empty()).unwrap();
    }

    fn link(builder: &mut Builder, kind: tar::EntryType, path: &str, target: &str) {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(kind);
        header.set_size(0);
        header.set_mode(0o777);
        header.set_link_name_literal(target).unwrap();
        raw_path(&mut header, path);
        builder.append(&header, io::empty()).unwrap();
    }

    /// A file entry whose name is written as is: `tar::Builder` refuses to make evil archives.
    fn raw_file(builder: &mut Builder, path: &str) {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(4);
        header.set_mode(0o644);
        raw_path(&mut header, path);
        builder.append(&header, &b"evil"[..]).unwrap();
    }

    fn raw_path(header: &mut tar::Header, path: &str) {
        header.as_old_mut().name[..path.len()].copy_from_slice(path.as_bytes());
        header.set_cksum();
    }

    fn mode(path: &Path) -> u32 {
        fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
    }

    /// What is left beside the archive: the destination or a partial directory would show.
    fn beside(archive: &Path) -> Vec<String> {
        let mut names: Vec<_> = fs::read_dir(archive.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn unpacks_with_strip_keeping_modes() {
        let (_dir, archive, dest) = archive(|b| {
            dir(b, "package/");
            file(b, "package/bin/node", 0o4777, b"#!/bin/sh\n");
            file(b, "package/README.md", 0o644, b"read me");
            file(b, "package/lib/data.txt", 0o600, b"data");
        });
        System::new().unpack(&archive, &dest, 1).unwrap();
        assert_eq!(fs::read(dest.join("bin/node")).unwrap(), b"#!/bin/sh\n");
        assert_eq!(mode(&dest.join("bin/node")), 0o755, "executable; no setuid, no group or world write");
        assert_eq!(mode(&dest.join("README.md")), 0o644);
        assert_eq!(mode(&dest.join("lib/data.txt")), 0o600);
        assert_eq!(mode(&dest), 0o755);
        let mtime = fs::metadata(dest.join("README.md")).unwrap().modified().unwrap();
        assert_eq!(mtime, SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000));
        assert_eq!(beside(&archive), ["tool", "tool.tgz"], "no partial directory is left");
    }

    #[test]
    fn refuses_parent_components_and_absolute_paths_leaving_nothing() {
        for (evil, why) in [("package/../../evil", "`..`"), ("/tmp/evil", "absolute"), ("../evil", "`..`")] {
            let (_dir, archive, dest) = archive(|b| {
                file(b, "package/ok", 0o644, b"fine");
                raw_file(b, evil);
            });
            let err = System::new().unpack(&archive, &dest, 1).unwrap_err().to_string();
            assert!(err.contains(&format!("entry `{evil}`")) && err.contains(why), "{err}");
            assert!(err.contains(&archive.display().to_string()), "{err}");
            assert_eq!(beside(&archive), ["tool.tgz"], "neither the destination nor a partial directory");
        }
    }

    #[test]
    fn stale_partial_directories_are_removed_first() {
        let (_dir, archive, dest) = archive(|b| file(b, "package/ok", 0o644, b"fine"));
        let stale = archive.with_file_name(".tool.partial-999999999-abc");
        fs::create_dir_all(stale.join("bin")).unwrap();
        fs::write(stale.join("bin/half-written"), b"").unwrap();
        System::new().unpack(&archive, &dest, 1).unwrap();
        assert_eq!(beside(&archive), ["tool", "tool.tgz"]);
    }

    #[test]
    fn an_existing_destination_is_refused_and_kept() {
        let (_dir, archive, dest) = archive(|b| file(b, "package/ok", 0o644, b"fine"));
        fs::create_dir(&dest).unwrap();
        fs::write(dest.join("mine"), b"keep").unwrap();
        let err = System::new().unpack(&archive, &dest, 1).unwrap_err().to_string();
        assert!(err.contains("exists already"), "{err}");
        assert_eq!(fs::read(dest.join("mine")).unwrap(), b"keep");
        assert_eq!(beside(&archive), ["tool", "tool.tgz"]);
    }

    #[test]
    fn symlinks_and_hard_links_inside_the_tree_are_kept() {
        let (_dir, archive, dest) = archive(|b| {
            // node's tarball: bin/npm -> ../lib/node_modules/npm/bin/npm-cli.js, before its target.
            link(b, tar::EntryType::Symlink, "package/bin/npm", "../lib/npm/npm-cli.js");
            file(b, "package/lib/npm/npm-cli.js", 0o755, b"cli");
            link(b, tar::EntryType::Symlink, "package/lib/current", ".");
            link(b, tar::EntryType::Link, "package/lib/npm/copy.js", "package/lib/npm/npm-cli.js");
        });
        System::new().unpack(&archive, &dest, 1).unwrap();
        assert_eq!(fs::read_link(dest.join("bin/npm")).unwrap(), Path::new("../lib/npm/npm-cli.js"));
        assert_eq!(fs::read(dest.join("bin/npm")).unwrap(), b"cli");
        assert_eq!(fs::read(dest.join("lib/current/npm/copy.js")).unwrap(), b"cli");
    }

    #[test]
    fn links_that_lead_outside_the_tree_are_refused() {
        let cases: [&[(tar::EntryType, &str, &str)]; 6] = [
            &[(tar::EntryType::Symlink, "package/passwd", "../../../etc/passwd")],
            &[(tar::EntryType::Symlink, "package/passwd", "/etc/passwd")],
            // Each link stays inside on its own; together `t` is the tree's parent.
            &[(tar::EntryType::Symlink, "package/t", "s/.."), (tar::EntryType::Symlink, "package/s", ".")],
            &[(tar::EntryType::Symlink, "package/a", "b"), (tar::EntryType::Symlink, "package/b", "a")],
            &[(tar::EntryType::Link, "package/passwd", "/etc/passwd")],
            &[(tar::EntryType::Link, "package/passwd", "package/../../etc/passwd")],
        ];
        for links in cases {
            let (_dir, archive, dest) = archive(|b| {
                for (kind, path, target) in links {
                    link(b, *kind, path, target);
                }
            });
            let err = System::new().unpack(&archive, &dest, 1).unwrap_err().to_string();
            assert!(err.contains("refused") || err.contains("loop"), "{links:?}: {err}");
            assert_eq!(beside(&archive), ["tool.tgz"], "{links:?}");
        }
    }

    #[test]
    fn writing_through_a_symlink_of_the_archive_is_refused() {
        let (_dir, archive, dest) = archive(|b| {
            link(b, tar::EntryType::Symlink, "package/lib", ".");
            file(b, "package/lib/x", 0o644, b"x");
        });
        let err = System::new().unpack(&archive, &dest, 1).unwrap_err().to_string();
        assert!(err.contains("goes through `lib`, a symlink in the archive"), "{err}");
    }

    #[test]
    fn a_file_that_is_not_gzip_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("sha512-abc");
        fs::write(&archive, b"<html>not an archive</html>").unwrap();
        let err = System::new().unpack(&archive, &dir.path().join("tool"), 0).unwrap_err().to_string();
        assert!(err.contains("not gzip-compressed"), "{err}");
        assert_eq!(beside(&archive), ["sha512-abc"]);
    }
}
