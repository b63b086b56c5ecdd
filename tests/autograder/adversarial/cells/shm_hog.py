from multiprocessing import shared_memory

blocks = []
try:
    for _ in range(24):  # POSIX shared memory lives in /dev/shm: 24 x 16 MB
        blocks.append(shared_memory.SharedMemory(create=True, size=16 << 20))
        blocks[-1].buf[:] = b"z" * (16 << 20)
    print("shm hog kept", 16 * len(blocks), "MB")
except OSError as e:
    print("shm hog stopped at", 16 * len(blocks), "MB:", e)
