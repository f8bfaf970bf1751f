"""The ``t1dtrial`` command line: parse arguments, call one library function, print.

Each command group lives in its own ``_<group>.py`` module and is registered
here. Library imports happen inside the command functions so that
``t1dtrial --help`` does not load pandas, statsmodels or DuckDB.

Errors the user can fix (:class:`~t1dtrial.errors.InputError`,
:class:`~t1dtrial.errors.ProtocolError`) are printed one per line on stderr
with exit code 2; anything else is a fault of ours and exits with 1. An
:class:`~t1dtrial.errors.EstimationError` is never the user's to fix: the
analysis turns it into a "not estimable" row, so one that reaches the CLI is
a fault of ours (one line on stderr, exit code 1).
"""

from __future__ import annotations

import sys
import warnings

from ._app import app, set_invocation
from . import _protocol, _data, _store, _simulate, _derive, _analysis, _design  # noqa: F401  (register commands)
from . import _power_assurance, _power_scenario  # noqa: F401  (register power assurance, scenario)

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (0 done, 2 input/protocol wrong, 1 our fault)."""
    from ..errors import EstimationError, T1DTrialError

    set_invocation(sys.argv[1:] if argv is None else list(argv))
    shown, warnings.showwarning = warnings.showwarning, _show_warning
    try:
        app(args=argv, prog_name="t1dtrial")
    except SystemExit as exc:  # click ends every run, usage errors included, this way
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except EstimationError as exc:
        print(f"internal error (please report it): an estimate failed outside the analysis "
              f"that should have reported it as not estimable: {exc}", file=sys.stderr)
        return 1
    except T1DTrialError as exc:
        _print_problems(exc)
        return 2
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 1
    finally:
        warnings.showwarning = shown
    return 0


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning as one line a user reads: ours as they are, a library's with its kind."""
    from ..errors import T1DTrialWarning

    text = " ".join(str(message).split())
    if not issubclass(category, T1DTrialWarning):
        text = f"{category.__name__}: {text}"
    print(f"warning: {text}", file=file or sys.stderr)


def _print_problems(exc: Exception) -> None:
    problems = getattr(exc, "problems", None)
    if not problems:
        print(f"error: {exc}", file=sys.stderr)
        return
    errors = [p for p in problems if p.severity == "error"]
    records = sum(p.count for p in errors)
    if len(errors) > 1 or records > 1:
        within = f" (in {records} rows)" if records != len(errors) else ""
        print(f"error: {len(errors)} problem(s){within} must be fixed:", file=sys.stderr)
    else:
        print("error:", file=sys.stderr)
    for p in errors:
        print(f"  {p}", file=sys.stderr)


def _entry() -> None:  # pragma: no cover - console script
    """The ``t1dtrial`` console script: a process of its own, tuned for one run.

    Python's cyclic garbage collector runs a young-generation pass every 700
    new container objects; an analysis makes millions (pandas frames, fitted
    models), and the passes cost about a tenth of the demo while finding
    little. The script makes them 100 times rarer. When the command is done
    and its output flushed, the process ends at once (``os._exit``): every
    file has been written and closed, so tearing down the interpreter's
    objects one by one (half a second after an analysis) would only delay
    the prompt.
    """
    import gc
    import os

    gc.set_threshold(70_000, 10, 10)
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a reader that went away (``| head``): nothing more to say
        pass
    os._exit(code)
