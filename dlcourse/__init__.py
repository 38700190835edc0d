__version__ = "0.1.0"

# PyTorch's OpenMP threads spin while they wait for work: on a busy machine (a browser, another lesson) that made a
# lesson 12x slower (issue 21). OpenMP reads its policy once, when torch loads, so it can only be set before: here, at
# the first `import dlcourse`, if torch is not loaded yet and the user set no policy. It is the one environment
# variable the library sets (nbs/90_cli.ipynb, "Several lessons at once": `dlcourse run` and `dlcourse lab` set it too).
import os as _os, sys as _sys
if 'torch' not in _sys.modules: _os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
del _os, _sys
