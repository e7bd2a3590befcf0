//! The lab as data: typed inputs read from `platform/`, the components of a cluster and the
//! dependency graph between them, and the sync waves derived from that graph.

pub mod component;
pub mod graph;
pub mod input;
pub mod settings;
pub mod versions;

pub use component::{App, Component, Dependency, Registry};
pub use input::{Field, Input, InputError, Problem, load};
pub use settings::Settings;
pub use versions::Versions;
