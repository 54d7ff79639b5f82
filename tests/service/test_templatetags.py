"""The tags that write table cells in Python (for speed) escape every value as the template engine would."""

from __future__ import annotations

import re

from qcredit.service.templatetags.service_tags import code_spans, select_options, warning_rows
from tests.service.fixture_home import LATEST, ZJ_FORMULA

HOSTILE = '<script>alert("x")</script>&\''


def test_warning_rows_escape_every_value():
    row = {"uscc": HOSTILE, "name": HOSTILE, "region_code": HOSTILE, "risk_score": HOSTILE, "action": HOSTILE,
           "reasons": f"C.2;{HOSTILE}", "signals": HOSTILE}
    html = warning_rows([row], HOSTILE)
    assert "<script>" not in html and '"x"' not in html and "&'" not in html
    assert html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#x27;") == 11  # each value, USCC twice
    assert re.fullmatch(r"(<(/?)(tr|td|a|span|small)( [^<>]*)?>|[^<>]+)+", html)  # no other markup


def test_warning_rows_name_none_as_empty_and_link_the_credit_file_at_the_date():
    html = warning_rows([{"uscc": "U1", "name": None, "region_code": None, "risk_score": 55,
                          "action": "yellow_card", "reasons": "C.2;C.3", "signals": ""}], "2026-11-20")
    assert '<a href="/enterprises/U1?date=2026-11-20">U1</a></td><td></td><td></td><td class="num">55</td>' in html
    assert '<span class="code">C.2</span><span class="code">C.3</span></td><td></td></tr>' in html
    assert "黄牌警告" in html and "yellow card" in html


def test_code_spans_and_options_escape():
    assert code_spans(f"C.2;{HOSTILE}", "signal").count('<span class="code signal">') == 2
    assert "<script>" not in code_spans(HOSTILE) and "<script>" not in select_options([HOSTILE], HOSTILE)
    assert select_options(["3301", "3302"], "3302") == "<option>3301</option><option selected>3302</option>"


def test_a_formula_name_reaches_the_warnings_page_escaped(zj):
    body = zj.get(f"/warnings?date={LATEST}&sort=uscc").content.decode()
    assert ZJ_FORMULA in body and "=HYPERLINK(&quot;http://x&quot;)公式厂" in body and '"http://x"' not in body
