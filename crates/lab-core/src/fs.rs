//! Writing a rendered tree to disk all at once, and reading one back.
//!
//! Writers are serialised by an exclusive `flock` on `.generated.lock` beside the output
//! folder, held for the whole write: a second render waits, and a killed one releases it with
//! its last file descriptor. Under the lock, a render that changes nothing writes nothing. A
//! changed render is prepared in a sibling folder, `.generated.spare`, which holds the tree
//! the previous swap replaced: its folders already exist and its unchanged files are hard
//! links to the live tree's, so preparing it touches only what differs (see [`Spare`]). What
//! was written reaches the disk before the swap: an `fsync` per new file and changed folder,
//! from many threads at once, when few files were written, else one `syncfs`. Then the spare
//! is swapped with `generated/` in one `renameat2(RENAME_EXCHANGE)`: at any moment the path
//! names the old tree or the new one, never a mix, and the old tree becomes the next spare.
//! Nothing is deleted on the way, so a killed render leaves at worst an untidy spare, which
//! the next one repairs. Readers of this module take the lock shared, so `check` never reads
//! a tree while it is being swapped.

use std::collections::{BTreeMap, BTreeSet};
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
    read_files(root, &mut |rel, bytes, _| {
        out.insert(rel, bytes);
    })?;
    Ok(out)
}

/// Which file a name points to: device and inode. Two names with one `FileId` are hard links.
type FileId = (u64, u64);

/// Calls `visit`, in path order, with the relative path, bytes and identity of every regular
/// file below `root` (none if it does not exist); a symlink or any other special file anywhere
/// is an error.
///
/// Reading the tree is most of what a write costs besides the render, nearly all of it system
/// calls, so each folder is read through its own descriptor: a file is opened by its name
/// alone (no path to resolve again), and read in one call of the size `fstat` gave.
fn read_files(root: &Path, visit: &mut dyn FnMut(String, Vec<u8>, FileId)) -> Result<(), Error> {
    use rustix::fs::{Mode, OFlags, open};
    if !root.exists() {
        return Ok(());
    }
    let fd = open(
        root,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| failed("reading the folder", root)(e.into()))?;
    let mut found = Vec::new();
    read_dir_at(root, fd, "", &mut found)?;
    found.sort_by(|a, b| a.0.cmp(&b.0));
    for (rel, bytes, id) in found {
        visit(rel, bytes, id);
    }
    Ok(())
}

/// Reads the folder open as `fd`, at `prefix` below `root`, into `out` (in no order).
fn read_dir_at(
    root: &Path,
    fd: rustix::fd::OwnedFd,
    prefix: &str,
    out: &mut Vec<(String, Vec<u8>, FileId)>,
) -> Result<(), Error> {
    use rustix::fs::{AtFlags, Dir, FileType, Mode, OFlags, openat, statat};
    let here = root.join(prefix);
    let io = |action: &'static str, at: &Path| {
        let at = at.to_path_buf();
        move |e: rustix::io::Errno| failed(action, &at)(e.into())
    };
    let mut dir = Dir::new(fd).map_err(io("reading the folder", &here))?;
    let mut folders = Vec::new();
    while let Some(entry) = dir.read() {
        let entry = entry.map_err(io("reading the folder", &here))?;
        let name = entry.file_name();
        if matches!(name.to_bytes(), b"." | b"..") {
            continue;
        }
        let rel = match prefix {
            "" => name.to_string_lossy().into_owned(),
            _ => format!("{prefix}/{}", name.to_string_lossy()),
        };
        let dir_fd = dir.fd().map_err(io("reading the folder", &here))?;
        let mut kind = entry.file_type();
        if kind == FileType::Unknown {
            // Some file systems leave the type out of the listing.
            kind = FileType::from_raw_mode(
                statat(dir_fd, name, AtFlags::SYMLINK_NOFOLLOW)
                    .map_err(io("reading the type of", &root.join(&rel)))?
                    .st_mode,
            );
        }
        match kind {
            FileType::Directory => folders.push((name.to_owned(), rel)),
            FileType::RegularFile => {
                let path = root.join(&rel);
                let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOFOLLOW;
                let file =
                    openat(dir_fd, name, flags, Mode::empty()).map_err(io("reading", &path))?;
                let (bytes, id) =
                    read_whole(fs::File::from(file)).map_err(failed("reading", &path))?;
                out.push((rel, bytes, id));
            }
            FileType::Symlink => {
                return Err(Error::Unsafe(format!(
                    "{} is a symlink; generated/ holds plain files only",
                    root.join(&rel).display()
                )));
            }
            _ => {
                return Err(Error::Unsafe(format!(
                    "{} is not a plain file; generated/ holds plain files only",
                    root.join(&rel).display()
                )));
            }
        }
    }
    for (name, rel) in folders {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let dir_fd = dir.fd().map_err(io("reading the folder", &here))?;
        let sub = openat(dir_fd, &name, flags, Mode::empty())
            .map_err(io("reading the folder", &root.join(&rel)))?;
        read_dir_at(root, sub, &rel, out)?;
    }
    Ok(())
}

