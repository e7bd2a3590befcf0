//! Pictures and tables drawn from the model, for people: the app-of-apps with its waves, the
//! dependency graph with the reason of every edge, each experiment's clusters and load path,
//! the experiments table and the roadmap's status. They render into `generated/docs/`, and,
//! as marked sections ([`lab_core::sections`]), into the hand-written pages that show them
//! inline (the README, the roadmap pages), where `render` fills them and `check` compares them.
//!
//! Every table and diagram is a [`Section`] rendered for the folder of the page it lands in,
//! so its relative links work on GitHub and in the book alike.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context as _, Result, anyhow};
use lab_argocd::ClusterLayout;
use lab_core::layout::{self, ClusterPaths, ClusterRole};
use lab_core::{Artifact, Format};
use lab_experiments::Experiment;
use lab_experiments::roadmap::{self, Progress};
use lab_experiments::spec::Role;
use lab_model::component::{EdgeReason, PlannedApp};

use crate::{Cluster, Inputs};

/// The ADRs, one Markdown file each, named `NNNN-<slug>.md`.
pub const ADR_DIR: &str = "docs/adrs";

/// One cluster's plan as the pictures need it.
pub struct ClusterPlan {
    pub paths: ClusterPaths,
    /// The hub's Application that reaches this cluster's Applications (none for the hub).
    pub child: Option<String>,
    pub planned: Vec<PlannedApp>,
}

/// What the docs are drawn from.
pub struct Model<'a> {
    pub inputs: &'a Inputs,
    /// Every cluster, the hub first.
    pub clusters: Vec<ClusterPlan>,
    /// The ADR index; read from `docs/adrs/` for the hand-written pages only (the rendered
    /// tree depends on no prose).
    pub adrs: Vec<Adr>,
}

impl<'a> Model<'a> {
    /// Plans every cluster (the hub's components, then each other cluster's with the hub's);
    /// `hub_planned` is the hub's plan when the caller already has it (a render does).
    pub fn plan(
        inputs: &'a Inputs,
        clusters: &[Cluster],
        hub_planned: Option<&[PlannedApp]>,
    ) -> Result<Self> {
        let (hub, _) = clusters.split_first().context("the hub is always first")?;
        let settings = &inputs.settings;
        let hub_layout = ClusterLayout {
            settings,
            paths: hub.paths.clone(),
            destination: hub.destination.clone(),
        };
        let mut out = Vec::new();
        for cluster in clusters {
            let (planned, child) = if cluster.paths.role == ClusterRole::Hub {
                let planned = match hub_planned {
                    Some(p) => p.to_vec(),
                    None => cluster.registry.plan(settings, &inputs.versions)?,
                };
                (planned, None)
            } else {
                let layout = ClusterLayout {
                    settings,
                    paths: cluster.paths.clone(),
                    destination: cluster.destination.clone(),
                };
                let child = lab_argocd::child_app_of_apps(&hub_layout, &layout);
                (
                    cluster
                        .registry
                        .plan_in(settings, &inputs.versions, Some(&hub.registry))?,
                    child.metadata.name,
                )
            };
            out.push(ClusterPlan {
                paths: cluster.paths.clone(),
                child,
                planned,
            });
        }
        Ok(Self {
            inputs,
            clusters: out,
            adrs: Vec::new(),
        })
    }
}

/// One ADR's row of the index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adr {
    /// Path from the repository root.
    pub file: String,
    pub number: String,
    pub title: String,
    pub status: String,
    pub date: String,
}

impl Adr {
    /// Reads the title (`# ADR NNNN: Title`) and the first line under `## Status` and `## Date`.
    pub fn parse(file: &str, text: &str) -> Result<Self> {
        let heading = text
            .lines()
            .find_map(|l| l.strip_prefix("# "))
            .ok_or_else(|| anyhow!("{file}: no `# ADR NNNN: title` heading"))?;
        let (number, title) = heading
            .strip_prefix("ADR ")
            .and_then(|h| h.split_once(": "))
            .ok_or_else(|| anyhow!("{file}: heading {heading:?} is not `ADR NNNN: title`"))?;
        let under = |section: &str| -> Result<String> {
            let mut lines = text
                .lines()
                .skip_while(|l| l.trim() != format!("## {section}"));
            lines.next();
            lines
                .map(str::trim)
                .find(|l| !l.is_empty())
                .filter(|l| !l.starts_with('#'))
                .map(str::to_owned)
                .ok_or_else(|| anyhow!("{file}: no line under `## {section}`"))
        };
        Ok(Self {
            file: file.to_owned(),
            number: number.trim().to_owned(),
            title: title.trim().to_owned(),
            status: under("Status")?,
            date: under("Date")?,
        })
    }
}

