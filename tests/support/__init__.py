"""Helpers shared by the test tiers (tests/unit, tests/integration, tests/system): plain functions and
classes here, fixtures in tests/conftest.py and the pytest plugins it registers from this package."""
