"""The constrained field types the team API's records and request bodies are made of.

Each says once what a value may be (msgspec.Meta: pattern, length, range, description): the
team server validates request bodies with them, the client reads answers with them, and the
OpenAPI document (and from it the sidebar's TypeScript types) is generated from them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

NAME_MAX = 64
NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,38}$"
EXPERIMENT_PATTERN = r"^[a-z0-9][a-z0-9._-]*-exp(0|[1-9][0-9]{0,5})$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
CURSOR_PATTERN = r"^[0-9]{1,18}$"

#: users, runs, sessions, datastores: safe in URLs, paths and table cells
Name = Annotated[str, Meta(pattern=NAME_PATTERN, max_length=NAME_MAX)]
Username = Annotated[str, Meta(pattern=USERNAME_PATTERN)]
ExperimentName = Annotated[str, Meta(pattern=EXPERIMENT_PATTERN)]
Sha256 = Annotated[str, Meta(pattern=SHA256_PATTERN)]
Time = Annotated[
    str,
    Meta(
        description="ISO 8601 UTC, seconds precision, e.g. 2024-05-01T12:00:00Z",
        extra_json_schema={"format": "date-time"},
    ),
]
Count = Annotated[int, Meta(ge=0)]
Bytes = Annotated[int, Meta(ge=0)]
Version = Annotated[int, Meta(ge=1)]
Cursor = Annotated[str, Meta(pattern=CURSOR_PATTERN)]
#: an amount of credits (stored as an exact decimal, answered rounded to 4 places)
Credits = Annotated[float, Meta(description="credits")]
HttpUrl = Annotated[str, Meta(max_length=2048, pattern="^https?://")]
METRIC_NAME_PATTERN = r"^[A-Za-z0-9_./:-][A-Za-z0-9_./: -]{0,199}$"
#: a metric's name (loss, val/acc): no comma, so a query names several as names=a,b
MetricName = Annotated[str, Meta(pattern=METRIC_NAME_PATTERN)]
#: a metric's step: the epoch or batch number it was taken at
Step = Annotated[int, Meta(ge=0, le=2**62)]

Role = Literal["owner", "admin", "user"]
RunStatus = Literal["pending", "running", "succeeded", "failed", "cancelled"]
SessionStatus = Literal["pending", "running", "paused", "stopped", "lost"]
Strategy = Literal["grid_search", "random_search"]
LogStream = Literal["stdout", "stderr", "system"]
Visitors = Annotated[
    Literal["view", "full"],
    Meta(
        description="what visitors may do: view (browse files and notebooks; no kernels, "
        "terminals or writes) or full (run code as the owner, with the owner's files and "
        "GitHub identity)"
    ),
]