/// Every ADR below `root`, by number (none when the checkout has no `docs/adrs/`).
pub fn load_adrs(root: &Path) -> Result<Vec<Adr>> {
    let dir = root.join(ADR_DIR);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {ADR_DIR}"))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md") && n.starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    names.sort();
    names
        .iter()
        .map(|n| {
            let file = format!("{ADR_DIR}/{n}");
            let text = std::fs::read_to_string(root.join(&file))
                .with_context(|| format!("reading {file}"))?;
            Adr::parse(&file, &text)
        })
        .collect()
}

/// A table or diagram, by the name its markers use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Section {
    /// `experiments`: every experiment with its phase, difficulty, duration and clusters.
    Experiments,
    /// `adrs`: the ADR index.
    Adrs,
    /// `roadmap`: every phase with its status and experiments.
    Roadmap,
    /// `phase-N`: one phase's status and its experiments, written and planned.
    Phase(u8),
    /// `app-of-apps`: the root Application, the waves of every cluster, the children.
    AppOfApps,
    /// `dependencies`: every cluster's dependency graph, each edge with its reason.
    Dependencies,
    /// `dependency-table`: the same edges as a table.
    DependencyTable,
    /// `experiment-NAME`: one experiment's clusters, components and load path.
    Experiment(String),
}

impl Section {
    pub fn parse(name: &str) -> Result<Self, String> {
        Ok(match name {
            "experiments" => Section::Experiments,
            "adrs" => Section::Adrs,
            "roadmap" => Section::Roadmap,
            "app-of-apps" => Section::AppOfApps,
            "dependencies" => Section::Dependencies,
            "dependency-table" => Section::DependencyTable,
            _ => {
                if let Some(n) = name.strip_prefix("phase-") {
                    match n.parse::<u8>().ok().and_then(roadmap::phase) {
                        Some(p) => Section::Phase(p.number),
                        None => {
                            return Err(format!(
                                "no roadmap phase {n:?} (1–{})",
                                roadmap::PHASES.len()
                            ));
                        }
                    }
                } else if let Some(exp) = name.strip_prefix("experiment-") {
                    Section::Experiment(exp.to_owned())
                } else {
                    return Err(format!(
                        "no generated section {name:?}; expected experiments, adrs, roadmap, \
                         phase-N, app-of-apps, dependencies, dependency-table or experiment-NAME"
                    ));
                }
            }
        })
    }

    /// The section as a page in folder `dir` (from the repository root) shows it.
    pub fn render(&self, model: &Model, dir: &str) -> Result<String> {
        let exps = &model.inputs.experiments;
        Ok(match self {
            Section::Experiments => experiments_table(exps, dir),
            Section::Adrs => adr_table(&model.adrs, dir),
            Section::Roadmap => roadmap_table(&roadmap::progress(exps), dir),
            Section::Phase(n) => {
                let progress = roadmap::progress(exps);
                let p = progress
                    .iter()
                    .find(|p| p.phase.number == *n)
                    .ok_or_else(|| anyhow!("no roadmap phase {n}"))?;
                phase_table(p, dir)
            }
            Section::AppOfApps => app_of_apps(model),
            Section::Dependencies => dependencies(model),
            Section::DependencyTable => dependency_table(model),
            Section::Experiment(name) => {
                let exp = exps
                    .iter()
                    .find(|e| &e.name == name)
                    .ok_or_else(|| anyhow!("no experiment {name:?}"))?;
                experiment_diagram(exp)
            }
        })
    }
}

