import time

start = time.process_time()
while time.process_time() - start < 1.5:  # an honest cell that needs 1.5 s of CPU time
    pass
print("needed", round(time.process_time() - start, 1), "s of CPU")
