"""bypass.routing: route queries, solver, frontier, plans, reports and the CLI."""