/// `to` (a path from the repository root) as a relative link from a page in folder `from`.
pub fn link(from: &str, to: &str) -> String {
    let from: Vec<&str> = from.split('/').filter(|s| !s.is_empty()).collect();
    let to: Vec<&str> = to.split('/').collect();
    // The file name itself is never a shared folder.
    let common = from
        .iter()
        .zip(&to[..to.len() - 1])
        .take_while(|(a, b)| a == b)
        .count();
    format!(
        "{}{}",
        "../".repeat(from.len() - common),
        to[common..].join("/")
    )
}

/// A table cell: no line breaks, pipes escaped.
fn cell(text: &str) -> String {
    text.replace('\n', " ").replace('|', "\\|")
}

fn tutorial(exp: &Experiment) -> String {
    format!(
        "{}/{}/{}",
        lab_experiments::EXPERIMENTS_DIR,
        exp.name,
        exp.spec.tutorial
    )
}

/// The index of experiments (`generated/experiments/readme.md`, what `task hub:list` prints):
/// the same table as the README's, with its links made from that folder.
pub fn experiments_index(exps: &[Experiment]) -> String {
    format!(
        "# Experiments\n\n`task hub:conduct -- <name>` deploys one; `task hub:down -- <name>` \
         removes it.\n\n{}",
        experiments_table(exps, &format!("{}/experiments", layout::GENERATED))
    )
}

fn experiments_table(exps: &[Experiment], dir: &str) -> String {
    let mut out = String::from(
        "| experiment | phase | difficulty | duration | clusters |\n|---|---|---|---|---|\n",
    );
    let mut sorted: Vec<&Experiment> = exps.iter().collect();
    sorted.sort_by(|a, b| (a.spec.phase, &a.name).cmp(&(b.spec.phase, &b.name)));
    for exp in sorted {
        let phase = match roadmap::phase(exp.spec.phase) {
            Some(p) => format!("[{}. {}]({})", p.number, p.title, link(dir, &p.page())),
            None => exp.spec.phase.to_string(),
        };
        let clusters: Vec<String> = exp
            .spec
            .clusters
            .iter()
            .map(|c| format!("{} ({})", c.name, c.provider.as_str()))
            .collect();
        let _ = writeln!(
            out,
            "| [{}]({}) `{}` | {phase} | {} | {} | {} |",
            cell(&exp.spec.title),
            link(dir, &tutorial(exp)),
            exp.name,
            exp.spec.difficulty.as_str(),
            exp.spec.duration,
            clusters.join(", ")
        );
    }
    out
}

fn adr_table(adrs: &[Adr], dir: &str) -> String {
    let mut out = String::from("| ADR | title | status | date |\n|---|---|---|---|\n");
    for adr in adrs {
        let _ = writeln!(
            out,
            "| [{}]({}) | {} | {} | {} |",
            adr.number,
            link(dir, &adr.file),
            cell(&adr.title),
            cell(&adr.status),
            cell(&adr.date)
        );
    }
    out
}

fn experiment_links(p: &Progress, dir: &str) -> String {
    if p.written.is_empty() {
        return "—".to_owned();
    }
    p.written
        .iter()
        .map(|e| format!("[{}]({})", e.name, link(dir, &tutorial(e))))
        .collect::<Vec<_>>()
        .join(", ")
}

fn roadmap_table(progress: &[Progress], dir: &str) -> String {
    let mut out = String::from("| phase | title | status | experiments |\n|---|---|---|---|\n");
    for p in progress {
        let _ = writeln!(
            out,
            "| {} | [{}]({}) | {} | {} |",
            p.phase.number,
            p.phase.title,
            link(dir, &p.phase.page()),
            p.status_text(),
            experiment_links(p, dir)
        );
    }
    out
}

fn phase_table(p: &Progress, dir: &str) -> String {
    let mut out = format!(
        "**Status: {}.** Goal: {}\n\n",
        p.status_text(),
        p.phase.goal
    );
    out.push_str(
        "| experiment | state | difficulty | duration | what it teaches |\n|---|---|---|---|---|\n",
    );
    for e in &p.written {
        let _ = writeln!(
            out,
            "| [{}]({}) | written | {} | {} | {} |",
            e.name,
            link(dir, &tutorial(e)),
            e.spec.difficulty.as_str(),
            e.spec.duration,
            cell(&e.spec.title)
        );
    }
    for planned in &p.missing {
        let _ = writeln!(
            out,
            "| `{}` | planned | | | {} |",
            planned.name,
            cell(planned.what)
        );
    }
    out
}

