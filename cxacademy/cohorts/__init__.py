"""Cohorts: groups of learners run by a trainer, assignments with due dates, and reports."""
