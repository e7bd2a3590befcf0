//! The pictures and tables drawn from the model: they follow the model (a changed phase moves an
//! experiment), they show everything they claim to (every Application, every edge with its
//! reason, every cluster of an experiment), and a stale copy in a hand-written page is caught.

use lab::docs::{self, Model, Section};
use lab::{Inputs, clusters, hub_registry};
use lab_experiments::roadmap;

use crate::inputs;

fn model(inputs: &Inputs) -> Model<'_> {
    let clusters = clusters(inputs, hub_registry(&inputs.settings).unwrap()).unwrap();
    Model::plan(inputs, &clusters, None).unwrap()
}

fn render(inputs: &Inputs, section: Section, dir: &str) -> String {
    section.render(&model(inputs), dir).unwrap()
}

/// The row of `name` in a Markdown table.
fn row<'a>(table: &'a str, name: &str) -> Option<&'a str> {
    table
        .lines()
        .find(|l| l.starts_with('|') && l.contains(&format!("[{name}]")))
}

#[test]
fn changing_a_specs_phase_moves_the_experiment_and_the_statuses() {
    let real = inputs();
    let moved = real
        .experiments
        .iter()
        .find(|e| e.spec.phase == 1)
        .expect("an experiment in phase 1")
        .name
        .clone();
    let empty = roadmap::PHASES
        .iter()
        .find(|p| real.experiments.iter().all(|e| e.spec.phase != p.number))
        .expect("a phase without experiments");
    let before = render(&real, Section::Roadmap, "");
    let before_phase = render(&real, Section::Phase(empty.number), "docs/roadmap");
    assert!(before_phase.contains("**Status: planned"), "{before_phase}");

    let mut changed = real.clone();
    changed
        .experiments
        .iter_mut()
        .find(|e| e.name == moved)
        .unwrap()
        .spec
        .phase = empty.number;
    let after = render(&changed, Section::Roadmap, "");
    assert_ne!(before, after);
    let phase_row = |table: &str, n: u8| {
        table
            .lines()
            .find(|l| l.starts_with(&format!("| {n} |")))
            .unwrap()
            .to_owned()
    };
    assert!(phase_row(&before, 1).contains(&format!("[{moved}]")));
    assert!(!phase_row(&after, 1).contains(&format!("[{moved}]")));
    let new_row = phase_row(&after, empty.number);
    assert!(new_row.contains(&format!("[{moved}]")), "{new_row}");
    assert!(new_row.contains("in progress"), "{new_row}");
    assert!(phase_row(&before, empty.number).contains("planned"));

    let after_phase = render(&changed, Section::Phase(empty.number), "docs/roadmap");
    let written = row(&after_phase, &moved).expect("the moved experiment's row");
    assert!(written.contains("| written |"), "{written}");
    assert!(
        written.contains(&format!("../../experiments/{moved}/tutorial.md")),
        "links are relative to docs/roadmap: {written}"
    );
    // The experiments table names the new phase too.
    let table = render(&changed, Section::Experiments, "");
    let exp_row = row(
        &table,
        &changed
            .experiments
            .iter()
            .find(|e| e.name == moved)
            .unwrap()
            .spec
            .title,
    )
    .expect("a row for the moved experiment");
    assert!(exp_row.contains(empty.title), "{exp_row}");
}

#[test]
fn the_app_of_apps_shows_every_planned_app_of_every_cluster_in_its_wave() {
    let inputs = inputs();
    let model = model(&inputs);
    let diagram = Section::AppOfApps.render(&model, "").unwrap();
    assert!(diagram.starts_with("```mermaid\nflowchart"), "{diagram}");
    for cluster in &model.clusters {
        assert!(!cluster.planned.is_empty());
        for app in &cluster.planned {
            let name = app.app.name.as_str();
            // Each app is listed in the box of its wave.
            let wave = format!("[\"<b>{} · wave {}</b><br/>", cluster.paths.name, app.wave);
            let line = diagram
                .lines()
                .find(|l| l.contains(&wave))
                .unwrap_or_else(|| panic!("no {wave}"));
            let listed = line.split_once(&wave).unwrap().1.trim_end_matches("\"]");
            assert!(
                listed.split("<br/>").any(|n| n == name),
                "{name} not in {wave}: {line}"
            );
        }
        if let Some(child) = &cluster.child {
            assert!(
                diagram.contains(&format!("([\"{child}\"])")),
                "no child {child}"
            );
        }
    }
}

