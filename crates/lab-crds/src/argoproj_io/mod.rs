//! API group `argoproj.io`.

/// Application `argoproj.io/v1alpha1`
#[cfg(feature = "argoproj_io-applications")]
pub mod applications;
/// ApplicationSet `argoproj.io/v1alpha1`
#[cfg(feature = "argoproj_io-applicationsets")]
pub mod applicationsets;
/// AppProject `argoproj.io/v1alpha1`
#[cfg(feature = "argoproj_io-appprojects")]
pub mod appprojects;
/// CronWorkflow `argoproj.io/v1alpha1`
#[cfg(feature = "argoproj_io-cronworkflows")]
pub mod cronworkflows;
/// Workflow `argoproj.io/v1alpha1`
#[cfg(feature = "argoproj_io-workflows")]
pub mod workflows;
/// WorkflowTemplate `argoproj.io/v1alpha1`
#[cfg(feature = "argoproj_io-workflowtemplates")]
pub mod workflowtemplates;
