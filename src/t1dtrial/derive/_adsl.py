"""ADSL, the subject-level analysis dataset: one row a subject.

Built in steps, each a small function adding columns to a copy:
demographics and subgroups (:func:`derive_vars_demog`), exposure
(:func:`derive_vars_exposure`), baselines from ADLB (:func:`derive_vars_baseline`),
disposition (:func:`derive_vars_disposition`), eligibility (ELIGFL, ELIGREAS:
:mod:`t1dtrial.data.eligibility`) and the population flags evaluated from the
protocol's rules (:func:`derive_vars_popfl`). :func:`derive_adsl` runs them in that order.

Examples
--------
>>> import pandas as pd
>>> from t1dtrial.protocol import load_protocol
>>> s = pd.DataFrame({"subject_id": ["S1"], "arm": ["CONTROL"], "sex": ["F"],
...     "age_at_onset": [16.0], "diagnosis_date": pd.to_datetime(["2019-07-01"]),
...     "enrolment_date": pd.to_datetime(["2020-01-01"]), "weight_kg": [55.0]})
>>> i = pd.DataFrame(columns=["subject_id", "infusion_number", "date", "cells_per_kg"])
>>> a = derive_vars_demog(s, load_protocol("lu2021"))
>>> a[["USUBJID", "TRT01P", "ONSETGR", "SGADONFL", "DURDIAG"]].values.tolist()
[['S1', 'CONTROL', 'juvenile', 'N', 184]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..protocol import Expression, Protocol
from ..protocol.vocabulary import is_cpeptide
from ._common import as_dates, check_frame, check_protocol, codes_of, with_text_columns
from ._populations import _has_primary_record, derive_population_flags, derive_vars_eligibility

__all__ = [
    "derive_vars_demog",
    "derive_vars_exposure",
    "derive_vars_baseline",
    "derive_vars_disposition",
    "derive_vars_popfl",
    "derive_adsl",
    "infusion_received",
    "is_cpeptide",
]

_SUBJECT_COLUMNS = ["subject_id", "arm", "sex", "age_at_onset", "diagnosis_date",
                    "enrolment_date", "weight_kg"]

#: Baselines always present in ADSL (NaN when a subject has none).
CORE_BASELINES = ("FCP", "PCP", "HBA1C", "INSDOSE")


def _column(df: pd.DataFrame, name: str, default: object = None) -> pd.Series:
    if name in df.columns:
        return df[name]
    return pd.Series([default] * len(df), index=df.index, dtype=object)


def _flag_text(values: pd.Series) -> np.ndarray:
    return np.where(values.to_numpy(dtype=bool), "Y", "N")


def derive_vars_demog(subjects: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Start ADSL: identifiers, arm, demographics, diabetes duration and subgroup flags.

    Algorithm
    ---------
    1. USUBJID = subject_id; SITEID = site; TRT01P = arm; SEX; AGEONSET = age at onset.
    2. DIAGDT, ENRLDT = diagnosis and enrolment dates; DURDIAG = days between
       them, DURDIAGU = "DAYS".
    3. AGEDEC = AGEONSET + DURDIAG / 365.25 (exact years at enrolment); AGE =
       the completed years (integer), AGEU = "YEARS"; WEIGHTBL = weight_kg.
    4. For each protocol subgroup, its flag (``flag:``, else ``SG`` + 4 letters
       + ``FL``) = "Y"/"N" ("" when a column its expression uses is missing
       for the subject).
    5. ONSETGR = the first subgroup defined on ``age_at_onset`` alone that the
       subject belongs to, its name without the suffix ``_onset``
       (lu2021: "adult"/"juvenile"); "" when none.

    Examples
    --------
    >>> import pandas as pd
    >>> from t1dtrial.protocol import load_protocol
    >>> s = pd.DataFrame({"subject_id": ["S1"], "arm": ["MSC"], "sex": ["M"],
    ...     "age_at_onset": [20.0], "diagnosis_date": pd.to_datetime(["2020-01-01"]),
    ...     "enrolment_date": pd.to_datetime(["2021-01-01"]), "weight_kg": [70.0]})
    >>> a = derive_vars_demog(s, load_protocol("lu2021"))
    >>> a[["ONSETGR", "DURDIAG", "AGE"]].values.tolist(), round(float(a.AGEDEC[0]), 3)
    ([['adult', 366, 21]], 21.002)
    """
    fn = "derive_vars_demog"
    check_frame(subjects, "subjects", fn, _SUBJECT_COLUMNS)
    check_protocol(protocol, fn)
    diag = as_dates(subjects["diagnosis_date"], "subjects", fn, "diagnosis_date")
    enrol = as_dates(subjects["enrolment_date"], "subjects", fn, "enrolment_date")
    durdiag = (enrol - diag).dt.days.astype("Int64")
    onset = pd.to_numeric(subjects["age_at_onset"], errors="coerce").astype(float)
    exact = (onset + durdiag.astype(float) / 365.25).to_numpy()
    adsl = pd.DataFrame({
        "STUDYID": protocol.id,
        "USUBJID": subjects["subject_id"].astype(str).to_numpy(),
        "SITEID": _column(subjects, "site").to_numpy(dtype=object),
        "TRT01P": subjects["arm"].astype(str).to_numpy(),
        "SEX": subjects["sex"].to_numpy(dtype=object),
        "AGE": pd.array(np.floor(exact + 1e-9), dtype="Int64"),  # completed years
        "AGEU": "YEARS",
        "AGEDEC": exact,
        "AGEONSET": onset.to_numpy(),
        "DIAGDT": diag.to_numpy(),
        "ENRLDT": enrol.to_numpy(),
        "DURDIAG": durdiag.to_numpy(),
        "DURDIAGU": "DAYS",
        "WEIGHTBL": pd.to_numeric(subjects["weight_kg"], errors="coerce").astype(float).to_numpy(),
    })
    onsetgr = np.full(len(adsl), "", dtype=object)
    for sg in protocol.subgroups:
        expr = Expression.parse(sg.where)
        names = sorted(expr.names)
        inside = expr.evaluate(subjects.reset_index(drop=True)).to_numpy(dtype=bool)
        known = np.ones(len(adsl), dtype=bool)
        for name in names:
            if name in subjects.columns:
                known &= subjects[name].notna().to_numpy()
        adsl[sg.flag] = np.where(known, np.where(inside, "Y", "N"), "")
        if names == ["age_at_onset"]:
            label = sg.name.removesuffix("_onset")
            onsetgr = np.where((onsetgr == "") & inside & known, label, onsetgr)
    adsl["ONSETGR"] = onsetgr
    return adsl


