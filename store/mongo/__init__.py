"""The durable half of the store: MongoDB (or the embedded nx-27017) through PyMongo's async API."""
