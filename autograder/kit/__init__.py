"""What students and Gradescope install, and nothing that computes an answer.

- `edition`: the student edition of lmcore (the reference library minus every function a question asks for),
  cut from the real sources by `lmcore_ast`, plus a copy of autograder.runtime;
- `wheel`: that edition as one reproducible wheel;
- `package`: `lmcourse build`'s last step, the student kit (DIR/<id>/student/requirements.txt + the wheel);
- `gradescope`: the autograder.zip post-processing that makes it install what its tests need on Gradescope.
"""
