"""Every kind of name in an inbox that no feed lands gets its own reason; hidden names are nobody's business."""

from __future__ import annotations

from pathlib import Path

from ingest.inbox import ignored_names


def test_each_ignored_name_says_why(tmp_path: Path) -> None:
    for name in ("quality/inspections_20261120.csv", "quality/old/inspections_20261119.csv", "quality/.lock",
                 ".generated.json", "tax/tax_credit_20261120.csv.crdownload", "tax/taxcredit_20261120.csv"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x\n", encoding="utf-8")
    ignored, arriving = ignored_names(tmp_path)
    assert ignored == [
        {"path": "quality/old", "why": "a folder inside an agency folder: deliveries are files directly in it"},
        {"path": "tax/taxcredit_20261120.csv",
         "why": "matches no declared file name (expected tax_credit_{YYYYMMDD}[_{NN}].csv)"},
    ]
    assert arriving == [{"path": "tax/tax_credit_20261120.csv.crdownload",
                         "why": "still being uploaded (its name ends in .crdownload): landed once it is complete"}]
