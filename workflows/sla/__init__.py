"""SLA clocks: targets, due times, the plan of notifications, and the engine that fires them."""
