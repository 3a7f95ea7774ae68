"""The policy as data, value parsing and the pure engine: standard library and rapidfuzz only."""
