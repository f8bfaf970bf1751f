"""Cross-field checks of a protocol: everything that can be known without data.

Field types and single-field rules are pydantic's (:mod:`.models`); here are
the rules that relate fields: codes are unique, visits ordered, every visit,
arm, parameter, subject column and ADSL covariate named anywhere exists,
endpoints are assessed after baseline, meal-test samples are sampled, the
design has the arms it says, infusions go to arms that receive them, models
do not adjust for what is constant or collinear by construction, a
multiplicity procedure names endpoints the plan analyses at their visit,
subgroups declared as a partition split the participants (:mod:`.partitions`),
eligibility criteria use names known at enrolment (:mod:`.eligibility`) and
population rules name facts, populations and covariates (:mod:`.populations`).

The checks run on a whole :class:`~.models.Protocol` or on one built
partially (fields that failed validation are None), so that one pass of
``t1dtrial protocol check`` reports every problem.

Examples
--------
>>> from t1dtrial.protocol import load_protocol
>>> protocol_problems(load_protocol("lu2021"))
[]
"""

from __future__ import annotations

from typing import Any

from ..errors import Problem
from .expressions import Expression, ExpressionSyntaxError
from .eligibility import eligibility_problems
from .kinds import EndpointKind, endpoint_kind, endpoint_kinds
from .models import Protocol
from .partitions import subgroup_problems
from .plan import plan_problems
from .populations import population_problems
from .vocabulary import (DERIVED_PARAMS, MEASURED_PARAMS, Covariate, covariate,
                         covariate_hints, covariate_names, is_endpoint_param, meal_sample_minute)

__all__ = ["protocol_problems"]

_CONTROL_KINDS = ("standard-care", "placebo")
_COVARIATE_LISTS = ("predictor_covariates", "ancova_covariates", "propensity_covariates",
                    "adjustment_covariates")


def protocol_problems(p: Protocol, raw: dict | None = None) -> list[Problem]:
    """Cross-field problems of a (possibly partial) protocol.

    Parameters
    ----------
    p : Protocol
        A protocol; fields that failed validation may be None.
    raw : dict, optional
        The mapping read from the file. Arm and visit codes are taken from it,
        so that a code whose own item failed validation is still known.

    Returns
    -------
    list of Problem
        ``file`` empty and ``row`` None (the loader fills both); ``column`` is
        the field path, e.g. ``analysis.ancova_covariates[0]``.
    """
    ctx = _Context(p, raw or {})
    out: list[Problem] = []
    for check in (_unique_codes, _visit_schedule, _design, _infusions, _endpoints,
                  _covariates, _predictor_model, _multiplicity, _plan):
        out.extend(check(ctx))
    out.extend(subgroup_problems(ctx.items("subgroups")))
    out.extend(eligibility_problems(ctx.items("eligibility"), ctx.minutes))
    out.extend(population_problems(p, lambda name: ctx.covariate(name) is not None))
    return out


def _finding(path: str, problem: str, expected: str = "", value: Any = None) -> Problem:
    return Problem(file="", row=None, column=path, value=value, problem=problem,
                   expected=expected)


