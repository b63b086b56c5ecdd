import ctypes

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
KEY = 0x4C4D43
seen = [i for i in range(3) if libc.shmget(KEY + i, 0, 0) >= 0]
keys = []
for ring in (-4, -3, -5):
    for name in ("user", "session", "user-session"):
        kid = libc.syscall(250, 10, ctypes.c_long(ring), b"user", f"lmcourse-{name}".encode(), 0)  # KEYCTL_SEARCH
        if kid > 0:
            keys.append(name)
print("READER segments", seen, "keys", keys)
