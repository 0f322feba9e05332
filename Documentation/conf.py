# SPDX-License-Identifier: GPL-2.0
# Sphinx configuration for `make docs` (scripts/docs.sh).
project = "vmbkmcl"
copyright = "The vmbkmcl developers"
master_doc = "index"
exclude_patterns = ["_build"]
html_theme = "alabaster"
primary_domain = "c"
highlight_language = "none"
