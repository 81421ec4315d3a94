#!/usr/bin/env python
"""The documentation, built offline from the notebooks.

    python .ci/docs.py readme [--check]   nbs/index.ipynb -> README.md (--check: fail if README.md is out of date)
    python .ci/docs.py build [--out DIR]  the site: nbdev's processing into _proc/, then Sphinx + myst-nb into DIR (_docs/)
    python .ci/docs.py check DIR          the built site names the public API: every public function and class of every
                                          module has its anchor on its module's page; the front page names the commands

nbdev's own renderer (`nbdev_docs`) needs the quarto binary, and so does `nbdev_proc_nbs` (it installs quarto first
when it is missing); this script needs only packages from PyPI. It runs nbdev's processing of each notebook (every
exported function and class gets a `show_doc` section, with a table of its arguments added; hidden and exported cells
are dropped; the kept outputs stay) into `_proc/`, and renders the result with Sphinx, myst-nb and the furo theme
(settings in nbs/_sphinx/). Pages are named as nbdev names them (`00_core.ipynb` -> `core.html`), so nbdev's links
between pages (`core.html#config`) resolve in this site and in nbdev's. One difference: nbdev also executes test cells
that import something; they are skipped here and listed (see `_only_defs`).
"""
import argparse, ast, difflib, html, inspect, json, os, re, shutil, sys, time, warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT/'nbs'
SPHINX_CONF = NBS/'_sphinx'              # conf.py and the stylesheet; `_` keeps nbdev and quarto out of it
README_NOTE = '<!-- Generated from nbs/index.ipynb by `make readme`: edit the notebook, not this file. -->'

# ---------------------------------------------------------------------------------------------------------- README
def _directives(src:str)->dict:
    "The `#| key: value` lines that open a cell."
    d = {}
    for line in src.splitlines():
        m = re.match(r'\s*#\|\s*([\w-]+):?\s*(.*?)\s*$', line)
        if not m: break
        d[m.group(1)] = m.group(2)
    return d

def _strip_directives(src:str)->str: return re.sub(r'^\s*#\|.*(\n|$)', '', src, flags=re.M).strip('\n')

def _text_outputs(cell)->str:
    "A code cell's kept text outputs (streams and plain results), as one block."
    out = []
    for o in cell.get('outputs', []):
        if o['output_type'] == 'stream' and o.get('name') == 'stdout': out.append(''.join(o['text']))
        elif o['output_type'] in ('execute_result', 'display_data') and 'text/plain' in o.get('data', {}):
            if not {'text/markdown', 'text/html', 'image/png'} & set(o['data']): out.append(''.join(o['data']['text/plain']) + '\n')
    return ''.join(out).rstrip('\n')

def readme_text(nb_path:Path=NBS/'index.ipynb')->str:
    "README.md from the front-page notebook: markdown verbatim, code as python blocks followed by its text output."
    nb = json.loads(nb_path.read_text())
    parts = [README_NOTE]
    for c in nb['cells']:
        src = ''.join(c['source'])
        d = _directives(src)
        if c['cell_type'] == 'markdown': parts.append(src.strip('\n')); continue
        if c['cell_type'] != 'code' or 'hide' in d or d.get('include') == 'false' or 'default_exp' in d: continue
        code, out = _strip_directives(src), _text_outputs(c)
        if code and d.get('echo') != 'false': parts.append(f'```python\n{code}\n```')
        if out and d.get('output') != 'false': parts.append(f'```\n{out}\n```')
    return '\n\n'.join(parts) + '\n'

def readme(check:bool=False)->int:
    new, path = readme_text(), ROOT/'README.md'
    old = path.read_text() if path.exists() else ''
    if not check:
        if new != old: path.write_text(new)
        print(f'README.md {"written" if new != old else "up to date"} from nbs/index.ipynb'); return 0
    if new == old: print('README.md is up to date with nbs/index.ipynb'); return 0
    sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True), 'README.md', 'from nbs/index.ipynb', n=1))
    print('README.md is out of date: edit nbs/index.ipynb, then run `make readme`.'); return 1

