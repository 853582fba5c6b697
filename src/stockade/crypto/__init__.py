"""Keys, envelope encryption and signing; the only importer of `cryptography`."""
