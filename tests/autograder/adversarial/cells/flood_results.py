import os

chunk = b"{}\n" * 100_000
for fd in range(3, 64):
    try:
        for _ in range(100):  # ~31 MB of "{}" lines into every descriptor
            os.write(fd, chunk)
    except OSError:
        pass
print("flooded")
