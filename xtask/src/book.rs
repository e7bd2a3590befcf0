//! `cargo xtask book`: the learner's book, an mdBook site of the README, the architecture, the
//! guides, the roadmap, every experiment's tutorial and the ADRs.
//!
//! Nothing about the book's shape is written by hand: the table of contents (`SUMMARY.md`)
//! is derived from the folders, so a new `experiments/<name>/tutorial.md`, a roadmap page or a
//! new ADR appears in the book without touching this file. The sources are staged below the
//! output folder with the repository's layout, so a relative link that works on GitHub works in
//! the book; a link to a repository file that is not a page (a YAML input, a crate) is turned
//! into a link to that file on the repository's host.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use lab_core::layout;

/// The mdBook release and its Mermaid preprocessor, as `.ci/run` installs them.
pub const MDBOOK: &str = "mdbook@0.5.4";
pub const MDBOOK_MERMAID: &str = "mdbook-mermaid@0.17.1";

#[derive(clap::Args)]
pub struct Options {
    /// Output folder: `src/` (staged pages), `book.toml` and `html/` (the site).
    /// Default: target/book at the repository root.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Stage the sources and SUMMARY.md only; do not run mdbook.
    #[arg(long)]
    stage_only: bool,
}

/// One page of the book and the pages nested below it.
#[derive(Debug, PartialEq)]
struct Chapter {
    /// Path from the repository root, e.g. `docs/adrs/0001-typed-crd-bindings.md`.
    path: String,
    title: String,
    children: Vec<Chapter>,
}

/// A titled part of the table of contents.
#[derive(Debug, PartialEq)]
struct Part {
    title: String,
    chapters: Vec<Chapter>,
}

#[derive(Debug)]
struct Book {
    /// The front page (the repository README).
    intro: Chapter,
    parts: Vec<Part>,
}

impl Book {
    fn chapters(&self) -> Vec<&Chapter> {
        fn walk<'a>(c: &'a Chapter, out: &mut Vec<&'a Chapter>) {
            out.push(c);
            c.children.iter().for_each(|k| walk(k, out));
        }
        let mut out = vec![&self.intro];
        for part in &self.parts {
            part.chapters.iter().for_each(|c| walk(c, &mut out));
        }
        out
    }

    fn pages(&self) -> BTreeSet<String> {
        self.chapters().iter().map(|c| c.path.clone()).collect()
    }
}

pub fn run(root: &Path, options: &Options) -> Result<()> {
    let start = Instant::now();
    let out = options
        .out
        .clone()
        .unwrap_or_else(|| root.join("target/book"));
    let settings = lab::Inputs::load(root)?.settings;
    let web = web_base(&settings.repository.url, &settings.repository.revision);
    let book = collect(root)?;
    stage(root, &book, &out, &web)?;
    let pages = book.chapters().len();
    if options.stage_only {
        println!("book: {pages} pages staged -> {}", shown(root, &out));
        return Ok(());
    }
    // Writes mermaid.min.js and mermaid-init.js beside book.toml (bundled in the binary).
    // Both tools log every step at info level; warnings and errors are what matter here.
    tool(
        Command::new("mdbook-mermaid")
            .env("RUST_LOG", "warn")
            .arg("install")
            .arg(&out),
        MDBOOK_MERMAID,
    )?;
    tool(
        Command::new("mdbook")
            .env("MDBOOK_LOG", "warn")
            .env("RUST_LOG", "warn")
            .arg("build")
            .arg(&out)
            .arg("--dest-dir")
            .arg(out.join("html")),
        MDBOOK,
    )?;
    println!(
        "book: {pages} pages ({} experiment tutorials, {} ADRs) in {} ms -> {}",
        count_under(&book, "experiments/"),
        count_under(&book, "docs/adrs/0"),
        start.elapsed().as_millis(),
        shown(root, &out.join("html/index.html"))
    );
    Ok(())
}

fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn count_under(book: &Book, prefix: &str) -> usize {
    book.chapters()
        .iter()
        .filter(|c| c.path.starts_with(prefix) && !c.path.ends_with("README.md"))
        .count()
}

/// Runs a tool, naming how to install it when it is missing.
fn tool(cmd: &mut Command, package: &str) -> Result<()> {
    let name = cmd.get_program().to_string_lossy().into_owned();
    let status = cmd.status().map_err(|e| {
        anyhow::anyhow!(
            "cannot run {name} ({e}); install it with `cargo install --locked {package}`"
        )
    })?;
    if !status.success() {
        bail!("{name} failed ({status})");
    }
    Ok(())
}

