"""The validation layer: HTTP request and response models, the records kept on COS, and the rules they share.

Import from the submodule that owns a name (rules, requests, responses, records); nothing is re-exported."""