/// A Mermaid node id: letters, digits and `_` only, with a prefix so that no id is a keyword
/// (`end`) or starts an edge's `o`/`x` head.
fn id(prefix: &str, name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{prefix}_{safe}")
}

fn mermaid(body: &str) -> String {
    format!("```mermaid\n{}```\n", body)
}

/// The root Application, each cluster's Applications grouped by wave, and the children through
/// which the hub reaches the other clusters.
fn app_of_apps(model: &Model) -> String {
    let settings = &model.inputs.settings;
    // One box per wave listing its Applications, the waves left to right in sync order: boxes
    // of single Applications in subgraphs lay out as one long strip that no page can show.
    let mut d = String::from("flowchart LR\n");
    let hub = &model.clusters[0];
    let _ = writeln!(
        d,
        "  root([\"root Application {}<br/>syncs {}\"])",
        settings.hub.cluster_name,
        layout::repo_path(&hub.paths.apps_dir())
    );
    for cluster in &model.clusters {
        let prefix = id("c", cluster.paths.root().as_str());
        let mut waves: BTreeMap<u32, Vec<&str>> = BTreeMap::new();
        for app in &cluster.planned {
            waves
                .entry(app.wave)
                .or_default()
                .push(app.app.name.as_str());
        }
        let mut previous = match &cluster.child {
            None => "root".to_owned(),
            Some(child) => {
                let node = id("child", child);
                let _ = writeln!(d, "  root --> {node}([\"{child}\"])");
                node
            }
        };
        for (wave, apps) in &mut waves {
            apps.sort_unstable();
            let node = format!("{prefix}_w{wave}");
            let _ = writeln!(
                d,
                "  {previous} --> {node}[\"<b>{} · wave {wave}</b><br/>{}\"]",
                cluster.paths.name,
                apps.join("<br/>")
            );
            previous = node;
        }
    }
    mermaid(&d)
}

/// Arrow and label of an edge, by reason: wiring solid, CRD thick, declared dotted.
fn arrow(reason: EdgeReason) -> &'static str {
    match reason {
        EdgeReason::Wiring => "-->|wiring|",
        EdgeReason::Crd => "==>|crd|",
        EdgeReason::Declared => "-.->|declared|",
    }
}

/// One diagram per cluster: an edge from each component to every component that waits for it.
fn dependencies(model: &Model) -> String {
    let mut out = String::new();
    for cluster in &model.clusters {
        let prefix = id("c", cluster.paths.root().as_str());
        let mut d = String::from("flowchart LR\n");
        for app in &cluster.planned {
            let name = app.app.name.as_str();
            let _ = writeln!(d, "  {}[\"{name}\"]", id(&prefix, name));
        }
        for app in &cluster.planned {
            for edge in &app.after {
                let _ = writeln!(
                    d,
                    "  {} {} {}",
                    id(&prefix, &edge.to),
                    arrow(edge.reason),
                    id(&prefix, app.app.name.as_str())
                );
            }
        }
        if model.clusters.len() > 1 {
            let _ = writeln!(
                out,
                "**{}** (`{}`)\n",
                cluster.paths.name,
                layout::repo_path(cluster.paths.root())
            );
        }
        out.push_str(&mermaid(&d));
        out.push('\n');
    }
    out
}

fn dependency_table(model: &Model) -> String {
    let mut out = String::from("| cluster | application | wave | waits for |\n|---|---|---|---|\n");
    for cluster in &model.clusters {
        let mut apps: Vec<&PlannedApp> = cluster.planned.iter().collect();
        apps.sort_by(|a, b| (a.wave, a.app.name.as_str()).cmp(&(b.wave, b.app.name.as_str())));
        for app in apps {
            let after: Vec<String> = app
                .after
                .iter()
                .map(|e| format!("{} ({})", e.to, e.reason.word()))
                .collect();
            let after = if after.is_empty() {
                "—".to_owned()
            } else {
                after.join(", ")
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {after} |",
                cluster.paths.name,
                app.app.name.as_str(),
                app.wave
            );
        }
    }
    out
}

