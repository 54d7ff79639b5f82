"""`qcredit serve`: the credit information service (Django), reading only what runs published."""
