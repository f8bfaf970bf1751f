"""Simulate one trial and write it as a data folder of the input contract.

Examples
--------
>>> import tempfile, pathlib
>>> sim = simulate_trial("lu2021", seed=5)
>>> sim.tables["subjects"].shape[0]
53
>>> out = sim.write(pathlib.Path(tempfile.mkdtemp()) / "trial")
>>> sorted(p.name for p in out.iterdir())[:3]
['.t1dtrial-output.json', 'adverse_events.csv', 'infusions.csv']
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from ..errors import InputError, Problem
from ..outputs import check_output_folder, write_output
from ..protocol import Protocol, load_protocol, protocol_hash
from .cohort import Cohort, check_seed, simulate_cohort
from .parameters import ModelParameters
from .tables import contract_tables, truth_table

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["SimulatedTrial", "simulate_trial", "simulate_to_folder", "write_tables", "parse_arm_sizes",
           "CONTRACT_FILES"]

#: Files of the input contract, in the order they are written.
CONTRACT_FILES = ("subjects", "measurements", "infusions", "adverse_events", "insulin_free")
_DISCLAIMER = ("SYNTHETIC data simulated by t1dtrial.simulate; not patient data. "
               "Calibrated to published aggregates of the reference study only.")


@dataclass(frozen=True)
class SimulatedTrial:
    """One simulated trial: contract tables, truth, and (with ``messy``) the faults injected.

    Attributes
    ----------
    protocol : Protocol
    seed : int
        The seed that reproduces this trial (entropy drawn when none was given).
    tables : dict of str to DataFrame
        ``subjects``, ``measurements``, ``infusions``, ``adverse_events``,
        ``insulin_free`` as text cells (what a data capture system exports).
    truth : DataFrame
        One row a participant (:data:`t1dtrial.simulate.tables.TRUTH_COLUMNS`).
    faults : DataFrame or None
        With ``messy=True``: fault, file, row, column, value,
        expected_message_fragment, handling.
    cohort : Cohort
        The arrays behind the tables.
    options : dict
        The options the trial was simulated with (written to ``simulation.json``).
    """

    protocol: Protocol
    seed: int
    tables: dict[str, "pd.DataFrame"]
    truth: "pd.DataFrame"
    cohort: Cohort = field(repr=False)
    faults: "pd.DataFrame | None" = None
    options: dict[str, Any] = field(default_factory=dict)

    def write(self, out: str | Path, *, overwrite: bool = False) -> Path:
        """Write the data folder (see :func:`write_tables`) and return its path."""
        extra = {"truth": self.truth}
        if self.faults is not None:
            extra["faults"] = self.faults
        meta = {"synthetic": True, "note": _DISCLAIMER, "generator": "t1dtrial.simulate",
                "protocol": self.protocol.id, "protocol_sha256": protocol_hash(self.protocol),
                "seed": self.seed, **self.options,
                "parameters": {k: v for k, v in self.cohort.params.table()[["name", "value"]]
                               .itertuples(index=False)}}
        return write_tables(self.tables, out, extra=extra, meta=meta, overwrite=overwrite)


def write_tables(tables: Mapping[str, "pd.DataFrame"], out: str | Path, *,
                 extra: Mapping[str, "pd.DataFrame"] | None = None,
                 meta: Mapping[str, Any] | None = None, overwrite: bool = False) -> Path:
    """Write tables as ``<name>.csv`` (UTF-8, ``\\n`` line ends) in a folder, whole or not at all.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Contract tables.
    out : str or Path
        Folder to write: a new path, an empty folder, or (with ``overwrite``)
        a previous simulated trial written by t1dtrial.
    extra : mapping, optional
        More tables (``truth``, ``faults``) written the same way.
    meta : mapping, optional
        Written as ``simulation.json`` (sorted keys; no time stamp, so the
        same seed gives the same bytes).
    overwrite : bool
        Replace a previous simulated trial (:func:`t1dtrial.outputs.write_output`).

    Returns
    -------
    Path of the folder written (absolute).

    Raises
    ------
    InputError
        When ``out`` is refused (see :func:`t1dtrial.outputs.check_output_folder`).
    """
    def build(tmp: Path) -> None:
        for name, frame in {**dict(tables), **dict(extra or {})}.items():
            frame.to_csv(tmp / f"{name}.csv", index=False, lineterminator="\n", encoding="utf-8")
        if meta is not None:
            (tmp / "simulation.json").write_text(json.dumps(_plain(meta), indent=2, sort_keys=True)
                                                 + "\n", encoding="utf-8")

    return write_output(out, "simulated", build, overwrite=overwrite)


def _plain(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    return x


def simulate_trial(
    protocol: Protocol | str = "lu2021",
    *,
    seed: int | None = None,
    n_per_arm: Mapping[str, int] | int | None = None,
    adult_fraction: float | None = None,
    dropout_per_year: float | None = None,
    missed_visit_probability: float | None = None,
    messy: bool = False,
    params: ModelParameters | None = None,
) -> SimulatedTrial:
    """Simulate one trial of a protocol in the input contract.

    Parameters
    ----------
    protocol : Protocol or str
        A protocol, a packaged name (``"lu2021"``) or a YAML path.
    seed : int, optional
        Seed; the same seed and options give byte-identical files. Without
        one, fresh entropy is drawn and recorded in :attr:`SimulatedTrial.seed`.
    n_per_arm : int or mapping, optional
        Participants per arm; default the protocol's ``planned_n`` (20 if none).
    adult_fraction : float, optional
        Probability of adult onset (age >= 18); default 33/53 as in the seed study.
    dropout_per_year : float, optional
        Rate of withdrawal or loss to follow-up; default 0.
    missed_visit_probability : float, optional
        Probability that a post-baseline visit is missed; default 0.
    messy : bool
        Inject realistic export faults and list them in :attr:`SimulatedTrial.faults`
        (see :mod:`t1dtrial.simulate.messy`). Simulated with two sites.
    params : ModelParameters, optional
        Model parameters; the options above override theirs.

    Returns
    -------
    SimulatedTrial

    Examples
    --------
    >>> sim = simulate_trial("nasli2015", seed=1, n_per_arm=10)
    >>> sorted(set(sim.tables["subjects"]["arm"]))
    ['MSC']
    """
    protocol = load_protocol(protocol)
    params = params or ModelParameters()
    if not isinstance(params, ModelParameters):
        raise TypeError(f"The 'params' parameter must be a ModelParameters. "
                        f"Got {type(params).__name__} instead.")
    changes: dict[str, float] = {}
    for name, value, low, high in (("adult_onset_fraction", adult_fraction, 0.0, 1.0),
                                   ("dropout_per_year", dropout_per_year, 0.0, 100.0),
                                   ("missed_visit_probability", missed_visit_probability, 0.0, 1.0)):
        if value is None:
            continue
        arg = {"adult_onset_fraction": "adult_fraction"}.get(name, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise InputError([Problem(arg, None, None, value, "out of range",
                                      f"a number from {low:g} to {high:g}")])
        changes[name] = float(value)
    if messy:
        changes["n_sites"] = max(2, int(params.n_sites))
    params = params.replace(**changes) if changes else params
    ss = np.random.SeedSequence(check_seed(seed))
    cohort_seed, messy_seed = ss.spawn(2)
    cohort = simulate_cohort(protocol, n_per_arm=n_per_arm, params=params, seed=cohort_seed)
    tables = contract_tables(cohort)
    truth = truth_table(cohort)
    faults = None
    if messy:
        from .messy import inject_faults

        tables, faults = inject_faults(tables, protocol, seed=messy_seed)
    options = {"n_per_arm": {c: int((cohort.arm == i).sum()) for i, c in enumerate(cohort.arm_codes)},
               "messy": bool(messy), **{k: v for k, v in changes.items()}}
    return SimulatedTrial(protocol=protocol, seed=int(ss.entropy), tables=tables, truth=truth,
                          cohort=cohort, faults=faults, options=options)


def parse_arm_sizes(text: str | None) -> dict[str, int] | int | None:
    """Parse ``"30"`` or ``"MSC=27,CONTROL=26"`` (command-line form of ``n_per_arm``).

    Raises
    ------
    InputError
        If the text is neither form.

    Examples
    --------
    >>> parse_arm_sizes("MSC=27, CONTROL=26"), parse_arm_sizes("30")
    ({'MSC': 27, 'CONTROL': 26}, 30)
    """
    if text is None or not str(text).strip():
        return None
    text = str(text).strip()
    bad = InputError([Problem("--n-per-arm", None, None, text, "cannot read the numbers per arm",
                              "a number for every arm (30) or ARM=N pairs (MSC=27,CONTROL=26)")])
    digits = re.compile(r"[0-9]+")
    if digits.fullmatch(text):
        return int(text)
    sizes: dict[str, int] = {}
    for part in text.split(","):
        code, sep, number = part.partition("=")
        if not sep or not digits.fullmatch(number.strip()) or not code.strip():
            raise bad
        sizes[code.strip()] = int(number.strip())
    return sizes


def simulate_to_folder(
    out: str | Path,
    protocol: Protocol | str = "lu2021",
    *,
    seed: int | None = None,
    n_per_arm: Mapping[str, int] | int | str | None = None,
    adult_fraction: float | None = None,
    dropout_per_year: float | None = None,
    missed_visit_probability: float | None = None,
    messy: bool = False,
    match_published: bool = False,
    overwrite: bool = False,
) -> SimulatedTrial:
    """Simulate one trial and write its data folder (the ``t1dtrial simulate`` command).

    Parameters
    ----------
    out : str or Path
        Folder to write: new, empty, or (with ``overwrite``) a previous simulated trial.
    protocol, seed, n_per_arm, adult_fraction, dropout_per_year, missed_visit_probability, messy
        As :func:`simulate_trial`; ``n_per_arm`` may be text such as ``"MSC=27,CONTROL=26"``.
    match_published : bool
        Use the first seed from ``seed`` (default 0) upward whose trial reproduces
        the seed study's headline counts (:func:`t1dtrial.simulate.twin.find_published_seed`);
        only with the default numbers and options.
    overwrite : bool
        Replace a previous simulated trial written by t1dtrial.

    Returns
    -------
    SimulatedTrial

    Examples
    --------
    >>> import tempfile, pathlib
    >>> sim = simulate_to_folder(pathlib.Path(tempfile.mkdtemp()) / "t", "lu2021", seed=2)
    >>> (sim.seed, len(sim.tables["subjects"]))
    (2, 53)
    """
    if isinstance(n_per_arm, str):
        n_per_arm = parse_arm_sizes(n_per_arm)
    seed = check_seed(seed)
    check_output_folder(out, "simulated", overwrite=overwrite)  # fail before simulating
    if match_published:
        changed = [name for name, v in (("--n-per-arm", n_per_arm), ("--adult-fraction", adult_fraction),
                                        ("--dropout", dropout_per_year),
                                        ("--missed-visit", missed_visit_probability)) if v is not None]
        if changed:
            raise InputError([Problem("--match-published", None, None, ", ".join(changed),
                                      "the published counts are matched with the default options only",
                                      "--match-published without these options")])
        from .twin import find_published_seed

        seed = find_published_seed(protocol, start=seed or 0)
    sim = simulate_trial(protocol, seed=seed, n_per_arm=n_per_arm, adult_fraction=adult_fraction,
                         dropout_per_year=dropout_per_year,
                         missed_visit_probability=missed_visit_probability, messy=messy)
    sim.write(out, overwrite=overwrite)
    return sim
