"""Where things live: the one place that resolves paths from the environment (with defaults next to the code)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ingest.paths import EXPECTATIONS_DIR, FEEDS_DIR, PROJECT_ROOT, lake_dir, uscc_allowlist_path

__all__ = ["EXPECTATIONS_DIR", "FEEDS_DIR", "PROJECT_ROOT", "lake_dir", "uscc_allowlist_path"]
DBT_PROJECT_DIR = Path(os.environ.get("QCREDIT_DBT_PROJECT_DIR", PROJECT_ROOT / "dbt_project"))
DBT_PROFILES_DIR = Path(os.environ.get("QCREDIT_DBT_PROFILES_DIR", DBT_PROJECT_DIR))
DBT_TARGET = os.environ.get("QCREDIT_DBT_TARGET", "local")
TIMEZONE = "Asia/Shanghai"

# The built-in demo: `make demo` generates its drop here and grades it.
DEMO_HOME = PROJECT_ROOT / "demo_home"
DEMO_INBOX = DEMO_HOME / "inbox"


# `qcredit run` lands feeds in parallel processes once a run has this much to land (below it, starting the
# processes costs more than it saves). A landing process keeps about the peak memory of the largest feed it
# landed: budget that much per worker (bench/README.md has the measured peaks).
PARALLEL_INGEST_MIN_BYTES = 64 * 2**20
# Relative landing cost of a delivered byte by format, as measured on the 1M-enterprise drop: a workbook's bytes
# are compressed XML, dearer to parse than a CSV byte. Used only to start the costliest feeds first.
LANDING_COST_PER_BYTE = {"csv": 1.0, "jsonl": 1.0, "xlsx": 3.5}


# polars' allocator (jemalloc) in the processes that land feeds in parallel. By default polars hands freed
# memory back to the kernel within a second, so every batch faulted its buffers in afresh and much of the
# landing CPU was the kernel's. Keeping freed pages a few seconds longer (the decay times below) lands faster for
# a somewhat higher peak; never handing them back saved no more time and took far more memory. The
# measurements are in bench/README.md.
LANDING_ALLOCATOR_CONF = "dirty_decay_ms:5000,muzzy_decay_ms:5000"


def landing_allocator_conf() -> str:
    """QCREDIT_LANDING_ALLOCATOR_CONF (jemalloc's option syntax; empty keeps polars' own), else the default."""
    return os.environ.get("QCREDIT_LANDING_ALLOCATOR_CONF", LANDING_ALLOCATOR_CONF)


def ingest_workers() -> int:
    """Processes landing feeds at once: QCREDIT_INGEST_WORKERS, else the machine's cores, at most 2."""
    return int(os.environ.get("QCREDIT_INGEST_WORKERS") or min(os.cpu_count() or 1, 2))


def workbook_workers() -> int:
    """Processes writing the province workbooks at once: QCREDIT_WORKBOOK_WORKERS, else the machine's cores, at
    most 4 (each holds a read-only warehouse connection and one row per sheet)."""
    return int(os.environ.get("QCREDIT_WORKBOOK_WORKERS") or min(os.cpu_count() or 1, 4))


# DuckDB memory of the export step, over its processes: half for the CSVs and the serving copy, half shared by
# the workbook writers. Unlimited, DuckDB may take 80% of the RAM in each of them, and the export (three processes
# at once) became the nightly run's peak, above dbt's (bench/README.md has the measurements).
EXPORT_DUCKDB_MEMORY_MB = 2048


@dataclass(frozen=True)
class DuckDBShare:
    """What one export process may take of DuckDB: memory (MB) and worker threads."""

    memory_mb: int
    threads: int


def export_duckdb_shares(workbook_writers: int) -> tuple[DuckDBShare, DuckDBShare]:
    """The DuckDB share of the export's main process and of each of its `workbook_writers` processes. Memory:
    QCREDIT_EXPORT_DUCKDB_MEMORY_MB (else EXPORT_DUCKDB_MEMORY_MB), half to the main process, half split among
    the writers. Threads: the cores split among the processes working at once; with DuckDB's default (every
    core in each process) the three processes of a 2-core export spent 4 CPU-seconds more switching between
    its threads, and took 9% longer (docs/workbooks.md)."""
    budget = int(os.environ.get("QCREDIT_EXPORT_DUCKDB_MEMORY_MB") or EXPORT_DUCKDB_MEMORY_MB)
    cores = os.cpu_count() or 1
    if workbook_writers <= 1:  # one process writes everything
        alone = DuckDBShare(budget, cores)
        return alone, alone
    threads = max(1, cores // (workbook_writers + 1))
    return DuckDBShare(budget // 2, threads), DuckDBShare(budget // 2 // workbook_writers, threads)


def home_dir(home: str | Path | None = None) -> Path:
    """The folder that holds the lake, the warehouse, the exports and the logs."""
    return Path(home or os.environ.get("QCREDIT_HOME") or DEMO_HOME).resolve()


def inbox_dir(inbox: str | Path | None = None) -> Path:
    """The agency drop: <inbox>/<agency>/<dataset>_<YYYYMMDD>[_<NN>].<ext>."""
    return Path(inbox or os.environ.get("QCREDIT_INBOX") or DEMO_INBOX).resolve()


def warehouse_path(home: Path) -> Path:
    return home / "warehouse.duckdb"


def duckdb_spill_dir(home: Path) -> Path:
    """Where DuckDB spills while dbt builds: its default, the database's path plus `.tmp` (profiles.yml)."""
    warehouse = warehouse_path(home)
    return warehouse.with_name(f"{warehouse.name}.tmp")


def exports_dir(home: Path, as_of: str) -> Path:
    return home / "exports" / as_of



# Airflow for the main job and the DAG tests: SQLite metadata inside the project, no scheduler needed.
AIRFLOW_HOME = Path(os.environ.get("QCREDIT_AIRFLOW_HOME", PROJECT_ROOT / ".airflow"))
