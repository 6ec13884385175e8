"""Reports of a grading run: a table for people, JSON for machines (more formats beside these)."""