class _Context:
    """The protocol, its codes (from the file where an item failed) and look-ups."""

    def __init__(self, p: Protocol, raw: dict):
        self.p = p
        self.arms = self._codes(raw, "arms", "code")
        self.visits = self._codes(raw, "visits", "code")
        self.kind_of = {a.code: a.kind for _, a in self.items("arms") if a.kind}
        self.given = {arm for _, inf in self.items("infusions") for arm in _given_cells(inf)}
        numbers = [inf.number for _, inf in self.items("infusions") if isinstance(inf.number, int)]
        self.highest_infusion = max(numbers, default=0)
        self.products = tuple((inf.number, p.name) for _, inf in self.items("infusions")
                              if isinstance(inf.number, int)
                              for p in inf.products or [] if p is not None
                              and isinstance(p.name, str))
        self.unsummed = [inf.number for _, inf in self.items("infusions")
                         if isinstance(inf.number, int) and len(inf.products or []) > 1
                         and not inf.sum_products]
        meal = p.meal_test
        minutes = (meal.minutes or []) if meal is not None else []
        self.minutes = tuple(m for m in minutes if isinstance(m, int))

    def _codes(self, raw: dict, section: str, key: str) -> list[str]:
        items = raw.get(section) if section in raw else [
            {key: getattr(x, key, None)} for _, x in self.items(section)]
        if not isinstance(items, list):
            return []
        return [x[key] for x in items if isinstance(x, dict) and isinstance(x.get(key), str)]

    def covariate(self, name: Any) -> Covariate | None:
        """The vocabulary's covariate ``name`` (None when unknown or not text)."""
        if not isinstance(name, str):
            return None
        return covariate(name, infusions=self.highest_infusion, meal_minutes=self.minutes,
                         products=self.products)

    def items(self, section: str) -> list[tuple[int, Any]]:
        """``(index, item)`` of a list section, items that could not be read left out."""
        values = getattr(self.p, section, None)
        return [(i, x) for i, x in enumerate(values or []) if x is not None]

    def endpoints(self) -> list[tuple[str, Any]]:
        """``(path, endpoint)`` of the primary and secondary endpoints that could be read."""
        eps = self.p.endpoints
        if eps is None:
            return []
        out = [("endpoints.primary", eps.primary)] if eps.primary is not None else []
        out += [(f"endpoints.secondary[{i}]", e) for i, e in enumerate(eps.secondary or [])
                if e is not None]
        return out

    def after_baseline(self) -> list[str]:
        base = self.p.baseline_visit
        return self.visits[self.visits.index(base) + 1:] if base in self.visits else []

    def unknown_visit(self, path: str, code: Any) -> list[Problem]:
        if not isinstance(code, str) or code in self.visits or not self.visits:
            return []
        return [_finding(path, f"unknown visit {code!r}", f"one of {', '.join(self.visits)}")]

    def unknown_arm(self, path: str, code: Any) -> list[Problem]:
        if not isinstance(code, str) or code in self.arms or not self.arms:
            return []
        return [_finding(path, f"unknown arm {code!r}", f"one of {', '.join(self.arms)}")]


def _unique_codes(ctx: _Context) -> list[Problem]:
    out = []
    lists = (("arms", ctx.arms), ("visits", ctx.visits),
             ("subgroups", [s.name for _, s in ctx.items("subgroups") if s.name]),
             ("endpoints", [e.name for _, e in ctx.endpoints() if e.name]),
             ("populations", [x.code for _, x in ctx.items("populations") if x.code]))
    for label, codes in lists:
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            out.append(_finding(label, f"duplicate code(s) {dupes}", "each code once"))
    return out


def _visit_schedule(ctx: _Context) -> list[Problem]:
    p, out = ctx.p, []
    visits = [(i, v) for i, v in ctx.items("visits") if v.day is not None and v.window]
    for (_, a), (j, b) in zip(visits, visits[1:]):
        if b.day <= a.day:
            out.append(_finding(f"visits[{j}].day", f"visit {b.code} (day {b.day}) is not after "
                                f"{a.code} (day {a.day})", "visits listed in schedule order"))
        elif b.earliest <= a.latest:
            out.append(_finding(
                f"visits[{j}].window", f"window of {b.code} (days {b.earliest}..{b.latest}) "
                f"overlaps window of {a.code} (days {a.earliest}..{a.latest})",
                "windows that do not overlap"))
    out += ctx.unknown_visit("baseline_visit", p.baseline_visit)
    out += ctx.unknown_visit("primary_visit", p.primary_visit)
    if p.primary_visit in ctx.visits and p.baseline_visit in ctx.visits \
            and p.primary_visit not in ctx.after_baseline():
        out.append(_finding("primary_visit", f"the primary visit {p.primary_visit} is not after "
                            f"the baseline visit {p.baseline_visit}",
                            f"one of {', '.join(ctx.after_baseline()) or 'the later visits'}"))
    return out


def _design(ctx: _Context) -> list[Problem]:
    allocation = getattr(ctx.p.design, "allocation", None)
    kinds = list(ctx.kind_of.values())
    if allocation is None or len(kinds) != len(ctx.arms):
        return []
    if allocation == "single-arm" and len(ctx.arms) > 1:
        return [_finding("design.allocation", f"a single-arm design with {len(ctx.arms)} arms "
                         f"({', '.join(ctx.arms)})", "allocation randomised or nonrandomised, "
                         "or one arm", allocation)]
    if allocation != "single-arm" and len(ctx.arms) == 1:
        return [_finding("design.allocation", f"a {allocation} design with one arm",
                         "allocation single-arm, or the arms compared", allocation)]
    if allocation != "single-arm" and not any(k in _CONTROL_KINDS for k in kinds):
        return [_finding("arms", "no arm is a control (kind standard-care or placebo), so the "
                         "analysis has nothing to compare the treated arms with",
                         "one arm of kind standard-care or placebo")]
    return []


