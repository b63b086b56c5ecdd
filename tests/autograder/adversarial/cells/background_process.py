import os
import threading
import time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        while True:  # a daemon that should outlive grading
            time.sleep(0.5)
    os._exit(0)
threading.Thread(target=lambda: time.sleep(10**6)).start()  # a non-daemon thread too