/// A whole file in one read of the size `fstat` reports, and its identity.
fn read_whole(mut file: fs::File) -> std::io::Result<(Vec<u8>, FileId)> {
    use std::io::Read;
    use std::os::unix::fs::MetadataExt;
    let meta = file.metadata()?;
    let mut bytes = vec![0; meta.len() as usize];
    file.read_exact(&mut bytes)?;
    Ok((bytes, (meta.dev(), meta.ino())))
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
    Writer::lock(out)?.write(files)
}

/// A write of `out` that has begun: it holds the writers' lock and reads, on a thread of its
/// own, the tree it will replace and the spare, so a caller that takes it before rendering
/// gets that reading done while it renders (one core is mostly idle during a render).
pub struct Writer {
    out: PathBuf,
    parent: PathBuf,
    spare: PathBuf,
    exists: bool,
    reading: std::thread::JoinHandle<Result<(LiveTree, Spare), Error>>,
    /// Held until the new tree is in place; a killed process releases it with its descriptor.
    _lock: fs::File,
}

/// The tree being replaced: each file's bytes and identity.
type LiveTree = BTreeMap<String, (Vec<u8>, FileId)>;

impl Writer {
    /// Waits for the writers' lock of `out` (serialising renders), then starts reading.
    pub fn lock(out: &Path) -> Result<Self, Error> {
        if let Ok(m) = fs::symlink_metadata(out)
            && !m.is_dir()
        {
            return Err(Error::Unsafe(format!(
                "{} exists and is not a plain folder",
                out.display()
            )));
        }
        let (parent, base, lock) = lock_path(out)?;
        fs::create_dir_all(&parent)
            .map_err(failed("creating the output's parent folder", &parent))?;
        let lock_file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock)
            .map_err(failed("opening the render lock", &lock))?;
        flock(&lock_file, FlockOperation::LockExclusive)
            .map_err(|e| failed("waiting for the render lock", &lock)(e.into()))?;
        crash_point("locked");
        // Under the lock: nobody else writes, so what is read is what will be replaced.
        let spare = parent.join(format!(".{base}.spare"));
        let (live_root, spare_root) = (out.to_path_buf(), spare.clone());
        let reading = std::thread::spawn(move || {
            let mut live = LiveTree::new();
            read_files(&live_root, &mut |rel, bytes, id| {
                live.insert(rel, (bytes, id));
            })?;
            Ok((live, Spare::scan(spare_root)?))
        });
        Ok(Self {
            exists: fs::symlink_metadata(out).is_ok(),
            out: out.to_path_buf(),
            parent,
            spare,
            reading,
            _lock: lock_file,
        })
    }

    /// Replaces the locked folder with exactly `files`; writes nothing if nothing changed.
    pub fn write(self, files: &Files) -> Result<WriteSummary, Error> {
        let (live, spare) = self
            .reading
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))?;
        let summary = WriteSummary {
            written: files.len(),
            changed: files
                .iter()
                .filter(|(p, text)| {
                    live.get(p.as_str())
                        .is_none_or(|(b, _)| b != text.as_bytes())
                })
                .count(),
            removed: live
                .keys()
                .filter(|p| !files.contains_key(p.as_str()))
                .count(),
        };
        if summary.unchanged() && self.exists {
            return Ok(summary);
        }
        spare.prepare(files, &self.out, &live)?;
        crash_point("staged");
        swap_in(&self.spare, &self.out, self.exists, &self.parent)?;
        Ok(summary)
    }
}

