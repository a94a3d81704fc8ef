"""The Study: a study's tables, as read, validated or simulated."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pandas as pd


@dataclass(frozen=True)
class Study:
    """The tables of one study, keyed by lower-case table name (``patients``, ``events``, ...).

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        One DataFrame per table, with the columns of the study data format.
    source : str, optional
        Where the study came from (a path, or ``"simulated"``), for messages and provenance.
    """

    tables: Mapping[str, pd.DataFrame]
    source: str | None = None
    metadata: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "tables", MappingProxyType(dict(self.tables)))
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def __contains__(self, name: object) -> bool:
        return name in self.tables

    @property
    def patient_ids(self) -> list[str]:
        """The patient identifiers, in the order of the patients table."""
        return self.tables["patients"]["patient_id"].astype(str).tolist()

    def write(self, path, format: str = "csv") -> list:
        """Write the tables to ``path`` in ``format``; return the paths written.

        Parameters
        ----------
        path : str or Path
            A folder for ``csv`` and ``parquet`` (one file per table); an ``.xlsx`` file for
            ``xlsx`` (one sheet per table).
        format : {"csv", "xlsx", "parquet"}
            Output format. Written studies read back identical with :func:`cartkit.read_study`.

        Raises
        ------
        cartkit.io.atomic.OutputError
            When a target is one of the files this study was read from.
        """
        from .io.writers import write_tables

        inputs = self.metadata.get("files", {})
        return write_tables(self.tables, path, format, inputs=list(inputs))

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}={len(v)}" for k, v in self.tables.items())
        return f"Study({sizes}; source={self.source!r})"
