"""Domain teams' code: one package per domain (services, data product descriptors) plus the feed generator."""
