#!/usr/bin/python3
"""Load a btrack HTML report in headless Chromium and use it as an analyst
would: every object of the result is in the graph, a click shows its
details, the timeline highlights the edge under the pointer, the search
finds objects, zoom changes the view, nothing reaches the network, nothing
but the report's own script runs, and the console stays clean.

    check_report.py [--hostile TEXT ...] REPORT.html RESULT.json SHOT ...

Each REPORT.html is checked against RESULT.json, btrack's JSON output of
the same walk (the report must show its nodes and edges), and a
screenshot saved as SHOT (a PNG file name, or - for none); one browser
serves them all.  On every page nothing may run but the report's script
(no alert, no extra script element, no event attribute); --hostile: each
TEXT must be in some object's label of some result, and shown there as
text.  Exit 0: all good; 1: a check failed; 77: no usable Chromium here
(the reason on stdout).
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

try:
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
except ImportError as e:
    print("python3-selenium is not installed: %s" % e)
    sys.exit(77)

# Replace the dialogs before any script of the page runs: a name that
# managed to execute would leave its trace here instead of blocking.
TRAP = """
window.__bt_ran = [];
for (const f of ['alert', 'confirm', 'prompt', 'print'])
  window[f] = function (m) { window.__bt_ran.push(f + ':' + m); };
