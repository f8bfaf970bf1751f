"""Infusions of a protocol: dose rules, cell products, who gets what, and sham infusions.

A scheduled infusion (:class:`Infusion`) says who is given what in one of
three forms: ``arms`` + ``dose`` (one dose for every listed arm), ``doses``
(a dose per arm) or ``products`` (several cell products, each with its dose
or doses per arm); placebo arms are listed in ``sham_arms`` (a sham infusion,
no cells). :meth:`Infusion.planned_doses` flattens any form into one
:class:`PlannedDose` per arm and product, which is what the dose checks,
ADSL, the simulator and ``protocol show`` read.

Examples
--------
>>> inf = Infusion(number=1, visit="BL", arms=["MSC"], dose={"total": 1e8},
...                sham_arms=["PLACEBO"])
>>> [(d.arm, d.sham) for d in inf.planned_doses()]
[('MSC', False), ('PLACEBO', True)]
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from ._base import _Model
from .doses import cell_dose_problem, total_dose_range_problem
from .expressions import ExpressionText

__all__ = ["MAX_INFUSIONS", "PRODUCT_CODE", "Dose", "Product", "PlannedDose", "Infusion",
           "infusion_form_problems"]

#: Highest infusion number: ADSL gets one DOSE<k> column per number up to the highest,
#: and no cell-therapy schedule comes near 100 infusions.
MAX_INFUSIONS = 100


class Dose(_Model):
    """A dose rule: cells per kg of body weight, or a fixed total number of cells."""

    per_kg: float | None = Field(default=None, gt=0, description="Target cells/kg.")
    total: float | None = Field(default=None, gt=0, description="Fixed total cells.")
    range_per_kg: tuple[float, float] | None = Field(
        default=None, description="Range of cells/kg actually given, when it varied.")

    @field_validator("per_kg", "total")
    @classmethod
    def _plausible(cls, v: float | None, info: ValidationInfo) -> float | None:
        found = None if v is None else cell_dose_problem(v, per_kg=info.field_name == "per_kg")
        if found:
            raise ValueError(f"{found[0]}; expected {found[1]}")
        return v

    @field_validator("range_per_kg")
    @classmethod
    def _range_fits(cls, v: tuple[float, float] | None, info: ValidationInfo
                    ) -> tuple[float, float] | None:
        if v is None:
            return v
        for bound in v:
            found = cell_dose_problem(bound, per_kg=True)
            if found:
                raise ValueError(f"{found[0]}; expected {found[1]}")
        per_kg, total = info.data.get("per_kg"), info.data.get("total")
        if v[0] <= v[1] and per_kg is not None and not v[0] <= per_kg <= v[1]:
            raise ValueError(f"the planned per_kg {per_kg:.3g} is outside [{v[0]:.3g}, "
                             f"{v[1]:.3g}]; expected a range that contains the planned dose")
        if v[0] <= v[1] and total is not None:
            problem = total_dose_range_problem(total, v)
            if problem:
                raise ValueError(f"{problem}; expected a range per kg the total can give, "
                                 "or per_kg instead of total")
        return v

    @model_validator(mode="after")
    def _one_rule(self) -> "Dose":
        if (self.per_kg is None) == (self.total is None):
            raise ValueError("a dose gives exactly one of per_kg (cells/kg) or total (cells)")
        if self.range_per_kg is not None and self.range_per_kg[0] > self.range_per_kg[1]:
            raise ValueError("range_per_kg must be [low, high] with low <= high")
        return self


#: A product code: one to four capitals or digits (ADSL names DOSE<k><code>, CUMD<code>).
PRODUCT_CODE = r"^[A-Z][A-Z0-9]{0,3}$"


class Product(_Model):
    """One cell product of an infusion (e.g. UC-MSC and bone-marrow mononuclear cells).

    ``name`` is a short code (one to four capitals or digits) written in the
    ``product`` column of ``infusions.csv`` and appended to the ADSL dose
    columns (``DOSE1MSC``, ``CUMDMSC``). The dose is one for every arm given
    the infusion (``dose``) or one per arm (``doses``), exactly one of the two.

    Examples
    --------
    >>> Product(name="MSC", label="UC-MSC", dose={"per_kg": 1.1e6}).dose_for("ANY").per_kg
    1100000.0
    """

    name: str = Field(pattern=PRODUCT_CODE)
    label: str
    dose: Dose | None = None
    doses: dict[str, Dose] | None = Field(default=None, description="Dose per arm code.")

    @model_validator(mode="after")
    def _one_form(self) -> "Product":
        if (self.dose is None) == (self.doses is None):
            raise ValueError(f"product {self.name} gives exactly one of dose (the same for every "
                             "arm) or doses (one per arm, e.g. {LOW: {per_kg: 1.0e+6}})")
        if self.doses is not None and not self.doses:
            raise ValueError(f"product {self.name} has doses for no arm; expected one per arm")
        return self

    def dose_for(self, arm: str) -> Dose | None:
        """The product's dose for ``arm`` (None when its ``doses`` leave the arm out)."""
        return self.dose if self.dose is not None else (self.doses or {}).get(arm)


