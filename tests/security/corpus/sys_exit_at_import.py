"""sys.exit(3) while the lesson file is imported.

when: import
status: error
feedback: importing week1/padding.py called sys.exit(3)
"""
import sys

sys.exit(3)
