# Sphinx configuration of the docs site (`make docs`, see .ci/docs.py). Its sources are the notebooks after nbdev's
# docs processing, so pages, show_doc sections and links are the ones `nbdev_docs` (quarto) makes from nbs/.
from configparser import ConfigParser
from pathlib import Path

_ini = ConfigParser(delimiters=['='])
_ini.read(Path(__file__).resolve().parents[2]/'settings.ini')
_s = _ini['DEFAULT']

project = _s['title']
author = _s['author']
copyright = _s['copyright']
release = version = _s['version']

extensions = ['myst_nb']
root_doc = 'index'
nb_execution_mode = 'off'              # the notebooks' kept outputs are shown as they are; nothing is re-run
nb_ipywidgets_js = {}                  # no scripts from a CDN: the site works offline
myst_all_links_external = True         # .ci/docs.py already made nbdev's links relative to the page
myst_enable_extensions = ['colon_fence']
suppress_warnings = ['myst.header']    # show_doc's `###` sections may follow a page title directly

html_theme = 'furo'
html_title = _s['title']
html_static_path = ['static']
html_css_files = ['custom.css']
html_copy_source = False
html_show_sourcelink = False