def derive_vars_exposure(adsl: pd.DataFrame, infusions: pd.DataFrame,
                         protocol: Protocol) -> pd.DataFrame:
    """Add doses (DOSE<k>, DOSE<k><product>, CUMDOSE, CUMD<product>), INF<k>FL, NINF, dates, TRT01A.

    Algorithm
    ---------
    1. Dose in cells/kg = ``cells_per_kg``, else ``total_cells`` / WEIGHTBL. A
       sham (placebo) infusion carries 0 cells.
    2. For each infusion number k (1 to the larger of the protocol's and the
       data's highest): INF<k>FL = "Y" when the subject has a row of infusion
       k (cells or sham), else "N"; DOSE<k> = the cells/kg of infusion k (the
       sum of its rows). An infusion of several products (``products`` in
       the protocol) adds DOSE<k><code> per product (the row whose
       ``product`` is that code); its DOSE<k> is the products' sum only when
       the protocol says ``sum_products: true``, and is not derived otherwise.
    3. NINF = number of infusions received (distinct numbers).
    4. CUMDOSE = sum of DOSE<k> (0 without infusions; NaN if a given dose is
       unknown, or a received infusion's products are not summed);
       CUMD<code> = sum of DOSE<k><code> over the infusions of product code.
    5. TRTSDT, TRTEDT = first and last infusion dates; RFSTDT = day 0
       (TRTSDT, else ENRLDT).
    6. TRT01A = TRT01P when the subject received the arm's treatment (arms
       without infusions always do; infused arms, placebo included, need at
       least one infusion), else "" (not treated).

    Examples
    --------
    >>> import pandas as pd
    >>> from t1dtrial.protocol import load_protocol
    >>> a = pd.DataFrame({"USUBJID": ["S1"], "TRT01P": ["MSC"], "WEIGHTBL": [50.0],
    ...                   "ENRLDT": pd.to_datetime(["2020-01-01"])})
    >>> i = pd.DataFrame({"subject_id": ["S1", "S1"], "infusion_number": [1, 2],
    ...     "date": pd.to_datetime(["2020-01-02", "2020-04-01"]),
    ...     "cells_per_kg": [1e6, None], "total_cells": [None, 1e8]})
    >>> r = derive_vars_exposure(a, i, load_protocol("lu2021"))
    >>> r[["DOSE1", "DOSE2", "CUMDOSE", "NINF", "INF2FL", "TRT01A"]].values.tolist()
    [[1000000.0, 2000000.0, 3000000.0, 2, 'Y', 'MSC']]
    """
    fn = "derive_vars_exposure"
    check_frame(adsl, "adsl", fn, ["USUBJID", "TRT01P", "WEIGHTBL", "ENRLDT"])
    check_frame(infusions, "infusions", fn, ["subject_id", "infusion_number", "date"])
    check_protocol(protocol, fn)
    out = adsl.copy(deep=False)
    ids = out["USUBJID"].to_numpy()
    frame = _infusion_rows(out, infusions, fn)
    by_number = {inf.number: inf for inf in protocol.infusions}
    planned = list(by_number)
    numbers = frame["number"].dropna().astype(int).tolist()
    highest = int(max([0, *planned, *numbers]))
    unsummed = np.zeros(len(out), dtype=bool)
    product_rows: dict[str, list[pd.DataFrame]] = {}
    for k in range(1, highest + 1):
        rows = frame.loc[frame["number"] == k]
        out[f"INF{k}FL"] = np.where(pd.Index(ids).isin(rows["sid"].unique()), "Y", "N")
        inf = by_number.get(k)
        if inf is not None and inf.products:
            only = inf.product_names[0] if len(inf.product_names) == 1 else None
            product = rows["product"].replace("", only) if only else rows["product"]
            for code in inf.product_names:
                out[f"DOSE{k}{code}"] = _dose_by_subject(rows.loc[product == code], ids)
                product_rows.setdefault(code, []).append(rows.loc[product == code])
        if inf is None or inf.summed:
            out[f"DOSE{k}"] = _dose_by_subject(rows, ids)
        else:  # products reported separately: no one dose of infusion k
            cells = rows.loc[rows["dose"].fillna(1.0) != 0, "sid"]
            unsummed |= pd.Index(ids).isin(cells.unique())
    grouped = frame.groupby("sid")
    out["NINF"] = grouped["number"].nunique().reindex(ids, fill_value=0).to_numpy(dtype=int)
    out["CUMDOSE"] = np.where(unsummed, np.nan, _cumulative(frame, ids))
    for code, parts in product_rows.items():
        out[f"CUMD{code}"] = _cumulative(pd.concat(parts), ids)
    nat = np.full(len(out), np.datetime64("NaT"), dtype="datetime64[ns]")
    out["TRTSDT"] = (grouped["date"].min().reindex(ids).to_numpy(dtype="datetime64[ns]")
                     if len(frame) else nat)
    out["TRTEDT"] = (grouped["date"].max().reindex(ids).to_numpy(dtype="datetime64[ns]")
                     if len(frame) else nat)
    out["RFSTDT"] = np.where(pd.isna(out["TRTSDT"]).to_numpy(), out["ENRLDT"].to_numpy(),
                             out["TRTSDT"].to_numpy()).astype("datetime64[ns]")
    infused = {a.code for a in protocol.arms if a.receives_infusions}
    gets = ~out["TRT01P"].isin(infused).to_numpy() | infusion_received(out)
    out["TRT01A"] = np.where(gets, out["TRT01P"].to_numpy(), "")
    return out


