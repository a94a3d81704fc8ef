"""The statistical analysis plan: which analyses run, and the study's headline numbers."""

# --- analysis plan as data: schema, TOML reading and writing, the published study's plan ---
from .default import default_plan  # noqa: F401
from .plan import (
    check_plan,  # noqa: F401
    load_plan,  # noqa: F401
    plan_from_dict,  # noqa: F401
    plan_to_dict,  # noqa: F401
    plan_to_toml,  # noqa: F401
    validate_plan,  # noqa: F401
)
from .schema import Plan, PlanError, Settings  # noqa: F401
