"""Clinical derivations (grading, response, endpoints) from study tables."""