# ------------------------------------------------------------------------------------------------------------ build
def _docments_table(sym)->str:
    "The table of a symbol's arguments (type, default, docment) that show_doc drew before nbdev 2.4, as markdown."
    from fastcore.docments import docments
    try: d = docments(sym, full=True)
    except Exception: return ''
    if not any(v.get('docment') for v in d.values()): return ''
    def fmt(x): return str(x).replace('|', '\\|').replace('\n', ' ')
    rows = ['| | **Type** | **Default** | **Details** |', '|---|---|---|---|']
    for k, v in d.items():
        anno = '' if v['anno'] is inspect.Parameter.empty else getattr(v['anno'], '__name__', v['anno'])
        if k == 'return':
            if anno or v['docment']: rows.append(f'| **Returns** | {fmt(anno)} | | {fmt(v["docment"] or "")} |')
            continue
        dflt = '' if v['default'] is inspect.Parameter.empty else f'`{v["default"]!r}`'
        rows.append(f'| `{k}` | {fmt(anno)} | {fmt(dflt)} | {fmt(v["docment"] or "")} |')
    return '\n\n' + '\n'.join(rows)

MIXED = []    # first lines of cells with imports and other code, which nbdev_docs would execute

def _only_defs(do_eval):
    """To document a notebook nbdev executes its exported cells, its show_doc cells and every cell with an import, with
    a warning when that cell also holds other code (a test, a training run). Run the first two kinds and import-only
    cells; skip (and report) the mixed ones: show_doc needs only the definitions, and tests are `make test`'s job."""
    def _do_eval(cell):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            if not do_eval(cell): return False
        if cell.directives_.keys() & {'export', 'exports', 'exporti', 'exec_doc'}: return True
        trees = cell.parsed_()
        if all(isinstance(t, (ast.Import, ast.ImportFrom)) for t in trees): return True
        if any(isinstance(t, ast.Expr) and getattr(getattr(t.value, 'func', None), 'id', '') == 'show_doc' for t in trees): return True
        MIXED.append(cell.source.strip().splitlines()[0][:50]); return False
    return _do_eval

def proc_nbs()->tuple:
    """nbdev's docs processing of every notebook into `_proc/`: what `nbdev_proc_nbs` does, without its quarto check,
    in this one process (torch is imported once), going on past a failing notebook; returns (`_proc`, failures)."""
    from nbdev import showdoc, serve, serve_drv
    from nbdev.config import get_config
    from nbdev.doclinks import nbglob
    from nbdev import processors
    if not getattr(showdoc.BasicMarkdownRenderer, '_with_table', False):
        md = showdoc.BasicMarkdownRenderer._repr_markdown_                 # show_doc output + the docments table
        showdoc.BasicMarkdownRenderer._repr_markdown_ = lambda self: md(self) + _docments_table(self.sym)
        showdoc.BasicMarkdownRenderer._with_table = True
        processors._do_eval = _only_defs(processors._do_eval)
    os.chdir(ROOT)
    cache = get_config().config_path/'_proc'
    shutil.rmtree(cache, ignore_errors=True)
    failed, mixed = [], []
    for f in nbglob(NBS, func=Path, file_glob='', file_re=''):        # the files nbdev's proc_nbs takes
        job = serve._proc_file(f, cache=cache, path=NBS)                 # copies plain files, returns notebooks' jobs
        if not job: continue
        n_mixed = len(MIXED)
        try: serve_drv.main(job)
        except Exception as e:
            failed.append(f.relative_to(ROOT)); msg = str(e).strip()
            print(f'docs: {f.relative_to(ROOT)} cannot be processed by nbdev (nbdev_docs fails on it too):\n'
                  + '\n'.join('    ' + l for l in msg.splitlines()[:12]), file=sys.stderr)
            if 'import' in msg: print('    nbdev runs every cell that imports something to document the notebook: '
                                      'keep imports in cells of their own.', file=sys.stderr)
        finally: os.environ.pop('IN_TEST', None)
        if len(MIXED) > n_mixed: mixed.append(f'    {f.relative_to(ROOT)}: ' + ' | '.join(MIXED[n_mixed:]))
    if mixed: print('docs: cells that mix imports with other code, skipped here; nbdev_docs would execute them (and fail '
                    'where they need earlier cells): keep imports in cells of their own.\n' + '\n'.join(mixed), file=sys.stderr)
    return cache, failed

