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
from ._check_context import CheckContext, finding
from ._infusion_checks import infusion_problems
from .eligibility import eligibility_problems
from .kinds import EndpointKind, endpoint_kind, endpoint_kinds
from .models import Protocol
from .adam_names import adam_name_problems
from .partitions import subgroup_problems
from .plan import plan_problems
from .populations import population_problems
from .vocabulary import (DERIVED_PARAMS, MEASURED_PARAMS, covariate, covariate_hints,
                         covariate_names, is_endpoint_param, meal_sample_minute)

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
    ctx = CheckContext(p, raw or {})
    out: list[Problem] = []
    for check in (_unique_codes, _visit_schedule, _design, infusion_problems, _endpoints,
                  _covariates, _predictor_model, _multiplicity, _plan):
        out.extend(check(ctx))
    out.extend(subgroup_problems(ctx.items("subgroups")))
    out.extend(finding(*args) for args in adam_name_problems(
        ctx.endpoints(), [(f"subgroups[{i}]", sg) for i, sg in ctx.items("subgroups")]))
    out.extend(eligibility_problems(ctx.items("eligibility"), ctx.minutes))
    out.extend(population_problems(p, lambda name: ctx.covariate(name) is not None))
    return out


def _unique_codes(ctx: CheckContext) -> list[Problem]:
    out = []
    lists = (("arms", ctx.arms), ("visits", ctx.visits),
             ("subgroups", [s.name for _, s in ctx.items("subgroups") if s.name]),
             ("endpoints", [e.name for _, e in ctx.endpoints() if e.name]),
             ("populations", [x.code for _, x in ctx.items("populations") if x.code]))
    for label, codes in lists:
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            out.append(finding(label, f"duplicate code(s) {dupes}", "each code once"))
    return out


def _visit_schedule(ctx: CheckContext) -> list[Problem]:
    p, out = ctx.p, []
    visits = [(i, v) for i, v in ctx.items("visits") if v.day is not None and v.window]
    for (_, a), (j, b) in zip(visits, visits[1:]):
        if b.day <= a.day:
            out.append(finding(f"visits[{j}].day", f"visit {b.code} (day {b.day}) is not after "
                               f"{a.code} (day {a.day})", "visits listed in schedule order"))
        elif b.earliest <= a.latest:
            out.append(finding(
                f"visits[{j}].window", f"window of {b.code} (days {b.earliest}..{b.latest}) "
                f"overlaps window of {a.code} (days {a.earliest}..{a.latest})",
                "windows that do not overlap"))
    out += ctx.unknown_visit("baseline_visit", p.baseline_visit)
    out += ctx.unknown_visit("primary_visit", p.primary_visit)
    if p.primary_visit in ctx.visits and p.baseline_visit in ctx.visits \
            and p.primary_visit not in ctx.after_baseline():
        out.append(finding("primary_visit", f"the primary visit {p.primary_visit} is not after "
                           f"the baseline visit {p.baseline_visit}",
                           f"one of {', '.join(ctx.after_baseline()) or 'the later visits'}"))
    return out


def _design(ctx: CheckContext) -> list[Problem]:
    allocation = getattr(ctx.p.design, "allocation", None)
    kinds = list(ctx.kind_of.values())
    if allocation is None or len(kinds) != len(ctx.arms):
        return []
    if allocation == "single-arm" and len(ctx.arms) > 1:
        return [finding("design.allocation", f"a single-arm design with {len(ctx.arms)} arms "
                        f"({', '.join(ctx.arms)})", "allocation randomised or nonrandomised, "
                        "or one arm", allocation)]
    if allocation != "single-arm" and len(ctx.arms) == 1:
        return [finding("design.allocation", f"a {allocation} design with one arm",
                        "allocation single-arm, or the arms compared", allocation)]
    if allocation != "single-arm" and not any(k in _CONTROL_KINDS for k in kinds):
        return [finding("arms", "no arm is a control (kind standard-care or placebo), so the "
                        "analysis has nothing to compare the treated arms with",
                        "one arm of kind standard-care or placebo")]
    return []


