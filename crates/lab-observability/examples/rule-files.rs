//! Writes every demo app's SLO PrometheusRule as a plain Prometheus rule file into DIR (the
//! first argument): what `components/observability/check-rules.sh` feeds to promtool.

use lab_observability::promtool::rule_files_of;
use lab_observability::slo::prometheus_rule;
use lab_observability::workload::demo_apps;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: rule-files DIR")?;
    std::fs::create_dir_all(&dir)?;
    let mut objects = Vec::new();
    for app in demo_apps().into_iter().filter(|a| !a.slos.is_empty()) {
        let rule = prometheus_rule(&format!("{}-slos", app.name), &app.namespace, &app.slos);
        objects.push(lab_core::Object::new(&rule)?);
    }
    for (file, text) in rule_files_of(&objects)? {
        std::fs::write(std::path::Path::new(&dir).join(&file), text)?;
        println!("{dir}/{file}");
    }
    Ok(())
}
