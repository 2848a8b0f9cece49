"""Errors raised for input the segmentation cannot use, with messages that say what to change."""

from __future__ import annotations

import os

#: Set to 1 to see the Python traceback behind a SegmentationInputError (or run dbt --debug).
DEBUG_ENV = "SEGMENTS_DEBUG"


def debug_enabled() -> bool:
    """True when tracebacks of user-facing errors are wanted: SEGMENTS_DEBUG=1 or dbt --debug."""
    flag = os.environ.get(DEBUG_ENV, "") or os.environ.get("DBT_DEBUG", "")
    if flag.strip().lower() not in ("", "0", "false", "no"):
        return True
    try:  # inside a dbt run (Python models run in-process on DuckDB): dbt --debug
        from dbt.flags import get_flags

        return bool(getattr(get_flags(), "DEBUG", False))
    except Exception:  # no dbt, or its flags not set: not debugging
        return False


class SegmentationInputError(ValueError):
    """The customer features (or a var) cannot be segmented as given.

    Raised instead of letting scikit-learn fail deep inside a fit, so a dbt run
    shows one readable line: what is wrong, the counts involved and the var to change.

    dbt-duckdb reports a failed Python model with ``traceback.format_exception``, which would
    put a stack trace of the library in front of that line. The message is the whole story
    here, so unless debugging is on (``SEGMENTS_DEBUG=1`` or ``dbt --debug``) the exception
    shows no traceback and no chained cause: the report is
    ``SegmentationInputError: <message>``. The interpreter still records the traceback; only
    what formatting code reads is hidden.
    """

    @property
    def __traceback__(self):  # type: ignore[override]
        real = BaseException.__traceback__.__get__(self)
        return real if debug_enabled() else None

    @__traceback__.setter
    def __traceback__(self, value) -> None:
        BaseException.__traceback__.__set__(self, value)

    @property
    def __cause__(self):  # type: ignore[override]
        real = BaseException.__cause__.__get__(self)
        return real if debug_enabled() else None

    @__cause__.setter
    def __cause__(self, value) -> None:
        BaseException.__cause__.__set__(self, value)

    @property
    def __suppress_context__(self) -> bool:  # type: ignore[override]
        return BaseException.__suppress_context__.__get__(self) or not debug_enabled()

    @__suppress_context__.setter
    def __suppress_context__(self, value: bool) -> None:
        BaseException.__suppress_context__.__set__(self, value)
