"""The submission's week1/padding.py is not a file but a symlink to the course's reference/week1/padding.py.

symlink: reference/week1/padding.py
when: import
status: missing
feedback: week1/padding.py is missing from the submission
"""
