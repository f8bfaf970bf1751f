"""The derivation log: records read, selected, excluded and flagged, per rule, with reasons.

Two tidy tables:

- the log, one row a (dataset, rule, parameter, outcome, reason) with its count ``n``;
- the exclusions, one row an input record that did not enter a dataset, with
  its table, position (SRCSEQ, 0-based), source row and reason.

Together with the datasets they account for every input record.

Examples
--------
>>> LOG_COLUMNS
['dataset', 'rule', 'param', 'outcome', 'n', 'reason']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..protocol import Protocol
from ..protocol.adam_names import EPISODE_PARAMCD
from ..protocol.populations import protocol_populations
from ._records import lab_exclusions
from ._common import ady_to_rel, codes_of, group_codes
from ._adeff import response_status
from ._episodes import episode_status

__all__ = ["LOG_COLUMNS", "EXCLUSION_COLUMNS", "derivation_log", "derivation_exclusions"]

LOG_COLUMNS = ["dataset", "rule", "param", "outcome", "n", "reason"]
EXCLUSION_COLUMNS = ["table", "SRCSEQ", "SRCROW", "subject_id", "detail", "reason"]


def _counts(df: pd.DataFrame, dataset: str, rule: str, outcome: str, by: list[str],
            reason: str | None = None) -> list[dict]:
    if df.empty:
        return []
    grouped = df.groupby(by, sort=True, dropna=False).size()
    rows = []
    for key, n in grouped.items():
        key = key if isinstance(key, tuple) else (key,)
        values = dict(zip(by, key))
        rows.append({"dataset": dataset, "rule": rule, "param": values.get("param", ""),
                     "outcome": values.get("outcome", outcome), "n": int(n),
                     "reason": values.get("reason", reason or "")})
    return rows


def _row(dataset: str, rule: str, outcome: str, n: int, reason: str, param: str = "") -> dict:
    return {"dataset": dataset, "rule": rule, "param": param, "outcome": outcome, "n": int(n),
            "reason": reason}


def _tally(dataset: str, rule: str, fixed_outcome: str, mask: np.ndarray, text: str = "",
           **columns: object) -> list[dict]:
    """Counts of the rows in ``mask`` by the given columns (param, reason, outcome).

    ``text`` is the reason when no ``reason`` column is given.
    """
    if not mask.any():
        return []
    key = np.zeros(int(mask.sum()), dtype=np.int64)
    names = []
    for values in columns.values():
        subset = pd.Series(values).array[mask] if not isinstance(values, np.ndarray) \
            else values[mask]
        codes, uniques = codes_of(pd.Series(subset))
        key = key * (len(uniques) + 1) + codes
        names.append((codes, uniques))
    _, first, counts = np.unique(key, return_index=True, return_counts=True)
    rows = []
    for i, n in zip(first, counts):
        values = {k: ("" if u[c[i]] is None or u[c[i]] != u[c[i]] else str(u[c[i]]))
                  for k, (c, u) in zip(columns, names)}
        rows.append({"dataset": dataset, "rule": rule, "param": values.get("param", ""),
                     "outcome": values.get("outcome", fixed_outcome), "n": int(n),
                     "reason": values.get("reason", text)})
    return rows


def _adlb_rows(measurements: pd.DataFrame, excluded: pd.DataFrame, adlb: pd.DataFrame,
               protocol: Protocol) -> list[dict]:
    rows = [_row("ADLB", "records read", "read", len(measurements), "rows of measurements")]
    rows += _counts(excluded.rename(columns={"param": "param_"}), "ADLB", "record check",
                    "excluded", ["reason"])
    param = adlb["PARAMCD"]
    measured = (adlb["PARAMTYP"] != "DERIVED").to_numpy(dtype=bool)
    anl = (adlb["ANL01FL"] == "Y").to_numpy(dtype=bool)
    abl = (adlb["ABLFL"] == "Y").to_numpy(dtype=bool)
    rows.append(_row("ADLB", "records kept", "selected", int(measured.sum()),
                     "measurement records in ADLB, one row each"))
    rows += _tally("ADLB", "analysis record (ANL01FL)", "selected", measured & anl,
                   "one record per subject, parameter and visit", param=param)
    rel = ady_to_rel(adlb["ADY"]).to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        why = np.select(
            [(adlb["AVISIT"] == protocol.baseline_visit).to_numpy(dtype=bool), rel <= 0],
            [1, 2], default=3)
    texts = ["", "baseline visit: not the last value on or before day 0",
             "post-baseline visit dated on or before day 0",
             "another record of the same subject, parameter and visit was chosen "
             "(inside the window, nearest the nominal day, latest)"]
    rows += _tally("ADLB", "analysis record (ANL01FL)", "not selected", measured & ~anl,
                   param=param, reason=np.array(texts, dtype=object)[why])
    rows += _tally("ADLB", "visit window", "flagged",
                   measured & (adlb["OUTWINFL"] == "Y").to_numpy(dtype=bool),
                   "date outside the recorded visit's window (kept, OUTWINFL = Y)", param=param)
    rows += _tally("ADLB", "below detection limit", "imputed",
                   measured & (adlb["DTYPE"] != "").to_numpy(dtype=bool),
                   param=param, reason=adlb["DTYPE"])
    rows += _tally("ADLB", "baseline (ABLFL)", "flagged", measured & abl,
                   "last value on or before day 0", param=param)
    groups = group_codes(adlb["USUBJID"], param)
    present, first = np.unique(groups[measured], return_index=True)
    has_base = np.isin(present, groups[measured & abl])
    first_rows = np.flatnonzero(measured)[first[~has_base]]
    no_base = np.zeros(len(adlb), dtype=bool)
    no_base[first_rows] = True
    rows += _tally("ADLB", "baseline (ABLFL)", "missing", no_base,
                   "subjects with records but no value on or before day 0", param=param)
    rows += _tally("ADLB", "derived parameter", "derived", ~measured, param=param,
                   reason=adlb["PARAM"])
    rows += _meal_test_rows(adlb, protocol)
    rows += _tally("ADLB", "percent change (PCHG)", "undefined",
                   (adlb["PCHGREAS"] != "").to_numpy(dtype=bool), param=param,
                   reason=adlb["PCHGREAS"])
    return rows


def _meal_test_rows(adlb: pd.DataFrame, protocol: Protocol) -> list[dict]:
    from ..data.contract import meal_test_minute

    minutes = protocol.meal_test.minutes
    if len(minutes) < 2:
        return []
    codes = [c for c in adlb["PARAMCD"].unique() if meal_test_minute(str(c)) in minutes]
    if not codes:
        return []
    mask = (adlb["PARAMCD"].isin(codes) & (adlb["ANL01FL"] == "Y")).to_numpy(dtype=bool)
    per_visit = pd.Series(group_codes(adlb["USUBJID"], adlb["AVISIT"])[mask]).value_counts()
    incomplete = int((per_visit < len(minutes)).sum())
    if not incomplete:
        return []
    return [_row("ADLB", "derived parameter", "not derived", incomplete,
                 f"meal test incomplete: fewer than the {len(minutes)} samples at minutes "
                 f"{minutes}", "CPAUC")]


def _adsl_rows(subjects: pd.DataFrame, adsl: pd.DataFrame, protocol: Protocol) -> list[dict]:
    rows = [_row("ADSL", "subjects read", "read", len(subjects), "rows of subjects")]
    rules = {p.code: p.rule for p in protocol.populations}
    if protocol.eligibility and "ELIGFL" in adsl.columns:
        rows.append(_row("ADSL", "ELIGFL", "selected", int((adsl["ELIGFL"] == "Y").sum()),
                         "every eligibility criterion met"))
        out = adsl.loc[adsl["ELIGFL"] != "Y"].rename(columns={"ELIGREAS": "reason"})
        rows += _counts(out, "ADSL", "ELIGFL", "protocol deviation (kept)", ["reason"])
    for pop in protocol_populations(protocol):  # the standard four, then the protocol's own
        flag, code, why = pop.flag, pop.code, pop.reason_column
        rows.append(_row("ADSL", flag, "selected", int((adsl[flag] == "Y").sum()),
                         rules.get(code, "")))
        if why:
            out = adsl.loc[adsl[flag] != "Y"].rename(columns={why: "reason"})
            rows += _counts(out, "ADSL", flag, "excluded", ["reason"])
    rows += _counts(adsl.rename(columns={"EOSSTT": "outcome", "DCSREAS": "reason"}), "ADSL",
                    "end of study status (EOSSTT)", "", ["outcome", "reason"])
    unknown = adsl.loc[adsl["CUMDOSE"].isna()]
    if len(unknown):
        rows.append(_row("ADSL", "cumulative dose (CUMDOSE)", "undefined", len(unknown),
                         "an infusion has neither cells_per_kg nor total_cells with a weight, or "
                         "its products are reported separately (CUMD<product>)"))
    for column in [sg.flag for sg in protocol.subgroups if sg.flag in adsl.columns]:
        n = int((adsl[column] == "").sum())
        if n:
            rows.append(_row("ADSL", column, "undefined", n,
                             "a column of the subgroup's expression is missing"))
    return rows


def _adeff_rows(adeff: pd.DataFrame, episodes: pd.DataFrame,
                data_cut: pd.Timestamp) -> list[dict]:
    status = response_status(adeff)
    rows = _tally("ADEFF", "endpoint at its assessment visit", "",
                  (adeff["ANL01FL"] == "Y").to_numpy(dtype=bool), param=adeff["PARAMCD"],
                  outcome=pd.Series(status, index=adeff.index), reason=adeff["REASON"])
    episodes = episodes[["SRCDOM", "CNSR"]]
    episodes = episodes.assign(
        reason="from " + episodes["SRCDOM"].astype(str)
        + np.where(episodes["CNSR"] == 1, "; ongoing at the data cut (CNSR = 1)", "; ended"),
        param=EPISODE_PARAMCD)
    rows += _counts(episodes, "ADTTE", "insulin-free episodes", "derived", ["param", "reason"])
    rows.append(_row("ADTTE", "data cut", "info", 0,
                     f"data cut {pd.Timestamp(data_cut).date() if pd.notna(data_cut) else 'none'}"
                     " (ongoing episodes are censored there)"))
    return rows


def _adae_rows(adverse_events: pd.DataFrame, adae: pd.DataFrame) -> list[dict]:
    rows = [_row("ADAE", "records read", "read", len(adverse_events), "rows of adverse_events")]
    rows += _counts(adae.assign(outcome=np.where(adae["TRTEMFL"] == "Y", "flagged",
                                                 "not flagged")),
                    "ADAE", "treatment-emergent (TRTEMFL)", "", ["outcome"],
                    "onset on or after day 0 (first infusion, else enrolment)")
    uncoded = adae.loc[adae["AECODED"] == "N"].assign(reason=lambda d: "term not in the "
                                                      "dictionary: " + d["AETERM"].astype(str))
    rows += _counts(uncoded, "ADAE", "term coding (AEDECOD)", "uncoded", ["reason"])
    no_sev = adae.loc[adae["AESEV"] == ""]
    if len(no_sev):
        rows.append(_row("ADAE", "severity (AESEV)", "undefined", len(no_sev),
                         "severity neither mild/moderate/severe nor a grade 1-5"))
    return rows


def derivation_exclusions(measurements: pd.DataFrame, subjects: pd.DataFrame,
                          infusions: pd.DataFrame, adverse_events: pd.DataFrame,
                          insulin_free: pd.DataFrame, protocol: Protocol,
                          data_cut: pd.Timestamp, *, adlb: pd.DataFrame | None = None
                          ) -> pd.DataFrame:
    """Input records that enter no dataset, one row each, with the reason.

    Given ``adlb`` (derived from these ``measurements``), only the measurement
    records absent from it are checked again, which is faster on large tables.

    Examples
    --------
    >>> import pandas as pd
    >>> from t1dtrial.protocol import load_protocol
    >>> empty = pd.DataFrame(columns=["subject_id", "infusion_number", "date"])
    >>> m = pd.DataFrame({"subject_id": ["S9"], "visit": ["BL"], "param": ["FCP"], "value": [0.1]})
    >>> s = pd.DataFrame({"subject_id": ["S1"]})
    >>> ae = pd.DataFrame(columns=["subject_id", "term"])
    >>> free = pd.DataFrame(columns=["subject_id", "start_date"])
    >>> x = derivation_exclusions(m, s, empty, ae, free, load_protocol("lu2021"), pd.NaT)
    >>> x[["table", "SRCSEQ", "reason"]].values.tolist()
    [['measurements', 0, 'subject not in the subjects table']]
    """
    frames = []
    if adlb is not None:
        kept = np.zeros(len(measurements), dtype=bool)
        seq = adlb["SRCSEQ"].to_numpy(dtype=float, na_value=np.nan)
        kept[seq[~np.isnan(seq)].astype(np.int64)] = True
        left_out = np.flatnonzero(~kept)
        lab = lab_exclusions(measurements.iloc[left_out], subjects, protocol)
        lab["SRCSEQ"] = left_out[lab["SRCSEQ"].to_numpy(dtype=np.int64)]
    else:
        lab = lab_exclusions(measurements, subjects, protocol)
    if len(lab):
        frames.append(pd.DataFrame({
            "table": "measurements", "SRCSEQ": lab["SRCSEQ"].to_numpy(),
            "SRCROW": lab["SRCROW"].to_numpy(), "subject_id": lab["subject_id"].to_numpy(),
            "detail": (lab["visit"].astype(str) + " " + lab["param"].astype(str)).to_numpy(),
            "reason": lab["reason"].to_numpy()}))
    known = set(subjects["subject_id"].astype(str))
    for name, table, detail in (("infusions", infusions, "infusion_number"),
                                ("adverse_events", adverse_events, "term"),
                                ("insulin_free", insulin_free, "start_date")):
        if table is None or not len(table):
            continue
        reason = np.where(~table["subject_id"].astype(str).isin(known).to_numpy(),
                          "subject not in the subjects table", "")
        if name == "insulin_free":
            status = episode_status(table, data_cut)
            reason = np.where(reason == "", status, reason)
        bad = reason != ""
        if bad.any():
            frames.append(pd.DataFrame({
                "table": name, "SRCSEQ": np.flatnonzero(bad),
                "SRCROW": (table["source_row"].to_numpy()[bad] if "source_row" in table.columns
                           else np.flatnonzero(bad) + 2),
                "subject_id": table["subject_id"].to_numpy()[bad],
                "detail": table[detail].astype(str).to_numpy()[bad] if detail in table.columns
                else "", "reason": reason[bad]}))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="Int64" if c in ("SRCSEQ", "SRCROW") else object)
                             for c in EXCLUSION_COLUMNS})
    out = pd.concat(frames, ignore_index=True)
    out["SRCSEQ"] = out["SRCSEQ"].astype("Int64")
    out["SRCROW"] = pd.array(pd.to_numeric(out["SRCROW"], errors="coerce"), dtype="Int64")
    return out[EXCLUSION_COLUMNS]


def derivation_log(*, measurements: pd.DataFrame, subjects: pd.DataFrame,
                   adverse_events: pd.DataFrame, exclusions: pd.DataFrame, adsl: pd.DataFrame,
                   adlb: pd.DataFrame, adeff: pd.DataFrame, adae: pd.DataFrame,
                   protocol: Protocol, data_cut: pd.Timestamp,
                   episodes: pd.DataFrame) -> pd.DataFrame:
    """The derivation log: counts per dataset, rule, parameter, outcome and reason.

    Outcomes: ``read`` (input rows), ``selected`` (kept, or in a population),
    ``excluded`` (left out, with the reason), ``not selected`` (in ADLB but not
    the analysis record), ``flagged``, ``imputed``, ``derived``, ``undefined``
    (e.g. PCHG with a zero baseline), ``missing`` and the endpoint values
    ``Y``/``N``/``missing``/``excluded`` at each endpoint's assessment visit.
    ``episodes`` are the insulin-free episodes
    (:func:`~t1dtrial.derive.derive_insulin_free_episodes`), counted by source.

    Examples
    --------
    >>> from t1dtrial.datasets import load_lu2021
    >>> from t1dtrial.derive import derive_all
    >>> log = derive_all(load_lu2021()).log
    >>> log.loc[(log.dataset == "ADSL") & (log.outcome == "selected"), ["rule", "n"]].values.tolist()
    [['ENRLFL', 53], ['FASFL', 53], ['PPROTFL', 53], ['SAFFL', 53]]
    """
    lab_excl = exclusions.loc[exclusions["table"] == "measurements"]
    rows = _adlb_rows(measurements, lab_excl, adlb, protocol)
    rows += _adsl_rows(subjects, adsl, protocol)
    rows += _adeff_rows(adeff, episodes, data_cut)
    rows += _adae_rows(adverse_events, adae)
    other = exclusions.loc[exclusions["table"] != "measurements"]
    rows += [dict(r, dataset={"infusions": "ADSL", "adverse_events": "ADAE",
                              "insulin_free": "ADTTE"}[t])
             for t, part in other.groupby("table")
             for r in _counts(part, "", f"{t} record check", "excluded", ["reason"])]
    return pd.DataFrame(rows, columns=LOG_COLUMNS)
