//! Where everything goes in `generated/`: the one place that decides output paths. Builders,
//! the diff's grouping and the checks ask it instead of keeping their own constants.
//!
//! ```text
//! generated/
//!   hub/                       the hub cluster          (ClusterLayout "hub")
//!   targets/<name>/            a cluster the hub manages (ClusterLayout "targets/<name>")
//!   experiments/readme.md      the index of experiments (`task hub:list`)
//!   experiments/<name>/        an experiment
//!     readme.md                its page, rendered from its spec and tutorial
//!     <cluster>/               each of its clusters      (ClusterLayout "experiments/<name>/<cluster>")
//!   <any cluster root>/
//!     apps/                    Applications and AppProjects: the only path an app-of-apps syncs
//!     <app>/                   one Application's Kubernetes objects, one file each
//!     values/<app>.yaml        its Helm values, outside every Application path
//!     bootstrap/               files the CLI (kind, helm, task) reads, never ArgoCD
//!   schemas/                   JSON schemas of the input files
//!   dashboards/                Grafana dashboards as JSON
//!   tests/kyverno/<policy>/    Kyverno CLI fixtures (never applied)
//!   tests/promtool/            rule files for promtool (never applied)
//!   docs/                      tables and diagrams rendered from the model
//! ```

use std::path::{Path, PathBuf};

use crate::{Error, RelPath};

/// The repository folder holding the rendered tree; Application paths are relative to the
/// repository, so they start with it.
pub const GENERATED: &str = "generated";

/// The namespace of the hub's ArgoCD, where the Applications and AppProjects of every cluster
/// layout land: their names must be unique across all of them.
pub const ARGOCD_NAMESPACE: &str = "argocd";

/// The API server of the cluster ArgoCD runs in, as an Application's destination: the hub.
pub const IN_CLUSTER: &str = "https://kubernetes.default.svc";

/// What a cluster is to the hub.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ClusterRole {
    /// The hub itself (its ArgoCD renders everything).
    Hub,
    /// A long-lived cluster the hub manages (the Talos home lab).
    Target,
    /// A cluster an experiment creates or claims, or the hub when an experiment runs there.
    Experiment,
}

impl ClusterRole {
    /// The folder below `generated/` that holds clusters of this role.
    fn parent(self) -> Option<&'static str> {
        match self {
            ClusterRole::Hub => None,
            ClusterRole::Target => Some("targets"),
            ClusterRole::Experiment => Some("experiments"),
        }
    }
}

/// The output paths of one cluster's tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterPaths {
    pub role: ClusterRole,
    /// `hub`, `talos`, or `<experiment>-<cluster>`: unique across the lab, it prefixes the
    /// cluster's Application and AppProject names in the hub's ArgoCD.
    pub name: String,
    root: RelPath,
}

impl ClusterPaths {
    pub fn hub() -> Self {
        Self::new(ClusterRole::Hub, "hub").expect("constant name")
    }

    /// `name` must be a valid path component (it is checked).
    pub fn new(role: ClusterRole, name: &str) -> Result<Self, Error> {
        let root = match role.parent() {
            None => RelPath::new(name)?,
            Some(parent) => RelPath::new(format!("{parent}/{name}"))?,
        };
        Ok(Self {
            role,
            name: name.to_owned(),
            root,
        })
    }

    /// The cluster `cluster` of experiment `experiment`: named `<experiment>-<cluster>`,
    /// rooted at `experiments/<experiment>/<cluster>`.
    pub fn experiment(experiment: &str, cluster: &str) -> Result<Self, Error> {
        let page = Self::new(ClusterRole::Experiment, experiment)?;
        crate::NameRule::Label.check(cluster)?;
        Ok(Self {
            role: ClusterRole::Experiment,
            name: format!("{experiment}-{cluster}"),
            root: page.root.join(cluster)?,
        })
    }

    /// `hub`, `targets/<name>` or `experiments/<experiment>/<cluster>`.
    pub fn root(&self) -> &RelPath {
        &self.root
    }

    /// Applications and AppProjects: the path an app-of-apps syncs.
    pub fn apps_dir(&self) -> RelPath {
        self.root.join("apps").expect("constant path")
    }

    /// One Application's objects.
    pub fn app_dir(&self, app: &str) -> Result<RelPath, Error> {
        self.root.join(app)
    }

    /// One Application's Helm values.
    pub fn values_file(&self, app: &str) -> Result<RelPath, Error> {
        self.root.join(&format!("values/{app}.yaml"))
    }

    /// Files for the command line (kind config, install values, env), never synced.
    pub fn bootstrap_dir(&self) -> RelPath {
        self.root.join("bootstrap").expect("constant path")
    }

    /// The page a reader of the folder sees first (GitHub shows `readme.md` like
    /// `README.md`; paths stay lower case).
    pub fn readme_file(&self) -> RelPath {
        self.root.join("readme.md").expect("constant path")
    }
}

/// A generated path as the repository sees it: `generated/<path>`.
pub fn repo_path(path: &RelPath) -> String {
    format!("{GENERATED}/{path}")
}

/// The folder of the rendered tree in the checkout at `root`: `<root>/generated`.
pub fn generated_dir(root: &Path) -> PathBuf {
    root.join(GENERATED)
}

/// The tree path of a repository path (`generated/<path>` → `<path>`).
pub fn tree_path(repo_path: &str) -> Option<&str> {
    repo_path.strip_prefix(GENERATED)?.strip_prefix('/')
}

