"""DataFrame access to results that used to be DataFrames, for one release.

``ck.logistic`` and ``ck.fine_gray`` returned a DataFrame with the counts in ``.attrs``, and
``ck.gray_test`` a DataFrame of one row per cause; they now return result objects. Until the
next release such an object still answers the DataFrame's API (``res["p_value"]``, ``.loc``,
``.attrs``, ``len``, iteration, any DataFrame method), each time with a DeprecationWarning
that says what to use instead. The whole shim is this module: delete it, and the classes'
``FrameAccess`` base, in the next release.
"""

from __future__ import annotations

import warnings
from typing import Any

__all__ = ["FrameAccess"]


class FrameAccess:
    """Mixin: the old DataFrame of a result, reached through the result with a warning.

    A subclass defines :meth:`_legacy_frame` (the DataFrame the function used to return) and
    ``_LEGACY_MESSAGE`` (what to use instead). The frame is built once per result and kept, so
    old code that adds a column and reads it back still works.
    """

    _LEGACY_MESSAGE = "this result is no longer a DataFrame; use its attributes"

    def _legacy_frame(self):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def _frame(self):
        frame = self.__dict__.get("_legacy_cache")
        if frame is None:
            frame = self._legacy_frame()
            object.__setattr__(self, "_legacy_cache", frame)
        return frame

    def _old_frame(self, stacklevel: int = 3):
        """The old frame, with the warning attributed to the caller ``stacklevel`` frames up."""
        warnings.warn(self._LEGACY_MESSAGE, DeprecationWarning, stacklevel=stacklevel)
        return self._frame()

    def __getattr__(self, name: str) -> Any:
        # only called when normal lookup fails; private and special names (pickle, copy and
        # IPython probe them, before the fields exist when unpickling) are never delegated
        if name.startswith("_") or not self.__dict__:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        import pandas as pd

        if not hasattr(pd.DataFrame, name) and name not in self._frame().columns:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return getattr(self._old_frame(), name)

    def __getitem__(self, key):
        return self._old_frame()[key]

    def __setitem__(self, key, value) -> None:
        self._old_frame()[key] = value

    def __len__(self) -> int:
        return len(self._old_frame())

    def __iter__(self):
        return iter(self._old_frame())

    def __contains__(self, key) -> bool:
        return key in self._old_frame()

    def __bool__(self) -> bool:
        # a result is always true; without this, truth testing would fall back on __len__
        return True