def _page(rel:Path)->Path:
    "nbdev's page for a notebook: `00_core.ipynb` -> `core` (as `core.html` in nbdev's links)."
    from nbdev.doclinks import _nbpath2html
    return _nbpath2html(rel).with_suffix('')

def _relhref(page:Path, target:str)->str: return os.path.relpath(target, page.parent.as_posix() or '.')

_TAGS = {('echo', 'false'): 'remove-input', ('output', 'false'): 'remove-output', ('code-fold', 'show'): 'hide-input',
         ('code-fold', 'true'): 'hide-input'}

def _show_doc_md(c)->str: return ''.join(''.join(o.get('data', {}).get('text/markdown', '')) for o in c.get('outputs', []))
def _show_doc_name(md:str):
    m = re.search(r'^#+ (\S+)\s*$', md, re.M)
    return m and m.group(1)

def _cells(nb, page:Path, pages:dict, doc_url:str, documented:dict):
    "A processed notebook's cells as myst-nb renders them: show_doc output as markdown, quarto options as tags."
    import nbformat
    from docutils.nodes import make_id
    def links(md:str)->str:
        def site(m):      # nbdev's absolute links to the docs host -> relative ones; none to a name with no section
            tgt, _, anchor = m.group(2).partition('#')
            if anchor and anchor not in documented.get(tgt, ()): return m.group(1)
            return f'[{m.group(1)}]({_relhref(page, m.group(2))})'
        def nb_link(m):   # links to notebooks -> their pages
            tgt, anchor = m.group(1), m.group(2) or ''
            if re.match(r'\w+:', tgt): return m.group(0)
            p = pages.get(os.path.normpath(page.parent/tgt))
            return f'({_relhref(page, p + ".html")}{anchor})' if p else m.group(0)
        md = re.sub(r'\[([^\]]*)\]\(' + re.escape(doc_url) + r'([^)\s]*)\)', site, md)
        return re.sub(r'\(([^)\s#]+\.ipynb)(#[^)\s]*)?\)', nb_link, md)
    for c in nb.cells:
        src = c.source
        if c.cell_type == 'raw' and src.startswith('---'): continue
        if c.cell_type == 'markdown' and src.startswith('<!-- WARNING: THIS FILE WAS AUTOGENERATED'): continue
        if c.cell_type == 'code':
            d = _directives(src)
            if d.get('include') == 'false': continue
            if d.get('output') == 'asis':                   # a show_doc cell: its markdown becomes the page's text
                md = _show_doc_md(c)
                # nbdev's rule, source link (pandoc attributes) and anchor, where Sphinx's section id differs from it
                src_url = re.search(r'^\[source\]\(([^)]*)\)(\{[^}]*\})?\s*$', md, re.M)
                md = re.sub(r'^\s*---\s*\n|^\[source\]\(([^)]*)\)(\{[^}]*\})?\s*$', '', md, flags=re.M).lstrip()
                nm = _show_doc_name(md)
                anchor = f' id="{nm.lower()}"' if nm and make_id(nm) != nm.lower() else ''
                link = f'<a href="{html.escape(src_url.group(1))}">source</a>' if src_url else ''
                md = f'<p class="showdoc"{anchor}>{link}</p>\n\n{md}'
                c = nbformat.v4.new_markdown_cell(md)
            else:
                tags = [t for k, v in d.items() if (t := _TAGS.get((k, v)))]
                c.source = _strip_directives(src)
                c.metadata.pop('tags', None)
                if tags: c.metadata['tags'] = tags
                if not c.source and not c.outputs: continue
        if c.cell_type == 'markdown': c.source = links(c.source)
        yield c

