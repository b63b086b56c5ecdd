import sys
import types

# names a worker would once have imported after this submission ("learning"): planted modules, an f2py __main__
# that raises SystemExit, and thousands of long names
for i in range(5000):
    sys.modules["torch." + "x" * 200 + str(i)] = types.ModuleType("evil")
sys.modules["numpy.evil_planted"] = types.ModuleType("evil")
try:
    import numpy.f2py.__main__  # noqa: F401
except BaseException as e:
    print("f2py main:", type(e).__name__)