class PlannedDose(BaseModel):
    """One planned dose of an infusion: an arm, a product (None without products), a dose.

    ``dose`` is None for a sham (placebo) infusion, which carries no cells.
    """

    model_config = ConfigDict(frozen=True)

    arm: str
    product: str | None
    dose: Dose | None

    @property
    def sham(self) -> bool:
        """Whether this is a sham infusion (no cells)."""
        return self.dose is None


class Infusion(_Model):
    """One scheduled infusion: its number, visit, who gets what dose, and an optional condition.

    Who gets what is written in one of three forms:

    * ``arms`` + ``dose``: the same dose for every listed arm (``arms: [MSC]``,
      ``dose: {per_kg: 1.0e+6}``);
    * ``doses``: a dose per arm, for dose-finding trials
      (``doses: {LOW: {per_kg: 1.0e+6}, HIGH: {per_kg: 3.0e+6}}``);
    * ``products``: several cell products in one infusion, each with its own
      ``dose`` (then ``arms`` lists the arms given the infusion) or ``doses``
      per arm. Doses of different products are reported separately; with
      ``sum_products: true`` they are also summed into the infusion's dose
      (ADSL ``DOSE<k>``, ``CUMDOSE``), e.g. when the products are fractions
      of one cell preparation.

    ``sham_arms`` lists placebo arms given a sham infusion (no cells) at the
    same visit: their participants are infused, so they are in the safety
    set, and ``infusions.csv`` records their infusion with 0 cells
    (``cells_per_kg`` or ``total_cells`` 0; ``product`` blank or ``placebo``).
    A placebo arm is never listed in ``arms``, ``doses`` or a product's
    ``doses``.

    ``number`` is the infusion's number for each participant (1, 2, ... in
    schedule order), whichever arm. ``condition`` is an expression over the
    parameters measured at that visit, e.g. ``INSULIN > 0`` for "a second dose
    only if still on insulin".

    Examples
    --------
    >>> inf = Infusion(number=1, visit="BL", doses={"LOW": {"per_kg": 1e6},
    ...                "HIGH": {"per_kg": 3e6}}, sham_arms=["PLACEBO"])
    >>> inf.treated_arms, inf.given_arms
    (['LOW', 'HIGH'], ['LOW', 'HIGH', 'PLACEBO'])
    >>> inf.dose_for("HIGH").per_kg, inf.dose_for("PLACEBO") is None
    (3000000.0, True)
    """

    number: int = Field(ge=1, le=MAX_INFUSIONS,
                        description="1, 2, ... in schedule order (ADSL gets DOSE1..DOSE<number>).")
    visit: str
    arms: list[str] | None = Field(default=None, description="Arms given ``dose`` (or products).")
    dose: Dose | None = Field(default=None, description="The dose of every arm in ``arms``.")
    doses: dict[str, Dose] | None = Field(default=None, description="A dose per arm code.")
    products: list[Product] | None = Field(
        default=None, description="Several cell products given in this infusion.")
    sum_products: bool = Field(
        default=False, description="Sum the products' cells/kg into DOSE<k> and CUMDOSE.")
    sham_arms: list[str] = Field(
        default_factory=list, description="Placebo arms given a sham infusion with no cells.")
    route: Literal["intravenous", "pancreatic-artery", "intraportal", "subcutaneous",
                   "other"] = "intravenous"
    condition: ExpressionText | None = None

    @model_validator(mode="after")
    def _one_form(self) -> "Infusion":
        for problem in infusion_form_problems(self):
            raise ValueError(problem)
        return self

    @property
    def treated_arms(self) -> list[str]:
        """Arms given cells, in the order written."""
        if self.doses is not None:
            return list(self.doses)
        if self.arms is not None:
            return list(self.arms)
        seen: list[str] = []
        for product in self.products or []:
            seen += [a for a in (product.doses or {}) if a not in seen]
        return seen

    @property
    def given_arms(self) -> list[str]:
        """Arms given this infusion: those given cells, then the sham (placebo) arms."""
        treated = self.treated_arms
        return treated + [a for a in self.sham_arms if a not in treated]

    @property
    def product_names(self) -> list[str]:
        """The products' codes (empty without ``products``)."""
        return [p.name for p in self.products or []]

    @property
    def summed(self) -> bool:
        """Whether the infusion has one dose to report: no products, one, or ``sum_products``."""
        return len(self.products or []) <= 1 or self.sum_products

    def dose_for(self, arm: str, product: str | None = None) -> Dose | None:
        """Planned dose of ``arm`` (of ``product`` when the infusion lists products).

        None for a sham arm, an arm not given the infusion, or an unknown product.
        """
        if self.products:
            found = next((p for p in self.products if p.name == product), None)
            if found is None and product is None and len(self.products) == 1:
                found = self.products[0]
            return found.dose_for(arm) if found is not None and arm in self.treated_arms else None
        if self.doses is not None:
            return self.doses.get(arm)
        return self.dose if arm in (self.arms or []) else None

    def planned_doses(self) -> list[PlannedDose]:
        """Every planned dose: one per treated arm and product, then one per sham arm."""
        out = [PlannedDose(arm=arm, product=product, dose=self.dose_for(arm, product))
               for arm in self.treated_arms for product in (self.product_names or [None])]
        out += [PlannedDose(arm=arm, product=None, dose=None) for arm in self.given_arms
                if arm not in self.treated_arms]
        return [d for d in out if d.sham or d.dose is not None]


