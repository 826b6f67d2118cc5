"""Give memory freed by a large build back to the operating system (glibc; elsewhere a no-op).

glibc keeps what a thread frees in that thread's arena for reuse, and a sync sends from several
threads: the tens of thousands of small objects behind one SOAP batch's envelope, freed once it
is serialised, would stay in the resident size of every thread that ever built one.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys


@functools.cache
def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None


def release_freed_memory() -> None:
    """malloc_trim(0): return the free pages of every arena to the system."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
