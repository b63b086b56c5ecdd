import os

import numpy

try:
    with open("big", "wb") as f:
        f.write(b"\0" * 10**8)
    print("wrote a 100 MB file")
except OSError as e:
    print("big file refused:", e)
written = 0
try:
    for i in range(1000):  # 10 GB in 10 MB files
        with open(f"junk{i}", "wb") as f:
            f.write(b"\0" * 10**7)
        written += 10**7
except OSError as e:
    print("stopped after", written, "bytes:", e)
for path in [numpy.__file__, os.path.join(os.path.dirname(os.__file__), "site.py")]:
    try:
        with open(path, "a") as f:
            f.write("\nprint('pwned')\n")
        print("TAMPERED", path)
    except OSError as e:
        print("could not tamper with", path, e)
