"""Territory engines: rules and assignment, design, split, rebalance, scenarios."""
