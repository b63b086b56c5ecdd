import sys
import types

# names a worker once imported after this submission ("learning"): an f2py __main__ (importing it raises
# SystemExit) and thousands of long library-looking names (more than one socket message holds)
sys.modules["numpy.f2py.__main__"] = types.ModuleType("planted")
for i in range(5000):
    sys.modules[f"torch.{'x' * 200}{i}"] = types.ModuleType("planted")
print("planted", len(sys.modules))
