"""The quiz item bank (content only): one file per item in `items/`, shared helpers in `_common.py`.

The engine that discovers the items and renders their variants is a tool: `autograder.quiz.engine`. Adding a quiz
item means adding one file to `items/` (see AUTHORING.md); nothing else lists the items.
"""