def _infusions(ctx: _Context) -> list[Problem]:
    out = []
    numbers = [inf.number for _, inf in ctx.items("infusions") if inf.number is not None]
    if numbers != sorted(set(numbers)):
        out.append(_finding("infusions", f"infusion numbers {numbers} are not unique and "
                            "increasing", "one entry per scheduled infusion, numbered 1, 2, ... "
                            "in schedule order, with a dose per arm (doses: {ARM: {per_kg: ...}}) "
                            "where arms differ"))
    arm_problems: list[Problem] = []
    for i, inf in ctx.items("infusions"):
        where = f"infusions[{i}]"
        out += ctx.unknown_visit(f"{where}.visit", inf.visit)
        arm_problems += _infusion_arms(ctx, where, inf)
        for name in _names(inf.condition):
            if not is_endpoint_param(name):
                out.append(_finding(f"{where}.condition", f"unknown parameter {name!r} in "
                                    f"{inf.condition!r}", "parameters measured at the visit, "
                                    "e.g. INSULIN > 0"))
    # numbering per arm is judged once every arm named is right (else it repeats their problem)
    return (out + arm_problems + (_per_subject_numbers(ctx) if not arm_problems else [])
            + _placebo_left_out(ctx))


def _arm_paths(where: str, inf: Any) -> list[tuple[str, Any]]:
    """``(path, arm code)`` of every arm an infusion names as given cells."""
    out = [(f"{where}.arms", a) for a in inf.arms or []]
    out += [(f"{where}.doses.{a}", a) for a in inf.doses or {}]
    for j, product in enumerate(inf.products or []):
        if product is not None:
            out += [(f"{where}.products[{j}].doses.{a}", a) for a in product.doses or {}]
    return out


def _infusion_arms(ctx: _Context, where: str, inf: Any) -> list[Problem]:
    out = []
    if inf.arms is not None and not inf.arms and not inf.sham_arms:
        out.append(_finding(f"{where}.arms", "the infusion is given to no arm",
                            "the arms that receive it, e.g. [MSC]"))
    for path, arm in _arm_paths(where, inf):
        out += ctx.unknown_arm(path, arm)
        kind = ctx.kind_of.get(arm)
        if kind == "standard-care":
            out.append(_finding(path, f"arm {arm!r} is standard care and cannot receive "
                                "infusions", "arms of kind cell-therapy or active, or placebo "
                                "arms in sham_arms"))
        elif kind == "placebo":
            out.append(_finding(path, f"arm {arm!r} is a placebo arm, which is given no cells",
                                f"sham_arms: [{arm}] (a sham infusion with no cells), and the "
                                "arm left out of arms and doses", arm))
    for j, arm in enumerate(inf.sham_arms or []):
        path = f"{where}.sham_arms[{j}]"
        out += ctx.unknown_arm(path, arm)
        kind = ctx.kind_of.get(arm)
        if kind is not None and kind != "placebo":
            out.append(_finding(path, f"arm {arm!r} is of kind {kind}, but a sham infusion "
                                "(no cells) is given only to placebo arms",
                                "placebo arms only; an arm given cells goes in arms or doses",
                                arm))
        if arm in _given_cells(inf):
            out.append(_finding(path, f"arm {arm!r} is given cells and a sham infusion at the "
                                "same infusion", "each arm once: in sham_arms or given cells",
                                arm))
    return out


def _given_cells(inf: Any) -> list[str]:
    return [a for _, a in _arm_paths("", inf) if isinstance(a, str)]


