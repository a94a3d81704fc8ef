"""Cellular kinetics: non-compartmental analysis of transgene levels."""
