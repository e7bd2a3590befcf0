mod crds;
use std::path::PathBuf;
fn main() -> anyhow::Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    crds::run(
        &root,
        &crds::Options {
            from: PathBuf::from("/work/shared/schemas/crds"),
            check: false,
        },
    )
}
