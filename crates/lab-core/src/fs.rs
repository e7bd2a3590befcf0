//! Writing a rendered tree to disk all at once, and reading one back.
//!
//! Writers are serialised by an exclusive `flock` on `.generated.lock` beside the output
//! folder, held for the whole write: a second render waits, and a killed one releases it with
//! its last file descriptor. Under the lock, a render that changes nothing writes nothing. A
//! changed render goes to a fresh sibling folder `.generated.tmp-<pid>`, where files whose bytes
//! did not change are hard links to the old tree's (already on disk, and no more or less durable
//! than they were) and only the others are written. What was written reaches the disk before
//! the swap: an `fsync` per new file and folder, from many threads at once, when few files
//! were written, else one `syncfs`. Then the
//! folder is swapped with `generated/` in one `renameat2(RENAME_EXCHANGE)`: at any moment the
//! path names the old tree or the new one, never a mix. Files the new render does not produce
//! vanish with the old folder. Since every writer holds the lock while its staging folder
//! exists, a staging folder found by the holder of the lock belongs to a dead render and is
//! removed; a live one is never touched. Readers of this module take the lock shared, so
//! `check` never reads half of an old tree that is being removed.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::fs;
use std::path::{Path, PathBuf};

use rustix::fs::{FlockOperation, flock};

use crate::{Error, Files};

/// Contents of a folder on disk: relative path (with `/`) → bytes.
pub type DiskTree = BTreeMap<String, Vec<u8>>;

/// What a write changed, compared with the tree it replaced.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct WriteSummary {
    /// Files in the new tree.
    pub written: usize,
    pub changed: usize,
    pub removed: usize,
}

impl WriteSummary {
    /// Nothing changed, so nothing was written.
    pub fn unchanged(&self) -> bool {
        self.changed == 0 && self.removed == 0
    }
}

/// An error that says what was being done, then where and why.
fn failed(action: impl Display, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let action = format!("{action} {}", path.display());
    move |cause| Error::Io {
        path: action,
        cause,
    }
}

/// The lock file guarding `out` (`.<name>.lock` beside it), and `out`'s parent and name.
fn lock_path(out: &Path) -> Result<(PathBuf, String, PathBuf), Error> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let base = out
        .file_name()
        .ok_or_else(|| Error::Unsafe(format!("{} has no folder name", out.display())))?
        .to_string_lossy()
        .into_owned();
    let lock = parent.join(format!(".{base}.lock"));
    Ok((parent, base, lock))
}

/// Reads every regular file below `root`. A missing root is an empty tree; a symlink anywhere
/// is an error, since ArgoCD and git would see something else than we do. When a writer's lock
/// exists beside `root`, it is taken shared, so the tree read is one whole render.
pub fn read_tree(root: &Path) -> Result<DiskTree, Error> {
    let _shared = match lock_path(root) {
        Ok((_, _, lock)) => match fs::File::open(&lock) {
            Ok(file) => {
                flock(&file, FlockOperation::LockShared)
                    .map_err(|e| failed("waiting for the render lock", &lock)(e.into()))?;
                Some(file)
            }
            Err(_) => None, // no writer ever ran here (or a read-only copy): nothing to wait for
        },
        Err(_) => None,
    };
    read_unlocked(root)
}

fn read_unlocked(root: &Path) -> Result<DiskTree, Error> {
    let mut out = DiskTree::new();
    if !root.exists() {
        return Ok(out);
    }
    read_dir_into(root, root, &mut out)?;
    Ok(out)
}

fn read_dir_into(root: &Path, dir: &Path, out: &mut DiskTree) -> Result<(), Error> {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .map_err(failed("reading the folder", dir))?
        .collect::<Result<_, _>>()
        .map_err(failed("reading the folder", dir))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(failed("reading the type of", &path))?;
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
            let bytes = fs::read(&path).map_err(failed("reading", &path))?;
            out.insert(rel, bytes);
        }
    }
    Ok(())
}

/// Replaces one existing file with `text` atomically (a sibling temporary file renamed over
/// it), so a reader never sees half a file: for the generated sections of hand-written pages,
/// which live outside `generated/` and so outside [`write_tree`]'s swap.
pub fn replace_file(path: &Path, text: &str) -> Result<(), Error> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::Unsafe(format!("{} is not a file", path.display())))?
        .to_string_lossy();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    fs::write(&tmp, text).map_err(failed("writing", &tmp))?;
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        failed("replacing", path)(e)
    })
}

