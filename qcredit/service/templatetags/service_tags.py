from django import template

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
