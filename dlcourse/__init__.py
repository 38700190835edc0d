__version__ = "0.1.0"

# PyTorch's OpenMP threads spin while they wait for work: on a busy machine (a browser, another lesson) that made a
# lesson 12x slower; sleeping instead makes it a quarter slower on a quiet one (issue 21). OpenMP reads its settings
# once, when torch loads, so they can only be chosen before: here, at the first `import dlcourse`, if torch is not
# loaded yet and the user set none, for how busy the machine is now (`dlcourse.threads.wait_env`, nbs/90_cli.ipynb,
# "How PyTorch's threads wait"). They are the only environment variables the library sets.
import os as _os, sys as _sys
if 'torch' not in _sys.modules:
    from .threads import set_wait_env as _set_wait_env
    _set_wait_env(_os.environ)
    del _set_wait_env
del _os, _sys
