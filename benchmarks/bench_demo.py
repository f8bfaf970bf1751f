"""`t1dtrial demo` against importing the libraries it stands on, and where its time goes.

Target (issue: report): the demo (analysis of the packaged synthetic twin,
figures, output folder and report) takes at most 3x the time Python needs to
import ``pandas, scipy.stats, statsmodels.api, matplotlib.pyplot``. Both run
as fresh processes, interleaved so that both see the same machine load; the
medians and their ratio are printed. A second part runs the demo once in
this process and says where its time goes: importing the libraries and the
package's modules, checking the output folder and loading the twin (pandera
is imported there, for the validation), each step of the analysis plan (the
``progress`` callback of :func:`t1dtrial.report.run.demo_to_folder`), the
figures (matplotlib is imported there) and the writing.

Run: ``.venv/bin/python benchmarks/bench_demo.py`` (``--repeats 5`` for more runs,
``--no-breakdown`` for the ratio alone).
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 3.0
IMPORTS = "import pandas, scipy.stats, statsmodels.api, matplotlib.pyplot"
#: What the demo imports before its first step, in order; each line of the breakdown is what
#: that import adds to the ones above it (the libraries first, then the package's modules).
MODULES = ("numpy", "pandas", "scipy.stats", "t1dtrial.cli", "t1dtrial.protocol", "t1dtrial.data",
           "t1dtrial.derive", "t1dtrial.stats", "t1dtrial.analysis", "t1dtrial.datasets",
           "t1dtrial.report.run", "t1dtrial.report.figures")


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def ratio(repeats: int, out: Path) -> float:
    """Median wall times of the imports and of the demo, fresh processes; the ratio."""
    imports, demo = [], []
    for _ in range(repeats):  # interleaved: both see the same machine load
        imports.append(_time([sys.executable, "-c", IMPORTS]))
        demo.append(_time([sys.executable, "-m", "t1dtrial", "demo", "--out", str(out),
                           "--overwrite"]))
    b, d = statistics.median(imports), statistics.median(demo)
    print(f"imports (baseline)   median {b:6.2f} s   runs {', '.join(f'{t:.2f}' for t in imports)}")
    print(f"t1dtrial demo        median {d:6.2f} s   runs {', '.join(f'{t:.2f}' for t in demo)}")
    print(f"ratio                {d / b:6.2f}x   target <= {TARGET:.1f}x"
          + ("" if d / b <= TARGET else "   ABOVE TARGET"))
    return d / b


def breakdown(out: Path) -> None:
    """One demo in this process: seconds of each import and step, wall and CPU."""
    rows: list[tuple[str, float, float]] = []
    for name in MODULES:
        w, c = time.perf_counter(), time.process_time()
        importlib.import_module(name)
        rows.append((f"import {name}", time.perf_counter() - w, time.process_time() - c))
    from t1dtrial.report.run import demo_to_folder

    mark = [time.perf_counter(), time.process_time(), "check the output folder, load the twin"]

    def step(name: str) -> None:
        w, c = time.perf_counter(), time.process_time()
        rows.append((mark[2], w - mark[0], c - mark[1]))
        mark[:] = [w, c, name]

    demo_to_folder(out, overwrite=True, progress=step)
    step("")
    total_w, total_c = sum(r[1] for r in rows), sum(r[2] for r in rows)
    analysis = sum(r[1] for r in rows if r[0].startswith("analysing"))
    print(f"\nwhere the time goes (one run in this process; {total_w:.2f} s wall, "
          f"{total_c:.2f} s CPU; analysis {analysis:.2f} s wall)")
    print(f"{'wall s':>7} {'cpu s':>7}  step")
    for name, w, c in rows:
        print(f"{w:7.3f} {c:7.3f}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-breakdown", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ratio(args.repeats, Path(tmp) / "demo")
        if not args.no_breakdown:
            breakdown(Path(tmp) / "in-process")


if __name__ == "__main__":
    main()
