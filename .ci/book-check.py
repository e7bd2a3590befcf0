#!/usr/bin/env python3
"""Checks the built book (the HTML of `cargo xtask book`) in a real browser.

For every page: every relative link and asset resolves to a file of the site (and an anchor to
an id of the target page); headless Chromium loads the page, runs its scripts, and the page has
its content; every Mermaid diagram has been drawn as an SVG with no error text.

`--self-test` first breaks a copy of the site on purpose (one dangling link, one invalid
diagram) and requires the check to report both, so the check itself is proven able to fail.

`--screenshots DIR` also saves PNGs of the front page (`front-page.png`) and of one experiment
page (`experiment-<name>.png`: the first tutorial, by name), taken by the
same headless Chromium once the page's scripts have run; a missing or non-PNG file is a failure.

Prints one line per failure and a closing `N passed, N failed` line; exits 1 on any failure.
Standard library only.
"""

import argparse
import html.parser
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

SKIP = {"404.html", "print.html", "toc.html"}
# Upper bound of *virtual* time Chromium lets scripts run before dumping the DOM; virtual time
# advances as fast as the page goes idle, so this is no wall-clock wait.
BUDGET_MS = "30000"
MERMAID_BLOCK = re.compile(r'<pre class="mermaid"[^>]*>(.*?)</pre>', re.S)


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []  # (attribute, url)
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if "name" in a and tag == "a":
            self.ids.add(a["name"])
        for attr in ("href", "src"):
            if a.get(attr) and tag in ("a", "img", "script", "link", "iframe"):
                self.links.append((attr, a[attr]))


def parse(path):
    p = Page()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    return p


def pages_of(site):
    out = []
    for dirpath, _, files in os.walk(site):
        for name in files:
            rel = os.path.relpath(os.path.join(dirpath, name), site)
            if name.endswith(".html") and rel not in SKIP:
                out.append(rel)
    return sorted(out)


def check_links(site, page, parsed, cache):
    """Problems with the relative links of one page; also returns how many were checked."""
    problems, checked = [], 0
    base = os.path.dirname(page)
    for attr, url in parsed.links:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme or url.startswith("//") or url.startswith("mailto:"):
            continue
        checked += 1
        path = urllib.parse.unquote(parts.path)
        if not path:
            target = page
        else:
            target = os.path.normpath(os.path.join(base, path))
            if target.startswith(".."):
                problems.append(f"{page}: {attr}={url} leaves the site")
                continue
            full = os.path.join(site, target)
            if os.path.isdir(full):
                target = os.path.join(target, "index.html")
                full = os.path.join(site, target)
            if not os.path.isfile(full):
                problems.append(f"{page}: broken link {attr}={url}")
                continue
        if parts.fragment and target.endswith(".html"):
            if target not in cache:
                cache[target] = parse(os.path.join(site, target))
            if urllib.parse.unquote(parts.fragment) not in cache[target].ids:
                problems.append(f"{page}: {url}: no id {parts.fragment!r} in {target}")
    return problems, checked


def render(chromium, site, page, profile):
    url = "file://" + os.path.abspath(os.path.join(site, page))
    cmd = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={profile}",
        f"--virtual-time-budget={BUDGET_MS}", "--dump-dom", url,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return out.returncode, out.stdout, out.stderr


def check_render(chromium, site, page, profile):
    """Problems with one page in the browser, and the number of diagrams drawn."""
    code, dom, err = render(chromium, site, page, profile)
    if code != 0 or "<main" not in dom:
        return [f"{page}: Chromium did not render it (exit {code}): {err.strip()[-300:]}"], 0
    problems = []
    with open(os.path.join(site, page), encoding="utf-8") as f:
        expected = len(MERMAID_BLOCK.findall(f.read()))
    blocks = MERMAID_BLOCK.findall(dom)
    if len(blocks) != expected:
        problems.append(f"{page}: {expected} diagrams in the page, {len(blocks)} after scripts ran")
    drawn = 0
    for i, block in enumerate(blocks, 1):
        if "<svg" not in block:
            problems.append(f"{page}: diagram {i} was not drawn (no SVG)")
        elif 'aria-roledescription="error"' in block or "Syntax error" in block:
            problems.append(f"{page}: diagram {i} drew an error")
        else:
            drawn += 1
    return problems, drawn


