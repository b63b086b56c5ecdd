"""The course as the tools see it: content found by folder (content.py) and the roster with its per-student
variants (variants.py). Imports lmcore, the runtime and the content; every tool package may import it, it imports
no tool."""