def _infusion_rows(adsl: pd.DataFrame, infusions: pd.DataFrame, fn: str) -> pd.DataFrame:
    """One row an infusion row of ADSL's subjects: sid, number, product, dose (cells/kg), date."""
    ids = adsl["USUBJID"].to_numpy()
    inf = infusions.loc[infusions["subject_id"].astype(str).isin(set(ids))]
    sid = inf["subject_id"].astype(str).to_numpy()
    number = pd.to_numeric(inf["infusion_number"], errors="coerce").to_numpy(dtype=float)
    dates = as_dates(inf["date"], "infusions", fn, "date")
    weight = pd.Series(adsl["WEIGHTBL"].to_numpy(dtype=float), index=ids)
    per_kg = pd.to_numeric(_column(inf, "cells_per_kg", np.nan), errors="coerce").to_numpy(float)
    total = pd.to_numeric(_column(inf, "total_cells", np.nan), errors="coerce").to_numpy(float)
    dose = np.where(np.isnan(per_kg), total / weight.reindex(sid).to_numpy(), per_kg)
    product = _column(inf, "product", "").astype(object)
    product = product.where(product.notna(), "").astype(str).str.strip().to_numpy(dtype=object)
    return pd.DataFrame({"sid": sid, "number": number, "product": product, "dose": dose,
                         "date": dates.to_numpy()})


