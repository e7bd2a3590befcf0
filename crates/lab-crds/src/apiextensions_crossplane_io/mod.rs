//! API group `apiextensions.crossplane.io`.

/// CompositeResourceDefinition `apiextensions.crossplane.io/v2`
#[cfg(feature = "apiextensions_crossplane_io-compositeresourcedefinitions")]
pub mod compositeresourcedefinitions;
/// Composition `apiextensions.crossplane.io/v1`
#[cfg(feature = "apiextensions_crossplane_io-compositions")]
pub mod compositions;
/// ManagedResourceActivationPolicy `apiextensions.crossplane.io/v1alpha1`
#[cfg(feature = "apiextensions_crossplane_io-managedresourceactivationpolicies")]
pub mod managedresourceactivationpolicies;
/// ManagedResourceDefinition `apiextensions.crossplane.io/v1alpha1`
#[cfg(feature = "apiextensions_crossplane_io-managedresourcedefinitions")]
pub mod managedresourcedefinitions;
/// Usage `apiextensions.crossplane.io/v1beta1`
#[cfg(feature = "apiextensions_crossplane_io-usages")]
pub mod usages;
