//! Namespaces that components of more than one family name: the one place each is written.

/// Kyverno's engine (lab-platform) and the lab's policies (lab-policy).
pub const KYVERNO: &str = "kyverno";
/// Crossplane core (lab-platform) and its packages and compositions (lab-crossplane).
pub const CROSSPLANE: &str = "crossplane-system";