def _per_subject_numbers(ctx: _Context) -> list[Problem]:
    """Each arm's infusions are numbered 1, 2, ... (the numbers an export gives a participant)."""
    by_arm: dict[str, list[int]] = {}
    for _, inf in ctx.items("infusions"):
        if not isinstance(inf.number, int):
            continue
        for arm in dict.fromkeys(_given_cells(inf) + list(inf.sham_arms or [])):
            by_arm.setdefault(arm, []).append(inf.number)
    out = []
    for arm, got in by_arm.items():
        expected = list(range(1, len(got) + 1))
        if sorted(got) != expected:
            out.append(_finding("infusions", f"arm {arm}'s infusions are numbered "
                                f"{', '.join(map(str, sorted(got)))}, but a participant's "
                                "infusions are numbered 1, 2, ... in infusions.csv",
                                "one entry per scheduled infusion, numbered 1, 2, ..., with a "
                                "dose per arm where arms differ: doses: {LOW: {per_kg: 1.0e+6}, "
                                "HIGH: {per_kg: 3.0e+6}}", arm))
    return out


def _placebo_left_out(ctx: _Context) -> list[Problem]:
    """A placebo arm is given its sham infusions (else it is never infused nor in the safety set)."""
    if not ctx.items("infusions"):
        return []
    named = {a for _, inf in ctx.items("infusions")
             for a in _given_cells(inf) + list(inf.sham_arms or [])}
    return [_finding("infusions", f"the placebo arm {arm} is given no infusion, so its "
                     "participants are never infused and not in the safety set",
                     f"sham_arms: [{arm}] on each infusion its participants receive (a sham "
                     "infusion with no cells)", arm)
            for arm in ctx.arms if ctx.kind_of.get(arm) == "placebo" and arm not in named]


def _names(text: Any) -> frozenset[str]:
    try:
        return Expression.parse(text).names if isinstance(text, str) else frozenset()
    except ExpressionSyntaxError:
        return frozenset()


_PARAMS = (f"{', '.join(MEASURED_PARAMS)}, CPxx (a meal-test sample) or a "
           f"derived {', '.join(DERIVED_PARAMS)}")


def _endpoints(ctx: _Context) -> list[Problem]:
    out = []
    later = ctx.after_baseline()
    base = ctx.p.baseline_visit
    for where, ep in ctx.endpoints():
        out += ctx.unknown_visit(f"{where}.visit", ep.visit)
        visits = [(f"{where}.visit", ep.visit)]
        visits += [(f"{where}.visits[{j}]", v) for j, v in enumerate(getattr(ep, "visits", None)
                                                                     or [])]
        for path, code in visits[1:]:
            out += ctx.unknown_visit(path, code)
        for path, code in visits:
            if code in ctx.visits and later and code not in later:
                out.append(_finding(path, f"{ep.name} is assessed at {code}, not after the "
                                    f"baseline visit {base}: there is no change from baseline "
                                    "to assess", f"a visit after {base}: {', '.join(later)}",
                                    code))
        out += _endpoint_params(ctx, where, ep)
    return out


def _kind(ep: Any) -> EndpointKind | None:
    """The registered kind of a (possibly partial) endpoint, None when it has none."""
    name = getattr(ep, "kind", None)
    return endpoint_kind(name) if name in endpoint_kinds() else None


def _endpoint_params(ctx: _Context, where: str, ep: Any) -> list[Problem]:
    kind = _kind(ep)
    if kind is None:
        return []
    try:
        params = [(f"{where}.{suffix}", c) for suffix, c in kind.params(ep)]
    except (AttributeError, TypeError):  # a partial endpoint: its own fields failed
        params = []
    out = []
    for path, code in params:
        if not isinstance(code, str):
            continue
        minute = meal_sample_minute(code)
        if not is_endpoint_param(code):
            out.append(_finding(path, f"unknown parameter {code!r}", _PARAMS))
        elif minute is not None and minute not in ctx.minutes:
            out.append(_finding(path, f"{code} is the C-peptide at minute {minute} of the meal "
                                f"test, which samples at minutes {list(ctx.minutes)}",
                                "a sampled minute, or that minute in meal_test.minutes", code))
        elif code in ("CPAUC", "CPMAUC") and len(ctx.minutes) < 2:
            out.append(_finding(path, "a C-peptide AUC needs meal_test.minutes with at least "
                                "two sampling times", "meal_test.minutes such as [0, 30, 60, "
                                "90, 120]", code))
    if kind.problems is not None:
        try:
            out += kind.problems(ep, where, ctx)
        except (AttributeError, TypeError):
            if _complete(kind, ep):  # a fault of the kind's check, not a partial endpoint
                raise
    return out


