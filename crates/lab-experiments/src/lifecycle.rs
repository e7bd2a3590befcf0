//! The experiment's lifecycle as an Argo `WorkflowTemplate`:
//!
//! 1. `wait-synced`, `wait-healthy`: `kubectl wait` on the experiment's Applications;
//! 2. `load`: k6 from the script ConfigMap (a workflow step), or the k6-operator `TestRun`
//!    created by a resource step that waits for it to finish;
//! 3. `checks`: every PromQL check with `promtool query instant` against the query URL — the
//!    check is rewritten as `(expr) <op> value`, so a result is printed exactly when it holds;
//! 4. `compare` (comparison experiments): every measure's query for every subject, as a
//!    Markdown table;
//! 5. `report`: a ConfigMap `<experiment>-report` with the load's and each check's outcome
//!    and the comparison table;
//! 6. `verdict`: fails the workflow when the load or a check failed;
//! 7. on exit, `cleanup`: deletes the TestRun, and the Applications when `teardown` is `true`.
//!
//! The kubectl image is distroless (no shell), so every kubectl step is a plain command and
//! the report and clean-up are Argo resource steps; only the checks need a shell, which the
//! Prometheus image has.

use lab_core::Object;
use lab_crds::argoproj_io::workflowtemplates as wt;
use lab_model::Versions;

use crate::catalog::images;
use crate::spec::ComparisonTable;
use crate::{Error, Experiment, k6};

/// What the assembly knows and this crate does not: where things are on the hub.
#[derive(Clone, Debug)]
pub struct Bindings {
    /// Namespace of the WorkflowTemplate, its pods, the k6 ConfigMap and the report
    /// (Argo Workflows' namespace on the hub).
    pub namespace: String,
    /// ServiceAccount of the workflow pods: it needs get/watch (and delete, for teardown) on
    /// Applications in `argocd_namespace`, and create/patch on ConfigMaps and TestRuns in
    /// `namespace`.
    pub service_account: String,
    /// Namespace of ArgoCD's Applications.
    pub argocd_namespace: String,
    /// The Applications the experiment needs, waited on in this order: its own and the hub's
    /// it reuses.
    pub applications: Vec<String>,
    /// The root Applications `task hub:conduct` applies (one app-of-apps per cluster of the
    /// experiment): deleting them removes everything the experiment deployed, so teardown
    /// and expiry delete these, never the children a root would recreate.
    pub roots: Vec<String>,
    /// Prometheus-compatible query URL the checks read, e.g. Mimir's `…/prometheus`.
    pub query_url: String,
    /// Prometheus remote-write URL k6 writes its results to (the store `query_url` reads),
    /// so the checks, the comparison and the dashboard can read the load's own numbers.
    pub push_url: String,
    /// URL of the load's target component (its Service), passed to k6 as `TARGET_URL`.
    pub target_url: String,
}

/// `<experiment>-report`.
pub fn report_name(exp: &Experiment) -> String {
    format!("{}-report", exp.name)
}

const SCRIPTS: &str = "/scripts";
/// The workflow parameter k6 reads as `TARGET_URL`, so a submit can aim the load elsewhere.
const TARGET_URL_PARAM: &str = "{{workflow.parameters.target-url}}";
const RESULTS: &str = "/tmp/results.txt";
const TABLE: &str = "/tmp/comparison.md";
/// Suffix of the file an output parameter reads: the text as one line of YAML double-quoted
/// escapes (`\n`, `\"`, `\\`). Argo pastes a parameter into the report's manifest verbatim,
/// inside double quotes, where raw newlines would fold into spaces and a quote would end
/// the string.
const ESCAPED: &str = ".yaml-escaped";

/// Shell: writes `$1` escaped for a YAML double-quoted string to `$1` + [`ESCAPED`].
fn escape_for_yaml() -> String {
    r#"escape() { sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' "$1" | awk '{ printf "%s\\n", $0 }' > "$1ESCAPED"; }
"#
    .replace("ESCAPED", ESCAPED)
}

fn param(
    name: &str,
    value: impl Into<String>,
    description: &str,
) -> wt::WorkflowTemplateArgumentsParameters {
    wt::WorkflowTemplateArgumentsParameters {
        name: name.to_owned(),
        value: Some(value.into()),
        description: Some(description.to_owned()),
        ..Default::default()
    }
}