def check_site(site, chromium, only=None):
    pages = only or pages_of(site)
    if not pages:
        return [f"{site}: no pages"], {"pages": 0, "links": 0, "diagrams": 0, "passed": 0}
    cache, failures, links, passed = {}, [], 0, 0
    for page in pages:
        cache.setdefault(page, parse(os.path.join(site, page)))
        problems, n = check_links(site, page, cache[page], cache)
        failures += problems
        passed += not problems
        links += n
    with tempfile.TemporaryDirectory(prefix="book-chromium-") as profiles:
        def one(i_page):
            i, page = i_page
            return check_render(chromium, site, page, os.path.join(profiles, str(i)))
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(one, enumerate(pages)))
    diagrams = 0
    for problems, drawn in results:
        failures += problems
        passed += not problems
        diagrams += drawn
    return failures, {"pages": len(pages), "links": links, "diagrams": diagrams, "passed": passed}


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SHOT_SIZE = "1280,1600"


def experiment_page(site):
    """The first experiment tutorial, by name."""
    tutorials = [p for p in pages_of(site) if re.fullmatch(r"experiments/[^/]+/tutorial\.html", p)]
    return tutorials[0] if tutorials else None


def screenshot(chromium, site, page, png, profile):
    """One page as a PNG, after its scripts ran; a problem, or None."""
    url = "file://" + os.path.abspath(os.path.join(site, page))
    cmd = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--hide-scrollbars", f"--user-data-dir={profile}",
        f"--window-size={SHOT_SIZE}", f"--virtual-time-budget={BUDGET_MS}",
        f"--screenshot={os.path.abspath(png)}", url,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    try:
        with open(png, "rb") as f:
            head = f.read(len(PNG_MAGIC))
    except OSError:
        head = b""
    if out.returncode != 0 or head != PNG_MAGIC:
        return f"{page}: no screenshot at {png} (exit {out.returncode}): {out.stderr.strip()[-300:]}"
    return None


def screenshots(site, chromium, out_dir):
    """The front page and one experiment page as PNGs in out_dir; problems and the files."""
    os.makedirs(out_dir, exist_ok=True)
    shots = [("index.html", "front-page.png")]
    page = experiment_page(site)
    if page is None:
        return [f"{site}: no experiment page to screenshot"], []
    shots.append((page, f"experiment-{page.split('/')[1]}.png"))
    problems, files = [], []
    with tempfile.TemporaryDirectory(prefix="book-shot-") as profiles:
        for i, (page, name) in enumerate(shots):
            png = os.path.join(out_dir, name)
            if os.path.exists(png):
                os.remove(png)
            problem = screenshot(chromium, site, page, png, os.path.join(profiles, str(i)))
            if problem:
                problems.append(problem)
            else:
                files.append(png)
    return problems, files


def self_test(site, chromium):
    """Breaks a copy of the site and requires both breakages to be reported."""
    with tempfile.TemporaryDirectory(prefix="book-broken-") as tmp:
        copy = os.path.join(tmp, "html")
        shutil.copytree(site, copy)
        page = next(p for p in pages_of(copy) if p != "index.html")
        path = os.path.join(copy, page)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        broken = (
            '<p><a href="no-such-page.html">dangling</a></p>'
            '<pre class="mermaid">flowchart LR\n  A --&gt;</pre>'
        )
        text = text.replace("</main>", broken + "</main>", 1)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        failures, _ = check_site(copy, chromium, only=[page])
    link = any("broken link href=no-such-page.html" in f for f in failures)
    diagram = any(page in f and ("drew an error" in f or "not drawn" in f) for f in failures)
    if link and diagram:
        return []
    return [f"self-test: the broken copy of {page} was not caught (link={link}, diagram={diagram}): {failures}"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("site", help="the built HTML folder, e.g. target/book/html")
    ap.add_argument("--chromium", default=os.environ.get("CHROMIUM", "chromium"))
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("--screenshots", metavar="DIR", help="save PNGs of the front page and one experiment page here")
    args = ap.parse_args()
    if shutil.which(args.chromium) is None:
        print(f"book-check: {args.chromium} not found (Debian package chromium)", file=sys.stderr)
        return 1
    failures = self_test(args.site, args.chromium) if args.self_test else []
    passed = int(args.self_test and not failures)
    site_failures, n = check_site(args.site, args.chromium)
    failures += site_failures
    passed += n["passed"]
    if args.screenshots:
        shot_failures, files = screenshots(args.site, args.chromium, args.screenshots)
        failures += shot_failures
        passed += len(files)
        for png in files:
            print(f"book-check: screenshot {png} ({os.path.getsize(png)} bytes)")
    for f in failures:
        print(f"FAIL {f}")
    print(
        f"book-check: {n['pages']} pages rendered in Chromium, {n['links']} relative links, "
        f"{n['diagrams']} Mermaid diagrams drawn"
    )
    print(f"{passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
