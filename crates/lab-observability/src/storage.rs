//! SeaweedFS: the hub's S3 store for Loki chunks, Tempo traces and Mimir blocks, with a typed
//! bucket list and a PostSync Job that creates exactly those buckets.

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use lab_core::Object;
use lab_crds::external_secrets_io::externalsecrets::ExternalSecret;
use lab_kit::secrets::{SecretKey, SecretStore};
use lab_model::component::{BuildResult, Context, HelmRelease};
use lab_model::{App, Component};
use serde::Serialize;

use lab_kit::pod::{locked_down, restricted_pod};

/// A bucket of the hub's object store, named once here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bucket {
    LokiChunks,
    LokiRuler,
    LokiAdmin,
    TempoTraces,
    MimirBlocks,
    MimirRuler,
    MimirAlertmanager,
}

impl Bucket {
    pub const ALL: [Bucket; 7] = [
        Bucket::LokiChunks,
        Bucket::LokiRuler,
        Bucket::LokiAdmin,
        Bucket::TempoTraces,
        Bucket::MimirBlocks,
        Bucket::MimirRuler,
        Bucket::MimirAlertmanager,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Bucket::LokiChunks => "loki-chunks",
            Bucket::LokiRuler => "loki-ruler",
            Bucket::LokiAdmin => "loki-admin",
            Bucket::TempoTraces => "tempo-traces",
            Bucket::MimirBlocks => "mimir-blocks",
            Bucket::MimirRuler => "mimir-ruler",
            Bucket::MimirAlertmanager => "mimir-alertmanager",
        }
    }
}

/// OpenBao path holding the S3 identity every client uses (`access_key`, `secret_key`) and the
/// server's identities document (`identities_json`).
pub const S3_SECRET_PATH: &str = "seaweedfs/s3";
/// Environment variable names the S3 clients read their credentials from.
pub const S3_ACCESS_KEY_ENV: &str = "AWS_ACCESS_KEY_ID";
pub const S3_SECRET_KEY_ENV: &str = "AWS_SECRET_ACCESS_KEY";
/// Region S3 clients sign with; SeaweedFS accepts any.
pub const S3_REGION: &str = "us-east-1";

pub struct SeaweedFs {
    pub namespace: String,
    pub buckets: Vec<Bucket>,
    pub s3_port: u16,
    pub master_port: u16,
    pub filer_port: u16,
}

impl Default for SeaweedFs {
    fn default() -> Self {
        Self {
            namespace: "seaweedfs".into(),
            buckets: Bucket::ALL.to_vec(),
            s3_port: 8333,
            master_port: 9333,
            filer_port: 8888,
        }
    }
}

/// Name of the Secret (key `seaweedfs_s3_config`, as the chart expects) holding S3 identities.
const S3_CONFIG_SECRET: &str = "seaweedfs-s3-config";

impl SeaweedFs {
    /// `host:port` of the S3 gateway, no scheme (what Tempo and Mimir take).
    pub fn s3_host(&self) -> String {
        lab_kit::service_host(
            &format!("{}-s3", self.name()),
            &self.namespace,
            Some(self.s3_port),
        )
    }

    /// `http://host:port` of the S3 gateway (what Loki takes).
    pub fn s3_url(&self) -> String {
        format!("http://{}", self.s3_host())
    }

    /// `http://host:port` of the filer's HTTP API: files by path, no S3 signing.
    pub fn filer_url(&self) -> String {
        lab_kit::service_url(
            &format!("{}-filer", self.name()),
            &self.namespace,
            Some(self.filer_port),
        )
    }

    fn master_host(&self) -> String {
        lab_kit::service_host(
            &format!("{}-master", self.name()),
            &self.namespace,
            Some(self.master_port),
        )
    }

