import ctypes
import sys

# the initial stack: argv and envp strings, read through the pointers the kernel put there
libc = ctypes.CDLL(None)
found = []
try:
    end = ctypes.c_void_p.in_dll(libc, "__libc_stack_end").value
    argc = ctypes.c_long.from_address(end).value
    p = end + 8 * (argc + 2)
    while (s := ctypes.c_void_p.from_address(p).value):
        found.append(ctypes.string_at(s).decode(errors="replace"))
        p += 8
except Exception as e:
    found.append(f"stack not read: {e!r}")
print("envp:", found)
print("argv:", sys.orig_argv)
print("files:", sorted({m.__file__.rsplit("/", 2)[0] for m in list(sys.modules.values())
                        if isinstance(getattr(m, "__file__", None), str)}))
