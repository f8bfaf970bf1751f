"""The ``Results`` of an analysis: named tidy tables plus provenance, written whole or not at all.

Writing follows the rules of :mod:`t1dtrial.outputs` (a marked folder, never
over what the user made).

Examples
--------
>>> import pandas as pd, tempfile, pathlib
>>> res = Results(tables={"primary_endpoint": pd.DataFrame({"arm": ["MSC"], "n": [27]})},
...               provenance={"package_version": "0.1.0"})
>>> out = pathlib.Path(tempfile.mkdtemp()) / "out"
>>> _ = res.write(out)
>>> sorted(p.name for p in (out / "tables").iterdir())
['primary_endpoint.csv']
>>> Results.from_folder(out).tables["primary_endpoint"]["n"].tolist()
[27]
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from ..outputs import write_output
from .result import Result

__all__ = ["Results"]


@dataclass
class Results:
    """Every table of an analysis, by name, with the datasets and provenance behind them.

    Attributes
    ----------
    tables : dict of str to DataFrame
        Tidy tables named as in the output contract (``primary_endpoint``,
        ``primary_comparison``, ...). Numbers are unrounded.
    adam : dict of str to DataFrame
        The derived datasets (``adsl``, ``adlb``, ``adeff``, ``adae``).
    provenance : dict
        Package version, protocol hash, input hashes, row counts, seed, time.
    notes : list of str
        Warnings and methodological notes a reader must see (e.g. Firth used).
    files : dict of str to bytes
        Further files to write, by path relative to the output folder (the
        report and its figures, :func:`t1dtrial.report.write.render_report`).
    results : list of Result
        One :class:`~t1dtrial.analysis.result.Result` a planned analysis, in
        plan order; their tables are rows of :attr:`tables`, their metadata
        are written to ``results.json``.
    """

    tables: dict[str, pd.DataFrame]
    adam: dict[str, pd.DataFrame] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    results: list[Result] = field(default_factory=list)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def write(self, out: str | os.PathLike, *, overwrite: bool = False,
              inputs: Iterable[str | os.PathLike] = ()) -> Path:
        """Write ``tables/*.csv``, ``adam/*.csv``, ``provenance.json``, ``notes.txt`` and :attr:`files`.

        The folder is written whole or not at all, with the marker of an
        analysis output (:func:`t1dtrial.outputs.write_output`).

        Parameters
        ----------
        out : path
            A new path, an empty folder, or (with ``overwrite``) a previous
            t1dtrial analysis output.
        overwrite : bool
            Replace a previous analysis output.
        inputs : iterable of paths
            The data folder or store the results come from; never written over.

        Returns
        -------
        Path of the folder written (absolute).

        Raises
        ------
        InputError
            When ``out`` is refused (see :func:`t1dtrial.outputs.check_output_folder`).
        """
        def build(tmp: Path) -> None:
            (tmp / "tables").mkdir()
            for name, df in self.tables.items():
                df.to_csv(tmp / "tables" / f"{name}.csv", index=False)
            if self.adam:
                (tmp / "adam").mkdir()
                for name, df in self.adam.items():
                    df.to_csv(tmp / "adam" / f"{name}.csv", index=False)
            (tmp / "provenance.json").write_text(
                json.dumps(self.provenance, indent=2, default=str, sort_keys=True) + "\n",
                encoding="utf-8")
            if self.results:
                (tmp / "results.json").write_text(json.dumps(
                    [r.metadata() for r in self.results], indent=2, default=str) + "\n",
                    encoding="utf-8")
            if self.notes:
                (tmp / "notes.txt").write_text("\n".join(self.notes) + "\n", encoding="utf-8")
            for relative, content in self.files.items():
                path = tmp / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)

        return write_output(out, "analysis", build, overwrite=overwrite, inputs=inputs)

    @classmethod
    def from_folder(cls, out: str | Path) -> "Results":
        """Read back a folder written by :meth:`write` (for reports)."""
        out = Path(out)
        tables = {p.stem: _read_table(p) for p in sorted((out / "tables").glob("*.csv"))}
        adam = {p.stem: _read_table(p) for p in sorted((out / "adam").glob("*.csv"))}
        prov_path = out / "provenance.json"
        provenance = json.loads(prov_path.read_text(encoding="utf-8")) if prov_path.exists() else {}
        notes_path = out / "notes.txt"
        notes = notes_path.read_text(encoding="utf-8").splitlines() if notes_path.exists() else []
        results_path = out / "results.json"
        results = [Result.from_metadata(meta, tables) for meta in
                   json.loads(results_path.read_text(encoding="utf-8"))] \
            if results_path.exists() else []
        return cls(tables=tables, adam=adam, provenance=provenance, notes=notes, results=results)


def _read_table(path: Path) -> pd.DataFrame:
    """A written table; one the plan left empty (no columns, an empty file) reads as empty."""
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
