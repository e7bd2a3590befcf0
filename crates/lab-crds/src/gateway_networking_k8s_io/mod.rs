//! API group `gateway.networking.k8s.io`.

/// BackendTLSPolicy `gateway.networking.k8s.io/v1`
#[cfg(feature = "gateway_networking_k8s_io-backendtlspolicies")]
pub mod backendtlspolicies;
/// GatewayClass `gateway.networking.k8s.io/v1`
#[cfg(feature = "gateway_networking_k8s_io-gatewayclasses")]
pub mod gatewayclasses;
/// Gateway `gateway.networking.k8s.io/v1`
#[cfg(feature = "gateway_networking_k8s_io-gateways")]
pub mod gateways;
/// GRPCRoute `gateway.networking.k8s.io/v1`
#[cfg(feature = "gateway_networking_k8s_io-grpcroutes")]
pub mod grpcroutes;
/// HTTPRoute `gateway.networking.k8s.io/v1`
#[cfg(feature = "gateway_networking_k8s_io-httproutes")]
pub mod httproutes;
/// ReferenceGrant `gateway.networking.k8s.io/v1`
#[cfg(feature = "gateway_networking_k8s_io-referencegrants")]
pub mod referencegrants;
/// TLSRoute `gateway.networking.k8s.io/v1`
#[cfg(feature = "gateway_networking_k8s_io-tlsroutes")]
pub mod tlsroutes;