def _complete(kind: EndpointKind, ep: Any) -> bool:
    """Whether an endpoint's own fields all validated (else its kind's checks may meet None)."""
    try:
        kind.model.model_validate(ep.model_dump())
    except ValueError:
        return False
    return True


def _covariates(ctx: _Context) -> list[Problem]:
    opts = ctx.p.analysis
    if opts is None:
        return []
    out = []
    for j, arm in enumerate(opts.predictor_arms or []):
        out += ctx.unknown_arm(f"analysis.predictor_arms[{j}]", arm)
    for field in _COVARIATE_LISTS:
        for j, name in enumerate(getattr(opts, field) or []):
            path = f"analysis.{field}[{j}]"
            if isinstance(name, str) and ctx.covariate(name) is None:
                out.append(_unknown_covariate(ctx, path, name))
    out += _exposure_covariates(ctx)
    out += _collinear_covariates(ctx)
    out += _unsummed_doses(ctx)
    return out


def _unsummed_doses(ctx: _Context) -> list[Problem]:
    """DOSE<k> and CUMDOSE are not derived when infusion k's products are reported separately."""
    if not ctx.unsummed:
        return []
    out = []
    for field in _COVARIATE_LISTS:
        for j, name in enumerate(getattr(ctx.p.analysis, field) or []):
            numbers = (ctx.unsummed if name == "CUMDOSE" else
                       [k for k in ctx.unsummed if name == f"DOSE{k}"])
            if not numbers:
                continue
            codes = [c for k, c in ctx.products if k in numbers]
            columns = ([f"CUMD{c}" for c in dict.fromkeys(codes)] if name == "CUMDOSE"
                       else [f"DOSE{numbers[0]}{c}" for c in codes])
            which = (f"infusion {numbers[0]} gives" if len(numbers) == 1 else
                     f"infusions {', '.join(map(str, numbers))} give")
            out.append(_finding(f"analysis.{field}[{j}]", f"{name} is not derived: {which} "
                                "several products whose doses are reported separately",
                                "a product's dose "
                                f"({', '.join(columns)}), or sum_products: true on the infusion",
                                name))
    return out


def _unknown_covariate(ctx: _Context, path: str, name: str) -> Problem:
    hints = covariate_hints(name, infusions=ctx.highest_infusion)
    words = [f"{h} ({c.words}{', ' + c.unit if c.unit else ''})" for h in hints
             if (c := covariate(h, infusions=ctx.highest_infusion)) is not None]
    hint = f"; did you mean {' or '.join(words)}" if words else ""
    names = ", ".join(covariate_names(infusions=ctx.highest_infusion, products=ctx.products))
    return _finding(path, f"not a variable of ADSL, the subject-level dataset the models "
                    f"use{hint}", f"one of {names}, or B<parameter> for a baseline value", name)


def _model_arms(ctx: _Context, field: str) -> list[str]:
    """Arms whose participants enter the models of a covariate list."""
    if field == "predictor_covariates":
        return list(ctx.p.analysis.predictor_arms or []) or list(ctx.arms)
    controls = [a for a in ctx.arms if ctx.kind_of.get(a) in _CONTROL_KINDS]
    treated = [a for a in ctx.arms if a in ctx.kind_of and ctx.kind_of[a] not in _CONTROL_KINDS]
    return treated + controls[:1] if controls and treated else []


def _exposure_covariates(ctx: _Context) -> list[Problem]:
    out = []
    for field in _COVARIATE_LISTS:
        arms = [a for a in _model_arms(ctx, field) if a in ctx.arms]
        without = [a for a in arms if a not in ctx.given]
        if not without:
            continue
        for j, name in enumerate(getattr(ctx.p.analysis, field) or []):
            cov = ctx.covariate(name)
            if cov is None or not cov.exposure:
                continue
            path = f"analysis.{field}[{j}]"
            if len(without) == len(arms):
                out.append(_finding(path, f"{name} is 0 for everyone in the model: its arms "
                                    f"({', '.join(arms)}) receive no infusions",
                                    "analysis.predictor_arms that receive infusions "
                                    f"({', '.join(sorted(ctx.given)) or 'none in this protocol'}), "
                                    f"or no {name}", name))
            else:
                why = ("it predicts the arm perfectly (infinite weights)"
                       if field == "propensity_covariates"
                       else "adjusting for it removes the treatment effect")
                out.append(_finding(path, f"{name} is 0 in every participant of "
                                    f"{', '.join(without)} (no infusions), so it stands for the "
                                    f"arm itself: {why}", "baseline covariates, measured before "
                                    "treatment, e.g. AGEONSET, SEX, BFCP", name))
    return out