def infusion_form_problems(inf: "Infusion") -> list[str]:
    """Why an infusion's arms, dose, doses and products do not make one form (empty if they do).

    Examples
    --------
    >>> inf = Infusion.model_construct(number=1, visit="BL", arms=["A"], dose=None, doses=None,
    ...                                products=None, sham_arms=[])
    >>> infusion_form_problems(inf)
    ['arms without a dose: expected dose: {per_kg: ...} for every arm listed, or doses: {ARM: {per_kg: ...}} per arm']
    """
    arms, dose, doses, products = inf.arms, inf.dose, inf.doses, inf.products
    per_arm = "doses: {ARM: {per_kg: ...}} per arm"
    if products is not None:
        if dose is not None or doses is not None:
            return ["an infusion of products gives each product its dose; expected no dose or "
                    "doses beside products"]
        if not products:
            return ["products lists no product; expected at least one, or no products"]
        names = [p.name for p in products if p is not None]
        if len(set(names)) < len(names):
            return [f"product names {names} repeat; expected each product once"]
        shared = [p for p in products if p is not None and p.dose is not None]
        if shared and arms is None:
            return [f"product {shared[0].name} has one dose for every arm, but the infusion "
                    "lists no arms; expected arms: [...] (the arms given the infusion)"]
        keyed = [set(p.doses) for p in products if p is not None and p.doses is not None]
        target = set(arms) if arms is not None else (keyed[0] if keyed else set())
        if any(k != target for k in keyed):
            return ["the products' doses name different arms; expected a dose for each arm "
                    f"given the infusion ({', '.join(sorted(target))}) in every product"]
        return []
    if doses is not None:
        if arms is not None or dose is not None:
            return ["an infusion gives either arms + dose or doses (a dose per arm), not both; "
                    f"expected {per_arm}, or arms: [...] with dose: {{...}}"]
        if not doses:
            return [f"doses names no arm; expected {per_arm}"]
        return []
    if arms is not None and dose is None:
        return [f"arms without a dose: expected dose: {{per_kg: ...}} for every arm listed, or "
                f"{per_arm}"]
    if dose is not None and arms is None:
        return ["a dose without arms: expected arms: [...] (the arms given it), or " + per_arm]
    if arms is None and not inf.sham_arms:
        return [f"the infusion says who gets it in none of its forms: expected arms + dose, "
                f"{per_arm}, or products"]
    return []
