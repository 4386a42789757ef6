"""A person's turns, one module (or package) per feature. Each declares a ``FEATURE``: the commands it
answers and the button actions it owns; it turns the turn into service calls and renders the replies."""
