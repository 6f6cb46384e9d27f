"""The one error root of teamgraph.

Every error a user can cause is a :class:`TeamgraphError` with a stable ``code`` (dotted,
``area.reason``), the id of the rule it breaks (``R-x.y`` from docs/rules.md, or ``None`` when no
program rule is involved), a human message and, where one field is at fault, its name. The API
maps the tree to HTTP in one place (``teamgraph.api.errors``)::

    TeamgraphError                 400  bad input in general
    ├── ValidationError            422  a value breaks a rule or a schema
    ├── NotFound                   404  an id that does not exist
    ├── Conflict                   409  a state that forbids the change (event.conflict, ...)
    ├── AuthError                  401  missing or invalid key
    │   └── Forbidden              403  the key's role may not do this
    └── EngineError                503  the graph engine cannot be started or reached
"""

from __future__ import annotations

from typing import Any


class TeamgraphError(Exception):
    status = 400

    def __init__(
        self,
        code: str,
        message: str,
        *,
        rule: str | None = None,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.rule = rule
        self.field = field
        self.extra = extra or {}
        self.params = params or {}
        """The values the message names (``{"rate_bp": 6000}``), so a UI can say it in its own
        language (teamgraph.dashboards.messages); not part of the API's error body."""

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "rule": self.rule, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        body.update(self.extra)
        return body

    def reason(self) -> str:
        """One line for a report (an import's rejects): rule, code, message."""
        rule = f"{self.rule} " if self.rule else ""
        return f"{rule}{self.code}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r}, rule={self.rule!r})"


class ValidationError(TeamgraphError):
    status = 422


class NotFound(TeamgraphError):
    status = 404


class Conflict(TeamgraphError):
    status = 409


class AuthError(TeamgraphError):
    status = 401


class Forbidden(AuthError):
    status = 403


class EngineError(TeamgraphError):
    status = 503
