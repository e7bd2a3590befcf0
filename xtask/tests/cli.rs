//! The CLI as users run it: byte-stable renders across machines' settings, atomic writes under
//! kill, and a diff between two real commits.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lab_core::fs::{DiskTree, read_tree};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

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

#[test]
fn a_killed_render_leaves_the_old_tree_or_the_new_one_never_a_mix() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("generated");
    let new = render_into(&dir.path().join("reference"), &[]);

    // Time one full render to spread the kills over it.
    let start = Instant::now();
    render_into(&dir.path().join("timing"), &[]);
    let full = start.elapsed();

    let old: DiskTree = [(
        "hub/old/configmap-stale.yaml".to_owned(),
        b"old: true\n".to_vec(),
    )]
    .into();
    let mut seen_old = 0;
    let mut seen_new = 0;
    // Delays sweep 0..2x the calibrated render time, twice: on a loaded machine a render can
    // take longer than the calibration, so the sweep overshoots and stops once both outcomes
    // were seen a few times.
    for i in 0..64u32 {
        if seen_old >= 3 && seen_new >= 3 {
            break;
        }
        // Reset to the old tree, then start a render and kill it after a varying delay.
        std::fs::remove_dir_all(&out).ok();
        for (p, bytes) in &old {
            let path = out.join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        let mut child = Command::new(XTASK)
            .args(["render", "--out"])
            .arg(&out)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(
            full.mul_f64(f64::from(i % 32) / 16.0) + Duration::from_micros(u64::from(i) * 137),
        );
        let _ = child.kill();
        let _ = child.wait();
        let now = read_tree(&out).unwrap();
        if now == old {
            seen_old += 1;
        } else if now == new {
            seen_new += 1;
        } else {
            panic!("kill #{i} left a mixed tree of {} files", now.len());
        }
    }
    // Both outcomes occur, so the kills really landed before and after the swap.
    assert!(
        seen_old > 0 && seen_new > 0,
        "old {seen_old}, new {seen_new}"
    );
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
    assert!(String::from_utf8_lossy(&result.stderr).contains("cargo xtask render"));
}
