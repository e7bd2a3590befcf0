//! The CLI as users run it: byte-stable renders across machines' settings, atomic writes under
//! kill, and a diff between two real commits.

use std::path::Path;
use std::process::{Command, Stdio};

use lab_core::fs::{DiskTree, read_tree};

use super::{XTASK, repo_root};

fn render_into(out: &Path, envs: &[(&str, &str)]) -> DiskTree {
    let status = Command::new(XTASK)
        .args(["render", "--out"])
        .arg(out)
        .envs(envs.iter().copied())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    read_tree(out).unwrap()
}

#[test]
fn renders_are_byte_identical_across_folders_time_zones_and_locales() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let first = render_into(
        &a.path().join("one"),
        &[("TZ", "UTC"), ("LC_ALL", "C"), ("LANG", "C")],
    );
    let second = render_into(
        &b.path().join("deeper/two"),
        &[
            ("TZ", "Pacific/Kiritimati"),
            ("LC_ALL", "tr_TR.UTF-8"),
            ("LANG", "de_DE.UTF-8"),
        ],
    );
    assert!(!first.is_empty());
    assert_eq!(first, second);
}

/// Renders killed at each step (an exact crash point, not a guessed delay) leave the old tree
/// or the new one, and the next render sweeps what they left.
#[test]
fn a_killed_render_leaves_the_old_tree_or_the_new_one_never_a_mix() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("generated");
    let reference = tempfile::tempdir().unwrap();
    let new = render_into(&reference.path().join("generated"), &[]);
    let old: DiskTree = [(
        "hub/old/configmap-stale.yaml".to_owned(),
        b"old: true\n".to_vec(),
    )]
    .into();
    for (point, expect_new) in [("locked", false), ("staged", false), ("swapped", true)] {
        std::fs::remove_dir_all(&out).ok();
        for (p, bytes) in &old {
            let path = out.join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        let status = Command::new(XTASK)
            .args(["render", "--out"])
            .arg(&out)
            .env("LAB_FS_ABORT", point)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(!status.success(), "not killed at {point}");
        let now = read_tree(&out).unwrap();
        assert!(
            now == if expect_new { new.clone() } else { old.clone() },
            "killed at {point}: a tree of {} files",
            now.len()
        );
        assert_eq!(
            render_into(&out, &[]),
            new,
            "the render after the kill at {point}"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(
            names.iter().all(|n| OUTPUT_NAMES.contains(&n.as_str())),
            "left behind after {point}: {names:?}"
        );
    }
}

/// Renders started together all succeed and leave exactly one whole tree; a render killed
/// while it waits for the lock changes nothing.
#[test]
fn concurrent_renders_leave_one_whole_tree() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("generated");
    let reference_dir = tempfile::tempdir().unwrap();
    let reference = render_into(&reference_dir.path().join("generated"), &[]);
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(XTASK)
                .args(["render", "--out"])
                .arg(&out)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    // One more, killed wherever it is (computing, waiting or writing): the others' trees stay whole.
    let mut victim = Command::new(XTASK)
        .args(["render", "--out"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    victim.kill().unwrap();
    victim.wait().unwrap();
    for child in children {
        let result = child.wait_with_output().unwrap();
        assert!(
            result.status.success(),
            "{}",
            String::from_utf8_lossy(&result.stderr)
        );
    }
    assert_eq!(read_tree(&out).unwrap(), reference);
    // Whatever the victim left is swept by the next render.
    assert_eq!(render_into(&out, &[]), reference);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        names.iter().all(|n| OUTPUT_NAMES.contains(&n.as_str())),
        "{names:?}"
    );
}

/// What a render keeps beside its output folder: the folder, the writers' lock and the spare
/// tree of the next render (`lab_core::fs`).
const OUTPUT_NAMES: [&str; 3] = ["generated", ".generated.lock", ".generated.spare"];

/// A minimal checkout: the workspace manifest and a copy of platform/, all a render reads.
fn checkout(at: &Path) {
    let source = repo_root();
    std::fs::create_dir_all(at).unwrap();
    std::fs::copy(source.join("Cargo.toml"), at.join("Cargo.toml")).unwrap();
    let status = Command::new("cp")
        .args(["-R"])
        .arg(source.join("platform"))
        .arg(at.join("platform"))
        .status()
        .unwrap();
    assert!(status.success());
}

/// Two checkouts share one binary (one CARGO_TARGET_DIR): each run works on the checkout cargo
/// ran it for, or the one around the working directory, never the one it was built in.
#[test]
fn the_checkout_is_found_at_run_time() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    checkout(&a);
    checkout(&b);
    // B's inputs differ from A's, so B's render shows whose inputs were read.
    let versions = b.join("platform/versions.yaml");
    let text = std::fs::read_to_string(&versions).unwrap();
    let pinned = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("version: "))
        .unwrap()
        .to_owned();
    std::fs::write(
        &versions,
        text.replacen(&format!("version: {pinned}"), "version: 99.99.99", 1),
    )
    .unwrap();

    let render = |cwd: &Path, manifest_dir: Option<&Path>| {
        let mut cmd = Command::new(XTASK);
        cmd.arg("render")
            .current_dir(cwd)
            .env_remove("CARGO_MANIFEST_DIR");
        if let Some(m) = manifest_dir {
            cmd.env("CARGO_MANIFEST_DIR", m);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let mentions = |tree: &DiskTree, s: &str| {
        tree.values()
            .any(|b| String::from_utf8_lossy(b).contains(s))
    };
    // From the working directory (a subfolder of A): A, and only A, is rendered.
    render(&a.join("platform/hub"), None);
    let tree_a = read_tree(&a.join("generated")).unwrap();
    assert!(!tree_a.is_empty());
    assert!(
        !b.join("generated").exists(),
        "rendered into the other checkout"
    );
    // As `cargo xtask` runs it in B (CARGO_MANIFEST_DIR = B/xtask), from anywhere.
    render(dir.path(), Some(&b.join("xtask")));
    let tree_b = read_tree(&b.join("generated")).unwrap();
    assert!(mentions(&tree_b, "99.99.99"), "B's inputs were not read");
    assert!(!mentions(&tree_a, "99.99.99"));
    assert_eq!(
        read_tree(&a.join("generated")).unwrap(),
        tree_a,
        "A was touched"
    );

    // Outside any checkout: a clear error, not a render somewhere else.
    let out = Command::new(XTASK)
        .arg("render")
        .current_dir(dir.path())
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no lab checkout at or above"), "{err}");
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

#[test]
fn diff_between_two_real_commits_is_per_object() {
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    let app = |project: &str| {
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: grafana\n  namespace: argocd\nspec:\n  project: {project}\n"
        )
    };
    git(dir, &["init", "-q"]);
    std::fs::create_dir_all(dir.join("generated/hub/apps")).unwrap();
    std::fs::create_dir_all(dir.join("generated/hub/values")).unwrap();
    std::fs::write(
        dir.join("generated/hub/apps/application-grafana.yaml"),
        app("platform"),
    )
    .unwrap();
    std::fs::write(dir.join("generated/hub/values/old.yaml"), "a: 1\n").unwrap();
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "one"]);
    std::fs::write(
        dir.join("generated/hub/apps/application-grafana.yaml"),
        app("observability"),
    )
    .unwrap();
    std::fs::remove_file(dir.join("generated/hub/values/old.yaml")).unwrap();
    std::fs::write(dir.join("generated/hub/values/grafana.yaml"), "b: 2\n").unwrap();
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", "two"]);

    let out = Command::new(XTASK)
        .args(["diff", "--base", "HEAD~1", "--head", "HEAD", "--repo"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("1 added, 1 changed, 1 removed"), "{text}");
    assert!(text.contains("== hub/grafana"), "{text}");
    assert!(
        text.contains("-- changed Application argocd/grafana"),
        "{text}"
    );
    assert!(text.contains("+  project: observability"), "{text}");

    let md = Command::new(XTASK)
        .args([
            "diff", "--base", "HEAD~1", "--head", "HEAD", "--format", "markdown", "--repo",
        ])
        .arg(dir)
        .output()
        .unwrap();
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.starts_with("### Rendered diff"), "{md}");
    assert!(md.contains("removed hub/values/old.yaml"), "{md}");
}

