"""Readers and writers of study tables; never interprets clinical meaning."""
