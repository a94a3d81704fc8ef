"""The statistical analysis plan: which analyses run, and the study's headline numbers."""