    /// The bucket's name, or an error if this store does not create it.
    pub fn bucket(&self, bucket: Bucket) -> BuildResult<&'static str> {
        if self.buckets.contains(&bucket) {
            Ok(bucket.name())
        } else {
            Err(format!("SeaweedFS does not create bucket {}", bucket.name()).into())
        }
    }

    /// An ExternalSecret giving a client component its S3 credentials as environment
    /// variables [`S3_ACCESS_KEY_ENV`] and [`S3_SECRET_KEY_ENV`].
    pub fn client_credentials(
        &self,
        store: &SecretStore,
        namespace: &str,
        secret: &str,
    ) -> ExternalSecret {
        store.external_secret(
            secret,
            namespace,
            secret,
            &[
                SecretKey {
                    key: S3_ACCESS_KEY_ENV,
                    path: S3_SECRET_PATH,
                    property: "access_key",
                },
                SecretKey {
                    key: S3_SECRET_KEY_ENV,
                    path: S3_SECRET_PATH,
                    property: "secret_key",
                },
            ],
        )
    }

    pub fn values(&self) -> SeaweedFsValues {
        let pvc = |size: &str| Volume {
            kind: "persistentVolumeClaim",
            size: size.into(),
            storage_class: lab_kit::storage::RETAIN_CLASS,
        };
        SeaweedFsValues {
            global: SeaweedFsGlobal {
                monitoring: lab_kit::Toggle::ON,
            },
            master: Master {
                replicas: 1,
                data: pvc("1Gi"),
            },
            volume: VolumeServer {
                replicas: 1,
                data_dirs: vec![DataDir {
                    name: "data1",
                    volume: pvc("50Gi"),
                    // 0: as many volumes as the disk holds.
                    max_volumes: 0,
                }],
            },
            filer: Filer {
                replicas: 1,
                data: pvc("5Gi"),
            },
            s3: S3Gateway {
                enabled: true,
                port: self.s3_port,
                enable_auth: true,
                existing_config_secret: S3_CONFIG_SECRET,
            },
        }
    }

    /// The Job creating every bucket of [`SeaweedFs::buckets`] through `weed shell`, then
    /// failing unless each one is listed. Runs after each sync (PostSync hook), idempotently.
    pub fn bucket_job(&self, image: &str) -> Job {
        let names: Vec<&str> = self.buckets.iter().map(|b| b.name()).collect();
        let master = self.master_host();
        let script = format!(
            "set -eu\n\
             for b in {list}; do\n  echo \"s3.bucket.create -name $b\" | weed shell -master={master} || true\ndone\n\
             listing=$(echo s3.bucket.list | weed shell -master={master})\n\
             for b in {list}; do\n  echo \"$listing\" | grep -qw \"$b\" || {{ echo \"bucket $b is missing\" >&2; exit 1; }}\ndone\n",
            list = names.join(" "),
        );
        let name = format!("{}-buckets", self.name());
        Job {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                namespace: Some(self.namespace.clone()),
                annotations: Some(BTreeMap::from([
                    ("argocd.argoproj.io/hook".into(), "PostSync".into()),
                    (
                        "argocd.argoproj.io/hook-delete-policy".into(),
                        "BeforeHookCreation".into(),
                    ),
                ])),
                ..Default::default()
            },
            spec: Some(JobSpec {
                backoff_limit: Some(6),
                template: PodTemplateSpec {
                    metadata: None,
                    spec: Some(PodSpec {
                        restart_policy: Some("OnFailure".into()),
                        containers: vec![Container {
                            name: "create-buckets".into(),
                            image: Some(image.to_owned()),
                            command: Some(vec!["/bin/sh".into(), "-c".into(), script]),
                            security_context: Some(locked_down()),
                            ..Default::default()
                        }],
                        ..restricted_pod(false)
                    }),
                },
                ..Default::default()
            }),
            status: None,
        }
    }
}

impl Component for SeaweedFs {
    fn name(&self) -> &str {
        "seaweedfs"
    }

    fn namespace(&self) -> &str {
        &self.namespace
    }

    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let mut app = App::new(self)?;
        app.helm = Some(HelmRelease::new(
            ctx.versions.chart("seaweedfs")?,
            &self.values(),
        )?);
        let image = ctx.versions.image("seaweedfs")?.reference();
        app.objects.push(Object::new(&self.bucket_job(&image))?);
        app.objects
            .push(Object::new(&ctx.needs::<SecretStore>()?.external_secret(
                S3_CONFIG_SECRET,
                &self.namespace,
                S3_CONFIG_SECRET,
                &[SecretKey {
                    key: "seaweedfs_s3_config",
                    path: S3_SECRET_PATH,
                    property: "identities_json",
                }],
            ))?);
        app.server_side_apply = true;
        app.chart_uses = vec![lab_kit::MONITORING_GROUP];
        Ok(app)
    }
}

/// `global.monitoring.enabled`: the master, volume, filer and S3 servers expose metrics and the
/// chart renders a ServiceMonitor for each, which Alloy scrapes into Mimir.
#[derive(Debug, Serialize)]
pub struct SeaweedFsGlobal {
    pub monitoring: lab_kit::Toggle,
}

/// The seaweedfs chart's values the lab sets.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeaweedFsValues {
    pub global: SeaweedFsGlobal,
    pub master: Master,
    pub volume: VolumeServer,
    pub filer: Filer,
    pub s3: S3Gateway,
}

#[derive(Debug, Serialize)]
pub struct Master {
    pub replicas: u32,
    pub data: Volume,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeServer {
    pub replicas: u32,
    pub data_dirs: Vec<DataDir>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataDir {
    pub name: &'static str,
    #[serde(flatten)]
    pub volume: Volume,
    pub max_volumes: u32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Volume {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub size: String,
    pub storage_class: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Filer {
    pub replicas: u32,
    pub data: Volume,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct S3Gateway {
    pub enabled: bool,
    pub port: u16,
    pub enable_auth: bool,
    pub existing_config_secret: &'static str,
}
