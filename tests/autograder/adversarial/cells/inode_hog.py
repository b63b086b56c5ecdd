import os

os.makedirs("/tmp/many", exist_ok=True)
made = 0
try:
    while made < 400_000:  # empty files: no data, but kernel memory for every inode
        open(f"/tmp/many/{made}", "w").close()
        made += 1
    print("inode hog made", made, "files")
except OSError as e:
    print("inode hog stopped after", made, "files:", e.strerror)