/// Above this many written files, one `syncfs` is cheaper than an `fsync` each (a first
/// render of 11,900 files: 0.8 s against 2.3 s). `syncfs` also waits for whatever else is dirty
/// on the file system (a build beside it cost 760 ms for a one-file change), so small changes
/// flush file by file.
const FSYNC_AT_MOST: usize = 64;

/// Flushes at once: ext4 (and most journaling file systems) merges the cache flushes of
/// concurrent `fsync`s, so many new folders cost about one flush instead of one each
/// (measured on a busy disk: 12 ms instead of 730 ms for 200 folders).
const FLUSH_THREADS: usize = 16;

/// The spare tree beside `out`, made into the new tree before the swap.
///
/// After a swap the spare holds the tree that was replaced, so the next render finds almost
/// everything in place: folders exist, and unchanged files are hard links to the live tree's.
/// Preparing it trusts nothing about its state (a killed render may have left anything):
/// every entry the new tree lacks, or has with another type, is removed; a file is kept only
/// if it is the very file (same inode) the live tree holds with the wanted bytes; every other
/// file is unlinked and written anew, never opened for writing in place, since it may be a
/// hard link into the live tree.
struct Spare {
    root: PathBuf,
    /// What [`Spare::scan`] found: the spare itself, its folders, its files' identities, and
    /// entries no render makes (symlinks, names that are not UTF-8).
    found: Found,
    dirs: BTreeSet<String>,
    files: BTreeMap<String, FileId>,
    /// Each stray's path, whether it is a folder, and its folder in the tree.
    strays: Vec<(PathBuf, bool, String)>,
    /// Folders whose entries changed and files written: flushed before the swap.
    dirty: BTreeSet<PathBuf>,
    written: Vec<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Found {
    Folder,
    NotAFolder,
    Nothing,
}

const PREPARING: &str = "preparing the new tree in the spare folder";

impl Spare {
    /// Reads what the spare holds, changing nothing (an unchanged render writes nothing).
    fn scan(root: PathBuf) -> Result<Self, Error> {
        let found = match fs::symlink_metadata(&root) {
            Ok(m) if m.is_dir() => Found::Folder,
            Ok(_) => Found::NotAFolder,
            Err(_) => Found::Nothing,
        };
        let mut spare = Self {
            root,
            found,
            dirs: BTreeSet::new(),
            files: BTreeMap::new(),
            strays: Vec::new(),
            dirty: BTreeSet::new(),
            written: Vec::new(),
        };
        if found == Found::Folder {
            spare.scan_dir(spare.root.clone(), "")?;
        }
        Ok(spare)
    }

    fn scan_dir(&mut self, dir: PathBuf, prefix: &str) -> Result<(), Error> {
        use std::os::unix::fs::MetadataExt;
        for entry in fs::read_dir(&dir).map_err(failed(PREPARING, &dir))? {
            let entry = entry.map_err(failed(PREPARING, &dir))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(failed(PREPARING, &path))?;
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                self.strays.push((path, kind.is_dir(), prefix.to_owned()));
                continue;
            };
            let rel = match prefix {
                "" => name,
                _ => format!("{prefix}/{name}"),
            };
            if kind.is_dir() {
                self.scan_dir(path, &rel)?;
                self.dirs.insert(rel);
            } else if kind.is_file() {
                let meta = entry.metadata().map_err(failed(PREPARING, &path))?;
                self.files.insert(rel, (meta.dev(), meta.ino()));
            } else {
                self.strays.push((path, false, prefix.to_owned()));
            }
        }
        Ok(())
    }

