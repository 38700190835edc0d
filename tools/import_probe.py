#!/usr/bin/env python
"""Import dlcourse modules one after another in this (fresh) process and report, as JSON, what each import cost.

    python tools/import_probe.py dlcourse.data dlcourse.titanic ...

Prints one JSON list: per module, its import time in seconds, the top-level packages it loaded that were not loaded
before it (so `torch` shows up against the first module that pulls it in), whether it has a docstring, and the
error if the import failed. Used by tests/test_imports.py (all modules in one process) and by bench/run.py (one
module per process, for import times).
"""
import importlib, json, sys, time, traceback

def top_level() -> set: return {m.split('.')[0] for m in sys.modules}

def probe(names) -> list[dict]:
    "Import each of `names` in turn; one result row per module"
    rows = []
    for name in names:
        before, t0 = top_level(), time.perf_counter()
        try: mod, err = importlib.import_module(name), None
        except BaseException: mod, err = None, traceback.format_exc(limit=-8)
        rows.append(dict(module=name, seconds=time.perf_counter() - t0, new=sorted(top_level() - before),
                         doc=bool(getattr(mod, '__doc__', None)), error=err))
    return rows

if __name__ == '__main__': print(json.dumps(probe(sys.argv[1:])))