/// Files of a render as a [`DiskTree`], to compare with what is on disk.
pub fn as_disk_tree(files: &Files) -> DiskTree {
    files
        .iter()
        .map(|(p, text)| (p.to_string(), text.as_bytes().to_vec()))
        .collect()
}

/// Test-only crash points: when `LAB_FS_ABORT` names one, the process aborts there, as if
/// killed, so tests can kill a render at an exact step instead of after a guessed delay.
const ABORT_ENV: &str = "LAB_FS_ABORT";

fn crash_point(name: &str) {
    if std::env::var_os(ABORT_ENV).is_some_and(|v| v == name) {
        std::process::abort();
    }
}

/// Replaces `out` with exactly `files`, atomically, creating its parent folders. Concurrent
/// calls (threads or processes) are serialised; a call that would change nothing writes nothing.
pub fn write_tree(files: &Files, out: &Path) -> Result<WriteSummary, Error> {
    if let Ok(m) = fs::symlink_metadata(out)
        && !m.is_dir()
    {
        return Err(Error::Unsafe(format!(
            "{} exists and is not a plain folder",
            out.display()
        )));
    }
    let (parent, base, lock) = lock_path(out)?;
    fs::create_dir_all(&parent).map_err(failed("creating the output's parent folder", &parent))?;
    let lock_file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
        .map_err(failed("opening the render lock", &lock))?;
    flock(&lock_file, FlockOperation::LockExclusive)
        .map_err(|e| failed("waiting for the render lock", &lock)(e.into()))?;
    crash_point("locked");

    // Under the lock: nobody else writes, so what is on disk is what we replace.
    let exists = fs::symlink_metadata(out).is_ok();
    let old = read_unlocked(out)?;
    let new = as_disk_tree(files);
    let summary = WriteSummary {
        written: new.len(),
        changed: new.iter().filter(|(p, b)| old.get(*p) != Some(b)).count(),
        removed: old.keys().filter(|p| !new.contains_key(*p)).count(),
    };
    remove_leftovers(&parent, &base)?;
    if summary.unchanged() && exists {
        return Ok(summary);
    }

    let staging = parent.join(format!(".{base}.tmp-{}", std::process::id()));
    let result =
        stage(files, &staging, out, &old).and_then(|()| swap_in(&staging, out, exists, &parent));
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result?;
    drop(lock_file);
    Ok(summary)
}

/// Staging folders of renders that died: only called with the lock held, and every live
/// writer holds the lock while its staging folder exists, so each one found is stale.
fn remove_leftovers(parent: &Path, base: &str) -> Result<(), Error> {
    let prefix = format!(".{base}.tmp-");
    for entry in fs::read_dir(parent).map_err(failed("reading the folder", parent))? {
        let entry = entry.map_err(failed("reading the folder", parent))?;
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let path = entry.path();
            fs::remove_dir_all(&path).map_err(failed(
                "removing the staging folder of a killed render",
                &path,
            ))?;
        }
    }
    Ok(())
}

/// Above this many written files, one `syncfs` is cheaper than an `fsync` each (a first
/// render of 11,900 files: 0.8 s against 2.3 s). `syncfs` also waits for whatever else is dirty
/// on the file system (a build beside it cost 760 ms for a one-file change), so small changes
/// flush file by file.
const FSYNC_AT_MOST: usize = 64;

/// Flushes at once: ext4 (and most journaling file systems) merges the cache flushes of
/// concurrent `fsync`s, so the ~200 new folders of a one-file change cost about one flush
/// instead of 200 (measured on a busy disk: 12 ms instead of 730 ms).
const FLUSH_THREADS: usize = 16;

