"""faceid-relay: the layer every function ships with (models, settings, adapters, clients, flows)."""
