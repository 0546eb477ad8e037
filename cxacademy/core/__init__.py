"""Core: the landing page, the learner's home, language switching and the health check."""
