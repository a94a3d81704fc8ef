"""Group comparisons, correlation and descriptive summaries; knows nothing of CAR-T."""
