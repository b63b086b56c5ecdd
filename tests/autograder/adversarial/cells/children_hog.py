import os
import time

children = []
for _ in range(6):  # 6 x 200 MB resident, each child within its own address-space limit
    pid = os.fork()
    if pid == 0:
        block = b"y" * (200 << 20)
        time.sleep(3)
        os._exit(0)
    children.append(pid)
ends = [os.waitpid(pid, 0)[1] for pid in children]
print("children hog: killed", sum(os.WIFSIGNALED(s) for s in ends), "of", len(ends))
