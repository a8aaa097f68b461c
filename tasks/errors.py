"""The few exception types polyledger raises; each carries a message fit for one line of CLI output."""


class PolyledgerError(Exception):
    """Base class: a failure we can explain to the user in one line."""


class ConfigError(PolyledgerError):
    """A setting is wrong (bad URL, bad identifier, missing optional dependency)."""


class InputError(PolyledgerError):
    """User input is wrong: a missing or malformed file, an unknown wallet, bad dates."""


class QueryError(PolyledgerError):
    """A ClickHouse statement failed. `transient` says whether a retry can pass."""

    def __init__(self, message: str, *, transient: bool = False, code: int | None = None):
        super().__init__(message)
        self.transient = transient
        self.code = code


class CheckFailed(PolyledgerError):
    """A validation gate failed; `report` holds the markdown report."""

    def __init__(self, message: str, report: str = ""):
        super().__init__(message)
        self.report = report
