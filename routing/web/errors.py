"""How the web API refuses a request: bounds, expected values and the error answer.

Every answer other than 200 is one JSON body ``{"error", "parameter",
"expected", "suggestions"}``: a one-line message, the query parameter at
fault, what it accepts, and for an unknown place the closest names.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi.responses import JSONResponse

from networks.errors import BypassError, InfeasibleError, UnknownPlaceError

from .models import ErrorBody

#: Bounds on what one request may ask for.
MAX_K = 5
MAX_VIA = 4
MAX_AVOID = 8
MAX_PAIRS_SIDE = 30
MAX_PLACE_CHARS = 100
MAX_QUERY_BYTES = 4096

#: What each parameter accepts: the ``expected`` of every 422 answer.
EXPECTED: dict[str, str] = {
    "from": "a hub or port: id or name (see /api/hubs and /api/ports)",
    "to": "a port: id or name (see /api/ports)",
    "objective": "cost, time or co2",
    "max_days": "a number of days from 0 to 365",
    "max_cost": "a number of USD per TEU from 0 to 1000000",
    "k": f"an integer from 1 to {MAX_K}",
    "via": f"up to {MAX_VIA} places: port, hub, junction or border crossing (id or name)",
    "avoid": f"up to {MAX_AVOID} places: port, hub, junction or border crossing (id or name)",
    "avoid_country": f"up to {MAX_AVOID} ISO 3166 alpha-3 country codes such as USA",
    "avoid_mode": "rail, road or sea",
    "max_transshipments": "an integer from 0 to 10",
    "allow_us": "true or false",
    "strict_waters": "true or false",
    "scheduled_only": "true or false",
    "allow_hypothetical": "true or false",
    "cargo_value": "a number of USD per TEU from 0 to 10000000",
    "scenario": "a shipped scenario name (see /api/scenarios)",
}

#: Binding constraint named by InfeasibleError -> query parameter.
CONSTRAINT_PARAM = {"max_days": "max_days", "max_cost": "max_cost",
                    "max_transshipments": "max_transshipments", "via": "via", "avoid": "avoid",
                    "allow_us": "allow_us"}


class WebError(Exception):
    """An answer other than 200: status, one-line message, parameter, expected value."""

    def __init__(self, message: str, *, parameter: str | None = None,
                 expected: str | None = None, suggestions: Sequence[str] = (),
                 status: int = 422) -> None:
        super().__init__(message)
        self.message, self.parameter, self.status = message, parameter, status
        self.expected = expected if expected is not None else EXPECTED.get(parameter or "")
        self.suggestions = list(suggestions)

    def response(self) -> JSONResponse:
        body = ErrorBody(error=self.message, parameter=self.parameter, expected=self.expected,
                         suggestions=self.suggestions)
        headers = {"Retry-After": "5"} if self.status == 503 else None
        return JSONResponse(body.model_dump(), status_code=self.status, headers=headers)


#: Names of solver errors meaning "this query needs more work than allowed" (the solver's
#: work-limit error has been called LabelLimitError and QueryTooHardError).
WORK_LIMIT_SUFFIXES = ("LimitError", "TooHardError", "LimitExceeded", "BudgetError")


def _is_work_limit(exc: BaseException) -> bool:
    """A solver error meaning "this query needs more work than allowed"."""
    return any(k.__name__.endswith(WORK_LIMIT_SUFFIXES) for k in type(exc).__mro__)


def bypass_error(exc: BypassError) -> WebError:
    """The HTTP answer to an error raised by the model."""
    if _is_work_limit(exc):
        return WebError(f"query exceeded the solver's work limit: {exc}", status=503)
    if isinstance(exc, InfeasibleError):
        return WebError(str(exc), parameter=CONSTRAINT_PARAM.get(exc.constraint or ""),
                        expected="looser constraints (or see reasons per side)")
    if isinstance(exc, UnknownPlaceError):
        return WebError(str(exc), suggestions=exc.suggestions)
    return WebError(" ".join(str(exc).split()))
