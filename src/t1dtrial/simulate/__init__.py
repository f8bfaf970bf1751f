"""Simulation of beta-cell preservation trials: a calibrated generative model.

Patient data of the reference study are not public; this module builds its
synthetic twin, calibrated to every published aggregate, and simulates any
protocol file in the input contract (with ``truth.csv`` for testing the
derivations, and optional realistic export faults).

- :class:`ModelParameters` — every parameter with unit and source;
- :func:`simulate_cohort` — vectorised model, many trials at once (arrays);
- :func:`simulate_trial`, :func:`simulate_to_folder` — one trial as contract tables / a folder;
- :func:`calibrate` — model against the published targets over many trials;
- :func:`find_published_seed` — the seed of the packaged synthetic twin.

Examples
--------
>>> from t1dtrial.simulate import simulate_trial
>>> sim = simulate_trial("lu2021", seed=1)
>>> sorted(sim.tables)
['adverse_events', 'infusions', 'insulin_free', 'measurements', 'subjects']
"""

from .calibration import TARGETS, CalibrationResult, CalibrationTarget, calibrate, trial_statistics
from .cohort import Cohort, simulate_cohort
from .endpoints import RemissionRule, remission_flags, remission_rule
from .messy import inject_faults
from .parameters import ModelParameters
from .tables import TRUTH_COLUMNS, contract_tables, truth_table
from .trial import SimulatedTrial, parse_arm_sizes, simulate_to_folder, simulate_trial, write_tables
from .twin import PUBLISHED_COUNTS, find_published_seed, matches_published, published_checks

__all__ = [
    "ModelParameters", "Cohort", "simulate_cohort", "SimulatedTrial", "simulate_trial",
    "simulate_to_folder", "write_tables", "parse_arm_sizes", "contract_tables", "truth_table",
    "TRUTH_COLUMNS", "inject_faults", "RemissionRule", "remission_rule", "remission_flags",
    "CalibrationTarget", "CalibrationResult", "TARGETS", "calibrate", "trial_statistics",
    "PUBLISHED_COUNTS", "published_checks", "matches_published", "find_published_seed",
]