def sphinx_sources(proc:Path, out:Path)->list:
    "Turn nbdev's processed notebooks into myst-nb's sources, one page per notebook; returns the pages in reading order."
    import nbformat, yaml
    from nbdev.config import get_config
    cfg = get_config()
    doc_url = cfg.doc_host.rstrip('/') + '/' + cfg.doc_baseurl.strip('/')
    doc_url = doc_url.rstrip('/') + '/'
    shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)
    nbs = sorted(p.relative_to(proc) for p in proc.rglob('*.ipynb') if not any(s.startswith('_') for s in p.relative_to(proc).parts))
    pages, seen = {}, {}
    for rel in nbs:
        pg = _page(rel).as_posix()
        if pg in seen: raise SystemExit(f'docs: {rel} and {seen[pg]} would both be the page {pg}.html: rename one.')
        seen[pg] = rel; pages[rel.as_posix()] = pg
    documented = {}                                        # page.html -> the anchors of its show_doc sections
    for rel in nbs:
        nb = nbformat.read(proc/rel, as_version=4)
        documented[pages[rel.as_posix()] + '.html'] = {n.lower() for c in nb.cells if c.cell_type == 'code'
                                                       and _directives(c.source).get('output') == 'asis' and (n := _show_doc_name(_show_doc_md(c)))}
    order = []
    for rel in nbs:
        nb = nbformat.read(proc/rel, as_version=4)
        fm = yaml.safe_load(nb.cells[0].source.strip().strip('-')) if nb.cells and nb.cells[0].cell_type == 'raw' else None
        fm = fm or {}
        page = Path(pages[rel.as_posix()])
        head = f"# {fm.get('title', page.name)}" + (f"\n\n> {fm['description']}" if fm.get('description') else '')
        nb.cells = [nbformat.v4.new_markdown_cell(head)] + list(_cells(nb, page, pages, doc_url, documented))
        nb.metadata.pop('widgets', None)                   # no widget state: the pages need no JavaScript from a CDN
        nb.metadata['language_info'] = {'name': 'python'}
        (out/page).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, (out/page).with_suffix('.ipynb'))
        order.append((page.as_posix(), fm.get('title', page.name)))
    for f in proc.rglob('*'):                              # pictures and other files the notebooks show
        r = f.relative_to(proc)
        if f.is_file() and f.suffix not in {'.ipynb', '.md', '.rst', '.yml', '.yaml', '.py'} and not any(s.startswith('_') for s in r.parts):
            (out/r).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(f, out/r)
    if not (out/'index.ipynb').exists(): raise SystemExit('docs: nbs/index.ipynb (the front page) is missing.')
    # the site's table of contents: the library notebooks in reading order, then one section per sub-folder
    groups = {}
    for pg, title in order:
        if pg != 'index': groups.setdefault(str(Path(pg).parent) if '/' in pg else '', []).append(pg)
    toc = ''.join(f'```{{toctree}}\n:hidden:\n:maxdepth: 1\n:caption: {re.sub(r"^[0-9]+[a-z]?_", "", g).replace("_", " ").capitalize() or "Library"}\n\n'
                  + '\n'.join(ps) + '\n```\n\n' for g, ps in sorted(groups.items()))
    nb = nbformat.read(out/'index.ipynb', as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(toc.strip()))
    nbformat.write(nb, out/'index.ipynb')
    return order

def build(out:Path)->int:
    "Process the notebooks and render the site into `out`."
    from sphinx.cmd.build import build_main
    t0 = time.time()
    proc, failed = proc_nbs()
    t1 = time.time()
    src = proc/'_sphinx'
    pages = sphinx_sources(proc, src)
    out, html = Path(out).resolve(), proc/'_site'/'html'        # myst-nb writes next to its output folder: keep it in _proc
    rc = build_main(['-b', 'html', '-q', '-E', '-W', '--keep-going', '-c', str(SPHINX_CONF), '-d', str(proc/'_doctrees'), str(src), str(html)])
    shutil.rmtree(out, ignore_errors=True)
    if html.exists(): shutil.move(html, out)
    t2 = time.time()
    print(f'docs: {len(pages)} pages in {out}/ (notebooks processed in {t1 - t0:.0f}s, rendered in {t2 - t1:.0f}s)')
    if rc: print(f'docs: Sphinx failed (exit {rc}): each warning above names a page (_proc/_sphinx/PAGE.ipynb) and a '
                 'position (10000 x cell + line) in it.')
    if failed: print(f'docs: no page for {", ".join(map(str, failed))}: nbdev could not process it (see above).')
    return 1 if rc or failed else 0

