"""Data products: descriptors (what a product is), the loader, the catalog, and provisioning on Kafka."""
