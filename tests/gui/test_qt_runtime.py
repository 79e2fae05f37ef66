"""The installed Qt binding must not corrupt the interpreter (a real PySide6 6.12.0 + CPython
3.11 bug: every void method call dropped a reference to None, aborting after a few thousand
calls). Run in a child process so a crash fails this test instead of killing the suite."""
import os
import subprocess
import sys

CHILD = """
import sys
from PySide6.QtCore import QObject
o = QObject()
before = sys.getrefcount(None)
for _ in range(50000):
    o.setObjectName("x")
print(before, sys.getrefcount(None))
"""


def test_void_qt_calls_keep_none_alive():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-500:]
    before, after = map(int, proc.stdout.split())
    assert after >= before - 100
