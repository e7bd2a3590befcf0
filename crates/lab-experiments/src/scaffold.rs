//! `cargo xtask new <name>`: the files of a new experiment that loads, renders and validates as
//! it is — hello-app on the hub, a short k6 load, one check — for the author to change.

use crate::{MODELINE, SPEC_FILE};

/// `(file name, contents)` of each file of a new experiment named `name`.
pub fn files(name: &str) -> Vec<(&'static str, String)> {
    let spec = format!(
        "{MODELINE}
title: {name}
summary: >-
  One sentence on what the learner finds out, and with which components.
phase: 1
difficulty: beginner
duration: 30m
learningObjectives:
  - Say what the learner can do afterwards, one line each.
clusters:
  - name: hub
    provider: hub
    roles: [target, load-generator, observer]
components:
  - id: hello-app
load:
  script: load.js
  target: hello-app
  virtualUsers: 2
  duration: 1m
  thresholds:
    http_req_failed: [\"rate<0.01\"]
checks:
  - name: app-scraped
    description: The hub scrapes the experiment's hello-app.
    expr: sum(up{{job=\"hello-app\", namespace=\"{name}\"}})
    comparison: \">=\"
    value: 1
timeToLive: 4h
"
    );
    let tutorial = format!(
        "# {name}

## Goal

What the learner will see and why it matters.

## Prerequisites

- The hub, bootstrapped (`task hub:bootstrap`).

## Steps

### 1. Conduct the experiment

```sh
task hub:conduct -- {name}
```

### 2. Look at it

```promql
sum(up{{job=\"hello-app\", namespace=\"{name}\"}})
```

## Clean up

```sh
task hub:down -- {name}
```
"
    );
    let load =
        "// Load for the experiment's target; virtual users, duration and thresholds come from
// experiment.yaml (options.json), not from here.
import http from 'k6/http';
import { check, sleep } from 'k6';

const base = __ENV.TARGET_URL;

export default function () {
  const res = http.get(`${base}/`);
  check(res, { 'status is 200': (r) => r.status === 200 });
  sleep(0.5);
}
"
        .to_owned();
    vec![
        (SPEC_FILE, spec),
        ("tutorial.md", tutorial),
        ("load.js", load),
    ]
}
