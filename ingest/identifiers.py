"""Enterprise identifiers: normalize, check, and resolve to a USCC (FEEDS.md, "Identifiers").

Everything here works on whole columns: files have millions of rows, so check characters are computed with
numpy over the Arrow string buffer, and Python only runs for the few values that fail (to explain why) or
that are not plain ASCII (to NFKC them). Resolution of legacy tax numbers and customs codes is a join
against a reference snapshot that the caller reads from the lake.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)

from ingest import paths
from ingest.registry import Identifier

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # GB 11714: A=10 … Z=35
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

IDENTIFIER_ERROR = "_identifier_error"  # the column `identify` adds: why an identifier is not valid, else null
KIND_LABELS = {
    "uscc": "USCC (18 characters)",
    "legacy_tax_no": "legacy tax number (15 characters)",
    "customs_code": "customs code (10 digits)",
}


# -- scalar forms: for explanations, tests and small lookups ---------------------------------------------


def normalize(value: str) -> str:
    """How agencies' hand-keyed identifiers compare: NFKC (full-width to ASCII), trimmed, upper-case."""
    return unicodedata.normalize("NFKC", value).strip().upper()


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a USCC."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_check_char(first8: str) -> str:
    """The GB 11714 check character for the first 8 characters of an organization code."""
    value = 11 - sum(ORG_ALPHABET.index(c) * w for c, w in zip(first8, ORG_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(value, str(value))


@cache
def _allowlist(path: Path) -> frozenset[str]:
    if not path.exists():
        return frozenset()
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(normalize(line) for line in lines if line)


def uscc_allowlist() -> frozenset[str]:
    """Real USCCs from early pilots that fail the check character (`paths.uscc_allowlist_path()`)."""
    return _allowlist(paths.uscc_allowlist_path())


def is_valid_uscc(code: str) -> bool:
    code = normalize(code)
    if code in uscc_allowlist():
        return True
    return len(code) == 18 and all(c in USCC_ALPHABET for c in code) and uscc_check_char(code[:17]) == code[17]


def is_valid_org_code(code: str) -> bool:
    code = normalize(code).replace("-", "")
    if len(code) != 9 or any(c not in ORG_ALPHABET for c in code[:8]):
        return False
    return org_check_char(code[:8]) == code[8]


def explain_bad(column: str, value: str, kinds: tuple[str, ...]) -> str:
    """Why a normalized identifier is bad input, in words a data engineer can act on."""
    if "uscc" in kinds and len(value) == 18:
        if any(c not in USCC_ALPHABET for c in value):
            bad = "".join(sorted({c for c in value if c not in USCC_ALPHABET}))
            return f"{column}: '{value}' has characters outside the USCC alphabet ({bad!r})"
        return f"{column}: check character wrong in '{value}' (expected '{uscc_check_char(value[:17])}')"
    if "legacy_tax_no" in kinds and len(value) == 15:
        org = value[6:]
        if not org[:8].isalnum() or not value[:6].isdigit() or any(c not in ORG_ALPHABET for c in org[:8]):
            return f"{column}: legacy tax number '{value}' is not 6 digits + a 9-character organization code"
        return (
            f"{column}: organization code check character wrong in legacy tax number '{value}' "
            f"(expected '{org_check_char(org[:8])}')"
        )
    expected = " or ".join(KIND_LABELS[k] for k in kinds)
    return f"{column}: '{value}' is not a valid identifier (expected a {expected})"


# -- vectorized forms ----------------------------------------------------------------------------------
# Check characters are weighted sums over fixed positions: numpy computes them for a whole column at once
# from the Arrow string buffer, one pass per character position (a regex, or polars slicing each position,
# walks the text of every row once per position and costs far more).


def _lut(values: dict[str, int]) -> np.ndarray:
    table = np.full(256, -1, dtype=np.int64)
    for char, value in values.items():
        table[ord(char)] = value
    return table


_USCC_LUT = _lut({c: i for i, c in enumerate(USCC_ALPHABET)})
_ORG_LUT = _lut({c: i for i, c in enumerate(ORG_ALPHABET)})
_ORG_CHECK_LUT = _lut({**{str(i): i for i in range(10)}, "X": 10})
_DIGIT_LUT = _lut({str(i): i for i in range(10)})


def _weighted(lut: np.ndarray, weights: tuple[int, ...]) -> list[np.ndarray]:
    """Per position, value x weight; a character outside the alphabet weighs enough to make any sum negative."""
    return [np.where(lut >= 0, lut * weight, -(2**40)) for weight in weights]


_USCC_BODY = _weighted(_USCC_LUT, USCC_WEIGHTS)
_ORG_BODY = _weighted(_ORG_LUT, ORG_WEIGHTS)
_DIGITS = _weighted(_DIGIT_LUT, (1,) * 10)


def _char_matrix(s: pl.Series, width: int) -> np.ndarray:
    """Values of exactly `width` bytes as an (n, width) uint8 matrix, read straight from the Arrow buffer."""
    arr = pa.compute.cast(s.to_arrow(), pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8) if len(arr) else np.zeros(0, dtype=np.uint8)
    return data[offsets[0] : offsets[-1]].reshape(-1, width)


def _fixed_width(s: pl.Series, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(row positions, char matrix) of the values that are exactly `width` bytes long."""
    idx = np.flatnonzero((s.fill_null("").str.len_bytes() == width).to_numpy())
    return idx, _char_matrix(s if len(idx) == len(s) else s.gather(idx), width)


def _weighted_sum(chars: np.ndarray, position_luts: list[np.ndarray]) -> np.ndarray:
    """Per row of `chars`, the sum over positions of that position's table at the character: negative when a
    character is outside the alphabet. One pass per position: a matrix of values (8 bytes a character) and a
    matrix product cost several times more at millions of rows."""
    total = np.zeros(len(chars), dtype=np.int64)
    for position, lut in enumerate(position_luts):
        total += lut[chars[:, position]]
    return total


def _org_ok(chars: np.ndarray) -> np.ndarray:
    """GB 11714 on an (n, 9) matrix: 8 characters 0-9/A-Z, then the check character."""
    body, last = _weighted_sum(chars, _ORG_BODY), _ORG_CHECK_LUT[chars[:, 8]]
    check = (11 - body % 11) % 11  # 11 -> 0, written '0'
    return (body >= 0) & (last >= 0) & (check == last)


# Already normal: non-empty printable ASCII with no space and no lower-case letter (NFKC, trimming and
# upper-casing leave it as it is). Almost every delivered identifier is: one regex pass settles them.
_NORMAL = r"^[!-`{-~]+$"


def normalize_series(s: pl.Series) -> pl.Series:
    """`normalize` for a whole column (empty -> null); Python NFKC only for the rare non-ASCII values."""
    odd = (~s.str.contains(_NORMAL)).fill_null(False).arg_true()
    if odd.is_empty():
        return s
    return s.clone().scatter(odd, _normalize_odd(s.gather(odd)))


def _normalize_odd(s: pl.Series) -> pl.Series:
    out = s.str.strip_chars().str.to_uppercase()
    wide = (s.str.len_bytes() != s.str.len_chars()).fill_null(False)
    if wide.any():
        uniques = s.filter(wide).unique().to_list()
        fixed = s.replace_strict({v: normalize(v) for v in uniques}, default=None, return_dtype=pl.String)
        out = pl.select(pl.when(wide).then(fixed).otherwise(out)).to_series()
    return out.set(out.str.len_bytes() == 0, None)


def uscc_valid(s: pl.Series, allowlist: frozenset[str] | None = None) -> pl.Series:
    """True where the value is a USCC with the right check character (or an allowlisted one)."""
    ok = np.zeros(len(s), dtype=bool)
    idx, chars = _fixed_width(s, 18)
    body, last = _weighted_sum(chars, _USCC_BODY), _USCC_LUT[chars[:, 17]]
    ok[idx] = (body >= 0) & (last >= 0) & ((31 - body % 31) % 31 == last)
    allowed = uscc_allowlist() if allowlist is None else allowlist
    return pl.Series(s.name, ok) | s.is_in(list(allowed)).fill_null(False)


def org_code_valid(s: pl.Series) -> pl.Series:
    ok = np.zeros(len(s), dtype=bool)
    idx, chars = _fixed_width(s, 9)
    ok[idx] = _org_ok(chars)
    return pl.Series(s.name, ok)


def legacy_tax_valid(s: pl.Series) -> pl.Series:
    """6-digit division code + 9-character organization code with the right check character."""
    ok = np.zeros(len(s), dtype=bool)
    idx, chars = _fixed_width(s, 15)
    ok[idx] = (_weighted_sum(chars, _DIGITS[:6]) >= 0) & _org_ok(chars[:, 6:])
    return pl.Series(s.name, ok)


def customs_valid(s: pl.Series) -> pl.Series:
    ok = np.zeros(len(s), dtype=bool)
    idx, chars = _fixed_width(s, 10)
    ok[idx] = _weighted_sum(chars, _DIGITS) >= 0
    return pl.Series(s.name, ok)


def kinds_of(s: pl.Series, kinds: tuple[str, ...]) -> pl.Series:
    """Which allowed kind each normalized value is; null when it is none of them (a bad identifier)."""
    checks = {"uscc": uscc_valid, "legacy_tax_no": legacy_tax_valid, "customs_code": customs_valid}
    out = pl.lit(None, dtype=pl.String)
    for kind in reversed(kinds):
        out = pl.when(pl.lit(checks[kind](s))).then(pl.lit(kind)).otherwise(out)
    return pl.select(out.alias(s.name)).to_series()


# -- resolution ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """A resolve_via snapshot: `key` (legacy org code or customs code) -> `uscc`, and where it came from."""

    feed_id: str
    delivery_id: str | None  # None: nothing landed yet
    frame: pl.DataFrame  # columns key, uscc, candidates


def reference_from(feed_id: str, delivery_id: str | None, snapshot: pl.DataFrame | None, kind: str,
                   key_column: str) -> Reference:
    """Index a reference snapshot for one identifier kind; a key naming two enterprises stays ambiguous."""
    if snapshot is None or snapshot.is_empty():
        frame = pl.DataFrame(schema={"key": pl.String, "uscc": pl.String, "candidates": pl.UInt32})
        return Reference(feed_id, delivery_id, frame)
    key = pl.col("uscc").str.slice(8, 9) if kind == "legacy_tax_no" else pl.col(key_column)
    frame = (
        snapshot.lazy()  # landed values are already normalized
        .filter(pl.col("uscc").is_not_null())
        .select(key.alias("key"), pl.col("uscc"))
        .unique()
        .group_by("key")
        .agg(pl.col("uscc").first(), pl.col("uscc").n_unique().alias("candidates"))
        .collect()
    )
    return Reference(feed_id, delivery_id, frame)


def _unresolved_reason(kind: str, ref: Reference) -> pl.Expr:
    what = KIND_LABELS[kind].split(" (")[0]
    if ref.delivery_id is None:
        return pl.lit(f"{what}: no delivery of {ref.feed_id} has landed yet to resolve it through")
    where = f"{ref.feed_id} (delivery {ref.delivery_id})"
    if kind == "legacy_tax_no":
        missing = pl.format(
            f"legacy tax number '{{}}': no enterprise in {where} has organization code '{{}}' at USCC "
            "positions 9-17",
            pl.col("identifier"), pl.col("identifier").str.slice(6, 9),
        )
    else:
        missing = pl.format(f"{what} '{{}}': not found in {where}", pl.col("identifier"))
    ambiguous = pl.format(f"{what} '{{}}': names {{}} enterprises in {where}", pl.col("identifier"),
                          pl.col("candidates"))
    return pl.when(pl.col("candidates") > 1).then(ambiguous).otherwise(missing)


def resolve(frame: pl.DataFrame, references: dict[str, Reference], into: str = "uscc") -> pl.DataFrame:
    """Fill `into` (the USCC) and `unresolved_reason` from `identifier` / `identifier_kind`.

    A USCC is its own resolution; other kinds join their reference (by kind) on the key. Rows with no
    identifier at all stay unresolved with a reason; rows whose identifier was bad are left to quarantine.
    """
    out = frame.with_columns(
        pl.when(pl.col("identifier_kind") == "uscc").then(pl.col("identifier")).alias(into),
        unresolved_reason=pl.when(pl.col("identifier").is_null()).then(pl.lit("no identifier given")),
    )
    for kind, ref in references.items():
        key = pl.col("identifier").str.slice(6, 9) if kind == "legacy_tax_no" else pl.col("identifier")
        is_kind = pl.col("identifier_kind") == kind
        # Join the key column alone: joining the whole frame would copy every column of a large batch.
        looked_up = out.select(pl.when(is_kind).then(key).alias("_key")).join(
            ref.frame.rename({"uscc": "_ref_uscc"}), left_on="_key", right_on="key", how="left",
            maintain_order="left",
        )
        found = pl.col("_ref_uscc").is_not_null() & (pl.col("candidates") == 1)
        out = out.with_columns(looked_up.get_column("_ref_uscc"), looked_up.get_column("candidates")).with_columns(
            pl.when(is_kind & found).then(pl.col("_ref_uscc")).otherwise(pl.col(into)).alias(into),
            unresolved_reason=pl.when(is_kind & ~found)
            .then(_unresolved_reason(kind, ref))
            .otherwise(pl.col("unresolved_reason")),
        ).drop("_ref_uscc", "candidates")
    return out


def identify(frame: pl.DataFrame, ident: Identifier) -> pl.DataFrame:
    """Add `identifier`, `identifier_kind` and `IDENTIFIER_ERROR` (a reason, null when the identifier is fine).

    Identifier columns must already be normalized. The declared column names the enterprise; when it is
    empty, `when_blank` names another column (e.g. the customs code) to use instead.
    """
    sources = [ident] + ([ident.when_blank] if ident.when_blank else [])
    identifier, kind = pl.lit(None, pl.String), pl.lit(None, pl.String)
    for src in reversed(sources):
        col = pl.col(src.column)
        given = col.is_not_null()
        kinds = kinds_of(frame.get_column(src.column), src.kinds)
        identifier = pl.when(given).then(col).otherwise(identifier)
        kind = pl.when(given).then(pl.lit(kinds)).otherwise(kind)
    out = frame.with_columns(identifier=identifier, identifier_kind=kind)
    # Bad identifiers are a few rows in thousands: each distinct one is explained once, and the words are put
    # at their rows (mapping every row through a lookup would touch all rows for the few bad ones).
    bad_rows = out.select(
        pl.arg_where(pl.col("identifier").is_not_null() & pl.col("identifier_kind").is_null())
    ).to_series()
    explained: dict[tuple[str, str], str] = {}
    words = []
    for values in frame[bad_rows].select(src.column for src in sources).iter_rows():
        src, value = next((src, v) for src, v in zip(sources, values, strict=True) if v is not None)
        if (src.column, value) not in explained:
            explained[src.column, value] = explain_bad(src.column, value, src.kinds)
        words.append(explained[src.column, value])
    error = pl.repeat(None, out.height, dtype=pl.String, eager=True).scatter(bad_rows, words)
    return out.with_columns(error.alias(IDENTIFIER_ERROR))
