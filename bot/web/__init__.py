"""The organizers' dashboard: a Starlette app over the services and repositories (layer 6).

``create_app`` (:mod:`bot.web.app`) builds it from a :class:`bot.web.context.DashboardContext`;
``bot.app.dashboard_server`` wires it to the core and serves it with uvicorn in the bot's event loop.
"""
