"""Storage and git: crates, users and tokens under a root, and the git view of the index."""