/// Builds the new tree in `staging`. A file whose bytes are already in `out` is hard-linked
/// from there instead of written: its data is on disk already, and after the swap the new tree
/// holds the same inode the old one did. Only written files and the new folders need flushing.
fn stage(files: &Files, staging: &Path, out: &Path, old: &DiskTree) -> Result<(), Error> {
    let what = "writing the new tree to the staging folder";
    fs::create_dir(staging).map_err(failed(what, staging))?;
    let mut made: std::collections::BTreeSet<PathBuf> = Default::default();
    let mut written = Vec::new();
    for (rel, text) in files {
        // RelPath guarantees no `..`, no absolute path and no hidden component, and the
        // staging folder is new, so no symlink can redirect the write.
        let path = rel.under(staging);
        if let Some(dir) = path.parent()
            && !made.contains(dir)
        {
            fs::create_dir_all(dir).map_err(failed(what, dir))?;
            made.insert(dir.to_path_buf());
        }
        let same = old.get(rel.as_str()).is_some_and(|b| b == text.as_bytes());
        // A file system without hard links (or a raced old tree) falls back to writing.
        if !(same && fs::hard_link(rel.under(out), &path).is_ok()) {
            fs::write(&path, text.as_bytes()).map_err(failed(what, &path))?;
            written.push(path);
        }
    }
    // Everything new reaches the disk before the swap makes it visible: the written files and
    // every new folder (a hard link is an entry in a new folder).
    made.insert(staging.to_path_buf());
    if written.len() > FSYNC_AT_MOST {
        flush(staging)?;
    } else {
        written.extend(made);
        crate::par::map_on(&written, FLUSH_THREADS, 1, |path| {
            fs::File::open(path)
                .and_then(|f| f.sync_all())
                .map_err(failed("flushing", path))
        })?;
    }
    crash_point("staged");
    Ok(())
}

#[cfg(target_os = "linux")]
fn flush(staging: &Path) -> Result<(), Error> {
    let dir = fs::File::open(staging).map_err(failed("opening the staging folder", staging))?;
    rustix::fs::syncfs(&dir).map_err(|e| failed("flushing the staging folder", staging)(e.into()))
}

#[cfg(not(target_os = "linux"))]
fn flush(_staging: &Path) -> Result<(), Error> {
    // No syncfs: flush every file system, still one call instead of one per file.
    rustix::fs::sync();
    Ok(())
}

fn swap_in(staging: &Path, out: &Path, out_exists: bool, parent: &Path) -> Result<(), Error> {
    if out_exists {
        exchange(staging, out)?;
    } else {
        fs::rename(staging, out).map_err(failed("moving the new tree into place at", out))?;
    }
    // The rename itself is durable once the parent folder is flushed.
    fs::File::open(parent)
        .and_then(|d| d.sync_all())
        .map_err(failed("flushing the folder", parent))?;
    crash_point("swapped");
    if out_exists {
        // `staging` now holds the previous tree.
        fs::remove_dir_all(staging)
            .map_err(failed("removing the previous tree, moved to", staging))?;
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> Result<(), Error> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE)
        .map_err(|e| failed("swapping the new tree into", b)(e.into()))
}

