"""Ground modules every layer may use: units, argument checks, model matrices, result types,
provenance. They import nothing of cartkit but :mod:`cartkit.errors` and each other.
"""
