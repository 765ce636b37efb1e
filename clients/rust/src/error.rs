//! The one error type of the crate.

use std::fmt;

/// Everything that can go wrong starting a registry or talking to its control API.
#[derive(Debug)]
pub enum Error {
    /// The interpreter runs, but the `fakereg` Python package is not installed in it.
    NotInstalled {
        /// The interpreter that was run (`FAKEREG_PYTHON`, else `python3`).
        python: String,
    },
    /// The interpreter could not be started at all.
    Spawn {
        /// The interpreter that was run (`FAKEREG_PYTHON`, else `python3`).
        python: String,
        /// Why the operating system refused.
        source: std::io::Error,
    },
    /// `python -m fakereg` stopped, or did not get ready in time, before writing its ready file.
    Startup(String),
    /// A local I/O failure (files, the control API's socket).
    Io(std::io::Error),
    /// An answer that is not the JSON the control API documents.
    Json(serde_json::Error),
    /// The control API refused the call: its status and the server's explanation
    /// (the `detail`s of Cargo's error shape, `{"errors": [{"detail": …}]}`).
    Api {
        /// The HTTP status (400 for a bad spec, 404 for something unknown, 408 for a wait
        /// that timed out, …).
        status: u16,
        /// The server's words.
        message: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotInstalled { python } => write!(
                f,
                "the fakereg Python package is not installed for {python}: run \
                 `{python} -m pip install fakereg` (or set FAKEREG_PYTHON to an interpreter that has it)"
            ),
            Error::Spawn { python, source } => write!(
                f,
                "cannot run {python} ({source}): install Python 3 and `pip install fakereg`, \
                 or set FAKEREG_PYTHON to an interpreter that has fakereg"
            ),
            Error::Startup(message) => write!(f, "fakereg did not start: {message}"),
            Error::Io(error) => write!(f, "I/O error: {error}"),
            Error::Json(error) => write!(f, "unexpected JSON from the control API: {error}"),
            Error::Api { status, message } => write!(f, "control API answered {status}: {message}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Spawn { source, .. } => Some(source),
            Error::Io(error) => Some(error),
            Error::Json(error) => Some(error),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Self {
        Error::Io(error)
    }
}

impl From<serde_json::Error> for Error {
    fn from(error: serde_json::Error) -> Self {
        Error::Json(error)
    }
}

/// The crate's `Result`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
