"""The statistical analysis plan, driven by the protocol: ``analyze(trial) -> Results``.

Algorithm
---------
1. Derive ADSL, ADLB, ADEFF, ADAE and ADTTE (:func:`t1dtrial.derive.derive_all`).
2. Disposition (CONSORT counts) and baseline characteristics by arm.
3. The protocol's ``analysis_plan`` (:mod:`t1dtrial.protocol.plan`; without
   one, the plan its endpoints imply), each analysis through the method
   registry (:mod:`.methods`, run by :mod:`._runner`), each giving a
   :class:`~.result.Result`. The primary analysis fills ``primary_endpoint``
   (per-arm summary) and ``primary_comparison``, whatever the outcome of its
   endpoint; the others the table named by the analysis. The default plan is
   what the package has always run: the primary endpoint at the primary
   visit by arm, overall and in each protocol subgroup (full analysis set),
   with risk difference, odds ratio and the protocol's test for a responder
   (the subgroup x treatment interaction; for arms not randomised the
   covariate-adjusted estimate by standardisation beside the baseline
   balance) or ANCOVA / Hodges-Lehmann for a continuous endpoint; every
   continuous endpoint at every visit (descriptives, Welch, Mann-Whitney/
   Hodges-Lehmann, ANCOVA incl. log(x + 1) for C-peptide) and in the mixed
   model for repeated measures; the other responder endpoints; the
   protocol's multivariable logistic model (Firth when separated or with
   fewer than 10 events per variable); insulin independence (counts,
   episodes, Kaplan-Meier of durations); adverse events by arm (safety
   set); the sensitivity analyses of a responder primary (per-protocol,
   multiple imputation of a missing primary visit, inverse probability of
   treatment weighting). An analysis that cannot be estimated is a row with
   its reason; the rest of the plan runs.
4. Every interval row gets ``conf_level`` (:mod:`._levels`); every p-value
   row a ``multiplicity`` label, and the protocol's procedure over key
   secondary endpoints, if any, its table (:mod:`.multiplicity`).
5. Provenance: package and library versions, protocol hash, input hashes,
   row and participant counts, seed.

Examples
--------
>>> from t1dtrial.datasets import load_lu2021
>>> res = analyze(load_lu2021())
>>> t = res["primary_endpoint"]
>>> t.loc[(t.subgroup == "all") & (t.arm == "MSC"), ["n", "responders"]].values.tolist()
[[27, 11]]
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import TYPE_CHECKING, Callable

import pandas as pd

from ..data.cutoff import apply_cutoff
from ..data.eligibility import protocol_deviations
from ..errors import T1DTrialWarning
from . import _estimable
from ._levels import add_conf_level
from ..protocol.kinds import outcome
from ._runner import attach_tables, run_plan
from .multiplicity import label_tables
from .notes import allocation_notes, input_notes, warning_notes, window_notes
from .provenance import build_provenance
from .results import Results

if TYPE_CHECKING:  # pragma: no cover
    from ..data import Trial

__all__ = ["analyze", "CONTRACT_TABLES"]

#: Tables the output contract (DESIGN.md) requires.
CONTRACT_TABLES = ("baseline_characteristics", "primary_endpoint", "primary_comparison",
                   "secondary_endpoints", "logistic_regression", "adverse_events",
                   "insulin_independence", "disposition")


def analyze(trial: "Trial", *, seed: int | None = None, cutoff: "str | dt.date | None" = None,
            progress: Callable[[str], None] | None = None) -> Results:
    """Run the protocol's analysis plan on a validated trial.

    Parameters
    ----------
    trial : Trial
        From :func:`t1dtrial.data.load_folder` or a store.
    seed : int, optional
        Seed of the stochastic steps (multiple imputation); default the
        protocol's ``analysis.seed``.
    cutoff : str or date, optional
        Clinical data cut-off: records dated after it are left out and counted
        (:func:`t1dtrial.data.apply_cutoff`); ongoing insulin-free episodes are
        censored there. Default: no cut, the latest date in the data.
    progress : callable, optional
        Called with the name of each step as it starts (the CLI shows it).

    Returns
    -------
    Results
        Every table, the ADaM datasets, provenance and notes. An analysis the
        data cannot support is a row marked "not estimable" with the reason
        (:mod:`t1dtrial.analysis._estimable`), listed in the notes; the rest
        of the plan runs.
    """
    from ..derive import derive_all
    from . import baseline, disposition

    protocol = trial.protocol
    level = protocol.analysis.conf_level
    seed = protocol.analysis.seed if seed is None else seed
    step = progress or (lambda name: None)
    notes: list[str] = []
    tables: dict[str, pd.DataFrame] = {}

    cut = None
    if cutoff is not None:
        trial, cut = apply_cutoff(trial, cutoff)
        notes.extend(cut.notes())
    opts = protocol.analysis
    # the adjusted and the weighted estimates exist for a responder primary endpoint only
    responder = outcome(protocol.primary_endpoint) == "responder"
    notes.extend(allocation_notes(
        protocol.design.allocation,
        list(opts.adjustment_covariates or opts.propensity_covariates) if responder else [],
        list(opts.propensity_covariates) if responder else []))
    notes.extend(input_notes(trial.load_log))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", T1DTrialWarning)
        step("derivations")
        derived = derive_all(trial, data_cut=None if cut is None else cut.cutoff.isoformat())
        adsl, adlb = derived.adsl, derived.adlb
        notes.extend(window_notes(adlb, protocol.baseline_visit))

        step("disposition and baseline")
        tables["disposition"] = disposition.disposition(derived, protocol, load_log=trial.load_log,
                                                        conf_level=level)
        if protocol.eligibility:  # eligibility deviations, kept and flagged (data.eligibility)
            tables["protocol_deviations"] = protocol_deviations(trial.subjects,
                                                                trial.measurements, protocol)
        tables["baseline_characteristics"] = baseline.baseline_characteristics(
            derived, protocol, conf_level=level)

        run = run_plan(protocol, derived, seed=seed, progress=step)
        tables.update(run.tables)
        notes.extend(run.notes)
        for name in CONTRACT_TABLES:  # a plan without one still writes its (empty) table
            tables.setdefault(name, pd.DataFrame())

    # every interval row says its level; analyses with achieved levels filled theirs already
    tables = {name: add_conf_level(table, level) for name, table in tables.items()}
    tables = label_tables(tables, protocol)  # nominal p-values; the key secondary family
    attach_tables(run.results, tables)
    notes.extend(warning_notes([w for w in caught if not any(str(w.message) in n for n in notes)]))
    notes.extend(_estimable.notes(tables))

    n_subjects = len(trial.subjects)
    counts_prov = {
        "participants_in": n_subjects,
        "participants_by_arm": adsl["TRT01P"].value_counts().to_dict(),
        "full_analysis_set": int(adsl["FASFL"].eq("Y").sum()),
        "per_protocol_set": int(adsl["PPROTFL"].eq("Y").sum()),
        "safety_set": int(adsl["SAFFL"].eq("Y").sum()),
        "adlb_records": len(adlb),
        "derivation_exclusions": len(derived.exclusions),
    }
    provenance = build_provenance(protocol, load_log=trial.load_log.to_dict(), seed=seed,
                                  counts=counts_prov, source=trial.load_log.source,
                                  data_cutoff=None if cut is None else cut.cutoff,
                                  data_cut=derived.data_cut)
    adam = dict(derived.datasets)
    adam["derivation_log"] = derived.log
    return Results(tables=tables, adam=adam, provenance=provenance, notes=notes,
                   results=run.results)
