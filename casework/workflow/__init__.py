"""The pure domain: route definitions, the engine, routing rules and clocks (no Flask, no ORM)."""
