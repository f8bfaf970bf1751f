"""Three-valued logic of the composite and any-visit kinds (hypothesis), on a stub grid."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from t1dtrial.protocol.kinds import AnyVisitEndpoint, CompositeEndpoint, Flags, kind_of

FLAG = st.sampled_from([1.0, 0.0, math.nan])


def _kleene(values: list[float], how: str) -> float:
    decided = 1.0 if how == "any" else 0.0
    if any(v == decided for v in values):
        return decided
    if values and all(v == 1.0 - decided for v in values):
        return 1.0 - decided
    return math.nan


def _flags(values: np.ndarray) -> Flags:
    n = len(values)
    return Flags(values, np.full(n, "", dtype=object),
                 np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"),
                 np.where(np.isnan(values), "no value", "").astype(object))


class StubGrid:
    """n subjects x visits; ``inner[name]`` holds each endpoint's flags per subject x schedule visit."""

    def __init__(self, inner: dict[str, np.ndarray], visits: list[str], schedule: list[str]):
        self.inner, self.visits, self.schedule = inner, visits, schedule
        self.n, self.k = next(iter(inner.values())).shape[0], len(visits)
        self.protocol = SimpleNamespace(visit_codes=schedule)

    def flags(self, name: str) -> Flags:
        cols = [self.schedule.index(v) for v in self.visits]
        return _flags(self.inner[name][:, cols].reshape(-1).astype(float))

    def sub(self, visits: list[str]) -> "StubGrid":
        return StubGrid(self.inner, visits, self.schedule)


SCHEDULE = ["BL", "M3", "M6", "M9", "M12"]
POST = SCHEDULE[1:]


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 6).flatmap(lambda n: st.tuples(
    st.lists(st.lists(FLAG, min_size=5, max_size=5), min_size=n, max_size=n),
    st.lists(st.lists(FLAG, min_size=5, max_size=5), min_size=n, max_size=n),
    st.lists(st.lists(FLAG, min_size=5, max_size=5), min_size=n, max_size=n))),
    st.sampled_from(["all", "any"]))
def test_composite_is_the_kleene_combination_of_its_endpoints(rows, how):
    inner = {name: np.array(r, dtype=float) for name, r in zip(("a", "b", "c"), rows)}
    ep = CompositeEndpoint(kind="composite", name="both", label="x", of=["a", "b", "c"],
                           combine=how, visit="M12")
    got = kind_of(ep).derive(ep, StubGrid(inner, POST, SCHEDULE))
    for i in range(len(rows[0])):
        for j, visit in enumerate(POST):
            want = _kleene([inner[x][i, SCHEDULE.index(visit)] for x in "abc"], how)
            value = got.value[i * len(POST) + j]
            assert (math.isnan(want) and math.isnan(value)) or value == want
            assert got.avalc[i * len(POST) + j] == ("missing" if math.isnan(want)
                                                    else "Y" if want == 1 else "N")
    missing = np.isnan(got.value)
    assert (got.reason[missing] != "").all()
    assert (got.reason[~missing] == "").all()


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 6).flatmap(lambda n: st.lists(st.lists(FLAG, min_size=5, max_size=5),
                                                    min_size=n, max_size=n)),
       st.sampled_from(["any", "all"]),
       st.lists(st.sampled_from(POST), min_size=1, max_size=4, unique=True))
def test_any_visit_combines_the_listed_visits_up_to_each_visit(rows, at, listed):
    listed = sorted(listed, key=SCHEDULE.index)
    inner = {"r": np.array(rows, dtype=float)}
    ep = AnyVisitEndpoint(kind="any_visit", name="ever", label="x", endpoint="r",
                          visits=listed, at=at)
    assert ep.visit == listed[-1]
    got = kind_of(ep).derive(ep, StubGrid(inner, POST, SCHEDULE))
    for i in range(len(rows)):
        for j, visit in enumerate(POST):
            upto = [v for v in listed if SCHEDULE.index(v) <= SCHEDULE.index(visit)]
            want = _kleene([inner["r"][i, SCHEDULE.index(v)] for v in upto], at)
            value = got.value[i * len(POST) + j]
            assert (math.isnan(want) and math.isnan(value)) or value == want
            if not upto:
                assert got.reason[i * len(POST) + j].startswith("before ")
