"""Running a term: the class folder as the class's state, from hand-out to gradebook.

    handout.py    per-student bundles (notebook + kit), the LMS upload zip, the JupyterHub copy
    lms.py        Canvas's and Moodle's download names and zips, read as the LMS wrote them
    collect.py    inputs -> the class folder's submissions/, each with the identity its collector gave it
    store.py      the class's state: one SQLite file (roster, submissions, results, overrides, extensions, settings)
    deadlines.py  due date, extensions, late days and the late policy
    rows.py       one row per roster student (INTERFACES.md "class rows"): latest submission, overrides, penalty
    feedback.py   one feedback file per student (HTML + Markdown) and the LMS bulk feedback zips
    gradebook.py  Canvas and Moodle grade import CSVs and a plain one
    views.py      every output recomputed over the whole class from the store (CSVs, report, feedback, exports)
    run.py        one `lmcourse grade` run: record the instructor's files, collect, grade, index, recompute

Imports course, kit, quiz and grade; only build and cli import it.
"""
