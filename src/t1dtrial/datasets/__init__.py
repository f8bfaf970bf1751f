"""Datasets packaged with t1dtrial.

``lu2021`` is the SYNTHETIC twin of the reference study (Lu et al. 2021): one
trial simulated by :mod:`t1dtrial.simulate` whose headline counts equal the
published ones exactly (11/27 MSC participants in remission at 12 months,
3 MSC participants insulin-free for 3 to 12 months and none in control,
33 adult-onset and 20 juvenile-onset participants). It is not patient data.
Its folder holds the input-contract CSV files, ``truth.csv``,
``simulation.json`` (seed and model parameters) and a README saying how it
was generated and chosen.

Examples
--------
>>> (lu2021_path() / "subjects.csv").is_file()
True
>>> trial = load_lu2021()
>>> len(trial.subjects)
53
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ..data import Trial

__all__ = ["lu2021_path", "load_lu2021", "LU2021_SEED"]

#: Seed of the packaged twin: ``t1dtrial simulate --protocol lu2021 --seed 8348`` rewrites it.
LU2021_SEED = 8348


def lu2021_path() -> Path:
    """Folder of the packaged synthetic twin of the reference study.

    Examples
    --------
    >>> lu2021_path().name
    'lu2021'
    """
    return Path(str(resources.files(__name__) / "lu2021"))


def load_lu2021() -> "Trial":
    """The packaged synthetic twin, validated and in canonical units, as a :class:`~t1dtrial.data.Trial`.

    Returns
    -------
    Trial
        Loaded with :func:`t1dtrial.data.load_folder` and the ``lu2021`` protocol.

    Examples
    --------
    >>> trial = load_lu2021()
    >>> sorted(trial.subjects["arm"].unique())
    ['CONTROL', 'MSC']
    """
    from ..data import load_folder
    from ..protocol import load_protocol

    return load_folder(lu2021_path(), load_protocol("lu2021"))
