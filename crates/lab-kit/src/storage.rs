//! Storage classes that components of more than one family name.

/// A local-path class whose volumes outlive their claims (experiment data worth keeping):
/// created by the platform's storage component, used by every stateful chart.
pub const RETAIN_CLASS: &str = "local-path-retain";
