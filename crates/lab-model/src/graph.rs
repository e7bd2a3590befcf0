//! Sync waves from a dependency graph, by topological layering: a node's wave is one more than
//! the highest wave among what it depends on, so every dependency syncs strictly earlier and
//! independent nodes share a wave.

use std::collections::BTreeMap;
use std::fmt;

/// A dependency cycle, named node by node: `a → b → c → a`.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("dependency cycle: {}", .0.join(" → "))]
pub struct Cycle(pub Vec<String>);

/// A dependency on a node the graph does not have.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{from} depends on {to}, which is not part of this cluster")]
pub struct UnknownDependency {
    pub from: String,
    pub to: String,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error(transparent)]
    Cycle(#[from] Cycle),
    #[error(transparent)]
    Unknown(#[from] UnknownDependency),
}

/// Waves for every node of `edges` (node → the nodes it depends on), starting at 0.
pub fn layer<N>(edges: &BTreeMap<N, Vec<N>>) -> Result<BTreeMap<N, u32>, GraphError>
where
    N: Ord + Clone + fmt::Display,
{
    for (from, deps) in edges {
        if let Some(to) = deps.iter().find(|d| !edges.contains_key(*d)) {
            return Err(UnknownDependency {
                from: from.to_string(),
                to: to.to_string(),
            }
            .into());
        }
    }
    let mut waves = BTreeMap::new();
    let mut path = Vec::new();
    for node in edges.keys() {
        visit(node, edges, &mut waves, &mut path)?;
    }
    Ok(waves)
}

fn visit<N>(
    node: &N,
    edges: &BTreeMap<N, Vec<N>>,
    waves: &mut BTreeMap<N, u32>,
    path: &mut Vec<N>,
) -> Result<u32, Cycle>
where
    N: Ord + Clone + fmt::Display,
{
    if let Some(w) = waves.get(node) {
        return Ok(*w);
    }
    if let Some(start) = path.iter().position(|n| n == node) {
        let mut names: Vec<String> = path[start..].iter().map(ToString::to_string).collect();
        names.push(node.to_string());
        return Err(Cycle(names));
    }
    path.push(node.clone());
    let mut wave = 0;
    for dep in &edges[node] {
        wave = wave.max(visit(dep, edges, waves, path)? + 1);
    }
    path.pop();
    waves.insert(node.clone(), wave);
    Ok(wave)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(
        edges: &[(&'static str, &[&'static str])],
    ) -> BTreeMap<&'static str, Vec<&'static str>> {
        edges.iter().map(|(n, d)| (*n, d.to_vec())).collect()
    }

    #[test]
    fn waves_are_longest_path_layers() {
        let g = graph(&[
            ("namespaces", &[]),
            ("cert-manager", &["namespaces"]),
            ("openbao", &["namespaces"]),
            ("pki", &["cert-manager", "openbao"]),
            ("grafana", &["pki", "namespaces"]),
        ]);
        let w = layer(&g).unwrap();
        assert_eq!(w["namespaces"], 0);
        assert_eq!(w["cert-manager"], 1);
        assert_eq!(w["openbao"], 1);
        assert_eq!(w["pki"], 2);
        assert_eq!(w["grafana"], 3);
        for (node, deps) in &g {
            for d in deps {
                assert!(w[node] > w[d], "{node} must come after {d}");
            }
        }
    }

    #[test]
    fn a_cycle_is_reported_by_name() {
        let g = graph(&[("a", &["b"]), ("b", &["c"]), ("c", &["a"]), ("d", &[])]);
        let err = layer(&g).unwrap_err();
        assert_eq!(err.to_string(), "dependency cycle: a → b → c → a");
    }

    #[test]
    fn a_self_dependency_is_a_cycle() {
        let err = layer(&graph(&[("a", &["a"])])).unwrap_err();
        assert_eq!(err, GraphError::Cycle(Cycle(vec!["a".into(), "a".into()])));
    }

    #[test]
    fn an_unknown_dependency_is_named() {
        let err = layer(&graph(&[("grafana", &["loki"])])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "grafana depends on loki, which is not part of this cluster"
        );
    }
}
