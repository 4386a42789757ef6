"""Clock jobs: each round calls services; none pretends to be a person."""