/// `https://host/owner/repo.git` + revision → `https://host/owner/repo`, `revision`.
fn web_base(url: &str, revision: &str) -> (String, String) {
    (
        url.trim_end_matches('/')
            .trim_end_matches(".git")
            .to_owned(),
        revision.to_owned(),
    )
}

/// The book's shape, read from the folders.
fn collect(root: &Path) -> Result<Book> {
    let intro = chapter(root, "README.md")?;
    let mut parts = Vec::new();
    let mut push = |title: &str, chapters: Vec<Chapter>| {
        if !chapters.is_empty() {
            parts.push(Part {
                title: title.to_owned(),
                chapters,
            });
        }
    };

    push("The lab", files(root, &["ARCHITECTURE.md"])?);
    let mut guides = folder(root, "docs/guides", |_| true)?;
    guides.extend(folder(root, "docs", |name| name != "README.md")?);
    push("Guides", guides);
    push("Roadmap", folder(root, "docs/roadmap", |_| true)?);
    push("Experiments", experiments(root)?);
    push("Decisions", folder(root, "docs/adrs", |_| true)?);
    push(
        "Diagrams from the model",
        folder(
            root,
            &format!("{}/{}", layout::GENERATED, layout::DOCS),
            |_| true,
        )?,
    );
    // Any other folder of docs/ becomes a part of its own, titled by its name.
    for dir in subdirs(&root.join("docs"))? {
        if !["guides", "roadmap", "adrs"].contains(&dir.as_str()) {
            let title = capitalize(&dir.replace('-', " "));
            push(&title, folder(root, &format!("docs/{dir}"), |_| true)?);
        }
    }
    Ok(Book { intro, parts })
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn subdirs(dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    if dir.is_dir() {
        for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                out.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    Ok(out)
}

fn files(root: &Path, paths: &[&str]) -> Result<Vec<Chapter>> {
    paths
        .iter()
        .filter(|p| root.join(p).is_file())
        .map(|p| chapter(root, p))
        .collect()
}

/// The `.md` files directly in `dir` (that `keep` accepts): its README.md as the parent of
/// the others when it has one, else the files side by side; sorted by name.
fn folder(root: &Path, dir: &str, keep: impl Fn(&str) -> bool) -> Result<Vec<Chapter>> {
    let path = root.join(dir);
    if !path.is_dir() {
        return Ok(vec![]);
    }
    let mut names: Vec<String> = fs::read_dir(&path)
        .with_context(|| format!("reading {dir}"))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md") && n != "SUMMARY.md" && keep(n))
        .collect();
    names.sort();
    let pages = names
        .iter()
        .filter(|n| *n != "README.md")
        .map(|n| chapter(root, &format!("{dir}/{n}")))
        .collect::<Result<Vec<_>>>()?;
    if names.iter().any(|n| n == "README.md") {
        let mut index = chapter(root, &format!("{dir}/README.md"))?;
        index.children = pages;
        Ok(vec![index])
    } else {
        Ok(pages)
    }
}

/// `experiments/README.md` with every `experiments/<name>/tutorial.md` below it.
fn experiments(root: &Path) -> Result<Vec<Chapter>> {
    let tutorials = subdirs(&root.join("experiments"))?
        .into_iter()
        .map(|d| format!("experiments/{d}/tutorial.md"))
        .filter(|p| root.join(p).is_file())
        .map(|p| chapter(root, &p))
        .collect::<Result<Vec<_>>>()?;
    if root.join("experiments/README.md").is_file() {
        let mut index = chapter(root, "experiments/README.md")?;
        index.children = tutorials;
        Ok(vec![index])
    } else {
        Ok(tutorials)
    }
}

/// A page titled by its first `# ` heading (else its file name).
fn chapter(root: &Path, path: &str) -> Result<Chapter> {
    let text = fs::read_to_string(root.join(path)).with_context(|| format!("reading {path}"))?;
    let title = text
        .lines()
        .find_map(|l| l.strip_prefix("# "))
        .map(|t| t.trim().to_owned())
        .unwrap_or_else(|| path.rsplit('/').next().unwrap_or(path).to_owned());
    Ok(Chapter {
        path: path.to_owned(),
        title,
        children: vec![],
    })
}

fn summary(book: &Book) -> String {
    fn item(c: &Chapter, depth: usize, out: &mut String) {
        let title = c.title.replace('[', "\\[").replace(']', "\\]");
        out.push_str(&format!("{}- [{title}]({})\n", "  ".repeat(depth), c.path));
        c.children.iter().for_each(|k| item(k, depth + 1, out));
    }
    let mut out = format!(
        "# Summary\n\n<!-- Written by `cargo xtask book` from the folders; not edited by hand. -->\n\n[{}]({})\n",
        book.intro.title, book.intro.path
    );
    for part in &book.parts {
        out.push_str(&format!("\n# {}\n\n", part.title));
        part.chapters.iter().for_each(|c| item(c, 0, &mut out));
    }
    out
}

fn book_toml(web: &(String, String)) -> String {
    format!(
        "# Written by `cargo xtask book`.\n\
         [book]\ntitle = \"illm-k8s-ai-lab: the learner's book\"\nlanguage = \"en\"\nsrc = \"src\"\n\n\
         [preprocessor.mermaid]\ncommand = \"mdbook-mermaid\"\n\n\
         [output.html]\ngit-repository-url = \"{}\"\n\
         additional-js = [\"mermaid.min.js\", \"mermaid-init.js\"]\n",
        web.0
    )
}

/// Writes `out/book.toml` and `out/src/` (SUMMARY.md, the pages with rewritten links, and the
/// non-Markdown files of docs/, e.g. images). A previous `src/` is replaced.
fn stage(root: &Path, book: &Book, out: &Path, web: &(String, String)) -> Result<()> {
    let src = out.join("src");
    if src.exists() {
        fs::remove_dir_all(&src).with_context(|| format!("clearing {}", src.display()))?;
    }
    fs::create_dir_all(&src)?;
    fs::write(out.join("book.toml"), book_toml(web))?;
    fs::write(src.join("SUMMARY.md"), summary(book))?;
    let pages = book.pages();
    for page in &pages {
        let text = fs::read_to_string(root.join(page))?;
        let target = src.join(page);
        fs::create_dir_all(target.parent().expect("a page has a folder"))?;
        fs::write(target, rewrite_links(&text, page, &pages, root, web))?;
    }
    copy_assets(&root.join("docs"), &src.join("docs"))
}

fn copy_assets(from: &Path, to: &Path) -> Result<()> {
    if !from.is_dir() {
        return Ok(());
    }
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            copy_assets(&path, &to.join(entry.file_name()))?;
        } else if path.extension().is_none_or(|e| e != "md") {
            fs::create_dir_all(to)?;
            fs::copy(&path, to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

/// Rewrites the relative link targets of one page (outside code): a page of the book stays as
/// it is, a folder whose README.md is a page points at it, any other repository file or folder
/// points at the repository's web view. Unknown targets are left alone for the link checker.
fn rewrite_links(
    text: &str,
    page: &str,
    pages: &BTreeSet<String>,
    root: &Path,
    web: &(String, String),
) -> String {
    let dir = page.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let fix = |target: &str| -> Option<String> {
        if target.is_empty()
            || target.starts_with('#')
            || target.contains("://")
            || target.starts_with("mailto:")
            || target.starts_with('/')
        {
            return None;
        }
        let (path, fragment) = match target.split_once('#') {
            Some((p, f)) => (p, format!("#{f}")),
            None => (target, String::new()),
        };
        let resolved = normalize(dir, path)?;
        // mdBook publishes a README.md page as index.html but leaves links to README.md alone.
        if pages.contains(&resolved) {
            return path
                .strip_suffix("README.md")
                .map(|folder| format!("{folder}index.md{fragment}"));
        }
        let readme = if resolved.is_empty() {
            "README.md".to_owned()
        } else {
            format!("{}/README.md", resolved.trim_end_matches('/'))
        };
        if pages.contains(&readme) {
            let sep = if path.ends_with('/') || path.is_empty() {
                ""
            } else {
                "/"
            };
            return Some(format!("{path}{sep}index.md{fragment}"));
        }
        let on_disk = root.join(&resolved);
        let view = if on_disk.is_dir() {
            "tree"
        } else if on_disk.is_file() {
            "blob"
        } else {
            return None;
        };
        Some(format!("{}/{view}/{}/{resolved}{fragment}", web.0, web.1))
    };

    let mut out = String::with_capacity(text.len());
    let mut fence = false;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = !fence;
            out.push_str(line);
            continue;
        }
        if fence {
            out.push_str(line);
            continue;
        }
        // Reference definitions: `[label]: target`.
        if let Some(rest) = trimmed.strip_prefix('[')
            && let Some((label, target)) = rest.split_once("]: ")
            && let Some(new) = fix(target.trim())
        {
            out.push_str(&format!("[{label}]: {new}\n"));
            continue;
        }
        // Inline links outside code spans: the text between backticks is left alone.
        for (i, segment) in line.split('`').enumerate() {
            if i > 0 {
                out.push('`');
            }
            if i % 2 == 1 {
                out.push_str(segment);
                continue;
            }
            let mut rest = segment;
            while let Some(at) = rest.find("](") {
                out.push_str(&rest[..at + 2]);
                rest = &rest[at + 2..];
                let end = rest.find([')', ' ']).unwrap_or(rest.len());
                let target = &rest[..end];
                out.push_str(&fix(target).unwrap_or_else(|| target.to_owned()));
                rest = &rest[end..];
            }
            out.push_str(rest);
        }
    }
    out
}

/// `docs/guides` + `../secrets.md` → `docs/secrets.md`; `None` if it leaves the repository.
fn normalize(dir: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, path: &str, text: &str) {
        let p = root.join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    fn repo() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        write(r, "README.md", "# The lab\n");
        write(r, "ARCHITECTURE.md", "# Architecture\n");
        write(r, "docs/secrets.md", "# Secrets\n");
        write(r, "docs/guides/troubleshooting.md", "# Troubleshooting\n");
        write(r, "docs/adrs/README.md", "# ADRs\n");
        write(r, "docs/adrs/0001-a.md", "# ADR 0001: A\n");
        write(r, "experiments/README.md", "# Experiments\n");
        write(r, "platform/versions.yaml", "charts: {}\n");
        dir
    }

    #[test]
    fn new_tutorials_and_roadmap_pages_join_the_summary_without_code_changes() {
        let dir = repo();
        let r = dir.path();
        let before = summary(&collect(r).unwrap());
        assert!(!before.contains("Roadmap"), "{before}");
        write(
            r,
            "experiments/tsdb-comparison/tutorial.md",
            "# Comparing TSDBs\n",
        );
        write(r, "experiments/no-tutorial/README.md", "# not a tutorial\n");
        write(r, "docs/roadmap/README.md", "# Roadmap\n");
        write(r, "docs/roadmap/01-bootstrap.md", "# Phase 1: bootstrap\n");
        write(r, "docs/glossary/terms.md", "# Terms\n");
        let after = summary(&collect(r).unwrap());
        for line in [
            "- [Comparing TSDBs](experiments/tsdb-comparison/tutorial.md)",
            "# Roadmap\n\n- [Roadmap](docs/roadmap/README.md)\n  - [Phase 1: bootstrap](docs/roadmap/01-bootstrap.md)",
            "# Glossary\n\n- [Terms](docs/glossary/terms.md)",
            "  - [ADR 0001: A](docs/adrs/0001-a.md)",
        ] {
            assert!(after.contains(line), "missing {line:?} in\n{after}");
        }
        assert!(!after.contains("no-tutorial"), "{after}");
    }

    #[test]
    fn links_to_pages_stay_and_links_to_other_files_point_at_the_repository() {
        let dir = repo();
        let r = dir.path();
        let book = collect(r).unwrap();
        let web = web_base("https://example.org/o/lab.git", "main");
        let pages = book.pages();
        let text = "See [secrets](../secrets.md#where), [versions](../../platform/versions.yaml), \
                    [adrs](../adrs), [index](../adrs/README.md#x), [gone](missing.md) and \
                    `[code](../../platform/versions.yaml)`.\n\
                    ```\n[fenced](../../platform/versions.yaml)\n```\n\
                    [ref]: ../../platform\n";
        let got = rewrite_links(text, "docs/guides/troubleshooting.md", &pages, r, &web);
        assert_eq!(
            got,
            "See [secrets](../secrets.md#where), \
             [versions](https://example.org/o/lab/blob/main/platform/versions.yaml), \
             [adrs](../adrs/index.md), [index](../adrs/index.md#x), [gone](missing.md) and \
             `[code](../../platform/versions.yaml)`.\n\
             ```\n[fenced](../../platform/versions.yaml)\n```\n\
             [ref]: https://example.org/o/lab/tree/main/platform\n"
        );
    }

    #[test]
    fn staging_writes_every_page_the_summary_and_the_config() {
        let dir = repo();
        let r = dir.path();
        write(r, "docs/guides/diagram.svg", "<svg/>");
        let out = r.join("target/book");
        let book = collect(r).unwrap();
        stage(
            r,
            &book,
            &out,
            &web_base("https://example.org/o/lab", "main"),
        )
        .unwrap();
        for page in book.pages() {
            assert!(out.join("src").join(&page).is_file(), "{page} not staged");
        }
        assert!(out.join("src/docs/guides/diagram.svg").is_file());
        let toml = fs::read_to_string(out.join("book.toml")).unwrap();
        assert!(toml.contains("command = \"mdbook-mermaid\""), "{toml}");
        assert!(out.join("src/SUMMARY.md").is_file());
    }
}
