"""Benchmarks for faceid-relay (`make bench`): layer size, cold start, hash throughput, memory, per-request
overhead and provider limits, each printed as a ratio to a named reference. Not tests: nothing asserts."""
