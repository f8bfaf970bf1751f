"""The grid of subjects x visits on which endpoint kinds derive their ADEFF flags.

:mod:`t1dtrial.protocol.kinds` derives each kind's flags on a
:class:`~t1dtrial.protocol.kinds.ResponderGrid`; :class:`Grid` is that
grid, built from ADSL and ADLB (located once, :class:`Index`), with the
insulin-free episodes and the protocol's other endpoints at hand.

Examples
--------
>>> import pandas as pd
>>> from t1dtrial.protocol import load_protocol
>>> p = load_protocol("lu2021")
>>> evaluated_visits(p.primary_endpoint, p)[:2]
['M1', 'M3']
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd

from ..errors import Problem, ProtocolError
from ..protocol import Endpoint, Protocol
from ..protocol.kinds import Flags, kind_of
from ._common import codes_of

__all__ = ["Index", "Grid", "evaluated_visits", "criterion"]


def evaluated_visits(endpoint: Endpoint, protocol: Protocol) -> list[str]:
    """Visits at which an endpoint's flags are derived: post-baseline (every visit for some kinds)."""
    if kind_of(endpoint).baseline_too:
        return list(protocol.visit_codes)
    return [v for v in protocol.visit_codes if v != protocol.baseline_visit]


def criterion(endpoint: Endpoint, protocol: Protocol) -> str:
    """ADEFF CRIT1 of an endpoint: its kind's criterion text (else its description)."""
    kind = kind_of(endpoint)
    return (kind.criterion or kind.describe)(endpoint)


class Index:
    """ADLB analysis records located once: subject, visit and parameter codes of every row."""

    def __init__(self, adlb: pd.DataFrame, ids: np.ndarray):
        self.anl = (adlb["ANL01FL"] == "Y").to_numpy(dtype=bool)
        codes, uniques = codes_of(adlb["USUBJID"])
        self.subject = pd.Index(ids).get_indexer(uniques)[codes] if len(codes) else codes
        self.visit_codes, self.visit_uniques = codes_of(adlb["AVISIT"])
        self.param_codes, self.param_uniques = codes_of(adlb["PARAMCD"])
        self.aval = adlb["AVAL"].to_numpy(dtype=float)
        self.adt = adlb["ADT"].to_numpy(dtype="datetime64[ns]")
        self.pchg = (adlb["PCHG"].to_numpy(dtype=float) if "PCHG" in adlb.columns
                     else np.full(len(adlb), np.nan))
        if "PCHGREAS" in adlb.columns:
            self.reason_codes, reasons = codes_of(adlb["PCHGREAS"])
            self.reasons = np.array(["" if r is None or r != r else str(r) for r in reasons],
                                    dtype=object)
        else:
            self.reason_codes = np.zeros(len(adlb), np.int64)
            self.reasons = np.array([""], dtype=object)


