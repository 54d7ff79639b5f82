"""Event datasets as delivered on one day: the records reported since the previous delivery.

Who has an event is sampled per compliance tier (two-stage: a Poisson count per tier, then members uniformly),
so a day costs O(events), not O(enterprises). The random stream of a delivery is seeded by (seed, N, feed, day)
only; corrections of earlier records regenerate the earlier delivery they correct (pure, so the same bytes).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import polars as pl

from qcredit.synthetic.ids import salt_of
from qcredit.synthetic.snapshots import where
from qcredit.synthetic.world import World, from_day

_T = np.array

# Events per enterprise-year, per tier (clean, sloppy, bad, rogue).
RATES = {
    "inspections": _T([2.0, 2.4, 3.0, 3.5]),
    "complaints": _T([0.45, 0.9, 1.6, 2.6]),
    "export_inspections": _T([4.0, 4.0, 4.5, 5.0]),  # exporters only
    "violations": _T([0.003, 0.025, 0.2, 0.9]),
    "accidents": _T([0.0005, 0.004, 0.03, 0.15]),
    "a_applications": _T([0.03, 0.004, 0.0, 0.0]),
}
PREFIX = {"inspections": "INS", "complaints": "CMP", "export_inspections": "EXP", "violations": "VIO",
          "accidents": "ACC", "d_reviews": "REV"}


def rng_for(world: World, feed: str, day: int) -> np.random.Generator:
    return np.random.default_rng([world.seed, world.n, salt_of(feed), day])


def sample(world: World, feed: str, day: int, period: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """(enterprise, event day) of the events reported on `day`, covering the `period` days before it."""
    members = world.exporter_members if feed == "export_inspections" else world.tier_members
    picked = []
    for tier, pool in enumerate(members):
        count = rng.poisson(pool.size * RATES[feed][tier] * period / 365.0) if pool.size else 0
        picked.append(pool[rng.integers(0, pool.size, size=count)] if count else pool[:0])
    ent = np.concatenate(picked).astype(np.int64)
    lag = 1 + rng.integers(0, period, size=ent.size)
    late = rng.random(ent.size) < 0.015  # reported late: weeks to months after the fact
    lag = np.where(late, 20 + rng.integers(0, 180, size=ent.size), lag)
    when = day - lag
    keep = world.alive(ent, when)
    order = np.argsort(ent[keep], kind="stable")
    return ent[keep][order], when[keep][order]


def _ids(feed: str, day: int, count: int) -> pl.Series:
    """`INS20261119000001`: agency prefix, delivery date, serial within the delivery."""
    stamp = PREFIX[feed] + from_day(day).strftime("%Y%m%d")
    return pl.Series([f"{stamp}{i:06d}" for i in range(1, count + 1)], dtype=pl.String)


def categorical(rng: np.random.Generator, labels: list[str], p: np.ndarray, size: int) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    cum = np.cumsum(p, axis=-1)
    cum = cum / cum[..., -1:]
    u = rng.random(size)
    pos = np.searchsorted(cum, u, side="right") if cum.ndim == 1 else (u[:, None] >= cum).sum(axis=1)
    return np.asarray(labels)[np.minimum(pos, len(labels) - 1)]


def _date_col(days: np.ndarray) -> pl.Series:
    return pl.Series(np.asarray(days, dtype=np.int32)).cast(pl.Date)


# --- the datasets -------------------------------------------------------------------------------------------

INSPECTION_KINDS = ["quality_spot_check", "metrology_spot_check", "supervision_check", "supervision_test"]
FAIL_P = _T([0.0015, 0.012, 0.08, 0.3])
SERIOUS_P = _T([0.05, 0.1, 0.2, 0.4])


@lru_cache(maxsize=128)
def inspections(world: World, day: int, period: int) -> pl.DataFrame:
    rng = rng_for(world, "inspections", day)
    ent, when = sample(world, "inspections", day, period, rng)
    tier = world.tier[ent]
    kind = categorical(rng, INSPECTION_KINDS, _T([0.42, 0.15, 0.28, 0.15]), ent.size)
    fail = rng.random(ent.size) < FAIL_P[tier]
    evaded = (kind == "supervision_test") & (rng.random(ent.size) < _T([0.0, 0.001, 0.01, 0.08])[tier])
    result = np.where(evaded, "not_tested", np.where(fail, "fail", "pass"))
    serious = rng.random(ent.size) < SERIOUS_P[tier]
    severity = np.where(result == "fail", np.where(serious, "serious", "general"), None)
    k = (rng.random(ent.size) * world.n_products(ent)).astype(np.int64)
    return pl.DataFrame({
        "record_id": _ids("inspections", day, ent.size),
        "uscc": world.uscc(ent),
        "kind": pl.Series(kind).cast(pl.String),
        "product": world.product(ent, k),
        "inspected_on": _date_col(when),
        "result": pl.Series(result).cast(pl.String),
        "severity": pl.Series(severity.tolist(), dtype=pl.String),
        "_ent": ent,
    })


def inspection_corrections(world: World, day: int, earlier: pl.DataFrame) -> pl.DataFrame:
    """A few records of an earlier delivery, re-delivered corrected (an appeal, a mistyped result)."""
    rng = rng_for(world, "inspections/corrections", day)
    pick = earlier.filter(pl.Series(rng.random(earlier.height) < 0.004))
    return pick.with_columns(
        pl.when(pl.col("result") == "fail").then(pl.lit("pass")).otherwise(pl.lit("fail")).alias("result"),
    ).with_columns(
        pl.when(pl.col("result") == "fail").then(pl.lit("general")).otherwise(None).alias("severity"),
    )


COMPLAINT_KINDS = ["quality_complaint", "metrology_complaint", "claim", "return", "after_sales"]


@lru_cache(maxsize=128)
def complaints_raw(world: World, day: int, period: int) -> pl.DataFrame:
    """Complaints with their true resolution day (`_resolved`, may lie after the delivery, or never)."""
    rng = rng_for(world, "complaints", day)
    ent, when = sample(world, "complaints", day, period, rng)
    tier = world.tier[ent]
    liable = rng.random(ent.size) < _T([0.3, 0.45, 0.6, 0.7])[tier]
    in_time = rng.random(ent.size) < _T([0.99, 0.95, 0.75, 0.5])[tier]
    lag = np.where(in_time, rng.integers(0, 31, ent.size), rng.integers(31, 121, ent.size))
    never = ~in_time & (rng.random(ent.size) < 0.1)
    resolved = np.where(never, 2**31 - 1, when + lag)
    return pl.DataFrame({
        "record_id": _ids("complaints", day, ent.size),
        "uscc": world.uscc(ent),
        "kind": pl.Series(categorical(rng, COMPLAINT_KINDS, _T([0.35, 0.1, 0.15, 0.2, 0.2]), ent.size)),
        "received_on": _date_col(when),
        "enterprise_liable": liable.astype(np.int8),
        "_resolved": resolved.astype(np.int64),
        "_ent": ent,
    })


def complaints_view(raw: pl.DataFrame, day: int) -> pl.DataFrame:
    """As known on `day`: the resolution date only once it has happened."""
    return raw.with_columns(
        pl.when(pl.col("_resolved") <= day).then(pl.col("_resolved").cast(pl.Int32).cast(pl.Date))
        .otherwise(None).alias("resolved_on")
    ).select("record_id", "uscc", "kind", "received_on", "enterprise_liable", "resolved_on", "_ent")


def complaint_updates(world: World, delivered: int, period: int, day: int) -> pl.DataFrame | None:
    """Records delivered open on `delivered`, re-delivered on the first working day on or after resolution."""
    due = _update_days(world, delivered, period)
    if day not in due:
        return None
    return complaints_view(complaints_raw(world, delivered, period)[due[day]], day)


@lru_cache(maxsize=160)
def _update_days(world: World, delivered: int, period: int) -> dict[int, np.ndarray]:
    resolved = complaints_raw(world, delivered, period)["_resolved"].to_numpy()
    weekday = (resolved + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    due = resolved + np.where(weekday == 5, 2, np.where(weekday == 6, 1, 0))
    rows = np.flatnonzero(resolved > delivered)
    return {int(d): rows[due[rows] == d] for d in np.unique(due[rows])}


@lru_cache(maxsize=16)
def export_inspections(world: World, day: int, period: int) -> pl.DataFrame:
    rng = rng_for(world, "export_inspections", day)
    ent, when = sample(world, "export_inspections", day, period, rng)
    tier = world.tier[ent]
    levels = ["ok", "general", "serious"]
    p = np.stack([1 - _T([0.011, 0.045, 0.13, 0.3]), _T([0.01, 0.04, 0.1, 0.2]), _T([0.001, 0.005, 0.03, 0.1])],
                 axis=1)[tier]
    passed = rng.random(ent.size) >= _T([0.002, 0.01, 0.05, 0.15])[tier]
    return pl.DataFrame({
        "record_id": _ids("export_inspections", day, ent.size),
        "uscc": world.uscc(ent),
        "inspected_on": _date_col(when),
        "declaration_result": pl.Series(categorical(rng, levels, p, ent.size)),
        "conformity_result": pl.Series(categorical(rng, levels, p, ent.size)),
        "passed": passed.astype(np.int8),
        "_ent": ent,
    })


VIOLATION_CATEGORIES = ["quality", "metrology", "other", "false_advertising", "below_standard", "no_standard",
                        "unlicensed", "counterfeit", "service_refusal"]
_CATEGORY_P = _T([
    [0.46, 0.25, 0.12, 0.06, 0.08, 0.006, 0.008, 0.008, 0.008],
    [0.42, 0.22, 0.1, 0.08, 0.1, 0.02, 0.02, 0.02, 0.02],
    [0.38, 0.16, 0.1, 0.1, 0.14, 0.02, 0.04, 0.04, 0.02],
    [0.18, 0.05, 0.05, 0.1, 0.1, 0.1, 0.16, 0.2, 0.06],
])
HARMS = ["none", "minor", "major", "severe"]
PENALTIES = ["warning", "fine", "confiscation", "production_halt", "licence_revoked", "business_licence_revoked",
             "referred_to_judiciary"]
_PENALTY_P = _T([
    [0.35, 0.55, 0.07, 0.03, 0.0, 0.0, 0.0],
    [0.3, 0.55, 0.1, 0.05, 0.0, 0.0, 0.0],
    [0.2, 0.55, 0.14, 0.08, 0.015, 0.005, 0.01],
    [0.1, 0.45, 0.2, 0.1, 0.08, 0.03, 0.04],
])
DESCRIPTIONS = {
    "quality": "生产销售不合格产品", "metrology": "计量器具未经检定", "other": "未按规定建立质量档案",
    "false_advertising": "虚假宣传产品质量", "below_standard": "产品低于明示执行标准", "no_standard": "无标准生产",
    "unlicensed": "无证生产", "counterfeit": "以假充真、以次充好", "service_refusal": "拒不履行售后服务义务",
}


@lru_cache(maxsize=16)
def violations(world: World, day: int, period: int) -> pl.DataFrame:
    rng = rng_for(world, "violations", day)
    ent, when = sample(world, "violations", day, period, rng)
    tier = world.tier[ent]
    category = categorical(rng, VIOLATION_CATEGORIES, _CATEGORY_P[tier], ent.size)
    harm_p = np.where((tier == 3)[:, None], _T([0.2, 0.4, 0.25, 0.15]), _T([0.35, 0.5, 0.13, 0.02]))
    return pl.DataFrame({
        "record_id": _ids("violations", day, ent.size),
        "uscc": world.uscc(ent),
        "decided_on": _date_col(when),
        "category": pl.Series(category),
        "harm": pl.Series(categorical(rng, HARMS, harm_p, ent.size)),
        "penalty": pl.Series(categorical(rng, PENALTIES, _PENALTY_P[tier], ent.size)),
        "description": pl.Series(category).replace_strict(DESCRIPTIONS),
        "_ent": ent,
    })


ACCIDENT_TEXT = ["产品爆裂致人受伤", "电器起火造成财产损失", "食品中毒事件", "设备故障引发事故", "产品缺陷导致召回"]


@lru_cache(maxsize=16)
def accidents(world: World, day: int, period: int) -> pl.DataFrame:
    rng = rng_for(world, "accidents", day)
    ent, when = sample(world, "accidents", day, period, rng)
    return pl.DataFrame({
        "record_id": _ids("accidents", day, ent.size),
        "uscc": world.uscc(ent),
        "occurred_on": _date_col(when),
        "severity": pl.Series(categorical(rng, ["general", "major", "severe"], _T([0.75, 0.2, 0.05]), ent.size)),
        "description": pl.Series(categorical(rng, ACCIDENT_TEXT, np.ones(len(ACCIDENT_TEXT)), ent.size)),
        "_ent": ent,
    })


def d_triggers(viol: pl.DataFrame, acc: pl.DataFrame) -> pl.DataFrame:
    """Records that make a D level (RULES.md D.1-D.8, D.H) and so get a review before disclosure."""
    d_cats = ["unlicensed", "counterfeit", "no_standard", "service_refusal"]
    d_pen = ["licence_revoked", "business_licence_revoked", "referred_to_judiciary"]
    v = viol.filter(pl.col("category").is_in(d_cats) | pl.col("penalty").is_in(d_pen) | (pl.col("harm") == "severe"))
    a = acc.filter(pl.col("severity") != "general")
    return pl.concat([v.select("uscc", "_ent"), a.select("uscc", "_ent")]).unique("uscc", keep="first",
                                                                                  maintain_order=True)


REVIEW_NOTES = ["证据充分，维持D级", "", "企业已整改，申请复核", "", "数据录入有误，建议更正"]


def d_reviews(world: World, day: int, triggers: pl.DataFrame) -> pl.DataFrame:
    rng = rng_for(world, "d_reviews", day)
    t = triggers.filter(pl.Series(rng.random(triggers.height) < 0.8))
    confirmed = rng.random(t.height) < 0.85
    return pl.DataFrame({
        "record_id": _ids("d_reviews", day, t.height),
        "uscc": t["uscc"],
        "reviewed_on": _date_col(day - rng.integers(1, 7, t.height)),
        "decision": pl.Series(np.where(confirmed, "confirmed", "overturned")).cast(pl.String),
        "reviewer": world.person(t["_ent"].to_numpy(), "reviewer"),
        "note": pl.Series(np.where(confirmed, "证据充分，维持D级", "数据录入有误，撤销D级")).cast(pl.String),
        "_ent": t["_ent"],
    })


@lru_cache(maxsize=16)
def a_applications(world: World, day: int, period: int) -> pl.DataFrame:
    """New voluntary applications by established enterprises: empty results until evaluated."""
    rng = rng_for(world, "a_applications", day)
    ent, when = sample(world, "a_applications", day, period, rng)
    keep = world.established[ent] <= when - 3 * 365
    ent, when = ent[keep], when[keep]
    ent, first = np.unique(ent, return_index=True)
    when = when[first]
    n = ent.size
    none = pl.Series([None] * n, dtype=pl.Date)
    return pl.DataFrame({
        "uscc": world.uscc(ent), "applied_on": _date_col(when), "withdrawn_on": none,
        "provincial_result": pl.Series([None] * n, dtype=pl.String), "evaluated_on": none,
        "testing_unit_opinion": pl.Series([None] * n, dtype=pl.String), "_ent": ent,
    })


def a_evaluations(world: World, day: int, applied: pl.DataFrame) -> pl.DataFrame:
    """The outcome of applications delivered weeks ago, re-delivered under the same key."""
    rng = rng_for(world, "a_applications/evaluation", day)
    n = applied.height
    u = rng.random(n)
    withdrawn, pending = u < 0.04, (u >= 0.04) & (u < 0.08)
    evaluated = ~withdrawn & ~pending
    result = np.where(rng.random(n) < 0.86, "approved", "rejected")
    opinion = categorical(rng, ["approved", "rejected", ""], _T([0.9, 0.03, 0.07]), n)
    on = _date_col(day - rng.integers(1, 7, n))
    return applied.with_columns(
        where(withdrawn, on).alias("withdrawn_on"),
        where(evaluated, pl.Series(result).cast(pl.String)).alias("provincial_result"),
        where(evaluated, on).alias("evaluated_on"),
        where(evaluated & (opinion != ""), pl.Series(opinion).cast(pl.String)).alias("testing_unit_opinion"),
    ).filter(pl.Series(~pending))


def production_stats(world: World, day: int, year: int, part: tuple[int, int] | None = None) -> pl.DataFrame:
    """Last year's rates for every enterprise in the archive that produced through the year's second half."""
    from datetime import date as _date

    from qcredit.synthetic.world import day_number

    idx = world.in_archive(day, part)
    idx = idx[(world.registered[idx] <= day_number(_date(year, 6, 30))) & (day < world.closed[idx])]
    tier = world.tier[idx]
    u = world.u_at("factory_rate", idx, year)
    perfect = u < _T([0.9, 0.7, 0.4, 0.2])[tier]
    factory = np.where(perfect, 100.0, np.round(90 + 9.99 * world.u_at("factory_rate2", idx, year), 2))
    tested = world.u("supervised_products", idx) < 0.4
    sup_ok = world.u_at("sup_rate", idx, year) < _T([0.996, 0.95, 0.7, 0.45])[tier]
    sup = np.where(sup_ok, 100.0, np.round(80 + 19.9 * world.u_at("sup_rate2", idx, year), 2))
    return pl.DataFrame({
        "uscc": world.uscc(idx),
        "year": np.full(idx.size, year, dtype=np.int64),
        "factory_pass_rate": factory,
        "supervision_test_pass_rate": where(tested, pl.Series(sup)),
        "_ent": idx,
    })
