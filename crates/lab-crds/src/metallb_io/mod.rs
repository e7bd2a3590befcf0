//! API group `metallb.io`.

/// IPAddressPool `metallb.io/v1beta1`
#[cfg(feature = "metallb_io-ipaddresspools")]
pub mod ipaddresspools;
/// L2Advertisement `metallb.io/v1beta1`
#[cfg(feature = "metallb_io-l2advertisements")]
pub mod l2advertisements;
