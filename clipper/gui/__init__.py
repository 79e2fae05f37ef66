"""The Clipper desktop app (PySide6). Everything Qt lives here; the core never imports it.

Entry point: :func:`clipper.gui.app.run`.
"""
