from html import escape

from django import template
from django.utils.safestring import mark_safe

from qcredit.service.labels import ALL

register = template.Library()


@register.filter
def zh(code: str) -> str:
    """The Chinese label of a code (the code itself when it has none)."""
    return ALL.get(code, (code, code))[0]


@register.filter
def en(code: str) -> str:
    return ALL.get(code, (code, code))[1]


@register.filter
def codes(value: str | None) -> list[str]:
    return [c for c in (value or "").split(";") if c]


@register.simple_tag(takes_context=True)
def query(context, **changes) -> str:
    """The current query string with some parameters changed (empty value: removed)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + params.urlencode() if params else "?"


# The tags below write many cells of a page in Python: through the template engine, a warnings page of a
# hundred rows took 7 ms of CPU to render (most of a request), about a tenth of that this way. Every value is
# escaped with the standard library's html.escape (quotes too) before it is marked safe.


@register.simple_tag
def code_spans(value: str | None, kind: str = "") -> str:
    """`<span class="code">C.2</span>...` for each code of a `;`-separated list."""
    return mark_safe(_code_spans(value, f"code {kind}".strip()))


@register.simple_tag
def select_options(values: list[str], selected: str | None) -> str:
    """`<option>` elements for each value, the selected one marked (the warnings filters)."""
    return mark_safe("".join(f"<option{' selected' if value == selected else ''}>{escape(value)}</option>"
                             for value in values))


@register.simple_tag
def warning_rows(rows: list[dict], as_of: str) -> str:
    """The rows of the warnings table: USCC (linking to the credit file at the date), name, region, score,
    action (Chinese, English below), reason codes, signals."""
    return mark_safe("\n".join(
        f'<tr><td class="mono"><a href="/enterprises/{escape(r["uscc"])}?date={escape(as_of)}">'
        f'{escape(r["uscc"])}</a></td><td>{escape(r["name"] or "")}</td><td>{escape(r["region_code"] or "")}</td>'
        f'<td class="num">{escape(str(r["risk_score"]))}</td><td><span class="action action-{escape(r["action"])}">'
        f'{escape(zh(r["action"]))}</span><small>{escape(en(r["action"]))}</small></td>'
        f'<td>{_code_spans(r["reasons"], "code")}</td><td>{_code_spans(r["signals"], "code signal")}</td></tr>'
        for r in rows))


def _code_spans(value: str | None, css: str) -> str:
    return "".join(f'<span class="{css}">{escape(code)}</span>' for code in codes(value))
