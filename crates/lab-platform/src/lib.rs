//! The hub's components, one builder per Application, grouped by family.

pub mod crossplane;
pub mod gitops;
pub mod metrics;
pub mod namespaces;
pub mod networking;
pub mod pki;
pub mod policy;
pub mod storage;
pub mod tailnet;
pub mod ui;

use lab_model::Registry;
use lab_model::component::PlanError;

/// Adds every hub component of this crate to `registry`.
pub fn register(registry: &mut Registry) -> Result<(), PlanError> {
    register_with(registry, lab_kit::secrets::OpenBao::default())
}

/// The optional components switched on in the settings' `features`.
pub fn register_features(
    registry: &mut Registry,
    features: &lab_model::settings::Features,
) -> Result<(), PlanError> {
    if features.tailscale {
        registry.add(tailnet::Tailscale)?;
    }
    Ok(())
}

/// [`register`] with OpenBao configured by the caller (e.g. in another namespace); everything
/// pointing at OpenBao follows it.
pub fn register_with(
    registry: &mut Registry,
    openbao: lab_kit::secrets::OpenBao,
) -> Result<(), PlanError> {
    registry.add(namespaces::NamespaceConfig)?;
    registry.add(gitops::ArgoCd)?;
    registry.add(gitops::ImageUpdater)?;
    registry.add(gitops::ArgoWorkflows)?;
    registry.add(gitops::WebhookRelay)?;
    lab_kit::secrets::register_with(registry, openbao)?;
    registry.add(pki::CertManager)?;
    registry.add(pki::Pki)?;
    registry.add(networking::MetalLb::default())?;
    registry.add(networking::MetalLbPool)?;
    registry.add(networking::Dns)?;
    registry.add(networking::GatewayController)?;
    registry.add(networking::DefaultGateway)?;
    registry.add(storage::Storage)?;
    registry.add(metrics::PrometheusCrds)?;
    registry.add(metrics::MetricsServer)?;
    registry.add(policy::Kyverno)?;
    registry.add(crossplane::Crossplane)?;
    registry.add(ui::Headlamp)?;
    Ok(())
}
