"""The JSON API for proposals: Ninja routes and schemas (mounted by incubator/api.py)."""