/// The experiment's clusters with their roles, the components on each, who deploys them, where
/// the load starts and what it hits, and where the checks read the result.
fn experiment_diagram(exp: &Experiment) -> String {
    let spec = &exp.spec;
    let target = exp.target_cluster().name.clone();
    let with_role = |role: Role| {
        spec.clusters
            .iter()
            .find(|c| c.roles.contains(&role))
            .map(|c| c.name.clone())
            .unwrap_or_else(|| target.clone())
    };
    let hub_cluster = spec
        .clusters
        .iter()
        .find(|c| c.provider == lab_experiments::spec::Provider::Hub)
        .map(|c| c.name.clone());
    let load_from = with_role(Role::LoadGenerator);
    let observer = with_role(Role::Observer);
    let node = |cluster: &str, what: &str| id(&id("c", cluster), what);

    let mut d = String::from("flowchart LR\n");
    if hub_cluster.is_none() {
        let _ = writeln!(d, "  argocd([\"Argo CD on the hub\"])");
    }
    for c in &spec.clusters {
        let roles: Vec<&str> = c
            .roles
            .iter()
            .map(|r| match r {
                Role::Target => "target",
                Role::LoadGenerator => "load generator",
                Role::Observer => "observer",
            })
            .collect();
        let _ = writeln!(
            d,
            "  subgraph {}[\"{} ({}): {}\"]",
            id("c", &c.name),
            c.name,
            c.provider.as_str(),
            roles.join(", ")
        );
        if hub_cluster.as_deref() == Some(c.name.as_str()) {
            let _ = writeln!(d, "    argocd([\"Argo CD\"])");
        }
        for comp in &spec.components {
            if comp.cluster.as_deref().unwrap_or(&target) == c.name {
                let _ = writeln!(
                    d,
                    "    {}[\"{}\"]",
                    node(&c.name, comp.id.as_str()),
                    comp.id.as_str()
                );
            }
        }
        if let Some(load) = &spec.load
            && load_from == c.name
        {
            let how = if load.in_cluster { "k6 TestRun" } else { "k6" };
            let _ = writeln!(
                d,
                "    {}[[\"{how}: {}\"]]",
                node(&c.name, "k6"),
                load.script
            );
        }
        if !spec.checks.is_empty() && observer == c.name {
            let n = spec.checks.len();
            let plural = if n == 1 { "" } else { "s" };
            let _ = writeln!(
                d,
                "    {}{{{{\"{n} PromQL check{plural}\"}}}}",
                node(&c.name, "checks"),
            );
        }
        let _ = writeln!(d, "  end");
    }
    let placed = |comp: &lab_experiments::spec::ComponentUse| {
        node(comp.cluster.as_deref().unwrap_or(&target), comp.id.as_str())
    };
    for comp in &spec.components {
        let _ = writeln!(d, "  argocd -.->|syncs| {}", placed(comp));
    }
    if let Some(load) = &spec.load
        && let Some(aimed) = spec.components.iter().find(|c| c.id == load.target)
    {
        let _ = writeln!(
            d,
            "  {} -->|\"{} VUs for {}\"| {}",
            node(&load_from, "k6"),
            load.virtual_users,
            load.duration,
            placed(aimed)
        );
        if !spec.checks.is_empty() {
            let _ = writeln!(
                d,
                "  {} -.->|metrics| {}",
                placed(aimed),
                node(&observer, "checks")
            );
        }
    }
    mermaid(&d)
}

