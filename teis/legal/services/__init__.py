"""Legal knowledge base services, split by aggregate: `laws` (texts, versions, search), `codes` (violation
codes, case causes, outbox), `discretion` (benchmarks and their application), `warnings` (legal-change
warnings)."""