_PARAMS = (f"{', '.join(MEASURED_PARAMS)}, CPxx (a meal-test sample) or a "
           f"derived {', '.join(DERIVED_PARAMS)}")


def _endpoints(ctx: CheckContext) -> list[Problem]:
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
                out.append(finding(path, f"{ep.name} is assessed at {code}, not after the "
                                   f"baseline visit {base}: there is no change from baseline "
                                   "to assess", f"a visit after {base}: {', '.join(later)}",
                                   code))
        out += _endpoint_params(ctx, where, ep)
    return out


def _kind(ep: Any) -> EndpointKind | None:
    """The registered kind of a (possibly partial) endpoint, None when it has none."""
    name = getattr(ep, "kind", None)
    return endpoint_kind(name) if name in endpoint_kinds() else None


def _endpoint_params(ctx: CheckContext, where: str, ep: Any) -> list[Problem]:
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
            out.append(finding(path, f"unknown parameter {code!r}", _PARAMS))
        elif minute is not None and minute not in ctx.minutes:
            out.append(finding(path, f"{code} is the C-peptide at minute {minute} of the meal "
                               f"test, which samples at minutes {list(ctx.minutes)}",
                               "a sampled minute, or that minute in meal_test.minutes", code))
        elif code in ("CPAUC", "CPMAUC") and len(ctx.minutes) < 2:
            out.append(finding(path, "a C-peptide AUC needs meal_test.minutes with at least "
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


def _covariates(ctx: CheckContext) -> list[Problem]:
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


def _unsummed_doses(ctx: CheckContext) -> list[Problem]:
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
            out.append(finding(f"analysis.{field}[{j}]", f"{name} is not derived: {which} "
                               "several products whose doses are reported separately",
                               "a product's dose "
                               f"({', '.join(columns)}), or sum_products: true on the infusion",
                               name))
    return out


def _unknown_covariate(ctx: CheckContext, path: str, name: str) -> Problem:
    hints = covariate_hints(name, infusions=ctx.highest_infusion)
    words = [f"{h} ({c.words}{', ' + c.unit if c.unit else ''})" for h in hints
             if (c := covariate(h, infusions=ctx.highest_infusion)) is not None]
    hint = f"; did you mean {' or '.join(words)}" if words else ""
    names = ", ".join(covariate_names(infusions=ctx.highest_infusion, products=ctx.products))
    return finding(path, f"not a variable of ADSL, the subject-level dataset the models "
                   f"use{hint}", f"one of {names}, or B<parameter> for a baseline value", name)


def _model_arms(ctx: CheckContext, field: str) -> list[str]:
    """Arms whose participants enter the models of a covariate list."""
    if field == "predictor_covariates":
        return list(ctx.p.analysis.predictor_arms or []) or list(ctx.arms)
    controls = [a for a in ctx.arms if ctx.kind_of.get(a) in _CONTROL_KINDS]
    treated = [a for a in ctx.arms if a in ctx.kind_of and ctx.kind_of[a] not in _CONTROL_KINDS]
    return treated + controls[:1] if controls and treated else []


def _exposure_covariates(ctx: CheckContext) -> list[Problem]:
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
                out.append(finding(path, f"{name} is 0 for everyone in the model: its arms "
                                   f"({', '.join(arms)}) receive no infusions",
                                   "analysis.predictor_arms that receive infusions "
                                   f"({', '.join(sorted(ctx.given)) or 'none in this protocol'}), "
                                   f"or no {name}", name))
            else:
                why = ("it predicts the arm perfectly (infinite weights)"
                       if field == "propensity_covariates"
                       else "adjusting for it removes the treatment effect")
                out.append(finding(path, f"{name} is 0 in every participant of "
                                   f"{', '.join(without)} (no infusions), so it stands for the "
                                   f"arm itself: {why}", "baseline covariates, measured before "
                                   "treatment, e.g. AGEONSET, SEX, BFCP", name))
    return out


def _collinear_covariates(ctx: CheckContext) -> list[Problem]:
    opts, out = ctx.p.analysis, []
    doses = {f"DOSE{k}" for k in range(1, ctx.highest_infusion + 1)}
    for field in _COVARIATE_LISTS:
        names = list(getattr(opts, field) or [])
        if doses and "CUMDOSE" in names and doses <= set(names):
            out.append(finding(f"analysis.{field}", "CUMDOSE is the sum of "
                               f"{', '.join(sorted(doses))}: a model with all of them cannot "
                               "be estimated", "CUMDOSE or the doses of single infusions"))
    changes = [e for _, e in ctx.endpoints() if (k := _kind(e)) is not None
               and k.outcome == "continuous" and getattr(e, "summary", None) in ("change", "value")
               and getattr(e, "param", None)]
    for j, name in enumerate(opts.ancova_covariates or []):
        same = [e.name for e in changes if f"B{e.param}" == name]
        if same:
            out.append(finding(f"analysis.ancova_covariates[{j}]", f"{name} is the baseline "
                               f"of {', '.join(same)}, which every ANCOVA of it adjusts for "
                               "already (a covariate collinear with itself)",
                               f"covariates other than the endpoints' baselines; remove {name}",
                               name))
    return out


def _predictor_model(ctx: CheckContext) -> list[Problem]:
    opts = ctx.p.analysis
    primary = getattr(ctx.p.endpoints, "primary", None)
    kind = _kind(primary)
    if opts is None or not opts.predictor_covariates or kind is None \
            or kind.outcome == "responder":
        return []
    responders = ", ".join(k for k in endpoint_kinds() if endpoint_kind(k).outcome == "responder")
    shape = kind.outcome.replace("_", " ")
    return [finding("analysis.predictor_covariates", "the predictor model is a logistic "
                    f"regression of the primary responder endpoint, but {primary.name!r} is "
                    f"{'a ' if shape != 'continuous' else ''}{shape}",
                    "no predictor_covariates, or a responder primary endpoint "
                    f"({responders})")]



def _multiplicity(ctx: CheckContext) -> list[Problem]:
    """The endpoints of ``analysis.multiplicity`` exist, and a procedure goes with them."""
    opts = ctx.p.analysis
    rule = getattr(opts, "multiplicity", None)
    if rule is None:
        return []
    path = "analysis.multiplicity"
    if rule.procedure == "none":
        if rule.endpoints:
            return [finding(f"{path}.procedure", "key secondary endpoints are listed but the "
                            "procedure is none, so their p-values would stay nominal",
                            "procedure holm or fixed-sequence, or no endpoints", "none")]
        return []
    if not rule.endpoints:
        return [finding(f"{path}.endpoints", f"the {rule.procedure} procedure has no endpoint "
                        "to test", "the key secondary endpoints by name, in testing order")]
    by_name = {ep.name: ep for _, ep in ctx.endpoints()}
    out = []
    for j, name in enumerate(rule.endpoints):
        ep = by_name.get(name)
        if ep is None:
            out.append(finding(f"{path}.endpoints[{j}]", f"unknown endpoint {name!r}",
                               "one of " + ", ".join(by_name), name))
        elif getattr(ep, "visits", None) and ep.visit not in ep.visits:
            out.append(finding(f"{path}.endpoints[{j}]", f"{name} is tested at its visit "
                               f"{ep.visit}, which is not among its analysis visits "
                               f"{', '.join(ep.visits)}", f"{ep.visit} in its visits", name))
    return out


def _plan(ctx: CheckContext) -> list[Problem]:
    """Every endpoint, method, population, visit and arm named by ``analysis_plan`` exists."""
    return [finding(path, problem, expected, value)
            for path, problem, expected, value in plan_problems(ctx.p)]
