# The commands of the README. Each sets up .venv on first use (tools/setup-env.sh).
.PHONY: course test env bench docs

course: env  ## run every lesson headless on the embedded data; pages in _lessons/
	.venv/bin/dlcourse run

docs: env  ## the offline documentation site, from the committed notebooks (not re-run): open _docs/index.html
	.venv/bin/dlcourse docs --out _docs

test:  ## everything CI runs
	bash tools/test.sh

env:
	bash tools/setup-env.sh

bench: env  ## measure the course (several minutes): writes bench/latest.md, then renders README.md with it
	.venv/bin/python bench/run.py
