"""The domain: crate names and versions, publish metadata and index lines, manifests,
archives. Rules about Cargo's data only: no HTTP, no state on disk."""
