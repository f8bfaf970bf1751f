"""t1dtrial: run, analyse and simulate beta-cell preservation trials in type 1 diabetes.

Heavy libraries are imported lazily by the modules that need them, so that
``import t1dtrial`` and ``t1dtrial --help`` stay fast.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
