"""Survival and competing-risks analysis; knows nothing of CAR-T."""

# Cox proportional hazards
from .cox import Cox as Cox
from .cox import cox as cox
