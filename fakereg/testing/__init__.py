"""The test-facing API: recorded traffic, matchers, faults, seeding and assertions."""
