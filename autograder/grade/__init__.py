"""Fast, sandboxed, resumable batch grading that stays Otter-compatible.

    lmcourse grade --autograder dist/loss/autograder/autograder.zip submissions/ --out grades/loss

writes grades/loss/final_grades.csv (Otter's layout), grades/loss/results/<submission>.json (Gradescope
results.json form), grades/loss/similarity.csv (similar code, see similarity.py) and grades/loss/report.html.
See README.md, section "Grading"; the `lmcourse grade` command is autograder/cli/grade.py.
"""
