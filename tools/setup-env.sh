#!/usr/bin/env bash
# Create (or reuse) the project's virtual environment in .venv and install dlcourse with its dev tools.
# Re-installs only when pyproject.toml changed since the last install. Works offline if the packages are
# in pip's configured indexes / local wheel folders.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
  # $PYTHON if set; else the fastest build of python3's version on this machine (tools/pick_python.py: a build
  # without profile-guided and link-time optimisation, like pyenv's default, ran the suite 9% slower: CONTRIBUTING.md)
  PY=${PYTHON:-$(python3 tools/pick_python.py || echo python3)}
  echo "== creating $VENV with $PY ($("$PY" --version))"
  "$PY" -m venv "$VENV"
fi
stamp="$VENV/.dlcourse-installed"
want=$(sha256sum pyproject.toml | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "== installing dlcourse and its dependencies into $VENV (first time: a few minutes; torch is large)"
  free=$(df -Pk "$VENV" | awk 'NR == 2 { printf "%.1f", $4 / 1048576 }')
  if awk -v f="$free" 'BEGIN { exit !(f < 7) }'; then  # measured: .venv is 6.6 GB with torch's x86_64 (CUDA) build
    echo "warning: $free GB free where $VENV is; the install takes about 7 GB on x86_64 (less on aarch64)" >&2
  fi
  t0=$(date +%s)
  "$VENV/bin/pip" install -q --disable-pip-version-check -e ".[dev]" 2>&1 | grep -v "^WARNING: Location" || true
  "$VENV/bin/python" -c "import dlcourse, torch, fastai, timm, nbdev" || { echo "install failed" >&2; exit 1; }
  echo "$want" > "$stamp"
  echo "== installed in $(( $(date +%s) - t0 ))s"
fi
