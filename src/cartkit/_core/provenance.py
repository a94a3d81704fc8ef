"""Provenance: what produced a result, so it can be reproduced.

No clock time is recorded: the same inputs, settings and versions give byte-identical files.
"""

from __future__ import annotations

import platform
from importlib import metadata

#: the libraries whose versions can change a number
LIBRARIES = ("numpy", "scipy", "pandas", "statsmodels", "openpyxl", "pyarrow", "pyreadstat")


def versions() -> dict[str, str]:
    """Versions of cartkit, Python and the numerical libraries."""
    out = {"cartkit": _version("cartkit"), "python": platform.python_version()}
    out.update({lib: _version(lib) for lib in LIBRARIES})
    return out


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        if name == "cartkit":
            from .version import __version__

            return __version__
        return "not installed"


def provenance(study, settings: dict | None = None) -> dict:
    """Inputs (file names and SHA-256 hashes), versions and settings of an analysis."""
    files = dict(study.metadata.get("files", {}))
    return {
        "source": study.source,
        "input_files": {str(k): v for k, v in sorted(files.items())},
        "versions": versions(),
        "settings": dict(sorted((settings or {}).items())),
    }