class Grid:
    """Subjects x visits as flat integer positions (subject-major): a kind's ResponderGrid."""

    def __init__(self, adsl: pd.DataFrame, visits: list[str], index: Index, *,
                 protocol: Protocol, adlb: pd.DataFrame, episodes: pd.DataFrame,
                 canonical: Callable[..., float],
                 _cache: dict | None = None, _active: tuple[str, ...] = ()):
        self.ids = adsl["USUBJID"].to_numpy()
        self.adsl = adsl
        self.visits = list(visits)
        self.n, self.k = len(self.ids), len(self.visits)
        self.index = index
        self.protocol = protocol
        self.adlb = adlb
        self.episodes = episodes
        self._canonical = canonical
        self._cache = {} if _cache is None else _cache
        self._active = _active
        self._current = ""
        self.visit_of_code = pd.Index(self.visits).get_indexer(index.visit_uniques)
        self.visit_pos = np.tile(np.arange(self.k), self.n)

    def per_visit(self, template: str) -> np.ndarray:
        """``template`` formatted with each visit code, one value a grid cell."""
        return np.array([template.format(visit=v) for v in self.visits], dtype=object)[
            self.visit_pos]

    def take(self, param: str) -> dict[str, np.ndarray]:
        """ADLB analysis values of ``param`` per cell: present, AVAL, ADT, PCHG, PCHGREAS."""
        ix = self.index
        where = np.flatnonzero(ix.param_uniques == param)
        mask = ix.anl & (ix.param_codes == (where[0] if len(where) else -2))
        i = ix.subject[mask]
        j = self.visit_of_code[ix.visit_codes[mask]] if mask.any() else np.zeros(0, np.intp)
        ok = (i >= 0) & (j >= 0)
        pos = i[ok] * self.k + j[ok]
        size = self.n * self.k
        out = {"present": np.zeros(size, dtype=bool), "AVAL": np.full(size, np.nan),
               "ADT": np.full(size, np.datetime64("NaT"), dtype="datetime64[ns]"),
               "PCHG": np.full(size, np.nan), "PCHGREAS": np.full(size, "", dtype=object)}
        aval = ix.aval[mask][ok]
        out["present"][pos] = ~np.isnan(aval)
        out["AVAL"][pos] = aval
        out["ADT"][pos] = ix.adt[mask][ok]
        out["PCHG"][pos] = ix.pchg[mask][ok]
        out["PCHGREAS"][pos] = ix.reasons[ix.reason_codes[mask][ok]]
        return out

    def zero_baseline(self, param: str) -> np.ndarray:
        """Per cell: whether the subject's baseline of ``param`` is 0."""
        lb = self.adlb
        mask = ((lb["PARAMCD"] == param) & (lb["ABLFL"] == "Y") & (lb["AVAL"] == 0)).to_numpy()
        subject_zero = pd.Index(self.ids).isin(lb["USUBJID"].array[mask].unique())
        return np.repeat(subject_zero, self.k)

    def insulin_free_at_nominal(self, where: np.ndarray) -> np.ndarray:
        """Per cell (where ``where``): an insulin-free episode covers the visit's nominal date."""
        out = np.zeros(self.n * self.k, dtype=bool)
        cells = np.flatnonzero(where)
        if not len(cells) or not len(self.episodes):
            return out
        days = np.array([self.protocol.visit(v).day for v in self.visits], dtype="timedelta64[D]")
        rf = pd.Series(self.adsl["RFSTDT"].to_numpy(dtype="datetime64[ns]"), index=self.ids)
        subj = self.ids[cells // self.k]
        nominal = rf.reindex(subj).to_numpy() + days[cells % self.k]
        probe = pd.DataFrame({"pos": cells, "USUBJID": subj, "when": nominal})
        hit = probe.merge(self.episodes[["USUBJID", "ASTDT", "AENDT"]], on="USUBJID")
        hit = hit.loc[(hit["ASTDT"] <= hit["when"]) & (hit["when"] <= hit["AENDT"]), "pos"]
        out[np.unique(hit.to_numpy(dtype=int))] = True
        return out

    def canonical(self, param: str, value: float, unit: str) -> float:
        """A threshold in ``unit`` converted to the canonical unit of ``param``."""
        return self._canonical(param, value, unit, column=f"endpoints.{self._current}.unit")

    def flags_of(self, endpoint: Endpoint) -> Flags:
        """Flags of an endpoint on this grid (its kind's derivation)."""
        return self._by_kind(endpoint, "derive")

    def event_times_of(self, endpoint: Endpoint) -> Any:
        """Event times of a time-to-event endpoint on this grid (its kind's derivation)."""
        return self._by_kind(endpoint, "event_times")

    def _by_kind(self, endpoint: Endpoint, what: str) -> Any:
        """The endpoint's kind's ``derive`` or ``event_times`` on this grid."""
        kind = kind_of(endpoint)
        derivation = getattr(kind, what)
        if derivation is None:
            raise _not_a_responder(endpoint, kind.name, kind.outcome)
        self._current = endpoint.name
        return derivation(endpoint, self)

    def flags(self, name: str) -> Flags:
        """Flags of the protocol's endpoint ``name`` on this grid's visits (derived once)."""
        key = (name, tuple(self.visits))
        if key in self._cache:
            return self._cache[key]
        if name in self._active:
            raise ProtocolError([Problem(
                file="protocol", row=None, column=f"endpoints.{self._active[-1]}", value=name,
                problem="endpoints refer to each other in a circle: "
                        + " -> ".join((*self._active, name)),
                expected="endpoints built only from endpoints that do not refer back")])
        endpoint = next((e for e in self.protocol.all_endpoints if e.name == name), None)
        if endpoint is None:
            raise ProtocolError([Problem(
                file="protocol", row=None, column="endpoints", value=name,
                problem=f"no endpoint named {name!r}",
                expected="one of " + ", ".join(e.name for e in self.protocol.all_endpoints))])
        inner = Grid(self.adsl, self.visits, self.index, protocol=self.protocol, adlb=self.adlb,
                     episodes=self.episodes, canonical=self._canonical, _cache=self._cache,
                     _active=(*self._active, name))
        self._cache[key] = found = inner.flags_of(endpoint)
        return found

    def sub(self, visits: list[str]) -> "Grid":
        """The same subjects over other visits (sharing the cache of derived flags)."""
        return Grid(self.adsl, visits, self.index, protocol=self.protocol, adlb=self.adlb,
                    episodes=self.episodes, canonical=self._canonical, _cache=self._cache,
                    _active=self._active)


def _not_a_responder(endpoint: Any, kind: str, shape: str) -> ProtocolError:
    return ProtocolError([Problem(
        file="protocol", row=None, column=f"endpoints.{endpoint.name}", value=kind,
        problem=f"{endpoint.name} is a {shape.replace('_', ' ')} endpoint, which this "
                "derivation does not take", expected="an endpoint of another kind")])
