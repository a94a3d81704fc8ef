"""Virtual cohorts in the study data format."""
