"""Operators' view of the system: per-portal health, alerts that reach a person, the Airflow UI page."""
