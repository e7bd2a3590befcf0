//! Storage: Kind (and the Talos manifest) already run local-path-provisioner as
//! `rancher.io/local-path` with a Delete class; the hub adds a class that keeps volumes.

use k8s_openapi::api::storage::v1::StorageClass;
use lab_core::Object;
use lab_model::component::{BuildResult, Context};
use lab_model::{App, Component};

use lab_kit::meta;

pub struct Storage;

impl Storage {
    /// The provisioner of local-path-provisioner, the same name on Kind and on Talos.
    pub const PROVISIONER: &'static str = "rancher.io/local-path";
    /// A class whose volumes outlive their claims (experiment data worth keeping).
    pub const RETAIN_CLASS: &'static str = lab_kit::storage::RETAIN_CLASS;
}

impl Component for Storage {
    fn name(&self) -> &str {
        "storage"
    }

    fn namespace(&self) -> &str {
        "kube-system"
    }

    fn build(&self, _ctx: &Context) -> BuildResult<App> {
        let class = StorageClass {
            metadata: meta(Self::RETAIN_CLASS, None),
            provisioner: Self::PROVISIONER.to_owned(),
            reclaim_policy: Some("Retain".to_owned()),
            volume_binding_mode: Some("WaitForFirstConsumer".to_owned()),
            ..Default::default()
        };
        let mut app = App::new(self)?;
        app.objects = vec![Object::new(&class)?];
        Ok(app)
    }
}
