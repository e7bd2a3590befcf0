//! The pictures and tables drawn from the model: they follow the model (a changed phase moves an
//! experiment), they show everything they claim to (every Application, every edge with its
//! reason, every cluster of an experiment), and a stale copy in a hand-written page is caught.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

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

/// Each phase → the experiment folders whose `experiment.yaml` says `phase: N`, read from the
/// files themselves, not through the loader the renderer uses.
fn specs_by_phase(root: &Path) -> BTreeMap<u8, BTreeSet<String>> {
    let mut out: BTreeMap<u8, BTreeSet<String>> = BTreeMap::new();
    for entry in std::fs::read_dir(root.join("experiments")).unwrap() {
        let dir = entry.unwrap().path();
        let Ok(spec) = std::fs::read_to_string(dir.join("experiment.yaml")) else {
            continue;
        };
        let phase = spec
            .lines()
            .find_map(|l| l.strip_prefix("phase:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("{}: no `phase:`", dir.display()));
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        out.entry(phase).or_default().insert(name);
    }
    out
}

/// What phase `phase`'s status must say, given the experiments that name it: its first word
/// and the counts that follow.
fn expected_status(
    phase: &roadmap::Phase,
    specs: &BTreeMap<u8, BTreeSet<String>>,
) -> (&'static str, Vec<String>) {
    let none = BTreeSet::new();
    let written = specs.get(&phase.number).unwrap_or(&none);
    let more = phase
        .planned
        .iter()
        .filter(|p| !written.contains(p.name))
        .count();
    match (written.len(), more) {
        (0, _) => (
            "planned",
            vec![
                "no experiment yet".into(),
                format!("{} planned", phase.planned.len()),
            ],
        ),
        (n, 0) => ("available", vec![format!("{n} experiment")]),
        (n, m) => (
            "in progress",
            vec![format!("{n} experiment"), format!("{m} more planned")],
        ),
    }
}

/// Every phase status a page shows, with its phase: the status cell of a roadmap table row
/// (`| N | [title](…) | status | … |`) and the `**Status: …**` line below a `Phase N:` heading.
fn statuses(page: &str) -> Vec<(u8, String)> {
    let mut out = Vec::new();
    let mut current = None;
    for line in page.lines() {
        if let Some(rest) = line.trim_start_matches('#').trim().strip_prefix("Phase ")
            && line.starts_with('#')
        {
            current = rest.split(':').next().and_then(|n| n.parse::<u8>().ok());
        }
        if let Some(rest) = line.strip_prefix("**Status: ") {
            let status = rest.split(".**").next().unwrap_or("").to_owned();
            out.push((
                current.expect("a status below a `Phase N:` heading"),
                status,
            ));
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() >= 5
            && cells[2].starts_with('[')
            && let Ok(n) = cells[1].parse::<u8>()
        {
            out.push((n, cells[3].to_owned()));
        }
    }
    out
}

/// Each status on `page` that does not say what the specs make it: the wrong word, or counts
/// that are not the specs'.
fn status_drift(path: &str, page: &str, specs: &BTreeMap<u8, BTreeSet<String>>) -> Vec<String> {
    statuses(page)
        .into_iter()
        .filter_map(|(n, status)| {
            let phase = roadmap::phase(n)?;
            let (word, counts) = expected_status(phase, specs);
            let ok = status.starts_with(&format!("{word}:"))
                && counts.iter().all(|c| {
                    [": ", ", "]
                        .iter()
                        .any(|p| status.contains(&format!("{p}{c}")))
                });
            (!ok).then(|| {
                format!("{path}: phase {n} says {status:?}, the specs make it {word} {counts:?}")
            })
        })
        .collect()
}

/// The pages that show phase statuses.
const STATUS_PAGES: [&str; 3] = [
    "README.md",
    "docs/roadmap/README.md",
    "generated/docs/roadmap.md",
];

#[test]
fn every_phase_status_in_the_docs_says_what_the_specs_make_it() {
    let root = lab_testkit::repo_root();
    let specs = specs_by_phase(&root);
    let mut pages: Vec<String> = STATUS_PAGES.iter().map(|p| p.to_string()).collect();
    pages.extend(roadmap::PHASES.iter().map(|p| p.page()));
    let mut seen = 0;
    let mut drift = Vec::new();
    for path in &pages {
        let page = std::fs::read_to_string(root.join(path)).unwrap();
        seen += statuses(&page).len();
        drift.extend(status_drift(path, &page, &specs));
    }
    // Each phase in the two roadmap tables of the README and docs/roadmap, twice in
    // generated/docs/roadmap.md (table and section) and once on its own page.
    assert_eq!(seen, 5 * roadmap::PHASES.len(), "statuses found");
    assert!(drift.is_empty(), "{}", drift.join("\n"));

    // The check can fail: the committed pages against specs with one experiment moved to
    // another phase, or with one phase's experiments gone.
    let page = std::fs::read_to_string(root.join("docs/roadmap/README.md")).unwrap();
    let mut moved = specs.clone();
    let name = moved.get_mut(&1).unwrap().pop_first().unwrap();
    moved.entry(16).or_default().insert(name);
    assert_eq!(status_drift("x", &page, &moved).len(), 2, "phases 1 and 16");
    let mut emptied = specs.clone();
    emptied.remove(&3);
    let d = status_drift("x", &page, &emptied);
    assert!(d.len() == 1 && d[0].contains("make it planned"), "{d:?}");
}

#[test]
fn planned_experiments_name_the_phase_that_plans_them() {
    let real = inputs();
    let wrong: Vec<String> = roadmap::misplaced(&real.experiments)
        .iter()
        .map(|(e, planned, spec)| {
            format!(
                "{} is planned in phase {planned} but its spec says {spec}",
                e.name
            )
        })
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
    let mut changed = real.clone();
    let planned = roadmap::PHASES[0].planned[0].name;
    let exp = changed
        .experiments
        .iter_mut()
        .find(|e| e.name == planned)
        .expect("phase 1's first planned experiment exists");
    exp.spec.phase = 2;
    let wrong = roadmap::misplaced(&changed.experiments);
    assert_eq!(wrong.len(), 1);
    assert_eq!((wrong[0].1, wrong[0].2), (1, 2));
}