    /// Makes the spare hold exactly `files`, flushed, reusing what it can of what it holds.
    fn prepare(mut self, files: &Files, out: &Path, live: &LiveTree) -> Result<(), Error> {
        let mut wanted_dirs = BTreeSet::new();
        for rel in files.keys() {
            let mut dir = rel.parent();
            while let Some(d) = dir
                && wanted_dirs.insert(d)
            {
                dir = d.rsplit_once('/').map(|(up, _)| up);
            }
        }
        match self.found {
            Found::Folder => {}
            Found::NotAFolder => {
                fs::remove_file(&self.root).map_err(failed(PREPARING, &self.root))?;
                self.make_dir(self.root.clone())?;
            }
            Found::Nothing => self.make_dir(self.root.clone())?,
        }
        // Remove what the new tree lacks at that path with that type; a removed folder takes
        // its entries with it (parents sort before their children).
        let mut removed: Vec<String> = Vec::new();
        let mut remove = Vec::new();
        for dir in &self.dirs {
            if !wanted_dirs.contains(dir.as_str()) && !under_any(dir, &removed) {
                remove.push((self.path(dir), true));
                removed.push(dir.clone());
            }
        }
        // What is wanted is never inside a removed folder (its ancestors are all wanted).
        self.dirs.retain(|d| wanted_dirs.contains(d.as_str()));
        for rel in self.files.keys() {
            if !files.contains_key(rel.as_str()) && !under_any(rel, &removed) {
                remove.push((self.path(rel), false));
            }
        }
        self.files.retain(|rel, _| files.contains_key(rel.as_str()));
        for (path, is_dir, dir) in std::mem::take(&mut self.strays) {
            if !under_any(&dir, &removed) {
                remove.push((path, is_dir));
            }
        }
        for (path, is_dir) in remove {
            if is_dir {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            }
            .map_err(failed(PREPARING, &path))?;
            self.dirty
                .insert(path.parent().unwrap_or(&self.root).to_path_buf());
        }
        for dir in wanted_dirs {
            if !self.dirs.contains(dir) {
                self.make_dir(self.path(dir))?;
                self.dirty.insert(self.parent_of(dir));
            }
        }
        for (rel, text) in files {
            let path = rel.under(&self.root);
            let kept = self.files.get(rel.as_str()).copied();
            let same = live.get(rel.as_str()).filter(|(b, _)| b == text.as_bytes());
            if let (Some(id), Some((_, live_id))) = (kept, same)
                && id == *live_id
            {
                continue; // already the live tree's file with these bytes
            }
            if kept.is_some() {
                fs::remove_file(&path).map_err(failed(PREPARING, &path))?;
            }
            self.dirty.insert(self.parent_of(rel.as_str()));
            // A file system without hard links (or a raced live tree) falls back to writing.
            if same.is_some() && fs::hard_link(rel.under(out), &path).is_ok() {
                continue;
            }
            // `create_new`: never through an existing name, which could be a link to a live file.
            fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
                .map_err(failed(PREPARING, &path))?;
            self.written.push(path);
        }
        self.flush()
    }

    fn path(&self, rel: &str) -> PathBuf {
        rel.split('/').fold(self.root.clone(), |p, c| p.join(c))
    }

    fn parent_of(&self, rel: &str) -> PathBuf {
        rel.rsplit_once('/')
            .map_or_else(|| self.root.clone(), |(dir, _)| self.path(dir))
    }

    fn make_dir(&mut self, path: PathBuf) -> Result<(), Error> {
        fs::create_dir(&path).map_err(failed(PREPARING, &path))?;
        self.dirty.insert(path);
        Ok(())
    }