#[test]
fn check_exits_1_with_a_unified_diff_on_drift_and_0_when_current() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("generated");
    let tree = render_into(&out, &[]);
    let check = || {
        Command::new(XTASK)
            .args(["check", "--against"])
            .arg(&out)
            .output()
            .unwrap()
    };
    assert!(check().status.success());

    let (victim, _) = tree
        .iter()
        .find(|(p, _)| p.ends_with("application-argocd.yaml"))
        .unwrap();
    let path = out.join(victim);
    let edited = std::fs::read_to_string(&path)
        .unwrap()
        .replace("selfHeal: true", "selfHeal: false");
    std::fs::write(&path, edited).unwrap();
    std::fs::write(out.join("hub/apps/stray.yaml"), "a: 1\n").unwrap();

    let result = check();
    assert_eq!(result.status.code(), Some(1));
    let stdout = String::from_utf8(result.stdout).unwrap();
    assert!(stdout.contains(&format!("--- a/{victim}")), "{stdout}");
    let removed = stdout
        .lines()
        .any(|l| l.starts_with('-') && l.trim_end().ends_with("selfHeal: false"));
    let added = stdout
        .lines()
        .any(|l| l.starts_with('+') && l.trim_end().ends_with("selfHeal: true"));
    assert!(removed && added, "{stdout}");
    assert!(
        stdout.contains("-- removed hub/apps/stray.yaml"),
        "{stdout}"
    );
    // The hint fits what was compared: DIR is not generated/, so no "run render and commit".
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(!stderr.contains("commit"), "{stderr}");
    assert!(
        stderr.contains(&format!("cargo xtask render --out {}", out.display())),
        "{stderr}"
    );

    let json = Command::new(XTASK)
        .args(["check", "--format", "json", "--against"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(json.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["current"], false);
    let kinds: Vec<_> = doc["report"]["groups"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|g| g.as_array().unwrap())
        .map(|c| (c["path"].as_str().unwrap(), c["kind"].as_str().unwrap()))
        .collect();
    assert!(kinds.contains(&(victim.as_str(), "changed")), "{kinds:?}");
    assert!(
        kinds.contains(&("hub/apps/stray.yaml", "removed")),
        "{kinds:?}"
    );
}

/// The generated sections of a hand-written page: `render` fills them, `check` fails while one
/// is stale and names the page, and `render` brings it back.
#[test]
fn check_fails_on_a_stale_section_of_a_hand_written_page() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    checkout(root);
    let readme = root.join("README.md");
    std::fs::write(
        &readme,
        "# Lab\n\n<!-- BEGIN generated:roadmap -->\n<!-- END generated:roadmap -->\n\nEnd.\n",
    )
    .unwrap();
    let run = |cmd: &str| {
        Command::new(XTASK)
            .arg(cmd)
            .current_dir(root)
            .env_remove("CARGO_MANIFEST_DIR")
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    assert!(run("render").status.success());
    let filled = std::fs::read_to_string(&readme).unwrap();
    let row = filled
        .lines()
        .find(|l| l.starts_with("| 16 |"))
        .expect("the roadmap table was filled")
        .to_owned();
    assert!(
        filled.ends_with("<!-- END generated:roadmap -->\n\nEnd.\n"),
        "{filled}"
    );
    assert!(run("check").status.success());

    std::fs::write(&readme, filled.replace(&row, "| 16 | edited by hand |")).unwrap();
    let result = run("check");
    assert_eq!(result.status.code(), Some(1));
    let stdout = String::from_utf8(result.stdout).unwrap();
    assert!(stdout.contains("README.md"), "{stdout}");
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with('-') && l.contains("edited by hand")),
        "{stdout}"
    );
    assert!(run("render").status.success());
    assert_eq!(std::fs::read_to_string(&readme).unwrap(), filled);
}

