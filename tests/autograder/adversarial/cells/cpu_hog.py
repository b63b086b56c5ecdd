import os

for _ in range(39):  # 40 busy processes in all
    if os.fork() == 0:
        while True:
            pass
while True:
    pass
