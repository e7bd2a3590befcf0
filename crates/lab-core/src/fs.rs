//! Writing a rendered tree to disk all at once, and reading one back.
//!
//! A render goes to a fresh sibling folder `.generated.tmp-<pid>`, is flushed to disk, and is
//! then swapped with `generated/` in one `renameat2(RENAME_EXCHANGE)` call: a reader (or a
//! killed render) sees the old tree or the new one, never a mix. Files the new render does not
//! produce are gone because the old folder is removed whole.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{Error, Files};

/// Contents of a folder on disk: relative path (with `/`) → bytes.
pub type DiskTree = BTreeMap<String, Vec<u8>>;

/// What a write changed, compared with the tree it replaced.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct WriteSummary {
    pub written: usize,
    pub changed: usize,
    pub removed: usize,
}

/// Reads every regular file below `root`. A missing root is an empty tree; a symlink anywhere
/// is an error, since ArgoCD and git would see something else than we do.
pub fn read_tree(root: &Path) -> Result<DiskTree, Error> {
    let mut out = DiskTree::new();
    if !root.exists() {
        return Ok(out);
    }
    read_dir_into(root, root, &mut out)?;
    Ok(out)
}

fn read_dir_into(root: &Path, dir: &Path, out: &mut DiskTree) -> Result<(), Error> {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| Error::io(dir, e))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if kind.is_symlink() {
            return Err(Error::Unsafe(format!(
                "{} is a symlink; generated/ holds plain files only",
                path.display()
            )));
        } else if kind.is_dir() {
            read_dir_into(root, &path, out)?;
        } else {
            let rel = path
                .strip_prefix(root)
                .map_err(|_| Error::Unsafe(format!("{} is outside the root", path.display())))?
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let bytes = fs::read(&path).map_err(|e| Error::io(&path, e))?;
            out.insert(rel, bytes);
        }
    }
    Ok(())
}

/// Files of a render as a [`DiskTree`], to compare with what is on disk.
pub fn as_disk_tree(files: &Files) -> DiskTree {
    files
        .iter()
        .map(|(p, text)| (p.to_string(), text.as_bytes().to_vec()))
        .collect()
}

/// Replaces `out` with exactly `files`, atomically, creating its parent folders.
pub fn write_tree(files: &Files, out: &Path) -> Result<WriteSummary, Error> {
    let meta = fs::symlink_metadata(out);
    if let Ok(m) = &meta
        && !m.is_dir()
    {
        return Err(Error::Unsafe(format!(
            "{} exists and is not a plain folder",
            out.display()
        )));
    }
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    let base = out
        .file_name()
        .ok_or_else(|| Error::Unsafe(format!("{} has no folder name", out.display())))?
        .to_string_lossy()
        .into_owned();
    remove_leftovers(parent, &base)?;

    let old = read_tree(out)?;
    let staging = parent.join(format!(".{base}.tmp-{}", std::process::id()));
    let result = stage(files, &staging).and_then(|()| swap_in(&staging, out, meta.is_ok()));
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result?;

    let new = as_disk_tree(files);
    Ok(WriteSummary {
        written: new.len(),
        changed: new.iter().filter(|(p, b)| old.get(*p) != Some(b)).count(),
        removed: old.keys().filter(|p| !new.contains_key(*p)).count(),
    })
}

/// Stale staging folders of renders that were killed.
fn remove_leftovers(parent: &Path, base: &str) -> Result<(), Error> {
    let prefix = format!(".{base}.tmp-");
    for entry in fs::read_dir(parent).map_err(|e| Error::io(parent, e))? {
        let entry = entry.map_err(|e| Error::io(parent, e))?;
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            fs::remove_dir_all(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
        }
    }
    Ok(())
}

fn stage(files: &Files, staging: &Path) -> Result<(), Error> {
    fs::create_dir(staging).map_err(|e| Error::io(staging, e))?;
    let mut dirs: Vec<PathBuf> = vec![staging.to_path_buf()];
    for (rel, text) in files {
        // RelPath guarantees no `..`, no absolute path and no hidden component, and the
        // staging folder is new, so no symlink can redirect the write.
        let path = rel.under(staging);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            dirs.push(dir.to_path_buf());
        }
        let mut f = fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
        f.write_all(text.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|e| Error::io(&path, e))?;
    }
    dirs.sort();
    dirs.dedup();
    for dir in dirs {
        fs::File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io(&dir, e))?;
    }
    Ok(())
}

fn swap_in(staging: &Path, out: &Path, out_exists: bool) -> Result<(), Error> {
    if !out_exists {
        return fs::rename(staging, out).map_err(|e| Error::io(out, e));
    }
    exchange(staging, out)?;
    // `staging` now holds the previous tree.
    fs::remove_dir_all(staging).map_err(|e| Error::io(staging, e))
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> Result<(), Error> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE)
        .map_err(|e| Error::io(b, std::io::Error::from(e)))
}

#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> Result<(), Error> {
    // Without an atomic exchange: move the old tree aside, move the new one in. A kill between
    // the two renames leaves the old tree beside, under a name `remove_leftovers` cleans.
    let aside = a.with_extension("old");
    fs::rename(b, &aside).map_err(|e| Error::io(b, e))?;
    fs::rename(a, b).map_err(|e| Error::io(b, e))?;
    fs::rename(&aside, a).map_err(|e| Error::io(a, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RelPath;

    fn files(entries: &[(&str, &str)]) -> Files {
        entries
            .iter()
            .map(|(p, t)| (RelPath::new(*p).unwrap(), t.to_string()))
            .collect()
    }

    #[test]
    fn write_replaces_the_tree_and_counts_changes() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("generated");
        let first = files(&[("a/x.yaml", "1\n"), ("a/y.yaml", "2\n")]);
        assert_eq!(
            write_tree(&first, &out).unwrap(),
            WriteSummary {
                written: 2,
                changed: 2,
                removed: 0
            }
        );
        let second = files(&[("a/x.yaml", "1\n"), ("b/z.yaml", "3\n")]);
        assert_eq!(
            write_tree(&second, &out).unwrap(),
            WriteSummary {
                written: 2,
                changed: 1,
                removed: 1
            }
        );
        assert_eq!(read_tree(&out).unwrap(), as_disk_tree(&second));
        assert!(!out.join("a/y.yaml").exists(), "stale file must disappear");
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "only generated/ remains");
    }

    #[test]
    fn a_symlinked_output_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        fs::create_dir(&elsewhere).unwrap();
        let out = dir.path().join("generated");
        std::os::unix::fs::symlink(&elsewhere, &out).unwrap();
        let err = write_tree(&files(&[("a.yaml", "x\n")]), &out).unwrap_err();
        assert!(err.to_string().contains("not a plain folder"), "{err}");
        assert_eq!(fs::read_dir(&elsewhere).unwrap().count(), 0);
    }

    #[test]
    fn leftovers_of_a_killed_render_are_cleaned() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("generated");
        fs::create_dir_all(dir.path().join(".generated.tmp-999/half")).unwrap();
        write_tree(&files(&[("a.yaml", "x\n")]), &out).unwrap();
        assert!(!dir.path().join(".generated.tmp-999").exists());
    }
}
