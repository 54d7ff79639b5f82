"""Snapshot datasets as of one delivery day: the whole state, computed from the world's life scripts.

Each builder returns a polars DataFrame whose columns are the feed's declared column *names* (English) in
declaration order; ``generate_write`` renames them to the delivered headers. Dates are DATE columns, except
in the commerce sheets (day numbers: the workbook writer picks an Excel date cell or a text date per row) and
the tax rating date (text: bureaus write `2026-04-20` or `2026/04/20`). `_…` columns are helpers, not written.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from qcredit.synthetic.world import BUCKET_DAYS, NEVER, SECTOR, World, bucket_of, day_number

_TIER = np.array  # readability alias for per-tier probability vectors
RENEW_AHEAD = 120  # days before expiry a licence renewal is granted


def _dates(days: np.ndarray) -> pl.Series:
    return pl.Series(np.asarray(days, dtype=np.int32)).cast(pl.Date)


def _nullable_dates(days: np.ndarray, present: np.ndarray) -> pl.Series:
    return where(present, _dates(days))


def where(present: np.ndarray, values: pl.Series) -> pl.Series:
    """`values` where `present`, else null."""
    return pl.select(pl.when(pl.Series(np.asarray(present, dtype=bool))).then(values)).to_series().alias(
        values.name
    )


def prefixed(prefix: str, numbers: np.ndarray, width: int) -> pl.Series:
    return pl.select(pl.concat_str([pl.lit(prefix), pl.Series(numbers).cast(pl.String).str.zfill(width)])).to_series()


def enterprises(w: World, day: int, part: tuple[int, int] | None = None) -> pl.DataFrame:
    idx = w.in_archive(day, part)
    return pl.DataFrame({
        "uscc": w.uscc(idx),
        "name": w.name(idx),
        "region_code": w.region_code(idx),
        "established_on": _dates(w.established[idx]),
        "industry": pl.Series([s[0] for s in SECTOR]).gather(w.sector(idx)),
        "is_exporter": w.exporter[idx].astype(np.int8),
        "legal_rep": w.person(idx, "rep"),
        "phone": w.phone(idx),
        "address": w.address(idx),
    })


def licences(w: World, day: int, part: tuple[int, int] | None = None) -> pl.DataFrame:
    """Five-year production licences, renewed in place; a few lapse, go into rectification or are revoked."""
    idx = w.in_archive(day, part)
    idx = idx[w.u("licensed", idx) < 0.55]
    tier = w.tier[idx]
    first = w.registered[idx].astype(np.int64) + 30
    idx, first, tier = idx[first <= day], first[first <= day], tier[first <= day]
    lapse = np.where(w.u("lapse", idx) < _TIER([0.0005, 0.002, 0.01, 0.05])[tier],
                     day_number(date(2022, 1, 1)) + (w.u("lapse_day", idx) * 2500).astype(np.int64), NEVER)
    # renewals are granted up to RENEW_AHEAD days before the old licence expires; a lapsing one is not renewed
    cycle = np.maximum((np.minimum(day + RENEW_AHEAD, lapse) - first) // 1826, 0)
    issued = first + cycle * 1826 - np.where(cycle > 0, RENEW_AHEAD, 0)
    expires = first + (cycle + 1) * 1826 - 1
    status = np.full(idx.size, "valid", dtype=object)
    status[(expires < day) & (day - expires > 120)] = "cancelled"
    deadline, rectifying = _rectification(w, idx, tier, day)
    status[rectifying & (status == "valid")] = "rectifying"
    lic_revoked = w.u("licence_revoked", idx) < _TIER([0.0, 0.001, 0.01, 0.1])[tier]
    revoked_on = day_number(date(2021, 1, 1)) + (w.u("licence_revoked_day", idx) * 2900).astype(np.int64)
    status[lic_revoked & (revoked_on <= day)] = "revoked"
    category = w.product(idx, np.zeros(idx.size, dtype=np.int64))
    return pl.DataFrame({
        "licence_no": prefixed("XK", idx, 9),
        "uscc": w.uscc(idx),
        "product_category": category,
        "issued_on": _dates(issued),
        "expires_on": _dates(expires),
        "status": pl.Series(status.astype(str)),
        "rectify_deadline": _nullable_dates(deadline, status == "rectifying"),
    })


def _rectification(w: World, idx: np.ndarray, tier: np.ndarray, day: int) -> tuple[np.ndarray, np.ndarray]:
    """Per half-year bucket: maybe a rectification order; most finish before the deadline, rogues often not."""
    b = bucket_of(day)
    hit = w.u_at("rectify", idx, b) < _TIER([0.002, 0.02, 0.08, 0.25])[tier]
    start = b * BUCKET_DAYS + (w.u_at("rectify_start", idx, b) * 60).astype(np.int64)
    deadline = start + 90
    overdue = w.u_at("rectify_overdue", idx, b) < _TIER([0.05, 0.1, 0.2, 0.5])[tier]
    done = np.where(overdue, b * BUCKET_DAYS + BUCKET_DAYS, deadline - 10)
    return deadline, hit & (start <= day) & (day < done)


def standards(w: World, day: int, part: tuple[int, int] | None = None) -> pl.DataFrame:
    idx = w.in_archive(day, part)
    k_per = w.n_products(idx)
    ent = np.repeat(idx, k_per)
    k = np.arange(ent.size) - np.repeat(np.cumsum(k_per) - k_per, k_per)
    tier = w.tier[ent]
    b = bucket_of(day)
    key = ent.astype(np.int64) * 4 + k
    u = w.u_at("conformance", key, b)
    below = _TIER([0.001, 0.008, 0.05, 0.12])[tier]
    none = _TIER([0.0, 0.0003, 0.004, 0.04])[tier]
    conformance = np.where(u < none, "none", np.where(u < none + below, "below_declared", "conforms"))
    std_no = 10000 + (w.u("std_no", key) * 40000).astype(np.int64)
    std_year = 2008 + (w.u("std_year", key) * 16).astype(np.int64)
    own = w.u("own_standard", key) < 0.15  # enterprise standards (企业标准) are Q/ codes
    code = pl.select(pl.concat_str([
        pl.when(pl.Series(own)).then(pl.lit("Q/")).otherwise(pl.lit("GB ")),
        pl.Series(std_no).cast(pl.String), pl.lit("-"), pl.Series(std_year).cast(pl.String),
    ])).to_series()
    return pl.DataFrame({
        "uscc": w.uscc(ent),
        "product": w.product(ent, k),
        "standard_code": code,
        "conformance": pl.Series(conformance).cast(pl.String),
    })


def awards(w: World, day: int, part: tuple[int, int] | None = None) -> pl.DataFrame:
    idx = w.in_archive(day, part)
    tier = w.tier[idx]
    idx = idx[w.u("award", idx) < _TIER([0.05, 0.02, 0.01, 0.01])[tier]]
    first = np.maximum(w.established[idx].astype(np.int64) + 730, day_number(date(2012, 1, 1)))
    first += (w.u("award_first", idx) * 365).astype(np.int64)
    idx, first = idx[first <= day], first[first <= day]
    granted = first + ((day - first) // 1096) * 1096  # three-year titles, re-granted
    b = bucket_of(day)
    u = w.u_at("award_status", idx, b)
    status = np.where(u < 0.02, "revoked", np.where(u < 0.06, "suspended", "active"))
    kinds = np.array(["famous_brand", "inspection_exempt", "quality_award", "export_exempt"])
    kind = kinds[np.where(w.exporter[idx] & (w.u("award_kind", idx) < 0.4), 3,
                          (w.u("award_kind2", idx) * 3).astype(np.int64))]
    no_expiry = kind == "quality_award"
    return pl.DataFrame({
        "award_id": prefixed("AW", idx, 9),
        "uscc": w.uscc(idx),
        "kind": pl.Series(kind).cast(pl.String),
        "granted_on": _dates(granted),
        "expires_on": _nullable_dates(granted + 1095, ~no_expiry),
        "status": pl.Series(status).cast(pl.String),
    })


# --- bank ---------------------------------------------------------------------------------------------------

CLASSES = np.array(["正常", "关注", "次级", "可疑", "损失"])
_CLASS_P = np.array([  # per tier: pass, special mention, substandard, doubtful, loss
    [0.993, 0.005, 0.0012, 0.0005, 0.0003],
    [0.96, 0.028, 0.007, 0.003, 0.002],
    [0.86, 0.08, 0.035, 0.015, 0.01],
    [0.6, 0.15, 0.12, 0.08, 0.05],
])
_OVERDUE = np.array([[0, 0], [31, 90], [91, 180], [181, 360], [361, 720]])


def credit_reports(w: World, day: int, part: tuple[int, int] | None = None) -> pl.DataFrame:
    """Monthly reports for enterprises with a credit history; the worst loan is the first one."""
    idx = w.in_archive(day, part)
    idx = idx[(w.u("borrower", idx) < 0.3) & (day < w.closed[idx])]
    n_loans = np.where(w.u("paid_off", idx) < 0.05, 0, 1 + (w.u("n_loans", idx) * 2.5).astype(np.int64))
    ent = np.repeat(idx, n_loans)
    j = np.arange(ent.size) - np.repeat(np.cumsum(n_loans) - n_loans, n_loans)
    quarter = day // 91
    u = w.u_at("loan_class", ent, quarter)
    cum = np.cumsum(_CLASS_P[w.tier[ent]], axis=1)
    cls = (u[:, None] >= cum).sum(axis=1)
    cls = np.where(j == 0, cls, np.minimum(cls, (w.u_at("loan_other", ent * 4 + j, quarter) < 0.3) * cls))
    lo, hi = _OVERDUE[cls, 0], _OVERDUE[cls, 1]
    overdue = lo + (w.u_at("overdue", ent * 4 + j, day) * (hi - lo + 1)).astype(np.int64)
    late_pass = (cls == 0) & (w.u_at("late_pass", ent * 4 + j, day) < 0.03)
    overdue = np.where(late_pass, 1 + (w.u_at("late_days", ent, day) * 29).astype(np.int64), overdue)
    # a few 关注 loans overdue > 90 days: loaded as delivered, raised as a data-quality warning
    odd = (cls == 1) & (w.u_at("odd_class", ent, day) < 0.02)
    overdue = np.where(odd, 95 + (w.u_at("odd_days", ent, day) * 60).astype(np.int64), overdue)
    balance = np.round(np.exp(12 + 2 * w.u("balance", ent * 4 + j) + w.u("balance2", ent * 4 + j)), -3)
    loans = pl.DataFrame({
        "row": np.repeat(np.arange(idx.size), n_loans),
        "contractId": pl.select(pl.concat_str([pl.lit("L"), pl.Series(ent).cast(pl.String), pl.lit("-"),
                                               pl.Series(j).cast(pl.String)])).to_series(),
        "classification": pl.Series(CLASSES[cls]).cast(pl.String),
        "balance": balance,
        "overdueDays": overdue,
    })
    nested = loans.group_by("row", maintain_order=True).agg(
        pl.struct("contractId", "classification", "balance", "overdueDays").alias("loans")
    )
    base = pl.DataFrame({"row": np.arange(idx.size), "uscc": w.uscc(idx)})
    out = base.join(nested, on="row", how="left", maintain_order="left")
    empty = pl.lit([], dtype=nested.schema["loans"])
    return out.select(
        "uscc",
        pl.lit(date.fromordinal(day + date(1970, 1, 1).toordinal()).isoformat()).alias("report_date"),
        pl.col("loans").fill_null(empty),
    )


# --- commerce -----------------------------------------------------------------------------------------------

ACTIVE_FORMS = ["存续", "存续", "存续", "在业", "在业", "存续（在营、开业、在册）", "迁入", "迁出"]
ABNORMAL_REASONS = [
    "通过登记的住所或者经营场所无法联系的",
    "未按照规定的期限公示年度报告的",
    "未在责令的期限内公示有关企业信息的",
    "公示企业信息隐瞒真实情况、弄虚作假的",
]
REMOVAL_REASONS = ["补报未报年份年度报告并公示", "提出通过登记的住所或者经营场所可以重新取得联系", "依法更正公示信息"]
SERIOUS_REASONS = [
    "被列入经营异常名录届满3年仍未履行相关义务的",
    "提交虚假材料或者采取其他欺诈手段隐瞒重要事实，取得公司登记的",
    "组织策划传销的",
    "因产品质量问题受到较重行政处罚的",
]


def registrations(w: World, day: int, part: tuple[int, int] | None = None) -> pl.DataFrame:
    """Every enterprise ever registered (registries keep deregistered ones), less a few never matched."""
    idx = w.indices(part)
    idx = idx[(w.established[idx] <= day) & (w.u("registry_missing", idx) >= 0.002)]
    status = pl.Series(ACTIVE_FORMS).gather((w.u("active_form", idx) * len(ACTIVE_FORMS)).astype(np.int64))
    status = status.to_numpy().astype(object)
    b = bucket_of(day)
    status[w.u_at("suspended", idx, b) < 0.002] = "停业"
    closed = w.closed[idx].astype(np.int64)
    status[(closed - 90 <= day) & (day < closed)] = "清算"
    revoked = w.revoked[idx] <= day
    status[revoked] = np.where(w.u("revoked_form", idx[revoked]) < 0.5, "吊销", "吊销，未注销")
    status[closed <= day] = "注销"
    old = (w.established[idx] < day_number(date(2015, 10, 1))) & (w.u("reg_no", idx) < 0.6)
    serial = pl.Series((idx.astype(np.int64) * 7_368_787 + 99_991) % 10**9).cast(pl.String).str.zfill(9)
    reg_no = pl.select(pl.concat_str([w.region_code(idx), serial])).to_series()
    return pl.DataFrame({
        "uscc": w.uscc(idx),
        "registration_no": where(old, reg_no),
        "name": w.name(idx),
        "established_on": w.established[idx],
        "registration_status": pl.Series(status.astype(str)),
        "registration_authority": pl.select(pl.concat_str([w.city(idx), pl.lit("市市场监督管理局")])).to_series(),
        "_ent": idx,
    })


def abnormal_operations(w: World, day: int, part: tuple[int, int] | None = None) -> pl.DataFrame:
    """One row per listing since 2018; a listing lasts weeks to months unless the enterprise never acts."""
    frames = []
    registered = w.indices(part)
    registered = registered[w.established[registered] <= day]
    p = _TIER([0.003, 0.02, 0.07, 0.18])[w.tier[registered]]
    for b in range(bucket_of(day_number(date(2018, 1, 1))), bucket_of(day) + 1):
        hit = registered[w.u_at("abnormal", registered, b) < p]
        listed = b * BUCKET_DAYS + (w.u_at("abnormal_day", hit, b) * BUCKET_DAYS).astype(np.int64)
        keep = (listed <= day) & (listed > w.established[hit])
        hit, listed = hit[keep], listed[keep]
        stays = w.u_at("abnormal_stays", hit, b) < 0.25
        removed = listed + 20 + (w.u_at("abnormal_len", hit, b) * 300).astype(np.int64)
        removed = np.where(stays, NEVER, removed)
        frames.append(pl.DataFrame({
            "uscc": w.uscc(hit),
            "listed_on": listed.astype(np.int32),
            "listed_reason": w.pick("abn_reason", hit * 64 + b, ABNORMAL_REASONS),
            "removed_on": np.where(removed <= day, removed, -1).astype(np.int32),
            "removed_reason": w.pick("abn_removal", hit * 64 + b, REMOVAL_REASONS),
            "_ent": hit,
        }))
    out = pl.concat(frames)
    return out.with_columns(
        pl.when(pl.col("removed_on") < 0).then(None).otherwise(pl.col("removed_on")).alias("removed_on"),
        pl.when(pl.col("removed_on") < 0).then(None).otherwise(pl.col("removed_reason")).alias("removed_reason"),
    )


def serious_violations(w: World, day: int, part: tuple[int, int] | None = None) -> pl.DataFrame:
    all_idx = w.indices(part)
    hit = all_idx[w.u("serious_list", all_idx) < _TIER([0.0002, 0.001, 0.02, 0.3])[w.tier[all_idx]]]
    listed = day_number(date(2019, 1, 1)) + (w.u("serious_day", hit) * 3650).astype(np.int64)
    keep = (listed <= day) & (listed > w.established[hit])
    hit, listed = hit[keep], listed[keep]
    removed = np.where(w.u("serious_removed", hit) < 0.15, listed + 1096, NEVER)
    return pl.DataFrame({
        "uscc": w.uscc(hit),
        "listed_on": listed.astype(np.int32),
        "listed_reason": w.pick("serious_reason", hit, SERIOUS_REASONS),
        "removed_on": pl.Series(np.where(removed <= day, removed, -1).astype(np.int32)),
        "_ent": hit,
    }).with_columns(pl.when(pl.col("removed_on") < 0).then(None).otherwise(pl.col("removed_on")).alias("removed_on"))


# --- customs ------------------------------------------------------------------------------------------------

_CUSTOMS_DISTRICTS = np.array(["2201", "2244", "5301", "5316", "2901", "3101", "4201", "0101", "5141", "2305"])
_CUSTOMS_P = np.array([  # per tier: advanced, certified, regular, dishonest, seriously dishonest
    [0.04, 0.12, 0.835, 0.004, 0.001],
    [0.01, 0.06, 0.9, 0.025, 0.005],
    [0.0, 0.02, 0.85, 0.1, 0.03],
    [0.0, 0.0, 0.6, 0.25, 0.15],
])
CUSTOMS_NAMES = np.array(["高级认证企业", "认证企业", "常规企业", "失信企业", "严重失信企业"])


def customs_codes(w: World, idx: np.ndarray) -> pl.Series:
    """10 digits: a customs district and a serial unique per enterprise (affine permutation of the index)."""
    serial = (idx.astype(np.int64) * 7919 + 1234) % 1_000_000
    district = _CUSTOMS_DISTRICTS[(w.u("customs_district", idx) * len(_CUSTOMS_DISTRICTS)).astype(np.int64)]
    district = np.where(idx >= 1_000_000, np.char.add("9", np.char.zfill((idx // 1_000_000).astype(str), 3)),
                        district)
    return pl.select(pl.concat_str([pl.Series(district).cast(pl.String),
                                    pl.Series(serial).cast(pl.String).str.zfill(6)])).to_series()


def _exporters(w: World, day: int, part: tuple[int, int] | None) -> np.ndarray:
    idx = w.in_archive(day, part)
    return idx[w.exporter[idx] & (w.registered[idx] + 60 <= day) & (day < w.closed[idx])]


def customs_registry(w: World, day: int, part: tuple[int, int] | None = None) -> pl.DataFrame:
    idx = _exporters(w, day, part)
    return pl.DataFrame({"customs_code": customs_codes(w, idx), "uscc": w.uscc(idx)})


def customs_credit(w: World, day: int, part: tuple[int, int] | None = None) -> pl.DataFrame:
    idx = _exporters(w, day, part)
    b = bucket_of(day)
    cum = np.cumsum(_CUSTOMS_P[w.tier[idx]], axis=1)
    cat = (w.u_at("customs_cat", idx, b)[:, None] >= cum).sum(axis=1)
    names = CUSTOMS_NAMES[np.minimum(cat, 4)].astype(object)
    legacy = (cat == 2) & (w.u("customs_legacy_name", idx) < 0.04)  # pre-2021 names read as regular
    names[legacy] = np.where(w.u("legacy_which", idx[legacy]) < 0.5, "一般信用企业", "一般认证企业")
    recognized = b * BUCKET_DAYS + (w.u_at("customs_day", idx, b) * 120).astype(np.int64)
    recognized = np.minimum(np.maximum(recognized, w.registered[idx] + 60), day)
    blank = w.u("customs_blank_uscc", idx) < 0.35  # often empty: resolved through customs_registry
    return pl.DataFrame({
        "customs_code": customs_codes(w, idx),
        "uscc": where(~blank, w.uscc(idx)),
        "enterprise_name": w.name(idx),
        "credit_category": pl.Series(names.astype(str)),
        "recognized_on": _dates(recognized),
    })


# --- tax ----------------------------------------------------------------------------------------------------

_TAX_P = np.array([  # per tier: A, B, C, D (M is for enterprises founded in the evaluation year)
    [0.35, 0.61, 0.035, 0.005],
    [0.18, 0.7, 0.1, 0.02],
    [0.05, 0.6, 0.25, 0.1],
    [0.0, 0.35, 0.3, 0.35],
])
TAX_LEVELS = np.array(["A", "B", "C", "D"])


def tax_levels(w: World, idx: np.ndarray, year: int, salt: str = "tax") -> np.ndarray:
    cum = np.cumsum(_TAX_P[w.tier[idx]], axis=1)
    level = TAX_LEVELS[np.minimum((w.u_at(salt, idx, year)[:, None] >= cum).sum(axis=1), 3)].astype(object)
    founded = w.established[idx] >= day_number(date(year, 1, 1))
    level[founded] = "M"
    return level.astype(str)


def tax_ratings(w: World, idx: np.ndarray, year: int, rated_on: int, levels: np.ndarray) -> pl.DataFrame:
    """Rows named by USCC, or by the legacy 15-character number for older taxpayers."""
    legacy = w.uses_legacy_tax_no(idx)
    taxpayer = pl.select(pl.when(pl.Series(legacy)).then(w.legacy_tax_no(idx)).otherwise(w.uscc(idx))).to_series()
    slash = _slash_dates(w, idx)
    on = _dates(np.full(idx.size, rated_on))
    rated = pl.select(pl.when(pl.Series(slash)).then(on.dt.strftime("%Y/%m/%d"))
                      .otherwise(on.dt.strftime("%Y-%m-%d"))).to_series()
    return pl.DataFrame({
        "taxpayer_id": taxpayer,
        "taxpayer_name": w.name(idx),
        "evaluation_year": np.full(idx.size, year, dtype=np.int64),
        "tax_credit_level": pl.Series(levels).cast(pl.String),
        "rated_on": rated,
    })


def _slash_dates(w: World, idx: np.ndarray) -> np.ndarray:
    """Bureaus export from different systems: some provinces write 2026/04/20."""
    return (w.region[idx] % 3) == 0