/// JSON schemas of the input files.
pub fn schema_file(name: &str) -> Result<RelPath, Error> {
    RelPath::new(format!("schemas/{name}.schema.json"))
}

/// A Grafana dashboard, by uid.
pub fn dashboard_file(uid: &str) -> Result<RelPath, Error> {
    RelPath::new(format!("dashboards/{uid}.json"))
}

/// The folder of one Kyverno policy's CLI fixtures.
pub fn kyverno_test_dir(policy: &str) -> Result<RelPath, Error> {
    RelPath::new(format!("{TESTS}/kyverno/{policy}"))
}

/// A plain Prometheus rule file for promtool, from one PrometheusRule.
pub fn promtool_rule_file(namespace: &str, name: &str) -> Result<RelPath, Error> {
    RelPath::new(format!("{TESTS}/promtool/{namespace}-{name}.json"))
}

/// The index of every experiment (`generated/experiments/readme.md`), what `task hub:list`
/// prints.
pub fn experiments_index() -> RelPath {
    RelPath::new("experiments/readme.md").expect("constant path")
}

/// A document rendered from the model (tables, diagrams).
pub fn doc_file(name: &str) -> Result<RelPath, Error> {
    RelPath::new(format!("{DOCS}/{name}"))
}

/// Folder of the documents rendered from the model.
pub const DOCS: &str = "docs";

/// Hand-written Markdown outside `generated/` that may hold generated sections
/// ([`crate::sections`]), which `render` fills and `check` compares: these files, and every
/// `.md` file below [`SECTIONED_DIRS`]. Paths from the repository root.
pub const SECTIONED_FILES: [&str; 2] = ["README.md", "experiments/README.md"];
/// Folders whose Markdown files (at any depth) may hold generated sections.
pub const SECTIONED_DIRS: [&str; 1] = ["docs"];

/// Top folder of files no cluster ever applies (fixtures hold bad objects on purpose).
const TESTS: &str = "tests";

/// True when no cluster ever applies this path.
pub fn is_never_applied(path: &RelPath) -> bool {
    path.top() == TESTS
}

/// The cluster folder a path belongs to: `hub`, `targets/<n>` or `experiments/<e>/<c>`
/// (an experiment's own page, `experiments/<e>/readme.md`, belongs to none).
pub fn cluster_root(path: &str) -> Option<&str> {
    let depth = match path.split('/').next()? {
        "hub" => return Some("hub"),
        "targets" => 2,
        "experiments" => 3,
        _ => return None,
    };
    // The root has `depth` components and something must lie below it.
    let end = path.match_indices('/').nth(depth - 1)?.0;
    Some(&path[..end])
}

/// The Application group of a path, for diffs: an Application file, its values file and its
/// objects folder all belong to `<cluster>/<app>`; anything else groups by its folder.
pub fn group_of(path: &str) -> String {
    let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
    let stem = file.rsplit_once('.').map(|(s, _)| s).unwrap_or(file);
    if let Some(root) = dir.strip_suffix("/apps")
        && let Some(app) = stem.strip_prefix("application-")
    {
        return format!("{root}/{app}");
    }
    if let Some(root) = dir.strip_suffix("/values") {
        return format!("{root}/{stem}");
    }
    if dir.is_empty() {
        ".".into()
    } else {
        dir.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters_of_every_role_have_their_own_root() {
        assert_eq!(ClusterPaths::hub().apps_dir().as_str(), "hub/apps");
        let t = ClusterPaths::new(ClusterRole::Target, "talos").unwrap();
        assert_eq!(
            t.values_file("kps").unwrap().as_str(),
            "targets/talos/values/kps.yaml"
        );
        let e = ClusterPaths::experiment("slo-tutorial", "target").unwrap();
        assert_eq!(
            e.app_dir("pyrra").unwrap().as_str(),
            "experiments/slo-tutorial/target/pyrra"
        );
        assert_eq!(e.name, "slo-tutorial-target");
        assert!(ClusterPaths::experiment("x", "a/b").is_err());
        assert!(ClusterPaths::new(ClusterRole::Target, "../x").is_err());
    }

    #[test]
    fn paths_map_back_to_their_cluster_and_group() {
        assert_eq!(cluster_root("hub/loki/service-loki.yaml"), Some("hub"));
        assert_eq!(
            cluster_root("targets/talos/apps/a.yaml"),
            Some("targets/talos")
        );
        assert_eq!(
            cluster_root("experiments/x/target/apps/a.yaml"),
            Some("experiments/x/target")
        );
        assert_eq!(cluster_root("experiments/x/readme.md"), None);
        assert_eq!(cluster_root("targets/talos"), None);
        assert_eq!(cluster_root("dashboards/a.json"), None);
        assert_eq!(group_of("hub/apps/application-loki.yaml"), "hub/loki");
        assert_eq!(group_of("hub/values/loki.yaml"), "hub/loki");
        assert_eq!(group_of("hub/loki/service-loki.yaml"), "hub/loki");
        assert_eq!(tree_path("generated/hub/loki"), Some("hub/loki"));
        assert_eq!(tree_path("elsewhere/hub"), None);
        // What the CLI writes to and what Application paths start with are one folder.
        let dir = generated_dir(Path::new("/repo"));
        assert_eq!(dir, Path::new("/repo/generated"));
        let app_path = repo_path(&RelPath::new("hub/loki").unwrap());
        assert_eq!(
            Path::new("/repo").join(app_path).parent(),
            Some(dir.join("hub").as_path())
        );
        assert!(is_never_applied(&kyverno_test_dir("p").unwrap()));
    }
}
