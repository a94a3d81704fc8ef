"""Clinical derivations (grading, response, endpoints) from study tables."""

# --- grading: CRS, ICANS, CTCAE lab grades, infections ---
from .crs import derive_crs, grade_crs, summarize_crs  # noqa: F401
from .ctcae import compute_ctcae_grade as compute_ctcae_grade
from .ctcae import derive_febrile_neutropenia as derive_febrile_neutropenia
from .ctcae import derive_neutropenia as derive_neutropenia
from .ctcae import grade_labs as grade_labs
from .icans import derive_icans, grade_icans, summarize_icans  # noqa: F401
from .infections import derive_infections, infections_by_type  # noqa: F401
from .recorded import reconcile_grades  # noqa: F401
from .toxicity import grade_study  # noqa: F401
