//! A fake Cargo registry for Rust tests: starts fakereg (`python -m fakereg`), hands its
//! settings to cargo, and steers it through its control API with typed calls.
//!
//! The registry is real HTTP on 127.0.0.1 (sparse or git index, downloads, Cargo's Web API),
//! so the tool under test talks to it as to crates.io; the test seeds crates, injects
//! faults, and asserts on the requests the tool made. Dropping the [`Registry`] stops the
//! server, also when the test panics.
//!
//! It needs Python 3 with the `fakereg` package (`pip install fakereg`); the interpreter is
//! `FAKEREG_PYTHON`, else `python3`. An HTTPS registry ([`RegistryBuilder::tls`]) is
//! reached with rustls, trusting only the CA the registry made (the `tls` feature, on by
//! default; `default-features = false` builds with serde alone, for HTTP registries).
//!
//! ```no_run
//! use std::time::Duration;
//! use fakereg::{CrateSpec, FaultSpec, Protocol, Registry, RequestFilter};
//!
//! let reg = Registry::builder().protocol(Protocol::Git).start()?;
//! reg.add_crate(CrateSpec::new("b", "1.0.0"))?;
//! reg.add_crate(CrateSpec::new("a", "1.0.0").dep("b@1"))?;
//! reg.fail(FaultSpec::new("git").status(503).after(1).times(1))?;
//!
//! let output = reg.cargo().arg("generate-lockfile").current_dir("my-package").output()?;
//! assert!(output.status.success());
//! reg.assert_requested(RequestFilter::kind("git").status(503));
//! let fetches = reg.requests(RequestFilter::kind("git"))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

mod accounts;
mod builder;
mod control;
mod error;
mod filter;
mod http;
mod process;
mod records;
mod registry;
mod specs;
#[cfg(feature = "tls")]
mod tls;

pub use accounts::{Invitation, Team};
pub use builder::{Protocol, RegistryBuilder};
pub use error::{Error, Result};
pub use filter::RequestFilter;
pub use records::{
    CrateInfo, CrateVersion, Fault, PublishRecord, RecordedRequest, User, VersionInfo,
};
pub use registry::Registry;
pub use specs::{CrateSpec, Dependency, FaultSpec, TokenSpec};