#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> Result<(), Error> {
    // Without an atomic exchange: move the old tree aside, move the new one in. A kill between
    // the two renames leaves the old tree beside, under a name `remove_leftovers` cleans.
    let aside = a.with_extension("old");
    fs::rename(b, &aside).map_err(failed("moving the previous tree aside from", b))?;
    fs::rename(a, b).map_err(failed("moving the new tree into", b))?;
    fs::rename(&aside, a).map_err(failed("moving the previous tree to", a))
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

    /// Names in `dir` other than the output folder and its lock.
    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "generated" && n != ".generated.lock")
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
        assert_eq!(leftovers(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn an_unchanged_render_writes_nothing() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("generated");
        let tree = files(&[("a/x.yaml", "1\n"), ("b.yaml", "2\n")]);
        write_tree(&tree, &out).unwrap();
        let inode = |p: &Path| fs::metadata(p).unwrap().ino();
        let before = (inode(&out), inode(&out.join("a/x.yaml")));
        let summary = write_tree(&tree, &out).unwrap();
        assert!(summary.unchanged(), "{summary:?}");
        // Same folder, same file: nothing was swapped or rewritten.
        assert_eq!((inode(&out), inode(&out.join("a/x.yaml"))), before);
    }

    #[test]
    fn a_changed_render_writes_only_what_changed_and_links_the_rest() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("generated");
        write_tree(&files(&[("a/x.yaml", "1\n"), ("b.yaml", "2\n")]), &out).unwrap();
        let inode = |p: &Path| fs::metadata(p).unwrap().ino();
        let (x, b) = (inode(&out.join("a/x.yaml")), inode(&out.join("b.yaml")));
        let summary = write_tree(&files(&[("a/x.yaml", "1\n"), ("b.yaml", "3\n")]), &out).unwrap();
        assert_eq!(summary.changed, 1, "{summary:?}");
        assert_eq!(
            inode(&out.join("a/x.yaml")),
            x,
            "an unchanged file is the same inode"
        );
        assert_ne!(
            inode(&out.join("b.yaml")),
            b,
            "a changed file is written anew"
        );
        assert_eq!(fs::read_to_string(out.join("b.yaml")).unwrap(), "3\n");
        // The old tree is gone, so the kept file has one name again.
        assert_eq!(fs::metadata(out.join("a/x.yaml")).unwrap().nlink(), 1);
        assert_eq!(leftovers(dir.path()), Vec::<String>::new());
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
    fn an_io_error_says_what_failed() {
        let dir = tempfile::tempdir().unwrap();
        // The parent is a file: no folder can be made there.
        fs::write(dir.path().join("file"), "").unwrap();
        let out = dir.path().join("file/generated");
        let err = write_tree(&files(&[("a.yaml", "x\n")]), &out).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("creating the output's parent folder "),
            "{err}"
        );
    }

    #[test]
    fn concurrent_writers_and_readers_see_one_whole_tree() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("generated");
        // Two trees with disjoint files, so any mix of them is visible.
        let a = files(&[("a/1.yaml", "a\n"), ("a/2.yaml", "a\n"), ("c.yaml", "a\n")]);
        let b = files(&[
            ("b/1.yaml", "b\n"),
            ("b/2/3.yaml", "b\n"),
            ("c.yaml", "b\n"),
        ]);
        write_tree(&a, &out).unwrap();
        let (da, db) = (as_disk_tree(&a), as_disk_tree(&b));
        let done = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            let writers: Vec<_> = (0..4)
                .map(|i| {
                    let (a, b, out) = (&a, &b, &out);
                    s.spawn(move || {
                        for j in 0..25 {
                            write_tree(if (i + j) % 2 == 0 { a } else { b }, out).unwrap();
                        }
                    })
                })
                .collect();
            let reader = s.spawn(|| {
                let mut reads = 0;
                // At least one read, however the threads are scheduled.
                while reads == 0 || !done.load(std::sync::atomic::Ordering::SeqCst) {
                    let now = read_tree(&out).unwrap();
                    assert!(now == da || now == db, "a reader saw a mix: {now:?}");
                    reads += 1;
                }
            });
            for w in writers {
                w.join().unwrap();
            }
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            reader.join().unwrap();
        });
        let last = read_tree(&out).unwrap();
        assert!(last == da || last == db);
        assert_eq!(leftovers(dir.path()), Vec::<String>::new());
    }

    /// Run by [`killed`] in a child process: one render of `LAB_FS_TEST_TREE` into
    /// `LAB_FS_TEST_OUT`, aborted at the crash point named by `LAB_FS_ABORT`.
    #[test]
    #[ignore = "run as a child process by the kill tests"]
    fn child_render() {
        let Some(out) = std::env::var_os("LAB_FS_TEST_OUT") else {
            return;
        };
        let text = std::env::var("LAB_FS_TEST_TREE").unwrap();
        write_tree(
            &files(&[("new/a.yaml", &text), ("new/b/c.yaml", &text)]),
            Path::new(&out),
        )
        .unwrap();
    }

    /// Kills a render at `point` (in a child process, as a `kill -9` would) and returns the
    /// tree it left.
    fn killed(out: &Path, point: &str) -> DiskTree {
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "fs::tests::child_render",
                "--ignored",
                "--nocapture",
            ])
            .env("LAB_FS_TEST_OUT", out)
            .env("LAB_FS_TEST_TREE", "new\n")
            .env(ABORT_ENV, point)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(
            !status.success(),
            "the child render was not killed at {point}"
        );
        read_tree(out).unwrap()
    }

    #[test]
    fn a_render_killed_at_any_step_leaves_the_old_tree_or_the_new_one_and_is_cleaned_up() {
        let old = files(&[("old/x.yaml", "old\n")]);
        let new = as_disk_tree(&files(&[
            ("new/a.yaml", "new\n"),
            ("new/b/c.yaml", "new\n"),
        ]));
        for (point, expect_new) in [("locked", false), ("staged", false), ("swapped", true)] {
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("generated");
            write_tree(&old, &out).unwrap();
            let left = killed(&out, point);
            let expected = if expect_new {
                &new
            } else {
                &as_disk_tree(&old)
            };
            assert_eq!(&left, expected, "killed at {point}");
            if point != "locked" {
                assert_eq!(
                    leftovers(dir.path()).len(),
                    1,
                    "killed at {point}: its staging folder"
                );
            }
            // The dead render's lock is free and its staging folder is swept by the next.
            write_tree(&old, &out).unwrap();
            assert_eq!(read_tree(&out).unwrap(), as_disk_tree(&old));
            assert_eq!(leftovers(dir.path()), Vec::<String>::new(), "after {point}");
        }
    }
}
