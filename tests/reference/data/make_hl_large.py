"""Write ``hl_large.csv``: large samples for the Hodges-Lehmann intervals (``hl_large.R``).

Run once (the output is committed):
``python tests/reference/data/make_hl_large.py``.

Long format, one row a value: ``SAMPLE`` names the sample, ``VALUE`` is the
value as text. SYNTHETIC values, nothing here is patient data:

- ``x``, ``y``: 2,000 values each, normal (0.25, 1.0) and (0, 1.2), rounded
  to 2 decimals, so with many ties within and across the samples;
- ``z``: 4,000 values, normal (0.15, 1.0), rounded to 2 decimals (ties, and
  values equal to 0 and to 0.1, which the signed-rank test drops);
- ``u``, ``v``: 300 and 240 values, normal (0.2, 1.0) and (0, 1.0), written
  with 17 significant digits (the doubles exactly; no ties).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent


def samples(seed: int = 20261127) -> dict[str, list[str]]:
    rng = np.random.default_rng(seed)
    def two(v: np.ndarray) -> list[str]:
        return [f"{w:.2f}" for w in np.round(v, 2) + 0.0]  # + 0.0: no "-0.00"

    def full(v: np.ndarray) -> list[str]:
        return [f"{w:.17g}" for w in v]

    return {"x": two(rng.normal(0.25, 1.0, 2000)), "y": two(rng.normal(0.0, 1.2, 2000)),
            "z": two(rng.normal(0.15, 1.0, 4000)), "u": full(rng.normal(0.2, 1.0, 300)),
            "v": full(rng.normal(0.0, 1.0, 240))}


def write(path: Path = HERE / "hl_large.csv") -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["SAMPLE", "VALUE"])
        for name, values in samples().items():
            out.writerows([name, v] for v in values)


if __name__ == "__main__":
    write()
