"""ADAE, the adverse event analysis dataset, and the small dictionary that codes AE terms.

The dictionary maps common verbatim terms of cell-therapy trials in T1D to a
preferred term (AEDECOD) and a body system (AEBODSYS) named like MedDRA's, so
that "fever", "Febrile" and "pyrexia" are counted together. It is a small
list of our own, not MedDRA: terms it does not know keep their verbatim text
in AEDECOD with ``AECODED = "N"`` (counted in the derivation log).

Examples
--------
>>> import pandas as pd
>>> code_ae_terms(pd.Series(["Fever", "low blood sugar", "sore toe"]))["AEDECOD"].tolist()
['Pyrexia', 'Hypoglycaemia', 'Sore toe']
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ._common import as_dates, check_frame, compute_ady, with_text_columns

__all__ = ["AE_DICTIONARY", "ADAE_COLUMNS", "code_ae_terms", "derive_adae"]

_GENERAL = "General disorders and administration site conditions"
_NERVOUS = "Nervous system disorders"
_SKIN = "Skin and subcutaneous tissue disorders"
_GI = "Gastrointestinal disorders"
_METAB = "Metabolism and nutrition disorders"
_INFECT = "Infections and infestations"
_RESP = "Respiratory, thoracic and mediastinal disorders"
_INJURY = "Injury, poisoning and procedural complications"
_MUSCLE = "Musculoskeletal and connective tissue disorders"
_INVEST = "Investigations"

#: Preferred term -> (body system, verbatim synonyms, lower case).
AE_DICTIONARY: dict[str, tuple[str, tuple[str, ...]]] = {
    "Pyrexia": (_GENERAL, ("pyrexia", "fever", "febrile", "febrile reaction", "high temperature",
                           "elevated temperature", "temperature increased", "transient fever")),
    "Chills": (_GENERAL, ("chills", "rigors", "rigor", "shivering")),
    "Fatigue": (_GENERAL, ("fatigue", "tiredness", "tired", "asthenia", "weakness", "lethargy")),
    "Infusion related reaction": (_INJURY, ("infusion related reaction", "infusion reaction",
                                            "infusion-related reaction", "transfusion reaction")),
    "Headache": (_NERVOUS, ("headache", "head ache", "cephalalgia", "migraine")),
    "Dizziness": (_NERVOUS, ("dizziness", "dizzy", "vertigo", "light headedness",
                             "lightheadedness")),
    "Rash": (_SKIN, ("rash", "skin rash", "erythema", "maculopapular rash", "eruption")),
    "Urticaria": (_SKIN, ("urticaria", "hives")),
    "Pruritus": (_SKIN, ("pruritus", "itching", "itch", "itchy skin")),
    "Nausea": (_GI, ("nausea", "feeling sick")),
    "Vomiting": (_GI, ("vomiting", "emesis", "vomit")),
    "Diarrhoea": (_GI, ("diarrhoea", "diarrhea", "loose stools")),
    "Abdominal pain": (_GI, ("abdominal pain", "stomach ache", "stomachache", "belly pain")),
    "Hypoglycaemia": (_METAB, ("hypoglycaemia", "hypoglycemia", "low blood sugar",
                               "low blood glucose", "hypo", "severe hypoglycaemia",
                               "severe hypoglycemia")),
    "Hyperglycaemia": (_METAB, ("hyperglycaemia", "hyperglycemia", "high blood sugar",
                                "high blood glucose")),
    "Diabetic ketoacidosis": (_METAB, ("diabetic ketoacidosis", "ketoacidosis", "dka")),
    "Nasopharyngitis": (_INFECT, ("nasopharyngitis", "common cold", "cold", "coryza")),
    "Upper respiratory tract infection": (_INFECT, ("upper respiratory tract infection",
                                                    "upper respiratory infection", "urti", "uri")),
    "Influenza": (_INFECT, ("influenza", "flu")),
    "Gastroenteritis": (_INFECT, ("gastroenteritis", "stomach flu")),
    "Cough": (_RESP, ("cough", "coughing")),
    "Myalgia": (_MUSCLE, ("myalgia", "muscle pain", "muscle ache")),
    "Arthralgia": (_MUSCLE, ("arthralgia", "joint pain")),
    "Alanine aminotransferase increased": (_INVEST, ("alanine aminotransferase increased",
                                                     "alt increased", "elevated alt",
                                                     "elevated liver enzymes",
                                                     "liver enzymes increased")),
}

_LOOKUP = {syn: (pt, soc) for pt, (soc, syns) in AE_DICTIONARY.items()
           for syn in (*syns, pt.lower())}

#: Columns of ADAE, in order.
ADAE_COLUMNS = ["STUDYID", "USUBJID", "TRT01P", "TRT01A", "SAFFL", "AESEQ", "AETERM", "AEDECOD",
                "AEBODSYS", "AECODED", "ASTDT", "AENDT", "ASTDY", "AENDY", "TRTEMFL", "AESEV",
                "AETOXGR", "AESER", "AEREL", "AERELFL", "INFNUM", "INFDAYS", "SRCROW"]

_SEVERITY = {"mild": "MILD", "moderate": "MODERATE", "severe": "SEVERE", "1": "MILD",
             "2": "MODERATE", "3": "SEVERE", "4": "SEVERE", "5": "SEVERE"}
_RELATED = {"related": "RELATED", "possible": "POSSIBLY RELATED", "unrelated": "NOT RELATED"}


def _normalise(term: object) -> str:
    text = re.sub(r"[^a-z0-9\- ]+", " ", str(term).lower())
    return re.sub(r"\s+", " ", text).strip()


def code_ae_terms(terms: pd.Series) -> pd.DataFrame:
    """Code verbatim AE terms: AEDECOD (preferred term), AEBODSYS and AECODED ("Y"/"N").

    The verbatim text is lower-cased and stripped of punctuation, then looked
    up among the synonyms of :data:`AE_DICTIONARY`. An unknown term keeps its
    verbatim text (first letter capitalised) with AEBODSYS "" and AECODED "N".

    Examples
    --------
    >>> import pandas as pd
    >>> code_ae_terms(pd.Series(["Skin rash.", "DKA"])).values.tolist()
    [['Rash', 'Skin and subcutaneous tissue disorders', 'Y'], ['Diabetic ketoacidosis', 'Metabolism and nutrition disorders', 'Y']]
    """
    codes, uniques = pd.factorize(pd.Series(terms).astype(object).fillna(""))
    decod, soc, coded = [], [], []
    for term in uniques:
        hit = _LOOKUP.get(_normalise(term))
        if hit:
            decod.append(hit[0])
            soc.append(hit[1])
            coded.append("Y")
        else:
            text = str(term).strip()
            decod.append(text[:1].upper() + text[1:])
            soc.append("")
            coded.append("N")
    take = np.asarray(codes)
    return pd.DataFrame({"AEDECOD": np.array(decod, dtype=object)[take],
                         "AEBODSYS": np.array(soc, dtype=object)[take],
                         "AECODED": np.array(coded, dtype=object)[take]})


def derive_adae(adverse_events: pd.DataFrame, adsl: pd.DataFrame,
                infusions: pd.DataFrame) -> pd.DataFrame:
    """Derive ADAE, one row an adverse event of a subject in ADSL (input order kept).

    Algorithm
    ---------
    1. AETERM = verbatim term; AEDECOD, AEBODSYS, AECODED from :func:`code_ae_terms`.
    2. ASTDT, AENDT = onset and end dates; ASTDY, AENDY = CDISC days from day 0 (RFSTDT).
    3. TRTEMFL = "Y" when onset is on or after day 0 (first infusion, else
       enrolment); an event with no onset date is taken as treatment-emergent.
    4. AESEV = MILD / MODERATE / SEVERE (CTCAE grade 1 -> MILD, 2 -> MODERATE,
       3-5 -> SEVERE); AETOXGR = the grade when one was given.
    5. AESER = serious ("Y"/"N"); AEREL = RELATED / POSSIBLY RELATED / NOT
       RELATED; AERELFL = "Y" when related or possible.
    6. INFNUM, INFDAYS = number of the nearest infusion on or before onset and
       the days from it to onset (missing when none precedes it).

    Events of subjects not in ``adsl`` are left out (the derivation log counts them).

    Examples
    --------
    >>> import pandas as pd
    >>> adsl = pd.DataFrame({"USUBJID": ["S1"], "TRT01P": ["MSC"], "TRT01A": ["MSC"],
    ...     "SAFFL": ["Y"], "RFSTDT": pd.to_datetime(["2020-01-01"]), "STUDYID": ["x"]})
    >>> inf = pd.DataFrame({"subject_id": ["S1", "S1"], "infusion_number": [1, 2],
    ...                     "date": pd.to_datetime(["2020-01-01", "2020-04-01"])})
    >>> ae = pd.DataFrame({"subject_id": ["S1"], "term": ["fever"],
    ...     "onset_date": pd.to_datetime(["2020-04-02"]), "severity": ["1"],
    ...     "serious": ["N"], "related": ["possible"]})
    >>> derive_adae(ae, adsl, inf)[["AEDECOD", "TRTEMFL", "AESEV", "INFNUM", "INFDAYS"]].values.tolist()
    [['Pyrexia', 'Y', 'MILD', 2, 1]]
    """
    fn = "derive_adae"
    check_frame(adverse_events, "adverse_events", fn,
                ["subject_id", "term", "onset_date", "severity", "serious", "related"])
    check_frame(adsl, "adsl", fn, ["USUBJID", "TRT01P", "TRT01A", "SAFFL", "RFSTDT"])
    check_frame(infusions, "infusions", fn, ["subject_id", "infusion_number", "date"])
    sid = adverse_events["subject_id"].astype(str)
    keep = sid.isin(set(adsl["USUBJID"])).to_numpy()
    ae = adverse_events.loc[keep]
    sid = sid[keep].to_numpy()
    subject = adsl.drop_duplicates("USUBJID").set_index("USUBJID").reindex(sid)
    onset = as_dates(ae["onset_date"], "adverse_events", fn, "onset_date").to_numpy()
    end = (as_dates(ae["end_date"], "adverse_events", fn, "end_date").to_numpy()
           if "end_date" in ae.columns else np.full(len(ae), np.datetime64("NaT"), "datetime64[ns]"))
    day0 = subject["RFSTDT"].to_numpy(dtype="datetime64[ns]")

    def study_day(dates: np.ndarray) -> np.ndarray:
        rel = pd.Series((dates - day0).astype("timedelta64[D]").astype(float))
        rel[np.isnat(dates) | np.isnat(day0)] = np.nan
        return compute_ady(rel.astype("Int64")).to_numpy()

    with np.errstate(invalid="ignore"):
        emergent = np.isnat(onset) | (onset >= day0)
    severity = ae["severity"].astype(object).fillna("").astype(str).str.strip().str.lower()
    grade = pd.to_numeric(severity.where(severity.isin(list("12345"))), errors="coerce")
    related = ae["related"].astype(object).fillna("").astype(str).str.strip().str.lower()
    infnum, infdays = _nearest_infusion(sid, onset, infusions)
    coded = code_ae_terms(ae["term"])
    out = pd.DataFrame({
        "STUDYID": subject["STUDYID"].to_numpy() if "STUDYID" in subject.columns else "",
        "USUBJID": sid,
        "TRT01P": subject["TRT01P"].to_numpy(),
        "TRT01A": subject["TRT01A"].to_numpy(),
        "SAFFL": subject["SAFFL"].to_numpy(),
        "AESEQ": pd.Series(sid).groupby(sid).cumcount().to_numpy() + 1,
        "AETERM": ae["term"].to_numpy(dtype=object),
        "AEDECOD": coded["AEDECOD"].to_numpy(),
        "AEBODSYS": coded["AEBODSYS"].to_numpy(),
        "AECODED": coded["AECODED"].to_numpy(),
        "ASTDT": onset,
        "AENDT": end,
        "ASTDY": study_day(onset),
        "AENDY": study_day(end),
        "TRTEMFL": np.where(emergent, "Y", ""),
        "AESEV": severity.map(_SEVERITY).fillna("").to_numpy(),
        "AETOXGR": pd.array(grade.to_numpy(), dtype="Int64"),
        "AESER": ae["serious"].astype(object).fillna("").astype(str).str.upper().to_numpy(),
        "AEREL": related.map(_RELATED).fillna("").to_numpy(),
        "AERELFL": np.where(related.isin(["related", "possible"]).to_numpy(), "Y", ""),
        "INFNUM": infnum,
        "INFDAYS": infdays,
        "SRCROW": (pd.array(ae["source_row"].to_numpy(), dtype="Int64")
                   if "source_row" in ae.columns
                   else pd.array(np.flatnonzero(keep) + 2, dtype="Int64")),
    })
    for column in ("ASTDY", "AENDY", "INFNUM", "INFDAYS"):
        out[column] = out[column].astype("Int64")
    return with_text_columns(out[ADAE_COLUMNS])


def _nearest_infusion(sid: np.ndarray, onset: np.ndarray, infusions: pd.DataFrame
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Number of, and days since, the latest infusion on or before each onset (NaN when none)."""
    n = len(sid)
    number = np.full(n, np.nan)
    days = np.full(n, np.nan)
    dated = ~np.isnat(onset)
    if not len(infusions) or not dated.any():
        return number, days
    inf = pd.DataFrame({
        "sid": infusions["subject_id"].astype(str).to_numpy(),
        "when": as_dates(infusions["date"], "infusions", "derive_adae", "date").to_numpy(),
        "number": pd.to_numeric(infusions["infusion_number"], errors="coerce").to_numpy(float),
    }).dropna(subset=["when"]).sort_values("when", kind="stable")
    left = pd.DataFrame({"pos": np.flatnonzero(dated), "sid": sid[dated],
                         "when": onset[dated]}).sort_values("when", kind="stable")
    hit = pd.merge_asof(left, inf.rename(columns={"when": "inf_when"}), left_on="when",
                        right_on="inf_when", by="sid", direction="backward",
                        allow_exact_matches=True)
    pos = hit["pos"].to_numpy()
    number[pos] = hit["number"].to_numpy(dtype=float)
    days[pos] = (hit["when"] - hit["inf_when"]).dt.days.to_numpy(dtype=float)
    return number, days
