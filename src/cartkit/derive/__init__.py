"""Clinical derivations (grading, response, endpoints) from study tables."""

# --- grading: CRS, ICANS, CTCAE lab grades, infections ---
# --- endpoints: response, MRD, eligibility, BCA, risk, time-to-event, analysis datasets ---
from ._common import Derived  # noqa: F401
from .adam import (
    ADSL_COLUMNS,  # noqa: F401
    Adam,  # noqa: F401
    derive_adam,  # noqa: F401
    derive_adsl,  # noqa: F401
)
from .bca import (
    compute_bca,  # noqa: F401
    derive_bca,  # noqa: F401
)
from .crs import derive_crs, grade_crs, summarize_crs  # noqa: F401
from .ctcae import compute_ctcae_grade as compute_ctcae_grade
from .ctcae import derive_febrile_neutropenia as derive_febrile_neutropenia
from .ctcae import derive_neutropenia as derive_neutropenia
from .ctcae import grade_labs as grade_labs
from .eligibility import (
    check_eligibility,  # noqa: F401
    derive_eligibility,  # noqa: F401
)
from .icans import derive_icans, grade_icans, summarize_icans  # noqa: F401
from .infections import derive_infections, infections_by_type  # noqa: F401
from .mrd import (
    MRD_CATEGORIES,  # noqa: F401
    compute_mrd_category,  # noqa: F401
    compute_mrd_positive,  # noqa: F401
    derive_mrd,  # noqa: F401
)
from .persistence import derive_persistence  # noqa: F401
from .recorded import reconcile_grades  # noqa: F401
from .response import (
    RESPONSE_CATEGORIES,  # noqa: F401
    compute_response,  # noqa: F401
    derive_response,  # noqa: F401
)
from .risk import (
    compute_risk_group,  # noqa: F401
    derive_risk_group,  # noqa: F401
)
from .time_to_event import (
    ADTTE_COLUMNS,  # noqa: F401
    DEFAULT_ENDPOINTS,  # noqa: F401
    HSCT_CENSOR,  # noqa: F401
    CensorSource,  # noqa: F401
    Endpoint,  # noqa: F401
    EventSource,  # noqa: F401
    derive_time_to_event,  # noqa: F401
)
from .toxicity import grade_study  # noqa: F401
# --- end endpoints ---
