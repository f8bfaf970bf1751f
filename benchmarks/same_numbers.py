"""Did a change to make the analysis faster change any number? Dump every table, compare two dumps.

``dump OUT.pkl`` pickles every table of ``analyze(load_lu2021())`` (the
results' tables, the ADaM datasets, the notes, each result's metadata and
parts); ``compare A.pkl B.pkl`` compares two dumps with
``pandas.testing.assert_frame_equal``: exactly, else to 1e-12 relative (said
per table), else different (exit status 1). Dump on the main branch and on a
change, in the same environment::

    git stash; .venv/bin/python benchmarks/same_numbers.py dump /tmp/before.pkl; git stash pop
    .venv/bin/python benchmarks/same_numbers.py dump /tmp/after.pkl
    .venv/bin/python benchmarks/same_numbers.py compare /tmp/before.pkl /tmp/after.pkl

When a change renames things (a PARAMCD, a column), ``--rename OLD=NEW`` (repeatable)
renames them in the first dump before comparing: column names, and every whole
word OLD in text cells, notes and metadata, so that only numbers are compared::

    ... compare /tmp/before.pkl /tmp/after.pkl --rename REMISSION=REMISS
"""

from __future__ import annotations

import argparse
import pickle
import re
import sys
from typing import Any

import pandas as pd


def dump(path: str) -> None:
    """Pickle everything ``analyze`` returns for the packaged twin that a reader sees."""
    from t1dtrial.analysis import analyze
    from t1dtrial.datasets import load_lu2021

    res = analyze(load_lu2021())
    parts = [{"table": r.table, "by_arm": r.by_arm, "comparison": r.comparison,
              "companions": r.companions, "notes": r.notes, "method": r.method,
              "footnotes": r.footnotes} for r in res.results]
    with open(path, "wb") as f:
        pickle.dump({"tables": res.tables, "adam": res.adam, "notes": res.notes,
                     "results": [r.metadata() for r in res.results], "parts": parts}, f)


def _frames(name: str, a: pd.DataFrame | None, b: pd.DataFrame | None) -> str:
    """``""`` when equal, ``"close"`` within 1e-12 relative, else what differs."""
    if a is None or b is None:
        return "" if a is None and b is None else "one is missing"
    try:
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        return ""
    except AssertionError:
        pass
    try:
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12, atol=0)
        return "close"
    except AssertionError as exc:
        return str(exc)[:400]


def _renamed(obj: Any, pattern: re.Pattern | None, names: dict[str, str]) -> Any:
    """``obj`` (a dump or part of one) with every whole word of ``names`` renamed."""
    if pattern is None:
        return obj
    if isinstance(obj, str):
        return pattern.sub(lambda m: names[m.group(0)], obj)
    if isinstance(obj, pd.DataFrame):
        out = obj.rename(columns=lambda c: _renamed(c, pattern, names))
        for column in out.columns:
            if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
                out[column] = out[column].map(lambda v: _renamed(v, pattern, names),
                                              na_action="ignore").astype(out[column].dtype)
        return out
    if isinstance(obj, dict):
        return {_renamed(k, pattern, names): _renamed(v, pattern, names) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_renamed(v, pattern, names) for v in obj)
    return obj


def compare(path_a: str, path_b: str, renames: dict[str, str] | None = None) -> int:
    """Print every difference; the exit status: 0 equal (or within 1e-12), 1 different."""
    with open(path_a, "rb") as fa, open(path_b, "rb") as fb:
        a, b = pickle.load(fa), pickle.load(fb)
    names = renames or {}
    pattern = (re.compile(r"\b(" + "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
                          + r")\b") if names else None)
    a = _renamed(a, pattern, names)
    pairs = [(f"{kind}/{k}", a[kind].get(k), b[kind].get(k))
             for kind in ("tables", "adam") for k in sorted(a[kind].keys() | b[kind].keys())]
    for i, (pa, pb) in enumerate(zip(a["parts"], b["parts"])):
        pairs += [(f"result {i} {key}", pa[key], pb[key]) for key in ("table", "by_arm", "comparison")]
        pairs += [(f"result {i} {k}", pa["companions"].get(k), pb["companions"].get(k))
                  for k in sorted(pa["companions"].keys() | pb["companions"].keys())]
    different = close = 0
    for name, x, y in pairs:
        verdict = _frames(name, x, y)
        if verdict == "close":
            close += 1
            print(f"within 1e-12, not exact: {name}")
        elif verdict:
            different += 1
            print(f"DIFFERENT: {name}: {verdict}")
    for key in ("notes", "results"):
        if a[key] != b[key]:
            different += 1
            print(f"DIFFERENT: {key}")
    texts = [(i, k) for i, (pa, pb) in enumerate(zip(a["parts"], b["parts"]))
             for k in ("notes", "method", "footnotes") if pa[k] != pb[k]]
    for i, k in texts:
        different += 1
        print(f"DIFFERENT: result {i} {k}")
    print(f"{len(pairs)} tables compared: {len(pairs) - close - different} identical, "
          f"{close} within 1e-12, {different} different")
    return 1 if different else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("dump").add_argument("out")
    both = sub.add_parser("compare")
    both.add_argument("a")
    both.add_argument("b")
    both.add_argument("--rename", action="append", default=[], metavar="OLD=NEW",
                      help="rename OLD (a whole word) to NEW in the first dump before comparing")
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.out)
    else:
        sys.exit(compare(args.a, args.b, dict(r.split("=", 1) for r in args.rename)))


if __name__ == "__main__":
    main()
