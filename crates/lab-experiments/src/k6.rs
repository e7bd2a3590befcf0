//! The k6 side of an experiment: its script and options in a ConfigMap, and the k6-operator
//! `TestRun` that runs them in-cluster.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use lab_core::Object;
use lab_crds::k6_io::testruns::{
    TestRun, TestRunCleanup, TestRunRunner, TestRunRunnerEnv, TestRunScript,
    TestRunScriptConfigMap, TestRunSpec,
};
use lab_model::Versions;
use serde_json::json;

use crate::catalog::images;
use crate::{Error, Experiment};

/// The key of the k6 options (virtual users, duration, thresholds) in the script ConfigMap.
pub const OPTIONS_KEY: &str = "options.json";
/// Where the k6-operator mounts the script ConfigMap in its runner pods.
pub const OPERATOR_MOUNT: &str = "/test";

/// The trend statistics k6 writes for every duration metric, as series suffixes
/// (`k6_http_req_duration_p95`, …).
pub const TREND_STATS: &str = "p(50),p(95),p(99),avg,max";

/// What makes k6 write its results as metrics: the remote-write output, a `testid` tag naming
/// the experiment on every series, and where to push (`push_url`, a Prometheus remote-write
/// endpoint). Returns the command-line arguments and the environment.
pub fn metrics_output(exp: &Experiment, push_url: &str) -> (Vec<String>, Vec<(String, String)>) {
    (
        vec![
            "--out=experimental-prometheus-rw".to_owned(),
            format!("--tag=testid={}", exp.name),
        ],
        vec![
            (
                "K6_PROMETHEUS_RW_SERVER_URL".to_owned(),
                push_url.to_owned(),
            ),
            (
                "K6_PROMETHEUS_RW_TREND_STATS".to_owned(),
                TREND_STATS.to_owned(),
            ),
        ],
    )
}

/// `<experiment>-k6`: the ConfigMap holding the script and its options.
pub fn configmap_name(exp: &Experiment) -> String {
    format!("{}-k6", exp.name)
}

/// `<experiment>-load`: the TestRun of an in-cluster load.
pub fn test_run_name(exp: &Experiment) -> String {
    format!("{}-load", exp.name)
}

/// The k6 options file from the spec, the single place virtual users, duration and thresholds
/// are written; scripts leave them out so the spec is the only source.
pub fn options(exp: &Experiment) -> Option<String> {
    let load = exp.spec.load.as_ref()?;
    let doc = json!({
        "vus": load.virtual_users,
        "duration": load.duration,
        "thresholds": load.thresholds,
    });
    serde_json::to_string_pretty(&doc).ok()
}

/// The ConfigMap with the experiment's k6 script (under its file name) and `options.json`,
/// in `namespace`; `None` when the experiment drives no load.
pub fn script_configmap(exp: &Experiment, namespace: &str) -> Result<Option<Object>, Error> {
    let (Some(load), Some(script), Some(options)) = (&exp.spec.load, &exp.k6_script, options(exp))
    else {
        return Ok(None);
    };
    let cm = ConfigMap {
        metadata: ObjectMeta {
            name: Some(configmap_name(exp)),
            namespace: Some(namespace.to_owned()),
            labels: Some(exp.labels()),
            ..Default::default()
        },
        data: Some(BTreeMap::from([
            (load.script.clone(), script.clone()),
            (OPTIONS_KEY.to_owned(), options),
        ])),
        ..Default::default()
    };
    Ok(Some(Object::new(&cm)?))
}

/// The k6-operator TestRun of an in-cluster load, in `namespace` (where the script ConfigMap
/// is), writing its results to `push_url`; `None` unless the spec asks for `inCluster` load.
pub fn test_run(
    exp: &Experiment,
    namespace: &str,
    target_url: &str,
    push_url: &str,
    versions: &Versions,
) -> Result<Option<TestRun>, Error> {
    let Some(load) = exp.spec.load.as_ref().filter(|l| l.in_cluster) else {
        return Ok(None);
    };
    let image = versions.image(images::K6)?.reference();
    let (args, env) = metrics_output(exp, push_url);
    let mut run = TestRun::new(
        &test_run_name(exp),
        TestRunSpec {
            parallelism: 1,
            arguments: Some(format!(
                "--config {OPERATOR_MOUNT}/{OPTIONS_KEY} {}",
                args.join(" ")
            )),
            cleanup: Some(TestRunCleanup::Post),
            script: TestRunScript {
                config_map: Some(TestRunScriptConfigMap {
                    name: configmap_name(exp),
                    file: Some(load.script.clone()),
                }),
                ..Default::default()
            },
            runner: Some(TestRunRunner {
                image: Some(image),
                env: Some(
                    std::iter::once(("TARGET_URL".to_owned(), target_url.to_owned()))
                        .chain(env)
                        .map(|(name, value)| TestRunRunnerEnv {
                            name,
                            value: Some(value),
                            ..Default::default()
                        })
                        .collect(),
                ),
                ..Default::default()
            }),
            ..Default::default()
        },
    );
    run.metadata.namespace = Some(namespace.to_owned());
    run.metadata.labels = Some(exp.labels());
    Ok(Some(run))
}