fn step(name: &str, template: &str) -> wt::WorkflowTemplateTemplatesSteps {
    wt::WorkflowTemplateTemplatesSteps {
        name: Some(name.to_owned()),
        template: Some(template.to_owned()),
        ..Default::default()
    }
}

fn keep_going(mut s: wt::WorkflowTemplateTemplatesSteps) -> wt::WorkflowTemplateTemplatesSteps {
    s.continue_on = Some(wt::WorkflowTemplateTemplatesStepsContinueOn {
        failed: Some(true),
        error: Some(true),
    });
    s
}

fn container(
    name: &str,
    image: &str,
    command: &[&str],
    args: Vec<String>,
) -> wt::WorkflowTemplateTemplates {
    wt::WorkflowTemplateTemplates {
        name: Some(name.to_owned()),
        container: Some(wt::WorkflowTemplateTemplatesContainer {
            image: Some(image.to_owned()),
            command: Some(command.iter().map(|s| (*s).to_owned()).collect()),
            args: Some(args),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The kubectl verbs the lifecycle's resource steps use; the CRD of the pinned Argo Workflows
/// (v3.7) types `resource.action` as a free string, so the choice is kept typed here.
#[derive(Clone, Copy)]
enum Action {
    Create,
    Apply,
    Delete,
}

impl Action {
    fn verb(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Apply => "apply",
            Action::Delete => "delete",
        }
    }
}

fn resource(
    name: &str,
    action: Action,
    manifest: String,
    flags: Option<Vec<String>>,
) -> wt::WorkflowTemplateTemplates {
    wt::WorkflowTemplateTemplates {
        name: Some(name.to_owned()),
        resource: Some(wt::WorkflowTemplateTemplatesResource {
            action: action.verb().to_owned(),
            manifest: Some(manifest),
            flags,
            failure_condition: None,
            manifest_from: None,
            merge_strategy: None,
            set_owner_reference: None,
            success_condition: None,
        }),
        ..Default::default()
    }
}

/// The object as a YAML document, for a resource step's `manifest`.
fn manifest(object: &Object) -> Result<String, Error> {
    Ok(lab_core::yaml::to_yaml(&object.value))
}

/// The shell script of the `checks` step: one line per check in `RESULTS`, exit 1 if any fails.
fn checks_script(exp: &Experiment) -> String {
    let mut s = "set -u\nurl='{{workflow.parameters.query-url}}'\nfailed=0\n: > RESULTS\n"
        .replace("RESULTS", RESULTS);
    s.push_str(&escape_for_yaml());
    for check in &exp.spec.checks {
        let cond = shell_quote(&check.condition());
        s.push_str(&format!(
            "if out=$(promtool query instant \"$url\" {cond}) && [ -n \"$out\" ]; then\n  \
             echo \"{name}=pass\" >> {RESULTS}\nelse\n  echo \"{name}=fail\" >> {RESULTS}; failed=1\nfi\n",
            name = check.name,
        ));
    }
    s.push_str(
        "cat RESULTS\nescape RESULTS\nexit $failed\n"
            .replace("RESULTS", RESULTS)
            .as_str(),
    );
    s
}

/// A PromQL expression as one single-quoted shell word.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The shell script of the `compare` step: every measure's query for every subject, evaluated
/// now, as a Markdown table (a row per measure, a column per subject) in `TABLE`. A query
/// that returns nothing shows `n/a`; the step itself never fails the workflow.
fn compare_script(table: &ComparisonTable) -> String {
    // The preamble is fixed text; only it has `TABLE` replaced, never a query or a title.
    let mut s = "set -u\nurl='{{workflow.parameters.query-url}}'\n\
         value() { promtool query instant \"$url\" \"$1\" 2>/dev/null \
         | sed -n 's/.*=> *\\([^ ]*\\) @\\[.*/\\1/p' | awk 'NR==1 { printf \"%.4g\", $1 }'; }\n\
         cell() { v=$(value \"$1\"); printf ' %s |' \"${v:-n/a}\" >> TABLE; }\n"
        .replace("TABLE", TABLE);
    s.push_str(&escape_for_yaml());
    let header: Vec<&str> = table.subjects.iter().map(|s| s.as_str()).collect();
    s.push_str(&format!(
        "printf '%s\\n' {} {} > {TABLE}\n",
        shell_quote(&format!("| measure | {} |", header.join(" | "))),
        shell_quote(&format!("|---|{}", "---|".repeat(header.len()))),
    ));
    for m in &table.measures {
        let title = format!("{} ({})", m.title.replace('|', "\\|"), m.unit.grafana());
        s.push_str(&format!(
            "printf '%s' {} >> {TABLE}\n",
            shell_quote(&format!("| {title} |"))
        ));
        for subject in &table.subjects {
            let query = m.queries.get(subject.as_str()).map_or("", String::as_str);
            s.push_str(&format!("cell {}\n", shell_quote(query)));
        }
        s.push_str(&format!("echo >> {TABLE}\n"));
    }
    s.push_str(&format!("cat {TABLE}\nescape {TABLE}\n"));
    s
}

/// A script step whose output parameter `output` is the file `path` it writes, escaped (the
/// script calls `escape path`).
fn script_template(
    name: &str,
    image: &str,
    source: String,
    output: &str,
    path: &str,
) -> wt::WorkflowTemplateTemplates {
    wt::WorkflowTemplateTemplates {
        name: Some(name.into()),
        script: Some(wt::WorkflowTemplateTemplatesScript {
            image: Some(image.to_owned()),
            command: Some(vec!["sh".into()]),
            source: Some(source),
            ..Default::default()
        }),
        outputs: Some(wt::WorkflowTemplateTemplatesOutputs {
            parameters: Some(vec![wt::WorkflowTemplateTemplatesOutputsParameters {
                name: output.into(),
                value_from: Some(wt::WorkflowTemplateTemplatesOutputsParametersValueFrom {
                    path: Some(format!("{path}{ESCAPED}")),
                    default: Some("not evaluated".into()),
                    ..Default::default()
                }),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A kubectl step deleting the experiment's root Applications (their finalizers remove
/// everything below them).
fn delete_roots(name: &str, kubectl: &str, bindings: &Bindings) -> wt::WorkflowTemplateTemplates {
    container(
        name,
        kubectl,
        &["kubectl"],
        [
            "delete".to_owned(),
            format!("--namespace={}", bindings.argocd_namespace),
            "--ignore-not-found".to_owned(),
            "--wait=false".to_owned(),
        ]
        .into_iter()
        .chain(bindings.roots.iter().map(|r| format!("application/{r}")))
        .collect(),
    )
}

/// `<experiment>-expiry`: the template of the workflow `task hub:conduct` starts next to the
/// lifecycle. It sleeps for the experiment's time to live (an Argo `suspend` with a duration,
/// which survives controller restarts), then deletes the root Applications. No shell, no
/// controller of our own: Argo Workflows keeps the clock.
pub fn expiry_template(
    exp: &Experiment,
    bindings: &Bindings,
    versions: &Versions,
) -> Result<Object, Error> {
    if bindings.roots.is_empty() {
        return Err(Error::Build(format!(
            "{}: expiry needs the experiment's root Applications to delete",
            exp.name
        )));
    }
    let kubectl = versions.image(images::KUBECTL)?.reference();
    let templates = vec![
        wt::WorkflowTemplateTemplates {
            name: Some("expire".into()),
            steps: Some(vec![
                vec![step("wait", "wait")],
                vec![step("delete", "delete")],
            ]),
            ..Default::default()
        },
        wt::WorkflowTemplateTemplates {
            name: Some("wait".into()),
            suspend: Some(wt::WorkflowTemplateTemplatesSuspend {
                duration: Some(format!("{}h", exp.ttl_hours())),
            }),
            ..Default::default()
        },
        delete_roots("delete", &kubectl, bindings),
    ];
    let mut template = wt::WorkflowTemplate::new(
        &expiry_name(exp),
        wt::WorkflowTemplateSpec {
            entrypoint: Some("expire".into()),
            service_account_name: Some(bindings.service_account.clone()),
            templates: Some(templates),
            ..Default::default()
        },
    );
    template.metadata.namespace = Some(bindings.namespace.clone());
    template.metadata.labels = Some(exp.labels());
    Ok(Object::new(&template)?)
}

/// `<experiment>-expiry`.
pub fn expiry_name(exp: &Experiment) -> String {
    format!("{}-expiry", exp.name)
}

/// `<experiment>-run`: the Workflow running the lifecycle once.
pub fn run_name(exp: &Experiment) -> String {
    format!("{}-run", exp.name)
}

/// The two Workflows `task hub:conduct` creates: `<experiment>-run` from the lifecycle
/// template and `<experiment>-expiry` from the expiry template. Fixed names, so a second
/// conduct replaces the first instead of piling up runs.
pub fn workflows(exp: &Experiment, bindings: &Bindings) -> Result<Vec<Object>, Error> {
    use lab_crds::argoproj_io::workflows as wf;
    [
        (run_name(exp), exp.name.clone()),
        (expiry_name(exp), expiry_name(exp)),
    ]
    .into_iter()
    .map(|(name, template)| {
        let mut w = wf::Workflow::new(
            &name,
            wf::WorkflowSpec {
                workflow_template_ref: Some(wf::WorkflowWorkflowTemplateRef {
                    name: Some(template),
                    ..Default::default()
                }),
                ..Default::default()
            },
        );
        w.metadata.namespace = Some(bindings.namespace.clone());
        w.metadata.labels = Some(exp.labels());
        Ok(Object::new(&w)?)
    })
    .collect()
}

/// The workflows' ServiceAccount and what it may do: read and delete the experiment's
/// Applications in ArgoCD's namespace; in its own namespace, write the report ConfigMap,
/// run and delete the k6 TestRun, and report step results (Argo's executor).
pub fn rbac(exp: &Experiment, bindings: &Bindings) -> Result<Vec<Object>, Error> {
    use k8s_openapi::api::core::v1::ServiceAccount;
    use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    // Objects in ArgoCD's namespace carry a suffix: one folder holds both namespaces' files.
    let meta = |namespace: &str| ObjectMeta {
        name: Some(match namespace == bindings.namespace {
            true => bindings.service_account.clone(),
            false => format!("{}-{namespace}", bindings.service_account),
        }),
        namespace: Some(namespace.to_owned()),
        labels: Some(exp.labels()),
        ..Default::default()
    };
    let rule = |group: &str, resources: &[&str], verbs: &[&str]| PolicyRule {
        api_groups: Some(vec![group.to_owned()]),
        resources: Some(resources.iter().map(|r| (*r).to_owned()).collect()),
        verbs: verbs.iter().map(|v| (*v).to_owned()).collect(),
        ..Default::default()
    };
    let binding = |namespace: &str| RoleBinding {
        metadata: meta(namespace),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "Role".into(),
            name: meta(namespace).name.unwrap_or_default(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".into(),
            name: bindings.service_account.clone(),
            namespace: Some(bindings.namespace.clone()),
            ..Default::default()
        }]),
    };
    let own = Role {
        metadata: meta(&bindings.namespace),
        rules: Some(vec![
            rule("", &["configmaps"], &["get", "create", "patch", "update"]),
            rule(
                "k6.io",
                &["testruns"],
                &["get", "list", "watch", "create", "delete"],
            ),
            rule(
                "argoproj.io",
                &["workflowtaskresults"],
                &["create", "patch"],
            ),
        ]),
    };
    let argocd = Role {
        metadata: meta(&bindings.argocd_namespace),
        rules: Some(vec![rule(
            "argoproj.io",
            &["applications"],
            &["get", "list", "watch", "delete"],
        )]),
    };
    Ok(vec![
        Object::new(&ServiceAccount {
            metadata: meta(&bindings.namespace),
            ..Default::default()
        })?,
        Object::new(&own)?,
        Object::new(&binding(&bindings.namespace))?,
        Object::new(&argocd)?,
        Object::new(&binding(&bindings.argocd_namespace))?,
    ])
}

/// The lifecycle WorkflowTemplate of `exp`, named after it, in `bindings.namespace`.
pub fn workflow_template(
    exp: &Experiment,
    bindings: &Bindings,
    versions: &Versions,
) -> Result<Object, Error> {
    if bindings.applications.is_empty() {
        return Err(Error::Build(format!(
            "{}: the lifecycle needs the experiment's Applications to wait on",
            exp.name
        )));
    }
    let kubectl = versions.image(images::KUBECTL)?.reference();
    let prometheus = versions.image(images::PROMETHEUS)?.reference();
    let k6_image = versions.image(images::K6)?.reference();
    let apps: Vec<String> = bindings
        .applications
        .iter()
        .map(|a| format!("application/{a}"))
        .collect();
    let wait = |name: &str, jsonpath: &str| {
        let mut args = vec![
            "wait".to_owned(),
            format!("--namespace={}", bindings.argocd_namespace),
            format!("--for=jsonpath={jsonpath}"),
            "--timeout=15m".to_owned(),
        ];
        args.extend(apps.iter().cloned());
        container(name, &kubectl, &["kubectl"], args)
    };

    let mut templates = vec![
        wait("wait-synced", "{.status.sync.status}=Synced"),
        wait("wait-healthy", "{.status.health.status}=Healthy"),
    ];
    let mut main: Vec<Vec<wt::WorkflowTemplateTemplatesSteps>> = vec![
        vec![step("wait-synced", "wait-synced")],
        vec![step("wait-healthy", "wait-healthy")],
    ];
    let mut failed_when = Vec::new();
    // The in-cluster load, if any: created by the load step, deleted on exit.
    let test_run = k6::test_run(
        exp,
        &bindings.namespace,
        TARGET_URL_PARAM,
        &bindings.push_url,
        versions,
    )?;

    if let Some(load) = &exp.spec.load {
        let template = match &test_run {
            Some(run) => {
                let mut t = resource("load", Action::Create, manifest(&Object::new(run)?)?, None);
                if let Some(r) = t.resource.as_mut() {
                    r.success_condition = Some("status.stage == finished".into());
                    r.failure_condition = Some("status.stage == error".into());
                }
                t
            }
            None => {
                let (out_args, out_env) = k6::metrics_output(exp, &bindings.push_url);
                let mut args = vec![
                    "run".into(),
                    format!("--config={SCRIPTS}/{}", k6::OPTIONS_KEY),
                ];
                args.extend(out_args);
                args.push(format!("{SCRIPTS}/{}", load.script));
                let mut t = container("load", &k6_image, &["k6"], args);
                if let Some(c) = t.container.as_mut() {
                    c.env = Some(
                        std::iter::once(("TARGET_URL".to_owned(), TARGET_URL_PARAM.to_owned()))
                            .chain(out_env)
                            .map(|(name, value)| wt::WorkflowTemplateTemplatesContainerEnv {
                                name,
                                value: Some(value),
                                ..Default::default()
                            })
                            .collect(),
                    );
                    c.volume_mounts =
                        Some(vec![wt::WorkflowTemplateTemplatesContainerVolumeMounts {
                            name: "k6".into(),
                            mount_path: SCRIPTS.into(),
                            read_only: Some(true),
                            ..Default::default()
                        }]);
                }
                t.volumes = Some(vec![wt::WorkflowTemplateTemplatesVolumes {
                    name: "k6".into(),
                    config_map: Some(wt::WorkflowTemplateTemplatesVolumesConfigMap {
                        name: Some(k6::configmap_name(exp)),
                        ..Default::default()
                    }),
                    ..Default::default()
                }]);
                t
            }
        };
        templates.push(template);
        main.push(vec![keep_going(step("load", "load"))]);
        failed_when.push("{{steps.load.status}} != Succeeded");
    }

    let mut results = "none".to_owned();
    if !exp.spec.checks.is_empty() {
        templates.push(script_template(
            "checks",
            &prometheus,
            checks_script(exp),
            "results",
            RESULTS,
        ));
        main.push(vec![keep_going(step("checks", "checks"))]);
        failed_when.push("{{steps.checks.status}} != Succeeded");
        results = "{{steps.checks.outputs.parameters.results}}".into();
    }

    let mut comparison = None;
    if let Some(table) = &exp.spec.comparison {
        templates.push(script_template(
            "compare",
            &prometheus,
            compare_script(table),
            "table",
            TABLE,
        ));
        main.push(vec![keep_going(step("compare", "compare"))]);
        comparison = Some("{{steps.compare.outputs.parameters.table}}");
    }

    // The report: a ConfigMap written by Argo itself (a resource step), so no shell is needed.
    let load_status = if exp.spec.load.is_some() {
        "{{steps.load.status}}"
    } else {
        "none"
    };
    let mut report_inputs = vec![("load", load_status), ("checks", results.as_str())];
    report_inputs.extend(comparison.map(|c| ("comparison", c)));
    let report = k8s_openapi::api::core::v1::ConfigMap {
        metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
            name: Some(report_name(exp)),
            namespace: Some(bindings.namespace.clone()),
            labels: Some(exp.labels()),
            ..Default::default()
        },
        data: Some(
            [
                ("experiment".to_owned(), exp.name.clone()),
                ("workflow".to_owned(), "{{workflow.name}}".to_owned()),
            ]
            .into_iter()
            .chain(report_inputs.iter().map(|(name, _)| {
                (
                    (*name).to_owned(),
                    format!("{{{{inputs.parameters.{name}}}}}"),
                )
            }))
            .collect(),
        ),
        ..Default::default()
    };
    let mut report_template = resource(
        "report",
        Action::Apply,
        manifest(&Object::new(&report)?)?,
        None,
    );
    report_template.inputs = Some(wt::WorkflowTemplateTemplatesInputs {
        parameters: Some(
            report_inputs
                .iter()
                .map(|(n, _)| wt::WorkflowTemplateTemplatesInputsParameters {
                    name: (*n).into(),
                    ..Default::default()
                })
                .collect(),
        ),
        ..Default::default()
    });
    templates.push(report_template);
    let mut report_step = step("report", "report");
    report_step.arguments = Some(wt::WorkflowTemplateTemplatesStepsArguments {
        parameters: Some(
            report_inputs
                .iter()
                .map(
                    |(name, value)| wt::WorkflowTemplateTemplatesStepsArgumentsParameters {
                        name: (*name).into(),
                        value: Some((*value).into()),
                        ..Default::default()
                    },
                )
                .collect(),
        ),
        ..Default::default()
    });
    main.push(vec![report_step]);

    if !failed_when.is_empty() {
        templates.push(container(
            "verdict",
            &prometheus,
            &["sh", "-c"],
            vec![format!(
                "echo 'the load or a check failed; see ConfigMap {}'; exit 1",
                report_name(exp)
            )],
        ));
        let mut verdict = step("verdict", "verdict");
        verdict.when = Some(failed_when.join(" || "));
        main.push(vec![verdict]);
    }

    // Clean-up on exit: the TestRun always, the Applications when `teardown` is true.
    let mut exit_steps = Vec::new();
    if let Some(run) = &test_run {
        templates.push(resource(
            "delete-testrun",
            Action::Delete,
            manifest(&Object::new(run)?)?,
            Some(vec!["--ignore-not-found".into()]),
        ));
        exit_steps.push(vec![step("delete-testrun", "delete-testrun")]);
    }
    templates.push(delete_roots("teardown", &kubectl, bindings));
    let mut teardown_step = step("teardown", "teardown");
    teardown_step.when = Some("{{workflow.parameters.teardown}} == true".into());
    exit_steps.push(vec![teardown_step]);
    templates.push(wt::WorkflowTemplateTemplates {
        name: Some("cleanup".into()),
        steps: Some(exit_steps),
        ..Default::default()
    });

    templates.insert(
        0,
        wt::WorkflowTemplateTemplates {
            name: Some("lifecycle".into()),
            steps: Some(main),
            ..Default::default()
        },
    );

    let ttl_seconds = i32::try_from(exp.ttl_hours() * 3600).unwrap_or(i32::MAX);
    let mut template = wt::WorkflowTemplate::new(
        &exp.name,
        wt::WorkflowTemplateSpec {
            entrypoint: Some("lifecycle".into()),
            on_exit: Some("cleanup".into()),
            service_account_name: Some(bindings.service_account.clone()),
            active_deadline_seconds: Some(i64::from(ttl_seconds)),
            ttl_strategy: Some(wt::WorkflowTemplateTtlStrategy {
                seconds_after_completion: Some(ttl_seconds),
                ..Default::default()
            }),
            arguments: Some(wt::WorkflowTemplateArguments {
                parameters: Some(vec![
                    param(
                        "target-url",
                        bindings.target_url.clone(),
                        "URL of the load's target (TARGET_URL in the k6 script)",
                    ),
                    param(
                        "query-url",
                        bindings.query_url.clone(),
                        "Prometheus-compatible query URL the checks read",
                    ),
                    param(
                        "teardown",
                        "false",
                        "true: delete the experiment's Applications when the workflow ends",
                    ),
                ]),
                ..Default::default()
            }),
            templates: Some(templates),
            ..Default::default()
        },
    );
    template.metadata.namespace = Some(bindings.namespace.clone());
    template.metadata.labels = Some(exp.labels());
    Ok(Object::new(&template)?)
}
