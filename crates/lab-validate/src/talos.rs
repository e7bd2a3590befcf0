//! Checks of emitted Talos documents: the upstream Talos JSON schema (minus `required`, since
//! patches are partial) and a scan for secret material.

use serde_json::Value;

/// The schema with every `required` list removed, so a partial patch document is judged on
/// types, enums, patterns and unknown fields only. Property *names* `required` are kept.
pub fn without_required(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, v)| !(k.as_str() == "required" && v.is_array()))
                .map(|(k, v)| {
                    let v = if k == "properties" || k == "$defs" || k == "definitions" {
                        match v {
                            Value::Object(props) => Value::Object(
                                props
                                    .iter()
                                    .map(|(pk, pv)| (pk.clone(), without_required(pv)))
                                    .collect(),
                            ),
                            other => other.clone(),
                        }
                    } else {
                        without_required(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_required).collect()),
        other => other.clone(),
    }
}

/// Validates one emitted Talos document against the Talos config schema
/// (`config.schema.json`), ignoring `required`. Returns one line per problem; empty when valid.
pub fn validate_talos(doc: &Value, schema: &Value) -> Vec<String> {
    let mut relaxed = without_required(schema);
    // A failed `oneOf` says nothing useful; judge the document against its own kind's branch
    // (the legacy v1alpha1 document has no `kind`), so errors name the offending field.
    if let Some(branch) = branch_for(doc, &relaxed)
        && let Some(map) = relaxed.as_object_mut()
    {
        map.remove("oneOf");
        map.insert("$ref".into(), branch);
    }
    let validator = match jsonschema::validator_for(&relaxed) {
        Ok(v) => v,
        Err(e) => return vec![format!("the Talos schema does not compile: {e}")],
    };
    let kind = doc
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("v1alpha1 config");
    validator
        .iter_errors(doc)
        .map(|e| {
            let at = e.instance_path().to_string();
            format!("{kind} at `{}`: {e}", if at.is_empty() { "/" } else { &at })
        })
        .collect()
}

/// The `oneOf` entry of the schema for the document's `kind`, if the schema has one.
fn branch_for(doc: &Value, schema: &Value) -> Option<Value> {
    let kind = doc.get("kind").and_then(Value::as_str);
    schema.get("oneOf")?.as_array()?.iter().find_map(|b| {
        let target = b.get("$ref")?.as_str()?;
        let def = schema.pointer(target.trim_start_matches('#'))?;
        let kinds = def
            .pointer("/properties/kind/enum")
            .and_then(Value::as_array);
        let matches = match (kind, kinds) {
            (Some(k), Some(ks)) => ks.iter().any(|x| x == k),
            (None, None) => target.ends_with("/v1alpha1.Config"),
            _ => false,
        };
        matches.then(|| Value::String(target.to_owned()))
    })
}

/// Keys that hold secrets in a Talos machine config. None of them may ever be rendered.
pub const SECRET_KEYS: &[&str] = &[
    "token",
    "ca",
    "acceptedCAs",
    "aggregatorCA",
    "serviceAccount",
    "secret",
    "aescbcEncryptionSecret",
    "secretboxEncryptionSecret",
    "key",
    "crt",
    "bootstrapToken",
    "encryption",
];

/// JSON pointers of every secret-looking field or value in `doc`: keys from [`SECRET_KEYS`]
/// and strings holding PEM blocks.
pub fn secret_findings(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(doc, String::new(), &mut out);
    out
}

fn walk(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let here = format!("{at}/{k}");
                if SECRET_KEYS.contains(&k.as_str()) {
                    out.push(here.clone());
                }
                walk(child, here, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, format!("{at}/{i}"), out);
            }
        }
        Value::String(s) if s.contains("-----BEGIN") || s.contains("PRIVATE KEY") => {
            out.push(at);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn required_lists_go_but_a_property_named_required_stays() {
        let schema = json!({"required": ["a"], "properties": {"required": {"type": "boolean", "required": ["x"]}}});
        assert_eq!(
            without_required(&schema),
            json!({"properties": {"required": {"type": "boolean"}}})
        );
    }

    #[test]
    fn scanner_finds_keys_and_pem_values() {
        let doc = json!({"machine": {"token": "abc", "files": [{"content": "-----BEGIN CERTIFICATE-----"}]}, "cluster": {"clusterName": "x"}});
        assert_eq!(
            secret_findings(&doc),
            vec![
                "/machine/token".to_owned(),
                "/machine/files/0/content".to_owned()
            ]
        );
    }
}
