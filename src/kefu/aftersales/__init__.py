"""After-sales: what a request is entitled to (policy), and later the cases, refunds and warehouse."""
