"""Clinical derivations (grading, response, endpoints) from study tables."""

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
from .eligibility import (
    check_eligibility,  # noqa: F401
    derive_eligibility,  # noqa: F401
)
from .mrd import (
    MRD_CATEGORIES,  # noqa: F401
    compute_mrd_category,  # noqa: F401
    compute_mrd_positive,  # noqa: F401
    derive_mrd,  # noqa: F401
)
from .persistence import derive_persistence  # noqa: F401
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
# --- end endpoints ---
