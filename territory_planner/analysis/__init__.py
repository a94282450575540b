"""Analysis: KPIs and workload, quotas, performance, the market view."""
