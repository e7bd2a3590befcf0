//! Reading a committed tree out of git without touching the work tree.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail, ensure};
use lab_core::fs::DiskTree;

fn git(root: &Path, args: &[&str]) -> Result<std::process::Output> {
    Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .context("running git")
}

/// `origin/main` when the clone has it (a pull request's base), else `HEAD`.
pub fn default_base(root: &Path) -> Result<String> {
    let probe = git(
        root,
        &["rev-parse", "--verify", "--quiet", "origin/main^{commit}"],
    )?;
    Ok(if probe.status.success() {
        "origin/main".to_owned()
    } else {
        "HEAD".to_owned()
    })
}

/// Every file below `dir` at `rev`, keyed by its path relative to `dir`. A revision without
/// the folder is an empty tree (the first render).
pub fn tree_at(root: &Path, rev: &str, dir: &str) -> Result<DiskTree> {
    let verify = git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )?;
    ensure!(
        verify.status.success(),
        "{rev} is not a commit in this repository"
    );
    let listing = git(root, &["ls-tree", "-r", "-z", rev, "--", dir])?;
    ensure!(
        listing.status.success(),
        "git ls-tree failed: {}",
        String::from_utf8_lossy(&listing.stderr)
    );
    let mut entries = Vec::new();
    for record in listing.stdout.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        let record = String::from_utf8_lossy(record);
        let (meta, path) = record
            .split_once('\t')
            .context("unexpected ls-tree output")?;
        let object = meta
            .split_whitespace()
            .nth(2)
            .context("unexpected ls-tree output")?;
        let rel = path
            .strip_prefix(dir)
            .and_then(|p| p.strip_prefix('/'))
            .context("path outside the folder")?;
        entries.push((rel.to_owned(), object.to_owned()));
    }
    // One `git cat-file --batch` for all blobs instead of a process per file.
    let mut child = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("running git cat-file")?;
    let mut stdin = child.stdin.take().context("git stdin")?;
    let ids: String = entries.iter().map(|(_, id)| format!("{id}\n")).collect();
    let writer = std::thread::spawn(move || stdin.write_all(ids.as_bytes()));
    let mut out = BufReader::new(child.stdout.take().context("git stdout")?);
    let mut tree = DiskTree::new();
    for (rel, _) in &entries {
        let mut header = String::new();
        out.read_line(&mut header)?;
        let size: usize = header
            .split_whitespace()
            .nth(2)
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("unexpected cat-file header {header:?}"))?;
        let mut body = vec![0; size + 1];
        out.read_exact(&mut body)?;
        body.pop();
        tree.insert(rel.clone(), body);
    }
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("git writer panicked"))??;
    if !child.wait()?.success() {
        bail!("git cat-file failed");
    }
    Ok(tree)
}
