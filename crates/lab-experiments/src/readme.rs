//! The experiment's README, rendered from its spec and tutorial with minijinja: the facts a
//! reader wants first (phase, time, clusters, pinned components, checks), the commands, then
//! the tutorial itself.

use lab_model::Versions;
use minijinja::{Environment, context};
use serde::Serialize;

use crate::{Error, Experiment};

const TEMPLATE: &str = r#"# {{ spec.title }}

{{ spec.summary }}

| phase | difficulty | duration | time to live |
|---|---|---|---|
| {{ spec.phase }} | {{ spec.difficulty }} | {{ spec.duration }} | {{ spec.timeToLive }} |

## You will learn to

{% for o in spec.learningObjectives %}
- {{ o }}
{% endfor %}
{% if spec.prerequisites %}

## Do first

{% for p in spec.prerequisites %}
- [{{ p }}](../{{ p }}/readme.md)
{% endfor %}
{% endif %}

## Clusters

| cluster | provider | roles |
|---|---|---|
{% for c in spec.clusters %}
| {{ c.name }} | {{ c.provider }} | {{ c.roles | join(", ") }} |
{% endfor %}

## Components

| id | what | packaging | pinned |
|---|---|---|---|
{% for c in components %}
| {{ c.id }} | {{ c.description }} | {{ c.packaging }} | {{ c.version }} |
{% endfor %}
{% if spec.load %}

## Load

k6 runs `{{ spec.load.script }}` against `{{ spec.load.target }}` with {{ spec.load.virtualUsers }} virtual users for {{ spec.load.duration }}{% if spec.load.inCluster %}, in-cluster through the k6-operator{% endif %}.
{% if spec.load.thresholds %}
Thresholds:

{% for metric, limits in spec.load.thresholds | items %}
- `{{ metric }}`: {% for l in limits %}`{{ l }}`{% if not loop.last %}, {% endif %}{% endfor %}

{% endfor %}
{% endif %}
{% endif %}
{% if checks %}

## Checks

The lifecycle workflow evaluates each one after the load; all must hold.

| check | what it proves | holds when |
|---|---|---|
{% for c in checks %}
| {{ c.name }} | {{ c.description }} | `{{ c.condition | replace("|", "\\|") }}` |
{% endfor %}
{% endif %}

## Run it

```sh
task hub:conduct -- {{ name }}   # clusters, Applications, wait healthy, submit the workflow
task hub:down -- {{ name }}      # remove everything it created
```

Rendered files: `generated/experiments/{{ name }}/`.

---

{{ tutorial }}"#;

#[derive(Serialize)]
struct CheckRow<'a> {
    name: &'a str,
    description: &'a str,
    condition: String,
}

#[derive(Serialize)]
struct ComponentRow {
    id: &'static str,
    description: &'static str,
    packaging: &'static str,
    version: String,
}

/// The README's Markdown.
pub fn render(exp: &Experiment, versions: &Versions) -> Result<String, Error> {
    let components = exp
        .spec
        .components
        .iter()
        .map(|c| {
            let entry = c.id.entry();
            Ok(ComponentRow {
                id: c.id.as_str(),
                description: entry.description,
                packaging: entry.packaging.as_str(),
                version: entry.pin.version(versions)?,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let checks: Vec<CheckRow> = exp
        .spec
        .checks
        .iter()
        .map(|c| CheckRow {
            name: &c.name,
            description: &c.description,
            condition: c.condition(),
        })
        .collect();
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_template("readme", TEMPLATE)
        .map_err(|e| Error::Build(format!("README template: {e}")))?;
    let text = env
        .get_template("readme")
        .and_then(|t| {
            t.render(context! {
                name => exp.name,
                spec => exp.spec,
                components => components,
                checks => checks,
                tutorial => exp.tutorial.trim_end(),
            })
        })
        .map_err(|e| Error::Build(format!("{}: README: {e}", exp.name)))?;
    Ok(format!("{}\n", text.trim_end()))
}
