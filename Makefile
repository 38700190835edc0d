# The commands of the README. Each sets up .venv on first use (tools/setup-env.sh).
.PHONY: course test env hooks prepare docs preview bench slow outputs

course: env  ## run every lesson headless on the embedded data; pages in _lessons/
	.venv/bin/dlcourse run

test:  ## everything CI runs (.ci/run and .github/workflows/test.yml both call this)
	bash tools/test.sh

env:  ## the virtual environment in .venv, with the dev tools
	bash tools/setup-env.sh

hooks: env  ## developer set-up: nbdev's notebook hooks (clean on save and commit, merge driver)
	bash tools/install-hooks.sh

prepare: env  ## what nbdev-prepare does, offline (no Quarto): export, clean, test every notebook, README
	.venv/bin/nbdev-export
	.venv/bin/nbdev-clean
	bash -c '. tools/env.sh && .venv/bin/nbdev-test --n-workers 2 --flags "$$DLCOURSE_FLAGS"'
	.venv/bin/python tools/make_readme.py

docs: env  ## the offline documentation site, from the committed notebooks (not re-run): open _docs/index.html
	.venv/bin/dlcourse docs --out _docs

preview: docs  ## nbdev-preview's job, offline: serve _docs on http://127.0.0.1:3000 until Ctrl-C
	.venv/bin/python -m http.server 3000 --bind 127.0.0.1 --directory _docs

bench: env  ## measure the course (several minutes): writes bench/latest.md, then renders README.md with it
	.venv/bin/python bench/run.py

slow: env  ## every #| slow cell of every lesson, with and without the kaggle cells: writes bench/slow.md
	.venv/bin/python tools/slow.py

outputs: env  ## refresh committed outputs: make outputs LESSONS="09 11" (embedded data, one thread, no progress bars)
	.venv/bin/python tools/slow.py --modes default --save $(LESSONS)
