"""Table specifications of the study data format, and validation; never changes data."""
