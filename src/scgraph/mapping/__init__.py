"""Mapping files: their format (models), reading them with positions (loader), checking (checks)."""
