"""Credentials: completion certificates, external credentials (CCXP) with renewal credits, reminders."""
