"""A PromQL evaluator over the demo world (parsing by promql-parser)."""
