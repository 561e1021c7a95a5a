"""Python's cyclic garbage collector, paused while bulk objects are made.

Loading a city and identifying its HCAs make hundreds of thousands of
objects (rows, strings, geometries, arrays of them) that hold no reference
cycles. The collector, triggered every few hundred allocations, would scan
them again and again as they are made, and each full pass walks every
geometry array already loaded: a third of the loading time, and runs of the
engine twice as long now and then. Whatever is freed meanwhile is freed by
reference counting; the collector runs again as soon as the block ends.
"""

import contextlib
import gc


@contextlib.contextmanager
def collector_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
