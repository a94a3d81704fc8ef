"""Logistic regression (ML and Firth) and univariate screening; knows nothing of CAR-T."""
