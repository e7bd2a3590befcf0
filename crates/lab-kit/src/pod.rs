//! Pod hardening shared by every workload the lab writes itself (not by charts).

use k8s_openapi::api::core::v1::{
    Capabilities, PodSecurityContext, PodSpec, SeccompProfile, SecurityContext,
};

/// Non-root uid and gid of distroless images.
pub const NONROOT_UID: i64 = 65532;

/// A container that cannot escalate, write its root file system or keep capabilities.
pub fn locked_down() -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        read_only_root_filesystem: Some(true),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".into()]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A pod spec without a service-account token, with the runtime's seccomp profile, and run as
/// the distroless non-root user when `non_root`.
pub fn restricted_pod(non_root: bool) -> PodSpec {
    PodSpec {
        automount_service_account_token: Some(false),
        security_context: Some(PodSecurityContext {
            run_as_non_root: non_root.then_some(true),
            run_as_user: non_root.then_some(NONROOT_UID),
            run_as_group: non_root.then_some(NONROOT_UID),
            seccomp_profile: Some(SeccompProfile {
                type_: "RuntimeDefault".into(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}
