"""Check characters (GB 32100, GB 11714), normalization, kinds and resolution, with real codes from the
sample drop and hand-made bad ones."""

from __future__ import annotations

import polars as pl
import pytest

from ingest import identifiers as ids
from ingest.registry import Identifier

SAMPLE_USCCS = [
    "911101087986432663", "91320583162243750U", "91440305529841408M", "91330106159655658P",
    "91370202508935368Q", "91420106706509888K", "91350203577764654M", "91310115097084131D",
    "91510104921254566N", "913301062007404175", "91330106201046398A", "91330106405802108X",
    "913301065032807887", "913302126488685580", "91330106970181156R",
]


@pytest.mark.parametrize("code", SAMPLE_USCCS)
def test_sample_usccs_have_right_check_character(code: str) -> None:
    assert ids.uscc_check_char(code[:17]) == code[17]
    assert ids.is_valid_uscc(code)


def test_bad_uscc_check_character_is_explained() -> None:
    assert not ids.is_valid_uscc("913301065032807880")
    reason = ids.explain_bad("uscc", "913301065032807880", ("uscc",))
    assert reason == "uscc: check character wrong in '913301065032807880' (expected '7')"
    assert "outside the USCC alphabet" in ids.explain_bad("uscc", "91330106503280788I", ("uscc",))


def test_allowlisted_pilot_code_is_valid() -> None:
    code = "91350100M0001TGQXM"
    assert ids.uscc_check_char(code[:17]) != code[17]  # fails the check, yet is real
    assert ids.is_valid_uscc(code)


def test_organization_code_check() -> None:
    assert ids.org_check_char("92125456") == "6"  # from legacy tax number 510104921254566
    assert ids.is_valid_org_code("92125456-6")
    assert not ids.is_valid_org_code("921254567")
    # 10 is written X, 11 is written 0
    assert ids.org_check_char("40580210") == "8"
    checks = {ids.org_check_char(f"{n:08d}") for n in range(200)}
    assert {"X", "0"} <= checks


def test_normalize_full_width_space_and_case() -> None:
    assert ids.normalize(" ９１３３０１０６405802108x ") == "91330106405802108X"


def test_normalize_series_matches_scalar_normalize() -> None:
    """The column form settles already-normal values with one pattern; every other value must still come
    out as `normalize` makes it (empty after trimming -> null)."""
    values = ["91330106405802108X", "91330106405802108x", " 91330106405802108X", "91330106405802108X\t",
              "９１３３０１０６405802108x", "\u3000913301064058021", "510104-92125456", "", "   ", "\u3000", "a",
              "ß", "Ａ-1", None]
    out = ids.normalize_series(pl.Series("v", values))
    assert out.name == "v"
    expected = [None if v is None or not ids.normalize(v) else ids.normalize(v) for v in values]
    assert out.to_list() == expected
    assert ids.normalize_series(pl.Series("v", ["ABC", None])).to_list() == ["ABC", None]


def test_vectorized_checks_match_scalar() -> None:
    values = [*SAMPLE_USCCS, "913301065032807880", "91350100M0001TGQXM", "510104921254566", "510104921254567",
              "3122930011", "ABC", None]
    v = ids.normalize_series(pl.Series("v", values))
    out = pl.DataFrame([v, ids.uscc_valid(v).alias("uscc"), ids.legacy_tax_valid(v).alias("legacy"),
                        ids.kinds_of(v, ("uscc", "legacy_tax_no", "customs_code")).alias("kind")])
    for v, uscc, legacy, _ in out.iter_rows():
        if v is None:
            continue
        assert bool(uscc) == ids.is_valid_uscc(v)
        assert legacy == (len(v) == 15 and ids.is_valid_org_code(v[6:]))
    kinds = dict(zip(out["v"], out["kind"], strict=True))
    assert kinds["510104921254566"] == "legacy_tax_no"
    assert kinds["510104921254567"] is None
    assert kinds["3122930011"] == "customs_code"
    assert kinds["913301065032807880"] is None


def test_identify_and_resolve_legacy_and_customs() -> None:
    snapshot = pl.DataFrame({"uscc": SAMPLE_USCCS})
    refs = {"legacy_tax_no": ids.reference_from("quality/enterprises", "20261119_00", snapshot,
                                                "legacy_tax_no", "taxpayer_id")}
    frame = pl.DataFrame({"taxpayer_id": ["510104921254566", "110101921254577", "911101087986432663",
                                          "510104921254567", None]})
    ident = Identifier(column="taxpayer_id", kinds=("uscc", "legacy_tax_no"), resolve_via="quality/enterprises")
    out = ids.resolve(ids.identify(frame, ident), refs)
    rows = out.to_dicts()
    assert rows[0]["uscc"] == "91510104921254566N" and rows[0]["unresolved_reason"] is None
    assert ids.org_check_char("92125457") != "7"  # so the second number is bad: an error, not unresolved
    assert rows[1]["uscc"] is None and "check character wrong" in rows[1]["_identifier_error"]
    assert rows[2]["uscc"] == "911101087986432663"
    assert "organization code check character wrong" in rows[3]["_identifier_error"]
    assert rows[4]["unresolved_reason"] == "no identifier given"


def test_valid_legacy_number_without_match_is_unresolved_with_reason() -> None:
    body = "12345678"
    legacy = f"330106{body}{ids.org_check_char(body)}"
    refs = {"legacy_tax_no": ids.reference_from("quality/enterprises", "20261119_00",
                                                pl.DataFrame({"uscc": SAMPLE_USCCS}), "legacy_tax_no", "t")}
    ident = Identifier(column="t", kinds=("legacy_tax_no",), resolve_via="quality/enterprises")
    row = ids.resolve(ids.identify(pl.DataFrame({"t": [legacy]}), ident), refs).row(0, named=True)
    assert row["uscc"] is None and row["_identifier_error"] is None
    assert "no enterprise in quality/enterprises (delivery 20261119_00)" in row["unresolved_reason"]
    assert f"'{body}{ids.org_check_char(body)}'" in row["unresolved_reason"]


def test_ambiguous_and_missing_reference() -> None:
    snapshot = pl.DataFrame({"customs_code": ["3122930011", "3122930011"],
                             "uscc": ["91310115097084131D", "911101087986432663"]})
    ident = Identifier(column="customs_code", kinds=("customs_code",), resolve_via="customs/customs_registry")
    frame = ids.identify(pl.DataFrame({"customs_code": ["3122930011"]}), ident)
    ambiguous = {"customs_code": ids.reference_from("customs/customs_registry", "20261119_00", snapshot,
                                                    "customs_code", "customs_code")}
    assert "names 2 enterprises" in ids.resolve(frame, ambiguous)["unresolved_reason"][0]
    missing = {"customs_code": ids.reference_from("customs/customs_registry", None, None, "customs_code",
                                                  "customs_code")}
    assert "no delivery of customs/customs_registry has landed" in ids.resolve(frame, missing)[
        "unresolved_reason"][0]
