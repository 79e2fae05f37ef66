"""The browser connector: the "Save to Clipper" extension's loopback endpoint.

- ``token``: the per-library pairing token (``meta`` table);
- ``capture``: a page and selection from the browser → an imported article and a passage
  (Qt-free, HTTP-free; an ordinary import job);
- ``server``: the HTTP server on 127.0.0.1 and its request checks.

The extension itself is in ``resources/extension/``; ``clipper serve`` and the desktop app
run the server (see README "Browser extension").
"""