#[test]
fn the_dependency_graph_draws_every_edge_with_its_reason() {
    let inputs = inputs();
    let model = model(&inputs);
    let diagram = Section::Dependencies.render(&model, "").unwrap();
    let table = Section::DependencyTable.render(&model, "").unwrap();
    let mut reasons = std::collections::BTreeSet::new();
    let mut edges = 0;
    for cluster in &model.clusters {
        for app in &cluster.planned {
            let name = app.app.name.as_str();
            assert!(diagram.contains(&format!("[\"{name}\"]")), "no node {name}");
            for edge in &app.after {
                edges += 1;
                reasons.insert(edge.reason);
                let label = format!("|{}|", edge.reason.word());
                let line = diagram
                    .lines()
                    .find(|l| {
                        l.contains(&label)
                            && l.trim_start().starts_with(&format!(
                                "c_{}_{} ",
                                cluster.paths.root().as_str().replace(['/', '-'], "_"),
                                edge.to.replace('-', "_")
                            ))
                            && l.ends_with(&format!("_{}", name.replace('-', "_")))
                    })
                    .unwrap_or_else(|| panic!("no edge {} -> {name} labelled {label}", edge.to));
                assert!(!line.is_empty());
                assert!(
                    table.contains(&format!("{} ({})", edge.to, edge.reason.word())),
                    "table lacks {} for {name}",
                    edge.to
                );
            }
        }
    }
    assert!(edges > 10, "the hub has edges");
    assert!(reasons.len() >= 2, "several reasons appear: {reasons:?}");
}

#[test]
fn each_experiment_diagram_shows_its_clusters_components_and_load() {
    let inputs = inputs();
    let model = model(&inputs);
    for exp in &inputs.experiments {
        let d = Section::Experiment(exp.name.clone())
            .render(&model, "")
            .unwrap();
        for c in &exp.spec.clusters {
            assert!(
                d.contains(&format!("[\"{} ({}):", c.name, c.provider.as_str())),
                "{}: no cluster {}",
                exp.name,
                c.name
            );
        }
        for comp in &exp.spec.components {
            assert!(
                d.contains(&format!("[\"{}\"]", comp.id.as_str())),
                "{}: {:?}",
                exp.name,
                comp.id
            );
        }
        if let Some(load) = &exp.spec.load {
            let arrow = format!("|\"{} VUs for {}\"|", load.virtual_users, load.duration);
            let line = d.lines().find(|l| l.contains(&arrow)).expect("a load edge");
            assert!(
                line.ends_with(&format!("_{}", load.target.as_str().replace('-', "_"))),
                "{}: load aimed elsewhere: {line}",
                exp.name
            );
        }
    }
    assert!(
        Section::Experiment("no-such".into())
            .render(&model, "")
            .is_err()
    );
}

#[test]
fn a_stale_section_is_refilled_and_the_committed_pages_are_current() {
    let root = lab_testkit::repo_root();
    let inputs = inputs();
    let pages = docs::documents(&root, &inputs).unwrap();
    let readme = pages
        .iter()
        .find(|d| d.path == "README.md")
        .expect("the README has generated sections");
    let stale: Vec<&str> = pages
        .iter()
        .filter(|d| !d.is_current())
        .map(|d| d.path.as_str())
        .collect();
    assert!(
        stale.is_empty(),
        "stale pages (run `cargo xtask render`): {stale:?}"
    );

    // Break one row of the README's experiments table: filling restores it.
    let mut model = model(&inputs);
    model.adrs = docs::load_adrs(&root).unwrap();
    let exp = &inputs.experiments[0];
    let good = row(&readme.current, &exp.spec.title).unwrap().to_owned();
    let duration = format!("| {} |", exp.spec.duration);
    let bad = good.replace(&duration, "| 9h |");
    assert_ne!(good, bad);
    let edited = readme.current.replacen(&good, &bad, 1);
    let filled = docs::fill(&model, "README.md", &edited).unwrap();
    assert_ne!(filled, edited, "the stale copy is detected");
    assert_eq!(filled, readme.current);

    // A section the model does not know is an error naming the page and the line.
    let unknown = "x\n<!-- BEGIN generated:nonsense -->\n<!-- END generated:nonsense -->\n";
    let e = docs::fill(&model, "docs/x.md", unknown)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("docs/x.md: line 2") && e.contains("nonsense"),
        "{e}"
    );
    assert!(Section::parse("phase-17").is_err());
}

#[test]
fn every_phase_has_its_page_with_its_heading_and_table() {
    let root = lab_testkit::repo_root();
    for phase in &roadmap::PHASES {
        let page = std::fs::read_to_string(root.join(phase.page()))
            .unwrap_or_else(|e| panic!("{}: {e}", phase.page()));
        assert!(
            page.starts_with(&format!("# {}\n", phase.heading())),
            "{} does not start with `# {}`",
            phase.page(),
            phase.heading()
        );
        for heading in [
            "## Goals",
            "## What you build",
            "## What you measure",
            "## Experiments",
        ] {
            assert!(page.contains(heading), "{}: no {heading}", phase.page());
        }
        assert_eq!(
            lab_core::sections::names(&page),
            [format!("phase-{}", phase.number)],
            "{}",
            phase.page()
        );
    }
    let pages = std::fs::read_dir(root.join(roadmap::ROADMAP_DIR))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("phase-")
        })
        .count();
    assert_eq!(pages, roadmap::PHASES.len(), "a phase page without a phase");
}
