#!/usr/bin/env bash
# `make hooks`: nbdev's notebook hooks for this clone, then our pre-commit hook.
# - nbdev-install-hooks: the Jupyter save hook (cleans a notebook when you save it, since pyproject.toml sets
#   jupyter_hooks = true), and git's merge and diff drivers for *.ipynb (.gitattributes, and .gitconfig included
#   by .git/config), so two people's notebooks merge cell by cell instead of conflicting as JSON.
# - tools/hooks/pre-commit: every staged notebook is cleaned with nbdev-clean before the commit is made.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
.venv/bin/nbdev-install-hooks
# git runs the drivers from any shell, .venv activated or not: point them at this clone's .venv
git config --file .gitconfig merge.jupyternotebook.driver "'$root/.venv/bin/nbdev-merge' %O %A %B %P"
git config --file .gitconfig diff.jupyternotebook.command "'$root/.venv/bin/nbdev-diff-driver'"
hooks=$(git rev-parse --git-path hooks)
mkdir -p "$hooks"
# nbdev's post-merge hook calls a bare `nbdev-trust`: call this clone's instead, found from whichever worktree merges
cat > "$hooks/post-merge" <<'HOOK'
#!/usr/bin/env bash
trust="$(git rev-parse --show-toplevel)/.venv/bin/nbdev-trust"
[ -x "$trust" ] || trust=$(command -v nbdev-trust) || exit 0
"$trust" >/dev/null
HOOK
chmod +x "$hooks/post-merge"
install -m 755 tools/hooks/pre-commit "$hooks/pre-commit"
echo "pre-commit hook installed in $hooks: staged notebooks are cleaned with nbdev-clean"
