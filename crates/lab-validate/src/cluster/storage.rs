//! `storage-class-exists`: every `storageClassName` in an object, and every `storageClass` /
//! `storageClassName` in Helm values, names a class that exists on that cluster: rendered
//! there, created by one of its charts, or shipped by the distribution (kind ships
//! `standard`; Talos ships none). Otherwise the volumes stay Pending.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Distro, Lab, Rules, charts, keyed};

pub(crate) const RULE: &str = "storage-class-exists";

/// The class kind's local-path-provisioner installs.
const KIND_CLASS: &str = "standard";

/// Keys that name a storage class in objects and in the charts' values.
const KEYS: [&str; 2] = ["storageClassName", "storageClass"];

pub(crate) fn check(lab: &Lab, out: &mut Rules) {
    for cluster in lab.clusters() {
        let mut classes: BTreeSet<String> = BTreeSet::new();
        if lab.distro(cluster) == Distro::Kind {
            classes.insert(KIND_CLASS.to_owned());
        }
        for o in lab.on(cluster) {
            if o.id.kind == "StorageClass" && o.id.group() == "storage.k8s.io" {
                classes.insert(o.id.name.clone());
            }
        }
        for (_, c) in lab.charts_on(cluster) {
            if let Some(chart) = charts::find(c.chart) {
                classes.extend(chart.storage_classes.iter().map(|s| (*s).to_owned()));
            }
        }
        let known = || classes.iter().cloned().collect::<Vec<_>>().join(", ");
        for o in lab.on(cluster) {
            let mut found = Vec::new();
            keyed(o.doc, "storageClassName", String::new(), &mut found);
            for (at, v) in found {
                out.checked(RULE);
                if let Some(name) = v
                    .as_str()
                    .filter(|n| !n.is_empty() && !classes.contains(*n))
                {
                    out.object(
                        o,
                        RULE,
                        format!(
                            "{at}: storage class {name} does not exist on {cluster} (it has: {})",
                            known()
                        ),
                    );
                }
            }
        }
        for (path, _, _, doc) in lab.values_on(cluster) {
            for key in KEYS {
                let mut found = Vec::new();
                keyed(doc, key, String::new(), &mut found);
                for (at, v) in found {
                    let Value::String(name) = v else { continue };
                    out.checked(RULE);
                    if !name.is_empty() && !classes.contains(name) {
                        out.file(
                            path,
                            RULE,
                            format!("{at}: storage class {name} does not exist on {cluster} (it has: {})", known()),
                        );
                    }
                }
            }
        }
    }
}
