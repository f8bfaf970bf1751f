"""``t1dtrial analyze`` at 100, 1,000 and 10,000 participants: time, peak memory, growth.

Target (issue: analysis at scale): 10,000 participants exit 0, take at most
12 times what 1,000 take in the same run, and peak under 4 GiB. Each size is
simulated with the packaged protocol (``t1dtrial simulate --n-per-arm N/2
--seed 1``, not timed; then one untimed warm-up run), then analysed by
``t1dtrial analyze`` in a process of its own: wall time, and peak resident
memory from ``os.wait4`` (the largest of the process and the children it
forked and waited for). Then one more run, of ``--profile-size``
participants in a single process (the plan's analyses not forked, so the
profile sees them all), profiled with cProfile: the five functions with the
most time of their own, and their share of the run. Run:
``.venv/bin/python benchmarks/bench_scaling.py`` (about 10 minutes on the
2-core machine); ``--sizes 100,1000`` for a quick look.
"""

from __future__ import annotations

import argparse
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_RATIO, GOAL_GIB = 12.0, 4.0

#: Runs ``t1dtrial analyze`` in this process under cProfile, the plan not forked.
PROFILED = """
import cProfile, sys
import t1dtrial._fork
t1dtrial._fork.cpus = lambda: 1
from t1dtrial.cli import main
sys.argv = ["t1dtrial", "analyze"] + sys.argv[1:]
profile = cProfile.Profile()
profile.enable()
code = main()
profile.disable()
profile.dump_stats(PROFILE_OUT)
sys.exit(code)
"""


def _t1dtrial(*args: str) -> list[str]:
    return [sys.executable, "-m", "t1dtrial", *args]


def simulate(participants: int, folder: Path) -> None:
    """Simulate a trial of ``participants`` (half an arm) with the packaged protocol."""
    subprocess.run(_t1dtrial("simulate", "--protocol", "lu2021", "--seed", "1", "--n-per-arm",
                             str(participants // 2), "--out", str(folder)),
                   check=True, stdout=subprocess.DEVNULL)


def measure(command: list[str]) -> tuple[int, float, float]:
    """Run ``command``: (exit status, wall seconds, peak resident GiB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        print(proc.stderr.read().decode(errors="replace")[-600:], file=sys.stderr)
    proc.stderr.close()
    return proc.returncode, seconds, usage.ru_maxrss / 2 ** 20  # kB -> GiB


def top_functions(stats_file: Path, count: int = 5) -> tuple[float, list[tuple[str, float, float]]]:
    """Profiled seconds and the ``count`` functions with most own time (name, own, cumulative)."""
    st = pstats.Stats(str(stats_file))
    rows = []
    for (path, line, name), (_, _, own, cum, _) in st.stats.items():  # type: ignore[attr-defined]
        where = name if path == "~" else f"{Path(path).name}:{line}({name})"
        rows.append((where, own, cum))
    rows.sort(key=lambda r: -r[1])
    return st.total_tt, rows[:count]  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000",
                        help="participants, comma separated (default 100,1000,10000)")
    parser.add_argument("--profile-size", type=int, default=1000,
                        help="participants of the profiled run (0: none; default 1000)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench_scaling_") as tmp:
        root = Path(tmp)
        for n in sizes:
            simulate(n, root / f"data{n}")
        # warm-up, not timed: the first run after a change compiles the package's modules
        measure(_t1dtrial("analyze", str(root / f"data{sizes[0]}"), "--protocol", "lu2021",
                          "--out", str(root / "warm-up")))
        table = []
        for n in sizes:
            code, seconds, gib = measure(_t1dtrial("analyze", str(root / f"data{n}"), "--protocol",
                                                   "lu2021", "--out", str(root / f"out{n}")))
            table.append((n, code, seconds, gib))
            print(f"  {n:>6} participants: exit {code}, {seconds:7.1f} s, {gib:5.2f} GiB",
                  flush=True)
        print("\nparticipants   analyze   peak memory   time growth   memory growth")
        for i, (n, code, seconds, gib) in enumerate(table):
            grow = (f"{seconds / table[i - 1][2]:9.1f}x   {gib / table[i - 1][3]:11.1f}x"
                    if i else f"{'':>10}   {'':>12}")
            note = "" if code == 0 else f"   (exit {code})"
            print(f"{n:>12}   {seconds:6.1f} s   {gib:7.2f} GiB   {grow}{note}")
        by_n = {n: (code, seconds, gib) for n, code, seconds, gib in table}
        if 1000 in by_n and 10000 in by_n:
            code, seconds, gib = by_n[10000]
            ratio = seconds / by_n[1000][1]
            ok = code == 0 and ratio <= GOAL_RATIO and gib < GOAL_GIB
            print(f"\n10,000 vs 1,000: exit {code}, time {ratio:.1f}x (goal <= {GOAL_RATIO:g}x), "
                  f"peak {gib:.2f} GiB (goal < {GOAL_GIB:g} GiB): "
                  + ("goals met" if ok else "GOALS NOT MET"))
        if args.profile_size:
            n = args.profile_size
            if not (root / f"data{n}").exists():
                simulate(n, root / f"data{n}")
            out = root / "profile.pstats"
            code = PROFILED.replace("PROFILE_OUT", repr(str(out)))
            status, seconds, _ = measure([sys.executable, "-c", code, str(root / f"data{n}"),
                                          "--protocol", "lu2021", "--out",
                                          str(root / f"profiled{n}")])
            total, top = top_functions(out)
            print(f"\nwhere the time goes: {n} participants in one process, profiled "
                  f"(exit {status}, {seconds:.1f} s, {total:.1f} s profiled); "
                  "top five by own time")
            print(f"{'own s':>8} {'share':>6} {'cumulative s':>13}  function")
            for where, own, cum in top:
                print(f"{own:8.2f} {own / total:6.1%} {cum:13.2f}  {where}")


if __name__ == "__main__":
    main()
