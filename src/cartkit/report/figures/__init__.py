"""Publication figures; the only part of cartkit that imports matplotlib.

Every function takes result objects or DataFrames and returns a :class:`matplotlib.figure.Figure`
built with the object API on an Agg canvas: nothing is shown and no pyplot state is touched.
:func:`save_figure` writes it as PNG and SVG (:mod:`.parallel` draws many in worker processes).
"""

from .ckmodel import (
    ckmodel_cwres_figure,
    ckmodel_gof_figure,
    ckmodel_individual_figure,
    ckmodel_vpc_figure,
)
from .forest import forest_figure
from .kinetics import kinetics_figure
from .save import save_figure
from .scatter import scatter_figure
from .survival import cif_figure, km_figure

__all__ = [
    "cif_figure",
    "ckmodel_cwres_figure",
    "ckmodel_gof_figure",
    "ckmodel_individual_figure",
    "ckmodel_vpc_figure",
    "forest_figure",
    "kinetics_figure",
    "km_figure",
    "save_figure",
    "scatter_figure",
]
