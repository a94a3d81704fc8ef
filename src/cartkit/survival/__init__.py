"""Survival and competing-risks analysis; knows nothing of CAR-T."""
