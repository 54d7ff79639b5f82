"""The synthetic multi-year agency drop (`qcredit generate`): enterprises and what five agencies would deliver."""

from qcredit.synthetic.drop import generate, history_start

__all__ = ["generate", "history_start"]
