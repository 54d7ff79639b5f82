"""The synthetic world behind the generator: N enterprises and their life scripts, as numpy arrays.

Every attribute is a pure function of (seed, enterprise index) through a counter-based hash, and every
time-varying state (licence rectification, bank classification, customs category, lists) is a pure function of
(seed, enterprise, period bucket). So the state on any day can be computed without simulating the days before
it, which is what makes the drop prefix-stable: a day's files depend only on (seed, N, that day).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import polars as pl

from qcredit.synthetic import ids

EPOCH = date(1970, 1, 1)
NEVER = np.int32(2**31 - 1)
BUCKET_DAYS = 182  # time-varying states are redrawn per half-year bucket
TIERS = ("clean", "sloppy", "bad", "rogue")
TIER_SHARE = np.array([0.802, 0.155, 0.0365, 0.0065])  # the latent compliance profile of an enterprise

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志红海燕鹏飞宇浩然晨晓东文斌辉玲")
TRADE = list("华新鑫恒瑞达宏兴泰盛隆昌源丰嘉利信德康安宝金鼎晟通博远卓越东方中天汇聚宇鸿凯")
SECTOR = [
    ("C13", "食品"), ("C14", "饮料"), ("C17", "纺织"), ("C18", "服饰"), ("C22", "纸业"), ("C26", "化工"),
    ("C27", "医药"), ("C29", "塑料制品"), ("C30", "建材"), ("C33", "五金制品"), ("C34", "机械"),
    ("C35", "设备"), ("C36", "汽车零部件"), ("C38", "电器"), ("C39", "电子"), ("C40", "仪器仪表"),
]
PRODUCTS = [
    "电线电缆", "燃气灶具", "电热水器", "儿童玩具", "食品用塑料包装", "压力锅", "安全帽", "危险化学品",
    "化肥", "水泥", "钢筋混凝土用钢", "电动自行车", "插头插座", "家用电冰箱", "童装", "床上用品",
    "瓶装饮用水", "乳制品", "植物油", "眼镜", "轮胎", "涂料", "人造板", "陶瓷砖",
]
ROADS = ["人民路", "解放路", "建设路", "工业大道", "科技园路", "开发区大道", "滨江路", "中山路", "东环路"]


def day_number(d: date) -> int:
    return (d - EPOCH).days


def from_day(n: int) -> date:
    return EPOCH + timedelta(days=int(n))


def bucket_of(day: int) -> int:
    return day // BUCKET_DAYS


@dataclass(eq=False)  # hashed by identity: per-day event frames are cached per world
class World:
    """Static per-enterprise arrays for enterprise indices 0..n-1 (compact dtypes, so millions fit)."""

    seed: int
    n: int
    tier: np.ndarray = field(init=False)
    exporter: np.ndarray = field(init=False)
    region: np.ndarray = field(init=False)
    established: np.ndarray = field(init=False)
    registered: np.ndarray = field(init=False)  # entered the quality archive
    closed: np.ndarray = field(init=False)  # deregistered (注销) in commerce, NEVER if not
    revoked: np.ndarray = field(init=False)  # business licence revoked (吊销), NEVER if not
    uscc_chars: np.ndarray = field(init=False)
    tier_members: list[np.ndarray] = field(init=False)
    exporter_members: list[np.ndarray] = field(init=False)

    def __post_init__(self) -> None:
        idx = np.arange(self.n, dtype=np.int64)
        self.tier = np.searchsorted(np.cumsum(TIER_SHARE), self.u("tier", idx), side="right").astype(np.uint8)
        self.tier = np.minimum(self.tier, 3)
        self.exporter = self.u("exporter", idx) < 0.14
        self.region = ids.region_index(self.seed, idx)
        self.established = _established(self, idx)
        self.registered = self.established + 15 + (self.u("registered", idx) * 120).astype(np.int32)
        self.closed = _event_day(self, idx, "closed", 0.02, day_number(date(2019, 1, 1)))
        self.revoked = _event_day(self, idx, "revoked", np.array([0.0005, 0.002, 0.02, 0.25])[self.tier],
                                  day_number(date(2019, 1, 1)))
        # in chunks: the check-character arithmetic holds (n, 17) int64 temporaries
        self.uscc_chars = np.concatenate([self.usccs_of(idx[lo : lo + 500_000]) for lo in range(0, self.n, 500_000)])
        self.tier_members = [np.flatnonzero(self.tier == t).astype(np.int32) for t in range(4)]
        self.exporter_members = [m[self.exporter[m]] for m in self.tier_members]

    # --- hashing helpers --------------------------------------------------------------------------------
    def u(self, salt: str, x: np.ndarray) -> np.ndarray:
        return ids.unif(self.seed, salt, x)

    def u_at(self, salt: str, idx: np.ndarray, period: int | np.ndarray) -> np.ndarray:
        """Uniform per (enterprise, period): time-varying state without simulating earlier periods."""
        return ids.unif(self.seed, salt, idx.astype(np.int64) * 4096 + np.asarray(period, dtype=np.int64))

    def pick(self, salt: str, x: np.ndarray, choices: list[str]) -> pl.Series:
        k = (self.u(salt, x) * len(choices)).astype(np.int64)
        return pl.Series(choices).gather(k)

    # --- identifiers and descriptive fields ----------------------------------------------------------------
    def usccs_of(self, idx: np.ndarray) -> np.ndarray:
        """USCC bytes for any index, also past n (enterprises unknown to the archive, for unresolved rows)."""
        idx = np.asarray(idx, dtype=np.int64)
        est = self.established[idx] if idx.size and idx.max() < self.n else _established(self, idx)
        new_style = est >= day_number(date(2015, 10, 1))
        orgs = ids.org_codes(self.seed, idx, new_style)
        kind = np.where(self.u("entity", idx) < 0.97, ord("1"), ord("2")).astype(np.uint8)
        region = ids.REGION_CODES[ids.region_index(self.seed, idx)]
        return ids.usccs(list(region), orgs, kind)

    def uscc(self, idx: np.ndarray) -> pl.Series:
        return ids.fixed_width_series(self.uscc_chars[idx], "uscc")

    def legacy_tax_no(self, idx: np.ndarray) -> pl.Series:
        """6-digit division + the 9-character organization code, i.e. USCC positions 3-17."""
        return ids.fixed_width_series(self.uscc_chars[idx][:, 2:17], "legacy")

    def uses_legacy_tax_no(self, idx: np.ndarray) -> np.ndarray:
        return (self.established[idx] < day_number(date(2015, 10, 1))) & (self.u("legacy_tax", idx) < 0.3)

    def region_code(self, idx: np.ndarray) -> pl.Series:
        return pl.Series("region_code", ids.REGION_CODES[self.region[idx]])

    def city(self, idx: np.ndarray) -> pl.Series:
        return pl.Series(ids.REGION_CITIES).gather(self.region[idx].astype(np.int64))

    def sector(self, idx: np.ndarray) -> np.ndarray:
        return (self.u("sector", idx) * len(SECTOR)).astype(np.int64)

    def name(self, idx: np.ndarray) -> pl.Series:
        sector = pl.Series([s[1] for s in SECTOR]).gather(self.sector(idx))
        kind = self.pick("legal_form", idx, ["有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司"])
        return pl.select(
            pl.concat_str(
                [self.city(idx), self.pick("t1", idx, TRADE), self.pick("t2", idx, TRADE), sector, kind]
            ).alias("name")
        ).to_series()

    def person(self, idx: np.ndarray, salt: str) -> pl.Series:
        return pl.select(
            pl.concat_str(
                [self.pick(salt + "s", idx, SURNAMES), self.pick(salt + "g1", idx, GIVEN),
                 self.pick(salt + "g2", idx, GIVEN)]
            )
        ).to_series()

    def phone(self, idx: np.ndarray) -> pl.Series:
        prefix = self.pick("phone_prefix", idx, ["138", "139", "135", "137", "150", "158", "186", "189", "177"])
        number = (self.u("phone", idx) * 1e8).astype(np.int64)
        return pl.select(pl.concat_str([prefix, pl.Series(number).cast(pl.String).str.zfill(8)])).to_series()

    def address(self, idx: np.ndarray) -> pl.Series:
        number = pl.Series((self.u("street_no", idx) * 998 + 1).astype(np.int64)).cast(pl.String)
        return pl.select(
            pl.concat_str([self.city(idx), pl.lit("市"), self.pick("road", idx, ROADS), number, pl.lit("号")])
        ).to_series()

    def product(self, idx: np.ndarray, k: np.ndarray) -> pl.Series:
        """The enterprise's k-th product (k = 0..2), consistent across standards and inspections."""
        base = (self.u("product", idx) * len(PRODUCTS)).astype(np.int64)
        return pl.Series(PRODUCTS).gather((base + np.asarray(k, dtype=np.int64) * 7) % len(PRODUCTS))

    def n_products(self, idx: np.ndarray) -> np.ndarray:
        return 1 + (self.u("n_products", idx) * 2.6).astype(np.int64)

    # --- membership ----------------------------------------------------------------------------------------
    def in_archive(self, day: int, part: tuple[int, int] | None = None) -> np.ndarray:
        """Indices (within `part`) in the quality archive on `day`: registered, not yet purged after closing."""
        lo, hi = part or (0, self.n)
        reg, closed = self.registered[lo:hi], self.closed[lo:hi].astype(np.int64)
        return lo + np.flatnonzero((reg <= day) & (day < closed + 180))

    def indices(self, part: tuple[int, int] | None = None) -> np.ndarray:
        lo, hi = part or (0, self.n)
        return np.arange(lo, hi, dtype=np.int64)

    def alive(self, idx: np.ndarray, day: np.ndarray) -> np.ndarray:
        return (self.registered[idx] <= day) & (day < self.closed[idx]) & (day < self.revoked[idx])


def _established(world: World, idx: np.ndarray) -> np.ndarray:
    """Most enterprises predate the history; about one in six is founded during it (the register grows)."""
    old_lo, old_hi = day_number(date(1995, 1, 1)), day_number(date(2021, 12, 31))
    new_lo, new_hi = day_number(date(2022, 1, 1)), day_number(date(2027, 12, 31))
    u = world.u("established", idx)
    young = world.u("young", idx) < 0.16
    return np.where(young, new_lo + u * (new_hi - new_lo), old_lo + u * (old_hi - old_lo)).astype(np.int32)


def _event_day(world: World, idx: np.ndarray, salt: str, share: float | np.ndarray, earliest: int) -> np.ndarray:
    """A once-in-a-life event (deregistration, revocation) on a day in 2019-2028, for `share` of enterprises."""
    hit = world.u(salt, idx) < share
    lo = np.maximum(world.established + 400, earliest).astype(np.int64)
    hi = day_number(date(2028, 12, 31))
    day = lo + (world.u(salt + "_day", idx) * np.maximum(hi - lo, 1)).astype(np.int64)
    return np.where(hit & (lo < hi), day, NEVER).astype(np.int32)
