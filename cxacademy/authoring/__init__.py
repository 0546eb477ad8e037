"""Authoring: trainers edit lessons in the browser, with drafts, previews, history and conflict checks."""
