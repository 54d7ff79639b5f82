"""Synthetic identifiers for the generator: USCCs, organization codes, legacy tax numbers, customs codes.

Everything is a pure function of (seed, enterprise index), vectorized with numpy, so any day's file can name
any enterprise without a lookup table. Check characters follow GB 32100 (USCC) and GB 11714 (organization
code), computed here in bulk with numpy; the scalar checks the tests use are `ingest.identifiers`' (the
validating side), so the two are verified against each other.
"""

from __future__ import annotations

import zlib

import numpy as np
import polars as pl
import pyarrow as pa

from ingest import identifiers

# The standards' alphabets and weights live once, in ingest.identifiers; here they are numpy arrays.
USCC_ALPHABET = identifiers.USCC_ALPHABET
USCC_WEIGHTS = np.array(identifiers.USCC_WEIGHTS, dtype=np.int64)
ORG_WEIGHTS = np.array(identifiers.ORG_WEIGHTS, dtype=np.int64)

# Real GB/T 2260 county-level codes (province = first two digits), weighted toward manufacturing provinces.
# (code, city for names and registration authorities, weight)
REGIONS: tuple[tuple[str, str, float], ...] = (
    ("110105", "北京", 2), ("110108", "北京", 2), ("120116", "天津", 2), ("130104", "石家庄", 2),
    ("140105", "太原", 1), ("210106", "沈阳", 2), ("220104", "长春", 1), ("230103", "哈尔滨", 1),
    ("310112", "上海", 3), ("310115", "上海", 3), ("320583", "昆山", 4), ("320505", "苏州", 4),
    ("320211", "无锡", 3), ("320114", "南京", 2), ("330106", "杭州", 4), ("330110", "杭州", 3),
    ("330212", "宁波", 4), ("330782", "义乌", 3), ("330302", "温州", 3), ("340104", "合肥", 2),
    ("350203", "厦门", 2), ("350582", "晋江", 3), ("360111", "南昌", 1), ("370202", "青岛", 3),
    ("370102", "济南", 2), ("370683", "莱州", 2), ("410105", "郑州", 2), ("420106", "武汉", 2),
    ("430104", "长沙", 2), ("440106", "广州", 4), ("440305", "深圳", 4), ("440306", "深圳", 4),
    ("440604", "佛山", 4), ("441900", "东莞", 4), ("442000", "中山", 3), ("450103", "南宁", 1),
    ("500112", "重庆", 2), ("510104", "成都", 2), ("520102", "贵阳", 1), ("530102", "昆明", 1),
    ("610113", "西安", 2), ("620102", "兰州", 1), ("650102", "乌鲁木齐", 1),
)
REGION_CODES = np.array([r[0] for r in REGIONS])
REGION_CITIES = [r[1] for r in REGIONS]
_REGION_CUM = np.cumsum([r[2] for r in REGIONS]) / sum(r[2] for r in REGIONS)

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def salt_of(name: str) -> int:
    """A stable 32-bit salt per attribute, so adding an attribute never shifts the others."""
    return zlib.crc32(name.encode())


def mix(seed: int, salt: str | int, x: np.ndarray) -> np.ndarray:
    """splitmix64 of (seed, salt, x): a counter-based hash, so values never depend on generation order."""
    s = salt_of(salt) if isinstance(salt, str) else salt
    z = x.astype(np.uint64) + np.uint64(((seed * 0x9E3779B1 + s * 0x85EBCA77) & 0xFFFFFFFFFFFF) + 1)
    with np.errstate(over="ignore"):
        z = z * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return (z ^ (z >> np.uint64(31))) & _M64


def unif(seed: int, salt: str | int, x: np.ndarray) -> np.ndarray:
    """Uniform [0, 1) per element of x, a pure function of (seed, salt, x)."""
    return (mix(seed, salt, x) >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def region_index(seed: int, idx: np.ndarray) -> np.ndarray:
    return np.searchsorted(_REGION_CUM, unif(seed, "region", idx), side="right").astype(np.int16)


# --- vectorized construction ------------------------------------------------------------------------------

_ALPHA_BYTES = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
_ASCII_TO_USCC = np.full(128, -1, dtype=np.int64)
_ASCII_TO_USCC[_ALPHA_BYTES] = np.arange(31)
_ASCII_TO_ORG = np.full(128, -1, dtype=np.int64)
_ASCII_TO_ORG[48:58] = np.arange(10)
_ASCII_TO_ORG[65:91] = np.arange(10, 36)
_ORG_CHECK = np.frombuffer(b"0123456789X0", dtype=np.uint8)  # index = 11 - sum mod 11 (1..11)
_DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)

# Affine permutations give every enterprise its own organization code without a uniqueness table.
_OLD_MOD, _OLD_MUL = 10**8, 73_939_133
_NEW_MOD, _NEW_MUL = 31**6, 1_000_003


def _base_digits(values: np.ndarray, base: int, width: int) -> np.ndarray:
    out = np.empty((values.size, width), dtype=np.int64)
    v = values.astype(np.int64)
    for pos in range(width - 1, -1, -1):
        out[:, pos] = v % base
        v = v // base
    return out


def org_codes(seed: int, idx: np.ndarray, new_style: np.ndarray) -> np.ndarray:
    """(n, 9) ASCII bytes: 8 digits (pre-2015) or `MA` + 6 alphabet characters (post-reform), then the check."""
    body = np.empty((idx.size, 8), dtype=np.uint8)
    offset = (seed * 2_654_435_761 + 40_503) % _OLD_MOD
    old = (idx.astype(np.int64) * _OLD_MUL + offset) % _OLD_MOD
    body[:] = _DIGITS[_base_digits(old, 10, 8)]
    new = (idx.astype(np.int64) * _NEW_MUL + offset * 7) % _NEW_MOD
    new_body = np.concatenate(
        [np.full((idx.size, 2), [ord("M"), ord("A")], dtype=np.uint8), _ALPHA_BYTES[_base_digits(new, 31, 6)]],
        axis=1,
    )
    body[new_style] = new_body[new_style]
    total = (_ASCII_TO_ORG[body] * ORG_WEIGHTS).sum(axis=1)
    check = _ORG_CHECK[11 - total % 11]
    return np.concatenate([body, check[:, None]], axis=1)


def usccs(region_codes: np.ndarray, orgs: np.ndarray, entity_type: np.ndarray) -> np.ndarray:
    """(n, 18) ASCII bytes: `9` (market regulation), the entity type, region, organization code, check."""
    n = orgs.shape[0]
    body = np.empty((n, 17), dtype=np.uint8)
    body[:, 0] = ord("9")
    body[:, 1] = entity_type
    body[:, 2:8] = np.frombuffer("".join(region_codes).encode(), dtype=np.uint8).reshape(n, 6)
    body[:, 8:17] = orgs
    total = (_ASCII_TO_USCC[body] * USCC_WEIGHTS).sum(axis=1)
    check = _ALPHA_BYTES[(31 - total % 31) % 31]
    return np.concatenate([body, check[:, None]], axis=1)


def fixed_width_series(chars: np.ndarray, name: str = "") -> pl.Series:
    """(n, w) ASCII bytes to a polars string Series without a Python loop."""
    n, width = chars.shape
    offsets = np.arange(0, n * width + 1, width, dtype=np.int32)
    data = np.ascontiguousarray(chars).reshape(-1)
    arr = pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))
    return pl.Series(name, arr)
