"""Accounts: users, roles, authentication, password reset, profile and admin user management."""
