# The commands of the README: `make demo`, `make test` and `make eval`. All install what they need.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
# the archive validators and replay (tests use them): pywb and wacz pin old redis, fakeredis and
# others, so they get their own virtualenv and never change the crawler's
TOOLS ?= .venv-tools
TOOLS_PACKAGES := wacz==0.6.0 pywb==2.10.0
STORE ?= data

.PHONY: install demo test eval bench bytecode chromium redis-server office-tools clean

install: $(VENV)/.installed $(TOOLS)/.installed bytecode chromium redis-server office-tools

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(TOOLS)/.installed: Makefile
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --upgrade pip
	$(TOOLS)/bin/pip install --quiet $(TOOLS_PACKAGES)
	touch $@

# The project's own modules compiled ahead (only those changed since): an editable install compiles
# none of them, and where PYTHONDONTWRITEBYTECODE is set (CI machines, many containers) Python never
# writes what it compiles, so every crawl process compiled its hundred-odd modules again (0.06 s of CPU)
bytecode: $(VENV)/.installed
	@$(BIN)/python -m compileall -q crawler spiders pipelines archive replica bench >/dev/null

# Debian's Chromium for the pages that need JavaScript (scrapy-playwright cannot download a browser here)
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Debian's Redis, for a crawl on many workers (crawler/cluster/); the tests start their own servers
redis-server:
	@command -v redis-server >/dev/null 2>&1 || { \
	  echo "installing Debian's redis-server"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq redis-server >/dev/null; }

# report files: Tesseract with its simplified-Chinese model (scanned PDFs), LibreOffice Writer (DOC and
# WPS files; it also writes the test files, replica/files/generate.py), python3-uno (one LibreOffice kept
# for a crawl's files, driven by the system Python) and Noto CJK fonts
OFFICE_PACKAGES := tesseract-ocr tesseract-ocr-chi-sim libreoffice-writer-nogui python3-uno fonts-noto-cjk
office-tools:
	@{ command -v tesseract && command -v soffice && tesseract --list-langs 2>/dev/null | grep -q chi_sim \
	   && /usr/bin/python3 -c 'import uno'; } >/dev/null 2>&1 || { \
	  echo "installing Debian's $(OFFICE_PACKAGES)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(OFFICE_PACKAGES) >/dev/null; }

# the offline portal: Chongqing's platform, then one portal on each other platform (the general spider)
demo: install
	$(BIN)/nianbao crawl chongqing_districts --offline --store $(STORE)
	$(BIN)/nianbao crawl portals --offline --store $(STORE)

test: install
	NIANBAO_TOOLS=$(abspath $(TOOLS)) $(BIN)/pytest -q

# the page reader against trafilatura's default on the labelled set (bench/): one table of figures
eval: $(VENV)/.installed
	$(BIN)/python -m bench.eval

# what the archive costs a crawl: ratios against a bare Scrapy crawl of the offline portal, same run;
# then the cluster (workers against one process, one worker's memory to 50k pages: bench/cluster.py --quick is short)
bench: install
	$(BIN)/python bench/crawl.py --rounds 3 --polite
	$(BIN)/python bench/recrawl.py
	$(BIN)/python bench/files.py
	$(BIN)/python bench/cluster.py

clean:
	rm -rf $(VENV) $(TOOLS) *.egg-info
