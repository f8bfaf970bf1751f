"""All derivations of a trial in one call: :func:`derive_all` returns a :class:`Derived`.

Examples
--------
>>> from types import SimpleNamespace
>>> import pandas as pd
>>> from t1dtrial.protocol import load_protocol
>>> trial = SimpleNamespace(
...     protocol=load_protocol("lu2021"),
...     subjects=pd.DataFrame({"subject_id": ["S1"], "arm": ["CONTROL"], "sex": ["M"],
...         "age_at_onset": [20.0], "diagnosis_date": pd.to_datetime(["2020-01-01"]),
...         "enrolment_date": pd.to_datetime(["2020-02-01"]), "weight_kg": [70.0]}),
...     measurements=pd.DataFrame({"subject_id": ["S1"], "visit": ["BL"], "param": ["FCP"],
...         "value": [0.3], "unit": ["nmol/L"], "date": pd.to_datetime(["2020-02-01"])}),
...     infusions=pd.DataFrame(columns=["subject_id", "infusion_number", "date"]),
...     adverse_events=pd.DataFrame(columns=["subject_id", "term", "onset_date", "severity",
...                                          "serious", "related"]),
...     insulin_free=pd.DataFrame(columns=["subject_id", "start_date", "end_date"]))
>>> d = derive_all(trial)
>>> len(d.adsl), d.adsl.FASFL.tolist(), str(d.data_cut.date())
(1, ['Y'], '2020-02-01')
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .._validation import invalid_parameter
from ..errors import DerivationWarning
from ._adae import derive_adae
from ._adeff import derive_adeff, latest_date, response_status
from ._adtte import derive_adtte
from ._adlb import derive_adlb
from ._adsl import derive_adsl
from ._carried import derive_vars_carried
from ._episodes import derive_insulin_free_episodes, visit_inference_note
from ._common import check_protocol
from ._log import derivation_exclusions, derivation_log

__all__ = ["Derived", "derive_all"]

_TABLES = ("subjects", "measurements", "infusions", "adverse_events", "insulin_free")


@dataclass(frozen=True)
class Derived:
    """The derived datasets of a trial and how they were made.

    Attributes
    ----------
    adsl, adlb, adeff, adae : DataFrame
        The analysis datasets (see :func:`~t1dtrial.derive.derive_adsl` and siblings);
        the BDS datasets and ADAE carry TRTP, TRTA and the population flags.
    adtte : DataFrame
        Time-to-event dataset (:func:`~t1dtrial.derive.derive_adtte`): the
        protocol's time-to-event endpoints and the insulin-free episodes
        (PARAMCD ``INSFREE``); maybe without rows.
    log : DataFrame
        Counts per dataset, rule, parameter, outcome and reason
        (:func:`~t1dtrial.derive.derivation_log`).
    exclusions : DataFrame
        Input records that enter no dataset, one row each, with the reason.
    data_cut : Timestamp
        Date at which ongoing insulin-free episodes are censored.
    protocol_id : str

    Examples
    --------
    >>> from t1dtrial.datasets import load_lu2021
    >>> d = derive_all(load_lu2021())
    >>> sorted(d.datasets), len(d.adsl)
    (['adae', 'adeff', 'adlb', 'adsl', 'adtte'], 53)
    """

    adsl: pd.DataFrame
    adlb: pd.DataFrame
    adeff: pd.DataFrame
    adae: pd.DataFrame
    log: pd.DataFrame
    exclusions: pd.DataFrame
    data_cut: pd.Timestamp
    protocol_id: str
    adtte: pd.DataFrame

    @property
    def datasets(self) -> dict[str, pd.DataFrame]:
        """The datasets by lower-case name (``adsl``, ``adlb``, ``adeff``, ``adae``, ``adtte``)."""
        return {"adsl": self.adsl, "adlb": self.adlb, "adeff": self.adeff, "adae": self.adae,
                "adtte": self.adtte}

    def summary(self) -> pd.DataFrame:
        """Rows per dataset and the population counts, as a tidy table.

        Returns
        -------
        DataFrame with columns ``item`` and ``n``.
        """
        items: list[tuple[str, int]] = [(f"{k.upper()} rows", len(v))
                                        for k, v in self.datasets.items()]
        for flag in ("ENRLFL", "FASFL", "PPROTFL", "SAFFL"):
            items.append((flag, int((self.adsl[flag] == "Y").sum())))
        items.append(("excluded input records", len(self.exclusions)))
        return pd.DataFrame(items, columns=["item", "n"])


def _table(trial: Any, name: str) -> pd.DataFrame:
    table = getattr(trial, name, None)
    if table is None and name == "insulin_free":
        return pd.DataFrame({"subject_id": pd.Series(dtype=object),
                             "start_date": pd.Series(dtype="datetime64[ns]"),
                             "end_date": pd.Series(dtype="datetime64[ns]")})
    if not isinstance(table, pd.DataFrame):
        raise invalid_parameter("derive_all", "trial",
                                f"have a DataFrame attribute '{name}' (a t1dtrial.data.Trial)",
                                table, got=type(table).__name__)
    return table


def derive_all(trial: Any, *, data_cut: str | pd.Timestamp | None = None) -> Derived:
    """Derive ADSL, ADLB, ADEFF, ADAE and ADTTE of a trial, with the derivation log.

    Algorithm
    ---------
    1. ADLB from the measurements (:func:`~t1dtrial.derive.derive_adlb`).
    2. ADSL from subjects, infusions and the ADLB baselines.
    3. The data cut: ``data_cut``, else the latest date anywhere in the input.
    4. The insulin-free episodes; ADEFF (responder endpoints), ADAE and ADTTE
       (time-to-event endpoints and the episodes).
    5. TRTP, TRTA, FASFL, SAFFL and PPROTFL from ADSL into ADLB, ADEFF, ADAE
       and ADTTE (:func:`~t1dtrial.derive._carried.derive_vars_carried`).
    6. The exclusions and the log. A :class:`~t1dtrial.errors.DerivationWarning`
       is emitted when a percent change is undefined because of a zero
       baseline, when the primary endpoint is missing for some subjects, and
       when insulin-free episodes were inferred from zero-dose visits
       (:func:`~t1dtrial.derive.visit_inference_note`; not when the data
       recorded episodes, nor when an episode source was read and the visits
       show none).

    Parameters
    ----------
    trial : Trial
        Anything with ``protocol`` and the canonical tables ``subjects``,
        ``measurements``, ``infusions``, ``adverse_events``, ``insulin_free``
        (a :class:`t1dtrial.data.Trial`).
    data_cut : str or Timestamp, optional
        ISO date of the data cut.

    Returns
    -------
    Derived

    Examples
    --------
    >>> from t1dtrial.datasets import load_lu2021
    >>> d = derive_all(load_lu2021())
    >>> rem = d.adeff[(d.adeff.PARAMCD == "REMISS") & (d.adeff.ANL01FL == "Y")]
    >>> int(((rem.TRT01P == "MSC") & (rem.AVALC == "Y")).sum())
    11
    """
    protocol = getattr(trial, "protocol", None)
    check_protocol(protocol, "derive_all")
    tables = {name: _table(trial, name) for name in _TABLES}
    adlb = derive_adlb(tables["measurements"], tables["subjects"], tables["infusions"], protocol)
    adsl = derive_adsl(tables["subjects"], tables["infusions"], adlb, protocol,
                       measurements=tables["measurements"])
    if data_cut is None:
        cut = latest_date(*tables.values())
    else:
        try:
            cut = pd.Timestamp(data_cut).normalize()
        except (ValueError, TypeError):
            raise invalid_parameter("derive_all", "data_cut", "an ISO date (YYYY-MM-DD)",
                                    data_cut) from None
    episodes = derive_insulin_free_episodes(tables["insulin_free"], adlb, adsl, data_cut=cut,
                                            protocol=protocol)
    adeff = derive_adeff(adlb, adsl, tables["insulin_free"], protocol, data_cut=cut,
                         episodes=episodes)
    adae = derive_adae(tables["adverse_events"], adsl, tables["infusions"])
    adtte = derive_adtte(adlb, adsl, protocol, episodes=episodes)
    exclusions = derivation_exclusions(tables["measurements"], tables["subjects"],
                                       tables["infusions"], tables["adverse_events"],
                                       tables["insulin_free"], protocol, cut, adlb=adlb)
    log = derivation_log(measurements=tables["measurements"], subjects=tables["subjects"],
                         adverse_events=tables["adverse_events"], exclusions=exclusions,
                         adsl=adsl, adlb=adlb, adeff=adeff, adae=adae, protocol=protocol,
                         data_cut=cut, episodes=episodes)
    _warn(adsl, adlb, adeff, protocol)
    _warn_inferred_episodes(trial, tables["insulin_free"], adlb, episodes, protocol)
    adlb, adeff, adae, adtte = (derive_vars_carried(d, adsl) for d in (adlb, adeff, adae, adtte))
    return Derived(adsl=adsl, adlb=adlb, adeff=adeff, adae=adae, log=log,
                   exclusions=exclusions, data_cut=cut, protocol_id=protocol.id, adtte=adtte)


def _warn(adsl: pd.DataFrame, adlb: pd.DataFrame, adeff: pd.DataFrame, protocol: Any) -> None:
    zero = adlb.loc[adlb["PCHGREAS"].str.startswith("baseline is zero"), "USUBJID"].nunique()
    if zero:
        warnings.warn(
            f"{zero} subject(s) have a zero baseline: their percent change is undefined and "
            f"handled per analysis.zero_baseline_pchg = "
            f"{protocol.analysis.zero_baseline_pchg!r}; see the derivation log.",
            DerivationWarning, stacklevel=3)
    primary = protocol.primary_endpoint.paramcd
    rows = adeff.loc[(adeff["PARAMCD"] == primary) & (adeff["ANL01FL"] == "Y")]
    missing = rows.loc[response_status(rows) == "missing", "USUBJID"]
    if len(missing):  # counted as disposition counts them: in the full analysis set
        fas = int(missing.isin(adsl.loc[adsl["FASFL"] == "Y", "USUBJID"]).sum())
        outside = len(missing) - fas
        warnings.warn(
            f"the primary endpoint is missing at {protocol.primary_endpoint.visit} for {fas} "
            f"subject(s) of the full analysis set"
            + (f" (and {outside} subject(s) outside it)" if outside else "")
            + f"; the analysis handles them per analysis.missing_primary = "
            f"{protocol.analysis.missing_primary!r}.", DerivationWarning, stacklevel=3)


def _warn_inferred_episodes(trial: Any, insulin_free: pd.DataFrame, adlb: pd.DataFrame,
                            episodes: pd.DataFrame, protocol: Any) -> None:
    """Say so when insulin-free episodes come from zero-dose visits (no dated source)."""
    doses = (adlb["PARAMCD"] == "INSDOSE") & (adlb["ANL01FL"] == "Y")
    if len(insulin_free) or not doses.any():
        return
    inferred = int((episodes["SRCDOM"] == "ADLB").sum())
    files = getattr(getattr(trial, "load_log", None), "files", None) or []
    source_read = any(getattr(f, "table", None) == "insulin_free" for f in files)
    if inferred or not source_read:
        warnings.warn(visit_inference_note(protocol, inferred), DerivationWarning, stacklevel=3)
