import os

print("uid", os.getuid(), "gid", os.getgid(), "root listing", sorted(os.listdir("/")))
for path in ["__ZIP__", "__CHECKS__", "/etc/passwd", "/proc/1/environ", "__REPO__/solutions/loss/q1.py"]:
    try:
        with open(path, "rb") as f:
            print("LEAKED", path, f.read())
    except OSError as e:
        print("could not read", path, e)
found = []
for dirpath, dirnames, filenames in os.walk("/"):  # everything visible, hidden folders included ...
    dirnames[:] = [d for d in dirnames if not d.startswith("python3")]  # ... but the (read-only) Python installation
    for name in filenames + dirnames:
        if name in ("autograder.zip", "default.json", "variants.csv", "final_grades.csv", "solutions", "dist"):
            found.append(os.path.join(dirpath, name))
print("found", found)
