"""Fetching: the portal registry, the Scrapy project and its one generic, registry-driven spider."""
