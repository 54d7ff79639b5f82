"""No child process outlives the process that started it.

`die_with_parent` asks Linux to kill the calling process when its parent exits: pool workers (through
`die_with_pool_parent`), the workbook reader, the workbook writers and the dbt process (before it starts dbt)
call it; the landing pool's fork server does by importing `ingest.orphans_server` first thing.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None


def die_with_parent() -> None:
    """prctl(PR_SET_PDEATHSIG, SIGKILL): the kernel kills this process when the thread that started it exits.
    Safe between fork and exec (`preexec_fn`): the libc function was looked up at import. A parent that died
    before the call (its parent id changed) leaves this process to init: it exits at once."""
    if _prctl is None:
        return
    parent = os.getppid()
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def die_with_pool_parent() -> None:
    """A pool worker's initializer: `die_with_parent`, then exit at once if the process that asked for this
    worker has died already. A worker forked by a fork server just as the run was killed would miss both the
    parent-death signal (its parent, the server, was alive when it was forked) and the parent check (the
    server may have died, and the worker been re-parented, before this runs): the run's pipe tells."""
    import multiprocessing

    die_with_parent()
    creator = multiprocessing.parent_process()
    if creator is not None and not creator.is_alive():
        os._exit(1)