    /// Everything new reaches the disk before the swap makes it visible: the written files and
    /// every folder whose entries changed (a hard link is an entry, too).
    fn flush(self) -> Result<(), Error> {
        if self.written.len() > FSYNC_AT_MOST {
            return syncfs(&self.root);
        }
        let mut paths = self.written;
        paths.extend(self.dirty);
        crate::par::map_on(&paths, FLUSH_THREADS, 1, |path| {
            fs::File::open(path)
                .and_then(|f| f.sync_all())
                .map_err(failed("flushing", path))
        })?;
        Ok(())
    }
}

/// Whether `rel` is one of the folders `dirs` or below one.
fn under_any(rel: &str, dirs: &[String]) -> bool {
    dirs.iter().any(|d| {
        rel.strip_prefix(d.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

#[cfg(target_os = "linux")]
fn syncfs(dir: &Path) -> Result<(), Error> {
    let file = fs::File::open(dir).map_err(failed("opening the spare folder", dir))?;
    rustix::fs::syncfs(&file).map_err(|e| failed("flushing the spare folder", dir)(e.into()))
}

#[cfg(not(target_os = "linux"))]
fn syncfs(_dir: &Path) -> Result<(), Error> {
    // No syncfs: flush every file system, still one call instead of one per file.
    rustix::fs::sync();
    Ok(())
}

/// Swaps the prepared spare with `out` (or moves it into place on a first render). The spare
/// then holds the replaced tree, kept for the next render.
fn swap_in(spare: &Path, out: &Path, out_exists: bool, parent: &Path) -> Result<(), Error> {
    if out_exists {
        exchange(spare, out)?;
    } else {
        fs::rename(spare, out).map_err(failed("moving the new tree into place at", out))?;
    }
    // The rename itself is durable once the parent folder is flushed.
    fs::File::open(parent)
        .and_then(|d| d.sync_all())
        .map_err(failed("flushing the folder", parent))?;
    crash_point("swapped");
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
    // Without an atomic exchange: move the old tree aside, move the new one in, and keep the
    // old one as the spare. A kill between the renames leaves the old tree under `aside`.
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

    /// Names in `dir` other than the output folder, its lock and its spare.
    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !["generated", ".generated.lock", ".generated.spare"].contains(&n.as_str()))
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
        // The replaced tree is the spare now, sharing the kept file.
        let spare = dir.path().join(".generated.spare");
        assert_eq!(
            read_unlocked(&spare).unwrap(),
            as_disk_tree(&files(&[("a/x.yaml", "1\n"), ("b.yaml", "2\n")]))
        );
        assert_eq!(inode(&spare.join("a/x.yaml")), x);
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

    /// What ArgoCD and git would read differently from us is refused, not followed: a
    /// symlink, or a special file (a FIFO would even block the read).
    #[test]
    fn a_symlink_or_special_file_inside_the_tree_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("generated");
        write_tree(&files(&[("a/x.yaml", "1\n")]), &out).unwrap();
        std::os::unix::fs::symlink("x.yaml", out.join("a/link.yaml")).unwrap();
        let err = read_tree(&out).unwrap_err().to_string();
        assert!(err.contains("a/link.yaml is a symlink"), "{err}");
        fs::remove_file(out.join("a/link.yaml")).unwrap();
        rustix::fs::mknodat(
            rustix::fs::CWD,
            out.join("a/pipe"),
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
            0,
        )
        .unwrap();
        let err = write_tree(&files(&[("a/x.yaml", "2\n")]), &out)
            .unwrap_err()
            .to_string();
        assert!(err.contains("a/pipe is not a plain file"), "{err}");
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
            // The dead render's lock is free, and the spare it left is repaired by the next.
            write_tree(&old, &out).unwrap();
            assert_eq!(read_tree(&out).unwrap(), as_disk_tree(&old));
            assert_eq!(leftovers(dir.path()), Vec::<String>::new(), "after {point}");
        }
    }

    /// The spare shares inodes with the live tree: preparing it must never write through one.
    /// The render is killed after preparing the spare, so any write through a shared inode
    /// would show in the live tree.
    #[test]
    fn preparing_the_spare_never_changes_the_live_tree() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("generated");
        write_tree(
            &files(&[("new/a.yaml", "1\n"), ("new/b/c.yaml", "1\n")]),
            &out,
        )
        .unwrap();
        let live = files(&[("new/a.yaml", "1\n"), ("new/b/c.yaml", "2\n")]);
        write_tree(&live, &out).unwrap();
        // new/a.yaml is one inode in the live tree and the spare; the child wants it to be "3".
        assert_eq!(killed(&out, "staged"), as_disk_tree(&live));
    }

    /// Whatever a killed render or a person left in the spare, the next render's tree is
    /// exactly the rendered files, and nothing outside the spare is touched.
    #[test]
    fn a_spare_in_any_state_is_repaired() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("generated");
        let spare = dir.path().join(".generated.spare");
        let victim = dir.path().join("victim");
        fs::create_dir(&victim).unwrap();
        fs::write(victim.join("keep.yaml"), "mine\n").unwrap();
        // The trees differ in a/y.yaml's bytes and in the files added.
        let tree = |y: &str, more: &[(&str, &str)]| {
            let mut tree = files(&[
                ("a/v.yaml", "1\n"),
                ("a/x.yaml", "1\n"),
                ("a/y.yaml", y),
                ("b/z.yaml", "1\n"),
            ]);
            tree.extend(files(more));
            tree
        };
        let (first, second) = (tree("1\n", &[]), tree("2\n", &[]));
        write_tree(&first, &out).unwrap();
        write_tree(&second, &out).unwrap();
        // Vandalise the spare: a folder where a file is wanted, a file where a folder is
        // wanted, a symlink to a folder outside, a stray file, other bytes under the name of
        // an unchanged file and of a changed one.
        fs::remove_file(spare.join("a/v.yaml")).unwrap();
        fs::write(spare.join("a/v.yaml"), "9\n").unwrap();
        fs::remove_file(spare.join("a/x.yaml")).unwrap();
        fs::create_dir_all(spare.join("a/x.yaml/deep")).unwrap();
        fs::remove_dir_all(spare.join("b")).unwrap();
        fs::write(spare.join("b"), "not a folder\n").unwrap();
        std::os::unix::fs::symlink(&victim, spare.join("c")).unwrap();
        fs::write(spare.join("stray.yaml"), "stray\n").unwrap();
        // Unwanted folders whose names sort between a folder and its children, and names
        // that are not UTF-8, inside a kept folder and inside a removed one.
        fs::create_dir_all(spare.join("d/e/f")).unwrap();
        fs::create_dir_all(spare.join("d-e")).unwrap();
        let not_utf8 = <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"\xff.yaml");
        fs::write(spare.join("a").join(not_utf8), "x\n").unwrap();
        fs::write(spare.join("d/e").join(not_utf8), "x\n").unwrap();
        fs::remove_file(spare.join("a/y.yaml")).unwrap();
        fs::write(spare.join("a/y.yaml"), "3\n").unwrap();
        let third = tree("3\n", &[("c/w.yaml", "4\n")]);
        let summary = write_tree(&third, &out).unwrap();
        assert_eq!(summary.changed, 2, "{summary:?}");
        assert_eq!(read_tree(&out).unwrap(), as_disk_tree(&third));
        assert_eq!(read_unlocked(&spare).unwrap(), as_disk_tree(&second));
        assert_eq!(fs::read_dir(&victim).unwrap().count(), 1);
        assert_eq!(
            fs::read_to_string(victim.join("keep.yaml")).unwrap(),
            "mine\n"
        );
        // A spare that is a plain file is replaced by a folder.
        fs::remove_dir_all(&spare).unwrap();
        fs::write(&spare, "a file\n").unwrap();
        write_tree(&first, &out).unwrap();
        assert_eq!(read_tree(&out).unwrap(), as_disk_tree(&first));
        assert_eq!(read_unlocked(&spare).unwrap(), as_disk_tree(&third));
    }
}
