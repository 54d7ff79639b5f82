"""Hand-encoded grading scenarios checked against the real `qcredit run`."""
