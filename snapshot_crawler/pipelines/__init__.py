"""Item pipelines, one stage a file, in the order ITEM_PIPELINES runs them:
validate -> normalize -> dedup -> archive."""
