"""Shared by the browser end-to-end tests (imported as ``e2e_testkit``)."""
from __future__ import annotations

import sys
import time

sys.modules["e2e_testkit"] = sys.modules[__name__]

# Selects the words arguments[0] inside the article's paragraphs (DOM Selection API), as a
# reader's drag would; returns what the page reports as selected.
SELECT = """
const p = [...document.querySelectorAll('article p')].find((el) => el.textContent.includes(arguments[0]));
const node = p.firstChild, start = node.data.indexOf(arguments[0]);
const range = document.createRange();
range.setStart(node, start);
range.setEnd(node, start + arguments[0].length);
const sel = window.getSelection();
sel.removeAllRanges();
sel.addRange(range);
return sel.toString();
"""

SELECT_CAPTION = """
const c = document.querySelector('figcaption'), r = document.createRange();
r.selectNodeContents(c);
getSelection().removeAllRanges();
getSelection().addRange(r);
return getSelection().toString();
"""

# Asks the extension's background (from one of its own pages) to run a command; async.
SEND = """
const done = arguments[arguments.length - 1];
const api = globalThis.browser ?? globalThis.chrome;
api.runtime.sendMessage(arguments[0]).then(done, (e) => done({ok: false, error: String(e)}));
"""

# The id of the tab showing URL arguments[0] (from an extension page); async.
TAB_ID = """
const done = arguments[arguments.length - 1];
const api = globalThis.browser ?? globalThis.chrome;
api.tabs.query({}).then((tabs) => done((tabs.find((t) => t.url === arguments[0]) || {}).id ?? null),
                        (e) => done(null));
"""


def wait_until(run_script, source: str, *, timeout: float = 30, what: str = ""):
    """Run ``source`` in the browser (``run_script``: a driver's execute function) until it
    returns something truthy; return that."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = run_script(source)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what or source}: last {value!r}")
