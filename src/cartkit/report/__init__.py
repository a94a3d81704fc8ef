"""Writing results: results.json, derived datasets, provenance; computes nothing new."""
