"""qcredit: the application: command line, pipeline steps, exports, the service, the synthetic drop."""

__version__ = "0.1.0"
