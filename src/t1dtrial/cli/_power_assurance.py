"""``t1dtrial power assurance`` (module t1dtrial.design.bayes)."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from ._design import power_app
from ._power_output import (FIGURE, INTERRUPTED, REPORT, TARGET,
                            check_curve, check_run_options, refuse)

#: Rows printed in the terminal; the whole grid is in --out.
_SHOWN = 30

#: The reference study's remission counts, treated then control.
_REFERENCE_PILOT = "11/27,3/26"

_PILOT = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*,\s*(\d+)\s*/\s*(\d+)\s*$")


@power_app.command("assurance")
def assurance(
    n1: str = typer.Option(..., "--n1", help="Participants on treatment: 27, 20,30,40 or 20:100:10."),
    n2: str = typer.Option(None, "--n2", help="Participants on control (default: as --n1, cell by cell)."),
    pilot: str = typer.Option(None, "--pilot",
                              help="Pilot counts treated,control as responders/participants; the "
                                   "design prior is each arm's posterior (default "
                                   f"{_REFERENCE_PILOT}, the reference study)."),
    pilot_initial: str = typer.Option("1,1", "--pilot-initial",
                                      help="Beta prior A,B of each arm before the pilot."),
    prior_treated: str = typer.Option(None, "--prior-treated",
                                      help="Design prior A,B (Beta) for treatment, instead of --pilot."),
    prior_control: str = typer.Option(None, "--prior-control",
                                      help="Design prior A,B (Beta) for control, instead of --pilot."),
    test: str = typer.Option("fisher", "--test",
                             help="fisher, chisq, chisq_cc, boschloo or bayes, or a comma list of them."),
    threshold: float = typer.Option(0.975, "--threshold",
                                    help="bayes: success when P(p_t > p_c | data) exceeds this."),
    analysis_treated: str = typer.Option("1,1", "--analysis-prior-treated",
                                         help="bayes: Beta prior A,B of the analysis, treatment."),
    analysis_control: str = typer.Option("1,1", "--analysis-prior-control",
                                         help="bayes: Beta prior A,B of the analysis, control."),
    alpha: float = typer.Option(0.05, "--alpha", help="Level of the frequentist tests."),
    alternative: str = typer.Option("two-sided", "--alternative",
                                    help="two-sided, or greater (frequentist tests)."),
    margin: float = typer.Option(0.0, "--margin",
                                 help="Clinically relevant difference p_t - p_c: the prior "
                                      "probability of exceeding it is reported."),
    out: Path = typer.Option(None, "--out", "-o",
                             help="Write the grid as CSV to this new file (one row a design "
                                  "and test)."),
    figure: Path = FIGURE,
    report: Path = REPORT,
    target: float = TARGET,
) -> None:
    """Assurance (probability of success averaged over a prior) and operating characteristics.

    Success is a rejection in favour of treatment (fisher, chisq, chisq_cc) or a posterior
    probability P(p_t > p_c) above --threshold (bayes); all exact, by enumeration.

    Example: t1dtrial power assurance --n1 27:100:10 --pilot 11/27,3/26 --test fisher,bayes
    """
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from ..design.bayes import (
        SUCCESS_RULES,
        BetaPrior,
        assurance_grid,
        pilot_prior,
    )
    from ..design.grid import design_pairs, parse_values
    from ._power_output import check_power_outputs, write_power_outputs

    def beta(option: str, text: str) -> BetaPrior:
        try:
            a, b = (float(v) for v in text.split(","))
            return BetaPrior(a, b)
        except ValueError:
            raise refuse(option, text, "is not a beta prior",
                         "two positive numbers A,B, e.g. 1,1") from None

    tests = [t.strip() for t in test.split(",") if t.strip()]
    if not tests or any(t not in SUCCESS_RULES for t in tests):
        raise refuse("--test", test, "names no rule of success known here",
                     f"one or more of {', '.join(SUCCESS_RULES)}")
    if not 0 < threshold < 1:
        raise refuse("--threshold", threshold, "is not a probability", "a number between 0 and 1")
    if not 0 < alpha < 1:
        raise refuse("--alpha", alpha, "is not a level", "a number between 0 and 1")
    if alternative not in ("two-sided", "greater"):
        raise refuse("--alternative", alternative, "is not an alternative", "two-sided or greater")
    if not -1 < margin < 1:
        raise refuse("--margin", margin, "is not a difference of proportions",
                     "a number between -1 and 1")
    check_run_options(target=target)
    check_power_outputs(out, figure, report)
    if (prior_treated is None) != (prior_control is None):
        raise refuse("--prior-control" if prior_control is None else "--prior-treated", "",
                     "is missing", "both --prior-treated and --prior-control, or neither")
    if prior_treated is not None and pilot is not None:
        raise refuse("--pilot", pilot, "is given with --prior-treated and --prior-control",
                     "either the pilot's counts or the two priors")
    if prior_treated is not None:
        design = (beta("--prior-treated", prior_treated), beta("--prior-control", prior_control))
        source = "as given"
    else:
        counts = _PILOT.match(pilot or _REFERENCE_PILOT)
        if counts is None or int(counts[1]) > int(counts[2]) or int(counts[3]) > int(counts[4]) \
                or int(counts[2]) < 1 or int(counts[4]) < 1:
            raise refuse("--pilot", pilot, "is not the counts of a pilot",
                         "treated,control as responders/participants, e.g. 11/27,3/26")
        initial = beta("--pilot-initial", pilot_initial)
        design = pilot_prior((int(counts[1]), int(counts[2])), (int(counts[3]), int(counts[4])),
                             initial=initial)
        source = (f"posterior from the pilot {counts[1]}/{counts[2]} vs {counts[3]}/{counts[4]} "
                  f"with {initial} before it")
    options = dict(alpha=alpha, alternative=alternative, threshold=threshold, margin=margin,
                   analysis_treated=beta("--analysis-prior-treated", analysis_treated),
                   analysis_control=beta("--analysis-prior-control", analysis_control))
    sizes1 = parse_values(n1, "--n1", integer=True, low=1, high=2000)
    sizes2 = None if n2 is None else parse_values(n2, "--n2", integer=True, low=1, high=2000)
    check_curve(figure, [a for a, _ in design_pairs(sizes1, sizes2)])

    console = Console()
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("assurance", total=None)
        table = assurance_grid(sizes1, sizes2, *design, tests=tests,
                               progress=lambda done, total: bar.update(task, completed=done,
                                                                       total=total),
                               **options)
    rows = table.to_dict("records")
    interrupted = bool(table.attrs["interrupted"])
    shown = Table(title=f"Assurance, design prior: treatment {design[0]}, control {design[1]} "
                        f"({source})", title_justify="left",
                  caption=f"Assurance tends to P(p_t > p_c) = "
                          f"{rows[0]['prob_treated_better'] if rows else float('nan'):.4f} under "
                          f"the prior as n grows; P(p_t - p_c > {margin:g}) = "
                          f"{rows[0]['prob_difference_exceeds_margin'] if rows else float('nan'):.4f}",
                  caption_justify="left")
    for name in ("n1", "n2", "test", "assurance", "power 10% / 50% / 90% over the prior",
                 "power at prior means", "type I error, max"):
        shown.add_column(name, justify="left" if name == "test" else "right")
    for row in table.head(_SHOWN).itertuples():
        shown.add_row(str(row.n1), str(row.n2), row.test, f"{row.assurance:.4f}",
                      f"{row.power_q10:.2f} / {row.power_median:.2f} / {row.power_q90:.2f}",
                      f"{row.power_at_prior_mean:.4f}", f"{row.type_one_error:.4f}")
    console.print(shown)
    if len(table) > _SHOWN:
        console.print(f"... and {len(table) - _SHOWN} more rows" + (" in --out" if out else
                                                                    " (see --out)"))
    if rows:
        rules = table[["n1", "n2", "test", "assurance"]].assign(test=table["test"].replace(
            "bayes", f"Bayesian rule: P(p_t > p_c | data) > {threshold:g}"))
        levels = ([("Level of the frequentist tests", f"{alpha:g}, {alternative}")]
                  if (table["test"] != "bayes").any() else [])
        written = write_power_outputs(
            table, out=out, figure=None, report=None, x="n1", title="")
        written += write_power_outputs(
            rules, out=None, figure=figure, report=report, x="n1", target=target,
            measure="assurance", title="Assurance of the next trial",
            assumptions=[("Design prior, treatment", str(design[0])),
                         ("Design prior, control", str(design[1])),
                         ("Where the design prior comes from", source),
                         ("Assurance as the number of participants grows",
                          f"{rows[0]['prob_treated_better']:.3f} (the prior probability that "
                          "treatment is better)")] + levels,
            notes=["Assurance is the probability of success averaged over the design prior, "
                   "computed exactly (beta-binomial outcomes over the success region). Success: "
                   "a rejection in favour of treatment, or for the Bayesian rule a posterior "
                   "probability P(p_t > p_c) above its threshold."])
        for path in written:
            console.print(f"[green]written[/green] {path}")
    if interrupted:
        console.print(f"interrupted: {len(rows)} of {table.attrs['cells']} cells done"
                      + (" and written" if out is not None and rows else ""))
        raise typer.Exit(INTERRUPTED)
