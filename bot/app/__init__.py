"""The composition root: settings, wiring of every service, and the runner of the roles."""