"""

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return cond


def start_browser(profile):
    chrome = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_bin = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not chrome or not os.path.exists(driver_bin):
        print("chromium or chromium-driver is not installed")
        sys.exit(77)
    o = Options()
    o.binary_location = chrome
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
              "--disable-dev-shm-usage", "--no-first-run",
              "--disable-extensions", "--disable-background-networking",
              "--disable-sync", "--window-size=1600,1000",
              "--user-data-dir=" + profile):
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        return webdriver.Chrome(service=Service(driver_bin), options=o)
    except WebDriverException as e:
        print("headless chromium does not start here: %s"
              % str(e).splitlines()[0])
        sys.exit(77)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hostile", action="append", default=[])
    ap.add_argument("pages", nargs="+")
    a = ap.parse_args()
    if len(a.pages) % 3:
        ap.error("REPORT RESULT SHOT, three at a time")
    pages = [a.pages[i:i + 3] for i in range(0, len(a.pages), 3)]
    seen = {t: False for t in a.hostile}

    profile = tempfile.mkdtemp(prefix="btrack-chromium-")
    d = start_browser(profile)
    try:
        d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                          {"source": TRAP})
        # Offline: the report must not need the network.
        d.execute_cdp_cmd("Network.enable", {})
        d.execute_cdp_cmd("Network.emulateNetworkConditions",
                          {"offline": True, "latency": 0,
                           "downloadThroughput": -1,
                           "uploadThroughput": -1})
        for report, result, shot in pages:
            res = json.load(open(result))
            d.get("file://" + os.path.abspath(report))
            run(d, res, a.hostile, seen, None if shot == "-" else shot)
            logs = d.get_log("browser")
            bad = [l for l in logs
                   if l.get("level") in ("SEVERE", "WARNING")]
            check(not bad, "%s: console messages: %s" % (report, bad))
            print("%s: %d objects, %d dependencies"
                  % (report, len(res["nodes"]), len(res["edges"])))
        for t, ok in seen.items():
            check(ok, "no result has a label with %r" % t)
    finally:
        d.quit()
        shutil.rmtree(profile, ignore_errors=True)
    if failures:
        print("%d check(s) failed" % len(failures), file=sys.stderr)
        return 1
    return 0


def run(d, res, hostile, seen, screenshot):
    js = d.execute_script
    nodes = res["nodes"]
    edges = res["edges"]
    index = {n["id"]: i for i, n in enumerate(nodes)}
    check(js("return document.readyState") == "complete", "page loaded")
    check(js("return performance.getEntriesByType('resource').length") == 0,
          "the report fetched resources: %s" % js(
              "return performance.getEntriesByType('resource')"
              ".map(e => e.name)"))

    # Every object of the result is a node of the drawing, with its label.
    drawn = js("""return [...document.querySelectorAll('#bt-graph g.node')]
        .filter(g => g.hasAttribute('data-node'))
        .map(g => [+g.dataset.node, g.querySelector('title').textContent])""")
    check(sorted(k for k, _ in drawn) == list(range(len(nodes))),
          "graph nodes %s, not 0..%d" % (sorted(k for k, _ in drawn),
                                         len(nodes) - 1))
    for k, title in drawn:
        if k < len(nodes):
            check(title == nodes[k]["label"],
                  "node %d is titled %r, not %r" % (k, title,
                                                    nodes[k]["label"]))
    # Every dependency is an edge of the drawing.
    pairs = js("""return [...document.querySelectorAll('#bt-graph g.edge')]
        .map(g => g.dataset.edges || '').join(' ').split(' ')
        .filter(x => x !== '').map(Number)""")
    check(sorted(pairs) == list(range(len(edges))),
          "graph edges %s, not 0..%d" % (sorted(pairs), len(edges) - 1))
    check(js("return document.querySelectorAll('#bt-timeline .row[data-edge]')"
             ".length") == len(edges), "one timeline row per dependency")

    # Click an object: its details show its label and its events.
    # The entry point ranked first, else the detection point.
    ks = sorted((n.get("rank", 99), i) for i, n in enumerate(nodes)
                if n["entry"])
    k = ks[0][1] if ks else 0
    g = d.find_element(By.CSS_SELECTOR, '#bt-graph g.node[data-node="%d"]'
                       % k)
    ActionChains(d).move_to_element(g).click().perform()
    det = d.find_element(By.ID, "bt-details")
    check(det.get_attribute("data-node") == str(k),
          "click on node %d shows %r" % (k, det.get_attribute("data-node")))
    check(d.find_element(By.ID, "bt-details-label").get_attribute(
        "textContent") == nodes[k]["label"], "details title is the label")
    nin = sum(1 for e in edges if index[e["to"]] == k)
    nout = sum(1 for e in edges if index[e["from"]] == k)
    heads = js("return [...document.querySelectorAll('#bt-details h3')]"
               ".map(h => h.textContent)")
    check("Events in (%d)" % nin in heads and "Events out (%d)" % nout
          in heads, "details list %d events in and %d out: %s"
          % (nin, nout, heads))
    check(js("return document.querySelector('#bt-graph g.node.sel')"
             "?.dataset.node") == str(k), "the clicked node is marked")

    # The timeline highlights the edge under the pointer, and back.
    if edges:
        row = d.find_element(By.CSS_SELECTOR, '#bt-timeline .row[data-edge]')
        i = int(row.get_attribute("data-edge"))
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})",
                         row)
        ActionChains(d).move_to_element(row).perform()
        hl = js("return [...document.querySelectorAll('#bt-graph g.edge.hl')]"
                ".map(g => g.dataset.edges)")
        check(any(str(i) in (h or "").split() for h in hl),
              "hovering timeline row %d highlights its edge: %s" % (i, hl))
        nhl = js("return [...document.querySelectorAll('#bt-graph g.node.hl')]"
                 ".map(g => +g.dataset.node).sort()")
        want = sorted({index[edges[i]["from"]], index[edges[i]["to"]]})
        check(nhl == want, "and its two ends %s: %s" % (want, nhl))
        ActionChains(d).move_to_element(
            d.find_element(By.ID, "bt-title")).perform()
        check(js("return document.querySelectorAll('.hl').length") == 0,
              "highlight cleared when the pointer leaves")

    # Search: a word of an object's label finds it.
    word = nodes[k]["label"][-6:]
    box = d.find_element(By.ID, "bt-search")
    box.send_keys(word)
    matched = js("return [...document.querySelectorAll('#bt-graph g.node"
                 ".match')].map(g => +g.dataset.node)")
    check(k in matched, "search %r finds node %d: %s" % (word, k, matched))
    box.send_keys(Keys.ENTER)
    check(det.get_attribute("data-node") in [str(m) for m in matched],
          "Enter in the search selects a match")
    box.send_keys(Keys.ESCAPE)
    check(js("return document.querySelectorAll('#bt-graph g.node.match')"
             ".length") == 0, "Escape clears the search")

    # Zoom and pan change the view; Fit brings it back.
    vb0 = js("return document.querySelector('#bt-graph svg')"
             ".getAttribute('viewBox')")
    d.find_element(By.ID, "bt-zoom-in").click()
    vb1 = js("return document.querySelector('#bt-graph svg')"
             ".getAttribute('viewBox')")
    check(vb1 != vb0, "zoom in changes the view")
    ActionChains(d).move_to_element_with_offset(
        d.find_element(By.ID, "bt-graph"), 5, 5).click_and_hold() \
        .move_by_offset(80, 40).release().perform()
    vb2 = js("return document.querySelector('#bt-graph svg')"
             ".getAttribute('viewBox')")
    check(vb2 != vb1, "dragging pans the view")
    d.find_element(By.ID, "bt-zoom-fit").click()
    check(js("return document.querySelector('#bt-graph svg')"
             ".getAttribute('viewBox')") == vb0, "Fit restores the view")

    # The filter explanation is there when the filters did something.
    ftext = d.find_element(By.ID, "bt-filters").text
    check("Before the filters" in ftext or "No filters ran" in ftext,
          "filter explanation: %r" % ftext[:200])

    # Hostile names: shown as text, never run.
    for text in hostile:
        if not any(text in n["label"] for n in nodes):
            continue
        seen[text] = True
        shown = js("return [...document.querySelectorAll('#bt-graph g.node "
                   "title')].some(t => t.textContent.includes(arguments[0]))",
                   text)
        check(shown, "%r is shown as text in the graph" % text)
    check(js("return window.__bt_ran") == [],
          "something ran: %s" % js("return window.__bt_ran"))
    check(js("return document.scripts.length") == 2,
          "only the report's two script elements: %d"
          % js("return document.scripts.length"))
    check(js("""return [...document.querySelectorAll('*')].filter(e =>
        [...e.attributes].some(x => /^on/i.test(x.name) ||
        /javascript:/i.test(x.value))).length""") == 0,
          "no element has an event attribute or a javascript: URL")
    check(js("return document.querySelectorAll('#bt-graph a, iframe, img, "
             "object, embed, foreignObject').length") == 0,
          "no link, frame, image or foreign object in the page")

    if screenshot:
        d.find_element(By.ID, "bt-zoom-fit").click()
        g = d.find_element(By.CSS_SELECTOR,
                           '#bt-graph g.node[data-node="%d"]' % k)
        ActionChains(d).move_to_element(g).click().perform()
        check(d.save_screenshot(screenshot), "screenshot saved")


if __name__ == "__main__":
    sys.exit(main())
