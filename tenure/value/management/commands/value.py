"""`tenure value recompute|tiers|pareto|abc|rfm|clv-fit|basket [--json]`: the value engine for analysts.

These are whole-company analyses (command line, for analysts and admins); per-user reads go through
the selectors, which take a user and Customer.objects.visible_to(user).
"""

import json
from datetime import date, datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tenure.value.conf import value_settings


def parse_date(value: str) -> datetime:
    """A date (YYYY-MM-DD, start of that day in the server time zone) or an ISO datetime."""
    try:
        if len(value) == 10:
            return timezone.make_aware(datetime.combine(date.fromisoformat(value), time.min))
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date: {value!r} (use YYYY-MM-DD)") from exc
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


class Command(BaseCommand):
    help = "Customer value: recompute metrics; Pareto, ABC, RFM, lifetime value and basket analyses."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rec = sub.add_parser("recompute", help="Recompute every customer's metrics, RFM, ABC, CLV and stage.")
        rec.add_argument("--as-of", help="Compute as of this date (default: now).")
        rec.add_argument("--no-clv", action="store_true", help="Skip the lifetime-value fit.")
        rec.add_argument(
            "--full",
            action="store_true",
            help="Recompute order and contact sums for every customer, not only those that changed.",
        )
        rec.add_argument("--json", action="store_true")

        tie = sub.add_parser("tiers", help="Recompute tiers only (from the stored metrics); counts per tier.")
        tie.add_argument("--as-of", help="Recompute as of this date (default: now); overrides expire by it.")
        tie.add_argument("--json", action="store_true")

        par = sub.add_parser("pareto", help="Share of customers vs share of net revenue and margin.")
        par.add_argument("--since", help="First day of the period (inclusive).")
        par.add_argument("--until", help="End of the period (exclusive).")
        par.add_argument("--json", action="store_true")

        abc = sub.add_parser("abc", help="A/B/C classes by cumulative share of value (from stored metrics).")
        abc.add_argument("--thresholds", help="A,B,C in percent (default 80,15,5).")
        abc.add_argument("--basis", choices=["revenue", "margin"])
        abc.add_argument("--marketing-cost", action="store_true", help="Subtract marketing cost.")
        abc.add_argument("--tenure-weight", type=float, help="Weight per year of relationship.")
        abc.add_argument("--json", action="store_true")

        rfm = sub.add_parser("rfm", help="RFM segments and grid (from stored metrics).")
        rfm.add_argument("--json", action="store_true")

        clv = sub.add_parser("clv-fit", help="Fit BG/NBD and Gamma-Gamma on the purchase history.")
        clv.add_argument("--until", help="Calibration end (default: now).")
        clv.add_argument("--time-unit", choices=["day", "week"])
        clv.add_argument("--holdout-until", help="Also validate on purchases from --until to this date.")
        clv.add_argument("--store", action="store_true", help="Store the fit and per-customer CLV.")
        clv.add_argument("--json", action="store_true")

        bas = sub.add_parser("basket", help="Association rules over order lines (bought together).")
        bas.add_argument("--min-support", type=float)
        bas.add_argument("--min-confidence", type=float)
        bas.add_argument("--since", help="Only orders from this date.")
        bas.add_argument("--limit", type=int, default=50, help="Rules to print (all are stored).")
        bas.add_argument("--no-store", action="store_true", help="Do not replace the stored rules.")
        bas.add_argument("--json", action="store_true")

    def emit(self, data: dict, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(data, ensure_ascii=False, default=str))
        else:
            self.stdout.write(json.dumps(data, ensure_ascii=False, default=str, indent=2))

    def handle(self, *args, action, **opts):
        handler = getattr(self, "do_" + action.replace("-", "_"))
        handler(opts)

    def do_recompute(self, opts):
        from tenure.value.services import metrics_recompute, metrics_vacuum

        as_of = parse_date(opts["as_of"]) if opts["as_of"] else None
        run = metrics_recompute(as_of=as_of, with_clv=not opts["no_clv"], full=opts["full"])
        metrics_vacuum()
        self.emit(
            {
                "run": run.pk,
                "as_of": run.as_of.isoformat(),
                "customers": run.customers,
                "stage_changes": run.stage_changes,
                **run.detail,
            },
            opts["json"],
        )

    def do_tiers(self, opts):
        from django.db.models import Count

        from tenure.customers.models import Customer
        from tenure.value.services import tiers_recompute

        as_of = parse_date(opts["as_of"]) if opts["as_of"] else None
        result = tiers_recompute(as_of=as_of)
        counts = dict(
            Customer.objects.order_by().values("tier").annotate(n=Count("id")).values_list("tier", "n")
        )
        self.emit(
            {**result, "tiers": dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))}, opts["json"]
        )

    def do_pareto(self, opts):
        from tenure.value.pareto import pareto

        since = parse_date(opts["since"]) if opts["since"] else None
        until = parse_date(opts["until"]) if opts["until"] else None
        self.emit(pareto(since=since, until=until), opts["json"])

    def do_abc(self, opts):
        from tenure.value.pareto import abc_report

        conf = value_settings()
        thresholds = conf["abc_thresholds"]
        if opts["thresholds"]:
            try:
                thresholds = [float(x) for x in opts["thresholds"].split(",")]
            except ValueError as exc:
                raise CommandError("--thresholds takes three percentages, e.g. 80,15,5") from exc
        if len(thresholds) != 3 or abs(sum(thresholds) - 100) > 1e-9 or min(thresholds) < 0:
            raise CommandError("--thresholds takes three percentages adding up to 100, e.g. 80,15,5")
        tenure_weight = opts["tenure_weight"]
        self.emit(
            abc_report(
                thresholds=thresholds,
                basis=opts["basis"] or conf["abc_basis"],
                marketing=opts["marketing_cost"] or bool(conf["abc_marketing_cost"]),
                tenure_weight=float(conf["abc_tenure_weight"] if tenure_weight is None else tenure_weight),
                tenure_cap_years=float(conf["abc_tenure_cap_years"]),
            ),
            opts["json"],
        )

    def do_rfm(self, opts):
        from tenure.value.rfm import rfm_report

        self.emit(rfm_report(), opts["json"])

    def do_clv_fit(self, opts):
        from tenure.value import clv

        conf = value_settings()["clv"]
        until = parse_date(opts["until"]) if opts["until"] else timezone.now()
        unit = opts["time_unit"] or conf["time_unit"]
        try:
            if opts["store"]:
                fit = clv.clv_fit_and_store(until=until, time_unit=unit)
                result = clv.fit_as_dict(fit)
            else:
                result = clv.fit_history(until=until, time_unit=unit).as_dict()
            if opts["holdout_until"]:
                result["holdout"] = clv.holdout_validation(
                    until=until, holdout_until=parse_date(opts["holdout_until"]), time_unit=unit
                )
        except clv.InsufficientHistory as exc:
            raise CommandError(str(exc)) from exc
        self.emit(result, opts["json"])

    def do_basket(self, opts):
        from tenure.value import basket

        conf = value_settings()["basket"]
        since = parse_date(opts["since"]) if opts["since"] else None
        min_support = opts["min_support"] if opts["min_support"] is not None else conf["min_support"]
        min_conf = opts["min_confidence"] if opts["min_confidence"] is not None else conf["min_confidence"]
        if not 0 < min_support <= 1:
            raise CommandError("--min-support is a share of orders, between 0 and 1")
        result = basket.basket_analysis(
            since=since, min_support=min_support, min_confidence=min_conf, max_len=int(conf["max_len"])
        )
        if not opts["no_store"]:
            from tenure.value.services import association_rules_store

            association_rules_store(result=result)
        self.emit(result.as_dict(limit=opts["limit"]), opts["json"])