#[test]
fn version_help_and_completions() {
    let run = |args: &[&str]| {
        let out = Command::new(XTASK)
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(
        run(&["--version"]).trim(),
        format!("cargo xtask {}", env!("CARGO_PKG_VERSION"))
    );
    let help = run(&["check", "--help"]);
    assert!(help.contains("--format <FORMAT>"), "{help}");
    assert!(!help.contains('\u{1b}'), "colour despite NO_COLOR: {help}");
    let bash = run(&["completions", "bash"]);
    assert!(
        bash.contains("complete -F") && bash.contains("validate"),
        "{bash}"
    );
}

/// `new` scaffolds an experiment the next render picks up; a taken or bad name is refused.
#[test]
fn a_new_experiment_is_rendered_by_the_next_render() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("lab");
    checkout(&root);
    let run = |args: &[&str]| {
        Command::new(XTASK)
            .args(args)
            .current_dir(&root)
            .env_remove("CARGO_MANIFEST_DIR")
            .output()
            .unwrap()
    };
    let out = run(&["new", "first-steps"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["render"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        root.join("generated/experiments/first-steps/readme.md")
            .is_file()
    );
    assert!(
        root.join("generated/experiments/first-steps/hub/bootstrap/workflow-first-steps-run.yaml")
            .is_file()
    );
    let listed = run(&["list", "experiments"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("first-steps"));

    let again = run(&["new", "first-steps"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let bad = run(&["new", "Not_A_Label"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("cannot name an experiment"));
}
