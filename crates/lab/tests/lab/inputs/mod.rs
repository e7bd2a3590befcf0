//! Bad inputs, each a mutation of a copy of the real `platform/` files: every one must be
//! refused with a message that names the file, position, field and value (snapshots), and
//! must leave a seeded `generated/` byte-identical, through the same calls `cargo xtask render`
//! makes (`Inputs::load`, `render`, `write_tree`).

mod cases;
mod catalog;

use lab::{Inputs, SETTINGS_FILE, VERSIONS_FILE, render};
use lab_core::fs::{DiskTree, read_tree, write_tree};
use lab_testkit::repo_root;

const S: &str = SETTINGS_FILE;
const V: &str = VERSIONS_FILE;
/// The Talos target's inventory (`lab::TARGETS_DIR`/talos/nodes.yaml).
const N: &str = "platform/targets/talos/nodes.yaml";

/// A checkout in a temporary folder: the real inputs, and a `generated/` seeded with a small
/// known tree.
struct Checkout {
    dir: tempfile::TempDir,
    seeded: DiskTree,
}

impl Checkout {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        for file in [S, V, N] {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::copy(repo_root().join(file), &path).expect("copy input");
        }
        let generated = dir.path().join("generated");
        for (file, text) in [
            ("README.md", "seeded\n"),
            ("hub/apps/application-seed.yaml", "kind: Application\n"),
            ("schemas/settings.schema.json", "{}\n"),
        ] {
            let path = generated.join(file);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("seed");
        }
        let seeded = read_tree(&generated).expect("read seed");
        assert_eq!(seeded.len(), 3, "the seed is what this test wrote");
        Self { dir, seeded }
    }

    /// Applies `edits` to `file`; each `from` must occur exactly once, so that a mutation can
    /// never silently stop applying when the real input changes.
    fn edit(&self, file: &str, edits: &[(&str, &str)]) {
        let path = self.dir.path().join(file);
        let mut text = std::fs::read_to_string(&path).expect("read input");
        for (from, to) in edits {
            assert_eq!(
                text.matches(from).count(),
                1,
                "{file}: {from:?} must occur exactly once"
            );
            text = text.replacen(from, to, 1);
        }
        std::fs::write(&path, text).expect("write input");
    }

    /// What `cargo xtask render` does: load, render, write `generated/`.
    fn render(&self) -> anyhow::Result<()> {
        let inputs = Inputs::load(self.dir.path())?;
        let files = render(&inputs)?.render()?;
        write_tree(&files, &self.generated())?;
        Ok(())
    }

    fn generated(&self) -> std::path::PathBuf {
        self.dir.path().join("generated")
    }

    fn generated_is_untouched(&self) -> bool {
        read_tree(&self.generated()).expect("read generated") == self.seeded
    }
}

/// The error a bad input gives (one test of [`cases`] each); asserts the shape every message
/// must have and that `generated/` was not touched.
fn refused(file: &str, edits: &[(&str, &str)]) -> String {
    let checkout = Checkout::new();
    checkout.edit(file, edits);
    let err = checkout.render().expect_err("a bad input must be refused");
    let message = format!("{err:#}");
    assert!(checkout.generated_is_untouched(), "generated/ changed");
    for line in message.lines() {
        // file:line:column · field · rule · message
        let parts: Vec<&str> = line.split(" · ").collect();
        assert!(
            parts.len() >= 4,
            "not `file · field · rule · message`: {line}"
        );
        assert!(
            parts[0].starts_with(&format!("{file}:")),
            "names {file}: {line}"
        );
        assert!(
            parts[0][file.len() + 1..]
                .split(':')
                .all(|n| n.parse::<u64>().is_ok()),
            "a line and column after the file: {line}"
        );
    }
    message
}

#[test]
fn the_real_inputs_render_over_the_seed_without_an_error() {
    let checkout = Checkout::new();
    let outcome = match checkout.render() {
        Ok(()) => "no error".to_owned(),
        Err(e) => format!("{e:#}"),
    };
    insta::assert_snapshot!(outcome);
    assert!(
        !checkout.generated_is_untouched(),
        "the render replaced the seed"
    );
}

#[test]
fn a_missing_input_file_is_named_and_nothing_is_written() {
    let checkout = Checkout::new();
    std::fs::remove_file(checkout.dir.path().join(S)).expect("remove");
    let err = checkout
        .render()
        .expect_err("a missing file must be refused");
    insta::assert_snapshot!(format!("{err:#}"));
    assert!(checkout.generated_is_untouched());
}

// The issue asks for at least sixty bad inputs; fewer fails the build of this test.
const _: () = assert!(
    cases::COUNT >= 60,
    "the corpus holds fewer than 60 bad inputs"
);
