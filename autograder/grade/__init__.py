"""Fast, sandboxed, resumable batch grading that stays Otter-compatible.

    lmcourse grade --autograder dist/loss/autograder/autograder.zip submissions/ --out grades/loss

writes grades/loss/final_grades.csv (Otter's layout), grades/loss/results/<submission>.json (Gradescope
results.json form), grades/loss/similarity.csv and similarity.html (similar code: similarity.py, matching.py) and
grades/loss/report.html with students.html (the teacher's view: teaching.py, report_parts.py, report_plots.py).
See README.md, section "Grading"; the `lmcourse grade` command is autograder/cli/grade.py.
"""