def _collinear_covariates(ctx: _Context) -> list[Problem]:
    opts, out = ctx.p.analysis, []
    doses = {f"DOSE{k}" for k in range(1, ctx.highest_infusion + 1)}
    for field in _COVARIATE_LISTS:
        names = list(getattr(opts, field) or [])
        if doses and "CUMDOSE" in names and doses <= set(names):
            out.append(_finding(f"analysis.{field}", "CUMDOSE is the sum of "
                                f"{', '.join(sorted(doses))}: a model with all of them cannot "
                                "be estimated", "CUMDOSE or the doses of single infusions"))
    changes = [e for _, e in ctx.endpoints() if (k := _kind(e)) is not None
               and k.outcome == "continuous" and getattr(e, "summary", None) in ("change", "value")
               and getattr(e, "param", None)]
    for j, name in enumerate(opts.ancova_covariates or []):
        same = [e.name for e in changes if f"B{e.param}" == name]
        if same:
            out.append(_finding(f"analysis.ancova_covariates[{j}]", f"{name} is the baseline "
                                f"of {', '.join(same)}, which every ANCOVA of it adjusts for "
                                "already (a covariate collinear with itself)",
                                f"covariates other than the endpoints' baselines; remove {name}",
                                name))
    return out


def _predictor_model(ctx: _Context) -> list[Problem]:
    opts = ctx.p.analysis
    primary = getattr(ctx.p.endpoints, "primary", None)
    kind = _kind(primary)
    if opts is None or not opts.predictor_covariates or kind is None \
            or kind.outcome == "responder":
        return []
    responders = ", ".join(k for k in endpoint_kinds() if endpoint_kind(k).outcome == "responder")
    shape = kind.outcome.replace("_", " ")
    return [_finding("analysis.predictor_covariates", "the predictor model is a logistic "
                     f"regression of the primary responder endpoint, but {primary.name!r} is "
                     f"{'a ' if shape != 'continuous' else ''}{shape}",
                     "no predictor_covariates, or a responder primary endpoint "
                     f"({responders})")]



def _multiplicity(ctx: _Context) -> list[Problem]:
    """The endpoints of ``analysis.multiplicity`` exist, and a procedure goes with them."""
    opts = ctx.p.analysis
    rule = getattr(opts, "multiplicity", None)
    if rule is None:
        return []
    path = "analysis.multiplicity"
    if rule.procedure == "none":
        if rule.endpoints:
            return [_finding(f"{path}.procedure", "key secondary endpoints are listed but the "
                             "procedure is none, so their p-values would stay nominal",
                             "procedure holm or fixed-sequence, or no endpoints", "none")]
        return []
    if not rule.endpoints:
        return [_finding(f"{path}.endpoints", f"the {rule.procedure} procedure has no endpoint "
                         "to test", "the key secondary endpoints by name, in testing order")]
    by_name = {ep.name: ep for _, ep in ctx.endpoints()}
    out = []
    for j, name in enumerate(rule.endpoints):
        ep = by_name.get(name)
        if ep is None:
            out.append(_finding(f"{path}.endpoints[{j}]", f"unknown endpoint {name!r}",
                                "one of " + ", ".join(by_name), name))
        elif getattr(ep, "visits", None) and ep.visit not in ep.visits:
            out.append(_finding(f"{path}.endpoints[{j}]", f"{name} is tested at its visit "
                                f"{ep.visit}, which is not among its analysis visits "
                                f"{', '.join(ep.visits)}", f"{ep.visit} in its visits", name))
    return out


def _plan(ctx: _Context) -> list[Problem]:
    """Every endpoint, method, population, visit and arm named by ``analysis_plan`` exists."""
    return [_finding(path, problem, expected, value)
            for path, problem, expected, value in plan_problems(ctx.p)]