def _cumulative(rows: pd.DataFrame, ids: np.ndarray) -> np.ndarray:
    """Sum of the rows' doses per subject: 0 without a row, NaN when a dose is unknown."""
    by = rows.assign(unknown=rows["dose"].isna()).groupby("sid")
    cum = by["dose"].sum().reindex(ids, fill_value=0.0).to_numpy(dtype=float)
    unknown = by["unknown"].any().reindex(ids, fill_value=False).to_numpy(dtype=bool)
    return np.where(unknown, np.nan, cum)


def _dose_by_subject(rows: pd.DataFrame, ids: np.ndarray) -> np.ndarray:
    """Sum of the rows' doses per subject (NaN for subjects without a row)."""
    return rows.groupby("sid")["dose"].sum(min_count=1).reindex(ids).to_numpy(dtype=float)


def infusion_received(adsl: pd.DataFrame, number: int | None = None) -> np.ndarray:
    """Whether each subject received infusion ``number`` (any infusion when None).

    A sham (placebo) infusion counts as received. Reads ``INF<k>FL`` (and
    ``NINF`` for any infusion); without ``INF<k>FL``, a recorded ``DOSE<k>``.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"NINF": [2, 0], "INF2FL": ["Y", "N"]})
    >>> infusion_received(a).tolist(), infusion_received(a, 2).tolist()
    ([True, False], [True, False])
    >>> infusion_received(a, 3).tolist()
    [False, False]
    """
    if number is None:
        return pd.to_numeric(adsl["NINF"], errors="coerce").fillna(0).to_numpy() > 0
    flag, dose = f"INF{number}FL", f"DOSE{number}"
    if flag in adsl.columns:
        return (adsl[flag] == "Y").to_numpy(dtype=bool)
    if dose in adsl.columns:
        return adsl[dose].notna().to_numpy(dtype=bool)
    return np.zeros(len(adsl), dtype=bool)


def derive_vars_baseline(adsl: pd.DataFrame, adlb: pd.DataFrame) -> pd.DataFrame:
    """Add B<PARAMCD> baseline columns from the ADLB baseline records.

    BFCP, BPCP, BHBA1C and BINSDOSE are always present (NaN without a
    baseline); every other parameter with a baseline record adds its column
    (e.g. BCPMAUC, BWEIGHT).

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"USUBJID": ["S1", "S2"]})
    >>> lb = pd.DataFrame({"USUBJID": ["S1"], "PARAMCD": ["FCP"], "AVAL": [0.3], "ABLFL": ["Y"]})
    >>> derive_vars_baseline(a, lb)[["BFCP", "BPCP"]].values.tolist()
    [[0.3, nan], [nan, nan]]
    """
    fn = "derive_vars_baseline"
    check_frame(adsl, "adsl", fn, ["USUBJID"])
    check_frame(adlb, "adlb", fn, ["USUBJID", "PARAMCD", "AVAL", "ABLFL"])
    out = adsl.copy(deep=False)
    mask = (adlb["ABLFL"] == "Y").to_numpy(dtype=bool)
    subject_codes, subject_names = codes_of(pd.Series(adlb["USUBJID"].array[mask]))
    param_codes, param_names = codes_of(pd.Series(adlb["PARAMCD"].array[mask]))
    row_of = pd.Index(out["USUBJID"].to_numpy()).get_indexer(subject_names)[subject_codes]
    aval = adlb["AVAL"].to_numpy(dtype=float)[mask]
    present = {str(p): code for code, p in enumerate(param_names) if p is not None and p == p}
    for p in list(CORE_BASELINES) + sorted(set(present) - set(CORE_BASELINES)):
        values = np.full(len(out), np.nan)
        if p in present:
            sel = (param_codes == present[p]) & (row_of >= 0)
            values[row_of[sel]] = aval[sel]
        out[f"B{p}"] = values
    return out


