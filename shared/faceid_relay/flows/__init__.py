"""The logic of each job: takes and returns models, raises catalogue errors, knows no events or HTTP."""
