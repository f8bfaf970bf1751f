"""Realistic faults of a real export, injected into clean simulated tables.

:func:`inject_faults` takes the contract tables of one simulated trial and
returns them with the faults below, plus a ``faults`` table saying what was
injected where (file, row as a spreadsheet shows it with the header on line
1, column, value), what validation is expected to say (a fragment of the
message; blank when nothing is said), how it is handled, and the correct
value (what the clean export held):

=========================  ==========  =============================================
fault                      handling    what
=========================  ==========  =============================================
cpeptide_pmol_per_l        converted   site S02's laboratory reports C-peptide in pmol/L
hba1c_mmol_per_mol         converted   site S02 reports HbA1c in mmol/mol (IFCC)
missing_baseline           warning     a participant's baseline visit is missing
missing_visit              kept        a follow-up visit is missing (no records)
out_of_window              warning     a visit's records are dated outside its window
withdrawn                  kept        a participant withdrew after a mid-study visit
duplicate_row              excluded    a measurement row exported twice
conflicting_duplicate      error       the same subject, visit, parameter twice, different values
mistyped_visit             error       a visit code typed wrongly (``M06`` for ``M6``)
below_detection            option      ``<0.01`` (below the detection limit), handled by
                                       the protocol's ``analysis.below_detection``
unknown_subject            error       records of a participant missing from subjects.csv
=========================  ==========  =============================================

Examples
--------
>>> from t1dtrial.simulate.trial import simulate_trial
>>> sim = simulate_trial("lu2021", seed=1, messy=True)
>>> sorted(set(sim.faults["handling"]))
['converted', 'error', 'excluded', 'kept', 'option', 'warning']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..protocol import Protocol
from ..protocol.vocabulary import is_cpeptide

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["inject_faults", "FAULT_COLUMNS", "EXPECTED_FRAGMENTS"]

FAULT_COLUMNS = ("fault", "file", "row", "column", "value", "expected_message_fragment", "handling",
                 "correct_value")

#: What validation says about each fault (a fragment of its message or log entry).
EXPECTED_FRAGMENTS = {
    "cpeptide_pmol_per_l": "{param}: pmol/L -> nmol/L",
    "hba1c_mmol_per_mol": "HBA1C: mmol/mol -> %",
    "missing_baseline": "no baseline",
    "missing_visit": "",
    "out_of_window": "outside the window of visit",
    "withdrawn": "",
    "duplicate_row": "the same value is already recorded",
    "conflicting_duplicate": "a different value for the same participant, visit and parameter",
    "mistyped_visit": "visit not in the protocol",
    "below_detection": "",
    "unknown_subject": "not listed in subjects.csv",
}


def _is_cpeptide(param: "pd.Series") -> "pd.Series":
    return param.map(lambda code: isinstance(code, str) and is_cpeptide(code)).astype(bool)


def inject_faults(tables: dict[str, "pd.DataFrame"], protocol: Protocol, *,
                  seed: int | np.random.SeedSequence | None = None
                  ) -> tuple[dict[str, "pd.DataFrame"], "pd.DataFrame"]:
    """Inject the faults of a real export into clean contract tables.

    Parameters
    ----------
    tables : dict of str to DataFrame
        Clean tables from :func:`t1dtrial.simulate.tables.contract_tables`
        (text cells). Not modified.
    protocol : Protocol
        The protocol the tables follow (visits and windows).
    seed : int or SeedSequence, optional
        Which participants and records receive the faults.

    Returns
    -------
    (tables, faults)
        New tables, and the faults table (:data:`FAULT_COLUMNS`).

    Raises
    ------
    ValueError
        If the trial is too small to hold every fault (fewer than 8 participants).
    """
    import pandas as pd

    g = np.random.default_rng(seed)
    subjects = tables["subjects"].copy()
    meas = tables["measurements"].copy()
    infusions = tables["infusions"].copy()
    adverse = tables["adverse_events"].copy()
    insulin_free = tables["insulin_free"].copy()
    if len(subjects) < 8:
        raise ValueError(f"The 'tables' parameter must hold at least 8 participants to inject "
                         f"every fault. Got {len(subjects)} instead.")
    meas["_fault"] = ""
    meas["_correct"] = ""
    visits = protocol.visit_codes
    base = protocol.baseline_visit
    follow = [v for v in visits if v != base]
    mid = follow[len(follow) // 2] if follow else base
    # distinct participants for the record-level faults (none with an insulin-free episode)
    free_ids = set(insulin_free["subject_id"])
    pool = [s for s in subjects["subject_id"] if s not in free_ids]
    site = subjects.set_index("subject_id")["site"]
    pool_s01 = [s for s in pool if site[s] == "S01"]
    picks = list(g.permutation(pool))

    def take(prefer: list[str] | None = None) -> str:
        for s in (prefer or []) + picks:
            if s in picks:
                picks.remove(s)
                return s
        raise ValueError("not enough participants to inject every fault")

    arms_infused = [a.code for a in protocol.arms if a.receives_infusions]
    treated = list(subjects.loc[subjects["arm"].isin(arms_infused), "subject_id"])
    withdrawn_id = take(list(g.permutation(treated)) if treated else None)
    # record-level faults go to site S01, whose laboratory reports canonical units
    s01 = list(g.permutation(pool_s01))
    baseline_id, visit_id, window_id, dup_id, conflict_id, typo_id = (take(s01) for _ in range(6))
    fcp = meas[meas["param"].eq("FCP") & meas["visit"].ne(base)]
    lowest = pd.to_numeric(fcp["value"]).groupby(fcp["subject_id"]).min().sort_values(kind="stable")
    lod_id = take([sid for sid in lowest.index if sid in set(s01)])

    # withdrawn after the mid-study visit: later records removed
    mid_date = meas.loc[(meas["subject_id"] == withdrawn_id) & (meas["visit"] == mid), "date"]
    w_date = (pd.Timestamp(mid_date.iloc[0]) + pd.Timedelta(days=10)).strftime("%Y-%m-%d") \
        if len(mid_date) else subjects.loc[subjects["subject_id"] == withdrawn_id, "enrolment_date"].iloc[0]
    later = (meas["subject_id"] == withdrawn_id) & (meas["date"] > w_date)
    meas = meas[~later]
    infusions = infusions[~((infusions["subject_id"] == withdrawn_id) & (infusions["date"] > w_date))]
    adverse = adverse[~((adverse["subject_id"] == withdrawn_id) & (adverse["onset_date"] > w_date))]
    adverse.loc[(adverse["subject_id"] == withdrawn_id) & (adverse["end_date"] > w_date),
                "end_date"] = w_date
    w_row = subjects["subject_id"] == withdrawn_id
    subjects.loc[w_row, ["status", "withdrawal_date", "withdrawal_reason"]] = \
        ["withdrawn", w_date, "withdrew consent"]

    # missing baseline visit and a missing follow-up visit
    meas = meas[~((meas["subject_id"] == baseline_id) & (meas["visit"] == base))]
    miss_visit = follow[-2] if len(follow) >= 2 else (follow[0] if follow else base)
    meas = meas[~((meas["subject_id"] == visit_id) & (meas["visit"] == miss_visit))]

    # out of window: the mid-study visit of one participant dated after its window
    v = protocol.visit(mid)
    nxt = [w for w in protocol.visits if w.day > v.day]
    shift_day = v.latest + 5 if not nxt or v.latest + 5 < nxt[0].earliest else v.latest + 1
    day0 = _day0(subjects, infusions, window_id)
    new_date = (day0 + pd.Timedelta(days=int(shift_day))).strftime("%Y-%m-%d")
    sel = (meas["subject_id"] == window_id) & (meas["visit"] == mid)
    meas.loc[sel, "_correct"] = meas.loc[sel, "date"]
    meas.loc[sel, "date"] = new_date
    meas.loc[sel, "_fault"] = "out_of_window"

    # two laboratories: site S02 reports C-peptide in pmol/L and HbA1c in mmol/mol
    s02 = meas["subject_id"].map(site).eq("S02")
    cp = s02 & _is_cpeptide(meas["param"])
    meas.loc[cp, "_correct"] = meas.loc[cp, "value"]
    meas.loc[cp, "value"] = (pd.to_numeric(meas.loc[cp, "value"]) * 1000).round().astype(int).astype(str)
    meas.loc[cp, "unit"] = "pmol/L"
    meas.loc[cp, "_fault"] = meas.loc[cp, "_fault"].where(meas.loc[cp, "_fault"] != "",
                                                          "cpeptide_pmol_per_l")
    hb = s02 & meas["param"].eq("HBA1C")
    meas.loc[hb, "_correct"] = meas.loc[hb, "value"]
    meas.loc[hb, "value"] = (10.929 * (pd.to_numeric(meas.loc[hb, "value"]) - 2.15)).round() \
        .astype(int).astype(str)
    meas.loc[hb, "unit"] = "mmol/mol"
    meas.loc[hb, "_fault"] = meas.loc[hb, "_fault"].where(meas.loc[hb, "_fault"] != "",
                                                          "hba1c_mmol_per_mol")

    # below the detection limit: the lowest fasting C-peptide of one S01 participant
    rows = meas.index[(meas["subject_id"] == lod_id) & meas["param"].eq("FCP")
                      & meas["visit"].ne(base)]
    if len(rows):
        r = pd.to_numeric(meas.loc[rows, "value"]).idxmin()
        meas.loc[r, ["_correct", "value", "unit", "_fault"]] = [meas.loc[r, "value"], "<0.01",
                                                               "nmol/L", "below_detection"]

    # a mistyped visit code
    r = _one(meas, typo_id, follow[0] if follow else base, "FCP")
    typo = _mistype(meas.loc[r, "visit"], visits)
    meas.loc[r, ["_correct", "visit", "_fault"]] = [meas.loc[r, "visit"], typo, "mistyped_visit"]

    # an exact duplicate row and a conflicting duplicate, each right after its original
    extra = []
    r = _one(meas, dup_id, follow[0] if follow else base, "HBA1C")
    dup = meas.loc[[r]].copy()
    dup["_fault"] = "duplicate_row"
    dup["_correct"] = "(remove the row)"
    extra.append((r, dup))
    r = _one(meas, conflict_id, follow[-1] if follow else base, "WEIGHT")
    con = meas.loc[[r]].copy()
    con["_correct"] = con["value"]
    con["value"] = f"{float(con['value'].iloc[0]) + 2.0:.1f}"
    con["_fault"] = "conflicting_duplicate"
    extra.append((r, con))
    # records of a participant missing from subjects.csv (a sample registered at the lab only)
    ghost = meas.loc[meas["visit"].eq(base) & _is_cpeptide(meas["param"])
                     & meas["unit"].eq("nmol/L")].iloc[:2].copy()
    prefix = str(subjects["subject_id"].iloc[0]).rsplit("-", 1)[0]
    ghost["subject_id"] = f"{prefix}-999"
    ghost["_fault"] = "unknown_subject"
    ghost["_correct"] = "(a subject_id of subjects.csv)"
    meas = _insert_after(meas, extra)
    meas = pd.concat([meas, ghost], ignore_index=True)

    faults = _faults_table(meas, subjects, withdrawn_id, baseline_id, visit_id, miss_visit,
                           w_date, base)
    out = {"subjects": subjects.reset_index(drop=True),
           "measurements": meas.drop(columns=["_fault", "_correct"]).reset_index(drop=True),
           "infusions": infusions.reset_index(drop=True),
           "adverse_events": adverse.reset_index(drop=True),
           "insulin_free": insulin_free.reset_index(drop=True)}
    return out, faults


def _day0(subjects: "pd.DataFrame", infusions: "pd.DataFrame", subject_id: str) -> "pd.Timestamp":
    import pandas as pd

    dates = infusions.loc[infusions["subject_id"] == subject_id, "date"]
    if len(dates):
        return pd.Timestamp(min(dates))
    return pd.Timestamp(subjects.loc[subjects["subject_id"] == subject_id, "enrolment_date"].iloc[0])


def _one(meas: "pd.DataFrame", subject_id: str, visit: str, param: str):
    sel = meas.index[(meas["subject_id"] == subject_id) & (meas["visit"] == visit)
                     & (meas["param"] == param) & (meas["_fault"] == "")]
    if not len(sel):
        sel = meas.index[(meas["subject_id"] == subject_id) & (meas["_fault"] == "")]
    return sel[0]


def _mistype(code: str, visits: list[str]) -> str:
    """A plausible typing error of a visit code that is not itself a visit code."""
    head, digits = code.rstrip("0123456789"), code[len(code.rstrip("0123456789")):]
    for candidate in (f"{head}0{digits}" if digits else f"{code}0", code.lower(), f"{code} ", f"{code}X"):
        if candidate.strip() not in visits and candidate not in visits:
            return candidate
    return f"{code}X"


def _insert_after(meas: "pd.DataFrame", extra: list) -> "pd.DataFrame":
    import pandas as pd

    order = pd.Series(np.arange(len(meas), dtype=float), index=meas.index)
    parts = [meas.assign(_order=order.to_numpy())]
    for r, rows in extra:
        parts.append(rows.assign(_order=order[r] + 0.5))
    return (pd.concat(parts).sort_values("_order", kind="stable").drop(columns="_order")
            .reset_index(drop=True))


def _faults_table(meas, subjects, withdrawn_id, baseline_id, visit_id, miss_visit, w_date,
                  base) -> "pd.DataFrame":
    import pandas as pd

    line = pd.Series(np.arange(len(meas)) + 2, index=meas.index)
    rows = []
    hit = meas[meas["_fault"] != ""]
    column = {"cpeptide_pmol_per_l": "value", "hba1c_mmol_per_mol": "value", "out_of_window": "date",
              "below_detection": "value", "mistyped_visit": "visit", "duplicate_row": "value",
              "conflicting_duplicate": "value", "unknown_subject": "subject_id"}
    handling = {"cpeptide_pmol_per_l": "converted", "hba1c_mmol_per_mol": "converted",
                "out_of_window": "warning", "below_detection": "option", "mistyped_visit": "error",
                "duplicate_row": "excluded", "conflicting_duplicate": "error",
                "unknown_subject": "error"}
    for idx, rec in hit.iterrows():  # a few hundred fault records at most
        kind = rec["_fault"]
        col = column[kind]
        rows.append({"fault": kind, "file": "measurements.csv", "row": int(line[idx]),
                     "column": col, "value": rec[col] if col else "",
                     "expected_message_fragment":
                         EXPECTED_FRAGMENTS[kind].format(param=rec["param"]),
                     "handling": handling[kind], "correct_value": rec["_correct"]})
    srow = pd.Series(np.arange(len(subjects)) + 2, index=subjects["subject_id"].to_numpy())
    rows.append({"fault": "missing_baseline", "file": "subjects.csv", "row": int(srow[baseline_id]),
                 "column": "subject_id", "value": baseline_id,
                 "expected_message_fragment": EXPECTED_FRAGMENTS["missing_baseline"],
                 "handling": "warning", "correct_value": "(the baseline records)"})
    rows.append({"fault": "missing_visit", "file": "measurements.csv", "row": "",
                 "column": "visit", "value": f"{visit_id} {miss_visit}",
                 "expected_message_fragment": "", "handling": "kept",
                 "correct_value": "(the visit's records)"})
    rows.append({"fault": "withdrawn", "file": "subjects.csv", "row": int(srow[withdrawn_id]),
                 "column": "status", "value": "withdrawn",
                 "expected_message_fragment": "", "handling": "kept", "correct_value": ""})
    return pd.DataFrame(rows, columns=list(FAULT_COLUMNS))