/// The pages of `generated/docs/`.
pub fn artifacts(model: &Model) -> Result<Vec<Artifact>> {
    let dir = format!("{}/{}", layout::GENERATED, layout::DOCS);
    let sec = |s: Section| s.render(model, &dir);
    let mut pages: Vec<(&str, String)> = Vec::new();

    pages.push((
        "app-of-apps.md",
        format!(
            "# The app-of-apps and its waves\n\n\
             The root Application syncs the hub's `apps` folder; each Application there syncs in \
             the wave the dependency graph gives it, and a child Application reaches each other \
             cluster's `apps` folder.\n\n{}",
            sec(Section::AppOfApps)?
        ),
    ));
    pages.push((
        "dependencies.md",
        format!(
            "# Why each Application waits for another\n\n\
             An arrow points from an Application to one that waits for it. `wiring` (solid): the \
             waiting component's builder reads the other (a URL, a name, a port); `crd` (thick): \
             its objects use an API group whose CRDs the other installs; `declared` (dotted): \
             ordering without data. The waves are the layers of this graph.\n\n{}\n{}",
            sec(Section::Dependencies)?,
            sec(Section::DependencyTable)?
        ),
    ));
    let mut experiments = format!(
        "# Experiments: clusters and load paths\n\n{}\n",
        sec(Section::Experiments)?
    );
    for exp in &model.inputs.experiments {
        let _ = write!(
            experiments,
            "## {}\n\n`{}`: its clusters with their roles, the components Argo CD syncs to each, \
             where k6 runs and what it hits, and where the checks read the result.\n\n{}\n",
            exp.spec.title,
            exp.name,
            sec(Section::Experiment(exp.name.clone()))?
        );
    }
    pages.push(("experiments.md", experiments));
    let mut road = format!(
        "# Roadmap status\n\nEach phase's status counts the experiments whose spec names it \
         against the experiments the phase plans ([the phase list](../../crates/lab-experiments/src/roadmap.rs)).\n\n{}\n",
        sec(Section::Roadmap)?
    );
    for phase in &roadmap::PHASES {
        let _ = write!(
            road,
            "## {}\n\n{}\n",
            phase.heading(),
            sec(Section::Phase(phase.number))?
        );
    }
    pages.push(("roadmap.md", road));

    pages
        .into_iter()
        .map(|(name, text)| {
            Ok(Artifact::document(
                layout::doc_file(name)?,
                Format::Markdown,
                &text,
            )?)
        })
        .collect()
}

/// A hand-written page with generated sections: as it is, and as the model fills it.
#[derive(Debug)]
pub struct Document {
    /// Path from the repository root.
    pub path: String,
    pub current: String,
    pub filled: String,
}

impl Document {
    pub fn is_current(&self) -> bool {
        self.current == self.filled
    }
}

/// `text` of the page at `path` (from the repository root) with its sections filled.
pub fn fill(model: &Model, path: &str, text: &str) -> Result<String> {
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    lab_core::sections::splice(text, |name| {
        let section = Section::parse(name)?;
        section.render(model, dir).map_err(|e| format!("{e:#}"))
    })
    .map_err(|e| anyhow!("{path}: {e}"))
}

/// Every hand-written page below `root` that has generated sections, filled from `inputs`.
pub fn documents(root: &Path, inputs: &Inputs) -> Result<Vec<Document>> {
    let clusters = crate::clusters(inputs, crate::hub_registry(&inputs.settings)?)?;
    let mut model = Model::plan(inputs, &clusters, None)?;
    model.adrs = load_adrs(root)?;
    let mut out = Vec::new();
    for path in sectioned(root)? {
        let current =
            std::fs::read_to_string(root.join(&path)).with_context(|| format!("reading {path}"))?;
        if lab_core::sections::names(&current).is_empty() {
            continue;
        }
        let filled = fill(&model, &path, &current)?;
        out.push(Document {
            path,
            current,
            filled,
        });
    }
    Ok(out)
}

/// The pages that may hold sections ([`layout::SECTIONED_FILES`], [`layout::SECTIONED_DIRS`]).
fn sectioned(root: &Path) -> Result<Vec<String>> {
    fn walk(root: &Path, rel: &str, out: &mut Vec<String>) -> Result<()> {
        let dir = root.join(rel);
        for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {rel}"))? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = format!("{rel}/{name}");
            if entry.file_type()?.is_dir() {
                walk(root, &path, out)?;
            } else if name.ends_with(".md") {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut out: Vec<String> = layout::SECTIONED_FILES
        .iter()
        .filter(|f| root.join(f).is_file())
        .map(|f| (*f).to_owned())
        .collect();
    for dir in layout::SECTIONED_DIRS {
        if root.join(dir).is_dir() {
            walk(root, dir, &mut out)?;
        }
    }
    out.sort();
    Ok(out)
}
