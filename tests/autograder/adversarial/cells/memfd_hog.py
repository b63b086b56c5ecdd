import os

fds = []
try:
    for i in range(48):  # 48 x 16 MB: each memfd within the file-size limit, 768 MB together
        fd = os.memfd_create(f"hog{i}")
        os.write(fd, b"x" * (16 << 20))
        fds.append(fd)
    print("memfd hog kept", 16 * len(fds), "MB")
except OSError as e:
    print("memfd hog stopped at", 16 * len(fds), "MB:", e)