def derive_vars_disposition(adsl: pd.DataFrame, subjects: pd.DataFrame, adlb: pd.DataFrame,
                            protocol: Protocol) -> pd.DataFrame:
    """Add EOSSTT (COMPLETED / DISCONTINUED / ONGOING), EOSDT and DCSREAS.

    Algorithm
    ---------
    1. ``status`` completed -> COMPLETED; withdrawn or lost -> DISCONTINUED.
    2. Without a status: COMPLETED when the subject has an analysis record at
       the primary visit, else ONGOING.
    3. DCSREAS = withdrawal_reason; without one, "LOST TO FOLLOW-UP" (lost) or
       "NOT RECORDED" (withdrawn). EOSDT = withdrawal_date.

    Examples
    --------
    >>> import pandas as pd
    >>> from t1dtrial.protocol import load_protocol
    >>> a = pd.DataFrame({"USUBJID": ["S1", "S2"]})
    >>> s = pd.DataFrame({"subject_id": ["S1", "S2"], "status": ["lost", None]})
    >>> lb = pd.DataFrame({"USUBJID": ["S2"], "AVISIT": ["M12"], "ANL01FL": ["Y"], "AVAL": [1.0]})
    >>> derive_vars_disposition(a, s, lb, load_protocol("lu2021"))[["EOSSTT", "DCSREAS"]].values.tolist()
    [['DISCONTINUED', 'LOST TO FOLLOW-UP'], ['COMPLETED', '']]
    """
    fn = "derive_vars_disposition"
    check_frame(adsl, "adsl", fn, ["USUBJID"])
    check_frame(subjects, "subjects", fn, ["subject_id"])
    check_frame(adlb, "adlb", fn, ["USUBJID", "AVISIT", "ANL01FL", "AVAL"])
    check_protocol(protocol, fn)
    out = adsl.copy(deep=False)
    ids = out["USUBJID"].to_numpy()
    subj = subjects.assign(_sid=subjects["subject_id"].astype(str)).drop_duplicates("_sid")
    subj = subj.set_index("_sid").reindex(ids)
    status = _column(subj, "status").astype(object).where(lambda s: s.notna(), "").astype(str)
    status = status.str.strip().str.lower().to_numpy()
    reason = _column(subj, "withdrawal_reason").astype(object)
    reason = reason.where(reason.notna(), "").astype(str).str.strip().to_numpy()
    at_primary = _has_primary_record(adlb, protocol, ids)
    stopped = pd.Index(status).isin(["withdrawn", "lost"])
    out["EOSSTT"] = np.select([status == "completed", stopped, at_primary],
                              ["COMPLETED", "DISCONTINUED", "COMPLETED"], default="ONGOING")
    default_reason = np.where(status == "lost", "LOST TO FOLLOW-UP", "NOT RECORDED")
    out["DCSREAS"] = np.where(stopped, np.where(reason != "", reason, default_reason), "")
    if "withdrawal_date" in subj.columns:
        eos = as_dates(subj["withdrawal_date"], "subjects", fn, "withdrawal_date").to_numpy()
    else:
        eos = np.full(len(out), np.datetime64("NaT"), dtype="datetime64[ns]")
    out["EOSDT"] = np.where(stopped, eos, np.datetime64("NaT")).astype("datetime64[ns]")
    return out


