"""A cheap estimate of the level mix a generated drop should grade to, straight from the inbox CSVs.

Not the grader: a simplified reading of RULES.md (quality feeds only, no identifier normalization, spot-check
adjacency approximated by "two or more failures") used to calibrate the generator and to sanity-check a drop
in tests and the benchmark. `python -m qcredit.synthetic.proxy <inbox> <as-of>` prints the shares.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb

from qcredit.sql import string_literal

_EVENTS = """
CREATE VIEW {name} AS
SELECT * EXCLUDE (rn) FROM (
  SELECT *, row_number() OVER (PARTITION BY {key} ORDER BY _file DESC) AS rn
  FROM read_csv('{glob}', all_varchar = true, filename = '_file', union_by_name = true)
  WHERE regexp_extract(_file, '_(\\d{{8}})(?:_\\d\\d)?\\.csv$', 1) <= '{day}'
) WHERE rn = 1
"""
_SNAPSHOT = """
CREATE VIEW {name} AS
SELECT * FROM read_csv('{glob}', all_varchar = true, filename = '_file')
WHERE _file = (SELECT max(file) FROM glob('{glob}') WHERE regexp_extract(file, '_(\\d{{8}})(?:_\\d\\d)?\\.csv$', 1)
               <= '{day}')
"""

_LEVELS = """
WITH t AS (SELECT DATE '{as_of}' AS t),
ins AS (SELECT uscc, kind, result, severity, CAST(inspected_on AS DATE) AS d FROM inspections),
vio AS (SELECT uscc, category, harm, penalty, CAST(decided_on AS DATE) AS d FROM violations),
acc AS (SELECT uscc, severity, CAST(occurred_on AS DATE) AS d FROM accidents),
cmp AS (SELECT uscc, kind, enterprise_liable = '1' AS liable, CAST(received_on AS DATE) AS d,
               CAST(resolved_on AS DATE) AS r FROM complaints),
exi AS (SELECT uscc, declaration_result, conformity_result, passed, CAST(inspected_on AS DATE) AS d
        FROM export_inspections),
y1 AS (SELECT t - INTERVAL 1 YEAR AS lo, t - INTERVAL 3 YEAR AS lo3, t FROM t),
ent AS (SELECT uscc, CAST(established_on AS DATE) AS est, is_exporter = '1' AS exporter FROM enterprises),
d_flags AS (
  SELECT uscc FROM vio, y1 WHERE d > lo AND d <= t AND (category IN
    ('unlicensed','counterfeit','no_standard','service_refusal') OR harm = 'severe'
    OR penalty IN ('licence_revoked','business_licence_revoked','referred_to_judiciary'))
  UNION SELECT uscc FROM acc, y1 WHERE d > lo AND d <= t AND severity IN ('major','severe')
  UNION SELECT uscc FROM ins, y1 WHERE d > lo AND d <= t AND kind = 'supervision_test'
    AND (result = 'not_tested' OR (result = 'fail' AND severity = 'serious'))
  UNION SELECT uscc FROM ins, y1 WHERE d > lo AND d <= t AND kind IN ('quality_spot_check','metrology_spot_check')
    AND result = 'fail' GROUP BY uscc HAVING count(*) >= 2
  UNION SELECT uscc FROM licences, y1 WHERE status = 'revoked'
    OR (status = 'rectifying' AND CAST(rectify_deadline AS DATE) < t)
    OR (status = 'valid' AND CAST(expires_on AS DATE) < t)
  UNION SELECT uscc FROM standards WHERE conformance = 'none'
),
c_flags AS (
  SELECT uscc FROM ins, y1 WHERE d > lo AND d <= t AND result = 'fail'
  UNION SELECT uscc FROM vio, y1 WHERE d > lo AND d <= t
  UNION SELECT uscc FROM acc, y1 WHERE d > lo AND d <= t
  UNION SELECT uscc FROM cmp, y1 WHERE d > lo AND d <= t AND liable AND (r IS NULL OR r - d > 30)
    AND (r IS NOT NULL OR t - d > 30)
  UNION SELECT uscc FROM exi, y1 WHERE d > lo AND d <= t AND (passed = '0' OR 'serious' IN
    (declaration_result, conformity_result))
  UNION SELECT uscc FROM standards WHERE conformance = 'below_declared'
  UNION SELECT uscc FROM licences WHERE status = 'rectifying'
  UNION SELECT uscc FROM production_stats QUALIFY row_number() OVER (PARTITION BY uscc ORDER BY year DESC) = 1
    AND CAST(supervision_test_pass_rate AS DOUBLE) < 100
),
not_a AS (
  SELECT uscc FROM ent, y1 WHERE est > t - INTERVAL 3 YEAR
  UNION SELECT uscc FROM ins, y1 WHERE d > lo3 AND d <= t AND result = 'fail'
  UNION SELECT uscc FROM vio, y1 WHERE d > lo3 AND d <= t
  UNION SELECT uscc FROM cmp, y1 WHERE d > lo AND d <= t AND liable
  UNION SELECT uscc FROM exi, y1 WHERE d > lo AND d <= t AND (declaration_result <> 'ok' OR conformity_result <> 'ok')
  UNION SELECT e.uscc FROM ent e LEFT JOIN (
      SELECT uscc, factory_pass_rate, supervision_test_pass_rate FROM production_stats
      QUALIFY row_number() OVER (PARTITION BY uscc ORDER BY year DESC) = 1) p USING (uscc)
    WHERE p.uscc IS NULL OR CAST(p.factory_pass_rate AS DOUBLE) < 100
)
SELECT CASE WHEN d.uscc IS NOT NULL THEN 'D' WHEN c.uscc IS NOT NULL THEN 'C'
            WHEN a.uscc IS NOT NULL THEN 'B' ELSE 'A' END AS level, count(*) AS n
FROM ent e LEFT JOIN (SELECT DISTINCT uscc FROM d_flags) d USING (uscc)
LEFT JOIN (SELECT DISTINCT uscc FROM c_flags) c USING (uscc)
LEFT JOIN (SELECT DISTINCT uscc FROM not_a) a USING (uscc)
GROUP BY 1 ORDER BY 1
"""

_KEYS = {"inspections": "record_id", "violations": "record_id", "accidents": "record_id",
         "complaints": "record_id", "export_inspections": "record_id", "production_stats": "uscc, year"}


def level_mix(inbox: Path, as_of: str) -> dict[str, float]:
    """Estimated share of each level among the enterprises of the latest snapshot on or before `as_of`."""
    con = duckdb.connect()
    day = string_literal(as_of.replace("-", ""))
    for name, key in _KEYS.items():
        con.execute(_EVENTS.format(name=name, key=key, glob=string_literal(f"{inbox}/quality/{name}_*.csv"), day=day))
    for name in ("enterprises", "licences", "standards"):
        con.execute(_SNAPSHOT.format(name=name, glob=string_literal(f"{inbox}/quality/{name}_*.csv"), day=day))
    counts = dict(con.execute(_LEVELS.format(as_of=string_literal(as_of))).fetchall())
    total = sum(counts.values()) or 1
    return {level: round(counts.get(level, 0) / total, 4) for level in "ABCD"}


if __name__ == "__main__":
    print(json.dumps(level_mix(Path(sys.argv[1]), sys.argv[2])))
