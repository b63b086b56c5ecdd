"""`python -m autograder.cli` is `lmcourse`."""

from autograder.cli import main

main()
