"""Platform adapters: the only code that knows whether SCF or Lambda invoked us (events in, responses out).
No re-exports, so a function imports only the adapter it uses."""