def derive_vars_popfl(adsl: pd.DataFrame, adlb: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Add the population flags (ENRLFL, FASFL, PPROTFL, SAFFL, custom ``<CODE>FL``) and reasons.

    Each population of the protocol is a rule evaluated on every subject
    (:mod:`t1dtrial.protocol.populations`, :mod:`._populations`); the
    standard definitions, used when a protocol gives only the words:

    1. ENRLFL: the subject's arm is a protocol arm (``enrolled``).
    2. FASFL: enrolled, with a baseline C-peptide (FCP, PCP, CPxx, CPAUC or CPMAUC)
       (``enrolled and has_baseline_cpeptide``).
    3. PPROTFL: FAS, an analysis record at the primary visit, and every planned
       infusion of the arm received (sham infusions of a placebo arm included); a conditional
       infusion is planned only when its condition held on the visit's values (not evaluable
       -> not required) (``FAS and completed_primary_visit and received_all_planned_infusions``).
    4. SAFFL: arms given infusions (placebo arms' sham infusions included) need at least one
       infusion (:func:`infusion_received`); other arms all enrolled (``enrolled and treated``).

    FASREAS, PPREAS, SAFREAS (and ``<CODE>REAS``) give the reasons a subject
    is out ("" when in).

    Examples
    --------
    >>> import pandas as pd
    >>> from t1dtrial.protocol import load_protocol
    >>> a = pd.DataFrame({"USUBJID": ["S1"], "TRT01P": ["MSC"], "NINF": [1],
    ...                   "DOSE1": [1e6], "DOSE2": [float("nan")]})
    >>> lb = pd.DataFrame({"USUBJID": ["S1", "S1"], "PARAMCD": ["FCP", "FCP"],
    ...     "AVISIT": ["BL", "M12"], "AVAL": [0.3, 0.3], "ABLFL": ["Y", ""],
    ...     "ANL01FL": ["Y", "Y"]})
    >>> r = derive_vars_popfl(a, lb, load_protocol("lu2021"))
    >>> r[["FASFL", "PPROTFL", "SAFFL", "PPREAS"]].values.tolist()
    [['Y', 'N', 'Y', 'planned infusion 2 not received']]
    """
    fn = "derive_vars_popfl"
    check_frame(adsl, "adsl", fn, ["USUBJID", "TRT01P", "NINF"])
    check_frame(adlb, "adlb", fn, ["USUBJID", "PARAMCD", "AVISIT", "AVAL", "ABLFL", "ANL01FL"])
    check_protocol(protocol, fn)
    return derive_population_flags(adsl, adlb, protocol)


def derive_adsl(subjects: pd.DataFrame, infusions: pd.DataFrame, adlb: pd.DataFrame,
                protocol: Protocol, *, measurements: pd.DataFrame | None = None) -> pd.DataFrame:
    """Derive ADSL, one row a subject in ``subjects`` order.

    Runs :func:`derive_vars_demog`, :func:`derive_vars_exposure`,
    :func:`derive_vars_baseline`, :func:`derive_vars_disposition`, the
    eligibility flag ELIGFL/ELIGREAS (:mod:`t1dtrial.data.eligibility`) and
    :func:`derive_vars_popfl`. Text columns come out as pandas' Arrow-backed
    ``str`` dtype, as in every derived dataset.

    Parameters
    ----------
    subjects, infusions : DataFrame
        Canonical tables of a :class:`~t1dtrial.data.Trial`.
    adlb : DataFrame
        ADLB from :func:`~t1dtrial.derive.derive_adlb`.
    protocol : Protocol
    measurements : DataFrame, optional
        Canonical measurements: the baseline-visit values the eligibility
        criteria use (default: the ADLB records at the baseline visit).

    Examples
    --------
    >>> import pandas as pd
    >>> from t1dtrial.protocol import load_protocol
    >>> s = pd.DataFrame({"subject_id": ["S1"], "arm": ["CONTROL"], "sex": ["F"],
    ...     "age_at_onset": [25.0], "diagnosis_date": pd.to_datetime(["2020-01-01"]),
    ...     "enrolment_date": pd.to_datetime(["2020-03-01"]), "weight_kg": [60.0]})
    >>> i = pd.DataFrame(columns=["subject_id", "infusion_number", "date"])
    >>> lb = pd.DataFrame(columns=["USUBJID", "PARAMCD", "AVISIT", "AVAL", "ABLFL", "ANL01FL"])
    >>> derive_adsl(s, i, lb, load_protocol("lu2021"))[["SAFFL", "FASFL", "EOSSTT"]].values.tolist()
    [['Y', 'N', 'ONGOING']]
    """
    adsl = derive_vars_demog(subjects, protocol)
    adsl = derive_vars_exposure(adsl, infusions, protocol)
    adsl = derive_vars_baseline(adsl, adlb)
    adsl = derive_vars_disposition(adsl, subjects, adlb, protocol)
    adsl = derive_vars_eligibility(adsl, subjects, measurements, adlb, protocol)
    return with_text_columns(derive_vars_popfl(adsl, adlb, protocol))