# ------------------------------------------------------------------------------------------------------------ check
def _ids_and_hrefs(page:Path):
    from html.parser import HTMLParser
    class P(HTMLParser):
        def __init__(self): super().__init__(); self.ids, self.hrefs = set(), []
        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if a.get('id'): self.ids.add(a['id'])
            if tag == 'a' and a.get('href'): self.hrefs.append(a['href'])
    p = P(); p.feed(page.read_text()); return p.ids, p.hrefs

def _text(page:Path)->str:
    "A page's visible text, white space collapsed."
    from html.parser import HTMLParser
    class P(HTMLParser):
        def __init__(self): super().__init__(); self.parts = []
        def handle_data(self, d): self.parts.append(d)
    p = P(); p.feed(page.read_text()); return re.sub(r'\s+', ' ', ''.join(p.parts))

def _public_api(lib:Path)->dict:
    "module name -> the functions and classes in its `__all__` (read from the generated source, nothing imported)."
    res = {}
    for f in sorted(lib.rglob('*.py')):
        if f.name.startswith('_'): continue
        tree = ast.parse(f.read_text())
        names = next((ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
                      and any(getattr(t, 'id', '') == '__all__' for t in n.targets)), [])
        defs = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        mod = '.'.join(f.relative_to(lib.parent).with_suffix('').parts)
        res[mod] = [n for n in names if n in defs]
    return res

def check(site:Path)->int:
    "The built site names the public API and its links between pages resolve."
    from nbdev.config import get_config
    site, errors = Path(site).resolve(), []
    index = site/'index.html'
    if not index.exists(): print(f'docs check: {index} is missing'); return 1
    text = _text(index)
    errors += [f'index.html does not name `{w}`' for w in ('make report', 'make test', 'make docs') if w not in text]
    ns = {}; exec((ROOT/get_config().lib_name/'_modidx.py').read_text(), ns)
    syms = {k: v for m in ns['d']['syms'].values() for k, v in m.items()}
    cache, n = {}, 0
    def page(p):
        if p not in cache: cache[p] = _ids_and_hrefs(site/p) if (site/p).exists() else None
        return cache[p]
    for mod, names in _public_api(ROOT/get_config().lib_name).items():
        for nm in names:
            loc = syms.get(f'{mod}.{nm}')
            if loc is None: errors.append(f'{mod}.{nm} is not in _modidx.py (run nbdev_export)'); continue
            pg, _, anchor = loc[0].partition('#')
            got = page(pg)
            if got is None: errors.append(f'{mod}.{nm}: its page {pg} was not built'); continue
            if anchor not in got[0]: errors.append(f'{mod}.{nm}: {pg} has no section #{anchor} (is its cell hidden?)')
            n += 1
    for f in sorted(site.rglob('*.html')):              # links between pages, and to sections of pages, resolve
        rel = f.relative_to(site)
        if rel.parts[0].startswith('_'): continue
        for h in page(rel.as_posix())[1]:
            if re.match(r'^(\w+:|//|mailto:)', h): continue
            tgt, _, anchor = h.partition('#')
            t = (f.parent/tgt).resolve() if tgt else f
            if not t.exists(): errors.append(f'{rel}: broken link {h}'); continue
            if anchor and t.suffix == '.html' and t.is_relative_to(site.resolve()):
                ids = page(t.relative_to(site.resolve()).as_posix())[0]
                if anchor not in ids: errors.append(f'{rel}: link {h} points to no section')
    for e in errors: print('docs check:', e)
    print(f'docs check: {n} public functions and classes found on their pages, {len(errors)} problems')
    return 1 if errors else 0

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('readme'); r.add_argument('--check', action='store_true')
    b = sub.add_parser('build'); b.add_argument('--out', default=None)
    c = sub.add_parser('check'); c.add_argument('site', nargs='?', default=None)
    a = ap.parse_args()
    def doc_path():
        from nbdev.config import get_config
        return get_config().doc_path
    if a.cmd == 'readme': sys.exit(readme(a.check))
    if a.cmd == 'build':
        rc = build(Path(a.out) if a.out else doc_path())
        # the notebooks' IPython shells clean up at exit, one garbage collection each (about a minute): nothing of
        # theirs needs keeping, so leave at once
        sys.stdout.flush(); sys.stderr.flush(); os._exit(rc)
    if a.cmd == 'check': sys.exit(check(Path(a.site) if a.site else doc_path()))
